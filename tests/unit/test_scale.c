/* Scale: 1000 VMs x 4 volumes x 32 snapshots in one group. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "helpers.h"
#include "metadata/codec.h"
#include "metadata/ops.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Records are pushed directly: the ops API looks names up linearly, which is
 * right for one CLI call but quadratic for building 128k snapshots. */
static void build(struct sd_state *s, const struct sd_geometry *g)
{
	struct sd_err err;
	for (uint32_t vm = 0; vm < 1000; vm++) {
		struct sd_pool *p;
		CU_ASSERT_FATAL(test_pool_add(s, g, 100 + vm, 1, 2, 128, &p, &err) == 0);
		uint32_t pid = p->id;
		for (uint32_t d = 0; d < 4; d++) {
			struct sd_volume *v = SD_VEC_PUSH(&s->volumes);
			*v = (struct sd_volume){ .id = s->next_volume_id++, .pool_id = pid,
						 .thin_id = p->next_thin_id++, .size = 32ull << 30 };
			snprintf(v->name, sizeof(v->name), "vm-%u-disk-%u", 100 + vm, d);
			for (uint32_t n = 0; n < 32; n++) {
				struct sd_snapshot *sn = SD_VEC_PUSH(&s->snapshots);
				*sn = (struct sd_snapshot){ .volume_id = v->id, .thin_id = p->next_thin_id++,
							    .size = v->size };
				snprintf(sn->name, sizeof(sn->name), "snap-%02u", n);
			}
			p = sd_find_pool(s, pid);
		}
	}
}

static void test_thousand_vms(void)
{
	/* 2 x 32 MiB slots per copy, 1000 pools x 3 extents of 1 MiB */
	uint64_t size = 4ull << 30;
	const char *path = tmp_image(0, size);
	struct sd_geometry g;
	format_image(path, 32ull << 20, 1 << 20, &g);
	struct sd_state s, back;
	sd_state_init(&s);
	build(&s, &g);
	CU_ASSERT_EQUAL(s.snapshots.n, 128000);
	size_t payload = sd_payload_size(&s);
	double t0 = now_s();
	CU_ASSERT_EQUAL_FATAL(commit_to(path, &s), 0);
	double t1 = now_s();
	CU_ASSERT_EQUAL_FATAL(load_from(path, &back, NULL), 0);
	double t2 = now_s();
	CU_ASSERT(sd_state_equal(&s, &back));
	printf("\n    scale: 1000 pools, 4000 volumes, 128000 snapshots: payload %.1f MiB "
	       "(slot %.0f MiB), commit %.0f ms, open %.0f ms\n", (double)payload / 1048576.0,
	       (double)g.slot_size / 1048576.0, (t1 - t0) * 1e3, (t2 - t1) * 1e3);
	CU_ASSERT(payload + 4096 <= g.slot_size);
	sd_state_free(&s);
	sd_state_free(&back);
}

void add_scale_tests(void)
{
	CU_pSuite s = CU_add_suite("scale", NULL, NULL);
	CU_add_test(s, "1000 VMs x 4 volumes x 32 snapshots commit and reopen", test_thousand_vms);
}
