/* A group's space: what its LUN holds, what the pools hold, and the
 * reserve, a share of the extents kept back for pools that grow as they
 * are written (new disks and resizes may not take it; the monitor's
 * growth may).  ZFS keeps about 3% back the same way. */
#ifndef STARDM_CORE_SPACE_H
#define STARDM_CORE_SPACE_H

#include <stdint.h>

#include "core/group.h"

#define SDG_RESERVE_DEFAULT_PCT 3u /* a new group's reserve */

/* How close the group is to running out, for warnings: LOW when free
 * space is within 5% of the LUN of the reserve, RESERVE when pools grew
 * into it, FULL when no extent is free. */
enum sdg_space_level { SDG_SPACE_OK, SDG_SPACE_LOW, SDG_SPACE_RESERVE, SDG_SPACE_FULL };

/* Space of a group, in bytes. */
struct sdg_space {
	uint64_t total, used, free; /* the LUN's extents: pools hold `used` */
	uint64_t extent_size, extents_total, extents_free;
	uint64_t provisioned;       /* the volumes' sizes, snapshots not counted */
	unsigned thin_pools;        /* pools provisioned thin */
	uint64_t group_size;        /* bytes of the LUN the group spans */
	uint64_t device_size;       /* bytes the device has: more when the LUN grew */
	unsigned reserve_pct;
	uint64_t reserve;           /* bytes kept back for pool growth */
	uint64_t available;         /* free bytes new disks and resizes may take */
	enum sdg_space_level level;
};
void sdg_space(const struct sdg *g, struct sdg_space *sp);

/* "ok", "low", "reserve", "full". */
const char *sdg_space_level_name(enum sdg_space_level l);

/* Extents the reserve keeps back, and those an allocation may take:
 * growth of a pool may use the reserve, new space for disks may not. */
uint64_t sdg_reserve_extents(const struct sdg *g);
uint64_t sdg_extents_available(const struct sdg *g, int growth);

/* Set the reserve (0 to 50 percent of the group's extents); check: 0 when
 * pct is one a group may have. */
int sdg_set_reserve(struct sdg *g, unsigned pct, struct sd_err *err);
int sdg_reserve_check(unsigned pct, struct sd_err *err);

#endif
