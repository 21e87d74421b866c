/* The volume commands (docs/stardm.8). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/activate.h"
#include "core/pool.h"
#include "core/template.h"
#include "core/volume.h"

static int op_create(struct sdg *g, const struct cli_opts *o, struct sd_err *err)
{
	struct sdg_create_opts c = { .chunk_bytes = o->chunk_size,
				     .prov = (enum sdg_provisioning)o->provisioning };
	return sdg_volume_create(g, o->pos[1], o->size, &c, err);
}

static int op_clone(struct sdg *g, const struct cli_opts *o, struct sd_err *err)
{
	struct sdg_create_opts c = { .chunk_bytes = o->chunk_size,
				     .prov = (enum sdg_provisioning)o->provisioning };
	return sdg_volume_clone(g, o->pos[1], o->pos[2], &c, err);
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
	struct sdg_activation_req req = { o->snapshot, o->readonly, o->force, o->timeout,
					   o->incoming };
	enum sdg_activation how;
	char path[PATH_MAX];
	int rc = sdg_activate(g, o->pos[1], &req, path, &how, err);
	if (rc)
		return rc;
	cli_print_path(path, o->json);
	if (how == SDG_ACTIVATED_PLACEHOLDER)
		return CLI_FOLLOW; /* a watcher finishes it once the source lets go */
	if (!cli_monitor_running(g))
		fprintf(stderr, "stardm: warning: no monitor runs for group %s on this node: the "
			"pool will not grow on its own (systemctl enable --now stardm-monitor@%s)\n",
			sdg_name(g), sdg_name(g));
	return 0;
}

static int op_deactivate(struct sdg *g, const struct cli_opts *o, struct sd_err *err)
{
	return sdg_volume_deactivate(g, o->pos[1], o->snapshot, err);
}

static int op_rename(struct sdg *g, const struct cli_opts *o, struct sd_err *err)
{
	return sdg_volume_rename(g, o->pos[1], o->pos[2], err);
}

static int op_path(struct sdg *g, const struct cli_opts *o, struct sd_err *err)
{
	struct sd_volume *v;
	struct sd_pool *p;
	if (sdg_volume_lookup(g, o->pos[1], &v, &p, err))
		return -1;
	char path[PATH_MAX];
	sdg_volume_path(g, o->pos[1], o->snapshot, path);
	printf("%s\n", path);
	return 0;
}

int cmd_create(int argc, char **argv)
{
	return cli_on_group("create", argc, argv, OPT_SIZE | OPT_CHUNK | OPT_PROVISIONING, 2,
			    SDG_WRITE, op_create);
}

int cmd_clone(int argc, char **argv)
{
	return cli_on_group("clone", argc, argv, OPT_CHUNK | OPT_PROVISIONING, 3, SDG_WRITE,
			    op_clone);
}

int cmd_remove(int argc, char **argv)
{
	return cli_on_group("remove", argc, argv, 0, 2, SDG_WRITE, op_remove);
}

int cmd_resize(int argc, char **argv)
{
	return cli_on_group("resize", argc, argv, OPT_SIZE, 2, SDG_WRITE, op_resize);
}

int cmd_snapshot(int argc, char **argv)
{
	return cli_on_group("snapshot", argc, argv, 0, 3, SDG_WRITE, op_snapshot);
}

int cmd_rollback(int argc, char **argv)
{
	return cli_on_group("rollback", argc, argv, 0, 3, SDG_WRITE, op_rollback);
}

int cmd_delete_snapshot(int argc, char **argv)
{
	return cli_on_group("delete-snapshot", argc, argv, 0, 3, SDG_WRITE, op_delete_snapshot);
}

int cmd_activate(int argc, char **argv)
{
	return cli_on_group_follow("activate", argc, argv,
				   OPT_SNAPSHOT | OPT_READONLY | OPT_FORCE | OPT_TIMEOUT | OPT_INCOMING |
				   OPT_JSON, op_activate);
}

int cmd_deactivate(int argc, char **argv)
{
	return cli_on_group("deactivate", argc, argv, OPT_SNAPSHOT, 2, SDG_WRITE, op_deactivate);
}

int cmd_rename(int argc, char **argv)
{
	return cli_on_group("rename", argc, argv, 0, 3, SDG_WRITE, op_rename);
}

int cmd_path(int argc, char **argv)
{
	return cli_on_group("path", argc, argv, OPT_SNAPSHOT, 2, 0, op_path);
}

/* A snapshot's place in the group's list, to order them by volume. */
struct snap_pos {
	uint32_t volume_id;
	size_t at;
};

static int snap_pos_cmp(const void *x, const void *y)
{
	const struct snap_pos *a = x, *b = y;
	if (a->volume_id != b->volume_id)
		return a->volume_id < b->volume_id ? -1 : 1;
	return a->at < b->at ? -1 : a->at > b->at;
}

/* The group's snapshots ordered by volume id, each volume's in their
 * order: a volume's snapshots are one run, found by a search instead of a
 * pass over every snapshot (which made a thousand VMs' list quadratic). */
static struct snap_pos *snapshots_by_volume(const struct sd_state *r)
{
	struct snap_pos *k = malloc((r->snapshots.n + 1) * sizeof(*k));
	for (size_t i = 0; k && i < r->snapshots.n; i++)
		k[i] = (struct snap_pos){ r->snapshots.v[i].volume_id, i };
	if (k)
		qsort(k, r->snapshots.n, sizeof(*k), snap_pos_cmp);
	return k;
}

/* The run of volume id's snapshots in the index above: its first entry,
 * and *count of them. */
static size_t snapshot_run(const struct sd_state *r, const struct snap_pos *k, uint32_t id,
			   size_t *count)
{
	size_t lo = 0, hi = r->snapshots.n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (k[mid].volume_id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (hi = lo; hi < r->snapshots.n && k[hi].volume_id == id; hi++)
		;
	*count = hi - lo;
	return lo;
}

/* The snapshots of volume id, from the index above. */
static json_object *snapshots_json(const struct sd_state *r, const struct snap_pos *k, uint32_t id)
{
	size_t count;
	size_t first = snapshot_run(r, k, id, &count);
	json_object *snaps = json_object_new_array();
	for (size_t i = first; i < first + count; i++) {
		const struct sd_snapshot *n = &r->snapshots.v[k[i].at];
		json_object *sj = json_object_new_object();
		json_object_object_add(sj, "name", json_object_new_string(n->name));
		json_object_object_add(sj, "size", cli_json_u64(n->size));
		json_object_object_add(sj, "created", cli_json_u64(n->created_ns / 1000000000));
		/* unique per snapshot even when a name is reused */
		json_object_object_add(sj, "id", cli_json_u64(n->created_ns));
		json_object_array_add(snaps, sj);
	}
	return snaps;
}

static json_object *volume_json(struct sdg *g, const struct sd_volume *v, uint32_t vmid,
				json_object *snaps, bool active, const char *path)
{
	json_object *j = json_object_new_object();
	json_object_object_add(j, "name", json_object_new_string(v->name));
	json_object_object_add(j, "vmid", cli_json_u64(vmid));
	json_object_object_add(j, "size", cli_json_u64(v->size));
	json_object_object_add(j, "created", cli_json_u64(v->created_ns / 1000000000));
	json_object_object_add(j, "template", json_object_new_boolean(v->flags & SD_VOL_BASE));
	const char *base = sdg_clone_base(g, v);
	json_object_object_add(j, "base", base ? json_object_new_string(base) : NULL);
	json_object_object_add(j, "active", json_object_new_boolean(active));
	json_object_object_add(j, "autoactivate",
			       json_object_new_boolean(v->flags & SD_VOL_AUTOACTIVATE));
	json_object_object_add(j, "path", json_object_new_string(path));
	json_object_object_add(j, "snapshots", snaps);
	return j;
}

static int op_list(struct sdg *g, const struct cli_opts *o, struct sd_err *err)
{
	const struct sd_state *r = sdg_records(g);
	struct snap_pos *by_volume = snapshots_by_volume(r);
	if (!by_volume)
		return sd_fail(err, ENOMEM, "out of memory");
	json_object *arr = o->json ? json_object_new_array() : NULL;
	for (size_t i = 0; i < r->volumes.n; i++) {
		const struct sd_volume *v = &r->volumes.v[i];
		const struct sd_pool *p = sdg_pool_by_id(g, v->pool_id);
		if (o->vmid > 0 && p->vmid != (uint32_t)o->vmid)
			continue;
		bool active = sdg_volume_active(g, v->name, NULL);
		if (!o->json) { /* no document: at a thousand VMs building one was most of a list */
			char h[32];
			size_t nsnap;
			snapshot_run(r, by_volume, v->id, &nsnap);
			printf("%-28s vm %-6u %10s %s %zu snapshots\n", v->name, p->vmid,
			       cli_human(v->size, h, sizeof(h)), active ? "active  " : "inactive", nsnap);
			continue;
		}
		char path[PATH_MAX];
		sdg_volume_path(g, v->name, NULL, path);
		json_object *snaps = snapshots_json(r, by_volume, v->id);
		json_object_array_add(arr, volume_json(g, v, p->vmid, snaps, active, path));
	}
	free(by_volume);
	if (o->json) {
		json_object *doc = json_object_new_object();
		json_object_object_add(doc, "volumes", arr);
		cli_print_json(doc);
	}
	return 0;
}

int cmd_list(int argc, char **argv)
{
	return cli_on_group("list", argc, argv, OPT_JSON | OPT_VMID, 1, 0, op_list);
}
