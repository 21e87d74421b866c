/* libFuzzer target for everything that parses on-disk bytes: the label, the
 * slot header and the payload (with its semantic validation).  Property
 * checked beyond "no crash": a payload that decodes re-encodes to the same
 * bytes' meaning (decode(encode(x)) == x).
 * The first byte picks the input: 'L' a label and 'H' a slot header as
 * given, 'l' and 'h' the same with their crc recomputed over the fuzzed
 * bytes (so mutations reach the field checks behind the crc), 'J' a journal
 * entry on a fixed payload of three VMs (its links and crc made to fit, so
 * mutations reach the splices), anything else a payload. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/crc32c.h"
#include "metadata/codec.h"
#include "metadata/ops.h"
#include "three_vms.h"

/* The payload the 'J' entries apply to: three VMs, as make_seeds writes. */
static void *old_payload(const struct sd_geometry *g, size_t *len)
{
	struct sd_state s;
	if (fuzz_three_vms(g, &s))
		abort();
	*len = sd_payload_size(&s);
	void *buf = malloc(*len);
	sd_payload_encode(&s, buf);
	sd_state_free(&s);
	return buf;
}

/* An entry, links and crc set to continue the chain of base 1, state 1. */
static void fuzz_entry(const struct sd_geometry *g, const uint8_t *data, size_t size)
{
	static void *old;
	static size_t old_len;
	if (!old)
		old = old_payload(g, &old_len);
	size_t len = (size + 4095) / 4096 * 4096;
	if (len < 4096 || len > (1 << 20))
		return;
	uint8_t *e = calloc(1, len);
	memcpy(e, data, size);
	struct sd_journal_header *h = (struct sd_journal_header *)e;
	memcpy(h->group_uuid, g->uuid, 16);
	h->entry_size = cpu_to_le32((uint32_t)len);
	h->seqno = cpu_to_le64(2);
	h->base_seqno = cpu_to_le64(1);
	h->prev_crc = 0;
	uint32_t body = le32_to_cpu(h->body_size);
	if (body <= len - sizeof(*h))
		h->crc = cpu_to_le32(crc32c_update(crc32c(h, 124), e + sizeof(*h), body));
	struct sd_journal_link prev = { 1, 0 }, next;
	size_t used;
	struct sd_err err;
	if (sd_journal_next(e, len, g, 1, prev, &used, &next)) {
		size_t out_len = sd_journal_result_size(e);
		size_t cap = out_len > old_len ? out_len : old_len;
		char *out = cap <= g->slot_size ? malloc(cap) : NULL;
		struct sd_state s;
		if (out)
			memcpy(out, old, old_len);
		if (out && sd_journal_apply(e, out, old_len, cap, &err) == 0 &&
		    sd_payload_decode(out, out_len, g, &s, &err) == 0)
			sd_state_free(&s);
		free(out);
	}
	free(e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sd_geometry g;
	if (!g.extent_count)
		g = fuzz_geometry();
	if (size < 1)
		return 0;
	uint8_t mode = data[0];
	data++, size--;
	struct sd_err err;
	if (mode == 'J') {
		fuzz_entry(&g, data, size);
		return 0;
	}
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
