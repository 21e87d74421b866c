/* io_uring backend: one submission for a whole batch, and for a commit the
 * flush rides in the same submission behind an IOSQE_IO_DRAIN barrier, so a
 * metadata commit costs one system call and one device round trip more than
 * the writes themselves.  A durable write of one block (a host slot: the
 * heartbeat, the cluster lock) goes as one write with RWF_DSYNC, which the
 * block layer sends as one request with FUA: one round trip, not two, so a
 * slow LUN delays a heartbeat by one I/O time. */
#include "io.h"

#include <errno.h>
#include <liburing.h>
#include <stdlib.h>
#include <sys/uio.h>
#include <unistd.h>

#define RING_DEPTH 64

struct uring_priv {
	struct io_uring ring;
	bool broken; /* no ring could be set up again after a failure */
};

static int queue(struct io_uring *ring, bool write, struct sd_iov *v, int fd, int rwf)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	if (!sqe)
		return -EBUSY;
	if (write) {
		io_uring_prep_write(sqe, fd, v->buf, (unsigned)v->len, v->off);
		sqe->rw_flags = rwf;
	} else
		io_uring_prep_read(sqe, fd, v->buf, (unsigned)v->len, v->off);
	io_uring_sqe_set_data(sqe, v);
	return 0;
}

/* Reap `pending` completions; short transfers are finished synchronously
 * (rare: only at end of file or on a signal).  Never returns while a
 * request is in flight: the caller frees the buffers on return, so a wait
 * interrupted by a signal is simply waited again. */
static int reap(struct io_uring *ring, unsigned pending, bool write, int fd, int rwf)
{
	int rc = 0;
	while (pending--) {
		struct io_uring_cqe *cqe;
		int w;
		while ((w = io_uring_wait_cqe(ring, &cqe)) == -EINTR || w == -EAGAIN)
			;
		if (w < 0)
			return w; /* the ring itself is unusable: nothing more completes */
		struct sd_iov *v = io_uring_cqe_get_data(cqe);
		int res = cqe->res;
		io_uring_cqe_seen(ring, cqe);
		if (!v) { /* the fsync */
			if (res < 0 && !rc)
				rc = res;
			continue;
		}
		size_t done = res > 0 ? (size_t)res : 0;
		if (res < 0 && !rc)
			rc = res;
		while (res >= 0 && done < v->len) {
			char *b = (char *)v->buf + done;
			struct iovec rest = { b, v->len - done };
			ssize_t r = write ? pwritev2(fd, &rest, 1, (off_t)(v->off + done), rwf)
					  : pread(fd, b, v->len - done, (off_t)(v->off + done));
			if (r <= 0) {
				if (!rc)
					rc = r < 0 ? -errno : -EIO;
				break;
			}
			done += (size_t)r;
		}
	}
	return rc;
}

/* Hand all `batch` queued requests to the kernel; *sent says how many it
 * took, even on failure (those must still be reaped). */
static int submit_batch(struct io_uring *ring, unsigned batch, unsigned *sent)
{
	*sent = 0;
	while (*sent < batch) {
		int s = io_uring_submit(ring);
		if (s == -EINTR || s == -EAGAIN)
			continue;
		if (s <= 0)
			return s < 0 ? s : -EIO;
		*sent += (unsigned)s;
	}
	return 0;
}

/* After a failed submission the ring still holds requests the kernel never
 * took; a fresh ring drops them.  Returns rc. */
static int reset_ring(struct uring_priv *p, int rc)
{
	io_uring_queue_exit(&p->ring);
	if (io_uring_queue_init(RING_DEPTH, &p->ring, 0) < 0)
		p->broken = true;
	return rc;
}

static int uring_submit(struct sd_io *io, bool write, struct sd_iov *v, unsigned n, bool flush)
{
	struct uring_priv *p = io->priv;
	int rc = 0;
	if (p->broken)
		return -EIO;
	int rwf = write && flush && n == 1 ? RWF_DSYNC : 0;
	for (unsigned i = 0; i < n && !rc;) {
		unsigned batch = 0;
		while (i < n && batch < RING_DEPTH - 1 && !queue(&p->ring, write, &v[i], io->fd, rwf)) {
			i++;
			batch++;
		}
		bool last = i == n;
		if (flush && last && !rwf) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&p->ring);
			io_uring_prep_fsync(sqe, io->fd, IORING_FSYNC_DATASYNC);
			io_uring_sqe_set_flags(sqe, IOSQE_IO_DRAIN);
			io_uring_sqe_set_data(sqe, NULL);
			batch++;
		}
		unsigned sent;
		int s = submit_batch(&p->ring, batch, &sent);
		rc = reap(&p->ring, sent, write, io->fd, rwf);
		if (s < 0) /* requests the kernel never took must not ride the next call */
			return reset_ring(p, rc ? rc : s);
	}
	if (!rc && flush && n == 0)
		rc = fdatasync(io->fd) ? -errno : 0;
	return rc;
}

static void uring_close(struct sd_io *io)
{
	struct uring_priv *p = io->priv;
	if (!p->broken)
		io_uring_queue_exit(&p->ring);
	free(p);
	close(io->fd);
	free(io);
}

static const struct sd_io_ops uring_ops = { "io_uring", uring_submit, uring_close };

int sd_io_uring_init(struct sd_io *io)
{
	struct uring_priv *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	int rc = io_uring_queue_init(RING_DEPTH, &p->ring, 0);
	if (rc < 0) {
		free(p);
		return rc;
	}
	io->priv = p;
	io->ops = &uring_ops;
	return 0;
}
