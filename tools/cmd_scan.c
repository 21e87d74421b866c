#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "core/group.h"
#include "core/scan.h"

int cmd_scan(int argc, char **argv)
{
	struct cli_opts o;
	int rc = cli_parse_opts("scan", argc, argv, OPT_JSON, 0, 0, &o);
	if (rc)
		return rc;
	struct sd_err err = {0};
	struct sdg_found *f;
	size_t n;
	if (sdg_scan(&f, &n, &err))
		return cli_error(&err);
	json_object *arr = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		char uuid[37];
		sdg_uuid_format(f[i].geo.uuid, uuid);
		if (!o.json) {
			printf("%-20s %s  %s  %s%s\n", f[i].geo.name, uuid, f[i].devnode,
			       f[i].by_id[0] ? f[i].by_id : "(no by-id link)",
			       f[i].label_valid[0] && f[i].label_valid[1] ? "" : "  DEGRADED LABEL");
			continue;
		}
		json_object *j = json_object_new_object();
		json_object_object_add(j, "group", json_object_new_string(f[i].geo.name));
		json_object_object_add(j, "uuid", json_object_new_string(uuid));
		json_object_object_add(j, "device", json_object_new_string(f[i].devnode));
		json_object_object_add(j, "by_id", f[i].by_id[0] ? json_object_new_string(f[i].by_id) : NULL);
		json_object_object_add(j, "size", cli_json_u64(f[i].geo.lun_size));
		json_object_object_add(j, "label_start_valid", json_object_new_boolean(f[i].label_valid[0]));
		json_object_object_add(j, "label_end_valid", json_object_new_boolean(f[i].label_valid[1]));
		json_object_array_add(arr, j);
	}
	if (o.json) {
		json_object *doc = json_object_new_object();
		json_object_object_add(doc, "groups", arr);
		cli_print_json(doc);
	} else {
		json_object_put(arr);
		if (n == 0)
			printf("no stardm groups found\n");
	}
	free(f);
	return EXIT_OK;
}
