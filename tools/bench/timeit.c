/* timeit OUTFILE CMD [ARGS...]: run CMD, append its wall time in
 * microseconds to OUTFILE, exit with CMD's status.  The benchmark's guest
 * has only busybox, whose date has no sub-second clock. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: timeit OUTFILE CMD [ARGS...]\n");
		return 2;
	}
	double t0 = now_us();
	pid_t pid = fork();
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		perror(argv[2]);
		_exit(127);
	}
	int status = 0;
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return 127;
	double us = now_us() - t0;
	FILE *f = fopen(argv[1], "a");
	if (!f)
		return 127;
	fprintf(f, "%.0f\n", us);
	fclose(f);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}
