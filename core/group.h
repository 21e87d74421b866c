/* The orchestration layer: joins the metadata layer (metadata/) and the
 * device-mapper layer (dm/).  The CLI calls only this. */
#ifndef STARDM_CORE_GROUP_H
#define STARDM_CORE_GROUP_H

#include <limits.h>
#include <stdbool.h>

#include "metadata/io.h"
#include "metadata/state.h"
#include "metadata/store.h"

struct sdg {
	char path[PATH_MAX];   /* device the group was found on */
	struct sd_io *io;
	struct sd_store *st;
	struct sd_state state;
	/* SDG_WRITE: this node's host slot and the cluster lock, held from
	 * open to close like the host-local flock */
	struct sd_geometry lock_geo;
	struct sd_hostlock cluster;
	bool cluster_held;
};

enum {
	SDG_WRITE = 1,  /* open read-write, take the host-local and the cluster lock */
};

/* This node's name for its host slot: $STARDM_NODE_NAME, else the host name. */
void sdg_node_name(char out[64]);

/* GROUP is a device path (contains '/') or a group name found by scan. */
int sdg_open(const char *group, int flags, struct sdg **out, struct sd_err *err);
/* Leaves the cluster lock if held: fails (err) when that did not reach the
 * disk, since other nodes then wait on this one. */
int sdg_close(struct sdg *g, struct sd_err *err);
int sdg_commit(struct sdg *g, struct sd_err *err);

struct sdg_init_opts {
	const char *name;
	uint64_t extent_size;   /* 0 = default */
	uint64_t metadata_size; /* 0 = default (per slot) */
	bool force;             /* overwrite an existing signature */
};
int sdg_init(const char *device, const struct sdg_init_opts *o, struct sd_geometry *out,
	     struct sd_err *err);

/* Space of a group, in bytes. */
struct sdg_space {
	uint64_t total, used, free;
	uint64_t extent_size, extents_total, extents_free;
};
void sdg_space(const struct sdg *g, struct sdg_space *sp);

/* Scan (scan.c): every block device that carries a stardm label. */
struct sdg_found {
	char devnode[PATH_MAX];
	char by_id[PATH_MAX];     /* /dev/disk/by-id/... or "" */
	struct sd_geometry geo;
	bool label_valid[2];
};
int sdg_scan(struct sdg_found **out, size_t *n, struct sd_err *err);

/* Signature check (signature.c): describe a foreign signature on path in
 * what (e.g. "LVM2_member"); 1 when one is found, 0 when clean, an error
 * when the probe failed (never taken for clean). */
int sdg_foreign_signature(const char *path, char *what, size_t len, struct sd_err *err);

void sdg_uuid_format(const uint8_t uuid[16], char out[37]);

#endif
