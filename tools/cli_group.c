/* The shape of every command that works on one group. */
#include <stdio.h>

#include "cli.h"
#include "core/group.h"
#include "core/pool.h"

int cli_on_group_then(const char *cmd, int argc, char **argv, unsigned allowed, int npos,
		      int flags, cli_group_op op, struct cli_opts *o, bool *follow)
{
	*follow = false;
	int rc = cli_parse_opts(cmd, argc, argv, allowed, npos, npos, o);
	if (rc)
		return rc;
	if ((allowed & OPT_SIZE) && !o->has_size)
		return cli_usage(cmd, "%s: --size SIZE is required", cmd);
	if ((allowed & OPT_FORMAT_VERSION) && !o->format_version)
		return cli_usage(cmd, "%s: --format-version 1|2 is required", cmd);
	struct sd_err err = {0};
	struct sdg *g;
	if (sdg_open(o->pos[0], flags, &g, &err))
		return cli_error(&err);
	rc = op(g, o, &err);
	if (sdg_warning(g))
		fprintf(stderr, "stardm: warning: %s\n", sdg_warning(g));
	struct sd_err close_err = {0};
	bool ok = rc == 0 || rc == CLI_FOLLOW;
	if (sdg_close(g, &close_err) && ok) {
		err = close_err;
		ok = false;
	}
	*follow = ok && rc == CLI_FOLLOW;
	return ok ? EXIT_OK : cli_error(&err);
}

int cli_on_group(const char *cmd, int argc, char **argv, unsigned allowed, int npos, int flags,
		 cli_group_op op)
{
	struct cli_opts o;
	bool follow;
	return cli_on_group_then(cmd, argc, argv, allowed, npos, flags, op, &o, &follow);
}

json_object *cli_pool_live_json(const struct sd_pool *p, const struct sdg_pool_live *l)
{
	uint64_t chunk = (uint64_t)p->chunk_sectors * 512;
	json_object *j = json_object_new_object();
	json_object_object_add(j, "vmid", cli_json_u64(p->vmid));
	json_object_object_add(j, "provisioning",
			       json_object_new_string(p->flags & SD_POOL_THIN ? "thin" : "full"));
	json_object_object_add(j, "data_used", cli_json_u64(l->data_used * chunk));
	json_object_object_add(j, "data_total", cli_json_u64(l->data_total * chunk));
	/* the kernel counts metadata in 4 KiB blocks */
	json_object_object_add(j, "meta_used", cli_json_u64(l->meta_used * 4096));
	json_object_object_add(j, "meta_total", cli_json_u64(l->meta_total * 4096));
	json_object_object_add(j, "transaction_id", cli_json_u64(l->transaction_id));
	json_object_object_add(j, "mismatch", json_object_new_boolean(l->mismatch));
	json_object_object_add(j, "needs_check", json_object_new_boolean(l->needs_check));
	json_object_object_add(j, "read_only", json_object_new_boolean(l->read_only));
	json_object_object_add(j, "out_of_data_space", json_object_new_boolean(l->out_of_data_space));
	return j;
}
