/* Where a command's time goes.  With STARDM_TRACE set in the environment
 * each layer marks the phases it runs (a dm ioctl, the wait for udev, a
 * metadata read, the cluster lock) and the command prints, when it exits,
 * one line per phase on stderr: how many times it ran and how long it
 * took.  Phases may nest; each is charged its own time only (a commit's
 * time does not include the cluster lock inside it), so the lines add up
 * to the command's whole time.  Off, it costs one test of a flag.
 *
 *   uint64_t t = sd_trace_begin();
 *   ... the work ...
 *   sd_trace_end(t, "dm-create");
 *
 * Phase names are string literals without spaces.  Only the thread that
 * called sd_trace_command is traced (the monitor's threads are not). */
#ifndef STARDM_BASE_TRACE_H
#define STARDM_BASE_TRACE_H

#include <stdint.h>

/* Start tracing command cmd when STARDM_TRACE is set: the summary is
 * printed at exit. */
void sd_trace_command(const char *cmd);
/* A token for sd_trace_end; 0 when tracing is off. */
uint64_t sd_trace_begin(void);
/* Charge the time since sd_trace_begin returned token to phase. */
void sd_trace_end(uint64_t token, const char *phase);

#endif
