/* The target's side of a handover, carried out on its own (what
 * `stardm migrate-prepare --follow` and `activate --incoming` leave behind):
 * no storage hook runs on the target between QEMU's start and the guest's
 * `cont` (docs/ha-migration.md), so a watcher does the target's two steps:
 *   1. gate: once QEMU holds the placeholder open and its probe reads are
 *      served (the device's read count moved, then stood still), suspend it;
 *   2. finish: once the source released the pool (at the commit point or at
 *      its deactivation), load it here and swap the placeholder for it.
 * It stops when the handover is withdrawn (the migration failed and the
 * target's volume was deactivated) and gives up after its time limit. */
#include "core/handover_follow.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "core/dm_names.h"
#include "core/dm_ops.h"
#include "core/group_impl.h"
#include "core/handover.h"
#include "core/owner.h"
#include "metadata/hostlock.h"
#include "metadata/ops.h"

/* The handover's state as the metadata tells it, and whether the
 * placeholder is still here; -1 when the group could not be read. */
static int handover_state(const char *group, const char *vol, uint32_t me,
			  enum sdg_handover *state, bool *placeholder, struct sd_err *err)
{
	struct sdg *g;
	if (sdg_open(group, 0, &g, err))
		return -1;
	const struct sd_volume *v = sd_find_volume(&g->state, vol);
	*state = sdg_handover_state(v ? sd_find_pool(&g->state, v->pool_id) : NULL, me);
	*placeholder = sdg_handover_placeholder(g, vol);
	sdg_close(g, NULL);
	return 0;
}

/* Run a step that needs the group open for writing (finish, abort). */
static int locked_step(const char *group, const char *vol, bool finish, struct sd_err *err)
{
	struct sdg *g;
	if (sdg_open(group, SDG_WRITE, &g, err))
		return -1;
	int rc = finish ? sdg_handover_finish(g, vol, false, 0, err) : sdg_handover_abort(g, vol, err);
	sdg_close(g, NULL);
	return rc;
}

/* How long the read count must stand still after QEMU's first read before
 * the gate closes: QEMU's open may probe with several reads in a row
 * (request and buffer alignment), all within microseconds, and one of them
 * blocked at the gate would stall QEMU's start and with it the migration;
 * the guest's first I/O comes only after the whole memory copy. */
#define PROBE_QUIET_MS 100

struct probe_watch {
	struct sdm_io_count base; /* the placeholder's counts at its creation */
	uint64_t reads;           /* the last count seen */
	uint64_t since_ms;        /* when it last moved */
};

/* QEMU holds the placeholder open, has read from it, and is done reading. */
static bool probed(const char *dm_name, struct probe_watch *w, uint64_t now)
{
	struct sdm_info info;
	struct sdm_io_count c;
	if (sdg_dm->info(dm_name, &info, NULL) || !info.exists || info.open_count < 1 ||
	    sdg_dm->io_count(dm_name, &c, NULL) || c.reads <= w->base.reads)
		return false;
	if (c.reads != w->reads) {
		w->reads = c.reads;
		w->since_ms = now;
		return false;
	}
	return now - w->since_ms >= PROBE_QUIET_MS;
}

/* The group's device and this node's host id, found once: the loops below
 * reopen the group by its device and read no host slots. */
static int find_once(const char *group, const char *vol, char dev[PATH_MAX], uint32_t *me,
		     struct sdg_dm_id *vdev, struct sd_err *err)
{
	struct sdg *g;
	if (sdg_open(group, 0, &g, err))
		return -1;
	if (vdev)
		sdg_dm_volume(g, vol, NULL, vdev);
	snprintf(dev, PATH_MAX, "%s", g->path);
	*me = sdg_my_host_id(g);
	sdg_close(g, NULL);
	return 0;
}

int sdg_handover_await(const char *group, const char *vol, unsigned timeout_s,
		       struct sd_err *err)
{
	char dev[PATH_MAX];
	uint32_t me;
	if (find_once(group, vol, dev, &me, NULL, err))
		return -1;
	uint64_t start = sd_monotonic_ms();
	for (;;) {
		enum sdg_handover state;
		bool placeholder;
		if (handover_state(dev, vol, me, &state, &placeholder, err))
			return -1;
		if (state == SDG_HANDOVER_OURS)
			return 0;
		if (state == SDG_HANDOVER_NONE)
			return sd_fail(err, SD_E_CONFLICT, "no handover of %s to this node is under "
				       "way", vol);
		if (sd_monotonic_ms() - start >= (uint64_t)timeout_s * 1000)
			return sd_fail(err, ETIMEDOUT, "the source did not release %s within %u s",
				       vol, timeout_s);
		sd_sleep_ms(100);
	}
}

int sdg_handover_follow(const char *group, const char *vol, unsigned timeout_s,
			sdg_follow_log log, void *ctx, struct sd_err *err)
{
	char dev[PATH_MAX];
	struct sdg_dm_id vdev;
	struct probe_watch w = { .since_ms = 0 };
	uint32_t me;
	if (find_once(group, vol, dev, &me, &vdev, err))
		return -1;
	group = dev;
	const char *dm_name = vdev.name;
	if (sdg_dm->io_count(dm_name, &w.base, err))
		return -1;
	w.reads = w.base.reads;
	uint64_t start = sd_monotonic_ms(), last_check = 0;
	bool gated = false;
	for (;;) {
		uint64_t now = sd_monotonic_ms();
		if (!gated && probed(dm_name, &w, now)) {
			struct sdg *g;
			int rc = sdg_open(group, 0, &g, err);
			if (rc == 0) {
				rc = sdg_handover_gate(g, vol, err);
				sdg_close(g, NULL);
			}
			if (rc)
				return -1;
			gated = true;
			log(ctx, "QEMU's probe read served; placeholder gated (guest I/O queues)");
		}
		/* the metadata is read every 200 ms; the probe watched every 10 ms */
		if (now - last_check >= 200) {
			last_check = now;
			bool placeholder;
			enum sdg_handover owned;
			if (handover_state(group, vol, me, &owned, &placeholder, err))
				return -1;
			if (!placeholder)
				return sd_fail(err, ECANCELED, "the placeholder of %s is gone: the "
					       "migration was aborted", vol);
			if (owned == SDG_HANDOVER_OURS) {
				if (locked_step(group, vol, true, err))
					return -1;
				log(ctx, "the source released the pool: loaded here, guest I/O resumed");
				return 0;
			}
			if (owned == SDG_HANDOVER_NONE) {
				locked_step(group, vol, false, NULL);
				return sd_fail(err, ECANCELED, "the handover of %s was withdrawn; "
					       "placeholder removed", vol);
			}
		}
		if (timeout_s && now - start >= (uint64_t)timeout_s * 1000) {
			locked_step(group, vol, false, NULL);
			return sd_fail(err, ETIMEDOUT, "the source did not release %s within %u s; "
				       "migration aborted (queued I/O fails)", vol, timeout_s);
		}
		sd_sleep_ms(gated ? 100 : 10);
	}
}
