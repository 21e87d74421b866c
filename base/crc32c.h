/* CRC-32C (Castagnoli), the checksum of every on-disk structure. */
#ifndef STARDM_BASE_CRC32C_H
#define STARDM_BASE_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* crc32c of buf, standard init/final xor (crc32c("123456789") == 0xe3069283). */
uint32_t crc32c(const void *buf, size_t len);

/* Continue a running crc32c: pass the previous return value as crc. */
uint32_t crc32c_update(uint32_t crc, const void *buf, size_t len);

/* The same from tables alone, as crc32c_update computes it on a CPU
 * without a crc32 instruction (the tests hold the two equal). */
uint32_t crc32c_update_portable(uint32_t crc, const void *buf, size_t len);

#endif
