/* Every dm name and uuid, as udev rules, the fence and other nodes rely
 * on them: the exact forms of core/dm_names.h. */
#include <stdio.h>
#include <string.h>

#include <libdevmapper.h>

#include "core/dm_names.h"
#include "core/group_impl.h"
#include "core/udev_props.h"
#include "helpers.h"
#include "metadata/ops.h"

static void test_dm_names(void)
{
	struct sd_store st = { .geo = { .name = "san1", .extent_size = 1 << 20,
					 .slot_size = 64 << 10, .lun_size = 1ull << 30 } };
	for (int i = 0; i < 16; i++)
		st.geo.uuid[i] = (uint8_t)(0x10 + i);
	CU_ASSERT_FATAL(sd_layout_compute(&st.geo, NULL) == 0);
	struct sdg g = { .st = &st };
	sd_state_init(&g.state);
	struct sd_pool *p;
	struct sd_err err;
	CU_ASSERT_FATAL(test_pool_add(&g.state, &st.geo, 100, 1, 2, 128, &p, &err) == 0);
	CU_ASSERT_FATAL(sd_volume_add(&g.state, p->id, "vm-100-disk-0", 1 << 20, NULL, &err) == 0);
	CU_ASSERT_FATAL(sd_snapshot_add(&g.state, "vm-100-disk-0", "s1", &err) == 0);
	p = sd_find_pool_vmid(&g.state, 100);
	const struct sd_volume *v = sd_find_volume(&g.state, "vm-100-disk-0");
	const struct sd_snapshot *n = sd_find_snapshot(&g.state, v->id, "s1");
	const char *u = "10111213-1415-1617-1819-1a1b1c1d1e1f";
	char want[512];
	struct sdg_dm_id id;

	sdg_dm_pool(&g, p, SDG_DM_TMETA, &id);
	CU_ASSERT_STRING_EQUAL(id.name, "stardm-san1-vm100-tmeta");
	snprintf(want, sizeof(want), "STARDM-%s-tmeta-%u", u, p->id);
	CU_ASSERT_STRING_EQUAL(id.uuid, want);
	CU_ASSERT_STRING_EQUAL(id.path, "/dev/mapper/stardm-san1-vm100-tmeta");
	CU_ASSERT_EQUAL(id.dm_flags, SDM_PRIVATE);
	sdg_dm_pool(&g, p, SDG_DM_TDATA, &id);
	CU_ASSERT_STRING_EQUAL(id.name, "stardm-san1-vm100-tdata");
	sdg_dm_pool(&g, p, SDG_DM_POOL, &id);
	CU_ASSERT_STRING_EQUAL(id.name, "stardm-san1-vm100-pool");
	snprintf(want, sizeof(want), "STARDM-%s-pool-%u", u, p->id);
	CU_ASSERT_STRING_EQUAL(id.uuid, want);

	char prefix[SDG_DM_NAME];
	sdg_dm_thin_prefix(&g, p, prefix);
	snprintf(want, sizeof(want), "STARDM-%s-thin-%u-", u, p->id);
	CU_ASSERT_STRING_EQUAL(prefix, want);
	sdg_dm_volume(&g, "vm-100-disk-0", NULL, &id);
	CU_ASSERT_STRING_EQUAL(id.name, "stardm-san1-vm-100-disk-0");
	CU_ASSERT_STRING_EQUAL(id.path, "/dev/mapper/stardm-san1-vm-100-disk-0");
	CU_ASSERT_EQUAL(id.dm_flags, SDM_GUEST); /* named by our rule, never probed */
	snprintf(want, sizeof(want), "%s%u-%u", prefix, v->id, v->thin_id);
	CU_ASSERT_STRING_EQUAL(id.uuid, want);
	sdg_dm_volume(&g, "vm-100-disk-0", "s1", &id);
	CU_ASSERT_STRING_EQUAL(id.name, "stardm-san1-vm-100-disk-0--s1");
	snprintf(want, sizeof(want), "%s%u-%u", prefix, v->id, n->thin_id);
	CU_ASSERT_STRING_EQUAL(id.uuid, want);
	CU_ASSERT(n->thin_id != v->thin_id);
	sdg_dm_placeholder(&g, "vm-100-disk-0", &id);
	CU_ASSERT_STRING_EQUAL(id.name, "stardm-san1-vm-100-disk-0--@zero");
	CU_ASSERT_EQUAL(id.dm_flags, SDM_PRIVATE);
	CU_ASSERT_STRING_EQUAL(id.uuid, "");

	/* the name alone: the same name, path and flags, no lookup, no uuid */
	struct sdg_dm_id only;
	sdg_dm_volume_name(&g, "vm-100-disk-0", "s1", &only);
	sdg_dm_volume(&g, "vm-100-disk-0", "s1", &id);
	CU_ASSERT_STRING_EQUAL(only.name, id.name);
	CU_ASSERT_STRING_EQUAL(only.path, id.path);
	CU_ASSERT_EQUAL(only.dm_flags, id.dm_flags);
	CU_ASSERT_STRING_EQUAL(only.uuid, "");

	/* every hex digit in both halves of a byte */
	const uint8_t digits[16] = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
				     0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10 };
	char text[37];
	memset(text, 'x', sizeof(text));
	sdg_uuid_format(digits, text);
	CU_ASSERT_STRING_EQUAL(text, "01234567-89ab-cdef-fedc-ba9876543210");

	/* a volume or snapshot the metadata does not hold has a name, no uuid */
	sdg_dm_volume(&g, "vm-100-disk-9", NULL, &id);
	CU_ASSERT_STRING_EQUAL(id.name, "stardm-san1-vm-100-disk-9");
	CU_ASSERT_STRING_EQUAL(id.uuid, "");
	sdg_dm_volume(&g, "vm-100-disk-0", "nope", &id);
	CU_ASSERT_STRING_EQUAL(id.uuid, "");

	/* private layers keep udev's disk and other rules off them */
	CU_ASSERT_EQUAL(sdm_udev_flags(SDM_PRIVATE | SDM_READONLY),
			DM_UDEV_DISABLE_SUBSYSTEM_RULES_FLAG | DM_UDEV_DISABLE_DISK_RULES_FLAG |
				DM_UDEV_DISABLE_OTHER_RULES_FLAG);
	CU_ASSERT_EQUAL(sdm_udev_flags(SDM_READONLY), 0);
	/* a guest's volume: our subsystem rule names it; blkid and others stay off */
	CU_ASSERT_EQUAL(sdm_udev_flags(SDM_GUEST | SDM_READONLY),
			DM_UDEV_DISABLE_DISK_RULES_FLAG | DM_UDEV_DISABLE_OTHER_RULES_FLAG);

	CU_ASSERT(sdg_dm_uuid_ours(want));
	CU_ASSERT(!sdg_dm_uuid_ours("LVM-abc"));
	CU_ASSERT(!sdg_dm_uuid_ours(""));
	CU_ASSERT(!sdg_dm_uuid_ours(NULL));
	sd_state_free(&g.state);
}

/* udev's side: a volume's dm name and uuid read back into group, volume
 * and snapshot, for every form the names module makes. */
static void test_dm_names_parsed(void)
{
	char vol[SD_NAME_LEN], snap[SD_NAME_LEN], u[37];
	CU_ASSERT_EQUAL(sdg_dm_parse_volume("stardm-san1-vm-100-disk-0", "san1", vol, snap), 0);
	CU_ASSERT_STRING_EQUAL(vol, "vm-100-disk-0");
	CU_ASSERT_STRING_EQUAL(snap, "");
	CU_ASSERT_EQUAL(sdg_dm_parse_volume("stardm-my-g-vm-7-disk-1--pre_up", "my-g", vol, snap), 0);
	CU_ASSERT_STRING_EQUAL(vol, "vm-7-disk-1");
	CU_ASSERT_STRING_EQUAL(snap, "pre_up");
	/* not a volume of that group: another group, the placeholder, a pool layer */
	CU_ASSERT(sdg_dm_parse_volume("stardm-san1-vm-100-disk-0", "san", vol, snap) < 0);
	CU_ASSERT(sdg_dm_parse_volume("stardm-san1-vm-100-disk-0--@zero", "san1", vol, snap) < 0);
	CU_ASSERT(sdg_dm_parse_volume("stardm-san1-vm-100-disk-0--", "san1", vol, snap) < 0);
	CU_ASSERT(sdg_dm_parse_volume("stardm-san1-", "san1", vol, snap) < 0);
	CU_ASSERT(sdg_dm_parse_volume("lvm-san1-x", "san1", vol, snap) < 0);
	const char *uuid = "STARDM-57e03912-50c3-45c6-9a20-9992cfe4fdf4-thin-3-4-5";
	CU_ASSERT_EQUAL(sdg_dm_uuid_group(uuid, u), 0);
	CU_ASSERT_STRING_EQUAL(u, "57e03912-50c3-45c6-9a20-9992cfe4fdf4");
	CU_ASSERT(sdg_dm_uuid_group("STARDM-57e03912", u) < 0);
	/* a GROUP argument that is a uuid is looked up as one */
	CU_ASSERT(sdg_is_uuid("57e03912-50c3-45c6-9a20-9992cfe4fdf4"));
	CU_ASSERT(!sdg_is_uuid("57e03912-50c3-45c6-9a20-9992cfe4fdf"));
	CU_ASSERT(!sdg_is_uuid("57e03912-50c3-45c6-9a20-9992cfe4fdf4x"));
	CU_ASSERT(!sdg_is_uuid("57e03912x50c3-45c6-9a20-9992cfe4fdf4"));
	CU_ASSERT(!sdg_is_uuid("san1"));
	CU_ASSERT(sdg_dm_uuid_group("LVM-57e03912-50c3-45c6-9a20-9992cfe4fdf4-thin-3-4-5", u) < 0);
}

void add_dm_names_tests(void)
{
	CU_pSuite s = CU_add_suite("dm names", NULL, NULL);
	CU_add_test(s, "names, uuids and paths of every role", test_dm_names);
	CU_add_test(s, "volume names read back out of dm names", test_dm_names_parsed);
}
