#ifndef STARDM_CORE_VOLUME_H
#define STARDM_CORE_VOLUME_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/group.h"

/* The volume called name and its pool, or SD_E_NOTFOUND. */
int sdg_volume_lookup(struct sdg *g, const char *name, struct sd_volume **v, struct sd_pool **p,
		      struct sd_err *err);

/* Volume operations; names follow Proxmox (vm-<vmid>-disk-<n>,
 * base-<vmid>-disk-<n>), so the VM id picks the pool. */
/* How a pool holds its volumes' space: full (data space for every byte of
 * every volume, taken at create and resize) or thin (a small start, then
 * grown by the node monitor as the pool is written).  Chosen when a VM's
 * first volume makes its pool; the pool keeps it. */
enum sdg_provisioning { SDG_PROV_ANY, SDG_PROV_FULL, SDG_PROV_THIN };
/* A thin pool's first data space (less when its first volume is smaller). */
#define SDG_THIN_START (256ull << 20)
struct sdg_create_opts {
	uint64_t chunk_bytes;       /* new pool's chunk size; 0: the default, 64 KiB */
	enum sdg_provisioning prov; /* new pool's mode (ANY: full); a pool keeps its own */
	uint32_t origin_id;         /* a linked clone's base volume (core/template.h) */
};
int sdg_volume_create(struct sdg *g, const char *name, uint64_t size,
		      const struct sdg_create_opts *opts, struct sd_err *err);
int sdg_volume_remove(struct sdg *g, const char *name, struct sd_err *err);
int sdg_volume_resize(struct sdg *g, const char *name, uint64_t size, struct sd_err *err);
int sdg_snapshot_create(struct sdg *g, const char *vol, const char *snap, struct sd_err *err);
int sdg_snapshot_delete(struct sdg *g, const char *vol, const char *snap, struct sd_err *err);
int sdg_snapshot_rollback(struct sdg *g, const char *vol, const char *snap, struct sd_err *err);
/* force: take the pool over from a node whose heartbeat stood still for
 * wait_s (HA recovery after fencing). */
int sdg_volume_activate(struct sdg *g, const char *vol, const char *snap, bool readonly,
			bool force, unsigned wait_s, char path[PATH_MAX], struct sd_err *err);
/* snap: only that snapshot's device; NULL: the volume and its snapshots. */
int sdg_volume_deactivate(struct sdg *g, const char *vol, const char *snap, struct sd_err *err);
/* Grow the data space of VM vmid's pool by bytes (whole extents) from the
 * group's free space; a live pool takes it at once. */
int sdg_pool_extend(struct sdg *g, uint32_t vmid, uint64_t bytes, struct sd_err *err);
/* The same for its metadata device (the kernel takes the new size when the
 * live pool resumes). */
int sdg_pool_extend_metadata(struct sdg *g, uint32_t vmid, uint64_t bytes, struct sd_err *err);
/* Rename an inactive volume; a name with another VM id moves its pool
 * (only a pool's last volume, to a VM without a pool).  base- sets the
 * template flag, vm- clears it. */
int sdg_volume_rename(struct sdg *g, const char *from, const char *to, struct sd_err *err);
void sdg_volume_path(const struct sdg *g, const char *vol, const char *snap, char path[PATH_MAX]);
bool sdg_volume_active(const struct sdg *g, const char *vol, const char *snap);
/* Whether v or any of its snapshots is active here. */
bool sdg_volume_any_active(const struct sdg *g, const struct sd_volume *v);
/* The table of volume v's device (thin device thin, size bytes: the
 * volume's or a snapshot's); a linked clone's names its base's device as
 * its origin, which this makes live here first. */
struct sdm_target;
int sdg_volume_table(struct sdg *g, const struct sd_volume *v, uint32_t thin, uint64_t size,
		     struct sdm_target *t, struct sd_err *err);
/* VM id from a Proxmox volume name, 0 when the name does not follow it. */
uint32_t sdg_vmid_of(const char *name);

#endif
