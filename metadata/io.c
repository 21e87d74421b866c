#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

void *sd_io_alloc_unzeroed(size_t len)
{
	void *p = NULL;
	size_t rounded = (len + 4095) & ~(size_t)4095;
	return posix_memalign(&p, 4096, rounded ? rounded : 4096) ? NULL : p;
}

void *sd_io_alloc(size_t len)
{
	size_t rounded = (len + 4095) & ~(size_t)4095;
	void *p = sd_io_alloc_unzeroed(len);
	if (p)
		memset(p, 0, rounded ? rounded : 4096);
	return p;
}

static int device_size(int fd, uint64_t *size)
{
	struct stat st;
	if (fstat(fd, &st))
		return -errno;
	if (S_ISBLK(st.st_mode))
		return ioctl(fd, BLKGETSIZE64, size) ? -errno : 0;
	if (!S_ISREG(st.st_mode))
		return -ENOTBLK;
	*size = (uint64_t)st.st_size;
	return 0;
}

/* O_DIRECT first; a filesystem without it (tmpfs) still works buffered,
 * with fdatasync giving the same durability at commit. */
static int open_device(const char *path, bool writable, bool *direct)
{
	int flags = (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC;
	int fd = open(path, flags | O_DIRECT);
	*direct = fd >= 0;
	if (fd < 0 && errno == EINVAL)
		fd = open(path, flags);
	return fd < 0 ? -errno : fd;
}

int sd_io_refresh_size(struct sd_io *io)
{
	return device_size(io->fd, &io->size);
}

static enum sd_io_backend backend_from_env(void)
{
	const char *e = getenv("STARDM_IO");
	if (e && !strcmp(e, "uring"))
		return SD_IO_URING;
	if (e && !strcmp(e, "aio"))
		return SD_IO_AIO;
	return SD_IO_AUTO;
}

int sd_io_open(const char *path, bool writable, enum sd_io_backend b, struct sd_io **out,
	       struct sd_err *err)
{
	struct sd_io *io = calloc(1, sizeof(*io));
	if (!io)
		return sd_fail(err, ENOMEM, "out of memory");
	int fd = open_device(path, writable, &io->direct);
	if (fd < 0) {
		free(io);
		return sd_fail(err, -fd, "%s: %s", path, strerror(-fd));
	}
	io->fd = fd;
	io->lock_fd = fd;
	io->writable = writable;
	int rc = device_size(fd, &io->size);
	if (rc) {
		close(fd);
		free(io);
		return sd_fail(err, -rc, "%s: %s", path,
			       rc == -ENOTBLK ? "not a block device or regular file" : strerror(-rc));
	}
	if (b == SD_IO_AUTO)
		b = backend_from_env();
	rc = -ENOSYS;
	if (b != SD_IO_AIO)
		rc = sd_io_uring_init(io);
	if (rc && b != SD_IO_URING)
		rc = sd_io_aio_init(io);
	if (rc) {
		close(fd);
		free(io);
		return sd_fail(err, -rc, "%s: cannot set up %s I/O: %s", path,
			       b == SD_IO_URING ? "io_uring" : "asynchronous", strerror(-rc));
	}
	*out = io;
	return 0;
}

void sd_io_close(struct sd_io *io)
{
	if (io)
		io->ops->close(io);
}

int sd_io_flock(struct sd_io *io, int op)
{
	int rc;
	while ((rc = flock(io->lock_fd, op)) && errno == EINTR)
		;
	return rc ? -errno : 0;
}

int sd_io_read(struct sd_io *io, struct sd_iov *v, unsigned n)
{
	return io->ops->submit(io, false, v, n, false);
}

int sd_io_write(struct sd_io *io, struct sd_iov *v, unsigned n, bool flush)
{
	return io->ops->submit(io, true, v, n, flush);
}
