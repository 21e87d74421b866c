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
	size_t payload_len; /* whole blocks */
	struct sd_slot_info info;
};

/* Encode state as sequence seq for slot index `slot` into img: the payload
 * is encoded and checksummed once.  -ENOMEM (nothing allocated) when out
 * of memory. */
int sd_store_build_slots(struct sd_store *st, const struct sd_state *state, uint64_t seq,
			 int slot, struct sd_slot_image *img);
/* The two writes (header block, payload) of copy c's slot `slot` on g. */
void sd_slot_image_iov(const struct sd_slot_image *img, const struct sd_geometry *g, int c,
		       int slot, struct sd_iov v[2]);
void sd_slot_image_free(struct sd_slot_image *img);

/* Whether a slot written now may carry a journal: a version 2 group whose
 * labels do not disagree.  Labels that disagree (a format conversion cut
 * short, store_convert.c) get slots that both versions read, and the
 * commit makes the labels agree again. */
bool sd_store_journal_on(const struct sd_store *st);

/* Both labels were just written for st->geo: valid, at its version. */
void sd_store_labels_written(struct sd_store *st);

/* A writer's locks: this node's flock, then the cluster lock when the
 * store has one (both nest).  leave() returns rc, or a failure of its own
 * when the cluster lock's release did not reach the disk. */
int sd_store_enter(struct sd_store *st, struct sd_err *err);
int sd_store_leave(struct sd_store *st, int rc, struct sd_err *err);

/* The held state's encoded payload is now bytes, len of cap (owned: freed
 * by the store; else it lies in the store's I/O buffer). */
void sd_store_hold_bytes(struct sd_store *st, void *bytes, size_t len, size_t cap, bool owned);

/* The batch v (n writes; copy_of[i] is write i's copy) failed with
 * batch_rc: each write again alone; what landed decides (store.c). */
int sd_store_write_each(struct sd_store *st, struct sd_iov *v, const int *copy_of, unsigned n,
			int batch_rc, uint64_t seq, struct sd_err *err);

/* The journal (store_journal.c).  A slot's bytes: header and payload in
 * whole blocks (sd_slot_io_len), then the journal at sd_journal_offset. */
uint64_t sd_journal_offset(const struct sd_geometry *g, int copy, int slot,
			   uint64_t payload_size);

/* A state followed along its journal: the payload it has reached. */
struct sd_journal_walk {
	void *bytes;      /* encoded payload */
	size_t len, cap;  /* cap: what the buffer at bytes holds */
	bool owned;       /* bytes were allocated by the walk */
	struct sd_journal_link end;
	uint32_t used;    /* bytes of the journal behind it */
	unsigned entries;
};

/* Follow the entries in win (the journal of the slot whose header is
 * info) from w->used; with apply, each entry's state becomes w->bytes. */
int sd_journal_walk(const struct sd_geometry *g, const struct sd_slot_info *info,
		    const char *win, bool apply, struct sd_journal_walk *w, struct sd_err *err);
void sd_journal_walk_free(struct sd_journal_walk *w);

/* *yes when either copy holds an entry continuing the held state. */
int sd_store_journal_continued(struct sd_store *st, bool *yes, struct sd_err *err);

/* Commit state as sequence seq in one entry after the held state's;
 * *written false (and 0) when it does not fit in the journal's room. */
int sd_store_write_entry(struct sd_store *st, const struct sd_state *state, uint64_t seq,
			 bool *written, struct sd_err *err);

/* Write state as the next sequence number in a slot of each copy (no
 * journal entry), holding both locks and with nothing newer on disk. */
int sd_store_commit_whole(struct sd_store *st, const struct sd_state *state,
			  struct sd_err *err);

/* SD_E_CONFLICT when another writer committed since the store last read
 * or committed. */
int sd_store_check_current(struct sd_store *st, struct sd_err *err);

#endif
