/* Commits as journal entries (format version 2): an entry holds the
 * records a commit changed, written after the slot's payload in both
 * copies.  What must hold: a state reads back the same whichever way it
 * was committed; an entry torn anywhere, or landed in one copy, leaves
 * exactly the old or the new state and never blocks the next writer; a
 * commit changing a record writes a block per copy, not the payload. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "metadata/codec.h"
#include "metadata/io.h"
#include "metadata/ops.h"

#define IMG (64ull << 20)
#define SLOT (256ull << 10)

static void *encoded(const struct sd_state *s, size_t *len)
{
	*len = sd_payload_size(s);
	void *p = malloc(*len);
	CU_ASSERT_FATAL(p != NULL);
	sd_payload_encode(s, p);
	return p;
}

/* One of the changes commands make: a new VM, a snapshot gone, an owner. */
static void change(struct sd_state *s, const struct sd_geometry *g, unsigned i)
{
	struct sd_err err;
	char name[64];
	switch (i % 3) {
	case 0:
		populate(s, g, 5000 + i, 1);
		break;
	case 1:
		snprintf(name, sizeof(name), "vm-%u-disk-%u", 100 + i % 20, i % 2);
		sd_snapshot_remove(s, name, "before-upgrade", &err); /* may be gone already */
		break;
	default:
		s->pools.v[i % s->pools.n].owner_host = 1 + i % 7;
		s->pools.v[i % s->pools.n].owner_generation++;
	}
}

/* An entry rebuilds the very payload it was made from; a changed byte or
 * a wrong link makes it no entry at all. */
static void test_entry_rebuilds(void)
{
	struct sd_geometry g = { .slot_size = 32ull << 20, .journal = true };
	memset(g.uuid, 7, 16);
	g.lun_size = 8ull << 30;
	g.extent_size = 4 << 20;
	struct sd_err err;
	CU_ASSERT_FATAL(sd_layout_compute(&g, &err) == 0);
	struct sd_state s;
	sd_state_init(&s);
	populate(&s, &g, 100, 20);
	struct sd_journal_link link = { 9, 0x1234 };
	for (unsigned i = 0; i < 60; i++) {
		size_t olen, nlen, elen, seen;
		void *old = encoded(&s, &olen);
		change(&s, &g, i);
		if (i % 4 == 1) /* a snapshot gone and a VM added: runs move both ways */
			change(&s, &g, i + 30002);
		void *neu = encoded(&s, &nlen), *e;
		size_t cap = olen > nlen ? olen : nlen;
		char *out = malloc(cap);
		memcpy(out, old, olen);
		CU_ASSERT_FATAL(sd_journal_encode(&g, old, neu, 5, link, 3, &e, &elen) == 0);
		struct sd_journal_link next;
		CU_ASSERT_FATAL(sd_journal_next(e, elen, &g, 5, link, &seen, &next));
		CU_ASSERT_EQUAL(seen, elen);
		CU_ASSERT_EQUAL(next.seqno, link.seqno + 1);
		CU_ASSERT_EQUAL(sd_journal_result_size(e), nlen);
		CU_ASSERT_FATAL(sd_journal_apply(e, out, olen, cap, &err) == 0);
		CU_ASSERT(memcmp(out, neu, nlen) == 0);
		if (i % 3 == 2 && i % 4 != 1) /* one record changed in 60 KiB: one block */
			CU_ASSERT_EQUAL(elen, 4096u);
		CU_ASSERT(!sd_journal_next(e, elen, &g, 6, link, &seen, &next)); /* another base */
		struct sd_journal_link wrong = { link.seqno, link.crc + 1 };
		CU_ASSERT(!sd_journal_next(e, elen, &g, 5, wrong, &seen, &next));
		((char *)e)[200 + i % 100] ^= 1; /* a byte of the body */
		CU_ASSERT(!sd_journal_next(e, elen, &g, 5, link, &seen, &next));
		link = next;
		free(old);
		free(neu);
		free(e);
		free(out);
	}
	sd_state_free(&s);
}

/* Commits land as entries until the slot's journal is full, then as a
 * whole slot, and every state reads back; one changed record costs one
 * block per copy. */
static void test_entries_then_slot(void)
{
	const char *path = tmp_image(0, IMG);
	struct sd_geometry g;
	format_image(path, SLOT, 1 << 20, &g);
	struct sd_state s, back;
	sd_state_init(&s);
	populate(&s, &g, 100, 8);
	CU_ASSERT_FATAL(commit_to(path, &s) == 0);
	int entries = 0, slots = 0;
	struct sd_copy_status cs[2];
	CU_ASSERT_FATAL(load_from(path, &back, cs) == 0);
	sd_state_free(&back);
	uint64_t last_base = cs[0].slot[cs[0].slot[0].journal_seqno > cs[0].slot[1].journal_seqno
					 ? 0 : 1].seqno;
	for (unsigned i = 0; i < 40; i++) {
		change(&s, &g, 3 * i + 2);
		struct fault_io f = {0};
		struct sd_io *io = fault_wrap(&f, open_io(path), policy_all);
		struct sd_store *st;
		struct sd_err err;
		CU_ASSERT_FATAL(sd_store_open(io, 0, &st, &back, &err) == 0);
		sd_state_free(&back);
		CU_ASSERT_FATAL(sd_store_commit(st, &s, &err) == 0);
		sd_store_close(st);
		sd_io_close(io);
		CU_ASSERT_FATAL(load_from(path, &back, cs) == 0);
		CU_ASSERT(sd_state_equal(&back, &s));
		sd_state_free(&back);
		CU_ASSERT_EQUAL(copy_reaches(cs, 0), copy_reaches(cs, 1));
		int k = cs[0].slot[0].journal_seqno > cs[0].slot[1].journal_seqno ? 0 : 1;
		if (f.nreq == 2) { /* an entry in each copy: one block each */
			entries++;
			CU_ASSERT_EQUAL(f.sectors_seen, 16);
			CU_ASSERT_EQUAL(cs[0].slot[k].seqno, last_base);
		} else {
			slots++;
			CU_ASSERT(cs[0].slot[k].seqno > last_base);
			CU_ASSERT_EQUAL(cs[0].slot[k].journal_entries, 0u);
		}
		last_base = cs[0].slot[k].seqno;
	}
	CU_ASSERT(entries >= 30); /* a 16 KiB journal holds four entries */
	CU_ASSERT(slots >= 3);
	sd_state_free(&s);
}

/* A group of format version 1 never gets an entry. */
static void test_version1_writes_slots(void)
{
	format_journal = false;
	const char *path = tmp_image(0, IMG);
	struct sd_geometry g;
	format_image(path, SLOT, 1 << 20, &g);
	format_journal = true;
	struct sd_state s, back;
	sd_state_init(&s);
	populate(&s, &g, 100, 2);
	for (unsigned i = 0; i < 4; i++) {
		change(&s, &g, 3 * i + 2);
		CU_ASSERT_FATAL(commit_to(path, &s) == 0);
	}
	struct sd_copy_status cs[2];
	CU_ASSERT_FATAL(load_from(path, &back, cs) == 0);
	CU_ASSERT(sd_state_equal(&back, &s));
	for (int c = 0; c < 2; c++)
		for (int k = 0; k < 2; k++)
			CU_ASSERT(cs[c].slot[k].valid && cs[c].slot[k].journal_entries == 0);
	sd_state_free(&back);
	sd_state_free(&s);
}

struct tear {
	const char *path;
	struct sd_geometry g;
	struct sd_state old, new;
	uint8_t *saved;
	long sectors;
};

static void keep(struct tear *t, bool save)
{
	metadata_keep(t->path, &t->g, SLOT, t->saved, save);
}

static int commit_through(struct tear *t, struct fault_io *f)
{
	struct sd_io *io = fault_wrap(f, open_io(t->path), f->policy);
	struct sd_store *st;
	struct sd_state cur;
	struct sd_err err;
	CU_ASSERT_FATAL(sd_store_open(io, 0, &st, &cur, &err) == 0);
	int rc = sd_store_commit(st, &t->new, &err);
	sd_store_close(st);
	sd_state_free(&cur);
	sd_io_close(io);
	return rc;
}

/* A group whose next commit (old -> new) is an entry of t->sectors. */
static void tear_setup(struct tear *t)
{
	t->path = tmp_image(1, IMG);
	format_image(t->path, SLOT, 1 << 20, &t->g);
	sd_state_init(&t->old);
	populate(&t->old, &t->g, 100, 4);
	CU_ASSERT_FATAL(commit_to(t->path, &t->old) == 0);
	CU_ASSERT_FATAL(sd_state_copy(&t->new, &t->old) == 0);
	change(&t->new, &t->g, 2);
	change(&t->new, &t->g, 4);
	t->saved = malloc(2 * 4096 + 4 * SLOT);
	CU_ASSERT_FATAL(t->saved != NULL);
	keep(t, true);
	struct fault_io f = {0};
	f.policy = policy_all;
	CU_ASSERT_FATAL(commit_through(t, &f) == 0);
	CU_ASSERT_FATAL(f.nreq == 2); /* an entry in each copy */
	t->sectors = f.sectors_seen;
	keep(t, false);
}

/* After a crash: old or new (new if the commit said so), and the next
 * writer's commit lands in both copies. */
static void check_torn(struct tear *t, int rc, int *saw_old, int *saw_new)
{
	struct sd_state back;
	CU_ASSERT_EQUAL_FATAL(load_from(t->path, &back, NULL), 0);
	bool is_old = sd_state_equal(&back, &t->old), is_new = sd_state_equal(&back, &t->new);
	CU_ASSERT(is_old || is_new);
	if (rc == 0)
		CU_ASSERT(is_new);
	*saw_old += is_old;
	*saw_new += is_new;
	populate(&back, &t->g, 900, 1);
	CU_ASSERT_EQUAL(commit_to(t->path, &back), 0);
	struct sd_state again;
	struct sd_copy_status cs[2];
	CU_ASSERT_EQUAL_FATAL(load_from(t->path, &again, cs), 0);
	CU_ASSERT(sd_state_equal(&again, &back));
	CU_ASSERT(copy_reaches(cs, 0) > 0 && copy_reaches(cs, 0) == copy_reaches(cs, 1));
	sd_state_free(&again);
	sd_state_free(&back);
}

static void tear_teardown(struct tear *t)
{
	sd_state_free(&t->old);
	sd_state_free(&t->new);
	free(t->saved);
}

/* An entry's writes cut at every 512-byte boundary, and at random
 * subsets of their sectors. */
static void test_entry_torn(void)
{
	struct tear t;
	tear_setup(&t);
	int saw_old = 0, saw_new = 0;
	for (long k = 0; k <= t.sectors; k++) {
		keep(&t, false);
		struct fault_io f = { .policy = policy_prefix, .budget = k };
		check_torn(&t, commit_through(&t, &f), &saw_old, &saw_new);
	}
	for (uint32_t seed = 1; seed <= 40; seed++) {
		keep(&t, false);
		struct fault_io f = { .policy = policy_all, .random_subset = true, .seed = seed };
		check_torn(&t, commit_through(&t, &f), &saw_old, &saw_new);
	}
	CU_ASSERT(saw_old > 0 && saw_new > 0);
	tear_teardown(&t);
}

/* An entry that landed in one copy alone is the state, whichever copy. */
static void test_entry_in_one_copy(void)
{
	struct tear t;
	tear_setup(&t);
	size_t span = 2 * SLOT;
	uint8_t *after = malloc(span);
	CU_ASSERT_FATAL(after != NULL);
	for (int c = 0; c < 2; c++) {
		keep(&t, false);
		struct fault_io f = { .policy = policy_all };
		CU_ASSERT_FATAL(commit_through(&t, &f) == 0);
		/* undo the entry in copy 1 - c: its slots as before the commit */
		uint64_t at = sd_slot_offset(&t.g, 1 - c, 0);
		memcpy(after, t.saved + 2 * 4096 + (size_t)(1 - c) * span, span);
		write_bytes(t.path, at, after, span);
		int saw_old = 0, saw_new = 0;
		check_torn(&t, 0, &saw_old, &saw_new);
		CU_ASSERT_EQUAL(saw_new, 1);
	}
	free(after);
	tear_teardown(&t);
}

/* Another writer's entry since this store read is a concurrent update. */
static void test_entry_conflict(void)
{
	const char *path = tmp_image(0, IMG);
	struct sd_geometry g;
	format_image(path, SLOT, 1 << 20, &g);
	struct sd_state s, a, b;
	sd_state_init(&s);
	populate(&s, &g, 100, 3);
	CU_ASSERT_FATAL(commit_to(path, &s) == 0);
	struct sd_io *io1 = open_io(path), *io2 = open_io(path);
	struct sd_store *st1, *st2;
	struct sd_err err;
	CU_ASSERT_FATAL(sd_store_open(io1, 0, &st1, &a, &err) == 0);
	CU_ASSERT_FATAL(sd_store_open(io2, 0, &st2, &b, &err) == 0);
	change(&a, &g, 2);
	change(&b, &g, 5);
	CU_ASSERT_EQUAL(sd_store_commit(st1, &a, &err), 0);
	CU_ASSERT_EQUAL(sd_store_commit(st2, &b, &err), -SD_E_CONFLICT);
	sd_store_close(st1);
	sd_store_close(st2);
	sd_io_close(io1);
	sd_io_close(io2);
	struct sd_state back;
	CU_ASSERT_FATAL(load_from(path, &back, NULL) == 0);
	CU_ASSERT(sd_state_equal(&back, &a));
	sd_state_free(&back);
	sd_state_free(&a);
	sd_state_free(&b);
	sd_state_free(&s);
}

/* A reader holding the newest state reads no payload until an entry
 * lands after it. */
static void test_reader_sees_entry(void)
{
	const char *path = tmp_image(0, IMG);
	struct sd_geometry g;
	format_image(path, SLOT, 1 << 20, &g);
	struct sd_state s, held;
	sd_state_init(&s);
	populate(&s, &g, 100, 3);
	CU_ASSERT_FATAL(commit_to(path, &s) == 0);
	struct sd_io *io = open_io(path);
	struct sd_store *st;
	struct sd_err err;
	CU_ASSERT_FATAL(sd_store_open(io, 0, &st, &held, &err) == 0);
	struct sd_store_mark m = st->mark;
	sd_store_close(st);
	for (unsigned i = 0; i < 6; i++) {
		bool unchanged;
		CU_ASSERT_FATAL(sd_store_open_since(io, 0, &m, &st, &held, &unchanged, &err) == 0);
		CU_ASSERT(unchanged);
		sd_store_close(st);
		change(&s, &g, 3 * i + 2);
		CU_ASSERT_FATAL(commit_to(path, &s) == 0);
		CU_ASSERT_FATAL(sd_store_open_since(io, 0, &m, &st, &held, &unchanged, &err) == 0);
		CU_ASSERT(!unchanged);
		CU_ASSERT(sd_state_equal(&held, &s));
		m = st->mark;
		sd_store_close(st);
	}
	sd_io_close(io);
	sd_state_free(&held);
	sd_state_free(&s);
}

/* Bytes after the last entry, garbage or a stale entry's look-alike,
 * change nothing. */
static void test_garbage_after_entries(void)
{
	const char *path = tmp_image(0, IMG);
	struct sd_geometry g;
	format_image(path, SLOT, 1 << 20, &g);
	struct sd_state s, back;
	sd_state_init(&s);
	populate(&s, &g, 100, 3);
	CU_ASSERT_FATAL(commit_to(path, &s) == 0);
	change(&s, &g, 2);
	CU_ASSERT_FATAL(commit_to(path, &s) == 0);
	struct sd_copy_status cs[2];
	CU_ASSERT_FATAL(load_from(path, &back, cs) == 0);
	sd_state_free(&back);
	int k = cs[0].slot[0].journal_seqno > cs[0].slot[1].journal_seqno ? 0 : 1;
	CU_ASSERT_FATAL(cs[0].slot[k].journal_entries >= 1);
	uint64_t end = sd_slot_offset(&g, 0, k) + SD_BLOCK +
		       ((cs[0].slot[k].payload_size + SD_BLOCK - 1) & ~(uint64_t)(SD_BLOCK - 1)) +
		       cs[0].slot[k].journal_entries * (uint64_t)SD_BLOCK;
	uint8_t block[4096];
	srand(7);
	for (int round = 0; round < 20; round++) {
		for (size_t i = 0; i < sizeof(block); i++)
			block[i] = (uint8_t)rand();
		if (round % 2) /* looks like an entry: magic and version */
			memcpy(block, "STARDMJE\x01\0\0\0", 12);
		for (int c = 0; c < 2; c++)
			write_bytes(path, end - sd_slot_offset(&g, 0, k) + sd_slot_offset(&g, c, k),
				    block, sizeof(block));
		CU_ASSERT_FATAL(load_from(path, &back, NULL) == 0);
		CU_ASSERT(sd_state_equal(&back, &s));
		sd_state_free(&back);
	}
	change(&s, &g, 5);
	CU_ASSERT_EQUAL(commit_to(path, &s), 0);
	CU_ASSERT_FATAL(load_from(path, &back, NULL) == 0);
	CU_ASSERT(sd_state_equal(&back, &s));
	sd_state_free(&back);
	sd_state_free(&s);
}

void add_journal_tests(void)
{
	CU_pSuite s = CU_add_suite("journal", journal_on, journal_off);
	CU_add_test(s, "an entry rebuilds its state, and only that", test_entry_rebuilds);
	CU_add_test(s, "entries until the journal is full, then a slot",
		    test_entries_then_slot);
	CU_add_test(s, "a group of version 1 gets no entries", test_version1_writes_slots);
	CU_add_test(s, "an entry torn at every boundary", test_entry_torn);
	CU_add_test(s, "an entry in one copy alone is the state", test_entry_in_one_copy);
	CU_add_test(s, "another writer's entry is a concurrent update", test_entry_conflict);
	CU_add_test(s, "a reader holding the state sees the next entry", test_reader_sees_entry);
	CU_add_test(s, "bytes after the last entry change nothing", test_garbage_after_entries);
}
