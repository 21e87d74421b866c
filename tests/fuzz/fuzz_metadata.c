/* libFuzzer target for everything that parses on-disk bytes: the label, the
 * slot header and the payload (with its semantic validation).  Property
 * checked beyond "no crash": a payload that decodes re-encodes to the same
 * bytes' meaning (decode(encode(x)) == x).
 * The first byte picks the input: 'L' a label and 'H' a slot header as
 * given, 'l' and 'h' the same with their crc recomputed over the fuzzed
 * bytes (so mutations reach the field checks behind the crc), anything else
 * a payload. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/crc32c.h"
#include "metadata/codec.h"

static struct sd_geometry geometry(void)
{
	struct sd_geometry g = { .lun_size = 64ull << 30, .slot_size = 1 << 20,
				 .extent_size = 4 << 20 };
	memcpy(g.name, "fuzz", 5);
	sd_layout_compute(&g, NULL);
	return g;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sd_geometry g;
	if (!g.extent_count)
		g = geometry();
	if (size < 1)
		return 0;
	uint8_t mode = data[0];
	data++, size--;
	struct sd_err err;
	if (mode == 'L' || mode == 'H' || mode == 'l' || mode == 'h') {
		uint8_t block[4096] = {0};
		memcpy(block, data, size < 4096 ? size : 4096);
		if (mode == 'l' || mode == 'h') {
			uint32_t crc = crc32c(block, 4092);
			for (int i = 0; i < 4; i++)
				block[4092 + i] = (uint8_t)(crc >> (8 * i));
		}
		if (mode == 'L' || mode == 'l') {
			struct sd_geometry d;
			sd_label_decode(block, 0, &d, &err);
		} else {
			struct sd_slot_info info;
			sd_slot_header_decode(block, &g, 0, 1, &info, &err);
		}
		return 0;
	}
	struct sd_state s, t;
	if (sd_payload_decode(data, size, &g, &s, &err) == 0) {
		size_t len = sd_payload_size(&s);
		void *buf = malloc(len);
		sd_payload_encode(&s, buf);
		if (sd_payload_decode(buf, len, &g, &t, &err) != 0 || !sd_state_equal(&s, &t))
			abort();
		sd_state_free(&t);
		free(buf);
		sd_state_free(&s);
	}
	return 0;
}
