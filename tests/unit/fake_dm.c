#include "fake_dm.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_DEVS 64
#define MAX_POOLS 16
#define MAX_THINS 64
#define LOG_MAX 65536

struct table {
	bool set;
	char type[16];
	char params[SDM_PARAMS_MAX];
	uint64_t sectors;
};

struct dev {
	bool used;
	char name[128], uuid[128];
	struct table live, inactive;
	bool suspended, read_only;
	int opened;              /* by processes (fake_dm_open) */
	uint64_t reads;
};

/* What a pool's metadata device holds: it outlives the pool's devices. */
struct pool_md {
	char name[128];
	uint64_t tid;
	uint32_t thins[MAX_THINS];
	size_t n;
	unsigned used_pct, meta_pct; /* of its data and metadata blocks, as status reports */
	bool needs_check;            /* a failed metadata write: read-only and marked */
};

static struct dev devs[2][MAX_DEVS];
static int cur;
static struct pool_md pools[MAX_POOLS];
static unsigned no_space_timeout; /* the module parameter */
static char log_buf[LOG_MAX];
static char query_buf[LOG_MAX]; /* questions, which change nothing */
static unsigned create_ms; /* each create takes this long */
static struct {
	char op[32], what[64];
	int left, e;
} failing;

/* The kernel serialises its ioctls on a device; the fake takes one lock
 * for every call, as a monitor's threads call it beside the test's own.
 * Recursive: calls and accessors share the lookups.  LOCKED holds it
 * until the function returns. */
static pthread_mutex_t mu = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;

static int lock_mu(void)
{
	pthread_mutex_lock(&mu);
	return 0;
}

static void unlock_mu(int *unused)
{
	(void)unused;
	pthread_mutex_unlock(&mu);
}

#define LOCKED int locked_ __attribute__((cleanup(unlock_mu), unused)) = lock_mu()

/* What an accessor returns is a copy, the caller's thread's own: the
 * original may change under a monitor's thread meanwhile. */
static const char *copied(char *to, size_t len, const char *from)
{
	snprintf(to, len, "%s", from);
	return to;
}

void fake_dm_reset(void)
{
	LOCKED;
	memset(devs, 0, sizeof(devs));
	memset(pools, 0, sizeof(pools));
	memset(&failing, 0, sizeof(failing));
	cur = 0;
	log_buf[0] = query_buf[0] = '\0';
	create_ms = 0;
	no_space_timeout = 60; /* the kernel's default */
}

void fake_dm_node(int node) { LOCKED; cur = node; }
void fake_dm_create_ms(unsigned ms) { LOCKED; create_ms = ms; }
void fake_dm_reboot(int node) { LOCKED; memset(devs[node], 0, sizeof(devs[node])); }
const char *fake_dm_log(void)
{
	static _Thread_local char copy[LOG_MAX];
	LOCKED;
	return copied(copy, sizeof(copy), log_buf);
}

const char *fake_dm_queries(void)
{
	static _Thread_local char copy[LOG_MAX];
	LOCKED;
	return copied(copy, sizeof(copy), query_buf);
}

void fake_dm_clear_log(void) { LOCKED; log_buf[0] = query_buf[0] = '\0'; }

static void query(const char *op, const char *what)
{
	size_t len = strlen(query_buf);
	snprintf(query_buf + len, LOG_MAX - len, "%s %s\n", op, what);
}

void fake_dm_fail(const char *op, const char *what, int nth, int e)
{
	LOCKED;
	snprintf(failing.op, sizeof(failing.op), "%s", op);
	snprintf(failing.what, sizeof(failing.what), "%s", what ? what : "");
	failing.left = nth;
	failing.e = e;
}

/* Record the call; 0, or the errno an injected failure asks for. */
static int call(struct sd_err *err, const char *op, const char *name, const char *arg)
{
	size_t len = strlen(log_buf);
	snprintf(log_buf + len, LOG_MAX - len, "%s %s%s%s\n", op, name, arg ? " " : "",
		 arg ? arg : "");
	if (failing.left && !strcmp(op, failing.op) &&
	    (!arg || !strncmp(arg, failing.what, strlen(failing.what))) && --failing.left == 0)
		return sd_fail(err, failing.e, "%s %s failed (injected)", op, name);
	return 0;
}

static struct dev *find(const char *name)
{
	for (int i = 0; i < MAX_DEVS; i++)
		if (devs[cur][i].used && !strcmp(devs[cur][i].name, name))
			return &devs[cur][i];
	return NULL;
}

static struct pool_md *pool_md(const char *name, bool make)
{
	for (int i = 0; i < MAX_POOLS; i++)
		if (!strcmp(pools[i].name, name))
			return &pools[i];
	for (int i = 0; make && i < MAX_POOLS; i++)
		if (!pools[i].name[0]) {
			snprintf(pools[i].name, sizeof(pools[i].name), "%s", name);
			return &pools[i];
		}
	return NULL;
}

static bool has_thin(const struct pool_md *m, uint32_t id)
{
	for (size_t i = 0; m && i < m->n; i++)
		if (m->thins[i] == id)
			return true;
	return false;
}

/* The device a table names by path, if it is one of ours. */
static struct dev *referenced(const char *path)
{
	const char *p = strstr(path, "/dev/mapper/");
	char name[128];
	if (!p || sscanf(p + 12, "%127s", name) != 1)
		return NULL;
	return find(name);
}

/* How many live tables and processes hold d open. */
static int holders(const struct dev *d)
{
	int n = d->opened;
	char path[160];
	snprintf(path, sizeof(path), "/dev/mapper/%s ", d->name);
	for (int i = 0; i < MAX_DEVS; i++) {
		const struct dev *o = &devs[cur][i];
		char params[SDM_PARAMS_MAX + 2];
		snprintf(params, sizeof(params), "%s ", o->live.params);
		n += o->used && o != d && o->live.set && strstr(params, path);
	}
	return n;
}

/* The kernel's table checks: what a table refers to must exist, and a thin
 * device's id must be in its pool. */
static int load(struct table *out, const struct sdm_target *t, size_t n, struct sd_err *err)
{
	if (!n)
		return sd_fail(err, EINVAL, "empty table");
	uint64_t sectors = 0;
	for (size_t i = 0; i < n; i++)
		sectors += t[i].len;
	char pool[160];
	uint32_t id;
	if (!strcmp(t[0].type, "thin")) {
		struct dev *p = referenced(t[0].params);
		char origin[160];
		if (!p || sscanf(t[0].params, "%159s %" SCNu32, pool, &id) != 2 ||
		    !has_thin(pool_md(p->name, false), id))
			return sd_fail(err, ENODATA, "thin: no thin device %s", t[0].params);
		/* an external origin must be there, and read-only */
		if (sscanf(t[0].params, "%*s %*u %159s", origin) == 1 &&
		    (!referenced(origin) || !referenced(origin)->read_only))
			return sd_fail(err, ENODEV, "thin: no read-only origin %s", origin);
	} else if (!strcmp(t[0].type, "thin-pool")) {
		char meta[160], data[160];
		if (sscanf(t[0].params, "%159s %159s", meta, data) != 2 || !referenced(meta) ||
		    !referenced(data))
			return sd_fail(err, ENODEV, "thin-pool: missing layer");
	} else if (strchr(t[0].params, '/') && !referenced(t[0].params)) {
		return sd_fail(err, ENODEV, "%s: missing device %s", t[0].type, t[0].params);
	}
	*out = (struct table){ .set = true, .sectors = sectors };
	snprintf(out->type, sizeof(out->type), "%s", t[0].type);
	snprintf(out->params, sizeof(out->params), "%s", t[0].params);
	return 0;
}

static int f_check(struct sd_err *err) { LOCKED; return call(err, "check", "-", NULL); }

static int f_block_dev(const char *path, char out[32], struct sd_err *err)
{
	LOCKED;
	(void)path, (void)err;
	snprintf(out, 32, "7:0");
	return 0;
}

static int f_create(const char *name, const char *uuid, const struct sdm_target *t, size_t n,
		    unsigned flags, struct sd_err *err)
{
	LOCKED;
	if (create_ms)
		usleep(create_ms * 1000);
	int rc = call(err, "create", name, flags & SDM_PRIVATE ? "private" : NULL);
	if (rc)
		return rc;
	if (find(name))
		return sd_fail(err, EEXIST, "creating %s failed: exists", name);
	struct dev *d = NULL;
	for (int i = 0; i < MAX_DEVS && !d; i++)
		d = devs[cur][i].used ? NULL : &devs[cur][i];
	struct table live;
	if ((rc = load(&live, t, n, err)))
		return rc;
	*d = (struct dev){ .used = true, .live = live, .read_only = flags & SDM_READONLY };
	snprintf(d->name, sizeof(d->name), "%s", name);
	snprintf(d->uuid, sizeof(d->uuid), "%s", uuid ? uuid : "");
	if (!strcmp(live.type, "thin-pool"))
		pool_md(name, true);
	return 0;
}

static struct dev *existing(const char *op, const char *name, struct sd_err *err, int *rc)
{
	*rc = call(err, op, name, NULL);
	struct dev *d = *rc ? NULL : find(name);
	if (!*rc && !d)
		*rc = sd_fail(err, ENXIO, "%s %s failed: no such device", op, name);
	return d;
}

static int f_reload(const char *name, const struct sdm_target *t, size_t n, struct sd_err *err)
{
	LOCKED;
	int rc;
	struct dev *d = existing("reload", name, err, &rc);
	return d ? load(&d->inactive, t, n, err) : rc;
}

static int f_suspend(const char *name, bool flush, struct sd_err *err)
{
	LOCKED;
	int rc;
	struct dev *d = existing(flush ? "suspend" : "suspend-noflush", name, err, &rc);
	if (d)
		d->suspended = true;
	return rc;
}

static int f_resume(const char *name, unsigned flags, struct sd_err *err)
{
	LOCKED;
	(void)flags;
	int rc;
	struct dev *d = existing("resume", name, err, &rc);
	if (d && d->inactive.set) {
		d->live = d->inactive;
		d->inactive.set = false;
	}
	if (d)
		d->suspended = false;
	return rc;
}

static int f_remove(const char *name, struct sd_err *err)
{
	LOCKED;
	int rc;
	struct dev *d = existing("remove", name, err, &rc);
	if (d && holders(d))
		return sd_fail(err, EBUSY, "removing %s failed: in use", name);
	if (d)
		d->used = false;
	return rc;
}

static int f_remove_unused(const char *name, struct sd_err *err)
{
	LOCKED;
	struct dev *d = find(name);
	if (d && holders(d))
		return 1;
	return d ? f_remove(name, err) : 0;
}

static int f_info(const char *name, struct sdm_info *info, struct sd_err *err)
{
	LOCKED;
	(void)err;
	query("info", name);
	const struct dev *d = find(name);
	*info = (struct sdm_info){ .exists = d != NULL };
	if (d) {
		info->suspended = d->suspended;
		info->live_table = d->live.set;
		info->inactive_table = d->inactive.set;
		info->read_only = d->read_only;
		info->open_count = holders(d);
	}
	return 0;
}

static int f_wait_event(const char *name, uint32_t event_nr, uint32_t *now, struct sd_err *err)
{
	LOCKED;
	int rc;
	existing("wait", name, err, &rc);
	*now = event_nr + 1;
	return rc;
}

/* no global event poll here: callers fall back to sleeping */
static int f_events_open(struct sd_err *err)
{
	LOCKED;
	return sd_fail(err, ENOSYS, "the fake has no dm event poll");
}

static int f_events_arm(int fd, struct sd_err *err)
{
	LOCKED;
	(void)fd;
	return sd_fail(err, ENOSYS, "the fake has no dm event poll");
}

static int f_events_wait(int fd, unsigned timeout_ms, struct sd_err *err)
{
	LOCKED;
	(void)fd, (void)timeout_ms;
	return sd_fail(err, ENOSYS, "the fake has no dm event poll");
}

static int f_io_count(const char *name, struct sdm_io_count *c, struct sd_err *err)
{
	LOCKED;
	int rc;
	const struct dev *d = existing("io_count", name, err, &rc);
	*c = (struct sdm_io_count){ d ? d->reads : 0, 0 };
	return rc;
}

static int f_target_type(const char *name, char *out, size_t len, struct sd_err *err)
{
	LOCKED;
	const struct dev *d = find(name);
	if (!d)
		return sd_fail(err, ENXIO, "no such device %s", name);
	snprintf(out, len, "%s", d->live.type);
	return 0;
}

static int f_size(const char *name, uint64_t *sectors, struct sd_err *err)
{
	LOCKED;
	const struct dev *d = find(name);
	if (!d)
		return sd_fail(err, ENXIO, "no such device %s", name);
	*sectors = d->live.sectors;
	return 0;
}

/* The thin-pool target's messages, applied to the pool's metadata. */
static int pool_message(struct pool_md *m, const char *msg, struct sd_err *err)
{
	uint32_t a, b;
	uint64_t from, to;
	if (sscanf(msg, "create_thin %" SCNu32, &a) == 1 ||
	    sscanf(msg, "create_snap %" SCNu32 " %" SCNu32, &a, &b) == 2) {
		if (has_thin(m, a)) /* as dm-thin answers */
			return sd_fail(err, EEXIST, "message %s refused: thin %u exists", msg, a);
		if ((msg[7] == 's' && !has_thin(m, b)) || m->n == MAX_THINS)
			return sd_fail(err, EINVAL, "message %s refused", msg);
		m->thins[m->n++] = a;
		return 0;
	}
	if (sscanf(msg, "delete %" SCNu32, &a) == 1) {
		for (size_t i = 0; i < m->n; i++)
			if (m->thins[i] == a) {
				m->thins[i] = m->thins[--m->n];
				return 0;
			}
		return sd_fail(err, ENODATA, "message %s: no such thin", msg);
	}
	if (sscanf(msg, "set_transaction_id %" SCNu64 " %" SCNu64, &from, &to) == 2) {
		if (from != m->tid)
			return sd_fail(err, EINVAL, "message %s: transaction is %" PRIu64, msg, m->tid);
		m->tid = to;
		return 0;
	}
	return sd_fail(err, EINVAL, "unknown message %s", msg);
}

static int f_message(const char *name, const char *msg, struct sd_err *err)
{
	LOCKED;
	int rc = call(err, "message", name, msg);
	const struct dev *d = rc ? NULL : find(name);
	if (rc || !d || strcmp(d->live.type, "thin-pool") || d->suspended)
		return (rc ? rc : sd_fail(err, EINVAL, "message to %s refused", name));
	if (strstr(d->live.params, "read_only")) /* the kernel changes nothing in it */
		return sd_fail(err, EPERM, "message to %s refused: read-only pool", name);
	return pool_message(pool_md(name, true), msg, err);
}

static int f_status(const char *name, char **out, struct sd_err *err)
{
	LOCKED;
	const struct dev *d = find(name);
	if (!d)
		return sd_fail(err, ENXIO, "no such device %s", name);
	char line[128] = "0 -";
	if (!strcmp(d->live.type, "thin-pool")) {
		const struct pool_md *m = pool_md(name, true);
		uint64_t blocks = d->live.sectors / 128;
		snprintf(line, sizeof(line), "%" PRIu64 " %u/1000 %" PRIu64 "/%" PRIu64 " - %s "
			 "discard_passdown queue_if_no_space %s 1024", m->tid,
			 m->meta_pct ? m->meta_pct * 10 : 10, blocks * m->used_pct / 100, blocks,
			 strstr(d->live.params, "read_only") || m->needs_check ? "ro" : "rw",
			 m->needs_check ? "needs_check" : "-");
	}
	*out = strdup(line);
	return 0;
}

static int f_list_uuid_prefix(const char *prefix, char ***names, size_t *n, struct sd_err *err)
{
	LOCKED;
	(void)err;
	query("list", prefix);
	*names = calloc(MAX_DEVS, sizeof(char *));
	*n = 0;
	for (int i = 0; i < MAX_DEVS; i++) {
		const struct dev *d = &devs[cur][i];
		if (d->used && !strncmp(d->uuid, prefix, strlen(prefix)))
			(*names)[(*n)++] = strdup(d->name);
	}
	return 0;
}

static int f_no_space_timeout(int set, unsigned *now, struct sd_err *err)
{
	LOCKED;
	(void)err;
	if (set >= 0)
		no_space_timeout = (unsigned)set;
	*now = no_space_timeout;
	return 0;
}

/* No udev here: a batch's end is a wait that cannot fail, unless a test
 * injects a failure ("udev_wait": udev never finished). */
static int f_udev_batch(bool on, struct sd_err *err)
{
	LOCKED;
	return on ? 0 : call(err, "udev_wait", "batch", NULL);
}

const struct sdm_ops fake_dm = {
	.check = f_check,
	.block_dev = f_block_dev,
	.create = f_create,
	.reload = f_reload,
	.suspend = f_suspend,
	.resume = f_resume,
	.remove = f_remove,
	.remove_unused = f_remove_unused,
	.info = f_info,
	.wait_event = f_wait_event,
	.events_open = f_events_open,
	.events_arm = f_events_arm,
	.events_wait = f_events_wait,
	.io_count = f_io_count,
	.target_type = f_target_type,
	.size = f_size,
	.message = f_message,
	.status = f_status,
	.list_uuid_prefix = f_list_uuid_prefix,
	.no_space_timeout = f_no_space_timeout,
	.udev_batch = f_udev_batch,
};

int fake_dm_count(void)
{
	LOCKED;
	int n = 0;
	for (int i = 0; i < MAX_DEVS; i++)
		n += devs[cur][i].used;
	return n;
}

bool fake_dm_exists(const char *name) { LOCKED; return find(name) != NULL; }

const char *fake_dm_type(const char *name)
{
	static _Thread_local char copy[sizeof(((struct table *)0)->type)];
	LOCKED;
	const struct dev *d = find(name);
	return copied(copy, sizeof(copy), d ? d->live.type : "");
}

bool fake_dm_suspended(const char *name)
{
	LOCKED;
	const struct dev *d = find(name);
	return d && d->suspended;
}

const char *fake_dm_params(const char *name)
{
	static _Thread_local char copy[SDM_PARAMS_MAX];
	LOCKED;
	const struct dev *d = find(name);
	return copied(copy, sizeof(copy), d ? d->live.params : "");
}

bool fake_dm_read_only(const char *name)
{
	LOCKED;
	const struct dev *d = find(name);
	return d && d->read_only;
}

void fake_dm_open(const char *name, int delta, uint64_t reads)
{
	LOCKED;
	struct dev *d = find(name);
	if (d) {
		d->opened += delta;
		d->reads += reads;
	}
}

uint64_t fake_dm_pool_tid(const char *pool)
{
	LOCKED;
	const struct pool_md *m = pool_md(pool, false);
	return m ? m->tid : 0;
}

bool fake_dm_pool_has(const char *pool, uint32_t thin_id)
{
	LOCKED;
	return has_thin(pool_md(pool, false), thin_id);
}

void fake_dm_pool_add_thin(const char *pool, uint32_t thin_id)
{
	LOCKED;
	struct pool_md *m = pool_md(pool, true);
	if (!has_thin(m, thin_id) && m->n < MAX_THINS)
		m->thins[m->n++] = thin_id;
}

void fake_dm_pool_fill(const char *pool, unsigned pct, unsigned meta_pct)
{
	LOCKED;
	pool_md(pool, true)->used_pct = pct;
	pool_md(pool, true)->meta_pct = meta_pct;
}

void fake_dm_pool_needs_check(const char *pool, bool on)
{
	LOCKED;
	pool_md(pool, true)->needs_check = on;
}
