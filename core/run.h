/* Running an outside program (thin_check) without a shell. */
#ifndef STARDM_CORE_RUN_H
#define STARDM_CORE_RUN_H

#include <stddef.h>

/* Run argv[0] (looked up on PATH) with the argument list argv, no shell in
 * between; the first line it prints (stdout and stderr) goes to out.
 * Returns its exit status (0-255), or -errno when it could not be started
 * (-ENOENT: not installed) or was killed by a signal (-EINTR). */
int sdg_run(const char *const argv[], char *out, size_t len);

#endif
