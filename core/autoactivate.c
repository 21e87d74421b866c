#include "core/autoactivate.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/dm_ops.h"
#include "core/group_impl.h"
#include "core/handover.h"
#include "core/owner.h"
#include "core/pool.h"
#include "core/volume.h"
#include "metadata/ops.h"
#include "metadata/template.h"

int sdg_volume_set_autoactivate(struct sdg *g, const char *vol, bool on, struct sd_err *err)
{
	struct sd_volume *v;
	struct sd_pool *p;
	int rc = sdg_volume_lookup(g, vol, &v, &p, err);
	if (rc)
		return rc;
	uint32_t flags = on ? v->flags | SD_VOL_AUTOACTIVATE : v->flags & ~(uint32_t)SD_VOL_AUTOACTIVATE;
	if (flags == v->flags)
		return 0;
	v->flags = flags;
	return sdg_commit(g, err);
}

/* The pool's volumes marked for auto-activation, activated here. */
static int activate_marked(struct sdg *g, uint32_t pool_id, struct sdg_autoactivation *r,
			   struct sd_err *err)
{
	int rc = 0;
	for (size_t i = 0; i < g->state.volumes.n; i++) {
		const struct sd_volume *v = &g->state.volumes.v[i];
		if (v->pool_id != pool_id || !(v->flags & SD_VOL_AUTOACTIVATE) ||
		    sdg_volume_active(g, v->name, NULL))
			continue;
		char name[SD_NAME_LEN], path[PATH_MAX];
		snprintf(name, sizeof(name), "%s", v->name);
		struct sd_err e;
		if (sdg_keep_alive(g, err)) /* a node's start is long: its slot beats */
			return -1;
		if (sdg_volume_activate(g, name, NULL, false, false, 10, path, &e) == 0) {
			r->activated++;
		} else {
			r->failed++;
			*err = e;
			rc = -1;
		}
	}
	return rc;
}

static bool has_marked(const struct sdg *g, uint32_t pool_id)
{
	for (size_t i = 0; i < g->state.volumes.n; i++)
		if (g->state.volumes.v[i].pool_id == pool_id &&
		    (g->state.volumes.v[i].flags & SD_VOL_AUTOACTIVATE))
			return true;
	return false;
}

/* A handover to this node whose placeholder is gone (a reboot took it). */
static bool stale_handover(const struct sdg *g, const struct sd_pool *p, uint32_t me)
{
	if (p->handover_to != me)
		return false;
	for (size_t i = 0; i < g->state.volumes.n; i++)
		if (g->state.volumes.v[i].pool_id == p->id &&
		    sdg_handover_placeholder(g, g->state.volumes.v[i].name))
			return false;
	return true;
}

/* The records of a node's start, changed in the state for one commit: a
 * handover to this node that a reboot broke is withdrawn, a template it no
 * longer reads dropped, its pools claimed for their marked volumes (their
 * ids in todo) or released.  A commit writes the whole group's records
 * twice (at 1000 VMs, tens of ms under emulation); one per pool wrote them
 * for every pool a node had held.  Whether anything changed. */
static bool settle_records(struct sdg *g, const bool *here, uint32_t *todo, size_t *n,
			   struct sdg_autoactivation *r)
{
	uint32_t me = g->cluster.id;
	bool changed = false;
	for (size_t i = 0; i < g->state.pools.n; i++) {
		struct sd_pool *p = &g->state.pools.v[i];
		bool live = here ? here[i] : sdg_pool_active(g, p);
		if (stale_handover(g, p, me)) {
			p->handover_to = 0;
			r->withdrawn++;
			changed = true;
		}
		if (sd_pool_reader(p, me) && !live) { /* a template it had loaded */
			sd_pool_set_reader(p, me, false);
			r->released++;
			changed = true;
		}
		if ((p->owner_host && p->owner_host != me) || live)
			continue; /* another node's, or running here already */
		if (has_marked(g, p->id)) {
			todo[(*n)++] = p->id;
			/* a template is loaded read-only wherever needed: nobody owns it */
			if (!(p->flags & SD_POOL_TEMPLATE) && p->owner_host != me) {
				sdg_pool_set_owner(p, me);
				changed = true;
			}
		} else if (p->owner_host == me) {
			sdg_pool_set_owner(p, 0);
			r->released++;
			changed = true;
		}
	}
	return changed;
}

static int autoactivate(struct sdg *g, struct sdg_autoactivation *r, struct sd_err *err)
{
	*r = (struct sdg_autoactivation){ 0 };
	uint32_t *todo = calloc(g->state.pools.n + 1, sizeof(*todo));
	if (!todo)
		return sd_fail(err, ENOMEM, "out of memory");
	size_t n = 0;
	/* the node's devices listed once, not a query per pool of the group */
	bool *here = sdg_pools_here(g);
	int rc = settle_records(g, here, todo, &n, r) ? sdg_commit(g, err) : 0;
	free(here);
	if (rc) /* nothing was released, withdrawn or claimed */
		*r = (struct sdg_autoactivation){ 0 };
	bool failed = false;
	for (size_t i = 0; i < n && !rc; i++) /* one pool's failure: go on with the others */
		failed |= activate_marked(g, todo[i], r, err) != 0;
	free(todo);
	return rc ? rc : failed ? -1 : 0;
}

/* A node booting with many VMs' pools: udev works on all their devices'
 * events side by side, and the run waits once, at its end. */
int sdg_autoactivate(struct sdg *g, struct sdg_autoactivation *r, struct sd_err *err)
{
	sdg_dm->udev_batch(true, NULL);
	int rc = autoactivate(g, r, err);
	int rr = sdg_dm->udev_batch(false, rc ? NULL : err);
	return rc ? rc : rr;
}
