/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_report.c - `vigie report --jurisdiction CC`: what is located in a
 * jurisdiction, as one organisation may see it (docs/geo.md), as JSON or
 * as a self-contained printable HTML page.
 *
 * The view is --for ORG (default: the operator organisation, as for
 * `vigie export`); a report is a bulk output, so AMBER+STRICT and RED stay
 * out of it (DESIGN §3), and --max-tlp only narrows that.
 */
#include <ctype.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "common/vtime.h"
#include "geo/geo.h"
#include "geo/report.h"

/* "30d", "12h", "2w", "90m" before now, or a timestamp. */
static int parse_since(const char *s, int64_t now, int64_t *out)
{
    char *end;
    long long n;
    int64_t unit;

    if (vg_time_parse(s, strlen(s), out) == VG_OK)
        return 0;
    if (!isdigit((unsigned char)s[0]))
        return -1;
    n = strtoll(s, &end, 10);
    if (n < 0 || n > 100000 || end[0] == '\0' || end[1] != '\0')
        return -1;
    switch (end[0]) {
    case 'm':
        unit = 60;
        break;
    case 'h':
        unit = 3600;
        break;
    case 'd':
        unit = 86400;
        break;
    case 'w':
        unit = 7 * 86400;
        break;
    default:
        return -1;
    }
    *out = now - (int64_t)n * unit * 1000000;
    return 0;
}

static int run(struct vg_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"jurisdiction", required_argument, NULL, 'j'},
                                         {"since", required_argument, NULL, 's'},
                                         {"for", required_argument, NULL, 'F'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"max-tlp", required_argument, NULL, 'm'},
                                         {"output", required_argument, NULL, 'o'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *jurisdiction = NULL, *forname = NULL, *format = "json", *output = NULL;
    char countries[VG_GEO_COUNTRIES_MAX][3];
    vg_token tokens[VG_POLICY_TOKENS_MAX];
    struct vg_report_request req = {0};
    struct vg_principal p;
    struct vg_store *st = NULL;
    struct vg_org org;
    struct vg_error err;
    int64_t now = vg_time_now_us(), since = now - (int64_t)30 * 86400 * 1000000;
    enum vg_tlp max_tlp = VG_TLP_AMBER, t;
    json_t *doc = NULL;
    FILE *f = NULL;
    size_t ncountries;
    int ch, ret;
    enum vg_rc rc;

    vg_error_clear(&err);
    optind = 1;
    while ((ch = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (ch) {
        case 'j':
            jurisdiction = optarg;
            break;
        case 's':
            if (parse_since(optarg, now, &since) != 0)
                return tool_usage(&vg_cmd_report,
                                  "--since takes 30d, 12h, 2w or a time like 2026-01-31T00:00:00Z");
            break;
        case 'F':
            forname = optarg;
            break;
        case 'f':
            format = optarg;
            if (strcmp(format, "json") && strcmp(format, "html"))
                return tool_usage(&vg_cmd_report, "--format is json or html");
            break;
        case 'm':
            if (vg_tlp_from_name(optarg, &t) != VG_OK)
                return tool_usage(&vg_cmd_report, "unknown TLP '%s'", optarg);
            if (t < max_tlp)
                max_tlp = t;
            break;
        case 'o':
            output = optarg;
            break;
        case 'h':
            printf("usage: vigie %s\n", vg_cmd_report.usage);
            return VG_EXIT_OK;
        default:
            return tool_usage(&vg_cmd_report, NULL);
        }
    }
    if (optind != argc)
        return tool_usage(&vg_cmd_report, "unexpected argument '%s'", argv[optind]);
    if (jurisdiction == NULL)
        return tool_usage(&vg_cmd_report, "--jurisdiction is required (FR, EU, FR,BE or mine)");
    if ((ret = tool_open(cli, "report", &st)) != VG_EXIT_OK)
        return ret;
    if (tool_org(st, forname, &org, &err) != VG_OK ||
        vg_store_principal(st, org.id, &p, &err) != VG_OK ||
        vg_geo_jurisdiction(st, org.id, jurisdiction, countries, VG_GEO_COUNTRIES_MAX, &ncountries,
                            &err) != VG_OK)
        goto fail;
    req.ntokens = vg_policy_tokens(&p, tokens);
    req.tokens = tokens;
    req.for_name = org.name;
    req.jurisdiction = jurisdiction;
    req.countries = (const char(*)[3])countries;
    req.ncountries = ncountries;
    req.since_us = since;
    req.max_tlp = max_tlp;
    req.requester_org = org.id;
    req.requester_is_operator = org.is_operator;
    if (vg_report_build(st, &req, &doc, &err) != VG_OK)
        goto fail;
    if (strcmp(format, "json") == 0 && output == NULL) {
        tool_print_json(doc);
        doc = NULL;
        ret = VG_EXIT_OK;
        goto out;
    }
    if ((f = output ? fopen(output, "w") : stdout) == NULL) {
        vg_error_set(&err, VG_IO, "output", "cannot create %s", output);
        goto fail;
    }
    if (strcmp(format, "html") == 0) {
        rc = vg_report_html(doc, f, &err);
    } else {
        rc = json_dumpf(doc, f, JSON_INDENT(1)) == 0 && fputc('\n', f) != EOF
                 ? VG_OK
                 : vg_error_set(&err, VG_IO, "output", "write failed");
    }
    if (output && fclose(f) != 0 && rc == VG_OK)
        rc = vg_error_set(&err, VG_IO, "output", "write failed");
    if (rc != VG_OK)
        goto fail;
    if (output && cli->json)
        tool_print_json(json_pack("{s:s, s:s, s:s, s:O}", "output", output, "format", format, "for",
                                  org.name, "totals", json_object_get(doc, "totals")));
    else if (output)
        fprintf(
            stderr, "report: %lld observables located in %s (%lld new) written to %s\n",
            (long long)json_integer_value(
                json_object_get(json_object_get(doc, "totals"), "observables")),
            jurisdiction,
            (long long)json_integer_value(json_object_get(json_object_get(doc, "totals"), "new")),
            output);
    ret = VG_EXIT_OK;
    goto out;
fail:
    ret = tool_fail(cli, "report", &err);
out:
    json_decref(doc);
    vg_store_close(st);
    return ret;
}

const struct vg_cmd vg_cmd_report = {
    "report",
    "summarise what is located in a jurisdiction (JSON or printable HTML)",
    "report --jurisdiction CC|REGION|mine [--since 30d] [--for ORG] [--format json|html] "
    "[--max-tlp TLP] [-o FILE]",
    run,
};
