/* Numbers from the environment (base/env.h): a whole decimal number within
 * the limit is taken, anything else gives the default. */
#include <CUnit/Basic.h>
#include <stdlib.h>

#include "base/env.h"
#include "helpers.h"

#define VAR "STARDM_UNIT_ENV_NUMBER"

static uint64_t with(const char *value)
{
	if (value)
		setenv(VAR, value, 1);
	else
		unsetenv(VAR);
	uint64_t n = sd_env_number(VAR, 30, 1000);
	unsetenv(VAR);
	return n;
}

static void test_taken(void)
{
	CU_ASSERT_EQUAL(with("0"), 0);
	CU_ASSERT_EQUAL(with("5"), 5);
	CU_ASSERT_EQUAL(with("1000"), 1000);
}

static void test_default(void)
{
	const char *bad[] = { "", "x", "5s", " 5", "-1", "+5", "1001",
			      "99999999999999999999999" };
	CU_ASSERT_EQUAL(with(NULL), 30);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CU_ASSERT_EQUAL(with(bad[i]), 30);
}

void add_env_tests(void)
{
	CU_pSuite s = CU_add_suite("environment numbers", NULL, NULL);
	CU_add_test(s, "a whole number within the limit is taken", test_taken);
	CU_add_test(s, "unset, empty, partly a number, signed or too large: the default",
		    test_default);
}
