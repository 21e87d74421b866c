#include "core/space.h"

#include "core/group_impl.h"
#include "metadata/alloc.h"
#include "metadata/format.h"
#include "metadata/size.h"

uint64_t sdg_reserve_extents(const struct sdg *g)
{
	return sd_div_up(g->st->geo.extent_count * g->state.reserve_pct, 100);
}

uint64_t sdg_extents_available(const struct sdg *g, int growth)
{
	uint64_t free = sd_free_extents(&g->state, &g->st->geo);
	uint64_t keep = growth ? 0 : sdg_reserve_extents(g);
	return free > keep ? free - keep : 0;
}

static enum sdg_space_level level_of(uint64_t free, uint64_t reserve, uint64_t total)
{
	if (!free)
		return SDG_SPACE_FULL;
	if (free < reserve)
		return SDG_SPACE_RESERVE;
	return free < reserve + total / 20 ? SDG_SPACE_LOW : SDG_SPACE_OK;
}

const char *sdg_space_level_name(enum sdg_space_level l)
{
	static const char *const names[] = { "ok", "low", "reserve", "full" };
	return names[l];
}

void sdg_space(const struct sdg *g, struct sdg_space *sp)
{
	const struct sd_geometry *geo = &g->st->geo;
	sp->extent_size = geo->extent_size;
	sp->extents_total = geo->extent_count;
	sp->extents_free = sd_free_extents(&g->state, geo);
	sp->total = geo->extent_count * geo->extent_size;
	sp->free = sp->extents_free * geo->extent_size;
	sp->used = sp->total - sp->free;
	sp->group_size = geo->lun_size;
	sp->device_size = g->io->size;
	sp->reserve_pct = g->state.reserve_pct;
	sp->reserve = sdg_reserve_extents(g) * geo->extent_size;
	sp->available = sdg_extents_available(g, 0) * geo->extent_size;
	sp->level = level_of(sp->extents_free, sdg_reserve_extents(g), sp->extents_total);
	sp->provisioned = 0;
	for (size_t i = 0; i < g->state.volumes.n; i++)
		sp->provisioned += g->state.volumes.v[i].size;
	sp->thin_pools = 0;
	for (size_t i = 0; i < g->state.pools.n; i++)
		sp->thin_pools += (g->state.pools.v[i].flags & SD_POOL_THIN) != 0;
}

int sdg_reserve_check(unsigned pct, struct sd_err *err)
{
	if (pct > SD_RESERVE_PCT_MAX)
		return sd_fail(err, SD_E_INVAL, "a reserve of %u%% is more than the %d%% a group "
			       "may keep back", pct, SD_RESERVE_PCT_MAX);
	return 0;
}

int sdg_set_reserve(struct sdg *g, unsigned pct, struct sd_err *err)
{
	int rc = sdg_reserve_check(pct, err);
	if (rc)
		return rc;
	g->state.reserve_pct = pct;
	return sdg_commit(g, err);
}
