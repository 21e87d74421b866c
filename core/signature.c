/* Foreign signatures through libblkid: it knows hundreds of filesystems,
 * RAID/LVM members and partition tables, far more than we could hand-write
 * (docs/design.md). */
#include "core/signature.h"

#include <blkid/blkid.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

int sdg_foreign_signature(const char *path, char *what, size_t len, struct sd_err *err)
{
	blkid_probe pr = blkid_new_probe_from_filename(path);
	if (!pr)
		return sd_fail(err, errno ? errno : EIO, "%s: cannot probe for signatures", path);
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE);
	blkid_probe_enable_partitions(pr, 1);
	blkid_probe_set_partitions_flags(pr, BLKID_PARTS_MAGIC);
	int rc = blkid_do_safeprobe(pr);
	int found = 0;
	const char *val = NULL;
	if (rc == 0) {
		found = 1;
		if (blkid_probe_lookup_value(pr, "TYPE", &val, NULL) &&
		    blkid_probe_lookup_value(pr, "PTTYPE", &val, NULL))
			val = "unknown";
		snprintf(what, len, "%s", val);
	} else if (rc == -2) { /* ambivalent: several signatures */
		found = 1;
		snprintf(what, len, "several");
	} else if (rc < 0) { /* a probe that failed has not shown the device is free */
		found = sd_fail(err, EIO, "%s: cannot probe for signatures of other software; "
				"not overwriting what may be there", path);
	}
	blkid_free_probe(pr);
	return found;
}
