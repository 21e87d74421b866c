/* What a node does when a group's LUN appears (at boot, after an iSCSI
 * login or a multipath map's assembly: stardm-autoactivate@.service,
 * started by the LUN's udev event).  After an unclean reboot the metadata
 * may still name this node the owner of pools its new kernel does not
 * have (or a reader of templates it does not have loaded): each is
 * released, or, when it holds volumes marked for
 * auto-activation, activated again.  Volumes so marked in released pools
 * are activated too (outside Proxmox nothing else would start them); a
 * pool another node owns is never touched, and a handover to this node
 * that has no placeholder here any more is withdrawn. */
#ifndef STARDM_CORE_AUTOACTIVATE_H
#define STARDM_CORE_AUTOACTIVATE_H

#include <stdbool.h>

#include "core/group.h"

struct sdg_autoactivation {
	unsigned released;   /* pools this node owned (or read) but had not loaded */
	unsigned activated;  /* volumes activated */
	unsigned withdrawn;  /* handovers to this node without a placeholder */
	unsigned failed;     /* volumes that could not be activated (err: the last) */
};
int sdg_autoactivate(struct sdg *g, struct sdg_autoactivation *r, struct sd_err *err);
/* Mark volume vol for auto-activation, or clear the mark. */
int sdg_volume_set_autoactivate(struct sdg *g, const char *vol, bool on, struct sd_err *err);

#endif
