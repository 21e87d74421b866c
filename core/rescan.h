/* Making this node's kernel see a LUN's new size. */
#ifndef STARDM_CORE_RESCAN_H
#define STARDM_CORE_RESCAN_H

/* Ask the kernel to read the size of dev's disk again: a SCSI disk is
 * rescanned; a multipath map has each of its paths rescanned and then
 * multipathd resizes the map.  Disks that learn their size by themselves
 * (virtio, NVMe) and image files need nothing.  Best effort: what cannot
 * be done shows as the size staying as it was. */
void sdg_device_rescan(const char *dev);

#endif
