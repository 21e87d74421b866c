#include "core/convert.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/group_impl.h"
#include "metadata/codec.h"
#include "metadata/format.h"

/* The other nodes whose host slots do not say they read `version`, into
 * names (", "-separated); their count, or a negative errno.  A stardm
 * older than the slot's field says nothing, and reads version 1 only. */
static int nodes_that_cannot_read(const struct sdg *g, unsigned version, char *names,
				   size_t len)
{
	struct sd_host_slot_info *info = calloc(256, sizeof(*info));
	int n = info ? sd_host_slots_read(g->io, &g->st->geo, info, 256) : -ENOMEM;
	int found = 0;
	names[0] = '\0';
	for (int i = 0; i < n; i++) {
		uint32_t reads = info[i].formats ? info[i].formats : 1u << SD_FORMAT_VERSION;
		if (!info[i].valid || info[i].id == g->cluster.id || (reads & (1u << version)))
			continue;
		size_t at = strlen(names);
		snprintf(names + at, len - at, "%s%s (host slot %u)", found ? ", " : "",
			 info[i].name, info[i].id);
		found++;
	}
	free(info);
	return n < 0 ? n : found;
}

int sdg_convert(struct sdg *g, unsigned version, bool force, struct sdg_convert_result *r,
		struct sd_err *err)
{
	memset(r, 0, sizeof(*r));
	r->old_version = sd_label_version(&g->st->geo);
	char names[512];
	int n = version == SD_FORMAT_VERSION_JOURNAL
		? nodes_that_cannot_read(g, version, names, sizeof(names)) : 0;
	if (n < 0)
		return sd_fail(err, -n, "cannot read the host slots: %s", strerror(-n));
	if (n && !force)
		return sd_fail(err, EBUSY, "node%s %s run%s a stardm that cannot read format "
			       "version %u: upgrade %s first (--force if %s no longer use%s the group)",
			       n > 1 ? "s" : "", names, n > 1 ? "" : "s", version,
			       n > 1 ? "them" : "it", n > 1 ? "they" : "it", n > 1 ? "" : "s");
	int rc = sd_store_convert(g->st, &g->state, version, &r->converted, err);
	r->new_version = sd_label_version(&g->st->geo);
	return rc;
}
