/* stardm set-reserve GROUP PERCENT: the share of the group's extents kept
 * back for pools that grow as they are written (docs/stardm.8). */
#include <stdlib.h>

#include "cli.h"
#include "core/space.h"

static int op_set_reserve(struct sdg *g, const struct cli_opts *o, struct sd_err *err)
{
	char *end;
	long pct = strtol(o->pos[1], &end, 10);
	if (*end || end == o->pos[1] || pct < 0 || pct > 100)
		return sd_fail(err, SD_E_INVAL, "set-reserve: '%s' is not a percentage", o->pos[1]);
	return sdg_set_reserve(g, (unsigned)pct, err);
}

int cmd_set_reserve(int argc, char **argv)
{
	return cli_on_group("set-reserve", argc, argv, 0, 2, SDG_WRITE, op_set_reserve);
}
