/* stardm set-discards GROUP on|off: whether the extents a removed pool
 * frees are discarded on the LUN (docs/stardm.8). */
#include <string.h>

#include "cli.h"
#include "core/discard.h"

static int op_set_discards(struct sdg *g, const struct cli_opts *o, struct sd_err *err)
{
	bool on = !strcmp(o->pos[1], "on");
	if (!on && strcmp(o->pos[1], "off"))
		return sd_fail(err, SD_E_INVAL, "set-discards: say on or off, not '%s'", o->pos[1]);
	return sdg_set_discards(g, on, err);
}

int cmd_set_discards(int argc, char **argv)
{
	return cli_on_group("set-discards", argc, argv, 0, 2, SDG_WRITE, op_set_discards);
}
