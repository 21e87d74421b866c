#include "core/lun_hint.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/replace_file.h"
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
	char file[PATH_MAX], line[PATH_MAX + 1];
	if (hint_path(group, file) && snprintf(line, sizeof(line), "%s\n", path) < (int)sizeof(line))
		sd_replace_file(file, line); /* another command may read it any time */
}

void sdg_lun_hint_forget(const char *group)
{
	char file[PATH_MAX];
	if (hint_path(group, file))
		unlink(file);
}
