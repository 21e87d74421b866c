/* The store's journal: following the entries after a slot's payload, and
 * committing a state as one more entry (docs/format.md, "Journal" and
 * "Commit protocol").  An entry is written to the same place in both
 * copies, after the entries before it, so a commit never touches a byte
 * of the state it builds on: a torn entry is one that does not check out,
 * and the state stays the one before it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/crc32c.h"
#include "base/trace.h"
#include "codec.h"
#include "store_impl.h"

uint64_t sd_journal_offset(const struct sd_geometry *g, int copy, int slot,
			   uint64_t payload_size)
{
	return sd_slot_offset(g, copy, slot) + sd_slot_io_len(payload_size);
}

void sd_journal_walk_free(struct sd_journal_walk *w)
{
	if (w->owned)
		free(w->bytes);
	w->bytes = NULL;
	w->owned = false;
}

/* Take the next entry's state: the entry at e, checked, applied where the
 * state lies while it has the room (room: what a journal's entries can add
 * at most), else in a buffer of the walk's own. */
static int walk_apply(const struct sd_geometry *g, const struct sd_slot_info *info,
		      struct sd_journal_walk *w, const char *e, struct sd_err *err)
{
	size_t need = sd_journal_result_size(e);
	if (need > g->slot_size - SD_BLOCK)
		return sd_fail(err, SD_E_CORRUPT, "a journal entry leads to a payload larger than "
			       "a slot");
	if (need > w->cap) {
		size_t cap = need + info->journal_size;
		char *room = malloc(cap);
		if (!room)
			return sd_fail(err, ENOMEM, "out of memory");
		memcpy(room, w->bytes, w->len);
		sd_journal_walk_free(w);
		w->bytes = room;
		w->cap = cap;
		w->owned = true;
	}
	int rc = sd_journal_apply(e, w->bytes, w->len, w->cap, err);
	if (rc == 0)
		w->len = need;
	return rc;
}

int sd_journal_walk(const struct sd_geometry *g, const struct sd_slot_info *info,
		    const char *win, bool apply, struct sd_journal_walk *w, struct sd_err *err)
{
	size_t len;
	struct sd_journal_link next;
	while (w->used < info->journal_size &&
	       sd_journal_next(win + w->used, info->journal_size - w->used, g, info->seqno, w->end,
			       &len, &next)) {
		int rc = apply ? walk_apply(g, info, w, win + w->used, err) : 0;
		if (rc)
			return rc;
		w->end = next;
		w->used += (uint32_t)len;
		w->entries++;
	}
	return 0;
}

/* Whether the block read at `at` (in buf) begins an entry continuing the
 * held state; an entry longer than the block is read whole first (a
 * torn entry does not count).  *yes stays false when it cannot be read. */
static int continues_at(struct sd_store *st, uint64_t at, const char *buf, bool *yes)
{
	const struct sd_journal_pos *j = &st->journal;
	const struct sd_journal_header *h = (const void *)buf;
	uint32_t size = le32_to_cpu(h->entry_size);
	size_t len;
	struct sd_journal_link next;
	if (memcmp(h->magic, SD_JOURNAL_MAGIC, 8) || size <= SD_BLOCK || size % SD_BLOCK ||
	    size > j->size - j->used) {
		*yes = sd_journal_next(buf, SD_BLOCK, &st->geo, j->base_seqno, j->end, &len, &next);
		return 0;
	}
	char *whole = sd_io_alloc(size);
	if (!whole)
		return -ENOMEM;
	struct sd_iov v = { at, whole, size };
	if (sd_io_read(st->io, &v, 1) == 0)
		*yes = sd_journal_next(whole, size, &st->geo, j->base_seqno, j->end, &len, &next);
	free(whole);
	return 0;
}

/* Both copies' blocks where the next entry would start, in one batch (each
 * alone when that fails: a copy that cannot be read holds nothing newer
 * we could know of; the other copy, or the write that follows, decides). */
int sd_store_journal_continued(struct sd_store *st, bool *yes, struct sd_err *err)
{
	const struct sd_journal_pos *j = &st->journal;
	*yes = false;
	if (j->used >= j->size)
		return 0;
	char *buf = sd_io_alloc(2 * SD_BLOCK);
	if (!buf)
		return sd_fail(err, ENOMEM, "out of memory");
	struct sd_iov v[2];
	int rc[2] = { 0, 0 };
	for (int c = 0; c < 2; c++)
		v[c] = (struct sd_iov){ sd_journal_offset(&st->geo, c, j->slot, j->payload_size) +
					j->used, buf + c * SD_BLOCK, SD_BLOCK };
	if (sd_io_read(st->io, v, 2))
		for (int c = 0; c < 2; c++)
			rc[c] = sd_io_read(st->io, &v[c], 1);
	int r = 0;
	for (int c = 0; c < 2 && !*yes && r == 0; c++)
		if (rc[c] == 0)
			r = continues_at(st, v[c].off, v[c].buf, yes);
	free(buf);
	return r ? sd_fail(err, ENOMEM, "out of memory") : 0;
}

/* Whether the other copy's slot under the held state's first entry holds
 * the same payload, whole: a crash in the commit that wrote the slot may
 * have torn it in one copy alone, and an entry on a torn payload would
 * leave that copy without the state. */
static int check_other_copy(struct sd_store *st, struct sd_err *err)
{
	struct sd_journal_pos *j = &st->journal;
	int c = 1 - st->source_copy;
	size_t len = (size_t)sd_slot_io_len(j->payload_size);
	char *buf = sd_io_alloc_unzeroed(len);
	if (!buf)
		return sd_fail(err, ENOMEM, "out of memory");
	struct sd_iov v = { sd_slot_offset(&st->geo, c, j->slot), buf, len };
	struct sd_slot_info info;
	struct sd_err e;
	j->both_sound = sd_io_read(st->io, &v, 1) == 0 &&
			sd_slot_header_decode(buf, &st->geo, c, j->slot, &info, &e) == 0 &&
			info.seqno == j->base_seqno && info.payload_size == j->payload_size &&
			info.journal_size == j->size &&
			crc32c(buf + SD_BLOCK, info.payload_size) == info.payload_crc &&
			info.payload_crc == st->mark.payload_crc;
	free(buf);
	return 0;
}

/* Room in the held payload's buffer for need bytes, moving it to one of
 * its own when it has less. */
static int make_room(struct sd_store *st, size_t need, struct sd_err *err)
{
	if (st->bytes_cap >= need)
		return 0;
	size_t cap = need + st->journal.size;
	char *room = malloc(cap);
	if (!room)
		return sd_fail(err, ENOMEM, "out of memory");
	memcpy(room, st->bytes, st->bytes_len);
	sd_store_hold_bytes(st, room, st->bytes_len, cap, true);
	return 0;
}

/* Check entry e (taking the held state to the encoded payload neu) by
 * applying it as a reader will: the held payload becomes neu's bytes, or
 * on a failure is let go. */
static int check_entry(struct sd_store *st, const void *e, const void *neu, size_t neu_len,
		       struct sd_err *err)
{
	int rc = make_room(st, neu_len, err);
	if (rc == 0)
		rc = sd_journal_apply(e, st->bytes, st->bytes_len, st->bytes_cap, err);
	if (rc == 0 && (sd_journal_result_size(e) != neu_len || memcmp(st->bytes, neu, neu_len)))
		rc = sd_fail(err, EIO, "internal error: a journal entry does not rebuild its state");
	st->bytes_len = neu_len;
	if (rc) {
		sd_store_hold_bytes(st, NULL, 0, 0, false);
		st->journal.can_append = false;
	}
	return rc;
}

int sd_store_write_entry(struct sd_store *st, const struct sd_state *state, uint64_t seq,
			 bool *written, struct sd_err *err)
{
	struct sd_journal_pos *j = &st->journal;
	*written = false;
	uint64_t t = sd_trace_begin();
	int rc = j->both_sound ? 0 : check_other_copy(st, err);
	sd_trace_end(t, "commit-other-copy");
	if (rc || !j->both_sound)
		return rc;
	t = sd_trace_begin();
	size_t neu_len = sd_payload_size(state);
	void *neu = malloc(neu_len), *e = NULL;
	size_t elen = 0;
	if (!neu)
		return sd_fail(err, ENOMEM, "out of memory");
	sd_payload_encode(state, neu);
	rc = sd_journal_encode(&st->geo, st->bytes, neu, j->base_seqno, j->end, st->writer_host,
			       &e, &elen) ? sd_fail(err, ENOMEM, "out of memory") : 0;
	if (rc || elen > j->size - j->used) { /* no room: the caller writes a slot */
		free(e);
		free(neu);
		return rc;
	}
	sd_trace_end(t, "commit-entry");
	t = sd_trace_begin();
	rc = check_entry(st, e, neu, neu_len, err);
	free(neu);
	sd_trace_end(t, "commit-entry-check");
	if (rc) {
		free(e);
		return rc;
	}
	struct sd_iov v[2];
	int copy_of[2] = { 0, 1 };
	for (int c = 0; c < 2; c++)
		v[c] = (struct sd_iov){ sd_journal_offset(&st->geo, c, j->slot, j->payload_size) +
					j->used, e, elen };
	struct sd_journal_link link = { seq, le32_to_cpu(((struct sd_journal_header *)e)->crc) };
	rc = sd_io_write(st->io, v, 2, true);
	if (rc) {
		j->can_append = false; /* the copies may differ now */
		rc = sd_store_write_each(st, v, copy_of, 2, rc, seq, err);
	}
	free(e);
	if (rc) { /* the held payload is the entry's state, which did not land */
		sd_store_hold_bytes(st, NULL, 0, 0, false);
		return rc;
	}
	j->used += (uint32_t)elen;
	j->end = link;
	*written = true;
	return 0;
}
