/* Converting a group between format versions 1 and 2.  What must hold:
 * the state survives unchanged; a conversion cut at any sector, and a
 * commit cut after it, leave a group that reads the same whichever label
 * a reader goes by (a reader with one label left must not miss entries,
 * nor meet a slot its version refuses); a writer or reader that read the
 * group before a conversion never writes or returns a stale state. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "metadata/codec.h"
#include "metadata/format.h"
#include "metadata/io.h"

#define IMG (64ull << 20)
#define SLOT (256ull << 10)

static int convert_through(const char *path, struct fault_io *f, unsigned version,
			   bool *changed)
{
	struct sd_io *io = open_io(path);
	if (f)
		io = fault_wrap(f, io, f->policy);
	struct sd_store *st;
	struct sd_state cur;
	struct sd_err err;
	bool dummy;
	CU_ASSERT_FATAL(sd_store_open(io, 0, &st, &cur, &err) == 0);
	int rc = sd_store_convert(st, &cur, version, changed ? changed : &dummy, &err);
	sd_store_close(st);
	sd_state_free(&cur);
	sd_io_close(io);
	return rc;
}

/* journal_size of each slot header on disk (0 where none decodes). */
static uint32_t journal_size_at(const char *path, const struct sd_geometry *g, int c, int k)
{
	struct sd_slot_header h;
	read_bytes(path, sd_slot_offset(g, c, k), &h, sizeof(h));
	return memcmp(h.magic, SD_SLOT_MAGIC, 8) ? 0 : le32_to_cpu(h.journal_size);
}

/* The group reads as *want whichever valid label is left: each label in
 * turn is zeroed (while the other is valid) and restored. */
static void check_each_label(const char *path, const struct sd_geometry *g,
			     const struct sd_state *want)
{
	struct sd_state back;
	struct sd_copy_status cs[2];
	CU_ASSERT_FATAL(load_from(path, &back, cs) == 0);
	sd_state_free(&back);
	for (int c = 0; c < 2; c++) {
		if (!cs[1 - c].label_valid)
			continue;
		uint8_t saved[4096], zero[4096] = {0};
		uint64_t at = sd_label_offset(g, c);
		read_bytes(path, at, saved, sizeof(saved));
		write_bytes(path, at, zero, sizeof(zero));
		int rc = load_from(path, &back, NULL);
		CU_ASSERT_EQUAL(rc, 0);
		if (rc == 0) {
			CU_ASSERT(sd_state_equal(&back, want));
			sd_state_free(&back);
		}
		write_bytes(path, at, saved, sizeof(saved));
	}
}

static unsigned version_read(const char *path, int c)
{
	struct sd_state back;
	struct sd_copy_status cs[2];
	CU_ASSERT_FATAL(load_from(path, &back, cs) == 0);
	sd_state_free(&back);
	return cs[c].label_version;
}

/* A group of `from` with a few commits behind it (entries, in version 2). */
static void make_group(const char *path, unsigned from, struct sd_geometry *g,
		       struct sd_state *s)
{
	format_journal = from == SD_FORMAT_VERSION_JOURNAL;
	format_image(path, SLOT, 1 << 20, g);
	format_journal = false;
	sd_state_init(s);
	populate(s, g, 100, 4);
	CU_ASSERT_FATAL(commit_to(path, s) == 0);
	for (int i = 0; i < 3; i++) {
		s->pools.v[i].owner_host = 2;
		CU_ASSERT_FATAL(commit_to(path, s) == 0);
	}
}

/* Up to 2 and back: the state stays, the labels and slots follow, and
 * commits after each conversion take the version's own form. */
static void test_convert_both_ways(void)
{
	const char *path = tmp_image(0, IMG);
	struct sd_geometry g;
	struct sd_state s, back;
	make_group(path, SD_FORMAT_VERSION, &g, &s);
	bool changed;
	CU_ASSERT_EQUAL(convert_through(path, NULL, 2, &changed), 0);
	CU_ASSERT(changed);
	CU_ASSERT_EQUAL(version_read(path, 0), 2u);
	CU_ASSERT_EQUAL(version_read(path, 1), 2u);
	CU_ASSERT_FATAL(load_from(path, &back, NULL) == 0);
	CU_ASSERT(sd_state_equal(&back, &s));
	sd_state_free(&back);
	for (int i = 0; i < 3; i++) { /* a slot with a journal, then entries */
		s.pools.v[i].owner_host = 3;
		CU_ASSERT_FATAL(commit_to(path, &s) == 0);
	}
	struct sd_copy_status cs[2];
	CU_ASSERT_FATAL(load_from(path, &back, cs) == 0);
	CU_ASSERT(sd_state_equal(&back, &s));
	sd_state_free(&back);
	CU_ASSERT(cs[0].slot[0].journal_entries + cs[0].slot[1].journal_entries == 2);
	CU_ASSERT(cs[1].slot[0].journal_entries + cs[1].slot[1].journal_entries == 2);

	CU_ASSERT_EQUAL(convert_through(path, NULL, 1, &changed), 0);
	CU_ASSERT(changed);
	CU_ASSERT_EQUAL(version_read(path, 0), 1u);
	CU_ASSERT_EQUAL(version_read(path, 1), 1u);
	for (int c = 0; c < 2; c++)
		for (int k = 0; k < 2; k++)
			CU_ASSERT_EQUAL(journal_size_at(path, &g, c, k), 0u);
	CU_ASSERT_FATAL(load_from(path, &back, NULL) == 0);
	CU_ASSERT(sd_state_equal(&back, &s));
	sd_state_free(&back);
	s.pools.v[0].owner_host = 0;
	CU_ASSERT_FATAL(commit_to(path, &s) == 0);
	CU_ASSERT_FATAL(load_from(path, &back, cs) == 0);
	CU_ASSERT(sd_state_equal(&back, &s));
	sd_state_free(&back);
	CU_ASSERT_EQUAL(cs[0].slot[0].journal_entries + cs[0].slot[1].journal_entries, 0u);
	check_each_label(path, &g, &s);

	/* the version it has already: nothing written */
	uint64_t seq = copy_reaches(cs, 0);
	CU_ASSERT_EQUAL(convert_through(path, NULL, 1, &changed), 0);
	CU_ASSERT(!changed);
	CU_ASSERT_FATAL(load_from(path, &back, cs) == 0);
	sd_state_free(&back);
	CU_ASSERT_EQUAL(copy_reaches(cs, 0), seq);
	CU_ASSERT_EQUAL(convert_through(path, NULL, 3, &changed), -SD_E_INVAL);
	sd_state_free(&s);
}

struct cut {
	const char *path;
	struct sd_geometry g;
	struct sd_state s;
	uint8_t *saved;
};

static void keep(struct cut *t, bool save)
{
	metadata_keep(t->path, &t->g, SLOT, t->saved, save);
}

/* After a cut conversion: the old state by either label; then a commit,
 * itself cut at random (seed), and again one state by either label. */
static void check_cut(struct cut *t, int rc, unsigned to, uint32_t seed)
{
	struct sd_state back;
	CU_ASSERT_EQUAL_FATAL(load_from(t->path, &back, NULL), 0);
	CU_ASSERT(sd_state_equal(&back, &t->s));
	sd_state_free(&back);
	check_each_label(t->path, &t->g, &t->s);
	if (rc == 0) {
		CU_ASSERT_EQUAL(version_read(t->path, 0), to);
		CU_ASSERT_EQUAL(version_read(t->path, 1), to);
	}
	struct sd_state next;
	CU_ASSERT_FATAL(sd_state_copy(&next, &t->s) == 0);
	populate(&next, &t->g, 900, 1);
	struct fault_io f = { .policy = policy_all, .random_subset = seed != 0, .seed = seed };
	struct sd_io *io = fault_wrap(&f, open_io(t->path), policy_all);
	struct sd_store *st;
	struct sd_err err;
	CU_ASSERT_FATAL(sd_store_open(io, 0, &st, &back, &err) == 0);
	sd_store_commit(st, &next, &err);
	sd_store_close(st);
	sd_io_close(io);
	sd_state_free(&back);
	CU_ASSERT_EQUAL_FATAL(load_from(t->path, &back, NULL), 0);
	CU_ASSERT(sd_state_equal(&back, &t->s) || sd_state_equal(&back, &next));
	check_each_label(t->path, &t->g, &back);
	/* a whole commit makes the labels agree again */
	CU_ASSERT_FATAL(commit_to(t->path, &next) == 0);
	CU_ASSERT_EQUAL(version_read(t->path, 0), version_read(t->path, 1));
	check_each_label(t->path, &t->g, &next);
	sd_state_free(&back);
	sd_state_free(&next);
}

static void cut_everywhere(unsigned from, unsigned to)
{
	struct cut t = { .path = tmp_image(1, IMG) };
	make_group(t.path, from, &t.g, &t.s);
	t.saved = malloc(2 * 4096 + 4 * SLOT);
	CU_ASSERT_FATAL(t.saved != NULL);
	keep(&t, true);
	struct fault_io f = { .policy = policy_all };
	CU_ASSERT_FATAL(convert_through(t.path, &f, to, NULL) == 0);
	long sectors = f.sectors_seen;
	CU_ASSERT(sectors > 16);
	for (long k = 0; k <= sectors; k++) {
		keep(&t, false);
		struct fault_io p = { .policy = policy_prefix, .budget = k };
		check_cut(&t, convert_through(t.path, &p, to, NULL), to, (uint32_t)k + 1);
	}
	for (uint32_t seed = 1; seed <= 30; seed++) {
		keep(&t, false);
		struct fault_io r = { .policy = policy_all, .random_subset = true, .seed = seed };
		check_cut(&t, convert_through(t.path, &r, to, NULL), to, seed + 1000);
	}
	free(t.saved);
	sd_state_free(&t.s);
}

static void test_cut_up(void)
{
	cut_everywhere(SD_FORMAT_VERSION, SD_FORMAT_VERSION_JOURNAL);
}

static void test_cut_down(void)
{
	cut_everywhere(SD_FORMAT_VERSION_JOURNAL, SD_FORMAT_VERSION);
}

/* Labels that disagree, as a conversion cut between its two label writes
 * leaves them, and then a commit cut at every sector: the group reads the
 * same by either label, and a whole commit makes them agree. */
static void test_labels_disagree(void)
{
	for (unsigned from = 1; from <= 2; from++) {
		struct cut t = { .path = tmp_image(1, IMG) };
		make_group(t.path, from, &t.g, &t.s);
		uint8_t end_label[4096];
		read_bytes(t.path, sd_label_offset(&t.g, 1), end_label, sizeof(end_label));
		CU_ASSERT_FATAL(convert_through(t.path, NULL, 3 - from, NULL) == 0);
		write_bytes(t.path, sd_label_offset(&t.g, 1), end_label, sizeof(end_label));
		CU_ASSERT_EQUAL(version_read(t.path, 1), from);
		t.saved = malloc(2 * 4096 + 4 * SLOT);
		CU_ASSERT_FATAL(t.saved != NULL);
		keep(&t, true);
		struct sd_state next;
		CU_ASSERT_FATAL(sd_state_copy(&next, &t.s) == 0);
		populate(&next, &t.g, 900, 1);
		for (long k = 0;; k++) {
			keep(&t, false);
			struct fault_io f = { .policy = policy_prefix, .budget = k };
			struct sd_io *io = fault_wrap(&f, open_io(t.path), policy_prefix);
			struct sd_store *st;
			struct sd_state back;
			struct sd_err err;
			CU_ASSERT_FATAL(sd_store_open(io, 0, &st, &back, &err) == 0);
			int rc = sd_store_commit(st, &next, &err);
			sd_store_close(st);
			sd_io_close(io);
			sd_state_free(&back);
			CU_ASSERT_EQUAL_FATAL(load_from(t.path, &back, NULL), 0);
			CU_ASSERT(sd_state_equal(&back, &t.s) || sd_state_equal(&back, &next));
			check_each_label(t.path, &t.g, &back);
			sd_state_free(&back);
			if (rc == 0 && !f.crashed)
				break;
		}
		CU_ASSERT_EQUAL(version_read(t.path, 0), version_read(t.path, 1));
		sd_state_free(&next);
		free(t.saved);
		sd_state_free(&t.s);
	}
}

/* The read hook: once the reader has its labels, the group is converted
 * to the other version and a commit follows. */
struct relabel {
	const char *path;
	struct sd_state *s;
	unsigned to;
	bool done;
};

static void convert_after_labels(struct fault_io *f, const struct sd_iov *v, unsigned n)
{
	struct relabel *r = f->hook_arg;
	(void)v;
	if (r->done || f->nreads != 2 || n != 4) /* the labels, one by one; then the headers */
		return;
	r->done = true;
	CU_ASSERT_FATAL(convert_through(r->path, NULL, r->to, NULL) == 0);
	r->s->pools.v[1].owner_host = 5;
	CU_ASSERT_FATAL(commit_to(r->path, r->s) == 0);
}

/* A writer that read the group before a conversion, or its labels before
 * and its slots after one: its commit is a concurrent update, in either
 * direction (a writer that read version 2 would otherwise give the
 * converted group a slot version 1 refuses, and its change would be lost),
 * unless its read saw the conversion and took the new labels. */
static void test_writer_before_conversion(void)
{
	for (unsigned k = 0; k < 4; k++) {
		unsigned from = 1 + k % 2;
		bool between = k >= 2;
		const char *path = tmp_image(0, IMG);
		struct sd_geometry g;
		struct sd_state s, held, back;
		make_group(path, from, &g, &s);
		struct relabel r = { path, &s, 3 - from, false };
		struct fault_io f = { .on_read = between ? convert_after_labels : NULL, .hook_arg = &r };
		struct sd_io *io = fault_wrap(&f, open_io(path), policy_all);
		struct sd_store *st;
		struct sd_err err;
		CU_ASSERT_FATAL(sd_store_open(io, 0, &st, &held, &err) == 0);
		CU_ASSERT_EQUAL(r.done, between);
		if (!between)
			CU_ASSERT_FATAL(convert_through(path, NULL, 3 - from, NULL) == 0);
		/* a version 1 reader meets a slot only version 2 reads: it reads
		 * the labels again, and so holds the newest state */
		bool reread = between && from == 1;
		CU_ASSERT_EQUAL(st->geo.journal, from == 2 || reread);
		held.pools.v[0].owner_host = 7;
		CU_ASSERT_EQUAL(sd_store_commit(st, &held, &err), reread ? 0 : -SD_E_CONFLICT);
		sd_store_close(st);
		sd_io_close(io);
		CU_ASSERT_FATAL(load_from(path, &back, NULL) == 0);
		CU_ASSERT(sd_state_equal(&back, reread ? &held : &s));
		check_each_label(path, &g, &back);
		sd_state_free(&back);
		sd_state_free(&held);
		sd_state_free(&s);
	}
}

/* A reader that took its labels before the conversion returns the newest
 * state, not the last one version 1 can read. */
static void test_reader_across_conversion(void)
{
	const char *path = tmp_image(0, IMG);
	struct sd_geometry g;
	struct sd_state s, back;
	make_group(path, SD_FORMAT_VERSION, &g, &s);
	struct relabel r = { path, &s, 2, false };
	struct fault_io f = { .on_read = convert_after_labels, .hook_arg = &r };
	struct sd_io *io = fault_wrap(&f, open_io(path), policy_all);
	struct sd_store *st;
	struct sd_err err;
	int rc = sd_store_open(io, 0, &st, &back, &err);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT(r.done);
	CU_ASSERT(st->geo.journal);
	CU_ASSERT(sd_state_equal(&back, &s));
	sd_store_close(st);
	sd_io_close(io);
	sd_state_free(&back);
	sd_state_free(&s);
}

void add_convert_tests(void)
{
	CU_pSuite s = CU_add_suite("convert", NULL, NULL);
	CU_add_test(s, "to version 2 and back", test_convert_both_ways);
	CU_add_test(s, "to version 2, cut anywhere", test_cut_up);
	CU_add_test(s, "to version 1, cut anywhere", test_cut_down);
	CU_add_test(s, "labels that disagree, a commit cut anywhere", test_labels_disagree);
	CU_add_test(s, "a writer from before a conversion", test_writer_before_conversion);
	CU_add_test(s, "a reader across a conversion", test_reader_across_conversion);
}
