/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_key.c - `vigie key create|list|revoke`: API keys of organisations.
 *
 * The secret is printed once, by create, and only its SHA-256 is stored.
 * list never shows secrets or hashes.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "http/auth.h"
#include "common/hash.h"
#include "common/vtime.h"

static int list_cb(void *ctx, const struct vg_key *key)
{
    json_t *arr = ctx;
    char exp[VG_TIME_TEXT_MAX] = "never";

    if (arr) {
        json_array_append_new(arr, tool_key_json(key));
        return 0;
    }
    if (key->expires_us)
        tool_time(key->expires_us, exp);
    printf("%-20s org=%-6lld scopes=%s%s%s expires=%s%s\n", key->id, (long long)key->org_id,
           key->scopes & VG_SCOPE_READ ? "r" : "-", key->scopes & VG_SCOPE_WRITE ? "w" : "-",
           key->scopes & VG_SCOPE_ADMIN ? "a" : "-", exp, key->revoked ? " (revoked)" : "");
    return 0;
}

static int create(struct vg_cli *cli, struct vg_store *st, int argc, char **argv)
{
    static const struct option opts[] = {{"org", required_argument, NULL, 'o'},
                                         {"scopes", required_argument, NULL, 's'},
                                         {"expires-days", required_argument, NULL, 'e'},
                                         {"label", required_argument, NULL, 'l'},
                                         {NULL, 0, NULL, 0}};
    const char *orgname = NULL, *label = NULL;
    unsigned scopes = VG_SCOPE_READ;
    long days = 365;
    char secret[128], *end;
    struct vg_org org;
    struct vg_key key;
    struct vg_error err;
    int c, ret;

    vg_error_clear(&err);
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'o':
            orgname = optarg;
            break;
        case 's':
            if (tool_scopes(optarg, &scopes) != VG_OK)
                return tool_usage(&vg_cmd_key, "--scopes is a list of read, write, admin");
            break;
        case 'e':
            days = strtol(optarg, &end, 10);
            if (*end || days < 0 || days > 3650)
                return tool_usage(&vg_cmd_key, "--expires-days is 0 (never) to 3650");
            break;
        case 'l':
            label = optarg;
            break;
        default:
            return tool_usage(&vg_cmd_key, NULL);
        }
    }
    if (orgname == NULL || optind != argc)
        return tool_usage(&vg_cmd_key, "key create needs --org ORG");
    if (vg_store_org_get(st, orgname, &org, &err) != VG_OK)
        return tool_fail(cli, "key create", &err);
    if (tool_key_create(st, org.id, scopes, days ? vg_time_now_us() + days * 86400LL * 1000000 : 0,
                        label, &key, secret, sizeof(secret), &err) != VG_OK)
        return tool_fail(cli, "key create", &err);
    if (cli->json) {
        char exp[VG_TIME_TEXT_MAX];

        if (key.expires_us)
            tool_time(key.expires_us, exp);
        ret = tool_print_json(json_pack(
            "{s:s, s:s, s:s, s:o, s:s?}", "id", key.id, "secret", secret, "org", org.name, "scopes",
            vg_auth_scopes_json(key.scopes), "expires", key.expires_us ? exp : NULL));
    } else {
        printf("key for %s, shown once - keep the secret safe:\n  id:     %s\n  secret: %s\n",
               org.name, key.id, secret);
        ret = VG_EXIT_OK;
    }
    vg_wipe(secret, sizeof(secret));
    return ret;
}

static int run(struct vg_cli *cli, int argc, char **argv)
{
    struct vg_store *st = NULL;
    struct vg_error err;
    const char *sub = argc > 1 ? argv[1] : NULL;
    int ret;

    vg_error_clear(&err);
    if (sub == NULL)
        return tool_usage(&vg_cmd_key, NULL);
    if ((ret = tool_open(cli, "key", &st)) != VG_EXIT_OK)
        return ret;
    if (strcmp(sub, "create") == 0) {
        ret = create(cli, st, argc - 1, argv + 1);
    } else if (strcmp(sub, "list") == 0 &&
               (argc == 2 || (argc == 4 && !strcmp(argv[2], "--org")))) {
        json_t *arr = cli->json ? json_array() : NULL;
        struct vg_org org = {0};

        if (argc == 4 && vg_store_org_get(st, argv[3], &org, &err) != VG_OK) {
            json_decref(arr);
            ret = tool_fail(cli, "key list", &err);
        } else if (vg_store_key_list(st, org.id, list_cb, arr, &err) != VG_OK) {
            json_decref(arr);
            ret = tool_fail(cli, "key list", &err);
        } else {
            ret = arr ? tool_print_json(arr) : VG_EXIT_OK;
        }
    } else if (strcmp(sub, "revoke") == 0 && argc == 3) {
        if (vg_store_key_revoke(st, argv[2], &err) != VG_OK)
            ret = tool_fail(cli, "key revoke", &err);
        else if (cli->json)
            ret = tool_print_json(json_pack("{s:s, s:b}", "id", argv[2], "revoked", 1));
        else
            printf("key %s revoked\n", argv[2]);
    } else {
        ret = tool_usage(&vg_cmd_key, "unknown or incomplete sub-command '%s'", sub);
    }
    vg_store_close(st);
    return ret;
}

const struct vg_cmd vg_cmd_key = {
    "key",
    "create, list or revoke API keys",
    "key create --org ORG [--scopes read,write,admin] [--expires-days N] [--label TEXT]\n"
    "       vigie key list [--org ORG] | revoke KEY-ID   [--hub DIR] [--json]",
    run,
};
