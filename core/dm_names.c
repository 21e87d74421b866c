#include "core/dm_names.h"

#include <stdio.h>
#include <string.h>

#include "core/group_impl.h"
#include "metadata/ops.h"

static const char *layer_word(enum sdg_dm_role role)
{
	return role == SDG_DM_TMETA ? "tmeta" : role == SDG_DM_TDATA ? "tdata" : "pool";
}

static void set_path(struct sdg_dm_id *out)
{
	snprintf(out->path, sizeof(out->path), "/dev/mapper/%s", out->name);
}

void sdg_dm_pool(const struct sdg *g, const struct sd_pool *p, enum sdg_dm_role role,
		 struct sdg_dm_id *out)
{
	char u[37];
	sdg_uuid_format(g->st->geo.uuid, u);
	snprintf(out->name, sizeof(out->name), "stardm-%s-vm%u-%s", g->st->geo.name, p->vmid,
		 layer_word(role));
	snprintf(out->uuid, sizeof(out->uuid), SDG_DM_UUID_PREFIX "%s-%s-%u", u, layer_word(role),
		 p->id);
	set_path(out);
	out->dm_flags = SDM_PRIVATE;
}

/* STARDM-<group uuid>-thin-<pool id>- : 59 to 68 characters */
enum { THIN_PREFIX_LEN = 80 };
static void thin_prefix(const struct sdg *g, uint32_t pool_id, char out[THIN_PREFIX_LEN])
{
	char u[37];
	sdg_uuid_format(g->st->geo.uuid, u);
	snprintf(out, THIN_PREFIX_LEN, SDG_DM_UUID_PREFIX "%s-thin-%u-", u, pool_id);
}

void sdg_dm_thin_prefix(const struct sdg *g, const struct sd_pool *p, char out[SDG_DM_NAME])
{
	thin_prefix(g, p->id, out);
}

void sdg_dm_group_prefix(const uint8_t uuid[16], bool pools, char out[SDG_DM_NAME])
{
	char u[37];
	sdg_uuid_format(uuid, u);
	snprintf(out, SDG_DM_NAME, SDG_DM_UUID_PREFIX "%s-%s-", u,
		 pools ? layer_word(SDG_DM_POOL) : "thin");
}

void sdg_dm_volume_name(const struct sdg *g, const char *vol, const char *snap,
			struct sdg_dm_id *out)
{
	if (snap)
		snprintf(out->name, sizeof(out->name), "stardm-%s-%s--%s", g->st->geo.name, vol, snap);
	else
		snprintf(out->name, sizeof(out->name), "stardm-%s-%s", g->st->geo.name, vol);
	set_path(out);
	out->uuid[0] = '\0';
	out->dm_flags = SDM_GUEST;
}

void sdg_dm_volume(const struct sdg *g, const char *vol, const char *snap, struct sdg_dm_id *out)
{
	sdg_dm_volume_name(g, vol, snap, out);
	struct sd_state *s = (struct sd_state *)&g->state;
	const struct sd_volume *v = sd_find_volume(s, vol);
	const struct sd_pool *p = v ? sd_find_pool(s, v->pool_id) : NULL;
	const struct sd_snapshot *n = v && snap ? sd_find_snapshot(s, v->id, snap) : NULL;
	if (!p || (snap && !n))
		return;
	char prefix[THIN_PREFIX_LEN];
	thin_prefix(g, p->id, prefix);
	snprintf(out->uuid, sizeof(out->uuid), "%s%u-%u", prefix, v->id, n ? n->thin_id : v->thin_id);
}

void sdg_dm_volume_link(const struct sdg *g, const char *vol, const char *snap, char out[PATH_MAX])
{
	snprintf(out, PATH_MAX, "/dev/stardm/%s/%s%s%s", g->st->geo.name, vol, snap ? "--" : "",
		 snap ? snap : "");
}

void sdg_dm_placeholder(const struct sdg *g, const char *vol, struct sdg_dm_id *out)
{
	snprintf(out->name, sizeof(out->name), "stardm-%s-%s--@zero", g->st->geo.name, vol);
	out->uuid[0] = '\0';
	set_path(out);
	out->dm_flags = SDM_PRIVATE;
}

void sdg_dm_discard(const struct sdg *g, const struct sd_pool *p, uint32_t thin_id,
		    struct sdg_dm_id *out)
{
	char prefix[THIN_PREFIX_LEN];
	thin_prefix(g, p->id, prefix);
	snprintf(out->name, sizeof(out->name), "stardm-%s-vm%u--@discard%u", g->st->geo.name,
		 p->vmid, thin_id);
	snprintf(out->uuid, sizeof(out->uuid), "%sdiscard-%u", prefix, thin_id);
	set_path(out);
	out->dm_flags = SDM_PRIVATE;
}

void sdg_dm_origin(const struct sdg *g, const struct sd_pool *p, const struct sd_volume *base,
		   struct sdg_dm_id *out)
{
	char prefix[THIN_PREFIX_LEN];
	thin_prefix(g, p->id, prefix);
	snprintf(out->name, sizeof(out->name), "stardm-%s-%s--@origin", g->st->geo.name,
		 base->name);
	snprintf(out->uuid, sizeof(out->uuid), "%sorigin-%u", prefix, base->id);
	set_path(out);
	out->dm_flags = SDM_PRIVATE | SDM_READONLY;
}

bool sdg_dm_is_discard(const char *dm_name)
{
	return strstr(dm_name, "--@discard") != NULL; /* '@' is in no group or volume name */
}

bool sdg_dm_uuid_ours(const char *uuid)
{
	return uuid && !strncmp(uuid, SDG_DM_UUID_PREFIX, strlen(SDG_DM_UUID_PREFIX));
}

int sdg_dm_parse_volume(const char *dm_name, const char *group, char *vol, char *snap)
{
	size_t g = strlen(group);
	if (strncmp(dm_name, "stardm-", 7) || strncmp(dm_name + 7, group, g) || dm_name[7 + g] != '-')
		return -1;
	const char *rest = dm_name + 8 + g, *sep = strstr(rest, "--");
	size_t vlen = sep ? (size_t)(sep - rest) : strlen(rest);
	if (!vlen || vlen >= SD_NAME_LEN || (sep && (strlen(sep + 2) >= SD_NAME_LEN || !sep[2])))
		return -1;
	snprintf(vol, SD_NAME_LEN, "%.*s", (int)vlen, rest);
	snprintf(snap, SD_NAME_LEN, "%s", sep ? sep + 2 : "");
	/* the placeholder's zero device and anything else that is not a name */
	return sd_name_valid(vol) && (!*snap || sd_name_valid(snap)) ? 0 : -1;
}

int sdg_dm_uuid_group(const char *dm_uuid, char out[37])
{
	size_t p = strlen(SDG_DM_UUID_PREFIX);
	if (!sdg_dm_uuid_ours(dm_uuid) || strlen(dm_uuid) < p + 37 || dm_uuid[p + 36] != '-')
		return -1;
	snprintf(out, 37, "%.36s", dm_uuid + p);
	return 0;
}
