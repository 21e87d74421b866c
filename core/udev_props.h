/* What stardm's udev rules learn from it (through `stardm udev-probe` and
 * `stardm udev-name`, which print them as KEY=value properties): which
 * group a block device carries, and which group, volume and snapshot a
 * volume's dm device is, so that every node names them alike. */
#ifndef STARDM_CORE_UDEV_PROPS_H
#define STARDM_CORE_UDEV_PROPS_H

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

#endif
