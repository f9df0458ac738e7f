/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lookup_api.c - GET /api/v1/lookup?value=V and POST /api/v1/lookup.
 *
 * GET answers one value (src/lookup/lookup.h); a value that is no
 * observable is a 400.  POST takes up to LOOKUP_BATCH_MAX values, one per
 * line of a text body, and streams one JSON answer per line
 * (application/x-ndjson) as it goes, in the order of the values.  A value
 * that is no observable gets {"query", "error"} on its line.
 *
 * A batch is cut into slices of SLICE lines, each answered in its own read
 * snapshot (with the value set caught up and the warning lists acquired
 * once per slice).  The slices are answered by the connection's worker
 * (in libmicrohttpd's content reader) and, at the same time, by a small
 * pool of helper threads started with the server, each with its own store
 * handle: whichever thread is free takes the next slice.  At most WINDOW
 * slices are answered ahead of the one being sent, so memory stays bounded
 * whatever the client's pace; the reader sends the slices in order, and
 * answers a slice itself rather than wait when one is left to take.  One
 * mutex and one condition variable guard every batch's slices; they are
 * taken once per slice, not per value.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/vtime.h"
#include "internal.h"
#include "lookup/lookup.h"
#include "warninglist/warninglist.h"

#define LOOKUP_BATCH_MAX 100000
#define SLICE 256      /* lines of a batch answered in one snapshot */
#define WINDOW 8       /* slices answered ahead of the one being sent */
#define HELPERS_MAX 15 /* helper threads (one fewer than the CPUs) */
/* Values other processes add (a `vigie import` beside the server) are seen
 * within this; this server's own commits at once. */
#define RESYNC_US 100000

struct batch;

/* The helper threads and the batches they may help with. */
struct pool {
    struct server *srv;
    pthread_mutex_t mu; /* guards this and every batch's slices */
    pthread_cond_t cv;  /* a slice taken, answered or sent; a batch added */
    struct batch *batches;
    int stop;
    size_t nthreads;
    pthread_t threads[HELPERS_MAX];
};

static void *helper_main(void *arg);

/* The helpers: one fewer than the CPUs, at least one.  A helper that
 * cannot start leaves more of the work to the workers, nothing else. */
static void pool_start(struct server *srv)
{
    struct pool *p = calloc(1, sizeof(*p));
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    size_t want = cpus > 2 ? (size_t)cpus - 1 : 1, i;

    if (p == NULL)
        return;
    if (want > HELPERS_MAX)
        want = HELPERS_MAX;
    p->srv = srv;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    for (i = 0; i < want; i++)
        if (pthread_create(&p->threads[p->nthreads], NULL, helper_main, p) == 0)
            p->nthreads++;
    srv->lookup_pool = p;
}

/* After the daemon has stopped: no batch is left. */
static void pool_stop(struct server *srv)
{
    struct pool *p = srv->lookup_pool;
    size_t i;

    if (p == NULL)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (i = 0; i < p->nthreads; i++)
        pthread_join(p->threads[i], NULL);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p);
    srv->lookup_pool = NULL;
}

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
    pool_start(srv);
    return VG_OK;
}

void http_lookup_free(struct server *srv)
{
    pool_stop(srv);
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

enum slice_state { SLICE_FREE, SLICE_TAKEN, SLICE_DONE, SLICE_FAILED };

struct slice {
    enum slice_state state;
    struct vg_buf out; /* its answer lines */
};

struct batch {
    struct server *srv;
    struct pool *pool;
    vg_token tok[VG_POLICY_TOKENS_MAX];
    size_t ntok;
    int64_t org;        /* the requester's organisation */
    int is_operator;    /* ... is the hub's operator */
    struct vg_buf body; /* the values, owned */
    size_t *starts;     /* slice i: body bytes [starts[i], starts[i + 1]) */
    size_t nslices;
    /* under pool->mu: */
    size_t next_take;            /* the next slice to answer */
    size_t next_send;            /* the slice being sent */
    size_t sent;                 /* bytes of it sent */
    size_t helping;              /* helpers answering one of its slices */
    struct slice slots[WINDOW];  /* slice i in slots[i % WINDOW] */
    struct batch *next, **pprev; /* in pool->batches while it may be helped */
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

/* Answer slice i of b into its slot, in this thread, with this thread's
 * store handle (pool->mu not held: the slot is this thread's until it is
 * marked done). */
static enum slice_state answer_slice(struct batch *b, struct vg_store *st, size_t i)
{
    struct vg_buf *out = &b->slots[i % WINDOW].out;
    struct vg_lookup_opts opts;
    struct vg_wl_set *wl = NULL;
    struct vg_error err;
    size_t at = b->starts[i], end = b->starts[i + 1];

    vg_error_clear(&err);
    if (st == NULL || http_lookup_begin(b->srv, st, 0, &opts, &wl, &err) != VG_OK)
        return SLICE_FAILED;
    opts.requester_org = b->org;
    opts.requester_is_operator = b->is_operator;
    while (at < end) {
        const char *v = b->body.data + at;
        const char *nl = memchr(v, '\n', end - at);
        size_t len = nl ? (size_t)(nl - v) : end - at;

        at += len + 1;
        if (len && v[len - 1] == '\r')
            len--;
        if (len == 0)
            continue;
        if (answer_line(st, &opts, b->tok, b->ntok, v, len, out) != 0) {
            http_lookup_end(st, wl);
            return SLICE_FAILED;
        }
    }
    http_lookup_end(st, wl);
    return SLICE_DONE;
}

/* Take the next slice of b if the window allows (pool->mu held): its
 * index, or (size_t)-1. */
static size_t take(struct batch *b)
{
    if (b->next_take >= b->nslices || b->next_take >= b->next_send + WINDOW)
        return (size_t)-1;
    b->slots[b->next_take % WINDOW].state = SLICE_TAKEN;
    return b->next_take++;
}

static void *helper_main(void *arg)
{
    struct pool *p = arg;
    struct vg_store *st;
    struct vg_error err;

    /* a helper without a store handle takes no slice: the workers do */
    vg_error_clear(&err);
    if (vg_store_open(p->srv->opts->hub, 0, &st, &err) != VG_OK) {
        vg_log(VG_LOG_WARN, "lookup", "a batch helper has no store: %s", err.msg);
        return NULL;
    }
    pthread_mutex_lock(&p->mu);
    while (!p->stop) {
        struct batch *b;
        size_t i = (size_t)-1;
        enum slice_state done;

        for (b = p->batches; b != NULL && (i = take(b)) == (size_t)-1; b = b->next)
            ;
        if (b == NULL) {
            pthread_cond_wait(&p->cv, &p->mu);
            continue;
        }
        b->helping++;
        pthread_mutex_unlock(&p->mu);
        done = answer_slice(b, st, i);
        pthread_mutex_lock(&p->mu);
        b->slots[i % WINDOW].state = done;
        b->helping--;
        pthread_cond_broadcast(&p->cv);
    }
    pthread_mutex_unlock(&p->mu);
    vg_store_close(st);
    return NULL;
}

/* The answer, slice after slice in order: sent when answered (by anyone),
 * answered here when nobody has taken it, waited for otherwise. */
static ssize_t batch_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct batch *b = cls;
    struct pool *p = b->pool;
    struct vg_error err;
    ssize_t r;

    (void)pos;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        struct slice *sl = &b->slots[b->next_send % WINDOW];
        size_t i;

        if (b->next_send == b->nslices) {
            r = MHD_CONTENT_READER_END_OF_STREAM;
            break;
        }
        if (sl->state == SLICE_FAILED) {
            r = MHD_CONTENT_READER_END_WITH_ERROR;
            break;
        }
        if (sl->state == SLICE_DONE && b->sent < sl->out.len) {
            if (max > sl->out.len - b->sent)
                max = sl->out.len - b->sent;
            memcpy(buf, sl->out.data + b->sent, max);
            b->sent += max;
            r = (ssize_t)max;
            break;
        }
        if (sl->state == SLICE_DONE) { /* all sent: the window moves on */
            sl->state = SLICE_FREE;
            sl->out.len = 0;
            b->sent = 0;
            b->next_send++;
            pthread_cond_broadcast(&p->cv);
            continue;
        }
        if ((i = take(b)) != (size_t)-1) {
            enum slice_state done;

            pthread_mutex_unlock(&p->mu);
            vg_error_clear(&err);
            done = answer_slice(b, http_worker_store(b->srv, &err), i);
            pthread_mutex_lock(&p->mu);
            b->slots[i % WINDOW].state = done;
            pthread_cond_broadcast(&p->cv);
            continue;
        }
        pthread_cond_wait(&p->cv, &p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    return r;
}

static void batch_free(void *cls)
{
    struct batch *b = cls;
    struct pool *p = b->pool;
    size_t i;

    /* out of the helpers' sight, and no helper still on one of its slices */
    pthread_mutex_lock(&p->mu);
    if (b->pprev) {
        *b->pprev = b->next;
        if (b->next)
            b->next->pprev = b->pprev;
    }
    while (b->helping > 0)
        pthread_cond_wait(&p->cv, &p->mu);
    pthread_mutex_unlock(&p->mu);
    for (i = 0; i < WINDOW; i++)
        vg_buf_cleanup(&b->slots[i].out);
    vg_buf_cleanup(&b->body);
    free(b->starts);
    free(b);
}

/* GET ?value=V: the key, the value set, the warning lists and the look-up
 * in one snapshot (http_lookup_begin); the answer is the line
 * vg_lookup_line writes, without its line break. */
static enum MHD_Result get_one(struct server *srv, struct vg_store *st, struct MHD_Connection *conn,
                               struct request *rq)
{
    const char *v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "value");
    vg_token tok[VG_POLICY_TOKENS_MAX];
    struct vg_auth who;
    struct vg_error err;
    struct vg_lookup_opts opts;
    struct vg_wl_set *wl;
    struct vg_buf line;
    enum vg_rc rc;

    vg_error_clear(&err);
    vg_buf_init(&line, 0);
    if (http_lookup_begin(srv, st, 0, &opts, &wl, &err) != VG_OK)
        return http_send_error(conn, rq, &err);
    if ((rc = http_authenticate(st, conn, VG_SCOPE_READ, &who, &err)) == VG_OK && v == NULL)
        rc = vg_error_set(&err, VG_INVALID, "value", "give the value to look up: ?value=...");
    if (rc == VG_OK) {
        opts.requester_org = who.org.id;
        opts.requester_is_operator = who.org.is_operator;
        rc = vg_lookup_line(st, &opts, tok, vg_policy_tokens(&who.principal, tok), v, strlen(v),
                            &line, &err);
    }
    http_lookup_end(st, wl);
    if (rc != VG_OK) {
        vg_buf_cleanup(&line);
        return http_send_error(conn, rq, &err);
    }
    /* the buffer's bytes become the answer's */
    return http_send_text(conn, rq, MHD_HTTP_OK, "application/json", line.data, line.len - 1, NULL);
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
    if (srv->lookup_pool == NULL) {
        vg_error_set(&err, VG_NOMEM, NULL, "out of memory");
        return http_send_error(conn, rq, &err);
    }
    if ((b = calloc(1, sizeof(*b))) == NULL ||
        (b->starts = malloc((lines / SLICE + 2) * sizeof(b->starts[0]))) == NULL) {
        free(b);
        return MHD_NO;
    }
    b->srv = srv;
    b->pool = srv->lookup_pool;
    memcpy(b->tok, tok, sizeof(tok));
    b->ntok = ntok;
    b->org = who.org.id;
    b->is_operator = who.org.is_operator;
    b->body = rq->body; /* the values move into the answer's state */
    vg_buf_init(&rq->body, 0);
    for (i = 0; i < WINDOW; i++)
        vg_buf_init(&b->slots[i].out, 0);
    /* slices of SLICE lines */
    b->starts[0] = 0;
    for (i = 0, lines = 0; i < b->body.len; i++)
        if (b->body.data[i] == '\n' && ++lines % SLICE == 0 && i + 1 < b->body.len)
            b->starts[++b->nslices] = i + 1;
    if (b->body.len > 0)
        b->starts[++b->nslices] = b->body.len;
    resp =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024, batch_reader, b, batch_free);
    if (resp == NULL) {
        batch_free(b);
        return MHD_NO;
    }
    /* the helpers may start on it at once */
    pthread_mutex_lock(&b->pool->mu);
    b->next = b->pool->batches;
    if (b->next)
        b->next->pprev = &b->next;
    b->pprev = &b->pool->batches;
    b->pool->batches = b;
    pthread_cond_broadcast(&b->pool->cv);
    pthread_mutex_unlock(&b->pool->mu);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/x-ndjson");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    rq->status = MHD_HTTP_OK;
    r = MHD_queue_response(conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    return r;
}
