/* stardm monitor GROUP [--interval S] [--once] [--pve-dir DIR]: the node
 * monitor (one per group per node; udev/stardm-monitor@.service).  A thread
 * renews the node's heartbeat in its host slot every second, another
 * suspends the node's disks of the group while no beat reaches the LUN
 * (core/self_fence.h); every pass it extends this node's live pools before
 * they fill, and releases pools whose live migration passed its commit
 * point.  stardm extend-pool: the extension by hand. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/repeat.h"
#include "cli.h"
#include "core/heartbeat.h"
#include "core/monitor.h"
#include "core/pool.h"
#include "core/pool_wait.h"
#include "core/scan.h"
#include "core/self_fence.h"
#include "core/space.h"
#include "core/volume.h"

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void report(const struct sdg_monitor_event *ev, void *ctx)
{
	(void)ctx;
	char u[32], t[32], s[32], a[32];
	const char *what = ev->metadata ? "metadata " : "";
	if (ev->failed)
		fprintf(stderr, "stardm: monitor: pool of vm %u (%s%s of %s used) cannot grow: %s\n",
			ev->vmid, what, cli_human(ev->used, u, sizeof(u)),
			cli_human(ev->total, t, sizeof(t)), ev->why);
	else
		printf("stardm monitor: pool of vm %u: %s%s of %s used; extended by %s to %s\n",
		       ev->vmid, what, cli_human(ev->used, u, sizeof(u)),
		       cli_human(ev->total, t, sizeof(t)), cli_human(ev->step, s, sizeof(s)),
		       cli_human(ev->total_after, a, sizeof(a)));
	fflush(stdout);
}

/* Proxmox's commit point of a live migration: the VM's config has moved to
 * the target node's directory in the cluster file system (qemu-server
 * moves it after the source's final flush and never resumes the source
 * after it). */
static bool pve_commit_point(void *ctx, uint32_t vmid, const char *target)
{
	const char *dir = ctx;
	char path[PATH_MAX];
	struct stat st;
	snprintf(path, sizeof(path), "%s/nodes/%s/qemu-server/%u.conf", dir, target, vmid);
	return stat(path, &st) == 0;
}

static void report_handover(void *ctx, uint32_t vmid, const char *vol, const char *why)
{
	(void)ctx;
	if (vol && why)
		fprintf(stderr, "stardm: monitor: %s: finishing its migration failed: %s\n", vol, why);
	else if (vol)
		printf("stardm monitor: %s: migration finished here (its watcher had not)\n", vol);
	else if (why)
		fprintf(stderr, "stardm: monitor: pool of vm %u: release at the commit point "
			"failed: %s\n", vmid, why);
	else
		printf("stardm monitor: pool of vm %u: migration committed; released to the "
		       "target\n", vmid);
	fflush(stdout);
}

/* One line each time the group's space changes level (core/space.h): the
 * warning comes when free space nears the reserve, not once it is gone. */
static void note_space(const struct sdg_space *sp)
{
	static enum sdg_space_level last = SDG_SPACE_OK;
	if (sp->level == last)
		return;
	char f[32], r[32];
	cli_human(sp->free, f, sizeof(f));
	cli_human(sp->reserve, r, sizeof(r));
	if (sp->level == SDG_SPACE_OK)
		printf("stardm monitor: free space %s, clear of the reserve (%s) again\n", f, r);
	else if (sp->level == SDG_SPACE_LOW)
		fprintf(stderr, "stardm: monitor: warning: free space low: %s free, then the "
			"reserve of %s\n", f, r);
	else if (sp->level == SDG_SPACE_RESERVE)
		fprintf(stderr, "stardm: monitor: warning: pools grew into the reserve: %s free "
			"of its %s; new disks are refused; add space (stardm grow) or free some\n",
			f, r);
	else
		fprintf(stderr, "stardm: monitor: warning: no free space left: pools that must "
			"grow will starve; add space (stardm grow) or free some\n");
	fflush(stdout);
	last = sp->level;
}

/* Pool growth; 1 (reported) if it failed: the next pass tries again.  A
 * pool that grew is looked at again at once: the kernel raises its low
 * water mark event only when the mark is crossed, not again on the resume
 * that grew it, and a writer may have filled the new space already. */
static int grow(const char *dev, struct sdg_reader *r, const struct sdg_monitor_cfg *cfg)
{
	for (int round = 0; round < 8; round++) {
		struct sd_err err = {0};
		struct sdg_space sp = {0};
		int grown = sdg_monitor_pass(dev, r, cfg, report, NULL, &sp, &err);
		if (sp.extents_total) /* the pass read the group */
			note_space(&sp);
		if (grown < 0)
			return cli_error(&err) != 0;
		if (grown == 0)
			break;
	}
	return 0;
}

/* --once: a heartbeat and pool growth, each failure reported; 1 if any
 * failed. */
static int beat_and_grow(const char *dev, const struct sdg_monitor_cfg *cfg)
{
	struct sd_err err = {0};
	int failed = sdg_heartbeat(dev, &err) ? cli_error(&err) : 0;
	return grow(dev, NULL, cfg) || failed;
}

/* The heartbeat thread's failures since the last look: the last one
 * reported, all counted in the lock file, where status shows them. */
static void beat_health(struct sdg_heart *hb, int lock)
{
	static struct cli_beat_health health;
	uint64_t n = sdg_heart_failures(hb, health.last_error, sizeof(health.last_error),
					&health.last_failure_ns);
	if (n == health.failures)
		return;
	health.failures = n;
	fprintf(stderr, "stardm: %s\n", health.last_error);
	cli_monitor_note_beat(lock, &health);
}

static void report_fence(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "stardm: monitor: %s\n", line);
}

/* Releases at the commit point; the number still pending, -1 (reported)
 * when the group could not be read. */
static int handovers(const char *dev, struct sdg_reader *r, const char *pve_dir)
{
	struct sd_err err = {0};
	int pending = sdg_monitor_handovers(dev, r, pve_commit_point, (void *)pve_dir,
					    report_handover, &err);
	if (pending < 0)
		cli_error(&err);
	return pending;
}

/* The device the group is on now: a multipath map assembled after the
 * monitor started on one of its paths takes over, and a heartbeat written
 * through one path would stop when that path fails.  A lookup that fails
 * (the group on two devices while multipath assembles) keeps the last
 * device; each change is reported once. */
static void follow_device(const char *id, char dev[PATH_MAX], struct sdg_heart *hb)
{
	static struct sd_repeat said; /* a failure is said once, until it changes */
	char now[PATH_MAX];
	struct sd_err err = {0};
	unsigned tries;
	if (sdg_locate(id, now, &err)) {
		if (sd_repeat_due(&said, err.msg, 0, UINT64_MAX, &tries))
			cli_error(&err);
		return;
	}
	said = (struct sd_repeat){0};
	if (!strcmp(now, dev))
		return;
	printf("stardm monitor: group %s is now on %s (was %s)\n", id, now, dev);
	fflush(stdout);
	snprintf(dev, PATH_MAX, "%s", now);
	sdg_heart_device(hb, dev);
}

struct watch {
	const char *id;    /* the group's uuid, followed when follow is set */
	const uint8_t *uuid;
	bool follow;
	const struct sdg_monitor_cfg *cfg;
	const char *pve_dir;
	unsigned interval; /* seconds between passes */
	int lock;          /* the monitor's lock file (its health notes) */
	struct sdg_heart *hb;
	struct sdg_fence *fence;
	struct sdg_reader *reader; /* the passes' reads: a full one only after a commit */
};

/* The group was formatted away: a monitor left running would go on
 * acting on whatever group its device holds now, without its heartbeat;
 * it ends (and the new group's own monitor is started for it).  Asked
 * every pass, not only after a failed beat: a beat that read its slot
 * before the format and wrote it after leaves a valid slot of this node's
 * in the new group's host area, and every later beat then succeeds. */
static bool gone(const struct watch *w, const char *dev)
{
	char now[37];
	if (!sdg_group_gone(dev, w->uuid, now))
		return false;
	fprintf(stderr, "stardm: monitor: group %s is gone: %s holds group %s now; this "
		"monitor ends\n", w->id, dev, now);
	return true;
}

/* Wait up to 100 ms for a dm event; whether a pass is due for the events
 * now.  While one is held for the gap its poll stays readable (until the
 * pass arms it again), so it is not polled meanwhile. */
static bool event_due(int *events, struct sdg_pacer *pacer)
{
	bool event = false;
	if (pacer->held)
		sd_sleep_ms(100);
	else
		event = sdg_events_wait(events, 100);
	return sdg_pacer_due(pacer, event, sd_monotonic_ms());
}

/* The passes until a signal or the group is gone: pool growth (also on a
 * dm event) and handovers (every 0.2 s while one is pending), none while
 * fenced. */
static void watch(const struct watch *w, char dev[PATH_MAX])
{
	int events = sdg_events_open();
	while (!stop) {
		sdg_events_arm(&events); /* before the look: no event is missed */
		struct sdg_pacer pacer;
		if (w->follow)
			follow_device(w->id, dev, w->hb);
		if (gone(w, dev))
			break;
		beat_health(w->hb, w->lock);
		int pending = 0;
		sdg_pacer_passed(&pacer, sd_monotonic_ms()); /* a full pass, for any event before it */
		if (sdg_fence_hold(w->fence)) {
			grow(dev, w->reader, w->cfg);
			pending = handovers(dev, w->reader, w->pve_dir);
		}
		sdg_fence_release(w->fence);
		for (unsigned i = 0; i < w->interval * 10 && !stop; i++) {
			bool event = event_due(&events, &pacer);
			bool handover_due = pending > 0 && i % 2;
			if (!event && !handover_due)
				continue;
			if (sdg_fence_hold(w->fence)) {
				if (event) { /* a pool crossed its low water mark (or any dm event) */
					sdg_events_arm(&events);
					sdg_pacer_passed(&pacer, sd_monotonic_ms());
					grow(dev, w->reader, w->cfg);
				}
				if (handover_due) /* a guest may be waiting */
					pending = handovers(dev, w->reader, w->pve_dir);
			}
			sdg_fence_release(w->fence);
		}
	}
	if (events >= 0)
		close(events);
}

int cmd_monitor(int argc, char **argv)
{
	struct cli_opts o;
	int rc = cli_parse_opts("monitor", argc, argv,
				OPT_INTERVAL | OPT_ONCE | OPT_PVE_DIR | OPT_GROW | OPT_NO_SPACE_TIMEOUT,
				1, 1, &o);
	if (rc)
		return rc;
	/* LVM's thin autoextend defaults: at 80% used, grow by 20%; thin pools
	 * by at least 256 MiB */
	struct sdg_monitor_cfg cfg = { 80, o.grow_pct ? o.grow_pct : 20,
				       o.grow_min ? o.grow_min : SDG_THIN_START, 60 };
	struct sd_err err = {0};
	struct sdg *g;
	if (sdg_open(o.pos[0], 0, &g, &err))
		return cli_error(&err);
	char dev[PATH_MAX], id[37];
	uint8_t uuid[16];
	snprintf(dev, sizeof(dev), "%s", sdg_device(g));
	memcpy(uuid, sdg_geometry(g)->uuid, sizeof(uuid));
	sdg_uuid_format(uuid, id);
	/* a group named (not a device path) is followed by its uuid */
	bool follow = strcmp(dev, o.pos[0]) != 0;
	int lock = o.once ? -1 : cli_monitor_lock(g, &err);
	sdg_close(g, NULL);
	if (!o.once && lock < 0)
		return cli_error(&err);
	unsigned queue_s;
	if (o.no_space_timeout >= 0 && sdg_no_space_timeout(o.no_space_timeout, &queue_s, &err))
		return cli_error(&err);
	if (o.no_space_timeout >= 0 && !o.once) {
		printf("stardm monitor: pools out of space on this node queue writes for %u s, "
		       "then fail them (no_space_timeout)\n", queue_s);
		fflush(stdout);
	}
	const char *pve_dir = o.pve_dir ? o.pve_dir : "/etc/pve";
	if (o.once) {
		int failed = beat_and_grow(dev, &cfg);
		return handovers(dev, NULL, pve_dir) < 0 || failed ? EXIT_FAIL : EXIT_OK;
	}
	/* SA_RESTART: a signal must not fail the I/O the pass is doing */
	struct sigaction sa = { .sa_handler = on_term, .sa_flags = SA_RESTART };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	unsigned interval = o.interval ? o.interval : 2;
	printf("stardm monitor: watching group %s on %s every %u s\n", o.pos[0], dev, interval);
	fflush(stdout);
	struct sdg_heart *hb;
	struct sdg_fence *fence;
	if (sdg_heart_start(dev, uuid, &hb, &err))
		return cli_error(&err);
	if (sdg_fence_start(hb, uuid, report_fence, NULL, &fence, &err)) {
		sdg_heart_stop(hb);
		return cli_error(&err);
	}
	struct watch w = { id, uuid, follow, &cfg, pve_dir, interval, lock, hb, fence,
			   sdg_reader_new() };
	watch(&w, dev);
	sdg_reader_free(w.reader);
	sdg_fence_stop(fence);
	sdg_heart_stop(hb);
	return EXIT_OK;
}

static int op_extend(struct sdg *g, const struct cli_opts *o, struct sd_err *err)
{
	return sdg_pool_extend(g, (uint32_t)o->vmid, o->size, err);
}

int cmd_extend_pool(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--vmid"))
			return cli_on_group("extend-pool", argc, argv, OPT_VMID | OPT_SIZE, 1,
					    SDG_WRITE, op_extend);
	return cli_usage("extend-pool", "extend-pool: --vmid N is required");
}
