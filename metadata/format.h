/* On-disk format of a stardm group, version 1.  docs/format.md is the
 * byte-exact specification; this header must match it.  All integers are
 * little-endian (see le.h); every struct has a fixed size checked below. */
#ifndef STARDM_FORMAT_H
#define STARDM_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "base/le.h"

#define SD_FORMAT_VERSION 1u
/* Label version of a group whose slots may carry a journal after their
 * payload (docs/format.md, section 3); slot headers stay version 1. */
#define SD_FORMAT_VERSION_JOURNAL 2u
/* The label versions this stardm reads, as its host slot announces them. */
#define SD_HOST_FORMATS ((1u << SD_FORMAT_VERSION) | (1u << SD_FORMAT_VERSION_JOURNAL))
#define SD_BLOCK 4096u           /* label, slot header and host slot size */
#define SD_NAME_LEN 64u          /* NUL-padded name fields */

#define SD_LABEL_MAGIC "STARDMLB"
#define SD_SLOT_MAGIC "STARDMMD"
#define SD_PAYLOAD_MAGIC "STARDMPL"
#define SD_HOST_MAGIC "STARDMHS"
#define SD_JOURNAL_MAGIC "STARDMJE"

/* The label: first 4 KiB of the LUN and last 4 KiB of the LUN. */
struct sd_label_disk {
	uint8_t magic[8];          /*   0 "STARDMLB" */
	le32 version;              /*   8 */
	le32 label_size;           /*  12 4096 */
	uint8_t group_uuid[16];    /*  16 */
	char group_name[SD_NAME_LEN]; /* 32 */
	le64 lun_size;             /*  96 bytes */
	le64 extent_size;          /* 104 bytes */
	le64 host_area_offset;     /* 112 */
	le32 host_slot_size;       /* 120 4096 */
	le32 host_slots;           /* 124 */
	le64 slot_size;            /* 128 bytes of one metadata slot */
	le64 copy_offset[2];       /* 136 first slot of copy A, of copy B */
	le64 data_offset;          /* 152 byte offset of extent 0 */
	le64 extent_count;         /* 160 */
	le64 self_offset;          /* 168 where this label copy lives */
	le64 created_ns;           /* 176 informational */
	le32 slots_per_copy;       /* 184 2 */
	le32 flags;                /* 188 0 */
	uint8_t reserved[3900];    /* 192 zero */
	le32 crc;                  /* 4092 crc32c of bytes 0..4091 */
};

/* Header of one metadata slot; the payload follows it directly. */
struct sd_slot_header {
	uint8_t magic[8];          /*   0 "STARDMMD" */
	le32 version;              /*   8 */
	le32 header_size;          /*  12 4096 */
	uint8_t group_uuid[16];    /*  16 */
	le64 seqno;                /*  32 strictly increasing per commit */
	le64 payload_size;         /*  40 bytes after the header */
	le32 payload_crc;          /*  48 crc32c of the payload */
	le32 writer_host;          /*  52 host id of the committer, 0 = none */
	le64 commit_ns;            /*  56 informational only, never ordered on */
	le32 copy_index;           /*  64 0 = copy A, 1 = copy B */
	le32 slot_index;           /*  68 slot within the copy */
	le32 journal_size;         /*  72 bytes after the payload's last block kept for
				    *     journal entries; 0 in a version 1 group */
	uint8_t reserved[4016];    /*  76 zero */
	le32 crc;                  /* 4092 crc32c of bytes 0..4091 */
};

/* Start of the payload: counts of each record array, in this order. */
struct sd_payload_header {
	uint8_t magic[8];          /*   0 "STARDMPL" */
	le32 pool_count;           /*   8 */
	le32 segment_count;        /*  12 */
	le32 volume_count;         /*  16 */
	le32 snapshot_count;       /*  20 */
	le32 host_count;           /*  24 */
	le32 pending_count;        /*  28 */
	le32 next_pool_id;         /*  32 */
	le32 next_volume_id;       /*  36 */
	le32 record_sizes[6];      /*  40 sizes of the six record types */
	le32 group_flags;          /*  64 SD_GROUP_* */
	le32 reserve_pct;          /*  68 share of the extents kept for pool growth, 0..50 */
	uint8_t reserved[56];      /*  72 zero */
};

/* A pool: one VM's dm-thin pool. */
struct sd_pool_rec {
	le32 pool_id;              /*   0 unique in the group, never 0 */
	le32 vmid;                 /*   4 */
	le64 transaction_id;       /*   8 kernel transaction id the pool must reach */
	le32 next_thin_id;         /*  16 next free 24-bit thin device id */
	le32 chunk_sectors;        /*  20 dm-thin data block size, 512 B sectors */
	le32 owner_host;           /*  24 0 = not owned */
	le32 flags;                /*  28 SD_POOL_* */
	le64 owner_generation;     /*  32 bumped on every change of owner */
	le64 created_ns;           /*  40 */
	le32 handover_to;          /*  48 host id a live migration hands the pool to, 0 = none */
	le32 readers[8];           /*  52 a template's pool: bit h = host h has it loaded */
	uint8_t reserved[44];      /*  84 zero */
};

/* A run of extents of one pool; a pool's segments of one role, in record
 * order, are concatenated into its metadata or data device. */
struct sd_segment_rec {
	le32 pool_id;              /*   0 */
	le16 role;                 /*   4 SD_ROLE_* */
	le16 reserved0;            /*   6 zero */
	le64 start_extent;         /*   8 */
	le64 extent_count;         /*  16 */
	le64 reserved1;            /*  24 zero */
};

struct sd_volume_rec {
	le32 volume_id;            /*   0 unique in the group, never 0 */
	le32 pool_id;              /*   4 */
	le32 thin_id;              /*   8 current thin device (changes on rollback) */
	le32 flags;                /*  12 SD_VOL_* */
	le64 size_bytes;           /*  16 */
	le64 created_ns;           /*  24 */
	char name[SD_NAME_LEN];    /*  32 */
	le32 origin_id;            /*  96 a linked clone: its base volume's id, else 0 */
	uint8_t reserved[28];      /* 100 zero */
};

struct sd_snapshot_rec {
	le32 volume_id;            /*   0 the volume it was taken of */
	le32 thin_id;              /*   4 */
	le32 flags;                /*   8 */
	le32 reserved0;            /*  12 zero */
	le64 size_bytes;           /*  16 volume size when taken */
	le64 created_ns;           /*  24 */
	char name[SD_NAME_LEN];    /*  32 */
	uint8_t reserved[32];      /*  96 zero */
};

struct sd_host_rec {
	le32 host_id;              /*   0 1..host_slots */
	le32 flags;                /*   4 */
	le64 registered_ns;        /*   8 */
	char name[SD_NAME_LEN];    /*  16 node name */
	uint8_t reserved[48];      /*  80 zero */
};

/* A pool message the kernel must have applied once the pool reaches
 * transaction_id (brief section 3); replayed on activation. */
struct sd_pending_rec {
	le32 pool_id;              /*   0 */
	le32 op;                   /*   4 SD_OP_* */
	le32 thin_id;              /*   8 */
	le32 origin_id;            /*  12 snapshot origin, else 0 */
	le64 transaction_id;       /*  16 the transaction this op belongs to */
	le64 discard_sectors;      /*  24 a delete: the device's size (to discard), else 0 */
};

/* One per host id: the cluster lock's ticket and the node's heartbeat. */
struct sd_host_slot {
	uint8_t magic[8];          /*   0 "STARDMHS" */
	le32 host_id;              /*   8 */
	le32 state;                /*  12 */
	le64 counter;              /*  16 heartbeat counter */
	le64 timestamp_ns;         /*  24 writer's clock, informational */
	char name[SD_NAME_LEN];    /*  32 */
	le32 lock_choosing;        /*  96 bakery lock: 1 while picking a ticket */
	le32 reserved0;            /* 100 zero */
	le64 lock_ticket;          /* 104 bakery lock: 0 = not waiting or holding */
	le64 nonce;                /* 112 random, set when the slot was claimed */
	le32 formats;              /* 120 bit v set: the writer reads label version v;
				    *     0 from a stardm before the field */
	uint8_t reserved[3968];    /* 124 zero */
	le32 crc;                  /* 4092 */
};

enum { SD_ROLE_META = 1, SD_ROLE_DATA = 2 };
enum { SD_OP_CREATE = 1, SD_OP_SNAP = 2, SD_OP_DELETE = 3 };
enum {
	SD_GROUP_NO_DISCARD = 1u << 0, /* extents a pool frees are not discarded on the LUN */
};
enum { SD_RESERVE_PCT_MAX = 50 }; /* a larger reserve leaves too little to use */
enum {
	SD_POOL_THIN = 1u << 0, /* thin provisioned: starts small, grows as it is written */
	SD_POOL_TEMPLATE = 1u << 1, /* a template's: read-only, loaded on any number of nodes */
};
enum {
	SD_VOL_BASE = 1u << 0,         /* template volume (base-<vmid>-disk-<n>) */
	SD_VOL_AUTOACTIVATE = 1u << 1, /* activated when its group's LUN appears (at boot) */
};

/* A journal entry: a commit of the records that changed since the entry
 * before it (or the slot's payload), written after them in the same slot.
 * The header is followed by body_size bytes of body, then zeros to
 * entry_size. */
struct sd_journal_header {
	uint8_t magic[8];          /*   0 "STARDMJE" */
	le32 version;              /*   8 1 */
	le32 entry_size;           /*  12 bytes on disk, a multiple of 4096 */
	uint8_t group_uuid[16];    /*  16 */
	le64 seqno;                /*  32 the state's sequence number */
	le64 base_seqno;           /*  40 the slot header's */
	le32 prev_crc;             /*  48 crc of the entry before, or the payload's */
	le32 body_size;            /*  52 */
	le32 writer_host;          /*  56 */
	le32 reserved0;            /*  60 zero */
	le64 commit_ns;            /*  64 informational */
	uint8_t reserved[52];      /*  72 zero */
	le32 crc;                  /* 124 crc32c of bytes 0..123, then the body */
};

/* One record array's change: of the old array, the first keep records
 * stay, the next remove go, and insert new records (in the body) take
 * their place; the rest of the old array follows. */
struct sd_journal_splice {
	le32 keep;
	le32 remove;
	le32 insert;
};

#define SD_CHECK_SIZE(type, size) \
	_Static_assert(sizeof(struct type) == (size), #type " must be " #size " bytes")
SD_CHECK_SIZE(sd_label_disk, 4096);
SD_CHECK_SIZE(sd_slot_header, 4096);
SD_CHECK_SIZE(sd_payload_header, 128);
SD_CHECK_SIZE(sd_pool_rec, 128);
SD_CHECK_SIZE(sd_segment_rec, 32);
SD_CHECK_SIZE(sd_volume_rec, 128);
SD_CHECK_SIZE(sd_snapshot_rec, 128);
SD_CHECK_SIZE(sd_host_rec, 128);
SD_CHECK_SIZE(sd_pending_rec, 32);
SD_CHECK_SIZE(sd_host_slot, 4096);
SD_CHECK_SIZE(sd_journal_header, 128);
SD_CHECK_SIZE(sd_journal_splice, 12);
_Static_assert(offsetof(struct sd_journal_header, crc) == 124, "journal crc offset");
_Static_assert(offsetof(struct sd_label_disk, crc) == 4092, "label crc offset");
_Static_assert(offsetof(struct sd_slot_header, crc) == 4092, "slot crc offset");
_Static_assert(offsetof(struct sd_host_slot, crc) == 4092, "host slot crc offset");
_Static_assert(offsetof(struct sd_label_disk, data_offset) == 152, "label layout");
_Static_assert(offsetof(struct sd_volume_rec, name) == 32, "volume layout");

#endif
