/* The two commands stardm's udev rules import (IMPORT{program}): they print
 * udev properties, one KEY=value per line, and exit 3 (not found) when the
 * device is not stardm's, printing nothing.  A LUN's properties and a
 * volume's have different names: commands find a group's LUN by
 * STARDM_GROUP_NAME, which no volume carries. */
#include <stdio.h>

#include "cli.h"
#include "core/group.h"
#include "core/lun_hint.h"
#include "core/scan.h"
#include "core/udev_props.h"

/* udev-probe DEVICE: the group whose label DEVICE carries. */
int cmd_udev_probe(int argc, char **argv)
{
	struct cli_opts o;
	int rc = cli_parse_opts("udev-probe", argc, argv, 0, 1, 1, &o);
	if (rc)
		return rc;
	struct sdg_found f;
	if (sdg_probe(o.pos[0], &f) != 1)
		return EXIT_NOT_FOUND;
	char uuid[37];
	sdg_uuid_format(f.geo.uuid, uuid);
	/* a device with the group came or changed: commands ask the database */
	sdg_lun_hint_forget(f.geo.name);
	sdg_lun_hint_forget(uuid);
	printf("STARDM_GROUP_NAME=%s\nSTARDM_GROUP_UUID=%s\nSTARDM_LABEL=%s\n", f.geo.name, uuid,
	       f.label_valid[0] && f.label_valid[1] ? "both" : f.label_valid[0] ? "start" : "end");
	return EXIT_OK;
}

/* udev-name DM_NAME DM_UUID: the group, volume and snapshot of a volume's
 * dm device. */
int cmd_udev_name(int argc, char **argv)
{
	struct cli_opts o;
	int rc = cli_parse_opts("udev-name", argc, argv, 0, 2, 2, &o);
	if (rc)
		return rc;
	struct sdg_volume_names n;
	if (sdg_udev_volume(o.pos[0], o.pos[1], &n))
		return EXIT_NOT_FOUND;
	char text[512];
	sdg_udev_names_format(&n, text, sizeof(text));
	fputs(text, stdout);
	return EXIT_OK;
}
