/* The node's runtime directory: lock files, monitor state, handover logs. */
#ifndef STARDM_BASE_RUNDIR_H
#define STARDM_BASE_RUNDIR_H

/* $STARDM_RUN_DIR when set (tests run without root), else /run/stardm;
 * created if missing. */
const char *sd_run_dir(void);

#endif
