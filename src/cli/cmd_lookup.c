/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_lookup.c - `vigie lookup VALUE...`: what the hub knows about each
 * value, as one organisation (--for, default the operator) may see it; one
 * JSON answer per line (docs/lookup.md).  Values may also come on standard
 * input, one per line, with `-`.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lookup/lookup.h"
#include "policy/policy.h"

static int one(struct vg_store *st, const struct vg_values *vals, const vg_token *tok, size_t ntok,
               const char *v, size_t len)
{
    struct vg_error err;
    json_t *doc = NULL;
    char *text;

    vg_error_clear(&err);
    if (vg_lookup(st, vals, tok, ntok, v, len, &doc, &err) != VG_OK) {
        if (err.code != VG_INVALID && err.code != VG_LIMIT) {
            fprintf(stderr, "vigie lookup: %s\n", err.msg);
            return -1;
        }
        doc = json_pack("{s:s%, s:s}", "query", v, len, "error", err.msg);
        if (doc == NULL)
            doc = json_pack("{s:s, s:s}", "query", "", "error", err.msg);
    }
    text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    if (text == NULL)
        return -1;
    puts(text);
    free(text);
    return 0;
}

/* Values on standard input, one per line: many look-ups, so the hub's
 * values are first read into memory (values.h) and each look-up asks the
 * store only about the candidates the hub holds; a snapshot per READ_RUN
 * values. */
#define READ_RUN 256
static int many(struct vg_cli *cli, struct vg_store *st, const vg_token *tok, size_t ntok)
{
    struct vg_values *vals = NULL;
    struct vg_error err;
    char *line = NULL;
    size_t cap = 0, done = 0;
    ssize_t n;
    int rc = VG_EXIT_OK;

    vg_error_clear(&err);
    if (vg_values_new(&vals, &err) != VG_OK || vg_values_sync(vals, st, &err) != VG_OK) {
        vg_values_free(vals);
        return tool_fail(cli, "lookup", &err);
    }
    while (rc == VG_EXIT_OK && (n = getline(&line, &cap, stdin)) > 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            n--;
        if (done % READ_RUN == 0 && vg_store_read_begin(st, &err) != VG_OK) {
            rc = tool_fail(cli, "lookup", &err);
            break;
        }
        if (n > 0 && one(st, vals, tok, ntok, line, (size_t)n) != 0)
            rc = VG_EXIT_FAIL;
        if (++done % READ_RUN == 0)
            vg_store_read_end(st);
    }
    if (done % READ_RUN != 0)
        vg_store_read_end(st);
    free(line);
    vg_values_free(vals);
    return rc;
}

static int run(struct vg_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"for", required_argument, NULL, 'f'}, {NULL, 0, NULL, 0}};
    const char *forname = NULL;
    struct vg_store *st;
    struct vg_org org;
    struct vg_principal p;
    struct vg_error err;
    vg_token tok[VG_POLICY_TOKENS_MAX];
    size_t ntok;
    int c, i, rc = VG_EXIT_OK;

    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c != 'f')
            return tool_usage(&vg_cmd_lookup, NULL);
        forname = optarg;
    }
    if (optind == argc)
        return tool_usage(&vg_cmd_lookup, "no value to look up");
    if (tool_open(cli, "lookup", &st) != VG_EXIT_OK)
        return VG_EXIT_FAIL;
    vg_error_clear(&err);
    if (tool_org(st, forname, &org, &err) != VG_OK ||
        vg_store_principal(st, org.id, &p, &err) != VG_OK) {
        vg_store_close(st);
        return tool_fail(cli, "lookup", &err);
    }
    ntok = vg_policy_tokens(&p, tok);
    for (i = optind; i < argc && rc == VG_EXIT_OK; i++) {
        if (strcmp(argv[i], "-") == 0) {
            rc = many(cli, st, tok, ntok);
        } else if (one(st, NULL, tok, ntok, argv[i], strlen(argv[i])) != 0) {
            rc = VG_EXIT_FAIL;
        }
    }
    vg_store_close(st);
    return rc;
}

const struct vg_cmd vg_cmd_lookup = {
    .name = "lookup",
    .summary = "what the hub knows about values, as an organisation may see it",
    .usage = "lookup [--for ORG] VALUE... | -",
    .run = run,
};
