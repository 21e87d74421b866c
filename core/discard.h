/* Giving the LUN back the extents a removed pool freed: a thin-provisioned
 * SAN (or a sparse file) reclaims space only when told, as lvm2 tells it
 * with issue_discards.  A group flag turns it off. */
#ifndef STARDM_CORE_DISCARD_H
#define STARDM_CORE_DISCARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/group.h"

/* Byte ranges of the LUN. */
struct sdg_byte_runs {
	size_t n, cap;
	struct sdg_byte_run {
		uint64_t offset, len;
	} *v;
};

/* The ranges pool_id's extents cover, taken before the pool goes from the
 * records; 0 or -ENOMEM. */
int sdg_pool_byte_runs(const struct sdg *g, uint32_t pool_id, struct sdg_byte_runs *out);
/* Discard them on the LUN (a block device's BLKDISCARD, a file's punched
 * holes), unless the group says not to.  Only after the commit that freed
 * them, and while the group is still locked (no other node can have
 * taken them).  Best effort: a LUN without discard support is left as it
 * is; the number of bytes discarded, or -errno of the first failure. */
int64_t sdg_discard_runs(const struct sdg *g, const struct sdg_byte_runs *runs);
void sdg_byte_runs_free(struct sdg_byte_runs *r);

/* Before pool p deletes a thin device (a removed volume, snapshot, or a
 * rolled-back volume's old device): discard every block it maps, through
 * a short-lived thin device of its id, so the pool passes the discards of
 * blocks no other device shares down to the LUN.  Only once the delete is
 * committed (the device is no one's any more); best effort, and nothing
 * when the group says not to or the size is not known. */
struct sd_pending;
void sdg_discard_thin(struct sdg *g, const struct sd_pool *p, const struct sd_pending *del);

/* The group's setting (on by default), committed. */
int sdg_set_discards(struct sdg *g, bool on, struct sd_err *err);
bool sdg_discards(const struct sdg *g);

#endif
