/* Numbers a command takes from its environment (limits, sizes): one
 * reading of them, so each variable treats a bad value the same way. */
#ifndef STARDM_BASE_ENV_H
#define STARDM_BASE_ENV_H

#include <stdint.h>

/* The decimal number in environment variable name; dflt when it is unset,
 * empty, not wholly a decimal number, or above max. */
uint64_t sd_env_number(const char *name, uint64_t dflt, uint64_t max);

#endif
