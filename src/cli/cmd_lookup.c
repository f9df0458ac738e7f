/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_lookup.c - `vigie lookup VALUE...`: what the hub knows about each
 * value, as one organisation (--for, default the operator) may see it; one
 * JSON answer per line (docs/lookup.md).  Values may also come on standard
 * input, one per line, with `-`.  With --server URL the same answers come
 * from a running hub's POST /api/v1/lookup, as the key's organisation may
 * see them.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "cli.h"
#include "common/buf.h"
#include "lookup/lookup.h"
#include "policy/policy.h"

static int one(struct vg_store *st, const struct vg_lookup_opts *opts, const vg_token *tok,
               size_t ntok, const char *v, size_t len)
{
    struct vg_error err;
    json_t *doc = NULL;
    char *text;

    vg_error_clear(&err);
    if (vg_lookup(st, opts, tok, ntok, v, len, &doc, &err) != VG_OK) {
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
static int many(struct vg_cli *cli, struct vg_store *st, const struct vg_lookup_opts *base,
                const vg_token *tok, size_t ntok)
{
    struct vg_lookup_opts opts = *base;
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
        opts.values = vals;
        if (n > 0 && one(st, &opts, tok, ntok, line, (size_t)n) != 0)
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

/* The server's answer goes to standard output as it comes; an error's body
 * (a TAXII-style error document) is kept for the message. */
struct remote {
    CURL *curl;
    long status;
    struct vg_buf err;
};

static size_t on_answer(char *p, size_t size, size_t n, void *arg)
{
    struct remote *r = arg;

    if (r->status == 0) /* first bytes: the status is known by now */
        curl_easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, &r->status);
    if (r->status == 200)
        return fwrite(p, size, n, stdout) == n ? size * n : 0;
    return vg_buf_append(&r->err, p, size * n) == VG_OK ? size * n : 0;
}

static int over_http(const char *server, const char *key, const char *cacert, int argc, char **argv)
{
    struct vg_buf body, url, auth;
    struct remote r = {0};
    struct curl_slist *h = NULL;
    CURL *curl;
    CURLcode cc;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int i, rc = VG_EXIT_FAIL;

    vg_buf_init(&body, 0);
    vg_buf_init(&url, 0);
    vg_buf_init(&auth, 0);
    vg_buf_init(&r.err, 4096);
    for (i = 0; i < argc; i++) {
        if (strcmp(argv[i], "-") != 0) {
            vg_buf_puts(&body, argv[i]);
            vg_buf_putc(&body, '\n');
            continue;
        }
        while ((n = getline(&line, &cap, stdin)) > 0)
            vg_buf_append(&body, line, (size_t)n);
        if (body.len && body.data[body.len - 1] != '\n')
            vg_buf_putc(&body, '\n');
    }
    free(line);
    n = (ssize_t)strlen(server);
    vg_buf_printf(&url, "%.*s/api/v1/lookup", (int)(n && server[n - 1] == '/' ? n - 1 : n), server);
    vg_buf_printf(&auth, "Authorization: Bearer %s", key);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 || (curl = curl_easy_init()) == NULL) {
        fprintf(stderr, "vigie lookup: cannot start the HTTP client\n");
        goto out;
    }
    r.curl = curl;
    h = curl_slist_append(h, auth.data);
    h = curl_slist_append(h, "Content-Type: text/plain");
    curl_easy_setopt(curl, CURLOPT_URL, url.data);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data ? body.data : "");
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body.len);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_answer);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &r);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    if (cacert)
        curl_easy_setopt(curl, CURLOPT_CAINFO, cacert);
    cc = curl_easy_perform(curl);
    if (r.status == 0)
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r.status);
    if (cc != CURLE_OK && r.status != 200) {
        fprintf(stderr, "vigie lookup: %s: %s\n", server, curl_easy_strerror(cc));
    } else if (r.status != 200) {
        json_t *doc = json_loadb(r.err.data ? r.err.data : "", r.err.len, 0, NULL);
        const char *why = json_string_value(json_object_get(doc, "description"));

        fprintf(stderr, "vigie lookup: %s answered %ld: %s\n", server, r.status,
                why ? why : "no description");
        json_decref(doc);
    } else if (cc != CURLE_OK) {
        fprintf(stderr, "vigie lookup: the answer was cut: %s\n", curl_easy_strerror(cc));
    } else {
        rc = VG_EXIT_OK;
    }
    curl_slist_free_all(h);
    curl_easy_cleanup(curl);
    curl_global_cleanup();
out:
    vg_buf_cleanup(&body);
    vg_buf_cleanup(&url);
    vg_buf_cleanup(&auth);
    vg_buf_cleanup(&r.err);
    return rc;
}

/* --half-life KIND=DAYS: the score's decay for one kind of value. */
static int half_life(const char *arg, struct vg_lookup_opts *lo)
{
    const char *eq = strchr(arg, '=');
    char kind[32], *end;
    double days;
    int k;

    if (eq == NULL || (size_t)(eq - arg) >= sizeof(kind))
        return -1;
    memcpy(kind, arg, (size_t)(eq - arg));
    kind[eq - arg] = '\0';
    days = strtod(eq + 1, &end);
    if (*end != '\0' || !(days > 0 && days <= 36500))
        return -1;
    for (k = 1; k < VG_OBS_KIND_COUNT; k++)
        if (strcmp(vg_obs_kind_name((enum vg_obs_kind)k), kind) == 0) {
            lo->half_life_days[k] = days;
            return 0;
        }
    return -1;
}

static int run(struct vg_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"for", required_argument, NULL, 'f'},       {"server", required_argument, NULL, 's'},
        {"key", required_argument, NULL, 'k'},       {"cacert", required_argument, NULL, 'C'},
        {"half-life", required_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    struct vg_lookup_opts lo = {0};
    struct vg_values *vals = NULL;
    const char *forname = NULL, *server = NULL, *key = getenv("VIGIE_KEY"), *cacert = NULL;
    struct vg_store *st;
    struct vg_org org;
    struct vg_principal p;
    struct vg_error err;
    vg_token tok[VG_POLICY_TOKENS_MAX];
    size_t ntok;
    int c, i, rc = VG_EXIT_OK;

    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'f')
            forname = optarg;
        else if (c == 's')
            server = optarg;
        else if (c == 'k')
            key = optarg;
        else if (c == 'C')
            cacert = optarg;
        else if (c == 'h') {
            if (half_life(optarg, &lo) != 0)
                return tool_usage(&vg_cmd_lookup, "--half-life wants KIND=DAYS (e.g. ipv4=7)");
        } else
            return tool_usage(&vg_cmd_lookup, NULL);
    }
    if (optind == argc)
        return tool_usage(&vg_cmd_lookup, "no value to look up");
    if (server) {
        if (forname)
            return tool_usage(&vg_cmd_lookup, "--for applies to a hub directory; a server "
                                              "answers as the key's organisation");
        if (key == NULL || *key == '\0')
            return tool_usage(&vg_cmd_lookup, "no key: set VIGIE_KEY (or --key)");
        return over_http(server, key, cacert, argc - optind, argv + optind);
    }
    if (tool_open(cli, "lookup", &st) != VG_EXIT_OK)
        return VG_EXIT_FAIL;
    vg_error_clear(&err);
    if (tool_org(st, forname, &org, &err) != VG_OK ||
        vg_store_principal(st, org.id, &p, &err) != VG_OK) {
        vg_store_close(st);
        return tool_fail(cli, "lookup", &err);
    }
    lo.requester_org = org.id;
    lo.requester_is_operator = org.is_operator;
    ntok = vg_policy_tokens(&p, tok);
    for (i = optind; i < argc && rc == VG_EXIT_OK; i++) {
        if (strcmp(argv[i], "-") == 0) {
            rc = many(cli, st, &lo, tok, ntok);
            continue;
        }
        /* a range lists what it holds through the value set */
        if (strchr(argv[i], '/') && vals == NULL &&
            (vg_values_new(&vals, &err) != VG_OK || vg_values_sync(vals, st, &err) != VG_OK)) {
            rc = tool_fail(cli, "lookup", &err);
            break;
        }
        lo.values = vals;
        if (one(st, &lo, tok, ntok, argv[i], strlen(argv[i])) != 0)
            rc = VG_EXIT_FAIL;
    }
    vg_values_free(vals);
    vg_store_close(st);
    return rc;
}

const struct vg_cmd vg_cmd_lookup = {
    .name = "lookup",
    .summary = "what the hub knows about values, as an organisation may see it",
    .usage =
        "lookup [--for ORG] [--half-life KIND=DAYS]... VALUE... | -\n"
        "       lookup --server URL [--cacert FILE] VALUE... | -   (key in $VIGIE_KEY or --key)",
    .run = run,
};
