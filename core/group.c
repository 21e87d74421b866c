#include "core/group.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/trace.h"
#include "core/group_impl.h"
#include "core/lun_hint.h"
#include "core/node_lock.h"
#include "core/owner.h"
#include "core/rescan.h"
#include "core/scan.h"
#include "core/space.h"
#include "core/signature.h"
#include "core/udev_props.h"
#include "metadata/alloc.h"
#include "metadata/ops.h"
#include "metadata/template.h"

/* By hand, not with snprintf: every dm name and uuid of a pool carries it,
 * and a status of a thousand VMs formatted it a thousand times (half of
 * that command's instructions). */
void sdg_uuid_format(const uint8_t u[16], char out[37])
{
	static const char hex[] = "0123456789abcdef";
	char *o = out;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*o++ = '-';
		*o++ = hex[u[i] >> 4];
		*o++ = hex[u[i] & 15];
	}
	*o = '\0';
}

/* A path (anything with a '/', or an existing file) is used as it is; a
 * name is resolved by scanning; several devices with one group name are
 * refused rather than guessed between. */
/* One device for group, or a refusal naming two that carry it (the LUN by
 * two paths without multipath, or a copy of it presented to this node):
 * which one is the group is not for stardm to guess. */
static int pick(const char *group, char (*nodes)[PATH_MAX], int n, char *path, size_t len,
		struct sd_err *err)
{
	if (n == 0)
		return sd_fail(err, SD_E_NOTFOUND, "group %s: no device carries it", group);
	if (n > 1)
		return sd_fail(err, SD_E_EXISTS, "group %s is on %d devices (%s and %s): the LUN "
			       "by several paths without multipath, or a copy of it; set up "
			       "multipath, or name the device", group, n, nodes[0], nodes[1]);
	snprintf(path, len, "%s", nodes[0]);
	return 0;
}

/* Whether a label's geometry is group's, named or by uuid. */
static bool carries(const struct sd_geometry *geo, const char *group)
{
	char uuid[37];
	sdg_uuid_format(geo->uuid, uuid);
	return !strcmp(geo->name, group) || !strcasecmp(uuid, group);
}

/* Where a group's device came from: the caller's path, a hint from an
 * earlier command (lun_hint.h), the udev database, or a scan of every
 * block device. */
enum found_by { BY_PATH, BY_HINT, BY_UDEV, BY_SCAN };

/* A path (anything with a '/', or an existing file) is used as it is; a
 * name (or a group uuid) is looked up in the udev database (69-stardm-lun.rules recorded every
 * LUN's group), and found by scanning every block device only when udev
 * does not run here or knows no device of that name.  With hints, the
 * device an earlier command found in the database comes first. */
static int resolve(const char *group, bool hints, char *path, size_t len, enum found_by *by,
		   struct sd_err *err)
{
	struct stat sb;
	*by = BY_PATH;
	if (strchr(group, '/') || stat(group, &sb) == 0) {
		snprintf(path, len, "%s", group);
		return 0;
	}
	*by = BY_HINT;
	if (hints && sdg_udev_running() && sdg_lun_hint_get(group, path, len) == 0)
		return 0;
	char nodes[2][PATH_MAX];
	*by = BY_UDEV;
	int n = sdg_udev_group_devices(group, nodes, 2);
	if (n > 0)
		return pick(group, nodes, n, path, len, err);
	struct sdg_found *f;
	size_t nf;
	*by = BY_SCAN;
	int rc = sdg_scan(&f, &nf, err);
	if (rc)
		return rc;
	n = 0;
	for (size_t i = 0; i < nf; i++)
		if (carries(&f[i].geo, group) && n++ < 2)
			snprintf(nodes[n - 1], PATH_MAX, "%s", f[i].devnode);
	free(f);
	return pick(group, nodes, n, path, len, err);
}

int sdg_locate(const char *group, char path[PATH_MAX], struct sd_err *err)
{
	enum found_by by;
	return resolve(group, false, path, PATH_MAX, &by, err);
}

void sdg_node_name(char out[64])
{
	const char *env = getenv("STARDM_NODE_NAME");
	struct utsname u;
	if (env && *env)
		snprintf(out, 64, "%.63s", env);
	else if (uname(&u) == 0)
		snprintf(out, 64, "%.63s", u.nodename);
	else
		snprintf(out, 64, "unknown");
}

/* Writers: first the host-local flock on the group's lock file (one
 * process of this node at a time in its host slot, whichever path to the
 * LUN each took), then this node's slot and the bakery lock over all slots
 * (one node at a time), and only then read the state.  The group's
 * geometry (lock_geo) is the label read_label read. */
static int take_cluster_lock(struct sdg *g, int flags, struct sd_err *err)
{
	g->node_lock_fd = sdg_node_lock_attach(g->io, g->lock_geo.uuid);
	uint64_t t = sd_trace_begin();
	int rc = sd_io_flock(g->io, LOCK_EX | ((flags & SDG_NOWAIT) ? LOCK_NB : 0));
	sd_trace_end(t, "node-flock");
	if (rc == -EWOULDBLOCK)
		return sd_fail(err, EWOULDBLOCK, "another stardm command of this node holds %s",
			       g->path);
	if (rc)
		return sd_fail(err, -rc, "cannot lock %s: %s", g->path, strerror(-rc));
	/* a writer could load or resume a disk the self-fence holds */
	if (!(flags & SDG_FENCED_OK) && sdg_node_fenced(g->lock_geo.uuid))
		return sd_fail(err, EIO, "this node's heartbeat does not reach %s in time: its "
			       "disks of the group are suspended until it does (stardm monitor "
			       "says when); try again then", g->path);
	char name[64];
	sdg_node_name(name);
	t = sd_trace_begin(); /* a node's first claim waits 500 ms for rivals */
	rc = sd_host_claim(&g->cluster, g->io, &g->lock_geo, name, 500, err);
	sd_trace_end(t, "host-claim");
	if (rc == 0)
		rc = sd_hostlock_acquire(&g->cluster, err);
	g->cluster_held = rc == 0;
	return rc;
}

int sdg_keep_alive(struct sdg *g, struct sd_err *err)
{
	if (!g->cluster_held || sd_monotonic_ms() - g->cluster.written_ms < 1000)
		return 0;
	int rc = sd_host_beat(&g->cluster);
	return rc ? sd_fail(err, -rc, "cannot renew this node's heartbeat: %s", strerror(-rc)) : 0;
}

/* The label of the device found for group, into lock_geo: the group asked
 * for, unless the device came from a hint or a udev database that has not
 * seen the LUN's latest label (another node formatted it again). */
static int read_label(struct sdg *g, const char *group, enum found_by by, struct sd_err *err)
{
	struct sd_copy_status copy[2];
	int rc = sd_store_probe(g->io, &g->lock_geo, copy, err);
	if ((rc && rc != -SD_E_DEVSIZE) || by == BY_PATH || carries(&g->lock_geo, group))
		return rc;
	return sd_fail(err, SD_E_NOTFOUND, "group %s: %s carries group %s now, and udev has not "
		       "read its label since ('udevadm trigger --settle %s' makes it)", group,
		       g->path, g->lock_geo.name, g->path);
}

struct sdg_reader {
	struct sd_store_mark mark; /* of state */
	struct sd_state state;
};

struct sdg_reader *sdg_reader_new(void)
{
	struct sdg_reader *r = calloc(1, sizeof(*r));
	if (r)
		sd_state_init(&r->state);
	return r;
}

void sdg_reader_free(struct sdg_reader *r)
{
	if (!r)
		return;
	sd_state_free(&r->state);
	free(r);
}

/* Read the group's state into g: through r's memory of it when r is set,
 * which g then holds until it closes (no copy: at a thousand VMs a copy's
 * fresh pages cost more than the headers' read). */
static int read_state(struct sdg *g, int sflags, struct sdg_reader *r, struct sd_err *err)
{
	if (!r)
		return sd_store_open(g->io, sflags, &g->st, &g->state, err);
	bool unchanged;
	int rc = sd_store_open_since(g->io, sflags, &r->mark, &g->st, &r->state, &unchanged, err);
	r->mark = rc == 0 ? g->st->mark : (struct sd_store_mark){ .set = false };
	if (rc == 0) {
		sd_state_free(&g->state);
		g->state = r->state;
		g->state_lent = true;
	}
	return rc;
}

/* Find, open and read the group; *stale when the device a hint named
 * turned out not to be the group's (then the caller asks the database). */
static int open_once(const char *group, int flags, struct sdg_reader *r, bool rescan,
		     bool hints, bool *stale, struct sdg **out, struct sd_err *err)
{
	struct sdg *g = calloc(1, sizeof(*g));
	if (!g)
		return sd_fail(err, ENOMEM, "out of memory");
	sd_state_init(&g->state);
	g->node_lock_fd = -1;
	uint64_t t = sd_trace_begin();
	enum found_by by;
	int rc = resolve(group, hints, g->path, sizeof(g->path), &by, err);
	if (rc == 0 && rescan)
		sdg_device_rescan(g->path);
	sd_trace_end(t, "find-group");
	t = sd_trace_begin();
	if (rc == 0)
		rc = sd_io_open(g->path, flags & SDG_WRITE, SD_IO_AUTO, &g->io, err);
	if (rc == 0 && (by != BY_PATH || (flags & SDG_WRITE)))
		rc = read_label(g, group, by, err);
	sd_trace_end(t, "open-lun");
	*stale = by == BY_HINT && rc && rc != -SD_E_DEVSIZE;
	if (rc == 0 && by == BY_UDEV)
		sdg_lun_hint_put(group, g->path);
	t = sd_trace_begin();
	if (rc == 0 && (flags & SDG_WRITE))
		rc = take_cluster_lock(g, flags, err);
	sd_trace_end(t, "cluster-lock");
	if (rc == 0) {
		t = sd_trace_begin();
		int sflags = ((flags & SDG_WRITE) ? SD_STORE_LOCK : 0) |
			     ((flags & SDG_CHECK_ALL) ? SD_STORE_CHECK_ALL : 0);
		rc = read_state(g, sflags, (flags & SDG_WRITE) ? NULL : r, err);
		sd_trace_end(t, "read-metadata");
		if (rc) { /* prefix the device, keep the reason */
			struct sd_err why = *err;
			rc = sd_fail(err, -rc, "%s: %s", g->path, why.msg);
		}
	}
	if (rc) {
		sdg_close(g, NULL);
		return rc;
	}
	if (g->cluster_held)
		g->st->cluster = &g->cluster; /* commits nest inside it */
	*out = g;
	return 0;
}

static int open_with(const char *group, int flags, struct sdg_reader *r, struct sdg **out,
		     struct sd_err *err)
{
	bool stale;
	int rc = open_once(group, flags, r, false, true, &stale, out, err);
	if (stale) { /* the device remembered is not the group's (any more) */
		sdg_lun_hint_forget(group);
		rc = open_once(group, flags, r, false, false, &stale, out, err);
	}
	if (rc == -SD_E_DEVSIZE) /* the LUN grew and this node's kernel has not seen it */
		rc = open_once(group, flags, r, true, false, &stale, out, err);
	return rc;
}

int sdg_open(const char *group, int flags, struct sdg **out, struct sd_err *err)
{
	return open_with(group, flags, NULL, out, err);
}

int sdg_open_read(const char *group, struct sdg_reader *r, struct sdg **out,
		  struct sd_err *err)
{
	return open_with(group, 0, r, out, err);
}

int sdg_close(struct sdg *g, struct sd_err *err)
{
	if (!g)
		return 0;
	/* before the flock goes: another process of this node shares our slot */
	uint64_t t = sd_trace_begin();
	int rc = g->cluster_held ? sd_hostlock_release(&g->cluster, err) : 0;
	sd_trace_end(t, "cluster-unlock");
	sd_store_close(g->st);
	sd_io_close(g->io);
	if (g->node_lock_fd >= 0)
		close(g->node_lock_fd);
	if (!g->state_lent)
		sd_state_free(&g->state);
	free(g);
	return rc;
}

int sdg_commit(struct sdg *g, struct sd_err *err)
{
	uint64_t t = sd_trace_begin();
	int rc = sd_store_commit(g->st, &g->state, err);
	sd_trace_end(t, "commit");
	return rc;
}

/* The node that holds the pool: its owner, else (a template's pool, which
 * nobody owns) a node that has it loaded; 0 when it is loaded nowhere. */
static uint32_t pool_user(const struct sd_pool *p)
{
	if (p->owner_host)
		return p->owner_host;
	for (uint32_t h = 1; h < 256; h++)
		if (sd_pool_reader(p, h))
			return h;
	return 0;
}

/* A new group over one whose pools are live would pull the disks from
 * under running VMs: even --force refuses while the old group's records
 * say a node holds a pool (a deactivated pool is released).  The old
 * group's cluster lock is taken for the read and kept until the format,
 * so no node activates a pool in between; the group is handed back in
 * *held, whether refused or not, for let_go to close.  A group whose
 * records cannot be read is not guarded: wiping it is what --force is
 * for; one whose lock cannot be taken is guarded by its records alone. */
static int check_unused(const char *device, struct sdg **held, struct sd_err *err)
{
	struct sdg *old;
	if (sdg_open(device, SDG_WRITE, &old, NULL) && sdg_open(device, 0, &old, NULL))
		return 0;
	*held = old;
	const struct sd_state *s = sdg_records(old);
	size_t used = 0;
	uint32_t vmid = 0, host = 0;
	for (size_t i = 0; i < s->pools.n; i++) {
		uint32_t h = pool_user(&s->pools.v[i]);
		if (h && used++ == 0) {
			vmid = s->pools.v[i].vmid;
			host = h;
		}
	}
	if (!used)
		return 0;
	char node[SD_NAME_LEN];
	sdg_owner_name(old, host, node);
	if (!node[0]) /* a slot since taken over: its number */
		snprintf(node, sizeof(node), "#%u", host);
	int rc = sd_fail(err, SD_E_OWNED, "%s holds group %s with %zu pool%s in use (VM %u's "
			 "on node %s%s): deactivate them first", device, sdg_name(old), used,
			 used == 1 ? "" : "s", vmid, node, used > 1 ? ", and more" : "");
	if (err)
		snprintf(err->node, sizeof(err->node), "%s", node);
	return rc;
}

static int check_clean(const char *device, struct sd_io *io, bool force, struct sdg **held,
		       struct sd_err *err)
{
	struct sd_geometry old;
	struct sd_copy_status cs[2];
	if (sd_store_probe(io, &old, cs, NULL) == 0) {
		if (!force)
			return sd_fail(err, SD_E_EXISTS, "%s already holds stardm group %s; "
				       "use --force to overwrite it", device, old.name);
		int rc = check_unused(device, held, err);
		if (rc)
			return rc;
	}
	char what[64];
	int rc = sdg_foreign_signature(device, what, sizeof(what), err);
	if (rc < 0 && !force)
		return rc;
	if (rc > 0 && !force)
		return sd_fail(err, SD_E_EXISTS, "%s has a %s signature; use --force to "
			       "overwrite it", device, what);
	return 0;
}

/* The old group, after the format was tried or refused: its lock (if
 * taken) released when nothing was written, else dropped unwritten (its
 * host slots are gone, and where they were may be the new group's
 * metadata now).  A read-only open holds no lock. */
static void let_go(struct sdg *held, bool formatted)
{
	if (!held)
		return;
	if (formatted)
		held->cluster_held = false;
	sdg_close(held, NULL);
}

/* 32 MiB slots (room for ~250k snapshots) on LUNs of 8 GiB and more; small
 * LUNs (tests, demos) get 1/256 of their size, at least 256 KiB. */
static uint64_t default_slot_size(uint64_t lun)
{
	if (lun >= (8ull << 30))
		return SD_DEFAULT_SLOT_SIZE;
	uint64_t s = (lun / 256) & ~((64ull << 10) - 1);
	return s < (256ull << 10) ? 256ull << 10 : s;
}

int sdg_init(const char *device, const struct sdg_init_opts *o, struct sd_geometry *out,
	     struct sd_err *err)
{
	if (!o->name || !sd_name_valid(o->name))
		return sd_fail(err, SD_E_INVAL, "invalid group name '%s' (letters, digits, "
			       "'-', '_', '.', '+'; at most 63)", o->name ? o->name : "");
	struct sd_geometry g = {
		.extent_size = o->extent_size ? o->extent_size : SD_DEFAULT_EXTENT_SIZE,
		.created_ns = sd_now_ns(),
		.journal = !o->no_journal,
	};
	snprintf(g.name, sizeof(g.name), "%s", o->name);
	if (getrandom(g.uuid, sizeof(g.uuid), 0) != sizeof(g.uuid))
		return sd_fail(err, errno, "cannot get random bytes: %s", strerror(errno));
	g.uuid[6] = (uint8_t)((g.uuid[6] & 0x0f) | 0x40); /* RFC 4122 version 4 */
	g.uuid[8] = (uint8_t)((g.uuid[8] & 0x3f) | 0x80);
	struct sd_io *io;
	int rc = sdg_reserve_check(o->reserve_pct, err);
	if (rc || (rc = sd_io_open(device, true, SD_IO_AUTO, &io, err)))
		return rc;
	g.lun_size = io->size;
	g.slot_size = o->metadata_size ? o->metadata_size : default_slot_size(io->size);
	rc = sd_layout_compute(&g, err);
	struct sdg *held = NULL;
	if (rc == 0)
		rc = check_clean(device, io, o->force, &held, err);
	struct sd_state first;
	sd_state_init(&first);
	first.reserve_pct = o->reserve_pct;
	bool tried = rc == 0;
	if (rc == 0)
		rc = sd_store_format(io, &g, &first, err);
	let_go(held, tried);
	sd_io_close(io);
	if (rc == 0) /* this node's udev reads the new label (other nodes: at their next event) */
		sdg_udev_changed(device);
	if (rc == 0 && out)
		*out = g;
	return rc;
}

const char *sdg_warning(const struct sdg *g)
{
	return g->st && g->st->warning[0] ? g->st->warning : NULL;
}

const char *sdg_device(const struct sdg *g) { return g->path; }
const char *sdg_name(const struct sdg *g) { return g->st->geo.name; }
const struct sd_geometry *sdg_geometry(const struct sdg *g) { return &g->st->geo; }
const struct sd_state *sdg_records(const struct sdg *g) { return &g->state; }
