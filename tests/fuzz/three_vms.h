/* What the fuzzer and its seeds are built on, in one place so that the
 * seeds' 'J' entry applies to the very payload the fuzzer holds: the
 * geometry of a 64 GiB group and a state of three VMs (a disk and a
 * snapshot each) and one host. */
#ifndef STARDM_FUZZ_THREE_VMS_H
#define STARDM_FUZZ_THREE_VMS_H

#include <stdio.h>
#include <string.h>

#include "metadata/codec.h"
#include "metadata/ops.h"

static inline struct sd_geometry fuzz_geometry(void)
{
	struct sd_geometry g = { .lun_size = 64ull << 30, .slot_size = 1 << 20,
				 .extent_size = 4 << 20, .journal = true };
	memcpy(g.name, "fuzz", 5);
	sd_layout_compute(&g, NULL);
	return g;
}

/* 0, or -1 when a record could not be added. */
static inline int fuzz_three_vms(const struct sd_geometry *g, struct sd_state *s)
{
	struct sd_err err;
	sd_state_init(s);
	for (uint32_t vm = 100; vm < 103; vm++) {
		uint32_t pool;
		char name[64];
		snprintf(name, sizeof(name), "vm-%u-disk-0", vm);
		if (sd_pool_add(s, g, vm, 1, 2, 128, &pool, &err) ||
		    sd_volume_add(s, pool, name, 1 << 30, NULL, &err) ||
		    sd_snapshot_add(s, name, "snap1", &err))
			return -1;
	}
	uint32_t hid;
	return sd_host_register(s, g, "pve1", &hid, &err) ? -1 : 0;
}

#endif
