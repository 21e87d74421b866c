#include <stdio.h>

#include "cli.h"
#include "core/group.h"
#include "core/pool.h"

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
	/* pools live on this node: the kernel's view of their thin usage */
	json_object *live = json_object_new_array();
	for (size_t i = 0; i < g->state.pools.n; i++) {
		const struct sd_pool *p = &g->state.pools.v[i];
		struct sdg_pool_live l;
		if (sdg_pool_live(g, p, &l) || !l.active)
			continue;
		uint64_t chunk = (uint64_t)p->chunk_sectors * 512;
		json_object *j = json_object_new_object();
		json_object_object_add(j, "vmid", cli_json_u64(p->vmid));
		json_object_object_add(j, "data_used", cli_json_u64(l.data_used * chunk));
		json_object_object_add(j, "data_total", cli_json_u64(l.data_total * chunk));
		json_object_object_add(j, "transaction_id", cli_json_u64(l.transaction_id));
		json_object_object_add(j, "mismatch", json_object_new_boolean(l.mismatch));
		json_object_object_add(j, "needs_check", json_object_new_boolean(l.needs_check));
		json_object_object_add(j, "out_of_data_space", json_object_new_boolean(l.out_of_data_space));
		json_object_array_add(live, j);
		if (!o.json) {
			char u[32], t[32];
			printf("  pool of vm %u active here: %s of %s written%s%s\n", p->vmid,
			       cli_human(l.data_used * chunk, u, sizeof(u)),
			       cli_human(l.data_total * chunk, t, sizeof(t)),
			       l.mismatch ? ", TRANSACTION MISMATCH" : "",
			       l.out_of_data_space ? ", OUT OF DATA SPACE" : "");
		}
	}
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
		json_object_object_add(j, "active_pools", live);
		cli_print_json(j);
	} else {
		char t[32], u[32], f[32];
		printf("group %s on %s: total %s, used %s, free %s; %zu pools, %zu volumes\n",
		       g->st->geo.name, g->path, cli_human(sp.total, t, sizeof(t)),
		       cli_human(sp.used, u, sizeof(u)), cli_human(sp.free, f, sizeof(f)),
		       g->state.pools.n, g->state.volumes.n);
		json_object_put(live);
	}
	sdg_close(g);
	return EXIT_OK;
}
