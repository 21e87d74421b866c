/* The golden images (tests/golden): a version 1 and a version 2 group
 * written by an earlier stardm.  Today's code must read every field of
 * them as they were written, and encode the states it read into the very
 * bytes on the images: the payload, and each journal entry. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "metadata/codec.h"
#include "metadata/hostlock.h"
#include "metadata/ops.h"

/* the unit runner runs from the top */
#define GOLDEN_V1 "tests/golden/v1-group.img.xz"
#define GOLDEN_V2 "tests/golden/v2-group.img.xz"

static const char *unpack(const char *image)
{
	const char *path = tmp_image(0, 0);
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "xz -dc %s > %s", image, path);
	if (system(cmd) != 0) {
		fprintf(stderr, "\n    cannot unpack %s (run from the repository's top)\n", image);
		return NULL;
	}
	return path;
}

static void check_geometry(const struct sd_geometry *g, const uint8_t uuid[16])
{
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

static const uint8_t uuid_v1[16] = { 0x78, 0x94, 0xee, 0xbf, 0x4e, 0x2f, 0x44, 0x33,
				      0x9e, 0xb8, 0x01, 0xd8, 0x1e, 0xb0, 0xf2, 0xf7 };
static const uint8_t uuid_v2[16] = { 0x76, 0xcf, 0x49, 0x83, 0x20, 0x23, 0x40, 0xc5,
				      0xaa, 0xba, 0x0b, 0xc9, 0x38, 0x4b, 0x21, 0xfb };

/* Open a golden image and check what both versions hold alike: the group
 * at sequence 5, its geometry (uuid aside), records and host slot. */
static const char *open_golden(const char *image, const uint8_t uuid[16], bool journal,
			       struct sd_io **io, struct sd_store **st, struct sd_state *s)
{
	const char *path = unpack(image);
	CU_ASSERT_PTR_NOT_NULL_FATAL(path);
	*io = open_io(path);
	struct sd_err err;
	int rc = sd_store_open(*io, 0, st, s, &err);
	if (rc)
		fprintf(stderr, "\n    golden image: %s\n", err.msg);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_EQUAL((*st)->seqno, 5);
	CU_ASSERT((*st)->geo.journal == journal);
	check_geometry(&(*st)->geo, uuid);
	check_records(s);
	struct sd_host_slot_info hosts[4];
	CU_ASSERT_EQUAL(sd_host_slots_read(*io, &(*st)->geo, hosts, 4), 1);
	CU_ASSERT_STRING_EQUAL(hosts[0].name, "golden-node");
	return path;
}

static void test_golden_v1(void)
{
	struct sd_io *io;
	struct sd_store *st;
	struct sd_state s;
	const char *path = open_golden(GOLDEN_V1, uuid_v1, false, &io, &st, &s);

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

/* Each entry of slot A1's journal (the image's commits after init) is
 * what today's encoder writes for its step, its time and crc aside. */
static void check_entries(const char *path, const struct sd_geometry *g)
{
	uint64_t slot = sd_slot_offset(g, 0, 1);
	uint8_t hdr[SD_BLOCK];
	struct sd_slot_info info;
	struct sd_err err;
	read_bytes(path, slot, hdr, sizeof(hdr));
	CU_ASSERT_FATAL(sd_slot_header_decode(hdr, g, 0, 1, &info, &err) == 0);
	CU_ASSERT_EQUAL(info.seqno, 1);
	CU_ASSERT_EQUAL_FATAL(info.journal_size, 16384);
	size_t old_len = info.payload_size;
	char *old = malloc(old_len), *journal = malloc(info.journal_size);
	read_bytes(path, slot + SD_BLOCK, old, old_len);
	read_bytes(path, slot + 2 * SD_BLOCK, journal, info.journal_size);
	struct sd_journal_link link = { 1, info.payload_crc }, next;
	size_t used = 0, len;
	for (int k = 0; k < 4; k++) {
		char *e = journal + used;
		CU_ASSERT_FATAL(sd_journal_next(e, info.journal_size - used, g, 1, link, &len, &next));
		size_t new_len = sd_journal_result_size(e), cap = new_len > old_len ? new_len : old_len;
		char *neu = malloc(cap);
		void *mine;
		size_t mine_len;
		memcpy(neu, old, old_len);
		CU_ASSERT_FATAL(sd_journal_apply(e, neu, old_len, cap, &err) == 0);
		const struct sd_journal_header *h = (const void *)e;
		CU_ASSERT_FATAL(sd_journal_encode(g, old, neu, 1, link, le32_to_cpu(h->writer_host),
						  &mine, &mine_len) == 0);
		struct sd_journal_header *m = mine;
		m->commit_ns = h->commit_ns;
		m->crc = h->crc;
		CU_ASSERT(mine_len == len && memcmp(mine, e, len) == 0);
		free(mine);
		free(old);
		old = neu;
		old_len = new_len;
		link = next;
		used += len;
	}
	CU_ASSERT_EQUAL(link.seqno, 5);
	free(old);
	free(journal);
}

static void test_golden_v2(void)
{
	struct sd_io *io;
	struct sd_store *st;
	struct sd_state s;
	const char *path = open_golden(GOLDEN_V2, uuid_v2, true, &io, &st, &s);
	check_entries(path, &st->geo);
	sd_state_free(&s);
	sd_store_close(st);
	sd_io_close(io);
}

void add_golden_tests(void)
{
	CU_pSuite s = CU_add_suite("golden image", NULL, NULL);
	CU_add_test(s, "a v1 group written by an earlier stardm", test_golden_v1);
	CU_add_test(s, "a v2 group and its journal, written by an earlier stardm",
		    test_golden_v2);
}
