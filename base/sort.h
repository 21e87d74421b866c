/* Sorting arrays that are mostly in order already. */
#ifndef STARDM_BASE_SORT_H
#define STARDM_BASE_SORT_H

#include <stddef.h>

/* qsort(base, n, size, cmp), skipped when the array is in order already.
 * A group's records are appended as ids and extents grow, so its indexes
 * mostly are: the O(n) check spares most sorts of a large group, which
 * were a large share of a read's and a commit's CPU time. */
void sd_sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));

#endif
