/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_evidence.c - `vigie evidence OBJECT-ID [--version V] [--for ORG] -o
 * FILE`: a self-contained evidence bundle (docs/ledger.md) that `vigie
 * verify` checks offline: the object as stored, its ledger leaf, the
 * inclusion proof, the signed checkpoint and the public key.
 *
 * Policy applies as for an export: the bundle is made for organisation ORG
 * (default: the operator) and an object it may not see is "not found",
 * exactly like one that does not exist.
 */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "common/vtime.h"
#include "evidence/evidence.h"

static int run(struct vg_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"version", required_argument, NULL, 'v'},
                                         {"for", required_argument, NULL, 'f'},
                                         {"output", required_argument, NULL, 'o'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *version = NULL, *for_org = NULL, *out = NULL, *id;
    vg_token tokens[VG_POLICY_TOKENS_MAX];
    struct vg_principal p;
    struct vg_store *st = NULL;
    struct vg_org org;
    struct vg_error err;
    struct vg_buf b;
    int64_t modified = -1;
    int c, ret;
    FILE *f;

    while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'v':
            version = optarg;
            break;
        case 'f':
            for_org = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case 'h':
            printf("usage: vigie %s\n", vg_cmd_evidence.usage);
            return VG_EXIT_OK;
        default:
            return tool_usage(&vg_cmd_evidence, NULL);
        }
    }
    if (optind + 1 != argc)
        return tool_usage(&vg_cmd_evidence, "evidence takes one object id");
    if (out == NULL)
        return tool_usage(&vg_cmd_evidence, "-o FILE is required");
    id = argv[optind];
    vg_error_clear(&err);
    if (version && vg_time_parse(version, strlen(version), &modified) != VG_OK) {
        vg_error_set(&err, VG_INVALID, "version", "'%s' is not a STIX timestamp", version);
        return tool_fail(cli, "evidence", &err);
    }
    if ((ret = tool_open(cli, "evidence", &st)) != VG_EXIT_OK)
        return ret;
    vg_buf_init(&b, 0);
    if (tool_org(st, for_org, &org, &err) != VG_OK ||
        vg_store_principal(st, org.id, &p, &err) != VG_OK ||
        vg_evidence_bundle(st, cli->hub, id, modified, tokens, vg_policy_tokens(&p, tokens), &b,
                           &err) != VG_OK)
        goto fail;
    if ((f = fopen(out, "w")) == NULL || fwrite(b.data, 1, b.len, f) != b.len || fclose(f) != 0) {
        vg_error_set(&err, VG_IO, "output", "cannot write %s", out);
        goto fail;
    }
    if (cli->json)
        tool_print_json(
            json_pack("{s:s, s:s, s:I}", "output", out, "id", id, "bytes", (json_int_t)b.len));
    else
        fprintf(stderr, "evidence: %s written to %s\n", id, out);
    ret = VG_EXIT_OK;
    goto out;
fail:
    ret = tool_fail(cli, "evidence", &err);
out:
    vg_buf_cleanup(&b);
    vg_store_close(st);
    return ret;
}

const struct vg_cmd vg_cmd_evidence = {
    "evidence",
    "write a self-contained, offline-verifiable evidence bundle for an object",
    "evidence OBJECT-ID [--version MODIFIED] [--for ORG] -o FILE [--json]",
    run,
};
