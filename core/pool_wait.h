/* Waiting for a live pool's next dm event (the monitor, `stardm wait`). */
#ifndef STARDM_CORE_POOL_WAIT_H
#define STARDM_CORE_POOL_WAIT_H

#include "core/pool.h"

/* Block until the live pool raises its next dm event (low water mark, out of
 * space, mode change) or timeout_s passes (0: no limit); then *after holds
 * its state.  A timeout fails with ETIMEDOUT. */
int sdg_pool_wait(const struct sdg *g, const struct sd_pool *p, unsigned timeout_s,
		  struct sdg_pool_live *after, struct sd_err *err);

#endif
