#include "core/node_lock.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>

#include "base/rundir.h"
#include "core/group.h"

int sdg_node_lock_open(const uint8_t uuid[16])
{
	char id[37], path[PATH_MAX];
	sdg_uuid_format(uuid, id);
	snprintf(path, sizeof(path), "%s/group-%s.lock", sd_run_dir(), id);
	return open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
}

int sdg_node_lock_attach(struct sd_io *io, const uint8_t uuid[16])
{
	int fd = sdg_node_lock_open(uuid);
	if (fd >= 0)
		io->lock_fd = fd;
	return fd;
}
