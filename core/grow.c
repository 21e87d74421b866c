#include "core/grow.h"

#include <errno.h>
#include <string.h>

#include "core/group_impl.h"
#include "core/rescan.h"
#include "core/udev_props.h"

int sdg_grow(struct sdg *g, struct sdg_grow_result *r, struct sd_err *err)
{
	memset(r, 0, sizeof(*r));
	r->old_size = g->st->geo.lun_size;
	r->old_extents = g->st->geo.extent_count;
	sdg_device_rescan(g->path);
	int rc = sd_io_refresh_size(g->io);
	if (rc)
		return sd_fail(err, -rc, "%s: cannot read its size: %s", g->path, strerror(-rc));
	rc = sd_store_grow(g->st, &g->state, &r->grown, err);
	r->new_size = g->st->geo.lun_size;
	r->new_extents = g->st->geo.extent_count;
	if (rc == 0 && r->grown) /* this node's udev reads the new labels */
		sdg_udev_changed(g->path);
	return rc;
}
