/* Damage: wiped ends of the LUN and garbage in any metadata byte. */
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "metadata/ops.h"

#define IMG (64ull << 20)
#define SLOT (64ull << 10)

/* A group whose newest state *s (seq 3) follows *prev (seq 2), when given. */
static const char *make_group_after(struct sd_geometry *g, struct sd_state *s,
				    struct sd_state *prev)
{
	const char *path = tmp_image(2, IMG);
	format_image(path, SLOT, 1 << 20, g);
	sd_state_init(s);
	populate(s, g, 100, 2);
	CU_ASSERT_FATAL(commit_to(path, s) == 0);
	if (prev)
		CU_ASSERT_FATAL(sd_state_copy(prev, s) == 0);
	populate(s, g, 200, 1);
	CU_ASSERT_FATAL(commit_to(path, s) == 0);
	return path;
}

static const char *make_group(struct sd_geometry *g, struct sd_state *s)
{
	return make_group_after(g, s, NULL);
}

static void expect_intact(const char *path, const struct sd_state *want, int damaged_label)
{
	struct sd_state back;
	struct sd_copy_status cs[2];
	CU_ASSERT_EQUAL_FATAL(load_from(path, &back, cs), 0);
	CU_ASSERT(sd_state_equal(&back, want));
	if (damaged_label >= 0) {
		CU_ASSERT_FALSE(cs[damaged_label].label_valid);
		CU_ASSERT(cs[!damaged_label].label_valid);
	}
	sd_state_free(&back);
}

static void test_first_mib_wiped(void)
{
	struct sd_geometry g;
	struct sd_state s;
	const char *path = make_group(&g, &s);
	zero_range(path, 0, 1 << 20);
	expect_intact(path, &s, 0);
	/* the next commit repairs the label */
	populate(&s, &g, 300, 1);
	CU_ASSERT_EQUAL(commit_to(path, &s), 0);
	expect_intact(path, &s, -1);
	struct sd_copy_status cs[2];
	struct sd_state back;
	CU_ASSERT_EQUAL(load_from(path, &back, cs), 0);
	CU_ASSERT(cs[0].label_valid && cs[1].label_valid);
	sd_state_free(&back);
	sd_state_free(&s);
}

static void test_last_mib_wiped(void)
{
	struct sd_geometry g;
	struct sd_state s;
	const char *path = make_group(&g, &s);
	zero_range(path, IMG - (1 << 20), 1 << 20);
	expect_intact(path, &s, 1);
	sd_state_free(&s);
}

static void test_whole_copy_wiped(void)
{
	struct sd_geometry g;
	struct sd_state s;
	const char *path = make_group(&g, &s);
	zero_range(path, 0, g.data_offset); /* label A, hosts, both A slots */
	expect_intact(path, &s, 0);
	sd_state_free(&s);
	path = make_group(&g, &s);
	zero_range(path, g.copy_offset[1], IMG - g.copy_offset[1]);
	expect_intact(path, &s, 1);
	sd_state_free(&s);
}

static void test_both_ends_wiped(void)
{
	struct sd_geometry g;
	struct sd_state s, back;
	const char *path = make_group(&g, &s);
	zero_range(path, 0, 1 << 20);
	zero_range(path, IMG - (1 << 20), 1 << 20);
	CU_ASSERT_EQUAL(load_from(path, &back, NULL), -SD_E_CORRUPT);
	sd_state_free(&s);
}

/* Flip each byte of one copy's label, slot headers and payload in turn:
 * the other copy must always carry the state through. */
static void test_every_metadata_byte(void)
{
	struct sd_geometry g;
	struct sd_state s;
	const char *path = make_group(&g, &s);
	uint64_t seq_slot = 3 % 2; /* two commits after format: seq 3 */
	uint64_t regions[3][2] = {
		{ 0, 4096 },                                            /* label A */
		{ sd_slot_offset(&g, 0, (int)seq_slot), 4096 + 2048 },  /* newest slot A */
		{ sd_label_offset(&g, 1), 4096 },                       /* label B */
	};
	uint8_t byte;
	int checked = 0;
	for (int r = 0; r < 3; r++)
		for (uint64_t off = regions[r][0]; off < regions[r][0] + regions[r][1]; off += 3) {
			read_bytes(path, off, &byte, 1);
			uint8_t bad = (uint8_t)(byte ^ (0x5a + (off & 0x1f)));
			write_bytes(path, off, &bad, 1);
			expect_intact(path, &s, -1);
			write_bytes(path, off, &byte, 1);
			checked++;
		}
	CU_ASSERT(checked > 3000);
	sd_state_free(&s);
}

/* Garbage everywhere at once: a clear error or a valid state, never a crash
 * (ASan/UBSan builds make a crash loud). */
static void test_random_garbage_everywhere(void)
{
	struct sd_geometry g;
	struct sd_state s, back, prev;
	const char *path = make_group_after(&g, &s, &prev);
	uint64_t offs[6] = { 0, sd_label_offset(&g, 1), sd_slot_offset(&g, 0, 0),
			     sd_slot_offset(&g, 0, 1), sd_slot_offset(&g, 1, 0), sd_slot_offset(&g, 1, 1) };
	uint32_t seed = 7;
	int newest = 0, older = 0, failed = 0;
	/* labels are one block; a slot's header and the start of its payload */
	const size_t len[6] = { 4096, 4096, 8192, 8192, 8192, 8192 };
	static uint8_t pristine[6][8192];
	for (int r = 0; r < 6; r++)
		read_bytes(path, offs[r], pristine[r], len[r]);
	for (int round = 0; round < 300; round++) {
		/* each round starts from the committed image: 1 to 32 bytes of garbage */
		for (int r = 0; r < 6; r++)
			write_bytes(path, offs[r], pristine[r], len[r]);
		int bytes = 1 + (int)((seed >> 5) % 32);
		for (int k = 0; k < bytes; k++) {
			seed = seed * 1103515245u + 12345u;
			int r = (int)((seed >> 4) % 6);
			uint64_t off = offs[r] + (seed >> 9) % len[r];
			uint8_t b = (uint8_t)(seed >> 3);
			write_bytes(path, off, &b, 1);
		}
		struct sd_copy_status cs[2];
		struct sd_state lazy;
		int rc = load_from(path, &back, cs);
		CU_ASSERT(rc == 0 || rc == -SD_E_CORRUPT);
		/* a command's read (newest slot first, stopping at the first that
		 * checks out) agrees with the read of every slot */
		CU_ASSERT_EQUAL(load_from(path, &lazy, NULL), rc);
		CU_ASSERT(rc || sd_state_equal(&back, &lazy));
		sd_state_free(&lazy);
		if (rc) {
			failed++;
			continue;
		}
		/* a state that loads is the newest committed (seq 3) or, once both
		 * copies of its slot are damaged, the one before it (seq 2) */
		bool seq3 = (cs[0].slot[1].valid && cs[0].slot[1].seqno == 3) ||
			    (cs[1].slot[1].valid && cs[1].slot[1].seqno == 3);
		CU_ASSERT(sd_state_equal(&back, seq3 ? &s : &prev));
		newest += seq3;
		older += !seq3;
		sd_state_free(&back);
	}
	/* the seed reaches all three outcomes, so each branch above is exercised */
	printf("\n    garbage: %d newest, %d older, %d refused\n", newest, older, failed);
	CU_ASSERT(newest > 0 && older > 0 && failed > 0);
	sd_state_free(&s);
	sd_state_free(&prev);
}

/* A command reads the newest slot alone while it checks out: damage in
 * the older slots is not read (it is overwritten by the next commit), and
 * inspect's full read reports it. */
static void test_older_slots_not_read(void)
{
	struct sd_geometry g;
	struct sd_state s, back;
	const char *path = make_group(&g, &s);
	uint8_t junk[64];
	memset(junk, 0xa5, sizeof(junk));
	for (int c = 0; c < 2; c++) /* seq 2's payloads, in slot 0 of each copy */
		write_bytes(path, sd_slot_offset(&g, c, 0) + 4096 + 16, junk, sizeof(junk));
	struct sd_copy_status cs[2];
	struct sd_io *io;
	struct sd_store *st;
	struct sd_err err;
	CU_ASSERT_FATAL(sd_io_open(path, false, SD_IO_AUTO, &io, &err) == 0);
	CU_ASSERT_FATAL(sd_store_open(io, 0, &st, &back, &err) == 0);
	CU_ASSERT(sd_state_equal(&back, &s));
	CU_ASSERT_EQUAL(st->seqno, 3);
	CU_ASSERT_EQUAL(st->source_copy, 0);
	for (int c = 0; c < 2; c++) {
		CU_ASSERT(c == 0 ? st->copy[0].slot[1].valid : !st->copy[1].slot[1].valid);
		CU_ASSERT_EQUAL(st->copy[c].slot[0].seqno, 2); /* its header was read */
		CU_ASSERT(!st->copy[c].slot[0].valid && st->copy[c].slot[0].error[0] == 0);
	}
	sd_store_close(st);
	sd_io_close(io);
	sd_state_free(&back);
	CU_ASSERT_EQUAL_FATAL(load_from(path, &back, cs), 0);
	for (int c = 0; c < 2; c++) {
		CU_ASSERT(cs[c].slot[1].valid);
		CU_ASSERT_PTR_NOT_NULL(strstr(cs[c].slot[0].error, "checksum mismatch"));
	}
	sd_state_free(&back);
	sd_state_free(&s);
}

/* The newest slot damaged in copy A: copy B's newest is taken; damaged in
 * both: the state before it. */
static void test_newest_damaged_falls_back(void)
{
	struct sd_geometry g;
	struct sd_state s, prev, back;
	const char *path = make_group_after(&g, &s, &prev);
	uint8_t junk[64];
	memset(junk, 0x5a, sizeof(junk));
	write_bytes(path, sd_slot_offset(&g, 0, 1) + 4096 + 16, junk, sizeof(junk));
	CU_ASSERT_EQUAL_FATAL(load_from(path, &back, NULL), 0);
	CU_ASSERT(sd_state_equal(&back, &s));
	sd_state_free(&back);
	write_bytes(path, sd_slot_offset(&g, 1, 1) + 4096 + 16, junk, sizeof(junk));
	CU_ASSERT_EQUAL_FATAL(load_from(path, &back, NULL), 0);
	CU_ASSERT(sd_state_equal(&back, &prev));
	sd_state_free(&back);
	sd_state_free(&s);
	sd_state_free(&prev);
}

void add_damage_tests(void)
{
	CU_pSuite s = CU_add_suite("damage", NULL, NULL);
	CU_add_test(s, "first MiB wiped: read from copy B, commit repairs", test_first_mib_wiped);
	CU_add_test(s, "last MiB wiped: read from copy A", test_last_mib_wiped);
	CU_add_test(s, "a whole copy wiped", test_whole_copy_wiped);
	CU_add_test(s, "both ends wiped: clear error", test_both_ends_wiped);
	CU_add_test(s, "garbage in any byte of one copy", test_every_metadata_byte);
	CU_add_test(s, "random garbage in both copies", test_random_garbage_everywhere);
	CU_add_test(s, "a command does not read the older slots", test_older_slots_not_read);
	CU_add_test(s, "newest slot damaged: copy B's, then the one before", test_newest_damaged_falls_back);
	CU_pSuite j = CU_add_suite("damage with a journal", journal_on, journal_off);
	CU_add_test(j, "first MiB wiped: read from copy B, commit repairs", test_first_mib_wiped);
	CU_add_test(j, "last MiB wiped: read from copy A", test_last_mib_wiped);
	CU_add_test(j, "a whole copy wiped", test_whole_copy_wiped);
	CU_add_test(j, "both ends wiped: clear error", test_both_ends_wiped);
	CU_add_test(j, "garbage in any byte of one copy", test_every_metadata_byte);
}
