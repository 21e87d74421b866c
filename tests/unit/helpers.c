#include "helpers.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "metadata/codec.h"
#include "metadata/ops.h"

static char paths[4][256];
static pid_t paths_owner;

static void remove_images(void)
{
	if (getpid() != paths_owner)
		return;
	for (int i = 0; i < 4; i++)
		if (paths[i][0])
			unlink(paths[i]);
}

/* A run ended by a signal (its reader gone, ^C, the hang alarm) leaves no
 * images behind either; then it dies of that signal. */
static void remove_images_and_die(int sig)
{
	static const char hung[] = "\nrun-unit: the test above hung: the alarm ended the run\n";
	if (sig == SIGALRM) {
		ssize_t said = write(STDOUT_FILENO, hung, sizeof(hung) - 1);
		(void)said; /* a line lost on the way out changes nothing */
	}
	remove_images();
	signal(sig, SIG_DFL);
	raise(sig);
}

const char *tmp_image(int slot, uint64_t size)
{
	if (!paths_owner) {
		paths_owner = getpid();
		atexit(remove_images);
		const int sigs[] = { SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGALRM };
		for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
			signal(sigs[i], remove_images_and_die);
	}
	const char *dir = getenv("TMPDIR");
	snprintf(paths[slot], sizeof(paths[slot]), "%s/stardm-unit-%d-%d.img",
		 dir && *dir ? dir : "/var/tmp", (int)getpid(), slot);
	unlink(paths[slot]);
	int fd = open(paths[slot], O_CREAT | O_RDWR | O_TRUNC, 0600);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(ftruncate(fd, (off_t)size) == 0);
	close(fd);
	return paths[slot];
}

struct sd_io *open_io(const char *path)
{
	struct sd_io *io = NULL;
	struct sd_err err;
	int rc = sd_io_open(path, true, SD_IO_AUTO, &io, &err);
	if (rc)
		fprintf(stderr, "open_io: %s\n", err.msg);
	CU_ASSERT_FATAL(rc == 0);
	return io;
}

bool format_journal;

void format_image(const char *path, uint64_t slot_size, uint64_t extent_size,
		  struct sd_geometry *g)
{
	memset(g, 0, sizeof(*g));
	snprintf(g->name, sizeof(g->name), "testgrp");
	for (int i = 0; i < 16; i++)
		g->uuid[i] = (uint8_t)(0xa0 + i);
	g->slot_size = slot_size;
	g->extent_size = extent_size;
	g->journal = format_journal;
	struct sd_io *io = open_io(path);
	struct sd_err err;
	int rc = sd_store_format(io, g, NULL, &err);
	if (rc)
		fprintf(stderr, "format: %s\n", err.msg);
	CU_ASSERT_FATAL(rc == 0);
	sd_io_close(io);
}

void populate(struct sd_state *s, const struct sd_geometry *g, uint32_t first_vmid, int vms)
{
	struct sd_err err;
	for (int i = 0; i < vms; i++) {
		struct sd_pool *p;
		uint32_t vmid = first_vmid + (uint32_t)i;
		CU_ASSERT_FATAL(test_pool_add(s, g, vmid, 1, 2, 128, &p, &err) == 0);
		for (int d = 0; d < 2; d++) {
			char name[64];
			snprintf(name, sizeof(name), "vm-%u-disk-%d", vmid, d);
			CU_ASSERT_FATAL(sd_volume_add(s, p->id, name, (uint64_t)(d + 1) << 30, NULL, &err) == 0);
			CU_ASSERT_FATAL(sd_snapshot_add(s, name, "before-upgrade", &err) == 0);
		}
	}
	uint32_t hid;
	CU_ASSERT_FATAL(sd_host_register(s, g, "pve1", &hid, &err) == 0);
}

int load_from(const char *path, struct sd_state *s, struct sd_copy_status copy[2])
{
	struct sd_io *io;
	struct sd_err err;
	sd_state_init(s);
	if (sd_io_open(path, false, SD_IO_AUTO, &io, &err))
		return -EIO;
	struct sd_store *st;
	int rc = sd_store_open(io, copy ? SD_STORE_CHECK_ALL : 0, &st, s, &err);
	if (rc && getenv("STARDM_TEST_DEBUG"))
		fprintf(stderr, "load_from: %s\n", err.msg);
	if (rc == 0) {
		if (copy)
			memcpy(copy, st->copy, 2 * sizeof(*copy));
		sd_store_close(st);
	}
	sd_io_close(io);
	return rc;
}

int commit_to(const char *path, const struct sd_state *s)
{
	struct sd_io *io = open_io(path);
	struct sd_store *st;
	struct sd_state cur;
	struct sd_err err;
	int rc = sd_store_open(io, SD_STORE_LOCK, &st, &cur, &err);
	if (rc == 0) {
		rc = sd_store_commit(st, s, &err);
		sd_store_close(st);
		sd_state_free(&cur);
	}
	if (rc)
		fprintf(stderr, "commit_to: %s\n", err.msg);
	sd_io_close(io);
	return rc;
}

void read_bytes(const char *path, uint64_t off, void *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(pread(fd, buf, len, (off_t)off) == (ssize_t)len);
	close(fd);
}

void write_bytes(const char *path, uint64_t off, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(pwrite(fd, buf, len, (off_t)off) == (ssize_t)len);
	close(fd);
}

void zero_range(const char *path, uint64_t off, uint64_t len)
{
	void *z = calloc(1, (size_t)len);
	write_bytes(path, off, z, (size_t)len);
	free(z);
}

/* fault injection */

long policy_all(struct fault_io *f, unsigned req, long sectors)
{
	(void)f, (void)req;
	return sectors;
}

long policy_prefix(struct fault_io *f, unsigned req, long sectors)
{
	(void)req;
	long n = f->budget < sectors ? f->budget : sectors;
	f->budget -= n;
	return n;
}

long policy_per_request(struct fault_io *f, unsigned req, long sectors)
{
	long n = f->per_req[req];
	return n < sectors ? n : sectors;
}

static uint32_t next_rand(struct fault_io *f)
{
	f->seed = f->seed * 1103515245u + 12345u;
	return f->seed >> 8;
}

/* Write the sectors of v whose landed[] flag is set.  The device may need
 * 4 KiB O_DIRECT units, so a partly landed block is read, patched and
 * written whole: the sectors that did not land keep their old bytes. */
static int write_landed(struct fault_io *f, struct sd_iov *v, const bool *landed)
{
	void *blk = sd_io_alloc(4096);
	int rc = 0;
	for (size_t b = 0; b < v->len / 4096 && !rc; b++) {
		int n = 0;
		for (int s = 0; s < 8; s++)
			n += landed[b * 8 + s];
		if (n == 0)
			continue;
		struct sd_iov one = { v->off + b * 4096, blk, 4096 };
		if (n < 8 && (rc = f->inner->ops->submit(f->inner, false, &one, 1, false)))
			break;
		for (int s = 0; s < 8; s++)
			if (landed[b * 8 + s])
				memcpy((char *)blk + s * 512, (char *)v->buf + b * 4096 + s * 512, 512);
		rc = f->inner->ops->submit(f->inner, true, &one, 1, false);
	}
	free(blk);
	return rc;
}

static int fault_submit(struct sd_io *io, bool write, struct sd_iov *v, unsigned n, bool flush)
{
	struct fault_io *f = (struct fault_io *)io;
	if (f->crashed)
		return -EIO;
	if (!write) {
		if (f->on_read)
			f->on_read(f, v, n);
		f->nreads++;
		return f->inner->ops->submit(f->inner, false, v, n, false);
	}
	/* requests in one batch are concurrent: a crash does not order them */
	for (unsigned i = 0; i < n; i++) {
		long sectors = (long)(v[i].len / 512);
		unsigned req = f->nreq++;
		if (req < 16)
			f->req_sectors[req] = sectors;
		f->sectors_seen += sectors;
		bool *landed = calloc((size_t)sectors, sizeof(bool));
		long allow = f->random_subset ? 0 : f->policy(f, req, sectors);
		bool all = true;
		for (long s = 0; s < sectors; s++) {
			landed[s] = f->random_subset ? (next_rand(f) & 1) : s < allow;
			all = all && landed[s];
		}
		int rc = write_landed(f, &v[i], landed);
		free(landed);
		if (rc)
			return rc;
		if (!all)
			f->crashed = true;
	}
	if (f->crashed)
		return -EIO;
	return flush ? f->inner->ops->submit(f->inner, true, NULL, 0, true) : 0;
}

static void fault_close(struct sd_io *io)
{
	struct fault_io *f = (struct fault_io *)io;
	sd_io_close(f->inner);
}

static const struct sd_io_ops fault_ops = { "fault", fault_submit, fault_close };

struct sd_io *fault_wrap(struct fault_io *f, struct sd_io *inner, fault_policy p)
{
	f->base = *inner;
	f->base.ops = &fault_ops;
	f->inner = inner;
	f->policy = p;
	f->nreq = 0;
	f->sectors_seen = 0;
	f->crashed = false;
	f->nreads = 0;
	return &f->base;
}

int sd_validate_ok(const struct sd_state *s, const struct sd_geometry *g)
{
	struct sd_err err;
	int rc = sd_state_validate(s, g, &err);
	if (rc)
		fprintf(stderr, "validate: %s\n", err.msg);
	return rc == 0;
}

int test_pool_add(struct sd_state *s, const struct sd_geometry *g, uint32_t vmid,
		  uint64_t meta_extents, uint64_t data_extents, uint32_t chunk_sectors,
		  struct sd_pool **p, struct sd_err *err)
{
	uint32_t id;
	int rc = sd_pool_add(s, g, vmid, meta_extents, data_extents, chunk_sectors, &id, err);
	*p = rc ? NULL : sd_find_pool(s, id);
	return rc;
}

uint64_t copy_reaches(const struct sd_copy_status cs[2], int c)
{
	uint64_t best = 0;
	for (int k = 0; k < 2; k++)
		if (cs[c].slot[k].valid && cs[c].slot[k].journal_seqno > best)
			best = cs[c].slot[k].journal_seqno;
	return best;
}

int journal_on(void)
{
	format_journal = true;
	return 0;
}

int journal_off(void)
{
	format_journal = false;
	return 0;
}

void metadata_keep(const char *path, const struct sd_geometry *g, uint64_t slot_size,
		   uint8_t *saved, bool save)
{
	uint64_t off[4] = { 0, sd_label_offset(g, 1), sd_slot_offset(g, 0, 0),
			    sd_slot_offset(g, 1, 0) };
	uint64_t len[4] = { 4096, 4096, 2 * slot_size, 2 * slot_size };
	for (int i = 0; i < 4; i++) {
		if (save)
			read_bytes(path, off[i], saved, len[i]);
		else
			write_bytes(path, off[i], saved, len[i]);
		saved += len[i];
	}
}
