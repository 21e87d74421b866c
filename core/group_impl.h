/* Inside an open group: core/'s own.  Nothing outside core/ includes
 * this (make layers checks); the CLI reaches a group through group.h. */
#ifndef STARDM_CORE_GROUP_IMPL_H
#define STARDM_CORE_GROUP_IMPL_H

#include <limits.h>
#include <stdbool.h>

#include "core/group.h"
#include "metadata/hostlock.h"
#include "metadata/io.h"
#include "metadata/state.h"
#include "metadata/store.h"

struct sdg {
	char path[PATH_MAX];   /* device the group was found on */
	struct sd_io *io;
	struct sd_store *st;
	struct sd_state state;
	/* SDG_WRITE: this node's host slot and the cluster lock, held from
	 * open to close like the host-local flock */
	struct sd_geometry lock_geo;
	struct sd_hostlock cluster;
	bool cluster_held;
	int node_lock_fd;      /* the group's lock file (core/node_lock.h), or -1 */
};

#endif
