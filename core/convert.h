/* Converting a group between on-disk format versions. */
#ifndef STARDM_CORE_CONVERT_H
#define STARDM_CORE_CONVERT_H

#include <stdbool.h>

#include "core/group.h"

struct sdg_convert_result {
	unsigned old_version, new_version;
	bool converted;   /* false: both labels said new_version already */
};

/* Rewrite the group (g open with SDG_WRITE) as format version 1 or 2
 * (docs/format.md, "Converting"): crash-safe, and the records stay as they
 * are.  A stardm that knows only version 1 refuses a version 2 group, so
 * every node is to run one that reads version 2 first (docs/proxmox.md). */
int sdg_convert(struct sdg *g, unsigned version, struct sdg_convert_result *r,
		struct sd_err *err);

#endif
