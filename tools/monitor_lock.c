/* Whether a stardm monitor runs for a group on this node: the monitor holds
 * an exclusive flock on /run/stardm/monitor-UUID.lock for its lifetime
 * (the kernel drops it when the process dies, however it dies).  The lock
 * is the group's uuid, not its name: a LUN formatted again under the same
 * name is another group, whose monitor must not be taken for the old
 * one's.  The file
 * also holds the monitor's heartbeat health, one line
 * "heartbeat_failures N last_failure_ns T <last error>", for status. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "base/rundir.h"
#include "core/group.h"
#include "cli.h"

static int open_lock(const struct sdg *g)
{
	char path[320], id[37];
	sdg_uuid_format(sdg_geometry(g)->uuid, id);
	snprintf(path, sizeof(path), "%s/monitor-%s.lock", sd_run_dir(), id);
	return open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
}

int cli_monitor_lock(const struct sdg *g, struct sd_err *err)
{
	const char *group = sdg_name(g);
	int fd = open_lock(g);
	if (fd < 0)
		return sd_fail(err, errno, "cannot open the monitor lock of group %s: %s", group,
			       strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
		(void)!ftruncate(fd, 0); /* a new monitor: no failures of an earlier one */
		return fd;               /* held until exit */
	}
	close(fd);
	return sd_fail(err, EBUSY, "a monitor for group %s already runs on this node", group);
}

bool cli_monitor_running(const struct sdg *g)
{
	int fd = open_lock(g);
	if (fd < 0)
		return false;
	bool held = flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
	close(fd);
	return held;
}

void cli_monitor_note_beat(int fd, const struct cli_beat_health *h)
{
	char line[700];
	int n = snprintf(line, sizeof(line), "heartbeat_failures %" PRIu64 " last_failure_ns %" PRIu64
			 " %s\n", h->failures, h->last_failure_ns, h->last_error);
	if (n < 0 || (size_t)n >= sizeof(line))
		n = (int)strlen(line);
	/* best effort: the same failure also went to the journal */
	if (pwrite(fd, line, (size_t)n, 0) == n)
		(void)!ftruncate(fd, n);
}

bool cli_monitor_health(const struct sdg *g, struct cli_beat_health *h)
{
	memset(h, 0, sizeof(*h));
	int fd = open_lock(g);
	if (fd < 0)
		return false;
	char line[700] = "";
	ssize_t n = pread(fd, line, sizeof(line) - 1, 0);
	close(fd);
	if (n <= 0)
		return false;
	line[n] = '\0';
	int off = 0;
	if (sscanf(line, "heartbeat_failures %" SCNu64 " last_failure_ns %" SCNu64 " %n",
		   &h->failures, &h->last_failure_ns, &off) != 2)
		return false;
	snprintf(h->last_error, sizeof(h->last_error), "%s", line + off);
	h->last_error[strcspn(h->last_error, "\n")] = '\0';
	return true;
}
