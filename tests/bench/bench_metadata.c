/* make bench-metadata: median latency of a metadata commit divided by the
 * median latency of one 4 KiB O_DIRECT write plus fdatasync on the same
 * file, measured in one run.  Target: <= 3.  The commit of a whole slot
 * (format version 1, and version 2 when its journal is full) and the one
 * of a journal entry (version 2) are timed apart.
 * Usage: bench-metadata [FILE [VMS]]   (default: a sparse file in $TMPDIR;
 * 20 VMs, each with 2 disks and 2 snapshots of each) */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "metadata/codec.h"
#include "metadata/hostlock.h"
#include "metadata/ops.h"
#include "metadata/store.h"

#define ROUNDS 200

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp);
	return v[n / 2];
}

static int die(const char *what, const struct sd_err *err)
{
	fprintf(stderr, "bench-metadata: %s: %s\n", what, err ? err->msg : "failed");
	return 1;
}

/* A group of vms VMs with 2 disks and 2 snapshots each (20: a typical one). */
static int populate(struct sd_state *s, const struct sd_geometry *g, uint32_t vms,
		    struct sd_err *err)
{
	for (uint32_t vm = 100; vm < 100 + vms; vm++) {
		uint32_t pool;
		if (sd_pool_add(s, g, vm, 1, 4, 128, &pool, err))
			return -1;
		for (int d = 0; d < 2; d++) {
			char name[64];
			snprintf(name, sizeof(name), "vm-%u-disk-%d", vm, d);
			if (sd_volume_add(s, pool, name, 32ull << 30, NULL, err) ||
			    sd_snapshot_add(s, name, "s1", err) || sd_snapshot_add(s, name, "s2", err))
				return -1;
		}
	}
	return 0;
}

/* Median of a version 2 group's commits of one changed record (journal
 * entries, and a slot whenever the journal is full) and of raw writes
 * between them, in microseconds. */
static int time_entries(struct sd_io *io, long vms, void *block, double *entry, double *raw)
{
	struct sd_err err;
	struct sd_geometry g = { .extent_size = 4 << 20, .slot_size = 32ull << 20, .journal = true };
	memcpy(g.name, "bench", 6);
	struct sd_store *st;
	struct sd_state s;
	if (sd_store_format(io, &g, NULL, &err) ||
	    sd_store_open(io, SD_STORE_LOCK, &st, &s, &err) || populate(&s, &g, (uint32_t)vms, &err) ||
	    sd_store_commit(st, &s, &err))
		return die("journal setup", &err);
	static double e[ROUNDS], r[ROUNDS];
	for (int i = 0; i < ROUNDS; i++) {
		s.pools.v[i % s.pools.n].transaction_id++;
		double t0 = now_us();
		if (sd_store_commit(st, &s, &err))
			return die("journal commit", &err);
		double t1 = now_us();
		struct sd_iov v = { g.data_offset + (uint64_t)(i % 64) * 4096, block, 4096 };
		if (sd_io_write(io, &v, 1, true))
			return die("raw write", NULL);
		e[i] = t1 - t0;
		r[i] = now_us() - t1;
	}
	*entry = median(e, ROUNDS);
	*raw = median(r, ROUNDS);
	sd_store_close(st);
	sd_state_free(&s);
	return 0;
}

int main(int argc, char **argv)
{
	char tmp[256];
	const char *path = argc > 1 && *argv[1] ? argv[1] : NULL;
	long vms = argc > 2 ? strtol(argv[2], NULL, 10) : 20;
	if (vms < 1 || vms > 100000)
		return die("VMS", NULL);
	if (!path) {
		const char *d = getenv("TMPDIR");
		snprintf(tmp, sizeof(tmp), "%s/stardm-bench.img", d && *d ? d : "/var/tmp");
		path = tmp;
		int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
		/* sparse: room for every VM's pool (4 extents of 4 MiB) */
		if (fd < 0 || ftruncate(fd, (8ll << 30) + vms * (32ll << 20)))
			return die(path, NULL);
		close(fd);
	}
	struct sd_err err;
	struct sd_io *io;
	if (sd_io_open(path, true, SD_IO_AUTO, &io, &err))
		return die("open", &err);
	struct sd_geometry g = { .extent_size = 4 << 20, .slot_size = 32ull << 20 };
	memcpy(g.name, "bench", 6);
	if (sd_store_format(io, &g, NULL, &err))
		return die("format", &err);
	struct sd_store *st;
	struct sd_state s;
	if (sd_store_open(io, SD_STORE_LOCK, &st, &s, &err) || populate(&s, &g, (uint32_t)vms, &err))
		return die("setup", &err);

	/* a second store, as a command holds it: no lock of its own between
	 * updates, and this node's host slot for the cluster lock */
	struct sd_io *io2;
	struct sd_store *cmd;
	struct sd_state s2;
	struct sd_hostlock h;
	if (sd_io_open(path, true, SD_IO_AUTO, &io2, &err) ||
	    sd_host_claim(&h, io2, &g, "bench", 0, &err))
		return die("host slot", &err);

	static double commit[ROUNDS], raw[ROUNDS], locked[ROUNDS];
	void *block = sd_io_alloc(4096);
	memset(block, 0xab, 4096);
	for (int i = 0; i < ROUNDS; i++) {
		/* interleave, so all three see the same device conditions */
		s.pools.v[0].transaction_id++;
		double t0 = now_us();
		if (sd_store_commit(st, &s, &err))
			return die("commit", &err);
		double t1 = now_us();
		struct sd_iov v = { g.data_offset + (uint64_t)(i % 64) * 4096, block, 4096 };
		if (sd_io_write(io, &v, 1, true))
			return die("raw write", NULL);
		double t2 = now_us();
		/* one update as a command makes it: node lock, cluster lock, read,
		 * commit, release both */
		sd_store_unlock(st);
		if (sd_store_open(io2, SD_STORE_LOCK, &cmd, &s2, &err))
			return die("open", &err);
		cmd->cluster = &h;
		s2.pools.v[0].transaction_id++;
		if (sd_hostlock_acquire(&h, &err) || sd_store_commit(cmd, &s2, &err) ||
		    sd_hostlock_release(&h, &err))
			return die("locked commit", &err);
		sd_store_close(cmd);
		sd_state_free(&s2);
		double t3 = now_us();
		if (sd_store_lock(st, &err))
			return die("lock", &err);
		s.pools.v[0].transaction_id++;
		st->seqno++; /* the other store's commit */
		commit[i] = t1 - t0;
		raw[i] = t2 - t1;
		locked[i] = t3 - t2;
	}
	double mc = median(commit, ROUNDS), mr = median(raw, ROUNDS), ml = median(locked, ROUNDS);
	printf("device            %s (%s, %s)\n", path, io->ops->name, io->direct ? "O_DIRECT" : "buffered");
	printf("metadata payload  %zu bytes (%ld VMs, %ld volumes, %ld snapshots)\n",
	       sd_payload_size(&s), vms, 2 * vms, 4 * vms);
	printf("commit median     %.1f us (the bare commit)\n", mc);
	printf("update median     %.1f us (as a command: flock, cluster lock, read, commit, "
	       "unlock)\n", ml);
	printf("raw 4K+flush      %.1f us\n", mr);
	printf("ratio             %.2f (target <= 3)\n", mc / mr);
	sd_store_close(st);
	sd_state_free(&s);
	double me, mre;
	if (time_entries(io, vms, block, &me, &mre))
		return 1;
	printf("entry median      %.1f us (version 2: one changed record, a slot when the "
	       "journal is full)\n", me);
	printf("entry ratio       %.2f (against a raw 4K+flush of %.1f us)\n", me / mre, mre);
	sd_io_close(io);
	sd_io_close(io2);
	free(block);
	if (path == tmp)
		unlink(tmp);
	return 0;
}
