#include "core/self_fence.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/repeat.h"
#include "core/dm_names.h"
#include "core/dm_ops.h"
#include "core/group_impl.h"
#include "core/node_lock.h"
#include "core/owner.h"
#include "core/pool.h"
#include "metadata/hostlock.h"

_Static_assert(SDG_FENCE_AFTER_MS < SDG_TAKEOVER_MIN_S * 1000u,
	       "a node must stop writing before another may take its pools");

struct sdg_fence {
	pthread_t thread;
	pthread_mutex_t work; /* held by the monitor's dm work and by (un)fencing */
	atomic_bool stop;
	bool fenced;          /* under work */
	struct sdg_heart *hb;
	uint8_t uuid[16];
	int note_fd;
	sdg_fence_report report;
	void *ctx;
	char **thins, **pools; /* what the fence suspended */
	size_t nthins, npools;
	struct sd_repeat unfence_failed; /* why the last unfences failed, said */
	struct sd_repeat unfence_busy;   /* that a command of the node held the group */
};

/* An unfence that fails is tried again every 100 ms while beats land:
 * the same reason goes to the journal at most this often. */
#define UNFENCE_FAILURE_REPEAT_MS 10000u

static void say(struct sdg_fence *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct sdg_fence *f, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	f->report(f->ctx, line);
}

/* Every device of the group here whose uuid starts with the group's thin
 * or pool prefix, suspended (flushing what is in flight) when suspend is
 * set. */
static size_t group_devices(struct sdg_fence *f, bool pools, bool suspend, char ***names)
{
	char prefix[SDG_DM_NAME];
	struct sd_err err = {0};
	size_t n = 0;
	sdg_dm_group_prefix(f->uuid, pools, prefix);
	if (sdg_dm->list_uuid_prefix(prefix, names, &n, &err)) {
		say(f, "cannot list this node's devices of the group: %s", err.msg);
		return 0;
	}
	for (size_t i = 0; i < n && suspend; i++)
		if (sdg_dm->suspend((*names)[i], true, &err))
			say(f, "cannot suspend %s: %s", (*names)[i], err.msg);
	return n;
}

static void fence(struct sdg_fence *f, uint64_t age_ms)
{
	int rc = sdg_node_fence_mark(f->uuid, true);
	if (rc)
		say(f, "cannot mark this node fenced: %s", strerror(-rc));
	/* the guests' writes first, at once: the pools' own work waits for
	 * the monitor's to finish (it might resume a pool it was growing) */
	f->nthins = group_devices(f, false, true, &f->thins);
	say(f, "no heartbeat of this node reached the LUN for %llu ms: its %zu disks of the "
	    "group here are suspended, then their pools, until one does (another node may "
	    "take their pools over meanwhile)", (unsigned long long)age_ms, f->nthins);
	pthread_mutex_lock(&f->work);
	f->npools = group_devices(f, true, true, &f->pools);
	f->fenced = true;
	pthread_mutex_unlock(&f->work);
}

static bool fenced_name(char **names, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(names[i], name))
			return true;
	return false;
}

/* Point the device at the error target (its size kept) and resume it. */
static int to_error(const char *name, unsigned dm_flags, struct sd_err *err)
{
	uint64_t sectors;
	struct sdm_target t;
	int rc = sdg_dm->size(name, &sectors, err);
	if (rc == 0) {
		sdm_table_error(&t, sectors);
		rc = sdg_dm->reload(name, &t, 1, err);
	}
	return rc ? rc : sdg_dm->resume(name, dm_flags, err);
}

/* The fenced thin devices of pool p back to work, or, when the pool is
 * another node's now, to the error target: its guest here must not
 * write through a pool that node has loaded. */
static void thins_back(struct sdg_fence *f, struct sdg *g, const struct sd_pool *p, bool ours)
{
	char prefix[SDG_DM_NAME], **names;
	size_t n;
	struct sd_err err = {0};
	sdg_dm_thin_prefix(g, p, prefix);
	if (sdg_dm->list_uuid_prefix(prefix, &names, &n, &err))
		return;
	for (size_t i = 0; i < n; i++) {
		if (!fenced_name(f->thins, f->nthins, names[i]))
			continue;
		int rc = ours ? sdg_dm->resume(names[i], SDM_GUEST, &err)
			      : to_error(names[i], SDM_GUEST, &err);
		if (rc)
			say(f, "cannot resume %s: %s", names[i], err.msg);
	}
	sdm_free_names(names, n);
}

/* A pool another node took over while this node was fenced: nothing of
 * this node's copy of it may reach the LUN again, yet it must resume to be
 * removed (a thin-pool closing its metadata commits what it holds).  Its
 * metadata and data layers go to the error target first; then the pool
 * resumes, and whatever it writes fails. */
static void pool_cut_off(struct sdg_fence *f, struct sdg *g, const struct sd_pool *p)
{
	static const enum sdg_dm_role below[] = { SDG_DM_TMETA, SDG_DM_TDATA };
	struct sd_err err = {0};
	struct sdg_dm_id id;
	for (size_t i = 0; i < 2; i++) {
		sdg_dm_pool(g, p, below[i], &id);
		if (to_error(id.name, SDM_PRIVATE, &err)) {
			say(f, "cannot cut %s off the LUN: %s; the pool of VM %u stays suspended",
			    id.name, err.msg, p->vmid);
			return;
		}
	}
	sdg_dm_pool(g, p, SDG_DM_POOL, &id);
	if (sdg_dm->resume(id.name, SDM_PRIVATE, &err))
		say(f, "cannot resume %s: %s", id.name, err.msg);
}

/* Say why an unfence failed: at once for a new reason, then no more than
 * every UNFENCE_FAILURE_REPEAT_MS, with how many tries the line stands for.
 * The group held by another process of the node is counted apart: the
 * node's own heartbeat holds it for a moment every second, and that must
 * not make a failure that stays the same a new reason each time. */
static void say_unfence_failed(struct sdg_fence *f, const struct sd_err *err)
{
	unsigned tries;
	const char *why = err->msg;
	struct sd_repeat *r = err->code == EWOULDBLOCK ? &f->unfence_busy : &f->unfence_failed;
	if (!sd_repeat_due(r, why, sd_monotonic_ms(), UNFENCE_FAILURE_REPEAT_MS, &tries))
		return;
	char since[64] = "";
	if (tries > 1)
		snprintf(since, sizeof(since), " (%u tries since this was last said)", tries);
	say(f, "cannot open the group to resume this node's disks: %s%s", why, since);
}

/* Resume what the fence suspended, pool by pool, under the cluster lock
 * (no forced takeover is half done meanwhile): 0 once done.  It does not
 * wait for a command of this node that holds the group (one stuck on the
 * LUN's I/O can hold it for long): the watch tries again in 100 ms, and
 * stays stoppable meanwhile. */
static int unfence(struct sdg_fence *f)
{
	char dev[PATH_MAX];
	struct sdg *g;
	struct sd_err err = {0};
	sdg_heart_get_device(f->hb, dev);
	if (sdg_open(dev, SDG_WRITE | SDG_FENCED_OK | SDG_NOWAIT, &g, &err)) {
		say_unfence_failed(f, &err);
		return -1;
	}
	uint32_t me = sdg_my_host_id(g);
	for (size_t i = 0; i < g->state.pools.n; i++) {
		const struct sd_pool *p = &g->state.pools.v[i];
		struct sdg_dm_id id;
		sdg_dm_pool(g, p, SDG_DM_POOL, &id);
		/* gone since: this node's own command took it down (a node's
		 * start whose activation failed undoes it): nothing to resume */
		if (!fenced_name(f->pools, f->npools, id.name) || !sdg_pool_active(g, p))
			continue;
		bool ours = p->owner_host == me || (p->flags & SD_POOL_TEMPLATE);
		if (ours && sdg_dm->resume(id.name, SDM_PRIVATE, &err))
			say(f, "cannot resume %s: %s", id.name, err.msg);
		if (!ours) {
			say(f, "the pool of VM %u was taken over by another node while this node "
			    "was fenced: its disks here now fail every I/O; stop VM %u here and "
			    "deactivate them", p->vmid, p->vmid);
			pool_cut_off(f, g, p);
		}
		thins_back(f, g, p, ours);
	}
	sdg_close(g, NULL);
	return 0;
}

static void forget(struct sdg_fence *f)
{
	sdm_free_names(f->thins, f->nthins);
	sdm_free_names(f->pools, f->npools);
	f->thins = f->pools = NULL;
	f->nthins = f->npools = 0;
	f->unfence_failed = f->unfence_busy = (struct sd_repeat){0};
}

static void *watch(void *arg)
{
	struct sdg_fence *f = arg;
	while (!f->stop) {
		sd_sleep_ms(100);
		uint64_t counter, sent;
		if (sd_host_note_read(f->note_fd, &counter, &sent) || !sent)
			continue; /* no beat yet: nothing to be late */
		uint64_t age = sd_monotonic_ms() - sent;
		if (!f->fenced && age > SDG_FENCE_AFTER_MS) {
			fence(f, age);
		} else if (f->fenced && age < SDG_FENCE_AFTER_MS / 2) {
			pthread_mutex_lock(&f->work);
			if (unfence(f) == 0) {
				f->fenced = false;
				sdg_node_fence_mark(f->uuid, false);
				say(f, "heartbeats reach the LUN in time again: this node's "
				    "disks of the group are resumed");
				forget(f);
			}
			pthread_mutex_unlock(&f->work);
		}
	}
	return NULL;
}

int sdg_fence_start(struct sdg_heart *hb, const uint8_t uuid[16], sdg_fence_report report,
		    void *ctx, struct sdg_fence **out, struct sd_err *err)
{
	struct sdg_fence *f = calloc(1, sizeof(*f));
	if (!f)
		return sd_fail(err, ENOMEM, "fence: out of memory");
	f->hb = hb;
	memcpy(f->uuid, uuid, 16);
	f->report = report;
	f->ctx = ctx;
	f->note_fd = sdg_node_lock_open(uuid);
	if (f->note_fd < 0) {
		int e = errno;
		free(f);
		return sd_fail(err, e, "cannot open this node's lock file of the group: %s",
			       strerror(e));
	}
	pthread_mutex_init(&f->work, NULL);
	if (sdg_node_fenced(uuid)) { /* a monitor before us stopped while fenced */
		f->nthins = group_devices(f, false, false, &f->thins);
		f->npools = group_devices(f, true, false, &f->pools);
		f->fenced = true;
	}
	int rc = pthread_create(&f->thread, NULL, watch, f);
	if (rc) {
		close(f->note_fd);
		free(f);
		return sd_fail(err, rc, "fence: cannot start its thread: %s", strerror(rc));
	}
	*out = f;
	return 0;
}

void sdg_fence_stop(struct sdg_fence *f)
{
	if (!f)
		return;
	f->stop = true;
	pthread_join(f->thread, NULL);
	pthread_mutex_destroy(&f->work);
	close(f->note_fd);
	forget(f);
	free(f);
}

bool sdg_fence_hold(struct sdg_fence *f)
{
	pthread_mutex_lock(&f->work);
	return !f->fenced;
}

void sdg_fence_release(struct sdg_fence *f)
{
	pthread_mutex_unlock(&f->work);
}
