/* A group on a device: reads the label and metadata copies, picks the
 * newest valid slot, and commits new states atomically (docs/format.md,
 * "Reading" and "Commit protocol"). */
#ifndef STARDM_STORE_H
#define STARDM_STORE_H

#include "codec.h"
#include "hostlock.h"
#include "io.h"
#include "state.h"

struct sd_slot_status {
	bool valid;       /* header and payload check out */
	uint64_t seqno;   /* from the header when it decoded, else 0 */
	uint64_t payload_size;
	unsigned journal_entries;  /* entries after its payload that continue it */
	uint64_t journal_seqno;    /* the sequence number they reach (seqno without any) */
	char error[512];  /* why it is not valid */
};

struct sd_copy_status {
	bool label_valid;
	unsigned label_version;  /* the valid label's format version, else 0 */
	char label_error[512];
	struct sd_slot_status slot[2];
};

/* Which slot a state was read from, what its header says of it, and where
 * its journal ended.  Equal marks mean equal states: a slot's payload is
 * never written while it holds the newest state, each commit raises the
 * sequence number, and entries only ever follow the ones before them. */
struct sd_store_mark {
	bool set;
	uint8_t group_uuid[16];
	uint64_t extent_count, copy_offset[2]; /* where the slots were */
	int slot;                              /* 0..3: copy * 2 + slot index */
	uint64_t seqno, payload_size;
	uint32_t payload_crc;
	uint32_t journal_size, journal_used;   /* bytes kept for entries, taken by them */
	struct sd_journal_link journal_end;    /* the state's sequence number and link */
};

/* Where the held state's journal stands, for the next commit. */
struct sd_journal_pos {
	int slot;                 /* slot index (0, 1) of the state's payload */
	uint64_t base_seqno;      /* its header's sequence number */
	uint64_t payload_size;
	uint32_t size, used;      /* bytes kept for entries, taken by them */
	struct sd_journal_link end;
	bool can_append;          /* both copies end alike and no newer header is in doubt */
	bool both_sound;          /* both copies' payloads are known to check out */
};

struct sd_store {
	struct sd_io *io;
	struct sd_geometry geo;
	uint64_t seqno;                 /* of the state the caller holds */
	int source_copy;                /* copy the state was read from */
	struct sd_copy_status copy[2];
	uint32_t writer_host;           /* recorded in slot headers */
	int lock_depth;
	char warning[512];              /* set when a commit landed in one copy only */
	struct sd_hostlock *cluster;    /* when set, commits take the cluster lock */
	bool no_flock;                  /* tests: act as separate nodes on one host */
	void *buf;                      /* I/O buffer of a slot, kept from read to commit */
	size_t buf_len;
	struct sd_store_mark mark;      /* of the state read */
	struct sd_journal_pos journal;  /* of the state held */
	void *bytes;                    /* the held state's encoded payload */
	size_t bytes_len, bytes_cap;
	bool bytes_owned;               /* else it lies in buf */
	bool plain_slots;               /* slots without a journal, whatever the labels say */
	const struct sd_store_mark *known; /* sd_store_open_since: the caller's */
	bool unchanged;                 /* the newest slot is still *known's */
};

enum {
	SD_STORE_LOCK = 1,      /* hold the host-local lock from open to close */
	SD_STORE_CHECK_ALL = 2, /* read and check every slot, not only the newest that
				 * checks out (the slot status then covers all four) */
};

/* Read the group on io into *state: the newest slot that checks out.  The
 * store does not own io. */
int sd_store_open(struct sd_io *io, int flags, struct sd_store **out, struct sd_state *state,
		  struct sd_err *err);
void sd_store_close(struct sd_store *st);

/* Open for reading (flags as sd_store_open; not SD_STORE_CHECK_ALL), but
 * when the group's newest slot is still the one *known was taken from
 * (st->mark of an earlier open), read no payload: *unchanged is set and
 * *state is left as it is, for the caller to keep the state it holds.  A
 * long-running reader (the monitor, which looks every second or two) then
 * reads four slot headers a pass, not a large group's whole payload.  The
 * full read's protocol is otherwise unchanged: a newer header, a moved
 * copy or another group mean a full read. */
int sd_store_open_since(struct sd_io *io, int flags, const struct sd_store_mark *known,
			struct sd_store **out, struct sd_state *state, bool *unchanged,
			struct sd_err *err);

/* Write state as the next sequence number: in a version 2 group as a
 * journal entry after the held state's when that is safe and fits, else as
 * a slot of each copy (docs/format.md, "Commit protocol").  Fails with
 * SD_E_CONFLICT ("concurrent metadata update detected") if another writer
 * committed since this store read or last committed. */
int sd_store_commit(struct sd_store *st, const struct sd_state *state, struct sd_err *err);

/* Take in a device that grew since the group was made or last grown: the
 * end copy moves to the new end and the extents between join the group
 * (crash-safe; store_grow.c).  *grown is false when the device has the
 * size the group records. */
int sd_store_grow(struct sd_store *st, const struct sd_state *state, bool *grown,
		  struct sd_err *err);

/* Rewrite the group as format version `version` (1 or 2; docs/format.md,
 * "Converting"): every slot without a journal, then both labels.  Holds
 * both locks; crash-safe at every write.  *changed is false when both
 * labels already say that version. */
int sd_store_convert(struct sd_store *st, const struct sd_state *state, unsigned version,
		     bool *changed, struct sd_err *err);

/* Write a new group described by g (uuid, name, sizes) onto io, holding
 * first (NULL: empty) as its first state. */
int sd_store_format(struct sd_io *io, struct sd_geometry *g, const struct sd_state *first,
		    struct sd_err *err);

/* Host-local exclusive lock (flock on the io's lock_fd); nests. */
int sd_store_lock(struct sd_store *st, struct sd_err *err);
void sd_store_unlock(struct sd_store *st);

/* Read the labels only (for scan): 0 and *g filled when either is valid;
 * -SD_E_DEVSIZE, with *g filled, when the device is smaller than the group
 * (this node has not seen the LUN grow). */
int sd_store_probe(struct sd_io *io, struct sd_geometry *g, struct sd_copy_status copy[2],
		   struct sd_err *err);

#endif
