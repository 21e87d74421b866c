/* Templates and linked clones in the records (docs/format.md): a template's
 * pool is nobody's and is loaded read-only wherever a node needs it (its
 * readers say where); a linked clone names the base volume it reads
 * through to. */
#ifndef STARDM_TEMPLATE_H
#define STARDM_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

#include "state.h"

bool sd_pool_reader(const struct sd_pool *p, uint32_t host);
void sd_pool_set_reader(struct sd_pool *p, uint32_t host, bool on);

/* Linked clones of base volume base_id, or (base_id 0) of any volume of
 * pool_id: how many; the first max names go to out. */
size_t sd_clones_of(const struct sd_state *s, uint32_t pool_id, uint32_t base_id,
		    char (*out)[SD_NAME_LEN], size_t max);

/* Whether any volume of the pool has a snapshot, and whether the pool has
 * messages its kernel pool has not applied yet. */
bool sd_pool_has_snapshots(const struct sd_state *s, uint32_t pool_id);
bool sd_pool_has_pending(const struct sd_state *s, uint32_t pool_id);

#endif
