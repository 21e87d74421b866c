#include "core/run.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* The child: output to the pipe, then exec; if exec fails its errno goes
 * back through the close-on-exec pipe, which a successful exec closes
 * unwritten. */
static void child(const char *const argv[], int out_fd, int err_fd)
{
	dup2(out_fd, STDOUT_FILENO);
	dup2(out_fd, STDERR_FILENO);
	execvp(argv[0], (char *const *)argv);
	int e = errno;
	(void)!write(err_fd, &e, sizeof(e));
	_exit(127);
}

/* First line into out, the rest read and dropped (so the child never
 * blocks on a full pipe). */
static void read_output(int fd, char *out, size_t len)
{
	size_t have = 0;
	char buf[512];
	ssize_t n;
	out[0] = '\0';
	while ((n = read(fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
		for (ssize_t i = 0; i < n && have + 1 < len; i++)
			out[have++] = buf[i];
	out[have] = '\0';
	out[strcspn(out, "\n")] = '\0';
}

int sdg_run(const char *const argv[], char *out, size_t len)
{
	int outp[2], errp[2];
	if (pipe2(outp, O_CLOEXEC))
		return -errno;
	if (pipe2(errp, O_CLOEXEC)) {
		int e = errno;
		close(outp[0]), close(outp[1]);
		return -e;
	}
	pid_t pid = fork();
	if (pid == 0)
		child(argv, outp[1], errp[1]);
	int e = pid < 0 ? errno : 0;
	close(outp[1]), close(errp[1]);
	if (pid > 0)
		read_output(outp[0], out, len);
	int exec_errno = 0;
	if (pid > 0 && read(errp[0], &exec_errno, sizeof(exec_errno)) != sizeof(exec_errno))
		exec_errno = 0;
	close(outp[0]), close(errp[0]);
	if (pid < 0)
		return -e;
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (exec_errno)
		return -exec_errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -EINTR;
}
