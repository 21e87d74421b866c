/* The monitor's passes for dm events (core/monitor.h, sdg_pacer): a burst
 * of events costs a pass or two, and no event goes without a pass after it.
 * Times are given, 100 ms apart as the monitor looks. */
#include <CUnit/Basic.h>

#include "core/monitor.h"
#include "helpers.h"

/* Looks every 100 ms from `from` to `to` (ms), an event at each look for
 * which events(t) is true; a pass is made whenever one is due.  Returns how
 * many, and the least gap between two passes in *gap. */
static unsigned run(struct sdg_pacer *p, uint64_t from, uint64_t to, bool (*events)(uint64_t),
		    uint64_t *gap)
{
	unsigned passes = 0;
	*gap = UINT64_MAX;
	for (uint64_t t = from; t <= to; t += 100) {
		if (!sdg_pacer_due(p, events(t), t))
			continue;
		if (t - p->last_pass_ms < *gap)
			*gap = t - p->last_pass_ms;
		sdg_pacer_passed(p, t);
		passes++;
	}
	return passes;
}

static bool always(uint64_t t) { (void)t; return true; }
static bool never(uint64_t t) { (void)t; return false; }
static bool at_100(uint64_t t) { return t == 100; }
static bool at_5000(uint64_t t) { return t == 5000; }

static void test_burst(void)
{
	struct sdg_pacer p = { false, 0 }; /* a full pass at 0 */
	uint64_t gap;
	/* 30 events in 3 s: a pass each 500 ms at most */
	unsigned passes = run(&p, 100, 3000, always, &gap);
	CU_ASSERT(passes >= 1 && passes <= 6);
	CU_ASSERT(gap >= SDG_EVENT_PASS_GAP_MS);
	CU_ASSERT_EQUAL(p.last_pass_ms, 3000); /* the last event's pass came */
}

static void test_event_kept_for_the_gap(void)
{
	struct sdg_pacer p = { false, 0 };
	uint64_t gap;
	/* one event 100 ms after a pass, none after it: its pass comes when
	 * the gap is over */
	CU_ASSERT_EQUAL(run(&p, 100, 2000, at_100, &gap), 1);
	CU_ASSERT_EQUAL(p.last_pass_ms, SDG_EVENT_PASS_GAP_MS);
}

static void test_lone_event_at_once(void)
{
	struct sdg_pacer p = { false, 0 };
	uint64_t gap;
	CU_ASSERT_EQUAL(run(&p, 100, 6000, at_5000, &gap), 1);
	CU_ASSERT_EQUAL(p.last_pass_ms, 5000);
}

static void test_no_event_no_pass(void)
{
	struct sdg_pacer p = { false, 0 };
	uint64_t gap;
	CU_ASSERT_EQUAL(run(&p, 100, 10000, never, &gap), 0);
}

void add_pacer_tests(void)
{
	CU_pSuite s = CU_add_suite("monitor pacer", NULL, NULL);
	CU_add_test(s, "a burst of events costs a pass each gap at most", test_burst);
	CU_add_test(s, "an event right after a pass gets one when the gap is over",
		    test_event_kept_for_the_gap);
	CU_add_test(s, "a lone event long after a pass gets one at once", test_lone_event_at_once);
	CU_add_test(s, "no event, no pass", test_no_event_no_pass);
}
