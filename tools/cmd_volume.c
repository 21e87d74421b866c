/* Volume commands of the contract (DESIGN-BRIEF section 6). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "core/pool.h"
#include "metadata/ops.h"

/* Every volume command: parse, open GROUP (locked for writing unless it
 * only reads), run one orchestration call, print its one error line. */
typedef int (*group_op)(struct sdg *g, const struct cli_opts *o, struct sd_err *err);

static int on_group(const char *cmd, int argc, char **argv, unsigned allowed, int npos,
		    int flags, group_op op)
{
	struct cli_opts o;
	int rc = cli_parse_opts(cmd, argc, argv, allowed, npos, npos, &o);
	if (rc)
		return rc;
	if ((allowed & OPT_SIZE) && !o.has_size)
		return cli_usage(cmd, "%s: --size SIZE is required", cmd);
	struct sd_err err = {{0}};
	struct sdg *g;
	if (sdg_open(o.pos[0], flags, &g, &err))
		return cli_error(&err);
	rc = op(g, &o, &err);
	sdg_close(g);
	return rc ? cli_error(&err) : EXIT_OK;
}

static int op_create(struct sdg *g, const struct cli_opts *o, struct sd_err *err)
{
	return sdg_volume_create(g, o->pos[1], o->size, err);
}

static int op_remove(struct sdg *g, const struct cli_opts *o, struct sd_err *err)
{
	return sdg_volume_remove(g, o->pos[1], err);
}

static int op_resize(struct sdg *g, const struct cli_opts *o, struct sd_err *err)
{
	return sdg_volume_resize(g, o->pos[1], o->size, err);
}

static int op_snapshot(struct sdg *g, const struct cli_opts *o, struct sd_err *err)
{
	return sdg_snapshot_create(g, o->pos[1], o->pos[2], err);
}

static int op_rollback(struct sdg *g, const struct cli_opts *o, struct sd_err *err)
{
	return sdg_snapshot_rollback(g, o->pos[1], o->pos[2], err);
}

static int op_delete_snapshot(struct sdg *g, const struct cli_opts *o, struct sd_err *err)
{
	return sdg_snapshot_delete(g, o->pos[1], o->pos[2], err);
}

static int op_activate(struct sdg *g, const struct cli_opts *o, struct sd_err *err)
{
	char path[PATH_MAX];
	int rc = sdg_volume_activate(g, o->pos[1], o->snapshot, o->readonly, path, err);
	if (rc == 0)
		printf("%s\n", path);
	return rc;
}

static int op_deactivate(struct sdg *g, const struct cli_opts *o, struct sd_err *err)
{
	return sdg_volume_deactivate(g, o->pos[1], err);
}

static int op_path(struct sdg *g, const struct cli_opts *o, struct sd_err *err)
{
	if (!sd_find_volume(&g->state, o->pos[1]))
		return sd_fail(err, SD_E_NOTFOUND, "volume %s does not exist", o->pos[1]);
	char path[PATH_MAX];
	sdg_volume_path(g, o->pos[1], o->snapshot, path);
	printf("%s\n", path);
	return 0;
}

int cmd_create(int argc, char **argv)
{
	return on_group("create", argc, argv, OPT_SIZE, 2, SDG_WRITE, op_create);
}

int cmd_remove(int argc, char **argv)
{
	return on_group("remove", argc, argv, 0, 2, SDG_WRITE, op_remove);
}

int cmd_resize(int argc, char **argv)
{
	return on_group("resize", argc, argv, OPT_SIZE, 2, SDG_WRITE, op_resize);
}

int cmd_snapshot(int argc, char **argv)
{
	return on_group("snapshot", argc, argv, 0, 3, SDG_WRITE, op_snapshot);
}

int cmd_rollback(int argc, char **argv)
{
	return on_group("rollback", argc, argv, 0, 3, SDG_WRITE, op_rollback);
}

int cmd_delete_snapshot(int argc, char **argv)
{
	return on_group("delete-snapshot", argc, argv, 0, 3, SDG_WRITE, op_delete_snapshot);
}

int cmd_activate(int argc, char **argv)
{
	return on_group("activate", argc, argv, OPT_SNAPSHOT | OPT_READONLY, 2, SDG_WRITE, op_activate);
}

int cmd_deactivate(int argc, char **argv)
{
	return on_group("deactivate", argc, argv, 0, 2, SDG_WRITE, op_deactivate);
}

int cmd_path(int argc, char **argv)
{
	return on_group("path", argc, argv, OPT_SNAPSHOT, 2, 0, op_path);
}

int cmd_list(int argc, char **argv)
{
	struct cli_opts o;
	int rc = cli_parse_opts("list", argc, argv, OPT_JSON | OPT_VMID, 1, 1, &o);
	if (rc)
		return rc;
	struct sd_err err = {{0}};
	struct sdg *g;
	if (sdg_open(o.pos[0], 0, &g, &err))
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
