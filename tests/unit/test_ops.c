/* Metadata operations: thin ids, transactions and pending pool messages. */
#include <string.h>

#include "helpers.h"
#include "metadata/ops.h"

static struct sd_geometry geo(void)
{
	struct sd_geometry g = { .lun_size = 8ull << 30, .slot_size = 1 << 20, .extent_size = 4 << 20 };
	CU_ASSERT_FATAL(sd_layout_compute(&g, NULL) == 0);
	return g;
}

static size_t pending_of(struct sd_state *s, uint32_t pool, uint64_t tid, uint32_t op)
{
	size_t n = 0;
	for (size_t i = 0; i < s->pending.n; i++)
		n += s->pending.v[i].pool_id == pool && s->pending.v[i].transaction_id == tid &&
		     s->pending.v[i].op == op;
	return n;
}

static void test_volume_snapshot_rollback(void)
{
	struct sd_geometry g = geo();
	struct sd_state s;
	struct sd_err err;
	struct sd_pool *p;
	struct sd_volume *v;
	sd_state_init(&s);
	CU_ASSERT_FATAL(test_pool_add(&s, &g, 100, 1, 4, 128, &p, &err) == 0);
	uint32_t pid = p->id;
	uint32_t vid;
	CU_ASSERT_FATAL(sd_volume_add(&s, p->id, "vm-100-disk-0", 1 << 30, &vid, &err) == 0);
	v = sd_find_volume(&s, "vm-100-disk-0");
	CU_ASSERT_FATAL(v != NULL && v->id == vid);
	CU_ASSERT_EQUAL(p->transaction_id, 1);
	CU_ASSERT_EQUAL(pending_of(&s, pid, 1, SD_OP_CREATE), 1);
	uint32_t t0 = v->thin_id;

	CU_ASSERT(sd_volume_add(&s, p->id, "vm-100-disk-0", 1 << 30, NULL, &err) < 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "already exists"));
	CU_ASSERT(sd_volume_add(&s, p->id, "vm-100-disk-1", 0, NULL, &err) < 0);

	CU_ASSERT_FATAL(sd_snapshot_add(&s, "vm-100-disk-0", "s1", &err) == 0);
	p = sd_find_pool(&s, pid);
	CU_ASSERT_EQUAL(p->transaction_id, 2);
	CU_ASSERT_EQUAL(pending_of(&s, pid, 2, SD_OP_SNAP), 1);
	CU_ASSERT(sd_snapshot_add(&s, "vm-100-disk-0", "s1", &err) < 0);
	CU_ASSERT(sd_snapshot_add(&s, "vm-100-disk-9", "s1", &err) < 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "does not exist"));

	/* rollback: new thin id, delete of the old one in the same transaction */
	CU_ASSERT_FATAL(sd_volume_rollback(&s, "vm-100-disk-0", "s1", &err) == 0);
	v = sd_find_volume(&s, "vm-100-disk-0");
	CU_ASSERT_NOT_EQUAL(v->thin_id, t0);
	CU_ASSERT_EQUAL(pending_of(&s, pid, 3, SD_OP_DELETE), 1);
	CU_ASSERT_EQUAL(pending_of(&s, pid, 3, SD_OP_SNAP), 1);
	CU_ASSERT(sd_validate_ok(&s, &g));

	/* applied transactions are forgotten */
	sd_pool_applied(&s, pid, 2);
	CU_ASSERT_EQUAL(s.pending.n, 2);

	/* remove deletes volume and snapshots in one transaction */
	CU_ASSERT_FATAL(sd_volume_remove(&s, "vm-100-disk-0", &err) == 0);
	CU_ASSERT_EQUAL(pending_of(&s, pid, 4, SD_OP_DELETE), 2);
	CU_ASSERT_EQUAL(s.snapshots.n, 0);
	CU_ASSERT(sd_pool_remove(&s, pid, &err) == 0);
	CU_ASSERT_EQUAL(s.pending.n, 0);
	CU_ASSERT(sd_validate_ok(&s, &g));
	sd_state_free(&s);
}

static void test_thin_ids_never_reused_in_use(void)
{
	struct sd_geometry g = geo();
	struct sd_state s;
	struct sd_err err;
	struct sd_pool *p;
	sd_state_init(&s);
	CU_ASSERT_FATAL(test_pool_add(&s, &g, 7, 1, 1, 128, &p, &err) == 0);
	uint32_t pid = p->id;
	CU_ASSERT(sd_volume_add(&s, p->id, "vm-7-disk-0", 1 << 20, NULL, &err) == 0);
	CU_ASSERT(sd_volume_add(&s, p->id, "vm-7-disk-1", 1 << 20, NULL, &err) == 0);
	/* jump to the end of the 24-bit space: ids wrap to the lowest free one */
	p = sd_find_pool(&s, pid);
	p->next_thin_id = 1u << 24;
	CU_ASSERT(sd_volume_add(&s, p->id, "vm-7-disk-2", 1 << 20, NULL, &err) == 0);
	struct sd_volume *a = sd_find_volume(&s, "vm-7-disk-0"), *b = sd_find_volume(&s, "vm-7-disk-1");
	struct sd_volume *c = sd_find_volume(&s, "vm-7-disk-2");
	CU_ASSERT(c->thin_id != a->thin_id && c->thin_id != b->thin_id);
	CU_ASSERT(c->thin_id < (1u << 24));
	sd_state_free(&s);
}

static void test_hosts(void)
{
	struct sd_geometry g = geo();
	struct sd_state s;
	struct sd_err err;
	uint32_t a, b, c;
	sd_state_init(&s);
	CU_ASSERT(sd_host_register(&s, &g, "pve1", &a, &err) == 0);
	CU_ASSERT(sd_host_register(&s, &g, "pve2", &b, &err) == 0);
	CU_ASSERT(sd_host_register(&s, &g, "pve1", &c, &err) == 0);
	CU_ASSERT(a == 1 && b == 2 && c == 1);
	CU_ASSERT(sd_host_register(&s, &g, "bad host", &c, &err) < 0);
	sd_state_free(&s);
}

/* Records by id, whatever their order: in id order (as ops keep them),
 * reversed, and shuffled (a payload another writer made may hold any
 * order); ids that are not there are not found. */
static void test_find_by_id_any_order(void)
{
	static const uint32_t orders[3][7] = { { 1, 2, 4, 7, 9, 12, 30 },
					       { 30, 12, 9, 7, 4, 2, 1 },
					       { 9, 1, 30, 4, 12, 2, 7 } };
	for (int o = 0; o < 3; o++) {
		struct sd_state s;
		sd_state_init(&s);
		for (int i = 0; i < 7; i++) {
			struct sd_pool *p = SD_VEC_PUSH(&s.pools);
			struct sd_volume *v = SD_VEC_PUSH(&s.volumes);
			CU_ASSERT_FATAL(p != NULL && v != NULL);
			p->id = v->id = orders[o][i];
			p->vmid = 1000 + orders[o][i];
			v->pool_id = 2000 + orders[o][i];
		}
		for (int i = 0; i < 7; i++) {
			uint32_t id = orders[0][i];
			struct sd_pool *p = sd_find_pool(&s, id);
			struct sd_volume *v = sd_find_volume_id(&s, id);
			CU_ASSERT(p != NULL && p->id == id && p->vmid == 1000 + id);
			CU_ASSERT(v != NULL && v->id == id && v->pool_id == 2000 + id);
		}
		static const uint32_t absent[] = { 0, 3, 8, 13, 29, 31, 0xffffffffu };
		for (size_t i = 0; i < sizeof(absent) / sizeof(absent[0]); i++) {
			CU_ASSERT(sd_find_pool(&s, absent[i]) == NULL);
			CU_ASSERT(sd_find_volume_id(&s, absent[i]) == NULL);
		}
		sd_state_free(&s);
	}
	struct sd_state empty;
	sd_state_init(&empty);
	CU_ASSERT(sd_find_pool(&empty, 1) == NULL);
	CU_ASSERT(sd_find_volume_id(&empty, 1) == NULL);
}

void add_ops_tests(void)
{
	CU_pSuite s = CU_add_suite("operations", NULL, NULL);
	CU_add_test(s, "volume, snapshot, rollback, remove transactions", test_volume_snapshot_rollback);
	CU_add_test(s, "thin ids are never reused while in use", test_thin_ids_never_reused_in_use);
	CU_add_test(s, "host registration", test_hosts);
	CU_add_test(s, "pools and volumes are found by id in any order", test_find_by_id_any_order);
}
