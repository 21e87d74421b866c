#include "base/rundir.h"

#include <stdlib.h>
#include <sys/stat.h>

const char *sd_run_dir(void)
{
	const char *dir = getenv("STARDM_RUN_DIR");
	if (dir && *dir) {
		mkdir(dir, 0755);
		return dir;
	}
	mkdir("/run", 0755); /* there on every system but a bare initramfs */
	mkdir("/run/stardm", 0755);
	return "/run/stardm";
}
