/* This node's heartbeat in its host slot of a group: the write counter
 * that other nodes watch before a forced takeover (core/owner.c).  The
 * node monitor renews it from a thread of its own, one write a second, so
 * that pool work, handovers or a slow read elsewhere never hold it up. */
#ifndef STARDM_CORE_HEARTBEAT_H
#define STARDM_CORE_HEARTBEAT_H

#include <limits.h>
#include <stdint.h>

#include "base/err.h"

/* Renew it once on the device (claiming the slot the first time). */
int sdg_heartbeat(const char *dev, struct sd_err *err);

/* A thread renewing it every second on dev until sdg_heart_stop, for the
 * group with uuid group only: a beat on a device that holds another group
 * now (formatted again, or a name that leads to another LUN) fails and
 * writes nothing. */
struct sdg_heart;
int sdg_heart_start(const char *dev, const uint8_t group[16], struct sdg_heart **out,
		    struct sd_err *err);
void sdg_heart_stop(struct sdg_heart *hb);
/* The device to write through from the next beat on (the monitor follows
 * its group to a multipath map). */
void sdg_heart_device(struct sdg_heart *hb, const char *dev);
void sdg_heart_get_device(struct sdg_heart *hb, char out[PATH_MAX]);
/* Beats failed so far, and the last failure's message and time (ns since
 * the epoch) in msg/when_ns when there was one. */
uint64_t sdg_heart_failures(struct sdg_heart *hb, char *msg, size_t len, uint64_t *when_ns);

#endif
