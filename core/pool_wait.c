/* Waiting for a pool's dm events: the thin-pool target raises one when free
 * data space drops below the low water mark, when it runs out of space and
 * when it changes mode (read-only, fail).  The monitor sleeps on this; the
 * `wait` command exposes it to scripts. */
#include "core/pool_wait.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "core/dm_names.h"
#include "core/dm_ops.h"
#include "core/pool.h"

static void on_alarm(int sig)
{
	(void)sig; /* only there so the wait ioctl returns EINTR */
}

int sdg_pool_wait(const struct sdg *g, const struct sd_pool *p, unsigned timeout_s,
		  struct sdg_pool_live *after, struct sd_err *err)
{
	struct sdg_dm_id pool;
	sdg_dm_pool(g, p, SDG_DM_POOL, &pool);
	const char *name = pool.name;
	struct sdm_info info;
	if (sdg_dm->info(name, &info, err))
		return -1;
	if (!info.exists)
		return sd_fail(err, ENOENT, "pool of VM %u is not active on this node", p->vmid);
	/* no SA_RESTART: the alarm must break the blocking ioctl */
	struct sigaction sa = { .sa_handler = on_alarm }, old;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, &old);
	alarm(timeout_s);
	uint32_t now;
	int rc = sdg_dm->wait_event(name, info.event_nr, &now, err);
	alarm(0);
	sigaction(SIGALRM, &old, NULL);
	if (rc == -EINTR)
		return sd_fail(err, ETIMEDOUT, "pool of VM %u: no event within %u s", p->vmid,
			       timeout_s);
	if (rc)
		return rc;
	if (sdg_pool_live(g, p, after) || !after->active)
		return sd_fail(err, EIO, "pool of VM %u: cannot read its status after the event",
			       p->vmid);
	return 0;
}

int sdg_events_open(void)
{
	struct sd_err err = {0};
	int fd = sdg_dm->events_open(&err);
	return fd < 0 ? -1 : fd;
}

void sdg_events_arm(int *fd)
{
	struct sd_err err = {0};
	if (*fd >= 0 && sdg_dm->events_arm(*fd, &err)) {
		close(*fd);
		*fd = -1;
	}
}

int sdg_events_wait(int *fd, unsigned timeout_ms)
{
	if (*fd < 0) {
		sd_sleep_ms(timeout_ms);
		return 0;
	}
	struct sd_err err = {0};
	int rc = sdg_dm->events_wait(*fd, timeout_ms, &err);
	if (rc < 0) {
		close(*fd);
		*fd = -1;
		sd_sleep_ms(timeout_ms);
		return 0;
	}
	return rc;
}
