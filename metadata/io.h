/* Block I/O for the metadata layer: O_DIRECT, batched, with two backends
 * (io_uring first, libaio where io_uring is refused).  An sd_io is a small
 * object with an ops table so that tests can wrap the real backend (fault
 * injection) without touching the code that uses it. */
#ifndef STARDM_IO_H
#define STARDM_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

struct sd_iov {
	uint64_t off;
	void *buf;  /* 4096-aligned (sd_io_alloc) */
	size_t len; /* multiple of 512 */
};

struct sd_io;

struct sd_io_ops {
	const char *name;
	/* Run all n requests (in any order, concurrently) and wait for them.
	 * When flush is set, the data is durable on return. */
	int (*submit)(struct sd_io *io, bool write, struct sd_iov *v, unsigned n, bool flush);
	void (*close)(struct sd_io *io);
};

struct sd_io {
	const struct sd_io_ops *ops;
	int fd;
	uint64_t size;   /* device or file size in bytes */
	bool direct;     /* opened with O_DIRECT */
	bool writable;
	/* What this node's writers flock to keep each other out: fd itself
	 * unless the caller set another (a file naming the group, the same
	 * whichever device node or path the group is reached by; the caller
	 * closes it). */
	int lock_fd;
	void *priv;
};

enum sd_io_backend { SD_IO_AUTO, SD_IO_URING, SD_IO_AIO };

/* Open path.  SD_IO_AUTO honours $STARDM_IO ("uring" or "aio"), else tries
 * io_uring and falls back to libaio when the kernel refuses it. */
int sd_io_open(const char *path, bool writable, enum sd_io_backend b, struct sd_io **out,
	       struct sd_err *err);
void sd_io_close(struct sd_io *io);

/* flock(2) on io->lock_fd: 0, or -errno. */
int sd_io_flock(struct sd_io *io, int op);

/* Read the device's size again (after the kernel saw it change). */
int sd_io_refresh_size(struct sd_io *io);

int sd_io_read(struct sd_io *io, struct sd_iov *v, unsigned n);
int sd_io_write(struct sd_io *io, struct sd_iov *v, unsigned n, bool flush);

/* 4096-aligned zeroed buffer for O_DIRECT; free with free(). */
void *sd_io_alloc(size_t len);
/* The same, not zeroed: for a buffer every byte of which is read into or
 * written before use (the group's slot, a MiB at a thousand VMs, where
 * the zeroing was a quarter of a read's instructions).  valgrind does
 * not see io_uring's reads fill it: run it with STARDM_IO=aio. */
void *sd_io_alloc_unzeroed(size_t len);

/* Backend constructors (io_uring.c, io_aio.c): take over fd on success. */
int sd_io_uring_init(struct sd_io *io);
int sd_io_aio_init(struct sd_io *io);

#endif
