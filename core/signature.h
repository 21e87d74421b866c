#ifndef STARDM_CORE_SIGNATURE_H
#define STARDM_CORE_SIGNATURE_H

#include <stddef.h>

#include "base/err.h"

/* Describe a foreign signature on path in what (e.g. "LVM2_member"): 1
 * when one is found, 0 when clean, an error when the probe failed (never
 * taken for clean). */
int sdg_foreign_signature(const char *path, char *what, size_t len, struct sd_err *err);

#endif
