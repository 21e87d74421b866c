/* Table strings and status parsers, per the kernel's
 * Documentation/admin-guide/device-mapper/thin-provisioning.rst. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "dm.h"

size_t sdm_table_linear(const struct sdm_extent_run *r, size_t n, struct sdm_target *t, size_t max)
{
	uint64_t at = 0;
	size_t k = 0;
	for (size_t i = 0; i < n && k < max; i++, k++) {
		t[k].start = at;
		t[k].len = r[i].len;
		t[k].type = "linear";
		snprintf(t[k].params, sizeof(t[k].params), "%s %" PRIu64, r[i].dev, r[i].offset);
		at += r[i].len;
	}
	return k;
}

void sdm_table_thin_pool(struct sdm_target *t, uint64_t data_sectors, const char *meta_dev,
			 const char *data_dev, uint32_t chunk_sectors, uint64_t low_water_blocks,
			 bool read_only)
{
	t->start = 0;
	t->len = data_sectors;
	t->type = "thin-pool";
	/* block zeroing stays on (no stale data on partial writes), and a full
	 * pool queues I/O rather than erroring it at once */
	snprintf(t->params, sizeof(t->params), "%s %s %u %" PRIu64 " %s", meta_dev, data_dev,
		 chunk_sectors, low_water_blocks, read_only ? "1 read_only" : "0");
}

void sdm_table_thin(struct sdm_target *t, uint64_t sectors, const char *pool_dev, uint32_t thin_id)
{
	t->start = 0;
	t->len = sectors;
	t->type = "thin";
	snprintf(t->params, sizeof(t->params), "%s %u", pool_dev, thin_id);
}

void sdm_table_thin_origin(struct sdm_target *t, uint64_t sectors, const char *pool_dev,
			   uint32_t thin_id, const char *origin_dev)
{
	sdm_table_thin(t, sectors, pool_dev, thin_id);
	size_t len = strlen(t->params);
	snprintf(t->params + len, sizeof(t->params) - len, " %s", origin_dev);
}

void sdm_table_zero(struct sdm_target *t, uint64_t sectors)
{
	t->start = 0;
	t->len = sectors;
	t->type = "zero";
	t->params[0] = '\0';
}

/* dm-flakey always "down" (up 0 s, down 1 s) with error_writes: reads
 * reach dev, every write fails with EIO.  Never drop_writes: that would
 * lose writes silently. */
void sdm_table_reads_only(struct sdm_target *t, uint64_t sectors, const char *dev)
{
	t->start = 0;
	t->len = sectors;
	t->type = "flakey";
	snprintf(t->params, sizeof(t->params), "%s 0 0 1 1 error_writes", dev);
}

void sdm_table_error(struct sdm_target *t, uint64_t sectors)
{
	t->start = 0;
	t->len = sectors;
	t->type = "error";
	t->params[0] = '\0';
}

/* "<transaction id> <used meta>/<total meta> <used data>/<total data>
 *  <held root|-> [no_]discard_passdown ro|rw|out_of_data_space ... needs_check|-"
 * or "Fail". */
int sdm_parse_pool_status(const char *line, struct sdm_pool_status *s)
{
	memset(s, 0, sizeof(*s));
	if (!strncmp(line, "Fail", 4)) {
		s->fail = true;
		return 0;
	}
	int used = 0;
	if (sscanf(line, "%" SCNu64 " %" SCNu64 "/%" SCNu64 " %" SCNu64 "/%" SCNu64 " %n",
		   &s->transaction_id, &s->meta_used, &s->meta_total, &s->data_used,
		   &s->data_total, &used) != 5)
		return -1;
	const char *rest = line + used;
	char word[64];
	int n;
	while (sscanf(rest, "%63s%n", word, &n) == 1) {
		if (!strcmp(word, "ro"))
			s->read_only = true;
		else if (!strcmp(word, "out_of_data_space"))
			s->out_of_data_space = true;
		else if (!strcmp(word, "needs_check"))
			s->needs_check = true;
		else if (!strcmp(word, "Fail"))
			s->fail = true;
		rest += n;
	}
	return 0;
}

/* "<nr mapped sectors> <highest mapped sector>" or "Fail"; an unmapped
 * device reports "0 -". */
int sdm_parse_thin_status(const char *line, struct sdm_thin_status *s)
{
	memset(s, 0, sizeof(*s));
	if (!strncmp(line, "Fail", 4)) {
		s->fail = true;
		return 0;
	}
	char high[32];
	if (sscanf(line, "%" SCNu64 " %31s", &s->mapped_sectors, high) != 2)
		return -1;
	if (strcmp(high, "-") && sscanf(high, "%" SCNu64, &s->highest_sector) != 1)
		return -1;
	return 0;
}
