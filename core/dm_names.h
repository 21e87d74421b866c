/* Every device-mapper device stardm makes is named here and nowhere else:
 * its dm name, its dm uuid and its /dev/mapper path, derived only from
 * what the metadata records (group name and uuid, pool id and VM id,
 * volume and snapshot names and ids), never from minor numbers, so every
 * node derives the same ones.  Others depend on the exact forms: the
 * fence finds a pool's thin devices by their uuid prefix, and scan tells
 * our devices from others' by the common prefix.
 *
 *   role           dm name                   dm uuid (U: group uuid)
 *   pool metadata  stardm-G-vmV-tmeta        STARDM-U-tmeta-P
 *   pool data      stardm-G-vmV-tdata        STARDM-U-tdata-P
 *   thin-pool      stardm-G-vmV-pool         STARDM-U-pool-P
 *   volume         stardm-G-VOL              STARDM-U-thin-P-I-T
 *   snapshot       stardm-G-VOL--SNAP        STARDM-U-thin-P-I-T
 *   placeholder    stardm-G-VOL--@zero       none
 * (G group, V VM id, P pool id, I volume id, T thin id.  '--' never occurs
 * in a volume name and '@' never in a snapshot name, so no two collide.) */
#ifndef STARDM_CORE_DM_NAMES_H
#define STARDM_CORE_DM_NAMES_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/group.h"
#include "dm/dm.h"

#define SDG_DM_NAME 256 /* dm allows 127; longer names fail loudly at create */
#define SDG_DM_UUID_PREFIX "STARDM-"

enum sdg_dm_role {
	SDG_DM_TMETA,       /* the pool's metadata device (private) */
	SDG_DM_TDATA,       /* the pool's data device (private) */
	SDG_DM_POOL,        /* the thin-pool (private) */
	SDG_DM_VOLUME,      /* a volume's thin device (public) */
	SDG_DM_SNAPSHOT,    /* an active snapshot's thin device (public) */
	SDG_DM_PLACEHOLDER, /* the zero device under a migration target's volume (private) */
	SDG_DM_DISCARD,     /* a deleted thin device, live a moment for its discard (private) */
	SDG_DM_ORIGIN,      /* a base volume read by its linked clones (private, read-only) */
};

struct sdg_dm_id {
	char name[SDG_DM_NAME];
	char uuid[SDG_DM_NAME];     /* "" for a device without one */
	char path[SDG_DM_NAME + 16];
	unsigned dm_flags;          /* SDM_PRIVATE: layers; SDM_GUEST: a guest's volume */
};

/* A pool layer (SDG_DM_TMETA, SDG_DM_TDATA or SDG_DM_POOL) of pool p. */
void sdg_dm_pool(const struct sdg *g, const struct sd_pool *p, enum sdg_dm_role role,
		 struct sdg_dm_id *out);
/* Volume vol, or its snapshot snap; the uuid is empty when the volume (or
 * the snapshot) is not in the metadata. */
void sdg_dm_volume(const struct sdg *g, const char *vol, const char *snap, struct sdg_dm_id *out);
/* The same without the uuid (and without looking the volume up): its name,
 * path and flags, for a caller that names or queries the device only. */
void sdg_dm_volume_name(const struct sdg *g, const char *vol, const char *snap,
			struct sdg_dm_id *out);
/* The udev link of volume vol (or its snapshot snap) that 56-stardm.rules
 * makes: /dev/stardm/GROUP/VOL[--SNAP]. */
void sdg_dm_volume_link(const struct sdg *g, const char *vol, const char *snap, char out[PATH_MAX]);
/* The zero device under the placeholder of vol (a handover's target). */
void sdg_dm_placeholder(const struct sdg *g, const char *vol, struct sdg_dm_id *out);
/* Thin device thin_id of pool p, live only while its blocks are discarded
 * before its delete; its uuid has the pool's thin prefix, so what fences
 * or takes down the pool finds one a killed command left. */
void sdg_dm_discard(const struct sdg *g, const struct sd_pool *p, uint32_t thin_id,
		    struct sdg_dm_id *out);
bool sdg_dm_is_discard(const char *dm_name);
/* Base volume base of template pool p as its clones' origin; its uuid has
 * the template pool's thin prefix (the pool stays up while it lives). */
void sdg_dm_origin(const struct sdg *g, const struct sd_pool *p, const struct sd_volume *base,
		   struct sdg_dm_id *out);
/* The uuid prefix every thin device (volume or snapshot) of pool p has. */
void sdg_dm_thin_prefix(const struct sdg *g, const struct sd_pool *p, char out[SDG_DM_NAME]);
/* The uuid prefix of every thin device (volume, snapshot, origin) of the
 * group, or with pools set of every thin-pool of it. */
void sdg_dm_group_prefix(const uint8_t uuid[16], bool pools, char out[SDG_DM_NAME]);
/* The volume and snapshot of a volume's or snapshot's dm name in group
 * (vol and snap of SD_NAME_LEN; snap "" for a volume): 0, or -1 when the
 * name is not one of group's volume devices. */
int sdg_dm_parse_volume(const char *dm_name, const char *group, char *vol, char *snap);
/* The group uuid in a dm uuid stardm gave (out: 37 bytes): 0, or -1. */
int sdg_dm_uuid_group(const char *dm_uuid, char out[37]);
/* Whether a dm uuid is one stardm gave. */
bool sdg_dm_uuid_ours(const char *uuid);

#endif
