/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_export.c - `vigie export`: what an organisation may see, as a STIX 2.1
 * bundle, CSV or a plain list.
 *
 * The view is that of one organisation (--for, default the operator), with
 * the policy applied inside the store's queries.  Exports are bulk feeds, so
 * AMBER+STRICT and RED never leave through them (DESIGN §3); --max-tlp can
 * only narrow that.  Output is streamed.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "codec/sensor.h"
#include "codec/stix_writer.h"
#include "common/vtime.h"
#include "geo/geo.h"

struct ctx {
    FILE *out;
    struct vg_sensor *sensor;
    struct vg_error *err;
    struct vg_stix_writer w;
    int64_t viewer; /* the organisation whose view this is */
    int viewer_is_operator;
    size_t count;
    int io_error;
};

static int object_cb(void *arg, const struct vg_object_row *row)
{
    struct ctx *c = arg;

    if (vg_stix_writer_object(&c->w, row->json, row->json_len) != VG_OK) {
        c->io_error = 1;
        return 1;
    }
    c->count++;
    return 0;
}

static void csv_time(FILE *f, int64_t us)
{
    char t[VG_TIME_TEXT_MAX];

    if (us) {
        vg_time_format_us(us, t);
        fputs(t, f);
    }
}

static int csv_cb(void *arg, const struct vg_obs_row *row)
{
    struct ctx *c = arg;
    /* a contributor that chose a pseudonym is shown under it to others */
    const char *org = row->org_pseudonym && row->org_pseudonym[0] && row->org_id != c->viewer &&
                              !c->viewer_is_operator
                          ? row->org_pseudonym
                          : (row->org_name ? row->org_name : "");

    vg_csv_field(c->out, row->value, row->len);
    fprintf(c->out, ",%s,", vg_obs_kind_name(row->kind));
    if (row->label)
        vg_csv_field(c->out, row->label, strlen(row->label));
    fprintf(c->out, ",%s,", vg_tlp_name(row->tlp));
    vg_csv_field(c->out, org, strlen(org));
    fputc(',', c->out);
    csv_time(c->out, row->first_seen_us);
    fputc(',', c->out);
    csv_time(c->out, row->last_seen_us);
    fputc(',', c->out);
    if (row->confidence >= 0)
        fprintf(c->out, "%d", row->confidence);
    fprintf(c->out, ",%s,%s,", row->stix_id, row->country ? row->country : "");
    if (row->asn)
        fprintf(c->out, "%lld", (long long)row->asn);
    fputc(',', c->out);
    if (row->as_name)
        vg_csv_field(c->out, row->as_name, strlen(row->as_name));
    fputc('\n', c->out);
    c->count++;
    return ferror(c->out) ? (c->io_error = 1) : 0;
}

static int plain_cb(void *arg, const struct vg_obs_row *row)
{
    struct ctx *c = arg;

    fwrite(row->value, 1, row->len, c->out);
    fputc('\n', c->out);
    c->count++;
    return ferror(c->out) ? (c->io_error = 1) : 0;
}

static int sensor_cb(void *arg, const struct vg_obs_row *row)
{
    struct ctx *c = arg;

    c->count++;
    return vg_sensor_add(c->sensor, row->kind, row->value, row->len, row->label, c->err) != VG_OK;
}

/* --include-warninglisted: values on a warning list go to sensor, CSV and
 * plain exports too (by default they are left out: docs/warninglists.md). */
static int keep_warned;

/* The distinct visible values, written for a sensor. */
static int export_sensor(struct vg_cli *cli, struct vg_store *st, const char *format,
                         const char *output, const vg_token *tokens, size_t ntokens,
                         enum vg_tlp max_tlp, enum vg_obs_kind kind, const struct vg_org *contrib,
                         const char *label, int64_t added_after, const char *forname,
                         const char *const *countries, size_t ncountries, struct vg_error *err)
{
    enum vg_sensor_format fmt = vg_sensor_format_from_name(format);
    struct vg_obs_filter f = {0};
    struct ctx c = {0};
    size_t written = 0, skipped = 0;
    FILE *out = NULL;
    enum vg_rc rc;

    if (fmt != VG_SENSOR_SURICATA) {
        out = output ? fopen(output, "w") : stdout;
        if (out == NULL) {
            vg_error_set(err, VG_IO, "output", "cannot create %s", output);
            return tool_fail(cli, "export", err);
        }
    }
    f.tokens = tokens;
    f.ntokens = ntokens;
    f.kind = kind;
    f.has_max_tlp = 1;
    f.max_tlp = max_tlp;
    f.org_id = contrib->id;
    f.label = label;
    f.added_after_us = added_after;
    f.distinct = 1;
    f.countries = countries;
    f.ncountries = ncountries;
    f.skip_warned = !keep_warned;
    c.err = err;
    rc = vg_sensor_begin(fmt, out, output, "vigie", &c.sensor, err);
    if (rc == VG_OK) {
        rc = vg_store_scan_observables(st, &f, sensor_cb, &c, err);
        if (rc == VG_OK)
            rc = vg_sensor_end(c.sensor, &written, &skipped, err);
        else
            vg_sensor_free(c.sensor);
    }
    if (out && out != stdout && fclose(out) != 0 && rc == VG_OK)
        rc = vg_error_set(err, VG_IO, "output", "write failed");
    if (out == stdout && fflush(out) != 0 && rc == VG_OK)
        rc = vg_error_set(err, VG_IO, "output", "write failed");
    if (rc != VG_OK)
        return tool_fail(cli, "export", err);
    if (cli->json)
        tool_print_json(json_pack("{s:s, s:s, s:s, s:I, s:I}", "output", output, "format", format,
                                  "for", forname, "count", (json_int_t)written, "skipped",
                                  (json_int_t)skipped));
    else
        fprintf(stderr,
                "export: %zu indicators written for %s, %zu of kinds it cannot express left out\n",
                written, format, skipped);
    return VG_EXIT_OK;
}

static int run(struct vg_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"for", required_argument, NULL, 'F'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"type", required_argument, NULL, 't'},
                                         {"kind", required_argument, NULL, 'k'},
                                         {"max-tlp", required_argument, NULL, 'm'},
                                         {"contributor", required_argument, NULL, 'c'},
                                         {"label", required_argument, NULL, 'l'},
                                         {"added-after", required_argument, NULL, 'a'},
                                         {"all-versions", no_argument, NULL, 'V'},
                                         {"output", required_argument, NULL, 'o'},
                                         {"jurisdiction", required_argument, NULL, 'J'},
                                         {"help", no_argument, NULL, 'h'},
                                         {"include-warninglisted", no_argument, NULL, 'W'},
                                         {NULL, 0, NULL, 0}};
    /* --jurisdiction: located in these countries (docs/geo.md) */
    const char *jurisdiction = NULL, *countries[VG_GEO_COUNTRIES_MAX];
    char ccs[VG_GEO_COUNTRIES_MAX][3];
    size_t ncountries = 0, i;
    const char *forname = NULL, *format = "stix", *type = NULL, *contributor = NULL, *label = NULL,
               *output = NULL;
    enum vg_obs_kind kind = VG_OBS_NONE;
    enum vg_tlp max_tlp = VG_TLP_AMBER;
    vg_token tokens[VG_POLICY_TOKENS_MAX];
    struct vg_principal p;
    struct vg_store *st = NULL;
    struct vg_org org, contrib = {0};
    struct vg_error err;
    struct ctx c = {0};
    int64_t added_after = 0;
    size_t ntokens;
    int all_versions = 0, ch, ret = VG_EXIT_FAIL;
    enum vg_rc rc;

    vg_error_clear(&err);
    while ((ch = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (ch) {
        case 'F':
            forname = optarg;
            break;
        case 'f':
            format = optarg;
            if (strcmp(format, "stix") && strcmp(format, "csv") && strcmp(format, "plain") &&
                !vg_sensor_format_from_name(format))
                return tool_usage(&vg_cmd_export,
                                  "--format is stix, csv, plain, suricata, zeek-intel or rpz");
            break;
        case 't':
            type = optarg;
            break;
        case 'k':
            if ((kind = vg_obs_kind_from_name(optarg)) == VG_OBS_NONE)
                return tool_usage(&vg_cmd_export, "unknown observable kind '%s'", optarg);
            break;
        case 'm': {
            enum vg_tlp t;

            if (vg_tlp_from_name(optarg, &t) != VG_OK)
                return tool_usage(&vg_cmd_export, "unknown TLP '%s'", optarg);
            if (t < max_tlp)
                max_tlp = t; /* only ever narrower than AMBER */
            break;
        }
        case 'c':
            contributor = optarg;
            break;
        case 'l':
            label = optarg;
            break;
        case 'a':
            if (vg_time_parse(optarg, strlen(optarg), &added_after) != VG_OK)
                return tool_usage(&vg_cmd_export, "--added-after takes a timestamp like "
                                                  "2026-01-31T00:00:00Z");
            break;
        case 'W':
            keep_warned = 1;
            break;
        case 'V':
            all_versions = 1;
            break;
        case 'o':
            output = optarg;
            break;
        case 'J':
            jurisdiction = optarg;
            break;
        case 'h':
            printf("usage: vigie %s\n", vg_cmd_export.usage);
            return VG_EXIT_OK;
        default:
            return tool_usage(&vg_cmd_export, NULL);
        }
    }
    if (optind != argc)
        return tool_usage(&vg_cmd_export, "unexpected argument '%s'", argv[optind]);
    if (cli->json && output == NULL)
        return tool_usage(&vg_cmd_export, "--json needs -o FILE (the export itself goes there)");
    if ((ret = tool_open(cli, "export", &st)) != VG_EXIT_OK)
        return ret;
    ret = VG_EXIT_FAIL;
    if (tool_org(st, forname, &org, &err) != VG_OK ||
        (contributor && vg_store_org_get(st, contributor, &contrib, &err) != VG_OK) ||
        vg_store_principal(st, org.id, &p, &err) != VG_OK)
        goto fail;
    c.viewer = org.id;
    c.viewer_is_operator = org.is_operator;
    ntokens = vg_policy_tokens(&p, tokens);
    if (jurisdiction && vg_geo_jurisdiction(st, org.id, jurisdiction, ccs, VG_GEO_COUNTRIES_MAX,
                                            &ncountries, &err) != VG_OK)
        goto fail;
    for (i = 0; i < ncountries; i++)
        countries[i] = ccs[i];
    if (vg_sensor_format_from_name(format)) { /* files for sensors (codec/sensor.h) */
        ret = export_sensor(cli, st, format, output, tokens, ntokens, max_tlp, kind, &contrib,
                            label, added_after, org.name, countries, ncountries, &err);
        goto out;
    }
    c.out = output ? fopen(output, "w") : stdout;
    if (c.out == NULL) {
        vg_error_set(&err, VG_IO, "output", "cannot create %s", output);
        goto fail;
    }
    if (strcmp(format, "stix") == 0) {
        struct vg_object_filter f = {0};

        f.tokens = tokens;
        f.ntokens = ntokens;
        f.type = type;
        f.kind = kind;
        f.has_max_tlp = 1;
        f.max_tlp = max_tlp;
        f.org_id = contrib.id;
        f.added_after_us = added_after;
        f.versions = all_versions ? VG_VERSIONS_ALL : VG_VERSIONS_LAST;
        f.countries = countries;
        f.ncountries = ncountries;
        if ((rc = vg_stix_writer_begin(&c.w, c.out)) == VG_OK)
            rc = vg_store_scan_objects(st, &f, object_cb, &c, &err);
        if (rc == VG_OK && !c.io_error)
            rc = vg_stix_writer_end(&c.w);
    } else {
        struct vg_obs_filter f = {0};

        f.tokens = tokens;
        f.ntokens = ntokens;
        f.kind = kind;
        f.has_max_tlp = 1;
        f.max_tlp = max_tlp;
        f.org_id = contrib.id;
        f.label = label;
        f.added_after_us = added_after;
        f.distinct = strcmp(format, "plain") == 0;
        f.countries = countries;
        f.ncountries = ncountries;
        f.skip_warned = !keep_warned;
        if (strcmp(format, "csv") == 0)
            fprintf(c.out, "value,kind,label,tlp,contributor,first_seen,last_seen,confidence,"
                           "indicator,country,asn,as_name\n");
        rc = vg_store_scan_observables(st, &f, f.distinct ? plain_cb : csv_cb, &c, &err);
    }
    if (rc == VG_OK && (c.io_error || fflush(c.out) != 0))
        rc = vg_error_set(&err, VG_IO, "output", "write failed");
    if (output && fclose(c.out) != 0 && rc == VG_OK)
        rc = vg_error_set(&err, VG_IO, "output", "write failed");
    if (rc != VG_OK)
        goto fail;
    if (cli->json)
        tool_print_json(json_pack("{s:s, s:s, s:s, s:I}", "output", output, "format", format, "for",
                                  org.name, "count", (json_int_t)c.count));
    else if (output)
        fprintf(stderr, "export: %zu %s written to %s\n", c.count,
                strcmp(format, "stix") == 0 ? "objects" : "rows", output);
    ret = VG_EXIT_OK;
    goto out;
fail:
    ret = tool_fail(cli, "export", &err);
out:
    vg_store_close(st);
    return ret;
}

const struct vg_cmd vg_cmd_export = {
    "export",
    "export what an organisation may see as STIX 2.1, CSV or a plain list",
    "export [--for ORG] [--format stix|csv|plain|suricata|zeek-intel|rpz] [--type TYPE] [--kind "
    "KIND] "
    "[--max-tlp TLP] [--contributor ORG] [--label LABEL] [--added-after TIME] "
    "[--all-versions] [--jurisdiction CC|REGION|mine] [--include-warninglisted] [-o FILE]",
    run,
};
