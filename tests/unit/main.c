/* CUnit runner for the host-side suites.  Ends with the plain line
 * "N passed, N failed" that tests/run-all adds up. */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "helpers.h"

int main(void)
{
	/* unbuffered: a run that dies (the hang alarm, a sanitizer's abort)
	 * still shows in its log the test it was in, whose line is not ended */
	setvbuf(stdout, NULL, _IONBF, 0);
	alarm(900); /* a hung test must end the run, not the CI job */
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	add_format_tests();
	add_alloc_tests();
	add_ops_tests();
	add_store_tests();
	add_crash_tests();
	add_grow_tests();
	add_damage_tests();
	add_concurrency_tests();
	add_cluster_lock_tests();
	add_scale_tests();
	add_cli_parse_tests();
	add_dm_table_tests();
	add_run_tests();
	add_dm_names_tests();
	add_golden_tests();
	add_handover_tests();
	add_uring_fault_tests();
	add_bad_sector_tests();
	add_core_tests();
	add_lun_hint_tests();
	add_env_tests();
	add_repeat_tests();
	add_pacer_tests();
	add_journal_tests();
	add_convert_tests();
	CU_basic_set_mode(CU_BRM_VERBOSE);
	/* STARDM_UNIT_SUITE=name runs one suite, and STARDM_UNIT_TEST=name one
	 * test of it: for hunting a flaky test */
	const char *only = getenv("STARDM_UNIT_SUITE"), *one = getenv("STARDM_UNIT_TEST");
	CU_pSuite suite = only ? CU_get_suite(only) : NULL;
	CU_pTest test = suite && one ? CU_get_test(suite, one) : NULL;
	if (only && !suite) {
		fprintf(stderr, "run-unit: no suite named '%s'\n", only);
		return 2;
	}
	if (one && !test) {
		fprintf(stderr, "run-unit: no test named '%s' in suite '%s'\n", one,
			only ? only : "(STARDM_UNIT_SUITE unset)");
		return 2;
	}
	if (test)
		CU_basic_run_test(suite, test);
	else if (suite)
		CU_basic_run_suite(suite);
	else
		CU_basic_run_tests();
	unsigned failed = CU_get_number_of_tests_failed();
	unsigned run = CU_get_number_of_tests_run();
	unsigned asserts_failed = CU_get_number_of_failures();
	printf("\nunit (%s): %u passed, %u failed\n", getenv("STARDM_IO") ? getenv("STARDM_IO") : "auto",
	       run - failed, failed);
	CU_cleanup_registry();
	return failed || asserts_failed ? 1 : 0;
}
