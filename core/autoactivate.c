#include "core/autoactivate.h"

#include <stdio.h>

#include "core/dm_ops.h"
#include "core/group_impl.h"
#include "core/handover.h"
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

static int autoactivate(struct sdg *g, struct sdg_autoactivation *r, struct sd_err *err)
{
	*r = (struct sdg_autoactivation){ 0 };
	uint32_t me = g->cluster.id;
	int rc = 0;
	for (size_t i = 0; i < g->state.pools.n && rc >= 0; i++) {
		struct sd_pool *p = &g->state.pools.v[i];
		uint32_t id = p->id;
		if (stale_handover(g, p, me)) {
			p->handover_to = 0;
			r->withdrawn++;
			if ((rc = sdg_commit(g, err)))
				break;
		}
		p = &g->state.pools.v[i];
		if (sd_pool_reader(p, me) && !sdg_pool_active(g, p)) { /* a template it had loaded */
			sd_pool_set_reader(p, me, false);
			r->released++;
			if ((rc = sdg_commit(g, err)))
				break;
			p = &g->state.pools.v[i];
		}
		if ((p->owner_host && p->owner_host != me) || sdg_pool_active(g, p))
			continue; /* another node's, or running here already */
		if (has_marked(g, id)) {
			int a = activate_marked(g, id, r, err);
			rc = a && !rc ? 1 : rc; /* go on with the other pools */
			continue;
		}
		if (p->owner_host == me) {
			p->owner_host = 0;
			p->owner_generation++;
			r->released++;
			rc = sdg_commit(g, err);
		}
	}
	return rc < 0 ? rc : rc ? -1 : 0;
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
