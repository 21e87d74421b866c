/* Volume commands: commit the metadata change, then bring a live pool up
 * to date.  Checks that can fail run before the commit, so a refused
 * command changes nothing. */
#include "core/volume.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/crash_point.h"
#include "core/discard.h"
#include "core/dm_names.h"
#include "core/dm_ops.h"
#include "core/group_impl.h"
#include "core/handover.h"
#include "core/owner.h"
#include "core/pool.h"
#include "core/space.h"
#include "core/template.h"
#include "core/udev_props.h"
#include "metadata/alloc.h"
#include "metadata/ops.h"
#include "metadata/size.h"

uint32_t sdg_vmid_of(const char *name)
{
	/* Proxmox's (vm|base)-<vmid>-<rest>: disk-<n>, cloudinit, state-<snap>.
	 * No "--" and no trailing '-': that separator is the snapshot's in dm
	 * names.  The vmid has no leading zero, so it reads back the same. */
	const char *p = !strncmp(name, "vm-", 3) ? name + 3 : !strncmp(name, "base-", 5) ? name + 5 : NULL;
	if (!p || *p < '1' || *p > '9' || strstr(name, "--") || name[strlen(name) - 1] == '-')
		return 0;
	char *end;
	errno = 0;
	unsigned long vmid = strtoul(p, &end, 10);
	if (errno || vmid > 999999999 || *end != '-' || !sd_name_valid(name))
		return 0;
	return (uint32_t)vmid;
}

/* Where udev names volumes (56-stardm.rules), its link; else dm's node.
 * Both come from the metadata alone: the same on every node. */
void sdg_volume_path(const struct sdg *g, const char *vol, const char *snap, char path[PATH_MAX])
{
	struct sdg_dm_id id;
	sdg_dm_volume_name(g, vol, snap, &id);
	if (sdg_udev_names())
		sdg_dm_volume_link(g, vol, snap, path);
	else
		snprintf(path, PATH_MAX, "%s", id.path);
}

bool sdg_volume_active(const struct sdg *g, const char *vol, const char *snap)
{
	struct sdg_dm_id id;
	struct sdm_info info;
	sdg_dm_volume_name(g, vol, snap, &id);
	return sdg_dm->info(id.name, &info, NULL) == 0 && info.exists;
}

/* A requested size as a volume holds it: whole sectors, from 1 byte up to
 * the largest size a volume can have. */
static int volume_size(uint64_t *size, struct sd_err *err)
{
	if (!*size)
		return sd_fail(err, SD_E_INVAL, "size must be greater than 0");
	if (*size > SD_VOLUME_SIZE_MAX)
		return sd_fail(err, SD_E_INVAL, "size %" PRIu64 " bytes is larger than a volume can "
			       "be (%" PRIu64 " bytes, 8 EiB less 512)", *size, SD_VOLUME_SIZE_MAX);
	sd_round_up(*size, 512, size); /* cannot wrap below the limit */
	return 0;
}

/* dm-thin needs about 64 bytes of metadata per mapped block; keep 2 MiB
 * on top for the btrees' roots and the per-device records. */
static uint64_t meta_extents_for(const struct sdg *g, uint64_t data_extents, uint32_t chunk)
{
	uint64_t bytes = data_extents * g->st->geo.extent_size / ((uint64_t)chunk * 512) * 64;
	return sd_div_up(bytes + (2u << 20), g->st->geo.extent_size);
}

/* A new pool's metadata device must start with a zeroed superblock, or the
 * kernel would open what an earlier pool left in those extents.  Written
 * before the commit, while the extents are still free. */
static int zero_pool_superblock(struct sdg *g, uint32_t pool_id, struct sd_err *err)
{
	for (size_t i = 0; i < g->state.segments.n; i++) {
		const struct sd_segment *s = &g->state.segments.v[i];
		if (s->pool_id != pool_id || s->role != SD_ROLE_META)
			continue;
		void *z = sd_io_alloc(4096);
		struct sd_iov v = { g->st->geo.data_offset + s->start * g->st->geo.extent_size, z, 4096 };
		int rc = z ? sd_io_write(g->io, &v, 1, true) : -ENOMEM;
		free(z);
		return rc ? sd_fail(err, -rc, "cannot clear the new pool's metadata: %s",
				    strerror(-rc)) : 0;
	}
	return sd_fail(err, SD_E_CORRUPT, "pool has no metadata segment");
}

/* Refused when need extents are more than an allocation may take: new
 * space for disks leaves the reserve alone, a pool's growth may use it. */
static int check_space(struct sdg *g, uint64_t need, bool growth, struct sd_err *err)
{
	uint64_t avail = sdg_extents_available(g, growth);
	if (need <= avail)
		return 0;
	uint64_t kept = growth ? 0 : sdg_reserve_extents(g);
	if (kept)
		return sd_fail(err, SD_E_NOSPACE, "not enough free space in group %s: %" PRIu64
			       " extents needed, %" PRIu64 " free besides the %" PRIu64 " the "
			       "reserve keeps for pool growth (stardm set-reserve)",
			       g->st->geo.name, need, avail, kept);
	return sd_fail(err, SD_E_NOSPACE, "not enough free space in group %s: %" PRIu64
		       " extents needed, %" PRIu64 " free", g->st->geo.name, need, avail);
}

/* Grow (or create) the pool of vmid by `bytes` of data space (growth: a
 * pool growing as it is written, which may use the reserve). */
static int take_data_space(struct sdg *g, uint32_t vmid, uint64_t bytes, uint32_t chunk,
			   bool growth, struct sd_pool **out, bool *created, struct sd_err *err)
{
	uint64_t data = sd_div_up(bytes, g->st->geo.extent_size);
	struct sd_pool *p = sd_find_pool_vmid(&g->state, vmid);
	*created = !p;
	*out = p;
	if (p && !data) /* a thin pool's new volume: the pool grows as it is written */
		return 0;
	/* data checked first, so the metadata sizing works on counts the LUN holds */
	int rc = check_space(g, data, growth, err);
	uint64_t have_data = p ? sd_pool_extents(&g->state, p->id, SD_ROLE_DATA) : 0;
	uint64_t have_meta = p ? sd_pool_extents(&g->state, p->id, SD_ROLE_META) : 0;
	uint64_t want_meta = meta_extents_for(g, have_data + data, p ? p->chunk_sectors : chunk);
	uint64_t more_meta = want_meta > have_meta ? want_meta - have_meta : 0;
	if (rc || (rc = check_space(g, data + more_meta, growth, err)))
		return rc;
	if (!p) {
		uint64_t meta = want_meta;
		uint32_t id;
		rc = sd_pool_add(&g->state, &g->st->geo, vmid, meta, data, chunk, &id, err);
		if (rc == 0)
			rc = zero_pool_superblock(g, id, err);
		*out = sd_find_pool(&g->state, id);
		return rc;
	}
	rc = sd_alloc_extents(&g->state, &g->st->geo, p->id, SD_ROLE_DATA, data, err);
	if (rc == 0 && more_meta)
		rc = sd_alloc_extents(&g->state, &g->st->geo, p->id, SD_ROLE_META, more_meta, err);
	*out = sd_find_pool_vmid(&g->state, vmid);
	return rc;
}

/* After a commit: a live pool takes the new extents and messages now. */
static int catch_up(struct sdg *g, uint32_t vmid, bool grew, struct sd_err *err)
{
	struct sd_pool *p = sd_find_pool_vmid(&g->state, vmid);
	if (!p || !sdg_pool_active(g, p))
		return 0;
	int rc = grew ? sdg_pool_refresh(g, p, err) : 0;
	return rc ? rc : sdg_pool_sync(g, p, err);
}

int sdg_volume_lookup(struct sdg *g, const char *name, struct sd_volume **v, struct sd_pool **p,
		      struct sd_err *err)
{
	*v = sd_find_volume(&g->state, name);
	if (!*v)
		return sd_fail(err, SD_E_NOTFOUND, "volume %s does not exist in group %s", name,
			       g->st->geo.name);
	*p = sd_find_pool(&g->state, (*v)->pool_id);
	return 0;
}

/* The same, for operations that change the pool: refused while another
 * node owns it (its live pool would not see the change). */
static int volume_pool_here(struct sdg *g, const char *name, struct sd_volume **v,
			    struct sd_pool **p, struct sd_err *err)
{
	int rc = sdg_volume_lookup(g, name, v, p, err);
	if (rc || (rc = sdg_pool_owned_elsewhere(g, *p, err)) ||
	    (rc = sdg_template_writable(g, *p, err)))
		return rc;
	return sdg_pool_healthy(g, *p, err);
}

/* The data space a new volume of size bytes takes from the group now: all
 * of it in a full pool; in a thin pool a start for a new pool, nothing for
 * one that is there (the monitor grows it). */
static uint64_t create_reservation(const struct sd_pool *p, bool thin, uint64_t size)
{
	if (!thin)
		return size;
	return p ? 0 : (size < SDG_THIN_START ? size : SDG_THIN_START);
}

int sdg_volume_create(struct sdg *g, const char *name, uint64_t size,
		      const struct sdg_create_opts *opts, struct sd_err *err)
{
	uint64_t chunk_bytes = opts ? opts->chunk_bytes : 0;
	/* dm-thin: a multiple of 64 KiB, from 64 KiB to 1 GiB */
	if (chunk_bytes && (chunk_bytes % (64 << 10) || chunk_bytes > (1ull << 30)))
		return sd_fail(err, SD_E_INVAL, "chunk size must be a multiple of 64 KiB, at most 1 GiB");
	uint32_t chunk = chunk_bytes ? (uint32_t)(chunk_bytes / 512) : SD_DEFAULT_CHUNK_SECTORS;
	uint32_t vmid = sdg_vmid_of(name);
	if (!vmid)
		return sd_fail(err, SD_E_INVAL, "volume name '%s' must be vm-<vmid>-<name> or "
			       "base-<vmid>-<name> (letters, digits, - _ . +)", name);
	int rc = volume_size(&size, err);
	if (rc)
		return rc;
	if (sd_find_volume(&g->state, name))
		return sd_fail(err, SD_E_EXISTS, "volume %s already exists", name);
	struct sd_pool *p = sd_find_pool_vmid(&g->state, vmid);
	if (sdg_pool_owned_elsewhere(g, p, err) || sdg_template_writable(g, p, err) ||
	    sdg_pool_healthy(g, p, err))
		return -1;
	if (p && chunk_bytes && p->chunk_sectors != chunk)
		return sd_fail(err, SD_E_INVAL, "the pool of VM %u has %u KiB chunks; a chunk size "
			       "is chosen by a VM's first volume", vmid, p->chunk_sectors / 2);
	/* an existing pool keeps its own mode (a storage's setting applies to new pools) */
	bool created, thin = p ? (p->flags & SD_POOL_THIN) != 0 : opts && opts->prov == SDG_PROV_THIN;
	rc = take_data_space(g, vmid, create_reservation(p, thin, size), chunk, false, &p, &created,
			     err);
	if (rc == 0 && created && thin)
		p->flags |= SD_POOL_THIN;
	if (rc == 0)
		rc = sd_volume_add(&g->state, p->id, name, size, NULL, err);
	if (rc == 0 && !strncmp(name, "base-", 5))
		sd_find_volume(&g->state, name)->flags |= SD_VOL_BASE;
	if (rc == 0 && opts)
		sd_find_volume(&g->state, name)->origin_id = opts->origin_id;
	if (rc == 0)
		rc = sdg_commit(g, err);
	return rc ? rc : catch_up(g, vmid, !created, err);
}

/* Extents for bytes more of pool p's metadata. */
static int add_metadata(struct sdg *g, const struct sd_pool *p, uint64_t bytes,
			struct sd_err *err)
{
	uint64_t n = sd_div_up(bytes, g->st->geo.extent_size);
	int rc = check_space(g, n, true, err);
	return rc ? rc : sd_alloc_extents(&g->state, &g->st->geo, p->id, SD_ROLE_META, n, err);
}

/* Grow VM vmid's pool by bytes of data (and the metadata that goes with
 * it), or of metadata alone; a live pool takes it at once. */
static int pool_grow(struct sdg *g, uint32_t vmid, uint64_t bytes, bool meta, struct sd_err *err)
{
	struct sd_pool *p = sdg_vm_pool(g, vmid, err);
	if (!p)
		return -SD_E_NOTFOUND;
	int rc = volume_size(&bytes, err);
	if (rc)
		return rc;
	if (sdg_pool_owned_elsewhere(g, p, err) || sdg_template_writable(g, p, err) ||
	    sdg_pool_healthy(g, p, err))
		return -1;
	bool created;
	rc = meta ? add_metadata(g, p, bytes, err)
		  : take_data_space(g, vmid, bytes, p->chunk_sectors, true, &p, &created, err);
	if (rc == 0)
		rc = sdg_commit(g, err);
	return rc ? rc : catch_up(g, vmid, true, err);
}

int sdg_pool_extend(struct sdg *g, uint32_t vmid, uint64_t bytes, struct sd_err *err)
{
	return pool_grow(g, vmid, bytes, false, err);
}

int sdg_pool_extend_metadata(struct sdg *g, uint32_t vmid, uint64_t bytes, struct sd_err *err)
{
	return pool_grow(g, vmid, bytes, true, err);
}

int sdg_volume_remove(struct sdg *g, const char *name, struct sd_err *err)
{
	struct sd_volume *v = NULL;
	struct sd_pool *p = NULL;
	int rc = volume_pool_here(g, name, &v, &p, err);
	if (rc)
		return rc;
	if (sdg_volume_active(g, name, NULL))
		return sd_fail(err, EBUSY, "volume %s is active; deactivate it first", name);
	for (size_t i = 0; i < g->state.snapshots.n; i++)
		if (g->state.snapshots.v[i].volume_id == v->id &&
		    sdg_volume_active(g, name, g->state.snapshots.v[i].name))
			return sd_fail(err, EBUSY, "snapshot %s of %s is active",
				       g->state.snapshots.v[i].name, name);
	uint32_t vmid = p->vmid, pool_id = p->id;
	if ((rc = sd_volume_remove(&g->state, name, err)))
		return rc;
	bool last = true;
	for (size_t i = 0; i < g->state.volumes.n; i++)
		last &= g->state.volumes.v[i].pool_id != pool_id;
	if (!last) {
		rc = sdg_commit(g, err);
		return rc ? rc : catch_up(g, vmid, false, err);
	}
	/* the VM's last disk: the whole pool goes, and the LUN gets its
	 * extents back once the records no longer hold them */
	p = sd_find_pool(&g->state, pool_id);
	if (sdg_pool_active(g, p) && (rc = sdg_pool_down(g, p, err)))
		return rc;
	struct sdg_byte_runs freed;
	if (sdg_pool_byte_runs(g, pool_id, &freed))
		return sd_fail(err, ENOMEM, "out of memory");
	rc = sd_pool_remove(&g->state, pool_id, err);
	if (rc == 0)
		rc = sdg_commit(g, err);
	if (rc == 0)
		sdg_discard_runs(g, &freed); /* best effort: the extents are free either way */
	sdg_byte_runs_free(&freed);
	return rc;
}

int sdg_volume_resize(struct sdg *g, const char *name, uint64_t size, struct sd_err *err)
{
	struct sd_volume *v = NULL;
	struct sd_pool *p = NULL;
	int rc = volume_pool_here(g, name, &v, &p, err);
	if (rc || (rc = volume_size(&size, err)))
		return rc;
	if (size < v->size)
		return sd_fail(err, SD_E_INVAL, "volume %s: shrinking (%" PRIu64 " to %" PRIu64
			       " bytes) would cut off data; only growing is supported", name,
			       v->size, size);
	/* Resizing to the current size re-applies the live tables: that is how
	 * a resize interrupted between its commit and the reloads is finished. */
	uint32_t vmid = p->vmid;
	if (size > v->size) {
		bool created;
		/* a thin pool grows as the volume is written, not when it is resized */
		uint64_t grow = p->flags & SD_POOL_THIN ? 0 : size - v->size;
		if ((rc = take_data_space(g, vmid, grow, p->chunk_sectors, false, &p, &created, err)))
			return rc;
		sd_find_volume(&g->state, name)->size = size;
		if ((rc = sdg_commit(g, err)))
			return rc;
	}
	if ((rc = catch_up(g, vmid, true, err)))
		return rc;
	if (!sdg_volume_active(g, name, NULL))
		return 0;
	v = sd_find_volume(&g->state, name);
	struct sdg_dm_id dev;
	struct sdm_target t;
	sdg_dm_volume(g, name, NULL, &dev);
	sdg_crash_point();
	if ((rc = sdg_volume_table(g, v, v->thin_id, size, &t, err)))
		return rc;
	rc = sdg_dm->reload(dev.name, &t, 1, err);
	return rc ? rc : sdg_dm->resume(dev.name, dev.dm_flags, err);
}

int sdg_snapshot_create(struct sdg *g, const char *vol, const char *snap, struct sd_err *err)
{
	struct sd_volume *v = NULL;
	struct sd_pool *p = NULL;
	int rc = volume_pool_here(g, vol, &v, &p, err);
	if (rc || (rc = sd_snapshot_add(&g->state, vol, snap, err)) || (rc = sdg_commit(g, err)))
		return rc;
	p = sd_find_pool(&g->state, sd_find_volume(&g->state, vol)->pool_id);
	if (!sdg_pool_active(g, p))
		return 0; /* taken at the next activation */
	/* an active origin is suspended (with flush) so the snapshot is consistent */
	struct sdg_dm_id dev;
	sdg_dm_volume(g, vol, NULL, &dev);
	return sdg_pool_sync_quiet(g, p, sdg_volume_active(g, vol, NULL) ? &dev : NULL, err);
}

int sdg_snapshot_delete(struct sdg *g, const char *vol, const char *snap, struct sd_err *err)
{
	if (sdg_volume_active(g, vol, snap))
		return sd_fail(err, EBUSY, "snapshot %s of %s is active; deactivate it first", snap, vol);
	struct sd_volume *v = NULL;
	struct sd_pool *p = NULL;
	int rc = volume_pool_here(g, vol, &v, &p, err);
	uint32_t vmid = rc ? 0 : p->vmid;
	if (rc || (rc = sd_snapshot_remove(&g->state, vol, snap, err)) || (rc = sdg_commit(g, err)))
		return rc;
	return catch_up(g, vmid, false, err);
}

int sdg_snapshot_rollback(struct sdg *g, const char *vol, const char *snap, struct sd_err *err)
{
	if (sdg_volume_active(g, vol, NULL))
		return sd_fail(err, EBUSY, "volume %s is active; stop the VM and deactivate it first", vol);
	struct sd_volume *v = NULL;
	struct sd_pool *p = NULL;
	int rc = volume_pool_here(g, vol, &v, &p, err);
	uint32_t vmid = rc ? 0 : p->vmid;
	if (rc || (rc = sd_volume_rollback(&g->state, vol, snap, err)) || (rc = sdg_commit(g, err)))
		return rc;
	return catch_up(g, vmid, false, err);
}

int sdg_volume_table(struct sdg *g, const struct sd_volume *v, uint32_t thin, uint64_t size,
		     struct sdm_target *t, struct sd_err *err)
{
	struct sdg_dm_id pool;
	uint32_t vid = v->id, origin = v->origin_id;
	char origin_path[PATH_MAX];
	int rc = origin ? sdg_origin_up(g, origin, origin_path, err) : 0;
	if (rc)
		return rc;
	v = sd_find_volume_id(&g->state, vid); /* the origin's commit may have moved the records */
	sdg_dm_pool(g, sd_find_pool(&g->state, v->pool_id), SDG_DM_POOL, &pool);
	if (origin)
		sdm_table_thin_origin(t, size / 512, pool.path, thin, origin_path);
	else
		sdm_table_thin(t, size / 512, pool.path, thin);
	return 0;
}

/* A volume of a template: read-only, its pool loaded read-only here. */
static int template_activate(struct sdg *g, uint32_t vid, uint32_t thin, uint64_t size,
			     const char *snap, char path[PATH_MAX], struct sd_err *err)
{
	struct sd_volume *v = sd_find_volume_id(&g->state, vid);
	uint32_t pool_id = v->pool_id;
	int rc = sdg_template_up(g, sd_find_pool(&g->state, pool_id), err);
	if (rc)
		return rc;
	v = sd_find_volume_id(&g->state, vid);
	struct sdg_dm_id dev, pool;
	struct sdm_target t;
	sdg_dm_volume(g, v->name, snap, &dev);
	sdg_dm_pool(g, sd_find_pool(&g->state, pool_id), SDG_DM_POOL, &pool);
	sdm_table_thin(&t, size / 512, pool.path, thin);
	sdg_udev_names_note(g, dev.name, v->name, snap);
	rc = sdg_dm->create(dev.name, dev.uuid, &t, 1, dev.dm_flags | SDM_READONLY, err);
	if (rc) {
		sdg_template_down(g, pool_id, NULL);
		return rc;
	}
	sdg_volume_path(g, v->name, snap, path);
	return 0;
}

static int volume_activate(struct sdg *g, const char *vol, const char *snap, bool readonly,
			   bool force, unsigned wait_s, char path[PATH_MAX], struct sd_err *err)
{
	struct sd_volume *v = NULL;
	struct sd_pool *p = NULL;
	int rc = sdg_volume_lookup(g, vol, &v, &p, err);
	if (rc)
		return rc;
	const struct sd_snapshot *n = NULL;
	if (snap && !(n = sd_find_snapshot(&g->state, v->id, snap)))
		return sd_fail(err, SD_E_NOTFOUND, "snapshot %s of %s does not exist", snap, vol);
	if (sdg_volume_active(g, vol, snap))
		return sd_fail(err, EBUSY, "%s%s%s is already active", vol, snap ? " snapshot " : "",
			       snap ? snap : "");
	uint32_t thin = n ? n->thin_id : v->thin_id;
	uint64_t size = n ? n->size : v->size;
	uint32_t vid = v->id, pool_id = p->id;
	if (p->flags & SD_POOL_TEMPLATE) /* loaded read-only, wherever it is needed */
		return template_activate(g, vid, thin, size, snap, path, err);
	bool was_active = sdg_pool_active(g, p);
	if (!was_active && (rc = sdg_pool_claim(g, p->vmid, force, wait_s, err)))
		return rc;
	p = sd_find_pool(&g->state, pool_id);
	if ((rc = sdg_pool_up_known(g, p, was_active, err)))
		goto undo;
	struct sdg_dm_id dev;
	struct sdm_target t;
	sdg_dm_volume(g, vol, snap, &dev);
	if ((rc = sdg_volume_table(g, sd_find_volume_id(&g->state, vid), thin, size, &t, err)))
		goto undo;
	sdg_udev_names_note(g, dev.name, vol, snap);
	if ((rc = sdg_dm->create(dev.name, dev.uuid, &t, 1,
			     dev.dm_flags | (readonly || snap ? SDM_READONLY : 0), err)))
		goto undo;
	sdg_volume_path(g, vol, snap, path);
	return 0;
undo:
	v = sd_find_volume_id(&g->state, vid);
	if (v->origin_id)
		sdg_origin_down(g, v->origin_id, NULL);
	p = sd_find_pool(&g->state, pool_id);
	if (!was_active && sdg_pool_down(g, p, NULL) == 0)
		sdg_pool_release(g, p->vmid, NULL);
	return rc;
}

static int volume_deactivate(struct sdg *g, const char *vol, const char *snap, struct sd_err *err)
{
	struct sd_volume *v = NULL;
	struct sd_pool *p = NULL;
	int rc = sdg_volume_lookup(g, vol, &v, &p, err);
	if (rc)
		return rc;
	if (snap && !sd_find_snapshot(&g->state, v->id, snap))
		return sd_fail(err, SD_E_NOTFOUND, "snapshot %s of %s does not exist", snap, vol);
	/* a migration target whose migration failed: the handover ends here */
	if (!snap && sdg_handover_placeholder(g, vol) && (rc = sdg_handover_abort(g, vol, err)))
		return rc;
	struct sdg_dm_id dev;
	/* one snapshot, or the volume and any of its snapshots activated here */
	for (size_t i = 0; i < g->state.snapshots.n && !rc; i++) {
		const char *sn = g->state.snapshots.v[i].name;
		if (g->state.snapshots.v[i].volume_id == v->id && (!snap || !strcmp(snap, sn)) &&
		    sdg_volume_active(g, vol, sn)) {
			sdg_dm_volume(g, vol, sn, &dev);
			if (!(rc = sdg_dm->remove(dev.name, err)))
				sdg_udev_names_forget(dev.name);
		}
	}
	if (!rc && !snap && sdg_volume_active(g, vol, NULL)) {
		sdg_dm_volume(g, vol, NULL, &dev);
		if (!(rc = sdg_dm->remove(dev.name, err)))
			sdg_udev_names_forget(dev.name);
	}
	uint32_t origin = v->origin_id, pool_id = p->id;
	if (!rc && (p->flags & SD_POOL_TEMPLATE))
		return sdg_template_down(g, pool_id, err);
	if (!rc && sdg_pool_active(g, p))
		rc = sdg_pool_down(g, p, err);
	/* the pool's last device gone: other nodes may have it now */
	if (!rc)
		rc = sdg_pool_release(g, sd_find_pool(&g->state, pool_id)->vmid, err);
	/* and a clone's base, once no clone here reads from it */
	if (!rc && origin)
		rc = sdg_origin_down(g, origin, err);
	return rc;
}

/* An activation or deactivation makes or removes up to four devices (the
 * pool's layers and the volume's): udev works on their events side by
 * side and the command waits once, at the end, as lvm2 does. */
static int udev_batch_end(int rc, struct sd_err *err)
{
	int rr = sdg_dm->udev_batch(false, rc ? NULL : err);
	return rc ? rc : rr;
}

int sdg_volume_activate(struct sdg *g, const char *vol, const char *snap, bool readonly,
			bool force, unsigned wait_s, char path[PATH_MAX], struct sd_err *err)
{
	sdg_dm->udev_batch(true, NULL);
	int rc = volume_activate(g, vol, snap, readonly, force, wait_s, path, err);
	int rr = sdg_dm->udev_batch(false, rc ? NULL : err);
	if (!rc && rr) { /* made, but udev never named it: the command leaves nothing */
		sdg_dm->udev_batch(true, NULL);
		udev_batch_end(volume_deactivate(g, vol, snap, NULL), NULL);
	}
	return rc ? rc : rr;
}

int sdg_volume_deactivate(struct sdg *g, const char *vol, const char *snap, struct sd_err *err)
{
	sdg_dm->udev_batch(true, NULL);
	return udev_batch_end(volume_deactivate(g, vol, snap, err), err);
}

bool sdg_volume_any_active(const struct sdg *g, const struct sd_volume *v)
{
	if (sdg_volume_active(g, v->name, NULL))
		return true;
	for (size_t i = 0; i < g->state.snapshots.n; i++)
		if (g->state.snapshots.v[i].volume_id == v->id &&
		    sdg_volume_active(g, v->name, g->state.snapshots.v[i].name))
			return true;
	return false;
}

/* A rename only touches metadata; dm names follow the volume name, so it
 * must be inactive.  Moving a volume to another VM moves its pool with it,
 * which is possible only while the pool holds nothing else and the target
 * VM has no pool of its own: one pool per VM is what ownership rests on. */
int sdg_volume_rename(struct sdg *g, const char *from, const char *to, struct sd_err *err)
{
	struct sd_volume *v = NULL;
	struct sd_pool *p = NULL;
	int rc = volume_pool_here(g, from, &v, &p, err);
	if (rc)
		return rc;
	uint32_t vmid = sdg_vmid_of(to);
	if (!vmid)
		return sd_fail(err, SD_E_INVAL, "volume name '%s' must be vm-<vmid>-<name> or "
			       "base-<vmid>-<name> (letters, digits, - _ . +)", to);
	if (sd_find_volume(&g->state, to))
		return sd_fail(err, SD_E_EXISTS, "volume %s already exists", to);
	if (sdg_volume_any_active(g, v))
		return sd_fail(err, EBUSY, "volume %s is active on this node; deactivate it first", from);
	if (vmid != p->vmid) {
		size_t users = 0;
		for (size_t i = 0; i < g->state.volumes.n; i++)
			users += g->state.volumes.v[i].pool_id == p->id;
		if (users > 1)
			return sd_fail(err, SD_E_INVAL, "volume %s shares the pool of VM %u with "
				       "other volumes; only a VM's last volume can move to another VM",
				       from, p->vmid);
		if (sd_find_pool_vmid(&g->state, vmid))
			return sd_fail(err, SD_E_EXISTS, "VM %u already has a pool in group %s; "
				       "a volume cannot join another VM's pool", vmid, g->st->geo.name);
		if (sdg_pool_active(g, p))
			return sd_fail(err, EBUSY, "pool of VM %u is active on this node", p->vmid);
		p->vmid = vmid;
	}
	snprintf(v->name, sizeof(v->name), "%s", to);
	if (!strncmp(to, "base-", 5))
		v->flags |= SD_VOL_BASE;
	else
		v->flags &= ~(uint32_t)SD_VOL_BASE;
	return sdg_commit(g, err);
}
