/* Pools and volumes on device-mapper: the orchestration of metadata/ and
 * dm/.  Every metadata change is committed before the kernel is told
 * (DESIGN-BRIEF section 3); the kernel catches up from the pending
 * messages, now if the pool is active here, else at its next activation. */
#ifndef STARDM_CORE_POOL_H
#define STARDM_CORE_POOL_H

#include "core/group.h"

#define SDG_DM_NAME 256 /* dm allows 127; longer names fail loudly at create */

/* dm names: stardm-<group>-vm<vmid>-{pool,tmeta,tdata}, stardm-<group>-<volume>,
 * stardm-<group>-<volume>--<snapshot>. */
void sdg_pool_dm_name(const struct sdg *g, const struct sd_pool *p, const char *layer,
		      char out[SDG_DM_NAME]);
void sdg_volume_dm_name(const struct sdg *g, const char *vol, const char *snap,
			char out[SDG_DM_NAME]);

bool sdg_pool_active(const struct sdg *g, const struct sd_pool *p);
/* Load the pool (if it is not live here) and bring its transaction id up
 * to the metadata's, replaying pending messages. */
int sdg_pool_up(struct sdg *g, struct sd_pool *p, struct sd_err *err);
/* Remove the pool's layers if no thin device of it is open here. */
int sdg_pool_down(struct sdg *g, const struct sd_pool *p, struct sd_err *err);
/* Send pending messages to a live pool. */
int sdg_pool_sync(struct sdg *g, struct sd_pool *p, struct sd_err *err);
/* Reload a live pool's layers after its extents grew. */
int sdg_pool_refresh(struct sdg *g, const struct sd_pool *p, struct sd_err *err);

/* thin_check an inactive pool's metadata: 0 clean, 1 damaged (first line
 * of thin_check's output in out), <0 could not check. */
int sdg_pool_check(struct sdg *g, const struct sd_pool *p, char *out, size_t len,
		   struct sd_err *err);

/* Live kernel view of a pool, for inspect/status. */
struct sdg_pool_live {
	bool active;
	uint64_t transaction_id, data_used, data_total, meta_used, meta_total;
	bool needs_check, read_only, out_of_data_space;
	bool mismatch; /* kernel transaction id differs from the metadata's */
};
int sdg_pool_live(const struct sdg *g, const struct sd_pool *p, struct sdg_pool_live *l);

/* Volume operations (volume.c); names follow Proxmox (vm-<vmid>-disk-<n>,
 * base-<vmid>-disk-<n>), so the VM id picks the pool. */
int sdg_volume_create(struct sdg *g, const char *name, uint64_t size, struct sd_err *err);
int sdg_volume_remove(struct sdg *g, const char *name, struct sd_err *err);
int sdg_volume_resize(struct sdg *g, const char *name, uint64_t size, struct sd_err *err);
int sdg_snapshot_create(struct sdg *g, const char *vol, const char *snap, struct sd_err *err);
int sdg_snapshot_delete(struct sdg *g, const char *vol, const char *snap, struct sd_err *err);
int sdg_snapshot_rollback(struct sdg *g, const char *vol, const char *snap, struct sd_err *err);
int sdg_volume_activate(struct sdg *g, const char *vol, const char *snap, bool readonly,
			char path[PATH_MAX], struct sd_err *err);
int sdg_volume_deactivate(struct sdg *g, const char *vol, struct sd_err *err);
void sdg_volume_path(const struct sdg *g, const char *vol, const char *snap, char path[PATH_MAX]);
bool sdg_volume_active(const struct sdg *g, const char *vol, const char *snap);
/* VM id from a Proxmox volume name, 0 when the name does not follow it. */
uint32_t sdg_vmid_of(const char *name);

#endif
