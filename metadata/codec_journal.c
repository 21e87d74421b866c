/* Journal entries: a commit that writes the records it changed, not the
 * whole payload (docs/format.md, section 3, "Journal").  An entry holds,
 * per record array, one splice (the records kept at the front, those
 * removed after them, the new ones in their place) and the new payload
 * header.  Commands change a few records of a pool at a time and records
 * keep their places, so the splices are small whatever the group's size. */
#include "codec.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/crc32c.h"
#include "io.h"
#include "size.h"

enum {
	JOURNAL_MIN = 16 * 1024,
	JOURNAL_MAX = 128 * 1024,
	/* the body: new payload header, six splices, then inserted records */
	BODY_SPLICES = sizeof(struct sd_payload_header),
	BODY_RECORDS = BODY_SPLICES + 6 * sizeof(struct sd_journal_splice),
};

static uint64_t up_to_block(uint64_t n)
{
	return sd_div_up(n, SD_BLOCK) * SD_BLOCK;
}

/* An eighth of the payload (entries of a few records each take a block),
 * so that a large group reads a window small beside its payload. */
uint32_t sd_journal_size_for(const struct sd_geometry *g, uint64_t payload_size)
{
	if (!g->journal)
		return 0;
	uint64_t used = sd_slot_io_len(payload_size);
	if (used >= g->slot_size)
		return 0;
	uint64_t want = up_to_block(payload_size / 8);
	want = want < JOURNAL_MIN ? JOURNAL_MIN : want > JOURNAL_MAX ? JOURNAL_MAX : want;
	uint64_t room = (g->slot_size - used) & ~(uint64_t)(SD_BLOCK - 1);
	return (uint32_t)(want < room ? want : room);
}

/* The six record counts of an encoded payload header, in payload order. */
static void counts_of(const void *payload, uint32_t counts[6])
{
	const struct sd_payload_header *h = payload;
	const le32 c[6] = { h->pool_count, h->segment_count, h->volume_count,
			    h->snapshot_count, h->host_count, h->pending_count };
	for (int i = 0; i < 6; i++)
		counts[i] = le32_to_cpu(c[i]);
}

static uint64_t size_of_counts(const uint32_t counts[6])
{
	uint64_t n = sizeof(struct sd_payload_header);
	for (int i = 0; i < 6; i++)
		n += (uint64_t)counts[i] * sd_record_sizes[i];
	return n;
}

/* The splice taking old's array (co records of rs bytes) to neu's (cn). */
static struct sd_journal_splice diff_array(const char *o, uint32_t co, const char *n,
					   uint32_t cn, uint32_t rs)
{
	uint32_t p = 0, s = 0;
	while (p < co && p < cn && !memcmp(o + (size_t)p * rs, n + (size_t)p * rs, rs))
		p++;
	while (s < co - p && s < cn - p &&
	       !memcmp(o + (size_t)(co - 1 - s) * rs, n + (size_t)(cn - 1 - s) * rs, rs))
		s++;
	return (struct sd_journal_splice){ cpu_to_le32(p), cpu_to_le32(co - p - s),
					   cpu_to_le32(cn - p - s) };
}

static uint32_t entry_crc(const struct sd_journal_header *h, const char *body, size_t len)
{
	return crc32c_update(crc32c(h, offsetof(struct sd_journal_header, crc)), body, len);
}

int sd_journal_encode(const struct sd_geometry *g, const void *old, const void *neu,
		      uint64_t base_seqno, struct sd_journal_link prev, uint32_t writer_host,
		      void **out, size_t *len)
{
	uint32_t co[6], cn[6];
	counts_of(old, co);
	counts_of(neu, cn);
	struct sd_journal_splice sp[6];
	const char *o = (const char *)old + sizeof(struct sd_payload_header);
	const char *n = (const char *)neu + sizeof(struct sd_payload_header);
	size_t body = BODY_RECORDS;
	for (int i = 0; i < 6; i++) {
		sp[i] = diff_array(o, co[i], n, cn[i], sd_record_sizes[i]);
		body += (size_t)le32_to_cpu(sp[i].insert) * sd_record_sizes[i];
		o += (size_t)co[i] * sd_record_sizes[i];
		n += (size_t)cn[i] * sd_record_sizes[i];
	}
	*len = up_to_block(sizeof(struct sd_journal_header) + body);
	char *e = sd_io_alloc(*len);
	if (!e)
		return -ENOMEM;
	char *b = e + sizeof(struct sd_journal_header), *at = b + BODY_RECORDS;
	memcpy(b, neu, sizeof(struct sd_payload_header));
	memcpy(b + BODY_SPLICES, sp, sizeof(sp));
	n = (const char *)neu + sizeof(struct sd_payload_header);
	for (int i = 0; i < 6; i++) {
		size_t rs = sd_record_sizes[i], ins = le32_to_cpu(sp[i].insert);
		memcpy(at, n + le32_to_cpu(sp[i].keep) * rs, ins * rs);
		at += ins * rs;
		n += (size_t)cn[i] * rs;
	}
	struct sd_journal_header *h = (struct sd_journal_header *)e;
	memcpy(h->magic, SD_JOURNAL_MAGIC, 8);
	h->version = cpu_to_le32(1);
	h->entry_size = cpu_to_le32((uint32_t)*len);
	memcpy(h->group_uuid, g->uuid, 16);
	h->seqno = cpu_to_le64(prev.seqno + 1);
	h->base_seqno = cpu_to_le64(base_seqno);
	h->prev_crc = cpu_to_le32(prev.crc);
	h->body_size = cpu_to_le32((uint32_t)body);
	h->writer_host = cpu_to_le32(writer_host);
	h->commit_ns = cpu_to_le64(sd_now_ns());
	h->crc = cpu_to_le32(entry_crc(h, b, body));
	*out = e;
	return 0;
}

bool sd_journal_next(const void *p, size_t avail, const struct sd_geometry *g,
		     uint64_t base_seqno, struct sd_journal_link prev, size_t *len,
		     struct sd_journal_link *next)
{
	const struct sd_journal_header *h = p;
	if (avail < SD_BLOCK || memcmp(h->magic, SD_JOURNAL_MAGIC, 8) ||
	    le32_to_cpu(h->version) != 1 || memcmp(h->group_uuid, g->uuid, 16) ||
	    le64_to_cpu(h->seqno) != prev.seqno + 1 || le64_to_cpu(h->base_seqno) != base_seqno ||
	    le32_to_cpu(h->prev_crc) != prev.crc)
		return false;
	uint32_t size = le32_to_cpu(h->entry_size), body = le32_to_cpu(h->body_size);
	if (size % SD_BLOCK || size > avail || body < BODY_RECORDS ||
	    body > size - sizeof(struct sd_journal_header))
		return false;
	uint32_t crc = entry_crc(h, (const char *)p + sizeof(*h), body);
	if (crc != le32_to_cpu(h->crc))
		return false;
	*len = size;
	*next = (struct sd_journal_link){ prev.seqno + 1, crc };
	return true;
}

size_t sd_journal_result_size(const void *entry)
{
	uint32_t cn[6];
	counts_of((const char *)entry + sizeof(struct sd_journal_header), cn);
	return (size_t)size_of_counts(cn);
}

/* Whether the entry's splices fit the old payload and its new header's
 * counts, and its body holds exactly the records they insert. */
static bool splices_fit(const struct sd_journal_splice *sp, const uint32_t co[6],
			const uint32_t cn[6], uint64_t body)
{
	uint64_t need = BODY_RECORDS;
	for (int i = 0; i < 6; i++) {
		uint64_t k = le32_to_cpu(sp[i].keep), r = le32_to_cpu(sp[i].remove),
			 ins = le32_to_cpu(sp[i].insert);
		if (k + r > co[i] || (uint64_t)co[i] - r + ins != cn[i])
			return false;
		need += ins * sd_record_sizes[i];
	}
	return need == body;
}

/* A run of the old payload's bytes that the new one keeps, from `from`
 * to `to`. */
struct piece {
	size_t from, to, len;
};

/* Move the kept runs (in payload order, their places in both payloads in
 * that order too) to their new places in buf.  Runs moving toward the
 * start go first, from the first one on: each lands before its old place
 * and after where every run before it now lies.  Then the runs moving
 * toward the end, from the last one on, by the same argument mirrored.
 * No run's bytes are overwritten before it moved. */
static void move_pieces(char *buf, const struct piece *p, int n)
{
	for (int i = 0; i < n; i++)
		if (p[i].to < p[i].from)
			memmove(buf + p[i].to, buf + p[i].from, p[i].len);
	for (int i = n - 1; i >= 0; i--)
		if (p[i].to > p[i].from)
			memmove(buf + p[i].to, buf + p[i].from, p[i].len);
}

int sd_journal_apply(const void *entry, void *buf, size_t old_len, size_t cap,
		     struct sd_err *err)
{
	const struct sd_journal_header *h = entry;
	const char *b = (const char *)entry + sizeof(*h);
	struct sd_journal_splice sp[6];
	memcpy(sp, b + BODY_SPLICES, sizeof(sp));
	uint32_t co[6], cn[6];
	counts_of(buf, co);
	counts_of(b, cn);
	if (old_len < sizeof(struct sd_payload_header) || size_of_counts(co) != old_len ||
	    memcmp(b, SD_PAYLOAD_MAGIC, 8) || !splices_fit(sp, co, cn, le32_to_cpu(h->body_size)) ||
	    size_of_counts(cn) > cap)
		return sd_fail(err, SD_E_CORRUPT, "journal entry %llu does not fit the state "
			       "before it", (unsigned long long)le64_to_cpu(h->seqno));
	struct piece kept[12];
	size_t from = sizeof(struct sd_payload_header), to = from, ins_at[6];
	for (int i = 0; i < 6; i++) {
		size_t rs = sd_record_sizes[i], k = le32_to_cpu(sp[i].keep) * rs,
		       r = le32_to_cpu(sp[i].remove) * rs, ins = le32_to_cpu(sp[i].insert) * rs,
		       all = (size_t)co[i] * rs;
		kept[2 * i] = (struct piece){ from, to, k };
		ins_at[i] = to + k;
		kept[2 * i + 1] = (struct piece){ from + k + r, to + k + ins, all - k - r };
		from += all;
		to += all - r + ins;
	}
	move_pieces(buf, kept, 12);
	const char *in = b + BODY_RECORDS;
	for (int i = 0; i < 6; i++) {
		size_t ins = le32_to_cpu(sp[i].insert) * (size_t)sd_record_sizes[i];
		memcpy((char *)buf + ins_at[i], in, ins);
		in += ins;
	}
	memcpy(buf, b, sizeof(struct sd_payload_header));
	return 0;
}
