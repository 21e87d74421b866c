#include "core/discard.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/dm_names.h"
#include "core/dm_ops.h"
#include "core/group_impl.h"

int sdg_pool_byte_runs(const struct sdg *g, uint32_t pool_id, struct sdg_byte_runs *out)
{
	const struct sd_geometry *geo = &g->st->geo;
	*out = (struct sdg_byte_runs){ 0, 0, NULL };
	for (size_t i = 0; i < g->state.segments.n; i++) {
		const struct sd_segment *s = &g->state.segments.v[i];
		if (s->pool_id != pool_id)
			continue;
		if (out->n == out->cap) {
			size_t cap = out->cap ? out->cap * 2 : 8;
			void *v = realloc(out->v, cap * sizeof(*out->v));
			if (!v)
				return -ENOMEM;
			out->v = v;
			out->cap = cap;
		}
		out->v[out->n++] = (struct sdg_byte_run){ geo->data_offset + s->start * geo->extent_size,
							   s->count * geo->extent_size };
	}
	return 0;
}

/* One range: BLKDISCARD on a block device, a hole punched in a file. */
static int discard_one(int fd, bool blockdev, const struct sdg_byte_run *r)
{
	if (blockdev) {
		uint64_t range[2] = { r->offset, r->len };
		return ioctl(fd, BLKDISCARD, range) ? -errno : 0;
	}
	return fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)r->offset,
			 (off_t)r->len) ? -errno : 0;
}

int64_t sdg_discard_runs(const struct sdg *g, const struct sdg_byte_runs *runs)
{
	if (g->state.group_flags & SD_GROUP_NO_DISCARD || !runs->n)
		return 0;
	int fd = open(g->path, O_WRONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st)) {
		int e = -errno;
		if (fd >= 0)
			close(fd);
		return e;
	}
	int64_t done = 0;
	for (size_t i = 0; i < runs->n; i++) {
		int rc = discard_one(fd, S_ISBLK(st.st_mode), &runs->v[i]);
		if (rc == -EOPNOTSUPP || rc == -ENOTTY) /* the LUN cannot: nothing to give back */
			break;
		if (rc) {
			done = rc;
			break;
		}
		done += (int64_t)runs->v[i].len;
	}
	close(fd);
	return done;
}

void sdg_byte_runs_free(struct sdg_byte_runs *r)
{
	free(r->v);
	*r = (struct sdg_byte_runs){ 0, 0, NULL };
}

int sdg_set_discards(struct sdg *g, bool on, struct sd_err *err)
{
	if (on)
		g->state.group_flags &= ~SD_GROUP_NO_DISCARD;
	else
		g->state.group_flags |= SD_GROUP_NO_DISCARD;
	return sdg_commit(g, err);
}

void sdg_discard_thin(struct sdg *g, const struct sd_pool *p, const struct sd_pending *del)
{
	if (!del->discard_sectors || !sdg_discards(g))
		return;
	struct sdg_dm_id pool, dev;
	struct sdm_info info;
	sdg_dm_pool(g, p, SDG_DM_POOL, &pool);
	sdg_dm_discard(g, p, del->thin_id, &dev);
	if (sdg_dm->info(dev.name, &info, NULL) == 0 && info.exists) /* a killed run's */
		sdg_dm->remove(dev.name, NULL);
	struct sdm_target t;
	sdm_table_thin(&t, del->discard_sectors, pool.path, del->thin_id);
	if (sdg_dm->create(dev.name, dev.uuid, &t, 1, dev.dm_flags | SDM_NODE_NOW, NULL))
		return; /* already deleted (a repeated apply): nothing to give back */
	int fd = open(dev.path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		uint64_t range[2] = { 0, del->discard_sectors * 512 };
		(void)!ioctl(fd, BLKDISCARD, range);
		close(fd);
	}
	sdg_dm->remove(dev.name, NULL);
}

bool sdg_discards(const struct sdg *g)
{
	return !(g->state.group_flags & SD_GROUP_NO_DISCARD);
}
