#include "env.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

uint64_t sd_env_number(const char *name, uint64_t dflt, uint64_t max)
{
	const char *s = getenv(name);
	if (!s || !isdigit((unsigned char)*s)) /* strtoull takes "-1" and " 5" */
		return dflt;
	char *end;
	errno = 0;
	unsigned long long n = strtoull(s, &end, 10);
	return *end || errno || n > max ? dflt : (uint64_t)n;
}
