/* Shared helpers of the CUnit suites: temporary LUN images, the
 * fault-injecting I/O wrapper, and small state builders. */
#ifndef STARDM_TEST_HELPERS_H
#define STARDM_TEST_HELPERS_H

#include <CUnit/CUnit.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "metadata/io.h"
#include "metadata/state.h"
#include "metadata/store.h"

/* A sparse image file of `size` bytes in $TMPDIR; returns its path (static
 * buffer per slot 0..3).  The files are removed when the process that made
 * them exits (forked children leave them to their parent). */
const char *tmp_image(int slot, uint64_t size);
/* fork(), unless another thread of ours runs (a child forked while one
 * held a lock of the C library or of the sanitizer's allocator would wait
 * for it for ever): then the test fails and -1 comes back. */
pid_t fork_alone(void);
/* The child's status once it ended; one still running after secs is
 * killed (SIGKILL) and the test fails.  -1: no such child. */
int wait_child(pid_t pid, unsigned secs);
/* Format path as a group with small metadata slots; fills g.  The group
 * has a journal (format version 2) while format_journal is set; most
 * suites pin the whole-slot commits of version 1. */
extern bool format_journal;
/* Suite set-up and clean-up that make format_image's groups version 2. */
int journal_on(void);
int journal_off(void);
/* The sequence number copy c's valid slots reach, journals followed (0:
 * none checks out); copies as load_from fills them. */
uint64_t copy_reaches(const struct sd_copy_status cs[2], int c);
void format_image(const char *path, uint64_t slot_size, uint64_t extent_size,
		  struct sd_geometry *g);
/* Open path read-write through the default backend. */
struct sd_io *open_io(const char *path);
/* Add pools/volumes/snapshots so that a state has some of everything. */
void populate(struct sd_state *s, const struct sd_geometry *g, uint32_t first_vmid, int vms);
/* Commit state into the group on path (fresh open, commit, close); 0 or error. */
int commit_to(const char *path, const struct sd_state *s);
/* Open the group on path; 0 and *s filled, or an error (s left empty).  With
 * copy, every slot is read and checked and copy says how each fared.
 * STARDM_TEST_DEBUG=1 prints why an open failed. */
int load_from(const char *path, struct sd_state *s, struct sd_copy_status copy[2]);

/* Both labels and both copies' slots (slot_size each): all a commit or a
 * conversion may write, saved into or restored from saved (2 blocks and 4
 * slots long). */
void metadata_keep(const char *path, const struct sd_geometry *g, uint64_t slot_size,
		   uint8_t *saved, bool save);

void read_bytes(const char *path, uint64_t off, void *buf, size_t len);
void write_bytes(const char *path, uint64_t off, const void *buf, size_t len);
void zero_range(const char *path, uint64_t off, uint64_t len);

/* Fault injection: wraps a real sd_io.  Before each write request the
 * policy says how many of its 512-byte sectors reach the device; fewer than
 * all means the "machine dies" there: the rest of the request, every later
 * write and the flush are dropped, and the call fails with EIO. */
struct fault_io;
typedef long (*fault_policy)(struct fault_io *f, unsigned req, long sectors);
struct fault_io {
	struct sd_io base;
	struct sd_io *inner;
	fault_policy policy;
	long budget;        /* for the prefix policy */
	long *per_req;      /* for the per-request policy */
	unsigned nreq;      /* write requests seen */
	long sectors_seen;  /* sectors offered */
	long req_sectors[16];
	bool crashed;
	bool random_subset; /* instead of a prefix, each sector lands or not */
	uint32_t seed;
	/* called before each read batch goes to the device (nreads: batches
	 * before it): lets a test land other writers' commits between a
	 * reader's batches */
	void (*on_read)(struct fault_io *f, const struct sd_iov *v, unsigned n);
	unsigned nreads;
	void *hook_arg;
};
struct sd_io *fault_wrap(struct fault_io *f, struct sd_io *inner, fault_policy p);
long policy_all(struct fault_io *f, unsigned req, long sectors);
long policy_prefix(struct fault_io *f, unsigned req, long sectors);
long policy_per_request(struct fault_io *f, unsigned req, long sectors);

/* sd_pool_add, then *p points at the new pool (until the next change). */
int test_pool_add(struct sd_state *s, const struct sd_geometry *g, uint32_t vmid,
		  uint64_t meta_extents, uint64_t data_extents, uint32_t chunk_sectors,
		  struct sd_pool **p, struct sd_err *err);

/* 1 when s passes sd_state_validate against g. */
int sd_validate_ok(const struct sd_state *s, const struct sd_geometry *g);

/* Suites. */
void add_format_tests(void);
void add_alloc_tests(void);
void add_ops_tests(void);
void add_store_tests(void);
void add_crash_tests(void);
void add_grow_tests(void);
void add_damage_tests(void);
void add_concurrency_tests(void);
void add_cluster_lock_tests(void);
void add_scale_tests(void);
void add_cli_parse_tests(void);
void add_dm_table_tests(void);
void add_run_tests(void);
void add_dm_names_tests(void);
void add_golden_tests(void);
void add_handover_tests(void);
void add_uring_fault_tests(void);
void add_bad_sector_tests(void);
void add_core_tests(void);
void add_lun_hint_tests(void);
void add_env_tests(void);
void add_repeat_tests(void);
void add_pacer_tests(void);
void add_journal_tests(void);
void add_convert_tests(void);

#endif
