/* The node monitor's pool work: thin pools live on this node are extended
 * from the group's free space before they fill (snapshots' copy-on-write
 * and first writes need new chunks; a pool sized to its volumes has none
 * left once they are written).  Polled, as dmeventd polls thin pools: one
 * status ioctl per live pool per pass. */
#include "core/monitor.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "core/group_impl.h"
#include "core/handover.h"
#include "core/owner.h"
#include "core/pool.h"
#include "core/space.h"
#include "core/volume.h"
#include "metadata/ops.h"

/* What a live pool needs: its data grown (past the threshold, or out of
 * space), its metadata grown (past the metadata threshold: a full
 * metadata device needs an offline repair, so it grows well before). */
static bool data_needs(const struct sdg_monitor_cfg *cfg, const struct sdg_pool_live *l)
{
	return l->out_of_data_space || l->data_used * 100 >= l->data_total * cfg->threshold_pct;
}
static bool meta_needs(const struct sdg_monitor_cfg *cfg, const struct sdg_pool_live *l)
{
	return l->meta_total && l->meta_used * 100 >= l->meta_total * cfg->meta_threshold_pct;
}

/* Live pools of g that have crossed a threshold, as VM ids. */
static size_t pools_to_extend(const struct sdg *g, const struct sdg_monitor_cfg *cfg,
			      uint32_t *vmids, size_t max)
{
	size_t n = 0;
	bool *here = sdg_pools_here(g);
	for (size_t i = 0; i < g->state.pools.n && n < max; i++) {
		const struct sd_pool *p = &g->state.pools.v[i];
		struct sdg_pool_live l;
		if (p->flags & SD_POOL_TEMPLATE) /* read-only: nothing writes it */
			continue;
		if ((here && !here[i]) || sdg_pool_live(g, p, &l) || !l.active || !l.data_total)
			continue;
		if (data_needs(cfg, &l) || meta_needs(cfg, &l))
			vmids[n++] = p->vmid;
	}
	free(here);
	return n;
}

/* Grow one live pool's data (meta false) or metadata; reported.  0 or -1. */
static int grow_pool(struct sdg *g, struct sd_pool *p, const struct sdg_pool_live *l, bool meta,
		     const struct sdg_monitor_cfg *cfg, sdg_monitor_report report, void *ctx)
{
	uint64_t unit = meta ? 4096 : (uint64_t)p->chunk_sectors * 512;
	uint64_t total = (meta ? l->meta_total : l->data_total) * unit;
	uint64_t step = total * cfg->extend_pct / 100;
	if (!meta && p->flags & SD_POOL_THIN && step < cfg->grow_min)
		step = cfg->grow_min; /* a small thin pool under a write flood */
	if (!step)
		step = 1; /* rounded up to an extent */
	struct sdg_monitor_event ev = { .vmid = p->vmid, .metadata = meta,
					.used = (meta ? l->meta_used : l->data_used) * unit,
					.total = total, .step = step };
	struct sd_err e = {0};
	int rc = meta ? sdg_pool_extend_metadata(g, p->vmid, step, &e)
		      : sdg_pool_extend(g, p->vmid, step, &e);
	struct sdg_pool_live after;
	if (rc) {
		ev.failed = 1;
		snprintf(ev.why, sizeof(ev.why), "%s", e.msg);
	} else if (sdg_pool_live(g, sd_find_pool_vmid(&g->state, ev.vmid), &after) == 0) {
		ev.total_after = (meta ? after.meta_total : after.data_total) * unit;
	}
	report(&ev, ctx);
	return rc ? -1 : 0;
}

int sdg_monitor_pass(const char *group, struct sdg_reader *reader,
		     const struct sdg_monitor_cfg *cfg, sdg_monitor_report report, void *ctx,
		     struct sdg_space *space, struct sd_err *err)
{
	struct sdg *g;
	if (sdg_open_read(group, reader, &g, err))
		return -1;
	uint32_t vmids[256];
	size_t n = pools_to_extend(g, cfg, vmids, 256);
	if (space)
		sdg_space(g, space);
	sdg_close(g, NULL);
	if (!n)
		return 0;
	/* reopen locked: the metadata may have moved on since the read */
	if (sdg_open(group, SDG_WRITE, &g, err))
		return -1;
	int failed = 0, grown = 0;
	for (size_t i = 0; i < n; i++) {
		for (int meta = 1; meta >= 0; meta--) { /* metadata first: it must never fill */
			struct sd_pool *p = sd_find_pool_vmid(&g->state, vmids[i]);
			struct sdg_pool_live l;
			if (!p || sdg_pool_live(g, p, &l) || !l.active)
				break;
			if (!(meta ? meta_needs(cfg, &l) : data_needs(cfg, &l)))
				continue;
			if (grow_pool(g, p, &l, meta, cfg, report, ctx))
				failed++;
			else
				grown++;
		}
	}
	if (space)
		sdg_space(g, space);
	if (sdg_close(g, err))
		return -1;
	return failed ? sd_fail(err, ENOSPC, "%d pool(s) could not be extended", failed) : grown;
}

/* Pools this node owns with a target waiting for them, as VM ids and the
 * target's node name. */
static size_t pending_handovers(const struct sdg *g, uint32_t *vmids,
				char (*targets)[SD_NAME_LEN], size_t max)
{
	uint32_t me = sdg_my_host_id(g);
	size_t n = 0;
	for (size_t i = 0; me && i < g->state.pools.n && n < max; i++) {
		const struct sd_pool *p = &g->state.pools.v[i];
		if (p->owner_host != me || !p->handover_to || p->handover_to == me)
			continue;
		vmids[n] = p->vmid;
		sdg_owner_name(g, p->handover_to, targets[n++]);
	}
	return n;
}

/* Released handovers this monitor has seen unfinished, and since when: it
 * finishes one only once its watcher has had FINISH_GRACE_MS to do so. */
#define FINISH_GRACE_MS 2000
struct seen_vol {
	char vol[SD_NAME_LEN];
	uint64_t since;
};
static struct seen_vol seen[64];
static size_t nseen;

/* Whether vol has waited out the grace; notes it in next[] for the next pass. */
static bool overdue(const char *vol, uint64_t now, size_t *nnext, struct seen_vol *next)
{
	uint64_t since = now;
	for (size_t i = 0; i < nseen; i++)
		if (!strcmp(seen[i].vol, vol))
			since = seen[i].since;
	if (*nnext < 64) {
		snprintf(next[*nnext].vol, SD_NAME_LEN, "%s", vol);
		next[(*nnext)++].since = since;
	}
	return now - since >= FINISH_GRACE_MS;
}

/* Volumes with a placeholder here whose pool was handed to this node and
 * whose watcher has not finished them within the grace (it may have died);
 * *waiting counts those whose source has not released yet. */
static size_t handed_here(const struct sdg *g, char (*vols)[SD_NAME_LEN], size_t max,
			  size_t *waiting)
{
	struct seen_vol next[64];
	size_t nnext = 0;
	uint64_t now = sd_monotonic_ms();
	uint32_t me = sdg_my_host_id(g);
	size_t n = 0;
	*waiting = 0;
	for (size_t i = 0; me && i < g->state.volumes.n; i++) {
		const char *vol = g->state.volumes.v[i].name;
		const struct sd_pool *p = sd_find_pool((struct sd_state *)&g->state,
						       g->state.volumes.v[i].pool_id);
		/* from the metadata first: a handover to us pending, or the pool
		 * handed to us and not loaded yet; only then ask the kernel */
		bool candidate = p && (p->handover_to == me ||
				       (p->owner_host == me && !sdg_pool_active(g, p)));
		if (!candidate || !sdg_handover_placeholder(g, vol))
			continue;
		enum sdg_handover owned = sdg_handover_state(p, me);
		if (owned == SDG_HANDOVER_OURS && overdue(vol, now, &nnext, next) && n < max)
			snprintf(vols[n++], SD_NAME_LEN, "%s", vol);
		*waiting += owned != SDG_HANDOVER_NONE;
	}
	memcpy(seen, next, sizeof(seen));
	nseen = nnext;
	return n;
}

int sdg_monitor_handovers(const char *group, struct sdg_reader *reader,
			  sdg_commit_point passed, void *ctx, sdg_handover_report report,
			  struct sd_err *err)
{
	struct sdg *g;
	if (sdg_open_read(group, reader, &g, err))
		return -1;
	uint32_t vmids[64];
	char targets[64][SD_NAME_LEN], vols[64][SD_NAME_LEN];
	size_t waiting, n = pending_handovers(g, vmids, targets, 64);
	size_t finish = handed_here(g, vols, 64, &waiting);
	sdg_close(g, NULL);
	size_t due = 0;
	for (size_t i = 0; i < n; i++)
		if (passed(ctx, vmids[i], targets[i]))
			vmids[due++] = vmids[i];
	if (!due && !finish)
		return (int)(n + waiting);
	if (sdg_open(group, SDG_WRITE, &g, err))
		return -1;
	for (size_t i = 0; i < due; i++) {
		struct sd_pool *p = sd_find_pool_vmid(&g->state, vmids[i]);
		struct sd_err e = {0};
		if (!p || p->owner_host != g->cluster.id || !p->handover_to)
			continue; /* deactivated or aborted meanwhile */
		int rc = sdg_handover_release_pool(g, p, &e);
		report(ctx, vmids[i], NULL, rc ? e.msg : NULL);
	}
	for (size_t i = 0; i < finish; i++) {
		struct sd_err e = {0};
		if (!sdg_handover_placeholder(g, vols[i]))
			continue; /* its watcher finished it meanwhile */
		int rc = sdg_handover_finish(g, vols[i], false, 0, &e);
		report(ctx, sdg_vmid_of(vols[i]), vols[i], rc ? e.msg : NULL);
	}
	if (sdg_close(g, err))
		return -1;
	return (int)(n - due + waiting);
}

bool sdg_pacer_due(struct sdg_pacer *p, bool event, uint64_t now_ms)
{
	p->held = p->held || event;
	return p->held && now_ms - p->last_pass_ms >= SDG_EVENT_PASS_GAP_MS;
}

void sdg_pacer_passed(struct sdg_pacer *p, uint64_t now_ms)
{
	p->held = false;
	p->last_pass_ms = now_ms;
}
