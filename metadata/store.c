#include "store.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>

#include "base/clock.h"
#include "base/crc32c.h"
#include "base/trace.h"
#include "codec.h"
#include "store_impl.h"


/* Bytes of a slot read: header plus payload in whole 4 KiB blocks (4Kn
 * LUNs take O_DIRECT I/O only in 4 KiB units), then its journal. */
static size_t slot_read_len(const struct sd_slot_info *info)
{
	return (size_t)(sd_slot_io_len(info->payload_size) + info->journal_size);
}

/* The store's I/O buffer, at least len bytes.  A command reads the group
 * and commits it through the same memory: a large group's slot (a MiB at
 * a thousand VMs) is paged in once, not once per read and per copy
 * written, and fresh pages cost more than the encoding itself (most of a
 * commit's time on a virtual machine).  Grown with room, so that a group
 * growing by a few records does not page in a new buffer.  Not zeroed: a
 * read fills the bytes it uses and a commit writes every byte it sends. */
static void *io_buf(struct sd_store *st, size_t len)
{
	if (st->buf_len >= len)
		return st->buf;
	free(st->buf);
	size_t want = (len + len / 8 + 65535) & ~(size_t)65535;
	st->buf = sd_io_alloc_unzeroed(want);
	st->buf_len = st->buf ? want : 0;
	return st->buf;
}

/* Read and decode one label; false (with the reason in copy) when it is not
 * a valid label for the place it was read from. */
static bool read_label(struct sd_io *io, uint64_t at, void *buf, struct sd_geometry *g,
		       struct sd_copy_status *copy)
{
	struct sd_iov v = { at, buf, SD_BLOCK };
	struct sd_err e;
	int rc = sd_io_read(io, &v, 1);
	if (rc)
		snprintf(copy->label_error, sizeof(copy->label_error), "cannot read: %s",
			 strerror(-rc));
	else if (sd_label_decode(buf, at, g, &e))
		snprintf(copy->label_error, sizeof(copy->label_error), "%s", e.msg);
	copy->label_valid = rc == 0 && copy->label_error[0] == 0;
	copy->label_version = copy->label_valid ? sd_label_version(g) : 0;
	return copy->label_valid;
}

/* Labels: the one at the start and the one at the device's end.  Two valid
 * ones must name the same group and size, but for one case: a LUN grown
 * under a group (docs/format.md, "Growing the LUN").  The start label then
 * rules: an end label recording a larger size belongs to a grow that did
 * not reach its switch, and the group's own end copy is read where the
 * start label puts it. */
int sd_store_probe(struct sd_io *io, struct sd_geometry *g, struct sd_copy_status copy[2],
		   struct sd_err *err)
{
	memset(copy, 0, 2 * sizeof(*copy));
	if (io->size < 2 * SD_BLOCK)
		return sd_fail(err, SD_E_CORRUPT, "device is too small to hold a stardm group");
	void *buf = sd_io_alloc(SD_BLOCK);
	if (!buf)
		return sd_fail(err, ENOMEM, "out of memory");
	uint64_t end = (io->size & ~(uint64_t)(SD_BLOCK - 1)) - SD_BLOCK;
	struct sd_geometry got[2];
	read_label(io, 0, buf, &got[0], &copy[0]);
	read_label(io, end, buf, &got[1], &copy[1]);
	int rc = 0;
	if (copy[0].label_valid && got[0].lun_size > io->size) { /* the end label is stale */
		*g = got[0];
		rc = sd_fail(err, SD_E_DEVSIZE, "the group spans %" PRIu64 " bytes but the device "
			     "has %" PRIu64 ": rescan it (the LUN was grown)", got[0].lun_size, io->size);
	} else if (copy[0].label_valid && copy[1].label_valid && memcmp(got[0].uuid, got[1].uuid, 16))
		rc = sd_fail(err, SD_E_CORRUPT, "the two labels describe different groups");
	else if (copy[0].label_valid && copy[1].label_valid && got[0].lun_size > got[1].lun_size)
		rc = sd_fail(err, SD_E_CORRUPT, "the label at the end records a smaller LUN than "
			     "the one at the start");
	else if (!copy[0].label_valid && !copy[1].label_valid)
		rc = sd_fail(err, SD_E_CORRUPT, "not a stardm device (no valid label at start or end)");
	if (rc == 0) {
		*g = got[copy[0].label_valid ? 0 : 1];
	}
	/* the device grew under the group: its end copy is where the group ends */
	if (rc == 0 && copy[0].label_valid && sd_label_offset(g, 1) != end) {
		struct sd_geometry at_end;
		memset(&copy[1], 0, sizeof(copy[1]));
		if (read_label(io, sd_label_offset(g, 1), buf, &at_end, &copy[1]) &&
		    (memcmp(at_end.uuid, g->uuid, 16) || at_end.lun_size != g->lun_size)) {
			copy[1].label_valid = false;
			copy[1].label_version = 0;
			snprintf(copy[1].label_error, sizeof(copy[1].label_error),
				 "label at the group's end describes another group or size");
		}
	}
	free(buf);
	return rc;
}

/* Read a batch; when it fails, each part alone, so that a bad sector in
 * one copy does not hide the other: part_rc[i] is 0 or -errno for each.
 * 0 when at least one part was read (or there were none). */
static int read_parts(struct sd_io *io, struct sd_iov *v, unsigned n, int *part_rc)
{
	int rc = sd_io_read(io, v, n), any = n == 0;
	for (unsigned i = 0; i < n; i++) {
		part_rc[i] = rc ? sd_io_read(io, &v[i], 1) : 0;
		any |= part_rc[i] == 0;
	}
	return any ? 0 : rc;
}

static void unreadable(struct sd_slot_status *ss, int rc)
{
	snprintf(ss->error, sizeof(ss->error), "cannot be read: %s", strerror(-rc));
}

/* Read the four slot headers into hdr (4 blocks) and, when labels is not
 * NULL, both labels into labels (2 blocks) in the same batch; an unreadable
 * block is zeroed (it then fails to decode) and, for a header, hdr_rc says
 * why. */
static int read_headers(struct sd_store *st, void *hdr, int hdr_rc[4], void *labels)
{
	struct sd_iov v[6];
	int part_rc[6];
	unsigned n = 0;
	for (int i = 0; i < 4; i++)
		v[n++] = (struct sd_iov){ sd_slot_offset(&st->geo, i / 2, i % 2),
					  (char *)hdr + i * SD_BLOCK, SD_BLOCK };
	for (int c = 0; labels && c < 2; c++)
		v[n++] = (struct sd_iov){ sd_label_offset(&st->geo, c),
					  (char *)labels + c * SD_BLOCK, SD_BLOCK };
	int rc = read_parts(st->io, v, n, part_rc);
	for (unsigned i = 0; i < n; i++)
		if (part_rc[i])
			memset(v[i].buf, 0, SD_BLOCK);
	memcpy(hdr_rc, part_rc, 4 * sizeof(*hdr_rc));
	return rc;
}

/* Whether a label that was valid when the store read it, read again
 * (labels: 2 blocks from read_headers), now says another format version: a
 * conversion ran since, and what the store holds was read or is to be
 * written for the other version.  A label that does not decode now, or did
 * not then, says nothing. */
static bool labels_moved(const struct sd_store *st, const void *labels)
{
	for (int c = 0; c < 2; c++) {
		struct sd_geometry g;
		struct sd_err e;
		if (st->copy[c].label_version &&
		    sd_label_decode((const char *)labels + c * SD_BLOCK, sd_label_offset(&st->geo, c),
				    &g, &e) == 0 && sd_label_version(&g) != st->copy[c].label_version)
			return true;
	}
	return false;
}

struct candidate {
	struct sd_slot_info info;
	void *buf;       /* header block + payload (+ journal, but for read_one's) */
	bool shared;     /* buf is the store's I/O buffer */
	char *win;       /* its journal: in buf, or (win_own) read apart */
	bool win_own;
	struct sd_journal_walk walk; /* the state it holds, once checked */
	bool same_ends;  /* the other copy's slot holds the same journal */
};

static void drop_buf(struct candidate *c)
{
	sd_journal_walk_free(&c->walk);
	if (c->win_own)
		free(c->win);
	c->win = NULL;
	c->win_own = false;
	if (!c->shared)
		free(c->buf);
	c->buf = NULL;
	c->shared = false;
}

/* Decode the headers in hdr (4 blocks, as read_headers left them) into
 * cand and the slot status; true for a slot whose header decoded. */
static bool decode_header(struct sd_store *st, const void *hdr, const int hdr_rc[4], int i,
			  struct candidate *cand)
{
	struct sd_slot_status *ss = &st->copy[i / 2].slot[i % 2];
	struct sd_err e;
	if (hdr_rc[i]) {
		unreadable(ss, hdr_rc[i]);
		return false;
	}
	if (sd_slot_header_decode((const char *)hdr + i * SD_BLOCK, &st->geo, i / 2, i % 2,
				  &cand->info, &e)) {
		snprintf(ss->error, sizeof(ss->error), "%s", e.msg);
		return false;
	}
	ss->seqno = cand->info.seqno;
	ss->payload_size = cand->info.payload_size;
	return true;
}

/* Whether slot i's header, refused under version 1, decodes under version
 * 2: the group may have been converted since its labels were read. */
static bool refused_for_journal(const struct sd_store *st, const void *hdr, int i)
{
	if (st->geo.journal)
		return false;
	struct sd_geometry g2 = st->geo;
	struct sd_slot_info info;
	struct sd_err e;
	g2.journal = true;
	return sd_slot_header_decode((const char *)hdr + i * SD_BLOCK, &g2, i / 2, i % 2, &info,
				     &e) == 0;
}

/* Read in one batch the payloads of the slots in which[0..n) (headers
 * decoded), each into a buffer of its own; a slot that cannot be read is
 * left without one. */
static int read_payloads(struct sd_store *st, struct candidate cand[4], const int *which,
			 unsigned n)
{
	struct sd_iov v[4];
	int part_rc[4];
	for (unsigned k = 0; k < n; k++) {
		int i = which[k];
		size_t len = slot_read_len(&cand[i].info);
		cand[i].shared = false;
		if (!(cand[i].buf = sd_io_alloc_unzeroed(len)))
			return -ENOMEM;
		cand[i].win = (char *)cand[i].buf + sd_slot_io_len(cand[i].info.payload_size);
		v[k] = (struct sd_iov){ sd_slot_offset(&st->geo, i / 2, i % 2), cand[i].buf, len };
	}
	int rc = read_parts(st->io, v, n, part_rc);
	for (unsigned k = 0; k < n; k++) {
		if (!part_rc[k])
			continue;
		int i = which[k];
		unreadable(&st->copy[i / 2].slot[i % 2], part_rc[k]);
		drop_buf(&cand[i]);
	}
	return rc;
}

/* Decode the headers, then read in one batch the payloads of those whose
 * sequence number is at least min_seq (commit only needs to look at slots
 * newer than the state it holds).  Never into the store's buffer: a commit
 * whose batch failed reads here while its payload is still to be written. */
static int load_slots(struct sd_store *st, const void *hdr, const int hdr_rc[4],
		      struct candidate cand[4], uint64_t min_seq)
{
	int which[4];
	unsigned n = 0;
	for (int i = 0; i < 4; i++)
		if (decode_header(st, hdr, hdr_rc, i, &cand[i]) && cand[i].info.seqno >= min_seq)
			which[n++] = i;
	return read_payloads(st, cand, which, n);
}

/* The same slot of the other copy. */
static int twin_of(int i)
{
	return (1 - i / 2) * 2 + i % 2;
}

/* Headers of one commit in both copies (the copy index aside). */
static bool same_header(const struct sd_slot_info *a, const struct sd_slot_info *b)
{
	return a->seqno == b->seqno && a->payload_size == b->payload_size &&
	       a->payload_crc == b->payload_crc && a->journal_size == b->journal_size;
}

/* Follow slot cand's journal, then the other copy's (twin_win, its journal,
 * when its header is the same): a commit's entry may have landed in one
 * copy alone, and every reader must then take it. */
static int follow_journal(struct sd_store *st, struct candidate *cand, const char *twin_win,
			  struct sd_err *e)
{
	struct sd_journal_walk *w = &cand->walk;
	int rc = cand->win ? sd_journal_walk(&st->geo, &cand->info, cand->win, true, w, e) : 0;
	cand->same_ends = false;
	if (rc || !twin_win)
		return rc;
	struct sd_journal_walk t = { .end = { cand->info.seqno, cand->info.payload_crc } };
	sd_journal_walk(&st->geo, &cand->info, twin_win, false, &t, e);
	cand->same_ends = t.used == w->used && t.end.crc == w->end.crc;
	if (t.used > w->used)
		rc = sd_journal_walk(&st->geo, &cand->info, twin_win, true, w, e);
	return rc;
}

/* Check a read slot's payload, follow its journal and decode the state it
 * reaches into *out; the slot status says why not. */
static bool check_slot(struct sd_store *st, struct candidate *cand, int i,
		       const char *twin_win, struct sd_state *out)
{
	struct sd_slot_status *ss = &st->copy[i / 2].slot[i % 2];
	char *payload = (char *)cand->buf + SD_BLOCK;
	struct sd_err e;
	if (crc32c(payload, cand->info.payload_size) != cand->info.payload_crc) {
		snprintf(ss->error, sizeof(ss->error), "payload checksum mismatch (torn or damaged)");
		return false;
	}
	/* the store's I/O buffer has room to apply entries in place (read_one) */
	size_t cap = cand->shared ? st->buf_len - SD_BLOCK : cand->info.payload_size;
	cand->walk = (struct sd_journal_walk){ .bytes = payload, .len = cand->info.payload_size,
					       .cap = cap,
					       .end = { cand->info.seqno, cand->info.payload_crc } };
	if (follow_journal(st, cand, twin_win, &e) ||
	    sd_payload_decode(cand->walk.bytes, cand->walk.len, &st->geo, out, &e)) {
		snprintf(ss->error, sizeof(ss->error), "%s", e.msg);
		sd_journal_walk_free(&cand->walk);
		return false;
	}
	ss->journal_entries = cand->walk.entries;
	ss->journal_seqno = cand->walk.end.seqno;
	ss->valid = true;
	return true;
}

/* The slots whose headers decoded, newest sequence number first (copy A
 * before copy B on a tie): the order a reader tries them in. */
static unsigned newest_first(const bool ok[4], const struct candidate cand[4], int order[4])
{
	unsigned n = 0;
	for (int i = 0; i < 4; i++) {
		if (!ok[i])
			continue;
		unsigned k = n++;
		for (; k > 0 && cand[order[k - 1]].info.seqno < cand[i].info.seqno; k--)
			order[k] = order[k - 1];
		order[k] = i;
	}
	return n;
}

/* The mark of slot i (its decoded header c) in the store's geometry, its
 * journal as far as the walk went. */
static struct sd_store_mark mark_of(const struct sd_store *st, const struct candidate *c, int i)
{
	struct sd_store_mark m = { .set = true, .extent_count = st->geo.extent_count, .slot = i,
				   .seqno = c->info.seqno, .payload_size = c->info.payload_size,
				   .payload_crc = c->info.payload_crc,
				   .journal_size = c->info.journal_size,
				   .journal_used = c->walk.used, .journal_end = c->walk.end };
	memcpy(m.group_uuid, st->geo.uuid, 16);
	memcpy(m.copy_offset, st->geo.copy_offset, sizeof(m.copy_offset));
	return m;
}

/* Same slot, header and geometry: the journal aside. */
static bool same_base(const struct sd_store_mark *m, const struct sd_store_mark *k)
{
	return m->slot == k->slot && m->seqno == k->seqno && m->payload_size == k->payload_size &&
	       m->payload_crc == k->payload_crc && m->journal_size == k->journal_size &&
	       m->extent_count == k->extent_count &&
	       !memcmp(m->copy_offset, k->copy_offset, sizeof(m->copy_offset)) &&
	       !memcmp(m->group_uuid, k->group_uuid, 16);
}

/* The held state's journal position, from a mark. */
static struct sd_journal_pos pos_of(const struct sd_store_mark *m, bool can_append)
{
	return (struct sd_journal_pos){ .slot = m->slot % 2, .base_seqno = m->seqno,
					 .payload_size = m->payload_size, .size = m->journal_size,
					 .used = m->journal_used, .end = m->journal_end,
					 .can_append = can_append };
}

/* Whether slot i (its decoded header c) is the one the caller's state came
 * from (st->known) and neither copy has an entry after that state's: then
 * it is still the group's.  *failed when the journal could not be read. */
static bool still_known(struct sd_store *st, const struct candidate *c, int i)
{
	if (!st->known || !st->known->set)
		return false;
	struct sd_store_mark m = mark_of(st, c, i);
	if (!same_base(&m, st->known))
		return false;
	st->journal = pos_of(st->known, false);
	bool newer = false;
	struct sd_err e;
	return sd_store_journal_continued(st, &newer, &e) == 0 && !newer;
}

void sd_store_hold_bytes(struct sd_store *st, void *bytes, size_t len, size_t cap, bool owned)
{
	if (st->bytes_owned && st->bytes != bytes)
		free(st->bytes);
	st->bytes = bytes;
	st->bytes_len = len;
	st->bytes_cap = cap;
	st->bytes_owned = owned;
}

/* The state is slot i's (its decoded header and walk c): where it came
 * from, and its payload for the next commit's entry.  may_append: nothing
 * newer is in doubt (no slot was unreadable). */
static int take_slot(struct sd_store *st, struct candidate *c, int i, bool may_append)
{
	st->seqno = c->walk.end.seqno;
	st->source_copy = i / 2;
	st->mark = mark_of(st, c, i);
	st->journal = pos_of(&st->mark, may_append && c->same_ends);
	/* an entry in both copies was written by a commit that found both
	 * payloads sound (a payload is only torn by a crash in its own commit) */
	st->journal.both_sound = c->same_ends && c->walk.used > 0;
	void *bytes = c->walk.bytes;
	bool owned = c->walk.owned;
	size_t cap = c->walk.cap;
	if (!owned && !c->shared) { /* the candidate's buffer goes with it */
		if (!(bytes = malloc(c->walk.len ? c->walk.len : 1)))
			return -ENOMEM;
		memcpy(bytes, c->walk.bytes, c->walk.len);
		owned = true;
		cap = c->walk.len;
	}
	sd_store_hold_bytes(st, bytes, c->walk.len, cap, owned);
	c->walk.owned = false;
	return 0;
}

/* Whether slot t (the other copy's of i) carries the same commit, whose
 * journal then counts too. */
static bool twin_counts(const bool ok[4], const struct candidate cand[4], int i, int t)
{
	return ok[t] && same_header(&cand[t].info, &cand[i].info) && cand[i].info.journal_size;
}

/* Slot i into the store's I/O buffer, with room after its payload to
 * apply entries in place, and in the same batch its journal and the other
 * copy's journal of it (into *twin when that counts; NULL when it does
 * not, or cannot be read; the caller frees it): one round trip for a
 * command's read.  0, or why slot i could not be read. */
static int read_one(struct sd_store *st, const bool ok[4], struct candidate cand[4], int i,
		    char **twin)
{
	int t = twin_of(i), part_rc[3] = { 0, 0, 0 };
	const struct sd_slot_info *info = &cand[i].info;
	size_t len = sd_slot_io_len(info->payload_size);
	*twin = NULL;
	cand[i].shared = true;
	if (!(cand[i].buf = io_buf(st, len + info->journal_size)))
		return -ENOMEM;
	struct sd_iov v[3] = { { sd_slot_offset(&st->geo, i / 2, i % 2), cand[i].buf, len } };
	unsigned n = 1;
	if (info->journal_size) {
		if (!(cand[i].win = sd_io_alloc_unzeroed(info->journal_size)))
			return -ENOMEM;
		cand[i].win_own = true;
		v[n++] = (struct sd_iov){ sd_journal_offset(&st->geo, i / 2, i % 2,
							    info->payload_size),
					  cand[i].win, info->journal_size };
	}
	if (twin_counts(ok, cand, i, t) && (*twin = sd_io_alloc_unzeroed(info->journal_size)))
		v[n++] = (struct sd_iov){ sd_journal_offset(&st->geo, t / 2, t % 2,
							    info->payload_size),
					  *twin, info->journal_size };
	read_parts(st->io, v, n, part_rc);
	if (*twin && part_rc[n - 1]) {
		free(*twin);
		*twin = NULL;
	}
	int rc = part_rc[0] ? part_rc[0] : info->journal_size ? part_rc[1] : 0;
	if (rc) { /* a slot without its journal would be an older state */
		unreadable(&st->copy[i / 2].slot[i % 2], rc);
		drop_buf(&cand[i]);
	}
	return rc;
}

/* Take the state of the newest slot that checks out.  Reading every slot
 * (SD_STORE_CHECK_ALL) reports each slot's health, as inspect shows it;
 * otherwise a slot is read only while no newer one checked out, so a
 * command reads and decodes one payload, not four.  *failed is set when a
 * slot that was read did not check out. */
static int take_newest(struct sd_store *st, const void *hdr, const int hdr_rc[4],
		       struct candidate cand[4], bool all, struct sd_state *state, bool *failed,
		       struct sd_err *err)
{
	bool ok[4], readable = false, sound = true;
	int order[4], best = -1, read_rc = 0;
	for (int i = 0; i < 4; i++) {
		ok[i] = decode_header(st, hdr, hdr_rc, i, &cand[i]);
		sound &= hdr_rc[i] == 0;
		*failed |= !ok[i] && refused_for_journal(st, hdr, i);
	}
	unsigned n = newest_first(ok, cand, order);
	if (!all && n && still_known(st, &cand[order[0]], order[0])) {
		st->unchanged = true;
		st->seqno = st->known->journal_end.seqno;
		st->source_copy = order[0] / 2;
		st->mark = *st->known;
		return 0;
	}
	if (all)
		read_rc = read_payloads(st, cand, order, n);
	for (unsigned k = 0; k < n && read_rc != -ENOMEM && (all || best < 0); k++) {
		int i = order[k], t = twin_of(i);
		char *twin = NULL; /* the other copy's journal of slot i */
		if (!all)
			read_rc = read_one(st, ok, cand, i, &twin);
		else if (twin_counts(ok, cand, i, t) && cand[t].buf)
			twin = (char *)cand[t].buf + sd_slot_io_len(cand[i].info.payload_size);
		struct sd_state tmp;
		readable |= cand[i].buf != NULL;
		sound &= cand[i].buf != NULL;
		bool good = cand[i].buf && check_slot(st, &cand[i], i, twin, &tmp);
		if (!all)
			free(twin);
		if (!good) {
			*failed = true;
			continue;
		}
		if (best < 0) {
			*state = tmp;
			best = i;
		} else {
			sd_state_free(&tmp);
		}
	}
	if (read_rc == -ENOMEM || (best < 0 && !readable && read_rc))
		return sd_fail(err, -read_rc, "cannot read metadata: %s", strerror(-read_rc));
	if (best < 0)
		return sd_fail(err, SD_E_CORRUPT, "no valid metadata slot in either copy");
	if (take_slot(st, &cand[best], best, sound))
		return sd_fail(err, ENOMEM, "out of memory");
	return 0;
}

/* Attempts of a lock-free read while commits keep landing under it. */
enum { READ_ATTEMPTS = 64 };

/* One pass of the read protocol: headers, then the payloads they name.
 * *moved is set when a slot failed and the headers or the labels' format
 * version changed under the read (a writer committed or a conversion ran
 * in between: the failure says nothing about the disk).  again: 6 blocks. */
static int read_once(struct sd_store *st, void *hdr, void *again, bool all,
		     struct sd_state *state, bool *moved, struct sd_err *err)
{
	struct candidate cand[4] = {0};
	*moved = false;
	memset(st->copy[0].slot, 0, sizeof(st->copy[0].slot));
	memset(st->copy[1].slot, 0, sizeof(st->copy[1].slot));
	int hdr_rc[4];
	bool failed = false;
	int rc = read_headers(st, hdr, hdr_rc, NULL);
	if (rc)
		rc = sd_fail(err, -rc, "cannot read metadata: %s", strerror(-rc));
	else
		rc = take_newest(st, hdr, hdr_rc, cand, all, state, &failed, err);
	if (rc == 0 && !failed)
		goto out;
	/* a slot failed: trust that only if a second look finds the same headers,
	 * read for the same format version */
	char *labels = (char *)again + 4 * SD_BLOCK;
	int r2 = read_headers(st, again, hdr_rc, labels);
	if (r2 == 0 && (memcmp(hdr, again, 4 * SD_BLOCK) != 0 || labels_moved(st, labels)))
		*moved = true;
out:
	for (int i = 0; i < 4; i++)
		drop_buf(&cand[i]);
	return rc;
}

/* A reader without the lock reads headers and payloads in two batches; two
 * commits landing in between rewrite every slot it is about to check.  A
 * pass that saw a failed slot while the headers moved is read again, so
 * the result is always a state that was current during the read (never an
 * older one than the newest seen) and corruption is only reported when a
 * stable read shows it. */
static int read_stable(struct sd_store *st, bool all, struct sd_state *state,
		       struct sd_err *err)
{
	void *hdr = sd_io_alloc(10 * SD_BLOCK);
	if (!hdr)
		return sd_fail(err, ENOMEM, "out of memory");
	int rc = 0;
	bool moved = true;
	for (int attempt = 0; moved && attempt < READ_ATTEMPTS; attempt++) {
		sd_state_free(state);
		sd_state_init(state);
		/* the labels again: the headers may have moved with them */
		if (attempt && (rc = sd_store_probe(st->io, &st->geo, st->copy, err))) {
			free(hdr);
			return rc;
		}
		rc = read_once(st, hdr, (char *)hdr + 4 * SD_BLOCK, all, state, &moved, err);
	}
	free(hdr);
	if (moved) {
		sd_state_free(state);
		sd_state_init(state);
		return sd_fail(err, EAGAIN, "metadata kept changing during %d reads; try again",
			       READ_ATTEMPTS);
	}
	return rc;
}

int sd_store_open(struct sd_io *io, int flags, struct sd_store **out, struct sd_state *state,
		  struct sd_err *err)
{
	bool unchanged;
	sd_state_init(state);
	return sd_store_open_since(io, flags, NULL, out, state, &unchanged, err);
}

int sd_store_open_since(struct sd_io *io, int flags, const struct sd_store_mark *known,
			struct sd_store **out, struct sd_state *state, bool *unchanged,
			struct sd_err *err)
{
	struct sd_store *st = calloc(1, sizeof(*st));
	*unchanged = false;
	if (!st)
		return sd_fail(err, ENOMEM, "out of memory");
	st->io = io;
	st->known = (flags & SD_STORE_CHECK_ALL) ? NULL : known;
	struct sd_state fresh;
	sd_state_init(&fresh);
	int rc = sd_store_probe(io, &st->geo, st->copy, err);
	if (rc == 0 && (flags & SD_STORE_LOCK))
		rc = sd_store_lock(st, err);
	if (rc == 0)
		rc = read_stable(st, flags & SD_STORE_CHECK_ALL, &fresh, err);
	st->known = NULL;
	if (rc) {
		sd_store_close(st);
		return rc;
	}
	*unchanged = st->unchanged;
	if (!st->unchanged) {
		sd_state_free(state);
		*state = fresh;
	}
	*out = st;
	return 0;
}

void sd_store_close(struct sd_store *st)
{
	if (!st)
		return;
	if (st->lock_depth && !st->no_flock)
		sd_io_flock(st->io, LOCK_UN);
	sd_store_hold_bytes(st, NULL, 0, 0, false);
	free(st->buf);
	free(st);
}

int sd_store_lock(struct sd_store *st, struct sd_err *err)
{
	if (st->lock_depth++ || st->no_flock)
		return 0;
	int rc = sd_io_flock(st->io, LOCK_EX);
	if (rc == 0)
		return 0;
	st->lock_depth = 0;
	return sd_fail(err, -rc, "cannot lock the device: %s", strerror(-rc));
}

void sd_store_unlock(struct sd_store *st)
{
	if (st->lock_depth && --st->lock_depth == 0 && !st->no_flock)
		sd_io_flock(st->io, LOCK_UN);
}

/* The newest sequence number on disk whose slot or entry is complete.
 * Headers with a higher number than ours are only believed once their
 * payload checks out, entries after ours once they do: a torn commit must
 * not block every later writer.  (A slot can only hold a number at or below
 * ours if it is ours or older, so only newer ones are read.) */
static int ondisk_seqno(struct sd_store *st, uint64_t *seq, bool *relabelled,
			struct sd_err *err)
{
	struct candidate cand[4] = {0};
	struct sd_copy_status saved[2];
	*seq = st->seqno; /* ours, unless a complete newer slot exists */
	void *hdr = sd_io_alloc(6 * SD_BLOCK);
	if (!hdr)
		return sd_fail(err, ENOMEM, "out of memory");
	memcpy(saved, st->copy, sizeof(saved));
	memset(st->copy, 0, sizeof(st->copy));
	int hdr_rc[4];
	char *labels = (char *)hdr + 4 * SD_BLOCK;
	int rc = read_headers(st, hdr, hdr_rc, labels);
	if (rc == 0)
		rc = load_slots(st, hdr, hdr_rc, cand, st->seqno + 1);
	memcpy(st->copy, saved, sizeof(saved));
	*relabelled = rc == 0 && labels_moved(st, labels);
	free(hdr);
	for (int i = 0; i < 4 && !rc; i++) {
		if (!cand[i].buf)
			continue;
		const char *payload = (char *)cand[i].buf + SD_BLOCK;
		if (cand[i].info.seqno > *seq &&
		    crc32c(payload, cand[i].info.payload_size) == cand[i].info.payload_crc)
			*seq = cand[i].info.seqno;
	}
	for (int i = 0; i < 4; i++)
		drop_buf(&cand[i]);
	if (rc)
		return sd_fail(err, -rc, "cannot re-read metadata: %s", strerror(-rc));
	bool newer = false;
	if (*seq == st->seqno && (rc = sd_store_journal_continued(st, &newer, err)))
		return rc;
	if (newer)
		*seq = st->seqno + 1;
	return 0;
}

void sd_store_labels_written(struct sd_store *st)
{
	for (int c = 0; c < 2; c++) {
		st->copy[c].label_valid = true;
		st->copy[c].label_version = sd_label_version(&st->geo);
	}
}

bool sd_store_journal_on(const struct sd_store *st)
{
	unsigned want = sd_label_version(&st->geo);
	if (st->plain_slots)
		return false;
	for (int c = 0; c < 2; c++)
		if (st->copy[c].label_valid && st->copy[c].label_version != want)
			return false;
	return st->geo.journal;
}

int sd_store_build_slots(struct sd_store *st, const struct sd_state *state, uint64_t seq,
			 int slot, struct sd_slot_image *img)
{
	size_t psize = sd_payload_size(state);
	img->payload_len = sd_slot_io_len(psize) - SD_BLOCK;
	img->payload = io_buf(st, img->payload_len);
	img->hdr[0] = sd_io_alloc(SD_BLOCK);
	img->hdr[1] = sd_io_alloc(SD_BLOCK);
	if (!img->payload || !img->hdr[0] || !img->hdr[1]) {
		sd_slot_image_free(img);
		return -ENOMEM;
	}
	char *buf = img->payload;
	sd_payload_encode(state, buf);
	memset(buf + psize, 0, img->payload_len - psize); /* the last block's tail */
	img->info = (struct sd_slot_info){ seq, psize, crc32c(buf, psize), st->writer_host,
					   sd_now_ns(),
					   sd_store_journal_on(st) ? sd_journal_size_for(&st->geo, psize) : 0 };
	for (int c = 0; c < 2; c++)
		sd_slot_header_encode(&st->geo, c, slot, &img->info, img->hdr[c]);
	return 0;
}

void sd_slot_image_iov(const struct sd_slot_image *img, const struct sd_geometry *g, int c,
		       int slot, struct sd_iov v[2])
{
	uint64_t at = sd_slot_offset(g, c, slot);
	v[0] = (struct sd_iov){ at, img->hdr[c], SD_BLOCK };
	v[1] = (struct sd_iov){ at + SD_BLOCK, img->payload, img->payload_len };
}

void sd_slot_image_free(struct sd_slot_image *img)
{
	free(img->hdr[0]);
	free(img->hdr[1]);
	img->hdr[0] = img->hdr[1] = NULL;
}

/* Both copies' older slot (never the one holding the current state) plus any
 * damaged label go out in one batch with one flush: whatever subset of
 * sectors lands, the current state stays intact in its slots. */
/* The batch failed: each part again alone.  What landed decides, since
 * every reader takes the newest valid slot: a new state that landed in one
 * copy is the group's state now, so the commit succeeded, and the copy
 * that could not be written is told in st->warning; a state that landed
 * in neither copy is a failed commit (the current state is untouched). */
int sd_store_write_each(struct sd_store *st, struct sd_iov *v, const int *copy_of, unsigned n,
			int batch_rc, uint64_t seq, struct sd_err *err)
{
	int copy_rc[2] = { 0, 0 };
	for (unsigned i = 0; i < n; i++) {
		int r = sd_io_write(st->io, &v[i], 1, true);
		if (r && !copy_rc[copy_of[i]])
			copy_rc[copy_of[i]] = r;
	}
	uint64_t now;
	bool relabelled;
	struct sd_err e;
	if (ondisk_seqno(st, &now, &relabelled, &e) || now != seq)
		return sd_fail(err, -batch_rc, "metadata write failed: %s", strerror(-batch_rc));
	for (int c = 0; c < 2; c++)
		if (copy_rc[c])
			snprintf(st->warning, sizeof(st->warning), "metadata copy %c cannot be "
				 "written (%s): the change is in copy %c alone; move the group to "
				 "sound storage", 'A' + c, strerror(-copy_rc[c]), 'A' + !c);
	return 0;
}

/* The whole state into the slot that does not hold the current one. */
static int write_commit(struct sd_store *st, const struct sd_state *state, uint64_t seq,
			struct sd_err *err)
{
	struct sd_iov v[6];
	int copy_of[6];
	void *label[2] = { NULL, NULL };
	unsigned n = 0;
	struct sd_slot_image img;
	int slot = 1 - st->journal.slot;
	/* the encoding takes the I/O buffer, where the held payload may lie */
	sd_store_hold_bytes(st, NULL, 0, 0, false);
	st->journal.can_append = false;
	if (sd_store_build_slots(st, state, seq, slot, &img))
		return sd_fail(err, ENOMEM, "out of memory");
	int rc = 0;
	bool whole = true;
	for (int c = 0; c < 2; c++) {
		sd_slot_image_iov(&img, &st->geo, c, slot, &v[n]);
		copy_of[n++] = c;
		copy_of[n++] = c;
		if (st->copy[c].label_valid && st->copy[c].label_version == sd_label_version(&st->geo))
			continue;
		if (!(label[c] = sd_io_alloc(SD_BLOCK))) {
			rc = sd_fail(err, ENOMEM, "out of memory");
			break;
		}
		sd_label_encode(&st->geo, c, label[c]);
		copy_of[n] = c;
		v[n++] = (struct sd_iov){ sd_label_offset(&st->geo, c), label[c], SD_BLOCK };
	}
	if (!rc && (rc = sd_io_write(st->io, v, n, true))) {
		whole = false;
		rc = sd_store_write_each(st, v, copy_of, n, rc, seq, err);
	}
	if (rc == 0) {
		st->journal = (struct sd_journal_pos){ .slot = slot, .base_seqno = seq,
						       .payload_size = img.info.payload_size,
						       .size = img.info.journal_size,
						       .end = { seq, img.info.payload_crc },
						       .can_append = whole, .both_sound = whole };
		sd_store_hold_bytes(st, img.payload, img.info.payload_size, st->buf_len, false);
	}
	free(label[0]);
	free(label[1]);
	sd_slot_image_free(&img);
	return rc;
}

/* Both locks a writer needs: this node's flock, then (when the store has
 * one) the cluster lock.  Both nest. */
int sd_store_enter(struct sd_store *st, struct sd_err *err)
{
	int rc = sd_store_lock(st, err);
	if (rc)
		return rc;
	if (st->cluster && (rc = sd_hostlock_acquire(st->cluster, err))) {
		sd_store_unlock(st);
		return rc;
	}
	if (st->cluster)
		st->writer_host = st->cluster->id;
	return 0;
}

/* Leave both; a release that did not reach the disk fails a write that
 * had succeeded (other nodes would wait on this one). */
int sd_store_leave(struct sd_store *st, int rc, struct sd_err *err)
{
	struct sd_err rel;
	if (st->cluster && sd_hostlock_release(st->cluster, &rel) && rc == 0)
		rc = sd_fail(err, EIO, "metadata committed (sequence %" PRIu64 "), but %s", st->seqno,
			     rel.msg);
	sd_store_unlock(st);
	return rc;
}

/* Fails with SD_E_CONFLICT when another writer committed since this store
 * read or last committed. */
int sd_store_check_current(struct sd_store *st, struct sd_err *err)
{
	uint64_t seq;
	bool relabelled;
	int rc = ondisk_seqno(st, &seq, &relabelled, err);
	if (rc == 0 && seq != st->seqno)
		rc = sd_fail(err, SD_E_CONFLICT, "concurrent metadata update detected "
			     "(read sequence %" PRIu64 ", disk now has %" PRIu64 ")", st->seqno, seq);
	else if (rc == 0 && relabelled)
		rc = sd_fail(err, SD_E_CONFLICT, "concurrent metadata update detected (the "
			     "group's format version changed since it was read)");
	return rc;
}

int sd_store_commit(struct sd_store *st, const struct sd_state *state, struct sd_err *err)
{
	if (!st->io->writable)
		return sd_fail(err, EROFS, "device is open read-only");
	int rc = sd_state_validate(state, &st->geo, err);
	if (rc)
		return rc;
	if (SD_BLOCK + sd_payload_size(state) > st->geo.slot_size)
		return sd_fail(err, SD_E_NOSPACE, "metadata area full: %zu bytes needed, slot holds %"
			       PRIu64, SD_BLOCK + sd_payload_size(state), st->geo.slot_size);
	if ((rc = sd_store_enter(st, err)))
		return rc;
	uint64_t t = sd_trace_begin();
	rc = sd_store_check_current(st, err);
	sd_trace_end(t, "commit-check");
	bool written = false;
	if (rc == 0 && st->journal.can_append && st->bytes && sd_store_journal_on(st) &&
	    st->copy[0].label_valid && st->copy[1].label_valid)
		rc = sd_store_write_entry(st, state, st->seqno + 1, &written, err);
	if (rc == 0 && written)
		st->seqno++;
	else if (rc == 0)
		rc = sd_store_commit_whole(st, state, err);
	return sd_store_leave(st, rc, err);
}

int sd_store_commit_whole(struct sd_store *st, const struct sd_state *state,
			  struct sd_err *err)
{
	int rc = write_commit(st, state, st->seqno + 1, err);
	if (rc == 0) {
		st->seqno++;
		sd_store_labels_written(st);
	}
	return rc;
}

int sd_store_format(struct sd_io *io, struct sd_geometry *g, const struct sd_state *first,
		    struct sd_err *err)
{
	g->lun_size = io->size;
	int rc = sd_layout_compute(g, err);
	if (rc)
		return rc;
	/* labels, zeroed host area, and both copies: slot 0 empty, slot 1 = seq 1 */
	struct sd_state empty;
	sd_state_init(&empty);
	if (!first)
		first = &empty;
	if ((rc = sd_state_validate(first, g, err)))
		return rc;
	struct sd_store st = { .io = io, .geo = *g };
	void *zero_hosts = sd_io_alloc((size_t)g->host_slots * SD_BLOCK);
	void *zero_slot = sd_io_alloc(SD_BLOCK);
	void *labels = sd_io_alloc(2 * SD_BLOCK);
	struct sd_slot_image img = { { NULL, NULL }, NULL, 0, { 0 } };
	if (!zero_hosts || !zero_slot || !labels || sd_store_build_slots(&st, first, 1, 1, &img)) {
		rc = sd_fail(err, ENOMEM, "out of memory");
		goto out;
	}
	sd_label_encode(g, 0, labels);
	sd_label_encode(g, 1, (char *)labels + SD_BLOCK);
	struct sd_iov v[9] = {
		{ sd_slot_offset(g, 0, 0), zero_slot, SD_BLOCK },
		{ sd_slot_offset(g, 1, 0), zero_slot, SD_BLOCK },
	};
	sd_slot_image_iov(&img, g, 0, 1, &v[2]);
	sd_slot_image_iov(&img, g, 1, 1, &v[4]);
	v[6] = (struct sd_iov){ g->host_area_offset, zero_hosts, (size_t)g->host_slots * SD_BLOCK };
	v[7] = (struct sd_iov){ sd_label_offset(g, 0), labels, SD_BLOCK };
	v[8] = (struct sd_iov){ sd_label_offset(g, 1), (char *)labels + SD_BLOCK, SD_BLOCK };
	rc = sd_io_write(io, v, 9, true);
	if (rc)
		rc = sd_fail(err, -rc, "cannot write the new group: %s", strerror(-rc));
out:
	free(zero_hosts);
	free(zero_slot);
	free(labels);
	sd_slot_image_free(&img);
	free(st.buf);
	return rc;
}
