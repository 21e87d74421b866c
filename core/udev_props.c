#include "core/udev_props.h"

#include <ctype.h>
#include <fcntl.h>
#include <libudev.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "base/replace_file.h"
#include "base/rundir.h"
#include "core/dm_names.h"
#include "core/volume.h"

/* Call visit for every block device whose udev property key is value,
 * stardm's own dm devices left out (only a LUN carries a LUN's
 * properties); the number visited.  Only devices 69-stardm-lun.rules
 * tagged are read, so the cost does not grow with the node's disks.  The
 * visitor gets the device's sysfs path and reads what more it needs: the
 * enumeration has read each device's record once already, and every
 * further read walks sysfs again (tens of system calls, a command's
 * largest cost after its dm work on a slow machine). */
typedef void (*lun_visit)(struct udev *u, const char *syspath, int i, void *ctx);
static int each_lun(const char *key, const char *value, lun_visit visit, void *ctx)
{
	struct udev *u = udev_new();
	struct udev_enumerate *en = u ? udev_enumerate_new(u) : NULL;
	int n = 0;
	if (en && udev_enumerate_add_match_tag(en, "stardm_lun") >= 0 &&
	    udev_enumerate_add_match_subsystem(en, "block") >= 0 &&
	    udev_enumerate_add_match_property(en, key, value) >= 0 &&
	    udev_enumerate_add_nomatch_sysattr(en, "dm/uuid", SDG_DM_UUID_PREFIX "*") >= 0 &&
	    udev_enumerate_scan_devices(en) >= 0) {
		struct udev_list_entry *e;
		udev_list_entry_foreach(e, udev_enumerate_get_list_entry(en))
			visit(u, udev_list_entry_get_name(e), n++, ctx);
	}
	if (en)
		udev_enumerate_unref(en);
	if (u)
		udev_unref(u);
	return n;
}

static void name_of(struct udev *u, const char *syspath, int i, void *name)
{
	struct udev_device *d = i == 0 ? udev_device_new_from_syspath(u, syspath) : NULL;
	const char *g = d ? udev_device_get_property_value(d, "STARDM_GROUP_NAME") : NULL;
	if (g && sd_name_valid(g))
		snprintf(name, SD_NAME_LEN, "%s", g);
	if (d)
		udev_device_unref(d);
}

/* The name of the group with uuid, as the LUN's udev rule recorded it. */
static int group_from_udev(const char *uuid, char name[SD_NAME_LEN])
{
	name[0] = '\0';
	each_lun("STARDM_GROUP_UUID", uuid, name_of, name);
	return name[0] ? 0 : -1;
}

/* Without the database: the first '-' after which a Proxmox volume name
 * follows (a group name that itself holds "-vm-N-" is read short). */
static int group_from_name(const char *dm_name, struct sdg_volume_names *out)
{
	for (const char *p = strchr(dm_name + 7, '-'); p; p = strchr(p + 1, '-')) {
		snprintf(out->group, SD_NAME_LEN, "%.*s", (int)(p - dm_name - 7), dm_name + 7);
		if (sd_name_valid(out->group) &&
		    sdg_dm_parse_volume(dm_name, out->group, out->vol, out->snap) == 0 &&
		    sdg_vmid_of(out->vol))
			return 0;
	}
	return -1;
}

int sdg_udev_volume(const char *dm_name, const char *dm_uuid, struct sdg_volume_names *out)
{
	memset(out, 0, sizeof(*out));
	if (strncmp(dm_name, "stardm-", 7) || sdg_dm_uuid_group(dm_uuid, out->group_uuid) ||
	    !strstr(dm_uuid, "-thin-"))
		return -1;
	if (group_from_udev(out->group_uuid, out->group) == 0)
		return sdg_dm_parse_volume(dm_name, out->group, out->vol, out->snap);
	return group_from_name(dm_name, out);
}

void sdg_udev_names_format(const struct sdg_volume_names *n, char *out, size_t len)
{
	int k = snprintf(out, len, "STARDM_VOLUME_GROUP=%s\nSTARDM_VOLUME_GROUP_UUID=%s\n"
			 "STARDM_VOLUME=%s\n", n->group, n->group_uuid, n->vol);
	if (n->snap[0] && k >= 0 && (size_t)k < len)
		snprintf(out + k, len - (size_t)k, "STARDM_SNAPSHOT=%s\n", n->snap);
}

static void names_path(const char *dm_name, char out[PATH_MAX])
{
	snprintf(out, PATH_MAX, "%s/udev/%s", sd_run_dir(), dm_name);
}

void sdg_udev_names_note(const struct sdg *g, const char *dm_name, const char *vol,
			 const char *snap)
{
	if (!sdg_udev_names())
		return;
	struct sdg_volume_names n = { 0 };
	char text[512], path[PATH_MAX];
	snprintf(n.group, sizeof(n.group), "%s", sdg_name(g));
	sdg_uuid_format(sdg_geometry(g)->uuid, n.group_uuid);
	snprintf(n.vol, sizeof(n.vol), "%s", vol);
	snprintf(n.snap, sizeof(n.snap), "%s", snap ? snap : "");
	sdg_udev_names_format(&n, text, sizeof(text));
	names_path(dm_name, path);
	sd_replace_file(path, text); /* udev may read it any time */
}

void sdg_udev_names_forget(const char *dm_name)
{
	char path[PATH_MAX];
	names_path(dm_name, path);
	unlink(path);
}

bool sdg_is_uuid(const char *s)
{
	for (int i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return false;
	}
	return s[36] == '\0';
}

struct node_list {
	char (*nodes)[PATH_MAX];
	size_t max;
};

/* A block device's node is its kernel name under /dev, a '!' in it
 * standing for a '/' (cciss!c0d0 is /dev/cciss/c0d0), as devtmpfs makes
 * it. */
static void node_of(struct udev *u, const char *syspath, int i, void *ctx)
{
	(void)u;
	struct node_list *l = ctx;
	const char *name = strrchr(syspath, '/');
	if ((size_t)i >= l->max || !name || !name[1])
		return;
	int k = snprintf(l->nodes[i], PATH_MAX, "/dev/%s", name + 1);
	for (char *c = l->nodes[i] + 5; k > 0 && *c; c++)
		if (*c == '!')
			*c = '/';
}

bool sdg_udev_running(void)
{
	return access("/run/udev/control", F_OK) == 0;
}

int sdg_udev_group_devices(const char *group, char (*nodes)[PATH_MAX], size_t max)
{
	if (!sdg_udev_running())
		return -1;
	struct node_list l = { nodes, max };
	return each_lun(sdg_is_uuid(group) ? "STARDM_GROUP_UUID" : "STARDM_GROUP_NAME", group,
			node_of, &l);
}

void sdg_udev_changed(const char *path)
{
	struct stat st;
	char uevent[96];
	if (stat(path, &st) || !S_ISBLK(st.st_mode))
		return;
	snprintf(uevent, sizeof(uevent), "/sys/dev/block/%u:%u/uevent", major(st.st_rdev),
		 minor(st.st_rdev));
	int fd = open(uevent, O_WRONLY | O_CLOEXEC);
	/* if this fails, udev reads the label at the device's next event */
	ssize_t w = fd >= 0 ? write(fd, "change", 6) : -1;
	(void)w;
	if (fd >= 0)
		close(fd);
}

/* Once true, true for the rest of the process: a command asks for every
 * volume it lists (five file lookups each, a fifth of a thousand VMs'
 * list), and udev and the rules, once there, stay.  A false answer is
 * asked again: a monitor may start before udev does. */
bool sdg_udev_names(void)
{
	static const char *const dirs[] = { "/etc/udev/rules.d", "/run/udev/rules.d",
					    "/usr/lib/udev/rules.d", "/lib/udev/rules.d" };
	static bool known;
	if (known || !sdg_udev_running())
		return known;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char p[64];
		snprintf(p, sizeof(p), "%s/56-stardm.rules", dirs[i]);
		if (access(p, F_OK) == 0)
			return known = true;
	}
	return false;
}
