/* The live-migration handover as commands (docs/ha-migration.md), for the
 * Proxmox plugin, libvirt hooks and scripts:
 *   target: migrate-prepare, migrate-gate, migrate-finish (or migrate-abort)
 *   source: migrate-release (at the commit point) */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "base/rundir.h"
#include "cli.h"
#include "core/handover.h"
#include "core/handover_follow.h"

static int op_prepare(struct sdg *g, const struct cli_opts *o, struct sd_err *err)
{
	char path[PATH_MAX];
	int rc = sdg_handover_prepare(g, o->pos[1], path, err);
	if (rc)
		return rc;
	cli_print_path(path, o->json);
	return o->follow ? CLI_FOLLOW : 0;
}

/* The watcher's log: one line per step to syslog and to
 * /run/stardm/handover-GROUP-VOL.log (for the admin, and the tests). */
struct follow_log {
	FILE *f;
	const char *vol;
};

static void follow_line(void *ctx, const char *line)
{
	struct follow_log *l = ctx;
	syslog(LOG_NOTICE, "handover of %s: %s", l->vol, line);
	if (l->f) {
		time_t t = time(NULL);
		char ts[32];
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", localtime(&t));
		fprintf(l->f, "%s %s\n", ts, line);
		fflush(l->f);
	}
}

static FILE *open_follow_log(const char *group, const char *vol)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/handover-%s-%s.log", sd_run_dir(), group, vol);
	return fopen(path, "we");
}

/* Detach (double fork, new session, stdio to /dev/null: the caller, e.g.
 * the Proxmox plugin, waits for our output to end) and follow the handover. */
static void run_watcher(const char *group, const char *vol, unsigned timeout_s)
{
	setsid();
	if (fork() != 0)
		_exit(0);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	for (int fd = 0; fd < 3 && null >= 0; fd++)
		dup2(null, fd);
	openlog("stardm", LOG_PID, LOG_DAEMON);
	struct follow_log l = { open_follow_log(group, vol), vol };
	follow_line(&l, "waiting for QEMU's probe read, then for the source's release");
	struct sd_err err = {0};
	if (sdg_handover_follow(group, vol, timeout_s, follow_line, &l, &err)) {
		char line[600];
		snprintf(line, sizeof(line), "stardm: %s", err.msg);
		follow_line(&l, line);
		_exit(EXIT_FAIL);
	}
	_exit(EXIT_OK);
}

int cli_on_group_follow(const char *cmd, int argc, char **argv, unsigned allowed,
			cli_group_op op)
{
	struct cli_opts o;
	bool follow;
	int rc = cli_on_group_then(cmd, argc, argv, allowed, 2, SDG_WRITE, op, &o, &follow);
	if (rc || !follow)
		return rc;
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		struct sd_err err;
		sd_fail(&err, errno, "cannot start the handover watcher: %s", strerror(errno));
		return cli_error(&err);
	}
	if (pid == 0)
		run_watcher(o.pos[0], o.pos[1], o.timeout);
	waitpid(pid, NULL, 0);
	return EXIT_OK;
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
	return sdg_handover_finish(g, o->pos[1], o->force, o->timeout ? o->timeout : 10, err);
}

static int op_abort(struct sdg *g, const struct cli_opts *o, struct sd_err *err)
{
	return sdg_handover_abort(g, o->pos[1], err);
}

int cmd_migrate_prepare(int argc, char **argv)
{
	return cli_on_group_follow("migrate-prepare", argc, argv, OPT_FOLLOW | OPT_TIMEOUT,
				   op_prepare);
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
 * the source's release, then finish under the lock.  --force: the source
 * died; take the pool over once its heartbeat stood still for --timeout
 * (it must be fenced: docs/ha-migration.md). */
int cmd_migrate_finish(int argc, char **argv)
{
	struct cli_opts o;
	unsigned opts = OPT_TIMEOUT | OPT_FORCE;
	int rc = cli_parse_opts("migrate-finish", argc, argv, opts, 2, 2, &o);
	if (rc)
		return rc;
	if (o.force)
		return cli_on_group("migrate-finish", argc, argv, opts, 2, SDG_WRITE, op_finish);
	struct sd_err err = {0};
	if (sdg_handover_await(o.pos[0], o.pos[1], o.timeout ? o.timeout : 60, &err))
		return cli_error(&err);
	return cli_on_group("migrate-finish", argc, argv, opts, 2, SDG_WRITE, op_finish);
}
