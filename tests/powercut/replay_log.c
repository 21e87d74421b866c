/* replay-log: the power-cut suite's reader of a dm-log-writes log.
 *
 * The kernel's log-writes target logs every write that reached the disk,
 * in the order the disk was told it was stable: each flush is logged after
 * the writes it covered.  Writing the log's first N entries onto a fresh
 * device gives the disk as a power cut after entry N would have left it.
 *
 * The log's layout (all little-endian; a "sector" is the logged device's
 * logical block size, recorded in the super block):
 *   sector 0: magic 0x6a736677736872, version 1, entry count (u64 each),
 *             sector size (u32)
 *   then per entry: one sector starting with its header (target sector,
 *             sector count, flags, data length: u64 each; a mark's text
 *             follows the header), then the written data (sector count
 *             sectors; none for a discard or an empty flush).
 *
 *   replay-log LOG --list         one line per entry:
 *                                 INDEX KIND SECTOR COUNT [MARK]
 *                                 KIND: w write, f flush, u FUA write,
 *                                 F flush with data, d discard, m mark
 *   replay-log LOG DEV FROM TO    entries FROM..TO-1 written onto DEV
 *                                 (discarded sectors as zeros), then DEV
 *                                 flushed
 *   replay-log --tags DEV COUNT   what each of DEV's first COUNT 4 KiB
 *                                 blocks holds: "INDEX zero", "INDEX TAG"
 *                                 (its first line, when it starts "v=":
 *                                 the suite's writers tag their blocks)
 *                                 or "INDEX other"
 * Exit: 0, 1 on a bad log or a failed write, 2 on bad usage. */

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LOG_MAGIC 0x6a736677736872ull
#define F_FLUSH 1u
#define F_FUA 2u
#define F_DISCARD 4u
#define F_MARK 8u

struct entry {
	uint64_t sector, count, flags, data_len;
	char mark[256];
	off_t data_at; /* where its data starts in the log */
};

struct log {
	int fd;
	uint32_t ssize;
	uint64_t n;
	off_t next; /* the next entry's header */
	unsigned char *buf; /* one sector, aligned for O_DIRECT */
};

static int fail(const char *what)
{
	fprintf(stderr, "replay-log: %s: %s\n", what, errno ? strerror(errno) : "bad log");
	return 1;
}

static uint64_t le64_at(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return le64toh(v);
}

static int log_open(const char *path, struct log *l)
{
	l->buf = NULL;
	l->fd = open(path, O_RDONLY);
	if (l->fd < 0)
		return fail(path);
	unsigned char super[4096];
	errno = 0;
	if (pread(l->fd, super, sizeof(super), 0) != (ssize_t)sizeof(super) ||
	    le64_at(super) != LOG_MAGIC || le64_at(super + 8) != 1)
		return fail("not a dm-log-writes log (magic, version)");
	uint32_t ss;
	memcpy(&ss, super + 24, sizeof(ss));
	l->ssize = le32toh(ss);
	l->n = le64_at(super + 16);
	if (l->ssize < 512 || l->ssize > 4096 || (l->ssize & (l->ssize - 1)))
		return fail("sector size");
	l->next = l->ssize;
	l->buf = aligned_alloc(4096, 1 << 20);
	return l->buf ? 0 : fail("out of memory");
}

static void log_close(struct log *l)
{
	free(l->buf);
	if (l->fd >= 0)
		close(l->fd);
}

/* The next entry's header; its data stays in the log until copied. */
static int log_next(struct log *l, struct entry *e)
{
	errno = 0;
	if (pread(l->fd, l->buf, l->ssize, l->next) != (ssize_t)l->ssize)
		return fail("short read of an entry");
	e->sector = le64_at(l->buf);
	e->count = le64_at(l->buf + 8);
	e->flags = le64_at(l->buf + 16);
	e->data_len = le64_at(l->buf + 24);
	e->mark[0] = '\0';
	if (e->flags & F_MARK) {
		size_t len = e->data_len < sizeof(e->mark) - 1 ? e->data_len : sizeof(e->mark) - 1;
		if (len > l->ssize - 32)
			return fail("mark longer than its sector");
		memcpy(e->mark, l->buf + 32, len);
		e->mark[len] = '\0';
	}
	e->data_at = l->next + l->ssize;
	l->next = e->data_at;
	if (!(e->flags & (F_DISCARD | F_MARK)))
		l->next += (off_t)(e->count * l->ssize);
	return 0;
}

static char kind(const struct entry *e)
{
	if (e->flags & F_MARK)
		return 'm';
	if (e->flags & F_DISCARD)
		return 'd';
	if (e->flags & F_FLUSH)
		return e->count ? 'F' : 'f';
	return e->flags & F_FUA ? 'u' : 'w';
}

/* One entry onto dev: its data, or zeros for a discard. */
static int apply(struct log *l, const struct entry *e, int dev)
{
	uint64_t left = e->count * l->ssize;
	off_t from = e->data_at, to = (off_t)(e->sector * l->ssize);
	const size_t chunk = 1 << 20;
	if (e->flags & (F_MARK | F_DISCARD)) {
		if (!(e->flags & F_DISCARD))
			return 0;
		memset(l->buf, 0, chunk);
	}
	while (left) {
		size_t n = left < chunk ? (size_t)left : chunk;
		errno = 0;
		if (!(e->flags & F_DISCARD) && pread(l->fd, l->buf, n, from) != (ssize_t)n)
			return fail("short read of an entry's data");
		if (pwrite(dev, l->buf, n, to) != (ssize_t)n)
			return fail("write to the device");
		left -= n;
		from += (off_t)n;
		to += (off_t)n;
	}
	return 0;
}

static int list(struct log *l)
{
	struct entry e;
	for (uint64_t i = 0; i < l->n; i++) {
		if (log_next(l, &e))
			return 1;
		printf("%" PRIu64 " %c %" PRIu64 " %" PRIu64 "%s%s\n", i, kind(&e), e.sector, e.count,
		       e.mark[0] ? " " : "", e.mark);
	}
	return 0;
}

static int replay(struct log *l, const char *path, uint64_t from, uint64_t to)
{
	int dev = open(path, O_WRONLY | O_DIRECT);
	if (dev < 0 && errno == EINVAL) /* a file on a file system without direct I/O */
		dev = open(path, O_WRONLY);
	if (dev < 0)
		return fail(path);
	struct entry e;
	int rc = 0;
	for (uint64_t i = 0; i < to && i < l->n && !rc; i++) {
		rc = log_next(l, &e);
		if (!rc && i >= from)
			rc = apply(l, &e, dev);
	}
	if (!rc && fsync(dev))
		rc = fail("flush of the device");
	close(dev);
	return rc;
}

static int tags(const char *path, const char *count)
{
	char *end;
	unsigned long n = strtoul(count, &end, 10);
	int dev = open(path, O_RDONLY | O_DIRECT);
	if (dev < 0 && errno == EINVAL)
		dev = open(path, O_RDONLY);
	unsigned char *b = aligned_alloc(4096, 4096);
	int rc = *end || dev < 0 || !b ? fail(path) : 0;
	for (unsigned long i = 0; i < n && !rc; i++) {
		errno = 0;
		if (pread(dev, b, 4096, (off_t)i * 4096) != 4096) {
			rc = fail("short read of a block");
			break;
		}
		size_t nz = 0, len = 0;
		while (nz < 4096 && !b[nz])
			nz++;
		while (len < 80 && b[len] >= ' ' && b[len] < 127)
			len++;
		if (nz == 4096)
			printf("%lu zero\n", i);
		else if (len > 2 && !memcmp(b, "v=", 2))
			printf("%lu %.*s\n", i, (int)len, (const char *)b);
		else
			printf("%lu other\n", i);
	}
	free(b);
	if (dev >= 0)
		close(dev);
	return rc;
}

int main(int argc, char **argv)
{
	struct log l = { .fd = -1 };
	int rc;
	if (argc == 4 && !strcmp(argv[1], "--tags"))
		return tags(argv[2], argv[3]);
	if (argc == 3 && !strcmp(argv[2], "--list")) {
		rc = log_open(argv[1], &l) ? 1 : list(&l);
		log_close(&l);
		return rc;
	}
	if (argc != 5) {
		fprintf(stderr, "usage: replay-log LOG --list | replay-log LOG DEV FROM TO | "
			"replay-log --tags DEV COUNT\n");
		return 2;
	}
	char *end1, *end2;
	uint64_t from = strtoull(argv[3], &end1, 10), to = strtoull(argv[4], &end2, 10);
	if (*end1 || *end2 || from > to) {
		fprintf(stderr, "replay-log: FROM and TO are entry numbers, FROM <= TO\n");
		return 2;
	}
	rc = log_open(argv[1], &l) ? 1 : replay(&l, argv[2], from, to);
	log_close(&l);
	return rc;
}
