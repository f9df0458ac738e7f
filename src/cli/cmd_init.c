/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_init.c - `vigie init`: create a hub, its operator organisation and a
 * first admin key, whose secret is printed once and never stored.
 */
#include <getopt.h>
#include <string.h>

#include "cli.h"
#include "evidence/evidence.h"
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
    struct vg_note_key lkey;
    struct vg_buf vk;

    vg_error_clear(&err);
    memset(&lkey, 0, sizeof(lkey));
    vg_buf_init(&vk, 0);
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
    /* The ledger's signing key (its first leaf) and a first checkpoint. */
    if (vg_evidence_checkpoint(st, cli->hub, VG_EVIDENCE_HEAD, NULL, &err) != VG_OK ||
        vg_evidence_key(st, cli->hub, &lkey, &err) != VG_OK)
        goto fail;
    vg_note_key_public_text(&lkey, &vk);
    if (cli->json) {
        json_t *doc = json_pack("{s:s, s:o, s:{s:s, s:s, s:I, s:s, s:o, s:n}}", "hub", cli->hub,
                                "org", tool_org_json(&org), "key", "id", key.id, "secret", secret,
                                "org_id", (json_int_t)org.id, "org", org.name, "scopes",
                                vg_auth_scopes_json(key.scopes), "expires");
        json_object_set_new(doc, "ledger_public_key", json_string(vk.data));
        tool_print_json(doc);
    } else {
        printf("Hub created in %s\n"
               "Operator organisation: %s (%s)\n"
               "Admin key, shown once - keep the secret safe:\n"
               "  id:     %s\n"
               "  secret: %s\n"
               "Ledger public key (give it to partners and experts; vigie ledger pubkey):\n"
               "  %s\n",
               cli->hub, org.name, org.stix_id, key.id, secret, vk.data);
    }
    ret = VG_EXIT_OK;
    goto out;
fail:
    ret = tool_fail(cli, "init", &err);
out:
    vg_wipe(secret, sizeof(secret));
    vg_note_key_wipe(&lkey);
    vg_buf_cleanup(&vk);
    vg_store_close(st);
    return ret;
}

const struct vg_cmd vg_cmd_init = {
    "init",
    "create a hub, its operator organisation and an admin key",
    "init [--hub DIR] [--name OPERATOR] [--country CC] [--json]",
    run,
};
