#ifndef STARDM_CORE_OWNER_H
#define STARDM_CORE_OWNER_H

#include <stdbool.h>
#include <stdint.h>

#include "core/group.h"

/* Ownership: this node claims a pool before loading it and releases it
 * when its last device is gone; operations that change a pool are refused
 * while another node owns it. */
int sdg_pool_claim(struct sdg *g, uint32_t vmid, bool force, unsigned wait_s, struct sd_err *err);
int sdg_pool_release(struct sdg *g, uint32_t vmid, struct sd_err *err);
/* The record of a change of owner (host 0: released), for the caller to
 * commit: the generation moves with every change. */
void sdg_pool_set_owner(struct sd_pool *p, uint32_t host);
int sdg_pool_owned_elsewhere(const struct sdg *g, const struct sd_pool *p, struct sd_err *err);
void sdg_owner_name(const struct sdg *g, uint32_t id, char out[SD_NAME_LEN]);
/* A template's pool loaded read-only on another node (SD_E_OWNED, naming
 * it): a change to the pool would pull its blocks from under that node. */
int sdg_pool_read_elsewhere(const struct sdg *g, const struct sd_pool *p, struct sd_err *err);
/* The host id of the node that owns vol's pool when that is not this node
 * (0: released, ours, or no such volume). */
uint32_t sdg_volume_owner_elsewhere(const struct sdg *g, const char *vol);
/* This node's host id in the group (also when opened read-only), 0 if it
 * never wrote to it. */
uint32_t sdg_my_host_id(const struct sdg *g);

#endif
