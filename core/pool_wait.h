/* Waiting for a live pool's next dm event (the monitor, `stardm wait`). */
#ifndef STARDM_CORE_POOL_WAIT_H
#define STARDM_CORE_POOL_WAIT_H

#include "core/pool.h"

/* Block until the live pool raises its next dm event (low water mark, out of
 * space, mode change) or timeout_s passes (0: no limit); then *after holds
 * its state.  A timeout fails with ETIMEDOUT. */
int sdg_pool_wait(const struct sdg *g, const struct sd_pool *p, unsigned timeout_s,
		  struct sdg_pool_live *after, struct sd_err *err);

/* The node monitor's sleep between passes: it wakes early when any dm
 * device raises an event (a pool crossing its low water mark, out of
 * space), so that pools grow while their writers are still running.
 * sdg_events_open gives a handle, -1 where events cannot be had (the
 * monitor then only sleeps).  Arm it before each look at the pools;
 * sdg_events_wait is 1 when an event came after the arming, 0 when
 * timeout_ms passed.  Failures are not the caller's: a handle that fails
 * is closed and the wait then sleeps (*fd becomes -1). */
int sdg_events_open(void);
void sdg_events_arm(int *fd);
int sdg_events_wait(int *fd, unsigned timeout_ms);

#endif
