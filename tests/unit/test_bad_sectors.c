/* A range of the LUN that fails every read and write (a bad region, or a
 * device-mapper error target under it), as the kernel reports it: the
 * requests that touch the range fail, the others in the batch land. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "metadata/ops.h"

#define IMG (64ull << 20)
#define SLOT (64ull << 10)

struct bad_io {
	struct sd_io base;
	struct sd_io *inner;
	uint64_t lo[2], hi[2]; /* the failing bytes: one or two ranges */
	bool writes_only;      /* reads are served (dm-flakey's error_writes) */
};

static bool is_bad(const struct bad_io *b, const struct sd_iov *v)
{
	for (int r = 0; r < 2; r++)
		if (v->off < b->hi[r] && v->off + v->len > b->lo[r])
			return true;
	return false;
}

static int bad_submit(struct sd_io *io, bool write, struct sd_iov *v, unsigned n, bool flush)
{
	struct bad_io *b = (struct bad_io *)io;
	int rc = 0;
	for (unsigned i = 0; i < n; i++) {
		if ((write || !b->writes_only) && is_bad(b, &v[i]))
			rc = -EIO;
		else if (b->inner->ops->submit(b->inner, write, &v[i], 1, false))
			return -EIO;
	}
	if (rc == 0 && write && flush)
		rc = b->inner->ops->submit(b->inner, true, NULL, 0, true);
	return rc;
}

static void bad_close(struct sd_io *io)
{
	sd_io_close(((struct bad_io *)io)->inner);
}

static const struct sd_io_ops bad_ops = { "bad", bad_submit, bad_close };

/* path with copy c's two slots failing (c = 2: both copies' slots) */
static struct sd_io *bad_copy(struct bad_io *b, const char *path, const struct sd_geometry *g,
			      int c)
{
	struct sd_io *inner = open_io(path);
	*b = (struct bad_io){ .base = *inner, .inner = inner };
	for (int r = 0; r < 2; r++) {
		int copy = c == 2 ? r : c;
		b->lo[r] = sd_slot_offset(g, copy, 0);
		b->hi[r] = sd_slot_offset(g, copy, 1) + g->slot_size;
	}
	b->base.ops = &bad_ops;
	return &b->base;
}

static void with_one_pool(const char *path, struct sd_geometry *g, struct sd_state *s)
{
	format_image(path, SLOT, 1 << 20, g);
	struct sd_copy_status cs[2];
	CU_ASSERT_EQUAL_FATAL(load_from(path, s, cs), 0);
	populate(s, g, 100, 1);
	CU_ASSERT_EQUAL_FATAL(commit_to(path, s), 0);
}

/* One copy unreadable: the group is read from the other, and the
 * unreadable slots say so. */
static void test_read_with_a_bad_copy(void)
{
	for (int c = 0; c < 2; c++) {
		const char *path = tmp_image(0, IMG);
		struct sd_geometry g;
		struct sd_state s, back;
		with_one_pool(path, &g, &s);
		struct bad_io b;
		struct sd_io *io = bad_copy(&b, path, &g, c);
		struct sd_store *st;
		struct sd_err err;
		int rc = sd_store_open(io, SD_STORE_CHECK_ALL, &st, &back, &err);
		if (rc)
			fprintf(stderr, "\n    open: %s\n", err.msg);
		CU_ASSERT_EQUAL_FATAL(rc, 0);
		CU_ASSERT(sd_state_equal(&s, &back));
		CU_ASSERT_EQUAL(st->source_copy, !c);
		for (int i = 0; i < 2; i++) {
			CU_ASSERT(!st->copy[c].slot[i].valid);
			CU_ASSERT_PTR_NOT_NULL(strstr(st->copy[c].slot[i].error, "cannot be read"));
			/* a version 2 group's one commit is an entry: slot 0 is empty */
			CU_ASSERT(st->copy[!c].slot[i].valid || (format_journal && i == 0));
		}
		CU_ASSERT(copy_reaches(st->copy, !c) > 0);
		sd_store_close(st);
		sd_io_close(io);
		sd_state_free(&s);
		sd_state_free(&back);
	}
}

/* A commit that lands in one copy only took effect (every reader takes
 * the newest valid slot): it succeeds and says which copy failed. */
static void test_commit_in_one_copy(void)
{
	const char *path = tmp_image(0, IMG);
	struct sd_geometry g;
	struct sd_state s, back;
	with_one_pool(path, &g, &s);
	struct bad_io b;
	struct sd_io *io = bad_copy(&b, path, &g, 0);
	struct sd_store *st;
	struct sd_err err;
	CU_ASSERT_EQUAL_FATAL(sd_store_open(io, SD_STORE_LOCK, &st, &back, &err), 0);
	populate(&back, &g, 200, 1);
	int rc = sd_store_commit(st, &back, &err);
	if (rc)
		fprintf(stderr, "\n    commit: %s\n", err.msg);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(st->warning, "metadata copy A cannot be written"));
	CU_ASSERT_PTR_NOT_NULL(strstr(st->warning, "copy B alone"));
	sd_store_close(st);
	sd_io_close(io);
	struct sd_state now;
	struct sd_copy_status cs[2];
	CU_ASSERT_EQUAL_FATAL(load_from(path, &now, cs), 0); /* the device works again */
	CU_ASSERT(sd_state_equal(&back, &now));
	CU_ASSERT_EQUAL(now.pools.n, 2);
	sd_state_free(&s);
	sd_state_free(&back);
	sd_state_free(&now);
}

/* A commit that lands in neither copy fails with the I/O error, and the
 * state is the one before it. */
static void test_commit_in_no_copy(void)
{
	const char *path = tmp_image(0, IMG);
	struct sd_geometry g;
	struct sd_state s, back;
	with_one_pool(path, &g, &s);
	struct bad_io b;
	struct sd_io *io = bad_copy(&b, path, &g, 2);
	b.writes_only = true;
	struct sd_store *st;
	struct sd_err err;
	CU_ASSERT_EQUAL_FATAL(sd_store_open(io, SD_STORE_LOCK, &st, &back, &err), 0);
	populate(&back, &g, 200, 1);
	CU_ASSERT_EQUAL(sd_store_commit(st, &back, &err), -EIO);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "metadata write failed"));
	CU_ASSERT_EQUAL(st->warning[0], '\0');
	sd_store_close(st);
	sd_io_close(io);
	struct sd_state now;
	struct sd_copy_status cs[2];
	CU_ASSERT_EQUAL_FATAL(load_from(path, &now, cs), 0);
	CU_ASSERT(sd_state_equal(&s, &now));
	sd_state_free(&s);
	sd_state_free(&back);
	sd_state_free(&now);
}

void add_bad_sector_tests(void)
{
	CU_pSuite s = CU_add_suite("bad sectors", NULL, NULL);
	CU_add_test(s, "one copy unreadable: read from the other", test_read_with_a_bad_copy);
	CU_add_test(s, "a commit that lands in one copy succeeds, naming the other",
		    test_commit_in_one_copy);
	CU_add_test(s, "a commit that lands in no copy fails, state unchanged",
		    test_commit_in_no_copy);
	CU_pSuite j = CU_add_suite("bad sectors with a journal", journal_on, journal_off);
	CU_add_test(j, "one copy unreadable: read from the other", test_read_with_a_bad_copy);
	CU_add_test(j, "a commit that lands in one copy succeeds, naming the other",
		    test_commit_in_one_copy);
	CU_add_test(j, "a commit that lands in no copy fails, state unchanged",
		    test_commit_in_no_copy);
}
