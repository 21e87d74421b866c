/* Waiting for the next event of any dm device (a thin pool's low water
 * mark, running out of space, a change of mode): /dev/mapper/control,
 * armed with DM_DEV_ARM_POLL, turns readable once any device raises an
 * event after the arming.  The arming belongs to the open file that is
 * polled, and libdevmapper keeps its control file to itself, so this is
 * the one ioctl dm/ makes without libdevmapper. */
#include <errno.h>
#include <fcntl.h>
#include <linux/dm-ioctl.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "dm/dm.h"

int sdm_events_open(struct sd_err *err)
{
	int fd = open("/dev/mapper/control", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return sd_fail(err, errno, "cannot open /dev/mapper/control: %s", strerror(errno));
	return fd;
}

int sdm_events_arm(int fd, struct sd_err *err)
{
	struct dm_ioctl io;
	memset(&io, 0, sizeof(io));
	/* DM_DEV_ARM_POLL came with interface 4.37 (Linux 4.13) */
	io.version[0] = DM_VERSION_MAJOR;
	io.version[1] = 37;
	io.data_size = sizeof(io);
	io.data_start = sizeof(io);
	if (ioctl(fd, DM_DEV_ARM_POLL, &io) < 0)
		return sd_fail(err, errno, "cannot arm the dm event poll: %s", strerror(errno));
	return 0;
}

int sdm_events_wait(int fd, unsigned timeout_ms, struct sd_err *err)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int n = poll(&p, 1, (int)timeout_ms);
	if (n < 0 && errno != EINTR)
		return sd_fail(err, errno, "cannot poll for dm events: %s", strerror(errno));
	return n > 0 && (p.revents & POLLIN) ? 1 : 0;
}
