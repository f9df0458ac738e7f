/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_jurisdiction.c - `vigie jurisdiction ORG [CODES|--clear]`: the
 * countries and regions an organisation covers (docs/geo.md).
 *
 * CODES is a list such as "FR,DE" or "EU,CH": ISO 3166-1 alpha-2 country
 * codes or named regions (EU, EEA, SCHENGEN, FIVE-EYES), kept as declared;
 * regions expand to their members when a query asks for "mine".  Without
 * CODES the declared list and its expansion are shown.
 */
#include <getopt.h>
#include <string.h>

#include "cli.h"
#include "geo/geo.h"

static int run(struct vg_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"clear", no_argument, NULL, 'c'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    char codes[64][VG_GEO_CODE_MAX], declared[1024], countries[VG_GEO_COUNTRIES_MAX][3];
    const char *list[64];
    struct vg_store *st = NULL;
    struct vg_org org;
    struct vg_error err;
    size_t n = 0, ncountries = 0, i;
    int ch, ret, clear = 0;
    json_t *doc, *arr;

    vg_error_clear(&err);
    optind = 1;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (ch == 'c') {
            clear = 1;
        } else if (ch == 'h') {
            printf("usage: vigie %s\n\nregions:\n%s", vg_cmd_jurisdiction.usage, vg_geo_regions());
            return VG_EXIT_OK;
        } else {
            return tool_usage(&vg_cmd_jurisdiction, NULL);
        }
    }
    if (optind >= argc || argc - optind > 2 || (clear && argc - optind != 1))
        return tool_usage(&vg_cmd_jurisdiction, "give an organisation, and a list or --clear");
    if (argc - optind == 2 && vg_geo_parse_codes(argv[optind + 1], codes, 64, &n, &err) != VG_OK)
        return tool_fail(cli, "jurisdiction", &err);
    if (argc - optind == 2 && n == 0)
        return tool_usage(&vg_cmd_jurisdiction, "empty list (use --clear)");
    if ((ret = tool_open(cli, "jurisdiction", &st)) != VG_EXIT_OK)
        return ret;
    if (vg_store_org_get(st, argv[optind], &org, &err) != VG_OK)
        goto fail;
    if (clear || n) {
        for (i = 0; i < n; i++)
            list[i] = codes[i];
        if (vg_store_jurisdiction_set(st, org.id, list, n, &err) != VG_OK)
            goto fail;
    }
    if (vg_store_jurisdiction_get(st, org.id, declared, sizeof(declared), &err) != VG_OK)
        goto fail;
    if (declared[0] &&
        vg_geo_expand(declared, countries, VG_GEO_COUNTRIES_MAX, &ncountries, &err) != VG_OK)
        goto fail;
    if (cli->json) {
        arr = json_array();
        for (i = 0; arr && i < ncountries; i++)
            json_array_append_new(arr, json_string(countries[i]));
        doc = json_pack("{s:s, s:s, s:o}", "organisation", org.name, "jurisdiction", declared,
                        "countries", arr ? arr : json_array());
        tool_print_json(doc);
    } else {
        printf("%s: %s\n", org.name, declared[0] ? declared : "(none)");
        if (ncountries) {
            fputs("countries:", stdout);
            for (i = 0; i < ncountries; i++)
                printf(" %s", countries[i]);
            putchar('\n');
        }
    }
    ret = VG_EXIT_OK;
    goto out;
fail:
    ret = tool_fail(cli, "jurisdiction", &err);
out:
    vg_store_close(st);
    return ret;
}

const struct vg_cmd vg_cmd_jurisdiction = {
    "jurisdiction",
    "declare the countries or regions an organisation covers",
    "jurisdiction ORG [CODES|--clear]   (CODES: FR,DE or EU,CH ...)",
    run,
};
