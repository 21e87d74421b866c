/* The kernel as core/ reaches it: every device-mapper call of core/ goes
 * through this table, the kernel's (libdevmapper) unless a host test put
 * its recording fake in its place. */
#ifndef STARDM_CORE_DM_OPS_H
#define STARDM_CORE_DM_OPS_H

#include "dm/dm.h"

extern const struct sdm_ops *sdg_dm;

#endif
