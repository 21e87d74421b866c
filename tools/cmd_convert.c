/* stardm convert GROUP --format-version N [--json]: rewrite the group in
 * another on-disk format version (docs/stardm.8). */
#include <stdio.h>

#include "cli.h"
#include "core/convert.h"

static int op_convert(struct sdg *g, const struct cli_opts *o, struct sd_err *err)
{
	struct sdg_convert_result r;
	int rc = sdg_convert(g, o->format_version, o->force, &r, err);
	if (rc)
		return rc;
	if (o->json) {
		json_object *j = json_object_new_object();
		json_object_object_add(j, "group", json_object_new_string(sdg_name(g)));
		json_object_object_add(j, "converted", json_object_new_boolean(r.converted));
		json_object_object_add(j, "old_format_version", cli_json_u64(r.old_version));
		json_object_object_add(j, "format_version", cli_json_u64(r.new_version));
		cli_print_json(j);
	} else if (!r.converted) {
		printf("%s: already format version %u\n", sdg_name(g), r.new_version);
	} else {
		printf("%s: converted from format version %u to %u\n", sdg_name(g), r.old_version,
		       r.new_version);
	}
	return 0;
}

int cmd_convert(int argc, char **argv)
{
	return cli_on_group("convert", argc, argv, OPT_JSON | OPT_FORMAT_VERSION | OPT_FORCE, 1,
			    SDG_WRITE, op_convert);
}
