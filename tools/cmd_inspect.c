/* stardm inspect: everything the metadata says, and which copies are sound.
 * Opens the device read-only: inspect never writes.  The report is built
 * once as JSON; the human form is rendered from it. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/group.h"
#include "core/space.h"
#include "core/template.h"
#include "core/pool.h"
#include "core/report.h"

#define ADD(o, k, v) json_object_object_add((o), (k), (v))
#define STR(s) json_object_new_string(s)
#define U64(v) cli_json_u64(v)

static json_object *copies_json(const struct sdg *g)
{
	json_object *arr = json_object_new_array();
	for (int c = 0; c < 2; c++) {
		uint64_t label_off, slot_off[2];
		sdg_copy_offsets(g, c, &label_off, slot_off);
		json_object *cj = json_object_new_object();
		ADD(cj, "copy", STR(c ? "B" : "A"));
		ADD(cj, "label_offset", U64(label_off));
		ADD(cj, "label_valid", json_object_new_boolean(sdg_copy_status(g, c)->label_valid));
		if (!sdg_copy_status(g, c)->label_valid)
			ADD(cj, "label_error", STR(sdg_copy_status(g, c)->label_error));
		else
			ADD(cj, "label_version", U64(sdg_copy_status(g, c)->label_version));
		json_object *slots = json_object_new_array();
		for (int s = 0; s < 2; s++) {
			const struct sd_slot_status *ss = &sdg_copy_status(g, c)->slot[s];
			json_object *sj = json_object_new_object();
			ADD(sj, "slot", json_object_new_int(s));
			ADD(sj, "offset", U64(slot_off[s]));
			ADD(sj, "valid", json_object_new_boolean(ss->valid));
			ADD(sj, "seqno", U64(ss->seqno));
			ADD(sj, "payload_size", U64(ss->payload_size));
			if (ss->valid) { /* the entries after its payload, and where they lead */
				ADD(sj, "journal_entries", U64(ss->journal_entries));
				ADD(sj, "state_seqno", U64(ss->journal_seqno));
			}
			if (!ss->valid)
				ADD(sj, "error", STR(ss->error));
			json_object_array_add(slots, sj);
		}
		ADD(cj, "slots", slots);
		json_object_array_add(arr, cj);
	}
	return arr;
}

static json_object *extents_json(struct sdg *g)
{
	json_object *arr = json_object_new_array();
	for (size_t i = 0; i < sdg_records(g)->segments.n; i++) {
		const struct sd_segment *s = &sdg_records(g)->segments.v[i];
		const struct sd_pool *p = sdg_pool_by_id(g, s->pool_id);
		json_object *j = json_object_new_object();
		ADD(j, "start", U64(s->start));
		ADD(j, "count", U64(s->count));
		ADD(j, "owner", STR(s->role == SD_ROLE_META ? "pool-metadata" : "pool-data"));
		ADD(j, "pool_id", U64(s->pool_id));
		ADD(j, "vmid", U64(p ? p->vmid : 0));
		json_object_array_add(arr, j);
	}
	struct sd_run *runs;
	size_t n;
	if (sdg_free_runs(g, &runs, &n) == 0) {
		for (size_t i = 0; i < n; i++) {
			json_object *j = json_object_new_object();
			ADD(j, "start", U64(runs[i].start));
			ADD(j, "count", U64(runs[i].count));
			ADD(j, "owner", STR("free"));
			json_object_array_add(arr, j);
		}
		free(runs);
	}
	return arr;
}

static json_object *check_json(struct sdg *g, const struct sd_pool *p)
{
	char out[256];
	struct sd_err err = {0};
	json_object *c = json_object_new_object();
	int rc = sdg_pool_check(g, p, out, sizeof(out), &err);
	ADD(c, "result", STR(rc == 0 ? "ok" : rc == 1 ? "damaged" : "not checked"));
	ADD(c, "detail", STR(rc < 0 ? err.msg : out));
	return c;
}

static json_object *records_json(struct sdg *g, json_object *doc, bool check)
{
	const struct sd_state *s = sdg_records(g);
	json_object *pools = json_object_new_array(), *vols = json_object_new_array();
	json_object *snaps = json_object_new_array(), *hosts = json_object_new_array();
	json_object *pend = json_object_new_array();
	bool *here = sdg_pools_here(g);
	uint64_t *meta_ext, *data_ext;
	if (sdg_pools_extent_counts(g, &meta_ext, &data_ext)) {
		free(here);
		json_object_put(pools);
		json_object_put(vols);
		json_object_put(snaps);
		json_object_put(hosts);
		json_object_put(pend);
		json_object_put(doc);
		return NULL;
	}
	for (size_t i = 0; i < s->pools.n; i++) {
		const struct sd_pool *p = &s->pools.v[i];
		json_object *j = json_object_new_object();
		ADD(j, "pool_id", U64(p->id));
		ADD(j, "vmid", U64(p->vmid));
		ADD(j, "transaction_id", U64(p->transaction_id));
		ADD(j, "next_thin_id", U64(p->next_thin_id));
		ADD(j, "chunk_size", U64((uint64_t)p->chunk_sectors * 512));
		ADD(j, "provisioning", STR(p->flags & SD_POOL_THIN ? "thin" : "full"));
		ADD(j, "owner_host", U64(p->owner_host));
		ADD(j, "owner_generation", U64(p->owner_generation));
		ADD(j, "template", json_object_new_boolean(p->flags & SD_POOL_TEMPLATE));
		json_object *readers = json_object_new_array();
		for (uint32_t h = 1; h < 256; h++)
			if (p->readers[h / 32] & (1u << (h % 32)))
				json_object_array_add(readers, U64(h));
		ADD(j, "readers", readers);
		ADD(j, "metadata_extents", U64(meta_ext[i]));
		ADD(j, "data_extents", U64(data_ext[i]));
		struct sdg_pool_live l;
		if ((!here || here[i]) && sdg_pool_live(g, p, &l) == 0 && l.active) {
			json_object *lj = json_object_new_object();
			ADD(lj, "transaction_id", U64(l.transaction_id));
			ADD(lj, "data_used_blocks", U64(l.data_used));
			ADD(lj, "data_total_blocks", U64(l.data_total));
			ADD(lj, "metadata_used_blocks", U64(l.meta_used));
			ADD(lj, "metadata_total_blocks", U64(l.meta_total));
			ADD(lj, "needs_check", json_object_new_boolean(l.needs_check));
			ADD(lj, "out_of_data_space", json_object_new_boolean(l.out_of_data_space));
			ADD(lj, "mismatch", json_object_new_boolean(l.mismatch));
			ADD(j, "live", lj);
		}
		if (check)
			ADD(j, "thin_check", check_json(g, p));
		json_object_array_add(pools, j);
	}
	free(here);
	free(meta_ext);
	free(data_ext);
	for (size_t i = 0; i < s->volumes.n; i++) {
		const struct sd_volume *v = &s->volumes.v[i];
		json_object *j = json_object_new_object();
		ADD(j, "name", STR(v->name));
		ADD(j, "volume_id", U64(v->id));
		ADD(j, "pool_id", U64(v->pool_id));
		ADD(j, "thin_id", U64(v->thin_id));
		ADD(j, "size", U64(v->size));
		ADD(j, "template", json_object_new_boolean(v->flags & SD_VOL_BASE));
		const char *base = sdg_clone_base(g, v);
		ADD(j, "base", base ? STR(base) : NULL);
		json_object_array_add(vols, j);
	}
	for (size_t i = 0; i < s->snapshots.n; i++) {
		const struct sd_snapshot *n = &s->snapshots.v[i];
		json_object *j = json_object_new_object();
		ADD(j, "name", STR(n->name));
		ADD(j, "volume_id", U64(n->volume_id));
		ADD(j, "thin_id", U64(n->thin_id));
		ADD(j, "size", U64(n->size));
		json_object_array_add(snaps, j);
	}
	for (size_t i = 0; i < s->hosts.n; i++) {
		json_object *j = json_object_new_object();
		ADD(j, "host_id", U64(s->hosts.v[i].id));
		ADD(j, "name", STR(s->hosts.v[i].name));
		json_object_array_add(hosts, j);
	}
	static const char *ops[] = { "?", "create_thin", "create_snap", "delete" };
	for (size_t i = 0; i < s->pending.n; i++) {
		const struct sd_pending *p = &s->pending.v[i];
		json_object *j = json_object_new_object();
		ADD(j, "pool_id", U64(p->pool_id));
		ADD(j, "transaction_id", U64(p->transaction_id));
		ADD(j, "op", STR(ops[p->op]));
		ADD(j, "thin_id", U64(p->thin_id));
		if (p->op == SD_OP_SNAP)
			ADD(j, "origin_id", U64(p->origin_id));
		json_object_array_add(pend, j);
	}
	ADD(doc, "pools", pools);
	ADD(doc, "volumes", vols);
	ADD(doc, "snapshots", snaps);
	ADD(doc, "hosts", hosts);
	ADD(doc, "pending", pend);
	return doc;
}

/* The nodes that have written to the group (their slots on the LUN). */
static json_object *host_slots_json(struct sdg *g)
{
	static struct sd_host_slot_info info[256];
	json_object *arr = json_object_new_array();
	int n = sdg_host_slots(g, info, 256);
	for (int i = 0; i < n; i++) {
		json_object *j = json_object_new_object();
		ADD(j, "host_id", U64(info[i].id));
		ADD(j, "valid", json_object_new_boolean(info[i].valid));
		ADD(j, "name", STR(info[i].name));
		ADD(j, "counter", U64(info[i].counter));
		ADD(j, "lock_ticket", U64(info[i].ticket));
		ADD(j, "lock_choosing", json_object_new_boolean(info[i].choosing));
		ADD(j, "written_ns", U64(info[i].timestamp_ns));
		json_object *fv = json_object_new_array();
		for (unsigned v = 1; v < 32; v++)
			if (info[i].formats & (1u << v))
				json_object_array_add(fv, U64(v));
		ADD(j, "reads_format_versions", fv);
		json_object_array_add(arr, j);
	}
	return arr;
}

static json_object *build_report(struct sdg *g, bool check)
{
	const struct sd_geometry *geo = sdg_geometry(g);
	json_object *doc = json_object_new_object();
	char uuid[37];
	sdg_uuid_format(geo->uuid, uuid);
	ADD(doc, "device", STR(sdg_device(g)));
	const char *backend;
	bool direct;
	sdg_io_backend(g, &backend, &direct);
	ADD(doc, "io_backend", STR(backend));
	ADD(doc, "direct_io", json_object_new_boolean(direct));
	json_object *gj = json_object_new_object();
	ADD(gj, "name", STR(geo->name));
	ADD(gj, "uuid", STR(uuid));
	ADD(gj, "format_version", U64(geo->journal ? SD_FORMAT_VERSION_JOURNAL : SD_FORMAT_VERSION));
	ADD(gj, "lun_size", U64(geo->lun_size));
	ADD(gj, "extent_size", U64(geo->extent_size));
	ADD(gj, "extent_count", U64(geo->extent_count));
	ADD(gj, "data_offset", U64(geo->data_offset));
	ADD(gj, "metadata_slot_size", U64(geo->slot_size));
	ADD(gj, "host_slots", U64(geo->host_slots));
	ADD(doc, "group", gj);
	ADD(doc, "copies", copies_json(g));
	json_object *cur = json_object_new_object();
	uint64_t seqno;
	int copy;
	sdg_current(g, &seqno, &copy);
	ADD(cur, "seqno", U64(seqno));
	ADD(cur, "copy", STR(copy ? "B" : "A"));
	ADD(doc, "current", cur);
	struct sdg_space sp;
	sdg_space(g, &sp);
	json_object *space = json_object_new_object();
	ADD(space, "total", U64(sp.total));
	ADD(space, "used", U64(sp.used));
	ADD(space, "free", U64(sp.free));
	ADD(space, "reserve", U64(sp.reserve));
	ADD(space, "reserve_pct", json_object_new_int((int)sp.reserve_pct));
	ADD(doc, "space", space);
	ADD(doc, "extents", extents_json(g));
	ADD(doc, "host_slots", host_slots_json(g));
	return records_json(g, doc, check);
}

/* Human rendering helpers over the JSON report. */
static uint64_t ju(json_object *o, const char *k)
{
	json_object *v;
	return json_object_object_get_ex(o, k, &v) ? json_object_get_uint64(v) : 0;
}

static const char *js(json_object *o, const char *k)
{
	json_object *v;
	return json_object_object_get_ex(o, k, &v) ? json_object_get_string(v) : "";
}

static bool jb(json_object *o, const char *k)
{
	json_object *v;
	return json_object_object_get_ex(o, k, &v) && json_object_get_boolean(v);
}

static json_object *jget(json_object *o, const char *k)
{
	json_object *v = NULL;
	json_object_object_get_ex(o, k, &v);
	return v;
}

static void print_copies(json_object *copies)
{
	for (size_t c = 0; c < json_object_array_length(copies); c++) {
		json_object *cj = json_object_array_get_idx(copies, c);
		if (jb(cj, "label_valid"))
			printf("label %s      valid    at %" PRIu64 ", format v%" PRIu64 "\n",
			       js(cj, "copy"), ju(cj, "label_offset"), ju(cj, "label_version"));
		else
			printf("label %s      DAMAGED  at %" PRIu64 ": %s\n", js(cj, "copy"),
			       ju(cj, "label_offset"), js(cj, "label_error"));
		json_object *slots = jget(cj, "slots");
		for (size_t s = 0; s < json_object_array_length(slots); s++) {
			json_object *sj = json_object_array_get_idx(slots, s);
			if (jb(sj, "valid") && ju(sj, "journal_entries"))
				printf("slot  %s%zu     valid    at %" PRIu64 ", seq %" PRIu64 ", %" PRIu64
				       " bytes, then %" PRIu64 " journal entries to seq %" PRIu64 "\n",
				       js(cj, "copy"), s, ju(sj, "offset"), ju(sj, "seqno"),
				       ju(sj, "payload_size"), ju(sj, "journal_entries"),
				       ju(sj, "state_seqno"));
			else if (jb(sj, "valid"))
				printf("slot  %s%zu     valid    at %" PRIu64 ", seq %" PRIu64 ", %" PRIu64
				       " bytes\n", js(cj, "copy"), s, ju(sj, "offset"), ju(sj, "seqno"),
				       ju(sj, "payload_size"));
			else
				printf("slot  %s%zu     %-8s at %" PRIu64 ": %s\n", js(cj, "copy"), s,
				       ju(sj, "seqno") ? "invalid" : "empty", ju(sj, "offset"),
				       js(sj, "error"));
		}
	}
}

/* A template's pool is nobody's: the nodes that have it loaded read-only */
static void print_readers(json_object *readers)
{
	size_t n = json_object_array_length(readers);
	printf("    template, read-only on %s", n ? "host" : "no host");
	for (size_t i = 0; i < n; i++)
		printf("%s %d", i ? "," : "", json_object_get_int(json_object_array_get_idx(readers, i)));
	putchar('\n');
}

static void print_report(json_object *r)
{
	json_object *g = jget(r, "group"), *sp = jget(r, "space");
	char a[32], b[32], c[32];
	printf("group       %s  uuid %s  format v%" PRIu64 "\n", js(g, "name"), js(g, "uuid"),
	       ju(g, "format_version"));
	printf("device      %s  %s  (%s%s)\n", js(r, "device"),
	       cli_human(ju(g, "lun_size"), a, sizeof(a)), js(r, "io_backend"),
	       jb(r, "direct_io") ? ", O_DIRECT" : ", buffered");
	printf("extents     %" PRIu64 " x %s from offset %" PRIu64 "; metadata slot %s\n",
	       ju(g, "extent_count"), cli_human(ju(g, "extent_size"), a, sizeof(a)),
	       ju(g, "data_offset"), cli_human(ju(g, "metadata_slot_size"), b, sizeof(b)));
	print_copies(jget(r, "copies"));
	printf("current     seq %" PRIu64 " from copy %s\n", ju(jget(r, "current"), "seqno"),
	       js(jget(r, "current"), "copy"));
	printf("space       total %s, used %s, free %s\n", cli_human(ju(sp, "total"), a, sizeof(a)),
	       cli_human(ju(sp, "used"), b, sizeof(b)), cli_human(ju(sp, "free"), c, sizeof(c)));
	json_object *ex = jget(r, "extents");
	printf("extent map  (%zu runs)\n", json_object_array_length(ex));
	for (size_t i = 0; i < json_object_array_length(ex); i++) {
		json_object *e = json_object_array_get_idx(ex, i);
		printf("  %10" PRIu64 " +%-10" PRIu64 " %s", ju(e, "start"), ju(e, "count"),
		       js(e, "owner"));
		if (strcmp(js(e, "owner"), "free"))
			printf(" pool %" PRIu64 " (vm %" PRIu64 ")", ju(e, "pool_id"), ju(e, "vmid"));
		putchar('\n');
	}
	json_object *pools = jget(r, "pools");
	printf("pools       %zu\n", json_object_array_length(pools));
	for (size_t i = 0; i < json_object_array_length(pools); i++) {
		json_object *p = json_object_array_get_idx(pools, i);
		printf("  pool %" PRIu64 " vm %" PRIu64 ": %s, transaction %" PRIu64 ", chunk %s, "
		       "%" PRIu64 "+%" PRIu64 " extents, owner host %" PRIu64 "\n",
		       ju(p, "pool_id"), ju(p, "vmid"), js(p, "provisioning"), ju(p, "transaction_id"),
		       cli_human(ju(p, "chunk_size"), a, sizeof(a)), ju(p, "metadata_extents"),
		       ju(p, "data_extents"), ju(p, "owner_host"));
		if (jb(p, "template"))
			print_readers(jget(p, "readers"));
		json_object *chk = jget(p, "thin_check");
		if (chk)
			printf("    thin_check: %s%s%s\n", js(chk, "result"),
			       *js(chk, "detail") ? ": " : "", js(chk, "detail"));
		json_object *l = jget(p, "live");
		if (l)
			printf("    live here: transaction %" PRIu64 "%s, data %" PRIu64 "/%" PRIu64
			       " blocks, metadata %" PRIu64 "/%" PRIu64 "%s%s\n", ju(l, "transaction_id"),
			       jb(l, "mismatch") ? " (MISMATCH with metadata)" : "",
			       ju(l, "data_used_blocks"), ju(l, "data_total_blocks"),
			       ju(l, "metadata_used_blocks"), ju(l, "metadata_total_blocks"),
			       jb(l, "needs_check") ? ", NEEDS CHECK" : "",
			       jb(l, "out_of_data_space") ? ", OUT OF DATA SPACE" : "");
	}
	json_object *vols = jget(r, "volumes");
	printf("volumes     %zu\n", json_object_array_length(vols));
	for (size_t i = 0; i < json_object_array_length(vols); i++) {
		json_object *v = json_object_array_get_idx(vols, i);
		printf("  %-24s %10s pool %" PRIu64 " thin %" PRIu64 "\n", js(v, "name"),
		       cli_human(ju(v, "size"), a, sizeof(a)), ju(v, "pool_id"), ju(v, "thin_id"));
	}
	printf("snapshots   %zu\nhosts       %zu\npending     %zu\n",
	       json_object_array_length(jget(r, "snapshots")),
	       json_object_array_length(jget(r, "hosts")),
	       json_object_array_length(jget(r, "pending")));
	json_object *hs = jget(r, "host_slots");
	printf("host slots  %zu\n", json_object_array_length(hs));
	for (size_t i = 0; i < json_object_array_length(hs); i++) {
		json_object *h = json_object_array_get_idx(hs, i);
		json_object *fv = jget(h, "reads_format_versions");
		char reads[64] = "";
		for (size_t k = 0; fv && k < json_object_array_length(fv); k++)
			snprintf(reads + strlen(reads), sizeof(reads) - strlen(reads), "%s%" PRIu64,
				 k ? "," : "", json_object_get_uint64(json_object_array_get_idx(fv, k)));
		printf("  host %" PRIu64 ": %s%s, %" PRIu64 " writes, reads format %s%s\n",
		       ju(h, "host_id"), js(h, "name"), jb(h, "valid") ? "" : " (DAMAGED SLOT)",
		       ju(h, "counter"), reads[0] ? reads : "1 (said nothing)",
		       ju(h, "lock_ticket") || jb(h, "lock_choosing") ? ", in the cluster lock" : "");
	}
}

int cmd_inspect(int argc, char **argv)
{
	struct cli_opts o;
	int rc = cli_parse_opts("inspect", argc, argv, OPT_JSON | OPT_CHECK_POOL, 1, 1, &o);
	if (rc)
		return rc;
	struct sd_err err = {0};
	struct sdg *g;
	if (sdg_open(o.pos[0], SDG_CHECK_ALL, &g, &err))
		return cli_error(&err);
	json_object *r = build_report(g, o.check_pool);
	sdg_close(g, NULL);
	if (!r) { /* nothing in a group's report may fail but memory */
		sd_fail(&err, ENOMEM, "inspect: out of memory");
		return cli_error(&err);
	}
	if (o.json) {
		cli_print_json(r);
	} else {
		print_report(r);
		json_object_put(r);
	}
	return EXIT_OK;
}
