/* What inspect shows of a group beyond its records: where the copies sit,
 * how the extents are shared out, and the host slots.  The CLI renders it
 * and reaches nothing of the metadata layer itself. */
#ifndef STARDM_CORE_REPORT_H
#define STARDM_CORE_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "core/group.h"
#include "metadata/alloc.h"
#include "metadata/hostlock.h"
#include "metadata/store.h"

/* Byte offsets of copy c's label and of its two metadata slots. */
void sdg_copy_offsets(const struct sdg *g, int c, uint64_t *label, uint64_t slot[2]);
/* The group's free runs of extents (free() *runs); 0 or -ENOMEM. */
int sdg_free_runs(const struct sdg *g, struct sd_run **runs, size_t *n);
/* The extents each pool holds for its metadata and its data, counted in
 * one pass: (*meta)[i] and (*data)[i] for the i-th pool of the group's
 * records (free() both); 0 or -ENOMEM. */
int sdg_pools_extent_counts(const struct sdg *g, uint64_t **meta, uint64_t **data);
/* The host slots in use (at most max); their number, or -errno. */
int sdg_host_slots(const struct sdg *g, struct sd_host_slot_info *out, size_t max);

/* Copy c's label and slots (0: A, 1: B) as the open read them. */
const struct sd_copy_status *sdg_copy_status(const struct sdg *g, int c);
/* The sequence number of the records held and the copy they came from. */
void sdg_current(const struct sdg *g, uint64_t *seqno, int *copy);
/* The I/O backend in use ("io_uring", "libaio") and whether it bypasses
 * the page cache. */
void sdg_io_backend(const struct sdg *g, const char **name, bool *direct);

#endif
