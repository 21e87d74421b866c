/* Converting a group between format versions 1 and 2 (docs/format.md,
 * "Converting").  The labels' version says whether a slot may carry a
 * journal.  Every slot of both copies is first rewritten without one, the
 * same state in a form both versions read; then both labels go out in one
 * flushed batch.  While the labels disagree no slot gets a journal and no
 * entry is added (sd_store_journal_on), so a reader going by either label
 * finds the whole state, and the next commit makes them agree: to the
 * start label's version, which readers follow. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "store_impl.h"

static bool labels_say(const struct sd_store *st, unsigned version)
{
	return st->copy[0].label_valid && st->copy[1].label_valid &&
	       st->copy[0].label_version == version && st->copy[1].label_version == version;
}

static int write_labels(struct sd_store *st, const struct sd_geometry *g2, struct sd_err *err)
{
	void *label = sd_io_alloc(2 * SD_BLOCK);
	if (!label)
		return sd_fail(err, ENOMEM, "out of memory");
	struct sd_iov v[2];
	for (int c = 0; c < 2; c++) {
		v[c] = (struct sd_iov){ sd_label_offset(g2, c), (char *)label + c * SD_BLOCK,
					SD_BLOCK };
		sd_label_encode(g2, c, v[c].buf);
	}
	int rc = sd_io_write(st->io, v, 2, true);
	free(label);
	if (rc)
		return sd_fail(err, -rc, "cannot write the labels: %s (run the conversion again)",
			       strerror(-rc));
	return 0;
}

int sd_store_convert(struct sd_store *st, const struct sd_state *state, unsigned version,
		     bool *changed, struct sd_err *err)
{
	*changed = false;
	if (version != SD_FORMAT_VERSION && version != SD_FORMAT_VERSION_JOURNAL)
		return sd_fail(err, SD_E_INVAL, "format version %u is not one this stardm "
			       "writes (%u or %u)", version, SD_FORMAT_VERSION,
			       SD_FORMAT_VERSION_JOURNAL);
	if (!st->io->writable)
		return sd_fail(err, EROFS, "device is open read-only");
	struct sd_geometry g2 = st->geo;
	g2.journal = version == SD_FORMAT_VERSION_JOURNAL;
	if (labels_say(st, version))
		return 0;
	int rc = sd_state_validate(state, &st->geo, err);
	if (rc || (rc = sd_store_enter(st, err)))
		return rc;
	rc = sd_store_check_current(st, err);
	/* two commits: the slot the state is in is rewritten too */
	st->plain_slots = true;
	for (int k = 0; k < 2 && rc == 0; k++)
		rc = sd_store_commit_whole(st, state, err);
	st->plain_slots = false;
	if (rc == 0)
		rc = write_labels(st, &g2, err);
	if (rc == 0) {
		st->geo = g2;
		sd_store_labels_written(st);
		*changed = true;
	}
	return sd_store_leave(st, rc, err);
}
