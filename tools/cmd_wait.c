/* stardm wait GROUP --vmid N [--timeout S] [--json]: block until the VM's
 * pool raises a dm event (low water mark, out of space, mode change) and
 * print its state then.  For scripts and for watching a pool by hand; the
 * monitor uses the same core call. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "core/pool.h"
#include "core/pool_wait.h"

static int op_wait(struct sdg *g, const struct cli_opts *o, struct sd_err *err)
{
	const struct sd_pool *p = sdg_vm_pool(g, (uint32_t)o->vmid, err);
	if (!p)
		return -1;
	struct sdg_pool_live l;
	if (sdg_pool_wait(g, p, o->timeout, &l, err))
		return -1;
	uint64_t chunk = (uint64_t)p->chunk_sectors * 512;
	if (!o->json) {
		char u[32], t[32];
		printf("pool of vm %u: event: %s of %s written%s%s%s\n", p->vmid,
		       cli_human(l.data_used * chunk, u, sizeof(u)),
		       cli_human(l.data_total * chunk, t, sizeof(t)),
		       l.out_of_data_space ? ", OUT OF DATA SPACE" : "",
		       l.read_only ? ", READ-ONLY" : "", l.needs_check ? ", NEEDS CHECK" : "");
		return 0;
	}
	json_object *j = cli_pool_live_json(p, &l);
	cli_print_json(j);
	return 0;
}

int cmd_wait(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--vmid"))
			return cli_on_group("wait", argc, argv, OPT_VMID | OPT_TIMEOUT | OPT_JSON, 1, 0,
					    op_wait);
	return cli_usage("wait", "wait: --vmid N is required");
}
