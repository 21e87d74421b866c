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
 * a conversion to 2 is refused (EBUSY, naming them) while another node's
 * host slot does not say its stardm reads version 2; force converts all
 * the same (a node that left the cluster keeps its slot). */
int sdg_convert(struct sdg *g, unsigned version, bool force, struct sdg_convert_result *r,
		struct sd_err *err);

#endif
