#include "core/pool.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/crash_point.h"
#include "core/discard.h"
#include "core/dm_names.h"
#include "core/dm_ops.h"
#include "core/dm_stack.h"
#include "core/group_impl.h"
#include "core/owner.h"
#include "core/run.h"
#include "metadata/alloc.h"
#include "metadata/ops.h"

#define MAX_RUNS 256

static bool dm_exists(const char *name)
{
	struct sdm_info info;
	return sdg_dm->info(name, &info, NULL) == 0 && info.exists;
}

struct sd_pool *sdg_vm_pool(struct sdg *g, uint32_t vmid, struct sd_err *err)
{
	struct sd_pool *p = sd_find_pool_vmid(&g->state, vmid);
	if (!p)
		sd_fail(err, SD_E_NOTFOUND, "VM %u has no pool in group %s", vmid, g->st->geo.name);
	return p;
}

const struct sd_pool *sdg_pool_by_id(const struct sdg *g, uint32_t pool_id)
{
	return sd_find_pool((struct sd_state *)&g->state, pool_id);
}

bool sdg_pool_active(const struct sdg *g, const struct sd_pool *p)
{
	struct sdg_dm_id id;
	sdg_dm_pool(g, p, SDG_DM_POOL, &id);
	return dm_exists(id.name);
}

/* The linear table of one role of the pool, in segment order. */
static int layer_table(const struct sdg *g, const struct sd_pool *p, uint16_t role,
		       struct sdm_target *t, size_t *n, uint64_t *sectors, struct sd_err *err)
{
	char dev[32];
	int rc = sdg_dm->block_dev(g->path, dev, err);
	if (rc)
		return rc;
	struct sdm_extent_run runs[MAX_RUNS];
	size_t k = 0;
	uint64_t es = g->st->geo.extent_size / 512;
	for (size_t i = 0; i < g->state.segments.n; i++) {
		const struct sd_segment *s = &g->state.segments.v[i];
		if (s->pool_id != p->id || s->role != role)
			continue;
		if (k == MAX_RUNS)
			return sd_fail(err, E2BIG, "pool of VM %u has too many segments", p->vmid);
		runs[k++] = (struct sdm_extent_run){ dev, g->st->geo.data_offset / 512 + s->start * es,
						     s->count * es };
	}
	*n = sdm_table_linear(runs, k, t, MAX_RUNS);
	*sectors = 0;
	for (size_t i = 0; i < *n; i++)
		*sectors += t[i].len;
	return 0;
}

static int pool_table(const struct sdg *g, const struct sd_pool *p, struct sdm_target *t,
		      uint64_t data_sectors)
{
	struct sdg_dm_id meta, data;
	sdg_dm_pool(g, p, SDG_DM_TMETA, &meta);
	sdg_dm_pool(g, p, SDG_DM_TDATA, &data);
	/* low water mark: 20% of the data blocks free, where the node monitor
	 * grows a pool (at 80% used): its event wakes the monitor at once */
	uint64_t blocks = data_sectors / p->chunk_sectors;
	sdm_table_thin_pool(t, blocks * p->chunk_sectors, meta.path, data.path, p->chunk_sectors,
			    blocks / 5, (p->flags & SD_POOL_TEMPLATE) != 0);
	return 0;
}

/* A table of up to MAX_RUNS targets (about 1 MiB), per call. */
static struct sdm_target *new_table(struct sd_err *err)
{
	struct sdm_target *t = calloc(MAX_RUNS, sizeof(*t));
	if (!t)
		sd_fail(err, ENOMEM, "out of memory");
	return t;
}

static int create_layers_in(struct sdg *g, const struct sd_pool *p, struct sdm_target *t,
			    struct sd_err *err)
{
	const enum sdg_dm_role layers[2] = { SDG_DM_TMETA, SDG_DM_TDATA };
	const uint16_t roles[2] = { SD_ROLE_META, SD_ROLE_DATA };
	struct sdg_dm_stack made = { .n = 0 };
	struct sdg_dm_id id;
	uint64_t data_sectors = 0;
	int rc = 0;
	for (int i = 0; i < 2 && !rc; i++) {
		size_t n;
		sdg_dm_pool(g, p, layers[i], &id);
		rc = layer_table(g, p, roles[i], t, &n, &data_sectors, err);
		if (!rc)
			rc = sdg_stack_create(&made, &id, t, n, 0, err);
	}
	if (!rc) {
		sdg_dm_pool(g, p, SDG_DM_POOL, &id);
		pool_table(g, p, t, data_sectors);
		rc = sdg_stack_create(&made, &id, t, 1, 0, err);
	}
	if (rc) /* leave no half-made pool behind */
		sdg_stack_undo(&made);
	return rc;
}

static int create_layers(struct sdg *g, const struct sd_pool *p, struct sd_err *err)
{
	struct sdm_target *t = new_table(err);
	int rc = t ? create_layers_in(g, p, t, err) : -ENOMEM;
	free(t);
	return rc;
}

/* The live pool's transaction id; refused when the kernel failed it or
 * turned it read-only (a template's pool is loaded read-only: expect_ro). */
static int pool_tid(const char *name, bool expect_ro, uint64_t *tid, struct sd_err *err)
{
	char *line;
	int rc = sdg_dm->status(name, &line, err);
	if (rc)
		return rc;
	struct sdm_pool_status s;
	if (sdm_parse_pool_status(line, &s) || s.fail) {
		rc = sd_fail(err, EIO, "pool %s has failed (status '%s'); run thin_check", name, line);
	} else if (s.needs_check || (s.read_only && !expect_ro)) {
		rc = sd_fail(err, EIO, "pool %s is %s; deactivate its volumes and "
			     "run 'stardm repair-pool'", name,
			     s.needs_check ? "marked needs_check" : "read-only");
	}
	*tid = s.transaction_id;
	free(line);
	return rc;
}

/* One pending op, made idempotent: a crash may have applied it already.
 * A create the kernel refuses as existing was made before that crash and
 * is made again (the thin device deleted first), so that it is what the
 * metadata says; only then is it worth the extra message. */
static int apply(struct sdg *g, const struct sd_pool *p, const char *pool,
		 const struct sd_pending *op, struct sd_err *err)
{
	char msg[96], del[32];
	sdg_crash_point();
	snprintf(del, sizeof(del), "delete %u", op->thin_id);
	if (op->op == SD_OP_DELETE) {
		sdg_discard_thin(g, p, op);
		sdg_dm->message(pool, del, NULL); /* may be gone already: fine */
		return 0;
	}
	if (op->op == SD_OP_CREATE)
		snprintf(msg, sizeof(msg), "create_thin %u", op->thin_id);
	else
		snprintf(msg, sizeof(msg), "create_snap %u %u", op->thin_id, op->origin_id);
	struct sd_err first;
	int rc = sdg_dm->message(pool, msg, &first);
	if (rc != -EEXIST) {
		if (rc && err)
			*err = first;
		return rc;
	}
	if ((rc = sdg_dm->message(pool, del, err)))
		return rc;
	return sdg_dm->message(pool, msg, err);
}

/* The pending ops of transaction t of pool p, in order. */
static int apply_transaction(struct sdg *g, const struct sd_pool *p, const char *pool, uint64_t t,
			     struct sd_err *err)
{
	int rc = 0;
	for (size_t i = 0; i < g->state.pending.n && !rc; i++) {
		const struct sd_pending *op = &g->state.pending.v[i];
		if (op->pool_id == p->id && op->transaction_id == t)
			rc = apply(g, p, pool, op, err);
	}
	return rc;
}

static int pool_thins(const struct sdg *g, const struct sd_pool *p, char ***names, size_t *n,
		      struct sd_err *err);
static int pool_layers_down(const struct sdg *g, const struct sd_pool *p, struct sd_err *err);

/* A stardm killed while a snapshot held its origin suspended would leave
 * the guest's I/O queued forever; the next sync of the pool resumes it. */
static int resume_suspended_thins(struct sdg *g, const struct sd_pool *p, struct sd_err *err)
{
	char **names;
	size_t n;
	int rc = pool_thins(g, p, &names, &n, err);
	for (size_t i = 0; i < n && !rc; i++) {
		struct sdm_info info;
		char type[32];
		/* a gated migration placeholder (flakey) stays gated until its swap */
		if (sdg_dm->info(names[i], &info, NULL) == 0 && info.suspended &&
		    !(sdg_dm->target_type(names[i], type, sizeof(type), NULL) == 0 && !strcmp(type, "flakey")))
			rc = sdg_dm->resume(names[i], SDM_GUEST, err);
	}
	sdm_free_names(names, n);
	return rc;
}

int sdg_pool_healthy(const struct sdg *g, const struct sd_pool *p, struct sd_err *err)
{
	if (!p || !sdg_pool_active(g, p))
		return 0;
	struct sdg_dm_id id;
	sdg_dm_pool(g, p, SDG_DM_POOL, &id);
	uint64_t tid;
	return pool_tid(id.name, (p->flags & SD_POOL_TEMPLATE) != 0, &tid, err);
}

/* Bring the live pool's transaction up to the metadata's.  fresh: its
 * layers were made by this command, so no thin device of it is live (a
 * thin device holds its pool open) and none needs resuming; a migration's
 * placeholder, the one device of the pool's names that lives without it,
 * stays gated until its swap either way. */
static int pool_sync(struct sdg *g, struct sd_pool *p, const struct sdg_dm_id *quiet, bool fresh,
		     struct sd_err *err)
{
	struct sdg_dm_id id;
	sdg_dm_pool(g, p, SDG_DM_POOL, &id);
	const char *name = id.name;
	uint64_t tid;
	int rc = pool_tid(name, (p->flags & SD_POOL_TEMPLATE) != 0, &tid, err);
	if (rc)
		return rc;
	if (tid > p->transaction_id)
		return sd_fail(err, EIO, "pool %s is at transaction %" PRIu64 ", ahead of the "
			       "metadata (%" PRIu64 "): refusing to guess", name, tid, p->transaction_id);
	for (uint64_t t = tid + 1; t <= p->transaction_id; t++) {
		bool hold = quiet && t == p->transaction_id;
		if (hold && (rc = sdg_dm->suspend(quiet->name, true, err)))
			return rc;
		rc = apply_transaction(g, p, name, t, err);
		int rr = hold ? sdg_dm->resume(quiet->name, quiet->dm_flags, rc ? NULL : err) : 0;
		if (rc || (rc = rr))
			return rc;
		char msg[96];
		sdg_crash_point();
		snprintf(msg, sizeof(msg), "set_transaction_id %" PRIu64 " %" PRIu64, t - 1, t);
		if ((rc = sdg_dm->message(name, msg, err)))
			return rc;
	}
	sd_pool_applied(&g->state, p->id, p->transaction_id);
	return fresh ? 0 : resume_suspended_thins(g, p, err);
}

int sdg_pool_sync_quiet(struct sdg *g, struct sd_pool *p, const struct sdg_dm_id *quiet,
			struct sd_err *err)
{
	return pool_sync(g, p, quiet, false, err);
}

int sdg_pool_sync(struct sdg *g, struct sd_pool *p, struct sd_err *err)
{
	return pool_sync(g, p, NULL, false, err);
}

int sdg_pool_up_known(struct sdg *g, struct sd_pool *p, bool live, struct sd_err *err)
{
	int rc = sdg_dm->check(err);
	if (rc)
		return rc;
	if (!live && (rc = create_layers(g, p, err)))
		return rc;
	return pool_sync(g, p, NULL, !live, err);
}

int sdg_pool_up(struct sdg *g, struct sd_pool *p, struct sd_err *err)
{
	return sdg_pool_up_known(g, p, sdg_pool_active(g, p), err);
}

/* Thin devices of the pool that are live here, by dm uuid prefix. */
static int pool_thins(const struct sdg *g, const struct sd_pool *p, char ***names, size_t *n,
		      struct sd_err *err)
{
	char prefix[SDG_DM_NAME];
	sdg_dm_thin_prefix(g, p, prefix);
	return sdg_dm->list_uuid_prefix(prefix, names, n, err);
}

/* Point every thin device of the pool live here at the error target, so
 * that nothing still holding them open can reach the pool, then remove
 * those that nobody holds and the pool's layers. */
int sdg_pool_fence(struct sdg *g, const struct sd_pool *p, struct sd_err *err)
{
	char **names;
	size_t n;
	int rc = pool_thins(g, p, &names, &n, err);
	for (size_t i = 0; i < n && !rc; i++) {
		uint64_t sectors;
		struct sdm_target t;
		if ((rc = sdg_dm->size(names[i], &sectors, err)))
			break;
		sdm_table_error(&t, sectors);
		if (!(rc = sdg_dm->reload(names[i], &t, 1, err)))
			rc = sdg_dm->resume(names[i], SDM_GUEST, err);
	}
	/* one still open (QEMU at the commit point) stays, as error, until the
	 * deactivation; trying to remove it would retry for seconds while the
	 * guest waits on the target */
	for (size_t i = 0; i < n && !rc; i++)
		sdg_dm->remove_unused(names[i], NULL);
	sdm_free_names(names, n);
	return rc ? rc : pool_layers_down(g, p, err);
}

int sdg_pool_down(struct sdg *g, const struct sd_pool *p, struct sd_err *err)
{
	char **names;
	size_t n;
	int rc = pool_thins(g, p, &names, &n, err);
	if (rc)
		return rc;
	size_t used = 0;
	for (size_t i = 0; i < n; i++) /* a discard a killed command left is no user */
		if (!sdg_dm_is_discard(names[i]) || sdg_dm->remove(names[i], NULL))
			used++;
	sdm_free_names(names, n);
	if (used)
		return 0; /* still in use by another volume of the VM */
	return pool_layers_down(g, p, err);
}

static int pool_layers_down(const struct sdg *g, const struct sd_pool *p, struct sd_err *err)
{
	int rc = 0;
	const enum sdg_dm_role layers[3] = { SDG_DM_POOL, SDG_DM_TDATA, SDG_DM_TMETA };
	for (int i = 0; i < 3 && !rc; i++) {
		struct sdg_dm_id id;
		sdg_dm_pool(g, p, layers[i], &id);
		if (dm_exists(id.name))
			rc = sdg_dm->remove(id.name, err);
	}
	return rc;
}

/* Growing only appends extents, so reloading maps the old blocks where they
 * were: the pool's metadata keeps its place. */
static int refresh_in(struct sdg *g, const struct sd_pool *p, struct sdm_target *t,
		      struct sd_err *err)
{
	const enum sdg_dm_role layers[2] = { SDG_DM_TMETA, SDG_DM_TDATA };
	const uint16_t roles[2] = { SD_ROLE_META, SD_ROLE_DATA };
	struct sdg_dm_id id;
	uint64_t data_sectors = 0;
	int rc = 0;
	sdg_crash_point();
	for (int i = 0; i < 2 && !rc; i++) {
		size_t n;
		sdg_dm_pool(g, p, layers[i], &id);
		rc = layer_table(g, p, roles[i], t, &n, &data_sectors, err);
		if (!rc)
			rc = sdg_dm->reload(id.name, t, n, err);
		if (!rc)
			rc = sdg_dm->resume(id.name, id.dm_flags, err);
	}
	if (rc)
		return rc;
	sdg_dm_pool(g, p, SDG_DM_POOL, &id);
	pool_table(g, p, t, data_sectors);
	rc = sdg_dm->reload(id.name, t, 1, err);
	if (!rc)
		rc = sdg_dm->resume(id.name, id.dm_flags, err);
	return rc;
}

int sdg_pool_refresh(struct sdg *g, const struct sd_pool *p, struct sd_err *err)
{
	struct sdm_target *t = new_table(err);
	int rc = t ? refresh_in(g, p, t, err) : -ENOMEM;
	free(t);
	return rc;
}

int sdg_no_space_timeout(int set, unsigned *now, struct sd_err *err)
{
	/* setting loads dm_thin_pool, whose parameter it is; reading does not */
	int rc = set >= 0 ? sdg_dm->check(err) : 0;
	return rc ? rc : sdg_dm->no_space_timeout(set, now, err);
}

static int name_cmp(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

bool *sdg_pools_here(const struct sdg *g)
{
	char prefix[SDG_DM_NAME], **names;
	size_t n;
	struct sd_err err;
	sdg_dm_group_prefix(sdg_geometry(g)->uuid, true, prefix);
	if (sdg_dm->list_uuid_prefix(prefix, &names, &n, &err))
		return NULL;
	qsort(names, n, sizeof(*names), name_cmp);
	const struct sd_state *s = sdg_records(g);
	bool *here = calloc(s->pools.n + 1, sizeof(*here));
	for (size_t i = 0; here && i < s->pools.n; i++) {
		struct sdg_dm_id id;
		sdg_dm_pool(g, &s->pools.v[i], SDG_DM_POOL, &id);
		const char *key = id.name;
		here[i] = bsearch(&key, names, n, sizeof(*names), name_cmp) != NULL;
	}
	sdm_free_names(names, n);
	return here;
}

int sdg_pool_live(const struct sdg *g, const struct sd_pool *p, struct sdg_pool_live *l)
{
	memset(l, 0, sizeof(*l));
	struct sdg_dm_id id;
	char *line;
	sdg_dm_pool(g, p, SDG_DM_POOL, &id);
	const char *name = id.name;
	if (!dm_exists(name))
		return 0;
	l->active = true;
	if (sdg_dm->status(name, &line, NULL))
		return -1;
	struct sdm_pool_status s;
	int rc = sdm_parse_pool_status(line, &s);
	free(line);
	*l = (struct sdg_pool_live){ true, s.transaction_id, s.data_used, s.data_total, s.meta_used,
				     s.meta_total, s.needs_check || s.fail, s.read_only,
				     s.out_of_data_space, s.transaction_id != p->transaction_id };
	return rc;
}

/* thin_check on an inactive pool's metadata device, loaded on its own for
 * the check (read-only, unless the check is to clear the needs_check flag)
 * and removed after.  0 clean, 1 damaged (first output line in out). */
static int check_meta(struct sdg *g, const struct sd_pool *p, bool clear, char *out, size_t len,
		      struct sd_err *err)
{
	if (sdg_pool_active(g, p))
		return sd_fail(err, EBUSY, "pool of VM %u is active; thin_check needs it inactive "
			       "(deactivate its volumes)", p->vmid);
	struct sdg_dm_id meta;
	size_t n;
	uint64_t sectors;
	struct sdm_target *t = new_table(err);
	int rc = t ? sdg_dm->check(err) : -ENOMEM;
	if (!rc)
		rc = layer_table(g, p, SD_ROLE_META, t, &n, &sectors, err);
	sdg_dm_pool(g, p, SDG_DM_TMETA, &meta);
	if (!rc)
		rc = sdg_dm->create(meta.name, meta.uuid, t, n,
				    meta.dm_flags | (clear ? 0 : SDM_READONLY), err);
	free(t);
	if (rc)
		return rc;
	const char *check[] = { "thin_check", meta.path, NULL };
	const char *clearing[] = { "thin_check", "--clear-needs-check-flag", meta.path, NULL };
	int status = sdg_run(clear ? clearing : check, out, len);
	sdg_dm->remove(meta.name, NULL);
	if (status == -ENOENT)
		return sd_fail(err, ENOENT, "cannot run thin_check (install thin-provisioning-tools)");
	if (status < 0)
		return sd_fail(err, -status, "cannot run thin_check: %s", strerror(-status));
	return status == 0 ? 0 : 1;
}

int sdg_pool_check(struct sdg *g, const struct sd_pool *p, char *out, size_t len,
		   struct sd_err *err)
{
	return check_meta(g, p, false, out, len, err);
}

/* The kernel marks a pool needs_check when a metadata write or flush
 * failed; loaded again, it stays read-only until thin_check clears the
 * mark.  The pool's last committed transaction is intact whatever the
 * failed write was (dm-thin commits by superblock), so a clean check is
 * enough to use it again. */
int sdg_pool_repair(struct sdg *g, uint32_t vmid, char *out, size_t len, struct sd_err *err)
{
	const struct sd_pool *p = sd_find_pool_vmid(&g->state, vmid);
	if (!p)
		return sd_fail(err, SD_E_NOTFOUND, "VM %u has no pool in group %s", vmid,
			       sdg_name(g));
	int rc = sdg_pool_owned_elsewhere(g, p, err);
	if (rc == 0)
		rc = sdg_pool_read_elsewhere(g, p, err);
	if (rc == 0)
		rc = check_meta(g, p, true, out, len, err);
	if (rc == 1)
		rc = sd_fail(err, SD_E_CORRUPT, "pool of VM %u: thin_check found damage (%s); "
			     "the needs_check mark stays", vmid, out);
	return rc;
}
