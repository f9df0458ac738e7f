/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_init.c - `vigie init`: create a hub, its operator organisation and a
 * first admin key, whose secret is printed once and never stored.
 */
#include <getopt.h>
#include <string.h>

#include "cli.h"
#include "http/auth.h"
#include "common/hash.h"
#include "common/vtime.h"

static int run(struct vg_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"name", required_argument, NULL, 'n'},
                                         {"country", required_argument, NULL, 'c'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *name = "operator", *country = "";
    char secret[128];
    struct vg_store *st = NULL;
    struct vg_org org, existing;
    struct vg_key key;
    struct vg_error err;
    int c, ret = VG_EXIT_FAIL;

    vg_error_clear(&err);
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'n':
            name = optarg;
            break;
        case 'c':
            country = optarg;
            break;
        case 'h':
            printf("usage: vigie %s\n", vg_cmd_init.usage);
            return VG_EXIT_OK;
        default:
            return tool_usage(&vg_cmd_init, NULL);
        }
    }
    if (optind != argc)
        return tool_usage(&vg_cmd_init, "unexpected argument '%s'", argv[optind]);
    if (vg_store_open(cli->hub, VG_STORE_CREATE, &st, &err) != VG_OK)
        return tool_fail(cli, "init", &err);
    if (tool_org(st, NULL, &existing, NULL) == VG_OK) {
        vg_error_set(&err, VG_CONFLICT, "hub", "%s is already a hub (operator '%s')", cli->hub,
                     existing.name);
        goto fail;
    }
    memset(&org, 0, sizeof(org));
    snprintf(org.name, sizeof(org.name), "%s", name);
    snprintf(org.kind, sizeof(org.kind), "operator");
    snprintf(org.country, sizeof(org.country), "%s", country);
    org.is_operator = 1;
    org.created_us = vg_time_now_us();
    if (vg_store_begin(st, &err) != VG_OK)
        goto fail;
    if (vg_store_org_add(st, &org, &err) != VG_OK ||
        vg_store_meta_set(st, "operator", org.name, &err) != VG_OK ||
        tool_key_create(st, org.id, VG_SCOPE_READ | VG_SCOPE_WRITE | VG_SCOPE_ADMIN, 0,
                        "created by vigie init", &key, secret, sizeof(secret), &err) != VG_OK) {
        vg_store_rollback(st);
        goto fail;
    }
    if (vg_store_commit(st, &err) != VG_OK)
        goto fail;
    if (cli->json) {
        tool_print_json(json_pack("{s:s, s:o, s:{s:s, s:s, s:I, s:s, s:o, s:n}}", "hub", cli->hub,
                                  "org", tool_org_json(&org), "key", "id", key.id, "secret", secret,
                                  "org_id", (json_int_t)org.id, "org", org.name, "scopes",
                                  vg_auth_scopes_json(key.scopes), "expires"));
    } else {
        printf("Hub created in %s\n"
               "Operator organisation: %s (%s)\n"
               "Admin key, shown once - keep the secret safe:\n"
               "  id:     %s\n"
               "  secret: %s\n",
               cli->hub, org.name, org.stix_id, key.id, secret);
    }
    ret = VG_EXIT_OK;
    goto out;
fail:
    ret = tool_fail(cli, "init", &err);
out:
    vg_wipe(secret, sizeof(secret));
    vg_store_close(st);
    return ret;
}

const struct vg_cmd vg_cmd_init = {
    "init",
    "create a hub, its operator organisation and an admin key",
    "init [--hub DIR] [--name OPERATOR] [--country CC] [--json]",
    run,
};
