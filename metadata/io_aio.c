/* libaio backend, for hosts where io_uring is disabled
 * (kernel.io_uring_disabled, seccomp filters in containers).
 * One AIO context serves every device of the process: io_destroy waits for
 * an RCU grace period (tens of ms), which made each open/close pair slow. */
#include "io.h"

#include <errno.h>
#include <libaio.h>
#include <stdlib.h>
#include <unistd.h>

#define AIO_DEPTH 64

#include <pthread.h>
#include <sys/types.h>

struct aio_priv {
	io_context_t ctx;
};

static pthread_mutex_t ctx_lock = PTHREAD_MUTEX_INITIALIZER;
static io_context_t shared_ctx;
static pid_t shared_pid; /* a forked child needs a context of its own */

static int shared_context(io_context_t *ctx)
{
	pthread_mutex_lock(&ctx_lock);
	int rc = 0;
	if (shared_pid != getpid()) {
		shared_ctx = 0;
		rc = io_setup(AIO_DEPTH, &shared_ctx);
		if (rc == 0)
			shared_pid = getpid();
	}
	*ctx = shared_ctx;
	pthread_mutex_unlock(&ctx_lock);
	return rc;
}

static int finish_short(int fd, bool write, struct sd_iov *v, size_t done)
{
	while (done < v->len) {
		char *b = (char *)v->buf + done;
		ssize_t r = write ? pwrite(fd, b, v->len - done, (off_t)(v->off + done))
				  : pread(fd, b, v->len - done, (off_t)(v->off + done));
		if (r <= 0)
			return r < 0 ? -errno : -EIO;
		done += (size_t)r;
	}
	return 0;
}

static int aio_batch(struct sd_io *io, bool write, struct sd_iov *v, unsigned n)
{
	struct aio_priv *p = io->priv;
	struct iocb cbs[AIO_DEPTH], *ptrs[AIO_DEPTH];
	struct io_event ev[AIO_DEPTH];
	for (unsigned i = 0; i < n; i++) {
		if (write)
			io_prep_pwrite(&cbs[i], io->fd, v[i].buf, v[i].len, (long long)v[i].off);
		else
			io_prep_pread(&cbs[i], io->fd, v[i].buf, v[i].len, (long long)v[i].off);
		cbs[i].data = &v[i];
		ptrs[i] = &cbs[i];
	}
	int s = io_submit(p->ctx, (long)n, ptrs);
	if (s < 0)
		return s;
	int rc = 0;
	if ((unsigned)s < n)
		rc = -EAGAIN; /* the rest was never queued; reap what was */
	unsigned got = 0;
	while (got < (unsigned)s) {
		int r = io_getevents(p->ctx, 1, s - (int)got, ev, NULL);
		if (r < 0) {
			if (r == -EINTR)
				continue;
			return r;
		}
		for (int i = 0; i < r; i++) {
			struct sd_iov *iv = ev[i].data;
			long res = (long)ev[i].res;
			if (res < 0 && !rc)
				rc = (int)res;
			else if (res >= 0 && !rc)
				rc = finish_short(io->fd, write, iv, (size_t)res);
		}
		got += (unsigned)r;
	}
	return rc;
}

static int aio_submit(struct sd_io *io, bool write, struct sd_iov *v, unsigned n, bool flush)
{
	for (unsigned i = 0; i < n; i += AIO_DEPTH) {
		unsigned k = n - i < AIO_DEPTH ? n - i : AIO_DEPTH;
		pthread_mutex_lock(&ctx_lock); /* the shared context reaps one batch at a time */
		int rc = aio_batch(io, write, v + i, k);
		pthread_mutex_unlock(&ctx_lock);
		if (rc)
			return rc;
	}
	if (flush && fdatasync(io->fd))
		return -errno;
	return 0;
}

static void aio_close(struct sd_io *io)
{
	free(io->priv);
	close(io->fd);
	free(io);
}

static const struct sd_io_ops aio_ops = { "libaio", aio_submit, aio_close };

int sd_io_aio_init(struct sd_io *io)
{
	struct aio_priv *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	int rc = shared_context(&p->ctx);
	if (rc < 0) {
		free(p);
		return rc;
	}
	io->priv = p;
	io->ops = &aio_ops;
	return 0;
}
