/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ledger_api.c - the evidence ledger over HTTP (docs/ledger.md), and the
 * thread that signs checkpoints while the server runs.
 *
 *   GET /api/v1/ledger/checkpoint              the latest signed checkpoint
 *       (text/plain, the C2SP note; the thread below keeps it fresh).
 *   GET /api/v1/ledger/inclusion?id=ID[&version=MODIFIED]   the evidence
 *       bundle of that version (object, leaf, proof, checkpoint, public
 *       key): the same bytes as `vigie evidence` writes, so a partner can
 *       keep the answer and `vigie verify` it offline.  An object the key's
 *       organisation may not see is the 404 of one that does not exist.
 *   GET /api/v1/ledger/consistency?from=N&to=M   the RFC 9162 proof that
 *       the tree of N entries is a prefix of the tree of M.
 *
 * All need a key with the read scope.  The checkpoint thread wakes every
 * second and signs one when the tree grew by `checkpoint_leaves` entries or
 * `checkpoint_s` seconds went by with some growth; it has its own store
 * handle.
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/vtime.h"
#include "evidence/evidence.h"
#include "ledger/merkle.h"
#include "ledger/note.h"

static enum MHD_Result send_text(struct MHD_Connection *conn, struct request *rq, const char *type,
                                 const char *text, size_t len)
{
    struct MHD_Response *resp;
    enum MHD_Result r;

    resp = MHD_create_response_from_buffer(len, (void *)text, MHD_RESPMEM_MUST_COPY);
    if (resp == NULL)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    rq->status = MHD_HTTP_OK;
    r = MHD_queue_response(conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    return r;
}

/* A decimal without sign or leading zero, below 2^63. */
static int parse_size(const char *s, uint64_t *out)
{
    uint64_t v = 0;

    if (s == NULL || *s == '\0' || (s[0] == '0' && s[1] != '\0') || strlen(s) > 18)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = v;
    return 0;
}

static enum MHD_Result consistency(struct server *srv, struct vg_store *st,
                                   struct MHD_Connection *conn, struct request *rq)
{
    uint8_t proof[VG_MERKLE_MAX_PROOF][32];
    size_t nproof = 0, i;
    uint64_t from, to;
    struct vg_error err;
    struct vg_buf b;
    json_t *arr;

    vg_error_clear(&err);
    if (parse_size(MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "from"), &from) != 0 ||
        parse_size(MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "to"), &to) != 0 ||
        from == 0 || from > to) {
        vg_error_set(&err, VG_INVALID, "from",
                     "from and to are tree sizes, 0 < from <= to (decimal, no sign)");
        return http_send_error(conn, rq, &err);
    }
    if (vg_store_ledger_consistency(st, from, to, proof, &nproof, &err) != VG_OK)
        return http_send_error(conn, rq, &err);
    arr = json_array();
    vg_buf_init(&b, 0);
    for (i = 0; i < nproof; i++) {
        vg_buf_reset(&b);
        vg_base64_append(&b, proof[i], 32);
        json_array_append_new(arr, json_string(b.data ? b.data : ""));
    }
    vg_buf_cleanup(&b);
    (void)srv;
    return http_send_json(
        conn, rq, MHD_HTTP_OK,
        json_pack("{s:I, s:I, s:o}", "from", (json_int_t)from, "to", (json_int_t)to, "proof", arr),
        NULL);
}

enum MHD_Result http_ledger(struct server *srv, struct MHD_Connection *conn, struct request *rq,
                            const char *url, const char *method)
{
    const char *route = url + strlen("/api/v1/ledger/");
    vg_token tok[VG_POLICY_TOKENS_MAX];
    struct vg_error err;
    struct vg_store *st;
    struct vg_auth who;
    enum MHD_Result r;

    vg_error_clear(&err);
    if ((st = http_worker_store(srv, &err)) == NULL ||
        http_authenticate(st, conn, VG_SCOPE_READ, &who, &err) != VG_OK)
        return http_send_error(conn, rq, &err);
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        vg_error_set(&err, VG_INVALID, NULL, "%s is not allowed here", method);
        return http_send_error(conn, rq, &err);
    }
    if (strcmp(route, "checkpoint") == 0) {
        char *note = NULL;

        if (vg_evidence_checkpoint(st, srv->opts->hub, 1, &note, &err) != VG_OK)
            return http_send_error(conn, rq, &err);
        r = send_text(conn, rq, "text/plain; charset=utf-8", note, strlen(note));
        free(note);
        return r;
    }
    if (strcmp(route, "inclusion") == 0) {
        const char *id = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "id");
        const char *v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "version");
        int64_t modified = -1;
        struct vg_buf b;

        if (id == NULL || *id == '\0') {
            vg_error_set(&err, VG_INVALID, "id", "id=STIX-ID is required");
            return http_send_error(conn, rq, &err);
        }
        if (v && vg_time_parse(v, strlen(v), &modified) != VG_OK) {
            vg_error_set(&err, VG_INVALID, "version", "version is a STIX timestamp");
            return http_send_error(conn, rq, &err);
        }
        vg_buf_init(&b, 0);
        if (vg_evidence_bundle(st, srv->opts->hub, id, modified, tok,
                               vg_policy_tokens(&who.principal, tok), &b, &err) != VG_OK) {
            vg_buf_cleanup(&b);
            if (err.code == VG_NOT_FOUND) /* one answer, whatever the reason */
                vg_error_set(&err, VG_NOT_FOUND, "id", "no such object");
            return http_send_error(conn, rq, &err);
        }
        r = send_text(conn, rq, "application/json", b.data, b.len);
        vg_buf_cleanup(&b);
        return r;
    }
    if (strcmp(route, "consistency") == 0)
        return consistency(srv, st, conn, rq);
    vg_error_set(&err, VG_NOT_FOUND, NULL, "no such resource");
    return http_send_error(conn, rq, &err);
}

/* ---- the checkpoint thread ---------------------------------------------------------------- */

struct ticker {
    const struct vg_server_opts *opts;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop, started;
};

static int latest_size(void *ctx, const struct vg_checkpoint_row *c)
{
    *(uint64_t *)ctx = c->size;
    return 0;
}

static void *tick(void *arg)
{
    struct ticker *t = arg;
    unsigned every_s = t->opts->checkpoint_s ? t->opts->checkpoint_s : 60;
    uint64_t every_n = t->opts->checkpoint_leaves ? t->opts->checkpoint_leaves : 10000;
    struct vg_store *st = NULL;
    struct vg_error err;
    int64_t last_us = vg_time_now_us();

    for (;;) {
        struct timespec ts;
        uint64_t size = 0, signed_size = 0;
        uint8_t root[32];
        int stop;

        vg_time_deadline(1000000, &ts);
        pthread_mutex_lock(&t->mu);
        while (!t->stop && pthread_cond_timedwait(&t->cv, &t->mu, &ts) != ETIMEDOUT)
            ;
        stop = t->stop;
        pthread_mutex_unlock(&t->mu);
        if (stop)
            break;
        vg_error_clear(&err);
        if (st == NULL && vg_store_open(t->opts->hub, 0, &st, &err) != VG_OK) {
            st = NULL;
            continue;
        }
        if (vg_store_ledger_head(st, &size, root, &err) != VG_OK ||
            vg_store_checkpoint_scan(st, 1, latest_size, &signed_size, &err) != VG_OK ||
            size <= signed_size)
            continue;
        if (size - signed_size < every_n && vg_time_now_us() - last_us < (int64_t)every_s * 1000000)
            continue;
        if (vg_evidence_checkpoint(st, t->opts->hub, VG_EVIDENCE_HEAD, NULL, &err) != VG_OK)
            vg_log(VG_LOG_ERROR, "checkpoint", "not signed: %s", err.msg);
        last_us = vg_time_now_us();
    }
    vg_store_close(st);
    return NULL;
}

void *http_ledger_start(const struct vg_server_opts *opts)
{
    struct ticker *t = calloc(1, sizeof(*t));

    if (t == NULL)
        return NULL;
    t->opts = opts;
    pthread_mutex_init(&t->mu, NULL);
    pthread_cond_init(&t->cv, NULL);
    t->started = pthread_create(&t->th, NULL, tick, t) == 0;
    return t;
}

void http_ledger_stop(void *ticker)
{
    struct ticker *t = ticker;

    if (t == NULL)
        return;
    pthread_mutex_lock(&t->mu);
    t->stop = 1;
    pthread_cond_signal(&t->cv);
    pthread_mutex_unlock(&t->mu);
    if (t->started)
        pthread_join(t->th, NULL);
    pthread_cond_destroy(&t->cv);
    pthread_mutex_destroy(&t->mu);
    free(t);
}
