#ifndef STARDM_CORE_HANDOVER_FOLLOW_H
#define STARDM_CORE_HANDOVER_FOLLOW_H

#include "base/err.h"

/* The target's watcher: gates the placeholder after QEMU's probe read,
 * finishes once the source released the pool, aborts after timeout_s (0:
 * no limit) or when the handover is withdrawn.  log reports each step as
 * one line. */
typedef void (*sdg_follow_log)(void *ctx, const char *line);
int sdg_handover_follow(const char *group, const char *vol, unsigned timeout_s,
			sdg_follow_log log, void *ctx, struct sd_err *err);
/* Wait (reading, without the cluster lock, so the source can commit) until
 * the pool of vol is this node's to load: 0; SD_E_CONFLICT when no
 * handover to this node is under way (or it was withdrawn); ETIMEDOUT
 * after timeout_s. */
int sdg_handover_await(const char *group, const char *vol, unsigned timeout_s,
		       struct sd_err *err);

#endif
