#include "base/vec.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct raw_vec {
	char *v;
	size_t n, cap;
};

int sd_vec_reserve(void *vec, size_t elsz, size_t n)
{
	struct raw_vec *r = vec;
	if (n <= r->cap)
		return 0;
	size_t cap = r->cap ? r->cap : 8;
	while (cap < n)
		cap *= 2;
	char *p = realloc(r->v, cap * elsz);
	if (!p)
		return -ENOMEM;
	r->v = p;
	r->cap = cap;
	return 0;
}

void *sd_vec_push(void *vec, size_t elsz)
{
	struct raw_vec *r = vec;
	if (sd_vec_reserve(vec, elsz, r->n + 1))
		return NULL;
	char *el = r->v + r->n++ * elsz;
	memset(el, 0, elsz);
	return el;
}

void sd_vec_remove(void *vec, size_t elsz, size_t i)
{
	struct raw_vec *r = vec;
	if (i >= r->n)
		return;
	memmove(r->v + i * elsz, r->v + (i + 1) * elsz, (r->n - i - 1) * elsz);
	r->n--;
}

void sd_vec_free(void *vec)
{
	struct raw_vec *r = vec;
	free(r->v);
	r->v = NULL;
	r->n = r->cap = 0;
}
