#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <unistd.h>
#include <stdio.h>
/* The store on a real file through the real backend (io_uring or libaio). */
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "metadata/ops.h"

#define IMG (64ull << 20)
#define SLOT (64ull << 10)

static void test_backend_is_the_requested_one(void)
{
	const char *want = getenv("STARDM_IO");
	const char *path = tmp_image(0, IMG);
	struct sd_io *io = open_io(path);
	if (want && !strcmp(want, "aio"))
		CU_ASSERT_STRING_EQUAL(io->ops->name, "libaio");
	if (want && !strcmp(want, "uring"))
		CU_ASSERT_STRING_EQUAL(io->ops->name, "io_uring");
	CU_ASSERT(io->direct); /* the test images live on a filesystem with O_DIRECT */
	sd_io_close(io);
}

static void test_format_open_commit(void)
{
	const char *path = tmp_image(0, IMG);
	struct sd_geometry g;
	format_image(path, SLOT, 1 << 20, &g);
	struct sd_state s, back;
	struct sd_copy_status cs[2];
	CU_ASSERT_EQUAL_FATAL(load_from(path, &s, cs), 0);
	CU_ASSERT(cs[0].label_valid && cs[1].label_valid);
	CU_ASSERT_EQUAL(s.pools.n, 0);

	/* commits alternate slots and keep the previous state in the other one */
	for (int round = 0; round < 5; round++) {
		populate(&s, &g, 100 + (uint32_t)round, 1);
		CU_ASSERT_EQUAL_FATAL(commit_to(path, &s), 0);
		CU_ASSERT_EQUAL_FATAL(load_from(path, &back, cs), 0);
		CU_ASSERT(sd_state_equal(&s, &back));
		uint64_t seq = 2 + (uint64_t)round;
		for (int c = 0; c < 2; c++) {
			CU_ASSERT(cs[c].slot[seq % 2].valid);
			CU_ASSERT_EQUAL(cs[c].slot[seq % 2].seqno, seq);
			CU_ASSERT(cs[c].slot[(seq + 1) % 2].valid);
			CU_ASSERT_EQUAL(cs[c].slot[(seq + 1) % 2].seqno, seq - 1);
		}
		sd_state_free(&back);
	}
	sd_state_free(&s);
}

static void test_stale_store_conflicts(void)
{
	const char *path = tmp_image(0, IMG);
	struct sd_geometry g;
	format_image(path, SLOT, 1 << 20, &g);
	struct sd_io *io1 = open_io(path), *io2 = open_io(path);
	struct sd_store *a, *b;
	struct sd_state sa, sb;
	struct sd_err err;
	CU_ASSERT_FATAL(sd_store_open(io1, 0, &a, &sa, &err) == 0);
	CU_ASSERT_FATAL(sd_store_open(io2, 0, &b, &sb, &err) == 0);
	populate(&sa, &g, 100, 1);
	populate(&sb, &g, 200, 1);
	CU_ASSERT_EQUAL(sd_store_commit(a, &sa, &err), 0);
	CU_ASSERT_EQUAL(sd_store_commit(b, &sb, &err), -SD_E_CONFLICT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "concurrent metadata update detected"));
	/* the winner goes on committing */
	populate(&sa, &g, 300, 1);
	CU_ASSERT_EQUAL(sd_store_commit(a, &sa, &err), 0);
	sd_store_close(a);
	sd_store_close(b);
	sd_io_close(io1);
	sd_io_close(io2);
	struct sd_state back;
	CU_ASSERT_EQUAL_FATAL(load_from(path, &back, NULL), 0);
	CU_ASSERT(sd_state_equal(&sa, &back));
	sd_state_free(&sa);
	sd_state_free(&sb);
	sd_state_free(&back);
}

static void test_refuses_invalid_and_oversized(void)
{
	const char *path = tmp_image(0, IMG);
	struct sd_geometry g;
	format_image(path, SLOT, 1 << 20, &g);
	struct sd_io *io = open_io(path);
	struct sd_store *st;
	struct sd_state s;
	struct sd_err err;
	CU_ASSERT_FATAL(sd_store_open(io, 0, &st, &s, &err) == 0);
	populate(&s, &g, 100, 1);
	s.volumes.v[0].pool_id = 77; /* dangling */
	CU_ASSERT(sd_store_commit(st, &s, &err) < 0);
	s.volumes.v[0].pool_id = s.pools.v[0].id;
	/* more records than a 64 KiB slot holds */
	struct sd_pool *p = &s.pools.v[0];
	char name[64];
	for (int i = 0; i < 600; i++) {
		snprintf(name, sizeof(name), "vm-100-disk-%d", 10 + i);
		CU_ASSERT_FATAL(sd_volume_add(&s, p->id, name, 1 << 20, NULL, &err) == 0);
		p = &s.pools.v[0];
	}
	CU_ASSERT_EQUAL(sd_store_commit(st, &s, &err), -SD_E_NOSPACE);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "metadata area full"));
	CU_ASSERT_EQUAL(st->seqno, 1);
	sd_store_close(st);
	sd_io_close(io);
	sd_state_free(&s);
}

static void test_readonly_refuses(void)
{
	const char *path = tmp_image(0, IMG);
	struct sd_geometry g;
	format_image(path, SLOT, 1 << 20, &g);
	struct sd_io *io;
	struct sd_err err;
	CU_ASSERT_FATAL(sd_io_open(path, false, SD_IO_AUTO, &io, &err) == 0);
	struct sd_store *st;
	struct sd_state s;
	CU_ASSERT_FATAL(sd_store_open(io, 0, &st, &s, &err) == 0);
	CU_ASSERT(sd_store_commit(st, &s, &err) < 0);
	sd_store_close(st);
	sd_io_close(io);
	sd_state_free(&s);
}

/* The read hook: before the reader's payload batch (its third read, after
 * labels and headers), two other writers' commits land, so both slots of
 * both copies no longer hold what the headers the reader has describe. */
struct race {
	const char *path;
	const struct sd_geometry *g;
	struct sd_state *s;
	uint32_t next_vmid;
	int rounds;  /* payload batches to race, -1: every one */
};

static void commit_twice_before_payloads(struct fault_io *f, const struct sd_iov *v, unsigned n)
{
	struct race *r = f->hook_arg;
	bool payloads = n > 0 && v[0].len > SD_BLOCK; /* labels and headers are one block */
	if (!payloads || r->rounds == 0)
		return;
	bool grow = r->rounds > 0; /* endless writers only bump a transaction id */
	if (grow)
		r->rounds--;
	for (int k = 0; k < 2; k++) {
		if (grow)
			populate(r->s, r->g, r->next_vmid++, 1);
		else
			r->s->pools.v[0].transaction_id++;
		CU_ASSERT_EQUAL_FATAL(commit_to(r->path, r->s), 0);
	}
}

static int racing_open(struct race *r, struct sd_state *back, struct sd_err *err)
{
	struct fault_io f = { .on_read = commit_twice_before_payloads, .hook_arg = r };
	struct sd_io *io = fault_wrap(&f, open_io(r->path), policy_all);
	struct sd_store *st;
	int rc = sd_store_open(io, 0, &st, back, err);
	if (rc == 0)
		sd_store_close(st);
	sd_io_close(io);
	return rc;
}

static void test_reader_survives_commits_between_batches(void)
{
	const char *path = tmp_image(0, IMG);
	struct sd_geometry g;
	format_image(path, SLOT, 1 << 20, &g);
	struct sd_state s, back;
	sd_state_init(&s);
	populate(&s, &g, 100, 1);
	CU_ASSERT_EQUAL_FATAL(commit_to(path, &s), 0);
	struct race r = { path, &g, &s, 200, 1 };
	struct sd_err err;
	int rc = racing_open(&r, &back, &err);
	if (rc)
		fprintf(stderr, "racing open: %s\n", err.msg);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_EQUAL(r.rounds, 0); /* the race did happen */
	/* the newest state, not the one current when the read began */
	CU_ASSERT_EQUAL(back.pools.n, 3);
	CU_ASSERT(sd_state_equal(&s, &back));
	sd_state_free(&back);

	/* writers that never stop: the reader gives up with "try again", and
	 * never calls the metadata corrupt */
	r.rounds = -1;
	rc = racing_open(&r, &back, &err);
	CU_ASSERT_EQUAL(rc, -EAGAIN);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "kept changing"));
	r.rounds = 0;
	CU_ASSERT_EQUAL(load_from(path, &back, NULL), 0);
	CU_ASSERT(sd_state_equal(&s, &back));
	sd_state_free(&back);
	sd_state_free(&s);
}

/* sd_store_open_since from the mark m: whether it found the state m came
 * from still the newest (into *unchanged); *held is what the caller holds,
 * replaced by a full read; m becomes the new mark. */
static int open_since(const char *path, struct sd_store_mark *m, struct sd_state *held,
		      bool *unchanged)
{
	struct sd_io *io = open_io(path);
	struct sd_store *st;
	struct sd_err err;
	int rc = sd_store_open_since(io, 0, m, &st, held, unchanged, &err);
	if (rc == 0) {
		*m = st->mark;
		sd_store_close(st);
	}
	sd_io_close(io);
	return rc;
}

/* A reader that holds the newest state (the monitor, between commits) reads
 * no payload: what it holds stays, however it differs from the disk's.
 * Each commit, a torn newer slot, and a group formatted anew mean a full
 * read. */
static void test_reader_keeps_the_newest_state(void)
{
	const char *path = tmp_image(0, IMG);
	struct sd_geometry g;
	format_image(path, SLOT, 1 << 20, &g);
	struct sd_state s, held;
	sd_state_init(&s);
	sd_state_init(&held);
	struct sd_store_mark m = { .set = false };
	bool unchanged;
	/* another group, formatted just like it: its one header equals the
	 * first group's but for the uuid, and is read */
	CU_ASSERT_EQUAL_FATAL(open_since(path, &m, &held, &unchanged), 0);
	struct sd_geometry other = g;
	other.uuid[0] ^= 0xff;
	struct sd_io *io = open_io(path);
	struct sd_err err;
	CU_ASSERT_EQUAL_FATAL(sd_store_format(io, &other, NULL, &err), 0);
	sd_io_close(io);
	CU_ASSERT(!memcmp(m.group_uuid, g.uuid, 16));
	CU_ASSERT_EQUAL(open_since(path, &m, &held, &unchanged), 0);
	CU_ASSERT(!unchanged && m.seqno == 1 && !memcmp(m.group_uuid, other.uuid, 16));
	format_image(path, SLOT, 1 << 20, &g);
	populate(&s, &g, 100, 1);
	CU_ASSERT_EQUAL_FATAL(commit_to(path, &s), 0);
	CU_ASSERT_EQUAL_FATAL(open_since(path, &m, &held, &unchanged), 0);
	CU_ASSERT(!unchanged && m.set && m.seqno == 2);
	CU_ASSERT(sd_state_equal(&s, &held));
	/* unchanged: the payload is not read, so a state unlike the disk's stays */
	populate(&held, &g, 900, 1);
	CU_ASSERT_EQUAL(open_since(path, &m, &held, &unchanged), 0);
	CU_ASSERT(unchanged);
	CU_ASSERT_EQUAL(held.pools.n, 2);
	/* a commit: read in full */
	populate(&s, &g, 200, 1);
	CU_ASSERT_EQUAL_FATAL(commit_to(path, &s), 0);
	CU_ASSERT_EQUAL(open_since(path, &m, &held, &unchanged), 0);
	CU_ASSERT(!unchanged && m.seqno == 3);
	CU_ASSERT(sd_state_equal(&s, &held));
	/* two commits: the newest state is in the very slot the mark names */
	populate(&s, &g, 210, 1);
	CU_ASSERT_EQUAL_FATAL(commit_to(path, &s), 0);
	populate(&s, &g, 220, 1);
	CU_ASSERT_EQUAL_FATAL(commit_to(path, &s), 0);
	CU_ASSERT_EQUAL(open_since(path, &m, &held, &unchanged), 0);
	CU_ASSERT(!unchanged && m.seqno == 5);
	CU_ASSERT(sd_state_equal(&s, &held));
	/* two commits of the same state: the same payload in the same slot,
	 * under a newer header, is read again */
	CU_ASSERT_EQUAL_FATAL(commit_to(path, &s), 0);
	CU_ASSERT_EQUAL_FATAL(commit_to(path, &s), 0);
	populate(&held, &g, 910, 1);
	CU_ASSERT_EQUAL(open_since(path, &m, &held, &unchanged), 0);
	CU_ASSERT(!unchanged && m.seqno == 7);
	CU_ASSERT(sd_state_equal(&s, &held));
	/* a newer commit torn (its payload in neither copy): a full read each
	 * time, which finds the state before it */
	struct sd_state torn;
	sd_state_init(&torn);
	CU_ASSERT_EQUAL_FATAL(sd_state_copy(&torn, &s), 0);
	populate(&torn, &g, 300, 1);
	CU_ASSERT_EQUAL_FATAL(commit_to(path, &torn), 0);
	for (int c = 0; c < 2; c++)
		zero_range(path, sd_slot_offset(&g, c, 0) + 4096, 4096);
	for (int round = 0; round < 2; round++) {
		populate(&held, &g, 900 + (uint32_t)round, 1);
		CU_ASSERT_EQUAL(open_since(path, &m, &held, &unchanged), 0);
		CU_ASSERT(!unchanged && m.seqno == 7);
		CU_ASSERT(sd_state_equal(&s, &held));
	}
	/* the device formatted anew: another group, read in full */
	struct sd_geometry again;
	format_image(path, SLOT, 1 << 20, &again);
	CU_ASSERT_EQUAL(open_since(path, &m, &held, &unchanged), 0);
	CU_ASSERT(!unchanged);
	CU_ASSERT_EQUAL(held.pools.n, 0);
	sd_state_free(&torn);
	sd_state_free(&held);
	sd_state_free(&s);
}

/* Signals without SA_RESTART hitting the waits of the I/O backend: every
 * read still completes, with the bytes on the device (a wait cut short by
 * EINTR used to return while the reads were in flight). */
static volatile sig_atomic_t signals_seen;
static void count_signal(int sig)
{
	(void)sig;
	signals_seen++;
}

struct pelter {
	pthread_t target;
	volatile bool stop;
};

static void *pelt(void *arg)
{
	struct pelter *p = arg;
	while (!p->stop) {
		pthread_kill(p->target, SIGUSR1);
		usleep(20);
	}
	return NULL;
}

static void test_io_survives_signals(void)
{
	const char *path = tmp_image(1, IMG);
	enum { BLOCKS = 16 };
	uint8_t pattern[BLOCKS][4096];
	for (int b = 0; b < BLOCKS; b++)
		memset(pattern[b], 0x30 + b, sizeof(pattern[b]));
	for (int b = 0; b < BLOCKS; b++)
		write_bytes(path, (uint64_t)b * 1048576, pattern[b], 4096);
	struct sigaction sa = { .sa_handler = count_signal }, old; /* no SA_RESTART */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, &old);
	/* what may end the test early comes before the thread that must be
	 * stopped */
	struct sd_io *io = open_io(path);
	void *buf = sd_io_alloc(BLOCKS * 4096);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	struct pelter pl = { pthread_self(), false };
	pthread_t th;
	signals_seen = 0;
	CU_ASSERT_FATAL(pthread_create(&th, NULL, pelt, &pl) == 0);
	int failures = 0, wrong = 0;
	for (int round = 0; round < 400; round++) {
		struct sd_iov v[BLOCKS];
		memset(buf, 0, BLOCKS * 4096);
		for (int b = 0; b < BLOCKS; b++)
			v[b] = (struct sd_iov){ (uint64_t)b * 1048576, (char *)buf + b * 4096, 4096 };
		if (sd_io_read(io, v, BLOCKS)) {
			failures++;
			continue;
		}
		for (int b = 0; b < BLOCKS; b++)
			wrong += memcmp(v[b].buf, pattern[b], 4096) != 0;
		if (round % 8 == 0 && sd_io_write(io, v, 1, true))
			failures++;
	}
	pl.stop = true;
	pthread_join(th, NULL);
	sigaction(SIGUSR1, &old, NULL);
	printf("\n    %s under %d signals: %d failed calls, %d wrong blocks\n", io->ops->name,
	       (int)signals_seen, failures, wrong);
	CU_ASSERT(signals_seen > 100);
	CU_ASSERT_EQUAL(failures, 0);
	CU_ASSERT_EQUAL(wrong, 0);
	free(buf);
	sd_io_close(io);
}

void add_store_tests(void)
{
	CU_pSuite s = CU_add_suite("store", NULL, NULL);
	CU_add_test(s, "backend is the one requested", test_backend_is_the_requested_one);
	CU_add_test(s, "format, open, commit alternates slots", test_format_open_commit);
	CU_add_test(s, "a stale store gets the concurrent-update error", test_stale_store_conflicts);
	CU_add_test(s, "commit refuses invalid and oversized states", test_refuses_invalid_and_oversized);
	CU_add_test(s, "read-only open cannot commit", test_readonly_refuses);
	CU_add_test(s, "I/O completes under signals without SA_RESTART", test_io_survives_signals);
	CU_add_test(s, "a reader that holds the newest state reads no payload",
		    test_reader_keeps_the_newest_state);
	CU_add_test(s, "a lock-free reader survives commits between its batches",
		    test_reader_survives_commits_between_batches);
}
