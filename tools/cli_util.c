#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/volume.h"

int cli_usage(const char *cmd, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "stardm: %s", msg);
	if (cmd)
		fprintf(stderr, " (see 'stardm help %s')", cmd);
	fputc('\n', stderr);
	return cli_usage_error(msg);
}

/* Decimal digits [s, end) into *v; false when empty or beyond 64 bits. */
static bool parse_digits(const char *s, const char *end, uint64_t *v)
{
	*v = 0;
	if (s == end)
		return false;
	for (; s < end; s++)
		if (__builtin_mul_overflow(*v, 10, v) || __builtin_add_overflow(*v, *s - '0', v))
			return false;
	return true;
}

/* The unit suffix that ends the string at s: none, or K, M, G, T or P,
 * optionally followed by B or iB (both powers of 1024, as LVM reads them). */
static bool parse_unit(const char *s, uint64_t *mul)
{
	*mul = 1;
	if (!*s)
		return true;
	const char *u = strchr("KMGTP", *s & ~0x20);
	if (!u || !*u)
		return false;
	*mul = 1ull << (10 * (u - "KMGTP" + 1));
	s++;
	if ((*s & ~0x20) == 'I' && (s[1] & ~0x20) == 'B')
		s += 2;
	else if ((*s & ~0x20) == 'B')
		s++;
	return !*s;
}

/* Integer arithmetic throughout: a size is exact or refused, never rounded
 * through a double.  A fraction must come out to whole bytes ("1.5K" is
 * 1536, "0.1" is refused). */
int cli_parse_size(const char *s, uint64_t *out)
{
	if (!s)
		return -1;
	const char *int_end = s + strspn(s, "0123456789");
	const char *frac = *int_end == '.' ? int_end + 1 : int_end;
	const char *frac_end = frac + strspn(frac, "0123456789");
	uint64_t whole, part = 0, mul, scale = 1, bytes;
	if (!parse_digits(s, int_end, &whole) || !parse_unit(frac_end, &mul))
		return -1;
	if (frac != int_end) { /* a dot needs digits after it, at most 19 of them */
		if (frac == frac_end || frac_end - frac > 19 || !parse_digits(frac, frac_end, &part))
			return -1;
		for (const char *d = frac; d < frac_end; d++)
			scale *= 10;
	}
	unsigned __int128 frac_bytes = (unsigned __int128)part * mul;
	if (frac_bytes % scale || __builtin_mul_overflow(whole, mul, &bytes) ||
	    __builtin_add_overflow(bytes, (uint64_t)(frac_bytes / scale), &bytes))
		return -1;
	*out = bytes;
	return 0;
}

const char *cli_human(uint64_t bytes, char *buf, size_t len)
{
	const char *u[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)bytes;
	int i = 0;
	while (v >= 1024 && i < 5) {
		v /= 1024;
		i++;
	}
	if (i == 0)
		snprintf(buf, len, "%" PRIu64 " B", bytes);
	else
		snprintf(buf, len, "%.1f %s", v, u[i]);
	return buf;
}

void cli_print_json(json_object *o)
{
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
						 JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

void cli_print_path(const char *path, bool json)
{
	if (!json) {
		printf("%s\n", path);
		return;
	}
	json_object *j = json_object_new_object();
	json_object_object_add(j, "path", json_object_new_string(path));
	cli_print_json(j);
}

json_object *cli_json_u64(uint64_t v)
{
	return json_object_new_uint64(v);
}

static int size_opt(const char *cmd, const char *flag, const char *arg, uint64_t *out)
{
	if (cli_parse_size(arg, out))
		return cli_usage(cmd, "%s '%s': not a size (bytes, or K/M/G/T suffix)", flag, arg);
	return 0;
}

/* A whole number from lo to hi (what: "a number of seconds", ...). */
int cli_number_arg(const char *cmd, const char *flag, const char *arg, long lo, long hi,
		   const char *what, unsigned *out)
{
	char *end;
	long v = strtol(arg, &end, 10);
	if (*end || end == arg || v < lo || v > hi)
		return cli_usage(cmd, "%s '%s': not %s (%ld-%ld)", flag, arg, what, lo, hi);
	*out = (unsigned)v;
	return 0;
}

static int provisioning_opt(const char *cmd, const char *arg, int *out)
{
	if (strcmp(arg, "thin") && strcmp(arg, "full"))
		return cli_usage(cmd, "--provisioning '%s': thin or full", arg);
	*out = strcmp(arg, "thin") ? SDG_PROV_FULL : SDG_PROV_THIN;
	return 0;
}

int cli_parse_opts(const char *cmd, int argc, char **argv, unsigned allowed, int min_pos,
		   int max_pos, struct cli_opts *o)
{
	static const struct option all[] = {
		{ "json", no_argument, NULL, 'j' },        { "force", no_argument, NULL, 'f' },
		{ "name", required_argument, NULL, 'n' },  { "extent-size", required_argument, NULL, 'e' },
		{ "metadata-size", required_argument, NULL, 'm' },
		{ "size", required_argument, NULL, 's' },  { "vmid", required_argument, NULL, 'v' },
		{ "snapshot", required_argument, NULL, 'S' },
		{ "readonly", no_argument, NULL, 'r' },    { "check-pool", no_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 't' },
		{ "chunk-size", required_argument, NULL, 'C' },
		{ "interval", required_argument, NULL, 'i' },
		{ "once", no_argument, NULL, 'o' },
		{ "follow", no_argument, NULL, 'F' },
		{ "incoming", no_argument, NULL, 'I' },
		{ "pve-dir", required_argument, NULL, 'P' },
		{ "provisioning", required_argument, NULL, 'p' },
		{ "grow-min", required_argument, NULL, 'g' },
		{ "grow-pct", required_argument, NULL, 'G' },
		{ "reserve", required_argument, NULL, 'R' },
		{ "no-space-timeout", required_argument, NULL, 'N' },
		{ "format-version", required_argument, NULL, 'V' },
		{ 0, 0, 0, 0 },
	};
	static const unsigned bit[] = { OPT_JSON, OPT_FORCE, OPT_NAME, OPT_EXTENT, OPT_MDSIZE,
					OPT_SIZE, OPT_VMID, OPT_SNAPSHOT, OPT_READONLY,
					OPT_CHECK_POOL, OPT_TIMEOUT, OPT_CHUNK,
					OPT_INTERVAL, OPT_ONCE, OPT_FOLLOW, OPT_INCOMING,
					OPT_PVE_DIR, OPT_PROVISIONING, OPT_GROW, OPT_GROW,
					OPT_RESERVE, OPT_NO_SPACE_TIMEOUT, OPT_FORMAT_VERSION };
	memset(o, 0, sizeof(*o));
	o->vmid = -1;
	o->reserve_pct = -1;
	o->no_space_timeout = -1;
	for (int i = 1; i < argc; i++) /* before anything can fail: its error too */
		if (!strcmp(argv[i], "--json"))
			cli_json_errors(true);
	optind = 1;
	opterr = 0;
	int c, idx, rc = 0;
	while (!rc && (c = getopt_long(argc, argv, ":", all, &idx)) != -1) {
		if (c == '?' || c == ':')
			return cli_usage(cmd, "%s: %s '%s'", cmd,
					 c == '?' ? "unknown option" : "missing value for",
					 argv[optind - 1]);
		if (!(allowed & bit[idx]))
			return cli_usage(cmd, "%s does not take --%s", cmd, all[idx].name);
		switch (c) {
		case 'j': o->json = true; break;
		case 'f': o->force = true; break;
		case 'r': o->readonly = true; break;
		case 'c': o->check_pool = true; break;
		case 'n': o->name = optarg; break;
		case 'S': o->snapshot = optarg; break;
		case 'e': rc = size_opt(cmd, "--extent-size", optarg, &o->extent_size); break;
		case 'm': rc = size_opt(cmd, "--metadata-size", optarg, &o->metadata_size); break;
		case 's': rc = size_opt(cmd, "--size", optarg, &o->size); o->has_size = true; break;
		case 'C': rc = size_opt(cmd, "--chunk-size", optarg, &o->chunk_size); break;
		case 'v': {
			char *end;
			o->vmid = strtol(optarg, &end, 10);
			if (*end || o->vmid < 1 || o->vmid > 999999999)
				rc = cli_usage(cmd, "--vmid '%s': not a VM id", optarg);
			break;
		}
		case 't':
			rc = cli_number_arg(cmd, "--timeout", optarg, 0, 86400, "a number of seconds",
					&o->timeout);
			break;
		case 'i':
			rc = cli_number_arg(cmd, "--interval", optarg, 0, 86400, "a number of seconds",
					&o->interval);
			break;
		case 'o': o->once = true; break;
		case 'F': o->follow = true; break;
		case 'I': o->incoming = true; break;
		case 'P': o->pve_dir = optarg; break;
		case 'p': rc = provisioning_opt(cmd, optarg, &o->provisioning); break;
		case 'g': rc = size_opt(cmd, "--grow-min", optarg, &o->grow_min); break;
		case 'G':
			rc = cli_number_arg(cmd, "--grow-pct", optarg, 1, 100, "a percentage", &o->grow_pct);
			break;
		case 'N': {
			unsigned s;
			rc = cli_number_arg(cmd, "--no-space-timeout", optarg, 0, 86400,
					    "a number of seconds", &s);
			o->no_space_timeout = (int)s;
			break;
		}
		case 'V':
			rc = cli_number_arg(cmd, "--format-version", optarg, 1, 2, "1 or 2",
					    &o->format_version);
			break;
		case 'R': {
			unsigned pct;
			rc = cli_number_arg(cmd, "--reserve", optarg, 0, 100, "a percentage",
					    &pct);
			o->reserve_pct = (int)pct;
			break;
		}
		}
	}
	if (rc)
		return rc;
	o->pos = argv + optind;
	o->npos = argc - optind;
	if (o->npos < min_pos)
		return cli_usage(cmd, "%s: missing arguments", cmd);
	if (o->npos > max_pos)
		return cli_usage(cmd, "%s: unexpected argument '%s'", cmd, o->pos[max_pos]);
	return 0;
}
