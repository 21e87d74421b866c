/* Growing a group onto a larger LUN.  The grow's writes are torn at every
 * 512-byte boundary and at random sector subsets: after each crash the
 * group must open with its state intact, under the old size or the new
 * one, and a second grow must finish the job. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "metadata/ops.h"

#define IMG (64ull << 20)
#define SLOT (64ull << 10)

struct grow_case {
	const char *path;
	struct sd_geometry g;
	struct sd_state state;
	uint64_t grown_size, saved_from;
	uint64_t head;      /* label, host area and start copy */
	uint8_t *saved;     /* the head, and everything from the old end copy on */
};

/* Open path (read-only) and return its geometry and copies' status. */
static int geometry_of(const char *path, struct sd_geometry *g, struct sd_copy_status cs[2])
{
	struct sd_io *io;
	struct sd_err err;
	if (sd_io_open(path, false, SD_IO_AUTO, &io, &err))
		return -1;
	struct sd_store *st;
	struct sd_state s;
	int rc = sd_store_open(io, SD_STORE_CHECK_ALL, &st, &s, &err);
	if (rc == 0) {
		*g = st->geo;
		memcpy(cs, st->copy, sizeof(st->copy));
		sd_store_close(st);
		sd_state_free(&s);
	}
	sd_io_close(io);
	return rc;
}

static void save_or_restore(struct grow_case *gc, bool save)
{
	size_t tail = (size_t)(gc->grown_size - gc->saved_from);
	if (save) {
		read_bytes(gc->path, 0, gc->saved, gc->head);
		read_bytes(gc->path, gc->saved_from, gc->saved + gc->head, tail);
	} else {
		write_bytes(gc->path, 0, gc->saved, gc->head);
		write_bytes(gc->path, gc->saved_from, gc->saved + gc->head, tail);
	}
}

/* A group on IMG bytes, then the file grown by `by` bytes (the SAN's part). */
static void setup(struct grow_case *gc, uint64_t by)
{
	gc->path = tmp_image(1, IMG);
	format_image(gc->path, SLOT, 1 << 20, &gc->g);
	sd_state_init(&gc->state);
	populate(&gc->state, &gc->g, 100, 2);
	CU_ASSERT_FATAL(commit_to(gc->path, &gc->state) == 0);
	gc->grown_size = IMG + by;
	CU_ASSERT_FATAL(truncate(gc->path, (off_t)gc->grown_size) == 0);
	gc->saved_from = gc->g.copy_offset[1];
	gc->head = gc->g.data_offset;
	gc->saved = malloc(gc->head + (size_t)(gc->grown_size - gc->saved_from));
	CU_ASSERT_FATAL(gc->saved != NULL);
	save_or_restore(gc, true);
}

static int grow(const char *path, struct sd_io *io, bool *grown)
{
	if (!io)
		io = open_io(path);
	struct sd_store *st;
	struct sd_state cur;
	struct sd_err err;
	int rc = sd_store_open(io, SD_STORE_LOCK, &st, &cur, &err);
	if (rc == 0) {
		rc = sd_store_grow(st, &cur, grown, &err);
		sd_store_close(st);
		sd_state_free(&cur);
	}
	sd_io_close(io);
	return rc;
}

/* Writes a grow makes, counted through an all-pass fault layer. */
static long grow_sectors(struct grow_case *gc)
{
	struct fault_io f = {0};
	bool grown;
	CU_ASSERT_FATAL(grow(gc->path, fault_wrap(&f, open_io(gc->path), policy_all), &grown) == 0);
	CU_ASSERT_FATAL(grown);
	/* new end slot (header, payload), its other slot, end label; start
	 * label; with a journal first the whole state in both copies' slots */
	CU_ASSERT_EQUAL(f.nreq, format_journal ? 9u : 5u);
	save_or_restore(gc, false);
	return f.sectors_seen;
}

/* After a crash: the state as before, old size or new; a second grow
 * finishes, and the group then takes commits at the new size. */
static void check_after_crash(struct grow_case *gc, int *saw_old, int *saw_new)
{
	struct sd_geometry g;
	struct sd_copy_status cs[2];
	struct sd_state back;
	CU_ASSERT_FATAL(geometry_of(gc->path, &g, cs) == 0);
	CU_ASSERT_EQUAL_FATAL(load_from(gc->path, &back, NULL), 0);
	CU_ASSERT(sd_state_equal(&back, &gc->state));
	CU_ASSERT(g.lun_size == IMG || g.lun_size == gc->grown_size);
	*saw_old += g.lun_size == IMG;
	*saw_new += g.lun_size == gc->grown_size;
	bool grown;
	CU_ASSERT_EQUAL(grow(gc->path, NULL, &grown), 0);
	CU_ASSERT_EQUAL_FATAL(geometry_of(gc->path, &g, cs), 0);
	CU_ASSERT_EQUAL(g.lun_size, gc->grown_size);
	populate(&back, &g, 900, 1);
	CU_ASSERT_EQUAL(commit_to(gc->path, &back), 0);
	CU_ASSERT_EQUAL_FATAL(geometry_of(gc->path, &g, cs), 0);
	CU_ASSERT(cs[0].label_valid && cs[1].label_valid);
	bool all_four = cs[0].slot[0].valid && cs[0].slot[1].valid && cs[1].slot[0].valid &&
			cs[1].slot[1].valid;
	/* with a journal: both copies reach the newest state */
	CU_ASSERT(format_journal ? copy_reaches(cs, 0) > 0 && copy_reaches(cs, 0) == copy_reaches(cs, 1)
				 : all_four);
	sd_state_free(&back);
}

static void sweep(uint64_t by)
{
	struct grow_case gc;
	setup(&gc, by);
	long total = grow_sectors(&gc);
	int saw_old = 0, saw_new = 0;
	for (long k = 0; k <= total; k++) {
		save_or_restore(&gc, false);
		struct fault_io f = { .policy = policy_prefix, .budget = k };
		bool grown;
		grow(gc.path, fault_wrap(&f, open_io(gc.path), f.policy), &grown);
		check_after_crash(&gc, &saw_old, &saw_new);
	}
	CU_ASSERT(saw_old > 0 && saw_new > 0); /* the sweep crosses the switch */
	for (uint32_t seed = 1; seed <= 60; seed++) {
		save_or_restore(&gc, false);
		struct fault_io f = { .policy = policy_all, .random_subset = true, .seed = seed };
		bool grown;
		grow(gc.path, fault_wrap(&f, open_io(gc.path), f.policy), &grown);
		check_after_crash(&gc, &saw_old, &saw_new);
	}
	sd_state_free(&gc.state);
	free(gc.saved);
}

/* Far: the new end copy lies wholly past the old one. */
static void test_grow_torn_far(void) { sweep(32ull << 20); }
/* Near: grown by less than a copy, so the new end copy overwrites the old. */
static void test_grow_torn_near(void) { sweep(SLOT); }

/* A grown device before `grow`: the group keeps its size and its end copy
 * (the end label is found where the group ends, and commits go there). */
static void test_grown_device_keeps_group(void)
{
	struct grow_case gc;
	setup(&gc, 16ull << 20);
	struct sd_geometry g;
	struct sd_copy_status cs[2];
	CU_ASSERT_EQUAL_FATAL(geometry_of(gc.path, &g, cs), 0);
	CU_ASSERT_EQUAL(g.lun_size, IMG);
	CU_ASSERT(cs[0].label_valid && cs[1].label_valid);
	bool grown;
	CU_ASSERT_EQUAL(grow(gc.path, NULL, &grown), 0);
	CU_ASSERT(grown);
	CU_ASSERT_EQUAL(grow(gc.path, NULL, &grown), 0);
	CU_ASSERT(!grown); /* nothing left to take in */
	CU_ASSERT_EQUAL_FATAL(geometry_of(gc.path, &g, cs), 0);
	CU_ASSERT_EQUAL(g.extent_count, gc.g.extent_count + 16);
	sd_state_free(&gc.state);
	free(gc.saved);
}

/* A grow stopped before its switch, then a commit under the old size, then
 * the start label lost: the new end label rules, and the newest state is
 * still found (in the start copy, which both sizes place alike). */
static void test_interrupted_grow_then_commit(void)
{
	struct grow_case gc;
	setup(&gc, 32ull << 20);
	long total = grow_sectors(&gc);
	struct fault_io f = { .policy = policy_prefix, .budget = total - 8 };
	bool grown;
	CU_ASSERT(grow(gc.path, fault_wrap(&f, open_io(gc.path), f.policy), &grown) != 0);
	struct sd_state newer;
	CU_ASSERT_FATAL(sd_state_copy(&newer, &gc.state) == 0);
	populate(&newer, &gc.g, 500, 1);
	CU_ASSERT_EQUAL_FATAL(commit_to(gc.path, &newer), 0);
	zero_range(gc.path, 0, 4096);
	struct sd_geometry g;
	struct sd_copy_status cs[2];
	struct sd_state back;
	CU_ASSERT_EQUAL_FATAL(geometry_of(gc.path, &g, cs), 0);
	CU_ASSERT_EQUAL(g.lun_size, gc.grown_size);
	CU_ASSERT_EQUAL_FATAL(load_from(gc.path, &back, NULL), 0);
	CU_ASSERT(sd_state_equal(&back, &newer));
	sd_state_free(&back);
	sd_state_free(&newer);
	sd_state_free(&gc.state);
	free(gc.saved);
}

/* A device smaller than its group (a node that has not seen the LUN
 * grow) is refused with its own code, so the caller can rescan. */
static void test_device_smaller_than_group(void)
{
	struct grow_case gc;
	setup(&gc, 16ull << 20);
	bool grown;
	CU_ASSERT_EQUAL_FATAL(grow(gc.path, NULL, &grown), 0);
	CU_ASSERT_FATAL(truncate(gc.path, (off_t)IMG) == 0);
	struct sd_io *io = open_io(gc.path);
	struct sd_geometry g;
	struct sd_copy_status cs[2];
	struct sd_err err;
	CU_ASSERT_EQUAL(sd_store_probe(io, &g, cs, &err), -SD_E_DEVSIZE);
	sd_io_close(io);
	sd_state_free(&gc.state);
	free(gc.saved);
}

void add_grow_tests(void)
{
	CU_pSuite s = CU_add_suite("growing the LUN", NULL, NULL);
	CU_pSuite j = CU_add_suite("growing the LUN of a group with a journal", journal_on,
				   journal_off);
	CU_add_test(j, "grow torn everywhere, new end past the old", test_grow_torn_far);
	CU_add_test(j, "grow torn everywhere, new end over the old", test_grow_torn_near);
	CU_add_test(j, "interrupted grow, an entry, start label lost",
		    test_interrupted_grow_then_commit);
	CU_add_test(s, "grow torn everywhere, new end past the old", test_grow_torn_far);
	CU_add_test(s, "grow torn everywhere, new end over the old", test_grow_torn_near);
	CU_add_test(s, "a grown device keeps its group until grow", test_grown_device_keeps_group);
	CU_add_test(s, "interrupted grow, commit, start label lost", test_interrupted_grow_then_commit);
	CU_add_test(s, "device smaller than its group", test_device_smaller_than_group);
}
