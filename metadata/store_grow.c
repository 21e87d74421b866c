/* Growing a group onto a LUN the SAN made larger (docs/format.md, "Growing
 * the LUN").  The end copy moves to the new end in two flushed writes:
 * first the new end copy (the current state, an empty other slot and a
 * label recording the new size), then the start label, which is the
 * switch.  Until the switch lands the start label locates the old end
 * copy, which the first write may overwrite where old and new overlap; the
 * start copy holds the current state throughout, so a reader always finds
 * it, under the old geometry or the new one. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "store_impl.h"

/* The new end copy: the current state in its slot, the other slot without
 * a header (no stale state from the LUN's new space), the new end label. */
static int write_new_end(struct sd_store *st, const struct sd_geometry *g2,
			 const struct sd_state *state, struct sd_err *err)
{
	int cur = st->journal.slot;
	struct sd_slot_image img = { { NULL, NULL }, NULL, 0, { 0 } };
	void *other = sd_io_alloc(SD_BLOCK), *label = sd_io_alloc(SD_BLOCK);
	/* the encoding takes the I/O buffer, where the held payload may lie;
	 * and the copies differ from here on: the next commit writes a slot */
	sd_store_hold_bytes(st, NULL, 0, 0, false);
	st->journal.can_append = false;
	int rc = sd_store_build_slots(st, state, st->seqno, cur, &img);
	if (rc || !other || !label) {
		rc = sd_fail(err, ENOMEM, "out of memory");
		goto out;
	}
	sd_label_encode(g2, 1, label);
	struct sd_iov v[4];
	sd_slot_image_iov(&img, g2, 1, cur, v); /* only the end copy moves */
	v[2] = (struct sd_iov){ sd_slot_offset(g2, 1, 1 - cur), other, SD_BLOCK };
	v[3] = (struct sd_iov){ sd_label_offset(g2, 1), label, SD_BLOCK };
	if ((rc = sd_io_write(st->io, v, 4, true)))
		rc = sd_fail(err, -rc, "cannot write the metadata copy at the new end: %s",
			     strerror(-rc));
out:
	sd_slot_image_free(&img);
	free(other);
	free(label);
	return rc;
}

static int write_start_label(struct sd_store *st, const struct sd_geometry *g2,
			     struct sd_err *err)
{
	void *label = sd_io_alloc(SD_BLOCK);
	if (!label)
		return sd_fail(err, ENOMEM, "out of memory");
	sd_label_encode(g2, 0, label);
	struct sd_iov v = { sd_label_offset(g2, 0), label, SD_BLOCK };
	int rc = sd_io_write(st->io, &v, 1, true);
	free(label);
	if (rc)
		return sd_fail(err, -rc, "cannot write the label at the start: %s", strerror(-rc));
	return 0;
}

int sd_store_grow(struct sd_store *st, const struct sd_state *state, bool *grown,
		  struct sd_err *err)
{
	*grown = false;
	if (!st->io->writable)
		return sd_fail(err, EROFS, "device is open read-only");
	if (st->io->size == st->geo.lun_size)
		return 0;
	struct sd_geometry g2 = st->geo;
	g2.lun_size = st->io->size;
	int rc = sd_layout_compute(&g2, err);
	if (rc == 0)
		rc = sd_state_validate(state, &g2, err);
	if (rc || (rc = sd_store_enter(st, err)))
		return rc;
	rc = sd_store_check_current(st, err);
	/* The new end copy holds the state as a slot that is the same as the
	 * start copy's, so that an entry a commit under the old size adds
	 * there after an interrupted grow still follows it under the new
	 * size; a state that ends in entries is first written whole. */
	if (rc == 0 && st->journal.base_seqno != st->seqno)
		rc = sd_store_commit_whole(st, state, err);
	if (rc == 0)
		rc = write_new_end(st, &g2, state, err);
	if (rc == 0)
		rc = write_start_label(st, &g2, err);
	if (rc == 0) {
		st->geo = g2;
		sd_store_labels_written(st);
		*grown = true;
	}
	return sd_store_leave(st, rc, err);
}
