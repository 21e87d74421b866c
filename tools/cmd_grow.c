/* stardm grow GROUP [--json]: take in the space of a LUN the SAN made
 * larger (docs/stardm.8). */
#include <stdio.h>

#include "cli.h"
#include "core/grow.h"

static int op_grow(struct sdg *g, const struct cli_opts *o, struct sd_err *err)
{
	struct sdg_grow_result r;
	int rc = sdg_grow(g, &r, err);
	if (rc)
		return rc;
	if (o->json) {
		json_object *j = json_object_new_object();
		json_object_object_add(j, "group", json_object_new_string(sdg_name(g)));
		json_object_object_add(j, "grown", json_object_new_boolean(r.grown));
		json_object_object_add(j, "old_size", cli_json_u64(r.old_size));
		json_object_object_add(j, "new_size", cli_json_u64(r.new_size));
		json_object_object_add(j, "old_extents", cli_json_u64(r.old_extents));
		json_object_object_add(j, "new_extents", cli_json_u64(r.new_extents));
		cli_print_json(j);
		return 0;
	}
	char a[32], b[32], d[32];
	if (!r.grown)
		printf("%s: already spans the whole device (%s)\n", sdg_name(g),
		       cli_human(r.old_size, a, sizeof(a)));
	else
		printf("%s: grown from %s to %s: %llu more extents (%s)\n", sdg_name(g),
		       cli_human(r.old_size, a, sizeof(a)), cli_human(r.new_size, b, sizeof(b)),
		       (unsigned long long)(r.new_extents - r.old_extents),
		       cli_human((r.new_extents - r.old_extents) * sdg_geometry(g)->extent_size, d,
				 sizeof(d)));
	return 0;
}

int cmd_grow(int argc, char **argv)
{
	return cli_on_group("grow", argc, argv, OPT_JSON, 1, SDG_WRITE, op_grow);
}
