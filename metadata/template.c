#include "template.h"

#include <stdio.h>

#include "format.h"
#include "ops.h"

bool sd_pool_reader(const struct sd_pool *p, uint32_t host)
{
	return host < 256 && (p->readers[host / 32] & (1u << (host % 32)));
}

void sd_pool_set_reader(struct sd_pool *p, uint32_t host, bool on)
{
	if (host >= 256)
		return;
	if (on)
		p->readers[host / 32] |= 1u << (host % 32);
	else
		p->readers[host / 32] &= ~(1u << (host % 32));
}

/* The volumes of a pool, as a set of ids to test others against: a pool
 * holds a VM's few disks, so a short list, and past its room the records
 * themselves. */
enum { POOL_VOLUMES_MAX = 512 };
struct id_set {
	const struct sd_state *s;
	uint32_t pool_id;
	size_t n;
	uint32_t ids[POOL_VOLUMES_MAX];
};

static void pool_volumes(const struct sd_state *s, uint32_t pool_id, struct id_set *set)
{
	*set = (struct id_set){ .s = s, .pool_id = pool_id };
	for (size_t i = 0; i < s->volumes.n; i++)
		if (s->volumes.v[i].pool_id == pool_id && set->n++ < POOL_VOLUMES_MAX)
			set->ids[set->n - 1] = s->volumes.v[i].id;
}

static bool in_set(const struct id_set *set, uint32_t id)
{
	if (set->n <= POOL_VOLUMES_MAX) {
		for (size_t i = 0; i < set->n; i++)
			if (set->ids[i] == id)
				return true;
		return false;
	}
	for (size_t i = 0; i < set->s->volumes.n; i++)
		if (set->s->volumes.v[i].id == id)
			return set->s->volumes.v[i].pool_id == set->pool_id;
	return false;
}

size_t sd_clones_of(const struct sd_state *s, uint32_t pool_id, uint32_t base_id,
		    char (*out)[SD_NAME_LEN], size_t max)
{
	struct id_set set;
	pool_volumes(s, pool_id, &set);
	size_t n = 0;
	for (size_t i = 0; i < s->volumes.n; i++) {
		const struct sd_volume *v = &s->volumes.v[i];
		if (!v->origin_id || (base_id ? v->origin_id != base_id : !in_set(&set, v->origin_id)))
			continue;
		if (n < max)
			snprintf(out[n], SD_NAME_LEN, "%s", v->name);
		n++;
	}
	return n;
}

bool sd_pool_has_snapshots(const struct sd_state *s, uint32_t pool_id)
{
	struct id_set set;
	pool_volumes(s, pool_id, &set);
	for (size_t i = 0; i < s->snapshots.n && set.n; i++)
		if (in_set(&set, s->snapshots.v[i].volume_id))
			return true;
	return false;
}

bool sd_pool_has_pending(const struct sd_state *s, uint32_t pool_id)
{
	for (size_t i = 0; i < s->pending.n; i++)
		if (s->pending.v[i].pool_id == pool_id)
			return true;
	return false;
}
