/* Templates and linked clones.  A base volume's pool becomes a template
 * the first time a clone is made of one of its volumes: from then on no
 * node writes it, and any node that runs a clone loads it read-only (its
 * reader bit in the metadata says so).  A clone is a thin volume in its
 * own VM's pool whose unwritten blocks read from the base's thin device
 * (dm-thin's external origin). */
#ifndef STARDM_CORE_TEMPLATE_H
#define STARDM_CORE_TEMPLATE_H

#include <limits.h>

#include "core/group.h"
#include "core/volume.h"

/* A linked clone `name` (vm-<vmid>-...) of base volume `base`, in VM
 * vmid's pool (made as opts say when the VM has none), of the base's size. */
int sdg_volume_clone(struct sdg *g, const char *base, const char *name,
		     const struct sdg_create_opts *opts, struct sd_err *err);

/* Before a change to pool p (any pool): a template's becomes an ordinary
 * pool again, in the change's commit, when no clone reads from it and no
 * other node has it loaded; otherwise the change is refused, naming the
 * clones or the node. */
int sdg_template_writable(struct sdg *g, struct sd_pool *p, struct sd_err *err);

/* A template's pool live here, read-only, with this node's reader bit
 * committed; and taken down (bit cleared) once nothing of it is live here. */
int sdg_template_up(struct sdg *g, struct sd_pool *p, struct sd_err *err);
int sdg_template_down(struct sdg *g, uint32_t pool_id, struct sd_err *err);

/* The read-only device of a clone's base that the clone's table names as
 * its origin (path), made live here with its template when needed; and
 * dropped once no clone live here reads from the base. */
int sdg_origin_up(struct sdg *g, uint32_t base_id, char path[PATH_MAX], struct sd_err *err);
int sdg_origin_down(struct sdg *g, uint32_t base_id, struct sd_err *err);
/* The same for the bases of every clone in pool_id: after the pool left
 * this node by another way than the clones' deactivation (a handover). */
int sdg_origins_down(struct sdg *g, uint32_t pool_id, struct sd_err *err);

/* The name of the base a linked clone reads from; NULL for other volumes. */
const char *sdg_clone_base(const struct sdg *g, const struct sd_volume *v);

#endif
