/* The orchestration layer: joins the metadata layer (metadata/) and the
 * device-mapper layer (dm/).  The CLI calls only this. */
#ifndef STARDM_CORE_GROUP_H
#define STARDM_CORE_GROUP_H

#include <limits.h>
#include <stdbool.h>

#include "metadata/state.h"

/* An open group.  Only core/ sees inside (core/group_impl.h); callers use
 * the calls below. */
struct sdg;

enum {
	SDG_WRITE = 1,  /* open read-write, take the host-local and the cluster lock */
	SDG_FENCED_OK = 2, /* write even while this node is fenced (the fence's own resume) */
	SDG_CHECK_ALL = 4, /* read and check all four metadata slots (inspect), not only
			    * the newest that checks out */
	SDG_NOWAIT = 8, /* with SDG_WRITE: fail (EWOULDBLOCK) rather than wait while another
			 * process of this node holds the group (a monitor's thread that must
			 * stay stoppable tries again later) */
};

/* This node's name for its host slot: $STARDM_NODE_NAME, else the host name. */
void sdg_node_name(char out[64]);

/* GROUP is a device path (contains '/') or a group name found by scan. */
int sdg_open(const char *group, int flags, struct sdg **out, struct sd_err *err);
/* A reader's memory of the last state it read of a group (sdg_open_read):
 * a later read that finds the group's newest metadata slot unchanged takes
 * that state instead of reading and checking the whole payload.  For a
 * process that reads one group again and again (the monitor, every pass
 * and at dm events): four slot headers a read, not a MiB at a thousand
 * VMs.  One thread's; the group opened through it holds the reader's state
 * (read-only: nothing may change it) until it closes, and one such group
 * at a time is open. */
struct sdg_reader;
struct sdg_reader *sdg_reader_new(void);
void sdg_reader_free(struct sdg_reader *r);
/* sdg_open(group, 0, ...) through r (NULL: a plain sdg_open). */
int sdg_open_read(const char *group, struct sdg_reader *r, struct sdg **out,
		  struct sd_err *err);
/* The device GROUP (as sdg_open takes it) is on now, into path: a path
 * is itself; a name or uuid is looked up again (the udev database, else
 * a scan), so a caller that keeps running follows the group to another
 * device (a multipath map assembled over the path it started on). */
int sdg_locate(const char *group, char path[PATH_MAX], struct sd_err *err);
/* Leaves the cluster lock if held: fails (err) when that did not reach the
 * disk, since other nodes then wait on this one. */
int sdg_close(struct sdg *g, struct sd_err *err);
int sdg_commit(struct sdg *g, struct sd_err *err);

struct sdg_init_opts {
	const char *name;
	uint64_t extent_size;   /* 0 = default */
	uint64_t metadata_size; /* 0 = default (per slot) */
	bool force;             /* overwrite an existing signature */
	unsigned reserve_pct;   /* share of extents kept for pool growth (core/space.h) */
	bool no_journal;        /* format version 1: readable by stardm before the
				 * journal, every commit writes the whole state */
};
int sdg_init(const char *device, const struct sdg_init_opts *o, struct sd_geometry *out,
	     struct sd_err *err);

void sdg_uuid_format(const uint8_t uuid[16], char out[37]);

/* What an open group is: the device it was found on, its name, its
 * geometry, and its records as last read or committed (a read-only view:
 * changes go through the calls of core/). */
const char *sdg_device(const struct sdg *g);
const char *sdg_name(const struct sdg *g);
const struct sd_geometry *sdg_geometry(const struct sdg *g);
const struct sd_state *sdg_records(const struct sdg *g);
/* What the user should know although the command succeeded (a commit that
 * landed in one metadata copy only), or NULL. */
const char *sdg_warning(const struct sdg *g);

#endif
