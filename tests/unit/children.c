/* Forked children of the unit tests: forked only while the test runs
 * alone, and never waited for without end. */
#include "helpers.h"

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PF_EXITING 0x00000004u   /* include/linux/sched.h */
#define PF_IO_WORKER 0x00000010u

/* Whether thread tid runs code of ours: not an io_uring worker of the
 * kernel's (named only once it runs, so told by its flags), nor a thread
 * on its way out (one just joined, or an idle io_uring worker ending, can
 * still be listed, and then read as empty). */
static bool runs_our_code(int tid, char comm[32])
{
	char path[64], line[512];
	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	FILE *f = fopen(path, "r");
	if (!f)
		return false; /* gone meanwhile */
	bool got = fgets(line, sizeof(line), f) != NULL;
	fclose(f);
	char *open = strchr(line, '('), *close = strrchr(line, ')');
	if (!got || !open || !close || close < open)
		return false; /* nothing to read: it ended between the listing and the read */
	snprintf(comm, 32, "%.*s", (int)(close - open - 1), open + 1);
	char state;
	unsigned flags;
	if (sscanf(close + 1, " %c %*d %*d %*d %*d %*d %u", &state, &flags) != 2)
		return true;
	return state != 'Z' && state != 'X' && !(flags & (PF_EXITING | PF_IO_WORKER));
}

/* How many threads of ours run beside the caller; their names into names. */
static int other_threads(char *names, size_t len)
{
	names[0] = '\0';
	DIR *d = opendir("/proc/self/task");
	if (!d)
		return 0; /* no /proc: cannot tell, assume none */
	int n = 0;
	struct dirent *e;
	pid_t me = gettid();
	while ((e = readdir(d))) {
		int tid = atoi(e->d_name);
		char comm[32] = "";
		if (tid <= 0 || tid == me || !runs_our_code(tid, comm))
			continue;
		n++;
		size_t used = strlen(names);
		snprintf(names + used, len - used, "%s%s", used ? ", " : "", comm);
	}
	closedir(d);
	return n;
}

pid_t fork_alone(void)
{
	char names[256];
	int others = other_threads(names, sizeof(names));
	CU_ASSERT_EQUAL(others, 0);
	if (others) {
		fprintf(stderr, "\n    not forking: %d other threads run (%s; an earlier test "
			"left them?); a child forked beside them can wait for ever on a lock one "
			"held\n", others, names);
		return -1;
	}
	pid_t pid = fork();
	CU_ASSERT(pid >= 0);
	return pid;
}

int wait_child(pid_t pid, unsigned secs)
{
	int status = 0;
	if (pid <= 0)
		return -1;
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	for (unsigned long waited_ms = 0; waited_ms < secs * 1000ul; waited_ms += 10) {
		pid_t got = waitpid(pid, &status, WNOHANG);
		if (got == pid)
			return status;
		if (got < 0)
			return -1;
		nanosleep(&tick, NULL);
	}
	fprintf(stderr, "\n    child %d still running after %u s: killed\n", (int)pid, secs);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	CU_FAIL("a forked child hung");
	return status;
}
