/* Waiting for udev through its announcements (udev_watch.h). */
#include <errno.h>
#include <libudev.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "base/clock.h"
#include "base/env.h"
#include "base/trace.h"
#include "udev_watch.h"

/* The socket's receive buffer: udev announces every block device's
 * events, and a node activating its pools makes hundreds at once; the
 * kernel takes the memory only as messages wait.  STARDM_UDEV_BUFFER
 * (bytes) sets another size: a larger one for a node whose boot storms
 * overflow it, a tiny one to see the overflow path work. */
static int receive_buffer(void)
{
	return (int)sd_env_number("STARDM_UDEV_BUFFER", 64 << 20, INT_MAX);
}

struct expected {
	dev_t dev;
	bool gone;
};

static struct udev *udev;
static struct udev_monitor *monitor;
static struct expected *want;
static size_t wanted, room;
/* events may have been missed: the socket overflowed, or it or the list of
 * expected events could not be made */
static bool lost;

int udev_watch_listen(void)
{
	if (monitor)
		return 0;
	if (!udev)
		udev = udev_new();
	monitor = udev ? udev_monitor_new_from_netlink(udev, "udev") : NULL;
	if (monitor && udev_monitor_filter_add_match_subsystem_devtype(monitor, "block", "disk") >= 0 &&
	    udev_monitor_enable_receiving(monitor) >= 0) {
		udev_monitor_set_receive_buffer_size(monitor, receive_buffer());
		return 0;
	}
	if (monitor)
		udev_monitor_unref(monitor);
	monitor = NULL;
	lost = true;
	return -1;
}

void udev_watch_expect(uint32_t major, uint32_t minor, bool gone)
{
	if (wanted == room) {
		size_t more = room ? 2 * room : 16;
		struct expected *w = realloc(want, more * sizeof(*w));
		if (!w) {
			lost = true;
			return;
		}
		want = w, room = more;
	}
	want[wanted++] = (struct expected){ makedev(major, minor), gone };
}

/* Strike out the expected event that d announces, if it is one. */
static void strike(struct udev_device *d)
{
	const char *action = udev_device_get_action(d);
	bool gone = action && !strcmp(action, "remove");
	if (!action || (!gone && strcmp(action, "change")))
		return;
	dev_t dev = udev_device_get_devnum(d);
	for (size_t i = 0; i < wanted; i++)
		if (want[i].dev == dev && want[i].gone == gone) {
			want[i] = want[--wanted];
			return;
		}
}

/* Read announcements until none is expected or the clock reaches end. */
static void receive(uint64_t end)
{
	int fd = udev_monitor_get_fd(monitor);
	uint64_t now;
	while (wanted && !lost && (now = sd_monotonic_ms()) < end) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		uint64_t left = end - now;
		int r = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
		if (r < 0 && errno != EINTR)
			return;
		if (r <= 0)
			continue;
		errno = 0;
		struct udev_device *d = udev_monitor_receive_device(monitor);
		if (d) {
			strike(d);
			udev_device_unref(d);
		} else if (errno == ENOBUFS) {
			lost = true;
		}
	}
}

/* Whether udev's event queue is empty by the time the clock reaches end. */
static bool queue_empty_by(uint64_t end)
{
	struct udev_queue *q = udev ? udev_queue_new(udev) : NULL;
	bool empty = false;
	while (q && !(empty = udev_queue_get_queue_is_empty(q)) && sd_monotonic_ms() < end)
		sd_sleep_ms(10);
	if (q)
		udev_queue_unref(q);
	return empty;
}

/* After lost announcements: wait until udev has no event left to work on
 * (the ones expected were queued before this). */
static bool queue_wait(uint64_t end)
{
	uint64_t t = sd_trace_begin();
	bool empty = queue_empty_by(end);
	sd_trace_end(t, "udev-queue-wait");
	return empty;
}

#ifdef STARDM_TEST_HOOKS
/* Test builds: STARDM_UDEV_READ_LATE=1 reads no announcement until udev
 * has worked through its queue, as a node too busy to read them would.
 * With a small STARDM_UDEV_BUFFER the socket then overflows every time,
 * not only when udev happens to be quicker than the reader.  The pause
 * first gives udev time to take the kernel's events into its queue. */
static void read_late(uint64_t end)
{
	const char *e = getenv("STARDM_UDEV_READ_LATE");
	if (!e || strcmp(e, "1"))
		return;
	sd_sleep_ms(500);
	queue_empty_by(end);
}
#else
static inline void read_late(uint64_t end)
{
	(void)end;
}
#endif

int udev_watch_wait(uint64_t limit_ms)
{
	uint64_t end = sd_monotonic_ms() + limit_ms;
	if (monitor) {
		read_late(end);
		receive(end);
	}
	bool done = !wanted || (lost && queue_wait(end));
	if (monitor)
		udev_monitor_unref(monitor);
	monitor = NULL;
	wanted = 0;
	lost = false;
	return done;
}
