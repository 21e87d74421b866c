/* The store's own helpers, shared by its files (store.c, store_grow.c);
 * not for other layers. */
#ifndef STARDM_STORE_IMPL_H
#define STARDM_STORE_IMPL_H

#include "store.h"

/* A state as written: each copy's header block and one payload (whole
 * blocks), which both copies' slots share. */
struct sd_slot_image {
	void *hdr[2];       /* allocated (sd_slot_image_free) */
	void *payload;      /* the store's I/O buffer (not freed with the image) */
	size_t payload_len;
};

/* Encode state as sequence seq into img: the payload is encoded and
 * checksummed once.  -ENOMEM (nothing allocated) when out of memory. */
int sd_store_build_slots(struct sd_store *st, const struct sd_state *state, uint64_t seq,
			 struct sd_slot_image *img);
/* The two writes (header block, payload) of copy c's slot `slot` on g. */
void sd_slot_image_iov(const struct sd_slot_image *img, const struct sd_geometry *g, int c,
		       int slot, struct sd_iov v[2]);
void sd_slot_image_free(struct sd_slot_image *img);

/* A writer's locks: this node's flock, then the cluster lock when the
 * store has one (both nest).  leave() returns rc, or a failure of its own
 * when the cluster lock's release did not reach the disk. */
int sd_store_enter(struct sd_store *st, struct sd_err *err);
int sd_store_leave(struct sd_store *st, int rc, struct sd_err *err);

/* SD_E_CONFLICT when another writer committed since the store last read
 * or committed. */
int sd_store_check_current(struct sd_store *st, struct sd_err *err);

#endif
