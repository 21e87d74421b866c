/* The CLI's size parser (the contract says bytes or K/M/G/T, powers of
 * 1024) and its error classes. */
#include <errno.h>
#include <stdarg.h>

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

/* The edges: 0, 1, 2^63, 2^64-1 exact; anything past 64 bits refused,
 * with or without a suffix; fractions exact or refused, never rounded. */
static void test_size_boundaries(void)
{
	uint64_t v = 7;
	CU_ASSERT(cli_parse_size("1", &v) == 0 && v == 1);
	CU_ASSERT(cli_parse_size("9223372036854775808", &v) == 0 && v == 1ull << 63);
	CU_ASSERT(cli_parse_size("18446744073709551615", &v) == 0 && v == UINT64_MAX);
	CU_ASSERT(cli_parse_size("18446744073709551614", &v) == 0 && v == UINT64_MAX - 1);
	CU_ASSERT(cli_parse_size("9007199254740993", &v) == 0 && v == 9007199254740993ull); /* 2^53+1 */
	CU_ASSERT(cli_parse_size("18446744073709551616", &v) < 0);   /* 2^64 */
	CU_ASSERT(cli_parse_size("99999999999999999999999", &v) < 0);
	CU_ASSERT(cli_parse_size("16383P", &v) == 0 && v == 16383ull << 50);
	CU_ASSERT(cli_parse_size("16384P", &v) < 0);                 /* 2^64: suffix overflow */
	CU_ASSERT(cli_parse_size("17179869184G", &v) < 0);
	CU_ASSERT(cli_parse_size("8E", &v) < 0);                     /* no exbibyte suffix */
	v = 7;
	CU_ASSERT(cli_parse_size(".", &v) < 0 && v == 7);
	CU_ASSERT(cli_parse_size(".5G", &v) < 0);
	CU_ASSERT(cli_parse_size("1.G", &v) < 0);
	CU_ASSERT(cli_parse_size("1.5", &v) < 0);
	CU_ASSERT(cli_parse_size("1.0", &v) == 0 && v == 1);
	CU_ASSERT(cli_parse_size("0.5K", &v) == 0 && v == 512);
	CU_ASSERT(cli_parse_size("1.25K", &v) == 0 && v == 1280);
	CU_ASSERT(cli_parse_size("1.1K", &v) < 0);                  /* 1126.4 bytes */
	CU_ASSERT(cli_parse_size("15.9999999999999999999P", &v) < 0);
	CU_ASSERT(cli_parse_size("16383.999999999999999P", &v) < 0); /* not whole bytes */
	CU_ASSERT(cli_parse_size("16383.5P", &v) == 0 && v == (16383ull << 50) + (1ull << 49));
	CU_ASSERT(cli_parse_size("16383.9990234375P", &v) == 0 &&
		  v == (16383ull << 50) + (1023ull << 40));
	CU_ASSERT(cli_parse_size("1.00000000000000000000", &v) < 0); /* 20 fraction digits */
	CU_ASSERT(cli_parse_size("1..5G", &v) < 0);
	CU_ASSERT(cli_parse_size("1.5.0G", &v) < 0);
	CU_ASSERT(cli_parse_size(" 1G", &v) < 0);
	CU_ASSERT(cli_parse_size("1G ", &v) < 0);
	CU_ASSERT(cli_parse_size("+1G", &v) < 0);
}

/* Options: only those a command allows, values checked before any work. */
static int parse(unsigned allowed, struct cli_opts *o, int n, ...)
{
	char *argv[8] = { "cmd" };
	va_list ap;
	va_start(ap, n);
	for (int i = 0; i < n; i++)
		argv[i + 1] = va_arg(ap, char *);
	va_end(ap);
	return cli_parse_opts("cmd", n + 1, argv, allowed, 1, 1, o);
}

static void test_options(void)
{
	struct cli_opts o;
	unsigned w = OPT_VMID | OPT_TIMEOUT;
	CU_ASSERT(parse(w, &o, 5, "g", "--vmid", "100", "--timeout", "30") == 0);
	CU_ASSERT(o.vmid == 100 && o.timeout == 30 && o.npos == 1);
	CU_ASSERT(parse(w, &o, 3, "g", "--timeout", "0") == 0 && o.timeout == 0 && o.vmid == -1);
	CU_ASSERT(parse(w, &o, 3, "g", "--timeout", "-1") == EXIT_USAGE);
	CU_ASSERT(parse(w, &o, 3, "g", "--timeout", "5s") == EXIT_USAGE);
	CU_ASSERT(parse(w, &o, 3, "g", "--timeout", "") == EXIT_USAGE);
	CU_ASSERT(parse(w, &o, 3, "g", "--vmid", "0") == EXIT_USAGE);
	CU_ASSERT(parse(w, &o, 2, "g", "--json") == EXIT_USAGE);       /* not allowed here */
	CU_ASSERT(parse(w, &o, 2, "g", "--timeout") == EXIT_USAGE);    /* missing value */
	CU_ASSERT(parse(w, &o, 2, "g", "extra") == EXIT_USAGE);        /* too many positionals */
}

/* The contract of docs/stardm.8: these numbers and names never change. */
static void test_error_classes(void)
{
	static const struct { int code; int exit; const char *name; } want[] = {
		{ 0, 1, "failed" },
		{ EPERM, 1, "failed" },
		{ -EXIT_USAGE, 2, "usage" },
		{ SD_E_NOTFOUND, 3, "not-found" }, { ENOENT, 3, "not-found" },
		{ SD_E_EXISTS, 4, "exists" }, { EEXIST, 4, "exists" },
		{ SD_E_OWNED, 5, "owned-elsewhere" },
		{ EBUSY, 6, "busy" },
		{ SD_E_NOSPACE, 7, "no-space" }, { ENOSPC, 7, "no-space" },
		{ SD_E_CONFLICT, 8, "conflict" }, { EAGAIN, 8, "conflict" },
		{ SD_E_CORRUPT, 9, "corrupt" },
		{ EIO, 10, "io" },
		{ SD_E_INVAL, 11, "invalid" }, { EINVAL, 11, "invalid" }, { ENOTBLK, 11, "invalid" },
		{ ETIMEDOUT, 12, "timeout" },
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct cli_error_class *c = cli_error_class(want[i].code);
		CU_ASSERT_EQUAL(c->exit, want[i].exit);
		CU_ASSERT_STRING_EQUAL(c->name, want[i].name);
	}
	/* and sd_fail records the code it returns */
	struct sd_err err;
	CU_ASSERT_EQUAL(sd_fail(&err, SD_E_OWNED, "x"), -SD_E_OWNED);
	CU_ASSERT_EQUAL(err.code, SD_E_OWNED);
	CU_ASSERT_EQUAL(sd_fail(&err, -ENOENT, "y"), -ENOENT);
	CU_ASSERT_EQUAL(err.code, ENOENT);
}

void add_cli_parse_tests(void)
{
	CU_pSuite s = CU_add_suite("cli parsing", NULL, NULL);
	CU_add_test(s, "error codes: exit status and JSON name per class", test_error_classes);
	CU_add_test(s, "sizes", test_sizes);
	CU_add_test(s, "size boundaries", test_size_boundaries);
	CU_add_test(s, "options", test_options);
}
