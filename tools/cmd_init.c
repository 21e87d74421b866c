#include <stdio.h>

#include "cli.h"
#include "core/group.h"
#include "core/space.h"

int cmd_init(int argc, char **argv)
{
	struct cli_opts o;
	int rc = cli_parse_opts("init", argc, argv,
				OPT_NAME | OPT_EXTENT | OPT_MDSIZE | OPT_FORCE | OPT_JSON | OPT_RESERVE |
					OPT_FORMAT_VERSION,
				1, 1, &o);
	if (rc)
		return rc;
	if (!o.name)
		return cli_usage("init", "init: --name GROUP is required");
	struct sdg_init_opts io = { o.name, o.extent_size, o.metadata_size, o.force,
				    o.reserve_pct < 0 ? SDG_RESERVE_DEFAULT_PCT : (unsigned)o.reserve_pct,
				    o.format_version == 1 };
	struct sd_geometry g;
	struct sd_err err = {0};
	if (sdg_init(o.pos[0], &io, &g, &err))
		return cli_error(&err);
	char uuid[37], h1[32], h2[32];
	sdg_uuid_format(g.uuid, uuid);
	if (o.json) {
		json_object *j = json_object_new_object();
		json_object_object_add(j, "group", json_object_new_string(g.name));
		json_object_object_add(j, "uuid", json_object_new_string(uuid));
		json_object_object_add(j, "device", json_object_new_string(o.pos[0]));
		json_object_object_add(j, "extent_size", cli_json_u64(g.extent_size));
		json_object_object_add(j, "extent_count", cli_json_u64(g.extent_count));
		cli_print_json(j);
	} else {
		printf("initialized group %s (uuid %s) on %s: %llu extents of %s, %s usable\n",
		       g.name, uuid, o.pos[0], (unsigned long long)g.extent_count,
		       cli_human(g.extent_size, h1, sizeof(h1)),
		       cli_human(g.extent_count * g.extent_size, h2, sizeof(h2)));
	}
	return EXIT_OK;
}
