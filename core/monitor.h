/* The node monitor (stardm monitor): what it does in one pass. */
#ifndef STARDM_CORE_MONITOR_H
#define STARDM_CORE_MONITOR_H

#include <stdbool.h>
#include <stdint.h>

#include "core/group.h"

struct sdg_monitor_cfg {
	unsigned threshold_pct; /* extend a live pool once this much of its data is used */
	unsigned extend_pct;    /* by this much of its current data (or metadata) size */
	uint64_t grow_min;      /* a thin pool by at least this many bytes */
	unsigned meta_threshold_pct; /* its metadata once this much of it is used */
};

struct sdg_monitor_event {
	uint32_t vmid;
	bool metadata;          /* the pool's metadata grew, not its data */
	uint64_t used, total, step, total_after; /* bytes */
	int failed;
	char why[512];
};
typedef void (*sdg_monitor_report)(const struct sdg_monitor_event *ev, void *ctx);

/* One pass over GROUP's pools live on this node: extend those past the
 * threshold, reporting each attempt; returns how many grew.  Fails (after
 * trying them all) when a pool could not be extended, e.g. the group is
 * out of free extents.  space (may be NULL): the group's space after the
 * pass (core/space.h).  The group is read through reader (may be NULL),
 * and again in full, locked, only when a pool needs to grow. */
struct sdg_space;
int sdg_monitor_pass(const char *group, struct sdg_reader *reader,
		     const struct sdg_monitor_cfg *cfg, sdg_monitor_report report, void *ctx,
		     struct sdg_space *space, struct sd_err *err);

/* Live migrations, both sides.  Source: for each pool this node owns with
 * a target waiting, ask passed(vmid, target node) whether the migration's
 * commit point has passed (Proxmox: the VM's config moved to the target);
 * then release the pool to the target (fence, hand over).  Target: finish
 * the handovers released to this node that their watcher has not (it may
 * have died).  Each step is reported (vol: NULL for a release, the volume
 * for a finish; why: NULL on success).  Returns how many handovers are
 * still pending here (the monitor then looks more often), -1 on error.
 * Read through reader (may be NULL), as sdg_monitor_pass. */
typedef bool (*sdg_commit_point)(void *ctx, uint32_t vmid, const char *target);
typedef void (*sdg_handover_report)(void *ctx, uint32_t vmid, const char *vol, const char *why);
int sdg_monitor_handovers(const char *group, struct sdg_reader *reader,
			  sdg_commit_point passed, void *ctx, sdg_handover_report report,
			  struct sd_err *err);

/* dm events come in bursts: each device a VM's start or stop makes or
 * removes raises some, and only a pool's low water mark matters here.  A
 * pass an event causes follows the last pass by SDG_EVENT_PASS_GAP_MS at
 * least, so a burst costs a pass or two, not one per event, and no event
 * goes without a pass after it.  The mark leaves a pool a fifth of its
 * data space, far more than a writer fills meanwhile, and a pool that
 * fills queues its writes (no_space_timeout) until it grows. */
#define SDG_EVENT_PASS_GAP_MS 500u
struct sdg_pacer {
	bool held;             /* an event came that waits for the gap */
	uint64_t last_pass_ms; /* when the last pass began */
};
/* A look at now_ms (event: one came since the last look): whether a pass
 * for the events is due now.  The caller then makes it, and notes it
 * with sdg_pacer_passed. */
bool sdg_pacer_due(struct sdg_pacer *p, bool event, uint64_t now_ms);
void sdg_pacer_passed(struct sdg_pacer *p, uint64_t now_ms);

#endif
