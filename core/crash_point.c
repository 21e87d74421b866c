/* Crash and fault injection, built only into test builds (make HOOKS=1,
 * which the VM suites use), at each kernel step after a commit (a pool
 * message, or a table reload of a live pool or volume):
 *   STARDM_CRASH_AFTER_STEPS=N ends the process abruptly (as kill -9
 *   would) before its N+1th step, so the crash suite tries every point
 *   between the metadata commit and the last step;
 *   STARDM_STEP_HOOK="N COMMAND" runs COMMAND (sh -c) before the N+1th
 *   step and goes on, so the I/O error suite can make the LUN fail between
 *   a commit and the kernel steps that follow it.
 * The binary make installs has neither variable. */

#ifdef STARDM_TEST_HOOKS
#include "core/crash_point.h"

#include <stdlib.h>
#include <unistd.h>

static void step_hook(long step)
{
	const char *e = getenv("STARDM_STEP_HOOK");
	char *cmd;
	if (e && strtol(e, &cmd, 10) == step && *cmd == ' ' && system(cmd + 1) != 0)
		_exit(98); /* the test's own hook failed: nothing here may go on */
}

void sdg_crash_point(void)
{
	static long left = -2, step;
	if (left == -2) {
		const char *e = getenv("STARDM_CRASH_AFTER_STEPS");
		left = e ? atol(e) : -1;
	}
	step_hook(step++);
	if (left == 0)
		_exit(99);
	if (left > 0)
		left--;
}
#endif
