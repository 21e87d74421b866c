/* Whether a stardm monitor runs for a group on this node: the monitor holds
 * an exclusive flock on /run/stardm/monitor-GROUP.lock for its lifetime
 * (the kernel drops it when the process dies, however it dies). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "cli.h"

static int open_lock(const char *group)
{
	char path[320];
	snprintf(path, sizeof(path), "%s/monitor-%s.lock", cli_run_dir(), group);
	return open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
}

int cli_monitor_lock(const char *group, struct sd_err *err)
{
	int fd = open_lock(group);
	if (fd < 0)
		return sd_fail(err, errno, "cannot open the monitor lock of group %s: %s", group,
			       strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return fd; /* held until exit */
	close(fd);
	return sd_fail(err, EBUSY, "a monitor for group %s already runs on this node", group);
}

bool cli_monitor_running(const char *group)
{
	int fd = open_lock(group);
	if (fd < 0)
		return false;
	bool held = flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
	close(fd);
	return held;
}
