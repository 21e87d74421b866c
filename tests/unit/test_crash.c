/* Crash safety of a commit.  The real backend is wrapped by the fault layer
 * of helpers.c; a "crash" lets only some 512-byte sectors of the commit's
 * writes reach the file.  After each crash the image must open as exactly
 * the old state or exactly the new one, and a later commit must succeed. */
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "metadata/ops.h"

#define IMG (64ull << 20)
#define SLOT (64ull << 10)

struct scenario {
	const char *path;
	struct sd_geometry g;
	struct sd_state old, new;
	uint8_t *saved;     /* image bytes of every region a commit may write */
	long total_sectors; /* sectors one commit writes */
	unsigned nreq;
	long req_sectors[16];
	unsigned hdr[2], pay[2]; /* each copy's header and payload write requests */
};

/* Regions a commit can touch: both labels and all four slots. */
static void save_or_restore(struct scenario *sc, bool save)
{
	uint64_t off[6] = { 0, sd_label_offset(&sc->g, 1), sd_slot_offset(&sc->g, 0, 0),
			    sd_slot_offset(&sc->g, 1, 0), 0, 0 };
	uint64_t len[6] = { 4096, 4096, 2 * SLOT, 2 * SLOT, 0, 0 };
	uint8_t *p = sc->saved;
	for (int i = 0; i < 4; i++) {
		if (save)
			read_bytes(sc->path, off[i], p, len[i]);
		else
			write_bytes(sc->path, off[i], p, len[i]);
		p += len[i];
	}
}

static void setup(struct scenario *sc, bool damage_label_a)
{
	sc->path = tmp_image(1, IMG);
	format_image(sc->path, SLOT, 1 << 20, &sc->g);
	sd_state_init(&sc->old);
	populate(&sc->old, &sc->g, 100, 2);
	CU_ASSERT_FATAL(commit_to(sc->path, &sc->old) == 0);
	CU_ASSERT_FATAL(sd_state_copy(&sc->new, &sc->old) == 0);
	populate(&sc->new, &sc->g, 300, 3);
	if (damage_label_a)
		zero_range(sc->path, 0, 4096);
	sc->saved = malloc(2 * 4096 + 4 * SLOT);
	save_or_restore(sc, true);

	/* measure the commit's write sequence with an all-pass fault layer */
	struct fault_io f = {0};
	struct sd_io *io = fault_wrap(&f, open_io(sc->path), policy_all);
	struct sd_store *st;
	struct sd_state cur;
	struct sd_err err;
	CU_ASSERT_FATAL(sd_store_open(io, 0, &st, &cur, &err) == 0);
	CU_ASSERT_FATAL(sd_store_commit(st, &sc->new, &err) == 0);
	sd_store_close(st);
	sd_state_free(&cur);
	sc->total_sectors = f.sectors_seen;
	sc->nreq = f.nreq;
	memcpy(sc->req_sectors, f.req_sectors, sizeof(sc->req_sectors));
	sd_io_close(io);
	/* per copy: its slot's header block, its payload, then a label that
	 * needs repair */
	CU_ASSERT_FATAL(sc->nreq == (damage_label_a ? 5u : 4u));
	sc->hdr[0] = 0;
	sc->hdr[1] = damage_label_a ? 3 : 2;
	for (int c = 0; c < 2; c++) {
		sc->pay[c] = sc->hdr[c] + 1;
		CU_ASSERT_FATAL(sc->req_sectors[sc->hdr[c]] == 8);
		CU_ASSERT_FATAL(sc->req_sectors[sc->pay[c]] == sc->req_sectors[sc->pay[0]]);
	}
	save_or_restore(sc, false);
}

static void teardown(struct scenario *sc)
{
	sd_state_free(&sc->old);
	sd_state_free(&sc->new);
	free(sc->saved);
}

/* Run one crashed commit under f's policy, then check the outcome. */
static void crash_and_check(struct scenario *sc, struct fault_io *f, int *saw_old, int *saw_new)
{
	save_or_restore(sc, false);
	struct sd_io *io = fault_wrap(f, open_io(sc->path), f->policy);
	struct sd_store *st;
	struct sd_state cur, back;
	struct sd_err err;
	CU_ASSERT_FATAL(sd_store_open(io, 0, &st, &cur, &err) == 0);
	int rc = sd_store_commit(st, &sc->new, &err);
	sd_store_close(st);
	sd_state_free(&cur);
	sd_io_close(io);
	CU_ASSERT_EQUAL_FATAL(load_from(sc->path, &back, NULL), 0);
	bool is_old = sd_state_equal(&back, &sc->old), is_new = sd_state_equal(&back, &sc->new);
	CU_ASSERT(is_old || is_new);
	if (rc == 0) /* a commit that reported success is durable */
		CU_ASSERT(is_new);
	*saw_old += is_old;
	*saw_new += is_new;
	/* the next writer is never blocked by the torn commit */
	populate(&back, &sc->g, 900, 1);
	CU_ASSERT_EQUAL(commit_to(sc->path, &back), 0);
	sd_state_free(&back);
}

static void sweep_prefixes(bool damage_label_a)
{
	struct scenario sc;
	setup(&sc, damage_label_a);
	int saw_old = 0, saw_new = 0;
	for (long k = 0; k <= sc.total_sectors; k++) {
		struct fault_io f = { .policy = policy_prefix, .budget = k };
		crash_and_check(&sc, &f, &saw_old, &saw_new);
	}
	/* both outcomes occur: the sweep really crosses the commit point */
	CU_ASSERT(saw_old > 0 && saw_new > 0);
	teardown(&sc);
}

static void test_prefix_every_sector(void) { sweep_prefixes(false); }
static void test_prefix_with_label_repair(void) { sweep_prefixes(true); }

/* What of one copy's slot lands: sectors of its header block and of its
 * payload, the two concurrent writes.  State k of a copy's 2P+16 states:
 * the header first (h = 0..8 with no payload, then the payload's prefixes
 * after the whole header), or the payload first (its prefixes without the
 * header, then the header's prefixes after the whole payload). */
static void slot_state(long k, long p_sectors, long *h, long *p)
{
	if (k <= 8) {
		*h = k, *p = 0;
	} else if ((k -= 8) <= p_sectors) {
		*h = 8, *p = k;
	} else if ((k -= p_sectors) <= p_sectors) {
		*h = 0, *p = k;
	} else {
		*h = k - p_sectors, *p = p_sectors; /* 1..7 */
	}
}

/* The two copies' slot writes (four requests) go out concurrently: every
 * pair of the states above, so a payload that landed without its header,
 * and a header without its payload, meet every state of the other copy. */
static void test_concurrent_pairs(void)
{
	struct scenario sc;
	setup(&sc, false);
	int saw_old = 0, saw_new = 0;
	long ps = sc.req_sectors[sc.pay[0]], states = 2 * ps + 16;
	for (long a = 0; a < states; a++)
		for (long b = 0; b < states; b++) {
			long per[4];
			slot_state(a, ps, &per[sc.hdr[0]], &per[sc.pay[0]]);
			slot_state(b, ps, &per[sc.hdr[1]], &per[sc.pay[1]]);
			struct fault_io f = { .policy = policy_per_request, .per_req = per };
			crash_and_check(&sc, &f, &saw_old, &saw_new);
		}
	CU_ASSERT(saw_old > 0 && saw_new > 0);
	teardown(&sc);
}

/* Disks may persist any subset of the sectors of concurrent writes. */
static void test_random_tears(void)
{
	struct scenario sc;
	setup(&sc, false);
	int saw_old = 0, saw_new = 0;
	for (uint32_t seed = 1; seed <= 150; seed++) {
		struct fault_io f = { .policy = policy_all, .random_subset = true, .seed = seed };
		crash_and_check(&sc, &f, &saw_old, &saw_new);
	}
	CU_ASSERT(saw_old > 0);
	teardown(&sc);
}

void add_crash_tests(void)
{
	CU_pSuite s = CU_add_suite("crash safety", NULL, NULL);
	CU_add_test(s, "torn at every 512-byte boundary of the commit", test_prefix_every_sector);
	CU_add_test(s, "torn at every boundary while repairing a label", test_prefix_with_label_repair);
	CU_add_test(s, "both copies' slot writes torn at every pair", test_concurrent_pairs);
	CU_add_test(s, "random tears", test_random_tears);
}
