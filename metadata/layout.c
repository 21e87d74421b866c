/* Where things live on the LUN.  Copy A sits at the start, copy B at the end,
 * each far enough from the edge that wiping the first or the last MiB (a
 * stray wipefs, pvcreate or partition table write) leaves a whole copy. */
#include "size.h"
#include "state.h"

#include <errno.h>
#include <inttypes.h>

static uint64_t align_up(uint64_t v, uint64_t a) { return sd_div_up(v, a) * a; }
static uint64_t align_down(uint64_t v, uint64_t a) { return v / a * a; }

static bool power_of_two(uint64_t v) { return v && !(v & (v - 1)); }

int sd_layout_compute(struct sd_geometry *g, struct sd_err *err)
{
	if (!power_of_two(g->extent_size) || g->extent_size < (1u << 20) ||
	    g->extent_size > (1ull << 34))
		return sd_fail(err, SD_E_INVAL, "extent size %" PRIu64
			       ": must be a power of two from 1M to 16G", g->extent_size);
	if (g->slot_size < SD_MIN_SLOT_SIZE || g->slot_size % SD_BLOCK ||
	    g->slot_size > (1ull << 32))
		return sd_fail(err, SD_E_INVAL, "metadata size %" PRIu64
			       ": must be a multiple of 4K from 64K to 4G", g->slot_size);
	g->host_slots = SD_HOST_SLOTS;
	g->host_area_offset = SD_BLOCK;
	g->copy_offset[0] = SD_COPY_A_SLOTS_AT;
	g->data_offset = align_up(g->copy_offset[0] + 2 * g->slot_size, g->extent_size);
	uint64_t lun = align_down(g->lun_size, SD_BLOCK);
	if (lun < g->data_offset + 2 * g->slot_size + SD_TAIL_GAP + SD_BLOCK)
		return sd_fail(err, ENOSPC, "device of %" PRIu64 " bytes is too small for "
			       "the metadata area", g->lun_size);
	g->copy_offset[1] = align_down(lun - SD_TAIL_GAP - 2 * g->slot_size, SD_BLOCK);
	if (g->copy_offset[1] < g->data_offset + g->extent_size)
		return sd_fail(err, ENOSPC, "device of %" PRIu64 " bytes has no room for "
			       "a single extent", g->lun_size);
	g->extent_count = (g->copy_offset[1] - g->data_offset) / g->extent_size;
	return 0;
}

uint64_t sd_slot_offset(const struct sd_geometry *g, int copy, int slot)
{
	return g->copy_offset[copy] + (uint64_t)slot * g->slot_size;
}

uint64_t sd_label_offset(const struct sd_geometry *g, int copy)
{
	return copy ? align_down(g->lun_size, SD_BLOCK) - SD_BLOCK : 0;
}
