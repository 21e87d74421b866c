/* stardm repair-pool GROUP --vmid N: clear the needs_check mark the kernel
 * left on a pool whose metadata write failed, once thin_check finds the
 * pool's metadata clean (docs/stardm.8, docs/faults.md). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "core/pool.h"

static int op_repair(struct sdg *g, const struct cli_opts *o, struct sd_err *err)
{
	char out[256] = "";
	int rc = sdg_pool_repair(g, (uint32_t)o->vmid, out, sizeof(out), err);
	if (rc == 0)
		printf("pool of VM %ld: thin_check found its metadata clean; needs_check cleared\n",
		       (long)o->vmid);
	return rc;
}

int cmd_repair_pool(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--vmid"))
			return cli_on_group("repair-pool", argc, argv, OPT_VMID, 1, SDG_WRITE,
					    op_repair);
	return cli_usage("repair-pool", "repair-pool: --vmid N is required");
}
