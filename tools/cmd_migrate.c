/* The live-migration handover as commands (docs/ha-migration.md), for the
 * Proxmox plugin, libvirt hooks and scripts:
 *   target: migrate-prepare, migrate-gate, migrate-finish (or migrate-abort)
 *   source: migrate-release (at the commit point) */
#include <errno.h>
#include <stdio.h>
#include <time.h>

#include "cli.h"
#include "core/pool.h"

static int op_prepare(struct sdg *g, const struct cli_opts *o, struct sd_err *err)
{
	char path[PATH_MAX];
	int rc = sdg_handover_prepare(g, o->pos[1], path, err);
	if (rc == 0)
		printf("%s\n", path);
	return rc;
}

static int op_gate(struct sdg *g, const struct cli_opts *o, struct sd_err *err)
{
	return sdg_handover_gate(g, o->pos[1], err);
}

static int op_release(struct sdg *g, const struct cli_opts *o, struct sd_err *err)
{
	return sdg_handover_release(g, o->pos[1], err);
}

static int op_finish(struct sdg *g, const struct cli_opts *o, struct sd_err *err)
{
	return sdg_handover_finish(g, o->pos[1], err);
}

static int op_abort(struct sdg *g, const struct cli_opts *o, struct sd_err *err)
{
	return sdg_handover_abort(g, o->pos[1], err);
}

int cmd_migrate_prepare(int argc, char **argv)
{
	return cli_on_group("migrate-prepare", argc, argv, 0, 2, SDG_WRITE, op_prepare);
}

int cmd_migrate_gate(int argc, char **argv)
{
	return cli_on_group("migrate-gate", argc, argv, 0, 2, SDG_WRITE, op_gate);
}

int cmd_migrate_release(int argc, char **argv)
{
	return cli_on_group("migrate-release", argc, argv, 0, 2, SDG_WRITE, op_release);
}

int cmd_migrate_abort(int argc, char **argv)
{
	return cli_on_group("migrate-abort", argc, argv, 0, 2, SDG_WRITE, op_abort);
}

/* Wait (reading, without the cluster lock, so the source can commit) for
 * the source's release, then finish under the lock. */
int cmd_migrate_finish(int argc, char **argv)
{
	struct cli_opts o;
	int rc = cli_parse_opts("migrate-finish", argc, argv, OPT_TIMEOUT, 2, 2, &o);
	if (rc)
		return rc;
	unsigned limit = (o.timeout ? o.timeout : 60) * 10;
	struct sd_err err = {{0}};
	for (unsigned i = 0;; i++) {
		struct sdg *g;
		if (sdg_open(o.pos[0], 0, &g, &err))
			return cli_error(&err);
		int owned = sdg_handover_owned(g, o.pos[1]);
		sdg_close(g);
		if (owned == 1)
			break;
		if (owned < 0) {
			sd_fail(&err, SD_E_CONFLICT, "no handover of %s to this node is under way",
				o.pos[1]);
			return cli_error(&err);
		}
		if (i >= limit) {
			sd_fail(&err, ETIMEDOUT, "the source did not release %s within %u s",
				o.pos[1], limit / 10);
			return cli_error(&err);
		}
		struct timespec ts = { 0, 100000000 };
		nanosleep(&ts, NULL);
	}
	return cli_on_group("migrate-finish", argc, argv, OPT_TIMEOUT, 2, SDG_WRITE, op_finish);
}
