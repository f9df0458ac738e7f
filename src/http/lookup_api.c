/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lookup_api.c - GET /api/v1/lookup?value=V and POST /api/v1/lookup.
 *
 * GET answers one value (src/lookup/lookup.h); a value that is no
 * observable is a 400.  POST takes up to LOOKUP_BATCH_MAX values, one per
 * line of a text body, and streams one JSON answer per line
 * (application/x-ndjson) as it goes: the values are looked up while the
 * answer is being sent, a few hundred at a time, in bounded memory.
 * A value that is no observable gets {"query", "error"} on its line.
 */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/vtime.h"
#include "internal.h"
#include "lookup/lookup.h"
#include "warninglist/warninglist.h"

#define LOOKUP_BATCH_MAX 100000
#define PER_CALL 256
/* Values other processes add (a `vigie import` beside the server) are seen
 * within this; this server's own commits at once. */
#define RESYNC_US 100000

enum vg_rc http_lookup_start(struct server *srv, struct vg_error *err)
{
    struct vg_store *st;
    enum vg_rc rc;
    int64_t t0 = vg_time_now_us();

    if ((rc = vg_values_new(&srv->values, err)) != VG_OK)
        return rc;
    if ((rc = vg_store_open(srv->opts->hub, 0, &st, err)) != VG_OK)
        return rc;
    rc = vg_values_sync(srv->values, st, err);
    vg_store_close(st);
    if (rc != VG_OK)
        return rc;
    atomic_store(&srv->values_synced_us, vg_time_now_us());
    vg_log(VG_LOG_INFO, "values", "values=%zu bytes=%zu ms=%lld", vg_values_count(srv->values),
           vg_values_bytes(srv->values), (long long)((vg_time_now_us() - t0) / 1000));
    return VG_OK;
}

void http_lookup_free(struct server *srv)
{
    vg_values_free(srv->values);
    srv->values = NULL;
}

/* The value set, caught up with this server's commits and, every RESYNC_US
 * (at once when fresh), with other writers'; NULL (look-ups ask the store
 * about every candidate) if it cannot be. */
static const struct vg_values *values(struct server *srv, struct vg_store *st, int fresh)
{
    /* the counter is read before the sync's snapshot is taken: a commit
     * after this point is either in the sync or counted for the next one */
    unsigned long long commits = atomic_load(&srv->commits);
    int64_t now = vg_time_now_us();
    struct vg_error err;

    int own = commits != atomic_load(&srv->values_commits);
    enum vg_rc rc;

    if (!own && !fresh && now - atomic_load(&srv->values_synced_us) < RESYNC_US)
        return srv->values;
    vg_error_clear(&err);
    /* This server's own commits are waited for (an object acknowledged is in
     * the next look-up), and so is everything when fresh; the periodic
     * catch-up with other writers is not: a big import beside the server
     * must not stall every look-up. */
    rc = own || fresh ? vg_values_sync(srv->values, st, &err)
                      : vg_values_try_sync(srv->values, st, &err);
    if (rc == VG_CONFLICT)
        return srv->values;
    if (rc != VG_OK) {
        vg_log(VG_LOG_WARN, "values", "sync failed: %s", err.msg);
        return NULL;
    }
    atomic_store(&srv->values_commits, commits);
    atomic_store(&srv->values_synced_us, now);
    return srv->values;
}

struct batch {
    struct server *srv;
    vg_token tok[VG_POLICY_TOKENS_MAX];
    size_t ntok;
    int64_t org;        /* the requester's organisation */
    int is_operator;    /* ... is the hub's operator */
    struct vg_buf body; /* the values, owned */
    size_t at;          /* next byte of body to read */
    struct vg_buf out;
    size_t sent;
};

/* The look-up's options: the server's half-lives and its value set, synced
 * (before the snapshot the look-ups run in: see get_one). */
static struct vg_lookup_opts lookup_opts(struct server *srv, struct vg_store *st, int fresh)
{
    struct vg_lookup_opts o;

    memset(&o, 0, sizeof(o));
    memcpy(o.half_life_days, srv->opts->lookup_half_life_days, sizeof(o.half_life_days));
    o.values = values(srv, st, fresh);
    return o;
}

enum vg_rc http_lookup_begin(struct server *srv, struct vg_store *st, int fresh,
                             struct vg_lookup_opts *opts, struct vg_wl_set **wl,
                             struct vg_error *err)
{
    enum vg_rc rc;

    *wl = NULL;
    *opts = lookup_opts(srv, st, fresh);
    if ((rc = vg_store_read_begin(st, err)) != VG_OK)
        return rc;
    if ((rc = vg_wl_acquire(st, wl, err)) != VG_OK) {
        vg_store_read_end(st);
        return rc;
    }
    opts->warninglists = *wl;
    opts->warninglists_acquired = 1;
    return VG_OK;
}

void http_lookup_end(struct vg_store *st, struct vg_wl_set *wl)
{
    vg_wl_release(wl);
    vg_store_read_end(st);
}

/* One answer line for v[0..len). */
static int answer_line(struct vg_store *st, const struct vg_lookup_opts *opts, const vg_token *tok,
                       size_t ntok, const char *v, size_t len, struct vg_buf *out)
{
    struct vg_error err;
    json_t *doc;
    char *text;
    int rc;

    vg_error_clear(&err);
    if (vg_lookup_line(st, opts, tok, ntok, v, len, out, &err) == VG_OK)
        return 0;
    if (err.code != VG_INVALID && err.code != VG_LIMIT)
        return -1;
    doc = json_pack("{s:s%, s:s}", "query", v, len, "error", err.msg);
    if (doc == NULL) /* not UTF-8: the query cannot be echoed */
        doc = json_pack("{s:n, s:s}", "query", "error", err.msg);
    text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    if (text == NULL)
        return -1;
    rc = vg_buf_puts(out, text) == VG_OK && vg_buf_putc(out, '\n') == VG_OK ? 0 : -1;
    free(text);
    return rc;
}

static ssize_t batch_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct batch *b = cls;
    struct vg_store *st;
    struct vg_lookup_opts opts;
    struct vg_wl_set *wl = NULL;
    struct vg_error err;
    int k;

    (void)pos;
    if (b->sent == b->out.len) {
        b->out.len = b->sent = 0;
        if (b->at >= b->body.len)
            return MHD_CONTENT_READER_END_OF_STREAM;
        vg_error_clear(&err);
        if ((st = http_worker_store(b->srv, &err)) == NULL)
            return MHD_CONTENT_READER_END_WITH_ERROR;
        if (http_lookup_begin(b->srv, st, 0, &opts, &wl, &err) != VG_OK)
            return MHD_CONTENT_READER_END_WITH_ERROR;
        opts.requester_org = b->org;
        opts.requester_is_operator = b->is_operator;
        for (k = 0; k < PER_CALL && b->at < b->body.len;) {
            const char *v = b->body.data + b->at;
            const char *nl = memchr(v, '\n', b->body.len - b->at);
            size_t len = nl ? (size_t)(nl - v) : b->body.len - b->at;

            b->at += len + 1;
            if (len && v[len - 1] == '\r')
                len--;
            if (len == 0)
                continue;
            if (answer_line(st, &opts, b->tok, b->ntok, v, len, &b->out) != 0) {
                http_lookup_end(st, wl);
                return MHD_CONTENT_READER_END_WITH_ERROR;
            }
            k++;
        }
        http_lookup_end(st, wl);
    }
    if (max > b->out.len - b->sent)
        max = b->out.len - b->sent;
    memcpy(buf, b->out.data + b->sent, max);
    b->sent += max;
    return (ssize_t)max;
}

static void batch_free(void *cls)
{
    struct batch *b = cls;

    vg_buf_cleanup(&b->body);
    vg_buf_cleanup(&b->out);
    free(b);
}

/* GET ?value=V: the key, the value set and the look-up in one snapshot. */
static enum MHD_Result get_one(struct server *srv, struct vg_store *st, struct MHD_Connection *conn,
                               struct request *rq)
{
    const char *v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "value");
    vg_token tok[VG_POLICY_TOKENS_MAX];
    struct vg_auth who;
    struct vg_error err;
    json_t *doc = NULL;
    enum vg_rc rc;

    /* synced before the snapshot is taken, so that the snapshot holds at
     * least what the set does */
    struct vg_lookup_opts opts = lookup_opts(srv, st, 0);

    vg_error_clear(&err);
    if (vg_store_read_begin(st, &err) != VG_OK)
        return http_send_error(conn, rq, &err);
    if ((rc = http_authenticate(st, conn, VG_SCOPE_READ, &who, &err)) == VG_OK && v == NULL)
        rc = vg_error_set(&err, VG_INVALID, "value", "give the value to look up: ?value=...");
    if (rc == VG_OK) {
        opts.requester_org = who.org.id;
        opts.requester_is_operator = who.org.is_operator;
        rc = vg_lookup(st, &opts, tok, vg_policy_tokens(&who.principal, tok), v, strlen(v), &doc,
                       &err);
    }
    vg_store_read_end(st);
    if (rc != VG_OK)
        return http_send_error(conn, rq, &err);
    return http_send_json(conn, rq, MHD_HTTP_OK, doc, NULL);
}

enum MHD_Result http_lookup(struct server *srv, struct MHD_Connection *conn, struct request *rq,
                            const char *method)
{
    struct vg_error err;
    struct vg_store *st;
    struct vg_auth who;
    vg_token tok[VG_POLICY_TOKENS_MAX];
    size_t ntok, i, lines = 0;
    struct MHD_Response *resp;
    struct batch *b;
    enum MHD_Result r;

    vg_error_clear(&err);
    if ((st = http_worker_store(srv, &err)) == NULL)
        return http_send_error(conn, rq, &err);
    if (strcmp(method, "GET") == 0)
        return get_one(srv, st, conn, rq);
    if (http_authenticate(st, conn, VG_SCOPE_READ, &who, &err) != VG_OK)
        return http_send_error(conn, rq, &err);
    ntok = vg_policy_tokens(&who.principal, tok);
    if (strcmp(method, "POST") != 0) {
        vg_error_set(&err, VG_INVALID, NULL, "%s is not allowed here", method);
        return http_send_error(conn, rq, &err);
    }
    if (rq->too_large) {
        vg_error_set(&err, VG_LIMIT, NULL, "the body exceeds max_content_length");
        return http_send_error(conn, rq, &err);
    }
    for (i = 0; i < rq->body.len; i++)
        lines += rq->body.data[i] == '\n';
    if (rq->body.len && rq->body.data[rq->body.len - 1] != '\n')
        lines++; /* a last line without its line break */
    if (lines > LOOKUP_BATCH_MAX) {
        vg_error_set(&err, VG_LIMIT, NULL, "at most %d values per request", LOOKUP_BATCH_MAX);
        return http_send_error(conn, rq, &err);
    }
    if ((b = calloc(1, sizeof(*b))) == NULL)
        return MHD_NO;
    b->srv = srv;
    memcpy(b->tok, tok, sizeof(tok));
    b->ntok = ntok;
    b->org = who.org.id;
    b->is_operator = who.org.is_operator;
    b->body = rq->body; /* the values move into the answer's state */
    vg_buf_init(&rq->body, 0);
    vg_buf_init(&b->out, 0);
    resp =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024, batch_reader, b, batch_free);
    if (resp == NULL) {
        batch_free(b);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/x-ndjson");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    rq->status = MHD_HTTP_OK;
    r = MHD_queue_response(conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    return r;
}
