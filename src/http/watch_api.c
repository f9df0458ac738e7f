/* SPDX-License-Identifier: Apache-2.0 */
/*
 * watch_api.c - an organisation's own watch list and notifications over
 * REST (docs/watch.md):
 *
 *   GET    /api/v1/watch                 read   the key's organisation's entries
 *   POST   /api/v1/watch                 write  {"kind", "value"}: 201 and the entry
 *   DELETE /api/v1/watch/ID              write  its own entry; any other id is 404
 *   GET    /api/v1/notifications         read   ?after=N&limit=N, as the policy lets it see
 *
 * Every query is bound to the authenticated organisation: another's entry
 * or notification answers exactly as one that never existed.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"
#include "watch/lists.h"
#include "watch/render.h"
#include "watch/watch.h"

#define NOTIFY_PAGE_MAX 1000

static int entry_cb(void *ctx, const struct vg_watch_row *w)
{
    return json_array_append_new(ctx, vg_watch_entry_json(w)) != 0;
}

struct notes {
    struct vg_store *st;
    json_t *arr;
    int64_t last;
};

static int note_cb(void *ctx, const struct vg_notify_row *n)
{
    struct notes *x = ctx;
    json_t *doc = vg_watch_notification_json(x->st, n, 1);

    x->last = n->seq;
    return doc == NULL || json_array_append_new(x->arr, doc) != 0;
}

/* A non-negative decimal query argument, or dflt when absent; -1 if bad. */
static long long arg_number(struct MHD_Connection *conn, const char *name, long long dflt,
                            long long max)
{
    const char *v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, name);
    char *end;
    long long n;

    if (v == NULL)
        return dflt;
    n = strtoll(v, &end, 10);
    if (*v == '\0' || *end != '\0' || n < 0 || n > max || v[0] == '-' || v[0] == '+')
        return -1;
    return n;
}

static enum MHD_Result notifications(struct server *srv, struct MHD_Connection *conn,
                                     struct request *rq, struct vg_store *st,
                                     const struct vg_auth *who)
{
    vg_token tokens[VG_POLICY_TOKENS_MAX];
    struct vg_notify_filter f;
    struct vg_error err;
    struct notes x;
    long long after = arg_number(conn, "after", 0, INT64_MAX / 2);
    long long limit = arg_number(conn, "limit", 100, NOTIFY_PAGE_MAX);

    (void)srv;
    vg_error_clear(&err);
    if (after < 0 || limit <= 0) {
        vg_error_set(&err, VG_INVALID, after < 0 ? "after" : "limit",
                     "after is a notification number, limit 1 to %d", NOTIFY_PAGE_MAX);
        return http_send_error(conn, rq, &err);
    }
    memset(&f, 0, sizeof(f));
    f.org_id = who->org.id;
    f.tokens = tokens;
    f.ntokens = vg_policy_tokens(&who->principal, tokens);
    f.after_seq = after;
    f.limit = (size_t)limit;
    x.st = st;
    x.last = after;
    if ((x.arr = json_array()) == NULL)
        return MHD_NO;
    if (vg_store_notify_scan(st, &f, note_cb, &x, &err) != VG_OK) {
        json_decref(x.arr);
        return http_send_error(conn, rq, &err);
    }
    return http_send_json(
        conn, rq, MHD_HTTP_OK,
        json_pack("{s:o, s:I}", "notifications", x.arr, "next", (json_int_t)x.last), NULL);
}

static enum MHD_Result add(struct MHD_Connection *conn, struct request *rq, struct vg_store *st,
                           const struct vg_auth *who)
{
    json_error_t jerr;
    json_t *doc, *kind, *value;
    struct vg_watch_row w;
    struct vg_error err;
    char buf[VG_WATCH_VALUE_MAX];
    enum vg_watch_kind k;
    enum MHD_Result r;

    vg_error_clear(&err);
    if (rq->too_large) {
        vg_error_set(&err, VG_LIMIT, NULL, "the body exceeds max_content_length");
        return http_send_error(conn, rq, &err);
    }
    doc =
        json_loadb(rq->body.data ? rq->body.data : "", rq->body.len, JSON_REJECT_DUPLICATES, &jerr);
    kind = json_object_get(doc, "kind");
    value = json_object_get(doc, "value");
    if (!json_is_object(doc) || json_object_size(doc) != 2 || !json_is_string(kind) ||
        !json_is_string(value)) {
        json_decref(doc);
        vg_error_set(&err, VG_INVALID, NULL,
                     "the body is {\"kind\": \"network|domain|brand\", \"value\": \"...\"}");
        return http_send_error(conn, rq, &err);
    }
    if ((k = vg_watch_kind_from_name(json_string_value(kind))) == VG_WATCH_NONE) {
        json_decref(doc);
        vg_error_set(&err, VG_INVALID, "kind", "kind is network, domain or brand");
        return http_send_error(conn, rq, &err);
    }
    if (vg_watch_add(st, who->org.id, k, json_string_value(value), json_string_length(value), &w,
                     buf, &err) != VG_OK) {
        json_decref(doc);
        return http_send_error(conn, rq, &err);
    }
    json_decref(doc);
    r = http_send_json(conn, rq, MHD_HTTP_CREATED, vg_watch_entry_json(&w), NULL);
    return r;
}

enum MHD_Result http_watch(struct server *srv, struct MHD_Connection *conn, struct request *rq,
                           const char *url, const char *method)
{
    struct vg_error err;
    struct vg_store *st;
    struct vg_auth who;
    int get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    int is_notes = strcmp(url, "/api/v1/notifications") == 0;
    const char *id = NULL;
    unsigned scope;

    vg_error_clear(&err);
    if (strncmp(url, "/api/v1/watch/", 14) == 0 && url[14] != '\0')
        id = url + 14;
    if ((is_notes && !get) || (!is_notes && id == NULL && !get && strcmp(method, "POST") != 0) ||
        (id && strcmp(method, "DELETE") != 0)) {
        vg_error_set(&err, VG_INVALID, NULL, "%s is not allowed here", method);
        return http_send_error(conn, rq, &err);
    }
    scope = get ? VG_SCOPE_READ : VG_SCOPE_WRITE;
    if ((st = http_worker_store(srv, &err)) == NULL ||
        http_authenticate(st, conn, scope, &who, &err) != VG_OK)
        return http_send_error(conn, rq, &err);
    if (is_notes)
        return notifications(srv, conn, rq, st, &who);
    if (id) {
        if (vg_store_watch_remove(st, who.org.id, id, &err) != VG_OK)
            return http_send_error(conn, rq, &err);
        return http_send_json(conn, rq, MHD_HTTP_OK,
                              json_pack("{s:s, s:b}", "id", id, "removed", 1), NULL);
    }
    if (!get)
        return add(conn, rq, st, &who);
    {
        json_t *arr = json_array();

        if (arr == NULL)
            return MHD_NO;
        if (vg_store_watch_scan(st, who.org.id, entry_cb, arr, &err) != VG_OK) {
            json_decref(arr);
            return http_send_error(conn, rq, &err);
        }
        return http_send_json(conn, rq, MHD_HTTP_OK, json_pack("{s:o}", "watch", arr), NULL);
    }
}
