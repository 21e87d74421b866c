/* Cluster-wide mutual exclusion for metadata commits, with no lock outside
 * the LUN: Lamport's bakery algorithm over the host slots.  Each node owns
 * one 4 KiB slot and is its only writer; everyone reads all slots.  Bakery
 * needs nothing stronger than such single-writer registers, so safety holds
 * whatever the timing.  Only liveness depends on time: a node that died
 * while waiting or holding leaves a ticket behind, which the others ignore
 * once it has not changed for stale_ms (docs/format.md, "Commit protocol").
 * Within a node a flock (sd_io_flock: a file naming the group, the same by
 * every path to the LUN) lets one process at a time in: a process of the
 * node writing the slot while another holds the lock would look to it like
 * another node with its name. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/file.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/crc32c.h"
#include "base/le.h"
#include "format.h"
#include "hostlock.h"
#include "ops.h"

#define HOST_SLOT_MAX 256

struct slot {
	bool valid;      /* magic and crc check out, id matches its place */
	bool empty;      /* all zeros: never claimed */
	uint32_t choosing;
	uint64_t ticket, counter, nonce, timestamp_ns;
	uint32_t formats;
	char name[SD_NAME_LEN];
};

static void decode(const struct sd_host_slot *d, uint32_t id, struct slot *s)
{
	static const uint8_t zero[SD_BLOCK];
	memset(s, 0, sizeof(*s));
	s->empty = !memcmp(d, zero, SD_BLOCK);
	s->valid = !memcmp(d->magic, SD_HOST_MAGIC, 8) && le32_to_cpu(d->host_id) == id &&
		   crc32c(d, offsetof(struct sd_host_slot, crc)) == le32_to_cpu(d->crc);
	if (!s->valid)
		return;
	s->choosing = le32_to_cpu(d->lock_choosing);
	s->ticket = le64_to_cpu(d->lock_ticket);
	s->counter = le64_to_cpu(d->counter);
	s->nonce = le64_to_cpu(d->nonce);
	s->timestamp_ns = le64_to_cpu(d->timestamp_ns);
	s->formats = le32_to_cpu(d->formats);
	memcpy(s->name, d->name, SD_NAME_LEN);
	s->name[SD_NAME_LEN - 1] = '\0';
}

/* Read the slots of host ids from + 1 .. to into out[0 .. to - from). */
static int read_span(struct sd_hostlock *h, struct slot *out, uint32_t from, uint32_t to)
{
	size_t len = (size_t)(to - from) * SD_BLOCK;
	void *buf = sd_io_alloc_unzeroed(len); /* decoded only when read whole */
	if (!buf)
		return -ENOMEM;
	struct sd_iov v = { h->geo->host_area_offset + (uint64_t)from * SD_BLOCK, buf, len };
	int rc = sd_io_read(h->io, &v, 1);
	for (uint32_t i = from; i < to && !rc; i++)
		decode((const struct sd_host_slot *)((char *)buf + (size_t)(i - from) * SD_BLOCK),
		       i + 1, &out[i - from]);
	free(buf);
	return rc;
}

/* Read every host slot; slots[i] is host id i + 1.  A node claims the
 * lowest empty slot and nothing but a new format empties one, so the
 * claimed slots are always the first ones: when the last of the first
 * FIRST_READ slots is empty, so is every slot after it, and one small read
 * has seen them all (most groups serve a few nodes; the area holds 256). */
#define FIRST_READ 16
static int read_all(struct sd_hostlock *h, struct slot *slots)
{
	uint32_t all = h->geo->host_slots, first = all < FIRST_READ ? all : FIRST_READ;
	int rc = read_span(h, slots, 0, first);
	if (rc || first == all)
		return rc;
	if (!slots[first - 1].empty)
		return read_span(h, &slots[first], first, all);
	for (uint32_t i = first; i < all; i++) /* as the read would have found them */
		slots[i] = (struct slot){ .empty = true };
	return 0;
}

/* The node's lock file (io->lock_fd when it is a file of its own, not the
 * device) serves two locks and keeps a note.  Its flock lets one process of
 * the node at a time into the cluster lock (held for a whole command); a
 * lock on its first byte (an open-file-description lock, which no flock
 * sees) orders the writes of the node's slot, each held for one write.
 * The note, written under that byte lock, is the node's last slot write:
 * its counter (so the counter never repeats, whichever process writes
 * next), when it was sent (so the node knows how fresh its heartbeat on
 * the LUN is without reading the LUN: sd_host_note_read) and its lock
 * fields (so the monitor's heartbeat, which does not wait for a command's
 * flock, rewrites them as they are: a node busy in a long commit on a
 * slow LUN keeps beating, and nobody takes it for dead meanwhile). */
struct slot_note {
	uint64_t counter, submitted_ms;
	uint32_t choosing, pad;
	uint64_t ticket;
};

static bool has_note(const struct sd_io *io)
{
	return io->lock_fd >= 0 && io->lock_fd != io->fd;
}

static int byte_lock(const struct sd_io *io, short type)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1 };
	while (fcntl(io->lock_fd, F_OFD_SETLKW, &fl))
		if (errno != EINTR)
			return -errno;
	return 0;
}

static int note_read(int fd, struct slot_note *n)
{
	ssize_t got = pread(fd, n, sizeof(*n), 0);
	if (got < 0)
		return -errno;
	if (got != (ssize_t)sizeof(*n))
		*n = (struct slot_note){0}; /* no slot write yet since the node booted */
	return 0;
}

int sd_host_note_read(int fd, uint64_t *counter, uint64_t *submitted_ms)
{
	struct slot_note n;
	int rc = note_read(fd, &n);
	*counter = rc ? 0 : n.counter;
	*submitted_ms = rc ? 0 : n.submitted_ms;
	return rc;
}

/* Write our slot, durably, with the lock fields given; the byte lock is
 * held when the io has a note. */
static int write_locked(struct sd_hostlock *h, uint32_t choosing, uint64_t ticket)
{
	struct slot_note note = {0};
	if (has_note(h->io) && note_read(h->io->lock_fd, &note) == 0 && note.counter > h->counter)
		h->counter = note.counter; /* another process of the node wrote the slot since */
	struct sd_host_slot *d = sd_io_alloc(SD_BLOCK);
	if (!d)
		return -ENOMEM;
	memcpy(d->magic, SD_HOST_MAGIC, 8);
	d->host_id = cpu_to_le32(h->id);
	d->counter = cpu_to_le64(++h->counter);
	d->timestamp_ns = cpu_to_le64(sd_now_ns());
	snprintf(d->name, sizeof(d->name), "%s", h->name);
	d->lock_choosing = cpu_to_le32(choosing);
	d->lock_ticket = cpu_to_le64(ticket);
	d->nonce = cpu_to_le64(h->nonce);
	d->formats = cpu_to_le32(SD_HOST_FORMATS);
	d->crc = cpu_to_le32(crc32c(d, offsetof(struct sd_host_slot, crc)));
	struct sd_iov v = { h->geo->host_area_offset + (uint64_t)(h->id - 1) * SD_BLOCK, d, SD_BLOCK };
	note = (struct slot_note){ h->counter, sd_monotonic_ms(), choosing, 0, ticket };
	int rc = sd_io_write(h->io, &v, 1, true);
	free(d);
	if (rc == 0 && has_note(h->io) && pwrite(h->io->lock_fd, &note, sizeof(note), 0) < 0)
		rc = -errno;
	if (rc == 0)
		h->written_ms = note.submitted_ms;
	return rc;
}

static int write_own(struct sd_hostlock *h, uint32_t choosing, uint64_t ticket)
{
	int rc = has_note(h->io) ? byte_lock(h->io, F_WRLCK) : 0;
	if (rc)
		return rc;
	rc = write_locked(h, choosing, ticket);
	if (has_note(h->io))
		byte_lock(h->io, F_UNLCK);
	return rc;
}

static uint64_t random64(void)
{
	uint64_t r = 0;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, &r, sizeof(r)) != sizeof(r))
		r = sd_now_ns() ^ ((uint64_t)getpid() << 32);
	if (fd >= 0)
		close(fd);
	return r;
}

static int host_init(struct sd_hostlock *h, struct sd_io *io, const struct sd_geometry *g,
		     const char *name, struct sd_err *err)
{
	if (g->host_slots > HOST_SLOT_MAX || !g->host_slots)
		return sd_fail(err, SD_E_CORRUPT, "bad host slot count %u", g->host_slots);
	*h = (struct sd_hostlock){ .io = io, .geo = g, .stale_ms = 20000 };
	snprintf(h->name, sizeof(h->name), "%s", name);
	return 0;
}

/* h takes the slot that carries its name, if one does. */
static bool take_named(struct sd_hostlock *h, const struct slot *slots)
{
	for (uint32_t i = 0; i < h->geo->host_slots; i++) {
		if (slots[i].valid && !strcmp(slots[i].name, h->name)) {
			h->id = i + 1;
			h->counter = slots[i].counter;
			h->nonce = slots[i].nonce;
			return true;
		}
	}
	return false;
}

/* The slots as one thread read them: 26 KiB, kept off the stack, and one
 * copy per thread, since a monitor's heartbeat looks for its slot beside
 * the monitor's own opens of the group. */
static _Thread_local struct slot found[HOST_SLOT_MAX];

int sd_host_find(struct sd_hostlock *h, struct sd_io *io, const struct sd_geometry *g,
		 const char *name, struct sd_err *err)
{
	struct slot *slots = found;
	int rc = host_init(h, io, g, name, err);
	if (rc)
		return rc;
	if ((rc = read_all(h, slots)))
		return sd_fail(err, -rc, "cannot read the host slots: %s", strerror(-rc));
	return take_named(h, slots) ? 0 : sd_fail(err, ENOENT, "no host slot is %s's yet", name);
}

int sd_host_claim(struct sd_hostlock *h, struct sd_io *io, const struct sd_geometry *g,
		  const char *name, unsigned settle_ms, struct sd_err *err)
{
	struct slot *slots = found;
	int rc = host_init(h, io, g, name, err);
	if (rc)
		return rc;
	for (int attempt = 0; attempt < 8; attempt++) {
		if ((rc = read_all(h, slots)))
			return sd_fail(err, -rc, "cannot read the host slots: %s", strerror(-rc));
		if (take_named(h, slots))
			return 0;
		uint32_t free_id = 0;
		for (uint32_t i = 0; i < g->host_slots && !free_id; i++)
			if (slots[i].empty)
				free_id = i + 1;
		if (!free_id)
			return sd_fail(err, SD_E_NOSPACE, "all %u host slots are taken", g->host_slots);
		/* claim it, wait out any rival's read-to-write window, look again */
		h->id = free_id;
		h->nonce = random64();
		h->counter = 0;
		if ((rc = write_own(h, 0, 0)))
			return sd_fail(err, -rc, "cannot write host slot %u: %s", free_id, strerror(-rc));
		sd_sleep_ms(settle_ms);
		if ((rc = read_all(h, slots)))
			return sd_fail(err, -rc, "cannot read the host slots: %s", strerror(-rc));
		const struct slot *s = &slots[free_id - 1];
		if (s->valid && !strcmp(s->name, h->name))
			return 0; /* ours (or a twin process of this node's, same name) */
	}
	return sd_fail(err, SD_E_CONFLICT, "could not claim a host slot for %s", name);
}

/* The slot still carries our claim (its nonce), whatever its count. */
static bool claim_held(const struct sd_hostlock *h, const struct slot *s)
{
	return s->valid && s->nonce == h->nonce;
}

/* Our slot must still be as this node last wrote it (counter: the note's
 * when there is one): another node writing it (the same name, or a claim
 * race lost without noticing) would void the bakery's single-writer rule,
 * so it ends the acquisition loudly instead. */
static bool slot_stolen(const struct sd_hostlock *h, const struct slot *s, uint64_t counter)
{
	return !claim_held(h, s) || s->counter != counter;
}

/* Read every slot and check ours, under the byte lock: no write of the
 * node's (the monitor's beat) lands between the read and the check. */
static int read_checked(struct sd_hostlock *h, struct slot *slots, bool *stolen)
{
	bool noted = has_note(h->io);
	int rc = noted ? byte_lock(h->io, F_WRLCK) : 0;
	if (rc)
		return rc;
	struct slot_note note = { .counter = h->counter };
	if (noted && note_read(h->io->lock_fd, &note) == 0 && note.counter > h->counter)
		h->counter = note.counter;
	rc = read_all(h, slots);
	*stolen = rc == 0 && slot_stolen(h, &slots[h->id - 1], h->counter);
	if (noted)
		byte_lock(h->io, F_UNLCK);
	return rc;
}

/* j blocks us when it is choosing, or holds a smaller (ticket, id). */
static bool blocks(const struct slot *s, uint32_t j, uint64_t ticket, uint32_t me)
{
	if (!s->valid || j == me)
		return false;
	return s->choosing || (s->ticket && (s->ticket < ticket || (s->ticket == ticket && j < me)));
}

int sd_hostlock_acquire(struct sd_hostlock *h, struct sd_err *err)
{
	/* off the stack, one copy per thread: a monitor's threads each open
	 * the group (its node flock keeps them apart today; this does not
	 * lean on that) */
	static _Thread_local struct slot slots[HOST_SLOT_MAX];
	static _Thread_local uint64_t seen_counter[HOST_SLOT_MAX], seen_since[HOST_SLOT_MAX];
	int rc;
	if (h->depth++)
		return 0;
	bool stolen;
	if ((rc = write_own(h, 1, 0)) || (rc = read_checked(h, slots, &stolen)))
		goto io_error;
	if (stolen)
		goto stolen;
	uint64_t ticket = 0;
	for (uint32_t i = 0; i < h->geo->host_slots; i++)
		if (slots[i].valid && slots[i].ticket > ticket)
			ticket = slots[i].ticket;
	h->ticket = ticket + 1;
	if ((rc = write_own(h, 0, h->ticket)))
		goto io_error;
	memset(seen_since, 0, sizeof(seen_since));
	for (unsigned pause = 1;; pause = pause < 16 ? pause * 2 : 16) {
		if ((rc = read_checked(h, slots, &stolen)))
			goto io_error;
		if (stolen)
			goto stolen;
		bool blocked = false;
		uint64_t now = sd_monotonic_ms();
		for (uint32_t i = 0; i < h->geo->host_slots; i++) {
			if (!blocks(&slots[i], i + 1, h->ticket, h->id))
				continue;
			/* a slot that does not move is a dead node's: ignore it */
			if (!seen_since[i] || seen_counter[i] != slots[i].counter) {
				seen_counter[i] = slots[i].counter;
				seen_since[i] = now;
			}
			if (now - seen_since[i] < h->stale_ms)
				blocked = true;
		}
		if (!blocked)
			return 0;
		sd_sleep_ms(pause);
	}
io_error:
	h->depth = 0;
	return sd_fail(err, -rc, "cluster lock: host slot I/O failed: %s", strerror(-rc));
stolen:
	h->depth = 0;
	return sd_fail(err, SD_E_CONFLICT, "cluster lock: host slot %u of node %s was written by "
		       "another node (two nodes with one name?)", h->id, h->name);
}

int sd_host_beat(struct sd_hostlock *h)
{
	return write_own(h, 0, h->depth ? h->ticket : 0);
}

/* The node's beat writes a slot only while it is still the node's claim:
 * on a LUN formatted again since (an empty slot, or a new claim in it), or
 * behind a device name that now leads to another LUN, a beat would write
 * over whoever claims that slot next.  Not the counter: a process of the
 * node killed between its slot write and its note leaves them one apart. */
static int own_slot_check(struct sd_hostlock *h)
{
	struct slot s;
	int rc = read_span(h, &s, h->id - 1, h->id);
	if (rc)
		return rc;
	return claim_held(h, &s) ? 0 : -SD_E_CONFLICT;
}

int sd_host_beat_node(struct sd_hostlock *h)
{
	int rc;
	if (!has_note(h->io)) { /* the device's own flock: wait for it, as every writer */
		if ((rc = sd_io_flock(h->io, LOCK_EX)) == 0) {
			if ((rc = own_slot_check(h)) == 0)
				rc = write_own(h, 0, 0);
			sd_io_flock(h->io, LOCK_UN);
		}
		return rc;
	}
	if ((rc = byte_lock(h->io, F_WRLCK)))
		return rc;
	struct slot_note note;
	if ((rc = own_slot_check(h)) == 0 && (rc = note_read(h->io->lock_fd, &note)) == 0) {
		/* no process of the node holds its flock: no ticket of the node's
		 * is alive (one that died holding it leaves it to be cleared) */
		bool idle = sd_io_flock(h->io, LOCK_EX | LOCK_NB) == 0;
		rc = idle ? write_locked(h, 0, 0) : write_locked(h, note.choosing, note.ticket);
		if (idle)
			sd_io_flock(h->io, LOCK_UN);
	}
	byte_lock(h->io, F_UNLCK);
	return rc;
}

/* A release that does not reach the disk leaves our ticket in the slot,
 * and every other node waits behind it: try a few times. */
int sd_hostlock_release(struct sd_hostlock *h, struct sd_err *err)
{
	if (!h->depth || --h->depth)
		return 0;
	h->ticket = 0;
	int rc = 0;
	for (int attempt = 0; attempt < 3; attempt++) {
		if ((rc = write_own(h, 0, 0)) == 0)
			return 0;
		sd_sleep_ms(100);
	}
	return sd_fail(err, -rc, "cluster lock: cannot release host slot %u: %s (other nodes "
		       "wait until this node writes its slot again)", h->id, strerror(-rc));
}

int sd_host_slots_read(struct sd_io *io, const struct sd_geometry *g,
		       struct sd_host_slot_info *out, size_t max)
{
	static struct slot slots[HOST_SLOT_MAX];
	if (g->host_slots > HOST_SLOT_MAX)
		return -EINVAL;
	struct sd_hostlock h = { .io = io, .geo = g };
	int rc = read_all(&h, slots);
	if (rc)
		return rc;
	size_t n = 0;
	for (uint32_t i = 0; i < g->host_slots && n < max; i++) {
		if (slots[i].empty)
			continue;
		struct sd_host_slot_info *o = &out[n++];
		*o = (struct sd_host_slot_info){ .id = i + 1, .counter = slots[i].counter,
						 .ticket = slots[i].ticket,
						 .timestamp_ns = slots[i].timestamp_ns,
						 .formats = slots[i].formats,
						 .choosing = slots[i].choosing, .valid = slots[i].valid };
		memcpy(o->name, slots[i].name, SD_NAME_LEN);
	}
	return (int)n;
}
