/* The cluster lock for metadata commits (hostlock.c): Lamport's bakery over
 * the per-node host slots on the LUN. */
#ifndef STARDM_HOSTLOCK_H
#define STARDM_HOSTLOCK_H

#include "io.h"
#include "state.h"

struct sd_hostlock {
	struct sd_io *io;
	const struct sd_geometry *geo;
	uint32_t id;              /* our host id, 1..host_slots */
	char name[SD_NAME_LEN];   /* node name the slot is claimed under */
	uint64_t counter, nonce, ticket;
	uint64_t written_ms;      /* when this process last wrote the slot (monotonic) */
	unsigned stale_ms;        /* a slot unchanged this long is a dead node's */
	int depth;                /* acquire/release nest */
};

/* Find the host slot claimed under name, or claim a free one: write it,
 * wait settle_ms (longer than any rival's read-to-write window), and keep
 * it if it still carries the name. */
int sd_host_claim(struct sd_hostlock *h, struct sd_io *io, const struct sd_geometry *g,
		  const char *name, unsigned settle_ms, struct sd_err *err);
/* Only find it: ENOENT (in err too) when no slot carries name.  Writes
 * nothing, so it needs none of the node's locks. */
int sd_host_find(struct sd_hostlock *h, struct sd_io *io, const struct sd_geometry *g,
		 const char *name, struct sd_err *err);
/* Enter (blocks while another node holds or is ahead) and leave; nests.
 * Leaving fails when our slot could not be rewritten. */
int sd_hostlock_acquire(struct sd_hostlock *h, struct sd_err *err);
int sd_hostlock_release(struct sd_hostlock *h, struct sd_err *err);

/* Heartbeat of the process inside the lock (or holding the node's flock):
 * rewrite our slot (counter + 1) with our own lock fields. */
int sd_host_beat(struct sd_hostlock *h);
/* Heartbeat for the node, whichever of its processes is inside the lock:
 * rewrite the slot (counter + 1) with the lock fields as the node last
 * wrote them, without waiting for the node's flock (a process holding it
 * may be in a long commit); cleared when no process holds that flock.
 * Without a lock file of its own (io->lock_fd the device) it waits for
 * the flock and writes no ticket.  It first reads the slot and writes
 * nothing when the slot no longer carries this claim (the LUN was
 * formatted again, or the device is another LUN now): -SD_E_CONFLICT. */
int sd_host_beat_node(struct sd_hostlock *h);

/* The note of the node's last slot write in its lock file fd (hostlock.c):
 * the counter written and when the write was submitted (sd_monotonic_ms;
 * 0 when no process of the node wrote the slot since it booted).  0, or
 * -errno. */
int sd_host_note_read(int fd, uint64_t *counter, uint64_t *submitted_ms);

/* The claimed host slots, for inspect: up to max entries, returns the
 * count or a negative errno. */
struct sd_host_slot_info {
	uint32_t id;
	char name[SD_NAME_LEN];
	uint64_t counter, ticket, timestamp_ns;
	uint32_t formats;   /* bit v: its stardm reads label version v (0: not said) */
	bool choosing, valid;
};
int sd_host_slots_read(struct sd_io *io, const struct sd_geometry *g,
		       struct sd_host_slot_info *out, size_t max);


#endif
