#include "core/template.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/crash_point.h"
#include "core/dm_names.h"
#include "core/dm_ops.h"
#include "core/group_impl.h"
#include "core/owner.h"
#include "core/pool.h"
#include "metadata/ops.h"
#include "metadata/template.h"

/* A pool becoming a template, or ceasing to be one, may be live here only
 * as a leftover (a killed command's, or the last reader's): it goes down;
 * a live volume of it is the user's to stop. */
static int pool_idle_here(struct sdg *g, const struct sd_pool *p, const char *before,
			  struct sd_err *err)
{
	int rc = sdg_pool_active(g, p) ? sdg_pool_down(g, p, err) : 0;
	if (rc == 0 && sdg_pool_active(g, p))
		rc = sd_fail(err, EBUSY, "a disk of VM %u is active here; deactivate it before %s",
			     p->vmid, before);
	return rc;
}

int sdg_template_writable(struct sdg *g, struct sd_pool *p, struct sd_err *err)
{
	if (!p || !(p->flags & SD_POOL_TEMPLATE))
		return 0;
	char names[3][SD_NAME_LEN];
	size_t n = sd_clones_of(&g->state, p->id, 0, names, 3);
	if (n)
		return sd_fail(err, EBUSY, "the disks of VM %u are a template with %zu linked "
			       "clone%s (%s%s%s%s%s); remove the clones first", p->vmid, n,
			       n > 1 ? "s" : "", names[0], n > 1 ? ", " : "", n > 1 ? names[1] : "",
			       n > 2 ? ", " : "", n > 3 ? "..." : n > 2 ? names[2] : "");
	int rc = sdg_pool_read_elsewhere(g, p, err);
	if (rc || (rc = pool_idle_here(g, p, "changing the template", err)))
		return rc;
	/* nothing reads it: an ordinary pool again, from this change's commit on */
	p->flags &= ~(uint32_t)SD_POOL_TEMPLATE;
	memset(p->readers, 0, sizeof(p->readers));
	return 0;
}

/* The pool of a base becomes a template: nobody's, every message applied
 * (a read-only pool takes none), no snapshot (its blocks would be shared
 * with devices nobody may write). */
static int make_template(struct sdg *g, uint32_t pool_id, struct sd_err *err)
{
	struct sd_pool *p = sd_find_pool(&g->state, pool_id);
	if (p->flags & SD_POOL_TEMPLATE)
		return 0;
	int rc = sdg_pool_owned_elsewhere(g, p, err);
	if (rc || (rc = pool_idle_here(g, p, "cloning", err)))
		return rc;
	if (p->handover_to)
		return sd_fail(err, EBUSY, "VM %u is being migrated; clone it once it is done",
			       p->vmid);
	if (sd_pool_has_snapshots(&g->state, pool_id))
		return sd_fail(err, SD_E_INVAL, "VM %u's disks have snapshots; a template has none",
			       p->vmid);
	if (sd_pool_has_pending(&g->state, pool_id)) { /* the kernel's pool catches up first */
		uint32_t vmid = p->vmid;
		if ((rc = sdg_dm->check(err)) || (rc = sdg_pool_claim(g, vmid, false, 0, err)))
			return rc;
		p = sd_find_pool(&g->state, pool_id);
		rc = sdg_pool_up(g, p, err);
		if (rc == 0)
			rc = sdg_pool_down(g, p, err);
		if (rc == 0) /* let go at once: a clone refused later leaves it nobody's */
			rc = sdg_pool_release(g, vmid, err);
		if (rc)
			return rc;
		sdg_crash_point(); /* caught up and let go, not yet a template */
		p = sd_find_pool(&g->state, pool_id);
	}
	/* nobody's from the clone's commit on (a claim a killed clone left
	 * before its release is ours) */
	if (p->owner_host)
		sdg_pool_set_owner(p, 0);
	p->flags |= SD_POOL_TEMPLATE;
	return 0;
}

int sdg_volume_clone(struct sdg *g, const char *base, const char *name,
		     const struct sdg_create_opts *opts, struct sd_err *err)
{
	struct sd_volume *b;
	struct sd_pool *bp;
	int rc = sdg_volume_lookup(g, base, &b, &bp, err);
	if (rc)
		return rc;
	if (!(b->flags & SD_VOL_BASE))
		return sd_fail(err, SD_E_INVAL, "%s is not a template's volume (base-<vmid>-...): "
			       "only those have linked clones", base);
	if (b->origin_id) /* its reads would need its own base under it */
		return sd_fail(err, SD_E_INVAL, "%s is a linked clone itself; make a full clone of "
			       "it to clone from", base);
	if (sdg_vmid_of(name) == bp->vmid || strncmp(name, "vm-", 3))
		return sd_fail(err, SD_E_INVAL, "a linked clone of %s is a disk of another VM "
			       "(vm-<vmid>-...)", base);
	uint32_t base_id = b->id, pool_id = bp->id;
	uint64_t size = b->size;
	if ((rc = make_template(g, pool_id, err)))
		return rc;
	/* the clone's pool and volume as for any new disk, then the link; one commit */
	struct sdg_create_opts o = opts ? *opts : (struct sdg_create_opts){ .prov = SDG_PROV_ANY };
	o.origin_id = base_id;
	return sdg_volume_create(g, name, size, &o, err);
}

int sdg_template_up(struct sdg *g, struct sd_pool *p, struct sd_err *err)
{
	uint32_t me = g->cluster.id, pool_id = p->id;
	int rc = sdg_pool_up(g, p, err);
	p = sd_find_pool(&g->state, pool_id);
	if (rc == 0 && !sd_pool_reader(p, me)) {
		sd_pool_set_reader(p, me, true);
		rc = sdg_commit(g, err);
	}
	return rc;
}

int sdg_template_down(struct sdg *g, uint32_t pool_id, struct sd_err *err)
{
	struct sd_pool *p = sd_find_pool(&g->state, pool_id);
	int rc = p && sdg_pool_active(g, p) ? sdg_pool_down(g, p, err) : 0;
	if (rc || !p || sdg_pool_active(g, p) || !sd_pool_reader(p, g->cluster.id))
		return rc;
	sd_pool_set_reader(p, g->cluster.id, false);
	return sdg_commit(g, err);
}

int sdg_origin_up(struct sdg *g, uint32_t base_id, char path[PATH_MAX], struct sd_err *err)
{
	const struct sd_volume *b = sd_find_volume_id(&g->state, base_id);
	struct sd_pool *p = b ? sd_find_pool(&g->state, b->pool_id) : NULL;
	if (!p)
		return sd_fail(err, SD_E_CORRUPT, "a clone's base (volume id %u) is gone", base_id);
	struct sd_volume base = *b; /* records move on commit */
	int rc = sdg_template_up(g, p, err);
	if (rc)
		return rc;
	p = sd_find_pool(&g->state, base.pool_id);
	struct sdg_dm_id dev, pool;
	sdg_dm_origin(g, p, &base, &dev);
	snprintf(path, PATH_MAX, "%s", dev.path);
	struct sdm_info info;
	if (sdg_dm->info(dev.name, &info, NULL) == 0 && info.exists)
		return 0;
	struct sdm_target t;
	sdg_dm_pool(g, p, SDG_DM_POOL, &pool);
	sdm_table_thin(&t, base.size / 512, pool.path, base.thin_id);
	rc = sdg_dm->create(dev.name, dev.uuid, &t, 1, dev.dm_flags, err);
	if (rc)
		sdg_template_down(g, base.pool_id, NULL);
	return rc;
}

const char *sdg_clone_base(const struct sdg *g, const struct sd_volume *v)
{
	const struct sd_volume *b =
		v->origin_id ? sd_find_volume_id((struct sd_state *)&g->state, v->origin_id) : NULL;
	return b ? b->name : NULL;
}

/* Whether a clone of base_id, or a snapshot of one, is live here. */
static bool base_read_here(const struct sdg *g, uint32_t base_id)
{
	for (size_t i = 0; i < g->state.volumes.n; i++)
		if (g->state.volumes.v[i].origin_id == base_id &&
		    sdg_volume_any_active(g, &g->state.volumes.v[i]))
			return true;
	return false;
}

int sdg_origin_down(struct sdg *g, uint32_t base_id, struct sd_err *err)
{
	const struct sd_volume *b = sd_find_volume_id(&g->state, base_id);
	const struct sd_pool *p = b ? sd_find_pool(&g->state, b->pool_id) : NULL;
	if (!p || base_read_here(g, base_id))
		return 0;
	struct sdg_dm_id dev;
	struct sdm_info info;
	sdg_dm_origin(g, p, b, &dev);
	int rc = 0;
	if (sdg_dm->info(dev.name, &info, NULL) == 0 && info.exists)
		rc = sdg_dm->remove(dev.name, err);
	return rc ? rc : sdg_template_down(g, p->id, err);
}

int sdg_origins_down(struct sdg *g, uint32_t pool_id, struct sd_err *err)
{
	int rc = 0;
	for (size_t i = 0; i < g->state.volumes.n && !rc; i++) {
		const struct sd_volume *v = &g->state.volumes.v[i];
		uint32_t base_id = v->origin_id; /* records move on commit */
		if (v->pool_id == pool_id && base_id)
			rc = sdg_origin_down(g, base_id, err);
	}
	return rc;
}
