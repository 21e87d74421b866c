#include "core/convert.h"

#include <string.h>

#include "core/group_impl.h"
#include "metadata/codec.h"

int sdg_convert(struct sdg *g, unsigned version, struct sdg_convert_result *r,
		struct sd_err *err)
{
	memset(r, 0, sizeof(*r));
	r->old_version = sd_label_version(&g->st->geo);
	int rc = sd_store_convert(g->st, &g->state, version, &r->converted, err);
	r->new_version = sd_label_version(&g->st->geo);
	return rc;
}
