#include "base/repeat.h"

#include <stdio.h>
#include <string.h>

bool sd_repeat_due(struct sd_repeat *r, const char *why, uint64_t now_ms, uint64_t period_ms,
		   unsigned *tries)
{
	/* r->last holds what fits of a longer why: compare that much */
	bool same = r->said && !strncmp(why, r->last, sizeof(r->last) - 1);
	if (same && now_ms - r->said_ms < period_ms) {
		r->quiet++;
		return false;
	}
	*tries = same ? r->quiet + 1 : 1;
	snprintf(r->last, sizeof(r->last), "%s", why);
	r->said = true;
	r->said_ms = now_ms;
	r->quiet = 0;
	return true;
}
