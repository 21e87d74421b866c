/* Pool ownership: a VM's pool is live on one node at a time.  The pool
 * record names its owner (host id, 0 = released) and a generation bumped at
 * every change of owner.  Activation claims the pool for this node; the
 * last deactivation releases it.  Another node may take a pool over only
 * when its owner released it, or with force once the owner's heartbeat (its
 * host slot's write counter, renewed by stardm monitor) has stood still for
 * the whole wait: HA recovery after fencing. */
#include "core/owner.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "core/group_impl.h"
#include "core/pool.h"
#include "core/self_fence.h"
#include "metadata/hostlock.h"
#include "metadata/ops.h"
#include "metadata/template.h"

/* The group's host slots in a buffer of this call's (free it); *n is their
 * number, or -errno. */
static struct sd_host_slot_info *read_slots(const struct sdg *g, int *n)
{
	struct sd_host_slot_info *info = calloc(256, sizeof(*info));
	*n = info ? sd_host_slots_read(g->io, &g->st->geo, info, 256) : -ENOMEM;
	return info;
}

static int slot_of(const struct sdg *g, uint32_t id, struct sd_host_slot_info *out)
{
	int n;
	struct sd_host_slot_info *info = read_slots(g, &n);
	int rc = n < 0 ? n : -ENOENT;
	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "host %u", id);
	for (int i = 0; i < n; i++)
		if (info[i].id == id) {
			*out = info[i];
			rc = 0;
			break;
		}
	free(info);
	return rc;
}

uint32_t sdg_my_host_id(const struct sdg *g)
{
	if (g->cluster.id)
		return g->cluster.id;
	char name[64];
	sdg_node_name(name);
	int n;
	struct sd_host_slot_info *info = read_slots(g, &n);
	uint32_t id = 0;
	for (int i = 0; i < n && !id; i++)
		if (info[i].valid && !strcmp(info[i].name, name))
			id = info[i].id;
	free(info);
	return id;
}

void sdg_owner_name(const struct sdg *g, uint32_t id, char out[SD_NAME_LEN])
{
	struct sd_host_slot_info s;
	slot_of(g, id, &s);
	snprintf(out, SD_NAME_LEN, "%s", s.name);
}

/* An SD_E_OWNED failure (rc) names the owner for programs, too. */
static int owned_by(struct sd_err *err, const char *node, int rc)
{
	if (err)
		snprintf(err->node, sizeof(err->node), "%s", node);
	return rc;
}

int sdg_pool_owned_elsewhere(const struct sdg *g, const struct sd_pool *p, struct sd_err *err)
{
	if (!p || !p->owner_host || p->owner_host == g->cluster.id)
		return 0;
	char name[SD_NAME_LEN];
	sdg_owner_name(g, p->owner_host, name);
	return owned_by(err, name, sd_fail(err, SD_E_OWNED, "the pool of VM %u is active on node "
					   "%s; run this there (or deactivate it there first)",
					   p->vmid, name));
}

int sdg_pool_read_elsewhere(const struct sdg *g, const struct sd_pool *p, struct sd_err *err)
{
	uint32_t me = sdg_my_host_id(g);
	for (uint32_t h = 1; p && h < 256; h++) {
		if (h == me || !sd_pool_reader(p, h))
			continue;
		char name[SD_NAME_LEN];
		sdg_owner_name(g, h, name);
		return owned_by(err, name, sd_fail(err, SD_E_OWNED, "the template of VM %u is loaded "
						   "on node %s; deactivate its volumes and clones "
						   "there first", p->vmid, name));
	}
	return 0;
}

uint32_t sdg_volume_owner_elsewhere(const struct sdg *g, const char *vol)
{
	struct sd_state *s = (struct sd_state *)&g->state;
	const struct sd_volume *v = sd_find_volume(s, vol);
	const struct sd_pool *p = v ? sd_find_pool(s, v->pool_id) : NULL;
	return p && p->owner_host != sdg_my_host_id(g) ? p->owner_host : 0;
}

/* The owner is dead when its heartbeat does not move for wait_s.  We wait
 * inside the cluster lock, so our own slot beats every second meanwhile:
 * other nodes waiting for the lock must not take us for dead (the 20 s
 * rule of metadata/hostlock.c). */
static int owner_dead(struct sdg *g, const struct sd_pool *p, unsigned wait_s,
		      struct sd_err *err)
{
	struct sd_host_slot_info before, after;
	int first = slot_of(g, p->owner_host, &before);
	if (first == -ENOENT)
		return 0; /* its slot is gone: nothing left to wait for */
	if (first)
		return sd_fail(err, -first, "cannot read the heartbeat of the owner of the pool of "
			       "VM %u: %s; no takeover", p->vmid, strerror(-first));
	for (unsigned ms = 0; ms < wait_s * 1000; ms += 1000) {
		sd_sleep_ms(wait_s * 1000 - ms < 1000 ? wait_s * 1000 - ms : 1000);
		struct sd_err e;
		if (sdg_keep_alive(g, &e)) /* others may now take us for dead */
			return sd_fail(err, e.code, "%s, while waiting for the owner of the pool "
				       "of VM %u; no takeover", e.msg, p->vmid);
	}
	int rc = slot_of(g, p->owner_host, &after);
	if (rc == -ENOENT)
		return 0;
	if (rc) /* never conclude "dead" from a read that failed */
		return sd_fail(err, -rc, "cannot read the heartbeat of node %s: %s; no takeover",
			       before.name, strerror(-rc));
	if (after.counter != before.counter)
		return sd_fail(err, SD_E_CONFLICT, "node %s, owner of the pool of VM %u, is alive "
			       "(its heartbeat moved within %u s): no takeover", before.name,
			       p->vmid, wait_s);
	return 0;
}

int sdg_pool_claim(struct sdg *g, uint32_t vmid, bool force, unsigned wait_s, struct sd_err *err)
{
	struct sd_pool *p = sdg_vm_pool(g, vmid, err);
	if (!p)
		return -SD_E_NOTFOUND;
	uint32_t me = g->cluster.id;
	if (p->owner_host == me)
		return 0;
	if (p->owner_host) {
		char name[SD_NAME_LEN];
		sdg_owner_name(g, p->owner_host, name);
		if (!force)
			return owned_by(err, name, sd_fail(err, SD_E_OWNED, "the pool of VM %u is "
							   "active on node %s; deactivate it there, "
							   "or, once %s is fenced, take it over with "
							   "--force", vmid, name, name));
		if (wait_s < SDG_TAKEOVER_MIN_S) /* core/self_fence.h: why */
			return sd_fail(err, SD_E_INVAL, "a forced takeover watches the owner's "
				       "heartbeat for at least %u s (asked: %u s)",
				       SDG_TAKEOVER_MIN_S, wait_s);
		int rc = owner_dead(g, p, wait_s, err);
		if (rc)
			return rc;
		fprintf(stderr, "stardm: taking over the pool of VM %u from node %s (no heartbeat "
			"for %u s)\n", vmid, name, wait_s);
	}
	sdg_pool_set_owner(p, me);
	return sdg_commit(g, err);
}

void sdg_pool_set_owner(struct sd_pool *p, uint32_t host)
{
	p->owner_host = host;
	p->owner_generation++;
	if (host) /* ours now: a handover to us is done, one elsewhere withdrawn */
		p->handover_to = 0;
}

int sdg_pool_release(struct sdg *g, uint32_t vmid, struct sd_err *err)
{
	struct sd_pool *p = sd_find_pool_vmid(&g->state, vmid);
	if (!p || p->owner_host != g->cluster.id || sdg_pool_active(g, p))
		return 0;
	sdg_pool_set_owner(p, 0);
	return sdg_commit(g, err);
}
