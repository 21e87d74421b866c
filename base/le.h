/* Explicit little-endian load/store helpers for on-disk fields.
 * Every on-disk integer goes through these, so the format is the same on
 * any host byte order. */
#ifndef STARDM_BASE_LE_H
#define STARDM_BASE_LE_H

#include <endian.h>
#include <stdint.h>

typedef uint16_t le16;
typedef uint32_t le32;
typedef uint64_t le64;

static inline le16 cpu_to_le16(uint16_t v) { return htole16(v); }
static inline le32 cpu_to_le32(uint32_t v) { return htole32(v); }
static inline le64 cpu_to_le64(uint64_t v) { return htole64(v); }
static inline uint16_t le16_to_cpu(le16 v) { return le16toh(v); }
static inline uint32_t le32_to_cpu(le32 v) { return le32toh(v); }
static inline uint64_t le64_to_cpu(le64 v) { return le64toh(v); }

#endif
