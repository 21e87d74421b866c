/* A node whose heartbeat stops reaching the LUN in time looks dead to the
 * others, who may then take its pools over (stardm activate --force):
 * before they may, it stops writing.  A thread of the node monitor reads
 * in the node's lock file when the node's last heartbeat that reached the
 * LUN was sent (no I/O to the LUN, which may be the slow part); once that
 * is SDG_FENCE_AFTER_MS old it marks the node fenced (writers of the
 * node refuse to start: core/node_lock.h) and suspends the group's thin
 * devices here, then its pools, so nothing more of this node reaches the
 * LUN.  Once
 * beats land in time again it resumes, under the cluster lock, the pools
 * still this node's; a pool another node took meanwhile keeps its layers
 * suspended and its disks here fail every I/O.
 *
 * Why the numbers: a forced takeover watches the owner's counter for at
 * least SDG_TAKEOVER_MIN_S.  If no beat lands in that window, the last one
 * that did was sent before the window began, so the owner suspends within
 * SDG_FENCE_AFTER_MS of the window's start, and the writes it had already
 * sent land within one I/O time after that: safe while an I/O takes less
 * than the difference (5 s).  A beat is one write with FUA (one round
 * trip: metadata/io_uring.c), so a LUN faster than about 2 s per I/O never
 * fences (a beat lands within two I/O times of the one before); between
 * the two the node's disks stall while beats are late and go on when they
 * are not. */
#ifndef STARDM_CORE_SELF_FENCE_H
#define STARDM_CORE_SELF_FENCE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "core/heartbeat.h"

#define SDG_FENCE_AFTER_MS 5000u
#define SDG_TAKEOVER_MIN_S 10u

struct sdg_fence;
typedef void (*sdg_fence_report)(void *ctx, const char *line);
/* Watch group uuid's heartbeat (the one hb renews; unfencing opens the
 * group on hb's device); each fence and unfence is reported. */
int sdg_fence_start(struct sdg_heart *hb, const uint8_t uuid[16], sdg_fence_report report,
		    void *ctx, struct sdg_fence **out, struct sd_err *err);
void sdg_fence_stop(struct sdg_fence *f);
/* The monitor's own dm work on the group (pool growth, handovers) between
 * hold and release, so that it never resumes a pool the fence suspended:
 * hold returns false, and the work is skipped, while the node is fenced. */
bool sdg_fence_hold(struct sdg_fence *f);
void sdg_fence_release(struct sdg_fence *f);

#endif
