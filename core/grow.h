/* Taking in the space of a LUN the SAN made larger. */
#ifndef STARDM_CORE_GROW_H
#define STARDM_CORE_GROW_H

#include <stdbool.h>
#include <stdint.h>

#include "core/group.h"

struct sdg_grow_result {
	bool grown;                          /* false: the group already spans the device */
	uint64_t old_size, new_size;         /* bytes the group spans */
	uint64_t old_extents, new_extents;
};

/* Rescan the group's device (g open with SDG_WRITE), then move the end
 * copy to its new end (crash-safe: docs/format.md, "Growing the LUN").
 * Other nodes take the new size in at their next command: a node whose
 * kernel still shows the old size rescans when it opens the group. */
int sdg_grow(struct sdg *g, struct sdg_grow_result *r, struct sd_err *err);

#endif
