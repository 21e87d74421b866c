#ifndef STARDM_CORE_SCAN_H
#define STARDM_CORE_SCAN_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "metadata/state.h"

/* Every block device that carries a stardm label. */
struct sdg_found {
	char devnode[PATH_MAX];
	char by_id[PATH_MAX];     /* /dev/disk/by-id/... or "" */
	struct sd_geometry geo;
	bool label_valid[2];
};
int sdg_scan(struct sdg_found **out, size_t *n, struct sd_err *err);
/* The label on devnode alone: 1 (f filled, by_id empty), 0 none, -1 when
 * the device cannot be read. */
int sdg_probe(const char *devnode, struct sdg_found *f);
/* Whether the group with this uuid is gone: devnode, the device it was
 * on, holds another group now (formatted again) and no device carries
 * the uuid.  1 (now: the uuid on devnode) or 0; a device that cannot be
 * read or shows no label is no proof of a format, so 0. */
int sdg_group_gone(const char *devnode, const uint8_t uuid[16], char now[37]);

#endif
