/* Semantic checks of a state against its geometry.  Decode runs them on what
 * it read (so damage that passes the crc still cannot reach callers) and
 * commit runs them on what it is about to write (so a bug cannot persist a
 * broken state).  Everything is O(n log n): 128k snapshots check in ms. */
#include "codec.h"
#include "size.h"
#include "base/sort.h"

#include <errno.h>
#include <stddef.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define THIN_ID_LIMIT (1u << 24)

struct key {
	uint64_t a, b; /* sort key */
	uint64_t c;    /* payload (e.g. next_thin_id or extent end) */
};

/* An index of n keys (room for one more: an empty index is still an
 * allocation), each written before it is read: not zeroed, which for a
 * thousand VMs was a tenth of a read's instructions. */
static struct key *keys(size_t n)
{
	return malloc((n + 1) * sizeof(struct key));
}

static int key_cmp(const void *x, const void *y)
{
	const struct key *p = x, *q = y;
	if (p->a != q->a)
		return p->a < q->a ? -1 : 1;
	if (p->b != q->b)
		return p->b < q->b ? -1 : 1;
	return 0;
}

/* Sort an index (records mostly sit in id order already). */
static void key_sort(struct key *k, size_t n)
{
	sd_sort(k, n, sizeof(*k), key_cmp);
}

/* The key with id a in an id index (sorted, ids unique: b is 0), or NULL.
 * A search of its own, not bsearch: it runs for every record, and the
 * call per comparison was a fifth of a large group's validation.  Records
 * mostly name their parents in id order (both are appended as ids grow),
 * so the position *near of the last key found, and the one after it, are
 * tried before the search: a large group's lookups then cost a compare. */
static const struct key *key_find(const struct key *k, size_t n, uint64_t a, size_t *near)
{
	for (size_t i = *near; i < n && i <= *near + 1; i++)
		if (k[i].a == a)
			return &k[*near = i];
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (k[mid].a < a)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == n || k[lo].a != a)
		return NULL;
	*near = lo;
	return &k[lo];
}

/* Another key with the same (a, b) before k[i] for which same() holds
 * (NULL: any) makes k[i] a duplicate.  The first duplicate's index, -1 when
 * there is none, -2 out of memory.  A hash table: O(n), where sorting the
 * thin ids and names of a large group was most of a read's CPU time. */
static long find_dup(const struct key *k, size_t n,
		     bool (*same)(const struct key *, const struct key *, const void *),
		     const void *ctx)
{
	size_t cap = 16;
	while (cap < 2 * n)
		cap <<= 1;
	size_t *t = calloc(cap, sizeof(*t)); /* index + 1 of a key; 0: empty */
	if (!t)
		return -2;
	long found = -1;
	for (size_t i = 0; i < n && found < 0; i++) {
		uint64_t h = k[i].a * 0x9e3779b97f4a7c15ull ^ k[i].b * 0xc2b2ae3d27d4eb4full;
		for (size_t j = (h ^ h >> 31) & (cap - 1);; j = (j + 1) & (cap - 1)) {
			const struct key *o = t[j] ? &k[t[j] - 1] : NULL;
			if (!o) {
				t[j] = i + 1;
				break;
			}
			if (o->a == k[i].a && o->b == k[i].b && (!same || same(o, &k[i], ctx))) {
				found = (long)i;
				break;
			}
		}
	}
	free(t);
	return found;
}

static bool has_adjacent_dup(const struct key *k, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (k[i].a == k[i - 1].a && k[i].b == k[i - 1].b)
			return true;
	return false;
}

static uint64_t name_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a: only to sort, equality rechecked */
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ull;
	return h;
}

struct indexes {
	struct key *pools;   /* a = pool id, c = next_thin_id */
	struct key *volumes; /* a = volume id, c = pool id */
};

static int check_pools(const struct sd_state *s, struct indexes *ix, struct sd_err *err)
{
	struct key *vm = keys(s->pools.n);
	if (!vm)
		return sd_fail(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < s->pools.n; i++) {
		const struct sd_pool *p = &s->pools.v[i];
		uint32_t cs = p->chunk_sectors;
		if (!p->id || p->id >= s->next_pool_id || p->next_thin_id > THIN_ID_LIMIT ||
		    cs < 128 || cs > 2097152 || cs % 128) {
			free(vm);
			return sd_fail(err, SD_E_CORRUPT, "metadata: pool record %zu is invalid", i);
		}
		ix->pools[i] = (struct key){ p->id, 0, p->next_thin_id };
		vm[i] = (struct key){ p->vmid, 0, 0 };
	}
	key_sort(ix->pools, s->pools.n);
	key_sort(vm, s->pools.n);
	bool dup = has_adjacent_dup(ix->pools, s->pools.n) || has_adjacent_dup(vm, s->pools.n);
	free(vm);
	if (dup)
		return sd_fail(err, SD_E_CORRUPT, "metadata: duplicate pool id or vmid");
	return 0;
}

static int check_segments(const struct sd_state *s, const struct sd_geometry *g,
			  const struct indexes *ix, struct sd_err *err)
{
	struct key *k = keys(s->segments.n);
	uint8_t *roles = calloc(s->pools.n + 1, 1);
	int rc = 0;
	if (!k || !roles) {
		rc = sd_fail(err, ENOMEM, "out of memory");
		goto out;
	}
	size_t near = 0;
	for (size_t i = 0; i < s->segments.n; i++) {
		const struct sd_segment *sg = &s->segments.v[i];
		const struct key *p = key_find(ix->pools, s->pools.n, sg->pool_id, &near);
		if (!p || (sg->role != SD_ROLE_META && sg->role != SD_ROLE_DATA) || !sg->count ||
		    sg->start >= g->extent_count || sg->count > g->extent_count - sg->start) {
			rc = sd_fail(err, SD_E_CORRUPT, "metadata: segment record %zu is invalid", i);
			goto out;
		}
		roles[p - ix->pools] |= (uint8_t)sg->role;
		k[i] = (struct key){ sg->start, 0, sg->start + sg->count };
	}
	key_sort(k, s->segments.n);
	for (size_t i = 1; i < s->segments.n; i++)
		if (k[i].a < k[i - 1].c) {
			rc = sd_fail(err, SD_E_CORRUPT, "metadata: extent %" PRIu64
				     " is given to two segments", k[i].a);
			goto out;
		}
	for (size_t i = 0; i < s->pools.n; i++)
		if (roles[i] != (SD_ROLE_META | SD_ROLE_DATA)) {
			rc = sd_fail(err, SD_E_CORRUPT, "metadata: pool %" PRIu64
				     " lacks a metadata or data segment", ix->pools[i].a);
			goto out;
		}
out:
	free(k);
	free(roles);
	return rc;
}

/* The name of thin record x: volumes first, then snapshots. */
static const char *thin_name(const struct sd_state *s, size_t x)
{
	return x < s->volumes.n ? s->volumes.v[x].name : s->snapshots.v[x - s->volumes.n].name;
}

/* Two name keys with the same hash: the same name (a hash may collide). */
static bool same_name(const struct key *x, const struct key *y, const void *ctx)
{
	return strcmp(thin_name(ctx, x->c), thin_name(ctx, y->c)) == 0;
}

/* Checks volumes and snapshots; thin ids must be unique within each pool. */
static int check_volumes(const struct sd_state *s, struct indexes *ix, struct sd_err *err)
{
	size_t nthin = s->volumes.n + s->snapshots.n;
	struct key *thin = keys(nthin);
	struct key *names = keys(nthin);
	int rc = 0;
	if (!thin || !names) {
		rc = sd_fail(err, ENOMEM, "out of memory");
		goto out;
	}
	size_t near_pool = 0, near_vol = 0;
	for (size_t i = 0; i < s->volumes.n; i++) {
		const struct sd_volume *v = &s->volumes.v[i];
		const struct key *p = key_find(ix->pools, s->pools.n, v->pool_id, &near_pool);
		if (!v->id || v->id >= s->next_volume_id || !p || v->thin_id >= p->c ||
		    !v->size || v->size % 512 || v->size > SD_VOLUME_SIZE_MAX ||
		    !sd_name_valid(v->name)) {
			rc = sd_fail(err, SD_E_CORRUPT, "metadata: volume record %zu is invalid", i);
			goto out;
		}
		ix->volumes[i] = (struct key){ v->id, 0, v->pool_id };
		thin[i] = (struct key){ v->pool_id, v->thin_id, 0 };
		names[i] = (struct key){ 0, name_hash(v->name), i };
	}
	key_sort(ix->volumes, s->volumes.n);
	if (has_adjacent_dup(ix->volumes, s->volumes.n)) {
		rc = sd_fail(err, SD_E_CORRUPT, "metadata: duplicate volume id");
		goto out;
	}
	for (size_t i = 0; i < s->snapshots.n; i++) {
		const struct sd_snapshot *n = &s->snapshots.v[i];
		const struct key *v = key_find(ix->volumes, s->volumes.n, n->volume_id, &near_vol);
		const struct key *p = v ? key_find(ix->pools, s->pools.n, v->c, &near_pool) : NULL;
		if (!p || n->thin_id >= p->c || !n->size || n->size % 512 ||
		    n->size > SD_VOLUME_SIZE_MAX || !sd_name_valid(n->name)) {
			rc = sd_fail(err, SD_E_CORRUPT, "metadata: snapshot record %zu is invalid", i);
			goto out;
		}
		thin[s->volumes.n + i] = (struct key){ v->c, n->thin_id, 0 };
		names[s->volumes.n + i] = (struct key){ n->volume_id, name_hash(n->name),
							 s->volumes.n + i };
	}
	long d = find_dup(thin, nthin, NULL, NULL);
	if (d >= 0) {
		rc = sd_fail(err, SD_E_CORRUPT, "metadata: a thin device id is used twice in one pool");
		goto out;
	}
	/* names: volumes are unique in the group (a = 0), snapshots per volume */
	if (d == -1 && (d = find_dup(names, nthin, same_name, s)) >= 0)
		rc = sd_fail(err, SD_E_CORRUPT, "metadata: name '%s' is used twice",
			     thin_name(s, names[d].c));
	if (d == -2)
		rc = sd_fail(err, ENOMEM, "out of memory");
out:
	free(thin);
	free(names);
	return rc;
}

static int check_hosts_pending(const struct sd_state *s, const struct sd_geometry *g,
			       const struct indexes *ix, struct sd_err *err)
{
	struct key *k = keys(s->hosts.n);
	if (!k)
		return sd_fail(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < s->hosts.n; i++) {
		const struct sd_host *h = &s->hosts.v[i];
		if (!h->id || h->id > g->host_slots || !sd_name_valid(h->name)) {
			free(k);
			return sd_fail(err, SD_E_CORRUPT, "metadata: host record %zu is invalid", i);
		}
		k[i] = (struct key){ h->id, 0, 0 };
	}
	key_sort(k, s->hosts.n);
	bool dup = has_adjacent_dup(k, s->hosts.n);
	free(k);
	if (dup)
		return sd_fail(err, SD_E_CORRUPT, "metadata: duplicate host id");
	for (size_t i = 0; i < s->pools.n; i++)
		if (s->pools.v[i].owner_host > g->host_slots || s->pools.v[i].handover_to > g->host_slots)
			return sd_fail(err, SD_E_CORRUPT, "metadata: pool owner host out of range");
	size_t near = 0;
	for (size_t i = 0; i < s->pending.n; i++) {
		const struct sd_pending *p = &s->pending.v[i];
		if (!key_find(ix->pools, s->pools.n, p->pool_id, &near) || p->op < SD_OP_CREATE ||
		    p->op > SD_OP_DELETE || p->thin_id >= THIN_ID_LIMIT ||
		    p->origin_id >= THIN_ID_LIMIT ||
		    (p->op != SD_OP_DELETE && p->discard_sectors) ||
		    p->discard_sectors > SD_VOLUME_SIZE_MAX / 512)
			return sd_fail(err, SD_E_CORRUPT, "metadata: pending record %zu is invalid", i);
	}
	return 0;
}

/* An index from id to record position: a = id, c = position. */
static struct key *positions(size_t n, const void *recs, size_t size, size_t id_off)
{
	struct key *k = keys(n);
	for (size_t i = 0; k && i < n; i++) {
		uint32_t id;
		memcpy(&id, (const char *)recs + i * size + id_off, sizeof(id));
		k[i] = (struct key){ id, 0, i };
	}
	if (k)
		key_sort(k, n);
	return k;
}

/* The bits of word w of a reader set that can name a host: ids 1 to
 * host_slots (host 0 and ids past the slots are no host). */
static uint32_t host_bits(uint32_t w, uint32_t host_slots)
{
	uint32_t first = w * 32, m = 0;
	if (host_slots >= first)
		m = host_slots - first >= 31 ? ~0u : (2u << (host_slots - first)) - 1;
	return w == 0 ? m & ~1u : m;
}

/* Templates and linked clones: a template's pool is nobody's (it is loaded
 * read-only wherever it is needed, readers saying where), and a clone's
 * origin is a base volume in a template's pool other than its own. */
static int check_templates(const struct sd_state *s, const struct sd_geometry *g,
			   struct sd_err *err)
{
	uint32_t no_host[8]; /* per word of a reader set, the bits that name no host */
	for (uint32_t w = 0; w < 8; w++)
		no_host[w] = ~host_bits(w, g->host_slots);
	for (size_t i = 0; i < s->pools.n; i++) {
		const struct sd_pool *p = &s->pools.v[i];
		bool tmpl = p->flags & SD_POOL_TEMPLATE, readers = false, stray = false;
		for (uint32_t w = 0; w < 8; w++) { /* a word at a time: this runs for every pool */
			readers |= p->readers[w] != 0;
			stray |= (p->readers[w] & no_host[w]) != 0;
		}
		if (p->flags & ~(uint32_t)(SD_POOL_THIN | SD_POOL_TEMPLATE) || stray ||
		    (readers && !tmpl) || (tmpl && (p->owner_host || p->handover_to)))
			return sd_fail(err, SD_E_CORRUPT, "metadata: pool record %zu is invalid", i);
	}
	struct key *vols = positions(s->volumes.n, s->volumes.v, sizeof(*s->volumes.v),
				     offsetof(struct sd_volume, id));
	struct key *pools = positions(s->pools.n, s->pools.v, sizeof(*s->pools.v),
				      offsetof(struct sd_pool, id));
	int rc = vols && pools ? 0 : sd_fail(err, ENOMEM, "out of memory");
	size_t near_vol = 0, near_pool = 0;
	for (size_t i = 0; i < s->volumes.n && !rc; i++) {
		const struct sd_volume *v = &s->volumes.v[i];
		if (!v->origin_id)
			continue;
		const struct key *o = key_find(vols, s->volumes.n, v->origin_id, &near_vol);
		const struct sd_volume *ov = o ? &s->volumes.v[o->c] : NULL;
		const struct key *op = ov ? key_find(pools, s->pools.n, ov->pool_id, &near_pool) : NULL;
		if (!ov || !(ov->flags & SD_VOL_BASE) || ov->pool_id == v->pool_id || !op ||
		    !(s->pools.v[op->c].flags & SD_POOL_TEMPLATE))
			rc = sd_fail(err, SD_E_CORRUPT, "metadata: volume %s is a clone of no base "
				     "volume of a template", v->name);
	}
	free(vols);
	free(pools);
	return rc;
}

int sd_state_validate(const struct sd_state *s, const struct sd_geometry *g, struct sd_err *err)
{
	struct indexes ix = { keys(s->pools.n),
			      keys(s->volumes.n) };
	int rc;
	if (!ix.pools || !ix.volumes)
		rc = sd_fail(err, ENOMEM, "out of memory");
	else if (!s->next_pool_id || !s->next_volume_id)
		rc = sd_fail(err, SD_E_CORRUPT, "metadata: id counters are zero");
	else if (s->reserve_pct > SD_RESERVE_PCT_MAX)
		rc = sd_fail(err, SD_E_CORRUPT, "metadata: reserve of %u%% is above %d%%",
			     s->reserve_pct, SD_RESERVE_PCT_MAX);
	else if ((rc = check_pools(s, &ix, err)) == 0 && (rc = check_segments(s, g, &ix, err)) == 0 &&
		 (rc = check_volumes(s, &ix, err)) == 0 && (rc = check_hosts_pending(s, g, &ix, err)) == 0)
		rc = check_templates(s, g, err);
	free(ix.pools);
	free(ix.volumes);
	return rc;
}
