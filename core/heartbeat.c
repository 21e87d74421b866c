/* The node's heartbeat: its host slot's counter rewritten on the LUN.  A
 * beat kept open across writes (the device probed and the slot claimed
 * once) costs a read of the slot and a write, not the four or five I/Os a
 * fresh open and claim would take; the counter goes on from the note in
 * the node's lock file (metadata/hostlock.c).  A beat kept for one group
 * writes into no other: not after the LUN was formatted again, nor
 * through a device name that leads to another LUN now. */
#include "core/heartbeat.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "core/group.h"
#include "core/node_lock.h"
#include "core/rescan.h"
#include "metadata/hostlock.h"
#include "metadata/store.h"

struct beat_ctx {
	struct sd_io *io; /* NULL: not open */
	const uint8_t *group; /* the group's uuid; NULL: the one on the device */
	struct sd_geometry geo;
	struct sd_hostlock h;
	int lock_fd;
	char dev[PATH_MAX];
};

static void ctx_close(struct beat_ctx *c)
{
	sd_io_close(c->io);
	c->io = NULL;
	if (c->lock_fd >= 0)
		close(c->lock_fd);
	c->lock_fd = -1;
}

/* The node's slot.  Found without a lock when the node has one, as it does
 * once any command of the node ran: a command holds the node's flock for
 * its whole run (a node's start of its VMs, tens of seconds), and a beat
 * waiting for it would leave the node's counter still, so that the node
 * fences itself and the others may take it for dead.  A new slot is
 * claimed by one process of the node at a time, under that flock; while a
 * command holds it, the command claims the slot and the next beat finds it. */
static int claim_slot(struct beat_ctx *c, const char *name, struct sd_err *err)
{
	int rc = sd_host_find(&c->h, c->io, &c->geo, name, err);
	if (rc != -ENOENT)
		return rc;
	int e = sd_io_flock(c->io, LOCK_EX | LOCK_NB);
	if (e == -EWOULDBLOCK)
		return sd_fail(err, EAGAIN, "no host slot of this node on %s yet: a command of "
			       "the node is claiming it", c->dev);
	if (e)
		return sd_fail(err, -e, "cannot lock %s: %s", c->dev, strerror(-e));
	rc = sd_host_claim(&c->h, c->io, &c->geo, name, 500, err);
	sd_io_flock(c->io, LOCK_UN);
	return rc;
}

static int ctx_open(struct beat_ctx *c, const char *dev, struct sd_err *err)
{
	struct sd_copy_status copy[2];
	char name[64];
	sdg_node_name(name);
	c->lock_fd = -1;
	snprintf(c->dev, sizeof(c->dev), "%s", dev);
	if (sd_io_open(dev, true, SD_IO_AUTO, &c->io, err))
		return -1;
	int rc = sd_store_probe(c->io, &c->geo, copy, err);
	if (rc == 0 && c->group && memcmp(c->geo.uuid, c->group, sizeof(c->geo.uuid))) {
		char id[37];
		sdg_uuid_format(c->group, id);
		rc = sd_fail(err, SD_E_NOTFOUND, "%s no longer holds group %s", dev, id);
	}
	if (rc == 0) {
		c->lock_fd = sdg_node_lock_attach(c->io, c->geo.uuid);
		rc = claim_slot(c, name, err);
	}
	if (rc)
		ctx_close(c);
	return rc;
}

static int ctx_beat(struct beat_ctx *c, struct sd_err *err)
{
	int rc = sd_host_beat_node(&c->h);
	if (rc == -SD_E_CONFLICT)
		return sd_fail(err, SD_E_CONFLICT, "host slot %u on %s is no longer this node's "
			       "(the LUN formatted again?): not written", c->h.id, c->dev);
	return rc ? sd_fail(err, -rc, "cannot write the heartbeat: %s", strerror(-rc)) : 0;
}

/* One beat through c (opened on dev first when it is not); a failure
 * closes it, so that the next beat probes the device afresh. */
static int beat_on(struct beat_ctx *c, const char *dev, struct sd_err *err)
{
	if (c->io && strcmp(c->dev, dev))
		ctx_close(c);
	/* a device that shrank under the group (or is gone) is no longer the
	 * LUN the slot was claimed on: probe it afresh (a size query, no I/O) */
	if (c->io && (sd_io_refresh_size(c->io) || c->io->size < c->geo.lun_size))
		ctx_close(c);
	int rc = c->io ? 0 : ctx_open(c, dev, err);
	if (rc == 0)
		rc = ctx_beat(c, err);
	if (rc)
		ctx_close(c);
	if (rc == -SD_E_DEVSIZE) /* the LUN grew and this node's kernel has not seen it */
		sdg_device_rescan(dev);
	return rc;
}

int sdg_heartbeat(const char *dev, struct sd_err *err)
{
	struct beat_ctx c = { .lock_fd = -1 };
	int rc = beat_on(&c, dev, err);
	if (rc == -SD_E_DEVSIZE)
		rc = beat_on(&c, dev, err);
	ctx_close(&c);
	return rc;
}

struct sdg_heart {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t wake;
	bool stop;
	char dev[PATH_MAX];
	uint8_t group[16];
	uint64_t failures, last_failure_ns;
	char last_error[sizeof(((struct sd_err *)0)->msg)];
};

/* Sleep (mu held) until due_ms on the monotonic clock or a stop. */
static void wait_until(struct sdg_heart *hb, uint64_t due_ms)
{
	struct timespec ts = { (time_t)(due_ms / 1000), (long)(due_ms % 1000) * 1000000 };
	while (!hb->stop && sd_monotonic_ms() < due_ms)
		pthread_cond_timedwait(&hb->wake, &hb->mu, &ts);
}

static void *beat_loop(void *arg)
{
	struct sdg_heart *hb = arg;
	struct beat_ctx c = { .lock_fd = -1, .group = hb->group };
	char dev[PATH_MAX];
	pthread_mutex_lock(&hb->mu);
	while (!hb->stop) {
		snprintf(dev, sizeof(dev), "%s", hb->dev);
		pthread_mutex_unlock(&hb->mu);
		uint64_t started = sd_monotonic_ms();
		struct sd_err err = {0};
		int rc = beat_on(&c, dev, &err);
		pthread_mutex_lock(&hb->mu);
		if (rc) {
			hb->failures++;
			hb->last_failure_ns = sd_now_ns();
			snprintf(hb->last_error, sizeof(hb->last_error), "%s", err.msg);
		}
		wait_until(hb, started + 1000);
	}
	pthread_mutex_unlock(&hb->mu);
	ctx_close(&c);
	return NULL;
}

int sdg_heart_start(const char *dev, const uint8_t group[16], struct sdg_heart **out,
		    struct sd_err *err)
{
	struct sdg_heart *hb = calloc(1, sizeof(*hb));
	if (!hb)
		return sd_fail(err, ENOMEM, "heartbeat: out of memory");
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* sd_monotonic_ms's clock */
	pthread_cond_init(&hb->wake, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&hb->mu, NULL);
	snprintf(hb->dev, sizeof(hb->dev), "%s", dev);
	memcpy(hb->group, group, sizeof(hb->group));
	int rc = pthread_create(&hb->thread, NULL, beat_loop, hb);
	if (rc) {
		free(hb);
		return sd_fail(err, rc, "heartbeat: cannot start its thread: %s", strerror(rc));
	}
	*out = hb;
	return 0;
}

void sdg_heart_stop(struct sdg_heart *hb)
{
	if (!hb)
		return;
	pthread_mutex_lock(&hb->mu);
	hb->stop = true;
	pthread_cond_broadcast(&hb->wake);
	pthread_mutex_unlock(&hb->mu);
	pthread_join(hb->thread, NULL);
	pthread_cond_destroy(&hb->wake);
	pthread_mutex_destroy(&hb->mu);
	free(hb);
}

void sdg_heart_device(struct sdg_heart *hb, const char *dev)
{
	pthread_mutex_lock(&hb->mu);
	snprintf(hb->dev, sizeof(hb->dev), "%s", dev);
	pthread_mutex_unlock(&hb->mu);
}

void sdg_heart_get_device(struct sdg_heart *hb, char out[PATH_MAX])
{
	pthread_mutex_lock(&hb->mu);
	snprintf(out, PATH_MAX, "%s", hb->dev);
	pthread_mutex_unlock(&hb->mu);
}

uint64_t sdg_heart_failures(struct sdg_heart *hb, char *msg, size_t len, uint64_t *when_ns)
{
	pthread_mutex_lock(&hb->mu);
	uint64_t n = hb->failures;
	if (n) {
		snprintf(msg, len, "%s", hb->last_error);
		*when_ns = hb->last_failure_ns;
	}
	pthread_mutex_unlock(&hb->mu);
	return n;
}
