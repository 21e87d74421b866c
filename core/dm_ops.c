#include "core/dm_ops.h"

const struct sdm_ops *sdg_dm = &sdm_kernel;
