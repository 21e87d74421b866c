/* A SAN's LUN grows on the array; each node's kernel learns of it only when
 * its SCSI disk is rescanned (NVMe and virtio report the change
 * themselves), and a multipath map only when multipathd resizes it after
 * its paths were rescanned. */
#include "core/rescan.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "core/run.h"

/* Write "1" to a sysfs rescan attribute; false when there is none. */
static bool rescan_disk(const char *sysdir)
{
	char p[PATH_MAX + 32];
	snprintf(p, sizeof(p), "%s/device/rescan", sysdir);
	int fd = open(p, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	bool ok = write(fd, "1", 1) == 1;
	close(fd);
	return ok;
}

/* Rescan every disk under a dm device; the number rescanned. */
static int rescan_paths(const char *sysdir)
{
	char p[PATH_MAX + 32];
	snprintf(p, sizeof(p), "%s/slaves", sysdir);
	DIR *d = opendir(p);
	if (!d)
		return 0;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		char path[PATH_MAX + 300];
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/class/block/%s", e->d_name);
		n += rescan_disk(path);
	}
	closedir(d);
	return n;
}

static void read_line(const char *path, char *out, size_t len)
{
	out[0] = '\0';
	FILE *f = fopen(path, "re");
	if (f && fgets(out, (int)len, f))
		out[strcspn(out, "\n")] = '\0';
	if (f)
		fclose(f);
}

void sdg_device_rescan(const char *dev)
{
	struct stat st;
	if (stat(dev, &st) || !S_ISBLK(st.st_mode))
		return;
	char sys[64];
	snprintf(sys, sizeof(sys), "/sys/dev/block/%u:%u", major(st.st_rdev), minor(st.st_rdev));
	if (rescan_disk(sys) || !rescan_paths(sys))
		return;
	char p[128], uuid[160], name[160];
	snprintf(p, sizeof(p), "%s/dm/uuid", sys);
	read_line(p, uuid, sizeof(uuid));
	snprintf(p, sizeof(p), "%s/dm/name", sys);
	read_line(p, name, sizeof(name));
	if (strncmp(uuid, "mpath-", 6) || !name[0])
		return;
	char out[256];
	const char *argv[] = { "multipathd", "resize", "map", name, NULL };
	sdg_run(argv, out, sizeof(out));
}
