/* The payload of a metadata slot: a header with counts, then six record
 * arrays in a fixed order (pools, segments, volumes, snapshots, hosts,
 * pending).  Record sizes are stored too, so a reader can tell a future
 * layout from damage. */
#include "codec.h"

#include <errno.h>
#include <string.h>

const uint32_t sd_record_sizes[6] = {
	sizeof(struct sd_pool_rec), sizeof(struct sd_segment_rec),
	sizeof(struct sd_volume_rec), sizeof(struct sd_snapshot_rec),
	sizeof(struct sd_host_rec), sizeof(struct sd_pending_rec),
};

size_t sd_payload_size(const struct sd_state *s)
{
	return sizeof(struct sd_payload_header) +
	       s->pools.n * sd_record_sizes[0] + s->segments.n * sd_record_sizes[1] +
	       s->volumes.n * sd_record_sizes[2] + s->snapshots.n * sd_record_sizes[3] +
	       s->hosts.n * sd_record_sizes[4] + s->pending.n * sd_record_sizes[5];
}

/* Copy a name into a NUL-padded on-disk field. */
static void put_name(char *dst, const char *src)
{
	memset(dst, 0, SD_NAME_LEN);
	memcpy(dst, src, strnlen(src, SD_NAME_LEN - 1));
}

static void encode_pool(const struct sd_pool *p, struct sd_pool_rec *r)
{
	r->pool_id = cpu_to_le32(p->id);
	r->vmid = cpu_to_le32(p->vmid);
	r->transaction_id = cpu_to_le64(p->transaction_id);
	r->next_thin_id = cpu_to_le32(p->next_thin_id);
	r->chunk_sectors = cpu_to_le32(p->chunk_sectors);
	r->owner_host = cpu_to_le32(p->owner_host);
	r->flags = cpu_to_le32(p->flags);
	r->owner_generation = cpu_to_le64(p->owner_generation);
	r->handover_to = cpu_to_le32(p->handover_to);
	r->created_ns = cpu_to_le64(p->created_ns);
	for (int i = 0; i < 8; i++)
		r->readers[i] = cpu_to_le32(p->readers[i]);
}

static void encode_segment(const struct sd_segment *g, struct sd_segment_rec *r)
{
	r->pool_id = cpu_to_le32(g->pool_id);
	r->role = cpu_to_le16(g->role);
	r->start_extent = cpu_to_le64(g->start);
	r->extent_count = cpu_to_le64(g->count);
}

static void encode_volume(const struct sd_volume *v, struct sd_volume_rec *r)
{
	r->volume_id = cpu_to_le32(v->id);
	r->pool_id = cpu_to_le32(v->pool_id);
	r->thin_id = cpu_to_le32(v->thin_id);
	r->flags = cpu_to_le32(v->flags);
	r->size_bytes = cpu_to_le64(v->size);
	r->created_ns = cpu_to_le64(v->created_ns);
	put_name(r->name, v->name);
	r->origin_id = cpu_to_le32(v->origin_id);
}

static void encode_snapshot(const struct sd_snapshot *n, struct sd_snapshot_rec *r)
{
	r->volume_id = cpu_to_le32(n->volume_id);
	r->thin_id = cpu_to_le32(n->thin_id);
	r->flags = cpu_to_le32(n->flags);
	r->size_bytes = cpu_to_le64(n->size);
	r->created_ns = cpu_to_le64(n->created_ns);
	put_name(r->name, n->name);
}

static void encode_host(const struct sd_host *h, struct sd_host_rec *r)
{
	r->host_id = cpu_to_le32(h->id);
	r->flags = cpu_to_le32(h->flags);
	r->registered_ns = cpu_to_le64(h->registered_ns);
	put_name(r->name, h->name);
}

static void encode_pending(const struct sd_pending *p, struct sd_pending_rec *r)
{
	r->pool_id = cpu_to_le32(p->pool_id);
	r->op = cpu_to_le32(p->op);
	r->thin_id = cpu_to_le32(p->thin_id);
	r->origin_id = cpu_to_le32(p->origin_id);
	r->transaction_id = cpu_to_le64(p->transaction_id);
	r->discard_sectors = cpu_to_le64(p->discard_sectors);
}

void sd_payload_encode(const struct sd_state *s, void *buf)
{
	memset(buf, 0, sd_payload_size(s));
	struct sd_payload_header *h = buf;
	memcpy(h->magic, SD_PAYLOAD_MAGIC, 8);
	h->pool_count = cpu_to_le32((uint32_t)s->pools.n);
	h->segment_count = cpu_to_le32((uint32_t)s->segments.n);
	h->volume_count = cpu_to_le32((uint32_t)s->volumes.n);
	h->snapshot_count = cpu_to_le32((uint32_t)s->snapshots.n);
	h->host_count = cpu_to_le32((uint32_t)s->hosts.n);
	h->pending_count = cpu_to_le32((uint32_t)s->pending.n);
	h->next_pool_id = cpu_to_le32(s->next_pool_id);
	h->next_volume_id = cpu_to_le32(s->next_volume_id);
	h->group_flags = cpu_to_le32(s->group_flags);
	h->reserve_pct = cpu_to_le32(s->reserve_pct);
	for (int i = 0; i < 6; i++)
		h->record_sizes[i] = cpu_to_le32(sd_record_sizes[i]);

	char *p = (char *)buf + sizeof(*h);
	for (size_t i = 0; i < s->pools.n; i++, p += sd_record_sizes[0])
		encode_pool(&s->pools.v[i], (struct sd_pool_rec *)p);
	for (size_t i = 0; i < s->segments.n; i++, p += sd_record_sizes[1])
		encode_segment(&s->segments.v[i], (struct sd_segment_rec *)p);
	for (size_t i = 0; i < s->volumes.n; i++, p += sd_record_sizes[2])
		encode_volume(&s->volumes.v[i], (struct sd_volume_rec *)p);
	for (size_t i = 0; i < s->snapshots.n; i++, p += sd_record_sizes[3])
		encode_snapshot(&s->snapshots.v[i], (struct sd_snapshot_rec *)p);
	for (size_t i = 0; i < s->hosts.n; i++, p += sd_record_sizes[4])
		encode_host(&s->hosts.v[i], (struct sd_host_rec *)p);
	for (size_t i = 0; i < s->pending.n; i++, p += sd_record_sizes[5])
		encode_pending(&s->pending.v[i], (struct sd_pending_rec *)p);
}

/* A name field must hold a NUL; the rest of the rules are checked in validate.c. */
static int get_name(char *dst, const char *src)
{
	if (!memchr(src, '\0', SD_NAME_LEN))
		return -1;
	memcpy(dst, src, SD_NAME_LEN);
	return 0;
}

/* Decoders work on records copied to an aligned local, since the payload
 * buffer gives no alignment guarantee for fuzzed input. */
static int decode_records(const char *p, const uint32_t counts[6], struct sd_state *s)
{
	/* room for every record at once: growing by doubling copied a large
	 * group's arrays several times (the counts agree with the payload's size) */
	if (SD_VEC_RESERVE(&s->pools, counts[0]) || SD_VEC_RESERVE(&s->segments, counts[1]) ||
	    SD_VEC_RESERVE(&s->volumes, counts[2]) || SD_VEC_RESERVE(&s->snapshots, counts[3]) ||
	    SD_VEC_RESERVE(&s->hosts, counts[4]) || SD_VEC_RESERVE(&s->pending, counts[5]))
		return -ENOMEM;
	for (uint32_t i = 0; i < counts[0]; i++, p += sd_record_sizes[0]) {
		struct sd_pool_rec r;
		memcpy(&r, p, sizeof(r));
		struct sd_pool *o = SD_VEC_PUSH(&s->pools);
		if (!o)
			return -ENOMEM;
		*o = (struct sd_pool){ le32_to_cpu(r.pool_id), le32_to_cpu(r.vmid),
			le64_to_cpu(r.transaction_id), le32_to_cpu(r.next_thin_id),
			le32_to_cpu(r.chunk_sectors), le32_to_cpu(r.owner_host), le32_to_cpu(r.flags),
			le64_to_cpu(r.owner_generation), le64_to_cpu(r.created_ns),
			le32_to_cpu(r.handover_to), { 0 } };
		for (int k = 0; k < 8; k++)
			o->readers[k] = le32_to_cpu(r.readers[k]);
	}
	for (uint32_t i = 0; i < counts[1]; i++, p += sd_record_sizes[1]) {
		struct sd_segment_rec r;
		memcpy(&r, p, sizeof(r));
		struct sd_segment *o = SD_VEC_PUSH(&s->segments);
		if (!o)
			return -ENOMEM;
		*o = (struct sd_segment){ le32_to_cpu(r.pool_id), le16_to_cpu(r.role),
			le64_to_cpu(r.start_extent), le64_to_cpu(r.extent_count) };
	}
	for (uint32_t i = 0; i < counts[2]; i++, p += sd_record_sizes[2]) {
		struct sd_volume_rec r;
		memcpy(&r, p, sizeof(r));
		struct sd_volume *o = SD_VEC_PUSH(&s->volumes);
		if (!o)
			return -ENOMEM;
		*o = (struct sd_volume){ le32_to_cpu(r.volume_id), le32_to_cpu(r.pool_id),
			le32_to_cpu(r.thin_id), le32_to_cpu(r.flags), le64_to_cpu(r.size_bytes),
			le64_to_cpu(r.created_ns), "", le32_to_cpu(r.origin_id) };
		if (get_name(o->name, r.name))
			return -EINVAL;
	}
	for (uint32_t i = 0; i < counts[3]; i++, p += sd_record_sizes[3]) {
		struct sd_snapshot_rec r;
		memcpy(&r, p, sizeof(r));
		struct sd_snapshot *o = SD_VEC_PUSH(&s->snapshots);
		if (!o)
			return -ENOMEM;
		*o = (struct sd_snapshot){ le32_to_cpu(r.volume_id), le32_to_cpu(r.thin_id),
			le32_to_cpu(r.flags), le64_to_cpu(r.size_bytes), le64_to_cpu(r.created_ns), "" };
		if (get_name(o->name, r.name))
			return -EINVAL;
	}
	for (uint32_t i = 0; i < counts[4]; i++, p += sd_record_sizes[4]) {
		struct sd_host_rec r;
		memcpy(&r, p, sizeof(r));
		struct sd_host *o = SD_VEC_PUSH(&s->hosts);
		if (!o)
			return -ENOMEM;
		*o = (struct sd_host){ le32_to_cpu(r.host_id), le32_to_cpu(r.flags),
			le64_to_cpu(r.registered_ns), "" };
		if (get_name(o->name, r.name))
			return -EINVAL;
	}
	for (uint32_t i = 0; i < counts[5]; i++, p += sd_record_sizes[5]) {
		struct sd_pending_rec r;
		memcpy(&r, p, sizeof(r));
		struct sd_pending *o = SD_VEC_PUSH(&s->pending);
		if (!o)
			return -ENOMEM;
		*o = (struct sd_pending){ le32_to_cpu(r.pool_id), le32_to_cpu(r.op),
			le32_to_cpu(r.thin_id), le32_to_cpu(r.origin_id), le64_to_cpu(r.transaction_id),
			le64_to_cpu(r.discard_sectors) };
	}
	return 0;
}

int sd_payload_decode(const void *buf, size_t len, const struct sd_geometry *g,
		      struct sd_state *s, struct sd_err *err)
{
	struct sd_payload_header h;
	sd_state_init(s);
	if (len < sizeof(h))
		return sd_fail(err, SD_E_CORRUPT, "metadata payload too short");
	memcpy(&h, buf, sizeof(h));
	if (memcmp(h.magic, SD_PAYLOAD_MAGIC, 8))
		return sd_fail(err, SD_E_CORRUPT, "metadata payload: bad magic");
	uint32_t counts[6] = { le32_to_cpu(h.pool_count), le32_to_cpu(h.segment_count),
		le32_to_cpu(h.volume_count), le32_to_cpu(h.snapshot_count),
		le32_to_cpu(h.host_count), le32_to_cpu(h.pending_count) };
	uint64_t need = sizeof(h);
	for (int i = 0; i < 6; i++) {
		if (le32_to_cpu(h.record_sizes[i]) != sd_record_sizes[i])
			return sd_fail(err, SD_E_CORRUPT, "metadata payload: unknown record layout");
		need += (uint64_t)counts[i] * sd_record_sizes[i];
	}
	if (need != len)
		return sd_fail(err, SD_E_CORRUPT, "metadata payload: record counts disagree with its size");
	s->next_pool_id = le32_to_cpu(h.next_pool_id);
	s->next_volume_id = le32_to_cpu(h.next_volume_id);
	s->group_flags = le32_to_cpu(h.group_flags);
	s->reserve_pct = le32_to_cpu(h.reserve_pct);
	int rc = decode_records((const char *)buf + sizeof(h), counts, s);
	if (rc == -ENOMEM)
		return sd_fail(err, ENOMEM, "metadata payload: out of memory");
	if (rc == 0)
		rc = sd_state_validate(s, g, err);
	else
		rc = sd_fail(err, SD_E_CORRUPT, "metadata payload: a name is not terminated");
	if (rc < 0)
		sd_state_free(s);
	return rc;
}
