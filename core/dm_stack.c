#include "core/dm_stack.h"

#include <errno.h>
#include <stdio.h>

#include "core/dm_ops.h"

int sdg_stack_create(struct sdg_dm_stack *s, const struct sdg_dm_id *id,
		     const struct sdm_target *t, size_t n, unsigned extra, struct sd_err *err)
{
	if (s->n == SDG_STACK_MAX)
		return sd_fail(err, E2BIG, "creating %s: too many devices in one step", id->name);
	int rc = sdg_dm->create(id->name, id->uuid, t, n, id->dm_flags | extra, err);
	if (rc == 0)
		snprintf(s->names[s->n++], SDG_DM_NAME, "%s", id->name);
	return rc;
}

void sdg_stack_undo(struct sdg_dm_stack *s)
{
	while (s->n)
		sdg_dm->remove(s->names[--s->n], NULL);
}
