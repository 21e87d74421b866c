/* Pools and volumes on device-mapper: the orchestration of metadata/ and
 * dm/.  Every metadata change is committed before the kernel is told
 * (docs/design.md); the kernel catches up from the pending
 * messages, now if the pool is active here, else at its next activation. */
#ifndef STARDM_CORE_POOL_H
#define STARDM_CORE_POOL_H

#include "core/group.h"

bool sdg_pool_active(const struct sdg *g, const struct sd_pool *p);
/* Load the pool (if it is not live here) and bring its transaction id up
 * to the metadata's, replaying pending messages. */
int sdg_pool_up(struct sdg *g, struct sd_pool *p, struct sd_err *err);
/* Remove the pool's layers if no thin device of it is open here. */
int sdg_pool_down(struct sdg *g, const struct sd_pool *p, struct sd_err *err);
/* Swap the pool's thin devices here to the error target and remove the
 * pool's layers (the source's side of a handover). */
int sdg_pool_fence(struct sdg *g, const struct sd_pool *p, struct sd_err *err);
/* Send pending messages to a live pool. */
int sdg_pool_sync(struct sdg *g, struct sd_pool *p, struct sd_err *err);
/* Reload a live pool's layers after its extents grew. */
int sdg_pool_refresh(struct sdg *g, const struct sd_pool *p, struct sd_err *err);

/* Called before each kernel step that follows a metadata commit: a crash
 * point in test builds (crash_point.c), nothing otherwise. */
#ifdef STARDM_TEST_HOOKS
void sdg_crash_point(void);
#else
static inline void sdg_crash_point(void) {}
#endif

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
/* Block until the live pool raises its next dm event (low water mark, out of
 * space, mode change) or timeout_s passes (0: no limit); then *after holds
 * its state.  A timeout fails with ETIMEDOUT. */
int sdg_pool_wait(const struct sdg *g, const struct sd_pool *p, unsigned timeout_s,
		  struct sdg_pool_live *after, struct sd_err *err);

/* Ownership (owner.c): this node claims a pool before loading it and
 * releases it when its last device is gone; operations that change a pool
 * are refused while another node owns it. */
int sdg_pool_claim(struct sdg *g, uint32_t vmid, bool force, unsigned wait_s, struct sd_err *err);
int sdg_pool_release(struct sdg *g, uint32_t vmid, struct sd_err *err);
int sdg_pool_owned_elsewhere(const struct sdg *g, const struct sd_pool *p, struct sd_err *err);
void sdg_owner_name(const struct sdg *g, uint32_t id, char out[SD_NAME_LEN]);
/* The host id of the node that owns vol's pool when that is not this node
 * (0: released, ours, or no such volume). */
uint32_t sdg_volume_owner_elsewhere(const struct sdg *g, const char *vol);
/* This node's host id in the group (also when opened read-only), 0 if it
 * never wrote to it. */
uint32_t sdg_my_host_id(const struct sdg *g);

/* Live-migration handover (handover.c, docs/ha-migration.md).  Target:
 * prepare (placeholder: reads served, writes fail), gate (suspend it once
 * QEMU runs), finish (after the source's release: load the pool, swap the
 * placeholder for the thin device, resume) or abort.  Source: release (at
 * the commit point: fence the thin devices, remove the pool, hand it on). */
int sdg_handover_prepare(struct sdg *g, const char *vol, char path[PATH_MAX], struct sd_err *err);
int sdg_handover_gate(struct sdg *g, const char *vol, struct sd_err *err);
int sdg_handover_release(struct sdg *g, const char *vol, struct sd_err *err);
int sdg_handover_release_pool(struct sdg *g, struct sd_pool *p, struct sd_err *err);
/* The pool must be handed to us (released, or the source deactivated with
 * the handover pending); force: or its owner's heartbeat stood still for
 * wait_s (the source died; it must be fenced). */
int sdg_handover_finish(struct sdg *g, const char *vol, bool force, unsigned wait_s,
			struct sd_err *err);
int sdg_handover_abort(struct sdg *g, const char *vol, struct sd_err *err);
bool sdg_handover_placeholder(const struct sdg *g, const char *vol);
/* The target's watcher (handover_follow.c): gates the placeholder after
 * QEMU's probe read, finishes once the source released the pool, aborts
 * after timeout_s (0: no limit) or when the handover is withdrawn.  log
 * reports each step as one line. */
typedef void (*sdg_follow_log)(void *ctx, const char *line);
int sdg_handover_follow(const char *group, const char *vol, unsigned timeout_s,
			sdg_follow_log log, void *ctx, struct sd_err *err);
/* Where a handover of a pool to this node stands, as the metadata says. */
enum sdg_handover {
	SDG_HANDOVER_NONE = -1,   /* none to this node (never was, or withdrawn) */
	SDG_HANDOVER_PENDING = 0, /* handed to us; the source still holds the pool */
	SDG_HANDOVER_OURS = 1,    /* ours to load: owned, or released to us */
};
/* The state of the handover of vol's pool to this node. */
enum sdg_handover sdg_handover_owned(const struct sdg *g, const char *vol);
/* The same for pool p and host id me, without reading the host slots (for
 * loops that know their host id already). */
enum sdg_handover sdg_handover_state(const struct sd_pool *p, uint32_t me);

/* VM vmid's pool, or NULL with SD_E_NOTFOUND in err. */
struct sd_pool *sdg_vm_pool(struct sdg *g, uint32_t vmid, struct sd_err *err);
/* The pool with id pool_id (a volume's or a segment's), or NULL. */
const struct sd_pool *sdg_pool_by_id(const struct sdg *g, uint32_t pool_id);

/* The volume called name and its pool, or SD_E_NOTFOUND. */
int sdg_volume_lookup(struct sdg *g, const char *name, struct sd_volume **v, struct sd_pool **p,
		      struct sd_err *err);

/* Volume operations (volume.c); names follow Proxmox (vm-<vmid>-disk-<n>,
 * base-<vmid>-disk-<n>), so the VM id picks the pool. */
/* chunk_bytes: the thin chunk size when this volume creates the VM's pool
 * (0: the default, 64 KiB). */
int sdg_volume_create(struct sdg *g, const char *name, uint64_t size, uint64_t chunk_bytes,
		      struct sd_err *err);
int sdg_volume_remove(struct sdg *g, const char *name, struct sd_err *err);
int sdg_volume_resize(struct sdg *g, const char *name, uint64_t size, struct sd_err *err);
int sdg_snapshot_create(struct sdg *g, const char *vol, const char *snap, struct sd_err *err);
int sdg_snapshot_delete(struct sdg *g, const char *vol, const char *snap, struct sd_err *err);
int sdg_snapshot_rollback(struct sdg *g, const char *vol, const char *snap, struct sd_err *err);
/* force: take the pool over from a node whose heartbeat stood still for
 * wait_s (HA recovery after fencing). */
int sdg_volume_activate(struct sdg *g, const char *vol, const char *snap, bool readonly,
			bool force, unsigned wait_s, char path[PATH_MAX], struct sd_err *err);
/* What a node asks when Proxmox activates a volume (activate_volume). */
struct sdg_activation_req {
	const char *snap;    /* a snapshot's device instead of the volume's */
	bool readonly;
	bool force;          /* take the pool over from a dead owner ... */
	unsigned wait_s;     /* ... whose heartbeat stood still this long (0: 10 s) */
	bool incoming;       /* this node is a live migration's target */
};
enum sdg_activation {
	SDG_ACTIVATED,            /* the volume's device is live here */
	SDG_ACTIVATED_PLACEHOLDER /* a migration target: a placeholder until the handover */
};
/* Activate as asked: on a live migration's target whose pool the source
 * still holds, the placeholder of a handover; otherwise the volume itself.
 * *how says which. */
int sdg_activate(struct sdg *g, const char *vol, const struct sdg_activation_req *req,
		 char path[PATH_MAX], enum sdg_activation *how, struct sd_err *err);
/* snap: only that snapshot's device; NULL: the volume and its snapshots. */
int sdg_volume_deactivate(struct sdg *g, const char *vol, const char *snap, struct sd_err *err);
/* Grow the data space of VM vmid's pool by bytes (whole extents) from the
 * group's free space; a live pool takes it at once. */
int sdg_pool_extend(struct sdg *g, uint32_t vmid, uint64_t bytes, struct sd_err *err);
/* Rename an inactive volume; a name with another VM id moves its pool
 * (only a pool's last volume, to a VM without a pool).  base- sets the
 * template flag, vm- clears it. */
int sdg_volume_rename(struct sdg *g, const char *from, const char *to, struct sd_err *err);
void sdg_volume_path(const struct sdg *g, const char *vol, const char *snap, char path[PATH_MAX]);
bool sdg_volume_active(const struct sdg *g, const char *vol, const char *snap);
/* VM id from a Proxmox volume name, 0 when the name does not follow it. */
uint32_t sdg_vmid_of(const char *name);

#endif
