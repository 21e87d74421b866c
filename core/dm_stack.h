/* The devices one operation makes, in the order it makes them (bottom up:
 * a device's table may name only devices below it), so that on failure
 * they go again in reverse order and nothing half-made stays behind. */
#ifndef STARDM_CORE_DM_STACK_H
#define STARDM_CORE_DM_STACK_H

#include <stddef.h>

#include "base/err.h"
#include "core/dm_names.h"

#define SDG_STACK_MAX 4

struct sdg_dm_stack {
	char names[SDG_STACK_MAX][SDG_DM_NAME];
	size_t n;
};

/* Create device id with table t (n targets), made as id says plus extra
 * flags (SDM_READONLY), and remember it. */
int sdg_stack_create(struct sdg_dm_stack *s, const struct sdg_dm_id *id,
		     const struct sdm_target *t, size_t n, unsigned extra, struct sd_err *err);
/* Remove every device made so far, the last made first. */
void sdg_stack_undo(struct sdg_dm_stack *s);

#endif
