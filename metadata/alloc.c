#include "alloc.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "base/sort.h"
#include "ops.h"

static int run_cmp(const void *x, const void *y)
{
	const struct sd_run *a = x, *b = y;
	return a->start < b->start ? -1 : a->start > b->start;
}

int sd_free_runs(const struct sd_state *s, const struct sd_geometry *g,
		 struct sd_run **runs, size_t *n)
{
	size_t nseg = s->segments.n;
	struct sd_run *used = malloc((nseg + 1) * sizeof(*used));
	struct sd_run *out = malloc((nseg + 1) * sizeof(*out));
	if (!used || !out) {
		free(used);
		free(out);
		return -ENOMEM;
	}
	for (size_t i = 0; i < nseg; i++)
		used[i] = (struct sd_run){ s->segments.v[i].start, s->segments.v[i].count };
	sd_sort(used, nseg, sizeof(*used), run_cmp); /* extents are mostly taken in order */
	size_t k = 0;
	uint64_t cursor = 0;
	for (size_t i = 0; i < nseg; i++) {
		if (used[i].start > cursor)
			out[k++] = (struct sd_run){ cursor, used[i].start - cursor };
		if (used[i].start + used[i].count > cursor)
			cursor = used[i].start + used[i].count;
	}
	if (cursor < g->extent_count)
		out[k++] = (struct sd_run){ cursor, g->extent_count - cursor };
	free(used);
	*runs = out;
	*n = k;
	return 0;
}

uint64_t sd_free_extents(const struct sd_state *s, const struct sd_geometry *g)
{
	uint64_t used = 0;
	for (size_t i = 0; i < s->segments.n; i++)
		used += s->segments.v[i].count;
	return used > g->extent_count ? 0 : g->extent_count - used;
}

uint64_t sd_pool_extents(const struct sd_state *s, uint32_t pool_id, uint16_t role)
{
	uint64_t n = 0;
	for (size_t i = 0; i < s->segments.n; i++)
		if (s->segments.v[i].pool_id == pool_id && s->segments.v[i].role == role)
			n += s->segments.v[i].count;
	return n;
}

void sd_pools_extents(const struct sd_state *s, uint64_t *meta, uint64_t *data)
{
	for (size_t i = 0; i < s->pools.n; i++)
		meta[i] = data[i] = 0;
	for (size_t i = 0; i < s->segments.n; i++) {
		const struct sd_segment *sg = &s->segments.v[i];
		size_t k = sd_pool_index(s, sg->pool_id);
		if (k == s->pools.n)
			continue; /* validation refuses such a segment */
		if (sg->role == SD_ROLE_META)
			meta[k] += sg->count;
		else if (sg->role == SD_ROLE_DATA)
			data[k] += sg->count;
	}
}

static struct sd_segment *last_segment(struct sd_state *s, uint32_t pool_id, uint16_t role)
{
	for (size_t i = s->segments.n; i-- > 0;)
		if (s->segments.v[i].pool_id == pool_id && s->segments.v[i].role == role)
			return &s->segments.v[i];
	return NULL;
}

/* Take up to `want` extents from the front of run r for the pool. */
static int take(struct sd_state *s, uint32_t pool_id, uint16_t role, struct sd_run *r,
		uint64_t want)
{
	uint64_t n = want < r->count ? want : r->count;
	struct sd_segment *last = last_segment(s, pool_id, role);
	if (last && last->start + last->count == r->start) {
		last->count += n;
	} else {
		struct sd_segment *seg = SD_VEC_PUSH(&s->segments);
		if (!seg)
			return -ENOMEM;
		*seg = (struct sd_segment){ pool_id, role, r->start, n };
	}
	r->start += n;
	r->count -= n;
	return 0;
}

static struct sd_run *pick_run(struct sd_run *runs, size_t n, uint64_t want, uint64_t after)
{
	struct sd_run *best = NULL;
	for (size_t i = 0; i < n; i++) /* 1: the run that continues the last segment */
		if (runs[i].count && runs[i].start == after && runs[i].count >= want)
			return &runs[i];
	for (size_t i = 0; i < n; i++) /* 2: smallest run that holds it all */
		if (runs[i].count >= want && (!best || runs[i].count < best->count))
			best = &runs[i];
	if (best)
		return best;
	for (size_t i = 0; i < n; i++) /* 3: largest run */
		if (runs[i].count && (!best || runs[i].count > best->count))
			best = &runs[i];
	return best;
}

int sd_alloc_extents(struct sd_state *s, const struct sd_geometry *g, uint32_t pool_id,
		     uint16_t role, uint64_t count, struct sd_err *err)
{
	uint64_t avail = sd_free_extents(s, g);
	if (count > avail)
		return sd_fail(err, SD_E_NOSPACE, "not enough free space: %" PRIu64
			       " extents needed, %" PRIu64 " free", count, avail);
	struct sd_run *runs;
	size_t n;
	if (sd_free_runs(s, g, &runs, &n))
		return sd_fail(err, ENOMEM, "out of memory");
	int rc = 0;
	while (count && rc == 0) {
		struct sd_segment *last = last_segment(s, pool_id, role);
		uint64_t after = last ? last->start + last->count : UINT64_MAX;
		struct sd_run *r = pick_run(runs, n, count, after);
		uint64_t got = r->count < count ? r->count : count;
		rc = take(s, pool_id, role, r, got);
		count -= got;
	}
	free(runs);
	return rc ? sd_fail(err, ENOMEM, "out of memory") : 0;
}

void sd_release_pool_extents(struct sd_state *s, uint32_t pool_id)
{
	for (size_t i = s->segments.n; i-- > 0;)
		if (s->segments.v[i].pool_id == pool_id)
			SD_VEC_REMOVE(&s->segments, i);
}
