/* Which device carries a group, remembered between commands so that a
 * command naming its group skips the udev database (its enumeration walks
 * sysfs: about 15 ms of every command on a slow node).  A hint is written
 * only after the database named exactly one device, and it is only a
 * hint: the command reads the label of the device it names and goes back
 * to the database when that is not the group asked for.  Every udev event
 * of a device that carries a label (`stardm udev-probe`) forgets the hints
 * of its group, so a second device with the group (a copy of the LUN, a
 * path without multipath) is seen in the database as before.  Files in
 * the run directory's luns/, one per group name or uuid. */
#ifndef STARDM_CORE_LUN_HINT_H
#define STARDM_CORE_LUN_HINT_H

#include <stddef.h>

/* The device remembered for group (a name or a uuid) into path: 0, or -1
 * when none is, or it no longer exists. */
int sdg_lun_hint_get(const char *group, char *path, size_t len);
/* Remember that path carries group (best effort). */
void sdg_lun_hint_put(const char *group, const char *path);
/* Forget group's device. */
void sdg_lun_hint_forget(const char *group);

#endif
