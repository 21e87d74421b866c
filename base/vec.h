/* A tiny growable array used for the record lists of the in-memory state. */
#ifndef STARDM_BASE_VEC_H
#define STARDM_BASE_VEC_H

#include <stddef.h>

#define SD_VEC(type) struct { type *v; size_t n, cap; }

/* Append one zeroed element of size elsz; returns it or NULL on ENOMEM. */
void *sd_vec_push(void *vec, size_t elsz);
/* Remove element i, keeping order (record order is meaningful). */
void sd_vec_remove(void *vec, size_t elsz, size_t i);
/* Make room for n elements; 0 or -ENOMEM. */
int sd_vec_reserve(void *vec, size_t elsz, size_t n);
void sd_vec_free(void *vec);

#define SD_VEC_PUSH(vec) ((__typeof__((vec)->v))sd_vec_push((vec), sizeof(*(vec)->v)))
#define SD_VEC_RESERVE(vec, n) sd_vec_reserve((vec), sizeof(*(vec)->v), (n))
#define SD_VEC_REMOVE(vec, i) sd_vec_remove((vec), sizeof(*(vec)->v), (i))

#endif
