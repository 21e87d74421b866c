/* The stardm command: it only parses arguments and prints; the work is done
 * by the orchestration layer (core/). */
#ifndef STARDM_CLI_H
#define STARDM_CLI_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"

/* Exit status by error class (cli_errors.c; docs/stardm.8). */
enum {
	EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2, EXIT_NOT_FOUND = 3, EXIT_EXISTS = 4,
	EXIT_OWNED = 5, EXIT_BUSY = 6, EXIT_NO_SPACE = 7, EXIT_CONFLICT = 8, EXIT_CORRUPT = 9,
	EXIT_IO = 10, EXIT_INVALID = 11, EXIT_TIMEOUT = 12,
};
struct cli_error_class {
	int exit;          /* the exit status */
	const char *name;  /* the JSON error code */
};
/* The class of an sd_err code (-EXIT_USAGE: a usage error). */
const struct cli_error_class *cli_error_class(int code);
/* --json was given: errors are also printed on stdout as
 * {"error": {"code", "exit", "message"[, "node"]}}. */
void cli_json_errors(bool on);
/* The next JSON error goes into doc (as its "error" member, doc taken
 * over) instead of a document of its own: a command that failed part way
 * still tells what it did. */
void cli_json_error_into(json_object *doc);

struct cmd {
	const char *name;
	const char *usage;   /* arguments after the command name */
	int (*run)(int argc, char **argv);
};

/* Print "stardm: <msg>" on stderr (and the JSON error with --json);
 * returns the exit status of its class. */
int cli_error(const struct sd_err *err);
/* The JSON side of a usage error already printed on stderr; EXIT_USAGE. */
int cli_usage_error(const char *msg);
/* Print "stardm: <fmt>" plus a usage hint; returns EXIT_USAGE. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "10G", "512M", "4096", "1.5T" -> bytes (powers of 1024); -1 when invalid. */
int cli_parse_size(const char *s, uint64_t *out);
/* "4.0 GiB" style. */
const char *cli_human(uint64_t bytes, char *buf, size_t len);
/* Print one JSON document on stdout and drop the reference. */
void cli_print_json(json_object *o);
/* A device path a command made: the path, or {"path": ...} with --json. */
void cli_print_path(const char *path, bool json);
json_object *cli_json_u64(uint64_t v);

/* Options common to the commands: --json, --force, --name, ... parsed by
 * cli_parse_opts into this struct; positional args are left in pos[]. */
struct cli_opts {
	bool json, force, readonly, check_pool, once, follow, incoming;
	const char *name, *snapshot, *pve_dir;
	uint64_t extent_size, metadata_size, size, chunk_size, grow_min;
	int provisioning;   /* enum sdg_provisioning: SDG_PROV_ANY when not given */
	unsigned grow_pct;  /* percent, 0 = not given */
	int reserve_pct;    /* percent, -1 = not given */
	int no_space_timeout; /* seconds, -1 = not given */
	unsigned format_version; /* 0 = not given */
	bool has_size;
	long vmid;
	unsigned timeout;   /* seconds, 0 = none */
	unsigned interval;  /* seconds */
	int npos;
	char **pos;
};
enum {
	OPT_JSON = 1 << 0, OPT_FORCE = 1 << 1, OPT_NAME = 1 << 2, OPT_EXTENT = 1 << 3,
	OPT_MDSIZE = 1 << 4, OPT_SIZE = 1 << 5, OPT_VMID = 1 << 6, OPT_SNAPSHOT = 1 << 7,
	OPT_READONLY = 1 << 8, OPT_CHECK_POOL = 1 << 9, OPT_TIMEOUT = 1 << 10, OPT_CHUNK = 1 << 11,
	OPT_INTERVAL = 1 << 12, OPT_ONCE = 1 << 13, OPT_FOLLOW = 1 << 14, OPT_INCOMING = 1 << 15,
	OPT_PVE_DIR = 1 << 16, OPT_PROVISIONING = 1 << 17, OPT_GROW = 1 << 18, OPT_RESERVE = 1 << 19,
	OPT_NO_SPACE_TIMEOUT = 1 << 20, OPT_FORMAT_VERSION = 1 << 21,
};
/* A whole number from lo to hi for FLAG (what it is, for the message);
 * 0, or EXIT_USAGE after printing the problem. */
int cli_number_arg(const char *cmd, const char *flag, const char *arg, long lo, long hi,
		   const char *what, unsigned *out);
/* Returns 0, or EXIT_USAGE after printing the problem. */
int cli_parse_opts(const char *cmd, int argc, char **argv, unsigned allowed, int min_pos,
		   int max_pos, struct cli_opts *o);

/* Every command that works on one group: parse, open GROUP (flags:
 * SDG_WRITE locks it for writing), run op, print its one error line. */
struct sdg;
typedef int (*cli_group_op)(struct sdg *g, const struct cli_opts *o, struct sd_err *err);
int cli_on_group(const char *cmd, int argc, char **argv, unsigned allowed, int npos, int flags,
		 cli_group_op op);
/* What an op returns when it succeeded and left a handover for a watcher
 * to follow once the group is closed (migrate-prepare --follow, activate
 * --incoming). */
enum { CLI_FOLLOW = 0x10000 }; /* no error code: those are negative */
/* cli_on_group, also giving the parsed options and whether op asked for
 * the watcher. */
int cli_on_group_then(const char *cmd, int argc, char **argv, unsigned allowed, int npos,
		      int flags, cli_group_op op, struct cli_opts *o, bool *follow);

/* A live pool as JSON (status, wait): bytes, transaction id, flags. */
struct sd_pool;
struct sdg_pool_live;
json_object *cli_pool_live_json(const struct sd_pool *p, const struct sdg_pool_live *l);

/* Live migration, target side (cmd_migrate.c): cli_on_group (GROUP VOLUME,
 * for writing) that then, when op returned CLI_FOLLOW, starts the watcher
 * of the handover of VOLUME, once the group is closed. */
int cli_on_group_follow(const char *cmd, int argc, char **argv, unsigned allowed,
			cli_group_op op);

/* The node monitor's presence (monitor_lock.c): the monitor takes the lock
 * (an fd >= 0 it keeps, or -1 with err set when one already runs). */
int cli_monitor_lock(const struct sdg *g, struct sd_err *err);
bool cli_monitor_running(const struct sdg *g);
/* The monitor's heartbeat health, kept in its lock file for status: writes
 * that failed since it started (each one lets other nodes' clocks run
 * towards taking this node for dead), when the last one failed, and why. */
struct cli_beat_health {
	uint64_t failures;
	uint64_t last_failure_ns; /* CLOCK_REALTIME */
	char last_error[512];
};
void cli_monitor_note_beat(int fd, const struct cli_beat_health *h);
bool cli_monitor_health(const struct sdg *g, struct cli_beat_health *h);

int cmd_init(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_scan(int argc, char **argv);
int cmd_udev_probe(int argc, char **argv);
int cmd_autoactivate(int argc, char **argv);
int cmd_set_autoactivate(int argc, char **argv);
int cmd_set_discards(int argc, char **argv);
int cmd_grow(int argc, char **argv);
int cmd_convert(int argc, char **argv);
int cmd_set_reserve(int argc, char **argv);
int cmd_udev_name(int argc, char **argv);
int cmd_create(int argc, char **argv);
int cmd_clone(int argc, char **argv);
int cmd_remove(int argc, char **argv);
int cmd_resize(int argc, char **argv);
int cmd_snapshot(int argc, char **argv);
int cmd_rollback(int argc, char **argv);
int cmd_delete_snapshot(int argc, char **argv);
int cmd_activate(int argc, char **argv);
int cmd_deactivate(int argc, char **argv);
int cmd_path(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_wait(int argc, char **argv);
int cmd_rename(int argc, char **argv);
int cmd_monitor(int argc, char **argv);
int cmd_extend_pool(int argc, char **argv);
int cmd_repair_pool(int argc, char **argv);
int cmd_migrate_prepare(int argc, char **argv);
int cmd_migrate_gate(int argc, char **argv);
int cmd_migrate_release(int argc, char **argv);
int cmd_migrate_finish(int argc, char **argv);
int cmd_migrate_abort(int argc, char **argv);

#endif
