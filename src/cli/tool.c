/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tool.c - helpers shared by the verbs: errors, JSON output, organisations,
 * keys and the progress bar.
 */
#include "cli.h"
#include "http/auth.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common/hash.h"
#include "common/vtime.h"

int tool_fail(const struct vg_cli *cli, const char *verb, const struct vg_error *err)
{
    fprintf(stderr, "vigie %s: ", verb);
    if (err->line > 0)
        fprintf(stderr, "line %ld: ", err->line);
    if (err->field[0])
        fprintf(stderr, "%s: ", err->field);
    fprintf(stderr, "%s\n", err->msg[0] ? err->msg : vg_rc_title(err->code));
    if (cli->json) {
        json_t *doc = json_pack("{s:{s:s, s:s, s:s}}", "error", "code", vg_rc_name(err->code),
                                "message", err->msg, "field", err->field);

        tool_print_json(doc);
    }
    return VG_EXIT_FAIL;
}

int tool_usage(const struct vg_cmd *cmd, const char *fmt, ...)
{
    va_list ap;

    if (fmt) {
        fprintf(stderr, "vigie %s: ", cmd->name);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fprintf(stderr, "\n");
    }
    fprintf(stderr, "usage: vigie %s\n", cmd->usage);
    return VG_EXIT_USAGE;
}

int tool_open(const struct vg_cli *cli, const char *verb, struct vg_store **st)
{
    struct vg_error err;

    vg_error_clear(&err);
    if (vg_store_open(cli->hub, 0, st, &err) != VG_OK)
        return tool_fail(cli, verb, &err);
    return VG_EXIT_OK;
}

int tool_print_json(json_t *doc)
{
    int rc;

    if (doc == NULL)
        return VG_EXIT_FAIL;
    rc = json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', stdout);
    json_decref(doc);
    return rc == 0 ? VG_EXIT_OK : VG_EXIT_FAIL;
}

void tool_time(int64_t us, char *out)
{
    vg_time_format_us(us, out);
}

enum vg_rc tool_org(struct vg_store *st, const char *name, struct vg_org *out, struct vg_error *err)
{
    char opname[VG_NAME_MAX];
    enum vg_rc rc;

    if (name)
        return vg_store_org_get(st, name, out, err);
    rc = vg_store_meta_get(st, "operator", opname, sizeof(opname), err);
    if (rc != VG_OK)
        return vg_error_set(err, rc, "org", "the hub has no operator organisation");
    return vg_store_org_get(st, opname, out, err);
}

json_t *tool_org_json(const struct vg_org *org)
{
    char created[VG_TIME_TEXT_MAX];

    tool_time(org->created_us, created);
    return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:s}", "id", (json_int_t)org->id,
                     "name", org->name, "stix_id", org->stix_id, "kind", org->kind, "country",
                     org->country, "sectors", org->sectors, "disabled", org->disabled, "operator",
                     org->is_operator, "created", created);
}

json_t *tool_key_json(const struct vg_key *key)
{
    char created[VG_TIME_TEXT_MAX], expires[VG_TIME_TEXT_MAX];

    tool_time(key->created_us, created);
    if (key->expires_us)
        tool_time(key->expires_us, expires);
    return json_pack("{s:s, s:I, s:o, s:s, s:s?, s:b, s:s}", "id", key->id, "org_id",
                     (json_int_t)key->org_id, "scopes", vg_auth_scopes_json(key->scopes), "created",
                     created, "expires", key->expires_us ? expires : NULL, "revoked", key->revoked,
                     "label", key->label);
}

enum vg_rc tool_scopes(const char *s, unsigned *out)
{
    char buf[128], *tok, *save = NULL;

    if (snprintf(buf, sizeof(buf), "%s", s) >= (int)sizeof(buf))
        return VG_INVALID;
    *out = 0;
    for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (strcmp(tok, "read") == 0)
            *out |= VG_SCOPE_READ;
        else if (strcmp(tok, "write") == 0)
            *out |= VG_SCOPE_WRITE;
        else if (strcmp(tok, "admin") == 0)
            *out |= VG_SCOPE_ADMIN;
        else
            return VG_INVALID;
    }
    return *out ? VG_OK : VG_INVALID;
}

/*
 * A key is an id ("vk_" + 16 hex) and a secret "<id>.<64 hex>" (256 random
 * bits).  The secret names its id so that a bearer token finds its key
 * without a search; only SHA-256 of the secret is stored.
 */
enum vg_rc tool_key_create(struct vg_store *st, int64_t org_id, unsigned scopes, int64_t expires_us,
                           const char *label, struct vg_key *key, char *secret, size_t secret_cap,
                           struct vg_error *err)
{
    uint8_t idb[8], rnd[32], hash[VG_SHA256_LEN];
    char idhex[17], rndhex[65];
    enum vg_rc rc;

    memset(key, 0, sizeof(*key));
    if (vg_random(idb, sizeof(idb)) != VG_OK || vg_random(rnd, sizeof(rnd)) != VG_OK)
        return vg_error_set(err, VG_INTERNAL, NULL, "random number generator failed");
    vg_hex(idb, sizeof(idb), idhex);
    vg_hex(rnd, sizeof(rnd), rndhex);
    snprintf(key->id, sizeof(key->id), "vk_%s", idhex);
    if (snprintf(secret, secret_cap, "%s.%s", key->id, rndhex) >= (int)secret_cap) {
        rc = vg_error_set(err, VG_INTERNAL, NULL, "secret buffer too small");
        goto out;
    }
    vg_sha256(secret, strlen(secret), hash);
    key->org_id = org_id;
    key->scopes = scopes;
    key->created_us = vg_time_now_us();
    key->expires_us = expires_us;
    snprintf(key->label, sizeof(key->label), "%s", label ? label : "");
    rc = vg_store_key_add(st, key, hash, err);
out:
    vg_wipe(rnd, sizeof(rnd));
    vg_wipe(rndhex, sizeof(rndhex));
    if (rc != VG_OK)
        vg_wipe(secret, secret_cap);
    return rc;
}

void tool_progress_start(struct tool_progress *p, const struct vg_cli *cli, long long total_bytes)
{
    p->on = !cli->json && isatty(STDERR_FILENO);
    p->start_us = p->last_us = vg_time_now_us();
    p->total_bytes = total_bytes;
}

void tool_progress_update(struct tool_progress *p, size_t done, long long bytes)
{
    int64_t now;
    double secs, rate;

    if (!p->on || (done & 1023) != 0)
        return;
    now = vg_time_now_us();
    if (now - p->last_us < 200000)
        return;
    p->last_us = now;
    secs = (double)(now - p->start_us) / 1e6;
    rate = secs > 0 ? (double)done / secs : 0;
    if (p->total_bytes > 0 && bytes > 0) {
        double frac = (double)bytes / (double)p->total_bytes;
        double eta = frac > 0 ? secs / frac - secs : 0;
        int width = 30, filled = (int)(frac * width);

        fprintf(stderr, "\r[%.*s%*s] %3.0f%%  %zu objects  %.0f/s  ETA %.0fs ", filled,
                "##############################", width - filled, "", frac * 100, done, rate, eta);
    } else {
        fprintf(stderr, "\r%zu objects  %.0f/s ", done, rate);
    }
}

void tool_progress_end(struct tool_progress *p)
{
    if (p->on)
        fprintf(stderr, "\r%*s\r", 79, "");
}

struct find_collection {
    const char *what; /* id or title */
    struct vg_collection found;
};

static int find_collection_cb(void *ctx, const struct vg_collection *c)
{
    struct find_collection *f = ctx;

    if (strcmp(c->uuid, f->what) != 0 && strcasecmp(c->title, f->what) != 0)
        return 0;
    f->found = *c;
    return 1;
}

enum vg_rc tool_collection(struct vg_store *st, const vg_token *tokens, size_t ntokens,
                           const char *what, struct vg_collection *out, struct vg_error *err)
{
    struct find_collection f = {what, {0}};
    enum vg_rc rc = vg_store_collection_scan(st, tokens, ntokens, tokens ? 0 : VG_COLLECTIONS_ALL,
                                             NULL, find_collection_cb, &f, err);

    if (rc != VG_OK)
        return rc;
    if (f.found.id == 0)
        return vg_error_set(err, VG_NOT_FOUND, "collection", "no collection '%s'", what);
    *out = f.found;
    return VG_OK;
}
