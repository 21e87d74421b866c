#include "core/report.h"

#include <errno.h>
#include <stdlib.h>

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

int sdg_pools_extent_counts(const struct sdg *g, uint64_t **meta, uint64_t **data)
{
	size_t n = g->state.pools.n ? g->state.pools.n : 1;
	*meta = malloc(n * sizeof(**meta));
	*data = malloc(n * sizeof(**data));
	if (!*meta || !*data) {
		free(*meta);
		free(*data);
		*meta = *data = NULL;
		return -ENOMEM;
	}
	sd_pools_extents(&g->state, *meta, *data);
	return 0;
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
