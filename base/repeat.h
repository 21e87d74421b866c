/* A complaint of a loop that retries: said at once when it is new, then
 * at most once a period while it stays the same, with how many tries the
 * line stands for.  Pure: the caller passes the time. */
#ifndef STARDM_BASE_REPEAT_H
#define STARDM_BASE_REPEAT_H

#include <stdbool.h>
#include <stdint.h>

struct sd_repeat {
	char last[512];   /* what was said last */
	bool said;        /* anything was */
	uint64_t said_ms; /* when */
	unsigned quiet;   /* the same complaint, not said since */
};

/* Whether to say why at now_ms.  When it is, *tries is how many tries the
 * line stands for: 1, or this one and the quiet ones before it. */
bool sd_repeat_due(struct sd_repeat *r, const char *why, uint64_t now_ms, uint64_t period_ms,
		   unsigned *tries);

#endif
