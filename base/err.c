#include "base/err.h"

#include <stdarg.h>
#include <stdio.h>

int sd_fail(struct sd_err *err, int code, const char *fmt, ...)
{
	if (err) {
		err->code = code < 0 ? -code : code;
		err->node[0] = '\0';
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return code > 0 ? -code : code;
}
