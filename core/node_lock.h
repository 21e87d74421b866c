/* The lock that keeps this node's processes out of each other's way in a
 * group's host slot: a file in the node's runtime directory named by the
 * group's uuid.  Not a flock on the device node: a monitor started on one
 * path of a LUN and a command run on its multipath map (or on a by-id
 * link to another path) reach one group through different device nodes,
 * and flocks on two device nodes do not see each other. */
#ifndef STARDM_CORE_NODE_LOCK_H
#define STARDM_CORE_NODE_LOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "metadata/io.h"

/* Point io's lock_fd at the group's lock file; the fd to close after io,
 * or -1 when the file cannot be opened (no writable runtime directory:
 * io keeps locking the device itself). */
int sdg_node_lock_attach(struct sd_io *io, const uint8_t uuid[16]);
/* The group's lock file itself (its note of the node's last heartbeat:
 * sd_host_note_read), or -1. */
int sdg_node_lock_open(const uint8_t uuid[16]);
/* The mark the self-fence (core/self_fence.h) keeps in the runtime
 * directory while this node's disks of the group are suspended: writers
 * refuse to start meanwhile, and a monitor started again finds what its
 * predecessor left suspended.  Set or clear it: 0, or -errno. */
int sdg_node_fence_mark(const uint8_t uuid[16], bool on);
bool sdg_node_fenced(const uint8_t uuid[16]);

#endif
