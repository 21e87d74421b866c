/* Pools and volumes on device-mapper: the orchestration of metadata/ and
 * dm/.  Every metadata change is committed before the kernel is told
 * (docs/design.md); the kernel catches up from the pending
 * messages, now if the pool is active here, else at its next activation. */
#ifndef STARDM_CORE_POOL_H
#define STARDM_CORE_POOL_H

#include <stddef.h>

#include "core/dm_names.h"
#include "core/group.h"

bool sdg_pool_active(const struct sdg *g, const struct sd_pool *p);
/* Load the pool (if it is not live here) and bring its transaction id up
 * to the metadata's, replaying pending messages. */
int sdg_pool_up(struct sdg *g, struct sd_pool *p, struct sd_err *err);
/* The same for a caller that has just asked whether the pool is live here
 * (live): the node's lock, held, keeps the answer true, and the kernel is
 * not asked again. */
int sdg_pool_up_known(struct sdg *g, struct sd_pool *p, bool live, struct sd_err *err);
/* Remove the pool's layers if no thin device of it is open here. */
int sdg_pool_down(struct sdg *g, const struct sd_pool *p, struct sd_err *err);
/* Swap the pool's thin devices here to the error target and remove the
 * pool's layers (the source's side of a handover). */
int sdg_pool_fence(struct sdg *g, const struct sd_pool *p, struct sd_err *err);
/* 0 unless p is live here and the kernel failed it, turned it read-only
 * or marked it needs_check: checked before a change to the pool is
 * committed, so that a change the kernel cannot take is never recorded. */
int sdg_pool_healthy(const struct sdg *g, const struct sd_pool *p, struct sd_err *err);
/* Send pending messages to a live pool. */
int sdg_pool_sync(struct sdg *g, struct sd_pool *p, struct sd_err *err);
/* The same, with quiet (a live thin device of the pool: a snapshot's
 * origin) suspended with a flush around the last transaction's messages
 * only: the guest's I/O waits for the message that needs it still and its
 * commit, not for the pool's status, the transaction id or the rest. */
int sdg_pool_sync_quiet(struct sdg *g, struct sd_pool *p, const struct sdg_dm_id *quiet,
			struct sd_err *err);
/* Reload a live pool's layers after its extents grew. */
int sdg_pool_refresh(struct sdg *g, const struct sd_pool *p, struct sd_err *err);

/* thin_check an inactive pool's metadata: 0 clean, 1 damaged (first line
 * of thin_check's output in out), <0 could not check. */
int sdg_pool_check(struct sdg *g, const struct sd_pool *p, char *out, size_t len,
		   struct sd_err *err);

/* Clear an inactive pool's needs_check mark once thin_check finds its
 * metadata clean (SD_E_CORRUPT, naming the damage, when it does not).  The
 * pool must be live on no other node. */
int sdg_pool_repair(struct sdg *g, uint32_t vmid, char *out, size_t len, struct sd_err *err);

/* Live kernel view of a pool, for inspect/status. */
struct sdg_pool_live {
	bool active;
	uint64_t transaction_id, data_used, data_total, meta_used, meta_total;
	bool needs_check, read_only, out_of_data_space;
	bool mismatch; /* kernel transaction id differs from the metadata's */
};
int sdg_pool_live(const struct sdg *g, const struct sd_pool *p, struct sdg_pool_live *l);
/* Which of the group's pools are live on this node, here[i] for the i-th
 * pool record (free() it), from one list of the node's devices instead of
 * a query per pool: a thousand VMs' status or monitor pass made a
 * thousand.  NULL when the devices cannot be listed (no dm): then ask
 * sdg_pool_live for each. */
bool *sdg_pools_here(const struct sdg *g);
/* Seconds a pool of this node that ran out of data space queues writes
 * before failing them (0: forever; the kernel's no_space_timeout, one for
 * the whole node): set it when set >= 0, then read it into *now (which
 * fails while dm_thin_pool is not loaded). */
int sdg_no_space_timeout(int set, unsigned *now, struct sd_err *err);

/* VM vmid's pool, or NULL with SD_E_NOTFOUND in err. */
struct sd_pool *sdg_vm_pool(struct sdg *g, uint32_t vmid, struct sd_err *err);
/* The pool with id pool_id (a volume's or a segment's), or NULL. */
const struct sd_pool *sdg_pool_by_id(const struct sdg *g, uint32_t pool_id);

#endif
