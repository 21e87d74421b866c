/* dm-thin's module parameter no_space_timeout: how long a pool that ran out
 * of data space queues writes before it fails them (0: forever).  One value
 * for every pool of the node, read and written through sysfs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dm.h"

#define NO_SPACE_TIMEOUT "/sys/module/dm_thin_pool/parameters/no_space_timeout"

int sdm_no_space_timeout(int set, unsigned *now, struct sd_err *err)
{
	FILE *f = fopen(NO_SPACE_TIMEOUT, set >= 0 ? "r+e" : "re");
	if (!f)
		return sd_fail(err, errno, "cannot open %s: %s (is dm_thin_pool loaded?)",
			       NO_SPACE_TIMEOUT, strerror(errno));
	int rc = 0;
	if (set >= 0 && (fprintf(f, "%d\n", set) < 0 || fflush(f)))
		rc = sd_fail(err, errno, "cannot set %s: %s", NO_SPACE_TIMEOUT, strerror(errno));
	unsigned v;
	if (rc == 0 && (fseek(f, 0, SEEK_SET) || fscanf(f, "%u", &v) != 1))
		rc = sd_fail(err, EIO, "cannot read %s", NO_SPACE_TIMEOUT);
	fclose(f);
	if (rc == 0)
		*now = v;
	return rc;
}
