/* Volume commands of the contract (DESIGN-BRIEF section 6). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "core/pool.h"
#include "metadata/ops.h"

/* Open GROUP for writing, run op, close; errors as one line. */
static int with_group(const char *group, int flags, struct sdg **g, struct sd_err *err)
{
	return sdg_open(group, flags, g, err);
}

static int finish(struct sdg *g, int rc, const struct sd_err *err)
{
	sdg_close(g);
	return rc ? cli_error(err) : EXIT_OK;
}

int cmd_create(int argc, char **argv)
{
	struct cli_opts o;
	int rc = cli_parse_opts("create", argc, argv, OPT_SIZE, 2, 2, &o);
	if (rc)
		return rc;
	if (!o.has_size)
		return cli_usage("create", "create: --size SIZE is required");
	struct sd_err err = {{0}};
	struct sdg *g;
	if (with_group(o.pos[0], SDG_WRITE, &g, &err))
		return cli_error(&err);
	return finish(g, sdg_volume_create(g, o.pos[1], o.size, &err), &err);
}

int cmd_remove(int argc, char **argv)
{
	struct cli_opts o;
	int rc = cli_parse_opts("remove", argc, argv, 0, 2, 2, &o);
	if (rc)
		return rc;
	struct sd_err err = {{0}};
	struct sdg *g;
	if (with_group(o.pos[0], SDG_WRITE, &g, &err))
		return cli_error(&err);
	return finish(g, sdg_volume_remove(g, o.pos[1], &err), &err);
}

int cmd_resize(int argc, char **argv)
{
	struct cli_opts o;
	int rc = cli_parse_opts("resize", argc, argv, OPT_SIZE, 2, 2, &o);
	if (rc)
		return rc;
	if (!o.has_size)
		return cli_usage("resize", "resize: --size SIZE is required");
	struct sd_err err = {{0}};
	struct sdg *g;
	if (with_group(o.pos[0], SDG_WRITE, &g, &err))
		return cli_error(&err);
	return finish(g, sdg_volume_resize(g, o.pos[1], o.size, &err), &err);
}

/* snapshot, rollback, delete-snapshot: GROUP VOLUME SNAP */
static int snap_cmd(const char *name, int argc, char **argv,
		    int (*op)(struct sdg *, const char *, const char *, struct sd_err *))
{
	struct cli_opts o;
	int rc = cli_parse_opts(name, argc, argv, 0, 3, 3, &o);
	if (rc)
		return rc;
	struct sd_err err = {{0}};
	struct sdg *g;
	if (with_group(o.pos[0], SDG_WRITE, &g, &err))
		return cli_error(&err);
	return finish(g, op(g, o.pos[1], o.pos[2], &err), &err);
}

int cmd_snapshot(int argc, char **argv) { return snap_cmd("snapshot", argc, argv, sdg_snapshot_create); }
int cmd_rollback(int argc, char **argv) { return snap_cmd("rollback", argc, argv, sdg_snapshot_rollback); }
int cmd_delete_snapshot(int argc, char **argv)
{
	return snap_cmd("delete-snapshot", argc, argv, sdg_snapshot_delete);
}

int cmd_activate(int argc, char **argv)
{
	struct cli_opts o;
	int rc = cli_parse_opts("activate", argc, argv, OPT_SNAPSHOT | OPT_READONLY, 2, 2, &o);
	if (rc)
		return rc;
	struct sd_err err = {{0}};
	struct sdg *g;
	char path[PATH_MAX];
	if (with_group(o.pos[0], SDG_WRITE, &g, &err))
		return cli_error(&err);
	rc = sdg_volume_activate(g, o.pos[1], o.snapshot, o.readonly, path, &err);
	if (rc == 0)
		printf("%s\n", path);
	return finish(g, rc, &err);
}

int cmd_deactivate(int argc, char **argv)
{
	struct cli_opts o;
	int rc = cli_parse_opts("deactivate", argc, argv, 0, 2, 2, &o);
	if (rc)
		return rc;
	struct sd_err err = {{0}};
	struct sdg *g;
	if (with_group(o.pos[0], SDG_WRITE, &g, &err))
		return cli_error(&err);
	return finish(g, sdg_volume_deactivate(g, o.pos[1], &err), &err);
}

int cmd_path(int argc, char **argv)
{
	struct cli_opts o;
	int rc = cli_parse_opts("path", argc, argv, OPT_SNAPSHOT, 2, 2, &o);
	if (rc)
		return rc;
	struct sd_err err = {{0}};
	struct sdg *g;
	if (with_group(o.pos[0], 0, &g, &err))
		return cli_error(&err);
	struct sd_volume *v = sd_find_volume(&g->state, o.pos[1]);
	if (!v) {
		sd_fail(&err, SD_E_NOTFOUND, "volume %s does not exist", o.pos[1]);
		return finish(g, -1, &err);
	}
	char path[PATH_MAX];
	sdg_volume_path(g, o.pos[1], o.snapshot, path);
	printf("%s\n", path);
	return finish(g, 0, &err);
}

int cmd_list(int argc, char **argv)
{
	struct cli_opts o;
	int rc = cli_parse_opts("list", argc, argv, OPT_JSON | OPT_VMID, 1, 1, &o);
	if (rc)
		return rc;
	struct sd_err err = {{0}};
	struct sdg *g;
	if (with_group(o.pos[0], 0, &g, &err))
		return cli_error(&err);
	json_object *arr = json_object_new_array();
	for (size_t i = 0; i < g->state.volumes.n; i++) {
		const struct sd_volume *v = &g->state.volumes.v[i];
		const struct sd_pool *p = sd_find_pool(&g->state, v->pool_id);
		if (o.vmid > 0 && p->vmid != (uint32_t)o.vmid)
			continue;
		char path[PATH_MAX];
		sdg_volume_path(g, v->name, NULL, path);
		bool active = sdg_volume_active(g, v->name, NULL);
		json_object *j = json_object_new_object(), *snaps = json_object_new_array();
		for (size_t k = 0; k < g->state.snapshots.n; k++)
			if (g->state.snapshots.v[k].volume_id == v->id)
				json_object_array_add(snaps, json_object_new_string(g->state.snapshots.v[k].name));
		json_object_object_add(j, "name", json_object_new_string(v->name));
		json_object_object_add(j, "vmid", cli_json_u64(p->vmid));
		json_object_object_add(j, "size", cli_json_u64(v->size));
		json_object_object_add(j, "template", json_object_new_boolean(v->flags & SD_VOL_BASE));
		json_object_object_add(j, "active", json_object_new_boolean(active));
		json_object_object_add(j, "path", json_object_new_string(path));
		json_object_object_add(j, "snapshots", snaps);
		if (!o.json) {
			char h[32];
			printf("%-28s vm %-6u %10s %s %zu snapshots\n", v->name, p->vmid,
			       cli_human(v->size, h, sizeof(h)), active ? "active  " : "inactive",
			       json_object_array_length(snaps));
		}
		json_object_array_add(arr, j);
	}
	if (o.json) {
		json_object *doc = json_object_new_object();
		json_object_object_add(doc, "volumes", arr);
		cli_print_json(doc);
	} else {
		json_object_put(arr);
	}
	sdg_close(g);
	return EXIT_OK;
}
