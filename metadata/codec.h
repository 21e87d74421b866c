/* Encode and decode the on-disk structures of format.h.  Decoders trust
 * nothing: every length, count, reference and name is checked, so that any
 * byte string yields either a valid state or a clear error. */
#ifndef STARDM_CODEC_H
#define STARDM_CODEC_H

#include <stddef.h>

#include "state.h"

/* Label: one 4 KiB block; copy 0 lives at the start, copy 1 at the end. */
void sd_label_encode(const struct sd_geometry *g, int copy, void *block);
/* Decode a label read from byte offset `at`; checks magic, crc, version and
 * that its geometry is the one the layout rules give. */
int sd_label_decode(const void *block, uint64_t at, struct sd_geometry *g, struct sd_err *err);
/* The label version a geometry is written with: 2 when slots may carry a
 * journal, else 1. */
unsigned sd_label_version(const struct sd_geometry *g);

struct sd_slot_info {
	uint64_t seqno;
	uint64_t payload_size;
	uint32_t payload_crc;
	uint32_t writer_host;
	uint64_t commit_ns;
	uint32_t journal_size; /* bytes kept for journal entries after the payload */
};

/* A slot's header and payload in whole 4 KiB blocks (4Kn LUNs take
 * O_DIRECT I/O only in 4 KiB units): where its journal starts. */
uint64_t sd_slot_io_len(uint64_t payload_size);

void sd_slot_header_encode(const struct sd_geometry *g, int copy, int slot,
			   const struct sd_slot_info *info, void *block);
int sd_slot_header_decode(const void *block, const struct sd_geometry *g, int copy, int slot,
			  struct sd_slot_info *info, struct sd_err *err);

/* Payload: the records of a state.  sd_record_sizes: the six arrays'
 * record sizes, in payload order. */
extern const uint32_t sd_record_sizes[6];
size_t sd_payload_size(const struct sd_state *s);
void sd_payload_encode(const struct sd_state *s, void *buf);
int sd_payload_decode(const void *buf, size_t len, const struct sd_geometry *g,
		      struct sd_state *s, struct sd_err *err);

/* Journal entries (codec_journal.c).  A state in a slot with a journal is
 * its payload followed by a chain of entries, each naming the sequence
 * number and crc of the state before it; the chain ends at the first
 * entry that does not continue it. */
struct sd_journal_link {
	uint64_t seqno; /* of the state so far */
	uint32_t crc;   /* of its last entry; the payload's before the first */
};

/* Bytes a slot whose payload has payload_size bytes keeps for its
 * journal (0: none fits, or the group has none). */
uint32_t sd_journal_size_for(const struct sd_geometry *g, uint64_t payload_size);

/* The entry taking the encoded payload old to neu (both whole and checked
 * by their writer), continuing prev on the slot's base_seqno: *out (whole blocks, sd_io_alloc'd) of *len bytes. */
int sd_journal_encode(const struct sd_geometry *g, const void *old, const void *neu,
		      uint64_t base_seqno, struct sd_journal_link prev, uint32_t writer_host,
		      void **out, size_t *len);

/* Whether the avail bytes at p begin with the entry that continues prev
 * on base_seqno: true with its on-disk length and the link it ends. */
bool sd_journal_next(const void *p, size_t avail, const struct sd_geometry *g,
		     uint64_t base_seqno, struct sd_journal_link prev, size_t *len,
		     struct sd_journal_link *next);

/* The payload size an entry (checked by sd_journal_next) leads to. */
size_t sd_journal_result_size(const void *entry);

/* Apply a checked entry to the encoded payload of old_len bytes in buf,
 * in place: buf then holds the new payload (sd_journal_result_size bytes,
 * which must not pass cap).  Only the runs of records that move are
 * copied: an entry that replaces records in place moves nothing. */
int sd_journal_apply(const void *entry, void *buf, size_t old_len, size_t cap,
		     struct sd_err *err);

/* Semantic checks shared by decode and commit (validate.c). */
int sd_state_validate(const struct sd_state *s, const struct sd_geometry *g, struct sd_err *err);

#endif
