#ifndef STARDM_CORE_HANDOVER_H
#define STARDM_CORE_HANDOVER_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/group.h"

/* Where a handover of a pool to this node stands, as the metadata says. */
enum sdg_handover {
	SDG_HANDOVER_NONE = -1,   /* none to this node (never was, or withdrawn) */
	SDG_HANDOVER_PENDING = 0, /* handed to us; the source still holds the pool */
	SDG_HANDOVER_OURS = 1,    /* ours to load: owned, or released to us */
};
/* The state of the handover of vol's pool to this node. */
enum sdg_handover sdg_handover_owned(const struct sdg *g, const char *vol);
/* The same for pool p and host id me, without reading the host slots (for
 * loops that know their host id already). */
enum sdg_handover sdg_handover_state(const struct sd_pool *p, uint32_t me);

/* Live-migration handover (docs/ha-migration.md).  Target:
 * prepare (placeholder: reads served, writes fail), gate (suspend it once
 * QEMU runs), finish (after the source's release: load the pool, swap the
 * placeholder for the thin device, resume) or abort.  Source: release (at
 * the commit point: fence the thin devices, remove the pool, hand it on). */
int sdg_handover_prepare(struct sdg *g, const char *vol, char path[PATH_MAX], struct sd_err *err);
int sdg_handover_gate(struct sdg *g, const char *vol, struct sd_err *err);
int sdg_handover_release(struct sdg *g, const char *vol, struct sd_err *err);
int sdg_handover_release_pool(struct sdg *g, struct sd_pool *p, struct sd_err *err);
/* The pool must be handed to us (released, or the source deactivated with
 * the handover pending); force: or its owner's heartbeat stood still for
 * wait_s (the source died; it must be fenced). */
int sdg_handover_finish(struct sdg *g, const char *vol, bool force, unsigned wait_s,
			struct sd_err *err);
int sdg_handover_abort(struct sdg *g, const char *vol, struct sd_err *err);
bool sdg_handover_placeholder(const struct sdg *g, const char *vol);

#endif
