/* The device a group was found on, remembered between commands
 * (core/lun_hint.h): kept whole, believed only while it is a block device,
 * forgotten on request, and never a file outside its directory. */
#include <CUnit/Basic.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "core/lun_hint.h"
#include "helpers.h"

static char dir[] = "/tmp/stardm-hint.XXXXXX";

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/stardm-hint.XXXXXX");
	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	setenv("STARDM_RUN_DIR", dir, 1);
}

static void teardown(void)
{
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CU_ASSERT(system(cmd) == 0);
	unsetenv("STARDM_RUN_DIR");
}

/* A block device node: one the machine has, else one made in the test's
 * directory (as root); NULL when neither can be had. */
static const char *some_block_device(void)
{
	static const char *const cands[] = { "/dev/loop0", "/dev/vda", "/dev/sda", "/dev/nvme0n1",
					     "/dev/xvda" };
	struct stat sb;
	for (size_t i = 0; i < sizeof(cands) / sizeof(cands[0]); i++)
		if (stat(cands[i], &sb) == 0 && S_ISBLK(sb.st_mode))
			return cands[i];
	static char made[PATH_MAX];
	snprintf(made, sizeof(made), "%s/blk", dir);
	return mknod(made, S_IFBLK | 0600, makedev(7, 0)) == 0 ? made : NULL;
}

static void test_hint_kept_and_forgotten(void)
{
	setup();
	char path[PATH_MAX] = "";
	CU_ASSERT(sdg_lun_hint_get("san1", path, sizeof(path)) == -1); /* none yet */
	const char *dev = some_block_device();
	CU_ASSERT_FATAL(dev != NULL);
	sdg_lun_hint_put("san1", dev);
	CU_ASSERT(sdg_lun_hint_get("san1", path, sizeof(path)) == 0);
	CU_ASSERT_STRING_EQUAL(path, dev);
	char small[4];
	CU_ASSERT(sdg_lun_hint_get("san1", small, sizeof(small)) == -1); /* no room */
	sdg_lun_hint_forget("san1");
	CU_ASSERT(sdg_lun_hint_get("san1", path, sizeof(path)) == -1);
	/* a device that is gone, or a file that is no block device: no hint */
	sdg_lun_hint_put("san2", "/dev/stardm-no-such-device");
	CU_ASSERT(sdg_lun_hint_get("san2", path, sizeof(path)) == -1);
	sdg_lun_hint_put("san3", "/dev/null");
	CU_ASSERT(sdg_lun_hint_get("san3", path, sizeof(path)) == -1);
	/* the file holds the path, whole */
	char file[PATH_MAX], line[PATH_MAX] = "";
	snprintf(file, sizeof(file), "%s/luns/san3", dir);
	FILE *f = fopen(file, "r");
	CU_ASSERT_FATAL(f != NULL);
	CU_ASSERT(fgets(line, sizeof(line), f) != NULL);
	fclose(f);
	CU_ASSERT_STRING_EQUAL(line, "/dev/null\n");
	teardown();
}

static void test_hint_names_stay_inside(void)
{
	setup();
	char path[PATH_MAX];
	/* neither a group name nor a uuid: no file anywhere (luns/ made
	 * first, so that a path through it would resolve) */
	sdg_lun_hint_put("san1", "/dev/null");
	sdg_lun_hint_put("../escape", "/dev/null");
	sdg_lun_hint_put("", "/dev/null");
	char file[PATH_MAX];
	snprintf(file, sizeof(file), "%s/escape", dir);
	CU_ASSERT(access(file, F_OK) != 0);
	CU_ASSERT(sdg_lun_hint_get("../escape", path, sizeof(path)) == -1);
	/* a uuid is a name for it too */
	sdg_lun_hint_put("0e7601fd-a05b-4aa2-9667-2a7d5447d478", "/dev/null");
	snprintf(file, sizeof(file), "%s/luns/0e7601fd-a05b-4aa2-9667-2a7d5447d478", dir);
	CU_ASSERT(access(file, F_OK) == 0);
	sdg_lun_hint_forget("0e7601fd-a05b-4aa2-9667-2a7d5447d478");
	CU_ASSERT(access(file, F_OK) != 0);
	teardown();
}

void add_lun_hint_tests(void)
{
	CU_pSuite s = CU_add_suite("lun hints", NULL, NULL);
	CU_add_test(s, "a hint is kept whole, believed only for a block device, forgotten",
		    test_hint_kept_and_forgotten);
	CU_add_test(s, "a hint's file is named by a group name or uuid only", test_hint_names_stay_inside);
}
