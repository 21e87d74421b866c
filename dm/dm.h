/* Device-mapper through libdevmapper.  Knows targets, tables and device
 * names, nothing of stardm's on-disk format. */
#ifndef STARDM_DM_H
#define STARDM_DM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

#define SDM_PARAMS_MAX 4096

struct sdm_target {
	uint64_t start, len;     /* sectors */
	const char *type;        /* "linear", "thin-pool", "thin", "error" */
	char params[SDM_PARAMS_MAX];
};

struct sdm_info {
	bool exists, suspended, live_table, inactive_table, read_only;
	int open_count;
	uint32_t major, minor;
	uint32_t event_nr;       /* bumped by the target on events (low water, mode change) */
};

/* Check the dm driver and the thin targets are there (cryptsetup-style
 * feature detection).  Fills err with what is missing. */
int sdm_check(struct sd_err *err);

/* How a device is made.  SDM_PRIVATE: a layer under another device (pool
 * metadata and data, thin-pool, a placeholder's zero device); no udev rule
 * may probe, name or act on it, as lvm2 keeps them off its own pool
 * layers.  SDM_GUEST: a device whose content belongs to a guest (a volume):
 * the subsystem's own rule names it, but the disk rules (blkid) and other
 * rules (lvm2's event activation, multipath) must not read it, so that a
 * guest's PV or file system never reaches the host. */
enum { SDM_READONLY = 1u << 0, SDM_PRIVATE = 1u << 1, SDM_GUEST = 1u << 2 };
/* How a command waits for udev (sdm_udev_batch).  SDM_NODE_NOW: the
 * caller opens the device's node at once, so its create waits for udev
 * even in a batch. */
enum { SDM_NODE_NOW = 1u << 3 };
/* The DM_UDEV_* flags that go with the uevents of a device made so. */
uint16_t sdm_udev_flags(unsigned flags);

/* Create name with uuid and the table, and resume it.  On failure nothing
 * is left behind. */
int sdm_create(const char *name, const char *uuid, const struct sdm_target *t, size_t n,
	       unsigned flags, struct sd_err *err);
/* Load a new table into the inactive slot (resume makes it live). */
int sdm_reload(const char *name, const struct sdm_target *t, size_t n, struct sd_err *err);
int sdm_suspend(const char *name, bool flush, struct sd_err *err);
int sdm_resume(const char *name, struct sd_err *err);
/* The same for a device made with flags (its uevent carries their udev flags). */
int sdm_resume_flags(const char *name, unsigned flags, struct sd_err *err);
int sdm_remove(const char *name, struct sd_err *err);
/* udev synchronisation in one wait: after sdm_udev_batch(true) creates,
 * resumes and removes do not each wait for udev to finish with their
 * events; sdm_udev_batch(false) waits once for all of them (udev works on
 * them side by side) and says how that went.  Tables name devices by
 * number, so a device made in the batch can be used before its node. */
int sdm_udev_batch(bool on, struct sd_err *err);
/* Remove name unless something holds it open (then 1: it stays; no retry,
 * unlike sdm_remove, which waits seconds for a busy device to close). */
int sdm_remove_unused(const char *name, struct sd_err *err);
int sdm_info(const char *name, struct sdm_info *info, struct sd_err *err);
/* Block until the device's event counter moves past event_nr (from
 * sdm_info), then return the new counter in *now.  A signal (an alarm for a
 * timeout) interrupts the wait: then -EINTR, and err says so. */
int sdm_wait_event(const char *name, uint32_t event_nr, uint32_t *now, struct sd_err *err);
/* Events of all dm devices, for a monitor that sleeps until one comes:
 * open a handle (its file descriptor), arm it, then wait: 1 once any device
 * raised an event after the arming, 0 when timeout_ms passed (or a signal
 * came).  Arm again before looking at the devices, so that no event is
 * missed between the look and the next wait. */
int sdm_events_open(struct sd_err *err);
int sdm_events_arm(int fd, struct sd_err *err);
int sdm_events_wait(int fd, unsigned timeout_ms, struct sd_err *err);
/* The device's completed read and write requests since it was created
 * (the kernel's block statistics, /sys/dev/block/M:m/stat). */
struct sdm_io_count {
	uint64_t reads, writes;
};
int sdm_io_count(const char *name, struct sdm_io_count *c, struct sd_err *err);
/* Type of the live table's first target ("thin", "flakey", ...). */
int sdm_target_type(const char *name, char *out, size_t len, struct sd_err *err);
/* Length of the live table in sectors. */
int sdm_size(const char *name, uint64_t *sectors, struct sd_err *err);
/* Send a target message (sector 0). */
int sdm_message(const char *name, const char *msg, struct sd_err *err);
/* The status line of the first target (a thin-pool does not commit for
 * it); *out is malloc'd. */
int sdm_status(const char *name, char **out, struct sd_err *err);
/* Names of devices whose dm uuid starts with prefix; *names is an array of
 * malloc'd strings (free with sdm_free_names). */
int sdm_list_uuid_prefix(const char *prefix, char ***names, size_t *n, struct sd_err *err);
void sdm_free_names(char **names, size_t n);

/* dm_thin_pool's no_space_timeout, seconds a pool out of data space queues
 * writes before failing them (0: forever), for every pool of the node:
 * set (when set >= 0), then read into *now. */
int sdm_no_space_timeout(int set, unsigned *now, struct sd_err *err);

/* The major:minor of the block device at path, as tables name devices
 * (a table needs a block device; a regular file is refused). */
int sdm_block_dev(const char *path, char out[32], struct sd_err *err);

/* Everything above that talks to the kernel, as one table: core/ calls the
 * kernel through it, so that its host tests can put a recording fake in
 * the kernel's place.  Same meanings and returns as the functions above;
 * resume takes the flags the device was made with (sdm_resume_flags). */
struct sdm_ops {
	int (*check)(struct sd_err *err);
	int (*block_dev)(const char *path, char out[32], struct sd_err *err);
	int (*create)(const char *name, const char *uuid, const struct sdm_target *t, size_t n,
		      unsigned flags, struct sd_err *err);
	int (*reload)(const char *name, const struct sdm_target *t, size_t n, struct sd_err *err);
	int (*suspend)(const char *name, bool flush, struct sd_err *err);
	int (*resume)(const char *name, unsigned flags, struct sd_err *err);
	int (*remove)(const char *name, struct sd_err *err);
	int (*remove_unused)(const char *name, struct sd_err *err);
	int (*info)(const char *name, struct sdm_info *info, struct sd_err *err);
	int (*wait_event)(const char *name, uint32_t event_nr, uint32_t *now, struct sd_err *err);
	int (*events_open)(struct sd_err *err);
	int (*events_arm)(int fd, struct sd_err *err);
	int (*events_wait)(int fd, unsigned timeout_ms, struct sd_err *err);
	int (*io_count)(const char *name, struct sdm_io_count *c, struct sd_err *err);
	int (*target_type)(const char *name, char *out, size_t len, struct sd_err *err);
	int (*size)(const char *name, uint64_t *sectors, struct sd_err *err);
	int (*message)(const char *name, const char *msg, struct sd_err *err);
	int (*status)(const char *name, char **out, struct sd_err *err);
	int (*list_uuid_prefix)(const char *prefix, char ***names, size_t *n, struct sd_err *err);
	int (*no_space_timeout)(int set, unsigned *now, struct sd_err *err);
	int (*udev_batch)(bool on, struct sd_err *err);
};
/* The kernel's, through libdevmapper. */
extern const struct sdm_ops sdm_kernel;

/* Table builders and status parsers (table.c): pure, unit-tested. */
struct sdm_extent_run {
	const char *dev;         /* "/dev/vda" or "major:minor" */
	uint64_t offset;         /* sectors into dev */
	uint64_t len;            /* sectors */
};
/* A linear concatenation of runs; returns the number of targets (<= max). */
size_t sdm_table_linear(const struct sdm_extent_run *r, size_t n, struct sdm_target *t, size_t max);
/* read_only: the kernel changes nothing in the pool's metadata, so several
 * nodes may load it at once (a template's pool). */
void sdm_table_thin_pool(struct sdm_target *t, uint64_t data_sectors, const char *meta_dev,
			 const char *data_dev, uint32_t chunk_sectors, uint64_t low_water_blocks,
			 bool read_only);
void sdm_table_thin(struct sdm_target *t, uint64_t sectors, const char *pool_dev, uint32_t thin_id);
/* A thin device whose unprovisioned blocks read from origin_dev, a
 * read-only device (an external origin: a linked clone's base). */
void sdm_table_thin_origin(struct sdm_target *t, uint64_t sectors, const char *pool_dev,
			   uint32_t thin_id, const char *origin_dev);
void sdm_table_error(struct sdm_target *t, uint64_t sectors);
void sdm_table_zero(struct sdm_target *t, uint64_t sectors);
/* Reads pass to dev, writes fail with EIO (a migration placeholder). */
void sdm_table_reads_only(struct sdm_target *t, uint64_t sectors, const char *dev);

struct sdm_pool_status {
	uint64_t transaction_id;
	uint64_t meta_used, meta_total;   /* metadata blocks (4 KiB) */
	uint64_t data_used, data_total;   /* data blocks (chunks) */
	bool read_only, out_of_data_space, needs_check, fail;
};
int sdm_parse_pool_status(const char *line, struct sdm_pool_status *s);

struct sdm_thin_status {
	uint64_t mapped_sectors, highest_sector;
	bool fail;
};
int sdm_parse_thin_status(const char *line, struct sdm_thin_status *s);

#endif
