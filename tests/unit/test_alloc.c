/* Extent allocator: contiguity, append-only growth, coalescing, no space. */
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "metadata/alloc.h"
#include "metadata/ops.h"

static struct sd_geometry small_geo(void)
{
	struct sd_geometry g = { .lun_size = 0, .slot_size = 64 << 10, .extent_size = 1 << 20 };
	/* 100 extents exactly */
	g.lun_size = (2ull << 20) + 2 * g.slot_size; /* copy A end */
	g.lun_size = ((g.lun_size + (1 << 20) - 1) & ~(uint64_t)((1 << 20) - 1)) + (100ull << 20) +
		     2 * g.slot_size + (1 << 20) + 4096;
	CU_ASSERT_FATAL(sd_layout_compute(&g, NULL) == 0);
	CU_ASSERT_EQUAL_FATAL(g.extent_count, 100);
	return g;
}

static size_t segments_of(struct sd_state *s, uint32_t pool, uint16_t role)
{
	size_t n = 0;
	for (size_t i = 0; i < s->segments.n; i++)
		n += s->segments.v[i].pool_id == pool && s->segments.v[i].role == role;
	return n;
}

static void test_contiguous_and_growth(void)
{
	struct sd_geometry g = small_geo();
	struct sd_state s;
	sd_state_init(&s);
	struct sd_pool *p;
	struct sd_err err;
	CU_ASSERT_FATAL(test_pool_add(&s, &g, 100, 1, 10, 128, &p, &err) == 0);
	uint32_t id = p->id;
	CU_ASSERT_EQUAL(sd_free_extents(&s, &g), 89);
	CU_ASSERT_EQUAL(segments_of(&s, id, SD_ROLE_DATA), 1);
	/* growing while the next extents are free extends in place */
	CU_ASSERT(sd_alloc_extents(&s, &g, id, SD_ROLE_DATA, 5, &err) == 0);
	CU_ASSERT_EQUAL(segments_of(&s, id, SD_ROLE_DATA), 1);
	CU_ASSERT_EQUAL(sd_pool_extents(&s, id, SD_ROLE_DATA), 15);
	CU_ASSERT_EQUAL(sd_validate_ok(&s, &g), 1);
	sd_state_free(&s);
}

static void test_best_fit_and_coalesce(void)
{
	struct sd_geometry g = small_geo();
	struct sd_state s;
	sd_state_init(&s);
	struct sd_pool *p;
	struct sd_err err;
	uint32_t ids[5];
	for (int i = 0; i < 5; i++) { /* 5 pools of 1+9 extents: 0..49 */
		CU_ASSERT_FATAL(test_pool_add(&s, &g, 200 + (uint32_t)i, 1, 9, 128, &p, &err) == 0);
		ids[i] = p->id;
	}
	/* free pools 1 and 3: holes of 10 at 10..19 and 30..39 */
	CU_ASSERT(sd_pool_remove(&s, ids[1], &err) == 0);
	CU_ASSERT(sd_pool_remove(&s, ids[3], &err) == 0);
	struct sd_run *runs;
	size_t n;
	CU_ASSERT_FATAL(sd_free_runs(&s, &g, &runs, &n) == 0);
	CU_ASSERT_EQUAL(n, 3);
	free(runs);
	/* a pool of 1+4 fits the smallest hole that holds each device whole */
	CU_ASSERT_FATAL(test_pool_add(&s, &g, 300, 1, 4, 128, &p, &err) == 0);
	CU_ASSERT_EQUAL(segments_of(&s, p->id, SD_ROLE_DATA), 1);
	CU_ASSERT(s.segments.v[s.segments.n - 1].start < 50);
	uint32_t small = p->id;
	/* removing the rest coalesces back to one run */
	CU_ASSERT(sd_pool_remove(&s, small, &err) == 0);
	for (int i = 0; i < 5; i++)
		if (i != 1 && i != 3)
			CU_ASSERT(sd_pool_remove(&s, ids[i], &err) == 0);
	CU_ASSERT_FATAL(sd_free_runs(&s, &g, &runs, &n) == 0);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_EQUAL(runs[0].start, 0);
	CU_ASSERT_EQUAL(runs[0].count, 100);
	free(runs);
	sd_state_free(&s);
}

static void test_fragmented_and_full(void)
{
	struct sd_geometry g = small_geo();
	struct sd_state s;
	sd_state_init(&s);
	struct sd_pool *p;
	struct sd_err err;
	uint32_t ids[10];
	for (int i = 0; i < 10; i++) {
		CU_ASSERT_FATAL(test_pool_add(&s, &g, 400 + (uint32_t)i, 1, 9, 128, &p, &err) == 0);
		ids[i] = p->id;
	}
	CU_ASSERT_EQUAL(sd_free_extents(&s, &g), 0);
	CU_ASSERT(test_pool_add(&s, &g, 999, 1, 1, 128, &p, &err) < 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "not enough free space"));
	for (int i = 0; i < 10; i += 2) /* five holes of 10 */
		CU_ASSERT(sd_pool_remove(&s, ids[i], &err) == 0);
	/* 35 extents need several runs; largest first keeps them few */
	CU_ASSERT_FATAL(test_pool_add(&s, &g, 500, 1, 35, 128, &p, &err) == 0);
	CU_ASSERT(segments_of(&s, p->id, SD_ROLE_DATA) <= 4);
	CU_ASSERT_EQUAL(sd_pool_extents(&s, p->id, SD_ROLE_DATA), 35);
	CU_ASSERT_EQUAL(sd_free_extents(&s, &g), 14);
	CU_ASSERT(test_pool_add(&s, &g, 501, 1, 14, 128, &p, &err) < 0); /* 15 > 14 */
	CU_ASSERT_EQUAL(sd_free_extents(&s, &g), 14); /* the failed add left nothing behind */
	CU_ASSERT_EQUAL(sd_validate_ok(&s, &g), 1);
	sd_state_free(&s);
}

/* The free runs between segments in extent order and out of it (a record
 * order the allocator never makes, but a reader must take). */
static void test_free_runs_any_order(void)
{
	struct sd_geometry g = small_geo();
	static const uint64_t segs[2][3][2] = { { { 0, 10 }, { 20, 5 }, { 60, 40 } },
						{ { 60, 40 }, { 0, 10 }, { 20, 5 } } };
	for (int o = 0; o < 2; o++) {
		struct sd_state s;
		sd_state_init(&s);
		for (int i = 0; i < 3; i++) {
			struct sd_segment *sg = SD_VEC_PUSH(&s.segments);
			CU_ASSERT_FATAL(sg != NULL);
			*sg = (struct sd_segment){ 1, SD_ROLE_DATA, segs[o][i][0], segs[o][i][1] };
		}
		struct sd_run *runs;
		size_t n;
		CU_ASSERT_FATAL(sd_free_runs(&s, &g, &runs, &n) == 0);
		CU_ASSERT(n == 2 && runs[0].start == 10 && runs[0].count == 10 &&
			  runs[1].start == 25 && runs[1].count == 35);
		free(runs);
		sd_state_free(&s);
	}
}

/* Every pool's extents counted in one pass: pools whose segments lie apart
 * and between each other's, one pool with none left, and the counts are
 * each pool's own (as the per-pool count has them). */
static void test_all_pools_extents(void)
{
	struct sd_geometry g = small_geo();
	struct sd_state s;
	sd_state_init(&s);
	struct sd_pool *p;
	struct sd_err err;
	uint32_t ids[3];
	for (int i = 0; i < 3; i++) { /* 1 + 4 extents each, side by side */
		CU_ASSERT_FATAL(test_pool_add(&s, &g, 300 + (uint32_t)i, 1, 4, 128, &p, &err) == 0);
		ids[i] = p->id;
	}
	/* each grows in turn past the others' ends: segments interleave */
	for (int r = 0; r < 2; r++)
		for (int i = 0; i < 3; i++)
			CU_ASSERT_FATAL(sd_alloc_extents(&s, &g, ids[i], i == 1 ? SD_ROLE_META : SD_ROLE_DATA,
							 (uint64_t)i + 2, &err) == 0);
	CU_ASSERT_FATAL(test_pool_add(&s, &g, 303, 1, 1, 128, &p, &err) == 0);
	sd_release_pool_extents(&s, p->id);
	uint64_t meta[4], data[4];
	sd_pools_extents(&s, meta, data);
	static const uint64_t want_meta[4] = { 1, 1 + 3 + 3, 1, 0 }, want_data[4] = { 4 + 2 + 2, 4, 4 + 4 + 4, 0 };
	for (size_t i = 0; i < 4; i++) {
		CU_ASSERT_EQUAL(meta[i], want_meta[i]);
		CU_ASSERT_EQUAL(data[i], want_data[i]);
		CU_ASSERT_EQUAL(meta[i], sd_pool_extents(&s, s.pools.v[i].id, SD_ROLE_META));
		CU_ASSERT_EQUAL(data[i], sd_pool_extents(&s, s.pools.v[i].id, SD_ROLE_DATA));
	}
	sd_state_free(&s);
}

void add_alloc_tests(void)
{
	CU_pSuite s = CU_add_suite("allocator", NULL, NULL);
	CU_add_test(s, "contiguous allocation and in-place growth", test_contiguous_and_growth);
	CU_add_test(s, "best fit and coalescing on free", test_best_fit_and_coalesce);
	CU_add_test(s, "fragmented space and out of space", test_fragmented_and_full);
	CU_add_test(s, "free runs whatever the segments' order", test_free_runs_any_order);
	CU_add_test(s, "every pool's extents in one pass", test_all_pools_extents);
}
