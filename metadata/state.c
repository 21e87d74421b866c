#include "state.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void sd_state_init(struct sd_state *s)
{
	memset(s, 0, sizeof(*s));
	s->next_pool_id = 1;
	s->next_volume_id = 1;
}

void sd_state_free(struct sd_state *s)
{
	sd_vec_free(&s->pools);
	sd_vec_free(&s->segments);
	sd_vec_free(&s->volumes);
	sd_vec_free(&s->snapshots);
	sd_vec_free(&s->hosts);
	sd_vec_free(&s->pending);
	sd_state_init(s);
}

/* Copy one record array: dst must be empty. */
static int copy_vec(void *dst, const void *src, size_t elsz)
{
	struct { char *v; size_t n, cap; } *d = dst;
	const struct { char *v; size_t n, cap; } *s = src;
	if (sd_vec_reserve(dst, elsz, s->n))
		return -ENOMEM;
	if (s->n)
		memcpy(d->v, s->v, s->n * elsz);
	d->n = s->n;
	return 0;
}

int sd_state_copy(struct sd_state *dst, const struct sd_state *src)
{
	sd_state_init(dst);
	if (copy_vec(&dst->pools, &src->pools, sizeof(struct sd_pool)) ||
	    copy_vec(&dst->segments, &src->segments, sizeof(struct sd_segment)) ||
	    copy_vec(&dst->volumes, &src->volumes, sizeof(struct sd_volume)) ||
	    copy_vec(&dst->snapshots, &src->snapshots, sizeof(struct sd_snapshot)) ||
	    copy_vec(&dst->hosts, &src->hosts, sizeof(struct sd_host)) ||
	    copy_vec(&dst->pending, &src->pending, sizeof(struct sd_pending))) {
		sd_state_free(dst);
		return -ENOMEM;
	}
	dst->next_pool_id = src->next_pool_id;
	dst->next_volume_id = src->next_volume_id;
	dst->group_flags = src->group_flags;
	dst->reserve_pct = src->reserve_pct;
	return 0;
}

/* Records are compared field by field: struct padding is not data. */
static bool pool_eq(const void *pa, const void *pb)
{
	const struct sd_pool *a = pa, *b = pb;
	return a->id == b->id && a->vmid == b->vmid && a->transaction_id == b->transaction_id &&
	       a->next_thin_id == b->next_thin_id && a->chunk_sectors == b->chunk_sectors &&
	       a->owner_host == b->owner_host && a->flags == b->flags &&
	       a->owner_generation == b->owner_generation && a->created_ns == b->created_ns &&
	       a->handover_to == b->handover_to && !memcmp(a->readers, b->readers, sizeof(a->readers));
}

static bool segment_eq(const void *pa, const void *pb)
{
	const struct sd_segment *a = pa, *b = pb;
	return a->pool_id == b->pool_id && a->role == b->role && a->start == b->start &&
	       a->count == b->count;
}

static bool volume_eq(const void *pa, const void *pb)
{
	const struct sd_volume *a = pa, *b = pb;
	return a->id == b->id && a->pool_id == b->pool_id && a->thin_id == b->thin_id &&
	       a->flags == b->flags && a->size == b->size && a->created_ns == b->created_ns &&
	       !strcmp(a->name, b->name) && a->origin_id == b->origin_id;
}

static bool snapshot_eq(const void *pa, const void *pb)
{
	const struct sd_snapshot *a = pa, *b = pb;
	return a->volume_id == b->volume_id && a->thin_id == b->thin_id && a->flags == b->flags &&
	       a->size == b->size && a->created_ns == b->created_ns && !strcmp(a->name, b->name);
}

static bool host_eq(const void *pa, const void *pb)
{
	const struct sd_host *a = pa, *b = pb;
	return a->id == b->id && a->flags == b->flags && a->registered_ns == b->registered_ns &&
	       !strcmp(a->name, b->name);
}

static bool pending_eq(const void *pa, const void *pb)
{
	const struct sd_pending *a = pa, *b = pb;
	return a->pool_id == b->pool_id && a->op == b->op && a->thin_id == b->thin_id &&
	       a->origin_id == b->origin_id && a->transaction_id == b->transaction_id &&
	       a->discard_sectors == b->discard_sectors;
}

static bool arrays_equal(const void *va, const void *vb, size_t elsz,
			 bool (*eq)(const void *, const void *))
{
	const struct { char *v; size_t n, cap; } *a = va, *b = vb;
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (!eq(a->v + i * elsz, b->v + i * elsz))
			return false;
	return true;
}

#define ARRAYS_EQUAL(a, b, eq) arrays_equal(&(a), &(b), sizeof(*(a).v), eq)

bool sd_state_equal(const struct sd_state *a, const struct sd_state *b)
{
	return a->next_pool_id == b->next_pool_id && a->next_volume_id == b->next_volume_id &&
	       a->group_flags == b->group_flags && a->reserve_pct == b->reserve_pct &&
	       ARRAYS_EQUAL(a->pools, b->pools, pool_eq) &&
	       ARRAYS_EQUAL(a->segments, b->segments, segment_eq) &&
	       ARRAYS_EQUAL(a->volumes, b->volumes, volume_eq) &&
	       ARRAYS_EQUAL(a->snapshots, b->snapshots, snapshot_eq) &&
	       ARRAYS_EQUAL(a->hosts, b->hosts, host_eq) &&
	       ARRAYS_EQUAL(a->pending, b->pending, pending_eq);
}
