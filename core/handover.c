/* Live-migration handover of a VM's pool (docs/ha-migration.md section 4).
 * The target shows QEMU a placeholder at the volume's device name: reads
 * are served (zeros: QEMU's 4 KiB alignment probe), writes fail loudly.
 * Once QEMU runs, the target gates it (suspend: guest I/O queues).  At the
 * commit point the source fences its thin devices, removes the pool and
 * hands ownership to the target; the target then loads the pool fresh,
 * swaps the placeholder's table for the thin device and resumes. */
#include "core/handover.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/dm_names.h"
#include "core/dm_ops.h"
#include "core/dm_stack.h"
#include "core/group_impl.h"
#include "core/owner.h"
#include "core/pool.h"
#include "core/template.h"
#include "core/udev_props.h"
#include "core/volume.h"
#include "metadata/ops.h"

bool sdg_handover_placeholder(const struct sdg *g, const char *vol)
{
	struct sdg_dm_id z;
	struct sdm_info info;
	sdg_dm_placeholder(g, vol, &z);
	return sdg_dm->info(z.name, &info, NULL) == 0 && info.exists;
}

int sdg_handover_prepare(struct sdg *g, const char *vol, char path[PATH_MAX], struct sd_err *err)
{
	struct sd_volume *v = NULL;
	struct sd_pool *p = NULL;
	int rc = sdg_volume_lookup(g, vol, &v, &p, err);
	if (rc)
		return rc;
	uint32_t me = g->cluster.id;
	if (!p->owner_host || p->owner_host == me)
		return sd_fail(err, EINVAL, "the pool of VM %u is not live on another node: "
			       "activate the volume instead", p->vmid);
	if (sdg_volume_active(g, vol, NULL))
		return sd_fail(err, EBUSY, "%s is already active here", vol);
	if (p->handover_to && p->handover_to != me) {
		char name[SD_NAME_LEN];
		sdg_owner_name(g, p->handover_to, name);
		return sd_fail(err, SD_E_CONFLICT, "the pool of VM %u is already being handed to "
			       "node %s", p->vmid, name);
	}
	/* the volume's device carries the thin device's own uuid: after the swap
	 * it is that device, and the source side of the next handover finds it
	 * among the pool's thins */
	struct sdg_dm_id z, dev;
	struct sdm_target t;
	struct sdg_dm_stack made = { .n = 0 };
	sdg_dm_placeholder(g, vol, &z);
	sdg_dm_volume(g, vol, NULL, &dev);
	if ((rc = sdg_dm->check(err)))
		return rc;
	sdm_table_zero(&t, v->size / 512);
	if (!(rc = sdg_stack_create(&made, &z, &t, 1, SDM_READONLY, err))) {
		sdm_table_reads_only(&t, v->size / 512, z.path);
		sdg_udev_names_note(g, dev.name, vol, NULL);
		rc = sdg_stack_create(&made, &dev, &t, 1, 0, err);
	}
	if (!rc) {
		p->handover_to = me;
		rc = sdg_commit(g, err);
	}
	if (rc) {
		sdg_stack_undo(&made);
		return rc;
	}
	sdg_volume_path(g, vol, NULL, path);
	return 0;
}

int sdg_handover_gate(struct sdg *g, const char *vol, struct sd_err *err)
{
	if (!sdg_handover_placeholder(g, vol))
		return sd_fail(err, ENOENT, "%s has no migration placeholder here", vol);
	struct sdg_dm_id dev;
	sdg_dm_volume(g, vol, NULL, &dev);
	return sdg_dm->suspend(dev.name, false, err); /* no flush: writes would only fail */
}

int sdg_handover_release_pool(struct sdg *g, struct sd_pool *p, struct sd_err *err)
{
	if (p->owner_host != g->cluster.id) /* also after our own release */
		return sd_fail(err, SD_E_CONFLICT, "this node does not own the pool of VM %u",
			       p->vmid);
	if (!p->handover_to || p->handover_to == g->cluster.id)
		return sd_fail(err, EINVAL, "no node is waiting for the pool of VM %u", p->vmid);
	int rc = sdg_pool_fence(g, p, err);
	if (rc)
		return rc;
	sdg_pool_set_owner(p, p->handover_to);
	uint32_t pool_id = p->id;
	rc = sdg_commit(g, err);
	/* a clone's base goes with the last clone here that the fence removed
	 * (one still held open goes with its deactivation) */
	return rc ? rc : sdg_origins_down(g, pool_id, err);
}

int sdg_handover_release(struct sdg *g, const char *vol, struct sd_err *err)
{
	struct sd_volume *v = NULL;
	struct sd_pool *p = NULL;
	int rc = sdg_volume_lookup(g, vol, &v, &p, err);
	return rc ? rc : sdg_handover_release_pool(g, p, err);
}

enum sdg_handover sdg_handover_state(const struct sd_pool *p, uint32_t me)
{
	if (!p || !me)
		return SDG_HANDOVER_NONE;
	if (p->owner_host == me || (!p->owner_host && p->handover_to == me))
		return SDG_HANDOVER_OURS; /* handed to us, or released by a source that deactivated */
	return p->handover_to == me ? SDG_HANDOVER_PENDING : SDG_HANDOVER_NONE;
}

enum sdg_handover sdg_handover_owned(const struct sdg *g, const char *vol)
{
	const struct sd_volume *v = sd_find_volume((struct sd_state *)&g->state, vol);
	const struct sd_pool *p = v ? sd_find_pool((struct sd_state *)&g->state, v->pool_id) : NULL;
	return sdg_handover_state(p, sdg_my_host_id(g));
}

/* A finished handover: ours, and the volume's device is the thin device. */
static bool finished(const struct sdg *g, const char *vol, const struct sd_pool *p, uint32_t me)
{
	struct sdg_dm_id dev;
	char type[32];
	sdg_dm_volume(g, vol, NULL, &dev);
	return p->owner_host == me && sdg_dm->target_type(dev.name, type, sizeof(type), NULL) == 0 &&
	       !strcmp(type, "thin");
}

int sdg_handover_finish(struct sdg *g, const char *vol, bool force, unsigned wait_s,
			struct sd_err *err)
{
	struct sd_volume *v = NULL;
	struct sd_pool *p = NULL;
	int rc = sdg_volume_lookup(g, vol, &v, &p, err);
	if (rc)
		return rc;
	uint32_t me = g->cluster.id;
	if (!sdg_handover_placeholder(g, vol))
		return finished(g, vol, p, me) ? 0 /* by another process: done */
					       : sd_fail(err, ENOENT, "%s has no migration "
							 "placeholder here", vol);
	if (p->owner_host && p->owner_host != me && !force)
		return sd_fail(err, SD_E_CONFLICT, "the source has not released the pool of VM %u",
			       p->vmid);
	if (!p->owner_host && p->handover_to != me)
		return sd_fail(err, SD_E_CONFLICT, "the handover of the pool of VM %u to this node "
			       "was withdrawn", p->vmid);
	/* released by a deactivating source, or (force) its owner is dead */
	if ((rc = sdg_pool_claim(g, p->vmid, force, wait_s, err)))
		return rc;
	p = sd_find_pool(&g->state, v->pool_id);
	if ((rc = sdg_pool_up(g, p, err)))
		return rc;
	struct sdg_dm_id dev, z;
	struct sdm_target t;
	sdg_dm_volume(g, vol, NULL, &dev);
	v = sd_find_volume(&g->state, vol);
	if ((rc = sdg_volume_table(g, v, v->thin_id, v->size, &t, err)))
		return rc;
	/* the swap: queued guest I/O goes to the real volume on resume */
	if ((rc = sdg_dm->reload(dev.name, &t, 1, err)) || (rc = sdg_dm->resume(dev.name, dev.dm_flags, err)))
		return rc;
	sdg_dm_placeholder(g, vol, &z);
	sdg_dm->remove(z.name, NULL);
	return 0;
}

/* The placeholder ends: its table becomes `error` (I/O queued at the gate
 * and any later I/O fails, loudly), then it goes unless QEMU still holds
 * it open; then the deactivation after QEMU's exit removes it. */
static int drop_placeholder(struct sdg *g, const char *vol, uint64_t size, struct sd_err *err)
{
	struct sdg_dm_id dev, z;
	struct sdm_target t;
	sdg_dm_volume(g, vol, NULL, &dev);
	sdg_dm_placeholder(g, vol, &z);
	sdm_table_error(&t, size / 512);
	int rc = sdg_dm->reload(dev.name, &t, 1, err);
	if (rc == 0)
		rc = sdg_dm->resume(dev.name, dev.dm_flags, err);
	if (rc)
		return rc;
	if ((rc = sdg_dm->remove_unused(dev.name, err)) < 0)
		return rc;
	return sdg_dm->remove(z.name, err);
}

int sdg_handover_abort(struct sdg *g, const char *vol, struct sd_err *err)
{
	struct sd_volume *v = NULL;
	struct sd_pool *p = NULL;
	int rc = sdg_volume_lookup(g, vol, &v, &p, err);
	if (rc)
		return rc;
	if (sdg_handover_placeholder(g, vol) && (rc = drop_placeholder(g, vol, v->size, err)))
		return rc;
	uint32_t me = g->cluster.id;
	bool changed = false;
	if (p->handover_to == me) {
		p->handover_to = 0;
		changed = true;
	}
	if (p->owner_host == me && !sdg_pool_active(g, p)) { /* released to us, never loaded */
		sdg_pool_set_owner(p, 0);
		changed = true;
	}
	return changed ? sdg_commit(g, err) : 0;
}
