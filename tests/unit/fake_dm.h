/* A recording fake of the kernel's device-mapper, for host tests of core/:
 * it keeps devices (name, uuid, live and inactive table, suspended, opened),
 * refuses what the kernel refuses (a name twice, removing a device another
 * table or a process holds, a thin device of a thin id its pool lacks, a
 * pool message out of transaction order), keeps each pool's thin ids and
 * transaction id as its metadata device would (across removal, shared by
 * both nodes), and records every call as one line ("create NAME",
 * "message NAME create_thin 1", ...).  Two nodes: each has its own devices. */
#ifndef STARDM_TEST_FAKE_DM_H
#define STARDM_TEST_FAKE_DM_H

#include <stdbool.h>
#include <stdint.h>

#include "dm/dm.h"

extern const struct sdm_ops fake_dm;

/* Forget every device, pool and recorded call; node 0 is current. */
void fake_dm_reset(void);
/* Node (0 or 1) reboots: its devices are gone, the pools' metadata stays. */
void fake_dm_reboot(int node);
/* Make node (0 or 1) the one whose devices the calls see. */
void fake_dm_node(int node);
/* Each device creation takes ms from now on (as the kernel's, with udev
 * busy beside it, does on a node starting many VMs); 0 again at reset. */
void fake_dm_create_ms(unsigned ms);
/* The calls recorded since the last fake_dm_reset or fake_dm_clear_log,
 * one per line. */
const char *fake_dm_log(void);
/* The questions asked since then, which the log leaves out: "info NAME",
 * "list UUID_PREFIX", one per line. */
const char *fake_dm_queries(void);
void fake_dm_clear_log(void);
/* The nth call (from 1, counted from now) of op ("create", "message",
 * ...) fails with errno e; a message call counts only when its text starts
 * with what (NULL: any). */
void fake_dm_fail(const char *op, const char *what, int nth, int e);

/* What the current node has: number of devices; whether name exists; its
 * live table's first target type ("" if none); whether it is suspended. */
int fake_dm_count(void);
bool fake_dm_exists(const char *name);
const char *fake_dm_type(const char *name);
bool fake_dm_suspended(const char *name);
bool fake_dm_read_only(const char *name);
/* The live table's first target's parameters ("" without a device). */
const char *fake_dm_params(const char *name);
/* A process opens (+1) or closes (-1) name, as QEMU does; reads adds to
 * its read count. */
void fake_dm_open(const char *name, int delta, uint64_t reads);
/* The transaction id and whether thin id is in the pool's metadata (by
 * the pool's dm name). */
uint64_t fake_dm_pool_tid(const char *pool);
/* The pool (by dm name) reports pct percent of its data blocks used, and
 * meta_pct percent of its metadata blocks. */
void fake_dm_pool_fill(const char *pool, unsigned pct, unsigned meta_pct);
bool fake_dm_pool_has(const char *pool, uint32_t thin_id);
/* Thin id made in the pool's metadata behind stardm's back, as a crash
 * between a create message and the transaction id leaves it. */
void fake_dm_pool_add_thin(const char *pool, uint32_t thin_id);
/* The kernel failed a write to the pool's metadata: status says ro and
 * needs_check. */
void fake_dm_pool_needs_check(const char *pool, bool on);

#endif
