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
	unsigned stale_ms;        /* a slot unchanged this long is a dead node's */
	int depth;                /* acquire/release nest */
};

/* Find the host slot claimed under name, or claim a free one: write it,
 * wait settle_ms (longer than any rival's read-to-write window), and keep
 * it if it still carries the name. */
int sd_host_claim(struct sd_hostlock *h, struct sd_io *io, const struct sd_geometry *g,
		  const char *name, unsigned settle_ms, struct sd_err *err);
/* Enter (blocks while another node holds or is ahead) and leave; nests.
 * Leaving fails when our slot could not be rewritten. */
int sd_hostlock_acquire(struct sd_hostlock *h, struct sd_err *err);
int sd_hostlock_release(struct sd_hostlock *h, struct sd_err *err);

/* Heartbeat: rewrite our slot (counter + 1).  Only while no process of
 * this node is inside the lock (hold the node's flock). */
int sd_host_beat(struct sd_hostlock *h);

/* The claimed host slots, for inspect: up to max entries, returns the
 * count or a negative errno. */
struct sd_host_slot_info {
	uint32_t id;
	char name[SD_NAME_LEN];
	uint64_t counter, ticket, timestamp_ns;
	bool choosing, valid;
};
int sd_host_slots_read(struct sd_io *io, const struct sd_geometry *g,
		       struct sd_host_slot_info *out, size_t max);


#endif
