/* Find stardm groups: enumerate block devices with libudev (it works from
 * sysfs, so also without a running udev daemon) and read their labels.
 * Path devices under a multipath map (held by a device not our own) are skipped: the
 * map is the device to use, and listing each path would show one group
 * several times. */
#include "core/scan.h"

#include <dirent.h>
#include <errno.h>
#include <libudev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/vec.h"
#include "core/dm_names.h"
#include "core/group.h"
#include "metadata/io.h"
#include "metadata/store.h"

/* A holder that is not one of our own pool layers (multipath, md, LVM). */
static bool has_foreign_holders(struct udev_device *d)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/holders", udev_device_get_syspath(d));
	DIR *dir = opendir(p);
	if (!dir)
		return false;
	struct dirent *e;
	bool foreign = false;
	while (!foreign && (e = readdir(dir))) {
		if (e->d_name[0] == '.')
			continue;
		char up[PATH_MAX + 300], uuid[16] = "";
		snprintf(up, sizeof(up), "%s/%s/dm/uuid", p, e->d_name);
		FILE *f = fopen(up, "r");
		if (f) {
			if (!fgets(uuid, sizeof(uuid), f))
				uuid[0] = '\0';
			fclose(f);
		}
		foreign = !sdg_dm_uuid_ours(uuid);
	}
	closedir(dir);
	return foreign;
}

/* Our own dm devices (pool layers, volumes) never hold a label. */
static bool is_ours(struct udev_device *d)
{
	const char *uuid = udev_device_get_sysattr_value(d, "dm/uuid");
	return sdg_dm_uuid_ours(uuid);
}

static void by_id_link(struct udev_device *d, char *out, size_t len)
{
	out[0] = '\0';
	struct udev_list_entry *e;
	udev_list_entry_foreach(e, udev_device_get_devlinks_list_entry(d)) {
		const char *l = udev_list_entry_get_name(e);
		/* prefer stable WWN/SCSI ids; take the first by-id link otherwise */
		if (!strncmp(l, "/dev/disk/by-id/", 16) && (!out[0] || strstr(l, "wwn-")))
			snprintf(out, len, "%s", l);
	}
}

int sdg_probe(const char *devnode, struct sdg_found *f)
{
	struct sd_io *io;
	if (sd_io_open(devnode, false, SD_IO_AUTO, &io, NULL))
		return -1;
	struct sd_copy_status cs[2];
	memset(f, 0, sizeof(*f));
	int pr = sd_store_probe(io, &f->geo, cs, NULL);
	int rc = pr == 0 || pr == -SD_E_DEVSIZE; /* found; opening it rescans */
	if (rc) {
		snprintf(f->devnode, sizeof(f->devnode), "%s", devnode);
		f->label_valid[0] = cs[0].label_valid;
		f->label_valid[1] = cs[1].label_valid;
	}
	sd_io_close(io);
	return rc;
}

static void probe(struct udev_device *d, void *vec)
{
	const char *node = udev_device_get_devnode(d);
	if (!node || has_foreign_holders(d) || is_ours(d))
		return;
	const char *size = udev_device_get_sysattr_value(d, "size");
	if (size && !strcmp(size, "0"))
		return;
	struct sdg_found f;
	if (sdg_probe(node, &f) != 1)
		return;
	by_id_link(d, f.by_id, sizeof(f.by_id));
	struct sdg_found *slot = sd_vec_push(vec, sizeof(f));
	if (slot)
		*slot = f;
}

int sdg_scan(struct sdg_found **out, size_t *n, struct sd_err *err)
{
	struct udev *u = udev_new();
	if (!u)
		return sd_fail(err, ENOMEM, "scan: cannot start libudev");
	struct udev_enumerate *en = udev_enumerate_new(u);
	udev_enumerate_add_match_subsystem(en, "block");
	udev_enumerate_scan_devices(en);
	SD_VEC(struct sdg_found) found = {0};
	struct udev_list_entry *e;
	udev_list_entry_foreach(e, udev_enumerate_get_list_entry(en)) {
		struct udev_device *d = udev_device_new_from_syspath(u, udev_list_entry_get_name(e));
		if (d) {
			probe(d, &found);
			udev_device_unref(d);
		}
	}
	udev_enumerate_unref(en);
	udev_unref(u);
	*out = found.v;
	*n = found.n;
	return 0;
}

int sdg_group_gone(const char *devnode, const uint8_t uuid[16], char now[37])
{
	struct sdg_found f, *all;
	size_t n;
	if (sdg_probe(devnode, &f) != 1 || !memcmp(f.geo.uuid, uuid, sizeof(f.geo.uuid)))
		return 0;
	if (sdg_scan(&all, &n, NULL))
		return 0;
	bool seen = false;
	for (size_t i = 0; i < n && !seen; i++)
		seen = !memcmp(all[i].geo.uuid, uuid, sizeof(all[i].geo.uuid));
	free(all);
	if (seen) /* on another device now: the monitor follows it there */
		return 0;
	sdg_uuid_format(f.geo.uuid, now);
	return 1;
}
