/* Extent allocator.  Free space is never stored: it is the complement of
 * all segments, so freeing a pool's segments coalesces by construction and
 * no free map can disagree with the segments that own the extents. */
#ifndef STARDM_ALLOC_H
#define STARDM_ALLOC_H

#include "state.h"

struct sd_run {
	uint64_t start, count;
};

/* The free runs, sorted by start; *runs must be freed by the caller. */
int sd_free_runs(const struct sd_state *s, const struct sd_geometry *g,
		 struct sd_run **runs, size_t *n);
uint64_t sd_free_extents(const struct sd_state *s, const struct sd_geometry *g);
uint64_t sd_pool_extents(const struct sd_state *s, uint32_t pool_id, uint16_t role);
/* Every pool's extents in one pass over the segments (a report of all
 * pools by sd_pool_extents would scan them once per pool: quadratic in
 * the group's size): meta[i] and data[i] for s->pools.v[i]. */
void sd_pools_extents(const struct sd_state *s, uint64_t *meta, uint64_t *data);

/* Give `count` extents to the pool's `role` device, appended at its end.
 * Prefers growing the last segment in place, then the smallest free run
 * that holds everything, then the largest runs first (fewest segments). */
int sd_alloc_extents(struct sd_state *s, const struct sd_geometry *g, uint32_t pool_id,
		     uint16_t role, uint64_t count, struct sd_err *err);
/* Drop every segment of the pool. */
void sd_release_pool_extents(struct sd_state *s, uint32_t pool_id);

#endif
