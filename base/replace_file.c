#include "base/replace_file.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int sd_replace_file(const char *path, const char *text)
{
	char dir[PATH_MAX], tmp[PATH_MAX + 24];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		mkdir(dir, 0755);
	}
	/* one temporary per process: two writers never share one */
	snprintf(tmp, sizeof(tmp), "%s.%ld.new", path, (long)getpid());
	FILE *f = fopen(tmp, "we");
	bool ok = f && fputs(text, f) >= 0;
	if (f && fclose(f))
		ok = false;
	if (ok && rename(tmp, path) == 0)
		return 0;
	unlink(tmp);
	return -1;
}
