/* What stardm's udev rules learn from it (through `stardm udev-probe` and
 * `stardm udev-name`, which print them as KEY=value properties): which
 * group a block device carries, and which group, volume and snapshot a
 * volume's dm device is, so that every node names them alike. */
#ifndef STARDM_CORE_UDEV_PROPS_H
#define STARDM_CORE_UDEV_PROPS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/group.h"
#include "metadata/state.h"

/* A volume's (or active snapshot's) dm device, as its links name it. */
struct sdg_volume_names {
	char group[SD_NAME_LEN];
	char group_uuid[37];
	char vol[SD_NAME_LEN];
	char snap[SD_NAME_LEN]; /* "" for the volume itself */
};

/* From the dm name and uuid alone: the group's name comes from the udev
 * database (the LUN's STARDM_GROUP_UUID and STARDM_GROUP_NAME, set by the
 * LUN's rule), else from the name's first split that leaves a Proxmox
 * volume name.  0, or -1 when the device is not a volume of stardm's. */
int sdg_udev_volume(const char *dm_name, const char *dm_uuid, struct sdg_volume_names *out);
/* The KEY=value lines 56-stardm.rules imports for a volume's device
 * (STARDM_VOLUME_GROUP, _GROUP_UUID, STARDM_VOLUME, STARDM_SNAPSHOT). */
void sdg_udev_names_format(const struct sdg_volume_names *n, char *out, size_t len);
/* Before vol's (or its snapshot snap's) device dm_name is made: its names
 * in /run/stardm/udev/DM_NAME, which 56-stardm.rules imports as a file
 * instead of starting `stardm udev-name` for each of the device's events
 * (a process start per event).  Best effort: without the file the rule
 * runs the program.  sdg_udev_names_forget once the device is gone. */
void sdg_udev_names_note(const struct sdg *g, const char *dm_name, const char *vol,
			 const char *snap);
void sdg_udev_names_forget(const char *dm_name);
/* Whether s is a uuid as stardm prints them (8-4-4-4-12 hex digits). */
bool sdg_is_uuid(const char *s);
/* The devices the udev database says carry group, a name or a uuid (by
 * STARDM_GROUP_NAME or STARDM_GROUP_UUID,
 * multipath paths already left out by the rule): their number (up to max
 * in nodes), or -1 when no udev daemon runs here (then only a scan finds
 * a group). */
int sdg_udev_group_devices(const char *group, char (*nodes)[PATH_MAX], size_t max);
/* Whether a udev daemon runs here (its control socket exists). */
bool sdg_udev_running(void);
/* Whether volumes have stardm's udev names on this node: udevd runs and
 * 56-stardm.rules is installed. */
bool sdg_udev_names(void);
/* Tell udev that path's content changed (its label: a "change" uevent), so
 * that its rules read it again; a no-op without udev. */
void sdg_udev_changed(const char *path);

#endif
