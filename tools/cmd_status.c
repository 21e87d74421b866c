/* stardm status GROUP [--json]: the group's space, and the pools live on
 * this node as the kernel sees them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/discard.h"
#include "core/group.h"
#include "core/pool.h"
#include "core/space.h"

/* Provisioned against the LUN's data space: above 1, the volumes could
 * hold more than the LUN if all were written (thin pools). */
static double overcommit(const struct sdg_space *sp)
{
	return sp->total ? (double)sp->provisioned / (double)sp->total : 0;
}

static void print_space(const struct sdg *g, const struct sdg_space *sp)
{
	char t[32], u[32], f[32], p[32];
	printf("group %s on %s: total %s, used %s, free %s; %zu pools (%u thin), %zu volumes\n",
	       sdg_name(g), sdg_device(g), cli_human(sp->total, t, sizeof(t)),
	       cli_human(sp->used, u, sizeof(u)), cli_human(sp->free, f, sizeof(f)),
	       sdg_records(g)->pools.n, sp->thin_pools, sdg_records(g)->volumes.n);
	printf("  provisioned %s: %.2fx the group's space; freed extents %s\n",
	       cli_human(sp->provisioned, p, sizeof(p)), overcommit(sp),
	       sdg_discards(g) ? "discarded on the LUN" : "not discarded (set-discards off)");
	char r[32], a[32];
	printf("  reserve %s (%u%%) kept for pool growth; %s available for new disks\n",
	       cli_human(sp->reserve, r, sizeof(r)), sp->reserve_pct,
	       cli_human(sp->available, a, sizeof(a)));
	if (sp->level == SDG_SPACE_LOW)
		printf("  WARNING: free space low: %s free, then the reserve of %s\n", f, r);
	else if (sp->level == SDG_SPACE_RESERVE)
		printf("  WARNING: pools grew into the reserve: %s free of its %s; new disks are "
		       "refused; add space (stardm grow) or free some\n", f, r);
	else if (sp->level == SDG_SPACE_FULL)
		printf("  WARNING: no free space: pools that must grow are starving; add space "
		       "(stardm grow) or free some\n");
	if (sp->device_size > sp->group_size)
		printf("  the device has %s more than the group: 'stardm grow %s' takes it in\n",
		       cli_human(sp->device_size - sp->group_size, p, sizeof(p)), sdg_name(g));
}

static int op_status(struct sdg *g, const struct cli_opts *o, struct sd_err *err)
{
	(void)err;
	struct sdg_space sp;
	sdg_space(g, &sp);
	if (!o->json)
		print_space(g, &sp);
	json_object *live = json_object_new_array();
	bool *here = sdg_pools_here(g);
	for (size_t i = 0; i < sdg_records(g)->pools.n; i++) {
		const struct sd_pool *p = &sdg_records(g)->pools.v[i];
		struct sdg_pool_live l;
		if ((here && !here[i]) || sdg_pool_live(g, p, &l) || !l.active)
			continue;
		json_object_array_add(live, cli_pool_live_json(p, &l));
		if (!o->json) {
			uint64_t chunk = (uint64_t)p->chunk_sectors * 512;
			char u[32], t[32];
			printf("  pool of vm %u active here: %s of %s written%s%s\n", p->vmid,
			       cli_human(l.data_used * chunk, u, sizeof(u)),
			       cli_human(l.data_total * chunk, t, sizeof(t)),
			       l.mismatch ? ", TRANSACTION MISMATCH" : "",
			       l.out_of_data_space ? ", OUT OF DATA SPACE" : "");
		}
	}
	free(here);
	unsigned queue_s;
	bool known = sdg_no_space_timeout(-1, &queue_s, NULL) == 0;
	if (!o->json && known)
		printf("  pools out of space on this node queue writes for %u s, then fail them "
		       "(no_space_timeout)\n", queue_s);
	bool monitor = cli_monitor_running(g);
	struct cli_beat_health beat;
	if (!monitor || !cli_monitor_health(g, &beat))
		memset(&beat, 0, sizeof(beat));
	if (!o->json) {
		json_object_put(live);
		if (monitor && beat.failures)
			printf("  monitor: running on this node; HEARTBEAT WRITES FAILED %llu times, "
			       "last: %s\n", (unsigned long long)beat.failures, beat.last_error);
		else if (monitor)
			printf("  monitor: running on this node\n");
		else
			printf("  monitor: NOT RUNNING on this node: pools live here do not grow, no "
			       "migration is released at its commit point, and no heartbeat holds off "
			       "forced takeovers (systemctl enable --now stardm-monitor@%s)\n",
			       sdg_name(g));
		return 0;
	}
	json_object *j = json_object_new_object();
	json_object_object_add(j, "group", json_object_new_string(sdg_name(g)));
	json_object_object_add(j, "device", json_object_new_string(sdg_device(g)));
	json_object_object_add(j, "total", cli_json_u64(sp.total));
	json_object_object_add(j, "used", cli_json_u64(sp.used));
	json_object_object_add(j, "free", cli_json_u64(sp.free));
	json_object_object_add(j, "reserve_pct", json_object_new_int((int)sp.reserve_pct));
	json_object_object_add(j, "reserve", cli_json_u64(sp.reserve));
	json_object_object_add(j, "available", cli_json_u64(sp.available));
	json_object_object_add(j, "space", json_object_new_string(sdg_space_level_name(sp.level)));
	json_object_object_add(j, "group_size", cli_json_u64(sp.group_size));
	json_object_object_add(j, "device_size", cli_json_u64(sp.device_size));
	json_object_object_add(j, "extent_size", cli_json_u64(sp.extent_size));
	json_object_object_add(j, "extents_total", cli_json_u64(sp.extents_total));
	json_object_object_add(j, "extents_free", cli_json_u64(sp.extents_free));
	json_object_object_add(j, "provisioned", cli_json_u64(sp.provisioned));
	json_object_object_add(j, "overcommit", json_object_new_double(overcommit(&sp)));
	json_object_object_add(j, "pools", cli_json_u64(sdg_records(g)->pools.n));
	json_object_object_add(j, "thin_pools", cli_json_u64(sp.thin_pools));
	json_object_object_add(j, "discards", json_object_new_boolean(sdg_discards(g)));
	json_object_object_add(j, "no_space_timeout", known ? json_object_new_int((int)queue_s) : NULL);
	json_object_object_add(j, "volumes", cli_json_u64(sdg_records(g)->volumes.n));
	json_object_object_add(j, "active_pools", live);
	json_object_object_add(j, "monitor_running", json_object_new_boolean(monitor));
	json_object_object_add(j, "heartbeat_failures", cli_json_u64(beat.failures));
	if (beat.failures) {
		json_object_object_add(j, "heartbeat_last_failure_ns", cli_json_u64(beat.last_failure_ns));
		json_object_object_add(j, "heartbeat_last_error", json_object_new_string(beat.last_error));
	}
	cli_print_json(j);
	return 0;
}

int cmd_status(int argc, char **argv)
{
	return cli_on_group("status", argc, argv, OPT_JSON, 1, 0, op_status);
}
