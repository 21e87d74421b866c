#include "core/lun_hint.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/rundir.h"
#include "core/udev_props.h"
#include "metadata/state.h"

/* The hint's file; false for a group that cannot name one (a name that is
 * not a group name or uuid stays out of the file system). */
static bool hint_path(const char *group, char out[PATH_MAX])
{
	if (!sd_name_valid(group) && !sdg_is_uuid(group))
		return false;
	snprintf(out, PATH_MAX, "%s/luns/%s", sd_run_dir(), group);
	return true;
}

int sdg_lun_hint_get(const char *group, char *path, size_t len)
{
	char file[PATH_MAX];
	if (!hint_path(group, file))
		return -1;
	FILE *f = fopen(file, "re");
	if (!f)
		return -1;
	char line[PATH_MAX];
	bool ok = fgets(line, sizeof(line), f) != NULL;
	fclose(f);
	line[ok ? strcspn(line, "\n") : 0] = '\0';
	struct stat sb;
	if (!line[0] || strlen(line) >= len || stat(line, &sb) || !S_ISBLK(sb.st_mode))
		return -1;
	snprintf(path, len, "%s", line);
	return 0;
}

void sdg_lun_hint_put(const char *group, const char *path)
{
	char file[PATH_MAX], tmp[PATH_MAX + 16];
	if (!hint_path(group, file))
		return;
	char *dir = strrchr(file, '/');
	*dir = '\0';
	mkdir(file, 0755);
	*dir = '/';
	/* whole or not at all: another command may read it any time */
	snprintf(tmp, sizeof(tmp), "%s.%ld", file, (long)getpid());
	FILE *f = fopen(tmp, "we");
	bool ok = f && fprintf(f, "%s\n", path) > 0;
	if (f && fclose(f))
		ok = false;
	if (!ok || rename(tmp, file))
		unlink(tmp);
}

void sdg_lun_hint_forget(const char *group)
{
	char file[PATH_MAX];
	if (hint_path(group, file))
		unlink(file);
}
