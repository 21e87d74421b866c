/* Several processes committing to one LUN file at the same instant. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "metadata/ops.h"
#include "base/clock.h"

#define IMG (64ull << 20)
#define SLOT (64ull << 10)

enum { CHILD_WON = 0, CHILD_CONFLICT = 3, CHILD_ERROR = 4 };

/* Child: open (read state), wait for the starting gun, add a pool, commit. */
static int child(const char *path, const struct sd_geometry *g, int ready, int go, uint32_t vmid)
{
	struct sd_io *io;
	struct sd_err err;
	struct sd_store *st;
	struct sd_state s;
	if (sd_io_open(path, true, SD_IO_AUTO, &io, &err) || sd_store_open(io, 0, &st, &s, &err))
		return CHILD_ERROR;
	struct sd_pool *p;
	if (test_pool_add(&s, g, vmid, 1, 1, 128, &p, &err))
		return CHILD_ERROR;
	char c = 'r';
	if (write(ready, &c, 1) != 1)
		return CHILD_ERROR;
	close(ready); /* so the parent sees EOF, not a hang, if a sibling dies */
	if (read(go, &c, 1) != 1)
		return CHILD_ERROR;
	int rc = sd_store_commit(st, &s, &err);
	return rc == 0 ? CHILD_WON : rc == -SD_E_CONFLICT ? CHILD_CONFLICT : CHILD_ERROR;
}

static void race(int nproc, int *won, int *lost, uint32_t *winner_vmid, const char *path,
		 const struct sd_geometry *g)
{
	int ready[2], go[2];
	CU_ASSERT_FATAL(pipe(ready) == 0 && pipe(go) == 0);
	pid_t pids[8];
	for (int i = 0; i < nproc; i++) {
		pids[i] = fork_alone();
		if (pids[i] == 0) {
			close(ready[0]), close(go[1]); /* the parent's ends */
			_exit(child(path, g, ready[1], go[0], 1000 + (uint32_t)i));
		}
	}
	close(ready[1]), close(go[0]); /* the children's ends only: a dead one is an EOF */
	char c;
	bool all = true;
	for (int i = 0; i < nproc && all; i++)
		all = read(ready[0], &c, 1) == 1;
	CU_ASSERT(all);
	char gun[8] = "gggggggg";
	if (all) /* all released at once */
		CU_ASSERT(write(go[1], gun, (size_t)nproc) == nproc);
	close(go[1]); /* a child still waiting reads the end */
	*won = *lost = 0;
	for (int i = 0; i < nproc; i++) {
		int status = wait_child(pids[i], 120);
		int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		CU_ASSERT(code == CHILD_WON || code == CHILD_CONFLICT);
		if (code == CHILD_WON) {
			(*won)++;
			*winner_vmid = 1000 + (uint32_t)i;
		}
		*lost += code == CHILD_CONFLICT;
	}
	close(ready[0]);
}

static void test_one_wins(void)
{
	for (int round = 0; round < 20; round++) {
		const char *path = tmp_image(3, IMG);
		struct sd_geometry g;
		format_image(path, SLOT, 1 << 20, &g);
		int nproc = 2 + round % 3, won, lost;
		uint32_t vmid = 0;
		race(nproc, &won, &lost, &vmid, path, &g);
		CU_ASSERT_EQUAL(won, 1);
		CU_ASSERT_EQUAL(lost, nproc - 1);
		/* exactly the winner's update is on disk, both copies sound */
		struct sd_state back;
		struct sd_copy_status cs[2];
		CU_ASSERT_EQUAL_FATAL(load_from(path, &back, cs), 0);
		CU_ASSERT_EQUAL(back.pools.n, 1);
		if (back.pools.n == 1)
			CU_ASSERT_EQUAL(back.pools.v[0].vmid, vmid);
		for (int c = 0; c < 2; c++) /* version 1: the winner's slot; 2: its entry */
			CU_ASSERT(format_journal ? copy_reaches(cs, c) == 2
						 : cs[c].slot[0].valid && cs[c].slot[0].seqno == 2);
		sd_state_free(&back);
	}
}

/* Writers that retry on conflict: every update lands, none is lost. */
static void test_no_lost_update(void)
{
	const char *path = tmp_image(3, 4 * IMG);
	struct sd_geometry g;
	format_image(path, SLOT, 1 << 20, &g);
	enum { PROCS = 4, EACH = 10 };
	pid_t pids[PROCS];
	for (int i = 0; i < PROCS; i++) {
		pids[i] = fork_alone();
		if (pids[i])
			continue;
		for (int k = 0; k < EACH; k++) {
			for (int attempt = 0;; attempt++) {
				struct sd_io *io;
				struct sd_err err;
				struct sd_store *st;
				struct sd_state s;
				struct sd_pool *p;
				if (attempt > 1000 || sd_io_open(path, true, SD_IO_AUTO, &io, &err) ||
				    sd_store_open(io, 0, &st, &s, &err) ||
				    test_pool_add(&s, &g, (uint32_t)(i * 100 + k + 1), 1, 1, 128, &p, &err))
					_exit(CHILD_ERROR);
				int rc = sd_store_commit(st, &s, &err);
				sd_store_close(st);
				sd_io_close(io);
				sd_state_free(&s);
				if (rc == 0)
					break;
				if (rc != -SD_E_CONFLICT)
					_exit(CHILD_ERROR);
			}
		}
		_exit(CHILD_WON);
	}
	for (int i = 0; i < PROCS; i++) {
		int status = wait_child(pids[i], 120);
		CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == CHILD_WON);
	}
	struct sd_state back;
	struct sd_copy_status cs[2];
	CU_ASSERT_EQUAL_FATAL(load_from(path, &back, cs), 0);
	CU_ASSERT_EQUAL(back.pools.n, PROCS * EACH);
	uint64_t newest = format_journal ? copy_reaches(cs, 0)
					 : cs[0].slot[(1 + PROCS * EACH) % 2].seqno;
	CU_ASSERT_EQUAL(newest, 1 + PROCS * EACH);
	sd_state_free(&back);
}

/* Soak: lock-free readers (as status and list are) against writers that
 * commit as fast as they can.  A reader must never see an error, nor a
 * state older than one it saw before.  STARDM_SOAK_SECONDS sets the length
 * (2 s in make check; make soak runs longer). */
enum { SOAK_READERS = 3, SOAK_WRITERS = 3 };

struct soak_tally {
	long reads, errors, stale, commits;
};

static double soak_seconds(void)
{
	const char *e = getenv("STARDM_SOAK_SECONDS");
	return e && atof(e) > 0 ? atof(e) : 2.0;
}

static void soak_reader(const char *path, double secs, struct soak_tally *t)
{
	uint64_t seen = 0, end = sd_now_ns() + (uint64_t)(secs * 1e9);
	while (sd_now_ns() < end) {
		struct sd_io *io;
		struct sd_err err;
		struct sd_state s;
		struct sd_store *st;
		t->reads++;
		if (sd_io_open(path, false, SD_IO_AUTO, &io, &err)) {
			t->errors++;
			continue;
		}
		if (sd_store_open(io, 0, &st, &s, &err)) {
			if (t->errors++ < 3)
				fprintf(stderr, "soak reader: %s\n", err.msg);
		} else {
			uint64_t tx = s.pools.n ? s.pools.v[0].transaction_id : 0;
			t->stale += tx < seen;
			seen = tx > seen ? tx : seen;
			sd_state_free(&s);
			sd_store_close(st);
		}
		sd_io_close(io);
	}
}

static void soak_writer(const char *path, double secs, struct soak_tally *t)
{
	uint64_t end = sd_now_ns() + (uint64_t)(secs * 1e9);
	while (sd_now_ns() < end) {
		struct sd_io *io;
		struct sd_err err;
		struct sd_state s;
		struct sd_store *st;
		if (sd_io_open(path, true, SD_IO_AUTO, &io, &err)) {
			t->errors++;
			continue;
		}
		if (sd_store_open(io, SD_STORE_LOCK, &st, &s, &err) == 0) {
			s.pools.v[0].transaction_id++;
			if (sd_store_commit(st, &s, &err) == 0)
				t->commits++;
			else
				t->errors++;
			sd_state_free(&s);
			sd_store_close(st);
		} else {
			t->errors++;
		}
		sd_io_close(io);
	}
}

static void test_soak_readers_against_writers(void)
{
	const char *path = tmp_image(2, IMG);
	struct sd_geometry g;
	format_image(path, SLOT, 1 << 20, &g);
	struct sd_state s0;
	sd_state_init(&s0);
	populate(&s0, &g, 100, 1);
	CU_ASSERT_EQUAL_FATAL(commit_to(path, &s0), 0);
	sd_state_free(&s0);
	double secs = soak_seconds();
	int fds[2];
	CU_ASSERT_FATAL(pipe(fds) == 0);
	pid_t pids[SOAK_READERS + SOAK_WRITERS];
	for (int i = 0; i < SOAK_READERS + SOAK_WRITERS; i++) {
		pids[i] = fork_alone();
		if (pids[i])
			continue;
		struct soak_tally t = {0};
		if (i < SOAK_READERS)
			soak_reader(path, secs, &t);
		else
			soak_writer(path, secs, &t);
		_exit(write(fds[1], &t, sizeof(t)) == sizeof(t) ? 0 : 1);
	}
	close(fds[1]);
	struct soak_tally sum = {0}, t;
	for (int i = 0; i < SOAK_READERS + SOAK_WRITERS; i++) {
		int status = wait_child(pids[i], (unsigned)secs + 120);
		CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	while (read(fds[0], &t, sizeof(t)) == sizeof(t)) {
		sum.reads += t.reads, sum.errors += t.errors;
		sum.stale += t.stale, sum.commits += t.commits;
	}
	close(fds[0]);
	printf("\n    soak %.0f s: %ld reads, %ld commits, %ld errors, %ld stale reads\n", secs,
	       sum.reads, sum.commits, sum.errors, sum.stale);
	CU_ASSERT(sum.reads > 0 && sum.commits > 0);
	CU_ASSERT_EQUAL(sum.errors, 0);
	CU_ASSERT_EQUAL(sum.stale, 0);
}

void add_concurrency_tests(void)
{
	CU_pSuite s = CU_add_suite("concurrency", NULL, NULL);
	CU_add_test(s, "simultaneous commits: exactly one wins", test_one_wins);
	CU_add_test(s, "retrying writers lose no update", test_no_lost_update);
	CU_add_test(s, "lock-free readers against writers: no false error, no stale read",
		    test_soak_readers_against_writers);
	CU_pSuite j = CU_add_suite("concurrency with a journal", journal_on, journal_off);
	CU_add_test(j, "simultaneous commits: exactly one wins", test_one_wins);
	CU_add_test(j, "retrying writers lose no update", test_no_lost_update);
	CU_add_test(j, "lock-free readers against writers: no false error, no stale read",
		    test_soak_readers_against_writers);
}
