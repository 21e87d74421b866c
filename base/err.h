/* One clear error line per failure: layers fill an sd_err with what failed
 * and why; the CLI prints it as "stardm: <msg>", and turns the code into
 * the documented exit status and JSON error code (tools/cli_errors.c). */
#ifndef STARDM_BASE_ERR_H
#define STARDM_BASE_ERR_H

#include <stddef.h>

struct sd_err {
	char msg[512];
	int code;       /* positive errno value or SD_E_* code */
	char node[64];  /* SD_E_OWNED: the node that owns what was asked for */
};

/* Set err->msg (printf style) and err->code, clear err->node, and return
 * -code (code: a positive errno value or an SD_E* code); err may be NULL.
 * Returns a negative value for chaining. */
int sd_fail(struct sd_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Error codes beyond errno for conditions callers test for. */
enum {
	SD_E_CORRUPT = 1000,   /* no valid metadata / bad format */
	SD_E_CONFLICT = 1001,  /* concurrent metadata update detected */
	SD_E_NOSPACE = 1002,   /* not enough free extents or metadata space */
	SD_E_NOTFOUND = 1003,
	SD_E_EXISTS = 1004,
	SD_E_INVAL = 1005,
	SD_E_OWNED = 1006,     /* the pool is live on another node (err->node) */
	SD_E_DEVSIZE = 1007,   /* the device is smaller than its group: not rescanned */
};

#endif
