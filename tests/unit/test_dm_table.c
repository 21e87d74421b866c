/* dm table builders and status parsers, against lines captured from the
 * Debian 6.1 kernel in the VM rig (dmsetup status). */
#include <string.h>

#include "dm/dm.h"
#include "helpers.h"

static void test_pool_status_captured(void)
{
	struct sdm_pool_status s;
	/* a fresh pool after two create_thin messages */
	CU_ASSERT_EQUAL_FATAL(sdm_parse_pool_status(
		"2 114/1024 0/24576 - rw discard_passdown queue_if_no_space - 256 ", &s), 0);
	CU_ASSERT_EQUAL(s.transaction_id, 2);
	CU_ASSERT_EQUAL(s.meta_used, 114);
	CU_ASSERT_EQUAL(s.meta_total, 1024);
	CU_ASSERT_EQUAL(s.data_used, 0);
	CU_ASSERT_EQUAL(s.data_total, 24576);
	CU_ASSERT_FALSE(s.read_only || s.needs_check || s.fail || s.out_of_data_space);
	CU_ASSERT_EQUAL(sdm_parse_pool_status(
		"7 300/1024 24576/24576 - out_of_data_space discard_passdown queue_if_no_space needs_check 256", &s), 0);
	CU_ASSERT(s.out_of_data_space && s.needs_check);
	CU_ASSERT_EQUAL(sdm_parse_pool_status("Fail", &s), 0);
	CU_ASSERT(s.fail);
	CU_ASSERT(sdm_parse_pool_status("garbage", &s) < 0);
	CU_ASSERT(sdm_parse_pool_status("1 2/", &s) < 0);
}

static void test_thin_status_captured(void)
{
	struct sdm_thin_status s;
	CU_ASSERT_EQUAL(sdm_parse_thin_status("0 -", &s), 0);
	CU_ASSERT_EQUAL(s.mapped_sectors, 0);
	CU_ASSERT_EQUAL(sdm_parse_thin_status("16384 16383", &s), 0);
	CU_ASSERT_EQUAL(s.mapped_sectors, 16384);
	CU_ASSERT_EQUAL(s.highest_sector, 16383);
	CU_ASSERT_EQUAL(sdm_parse_thin_status("Fail", &s), 0);
	CU_ASSERT(s.fail);
	CU_ASSERT(sdm_parse_thin_status("x y", &s) < 0);
}

static void test_tables(void)
{
	struct sdm_extent_run r[2] = { { "254:0", 139264, 8192 }, { "254:0", 155648, 16384 } };
	struct sdm_target t[4];
	CU_ASSERT_EQUAL(sdm_table_linear(r, 2, t, 4), 2);
	CU_ASSERT_EQUAL(t[0].start, 0);
	CU_ASSERT_EQUAL(t[1].start, 8192);
	CU_ASSERT_STRING_EQUAL(t[1].type, "linear");
	CU_ASSERT_STRING_EQUAL(t[1].params, "254:0 155648");
	sdm_table_thin_pool(&t[0], 3145728, "/dev/mapper/m", "/dev/mapper/d", 128, 2457, false);
	CU_ASSERT_STRING_EQUAL(t[0].type, "thin-pool");
	CU_ASSERT_STRING_EQUAL(t[0].params, "/dev/mapper/m /dev/mapper/d 128 2457 0");
	sdm_table_thin_pool(&t[0], 3145728, "/dev/mapper/m", "/dev/mapper/d", 128, 2457, true);
	CU_ASSERT_STRING_EQUAL(t[0].params, "/dev/mapper/m /dev/mapper/d 128 2457 1 read_only");
	sdm_table_thin(&t[0], 2097152, "/dev/mapper/p", 3);
	CU_ASSERT_STRING_EQUAL(t[0].params, "/dev/mapper/p 3");
	CU_ASSERT_EQUAL(t[0].len, 2097152);
	sdm_table_thin_origin(&t[0], 4194304, "/dev/mapper/p", 4, "/dev/mapper/base");
	CU_ASSERT_STRING_EQUAL(t[0].params, "/dev/mapper/p 4 /dev/mapper/base");
	CU_ASSERT_EQUAL(t[0].len, 4194304);
}

void add_dm_table_tests(void)
{
	CU_pSuite s = CU_add_suite("dm tables and status", NULL, NULL);
	CU_add_test(s, "thin-pool status lines", test_pool_status_captured);
	CU_add_test(s, "thin status lines", test_thin_status_captured);
	CU_add_test(s, "table strings", test_tables);
}
