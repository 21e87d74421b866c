/* The CLI's size parser: the contract says bytes or K/M/G/T, powers of 1024. */
#include "helpers.h"
#include "tools/cli.h"

static void test_sizes(void)
{
	uint64_t v;
	CU_ASSERT(cli_parse_size("4096", &v) == 0 && v == 4096);
	CU_ASSERT(cli_parse_size("4K", &v) == 0 && v == 4096);
	CU_ASSERT(cli_parse_size("10G", &v) == 0 && v == 10ull << 30);
	CU_ASSERT(cli_parse_size("10g", &v) == 0 && v == 10ull << 30);
	CU_ASSERT(cli_parse_size("1.5T", &v) == 0 && v == 3ull << 39);
	CU_ASSERT(cli_parse_size("512MiB", &v) == 0 && v == 512ull << 20);
	CU_ASSERT(cli_parse_size("0", &v) == 0 && v == 0);
	CU_ASSERT(cli_parse_size("", &v) < 0);
	CU_ASSERT(cli_parse_size("-1G", &v) < 0);
	CU_ASSERT(cli_parse_size("10X", &v) < 0);
	CU_ASSERT(cli_parse_size("G", &v) < 0);
	CU_ASSERT(cli_parse_size("1G1", &v) < 0);
	CU_ASSERT(cli_parse_size("0.1", &v) < 0);      /* no fractional bytes */
	CU_ASSERT(cli_parse_size("99999999P", &v) < 0); /* overflow */
	CU_ASSERT(cli_parse_size("nan", &v) < 0);
	CU_ASSERT(cli_parse_size("inf", &v) < 0);
	CU_ASSERT(cli_parse_size("1e3", &v) < 0);
	CU_ASSERT(cli_parse_size("0x10", &v) < 0);
}

void add_cli_parse_tests(void)
{
	CU_pSuite s = CU_add_suite("cli parsing", NULL, NULL);
	CU_add_test(s, "sizes", test_sizes);
}
