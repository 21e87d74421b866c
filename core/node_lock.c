#include "core/node_lock.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include "base/rundir.h"
#include "core/group.h"

static void run_file(const uint8_t uuid[16], const char *suffix, char path[PATH_MAX])
{
	char id[37];
	sdg_uuid_format(uuid, id);
	snprintf(path, PATH_MAX, "%s/group-%s.%s", sd_run_dir(), id, suffix);
}

int sdg_node_lock_open(const uint8_t uuid[16])
{
	char path[PATH_MAX];
	run_file(uuid, "lock", path);
	return open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
}

int sdg_node_fence_mark(const uint8_t uuid[16], bool on)
{
	char path[PATH_MAX];
	run_file(uuid, "fenced", path);
	if (!on)
		return unlink(path) && errno != ENOENT ? -errno : 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

bool sdg_node_fenced(const uint8_t uuid[16])
{
	char path[PATH_MAX];
	run_file(uuid, "fenced", path);
	return access(path, F_OK) == 0;
}

int sdg_node_lock_attach(struct sd_io *io, const uint8_t uuid[16])
{
	int fd = sdg_node_lock_open(uuid);
	if (fd >= 0)
		io->lock_fd = fd;
	return fd;
}
