/* Several "nodes" committing to one LUN with no lock outside it: forked
 * processes that skip the host-local flock, each with its own host slot, so
 * only the bakery lock over the host slots (metadata/hostlock.c) keeps them
 * apart.  A wrapper slows every write down, which widens the window between
 * a commit's re-read and its write; without the cluster lock updates are
 * then lost (the control case shows the test can fail). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"
#include "metadata/hostlock.h"
#include "metadata/ops.h"
#include "base/clock.h"

#define IMG (256ull << 20)
#define SLOT (64ull << 10)
enum { NODES = 4, EACH = 8 };

struct slow_io {
	struct sd_io base;
	struct sd_io *inner;
};

static int slow_submit(struct sd_io *io, bool write, struct sd_iov *v, unsigned n, bool flush)
{
	struct slow_io *s = (struct slow_io *)io;
	if (write) {
		struct timespec ts = { 0, 3000000 }; /* 3 ms: a slow SAN */
		nanosleep(&ts, NULL);
	}
	return s->inner->ops->submit(s->inner, write, v, n, flush);
}

static void slow_close(struct sd_io *io)
{
	sd_io_close(((struct slow_io *)io)->inner);
}

static const struct sd_io_ops slow_ops = { "slow", slow_submit, slow_close };

/* One node: EACH pool additions, each retried until it commits. */
static int node(const char *path, const struct sd_geometry *g, int i, bool cluster)
{
	static struct slow_io sio;
	struct sd_io *inner;
	struct sd_err err;
	if (sd_io_open(path, true, SD_IO_AUTO, &inner, &err))
		return 4;
	sio = (struct slow_io){ .base = *inner, .inner = inner };
	sio.base.ops = &slow_ops;
	struct sd_io *io = &sio.base;
	struct sd_hostlock h;
	char name[16];
	snprintf(name, sizeof(name), "node%d", i);
	/* the claim's settle time as stardm uses it: a claim is only as safe as
	 * a rival's read-to-write window is shorter (docs/format.md) */
	if (cluster && sd_host_claim(&h, io, g, name, 500, &err))
		return 5;
	for (int k = 0; k < EACH; k++) {
		for (int attempt = 0;; attempt++) {
			struct sd_store *st;
			struct sd_state s;
			struct sd_pool *p;
			if (attempt > 2000 || sd_store_open(io, 0, &st, &s, &err) ||
			    test_pool_add(&s, g, (uint32_t)(i * 100 + k + 1), 1, 1, 128, &p, &err))
				return 4;
			st->no_flock = true;
			st->cluster = cluster ? &h : NULL;
			int rc = sd_store_commit(st, &s, &err);
			sd_store_close(st);
			sd_state_free(&s);
			if (rc == 0)
				break;
			if (rc != -SD_E_CONFLICT) {
				fprintf(stderr, "\n  node %d: %s\n", i, err.msg);
				return 6;
			}
		}
	}
	return 0;
}

/* Run the nodes; returns how many of the NODES * EACH pools are on disk. */
static size_t run_nodes(bool cluster, int *claimed_ids)
{
	const char *path = tmp_image(3, IMG);
	struct sd_geometry g;
	format_image(path, SLOT, 1 << 20, &g);
	pid_t pids[NODES];
	for (int i = 0; i < NODES; i++)
		if ((pids[i] = fork_alone()) == 0)
			_exit(node(path, &g, i, cluster));
	for (int i = 0; i < NODES; i++) {
		int status = wait_child(pids[i], 120);
		CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			fprintf(stderr, "\n  node %d ended with status %#x\n", i, status);
	}
	struct sd_state back;
	struct sd_copy_status cs[2];
	CU_ASSERT_EQUAL_FATAL(load_from(path, &back, cs), 0);
	size_t n = back.pools.n;
	sd_state_free(&back);
	if (claimed_ids) { /* every node got its own host slot */
		struct sd_io *io = open_io(path);
		*claimed_ids = 0;
		for (int i = 0; i < NODES; i++) {
			struct sd_hostlock h;
			struct sd_err err;
			char name[16];
			snprintf(name, sizeof(name), "node%d", i);
			if (sd_host_claim(&h, io, &g, name, 0, &err) == 0 && h.id >= 1 && h.id <= NODES)
				*claimed_ids |= 1 << (h.id - 1);
		}
		sd_io_close(io);
	}
	return n;
}

static void test_cluster_lock_no_lost_update(void)
{
	int ids = 0;
	CU_ASSERT_EQUAL(run_nodes(true, &ids), NODES * EACH);
	CU_ASSERT_EQUAL(ids, (1 << NODES) - 1);
}

/* The control, made deterministic: two nodes without the cluster lock both
 * check the sequence number, then both write (a gate in their I/O holds
 * each one's first write until both got there).  Both commits "succeed"
 * with the same sequence number and one update is lost: the check alone
 * does not keep nodes apart, which is what the cluster lock is for. */
struct gate_io {
	struct sd_io base;
	struct sd_io *inner;
	int ready, go;
	bool passed;
};

static int gate_submit(struct sd_io *io, bool wr, struct sd_iov *v, unsigned n, bool flush)
{
	struct gate_io *gi = (struct gate_io *)io;
	if (wr && !gi->passed) {
		char c = 'w';
		gi->passed = true;
		bool said = write(gi->ready, &c, 1) == 1;
		close(gi->ready); /* the parent sees the end once all are here or gone */
		if (!said || read(gi->go, &c, 1) != 1)
			return -EIO;
	}
	return gi->inner->ops->submit(gi->inner, wr, v, n, flush);
}

static void gate_close(struct sd_io *io)
{
	sd_io_close(((struct gate_io *)io)->inner);
}

static const struct sd_io_ops gate_ops = { "gate", gate_submit, gate_close };

static int gated_node(const char *path, const struct sd_geometry *g, uint32_t vmid, int ready,
		      int go)
{
	struct sd_io *inner;
	struct sd_err err;
	struct sd_store *st;
	struct sd_state s;
	struct sd_pool *p;
	if (sd_io_open(path, true, SD_IO_AUTO, &inner, &err))
		return 4;
	struct gate_io gi = { .base = *inner, .inner = inner, .ready = ready, .go = go };
	gi.base.ops = &gate_ops;
	if (sd_store_open(&gi.base, 0, &st, &s, &err) ||
	    test_pool_add(&s, g, vmid, 1, 1, 128, &p, &err))
		return 4;
	st->no_flock = true;
	int rc = sd_store_commit(st, &s, &err);
	return rc == 0 ? 0 : 6;
}

static void test_without_cluster_lock_updates_are_lost(void)
{
	const char *path = tmp_image(3, IMG);
	struct sd_geometry g;
	format_image(path, SLOT, 1 << 20, &g);
	int ready[2], go[2];
	CU_ASSERT_FATAL(pipe(ready) == 0 && pipe(go) == 0);
	pid_t pids[2];
	for (int i = 0; i < 2; i++)
		if ((pids[i] = fork_alone()) == 0) {
			close(ready[0]), close(go[1]); /* the parent's ends */
			_exit(gated_node(path, &g, 100 + (uint32_t)i, ready[1], go[0]));
		}
	/* only the children hold these ends now: a child that ends before its
	 * first write gives an end of file here, not a read that never ends */
	close(ready[1]), close(go[0]);
	char c[2];
	bool both = read(ready[0], &c[0], 1) == 1 && read(ready[0], &c[1], 1) == 1;
	CU_ASSERT(both);
	if (both) /* both checked; both write now */
		CU_ASSERT(write(go[1], "gg", 2) == 2);
	close(ready[0]), close(go[1]); /* a child still at its gate reads the end */
	for (int i = 0; i < 2; i++) {
		int status = wait_child(pids[i], 120);
		CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0); /* both "committed" */
	}
	if (!both)
		return;
	struct sd_state back;
	CU_ASSERT_EQUAL_FATAL(load_from(path, &back, NULL), 0);
	fprintf(stderr, "\n  without the cluster lock: %zu of 2 updates survived\n", back.pools.n);
	/* both wrote the same next slot at once: the last writer's whole slot
	 * wins (1), or their blocks mixed in both copies and the reader went
	 * back to the slot before (0); never both */
	CU_ASSERT(back.pools.n < 2);
	sd_state_free(&back);
}

/* The bakery's "choosing" flag: a node that has raised it but not yet
 * written its ticket holds every other node off (else both could take the
 * lock).  Node A's ticket write is held in its I/O while node B acquires:
 * B must wait until A's unmoving slot counts as a dead node's (stale_ms). */
struct choosing_io {
	struct sd_io base;
	struct sd_io *inner;
	unsigned writes;
	struct sd_hostlock *rival;
	double rival_waited_ms;
};

static int choosing_submit(struct sd_io *io, bool wr, struct sd_iov *v, unsigned n, bool flush)
{
	struct choosing_io *c = (struct choosing_io *)io;
	if (wr && ++c->writes == 2) { /* A's ticket: A is choosing on disk now */
		struct sd_err err;
		uint64_t t0 = sd_monotonic_ms();
		CU_ASSERT_EQUAL(sd_hostlock_acquire(c->rival, &err), 0);
		c->rival_waited_ms = (double)(sd_monotonic_ms() - t0);
		CU_ASSERT_EQUAL(sd_hostlock_release(c->rival, &err), 0);
	}
	return c->inner->ops->submit(c->inner, wr, v, n, flush);
}

static void choosing_close(struct sd_io *io)
{
	sd_io_close(((struct choosing_io *)io)->inner);
}

static const struct sd_io_ops choosing_ops = { "choosing", choosing_submit, choosing_close };

static void test_choosing_holds_others_off(void)
{
	const char *path = tmp_image(3, IMG);
	struct sd_geometry g;
	format_image(path, SLOT, 1 << 20, &g);
	struct sd_io *inner = open_io(path), *io_b = open_io(path);
	struct sd_hostlock a, b;
	struct sd_err err;
	CU_ASSERT_EQUAL_FATAL(sd_host_claim(&b, io_b, &g, "node-b", 0, &err), 0);
	b.stale_ms = 400;
	struct choosing_io c = { .base = *inner, .inner = inner, .rival = &b };
	c.base.ops = &choosing_ops;
	CU_ASSERT_EQUAL_FATAL(sd_host_claim(&a, &c.base, &g, "node-a", 0, &err), 0);
	c.writes = 0;
	CU_ASSERT_EQUAL(sd_hostlock_acquire(&a, &err), 0);
	CU_ASSERT_EQUAL(sd_hostlock_release(&a, &err), 0);
	fprintf(stderr, "\n  node b waited %.0f ms for node a's choosing\n", c.rival_waited_ms);
	CU_ASSERT(c.rival_waited_ms >= 400);
	sd_io_close(&c.base);
	sd_io_close(io_b);
}

/* Most groups serve a few nodes, and a lock round reads the first host
 * slots only while the rest are empty; a node past them is seen all the
 * same: its ticket holds a node of the first slots off (until it goes
 * stale, which the test shortens). */
static void test_late_slot_holds_others_off(void)
{
	const char *path = tmp_image(3, IMG);
	struct sd_geometry g;
	format_image(path, SLOT, 1 << 20, &g);
	struct sd_io *io = open_io(path);
	struct sd_hostlock first, other, late;
	struct sd_err err;
	char name[16];
	CU_ASSERT_EQUAL_FATAL(sd_host_claim(&first, io, &g, "node0", 0, &err), 0);
	for (int i = 1; i < 16; i++) {
		snprintf(name, sizeof(name), "node%d", i);
		CU_ASSERT_EQUAL_FATAL(sd_host_claim(&other, io, &g, name, 0, &err), 0);
	}
	CU_ASSERT_EQUAL_FATAL(sd_host_claim(&late, io, &g, "node16", 0, &err), 0);
	CU_ASSERT_EQUAL(late.id, 17);
	CU_ASSERT_EQUAL_FATAL(sd_hostlock_acquire(&late, &err), 0);
	first.stale_ms = 300;
	uint64_t t0 = sd_monotonic_ms();
	CU_ASSERT_EQUAL(sd_hostlock_acquire(&first, &err), 0);
	CU_ASSERT(sd_monotonic_ms() - t0 >= 300);
	CU_ASSERT_EQUAL(sd_hostlock_release(&first, &err), 0);
	CU_ASSERT_EQUAL(sd_hostlock_release(&late, &err), 0);
	sd_io_close(io);
}

/* Leaving the lock must reach the disk (other nodes wait behind our
 * ticket): a release that cannot write says so, and a later one works. */
static void test_release_that_cannot_write_fails(void)
{
	const char *path = tmp_image(3, IMG);
	struct sd_geometry g;
	format_image(path, SLOT, 1 << 20, &g);
	struct fault_io f = {0};
	struct sd_io *io = fault_wrap(&f, open_io(path), policy_all);
	struct sd_hostlock h;
	struct sd_err err = {0};
	CU_ASSERT_EQUAL_FATAL(sd_host_claim(&h, io, &g, "node0", 0, &err), 0);
	CU_ASSERT_EQUAL_FATAL(sd_hostlock_acquire(&h, &err), 0);
	f.crashed = true; /* every I/O fails from here */
	CU_ASSERT(sd_hostlock_release(&h, &err) < 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "cannot release host slot"));
	f.crashed = false;
	CU_ASSERT_EQUAL(sd_hostlock_acquire(&h, &err), 0);
	CU_ASSERT_EQUAL(sd_hostlock_release(&h, &err), 0);
	sd_io_close(io);
}

/* A group image and the node's lock file beside it (note_path). */
static const char *noted_image(struct sd_geometry *g, char note_path[PATH_MAX])
{
	const char *path = tmp_image(3, IMG);
	format_image(path, SLOT, 1 << 20, g);
	snprintf(note_path, PATH_MAX, "%s.lock", path);
	return path;
}

/* One process's way to the image: its own open of the node's lock file as
 * its lock_fd (flocks and byte locks of two opens exclude each other). */
static struct sd_io *noted_io(const char *path, const char *note_path)
{
	struct sd_io *io = open_io(path);
	io->lock_fd = open(note_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	CU_ASSERT_FATAL(io->lock_fd >= 0);
	return io;
}

static void noted_close(struct sd_io *io)
{
	if (io->lock_fd >= 0)
		close(io->lock_fd);
	sd_io_close(io);
}

/* The counter of the node's slot of one node: its processes take turns
 * under the node's lock file, whose note carries the last counter written
 * and when it was sent, so a process that keeps its claim (the monitor's
 * heartbeat) counts on after another's writes: the counter never repeats,
 * and the node knows its last beat's time without reading the LUN. */
static void test_note_keeps_the_count(void)
{
	struct sd_geometry g;
	char note_path[PATH_MAX];
	const char *path = noted_image(&g, note_path);
	struct sd_io *monitor_io = noted_io(path, note_path), *command_io = noted_io(path, note_path);
	struct sd_hostlock monitor, command;
	struct sd_err err = {0};
	CU_ASSERT_EQUAL_FATAL(sd_host_claim(&monitor, monitor_io, &g, "node0", 0, &err), 0);
	uint64_t before = sd_monotonic_ms();
	CU_ASSERT_EQUAL(sd_host_beat(&monitor), 0);
	CU_ASSERT_EQUAL_FATAL(sd_host_claim(&command, command_io, &g, "node0", 0, &err), 0);
	for (int i = 0; i < 3; i++) { /* a command's acquire and release */
		CU_ASSERT_EQUAL(sd_hostlock_acquire(&command, &err), 0);
		CU_ASSERT_EQUAL(sd_hostlock_release(&command, &err), 0);
	}
	CU_ASSERT_EQUAL(sd_host_beat(&monitor), 0); /* its own count is 3 writes behind */
	struct sd_host_slot_info slot[1];
	CU_ASSERT_EQUAL_FATAL(sd_host_slots_read(monitor_io, &g, slot, 1), 1);
	uint64_t counter, sent;
	CU_ASSERT_EQUAL(sd_host_note_read(monitor_io->lock_fd, &counter, &sent), 0);
	/* claim, beat, 3 x (choosing, ticket, release), beat */
	CU_ASSERT_EQUAL(slot[0].counter, 12);
	CU_ASSERT_EQUAL(counter, slot[0].counter);
	CU_ASSERT(sent >= before && sent <= sd_monotonic_ms());
	noted_close(monitor_io);
	noted_close(command_io);
	unlink(note_path);
}

/* The monitor's beat for the node (sd_host_beat_node) while a command of
 * the node is inside the cluster lock: the slot keeps the command's ticket
 * (others go on waiting for it) and the command, checking its slot, does
 * not take the beat for another node's write; once no process of the node
 * holds its flock (the command died), the beat clears the ticket. */
static void test_node_beat_keeps_the_ticket(void)
{
	struct sd_geometry g;
	char note_path[PATH_MAX];
	const char *path = noted_image(&g, note_path);
	struct sd_io *cmd_io = noted_io(path, note_path), *mon_io = noted_io(path, note_path);
	struct sd_hostlock cmd, mon;
	struct sd_err err = {0};
	struct sd_host_slot_info slot[1];
	CU_ASSERT_EQUAL_FATAL(sd_host_claim(&mon, mon_io, &g, "node0", 0, &err), 0);
	CU_ASSERT_EQUAL(sd_host_beat_node(&mon), 0);
	CU_ASSERT_EQUAL_FATAL(sd_host_claim(&cmd, cmd_io, &g, "node0", 0, &err), 0);
	CU_ASSERT_EQUAL_FATAL(sd_io_flock(cmd_io, LOCK_EX), 0);
	CU_ASSERT_EQUAL_FATAL(sd_hostlock_acquire(&cmd, &err), 0);
	CU_ASSERT_EQUAL(sd_host_beat_node(&mon), 0);
	CU_ASSERT_EQUAL_FATAL(sd_host_slots_read(mon_io, &g, slot, 1), 1);
	CU_ASSERT(cmd.ticket > 0);
	CU_ASSERT_EQUAL(slot[0].ticket, cmd.ticket);
	uint64_t beaten = slot[0].counter;
	/* the command, still inside, waits for the owner of a pool: its own
	 * beats and the monitor's take turns */
	CU_ASSERT_EQUAL(sd_host_beat(&cmd), 0);
	CU_ASSERT_EQUAL(sd_host_beat_node(&mon), 0);
	CU_ASSERT_EQUAL_FATAL(sd_host_slots_read(mon_io, &g, slot, 1), 1);
	CU_ASSERT_EQUAL(slot[0].counter, beaten + 2);
	CU_ASSERT_EQUAL(slot[0].ticket, cmd.ticket);
	CU_ASSERT_EQUAL(sd_hostlock_release(&cmd, &err), 0);
	CU_ASSERT_EQUAL(sd_hostlock_acquire(&cmd, &err), 0); /* its slot check passes */
	close(cmd_io->lock_fd); /* the command dies inside: its flock goes, its ticket stays */
	cmd_io->lock_fd = -1;
	CU_ASSERT_EQUAL_FATAL(sd_host_slots_read(mon_io, &g, slot, 1), 1);
	CU_ASSERT(slot[0].ticket > 0);
	CU_ASSERT_EQUAL(sd_host_beat_node(&mon), 0);
	CU_ASSERT_EQUAL_FATAL(sd_host_slots_read(mon_io, &g, slot, 1), 1);
	CU_ASSERT_EQUAL(slot[0].ticket, 0);
	noted_close(cmd_io);
	noted_close(mon_io);
	unlink(note_path);
}

/* A command of the node takes the cluster lock again and again while the
 * monitor's beats (another process) land in its slot between its writes:
 * none of them is taken for another node's write. */
static void test_beats_between_a_commands_writes(void)
{
	struct sd_geometry g;
	char note_path[PATH_MAX];
	const char *path = noted_image(&g, note_path);
	struct sd_io *cmd_io = noted_io(path, note_path);
	struct sd_hostlock cmd;
	struct sd_err err = {0};
	CU_ASSERT_EQUAL_FATAL(sd_host_claim(&cmd, cmd_io, &g, "node0", 0, &err), 0);
	pid_t beater = fork_alone();
	CU_ASSERT_FATAL(beater >= 0);
	if (beater == 0) {
		struct sd_io *mon_io = noted_io(path, note_path);
		struct sd_hostlock mon;
		if (sd_host_claim(&mon, mon_io, &g, "node0", 0, &err))
			_exit(2);
		for (uint64_t end = sd_monotonic_ms() + 1500; sd_monotonic_ms() < end;)
			if (sd_host_beat_node(&mon))
				_exit(3);
		_exit(0);
	}
	int failed = 0;
	for (int i = 0; i < 200 && !failed; i++) {
		if (sd_io_flock(cmd_io, LOCK_EX) || sd_hostlock_acquire(&cmd, &err) ||
		    sd_hostlock_release(&cmd, &err))
			failed = 1;
		sd_io_flock(cmd_io, LOCK_UN);
	}
	if (failed)
		fprintf(stderr, "\n  %s\n", err.msg);
	CU_ASSERT_EQUAL(failed, 0);
	int status = wait_child(beater, 120);
	CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	noted_close(cmd_io);
	unlink(note_path);
}

/* The LUN formatted again under a node's monitor (with the node's lock
 * file, noted, or the device's own flock): its next beat finds the slot
 * empty and writes nothing, and once another node has claimed that slot in
 * the new group the beat leaves it as that node wrote it. */
static void beat_after_format(bool noted)
{
	struct sd_geometry g;
	char note_path[PATH_MAX];
	const char *path = noted_image(&g, note_path);
	struct sd_io *mon_io = noted ? noted_io(path, note_path) : open_io(path);
	struct sd_hostlock mon, other;
	struct sd_err err = {0};
	struct sd_host_slot_info slot[1];
	CU_ASSERT_EQUAL_FATAL(sd_host_claim(&mon, mon_io, &g, "node0", 0, &err), 0);
	CU_ASSERT_EQUAL(sd_host_beat_node(&mon), 0);
	CU_ASSERT_EQUAL(sd_host_slots_read(mon_io, &g, slot, 1), 1);
	format_image(path, SLOT, 1 << 20, &g);
	CU_ASSERT_EQUAL(sd_host_beat_node(&mon), -SD_E_CONFLICT);
	CU_ASSERT_EQUAL(sd_host_slots_read(mon_io, &g, slot, 1), 0);
	struct sd_io *other_io = open_io(path);
	CU_ASSERT_EQUAL_FATAL(sd_host_claim(&other, other_io, &g, "node1", 0, &err), 0);
	CU_ASSERT_EQUAL(other.id, mon.id);
	CU_ASSERT_EQUAL(sd_host_beat_node(&mon), -SD_E_CONFLICT);
	CU_ASSERT_EQUAL_FATAL(sd_host_slots_read(other_io, &g, slot, 1), 1);
	CU_ASSERT_STRING_EQUAL(slot[0].name, "node1");
	CU_ASSERT_EQUAL(sd_hostlock_acquire(&other, &err), 0); /* its slot is as it left it */
	CU_ASSERT_EQUAL(sd_hostlock_release(&other, &err), 0);
	sd_io_close(other_io);
	noted ? noted_close(mon_io) : sd_io_close(mon_io);
	unlink(note_path);
}

static void test_beat_after_format_writes_nothing(void)
{
	beat_after_format(true);
	beat_after_format(false);
}

void add_cluster_lock_tests(void)
{
	CU_pSuite s = CU_add_suite("cluster lock", NULL, NULL);
	CU_add_test(s, "nodes without an outside lock lose no update", test_cluster_lock_no_lost_update);
	CU_add_test(s, "control: without the cluster lock updates are lost",
		    test_without_cluster_lock_updates_are_lost);
	CU_add_test(s, "a release that cannot write fails loudly", test_release_that_cannot_write_fails);
	CU_add_test(s, "a node past the first host slots holds the others off",
		    test_late_slot_holds_others_off);
	CU_add_test(s, "a node choosing its ticket holds the others off", test_choosing_holds_others_off);
	CU_add_test(s, "the node's note keeps its slot's count", test_note_keeps_the_count);
	CU_add_test(s, "the node's beat keeps a live ticket, clears a dead one",
		    test_node_beat_keeps_the_ticket);
	CU_add_test(s, "the node's beats between a command's own writes",
		    test_beats_between_a_commands_writes);
	CU_add_test(s, "a beat on a LUN formatted again writes nothing",
		    test_beat_after_format_writes_nothing);
	CU_pSuite j = CU_add_suite("cluster lock with a journal", journal_on, journal_off);
	CU_add_test(j, "nodes without an outside lock lose no update", test_cluster_lock_no_lost_update);
}
