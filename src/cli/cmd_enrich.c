/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_enrich.c - `vigie enrich`: locate the hub's observables (country,
 * autonomous system) with MMDB databases (docs/geo.md).
 *
 * The database paths given are recorded in the hub (meta geo.country_db,
 * geo.asn_db), so later runs, and `vigie serve` at start, use them without
 * being told.  Only what is new or was located with other databases is
 * looked at again, so a second run with the same files does nothing.
 * --locate VALUE... answers from the databases alone, without the hub.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "common/vtime.h"
#include "geo/geo.h"

static json_t *geo_json(const struct vg_geo *g)
{
    static const char *const sources[] = {"", "mmdb", "cctld", "related"};

    return json_pack("{s:o, s:o, s:o, s:s}", "country",
                     g->country[0] ? json_string(g->country) : json_null(), "asn",
                     g->asn ? json_integer(g->asn) : json_null(), "as_name",
                     g->as_name[0] ? json_string(g->as_name) : json_null(), "located_by",
                     sources[g->source <= VG_GEO_RELATED ? g->source : 0]);
}

/* --locate: each value through the databases, one JSON line each. */
static int locate(struct vg_geo_db *db, int argc, char **argv)
{
    struct vg_obs o;
    struct vg_geo g;
    struct vg_error err;
    json_t *doc;
    char *text;
    int i;

    for (i = 0; i < argc; i++) {
        vg_error_clear(&err);
        if (vg_obs_parse(VG_OBS_NONE, argv[i], strlen(argv[i]), &o, &err) != VG_OK) {
            doc = json_pack("{s:s, s:s}", "query", argv[i], "error", err.msg);
        } else if (vg_geo_locate(db, o.kind, o.value, o.len, &g) == VG_OK) {
            doc = json_pack("{s:s, s:s, s:o}", "query", argv[i], "value", o.value, "location",
                            geo_json(&g));
        } else {
            doc = json_pack("{s:s, s:s, s:n}", "query", argv[i], "value", o.value, "location");
        }
        if (doc == NULL || (text = json_dumps(doc, JSON_COMPACT)) == NULL) {
            json_decref(doc);
            return VG_EXIT_FAIL;
        }
        json_decref(doc);
        puts(text);
        free(text);
    }
    return VG_EXIT_OK;
}

/* The terminal's progress line (it wants multiples of 1024). */
static void progress(void *ctx, size_t examined)
{
    tool_progress_update(ctx, examined & ~(size_t)1023, 0);
}

static int run(struct vg_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"country-db", required_argument, NULL, 'c'},
                                         {"asn-db", required_argument, NULL, 'a'},
                                         {"locate", no_argument, NULL, 'l'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *country = NULL, *asn = NULL;
    struct vg_store *st = NULL;
    struct vg_geo_db *db = NULL;
    struct vg_geo_stats stats;
    struct tool_progress pg;
    struct vg_error err;
    enum vg_rc rc;
    int64_t t0;
    int ch, ret, only_locate = 0;

    vg_error_clear(&err);
    optind = 1;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (ch) {
        case 'c':
            country = optarg;
            break;
        case 'a':
            asn = optarg;
            break;
        case 'l':
            only_locate = 1;
            break;
        case 'h':
            printf("usage: vigie %s\n", vg_cmd_enrich.usage);
            return VG_EXIT_OK;
        default:
            return tool_usage(&vg_cmd_enrich, NULL);
        }
    }
    if (!only_locate && optind != argc)
        return tool_usage(&vg_cmd_enrich, "unexpected argument '%s'", argv[optind]);
    if (only_locate && (country || asn)) {
        if (vg_geo_open(country, asn, &db, &err) != VG_OK)
            return tool_fail(cli, "enrich", &err);
        ret = locate(db, argc - optind, argv + optind);
        vg_geo_free(db);
        return ret;
    }
    if ((ret = tool_open(cli, "enrich", &st)) != VG_EXIT_OK)
        return ret;
    if (vg_geo_open_hub(st, country, asn, &db, &err) != VG_OK)
        goto fail;
    if (only_locate) {
        ret = locate(db, argc - optind, argv + optind);
        goto out;
    }
    t0 = vg_time_now_us();
    tool_progress_start(&pg, cli, 0);
    rc = vg_geo_refresh(st, db, &stats, progress, &pg, &err);
    tool_progress_end(&pg);
    if (rc != VG_OK)
        goto fail;
    if (cli->json)
        tool_print_json(json_pack("{s:s, s:I, s:I, s:I, s:f}", "build", vg_geo_build_text(db),
                                  "examined", (json_int_t)stats.examined, "located",
                                  (json_int_t)stats.located, "by_cctld", (json_int_t)stats.by_cctld,
                                  "seconds", (double)(vg_time_now_us() - t0) / 1e6));
    else
        fprintf(stderr, "enrich: %zu observables looked at, %zu located (%zu by ccTLD); %s\n",
                stats.examined, stats.located, stats.by_cctld, vg_geo_build_text(db));
    ret = VG_EXIT_OK;
    goto out;
fail:
    ret = tool_fail(cli, "enrich", &err);
out:
    vg_geo_free(db);
    vg_store_close(st);
    return ret;
}

const struct vg_cmd vg_cmd_enrich = {
    "enrich",
    "locate observables (country, autonomous system) with MMDB databases",
    "enrich [--country-db FILE] [--asn-db FILE] [--locate VALUE...]",
    run,
};
