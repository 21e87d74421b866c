/* libdevmapper calls.  libdevmapper's own log lines are captured, not
 * printed: the user gets one "stardm: ..." line, with the kernel's reason
 * folded into it. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libdevmapper.h>
#include <linux/dm-ioctl.h> /* the device list with uuids (list_with_uuids) */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <spawn.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/env.h"
#include "base/trace.h"
#include "dm.h"
#include "udev_watch.h"

static char last_log[256];

__attribute__((format(printf, 5, 6)))
static void capture_log(int level, const char *file, int line, int dm_errno, const char *f, ...)
{
	(void)file, (void)line, (void)dm_errno;
	if ((level & 7) > 3) /* keep errors and warnings only */
		return;
	va_list ap;
	va_start(ap, f);
	vsnprintf(last_log, sizeof(last_log), f, ap);
	va_end(ap);
}

static void setup_log(void)
{
	static int done;
	if (!done) {
		dm_log_with_errno_init(capture_log);
		done = 1;
	}
	last_log[0] = '\0';
}

/* Destroy dmt and say how it went: 0, or the errno of its failed ioctl
 * (EIO when libdevmapper failed before reaching the kernel), so callers
 * learn what failed (EEXIST, EBUSY, ENXIO, ...) and not only that it did. */
static int finish(struct dm_task *dmt, int ok)
{
	int e = ok ? 0 : dmt ? dm_task_get_errno(dmt) : ENOMEM;
	if (dmt)
		dm_task_destroy(dmt);
	return ok ? 0 : e > 0 ? e : EIO;
}

static int fail(struct sd_err *err, int e, const char *what, const char *name)
{
	return sd_fail(err, e, "%s %s failed%s%s", what, name, last_log[0] ? ": " : "", last_log);
}

static struct dm_task *task(int type, const char *name)
{
	setup_log();
	struct dm_task *dmt = dm_task_create(type);
	if (dmt && name && !dm_task_set_name(dmt, name)) {
		dm_task_destroy(dmt);
		return NULL;
	}
	return dmt;
}

/* dm_task_run, its time charged to phase (base/trace.h) */
static int run(struct dm_task *dmt, const char *phase)
{
	uint64_t t = sd_trace_begin();
	int ok = dm_task_run(dmt);
	sd_trace_end(t, phase);
	return ok;
}

uint16_t sdm_udev_flags(unsigned flags)
{
	if (flags & SDM_PRIVATE)
		return DM_UDEV_DISABLE_SUBSYSTEM_RULES_FLAG | DM_UDEV_DISABLE_DISK_RULES_FLAG |
		       DM_UDEV_DISABLE_OTHER_RULES_FLAG;
	if (flags & SDM_GUEST)
		return DM_UDEV_DISABLE_DISK_RULES_FLAG | DM_UDEV_DISABLE_OTHER_RULES_FLAG;
	return 0;
}

/* How long a command waits for udev to finish with a device's event:
 * STARDM_UDEV_TIMEOUT seconds, 30 unless set. */
static uint64_t udev_timeout_ms(void)
{
	return sd_env_number("STARDM_UDEV_TIMEOUT", 30, UINT32_MAX) * 1000;
}

/* Set once a wait ran out: udev is stuck, and the rest of this command
 * (its undo above all) must not wait again, each time for the whole limit. */
static bool udev_stuck;
/* sdm_udev_batch: how deep (batches nest: the outermost one waits), and
 * the cookie its tasks share (0: none yet) */
static unsigned batching;
static uint32_t batch_cookie;

/* How this process waits for udev, chosen on first use: not at all (no
 * udevd: libdevmapper makes the nodes itself), on libdevmapper's cookie
 * semaphores, or on udev's announcements (udev_watch.h).  The last is the
 * rule: with libdevmapper's own synchronisation off, a task's cookie
 * carries its udev flags alone, which stardm's rule reads without the two
 * dmsetup programs a semaphore's release costs in each event.  Cookies
 * are kept where the socket cannot be opened, or when asked for
 * (STARDM_UDEV_COOKIES=1). */
enum udev_way { WAY_UNSET, WAY_NONE, WAY_COOKIES, WAY_WATCH };

static enum udev_way udev_way(void)
{
	static enum udev_way way;
	if (way != WAY_UNSET)
		return way;
	/* libdevmapper's checks below open the control node: their complaints
	 * (no dm at all) are captured, as a task's are */
	setup_log();
	const char *env = getenv("STARDM_UDEV_COOKIES");
	if (!dm_udev_get_sync_support())
		way = WAY_NONE;
	else if ((env && !strcmp(env, "1")) || udev_watch_listen())
		way = WAY_COOKIES;
	else
		way = WAY_WATCH;
	if (way == WAY_WATCH)
		dm_udev_set_sync_support(0);
	return way;
}

/* Wait (bounded) until udev has finished with the events of cookie, or
 * with the events udev_watch expects, since a stuck udev worker must not
 * hang a command for ever (the devices themselves are there: only their
 * links may be missing). */
static int udev_wait(uint32_t cookie, const char *what, const char *name, struct sd_err *err)
{
	uint64_t t = sd_trace_begin();
	uint64_t limit = udev_stuck ? 0 : udev_timeout_ms(), waited = 0;
	int ready = !cookie;
	if (udev_way() == WAY_WATCH)
		ready = udev_watch_wait(limit);
	else
		while (!ready && dm_udev_wait_immediate(cookie, &ready) && !ready && waited < limit) {
			sd_sleep_ms(10);
			waited += 10;
		}
	/* the /dev/mapper nodes libdevmapper makes itself where udev does not
	 * (a full dm_udev_wait does this too) */
	dm_task_update_nodes();
	sd_trace_end(t, "udev-wait");
	if (ready || udev_stuck)
		return 0;
	udev_stuck = true;
	return sd_fail(err, ETIMEDOUT, "%s %s: udev did not finish with its event within "
		       "%" PRIu64 " s (is systemd-udevd stuck?)", what, name, limit / 1000);
}

/* The uevent a task raises once it ran: none, a change of the device (a
 * create or resume: its number comes from the task) or its removal (the
 * number known before it goes). */
enum raises { RAISES_NONE, RAISES_CHANGE, RAISES_REMOVAL };
struct uevent_of {
	enum raises raises;
	uint32_t major, minor;
};

/* What a resume of name will raise: the kernel announces a resume only
 * when the device was suspended or had a table waiting. */
static struct uevent_of resume_raises(const char *name)
{
	struct sdm_info info;
	bool ok = sdm_info(name, &info, NULL) == 0 && info.exists;
	bool raises = ok && (info.suspended || info.inactive_table);
	return (struct uevent_of){ .raises = raises ? RAISES_CHANGE : RAISES_NONE };
}

/* The same for a removal of name. */
static struct uevent_of removal_raises(const char *name)
{
	struct sdm_info info;
	bool ok = sdm_info(name, &info, NULL) == 0 && info.exists;
	return (struct uevent_of){ ok ? RAISES_REMOVAL : RAISES_NONE, info.major, info.minor };
}

/* Tell udev_watch what dmt, just run, made udev do. */
static void expect(struct dm_task *dmt, struct uevent_of ev)
{
	struct dm_info di;
	if (ev.raises == RAISES_CHANGE && dm_task_get_info(dmt, &di) && di.exists)
		udev_watch_expect(di.major, di.minor, false);
	else if (ev.raises == RAISES_REMOVAL)
		udev_watch_expect(ev.major, ev.minor, true);
}

/* Run a task that creates, removes or resumes a device.  With udev
 * running, libdevmapper leaves the node and links to udev and we wait for
 * udev to finish with the task's event (udev_way), so that they exist (or
 * are gone) when we return; in a batch the wait comes once at its end,
 * unless the caller opens the node at once (SDM_NODE_NOW).  Every such
 * task carries a cookie: without one libdevmapper handles /dev/mapper
 * itself behind udev's back, and a volume's node and links were seen gone
 * after a resume so made.  Without udev (DM_DISABLE_UDEV) libdevmapper
 * makes the nodes itself and there is nothing to wait for. */
static int run_synced(struct dm_task *dmt, unsigned flags, struct uevent_of ev, const char *phase,
		      const char *what, const char *name, struct sd_err *err)
{
	uint32_t own = 0;
	bool later = batching && !(flags & SDM_NODE_NOW);
	uint32_t *cookie = later ? &batch_cookie : &own;
	bool watch = udev_way() == WAY_WATCH;
	if (watch)
		udev_watch_listen();
	int ok = dmt && dm_task_set_cookie(dmt, cookie, sdm_udev_flags(flags)) && run(dmt, phase);
	if (ok && watch)
		expect(dmt, ev);
	int e = finish(dmt, ok);
	int rc = later ? 0 : udev_wait(own, what, name, err);
	return e ? fail(err, e, what, name) : rc;
}

int sdm_udev_batch(bool on, struct sd_err *err)
{
	if (on || !batching) {
		batching += on;
		return 0;
	}
	if (--batching || (!batch_cookie && udev_way() != WAY_WATCH))
		return 0;
	uint32_t cookie = batch_cookie;
	batch_cookie = 0;
	return udev_wait(cookie, "waiting for", "the devices just made or removed", err);
}

/* A table's references to devices by /dev/mapper path become major:minor
 * (as lvm2 writes them), so that a device made in a udev batch can be
 * named before its node exists.  0, or -1 when out of room. */
static int by_number(const char *params, char *out, size_t len)
{
	size_t at = 0;
	for (const char *p = params; *p;) {
		size_t word = strcspn(p, " "), gap = strspn(p + word, " ");
		struct sdm_info info;
		char name[DM_NAME_LEN], num[24];
		const char *put = p;
		size_t n = word;
		if (word > 12 && word - 12 < sizeof(name) && !strncmp(p, "/dev/mapper/", 12)) {
			snprintf(name, sizeof(name), "%.*s", (int)(word - 12), p + 12);
			if (sdm_info(name, &info, NULL) == 0 && info.exists) {
				n = (size_t)snprintf(num, sizeof(num), "%u:%u", info.major, info.minor);
				put = num;
			}
		}
		if (at + n + gap >= len)
			return -1;
		memcpy(out + at, put, n);
		memcpy(out + at + n, p + word, gap);
		at += n + gap;
		p += word + gap;
	}
	out[at] = '\0';
	return 0;
}

static int add_targets(struct dm_task *dmt, const struct sdm_target *t, size_t n)
{
	char params[sizeof(t[0].params)];
	for (size_t i = 0; i < n; i++)
		if (by_number(t[i].params, params, sizeof(params)) ||
		    !dm_task_add_target(dmt, t[i].start, t[i].len, t[i].type, params))
			return 0;
	return 1;
}

/* Which of the targets stardm needs the kernel has now. */
static int list_targets(bool *linear, bool *thin)
{
	struct dm_task *dmt = task(DM_DEVICE_LIST_VERSIONS, NULL);
	if (!dmt || !run(dmt, "dm-versions")) {
		if (dmt)
			dm_task_destroy(dmt);
		return -1;
	}
	struct dm_versions *v = dm_task_get_versions(dmt), *last;
	bool pool = false, th = false;
	*linear = false;
	do {
		last = v;
		pool |= !strcmp(v->name, "thin-pool") && v->version[0] >= 1;
		th |= !strcmp(v->name, "thin") && v->version[0] >= 1;
		*linear |= !strcmp(v->name, "linear");
		v = (struct dm_versions *)((char *)v + v->next);
	} while (last != v);
	dm_task_destroy(dmt);
	*thin = pool && th;
	return 0;
}

/* modprobe MODULE, as lvm2 loads the targets it needs; its outcome is
 * read from the target list afterwards. */
static void load_module(const char *module)
{
	char *argv[] = { "modprobe", "-q", (char *)module, NULL };
	pid_t pid;
	int status;
	if (posix_spawnp(&pid, "modprobe", NULL, NULL, argv, environ) == 0)
		waitpid(pid, &status, 0);
}

/* Asked once per process: a node's start asks before each of its pools.
 * A target module unloaded by hand since then fails the table's load
 * itself, with the kernel's reason. */
int sdm_check(struct sd_err *err)
{
	static bool there;
	if (there)
		return 0;
	bool linear, thin;
	if (list_targets(&linear, &thin))
		return sd_fail(err, ENODEV, "device-mapper is not available (is dm_mod loaded?)");
	if (!thin) {
		load_module("dm_thin_pool");
		list_targets(&linear, &thin);
	}
	if (!linear || !thin)
		return sd_fail(err, ENODEV, "the kernel lacks the dm %s target (modprobe dm_thin_pool)",
			       !linear ? "linear" : "thin-pool");
	there = true;
	return 0;
}

int sdm_create(const char *name, const char *uuid, const struct sdm_target *t, size_t n,
	       unsigned flags, struct sd_err *err)
{
	struct dm_task *dmt = task(DM_DEVICE_CREATE, name);
	int ok = dmt && (!uuid || !*uuid || dm_task_set_uuid(dmt, uuid)) &&
		 add_targets(dmt, t, n) && (!(flags & SDM_READONLY) || dm_task_set_ro(dmt));
	struct uevent_of ev = { .raises = RAISES_CHANGE };
	int rc = ok ? run_synced(dmt, flags, ev, "dm-create", "creating", name, err)
		    : fail(err, finish(dmt, 0), "creating", name);
	if (rc == 0)
		return rc;
	/* not made after all: the table was refused, or udev never named it
	 * (then the command fails, and leaves nothing behind) */
	struct sdm_info info;
	if (sdm_info(name, &info, NULL) == 0 && info.exists) /* created but table refused */
		sdm_remove(name, NULL);
	return rc;
}

int sdm_reload(const char *name, const struct sdm_target *t, size_t n, struct sd_err *err)
{
	struct dm_task *dmt = task(DM_DEVICE_RELOAD, name);
	int ok = dmt && add_targets(dmt, t, n) && run(dmt, "dm-load");
	int e = finish(dmt, ok);
	return e ? fail(err, e, "loading a table into", name) : 0;
}

int sdm_suspend(const char *name, bool flush, struct sd_err *err)
{
	struct dm_task *dmt = task(DM_DEVICE_SUSPEND, name);
	int ok = dmt && (flush || dm_task_no_flush(dmt)) && run(dmt, "dm-suspend");
	int e = finish(dmt, ok);
	return e ? fail(err, e, "suspending", name) : 0;
}

int sdm_resume(const char *name, struct sd_err *err)
{
	return sdm_resume_flags(name, 0, err);
}

int sdm_resume_flags(const char *name, unsigned flags, struct sd_err *err)
{
	struct uevent_of ev = udev_way() == WAY_WATCH ? resume_raises(name) : (struct uevent_of){ 0 };
	struct dm_task *dmt = task(DM_DEVICE_RESUME, name);
	return dmt ? run_synced(dmt, flags, ev, "dm-resume", "resuming", name, err)
		   : fail(err, ENOMEM, "resuming", name);
}

int sdm_remove(const char *name, struct sd_err *err)
{
	struct uevent_of ev = udev_way() == WAY_WATCH ? removal_raises(name) : (struct uevent_of){ 0 };
	struct dm_task *dmt = task(DM_DEVICE_REMOVE, name);
	if (!dmt || !dm_task_retry_remove(dmt))
		return fail(err, finish(dmt, 0), "removing", name);
	return run_synced(dmt, 0, ev, "dm-remove", "removing", name, err);
}

int sdm_remove_unused(const char *name, struct sd_err *err)
{
	struct sdm_info info;
	int rc = sdm_info(name, &info, err);
	if (rc || !info.exists)
		return rc;
	return info.open_count > 0 ? 1 : sdm_remove(name, err);
}

int sdm_io_count(const char *name, struct sdm_io_count *c, struct sd_err *err)
{
	struct sdm_info info;
	int rc = sdm_info(name, &info, err);
	if (rc)
		return rc;
	if (!info.exists)
		return sd_fail(err, ENOENT, "dm device %s does not exist", name);
	char path[64];
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/stat", info.major, info.minor);
	FILE *f = fopen(path, "re");
	unsigned long long r = 0, rm, rs, rt, w = 0;
	int n = f ? fscanf(f, "%llu %llu %llu %llu %llu", &r, &rm, &rs, &rt, &w) : 0;
	int e = errno;
	if (f)
		fclose(f);
	if (n != 5)
		return sd_fail(err, f ? EIO : e, "cannot read %s", path);
	*c = (struct sdm_io_count){ r, w };
	return 0;
}

int sdm_info(const char *name, struct sdm_info *info, struct sd_err *err)
{
	struct dm_task *dmt = task(DM_DEVICE_INFO, name);
	struct dm_info di;
	int ok = dmt && run(dmt, "dm-info") && dm_task_get_info(dmt, &di);
	int e = finish(dmt, ok);
	if (e)
		return fail(err, e, "querying", name);
	*info = (struct sdm_info){ di.exists, di.suspended, di.live_table, di.inactive_table,
				   di.read_only, di.open_count, di.major, di.minor, di.event_nr };
	return 0;
}

int sdm_wait_event(const char *name, uint32_t event_nr, uint32_t *now, struct sd_err *err)
{
	struct dm_task *dmt = task(DM_DEVICE_WAITEVENT, name);
	struct dm_info di;
	errno = 0;
	int ok = dmt && dm_task_set_event_nr(dmt, event_nr) && run(dmt, "dm-wait-event") &&
		 dm_task_get_info(dmt, &di);
	int saved = errno;
	int e = finish(dmt, ok);
	if (!e) {
		*now = di.event_nr;
		return 0;
	}
	if (saved == EINTR || e == EINTR)
		return sd_fail(err, EINTR, "waiting for an event of %s was interrupted", name);
	return fail(err, e, "waiting for an event of", name);
}

int sdm_message(const char *name, const char *msg, struct sd_err *err)
{
	struct dm_task *dmt = task(DM_DEVICE_TARGET_MSG, name);
	int ok = dmt && dm_task_set_sector(dmt, 0) && dm_task_set_message(dmt, msg) &&
		 run(dmt, "dm-message");
	int e = finish(dmt, ok);
	if (!e)
		return 0;
	return sd_fail(err, e, "pool message '%s' to %s failed%s%s", msg, name,
		       last_log[0] ? ": " : "", last_log);
}

/* A DM_DEVICE_TABLE task run on name, or NULL (err filled): the targets'
 * types and extents without their status, which a thin-pool would first
 * commit its metadata for. */
static struct dm_task *table_task(const char *name, struct sd_err *err)
{
	struct dm_task *dmt = task(DM_DEVICE_TABLE, name);
	if (dmt && run(dmt, "dm-table"))
		return dmt;
	fail(err, finish(dmt, 0), "reading the table of", name);
	return NULL;
}

int sdm_target_type(const char *name, char *out, size_t len, struct sd_err *err)
{
	struct dm_task *dmt = table_task(name, err);
	if (!dmt)
		return -EIO;
	uint64_t start, sectors;
	char *type = NULL, *params;
	dm_get_next_target(dmt, NULL, &start, &sectors, &type, &params);
	snprintf(out, len, "%s", type ? type : "");
	dm_task_destroy(dmt);
	return 0;
}

int sdm_size(const char *name, uint64_t *sectors, struct sd_err *err)
{
	struct dm_task *dmt = table_task(name, err);
	if (!dmt)
		return -EIO;
	uint64_t start, len;
	char *type, *params;
	void *next = NULL;
	*sectors = 0;
	do {
		next = dm_get_next_target(dmt, next, &start, &len, &type, &params);
		if (type)
			*sectors = start + len;
	} while (next);
	dm_task_destroy(dmt);
	return 0;
}

int sdm_status(const char *name, char **out, struct sd_err *err)
{
	/* without a flush: a thin-pool would commit its metadata first, a
	 * write to the LUN (while a snapshot's origin waits, for one) that
	 * nothing read here needs: the counts are the pool's own either way */
	struct dm_task *dmt = task(DM_DEVICE_STATUS, name);
	if (!dmt || !dm_task_no_flush(dmt) || !run(dmt, "dm-status"))
		return fail(err, finish(dmt, 0), "reading the status of", name);
	uint64_t start, len;
	char *type = NULL, *params = NULL;
	dm_get_next_target(dmt, NULL, &start, &len, &type, &params);
	*out = strdup(params ? params : "");
	dm_task_destroy(dmt);
	return *out ? 0 : sd_fail(err, ENOMEM, "out of memory");
}

/* The kernel's device list with every device's uuid, in one ioctl: dm
 * 4.45 and later add the uuids when asked with DM_UUID_FLAG, which
 * Debian 12's libdevmapper (1.02.185) never sets, so this one call goes to
 * the control node itself.  NULL when the kernel is older or anything
 * fails: the caller then asks each device through libdevmapper. */
static struct dm_ioctl *list_with_uuids(void)
{
	int fd = open("/dev/mapper/control", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	for (size_t size = 16384; size <= (16u << 20); size *= 2) {
		struct dm_ioctl *io = calloc(1, size);
		if (!io)
			break;
		*io = (struct dm_ioctl){ .version = { 4, 45, 0 }, .data_size = (uint32_t)size,
					 .data_start = sizeof(*io), .flags = DM_UUID_FLAG };
		uint64_t t = sd_trace_begin();
		int r = ioctl(fd, DM_LIST_DEVICES, io);
		sd_trace_end(t, "dm-list");
		if (r == 0 && !(io->flags & DM_BUFFER_FULL_FLAG)) {
			close(fd);
			return io;
		}
		free(io);
		if (r)
			break;
	}
	close(fd);
	return NULL;
}

/* Each entry's uuid sits after its name, 8-byte aligned: an event number,
 * flags, then the uuid when flagged. */
static const char *entry_uuid(const struct dm_name_list *nl)
{
	size_t at = offsetof(struct dm_name_list, name) + strlen(nl->name) + 1;
	const uint32_t *extra = (const uint32_t *)((const char *)nl + ((at + 7) & ~(size_t)7));
	return extra[1] & DM_NAME_LIST_FLAG_HAS_UUID ? (const char *)(extra + 2) : "";
}

static int add_name(char ***names, size_t *n, size_t *cap, const char *name, struct sd_err *err)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		char **p = realloc(*names, c * sizeof(*p));
		if (!p)
			return sd_fail(err, ENOMEM, "out of memory");
		*names = p;
		*cap = c;
	}
	if (!((*names)[*n] = strdup(name)))
		return sd_fail(err, ENOMEM, "out of memory");
	(*n)++;
	return 0;
}

static int list_each_info(const char *prefix, char ***names, size_t *n, struct sd_err *err)
{
	struct dm_task *dmt = task(DM_DEVICE_LIST, NULL);
	if (!dmt || !run(dmt, "dm-list"))
		return fail(err, finish(dmt, 0), "listing", "devices");
	struct dm_names *nm = dm_task_get_names(dmt);
	size_t cap = 0;
	int rc = 0;
	for (unsigned next = 0; nm && nm->dev && !rc; next = nm->next) {
		nm = (struct dm_names *)((char *)nm + next);
		struct dm_task *q = task(DM_DEVICE_INFO, nm->name);
		const char *uuid = q && run(q, "dm-info") ? dm_task_get_uuid(q) : NULL;
		if (uuid && !strncmp(uuid, prefix, strlen(prefix)))
			rc = add_name(names, n, &cap, nm->name, err);
		if (q)
			dm_task_destroy(q);
		if (!nm->next)
			break;
	}
	dm_task_destroy(dmt);
	return rc;
}

int sdm_list_uuid_prefix(const char *prefix, char ***names, size_t *n, struct sd_err *err)
{
	*names = NULL;
	*n = 0;
	setup_log();
	struct dm_ioctl *io = list_with_uuids();
	if (!io)
		return list_each_info(prefix, names, n, err);
	const struct dm_name_list *nl = (const struct dm_name_list *)((char *)io + io->data_start);
	size_t cap = 0;
	int rc = 0;
	for (unsigned next = 0; nl->dev && !rc; next = nl->next) {
		nl = (const struct dm_name_list *)((const char *)nl + next);
		if (!strncmp(entry_uuid(nl), prefix, strlen(prefix)))
			rc = add_name(names, n, &cap, nl->name, err);
		if (!nl->next)
			break;
	}
	free(io);
	return rc;
}

void sdm_free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int sdm_block_dev(const char *path, char out[32], struct sd_err *err)
{
	struct stat st;
	if (stat(path, &st) || !S_ISBLK(st.st_mode))
		return sd_fail(err, ENOTBLK, "%s is not a block device: pools need one", path);
	snprintf(out, 32, "%u:%u", major(st.st_rdev), minor(st.st_rdev));
	return 0;
}

const struct sdm_ops sdm_kernel = {
	.check = sdm_check,
	.block_dev = sdm_block_dev,
	.create = sdm_create,
	.reload = sdm_reload,
	.suspend = sdm_suspend,
	.resume = sdm_resume_flags,
	.remove = sdm_remove,
	.remove_unused = sdm_remove_unused,
	.info = sdm_info,
	.wait_event = sdm_wait_event,
	.events_open = sdm_events_open,
	.events_arm = sdm_events_arm,
	.events_wait = sdm_events_wait,
	.io_count = sdm_io_count,
	.target_type = sdm_target_type,
	.size = sdm_size,
	.message = sdm_message,
	.status = sdm_status,
	.list_uuid_prefix = sdm_list_uuid_prefix,
	.no_space_timeout = sdm_no_space_timeout,
	.udev_batch = sdm_udev_batch,
};
