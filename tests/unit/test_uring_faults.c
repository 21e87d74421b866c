/* io_uring's submission failing under the backend.  This binary's own
 * io_uring_submit takes the place of liburing's for the whole process (the
 * executable's definition wins) and passes every call on, unless a test
 * asked for the next one to fail. */
#include <dlfcn.h>
#include <errno.h>
#include <liburing.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

static int fail_next_submit; /* an errno for the next call, then 0 */
static int submits_failed;
static int last_submitted;   /* requests the last real call handed to the kernel */

int io_uring_submit(struct io_uring *ring)
{
	static int (*real)(struct io_uring *);
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "io_uring_submit");
	if (fail_next_submit) {
		int e = fail_next_submit;
		fail_next_submit = 0;
		submits_failed++;
		return -e;
	}
	return last_submitted = real(ring);
}

/* Read the 8 blocks written by fill() and compare; 0 when all match. */
static int read_back(struct sd_io *io, const uint8_t pattern[8][4096])
{
	void *buf = sd_io_alloc(8 * 4096);
	struct sd_iov v[8];
	for (int b = 0; b < 8; b++)
		v[b] = (struct sd_iov){ (uint64_t)b * 65536, (char *)buf + b * 4096, 4096 };
	int rc = sd_io_read(io, v, 8);
	for (int b = 0; b < 8 && !rc; b++)
		rc = memcmp(v[b].buf, pattern[b], 4096) ? -EILSEQ : 0;
	free(buf);
	return rc;
}

static void test_failed_submission_leaves_nothing_queued(void)
{
	const char *path = tmp_image(1, 64ull << 20);
	static uint8_t pattern[8][4096];
	for (int b = 0; b < 8; b++) {
		memset(pattern[b], 0x61 + b, 4096);
		write_bytes(path, (uint64_t)b * 65536, pattern[b], 4096);
	}
	struct sd_io *io;
	struct sd_err err;
	CU_ASSERT_FATAL(sd_io_open(path, true, SD_IO_URING, &io, &err) == 0);
	submits_failed = 0;

	/* interrupted or busy for a moment: tried again, the read completes */
	fail_next_submit = EINTR;
	CU_ASSERT_EQUAL(read_back(io, pattern), 0);
	fail_next_submit = EAGAIN;
	CU_ASSERT_EQUAL(read_back(io, pattern), 0);

	/* a submission that fails for good fails the call ... */
	fail_next_submit = EBUSY;
	CU_ASSERT_EQUAL(read_back(io, pattern), -EBUSY);
	/* ... and leaves no request behind for the next one: it hands the
	 * kernel its own 8 reads, not 16 */
	CU_ASSERT_EQUAL(read_back(io, pattern), 0);
	CU_ASSERT_EQUAL(last_submitted, 8);
	for (int i = 0; i < 20; i++)
		CU_ASSERT_EQUAL(read_back(io, pattern), 0);
	void *z = sd_io_alloc(4096);
	struct sd_iov w = { 7 * 65536, z, 4096 };
	CU_ASSERT_EQUAL(sd_io_write(io, &w, 1, true), 0);
	memset(pattern[7], 0, 4096);
	CU_ASSERT_EQUAL(read_back(io, pattern), 0);
	free(z);
	CU_ASSERT_EQUAL(submits_failed, 3);
	sd_io_close(io);
}

void add_uring_fault_tests(void)
{
	CU_pSuite s = CU_add_suite("io_uring faults", NULL, NULL);
	CU_add_test(s, "a failed submission leaves nothing queued",
		    test_failed_submission_leaves_nothing_queued);
}
