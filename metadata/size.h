/* Size arithmetic in one place: division and rounding that cannot wrap,
 * and the largest size a volume may have. */
#ifndef STARDM_SIZE_H
#define STARDM_SIZE_H

#include <stdbool.h>
#include <stdint.h>

/* The kernel addresses a block device with a signed 64-bit byte offset, and
 * a volume is a whole number of 512-byte sectors. */
#define SD_VOLUME_SIZE_MAX ((UINT64_C(1) << 63) - 512)

/* a / b rounded up; never wraps (b > 0). */
static inline uint64_t sd_div_up(uint64_t a, uint64_t b)
{
	return a / b + (a % b != 0);
}

/* v rounded up to a multiple of unit (unit > 0); false when that does not
 * fit in 64 bits. */
static inline bool sd_round_up(uint64_t v, uint64_t unit, uint64_t *out)
{
	uint64_t n = sd_div_up(v, unit);
	return !__builtin_mul_overflow(n, unit, out);
}

#endif
