/* The label and the slot header: fixed 4 KiB blocks with a trailing crc32c. */
#include "codec.h"

#include <inttypes.h>
#include <string.h>

#include "base/crc32c.h"
#include "size.h"

static uint32_t block_crc(const void *block)
{
	return crc32c(block, SD_BLOCK - 4);
}

unsigned sd_label_version(const struct sd_geometry *g)
{
	return g->journal ? SD_FORMAT_VERSION_JOURNAL : SD_FORMAT_VERSION;
}

void sd_label_encode(const struct sd_geometry *g, int copy, void *block)
{
	struct sd_label_disk *l = block;
	memset(l, 0, sizeof(*l));
	memcpy(l->magic, SD_LABEL_MAGIC, 8);
	l->version = cpu_to_le32(sd_label_version(g));
	l->label_size = cpu_to_le32(SD_BLOCK);
	memcpy(l->group_uuid, g->uuid, 16);
	memcpy(l->group_name, g->name, strnlen(g->name, SD_NAME_LEN - 1));
	l->lun_size = cpu_to_le64(g->lun_size);
	l->extent_size = cpu_to_le64(g->extent_size);
	l->host_area_offset = cpu_to_le64(g->host_area_offset);
	l->host_slot_size = cpu_to_le32(SD_BLOCK);
	l->host_slots = cpu_to_le32(g->host_slots);
	l->slot_size = cpu_to_le64(g->slot_size);
	l->copy_offset[0] = cpu_to_le64(g->copy_offset[0]);
	l->copy_offset[1] = cpu_to_le64(g->copy_offset[1]);
	l->data_offset = cpu_to_le64(g->data_offset);
	l->extent_count = cpu_to_le64(g->extent_count);
	l->self_offset = cpu_to_le64(sd_label_offset(g, copy));
	l->created_ns = cpu_to_le64(g->created_ns);
	l->slots_per_copy = cpu_to_le32(2);
	l->crc = cpu_to_le32(block_crc(l));
}

static bool geometry_matches(const struct sd_geometry *a, const struct sd_geometry *b)
{
	return a->host_area_offset == b->host_area_offset && a->host_slots == b->host_slots &&
	       a->copy_offset[0] == b->copy_offset[0] && a->copy_offset[1] == b->copy_offset[1] &&
	       a->data_offset == b->data_offset && a->extent_count == b->extent_count;
}

int sd_label_decode(const void *block, uint64_t at, struct sd_geometry *g, struct sd_err *err)
{
	const struct sd_label_disk *l = block;
	if (memcmp(l->magic, SD_LABEL_MAGIC, 8))
		return sd_fail(err, SD_E_CORRUPT, "no stardm label at offset %" PRIu64, at);
	if (le32_to_cpu(l->crc) != block_crc(l))
		return sd_fail(err, SD_E_CORRUPT, "label at offset %" PRIu64 ": checksum mismatch", at);
	uint32_t version = le32_to_cpu(l->version);
	if (version != SD_FORMAT_VERSION && version != SD_FORMAT_VERSION_JOURNAL)
		return sd_fail(err, SD_E_CORRUPT, "label at offset %" PRIu64
			       ": format version %u is not supported (this stardm reads %u and %u)",
			       at, version, SD_FORMAT_VERSION, SD_FORMAT_VERSION_JOURNAL);
	if (le64_to_cpu(l->self_offset) != at || le32_to_cpu(l->label_size) != SD_BLOCK ||
	    le32_to_cpu(l->host_slot_size) != SD_BLOCK || le32_to_cpu(l->slots_per_copy) != 2 ||
	    l->group_name[SD_NAME_LEN - 1] != '\0')
		return sd_fail(err, SD_E_CORRUPT, "label at offset %" PRIu64 ": inconsistent fields", at);
	struct sd_geometry d = {0};
	memcpy(d.uuid, l->group_uuid, 16);
	memcpy(d.name, l->group_name, SD_NAME_LEN);
	d.lun_size = le64_to_cpu(l->lun_size);
	d.extent_size = le64_to_cpu(l->extent_size);
	d.slot_size = le64_to_cpu(l->slot_size);
	d.created_ns = le64_to_cpu(l->created_ns);
	d.journal = version == SD_FORMAT_VERSION_JOURNAL;
	struct sd_geometry want = d;
	if (!sd_name_valid(d.name) || sd_layout_compute(&want, NULL) < 0)
		return sd_fail(err, SD_E_CORRUPT, "label at offset %" PRIu64 ": invalid geometry", at);
	d.host_area_offset = le64_to_cpu(l->host_area_offset);
	d.host_slots = le32_to_cpu(l->host_slots);
	d.copy_offset[0] = le64_to_cpu(l->copy_offset[0]);
	d.copy_offset[1] = le64_to_cpu(l->copy_offset[1]);
	d.data_offset = le64_to_cpu(l->data_offset);
	d.extent_count = le64_to_cpu(l->extent_count);
	if (!geometry_matches(&d, &want))
		return sd_fail(err, SD_E_CORRUPT, "label at offset %" PRIu64
			       ": offsets disagree with the layout rules", at);
	*g = d;
	return 0;
}

uint64_t sd_slot_io_len(uint64_t payload_size)
{
	return SD_BLOCK + sd_div_up(payload_size, SD_BLOCK) * SD_BLOCK;
}

void sd_slot_header_encode(const struct sd_geometry *g, int copy, int slot,
			   const struct sd_slot_info *info, void *block)
{
	struct sd_slot_header *h = block;
	memset(h, 0, sizeof(*h));
	memcpy(h->magic, SD_SLOT_MAGIC, 8);
	h->version = cpu_to_le32(SD_FORMAT_VERSION);
	h->header_size = cpu_to_le32(SD_BLOCK);
	memcpy(h->group_uuid, g->uuid, 16);
	h->seqno = cpu_to_le64(info->seqno);
	h->payload_size = cpu_to_le64(info->payload_size);
	h->payload_crc = cpu_to_le32(info->payload_crc);
	h->writer_host = cpu_to_le32(info->writer_host);
	h->commit_ns = cpu_to_le64(info->commit_ns);
	h->copy_index = cpu_to_le32((uint32_t)copy);
	h->slot_index = cpu_to_le32((uint32_t)slot);
	h->journal_size = cpu_to_le32(info->journal_size);
	h->crc = cpu_to_le32(block_crc(h));
}

int sd_slot_header_decode(const void *block, const struct sd_geometry *g, int copy, int slot,
			  struct sd_slot_info *info, struct sd_err *err)
{
	const struct sd_slot_header *h = block;
	const char *cn = copy ? "B" : "A";
	if (memcmp(h->magic, SD_SLOT_MAGIC, 8))
		return sd_fail(err, SD_E_CORRUPT, "metadata slot %s%d: no slot header", cn, slot);
	if (le32_to_cpu(h->crc) != block_crc(h))
		return sd_fail(err, SD_E_CORRUPT, "metadata slot %s%d: header checksum mismatch", cn, slot);
	if (le32_to_cpu(h->version) != SD_FORMAT_VERSION || le32_to_cpu(h->header_size) != SD_BLOCK)
		return sd_fail(err, SD_E_CORRUPT, "metadata slot %s%d: unsupported version", cn, slot);
	if (memcmp(h->group_uuid, g->uuid, 16))
		return sd_fail(err, SD_E_CORRUPT, "metadata slot %s%d: belongs to another group", cn, slot);
	if (le32_to_cpu(h->copy_index) != (uint32_t)copy || le32_to_cpu(h->slot_index) != (uint32_t)slot)
		return sd_fail(err, SD_E_CORRUPT, "metadata slot %s%d: header names another slot", cn, slot);
	info->seqno = le64_to_cpu(h->seqno);
	info->payload_size = le64_to_cpu(h->payload_size);
	info->payload_crc = le32_to_cpu(h->payload_crc);
	info->writer_host = le32_to_cpu(h->writer_host);
	info->commit_ns = le64_to_cpu(h->commit_ns);
	info->journal_size = le32_to_cpu(h->journal_size);
	if (info->payload_size < sizeof(struct sd_payload_header) ||
	    info->payload_size > g->slot_size - SD_BLOCK)
		return sd_fail(err, SD_E_CORRUPT, "metadata slot %s%d: payload size out of range", cn, slot);
	uint64_t used = sd_slot_io_len(info->payload_size);
	if (info->journal_size % SD_BLOCK || (info->journal_size && !g->journal) ||
	    info->journal_size > g->slot_size - used)
		return sd_fail(err, SD_E_CORRUPT, "metadata slot %s%d: journal size out of range", cn, slot);
	return 0;
}
