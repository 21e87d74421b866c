/* Waiting for udev through its own announcements.  udev tells listeners
 * on its netlink socket about each event once its rules (links, RUN
 * programs) are done; listening there is how a command learns that the
 * node and links of a device it made, resumed or removed are ready,
 * without libdevmapper's cookie semaphores, whose release costs two
 * programs (dmsetup udevflags, dmsetup udevcomplete) in every event.
 * Private to dm/; single-threaded, as libdevmapper's node stack is. */
#ifndef STARDM_DM_UDEV_WATCH_H
#define STARDM_DM_UDEV_WATCH_H

#include <stdbool.h>
#include <stdint.h>

/* Start listening, before the ioctl whose event is to be waited for (an
 * event udev announced before this is not seen).  Listening goes on until
 * udev_watch_wait.  0, or -1 when the socket cannot be opened. */
int udev_watch_listen(void);
/* The device major:minor will raise an event: a removal when gone, else a
 * change (a resume). */
void udev_watch_expect(uint32_t major, uint32_t minor, bool gone);
/* Wait until udev announced every expected event, or limit_ms passed;
 * then stop listening and forget them.  1 when all came, 0 when the limit
 * ran out.  If the socket overflowed (events lost), waits instead for
 * udev's queue to empty, within the same limit. */
int udev_watch_wait(uint64_t limit_ms);

#endif
