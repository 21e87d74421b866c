#ifndef STARDM_CORE_ACTIVATE_H
#define STARDM_CORE_ACTIVATE_H

#include <limits.h>
#include <stdbool.h>

#include "core/group.h"

/* What a node asks when Proxmox activates a volume (activate_volume). */
struct sdg_activation_req {
	const char *snap;    /* a snapshot's device instead of the volume's */
	bool readonly;
	bool force;          /* take the pool over from a dead owner ... */
	unsigned wait_s;     /* ... whose heartbeat stood still this long (0: 10 s) */
	bool incoming;       /* this node is a live migration's target */
};
enum sdg_activation {
	SDG_ACTIVATED,            /* the volume's device is live here */
	SDG_ACTIVATED_PLACEHOLDER /* a migration target: a placeholder until the handover */
};
/* Activate as asked: on a live migration's target whose pool the source
 * still holds, the placeholder of a handover; otherwise the volume itself.
 * *how says which. */
int sdg_activate(struct sdg *g, const char *vol, const struct sdg_activation_req *req,
		 char path[PATH_MAX], enum sdg_activation *how, struct sd_err *err);

#endif
