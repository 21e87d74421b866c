/* The store's own helpers, shared by its files (store.c, store_grow.c);
 * not for other layers. */
#ifndef STARDM_STORE_IMPL_H
#define STARDM_STORE_IMPL_H

#include "store.h"

/* The slot images (header + payload, whole blocks) of state as sequence
 * seq for copies A and B in img[0] and img[1]; *len their length.  The
 * payload is encoded and checksummed once.  -ENOMEM (nothing allocated)
 * when out of memory. */
int sd_store_build_slots(struct sd_store *st, const struct sd_state *state, uint64_t seq,
			 void *img[2], size_t *len);

/* A writer's locks: this node's flock, then the cluster lock when the
 * store has one (both nest).  leave() returns rc, or a failure of its own
 * when the cluster lock's release did not reach the disk. */
int sd_store_enter(struct sd_store *st, struct sd_err *err);
int sd_store_leave(struct sd_store *st, int rc, struct sd_err *err);

/* SD_E_CONFLICT when another writer committed since the store last read
 * or committed. */
int sd_store_check_current(struct sd_store *st, struct sd_err *err);

#endif
