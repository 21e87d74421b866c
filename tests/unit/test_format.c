/* crc32c, layout, label/slot codecs, payload round trip and validation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "metadata/codec.h"
#include "base/crc32c.h"
#include "metadata/ops.h"
#include "metadata/size.h"

static struct sd_geometry geo(uint64_t lun, uint64_t slot, uint64_t extent)
{
	struct sd_geometry g = { .lun_size = lun, .slot_size = slot, .extent_size = extent };
	snprintf(g.name, sizeof(g.name), "g1");
	CU_ASSERT_FATAL(sd_layout_compute(&g, NULL) == 0);
	return g;
}

static void test_crc32c_vectors(void)
{
	CU_ASSERT_EQUAL(crc32c("123456789", 9), 0xe3069283u);
	CU_ASSERT_EQUAL(crc32c("", 0), 0u);
	uint8_t zeros[32] = {0};
	CU_ASSERT_EQUAL(crc32c(zeros, 32), 0x8a9136aau); /* RFC 3720 B.4 */
	/* incremental equals one-shot, at every split and alignment */
	uint8_t buf[100];
	for (int i = 0; i < 100; i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	uint32_t whole = crc32c(buf, 100);
	for (size_t split = 0; split <= 100; split++)
		CU_ASSERT_EQUAL(crc32c_update(crc32c(buf, split), buf + split, 100 - split), whole);
	/* the instruction (where the CPU has one) and the tables agree at
	 * every length and alignment */
	uint8_t big[4096 + 16];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 131 + (i >> 7));
	for (size_t off = 0; off < 16; off++)
		for (size_t len = 0; len <= 4096; len += len < 64 ? 1 : 61)
			CU_ASSERT_EQUAL(crc32c_update(0x1234u, big + off, len),
					crc32c_update_portable(0x1234u, big + off, len));
	CU_ASSERT_EQUAL(crc32c_update_portable(0, "123456789", 9), 0xe3069283u);
}

static void test_layout_edges_clear(void)
{
	struct sd_geometry g = geo(16ull << 30, 32ull << 20, 4ull << 20);
	/* copy A slots start past the first MiB; copy B slots end before the last */
	CU_ASSERT(g.copy_offset[0] >= (1u << 20));
	CU_ASSERT(sd_slot_offset(&g, 1, 1) + g.slot_size <= g.lun_size - (1u << 20));
	CU_ASSERT(g.data_offset % g.extent_size == 0);
	CU_ASSERT(g.data_offset >= sd_slot_offset(&g, 0, 1) + g.slot_size);
	CU_ASSERT(g.data_offset + g.extent_count * g.extent_size <= g.copy_offset[1]);
	CU_ASSERT_EQUAL(sd_label_offset(&g, 1), g.lun_size - 4096);
	CU_ASSERT(g.host_area_offset + g.host_slots * 4096ull <= g.copy_offset[0]);
}

static void test_layout_rejects(void)
{
	struct sd_err err;
	struct sd_geometry g = { .lun_size = 8 << 20, .slot_size = 32ull << 20, .extent_size = 4 << 20 };
	CU_ASSERT(sd_layout_compute(&g, &err) < 0);
	g = (struct sd_geometry){ .lun_size = 1ull << 30, .slot_size = 1 << 20, .extent_size = 3 << 20 };
	CU_ASSERT(sd_layout_compute(&g, &err) < 0);
	CU_ASSERT(strstr(err.msg, "power of two") != NULL);
	g = (struct sd_geometry){ .lun_size = 1ull << 30, .slot_size = 5000, .extent_size = 4 << 20 };
	CU_ASSERT(sd_layout_compute(&g, &err) < 0);
}

static void test_label_roundtrip(void)
{
	struct sd_geometry g = geo(1ull << 30, 1 << 20, 4 << 20), d;
	memset(g.uuid, 0x5a, 16);
	uint8_t block[4096];
	for (int c = 0; c < 2; c++) {
		sd_label_encode(&g, c, block);
		CU_ASSERT(memcmp(block, "STARDMLB", 8) == 0);
		CU_ASSERT_EQUAL_FATAL(sd_label_decode(block, sd_label_offset(&g, c), &d, NULL), 0);
		CU_ASSERT(memcmp(d.uuid, g.uuid, 16) == 0);
		CU_ASSERT_EQUAL(d.extent_count, g.extent_count);
		CU_ASSERT_STRING_EQUAL(d.name, "g1");
		/* a label read at the wrong place is refused */
		CU_ASSERT(sd_label_decode(block, sd_label_offset(&g, !c), &d, NULL) < 0);
	}
	/* every single-bit flip is caught */
	struct sd_err err;
	for (int bit = 0; bit < 4096 * 8; bit += 7) {
		sd_label_encode(&g, 0, block);
		block[bit / 8] ^= (uint8_t)(1 << (bit % 8));
		CU_ASSERT(sd_label_decode(block, 0, &d, &err) < 0);
	}
	/* little-endian on disk, whatever the host */
	sd_label_encode(&g, 0, block);
	uint64_t es = g.extent_size;
	for (int i = 0; i < 8; i++)
		CU_ASSERT_EQUAL(block[104 + i], (uint8_t)(es >> (8 * i)));
}

static void test_payload_roundtrip(void)
{
	struct sd_geometry g = geo(64ull << 30, 1 << 20, 4 << 20);
	struct sd_state s, d;
	sd_state_init(&s);
	populate(&s, &g, 100, 5);
	size_t len = sd_payload_size(&s);
	void *buf = malloc(len);
	sd_payload_encode(&s, buf);
	struct sd_err err;
	CU_ASSERT_EQUAL_FATAL(sd_payload_decode(buf, len, &g, &d, &err), 0);
	CU_ASSERT(sd_state_equal(&s, &d));
	sd_state_free(&d);
	/* a truncated payload is refused */
	CU_ASSERT(sd_payload_decode(buf, len - 1, &g, &d, &err) < 0);
	CU_ASSERT(sd_payload_decode(buf, len - 128, &g, &d, &err) < 0);
	/* and so is one with bytes after its last record, zero or not */
	char *longer = calloc(1, len + 128);
	memcpy(longer, buf, len);
	CU_ASSERT(sd_payload_decode(longer, len + 128, &g, &d, &err) < 0);
	CU_ASSERT(sd_payload_decode(longer, len + 1, &g, &d, &err) < 0);
	free(longer);
	sd_state_free(&s);
	sd_state_free(&d);
	free(buf);
}

static void expect_invalid(struct sd_state *s, const struct sd_geometry *g, const char *why)
{
	struct sd_err err;
	CU_ASSERT(sd_state_validate(s, g, &err) < 0);
	if (why && !strstr(err.msg, why)) {
		fprintf(stderr, "\n    expected '%s' in: %s\n", why, err.msg);
		CU_FAIL("validation failed for another reason");
	}
}

/* Duplicate names are found by a hash of each name: two different names
 * with the same 64-bit FNV-1a hash (found by a cycle search) are both
 * valid, and the same name twice still is not. */
static void test_validate_hash_collision(void)
{
	const char *x = "s42aefb2d82e0e5f4", *y = "sc282733f399cd93c";
	struct sd_geometry g = geo(64ull << 30, 1 << 20, 4 << 20);
	struct sd_state s;
	sd_state_init(&s);
	populate(&s, &g, 100, 5);
	CU_ASSERT_FATAL(s.volumes.n == 10);
	snprintf(s.volumes.v[3].name, SD_NAME_LEN, "%s", x);
	snprintf(s.volumes.v[7].name, SD_NAME_LEN, "%s", y);
	CU_ASSERT(sd_validate_ok(&s, &g));
	snprintf(s.volumes.v[7].name, SD_NAME_LEN, "%s", x);
	expect_invalid(&s, &g, "name 's42aefb2d82e0e5f4' is used twice");
	sd_state_free(&s);
}

/* Reverse the n records of size bytes at v. */
static void reverse(void *v, size_t n, size_t size)
{
	char tmp[1024], *a = v;
	CU_ASSERT_FATAL(size <= sizeof(tmp));
	for (size_t i = 0; i < n / 2; i++) {
		memcpy(tmp, a + i * size, size);
		memcpy(a + i * size, a + (n - 1 - i) * size, size);
		memcpy(a + (n - 1 - i) * size, tmp, size);
	}
}

/* Validation finds a record's pool or volume by trying the one after the
 * last found first: records in any order still find theirs, and an id
 * that names nothing is refused wherever it sits. */
static void test_validate_lookup_order(void)
{
	struct sd_geometry g = geo(64ull << 30, 1 << 20, 4 << 20);
	struct sd_state s, t;
	sd_state_init(&s);
	populate(&s, &g, 100, 20);
	CU_ASSERT_FATAL(s.volumes.n == 40 && s.snapshots.n >= 2);
	sd_state_copy(&t, &s);
	reverse(t.segments.v, t.segments.n, sizeof(*t.segments.v));
	reverse(t.volumes.v, t.volumes.n, sizeof(*t.volumes.v));
	reverse(t.snapshots.v, t.snapshots.n, sizeof(*t.snapshots.v));
	CU_ASSERT(sd_validate_ok(&t, &g));
	sd_state_free(&t);
	uint32_t gap = s.next_pool_id; /* no pool has it */
	for (size_t at = 0; at < s.volumes.n; at += 13) {
		sd_state_copy(&t, &s);
		t.volumes.v[at].pool_id = gap;
		expect_invalid(&t, &g, "volume record");
		sd_state_free(&t);
		sd_state_copy(&t, &s);
		t.snapshots.v[at % t.snapshots.n].volume_id = s.next_volume_id;
		expect_invalid(&t, &g, "snapshot record");
		sd_state_free(&t);
	}
	sd_state_free(&s);
}

static void test_validate_rejects(void)
{
	struct sd_geometry g = geo(64ull << 30, 1 << 20, 4 << 20);
	struct sd_state s, t;
	sd_state_init(&s);
	populate(&s, &g, 100, 3);
	CU_ASSERT_EQUAL(sd_state_validate(&s, &g, NULL), 0);

	sd_state_copy(&t, &s);
	t.segments.v[1].start = t.segments.v[0].start; /* overlap */
	expect_invalid(&t, &g, "two segments");
	sd_state_free(&t);

	sd_state_copy(&t, &s);
	snprintf(t.volumes.v[1].name, SD_NAME_LEN, "%s", t.volumes.v[0].name);
	expect_invalid(&t, &g, "used twice");
	sd_state_free(&t);

	/* every volume has a snapshot "before-upgrade" (valid); two of one volume */
	sd_state_copy(&t, &s);
	CU_ASSERT_FATAL(t.snapshots.n >= 2 && !strcmp(t.snapshots.v[0].name, t.snapshots.v[1].name));
	t.snapshots.v[1].volume_id = t.snapshots.v[0].volume_id;
	expect_invalid(&t, &g, "name 'before-upgrade' is used twice");
	sd_state_free(&t);

	sd_state_copy(&t, &s);
	t.snapshots.v[0].thin_id = t.volumes.v[0].thin_id; /* same thin id twice in a pool */
	expect_invalid(&t, &g, "thin device id");
	sd_state_free(&t);

	sd_state_copy(&t, &s);
	t.volumes.v[0].pool_id = 999;
	expect_invalid(&t, &g, "volume record");
	sd_state_free(&t);

	sd_state_copy(&t, &s);
	t.segments.v[0].start = g.extent_count - 1; /* runs past the end */
	t.segments.v[0].count = 2;
	expect_invalid(&t, &g, "segment record");
	sd_state_free(&t);

	sd_state_copy(&t, &s);
	snprintf(t.volumes.v[0].name, SD_NAME_LEN, "bad name;rm");
	expect_invalid(&t, &g, "volume record");
	sd_state_free(&t);

	sd_state_copy(&t, &s);
	t.pools.v[1].vmid = t.pools.v[0].vmid;
	expect_invalid(&t, &g, "duplicate pool");
	sd_state_free(&t);

	/* host ids name host slots: 1 .. host_slots; owners name hosts the same way */
	sd_state_copy(&t, &s);
	uint32_t hid;
	CU_ASSERT_EQUAL_FATAL(sd_host_register(&t, &g, "node-a", &hid, NULL), 0);
	t.hosts.v[t.hosts.n - 1].id = g.host_slots;
	CU_ASSERT_EQUAL(sd_state_validate(&t, &g, NULL), 0);
	t.hosts.v[t.hosts.n - 1].id = g.host_slots + 1;
	expect_invalid(&t, &g, "host record");
	t.hosts.v[t.hosts.n - 1].id = g.host_slots;
	t.pools.v[0].owner_host = g.host_slots + 1;
	expect_invalid(&t, &g, "owner host out of range");
	t.pools.v[0].owner_host = g.host_slots;
	t.pools.v[0].handover_to = g.host_slots + 1;
	expect_invalid(&t, &g, "owner host out of range");
	sd_state_free(&t);

	/* sizes a volume cannot have: past 2^63 - 512, or not whole sectors */
	sd_state_copy(&t, &s);
	t.volumes.v[0].size = SD_VOLUME_SIZE_MAX;
	CU_ASSERT_EQUAL(sd_state_validate(&t, &g, NULL), 0);
	t.volumes.v[0].size = SD_VOLUME_SIZE_MAX + 512;
	expect_invalid(&t, &g, "volume record");
	t.volumes.v[0].size = UINT64_MAX - 511;
	expect_invalid(&t, &g, "volume record");
	sd_state_free(&t);
	sd_state_copy(&t, &s);
	t.snapshots.v[0].size = SD_VOLUME_SIZE_MAX + 512;
	expect_invalid(&t, &g, "snapshot record");
	t.snapshots.v[0].size = 4096 + 100;
	expect_invalid(&t, &g, "snapshot record");
	sd_state_free(&t);

	/* a template's readers are hosts 1 .. host_slots: each bit of the set */
	sd_state_copy(&t, &s);
	t.pools.v[0].flags |= SD_POOL_TEMPLATE;
	t.pools.v[0].owner_host = 0;
	t.pools.v[0].handover_to = 0;
	CU_ASSERT_EQUAL(sd_state_validate(&t, &g, NULL), 0);
	int wrong = 0;
	const uint32_t slots[] = { 255, 200, 64, 33, 32, 31 }; /* word edges */
	for (size_t k = 0; k < sizeof(slots) / sizeof(slots[0]); k++) {
		struct sd_geometry gk = g;
		gk.host_slots = slots[k];
		for (uint32_t h = 0; h < 256; h++) {
			memset(t.pools.v[0].readers, 0, sizeof(t.pools.v[0].readers));
			t.pools.v[0].readers[h / 32] = 1u << (h % 32);
			bool host = h >= 1 && h <= gk.host_slots;
			wrong += (sd_state_validate(&t, &gk, NULL) == 0) != host;
		}
	}
	CU_ASSERT_EQUAL(wrong, 0);
	memset(t.pools.v[0].readers, 0, sizeof(t.pools.v[0].readers));
	t.pools.v[1].readers[0] = 1u << 1; /* readers on a pool that is no template */
	expect_invalid(&t, &g, "pool record");
	sd_state_free(&t);
	sd_state_free(&s);
}

static void test_names(void)
{
	CU_ASSERT(sd_name_valid("vm-100-disk-0"));
	CU_ASSERT(sd_name_valid("base-9999-disk-12"));
	CU_ASSERT(sd_name_valid("snap_1.2+x"));
	CU_ASSERT_FALSE(sd_name_valid(""));
	CU_ASSERT_FALSE(sd_name_valid("-rf"));
	CU_ASSERT_FALSE(sd_name_valid(".."));
	CU_ASSERT_FALSE(sd_name_valid("a/b"));
	CU_ASSERT_FALSE(sd_name_valid("a b"));
	CU_ASSERT_FALSE(sd_name_valid("$(reboot)"));
	char longname[80];
	memset(longname, 'a', 64);
	longname[64] = 0;
	CU_ASSERT_FALSE(sd_name_valid(longname));
	longname[63] = 0;
	CU_ASSERT(sd_name_valid(longname));
}

void add_format_tests(void)
{
	CU_pSuite s = CU_add_suite("format", NULL, NULL);
	CU_add_test(s, "crc32c vectors", test_crc32c_vectors);
	CU_add_test(s, "layout keeps first and last MiB free of slots", test_layout_edges_clear);
	CU_add_test(s, "layout rejects bad geometry", test_layout_rejects);
	CU_add_test(s, "label round trip and bit flips", test_label_roundtrip);
	CU_add_test(s, "payload round trip", test_payload_roundtrip);
	CU_add_test(s, "validation rejects broken states", test_validate_rejects);
	CU_add_test(s, "validation finds parents in any record order", test_validate_lookup_order);
	CU_add_test(s, "different names with one hash are both valid", test_validate_hash_collision);
	CU_add_test(s, "name rule", test_names);
}
