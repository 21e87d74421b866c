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
	bool state_lent;       /* state is a reader's (sdg_open_read): not freed here */
	/* SDG_WRITE: this node's host slot and the cluster lock, held from
	 * open to close like the host-local flock */
	struct sd_geometry lock_geo;
	struct sd_hostlock cluster;
	bool cluster_held;
	int node_lock_fd;      /* the group's lock file (core/node_lock.h), or -1 */
};

/* A command inside the cluster lock for long (a forced takeover's wait, a
 * node's start of its VMs) rewrites its node's slot once a second, as the
 * monitor's heartbeat does; call it in such a command's loops.  A counter
 * that stood still would let the node's own fence suspend its disks after
 * 5 s and other nodes take it for dead (a forced takeover after 10 s, its
 * ticket after 20).  No I/O within a second of the slot's last write, and
 * none outside the lock. */
int sdg_keep_alive(struct sdg *g, struct sd_err *err);

#endif
