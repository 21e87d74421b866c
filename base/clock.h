/* Clocks and a plain sleep, for every layer's waits and timestamps. */
#ifndef STARDM_BASE_CLOCK_H
#define STARDM_BASE_CLOCK_H

#include <stdint.h>

/* Milliseconds of CLOCK_MONOTONIC: for timeouts and heartbeats. */
uint64_t sd_monotonic_ms(void);
/* Nanoseconds since the epoch (CLOCK_REALTIME): for timestamps recorded
 * on disk. */
uint64_t sd_now_ns(void);
void sd_sleep_ms(unsigned ms);

#endif
