#include "core/report.h"

#include "core/group_impl.h"
#include "metadata/ops.h"

void sdg_copy_offsets(const struct sdg *g, int c, uint64_t *label, uint64_t slot[2])
{
	*label = sd_label_offset(&g->st->geo, c);
	for (int s = 0; s < 2; s++)
		slot[s] = sd_slot_offset(&g->st->geo, c, s);
}

int sdg_free_runs(const struct sdg *g, struct sd_run **runs, size_t *n)
{
	return sd_free_runs(&g->state, &g->st->geo, runs, n);
}

uint64_t sdg_pool_extent_count(const struct sdg *g, const struct sd_pool *p, bool meta)
{
	return sd_pool_extents(&g->state, p->id, meta ? SD_ROLE_META : SD_ROLE_DATA);
}

int sdg_host_slots(const struct sdg *g, struct sd_host_slot_info *out, size_t max)
{
	return sd_host_slots_read(g->io, &g->st->geo, out, max);
}

const struct sd_copy_status *sdg_copy_status(const struct sdg *g, int c)
{
	return &g->st->copy[c];
}

void sdg_current(const struct sdg *g, uint64_t *seqno, int *copy)
{
	*seqno = g->st->seqno;
	*copy = g->st->source_copy;
}

void sdg_io_backend(const struct sdg *g, const char **name, bool *direct)
{
	*name = g->io->ops->name;
	*direct = g->io->direct;
}
