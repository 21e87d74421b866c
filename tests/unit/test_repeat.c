/* A retrying loop's complaint (base/repeat.h): said at once when new, then
 * at most once a period, with the tries it stands for. */
#include <CUnit/Basic.h>
#include <string.h>

#include "base/repeat.h"
#include "helpers.h"

#define PERIOD 10000u

static bool due(struct sd_repeat *r, const char *why, uint64_t now, unsigned *tries)
{
	*tries = 0;
	return sd_repeat_due(r, why, now, PERIOD, tries);
}

static void test_quiet_then_counted(void)
{
	struct sd_repeat r = {0};
	unsigned tries;
	CU_ASSERT_TRUE(due(&r, "busy", 1000, &tries));
	CU_ASSERT_EQUAL(tries, 1);
	for (uint64_t t = 1100; t < 1000 + PERIOD; t += 100)
		CU_ASSERT_FALSE(due(&r, "busy", t, &tries));
	/* 1100 .. 10900: 99 quiet tries, then this one */
	CU_ASSERT_TRUE(due(&r, "busy", 1000 + PERIOD, &tries));
	CU_ASSERT_EQUAL(tries, 100);
	/* the count starts again after each line */
	CU_ASSERT_FALSE(due(&r, "busy", 1000 + PERIOD + 100, &tries));
	CU_ASSERT_TRUE(due(&r, "busy", 1000 + 2 * PERIOD, &tries));
	CU_ASSERT_EQUAL(tries, 2);
	CU_ASSERT_TRUE(due(&r, "busy", 1000 + 4 * PERIOD, &tries));
	CU_ASSERT_EQUAL(tries, 1);
}

static void test_new_reason_at_once(void)
{
	struct sd_repeat r = {0};
	unsigned tries;
	CU_ASSERT_TRUE(due(&r, "busy", 0, &tries));
	CU_ASSERT_FALSE(due(&r, "busy", 100, &tries));
	CU_ASSERT_TRUE(due(&r, "gone", 200, &tries));
	CU_ASSERT_EQUAL(tries, 1);
	/* the old reason again is new to what was said last */
	CU_ASSERT_TRUE(due(&r, "busy", 300, &tries));
	CU_ASSERT_EQUAL(tries, 1);
}

/* Nothing said yet: even an empty reason is new. */
static void test_first_empty(void)
{
	struct sd_repeat r = {0};
	unsigned tries;
	CU_ASSERT_TRUE(due(&r, "", 5, &tries));
	CU_ASSERT_EQUAL(tries, 1);
	CU_ASSERT_FALSE(due(&r, "", 6, &tries));
}

/* A period that never ends: each complaint once, until another comes. */
static void test_once_until_changed(void)
{
	struct sd_repeat r = {0};
	unsigned tries;
	CU_ASSERT_TRUE(sd_repeat_due(&r, "two devices", 0, UINT64_MAX, &tries));
	CU_ASSERT_FALSE(sd_repeat_due(&r, "two devices", 0, UINT64_MAX, &tries));
	CU_ASSERT_FALSE(sd_repeat_due(&r, "two devices", UINT64_MAX - 1, UINT64_MAX, &tries));
	CU_ASSERT_TRUE(sd_repeat_due(&r, "no device", 0, UINT64_MAX, &tries));
	CU_ASSERT_TRUE(sd_repeat_due(&r, "two devices", 0, UINT64_MAX, &tries));
}

/* A complaint longer than what is kept of it is still the same one. */
static void test_long_complaint(void)
{
	struct sd_repeat r = {0};
	char why[700];
	unsigned tries;
	memset(why, 'x', sizeof(why) - 1);
	why[sizeof(why) - 1] = '\0';
	CU_ASSERT_TRUE(due(&r, why, 0, &tries));
	CU_ASSERT_FALSE(due(&r, why, 100, &tries));
	CU_ASSERT_TRUE(due(&r, "short", 200, &tries));
}

void add_repeat_tests(void)
{
	CU_pSuite s = CU_add_suite("repeated complaints", NULL, NULL);
	CU_add_test(s, "a complaint is quiet for a period, then counts its tries",
		    test_quiet_then_counted);
	CU_add_test(s, "a new reason is said at once", test_new_reason_at_once);
	CU_add_test(s, "the first complaint is said, even an empty one", test_first_empty);
	CU_add_test(s, "with no period, a complaint is said once until another comes",
		    test_once_until_changed);
	CU_add_test(s, "a complaint longer than what is kept is still the same one",
		    test_long_complaint);
}
