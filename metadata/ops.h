/* Pure metadata operations on a state: pools, volumes, snapshots, hosts.
 * They change only the in-memory state; the caller commits it.  Records are
 * addressed by id or name: a pointer from sd_find_* is good until the next
 * change of the state (the record lists grow by reallocation), so callers
 * hold ids across changes and look the record up again.  Every
 * operation that needs pool messages bumps the pool's transaction id and
 * records the messages as pending (docs/design.md). */
#ifndef STARDM_OPS_H
#define STARDM_OPS_H

#include "state.h"

#define SD_DEFAULT_CHUNK_SECTORS 128u /* 64 KiB dm-thin blocks */

struct sd_pool *sd_find_pool(struct sd_state *s, uint32_t pool_id);
/* Where pool pool_id sits in s->pools.v; s->pools.n when there is none. */
size_t sd_pool_index(const struct sd_state *s, uint32_t pool_id);
struct sd_pool *sd_find_pool_vmid(struct sd_state *s, uint32_t vmid);
struct sd_volume *sd_find_volume(struct sd_state *s, const char *name);
struct sd_volume *sd_find_volume_id(struct sd_state *s, uint32_t volume_id);
struct sd_snapshot *sd_find_snapshot(struct sd_state *s, uint32_t volume_id, const char *name);

/* New pool for vmid with the given extents for its metadata and data devices. */
int sd_pool_add(struct sd_state *s, const struct sd_geometry *g, uint32_t vmid,
		uint64_t meta_extents, uint64_t data_extents, uint32_t chunk_sectors,
		uint32_t *pool_id, struct sd_err *err);
/* Remove an empty pool and free its extents. */
int sd_pool_remove(struct sd_state *s, uint32_t pool_id, struct sd_err *err);
/* Forget pending messages the kernel has applied (transaction <= tid). */
void sd_pool_applied(struct sd_state *s, uint32_t pool_id, uint64_t tid);

/* A new volume in pool pool_id; its id in *volume_id (may be NULL). */
int sd_volume_add(struct sd_state *s, uint32_t pool_id, const char *name, uint64_t size,
		  uint32_t *volume_id, struct sd_err *err);
/* Removes the volume and its snapshots (pending deletes for all). */
int sd_volume_remove(struct sd_state *s, const char *name, struct sd_err *err);
int sd_snapshot_add(struct sd_state *s, const char *volume, const char *snap,
		    struct sd_err *err);
int sd_snapshot_remove(struct sd_state *s, const char *volume, const char *snap,
		       struct sd_err *err);
/* The volume becomes a new thin snapshot of the snapshot; the old thin is deleted. */
int sd_volume_rollback(struct sd_state *s, const char *volume, const char *snap,
		       struct sd_err *err);

/* Register a node name; returns its host id (1..host_slots). */
int sd_host_register(struct sd_state *s, const struct sd_geometry *g, const char *name,
		     uint32_t *id, struct sd_err *err);

#endif
