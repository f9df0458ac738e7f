/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_org.c - `vigie org add|list|show|disable|enable`: partner organisations.
 */
#include <ctype.h>
#include <getopt.h>
#include <string.h>

#include "cli.h"
#include "common/vtime.h"
#include "model/uuid.h"

static const char *const kinds[] = {"law-enforcement", "vendor",   "cert",
                                    "company",         "operator", NULL};

static int list_cb(void *ctx, const struct vg_org *org)
{
    json_t *arr = ctx;

    if (arr)
        json_array_append_new(arr, tool_org_json(org));
    else
        printf("%-24s %-16s %-3s %s%s\n", org->name, org->kind, org->country, org->stix_id,
               org->disabled ? "  (disabled)" : "");
    return 0;
}

static int add(struct vg_cli *cli, struct vg_store *st, int argc, char **argv)
{
    static const struct option opts[] = {{"kind", required_argument, NULL, 'k'},
                                         {"country", required_argument, NULL, 'c'},
                                         {"sectors", required_argument, NULL, 's'},
                                         {"stix-id", required_argument, NULL, 'i'},
                                         {NULL, 0, NULL, 0}};
    struct vg_org org;
    struct vg_error err;
    int c, i, ok = 0;

    vg_error_clear(&err);
    memset(&org, 0, sizeof(org));
    snprintf(org.kind, sizeof(org.kind), "company");
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'k':
            snprintf(org.kind, sizeof(org.kind), "%s", optarg);
            break;
        case 'c':
            if (strlen(optarg) != 2 || !isalpha((unsigned char)optarg[0]) ||
                !isalpha((unsigned char)optarg[1]))
                return tool_usage(&vg_cmd_org, "--country takes an ISO 3166 two-letter code");
            org.country[0] = (char)toupper((unsigned char)optarg[0]);
            org.country[1] = (char)toupper((unsigned char)optarg[1]);
            break;
        case 's':
            snprintf(org.sectors, sizeof(org.sectors), "%s", optarg);
            break;
        case 'i':
            if (strncmp(optarg, "identity--", 10) != 0 || !vg_stix_id_valid(optarg, strlen(optarg)))
                return tool_usage(&vg_cmd_org, "--stix-id takes an identity--UUID");
            snprintf(org.stix_id, sizeof(org.stix_id), "%s", optarg);
            break;
        default:
            return tool_usage(&vg_cmd_org, NULL);
        }
    }
    if (optind + 1 != argc)
        return tool_usage(&vg_cmd_org, "org add takes one NAME");
    for (i = 0; kinds[i]; i++)
        ok |= strcmp(kinds[i], org.kind) == 0;
    if (!ok || strcmp(org.kind, "operator") == 0)
        return tool_usage(&vg_cmd_org, "--kind is one of law-enforcement, vendor, cert, company");
    if (strlen(argv[optind]) == 0 || strlen(argv[optind]) >= sizeof(org.name))
        return tool_usage(&vg_cmd_org, "NAME must be 1 to %zu bytes", sizeof(org.name) - 1);
    snprintf(org.name, sizeof(org.name), "%s", argv[optind]);
    org.created_us = vg_time_now_us();
    if (vg_store_org_add(st, &org, &err) != VG_OK)
        return tool_fail(cli, "org add", &err);
    if (cli->json)
        return tool_print_json(tool_org_json(&org));
    printf("organisation %s added: %s\n", org.name, org.stix_id);
    return VG_EXIT_OK;
}

static int set_disabled(struct vg_cli *cli, struct vg_store *st, const char *name, int disabled)
{
    struct vg_org org;
    struct vg_error err;

    vg_error_clear(&err);
    if (vg_store_org_get(st, name, &org, &err) != VG_OK)
        return tool_fail(cli, "org", &err);
    if (org.is_operator && disabled) {
        vg_error_set(&err, VG_FORBIDDEN, "org", "the operator organisation cannot be disabled");
        return tool_fail(cli, "org", &err);
    }
    org.disabled = disabled;
    if (vg_store_org_update(st, &org, &err) != VG_OK)
        return tool_fail(cli, "org", &err);
    if (cli->json)
        return tool_print_json(tool_org_json(&org));
    printf("organisation %s %s\n", org.name, disabled ? "disabled" : "enabled");
    return VG_EXIT_OK;
}

/*
 * `org pseudonym NAME PSEUDONYM|--off`: the name under which the
 * organisation's contributions are shown to other partners in look-ups
 * (itself and the operator see its name).  Kept in the hub's settings
 * (meta) under "pseudonym.<identity id>"; an empty value means none.
 */
static int set_pseudonym(struct vg_cli *cli, struct vg_store *st, const char *name,
                         const char *pseudonym)
{
    struct vg_error err;
    struct vg_org org, other;
    char key[16 + VG_STIX_ID_MAX];
    int off = strcmp(pseudonym, "--off") == 0;
    size_t n = strlen(pseudonym);

    vg_error_clear(&err);
    if (vg_store_org_get(st, name, &org, &err) != VG_OK)
        return tool_fail(cli, "org pseudonym", &err);
    if (!off && (n == 0 || n >= VG_NAME_MAX || pseudonym[0] == '-'))
        return tool_usage(&vg_cmd_org, "a pseudonym is 1 to %d characters, not starting with '-'",
                          VG_NAME_MAX - 1);
    /* another partner's name would impersonate it */
    if (!off && vg_store_org_get(st, pseudonym, &other, &err) == VG_OK && other.id != org.id)
        return tool_usage(&vg_cmd_org, "'%s' is the name of another organisation", pseudonym);
    vg_error_clear(&err);
    snprintf(key, sizeof(key), "pseudonym.%s", org.stix_id);
    if (vg_store_meta_set(st, key, off ? "" : pseudonym, &err) != VG_OK)
        return tool_fail(cli, "org pseudonym", &err);
    if (off)
        printf("organisation %s shown under its name\n", org.name);
    else
        printf("organisation %s shown to other partners as %s\n", org.name, pseudonym);
    return VG_EXIT_OK;
}

static int run(struct vg_cli *cli, int argc, char **argv)
{
    struct vg_store *st = NULL;
    struct vg_error err;
    struct vg_org org;
    const char *sub = argc > 1 ? argv[1] : NULL;
    int ret;

    vg_error_clear(&err);
    if (sub == NULL || strcmp(sub, "--help") == 0)
        return sub ? (printf("usage: vigie %s\n", vg_cmd_org.usage), VG_EXIT_OK)
                   : tool_usage(&vg_cmd_org, NULL);
    if ((ret = tool_open(cli, "org", &st)) != VG_EXIT_OK)
        return ret;
    if (strcmp(sub, "add") == 0) {
        ret = add(cli, st, argc - 1, argv + 1);
    } else if (strcmp(sub, "list") == 0) {
        json_t *arr = cli->json ? json_array() : NULL;

        if (vg_store_org_list(st, list_cb, arr, &err) != VG_OK) {
            json_decref(arr);
            ret = tool_fail(cli, "org list", &err);
        } else {
            ret = arr ? tool_print_json(arr) : VG_EXIT_OK;
        }
    } else if (strcmp(sub, "show") == 0 && argc == 3) {
        if (vg_store_org_get(st, argv[2], &org, &err) != VG_OK)
            ret = tool_fail(cli, "org show", &err);
        else if (cli->json)
            ret = tool_print_json(tool_org_json(&org));
        else
            ret = list_cb(NULL, &org);
    } else if ((strcmp(sub, "disable") == 0 || strcmp(sub, "enable") == 0) && argc == 3) {
        ret = set_disabled(cli, st, argv[2], strcmp(sub, "disable") == 0);
    } else if (strcmp(sub, "pseudonym") == 0 && argc == 4) {
        ret = set_pseudonym(cli, st, argv[2], argv[3]);
    } else {
        ret = tool_usage(&vg_cmd_org, "unknown or incomplete sub-command '%s'", sub);
    }
    vg_store_close(st);
    return ret;
}

const struct vg_cmd vg_cmd_org = {
    "org",
    "add, list, show, disable, enable or give a pseudonym to partner organisations",
    "org add NAME [--kind law-enforcement|vendor|cert|company] [--country CC] "
    "[--sectors S,...] [--stix-id identity--UUID]\n"
    "       vigie org list | show NAME | disable NAME | enable NAME   [--hub DIR] [--json]\n"
    "       vigie org pseudonym NAME PSEUDONYM|--off",
    run,
};
