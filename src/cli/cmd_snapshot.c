/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_snapshot.c - `vigie snapshot`: compile what one organisation may see
 * into a snapshot file for `vigie match` (format: docs/match.md).
 *
 * The view is that of --for (default the operator), with the policy applied
 * inside the store's scan as for `vigie export`; a snapshot is a bulk feed,
 * so AMBER+STRICT and RED claims never go into it (DESIGN §3).  Every visible
 * claim is added and the builder merges them per observable, counting the
 * distinct contributing organisations.  Values on one of the hub's warning
 * lists are left out unless asked (--include-warninglisted): the store
 * filters them in the same scan (docs/warninglists.md).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "common/vtime.h"
#include "index/index.h"

struct build_ctx {
    struct vg_index_builder *b;
    struct vg_error *err;
    size_t claims;
    enum vg_rc rc;
};

static int claim_cb(void *arg, const struct vg_obs_row *row)
{
    struct build_ctx *c = arg;
    struct vg_index_item it = {row->kind, row->value,  row->len,    row->label,
                               row->tlp,  row->org_id, row->stix_id};

    c->claims++;
    c->rc = vg_index_builder_add(c->b, &it, c->err);
    if (c->rc == VG_INVALID && it.ref) { /* a reference the index cannot hold: drop it */
        it.ref = NULL;
        c->rc = vg_index_builder_add(c->b, &it, c->err);
    }
    if (c->rc == VG_INVALID) { /* a value the index cannot hold: skip it, say so */
        fprintf(stderr, "snapshot: skipping %s '%.*s': %s\n", vg_obs_kind_name(row->kind),
                (int)(row->len > 80 ? 80 : row->len), row->value, c->err->msg);
        c->rc = VG_OK;
    }
    return c->rc != VG_OK;
}

enum vg_rc tool_snapshot_build(struct vg_store *st, const char *forname, int keep_warned,
                               struct vg_org *org, struct vg_index_builder **out, size_t *claims,
                               struct vg_error *err)
{
    vg_token tokens[VG_POLICY_TOKENS_MAX];
    struct vg_principal p;
    struct vg_obs_filter f = {0};
    struct build_ctx c = {0};
    enum vg_rc rc;

    if ((rc = tool_org(st, forname, org, err)) != VG_OK ||
        (rc = vg_store_principal(st, org->id, &p, err)) != VG_OK)
        return rc;
    if ((c.b = vg_index_builder_new()) == NULL)
        return vg_error_set(err, VG_NOMEM, NULL, "out of memory");
    c.err = err;
    f.tokens = tokens;
    f.ntokens = vg_policy_tokens(&p, tokens);
    f.has_max_tlp = 1;
    f.max_tlp = VG_TLP_AMBER; /* bulk: never AMBER+STRICT or RED */
    f.skip_warned = !keep_warned;
    rc = vg_store_scan_observables(st, &f, claim_cb, &c, err);
    if (rc == VG_OK)
        rc = c.rc;
    if (rc != VG_OK) {
        vg_index_builder_free(c.b);
        return rc;
    }
    *out = c.b;
    *claims = c.claims;
    return VG_OK;
}

static int run(struct vg_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"for", required_argument, NULL, 'F'},
                                         {"output", required_argument, NULL, 'o'},
                                         {"help", no_argument, NULL, 'h'},
                                         {"include-warninglisted", no_argument, NULL, 'W'},
                                         {NULL, 0, NULL, 0}};
    const char *forname = NULL, *output = NULL;
    int keep_warned = 0;
    struct vg_index_builder *b = NULL;
    struct vg_store *st = NULL;
    struct vg_index *idx = NULL;
    struct vg_index_stats s;
    struct vg_org org;
    struct vg_error err;
    int64_t t0 = vg_time_now_us();
    size_t claims = 0;
    int ch, ret;

    vg_error_clear(&err);
    while ((ch = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (ch) {
        case 'F':
            forname = optarg;
            break;
        case 'o':
            output = optarg;
            break;
        case 'W':
            keep_warned = 1;
            break;
        case 'h':
            printf("usage: vigie %s\n", vg_cmd_snapshot.usage);
            return VG_EXIT_OK;
        default:
            return tool_usage(&vg_cmd_snapshot, NULL);
        }
    }
    if (optind != argc)
        return tool_usage(&vg_cmd_snapshot, "unexpected argument '%s'", argv[optind]);
    if (output == NULL)
        return tool_usage(&vg_cmd_snapshot, "-o FILE is required");
    if ((ret = tool_open(cli, "snapshot", &st)) != VG_EXIT_OK)
        return ret;
    if (tool_snapshot_build(st, forname, keep_warned, &org, &b, &claims, &err) != VG_OK ||
        vg_index_builder_write(b, output, &err) != VG_OK ||
        vg_index_open_file(output, 0, &idx, &err) != VG_OK) {
        ret = tool_fail(cli, "snapshot", &err);
        goto out;
    }
    vg_index_stats(idx, &s);
    if (cli->json)
        tool_print_json(json_pack(
            "{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:f}", "output", output, "for", org.name,
            "indicators", (json_int_t)s.entries, "claims", (json_int_t)claims, "ranges",
            (json_int_t)(s.ranges4 + s.ranges6), "bytes", (json_int_t)s.image_bytes, "value_bytes",
            (json_int_t)s.value_bytes, "seconds", (double)(vg_time_now_us() - t0) / 1e6));
    else
        fprintf(stderr,
                "snapshot: %zu indicators from %zu claims visible to %s, %zu bytes "
                "written to %s\n",
                s.entries, claims, org.name, s.image_bytes, output);
    ret = VG_EXIT_OK;
out:
    vg_index_free(idx);
    vg_index_builder_free(b);
    vg_store_close(st);
    return ret;
}

const struct vg_cmd vg_cmd_snapshot = {
    "snapshot",
    "compile what an organisation may see into a snapshot file for vigie match",
    "snapshot [--for ORG] [--include-warninglisted] -o FILE",
    run,
};
