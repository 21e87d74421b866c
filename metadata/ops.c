#include "ops.h"

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "alloc.h"

#define THIN_ID_LIMIT (1u << 24)

/* Where id sits in an array of n records of size elsz whose uint32_t id is
 * at offset off, by a binary search that assumes the records are in id
 * order, as ids grow and records are appended and removed in place.  A
 * reader does not require that order of what it reads, so when the search
 * misses, the array is scanned: the answer never depends on the order, and
 * a group's usual lookups (a list names every volume's pool) cost log n. */
static void *find_by_id(void *v, size_t n, size_t elsz, size_t off, uint32_t id)
{
	char *base = v;
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint32_t at;
		memcpy(&at, base + mid * elsz + off, sizeof(at));
		if (at == id)
			return base + mid * elsz;
		if (at < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = 0; i < n; i++) {
		uint32_t at;
		memcpy(&at, base + i * elsz + off, sizeof(at));
		if (at == id)
			return base + i * elsz;
	}
	return NULL;
}

struct sd_pool *sd_find_pool(struct sd_state *s, uint32_t pool_id)
{
	return find_by_id(s->pools.v, s->pools.n, sizeof(*s->pools.v),
			  offsetof(struct sd_pool, id), pool_id);
}

size_t sd_pool_index(const struct sd_state *s, uint32_t pool_id)
{
	/* find_by_id only reads the records it is given */
	const struct sd_pool *p = find_by_id((void *)s->pools.v, s->pools.n, sizeof(*s->pools.v),
					     offsetof(struct sd_pool, id), pool_id);
	return p ? (size_t)(p - s->pools.v) : s->pools.n;
}

struct sd_pool *sd_find_pool_vmid(struct sd_state *s, uint32_t vmid)
{
	for (size_t i = 0; i < s->pools.n; i++)
		if (s->pools.v[i].vmid == vmid)
			return &s->pools.v[i];
	return NULL;
}

struct sd_volume *sd_find_volume(struct sd_state *s, const char *name)
{
	for (size_t i = 0; i < s->volumes.n; i++)
		if (!strcmp(s->volumes.v[i].name, name))
			return &s->volumes.v[i];
	return NULL;
}

struct sd_volume *sd_find_volume_id(struct sd_state *s, uint32_t volume_id)
{
	return find_by_id(s->volumes.v, s->volumes.n, sizeof(*s->volumes.v),
			  offsetof(struct sd_volume, id), volume_id);
}

struct sd_snapshot *sd_find_snapshot(struct sd_state *s, uint32_t volume_id, const char *name)
{
	for (size_t i = 0; i < s->snapshots.n; i++)
		if (s->snapshots.v[i].volume_id == volume_id && !strcmp(s->snapshots.v[i].name, name))
			return &s->snapshots.v[i];
	return NULL;
}

int sd_pool_add(struct sd_state *s, const struct sd_geometry *g, uint32_t vmid,
		uint64_t meta_extents, uint64_t data_extents, uint32_t chunk_sectors,
		uint32_t *pool_id, struct sd_err *err)
{
	if (sd_find_pool_vmid(s, vmid))
		return sd_fail(err, SD_E_EXISTS, "pool for VM %u already exists", vmid);
	if (!meta_extents || !data_extents)
		return sd_fail(err, SD_E_INVAL, "a pool needs metadata and data extents");
	if (s->next_pool_id == UINT32_MAX)
		return sd_fail(err, SD_E_NOSPACE, "pool ids exhausted");
	uint32_t id = s->next_pool_id;
	int rc = sd_alloc_extents(s, g, id, SD_ROLE_META, meta_extents, err);
	if (rc == 0)
		rc = sd_alloc_extents(s, g, id, SD_ROLE_DATA, data_extents, err);
	struct sd_pool *p = rc ? NULL : SD_VEC_PUSH(&s->pools);
	if (!p) {
		sd_release_pool_extents(s, id);
		return rc ? rc : sd_fail(err, ENOMEM, "out of memory");
	}
	s->next_pool_id++;
	*p = (struct sd_pool){ .id = id, .vmid = vmid, .chunk_sectors = chunk_sectors,
			       .created_ns = sd_now_ns() };
	*pool_id = id;
	return 0;
}

int sd_pool_remove(struct sd_state *s, uint32_t pool_id, struct sd_err *err)
{
	for (size_t i = 0; i < s->volumes.n; i++)
		if (s->volumes.v[i].pool_id == pool_id)
			return sd_fail(err, EBUSY, "pool still holds volume %s", s->volumes.v[i].name);
	sd_release_pool_extents(s, pool_id);
	sd_pool_applied(s, pool_id, UINT64_MAX);
	for (size_t i = 0; i < s->pools.n; i++)
		if (s->pools.v[i].id == pool_id)
			SD_VEC_REMOVE(&s->pools, i);
	return 0;
}

void sd_pool_applied(struct sd_state *s, uint32_t pool_id, uint64_t tid)
{
	for (size_t i = s->pending.n; i-- > 0;)
		if (s->pending.v[i].pool_id == pool_id && s->pending.v[i].transaction_id <= tid)
			SD_VEC_REMOVE(&s->pending, i);
}

static bool thin_id_used(const struct sd_state *s, uint32_t pool_id, uint32_t thin)
{
	for (size_t i = 0; i < s->volumes.n; i++) {
		const struct sd_volume *v = &s->volumes.v[i];
		if (v->pool_id != pool_id)
			continue;
		if (v->thin_id == thin)
			return true;
		for (size_t j = 0; j < s->snapshots.n; j++)
			if (s->snapshots.v[j].volume_id == v->id && s->snapshots.v[j].thin_id == thin)
				return true;
	}
	return false;
}

/* Thin ids are 24-bit: count up, and once exhausted reuse the lowest id no
 * volume or snapshot holds (ids in pending deletes stay taken until applied). */
static int alloc_thin_id(struct sd_state *s, struct sd_pool *p, uint32_t *out, struct sd_err *err)
{
	if (p->next_thin_id < THIN_ID_LIMIT) {
		*out = p->next_thin_id++;
		return 0;
	}
	for (uint32_t id = 0; id < THIN_ID_LIMIT; id++) {
		bool pending = false;
		for (size_t i = 0; i < s->pending.n && !pending; i++)
			pending = s->pending.v[i].pool_id == p->id && s->pending.v[i].thin_id == id;
		if (!pending && !thin_id_used(s, p->id, id)) {
			*out = id;
			return 0;
		}
	}
	return sd_fail(err, SD_E_NOSPACE, "pool of VM %u has no free thin device id", p->vmid);
}

/* Start the next pool transaction if this call has not yet done so. */
static int add_pending(struct sd_state *s, struct sd_pool *p, uint64_t tid, uint32_t op,
		       uint32_t thin, uint32_t origin)
{
	struct sd_pending *q = SD_VEC_PUSH(&s->pending);
	if (!q)
		return -ENOMEM;
	*q = (struct sd_pending){ p->id, op, thin, origin, tid, 0 };
	p->transaction_id = tid;
	return 0;
}

/* A delete of a device of size bytes, whose blocks are to be discarded
 * before it goes. */
static int add_delete(struct sd_state *s, struct sd_pool *p, uint64_t tid, uint32_t thin,
		      uint64_t size)
{
	if (add_pending(s, p, tid, SD_OP_DELETE, thin, 0))
		return -ENOMEM;
	s->pending.v[s->pending.n - 1].discard_sectors = size / 512;
	return 0;
}

int sd_volume_add(struct sd_state *s, uint32_t pool_id, const char *name, uint64_t size,
		  uint32_t *volume_id, struct sd_err *err)
{
	struct sd_pool *p = sd_find_pool(s, pool_id);
	if (!p)
		return sd_fail(err, SD_E_NOTFOUND, "pool %u does not exist", pool_id);
	if (!sd_name_valid(name))
		return sd_fail(err, SD_E_INVAL, "invalid volume name '%s'", name);
	if (sd_find_volume(s, name))
		return sd_fail(err, SD_E_EXISTS, "volume %s already exists", name);
	if (!size || size % 512)
		return sd_fail(err, SD_E_INVAL, "volume size must be a positive multiple of 512");
	uint32_t thin;
	int rc = alloc_thin_id(s, p, &thin, err);
	if (rc)
		return rc;
	if (add_pending(s, p, p->transaction_id + 1, SD_OP_CREATE, thin, 0))
		return sd_fail(err, ENOMEM, "out of memory");
	struct sd_volume *v = SD_VEC_PUSH(&s->volumes);
	if (!v)
		return sd_fail(err, ENOMEM, "out of memory");
	*v = (struct sd_volume){ .id = s->next_volume_id++, .pool_id = p->id, .thin_id = thin,
				 .size = size, .created_ns = sd_now_ns() };
	snprintf(v->name, sizeof(v->name), "%s", name);
	if (volume_id)
		*volume_id = v->id;
	return 0;
}

static int lookup(struct sd_state *s, const char *volume, const char *snap,
		  struct sd_volume **v, struct sd_snapshot **n, struct sd_pool **p,
		  struct sd_err *err)
{
	*v = sd_find_volume(s, volume);
	if (!*v)
		return sd_fail(err, SD_E_NOTFOUND, "volume %s does not exist", volume);
	*p = sd_find_pool(s, (*v)->pool_id);
	if (snap) {
		*n = sd_find_snapshot(s, (*v)->id, snap);
		if (!*n)
			return sd_fail(err, SD_E_NOTFOUND, "snapshot %s of %s does not exist", snap, volume);
	}
	return 0;
}

int sd_volume_remove(struct sd_state *s, const char *name, struct sd_err *err)
{
	struct sd_volume *v;
	struct sd_snapshot *n;
	struct sd_pool *p;
	int rc = lookup(s, name, NULL, &v, &n, &p, err);
	if (rc)
		return rc;
	uint64_t tid = p->transaction_id + 1;
	for (size_t i = s->snapshots.n; i-- > 0;) {
		if (s->snapshots.v[i].volume_id != v->id)
			continue;
		if (add_delete(s, p, tid, s->snapshots.v[i].thin_id, s->snapshots.v[i].size))
			return sd_fail(err, ENOMEM, "out of memory");
		SD_VEC_REMOVE(&s->snapshots, i);
	}
	if (add_delete(s, p, tid, v->thin_id, v->size))
		return sd_fail(err, ENOMEM, "out of memory");
	SD_VEC_REMOVE(&s->volumes, (size_t)(v - s->volumes.v));
	return 0;
}

int sd_snapshot_add(struct sd_state *s, const char *volume, const char *snap, struct sd_err *err)
{
	struct sd_volume *v;
	struct sd_snapshot *n;
	struct sd_pool *p;
	int rc = lookup(s, volume, NULL, &v, &n, &p, err);
	if (rc)
		return rc;
	if (!sd_name_valid(snap))
		return sd_fail(err, SD_E_INVAL, "invalid snapshot name '%s'", snap);
	if (sd_find_snapshot(s, v->id, snap))
		return sd_fail(err, SD_E_EXISTS, "snapshot %s of %s already exists", snap, volume);
	uint32_t thin;
	if ((rc = alloc_thin_id(s, p, &thin, err)))
		return rc;
	if (add_pending(s, p, p->transaction_id + 1, SD_OP_SNAP, thin, v->thin_id))
		return sd_fail(err, ENOMEM, "out of memory");
	uint32_t vid = v->id;
	uint64_t size = v->size;
	n = SD_VEC_PUSH(&s->snapshots);
	if (!n)
		return sd_fail(err, ENOMEM, "out of memory");
	*n = (struct sd_snapshot){ .volume_id = vid, .thin_id = thin, .size = size,
				   .created_ns = sd_now_ns() };
	snprintf(n->name, sizeof(n->name), "%s", snap);
	return 0;
}

int sd_snapshot_remove(struct sd_state *s, const char *volume, const char *snap,
		       struct sd_err *err)
{
	struct sd_volume *v;
	struct sd_snapshot *n;
	struct sd_pool *p;
	int rc = lookup(s, volume, snap, &v, &n, &p, err);
	if (rc)
		return rc;
	if (add_delete(s, p, p->transaction_id + 1, n->thin_id, n->size))
		return sd_fail(err, ENOMEM, "out of memory");
	SD_VEC_REMOVE(&s->snapshots, (size_t)(n - s->snapshots.v));
	return 0;
}

int sd_volume_rollback(struct sd_state *s, const char *volume, const char *snap,
		       struct sd_err *err)
{
	struct sd_volume *v;
	struct sd_snapshot *n;
	struct sd_pool *p;
	int rc = lookup(s, volume, snap, &v, &n, &p, err);
	if (rc)
		return rc;
	uint32_t thin;
	if ((rc = alloc_thin_id(s, p, &thin, err)))
		return rc;
	uint64_t tid = p->transaction_id + 1;
	if (add_delete(s, p, tid, v->thin_id, v->size) ||
	    add_pending(s, p, tid, SD_OP_SNAP, thin, n->thin_id))
		return sd_fail(err, ENOMEM, "out of memory");
	v->thin_id = thin;
	v->size = n->size;
	return 0;
}

int sd_host_register(struct sd_state *s, const struct sd_geometry *g, const char *name,
		     uint32_t *id, struct sd_err *err)
{
	if (!sd_name_valid(name))
		return sd_fail(err, SD_E_INVAL, "invalid host name '%s'", name);
	uint32_t next = 1;
	for (size_t i = 0; i < s->hosts.n; i++) {
		if (!strcmp(s->hosts.v[i].name, name)) {
			*id = s->hosts.v[i].id;
			return 0;
		}
		if (s->hosts.v[i].id >= next)
			next = s->hosts.v[i].id + 1;
	}
	if (next > g->host_slots)
		return sd_fail(err, SD_E_NOSPACE, "all %u host slots are taken", g->host_slots);
	struct sd_host *h = SD_VEC_PUSH(&s->hosts);
	if (!h)
		return sd_fail(err, ENOMEM, "out of memory");
	*h = (struct sd_host){ .id = next, .registered_ns = sd_now_ns() };
	snprintf(h->name, sizeof(h->name), "%s", name);
	*id = next;
	return 0;
}
