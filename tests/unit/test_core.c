/* core/ on the host: activation, replay, ownership and the handover, with
 * the recording fake of device-mapper in the kernel's place.  The same
 * flows run on the real kernel in the VM suites; here every order of calls
 * and every undo path can be forced and read back. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <limits.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/clock.h"
#include "core/activate.h"
#include "core/autoactivate.h"
#include "core/discard.h"
#include "core/dm_names.h"
#include "core/dm_ops.h"
#include "core/group_impl.h"
#include "core/handover.h"
#include "core/handover_follow.h"
#include "core/heartbeat.h"
#include "core/monitor.h"
#include "core/node_lock.h"
#include "core/owner.h"
#include "core/pool.h"
#include "core/report.h"
#include "core/scan.h"
#include "core/self_fence.h"
#include "core/space.h"
#include "core/template.h"
#include "core/volume.h"
#include "metadata/hostlock.h"
#include "metadata/ops.h"
#include "fake_dm.h"
#include "helpers.h"

#define MIB (1ull << 20)
#define VOL "vm-100-disk-0"

static const char *lun;

/* Which node the next calls are: its name and its own dm devices. */
static void as_node(int node)
{
	setenv("STARDM_NODE_NAME", node ? "node-b" : "node-a", 1);
	fake_dm_node(node);
}

static int setup(void)
{
	sdg_dm = &fake_dm;
	return 0;
}

/* The heartbeat and fence a test runs: stopped by the test, or, when an
 * assertion ended it early, by the next test's fresh() and the suite's
 * end.  A thread left running would act on the next test's group, and a
 * child forked beside it could wait for ever on a lock it held. */
static struct sdg_heart *test_hb;
static struct sdg_fence *test_fence;

static void stop_threads(void)
{
	sdg_fence_stop(test_fence);
	sdg_heart_stop(test_hb);
	test_fence = NULL;
	test_hb = NULL;
}

static int teardown(void)
{
	stop_threads();
	sdg_dm = &sdm_kernel;
	unsetenv("STARDM_NODE_NAME");
	return 0;
}

/* A fresh group "g" on a new image, a fresh fake kernel, node A. */
static void fresh(void)
{
	stop_threads();
	lun = tmp_image(0, 512 * MIB);
	struct sdg_init_opts o = { .name = "g", .extent_size = 4 * MIB, .metadata_size = MIB };
	struct sd_err err;
	CU_ASSERT_FATAL(sdg_init(lun, &o, NULL, &err) == 0);
	fake_dm_reset();
	as_node(0);
}

static struct sdg *open_w(void)
{
	struct sdg *g = NULL;
	struct sd_err err;
	int rc = sdg_open(lun, SDG_WRITE, &g, &err);
	if (rc)
		fprintf(stderr, "\n    open: %s\n", err.msg);
	CU_ASSERT_FATAL(rc == 0);
	return g;
}

static void close_g(struct sdg *g)
{
	CU_ASSERT(sdg_close(g, NULL) == 0);
}

/* Run one command as the CLI would: open, op, close; its rc and err. */
enum cmd { CREATE, ACTIVATE, INCOMING, DEACTIVATE, SNAP, DELSNAP, GATE, RELEASE, FINISH, ABORT };
static int run(enum cmd c, const char *vol, const char *arg, struct sd_err *err)
{
	struct sdg *g = open_w();
	char path[PATH_MAX];
	enum sdg_activation how;
	struct sdg_activation_req req = { .incoming = c == INCOMING };
	int rc = -1;
	switch (c) {
	case CREATE: rc = sdg_volume_create(g, vol, 64 * MIB, NULL, err); break;
	case ACTIVATE:
	case INCOMING: rc = sdg_activate(g, vol, &req, path, &how, err); break;
	case DEACTIVATE: rc = sdg_volume_deactivate(g, vol, NULL, err); break;
	case SNAP: rc = sdg_snapshot_create(g, vol, arg, err); break;
	case DELSNAP: rc = sdg_snapshot_delete(g, vol, arg, err); break;
	case GATE: rc = sdg_handover_gate(g, vol, err); break;
	case RELEASE: rc = sdg_handover_release(g, vol, err); break;
	case FINISH: rc = sdg_handover_finish(g, vol, false, 0, err); break;
	case ABORT: rc = sdg_handover_abort(g, vol, err); break;
	}
	close_g(g);
	return rc;
}

static void ok(enum cmd c, const char *vol, const char *arg)
{
	struct sd_err err = { .msg = "" };
	int rc = run(c, vol, arg, &err);
	if (rc)
		fprintf(stderr, "\n    command %d on %s: %s\n", c, vol, err.msg);
	CU_ASSERT_FATAL(rc == 0);
}

/* A runtime directory of the test's own (dir: a mkdtemp template), in use
 * from now on; run_dir_done ends it. */
static void run_dir_new(char *dir)
{
	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	setenv("STARDM_RUN_DIR", dir, 1);
}

/* A test's own runtime directory, with the group's lock file in it, gone. */
static void run_dir_done(const char *dir, const uint8_t uuid[16])
{
	char id[37], path[PATH_MAX];
	sdg_uuid_format(uuid, id);
	snprintf(path, sizeof(path), "%s/group-%s.lock", dir, id);
	unlink(path);
	rmdir(dir);
	unsetenv("STARDM_RUN_DIR");
}

/* A group read through a reader again and again (as the monitor's passes
 * read it): each open holds the group's newest state, across commits by
 * other openers, and closing it leaves the reader's state to the reader. */
static void test_reader_follows_commits(void)
{
	fresh();
	ok(CREATE, VOL, NULL);
	struct sdg_reader *r = sdg_reader_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	struct sd_err err = {0};
	struct sdg *g;
	for (uint32_t round = 0; round < 3; round++) {
		for (int again = 0; again < 2; again++) { /* read in full, then unchanged */
			CU_ASSERT_EQUAL_FATAL(sdg_open_read(lun, r, &g, &err), 0);
			CU_ASSERT_EQUAL(g->state.volumes.n, round + 1);
			CU_ASSERT_PTR_NOT_NULL(sd_find_pool_vmid(&g->state, 100 + round));
			close_g(g);
		}
		char vol[32];
		snprintf(vol, sizeof(vol), "vm-%u-disk-0", 101 + round);
		ok(CREATE, vol, NULL);
	}
	sdg_reader_free(r);
}

/* The dm names of VM 100's pool layers and of a volume. */
struct names {
	struct sdg_dm_id tmeta, tdata, pool, vol, zero;
};
static void names_of(const char *vol, struct names *n)
{
	struct sdg *g = open_w();
	struct sd_pool *p = sdg_vm_pool(g, 100, NULL);
	CU_ASSERT_FATAL(p != NULL);
	sdg_dm_pool(g, p, SDG_DM_TMETA, &n->tmeta);
	sdg_dm_pool(g, p, SDG_DM_TDATA, &n->tdata);
	sdg_dm_pool(g, p, SDG_DM_POOL, &n->pool);
	sdg_dm_volume(g, vol, NULL, &n->vol);
	sdg_dm_placeholder(g, vol, &n->zero);
	close_g(g);
}

static struct sd_pool pool_record(void)
{
	struct sdg *g = open_w();
	struct sd_pool p = *sdg_vm_pool(g, 100, NULL);
	close_g(g);
	return p;
}

/* Each line appears in the log, in this order (NULL ends the list). */
static bool in_order(const char *first, ...)
{
	va_list ap;
	va_start(ap, first);
	const char *at = fake_dm_log();
	bool found = true;
	for (const char *l = first; l && found; l = va_arg(ap, const char *)) {
		const char *hit = strstr(at, l);
		if (!hit)
			fprintf(stderr, "\n    not in order: '%s' in\n%s", l, fake_dm_log());
		found = hit != NULL;
		at = hit ? hit + strlen(l) : at;
	}
	va_end(ap);
	return found;
}

static char line_buf[8][SDG_DM_NAME + 128];
static const char *line(int i, const char *op, const char *name, const char *arg)
{
	snprintf(line_buf[i], sizeof(line_buf[i]), "%s %s%s%s\n", op, name, arg ? " " : "",
		 arg ? arg : "");
	return line_buf[i];
}

/* First activation: layers bottom up, the pending create replayed, the
 * transaction id set, then the thin device; deactivation undoes it all. */
static void test_activation_order(void)
{
	fresh();
	ok(CREATE, VOL, NULL);
	struct names n;
	names_of(VOL, &n);
	fake_dm_clear_log();
	ok(ACTIVATE, VOL, NULL);
	CU_ASSERT(in_order(line(0, "create", n.tmeta.name, "private"),
			   line(1, "create", n.tdata.name, "private"),
			   line(2, "create", n.pool.name, "private"),
			   line(3, "message", n.pool.name, "create_thin 0"),
			   line(4, "message", n.pool.name, "set_transaction_id 0 1"),
			   line(5, "create", n.vol.name, NULL), NULL));
	CU_ASSERT_EQUAL(fake_dm_count(), 4);
	CU_ASSERT_STRING_EQUAL(fake_dm_type(n.vol.name), "thin");
	CU_ASSERT_EQUAL(fake_dm_pool_tid(n.pool.name), 1);
	struct sd_pool p = pool_record();
	CU_ASSERT_NOT_EQUAL(p.owner_host, 0);
	ok(DEACTIVATE, VOL, NULL);
	CU_ASSERT_EQUAL(fake_dm_count(), 0);
	CU_ASSERT_EQUAL(pool_record().owner_host, 0);
	CU_ASSERT(pool_record().owner_generation > p.owner_generation);
}

/* Changes made while the pool was down reach the kernel at the next
 * activation in transaction order, and the pool's thins are exactly the
 * metadata's. */
static void test_replay_order(void)
{
	fresh();
	ok(CREATE, VOL, NULL);
	ok(SNAP, VOL, "s1");
	ok(CREATE, "vm-100-disk-1", NULL);
	ok(DELSNAP, VOL, "s1");
	struct names n;
	names_of(VOL, &n);
	fake_dm_clear_log();
	ok(ACTIVATE, VOL, NULL);
	CU_ASSERT(in_order(line(0, "message", n.pool.name, "create_thin 0"),
			   line(1, "message", n.pool.name, "set_transaction_id 0 1"),
			   line(2, "message", n.pool.name, "create_snap 1 0"),
			   line(3, "message", n.pool.name, "set_transaction_id 1 2"),
			   line(4, "message", n.pool.name, "create_thin 2"),
			   line(5, "message", n.pool.name, "set_transaction_id 2 3"),
			   line(6, "message", n.pool.name, "delete 1"),
			   line(7, "message", n.pool.name, "set_transaction_id 3 4"), NULL));
	CU_ASSERT(fake_dm_pool_has(n.pool.name, 0));
	CU_ASSERT(!fake_dm_pool_has(n.pool.name, 1));
	CU_ASSERT(fake_dm_pool_has(n.pool.name, 2));
	CU_ASSERT_EQUAL(fake_dm_pool_tid(n.pool.name), pool_record().transaction_id);
	ok(DEACTIVATE, VOL, NULL);
}

/* A snapshot of an active origin suspends it (with flush) around the
 * pool's message, so the snapshot holds what the guest wrote; around that
 * message only (the guest's I/O waits while it is suspended): the pool's
 * status is read before, its transaction id set after. */
static void test_snapshot_suspends_origin(void)
{
	fresh();
	ok(CREATE, VOL, NULL);
	ok(ACTIVATE, VOL, NULL);
	struct names n;
	names_of(VOL, &n);
	fake_dm_clear_log();
	ok(SNAP, VOL, "s1");
	CU_ASSERT(in_order(line(0, "suspend", n.vol.name, NULL),
			   line(1, "message", n.pool.name, "create_snap 1 0"),
			   line(2, "resume", n.vol.name, NULL),
			   line(3, "message", n.pool.name, "set_transaction_id 1 2"), NULL));
	char window[3 * (SDG_DM_NAME + 128)];
	snprintf(window, sizeof(window), "%s%s%s", line_buf[0], line_buf[1], line_buf[2]);
	CU_ASSERT_PTR_NOT_NULL(strstr(fake_dm_log(), window));
	CU_ASSERT_PTR_NULL(strstr(fake_dm_log(), "delete"));
	CU_ASSERT(!fake_dm_suspended(n.vol.name));
	ok(DEACTIVATE, VOL, NULL);
}

/* A create a crash left in the kernel (made, its transaction id not yet
 * set) is made again at the next sync, not taken as it stands. */
static void test_replay_remakes_existing(void)
{
	fresh();
	ok(CREATE, VOL, NULL);
	ok(ACTIVATE, VOL, NULL);
	ok(DEACTIVATE, VOL, NULL);
	ok(SNAP, VOL, "s1"); /* pending: the pool is down */
	struct names n;
	names_of(VOL, &n);
	/* what a crash between the message and the transaction id leaves */
	fake_dm_pool_add_thin(n.pool.name, 1);
	fake_dm_clear_log();
	ok(ACTIVATE, VOL, NULL);
	CU_ASSERT(in_order(line(0, "message", n.pool.name, "create_snap 1 0"),
			   line(1, "message", n.pool.name, "delete 1"),
			   line(2, "message", n.pool.name, "create_snap 1 0"),
			   line(3, "message", n.pool.name, "set_transaction_id 1 2"), NULL));
	CU_ASSERT(fake_dm_pool_has(n.pool.name, 1));
	ok(DEACTIVATE, VOL, NULL);
}

/* A failure at any kernel step of an activation leaves no device behind
 * and the pool released; the next activation then succeeds. */
static void test_activation_undo(void)
{
	static const struct {
		const char *op, *what;
		int nth;
	} steps[] = {
		{ "check", NULL, 1 },  { "create", NULL, 1 }, { "create", NULL, 2 },
		{ "create", NULL, 3 }, { "create", NULL, 4 }, { "message", "create_thin", 1 },
		{ "message", "set_transaction_id", 1 },
	};
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		fresh();
		ok(CREATE, VOL, NULL);
		fake_dm_fail(steps[i].op, steps[i].what, steps[i].nth, EIO);
		struct sd_err err;
		CU_ASSERT_NOT_EQUAL(run(ACTIVATE, VOL, NULL, &err), 0);
		if (fake_dm_count())
			fprintf(stderr, "\n    %s #%d failed: left\n%s", steps[i].op, steps[i].nth,
				fake_dm_log());
		CU_ASSERT_EQUAL(fake_dm_count(), 0);
		CU_ASSERT_EQUAL(pool_record().owner_host, 0);
		ok(ACTIVATE, VOL, NULL);
		CU_ASSERT_EQUAL(fake_dm_count(), 4);
	}
}

/* udev never finishing with an activation's devices (they are made, but
 * not named) fails the command, which then leaves nothing behind. */
static void test_activation_udev_timeout(void)
{
	fresh();
	ok(CREATE, VOL, NULL);
	fake_dm_fail("udev_wait", NULL, 1, ETIMEDOUT);
	struct sd_err err;
	CU_ASSERT_NOT_EQUAL(run(ACTIVATE, VOL, NULL, &err), 0);
	CU_ASSERT_EQUAL(err.code, ETIMEDOUT);
	CU_ASSERT_EQUAL(fake_dm_count(), 0);
	CU_ASSERT_EQUAL(pool_record().owner_host, 0);
	ok(ACTIVATE, VOL, NULL);
	CU_ASSERT_EQUAL(fake_dm_count(), 4);
}

/* A pool live on one node is refused to the other, whose error names the
 * owner for programs; after the owner's deactivation it moves. */
static void test_ownership(void)
{
	fresh();
	ok(CREATE, VOL, NULL);
	ok(ACTIVATE, VOL, NULL);
	as_node(1);
	struct sd_err err = { .code = 0 };
	CU_ASSERT(run(ACTIVATE, VOL, NULL, &err) < 0);
	CU_ASSERT_EQUAL(err.code, SD_E_OWNED);
	CU_ASSERT_STRING_EQUAL(err.node, "node-a");
	CU_ASSERT(run(SNAP, VOL, "s1", &err) < 0);
	CU_ASSERT_EQUAL(err.code, SD_E_OWNED);
	CU_ASSERT_EQUAL(fake_dm_count(), 0);
	/* a forced takeover watching the owner for less than the self-fence's
	 * bound (core/self_fence.h) is refused before it waits */
	struct sdg *g = open_w();
	CU_ASSERT(sdg_pool_claim(g, 100, true, SDG_TAKEOVER_MIN_S - 1, &err) < 0);
	CU_ASSERT_EQUAL(err.code, SD_E_INVAL);
	close_g(g);
	as_node(0);
	ok(DEACTIVATE, VOL, NULL);
	as_node(1);
	ok(ACTIVATE, VOL, NULL);
	CU_ASSERT_EQUAL(fake_dm_count(), 4);
	ok(DEACTIVATE, VOL, NULL);
}

/* A live migration, A to B: B's placeholder (reads served, writes fail)
 * is gated, A fences its thin device (QEMU still holds it) and hands the
 * pool on, B loads it and swaps the placeholder for the thin device. */
static void test_handover(void)
{
	fresh();
	ok(CREATE, VOL, NULL);
	ok(ACTIVATE, VOL, NULL);
	struct names n;
	names_of(VOL, &n);
	fake_dm_open(n.vol.name, 1, 0); /* the source's QEMU */
	as_node(1);
	ok(INCOMING, VOL, NULL);
	CU_ASSERT_STRING_EQUAL(fake_dm_type(n.vol.name), "flakey");
	CU_ASSERT_STRING_EQUAL(fake_dm_type(n.zero.name), "zero");
	CU_ASSERT(fake_dm_read_only(n.zero.name));
	CU_ASSERT_EQUAL(fake_dm_count(), 2);
	struct sd_err err;
	CU_ASSERT(run(FINISH, VOL, NULL, &err) < 0); /* the source holds the pool */
	CU_ASSERT_EQUAL(err.code, SD_E_CONFLICT);
	fake_dm_open(n.vol.name, 1, 8); /* the target's QEMU, its probe read */
	ok(GATE, VOL, NULL);
	CU_ASSERT(fake_dm_suspended(n.vol.name));
	as_node(0);
	ok(RELEASE, VOL, NULL);
	CU_ASSERT_STRING_EQUAL(fake_dm_type(n.vol.name), "error");
	CU_ASSERT_EQUAL(fake_dm_count(), 1); /* the fenced device QEMU holds */
	as_node(1);
	ok(FINISH, VOL, NULL);
	CU_ASSERT_STRING_EQUAL(fake_dm_type(n.vol.name), "thin");
	CU_ASSERT(!fake_dm_suspended(n.vol.name));
	CU_ASSERT(!fake_dm_exists(n.zero.name));
	CU_ASSERT_EQUAL(fake_dm_count(), 4);
	struct sd_pool p = pool_record();
	CU_ASSERT_EQUAL(p.handover_to, 0);
	as_node(0);
	fake_dm_open(n.vol.name, -1, 0); /* the source's QEMU exits */
	ok(DEACTIVATE, VOL, NULL);
	CU_ASSERT_EQUAL(fake_dm_count(), 0);
	CU_ASSERT_EQUAL(pool_record().owner_host, p.owner_host); /* still B's */
}

/* A failed migration: the target's placeholder goes, the handover is
 * withdrawn, the source keeps its pool untouched. */
static void test_handover_abort(void)
{
	fresh();
	ok(CREATE, VOL, NULL);
	ok(ACTIVATE, VOL, NULL);
	struct sd_pool before = pool_record();
	as_node(1);
	ok(INCOMING, VOL, NULL);
	CU_ASSERT_NOT_EQUAL(pool_record().handover_to, 0);
	ok(DEACTIVATE, VOL, NULL);
	CU_ASSERT_EQUAL(fake_dm_count(), 0);
	struct sd_pool after = pool_record();
	CU_ASSERT_EQUAL(after.handover_to, 0);
	CU_ASSERT_EQUAL(after.owner_host, before.owner_host);
	CU_ASSERT_EQUAL(after.owner_generation, before.owner_generation);
	as_node(0);
	CU_ASSERT_EQUAL(fake_dm_count(), 4);
	ok(DEACTIVATE, VOL, NULL);
}

/* A source that deactivates instead of releasing at the commit point: the
 * pool is released with the handover still named, and the target's finish
 * claims it, which ends the handover. */
static void test_handover_after_deactivation(void)
{
	fresh();
	ok(CREATE, VOL, NULL);
	ok(ACTIVATE, VOL, NULL);
	as_node(1);
	ok(INCOMING, VOL, NULL);
	as_node(0);
	ok(DEACTIVATE, VOL, NULL);
	struct sd_pool p = pool_record();
	CU_ASSERT_EQUAL(p.owner_host, 0);
	CU_ASSERT_NOT_EQUAL(p.handover_to, 0);
	as_node(1);
	ok(FINISH, VOL, NULL);
	p = pool_record();
	CU_ASSERT_NOT_EQUAL(p.owner_host, 0);
	CU_ASSERT_EQUAL(p.handover_to, 0);
	ok(DEACTIVATE, VOL, NULL);
}

/* A placeholder that cannot be made leaves nothing and records nothing. */
static void test_handover_prepare_undo(void)
{
	for (int nth = 1; nth <= 2; nth++) {
		fresh();
		ok(CREATE, VOL, NULL);
		ok(ACTIVATE, VOL, NULL);
		as_node(1);
		fake_dm_fail("create", NULL, nth, EIO);
		struct sd_err err;
		CU_ASSERT(run(INCOMING, VOL, NULL, &err) < 0);
		CU_ASSERT_EQUAL(fake_dm_count(), 0);
		CU_ASSERT_EQUAL(pool_record().handover_to, 0);
	}
}

/* migrate-finish's wait: pending until the source releases (a time limit
 * ends it), then ours; a withdrawn handover is no wait at all. */
static void test_handover_await(void)
{
	fresh();
	ok(CREATE, VOL, NULL);
	ok(ACTIVATE, VOL, NULL);
	struct sd_err err = { .code = 0 };
	as_node(1);
	CU_ASSERT(sdg_handover_await(lun, VOL, 1, &err) < 0); /* nothing handed to B */
	CU_ASSERT_EQUAL(err.code, SD_E_CONFLICT);
	ok(INCOMING, VOL, NULL);
	CU_ASSERT(sdg_handover_await(lun, VOL, 1, &err) < 0);
	CU_ASSERT_EQUAL(err.code, ETIMEDOUT);
	as_node(0);
	ok(RELEASE, VOL, NULL);
	as_node(1);
	CU_ASSERT_EQUAL(sdg_handover_await(lun, VOL, 1, &err), 0);
	ok(FINISH, VOL, NULL);
	ok(DEACTIVATE, VOL, NULL);
	as_node(0);
	ok(DEACTIVATE, VOL, NULL);
}

static uint32_t owner_of(uint32_t vmid)
{
	struct sdg *g = open_w();
	uint32_t o = sdg_vm_pool(g, vmid, NULL)->owner_host;
	close_g(g);
	return o;
}

/* After an unclean reboot: this node's pools that its kernel lost are
 * released, or loaded again for volumes marked for auto-activation (also
 * one no node owned); another node's pool is left alone; a second run
 * changes nothing. */
static void test_autoactivate(void)
{
	fresh();
	const char *vols[] = { "vm-200-disk-0", "vm-201-disk-0", "vm-202-disk-0", "vm-203-disk-0",
			       "vm-204-disk-0" };
	for (int i = 0; i < 5; i++)
		ok(CREATE, vols[i], NULL);
	for (int i = 0; i < 3; i++)
		ok(ACTIVATE, vols[i], NULL);
	as_node(1);
	ok(ACTIVATE, vols[3], NULL); /* node b's */
	uint32_t b = owner_of(203);
	as_node(0);
	uint32_t a = owner_of(200);
	struct sdg *g = open_w();
	struct sd_err err;
	CU_ASSERT(sdg_volume_set_autoactivate(g, vols[2], true, &err) == 0);
	CU_ASSERT(sdg_volume_set_autoactivate(g, vols[4], true, &err) == 0);
	close_g(g);
	CU_ASSERT_EQUAL(owner_of(204), 0);
	fake_dm_reboot(0);
	CU_ASSERT_EQUAL(fake_dm_count(), 0);
	struct sdg_autoactivation r;
	g = open_w();
	uint64_t seqno = g->st->seqno;
	CU_ASSERT(sdg_autoactivate(g, &r, &err) == 0);
	/* two pools released and one claimed in one commit */
	CU_ASSERT_EQUAL(g->st->seqno, seqno + 1);
	close_g(g);
	CU_ASSERT_EQUAL(r.released, 2);
	CU_ASSERT_EQUAL(r.activated, 2);
	CU_ASSERT_EQUAL(owner_of(200), 0);
	CU_ASSERT_EQUAL(owner_of(201), 0);
	CU_ASSERT_EQUAL(owner_of(202), a);
	CU_ASSERT_EQUAL(owner_of(203), b);
	CU_ASSERT_EQUAL(owner_of(204), a);
	CU_ASSERT_EQUAL(fake_dm_count(), 8); /* vm-202's and vm-204's pool layers and volume */
	g = open_w();
	seqno = g->st->seqno;
	CU_ASSERT(sdg_autoactivate(g, &r, &err) == 0);
	CU_ASSERT_EQUAL(g->st->seqno, seqno); /* nothing to change: no commit */
	close_g(g);
	CU_ASSERT_EQUAL(r.released + r.activated + r.withdrawn, 0);
	CU_ASSERT_EQUAL(fake_dm_count(), 8);
}

/* A node's start whose commit does not reach the LUN: it reports no pool
 * released and nothing activated, and the records keep their owners. */
static void test_autoactivate_commit_fails(void)
{
	fresh();
	ok(CREATE, "vm-200-disk-0", NULL);
	ok(CREATE, "vm-201-disk-0", NULL);
	ok(ACTIVATE, "vm-200-disk-0", NULL);
	ok(ACTIVATE, "vm-201-disk-0", NULL);
	uint32_t a = owner_of(200);
	struct sdg *g = open_w();
	struct sd_err err;
	CU_ASSERT(sdg_volume_set_autoactivate(g, "vm-201-disk-0", true, &err) == 0);
	close_g(g);
	fake_dm_reboot(0);
	g = open_w();
	struct fault_io f = { .policy = policy_prefix, .budget = 0 };
	struct sd_io *io = g->st->io;
	g->st->io = fault_wrap(&f, io, policy_prefix);
	struct sdg_autoactivation r;
	CU_ASSERT(sdg_autoactivate(g, &r, &err) != 0);
	g->st->io = io;
	close_g(g);
	CU_ASSERT_EQUAL(r.released + r.activated + r.withdrawn + r.failed, 0);
	CU_ASSERT_EQUAL(fake_dm_count(), 0);
	CU_ASSERT_NOT_EQUAL(a, 0);
	CU_ASSERT_EQUAL(owner_of(200), a);
	CU_ASSERT_EQUAL(owner_of(201), a);
}

/* The dm name of VM vmid's pool device. */
static void pool_name_of(uint32_t vmid, struct sdg_dm_id *id)
{
	struct sdg *g = open_w();
	struct sd_pool *p = sdg_vm_pool(g, vmid, NULL);
	CU_ASSERT_FATAL(p != NULL);
	sdg_dm_pool(g, p, SDG_DM_POOL, id);
	close_g(g);
}

/* A node's start learns which pools are live here from one list of its
 * devices: the kernel is asked about no pool of a VM it leaves alone
 * (a thousand VMs' start asked a thousand times). */
static void test_autoactivate_lists_once(void)
{
	fresh();
	char vol[32];
	for (uint32_t vmid = 200; vmid < 206; vmid++) {
		snprintf(vol, sizeof(vol), "vm-%u-disk-0", vmid);
		ok(CREATE, vol, NULL);
	}
	struct sdg *g = open_w();
	struct sd_err err;
	CU_ASSERT(sdg_volume_set_autoactivate(g, "vm-203-disk-0", true, &err) == 0);
	close_g(g);
	fake_dm_reboot(0);
	fake_dm_clear_log();
	g = open_w();
	struct sdg_autoactivation r;
	CU_ASSERT(sdg_autoactivate(g, &r, &err) == 0);
	close_g(g);
	CU_ASSERT_EQUAL(r.activated, 1);
	CU_ASSERT_EQUAL(fake_dm_count(), 4); /* vm-203's pool layers and volume */
	for (uint32_t vmid = 200; vmid < 206; vmid++) {
		struct sdg_dm_id pool;
		char asked[SDG_DM_NAME + 8];
		pool_name_of(vmid, &pool);
		snprintf(asked, sizeof(asked), "info %s\n", pool.name);
		if (vmid == 203)
			continue;
		if (strstr(fake_dm_queries(), asked))
			fprintf(stderr, "\n    asked about vm %u's pool: %s", vmid, pool.name);
		CU_ASSERT_PTR_NULL(strstr(fake_dm_queries(), asked));
	}
}

/* The age of the node's last slot write, as its fence reads it from the
 * note in the node's lock file, at its largest while a command runs. */
struct age_watch {
	int fd;
	atomic_bool stop;
	uint64_t max_ms;
};
static void *watch_age(void *arg)
{
	struct age_watch *w = arg;
	while (!atomic_load(&w->stop)) {
		uint64_t counter, sent;
		if (sd_host_note_read(w->fd, &counter, &sent) == 0 && sent &&
		    sd_monotonic_ms() - sent > w->max_ms)
			w->max_ms = sd_monotonic_ms() - sent;
		usleep(20000);
	}
	return NULL;
}

/* A node's start of many VMs runs long inside the cluster lock (each
 * device creation slow, with udev busy beside it): its slot is rewritten
 * each second meanwhile, so that neither its own fence (5 s) nor the other
 * nodes (10 s) see its counter stand still. */
static void test_autoactivate_keeps_beating(void)
{
	fresh();
	char dir[] = "/tmp/stardm-run.XXXXXX";
	run_dir_new(dir);
	char vol[32];
	struct sd_err err;
	for (uint32_t vmid = 200; vmid < 204; vmid++) {
		snprintf(vol, sizeof(vol), "vm-%u-disk-0", vmid);
		ok(CREATE, vol, NULL);
		struct sdg *g = open_w();
		CU_ASSERT(sdg_volume_set_autoactivate(g, vol, true, &err) == 0);
		close_g(g);
	}
	fake_dm_reboot(0);
	fake_dm_create_ms(150); /* 4 VMs of 4 devices: 2.4 s */
	struct sdg *g = open_w();
	uint8_t uuid[16];
	memcpy(uuid, sdg_geometry(g)->uuid, 16);
	struct age_watch w = { .fd = sdg_node_lock_open(uuid) };
	CU_ASSERT_FATAL(w.fd >= 0);
	pthread_t t;
	CU_ASSERT_FATAL(pthread_create(&t, NULL, watch_age, &w) == 0);
	struct sdg_autoactivation r;
	CU_ASSERT(sdg_autoactivate(g, &r, &err) == 0);
	atomic_store(&w.stop, true);
	pthread_join(t, NULL);
	close_g(g);
	close(w.fd);
	fake_dm_create_ms(0);
	CU_ASSERT_EQUAL(r.activated, 4);
	if (w.max_ms >= 1800)
		fprintf(stderr, "\n    the node's slot stood still for %" PRIu64 " ms", w.max_ms);
	CU_ASSERT(w.max_ms < 1800); /* about 1.2 s between beats here */
	run_dir_done(dir, uuid);
}

/* How many lines of the fake kernel's questions are "info NAME". */
static int info_asked(const char *name)
{
	char line[SDG_DM_NAME + 8];
	snprintf(line, sizeof(line), "info %s\n", name);
	int n = 0;
	for (const char *q = fake_dm_queries(); (q = strstr(q, line)); q += strlen(line))
		n += q == fake_dm_queries() || q[-1] == '\n';
	return n;
}

/* An activation asks the kernel once whether its pool is live, live or
 * not: the answer holds while it holds the node's lock. */
static void test_activation_asks_once_for_its_pool(void)
{
	fresh();
	ok(CREATE, "vm-100-disk-0", NULL);
	ok(CREATE, "vm-100-disk-1", NULL);
	struct sdg *g = open_w();
	struct sdg_dm_id pool;
	sdg_dm_pool(g, sdg_vm_pool(g, 100, NULL), SDG_DM_POOL, &pool);
	close_g(g);
	fake_dm_clear_log();
	ok(ACTIVATE, "vm-100-disk-0", NULL); /* the pool made */
	CU_ASSERT_EQUAL(info_asked(pool.name), 1);
	fake_dm_clear_log();
	ok(ACTIVATE, "vm-100-disk-1", NULL); /* the pool live already */
	CU_ASSERT_EQUAL(info_asked(pool.name), 1);
	ok(DEACTIVATE, "vm-100-disk-0", NULL);
	ok(DEACTIVATE, "vm-100-disk-1", NULL);
	CU_ASSERT_EQUAL(fake_dm_count(), 0);
}

/* A pool whose layers an activation has just made can hold no live thin
 * device: its thin devices are not listed (for one left suspended by a
 * killed command), as they are when the pool was live already. */
static void test_fresh_pool_lists_no_thins(void)
{
	fresh();
	ok(CREATE, "vm-100-disk-0", NULL);
	ok(CREATE, "vm-100-disk-1", NULL);
	struct sdg *g = open_w();
	char prefix[SDG_DM_NAME + 8], listed[SDG_DM_NAME + 16];
	sdg_dm_thin_prefix(g, sdg_vm_pool(g, 100, NULL), prefix);
	close_g(g);
	snprintf(listed, sizeof(listed), "list %s\n", prefix);
	fake_dm_clear_log();
	ok(ACTIVATE, "vm-100-disk-0", NULL);
	CU_ASSERT_PTR_NULL(strstr(fake_dm_queries(), listed));
	fake_dm_clear_log();
	ok(ACTIVATE, "vm-100-disk-1", NULL); /* the pool is live: its thins are checked */
	CU_ASSERT_PTR_NOT_NULL(strstr(fake_dm_queries(), listed));
	ok(DEACTIVATE, "vm-100-disk-0", NULL);
	ok(DEACTIVATE, "vm-100-disk-1", NULL);
	CU_ASSERT_EQUAL(fake_dm_count(), 0);
}

/* The monitor's pass: a thin pool grows by at least the floor, a full one
 * by its percentage; pools below the threshold stay as they are. */
struct grew {
	uint64_t step[3];
	int n;
};
static void on_grow(const struct sdg_monitor_event *ev, void *ctx)
{
	struct grew *g = ctx;
	if (ev->vmid >= 100 && ev->vmid <= 102 && !ev->failed)
		g->step[ev->vmid - 100] = ev->step;
	g->n++;
}

/* Bytes of VM vmid's pool metadata (meta) or data, as the records hold them. */
static uint64_t pool_bytes(uint32_t vmid, bool meta)
{
	struct sdg *g = open_w();
	const struct sd_state *s = sdg_records(g);
	uint64_t *m, *d, b = 0;
	CU_ASSERT_FATAL(sdg_pools_extent_counts(g, &m, &d) == 0);
	for (size_t i = 0; i < s->pools.n; i++)
		if (s->pools.v[i].vmid == vmid)
			b = (meta ? m : d)[i] * 4 * MIB;
	free(m);
	free(d);
	close_g(g);
	return b;
}
static uint64_t data_bytes(uint32_t vmid) { return pool_bytes(vmid, false); }
static uint64_t meta_bytes(uint32_t vmid) { return pool_bytes(vmid, true); }

/* Which pools are live on this node, from one list of its devices: a pool
 * live on the other node, or on none, is not. */
static void test_pools_here(void)
{
	fresh();
	const char *vols[] = { "vm-100-disk-0", "vm-101-disk-0", "vm-102-disk-0" };
	for (int i = 0; i < 3; i++)
		ok(CREATE, vols[i], NULL);
	ok(ACTIVATE, vols[0], NULL);
	ok(ACTIVATE, vols[2], NULL);
	as_node(1);
	ok(ACTIVATE, vols[1], NULL);
	as_node(0);
	struct sdg *g = open_w();
	bool *here = sdg_pools_here(g);
	CU_ASSERT_FATAL(here != NULL);
	for (uint32_t vm = 100; vm <= 102; vm++) {
		const struct sd_pool *p = sdg_vm_pool(g, vm, NULL);
		CU_ASSERT_FATAL(p != NULL);
		CU_ASSERT_EQUAL(here[p - sdg_records(g)->pools.v], vm != 101);
	}
	free(here);
	close_g(g);
}

static void test_monitor_growth(void)
{
	lun = tmp_image(0, 2048 * MIB);
	struct sdg_init_opts o = { .name = "g", .extent_size = 4 * MIB, .metadata_size = MIB };
	struct sd_err err = { .msg = "" };
	CU_ASSERT_FATAL(sdg_init(lun, &o, NULL, &err) == 0);
	fake_dm_reset();
	as_node(0);
	struct sdg_create_opts thin = { .prov = SDG_PROV_THIN };
	const char *vols[] = { "vm-100-disk-0", "vm-101-disk-0", "vm-102-disk-0" };
	struct sdg *g = open_w();
	CU_ASSERT(sdg_volume_create(g, vols[0], 8192 * MIB, &thin, &err) == 0);
	CU_ASSERT(sdg_volume_create(g, vols[1], 64 * MIB, NULL, &err) == 0);
	CU_ASSERT(sdg_volume_create(g, vols[2], 8192 * MIB, &thin, &err) == 0);
	close_g(g);
	CU_ASSERT_EQUAL(data_bytes(100), SDG_THIN_START);
	CU_ASSERT_EQUAL(data_bytes(101), 64 * MIB);
	for (int i = 0; i < 3; i++)
		ok(ACTIVATE, vols[i], NULL);
	struct sdg_dm_id pool;
	for (uint32_t vm = 100; vm <= 102; vm++) {
		g = open_w();
		sdg_dm_pool(g, sdg_vm_pool(g, vm, NULL), SDG_DM_POOL, &pool);
		close_g(g);
		fake_dm_pool_fill(pool.name, vm == 102 ? 50 : 90, 0); /* 102 below the threshold */
	}
	struct sdg_monitor_cfg cfg = { 80, 20, SDG_THIN_START, 60 };
	struct grew r = { { 0, 0, 0 }, 0 };
	int grown = sdg_monitor_pass(lun, NULL, &cfg, on_grow, &r, NULL, &err);
	if (grown != 2)
		fprintf(stderr, "\n    monitor pass: %d (%s)\n", grown, err.msg);
	CU_ASSERT_EQUAL(grown, 2);
	CU_ASSERT_EQUAL(r.n, 2);
	CU_ASSERT_EQUAL(r.step[0], SDG_THIN_START);   /* 20% would be 51 MiB */
	CU_ASSERT_EQUAL(r.step[1], 64 * MIB / 5);     /* a full pool: 20% */
	CU_ASSERT_EQUAL(r.step[2], 0);
	CU_ASSERT_EQUAL(data_bytes(100), 2 * SDG_THIN_START);
	CU_ASSERT_EQUAL(data_bytes(101), 80 * MIB);   /* 12.8 MiB in whole extents */
	CU_ASSERT_EQUAL(data_bytes(102), SDG_THIN_START);
}

/* Metadata grows at 60% used, before data and without it: a full thin-pool
 * metadata device would need an offline repair. */

static void test_monitor_metadata(void)
{
	fresh();
	ok(CREATE, VOL, NULL);
	ok(ACTIVATE, VOL, NULL);
	struct names n;
	names_of(VOL, &n);
	uint64_t meta = meta_bytes(100), data = data_bytes(100);
	struct sdg_monitor_cfg cfg = { 80, 20, SDG_THIN_START, 60 };
	struct sd_err err = { .msg = "" };
	struct grew r = { { 0, 0, 0 }, 0 };
	fake_dm_pool_fill(n.pool.name, 10, 50); /* below both thresholds */
	CU_ASSERT_EQUAL(sdg_monitor_pass(lun, NULL, &cfg, on_grow, &r, NULL, &err), 0);
	CU_ASSERT_EQUAL(meta_bytes(100), meta);
	fake_dm_pool_fill(n.pool.name, 10, 65);
	CU_ASSERT_EQUAL(sdg_monitor_pass(lun, NULL, &cfg, on_grow, &r, NULL, &err), 1);
	CU_ASSERT_EQUAL(r.n, 1);
	CU_ASSERT_EQUAL(meta_bytes(100), meta + 4 * MIB); /* 20% in whole extents */
	CU_ASSERT_EQUAL(data_bytes(100), data);
	/* the live pool took it: its metadata layer was reloaded larger */
	CU_ASSERT(in_order(line(0, "reload", n.tmeta.name, NULL), line(1, "resume", n.pool.name, NULL),
			   NULL));
}

/* The reserve: new disks and resizes leave it alone, a pool's growth may
 * use it; the space level warns before it is touched. */
static void test_reserve(void)
{
	lun = tmp_image(0, 512 * MIB);
	struct sdg_init_opts o = { .name = "g", .extent_size = 4 * MIB, .metadata_size = MIB,
				   .reserve_pct = 10 };
	struct sd_err err = { .msg = "" };
	CU_ASSERT_FATAL(sdg_init(lun, &o, NULL, &err) == 0);
	fake_dm_reset();
	as_node(0);
	struct sdg *g = open_w();
	struct sdg_space sp;
	sdg_space(g, &sp);
	uint64_t keep = (sp.extents_total * 10 + 99) / 100;
	CU_ASSERT_EQUAL(sp.reserve, keep * 4 * MIB);
	CU_ASSERT_EQUAL(sp.available, sp.free - sp.reserve);
	CU_ASSERT_EQUAL(sp.level, SDG_SPACE_OK);
	/* a full disk that leaves 2 extents besides the reserve (1 for its metadata) */
	CU_ASSERT_FATAL(sdg_volume_create(g, "vm-100-disk-0", sp.available - 3 * 4 * MIB, NULL,
					  &err) == 0);
	sdg_space(g, &sp);
	CU_ASSERT_EQUAL(sp.available, 2 * 4 * MIB);
	CU_ASSERT_EQUAL(sp.level, SDG_SPACE_LOW);
	CU_ASSERT_EQUAL(sdg_volume_create(g, "vm-101-disk-0", 16 * MIB, NULL, &err), -SD_E_NOSPACE);
	CU_ASSERT(strstr(err.msg, "the reserve keeps for pool growth") != NULL);
	CU_ASSERT_EQUAL(sdg_volume_resize(g, "vm-100-disk-0", sp.provisioned + 12 * MIB, &err),
			-SD_E_NOSPACE);
	CU_ASSERT_EQUAL(sdg_records(g)->volumes.n, 1); /* nothing half made */
	/* growth takes the reserve */
	CU_ASSERT_EQUAL(sdg_pool_extend(g, 100, 6 * 4 * MIB, &err), 0);
	sdg_space(g, &sp);
	CU_ASSERT_EQUAL(sp.level, SDG_SPACE_RESERVE);
	CU_ASSERT_EQUAL(sp.available, 0);
	CU_ASSERT_EQUAL(sdg_pool_extend(g, 100, sp.free, &err), 0);
	sdg_space(g, &sp);
	CU_ASSERT_EQUAL(sp.level, SDG_SPACE_FULL);
	CU_ASSERT_EQUAL(sdg_set_reserve(g, 51, &err), -SD_E_INVAL);
	CU_ASSERT_EQUAL(sdg_set_reserve(g, 0, &err), 0);
	close_g(g);
	g = open_w();
	sdg_space(g, &sp);
	CU_ASSERT_EQUAL(sp.reserve_pct, 0);
	CU_ASSERT_EQUAL(sp.reserve, 0);
	close_g(g);
}

/* A deleted snapshot's blocks are discarded through a short-lived device
 * of its thin id, after the commit and before the pool's delete; not when
 * the group's discards are off. */
static void test_discard_before_delete(void)
{
	fresh();
	ok(CREATE, VOL, NULL);
	ok(ACTIVATE, VOL, NULL);
	ok(SNAP, VOL, "s1");
	ok(SNAP, VOL, "s2");
	struct names n;
	names_of(VOL, &n);
	struct sdg *g = open_w();
	struct sdg_dm_id d1, d2;
	sdg_dm_discard(g, sdg_vm_pool(g, 100, NULL), 1, &d1);
	sdg_dm_discard(g, sdg_vm_pool(g, 100, NULL), 2, &d2);
	close_g(g);
	fake_dm_clear_log();
	ok(DELSNAP, VOL, "s1");
	CU_ASSERT(in_order(line(0, "create", d1.name, "private"), line(1, "remove", d1.name, NULL),
			   line(2, "message", n.pool.name, "delete 1"), NULL));
	CU_ASSERT_EQUAL(fake_dm_count(), 4); /* the discard device is gone */
	CU_ASSERT_STRING_EQUAL(fake_dm_type(d1.name), "");
	g = open_w();
	struct sd_err err;
	CU_ASSERT_EQUAL(sdg_set_discards(g, false, &err), 0);
	close_g(g);
	fake_dm_clear_log();
	ok(DELSNAP, VOL, "s2");
	CU_ASSERT(in_order(line(0, "message", n.pool.name, "delete 2"), NULL));
	CU_ASSERT(strstr(fake_dm_log(), d2.name) == NULL);
}

/* One command on group g as this node: open, op, close; its rc (err). */
static int with_group(int (*op)(struct sdg *, void *, struct sd_err *), void *arg,
		      struct sd_err *err)
{
	struct sdg *g = open_w();
	int rc = op(g, arg, err);
	close_g(g);
	return rc;
}
static int op_rename_base(struct sdg *g, void *arg, struct sd_err *err)
{
	(void)arg;
	return sdg_volume_rename(g, VOL, "base-100-disk-0", err);
}
static int op_clone(struct sdg *g, void *name, struct sd_err *err)
{
	return sdg_volume_clone(g, "base-100-disk-0", name, NULL, err);
}
static int op_remove(struct sdg *g, void *name, struct sd_err *err)
{
	return sdg_volume_remove(g, name, err);
}
static int op_snapshot(struct sdg *g, void *name, struct sd_err *err)
{
	return sdg_snapshot_create(g, name, "s1", err);
}
static struct sd_pool pool_of_vm(uint32_t vmid)
{
	struct sdg *g = open_w();
	struct sd_pool p = *sdg_vm_pool(g, vmid, NULL);
	close_g(g);
	return p;
}

/* A template and two linked clones on two nodes: the base's pool becomes a
 * template (its pending create applied first), each clone's table names
 * the base's read-only device as its origin, the template's pool is
 * loaded read-only on both nodes with both reader bits, writes to the
 * template and removing the base are refused while clones exist, and the
 * base's devices go with the last clone here. */
static void test_linked_clones(void)
{
	fresh();
	struct sd_err err = { .msg = "" };
	ok(CREATE, VOL, NULL); /* never activated: its create_thin is pending */
	CU_ASSERT_EQUAL_FATAL(with_group(op_rename_base, NULL, &err), 0);
	CU_ASSERT_EQUAL_FATAL(with_group(op_clone, "vm-101-disk-0", &err), 0);
	CU_ASSERT_EQUAL_FATAL(with_group(op_clone, "vm-102-disk-0", &err), 0);
	struct sd_pool tp = pool_of_vm(100);
	CU_ASSERT(tp.flags & SD_POOL_TEMPLATE);
	CU_ASSERT_EQUAL(tp.owner_host, 0);
	CU_ASSERT(fake_dm_pool_has("stardm-g-vm100-pool", 0)); /* applied before it froze */
	ok(ACTIVATE, "vm-101-disk-0", NULL);
	as_node(1);
	ok(ACTIVATE, "vm-102-disk-0", NULL);
	as_node(0);
	CU_ASSERT(strstr(fake_dm_params("stardm-g-vm100-pool"), "read_only") != NULL);
	CU_ASSERT(fake_dm_read_only("stardm-g-base-100-disk-0--@origin"));
	CU_ASSERT_STRING_EQUAL(fake_dm_params("stardm-g-vm-101-disk-0"),
			       "/dev/mapper/stardm-g-vm101-pool 0 /dev/mapper/stardm-g-base-100-disk-0--@origin");
	tp = pool_of_vm(100);
	CU_ASSERT(tp.readers[0] == ((1u << 1) | (1u << 2))); /* hosts 1 and 2 */
	/* the template is not written while clones read it */
	CU_ASSERT_EQUAL(with_group(op_snapshot, "base-100-disk-0", &err), -EBUSY);
	CU_ASSERT(strstr(err.msg, "vm-101-disk-0, vm-102-disk-0") != NULL);
	CU_ASSERT_EQUAL(with_group(op_remove, "base-100-disk-0", &err), -EBUSY);
	/* a clone's own snapshots work, in its own pool */
	CU_ASSERT_EQUAL(with_group(op_snapshot, "vm-101-disk-0", &err), 0);
	/* the last clone here gone: the base's devices go, its reader bit too */
	ok(DEACTIVATE, "vm-101-disk-0", NULL);
	CU_ASSERT(!fake_dm_exists("stardm-g-base-100-disk-0--@origin"));
	CU_ASSERT(!fake_dm_exists("stardm-g-vm100-pool"));
	tp = pool_of_vm(100);
	CU_ASSERT(tp.readers[0] == (1u << 2));
	/* node b reboots with its clone running: at the LUN's return it is no
	 * reader any more (nor the owner of the clone's pool) */
	fake_dm_reboot(1);
	as_node(1);
	struct sdg *gb = open_w();
	struct sdg_autoactivation r;
	CU_ASSERT_EQUAL(sdg_autoactivate(gb, &r, &err), 0);
	close_g(gb);
	as_node(0);
	CU_ASSERT_EQUAL(r.released, 2);
	CU_ASSERT(pool_of_vm(100).readers[0] == 0);
	CU_ASSERT_EQUAL(pool_of_vm(102).owner_host, 0);
	/* clones removed: the base goes, and its pool with it */
	CU_ASSERT_EQUAL(with_group(op_remove, "vm-101-disk-0", &err), 0);
	CU_ASSERT_EQUAL(with_group(op_remove, "vm-102-disk-0", &err), 0);
	CU_ASSERT_EQUAL(with_group(op_remove, "base-100-disk-0", &err), 0);
	struct sdg *g = open_w();
	CU_ASSERT(sdg_vm_pool(g, 100, NULL) == NULL);
	close_g(g);
}

static int op_leftover_pool(struct sdg *g, void *arg, struct sd_err *err)
{
	(void)arg;
	int rc = sdg_pool_claim(g, 100, false, 0, err);
	return rc ? rc : sdg_pool_up(g, sdg_vm_pool(g, 100, NULL), err);
}

/* A claim with nothing left to catch up (every change applied and
 * recorded) and nothing loaded: a crash's leftover. */
static int op_leftover_claim(struct sdg *g, void *arg, struct sd_err *err)
{
	(void)arg;
	int rc = sdg_pool_claim(g, 100, false, 0, err);
	struct sd_pool *p = sdg_vm_pool(g, 100, NULL);
	if (rc == 0)
		rc = sdg_pool_up(g, p, err);
	if (rc == 0)
		rc = sdg_commit(g, err);
	return rc ? rc : sdg_pool_down(g, sdg_vm_pool(g, 100, NULL), err);
}

/* A clone killed once its base's pool had caught up leaves that pool this
 * node's, and perhaps live with no volume: the next clone takes it down and
 * makes it nobody's, as a template's pool must be.  A live base volume is
 * the user's to stop. */
static void test_clone_after_kill(void)
{
	fresh();
	struct sd_err err = { .msg = "" };
	ok(CREATE, VOL, NULL);
	CU_ASSERT_EQUAL_FATAL(with_group(op_rename_base, NULL, &err), 0);
	ok(ACTIVATE, "base-100-disk-0", NULL);
	CU_ASSERT_EQUAL(with_group(op_clone, "vm-101-disk-0", &err), -EBUSY);
	CU_ASSERT(strstr(err.msg, "deactivate it before cloning") != NULL);
	CU_ASSERT_FALSE(pool_of_vm(100).flags & SD_POOL_TEMPLATE);
	ok(DEACTIVATE, "base-100-disk-0", NULL);
	CU_ASSERT_EQUAL_FATAL(with_group(op_leftover_pool, NULL, &err), 0);
	CU_ASSERT(fake_dm_exists("stardm-g-vm100-pool"));
	CU_ASSERT_EQUAL(pool_of_vm(100).owner_host, 1);
	CU_ASSERT_EQUAL(with_group(op_clone, "vm-101-disk-0", &err), 0);
	struct sd_pool tp = pool_of_vm(100);
	CU_ASSERT(tp.flags & SD_POOL_TEMPLATE);
	CU_ASSERT_EQUAL(tp.owner_host, 0);
	CU_ASSERT(!fake_dm_exists("stardm-g-vm100-pool"));
	ok(ACTIVATE, "vm-101-disk-0", NULL);
	CU_ASSERT(fake_dm_read_only("stardm-g-base-100-disk-0--@origin"));
	/* the same with a claim alone left behind: the clone's commit clears it */
	fresh();
	ok(CREATE, VOL, NULL);
	CU_ASSERT_EQUAL_FATAL(with_group(op_rename_base, NULL, &err), 0);
	CU_ASSERT_EQUAL_FATAL(with_group(op_leftover_claim, NULL, &err), 0);
	CU_ASSERT_EQUAL(pool_of_vm(100).owner_host, 1);
	CU_ASSERT(!fake_dm_exists("stardm-g-vm100-pool"));
	CU_ASSERT_EQUAL(with_group(op_clone, "vm-101-disk-0", &err), 0);
	tp = pool_of_vm(100);
	CU_ASSERT(tp.flags & SD_POOL_TEMPLATE);
	CU_ASSERT_EQUAL(tp.owner_host, 0);
}

/* A linked clone handed over while nothing holds its device on the source
 * (its QEMU gone first): the fence removes the device, and the base's
 * devices and the source's reader bit go with it; the target reads the
 * template. */
static void test_clone_handover(void)
{
	fresh();
	struct sd_err err = { .msg = "" };
	const char *c = "vm-101-disk-0";
	ok(CREATE, VOL, NULL);
	CU_ASSERT_EQUAL_FATAL(with_group(op_rename_base, NULL, &err), 0);
	CU_ASSERT_EQUAL_FATAL(with_group(op_clone, (void *)c, &err), 0);
	ok(ACTIVATE, c, NULL);
	CU_ASSERT(fake_dm_exists("stardm-g-base-100-disk-0--@origin"));
	as_node(1);
	ok(INCOMING, c, NULL);
	fake_dm_open("stardm-g-vm-101-disk-0", 1, 8); /* the target's QEMU, its probe read */
	ok(GATE, c, NULL);
	as_node(0);
	ok(RELEASE, c, NULL);
	CU_ASSERT(!fake_dm_exists("stardm-g-base-100-disk-0--@origin"));
	CU_ASSERT(!fake_dm_exists("stardm-g-vm100-pool"));
	CU_ASSERT_EQUAL(fake_dm_count(), 0);
	as_node(1);
	ok(FINISH, c, NULL);
	CU_ASSERT_STRING_EQUAL(fake_dm_type("stardm-g-vm-101-disk-0"), "thin");
	CU_ASSERT(fake_dm_read_only("stardm-g-base-100-disk-0--@origin"));
	CU_ASSERT(pool_of_vm(100).readers[0] == (1u << 2)); /* node b's alone */
	CU_ASSERT_EQUAL(pool_of_vm(101).owner_host, 2);
	as_node(0);
}

/* A live pool the kernel marked needs_check (a failed metadata write)
 * takes no change: each is refused before it is recorded, so nothing is
 * left to replay into the pool later. */
static void test_needs_check_refused(void)
{
	fresh();
	ok(CREATE, VOL, NULL);
	ok(ACTIVATE, VOL, NULL);
	struct names n;
	names_of(VOL, &n);
	fake_dm_pool_needs_check(n.pool.name, true);
	struct sd_err err;
	CU_ASSERT_EQUAL(run(SNAP, VOL, "s1", &err), -EIO);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "repair-pool"));
	CU_ASSERT(run(CREATE, "vm-100-disk-1", NULL, &err) != 0 && err.code == EIO);
	struct sdg *g = open_w();
	CU_ASSERT_EQUAL(sdg_records(g)->snapshots.n, 0);
	CU_ASSERT_EQUAL(sdg_records(g)->volumes.n, 1);
	close_g(g);
	fake_dm_pool_needs_check(n.pool.name, false);
	ok(SNAP, VOL, "s1");
}

/* A writer holds the node's lock on a file named by the group's uuid, not
 * on the device node it came by: a process of the node reaching the group
 * by another device node (a multipath map, a path under it) waits for it. */
static void test_node_lock_file(void)
{
	fresh();
	char dir[] = "/tmp/stardm-run.XXXXXX";
	run_dir_new(dir);
	struct sdg *g = open_w();
	char id[37], path[PATH_MAX];
	sdg_uuid_format(sdg_geometry(g)->uuid, id);
	snprintf(path, sizeof(path), "%s/group-%s.lock", dir, id);
	int other = open(path, O_RDWR | O_CLOEXEC), dev = open(lun, O_RDWR | O_CLOEXEC);
	CU_ASSERT_FATAL(other >= 0 && dev >= 0);
	CU_ASSERT(flock(other, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK);
	CU_ASSERT(flock(dev, LOCK_EX | LOCK_NB) == 0); /* the device itself is not it */
	flock(dev, LOCK_UN);
	close_g(g);
	CU_ASSERT(flock(other, LOCK_EX | LOCK_NB) == 0); /* let go at close */
	close(other);
	close(dev);
	unlink(path);
	rmdir(dir);
	unsetenv("STARDM_RUN_DIR");
}

static char fence_said[4096];
static void fence_line(void *ctx, const char *line)
{
	(void)ctx;
	strncat(fence_said, line, sizeof(fence_said) - strlen(fence_said) - 2);
	strcat(fence_said, "\n");
}

/* Wait up to 10 s for the volume's and its pool's devices to be (or not
 * to be) suspended; whether they are. */
static bool wait_suspended(bool want)
{
	for (int i = 0; i < 100; i++) {
		if (fake_dm_suspended("stardm-g-" VOL) == want &&
		    fake_dm_suspended("stardm-g-vm100-pool") == want)
			return true;
		usleep(100000);
	}
	return false;
}

#define NO_LUN "/nonexistent/lun"

/* The node's heartbeat and its fence started (test_hb, test_fence), the
 * beats going to a device that is gone, until the fence has suspended the
 * node's disks; geo: the group's. */
static void fence_node(struct sd_geometry *geo)
{
	struct sd_err err = {0};
	CU_ASSERT_EQUAL_FATAL(sdg_heartbeat(lun, &err), 0);
	struct sdg *g = open_w();
	*geo = *sdg_geometry(g);
	close_g(g);
	fence_said[0] = '\0';
	CU_ASSERT_EQUAL_FATAL(sdg_heart_start(NO_LUN, geo->uuid, &test_hb, &err), 0);
	CU_ASSERT_EQUAL_FATAL(sdg_fence_start(test_hb, geo->uuid, fence_line, NULL, &test_fence,
					      &err), 0);
	CU_ASSERT(wait_suspended(true));
}

/* A fresh group with one active disk, in a runtime directory of the
 * test's own (dir, a mkdtemp template), and the node fenced (fence_node). */
static void fenced_disk(char *dir, struct sd_geometry *geo)
{
	fresh();
	run_dir_new(dir);
	ok(CREATE, VOL, NULL);
	ok(ACTIVATE, VOL, NULL);
	fence_node(geo);
}

/* The self-fence: no beat of this node reached the LUN for 5 s (its
 * heartbeat writes to a device that is gone): its disk, then its pool, are
 * suspended; beats landing again resume them.  Fenced a second time, and
 * another node takes the pool over meanwhile: once beats land, the pool's
 * layers go to the error target before it resumes, and so does the disk. */
static void test_self_fence(void)
{
	char dir[] = "/tmp/stardm-run.XXXXXX";
	struct sd_geometry geo;
	fenced_disk(dir, &geo);
	const char *gone = NO_LUN;
	struct sd_err err = {0};
	struct sdg *g;
	CU_ASSERT_PTR_NOT_NULL(strstr(fence_said, "no heartbeat of this node reached the LUN"));
	/* no writer of the node starts meanwhile: it could load or resume a disk */
	struct sdg *w = NULL;
	int opened = sdg_open(lun, SDG_WRITE, &w, &err);
	CU_ASSERT(opened < 0 && err.code == EIO);
	if (opened == 0) /* not fenced: let go of the lock the test goes on to need */
		sdg_close(w, NULL);
	sdg_heart_device(test_hb, lun);
	CU_ASSERT(wait_suspended(false));
	CU_ASSERT_STRING_EQUAL(fake_dm_type("stardm-g-" VOL), "thin");
	sdg_heart_device(test_hb, gone);
	CU_ASSERT(wait_suspended(true));
	/* node b (its own runtime directory) takes the pool over, as a forced
	 * takeover would */
	char dir_b[] = "/tmp/stardm-run.XXXXXX";
	CU_ASSERT_FATAL(mkdtemp(dir_b) != NULL);
	setenv("STARDM_RUN_DIR", dir_b, 1);
	setenv("STARDM_NODE_NAME", "node-b", 1);
	g = open_w();
	struct sd_pool *p = sd_find_pool_vmid(&g->state, 100);
	p->owner_host = sdg_my_host_id(g);
	p->owner_generation++;
	CU_ASSERT_EQUAL(sdg_commit(g, &err), 0);
	close_g(g);
	char id[37], path[PATH_MAX];
	sdg_uuid_format(geo.uuid, id);
	snprintf(path, sizeof(path), "%s/group-%s.lock", dir_b, id);
	unlink(path);
	rmdir(dir_b);
	setenv("STARDM_RUN_DIR", dir, 1);
	as_node(0);
	sdg_heart_device(test_hb, lun);
	CU_ASSERT(wait_suspended(false));
	usleep(300000); /* the disk's table swap follows its pool's resume */
	CU_ASSERT_PTR_NOT_NULL(strstr(fence_said, "was taken over by another node"));
	CU_ASSERT_STRING_EQUAL(fake_dm_type("stardm-g-vm100-tmeta"), "error");
	CU_ASSERT_STRING_EQUAL(fake_dm_type("stardm-g-vm100-tdata"), "error");
	CU_ASSERT_STRING_EQUAL(fake_dm_type("stardm-g-" VOL), "error");
	CU_ASSERT_EQUAL(sdg_open(lun, SDG_WRITE, &w, &err), 0); /* the mark went */
	sdg_close(w, NULL);
	stop_threads();
	snprintf(path, sizeof(path), "%s/group-%s.lock", dir, id);
	unlink(path);
	rmdir(dir);
	unsetenv("STARDM_RUN_DIR");
}

/* How many times line occurs in what the fence said. */
static int fence_said_count(const char *line)
{
	int n = 0;
	for (const char *at = fence_said; (at = strstr(at, line)); at += strlen(line))
		n++;
	return n;
}

/* Whether the fence said it failed at something, other than finding the
 * group held by a command of the node (which it waits out by trying again). */
static bool fence_said_failure(void)
{
	const char *busy = "another stardm command of this node holds";
	for (const char *l = fence_said; *l;) {
		const char *end = strchr(l, '\n');
		size_t len = end ? (size_t)(end - l) : strlen(l);
		char line[1024];
		snprintf(line, sizeof(line), "%.*s", (int)len, l);
		if (strstr(line, "cannot") && !strstr(line, busy))
			return true;
		l += len + (end != NULL);
	}
	return false;
}

/* A pool this node let go of itself while fenced (a node's start whose
 * activation failed takes the pool down and releases it) is gone when the
 * beats land again: nothing to resume, and nobody took it over. */
static void test_unfence_after_own_release(void)
{
	fresh();
	char dir[] = "/tmp/stardm-run.XXXXXX";
	run_dir_new(dir);
	ok(CREATE, VOL, NULL);
	ok(ACTIVATE, VOL, NULL);
	ok(CREATE, "vm-101-disk-0", NULL);
	ok(ACTIVATE, "vm-101-disk-0", NULL);
	struct sd_geometry geo;
	fence_node(&geo);
	struct sd_err err = {0};
	struct sdg *g;
	CU_ASSERT(fake_dm_suspended("stardm-g-vm101-pool"));
	/* the node's own command, inside the lock since before the fence.
	 * Taking the lock writes the node's slot and so refreshes its note,
	 * which starts an unfence; the beats must point at the LUN again
	 * before that unfence reads their device.  Holding the fence's work
	 * (as the monitor's own dm work does) keeps the unfence waiting until
	 * they do; it then finds the group held by the command, or not, and
	 * tries again until the command has let go */
	CU_ASSERT_FALSE(sdg_fence_hold(test_fence)); /* fenced: held, and nothing to do */
	int opened = sdg_open(lun, SDG_WRITE | SDG_FENCED_OK, &g, &err);
	sdg_heart_device(test_hb, lun);
	sdg_fence_release(test_fence);
	CU_ASSERT_EQUAL_FATAL(opened, 0);
	CU_ASSERT_EQUAL(sdg_volume_deactivate(g, "vm-101-disk-0", NULL, &err), 0);
	close_g(g);
	CU_ASSERT(!fake_dm_exists("stardm-g-vm101-pool"));
	CU_ASSERT(wait_suspended(false));
	for (int i = 0; i < 50 && !strstr(fence_said, "in time again"); i++)
		usleep(100000);
	CU_ASSERT_PTR_NOT_NULL(strstr(fence_said, "heartbeats reach the LUN in time again"));
	bool wrong = strstr(fence_said, "taken over") || fence_said_failure();
	if (wrong)
		fprintf(stderr, "\n    the fence said: %s", fence_said);
	CU_ASSERT_FALSE(wrong);
	stop_threads();
	CU_ASSERT_EQUAL(owner_of(101), 0); /* released by its deactivation */
	ok(DEACTIVATE, VOL, NULL);
	CU_ASSERT_EQUAL(fake_dm_count(), 0);
	run_dir_done(dir, geo.uuid);
}

/* Beats land again, but the group cannot be read (both metadata copies
 * gone, the label and host slots intact): the unfence, tried every
 * 100 ms, says why once, not ten times a second into the journal.  Tries
 * that find the group held by another process of the node meanwhile (the
 * node's heartbeat holds it for a moment every second) say so once, and
 * do not make the reason that stays the same a new one. */
static void test_unfence_failing_said_once(void)
{
	char dir[] = "/tmp/stardm-run.XXXXXX";
	struct sd_geometry geo;
	fenced_disk(dir, &geo);
	for (int c = 0; c < 2; c++)
		zero_range(lun, geo.copy_offset[c], 2 * geo.slot_size);
	sdg_heart_device(test_hb, lun);
	const char *why = "no valid metadata slot in either copy";
	for (int i = 0; i < 50 && !fence_said_count(why); i++) /* the first beat lands */
		usleep(100000);
	char id[37], path[PATH_MAX];
	sdg_uuid_format(geo.uuid, id);
	snprintf(path, sizeof(path), "%s/group-%s.lock", dir, id);
	int fd = open(path, O_RDWR);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(flock(fd, LOCK_EX), 0); /* another process of the node, for a while */
	usleep(500000);
	flock(fd, LOCK_UN);
	close(fd);
	sleep(2); /* about 20 tries more */
	int said = fence_said_count(why), busy = fence_said_count("another stardm command");
	if (said != 1 || busy != 1)
		fprintf(stderr, "\n    said %d and %d times: %s", said, busy, fence_said);
	CU_ASSERT_EQUAL(said, 1);
	CU_ASSERT_EQUAL(busy, 1);
	CU_ASSERT(wait_suspended(true)); /* and nothing was resumed */
	stop_threads();
	run_dir_done(dir, geo.uuid);
}

static atomic_bool fence_stopped;
static void *stop_fence_thread(void *arg)
{
	(void)arg;
	stop_threads();
	atomic_store(&fence_stopped, true);
	return NULL;
}

/* Beats land again while another command of the node holds the group (one
 * stuck on the LUN's I/O, say): the unfence does not wait for it, so the
 * monitor stops at once, says why it waits, and resumes the disks on a
 * later try, once the command has let go. */
static void test_unfence_waits_for_no_command(void)
{
	char dir[] = "/tmp/stardm-run.XXXXXX";
	struct sd_geometry geo;
	fenced_disk(dir, &geo);
	int command = sdg_node_lock_open(geo.uuid); /* the other command's hold */
	CU_ASSERT_FATAL(command >= 0);
	CU_ASSERT_EQUAL_FATAL(flock(command, LOCK_EX), 0);
	sdg_heart_device(test_hb, lun);
	const char *line = "another stardm command of this node holds";
	for (int i = 0; i < 50 && !fence_said_count(line); i++) /* the first beat lands */
		usleep(100000);
	usleep(300000); /* a few more tries */
	int said = fence_said_count(line);
	if (said != 1)
		fprintf(stderr, "\n    said %d times: %s", said, fence_said);
	CU_ASSERT_EQUAL(said, 1);
	CU_ASSERT(fake_dm_suspended("stardm-g-" VOL));
	/* stopped while it cannot resume: within a second, not when the command ends */
	atomic_store(&fence_stopped, false);
	pthread_t stopper;
	CU_ASSERT_EQUAL_FATAL(pthread_create(&stopper, NULL, stop_fence_thread, NULL), 0);
	for (int i = 0; i < 20 && !atomic_load(&fence_stopped); i++)
		usleep(100000);
	CU_ASSERT(atomic_load(&fence_stopped));
	if (!atomic_load(&fence_stopped))
		fprintf(stderr, "\n    the fence did not stop while a command held the group\n");
	flock(command, LOCK_UN); /* lets a stuck stop go on: the test ends either way */
	pthread_join(stopper, NULL);
	/* a monitor started again finds the node fenced, and resumes its disks
	 * once the command has let go */
	CU_ASSERT_EQUAL_FATAL(flock(command, LOCK_EX), 0);
	struct sd_err err = {0};
	CU_ASSERT_EQUAL_FATAL(sdg_heart_start(lun, geo.uuid, &test_hb, &err), 0);
	CU_ASSERT_EQUAL_FATAL(sdg_fence_start(test_hb, geo.uuid, fence_line, NULL, &test_fence,
					      &err), 0);
	usleep(500000);
	CU_ASSERT(fake_dm_suspended("stardm-g-" VOL));
	close(command);
	CU_ASSERT(wait_suspended(false));
	stop_threads();
	run_dir_done(dir, geo.uuid);
}

/* The LUN formatted again under a running monitor: its heartbeat, kept
 * for the old group, writes nothing into the new one (whose first slot
 * stays free for the node's next claim there) and says why. */
static void test_heart_after_init_again(void)
{
	fresh();
	char dir[] = "/tmp/stardm-run.XXXXXX";
	run_dir_new(dir);
	struct sd_err err = {0};
	struct sd_geometry old, now;
	struct sdg *g = open_w();
	old = *sdg_geometry(g);
	close_g(g);
	struct sd_host_slot_info slot[1];
	struct sd_io *io = open_io(lun);
	CU_ASSERT_EQUAL_FATAL(sd_host_slots_read(io, &old, slot, 1), 1); /* the command's */
	uint64_t before = slot[0].counter;
	struct sdg_heart *hb;
	CU_ASSERT_EQUAL_FATAL(sdg_heart_start(lun, old.uuid, &hb, &err), 0);
	test_hb = hb;
	/* the heart has claimed and beaten before the new format, not during it */
	bool beating = false;
	for (int i = 0; i < 250 && !beating; i++, usleep(20000))
		beating = sd_host_slots_read(io, &old, slot, 1) == 1 && slot[0].counter > before;
	CU_ASSERT_FATAL(beating);
	struct sdg_init_opts o = { .name = "g", .extent_size = 4 * MIB, .metadata_size = MIB,
				   .force = true };
	CU_ASSERT_EQUAL_FATAL(sdg_init(lun, &o, &now, &err), 0);
	/* the first beat after finds its slot gone, the next probes afresh */
	char msg[sizeof(err.msg)] = "";
	uint64_t when = 0;
	for (int i = 0; i < 100 && sdg_heart_failures(hb, msg, sizeof(msg), &when) < 2; i++)
		usleep(100000);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "no longer holds group"));
	CU_ASSERT_EQUAL(sd_host_slots_read(io, &now, slot, 1), 0);
	stop_threads();
	sd_io_close(io);
	run_dir_done(dir, old.uuid);
}

/* A monitor that starts while a long command of the node holds the node's
 * lock (a node's start of its VMs) beats at once: its slot, claimed by a
 * command before, is found without that lock. */
static void test_heart_beside_long_command(void)
{
	fresh();
	char dir[] = "/tmp/stardm-run.XXXXXX";
	run_dir_new(dir);
	ok(CREATE, VOL, NULL); /* the node's slot is claimed */
	struct sdg *g = open_w(); /* the long command, holding the node's flock */
	struct sd_geometry geo = *sdg_geometry(g);
	struct sd_host_slot_info slot[1];
	struct sd_io *io = open_io(lun);
	CU_ASSERT_EQUAL_FATAL(sd_host_slots_read(io, &geo, slot, 1), 1);
	uint64_t before = slot[0].counter;
	struct sdg_heart *hb;
	struct sd_err err = {0};
	CU_ASSERT_EQUAL_FATAL(sdg_heart_start(lun, geo.uuid, &hb, &err), 0);
	test_hb = hb;
	bool beating = false;
	for (int i = 0; i < 150 && !beating; i++, usleep(20000))
		beating = sd_host_slots_read(io, &geo, slot, 1) == 1 && slot[0].counter > before;
	CU_ASSERT(beating);
	char msg[sizeof(err.msg)] = "";
	uint64_t when = 0;
	CU_ASSERT_EQUAL(sdg_heart_failures(hb, msg, sizeof(msg), &when), 0);
	close_g(g);
	stop_threads();
	sd_io_close(io);
	run_dir_done(dir, geo.uuid);
}

/* A new group is not written over one whose pools are live: even --force
 * refuses (SD_E_OWNED, naming the node) until they are deactivated. */
static void test_init_over_live_pools(void)
{
	fresh();
	ok(CREATE, "vm-100-disk-0", NULL);
	ok(ACTIVATE, "vm-100-disk-0", NULL);
	struct sdg *g = open_w();
	struct sd_geometry before = *sdg_geometry(g);
	close_g(g);
	struct sdg_init_opts o = { .name = "g", .extent_size = 4 * MIB, .metadata_size = MIB,
				   .force = true };
	struct sd_err err = {0};
	struct sd_geometry now;
	CU_ASSERT_EQUAL(sdg_init(lun, &o, &now, &err), -SD_E_OWNED);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "VM 100's on node"));
	CU_ASSERT(err.node[0] != '\0');
	g = open_w();
	CU_ASSERT_EQUAL(memcmp(sdg_geometry(g)->uuid, before.uuid, sizeof(before.uuid)), 0);
	close_g(g);
	ok(DEACTIVATE, "vm-100-disk-0", NULL);
	CU_ASSERT_EQUAL(sdg_init(lun, &o, &now, &err), 0);
	CU_ASSERT_NOT_EQUAL(memcmp(now.uuid, before.uuid, sizeof(before.uuid)), 0);
}

/* init --force reads the old group's records under its cluster lock and
 * holds it to the format: a pool activated while init waits for the lock
 * is seen, and the group is kept. */
static void test_init_guard_under_lock(void)
{
	fresh();
	ok(CREATE, "vm-100-disk-0", NULL);
	ok(DEACTIVATE, "vm-100-disk-0", NULL);
	struct sdg *g = open_w();
	struct sd_geometry before = *sdg_geometry(g);
	pid_t child = fork_alone();
	if (child == 0) {
		struct sdg_init_opts o = { .name = "g", .extent_size = 4 * MIB,
					   .metadata_size = MIB, .force = true };
		_exit(sdg_init(lun, &o, NULL, NULL) == -SD_E_OWNED ? 7 : 1);
	}
	sd_sleep_ms(300);
	int status = 0;
	CU_ASSERT_EQUAL(waitpid(child, &status, WNOHANG), 0); /* waits for the lock */
	g->state.pools.v[0].owner_host = g->cluster.id; /* an activation's record */
	CU_ASSERT_EQUAL(sdg_commit(g, NULL), 0);
	close_g(g);
	status = wait_child(child, 120);
	CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 7);
	g = open_w();
	CU_ASSERT_EQUAL(memcmp(sdg_geometry(g)->uuid, before.uuid, sizeof(before.uuid)), 0);
	close_g(g);
}

/* A group is gone only once its device holds another group: not while
 * the device still holds it, nor when the device cannot be read. */
static void test_group_gone(void)
{
	fresh();
	struct sd_err err = {0};
	struct sdg *g = open_w();
	struct sd_geometry old = *sdg_geometry(g);
	close_g(g);
	char now[37] = "";
	CU_ASSERT_EQUAL(sdg_group_gone(lun, old.uuid, now), 0);
	CU_ASSERT_EQUAL(sdg_group_gone("/nonexistent/lun", old.uuid, now), 0);
	struct sd_geometry fresh_geo;
	struct sdg_init_opts o = { .name = "g", .extent_size = 4 * MIB, .metadata_size = MIB,
				   .force = true };
	CU_ASSERT_EQUAL_FATAL(sdg_init(lun, &o, &fresh_geo, &err), 0);
	CU_ASSERT_EQUAL(sdg_group_gone(lun, old.uuid, now), 1);
	char id[37];
	sdg_uuid_format(fresh_geo.uuid, id);
	CU_ASSERT_STRING_EQUAL(now, id);
	CU_ASSERT_EQUAL(sdg_group_gone(lun, fresh_geo.uuid, now), 0);
}

/* The node's no_space_timeout: set through the kernel's table (which
 * loads dm_thin_pool first), read back as it is. */
static void test_no_space_timeout(void)
{
	fake_dm_reset();
	unsigned now = 0;
	struct sd_err err;
	CU_ASSERT_EQUAL(sdg_no_space_timeout(-1, &now, &err), 0);
	CU_ASSERT_EQUAL(now, 60);
	CU_ASSERT_EQUAL(sdg_no_space_timeout(15, &now, &err), 0);
	CU_ASSERT_EQUAL(now, 15);
	CU_ASSERT_EQUAL(sdg_no_space_timeout(-1, &now, &err), 0);
	CU_ASSERT_EQUAL(now, 15);
}

void add_core_tests(void)
{
	CU_pSuite s = CU_add_suite("core", setup, teardown);
	CU_add_test(s, "first activation: order of kernel steps", test_activation_order);
	CU_add_test(s, "the reserve: kept from new disks, there for growth", test_reserve);
	CU_add_test(s, "no_space_timeout set and read", test_no_space_timeout);
	CU_add_test(s, "the node's lock: the group's file, not the device node", test_node_lock_file);
	CU_add_test(s, "a pool marked needs_check takes no change", test_needs_check_refused);
	CU_add_test(s, "a template and its linked clones on two nodes", test_linked_clones);
	CU_add_test(s, "a clone after a killed clone's leftovers", test_clone_after_kill);
	CU_add_test(s, "a linked clone handed over, its device not held", test_clone_handover);
	CU_add_test(s, "a deleted snapshot's blocks discarded first", test_discard_before_delete);
	CU_add_test(s, "pending changes replayed in transaction order", test_replay_order);
	CU_add_test(s, "snapshot of an active origin suspends it", test_snapshot_suspends_origin);
	CU_add_test(s, "a create a crash left in the kernel is made again", test_replay_remakes_existing);
	CU_add_test(s, "udev never naming an activation's devices undoes it",
		    test_activation_udev_timeout);
	CU_add_test(s, "activation undone at every failing step", test_activation_undo);
	CU_add_test(s, "ownership between two nodes", test_ownership);
	CU_add_test(s, "live-migration handover, source to target", test_handover);
	CU_add_test(s, "handover aborted by the target's deactivation", test_handover_abort);
	CU_add_test(s, "handover finished after the source's deactivation", test_handover_after_deactivation);
	CU_add_test(s, "placeholder undone when it cannot be made", test_handover_prepare_undo);
	CU_add_test(s, "waiting for the source's release", test_handover_await);
	CU_add_test(s, "auto-activation after an unclean reboot", test_autoactivate);
	CU_add_test(s, "auto-activation whose commit fails", test_autoactivate_commit_fails);
	CU_add_test(s, "auto-activation lists the node's devices once", test_autoactivate_lists_once);
	CU_add_test(s, "auto-activation keeps the node's slot beating", test_autoactivate_keeps_beating);
	CU_add_test(s, "a monitor started beside a long command beats at once",
		    test_heart_beside_long_command);
	CU_add_test(s, "an activation asks once whether its pool is live",
		    test_activation_asks_once_for_its_pool);
	CU_add_test(s, "a pool made by an activation lists no thin devices",
		    test_fresh_pool_lists_no_thins);
	CU_add_test(s, "the monitor grows thin pools by the floor, full ones by 20%",
		    test_monitor_growth);
	CU_add_test(s, "the monitor grows metadata at 60%, before it fills", test_monitor_metadata);
	CU_add_test(s, "the pools live on this node, from one list", test_pools_here);
	CU_add_test(s, "a node whose beats stop landing suspends its disks", test_self_fence);
	CU_add_test(s, "a pool the node let go of while fenced is left alone after",
		    test_unfence_after_own_release);
	CU_add_test(s, "an unfence that keeps failing says why once",
		    test_unfence_failing_said_once);
	CU_add_test(s, "an unfence does not wait for a command of the node",
		    test_unfence_waits_for_no_command);
	CU_add_test(s, "a heartbeat writes nothing into a group formatted anew",
		    test_heart_after_init_again);
	CU_add_test(s, "a group is gone once its device holds another", test_group_gone);
	CU_add_test(s, "init --force refuses a group with live pools", test_init_over_live_pools);
	CU_add_test(s, "init --force guards under the cluster lock", test_init_guard_under_lock);
	CU_add_test(s, "a reader follows the group across commits", test_reader_follows_commits);
}
