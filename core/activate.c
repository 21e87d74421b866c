/* Activation as Proxmox asks for it: the volume itself, or, on a live
 * migration's target whose pool the source still holds, a handover's
 * placeholder. */
#include "core/activate.h"

#include "core/handover.h"
#include "core/owner.h"
#include "core/volume.h"


int sdg_activate(struct sdg *g, const char *vol, const struct sdg_activation_req *req,
		 char path[PATH_MAX], enum sdg_activation *how, struct sd_err *err)
{
	/* the target of a live migration: the pool is still live on the source */
	if (req->incoming && !req->snap && sdg_handover_owned(g, vol) != SDG_HANDOVER_OURS &&
	    sdg_volume_owner_elsewhere(g, vol)) {
		*how = SDG_ACTIVATED_PLACEHOLDER;
		return sdg_handover_prepare(g, vol, path, err);
	}
	*how = SDG_ACTIVATED;
	return sdg_volume_activate(g, vol, req->snap, req->readonly, req->force,
				   req->wait_s ? req->wait_s : 10, path, err);
}
