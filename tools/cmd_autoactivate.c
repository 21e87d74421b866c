/* autoactivate: what stardm-autoactivate@.service runs when a group's LUN
 * appears; set-autoactivate marks the volumes it activates. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "core/autoactivate.h"
#include "core/group.h"

static int op_autoactivate(struct sdg *g, const struct cli_opts *o, struct sd_err *err)
{
	struct sdg_autoactivation r;
	int rc = sdg_autoactivate(g, &r, err);
	if (o->json) {
		json_object *j = json_object_new_object();
		json_object_object_add(j, "group", json_object_new_string(sdg_name(g)));
		json_object_object_add(j, "released", cli_json_u64(r.released));
		json_object_object_add(j, "activated", cli_json_u64(r.activated));
		json_object_object_add(j, "withdrawn", cli_json_u64(r.withdrawn));
		json_object_object_add(j, "failed", cli_json_u64(r.failed));
		if (!rc)
			cli_print_json(j);
		else if (r.failed) /* what did start, beside the last failure */
			cli_json_error_into(j);
		else
			json_object_put(j);
	} else if (!rc || r.released || r.activated || r.withdrawn || r.failed) {
		printf("group %s: %u pools released, %u volumes activated, %u handovers withdrawn%s\n",
		       sdg_name(g), r.released, r.activated, r.withdrawn, r.failed ? ", some failed" : "");
	}
	return rc;
}

static int op_set_autoactivate(struct sdg *g, const struct cli_opts *o, struct sd_err *err)
{
	bool on = !strcmp(o->pos[2], "on");
	if (!on && strcmp(o->pos[2], "off"))
		return sd_fail(err, SD_E_INVAL, "set-autoactivate: say on or off, not '%s'", o->pos[2]);
	return sdg_volume_set_autoactivate(g, o->pos[1], on, err);
}

int cmd_autoactivate(int argc, char **argv)
{
	return cli_on_group("autoactivate", argc, argv, OPT_JSON, 1, SDG_WRITE, op_autoactivate);
}

int cmd_set_autoactivate(int argc, char **argv)
{
	return cli_on_group("set-autoactivate", argc, argv, 0, 3, SDG_WRITE, op_set_autoactivate);
}
