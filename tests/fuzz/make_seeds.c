/* Writes valid labels, slot headers and payloads as starting points for
 * the fuzzer: tests/fuzz/make_seeds DIR. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metadata/codec.h"
#include "metadata/ops.h"
#include "three_vms.h"

static void put(const char *dir, const char *name, char mode, const void *buf, size_t len)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f || fputc(mode, f) == EOF || fwrite(buf, 1, len, f) != len) {
		perror(path);
		exit(1);
	}
	fclose(f);
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	struct sd_geometry g = fuzz_geometry();
	uint8_t block[4096];
	sd_label_encode(&g, 0, block);
	put(argv[1], "label", 'L', block, sizeof(block));
	put(argv[1], "label-fixcrc", 'l', block, sizeof(block));
	struct sd_slot_info info = { 7, 128, 0, 1, 0, 16384 };
	sd_slot_header_encode(&g, 0, 1, &info, block);
	put(argv[1], "header", 'H', block, sizeof(block));
	put(argv[1], "header-fixcrc", 'h', block, sizeof(block));
	struct sd_state s;
	struct sd_err err;
	if (fuzz_three_vms(&g, &s))
		return 1;
	size_t len = sd_payload_size(&s);
	void *buf = malloc(len);
	sd_payload_encode(&s, buf);
	put(argv[1], "payload", 'P', buf, len);
	/* an entry on that payload (the fuzzer's own old payload is the same
	 * three VMs): one more VM, and a snapshot gone */
	uint32_t pool;
	if (sd_pool_add(&s, &g, 103, 1, 2, 128, &pool, &err) ||
	    sd_snapshot_remove(&s, "vm-101-disk-0", "snap1", &err))
		return 1;
	void *neu = malloc(sd_payload_size(&s)), *e;
	sd_payload_encode(&s, neu);
	struct sd_journal_link prev = { 1, 0 };
	if (sd_journal_encode(&g, buf, neu, 1, prev, 1, &e, &len))
		return 1;
	put(argv[1], "entry", 'J', e, len);
	free(e);
	free(neu);
	free(buf);
	sd_state_free(&s);
	return 0;
}
