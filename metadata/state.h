/* In-memory view of a group: its geometry (from the label) and its state
 * (from the newest valid metadata slot).  Native byte order; codec.c turns
 * a state into the on-disk payload and back. */
#ifndef STARDM_STATE_H
#define STARDM_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "base/vec.h"
#include "format.h"

struct sd_geometry {
	uint8_t uuid[16];
	char name[SD_NAME_LEN];
	uint64_t lun_size;
	uint64_t extent_size;
	uint64_t host_area_offset;
	uint32_t host_slots;
	uint64_t slot_size;
	uint64_t copy_offset[2];   /* first slot of copy A (start), copy B (end) */
	uint64_t data_offset;
	uint64_t extent_count;
	uint64_t created_ns;
	bool journal;              /* label version 2: slots may carry journal entries */
};

struct sd_pool {
	uint32_t id, vmid;
	uint64_t transaction_id;
	uint32_t next_thin_id, chunk_sectors, owner_host, flags;
	uint64_t owner_generation, created_ns;
	uint32_t handover_to;
	uint32_t readers[8];      /* a template's pool: bit h set while host h has it loaded */
};

struct sd_segment {
	uint32_t pool_id;
	uint16_t role;
	uint64_t start, count;
};

struct sd_volume {
	uint32_t id, pool_id, thin_id, flags;
	uint64_t size, created_ns;
	char name[SD_NAME_LEN];
	uint32_t origin_id;       /* a linked clone: the base volume it reads through to */
};

struct sd_snapshot {
	uint32_t volume_id, thin_id, flags;
	uint64_t size, created_ns;
	char name[SD_NAME_LEN];
};

struct sd_host {
	uint32_t id, flags;
	uint64_t registered_ns;
	char name[SD_NAME_LEN];
};

struct sd_pending {
	uint32_t pool_id, op, thin_id, origin_id;
	uint64_t transaction_id;
	uint64_t discard_sectors; /* a delete: the device's size, to discard its blocks first */
};

struct sd_state {
	SD_VEC(struct sd_pool) pools;
	SD_VEC(struct sd_segment) segments;
	SD_VEC(struct sd_volume) volumes;
	SD_VEC(struct sd_snapshot) snapshots;
	SD_VEC(struct sd_host) hosts;
	SD_VEC(struct sd_pending) pending;
	uint32_t next_pool_id, next_volume_id;
	uint32_t group_flags;    /* SD_GROUP_* */
	uint32_t reserve_pct;    /* extents kept back for pool growth: SD_RESERVE_PCT_MAX at most */
};

void sd_state_init(struct sd_state *s);
void sd_state_free(struct sd_state *s);
/* Deep copy; 0 or -ENOMEM. */
int sd_state_copy(struct sd_state *dst, const struct sd_state *src);
bool sd_state_equal(const struct sd_state *a, const struct sd_state *b);

/* Layout (layout.c).  Defaults and limits of the format. */
#define SD_DEFAULT_EXTENT_SIZE (4ull << 20)
#define SD_DEFAULT_SLOT_SIZE (32ull << 20)
#define SD_MIN_SLOT_SIZE (64ull << 10)
#define SD_HOST_SLOTS 255u
#define SD_COPY_A_SLOTS_AT (2ull << 20)   /* copy A slots start past the first MiB */
#define SD_TAIL_GAP (1ull << 20)          /* copy B slots end 1 MiB before the end */

/* Fill the offsets of g from lun_size, extent_size and slot_size. */
int sd_layout_compute(struct sd_geometry *g, struct sd_err *err);
/* Byte offset of slot `slot` of copy `copy`. */
uint64_t sd_slot_offset(const struct sd_geometry *g, int copy, int slot);
/* Byte offset of label copy `copy` (0 = start, 1 = end). */
uint64_t sd_label_offset(const struct sd_geometry *g, int copy);

/* Names (names.c): group, volume and snapshot names share one rule. */
bool sd_name_valid(const char *name);

#endif
