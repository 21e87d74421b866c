#include "base/trace.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_PHASES 32
#define MAX_DEPTH 16

struct phase {
	const char *name;
	unsigned count;
	uint64_t self_ns;
};

/* Nested phases: each frame collects the time of the phases inside it,
 * which its own time leaves out. */
struct frame {
	uint64_t start_ns;
	uint64_t inner_ns;
};

static bool on;
static _Thread_local bool traced_thread;
static const char *command;
static uint64_t main_ns, started_ns; /* CLOCK_BOOTTIME at main and at exec */
static struct phase phases[MAX_PHASES];
static struct frame stack[MAX_DEPTH];
static unsigned depth, lost;

static uint64_t boot_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* When the kernel started this process (exec), from /proc/self/stat's
 * start time in clock ticks since boot (10 ms steps at the usual 100 Hz);
 * 0 when it cannot be read. */
static uint64_t exec_ns(void)
{
	char buf[1024];
	FILE *f = fopen("/proc/self/stat", "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	if (f)
		fclose(f);
	buf[n] = '\0';
	char *p = strrchr(buf, ')'); /* the command name may hold anything */
	unsigned long long ticks = 0;
	/* after ") ": state is field 3, start time field 22 */
	for (int field = 2; p && field < 22; field++)
		p = strchr(p + 1, ' ');
	long hz = sysconf(_SC_CLK_TCK);
	if (!p || hz <= 0 || sscanf(p + 1, "%llu", &ticks) != 1)
		return 0;
	return ticks * (1000000000ull / (uint64_t)hz);
}

static void charge(const char *name, unsigned count, uint64_t ns)
{
	for (unsigned i = 0; i < MAX_PHASES; i++) {
		if (!phases[i].name)
			phases[i].name = name;
		if (phases[i].name == name || !strcmp(phases[i].name, name)) {
			phases[i].count += count;
			phases[i].self_ns += ns;
			return;
		}
	}
	lost++;
}

static void line(const char *name, unsigned count, uint64_t ns)
{
	fprintf(stderr, "stardm: trace: %-16s %5u %10.3f ms\n", name, count, ns / 1e6);
}

static void report(void)
{
	uint64_t end = boot_ns(), traced = 0;
	fflush(stdout); /* the command's own output first */
	fprintf(stderr, "stardm: trace: %s (phase, times, own time)\n", command);
	if (started_ns && started_ns <= main_ns)
		line("start", 1, main_ns - started_ns);
	for (unsigned i = 0; i < MAX_PHASES && phases[i].name; i++) {
		line(phases[i].name, phases[i].count, phases[i].self_ns);
		traced += phases[i].self_ns;
	}
	line("untraced", 1, end - main_ns > traced ? end - main_ns - traced : 0);
	line("total", 1, end - (started_ns && started_ns <= main_ns ? started_ns : main_ns));
	if (lost || depth)
		fprintf(stderr, "stardm: trace: %u phases not counted, %u left open\n", lost, depth);
}

void sd_trace_command(const char *cmd)
{
	const char *env = getenv("STARDM_TRACE");
	if (!env || !*env || !strcmp(env, "0") || on)
		return;
	main_ns = boot_ns();
	started_ns = exec_ns();
	command = cmd;
	traced_thread = true;
	on = true;
	atexit(report);
}

uint64_t sd_trace_begin(void)
{
	if (!on || !traced_thread)
		return 0;
	uint64_t now = boot_ns();
	if (depth < MAX_DEPTH)
		stack[depth] = (struct frame){ now, 0 };
	depth++;
	return now;
}

void sd_trace_end(uint64_t token, const char *phase)
{
	if (!token || !depth)
		return;
	uint64_t now = boot_ns();
	depth--;
	if (depth >= MAX_DEPTH) {
		lost++;
		return;
	}
	uint64_t whole = now - stack[depth].start_ns;
	uint64_t inner = stack[depth].inner_ns;
	charge(phase, 1, whole > inner ? whole - inner : 0);
	if (depth > 0 && depth - 1 < MAX_DEPTH)
		stack[depth - 1].inner_ns += whole;
}
