/* The golden image (tests/golden): a version 1 group written by an earlier
 * stardm.  Today's code must read every field of it as it was written, and
 * encode the state it read into the very bytes on the image. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "metadata/codec.h"
#include "metadata/hostlock.h"
#include "metadata/ops.h"

#define GOLDEN "tests/golden/v1-group.img.xz" /* the unit runner runs from the top */

static const char *unpack(void)
{
	const char *path = tmp_image(0, 0);
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "xz -dc %s > %s", GOLDEN, path);
	if (system(cmd) != 0) {
		fprintf(stderr, "\n    cannot unpack %s (run from the repository's top)\n", GOLDEN);
		return NULL;
	}
	return path;
}

static void check_geometry(const struct sd_geometry *g)
{
	static const uint8_t uuid[16] = { 0x78, 0x94, 0xee, 0xbf, 0x4e, 0x2f, 0x44, 0x33,
					  0x9e, 0xb8, 0x01, 0xd8, 0x1e, 0xb0, 0xf2, 0xf7 };
	CU_ASSERT_STRING_EQUAL(g->name, "golden");
	CU_ASSERT(memcmp(g->uuid, uuid, 16) == 0);
	CU_ASSERT_EQUAL(g->lun_size, 64ull << 20);
	CU_ASSERT_EQUAL(g->extent_size, 1ull << 20);
	CU_ASSERT_EQUAL(g->extent_count, 59);
	CU_ASSERT_EQUAL(g->data_offset, 3145728);
	CU_ASSERT_EQUAL(g->slot_size, 65536);
	CU_ASSERT_EQUAL(g->host_slots, 255);
	CU_ASSERT_EQUAL(g->copy_offset[0], 2097152);
	CU_ASSERT_EQUAL(g->copy_offset[1], 65929216);
}

static void check_records(const struct sd_state *s)
{
	CU_ASSERT_EQUAL_FATAL(s->pools.n, 2);
	CU_ASSERT_EQUAL(s->pools.v[0].vmid, 100);
	CU_ASSERT_EQUAL(s->pools.v[0].transaction_id, 3);
	CU_ASSERT_EQUAL(s->pools.v[0].next_thin_id, 3);
	CU_ASSERT_EQUAL(s->pools.v[0].chunk_sectors, 128);
	CU_ASSERT_EQUAL(s->pools.v[1].vmid, 200);
	CU_ASSERT_EQUAL(s->pools.v[1].chunk_sectors, 256);
	CU_ASSERT_EQUAL_FATAL(s->segments.n, 4);
	CU_ASSERT(s->segments.v[1].pool_id == 1 && s->segments.v[1].role == SD_ROLE_DATA &&
		  s->segments.v[1].start == 3 && s->segments.v[1].count == 5);
	CU_ASSERT_EQUAL_FATAL(s->volumes.n, 3);
	CU_ASSERT_STRING_EQUAL(s->volumes.v[0].name, "vm-100-disk-0");
	CU_ASSERT_EQUAL(s->volumes.v[0].size, 4ull << 20);
	CU_ASSERT_STRING_EQUAL(s->volumes.v[1].name, "vm-100-disk-1");
	CU_ASSERT_EQUAL(s->volumes.v[1].thin_id, 1);
	CU_ASSERT_STRING_EQUAL(s->volumes.v[2].name, "base-200-disk-0");
	CU_ASSERT(s->volumes.v[2].flags & SD_VOL_BASE);
	CU_ASSERT_EQUAL_FATAL(s->snapshots.n, 1);
	CU_ASSERT_STRING_EQUAL(s->snapshots.v[0].name, "snap1");
	CU_ASSERT(s->snapshots.v[0].volume_id == 1 && s->snapshots.v[0].thin_id == 2);
	CU_ASSERT_EQUAL_FATAL(s->pending.n, 4);
	CU_ASSERT(s->pending.v[2].op == SD_OP_SNAP && s->pending.v[2].origin_id == 0);
}

static void test_golden_v1(void)
{
	const char *path = unpack();
	CU_ASSERT_PTR_NOT_NULL_FATAL(path);
	struct sd_io *io = open_io(path);
	struct sd_store *st;
	struct sd_state s;
	struct sd_err err;
	int rc = sd_store_open(io, 0, &st, &s, &err);
	if (rc)
		fprintf(stderr, "\n    golden image: %s\n", err.msg);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_EQUAL(st->seqno, 5);
	check_geometry(&st->geo);
	check_records(&s);
	struct sd_host_slot_info hosts[4];
	CU_ASSERT_EQUAL(sd_host_slots_read(io, &st->geo, hosts, 4), 1);
	CU_ASSERT_STRING_EQUAL(hosts[0].name, "golden-node");

	/* byte-exact: today's encoder writes what is on the image */
	size_t len = sd_payload_size(&s);
	char *mine = malloc(len), *disk = malloc(len);
	sd_payload_encode(&s, mine);
	read_bytes(path, st->geo.copy_offset[0] + (5 % 2) * st->geo.slot_size + SD_BLOCK, disk, len);
	CU_ASSERT(memcmp(mine, disk, len) == 0);
	free(mine);
	free(disk);
	sd_state_free(&s);
	sd_store_close(st);
	sd_io_close(io);
}

void add_golden_tests(void)
{
	CU_pSuite s = CU_add_suite("golden image", NULL, NULL);
	CU_add_test(s, "a v1 group written by an earlier stardm", test_golden_v1);
}
