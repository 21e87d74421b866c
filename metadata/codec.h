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

struct sd_slot_info {
	uint64_t seqno;
	uint64_t payload_size;
	uint32_t payload_crc;
	uint32_t writer_host;
	uint64_t commit_ns;
};

void sd_slot_header_encode(const struct sd_geometry *g, int copy, int slot,
			   const struct sd_slot_info *info, void *block);
int sd_slot_header_decode(const void *block, const struct sd_geometry *g, int copy, int slot,
			  struct sd_slot_info *info, struct sd_err *err);

/* Payload: the records of a state. */
size_t sd_payload_size(const struct sd_state *s);
void sd_payload_encode(const struct sd_state *s, void *buf);
int sd_payload_decode(const void *buf, size_t len, const struct sd_geometry *g,
		      struct sd_state *s, struct sd_err *err);

/* Semantic checks shared by decode and commit (validate.c). */
int sd_state_validate(const struct sd_state *s, const struct sd_geometry *g, struct sd_err *err);

#endif
