#include <stdio.h>

#include "cli.h"
#include "core/group.h"

int cmd_status(int argc, char **argv)
{
	struct cli_opts o;
	int rc = cli_parse_opts("status", argc, argv, OPT_JSON, 1, 1, &o);
	if (rc)
		return rc;
	struct sd_err err = {{0}};
	struct sdg *g;
	if (sdg_open(o.pos[0], 0, &g, &err))
		return cli_error(&err);
	struct sdg_space sp;
	sdg_space(g, &sp);
	if (o.json) {
		json_object *j = json_object_new_object();
		json_object_object_add(j, "group", json_object_new_string(g->st->geo.name));
		json_object_object_add(j, "device", json_object_new_string(g->path));
		json_object_object_add(j, "total", cli_json_u64(sp.total));
		json_object_object_add(j, "used", cli_json_u64(sp.used));
		json_object_object_add(j, "free", cli_json_u64(sp.free));
		json_object_object_add(j, "extent_size", cli_json_u64(sp.extent_size));
		json_object_object_add(j, "extents_total", cli_json_u64(sp.extents_total));
		json_object_object_add(j, "extents_free", cli_json_u64(sp.extents_free));
		json_object_object_add(j, "pools", cli_json_u64(g->state.pools.n));
		json_object_object_add(j, "volumes", cli_json_u64(g->state.volumes.n));
		cli_print_json(j);
	} else {
		char t[32], u[32], f[32];
		printf("group %s on %s: total %s, used %s, free %s; %zu pools, %zu volumes\n",
		       g->st->geo.name, g->path, cli_human(sp.total, t, sizeof(t)),
		       cli_human(sp.used, u, sizeof(u)), cli_human(sp.free, f, sizeof(f)),
		       g->state.pools.n, g->state.volumes.n);
	}
	sdg_close(g);
	return EXIT_OK;
}
