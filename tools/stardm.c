/* stardm: entry point and command table.  The contract (docs/stardm.8):
 * one "stardm: ..." line on stderr and an exit status per error class
 * (cli_errors.c); --json prints one document. */
#include <stdio.h>
#include <string.h>

#include "base/trace.h"
#include "cli.h"
#include "version.h" /* generated: $(B)/version.h */

static const struct cmd commands[] = {
	{ "init", "DEVICE --name GROUP [--extent-size SIZE] [--metadata-size SIZE] [--reserve PERCENT] "
	  "[--format-version 1|2] [--force]", cmd_init },
	{ "scan", "[--json]", cmd_scan },
	{ "inspect", "DEVICE|GROUP [--json] [--check-pool]", cmd_inspect },
	{ "status", "GROUP [--json]", cmd_status },
	{ "list", "GROUP [--vmid N] [--json]", cmd_list },
	{ "create", "GROUP VOLUME --size SIZE [--chunk-size SIZE] [--provisioning thin|full]",
	  cmd_create },
	{ "clone", "GROUP BASE VOLUME [--chunk-size SIZE] [--provisioning thin|full]", cmd_clone },
	{ "remove", "GROUP VOLUME", cmd_remove },
	{ "resize", "GROUP VOLUME --size SIZE", cmd_resize },
	{ "snapshot", "GROUP VOLUME SNAP", cmd_snapshot },
	{ "rollback", "GROUP VOLUME SNAP", cmd_rollback },
	{ "delete-snapshot", "GROUP VOLUME SNAP", cmd_delete_snapshot },
	{ "activate", "GROUP VOLUME [--snapshot SNAP] [--readonly] [--force [--timeout SECONDS]] [--incoming] [--json]", cmd_activate },
	{ "deactivate", "GROUP VOLUME [--snapshot SNAP]", cmd_deactivate },
	{ "rename", "GROUP VOLUME NEWNAME", cmd_rename },
	{ "path", "GROUP VOLUME [--snapshot SNAP]", cmd_path },
	{ "wait", "GROUP --vmid N [--timeout SECONDS] [--json]", cmd_wait },
	{ "migrate-prepare", "GROUP VOLUME [--follow [--timeout SECONDS]]", cmd_migrate_prepare },
	{ "migrate-gate", "GROUP VOLUME", cmd_migrate_gate },
	{ "migrate-release", "GROUP VOLUME", cmd_migrate_release },
	{ "migrate-finish", "GROUP VOLUME [--timeout SECONDS] [--force]", cmd_migrate_finish },
	{ "migrate-abort", "GROUP VOLUME", cmd_migrate_abort },
	{ "grow", "GROUP [--json]", cmd_grow },
	{ "convert", "GROUP --format-version 1|2 [--force] [--json]", cmd_convert },
	{ "extend-pool", "GROUP --vmid N --size SIZE", cmd_extend_pool },
	{ "repair-pool", "GROUP --vmid N", cmd_repair_pool },
	{ "monitor", "GROUP [--interval SECONDS] [--once] [--pve-dir DIR] [--grow-pct N] "
	  "[--grow-min SIZE] [--no-space-timeout SECONDS]", cmd_monitor },
	{ "autoactivate", "GROUP [--json]", cmd_autoactivate },
	{ "set-autoactivate", "GROUP VOLUME on|off", cmd_set_autoactivate },
	{ "set-discards", "GROUP on|off", cmd_set_discards },
	{ "set-reserve", "GROUP PERCENT", cmd_set_reserve },
	{ "udev-probe", "DEVICE   (for udev rules)", cmd_udev_probe },
	{ "udev-name", "DM_NAME DM_UUID   (for udev rules)", cmd_udev_name },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	fprintf(f, "usage: stardm COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  stardm %s %s\n", commands[i].name, commands[i].usage);
	fprintf(f, "\nSIZE: bytes, or with a K/M/G/T suffix (powers of 1024).\n"
		   "GROUP: a group name, or the path of the device that holds it.\n"
		   "stardm --version prints the version.\n");
}

static int help(int argc, char **argv)
{
	if (argc > 1)
		for (size_t i = 0; i < NCOMMANDS; i++)
			if (!strcmp(argv[1], commands[i].name)) {
				printf("usage: stardm %s %s\n", commands[i].name, commands[i].usage);
				return EXIT_OK;
			}
	usage(stdout);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return cli_usage(NULL, "missing command (see 'stardm help')");
	const char *name = argv[1];
	sd_trace_command(name);
	if (!strcmp(name, "help") || !strcmp(name, "--help") || !strcmp(name, "-h"))
		return help(argc - 1, argv + 1);
	if (!strcmp(name, "--version") || !strcmp(name, "version")) {
		printf("stardm %s\n", STARDM_VERSION);
		return EXIT_OK;
	}
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(name, commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	return cli_usage(NULL, "unknown command '%s' (see 'stardm help')", name);
}
