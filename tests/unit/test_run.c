/* Running thin_check and the like: an argument list, no shell. */
#include <errno.h>
#include <string.h>

#include "core/run.h"
#include "helpers.h"

static void test_run_status_and_first_line(void)
{
	char out[64];
	const char *a[] = { "sh", "-c", "echo first; echo second >&2; exit 3", NULL };
	CU_ASSERT_EQUAL(sdg_run(a, out, sizeof(out)), 3);
	CU_ASSERT_STRING_EQUAL(out, "first");
	const char *b[] = { "sh", "-c", "echo only-stderr >&2", NULL };
	CU_ASSERT_EQUAL(sdg_run(b, out, sizeof(out)), 0);
	CU_ASSERT_STRING_EQUAL(out, "only-stderr");
}

static void test_run_no_shell(void)
{
	char out[64];
	/* shell syntax in an argument reaches the program as it is */
	const char *a[] = { "printf", "%s", "a;b $(echo x) `id` | c", NULL };
	CU_ASSERT_EQUAL(sdg_run(a, out, sizeof(out)), 0);
	CU_ASSERT_STRING_EQUAL(out, "a;b $(echo x) `id` | c");
}

static void test_run_failures(void)
{
	char out[64];
	const char *missing[] = { "stardm-no-such-program", "x", NULL };
	CU_ASSERT_EQUAL(sdg_run(missing, out, sizeof(out)), -ENOENT);
	const char *killed[] = { "sh", "-c", "kill -9 $$", NULL };
	CU_ASSERT_EQUAL(sdg_run(killed, out, sizeof(out)), -EINTR);
	/* much more output than a pipe holds: drained, not deadlocked */
	const char *chatty[] = { "sh", "-c", "yes | head -c 300000; exit 5", NULL };
	CU_ASSERT_EQUAL(sdg_run(chatty, out, sizeof(out)), 5);
	CU_ASSERT_STRING_EQUAL(out, "y");
}

void add_run_tests(void)
{
	CU_pSuite s = CU_add_suite("run", NULL, NULL);
	CU_add_test(s, "exit status and first line of output", test_run_status_and_first_line);
	CU_add_test(s, "arguments never pass through a shell", test_run_no_shell);
	CU_add_test(s, "missing program, signal, long output", test_run_failures);
}
