/* Crash injection, built only into test builds (make HOOKS=1, which the VM
 * suites use): STARDM_CRASH_AFTER_STEPS=N ends the process abruptly (as
 * kill -9 would) before its N+1th kernel step after a commit (a pool
 * message, or a table reload of a live pool or volume), so the crash suite
 * tries every point between the metadata commit and the last step.  The
 * binary make installs has no such variable. */

#ifdef STARDM_TEST_HOOKS
#include "core/crash_point.h"

#include <stdlib.h>
#include <unistd.h>

void sdg_crash_point(void)
{
	static long left = -2;
	if (left == -2) {
		const char *e = getenv("STARDM_CRASH_AFTER_STEPS");
		left = e ? atol(e) : -1;
	}
	if (left == 0)
		_exit(99);
	if (left > 0)
		left--;
}
#endif
