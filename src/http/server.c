/* SPDX-License-Identifier: Apache-2.0 */
/*
 * server.c - the HTTP server on libmicrohttpd (see server.h).
 *
 * Threads: libmicrohttpd's pool runs the handlers; each worker keeps a store
 * handle in thread-local storage, registered so that shutdown closes them
 * all.  The main thread blocks SIGTERM and SIGINT before the pool starts (so
 * the workers inherit the mask) and waits for them with sigwait().
 *
 * Requests in flight are counted (a request starts when its handler is
 * first called and ends in the completion callback): at shutdown the
 * listening socket is closed at once (MHD_quiesce_daemon), then the count is
 * allowed to drain for the grace period before the daemon stops.
 */
#include "internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>

#include "auth.h"
#include "guard.h"
#include "common/buf.h"
#include "common/hash.h"
#include "common/log.h"
#include "common/vtime.h"
#include "store/store.h"

static const char *const route_names[R_COUNT] = {
    "health", "whoami", "taxii", "metrics", "stream", "ledger", "lookup", "sightings", "other"};
static const double buckets_ms[NBUCKETS] = {0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 5000};

static _Thread_local struct vg_store *tls_store;

/* This worker's store handle, opened on first use. */
struct vg_store *http_worker_store(struct server *srv, struct vg_error *err)
{
    struct vg_store *st;

    if (tls_store != NULL)
        return tls_store;
    if (vg_store_open(srv->opts->hub, 0, &st, err) != VG_OK)
        return NULL;
    pthread_mutex_lock(&srv->mu);
    if (srv->nstores == STORES_MAX) {
        pthread_mutex_unlock(&srv->mu);
        vg_store_close(st);
        vg_error_set(err, VG_LIMIT, NULL, "too many worker threads");
        return NULL;
    }
    srv->stores[srv->nstores++] = st;
    pthread_mutex_unlock(&srv->mu);
    tls_store = st;
    return st;
}

struct vg_store *http_writer_take(struct server *srv, struct vg_error *err)
{
    pthread_mutex_lock(&srv->wmu);
    if (srv->writer == NULL && vg_store_open(srv->opts->hub, 0, &srv->writer, err) != VG_OK) {
        srv->writer = NULL;
        pthread_mutex_unlock(&srv->wmu);
        return NULL;
    }
    if (!srv->writer_deferred) {
        if (vg_store_defer_sync(srv->writer, err) != VG_OK) {
            pthread_mutex_unlock(&srv->wmu);
            return NULL;
        }
        srv->writer_deferred = 1;
    }
    return srv->writer;
}

void http_writer_give(struct server *srv)
{
    pthread_mutex_unlock(&srv->wmu);
}

enum vg_rc http_writer_sync(struct server *srv, struct vg_error *err)
{
    /* set once under wmu, which this thread has taken and given since */
    return vg_store_sync(srv->writer, err);
}

enum vg_rc http_authenticate(struct vg_store *st, struct MHD_Connection *conn, unsigned scope,
                             struct vg_auth *who, struct vg_error *err)
{
    enum vg_rc rc;

    /* one snapshot for the key, its organisation and groups: the store's
     * locks are taken once, not per statement */
    if ((rc = vg_store_read_begin(st, err)) != VG_OK)
        return rc;
    rc = vg_auth_header(
        st, MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION),
        vg_time_now_us(), scope, who, err);
    vg_store_read_end(st);
    return http_ratelimit_after_auth(conn, rc, rc == VG_OK ? who->key.id : NULL, err);
}

/* Answer text[0..len) (malloc'ed, ownership taken) as the given media type. */
enum MHD_Result http_send_text(struct MHD_Connection *conn, struct request *rq, unsigned status,
                               const char *type, char *text, size_t len, const char *www_auth)
{
    struct MHD_Response *resp;
    enum MHD_Result r;

    if (text == NULL)
        return MHD_NO; /* out of memory: libmicrohttpd closes the connection */
    resp = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
    if (resp == NULL) {
        free(text);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    if (www_auth)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, www_auth);
    rq->status = status;
    r = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
    return r;
}

/* Answer doc (reference stolen) as JSON of the given media type. */
enum MHD_Result http_send_doc(struct MHD_Connection *conn, struct request *rq, unsigned status,
                              const char *type, json_t *doc, const char *www_auth)
{
    char *text = json_dumps(doc, JSON_COMPACT);

    json_decref(doc);
    return http_send_text(conn, rq, status, type, text, text ? strlen(text) : 0, www_auth);
}

enum MHD_Result http_send_json(struct MHD_Connection *conn, struct request *rq, unsigned status,
                               json_t *doc, const char *www_auth)
{
    return http_send_doc(conn, rq, status, "application/json", doc, www_auth);
}

/* The TAXII-shaped error body for err (status from the error table). */
enum MHD_Result http_send_error(struct MHD_Connection *conn, struct request *rq,
                                const struct vg_error *err)
{
    unsigned status = (unsigned)vg_rc_http_status(err->code);

    if (err->code == VG_RATE)
        return http_ratelimit_send(conn, rq, err);
    return http_send_json(conn, rq, status,
                          json_pack("{s:s, s:s, s:i}", "title", vg_rc_title(err->code),
                                    "description", err->msg, "http_status", (int)status),
                          err->code == VG_AUTH ? "Basic realm=\"vigie\", charset=\"UTF-8\"" : NULL);
}

/*
 * GET /metrics: Prometheus text format, for an admin key only (counts of
 * the whole hub are not for partners).
 */
static enum MHD_Result metrics(struct server *srv, struct MHD_Connection *conn, struct request *rq)
{
    struct vg_error err;
    struct vg_store *st;
    struct vg_auth who;
    struct vg_store_stats stats;
    struct MHD_Response *resp;
    struct vg_buf b;
    unsigned long long cum = 0;
    enum MHD_Result r;
    size_t i, j;

    vg_error_clear(&err);
    if ((st = http_worker_store(srv, &err)) == NULL ||
        http_authenticate(st, conn, VG_SCOPE_ADMIN, &who, &err) != VG_OK ||
        vg_store_stats(st, &stats, &err) != VG_OK)
        return http_send_error(conn, rq, &err);
    vg_buf_init(&b, 0);
    vg_buf_puts(&b, "# HELP vigie_http_requests_total HTTP requests by route and status class.\n"
                    "# TYPE vigie_http_requests_total counter\n");
    for (i = 0; i < R_COUNT; i++)
        for (j = 0; j < STATUS_CLASSES; j++)
            vg_buf_printf(&b, "vigie_http_requests_total{route=\"%s\",code=\"%zuxx\"} %llu\n",
                          route_names[i], j + 1,
                          (unsigned long long)atomic_load(&srv->m.requests[i][j]));
    vg_buf_puts(&b, "# HELP vigie_http_request_duration_seconds Time to answer a request.\n"
                    "# TYPE vigie_http_request_duration_seconds histogram\n");
    for (i = 0; i <= NBUCKETS; i++) {
        cum += atomic_load(&srv->m.latency[i]);
        if (i < NBUCKETS)
            vg_buf_printf(&b, "vigie_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
                          buckets_ms[i] / 1000.0, cum);
        else
            vg_buf_printf(&b, "vigie_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
                          cum);
    }
    vg_buf_printf(&b,
                  "vigie_http_request_duration_seconds_sum %.6f\n"
                  "vigie_http_request_duration_seconds_count %llu\n"
                  "# HELP vigie_objects Object versions stored.\n# TYPE vigie_objects gauge\n"
                  "vigie_objects %lld\n"
                  "# HELP vigie_observables Canonical observables stored.\n"
                  "# TYPE vigie_observables gauge\nvigie_observables %lld\n"
                  "# HELP vigie_events_last Last event sequence number.\n"
                  "# TYPE vigie_events_last gauge\nvigie_events_last %lld\n",
                  (double)atomic_load(&srv->m.latency_sum_us) / 1e6,
                  (unsigned long long)atomic_load(&srv->m.latency_count), (long long)stats.versions,
                  (long long)stats.observables, (long long)stats.last_seq);
    http_stream_metrics(srv, &b);
    if (b.data == NULL) {
        vg_buf_cleanup(&b);
        return MHD_NO;
    }
    resp = MHD_create_response_from_buffer(b.len, b.data, MHD_RESPMEM_MUST_FREE);
    if (resp == NULL) {
        vg_buf_cleanup(&b);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                            "text/plain; version=0.0.4; charset=utf-8");
    rq->status = MHD_HTTP_OK;
    r = MHD_queue_response(conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    return r;
}

static int is_taxii(const char *url)
{
    return strncmp(url, "/taxii2", 7) == 0 && (url[7] == '/' || url[7] == '\0');
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **con_cls)
{
    struct server *srv = cls;
    struct request *rq = *con_cls;
    struct vg_error err;
    struct vg_store *st;
    struct vg_auth who;

    (void)version;
    (void)upload;
    if (rq == NULL) { /* first call: headers only */
        if ((rq = calloc(1, sizeof(*rq))) == NULL)
            return MHD_NO;
        rq->start_us = vg_time_now_us();
        vg_buf_init(&rq->body, srv->max_content_length);
        atomic_fetch_add(&srv->in_flight, 1);
        *con_cls = rq;
        if (http_framing_check(conn, &err) != VG_OK)
            return http_framing_refuse(conn, rq, &err);
        return MHD_YES;
    }
    if (*upload_size != 0) { /* body bytes: keep them, up to the limit */
        unsigned limit_s =
            srv->opts->body_timeout_s ? srv->opts->body_timeout_s : VG_SERVER_BODY_TIMEOUT_S;

        /* A body dripping in more slowly than its deadline allows: close. */
        if (vg_time_now_us() - rq->start_us > (int64_t)limit_s * 1000000)
            return MHD_NO;
        if (!rq->too_large && !rq->no_memory) {
            enum vg_rc rc = vg_buf_append(&rq->body, upload, *upload_size);

            /* out of memory is the server's failure, not a body too large */
            if (rc == VG_LIMIT)
                rq->too_large = 1;
            else if (rc != VG_OK)
                rq->no_memory = 1;
        }
        *upload_size = 0;
        return MHD_YES;
    }
    vg_error_clear(&err);
    if (rq->no_memory) {
        vg_error_set(&err, VG_NOMEM, NULL, "out of memory reading the request");
        return http_send_error(conn, rq, &err);
    }
    rq->route = strcmp(url, "/api/v1/health") == 0         ? R_HEALTH
                : strcmp(url, "/api/v1/whoami") == 0       ? R_WHOAMI
                : strcmp(url, "/metrics") == 0             ? R_METRICS
                : is_taxii(url)                            ? R_TAXII
                : strcmp(url, "/api/v1/stream") == 0       ? R_STREAM
                : strncmp(url, "/api/v1/ledger/", 15) == 0 ? R_LEDGER
                : strcmp(url, "/api/v1/lookup") == 0       ? R_LOOKUP
                : strcmp(url, "/api/v1/sightings") == 0    ? R_SIGHTINGS
                                                           : R_OTHER;
    if (rq->route == R_METRICS)
        return metrics(srv, conn, rq);
    if (rq->route == R_LEDGER)
        return http_ledger(srv, conn, rq, url, method);
    if (strcmp(url, "/api/v1/health") == 0) {
        if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
            vg_error_set(&err, VG_INVALID, NULL, "%s is not allowed here", method);
            return http_send_error(conn, rq, &err);
        }
        if (http_ratelimit_address(conn, &err) != VG_OK || http_worker_store(srv, &err) == NULL)
            return http_send_error(conn, rq, &err);
        /* After a failed fsync the hub still serves reads: say so. */
        return http_send_json(
            conn, rq, MHD_HTTP_OK,
            json_pack("{s:s}", "status", vg_store_sync_failed() ? "read-only" : "ok"), NULL);
    }
    if (strcmp(url, "/api/v1/whoami") == 0) {
        if ((st = http_worker_store(srv, &err)) == NULL)
            return http_send_error(conn, rq, &err);
        if (http_authenticate(st, conn, 0, &who, &err) != VG_OK)
            return http_send_error(conn, rq, &err);
        return http_send_json(conn, rq, MHD_HTTP_OK,
                              json_pack("{s:s, s:s, s:s, s:o}", "key", who.key.id, "organisation",
                                        who.org.name, "identity", who.org.stix_id, "scopes",
                                        vg_auth_scopes_json(who.key.scopes)),
                              NULL);
    }
    if (rq->route == R_LOOKUP)
        return http_lookup(srv, conn, rq, method);
    if (rq->route == R_SIGHTINGS)
        return http_sightings(srv, conn, rq, method);
    if (strcmp(url, "/api/v1/watch") == 0 || strncmp(url, "/api/v1/watch/", 14) == 0 ||
        strcmp(url, "/api/v1/notifications") == 0)
        return http_watch(srv, conn, rq, url, method);
    if (rq->route == R_STREAM)
        return http_stream(srv, conn, rq, method);
    if (is_taxii(url))
        return http_taxii(srv, conn, rq, url, method);
    if (strncmp(url, "/api/v1/objects/", 16) == 0 || strncmp(url, "/api/v1/artefacts/", 18) == 0)
        return http_artefact(srv, conn, rq, url, method);
    vg_error_set(&err, VG_NOT_FOUND, NULL, "no such resource");
    return http_send_error(conn, rq, &err);
}

static void completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    struct server *srv = cls;
    struct request *rq = *con_cls;
    const union MHD_ConnectionInfo *ci;
    char addr[INET6_ADDRSTRLEN] = "?";

    if (rq == NULL)
        return;
    ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci && ci->client_addr) {
        const struct sockaddr *sa = ci->client_addr;
        if (sa->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, addr, sizeof(addr));
        else if (sa->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, addr, sizeof(addr));
    }
    {
        int64_t us = vg_time_now_us() - rq->start_us;
        unsigned klass = rq->status >= 100 && rq->status < 600 ? rq->status / 100 - 1 : 4;
        size_t b;

        atomic_fetch_add_explicit(&srv->m.requests[rq->route][klass], 1, memory_order_relaxed);
        for (b = 0; b < NBUCKETS && (double)us / 1000.0 > buckets_ms[b]; b++)
            ;
        atomic_fetch_add_explicit(&srv->m.latency[b], 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&srv->m.latency_sum_us, (unsigned long long)us,
                                  memory_order_relaxed);
        atomic_fetch_add_explicit(&srv->m.latency_count, 1, memory_order_relaxed);
    }
    vg_log(VG_LOG_INFO, "request", "status=%u client=%s us=%lld%s", rq->status, addr,
           (long long)(vg_time_now_us() - rq->start_us),
           toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " aborted");
    vg_buf_cleanup(&rq->body);
    free(rq);
    *con_cls = NULL;
    atomic_fetch_sub(&srv->in_flight, 1);
}

/* A running server (vg_server_start). */
struct vg_server {
    struct server srv;
    struct vg_server_opts opts; /* a copy: the caller's may go */
    struct MHD_Daemon *d;
    void *ticker;
    unsigned port;
    unsigned threads;
};

enum vg_rc vg_server_start(const struct vg_server_opts *opts, struct vg_server **out,
                           struct vg_error *err)
{
    struct vg_server *vs;
    struct server *srv;
    struct sockaddr_storage ss;
    const union MHD_DaemonInfo *info;
    unsigned threads = opts->threads;
    enum vg_rc rc;

    if ((vs = calloc(1, sizeof(*vs))) == NULL)
        return vg_error_set(err, VG_NOMEM, NULL, "out of memory");
    vs->opts = *opts;
    srv = &vs->srv;
    srv->opts = &vs->opts;
    srv->max_content_length =
        opts->max_content_length ? opts->max_content_length : VG_SERVER_MAX_CONTENT_LENGTH;
    srv->tls = opts->tls_cert_pem != NULL && opts->tls_key_pem != NULL;
    if (vg_random(srv->next_key, sizeof(srv->next_key)) != VG_OK) {
        free(vs);
        return vg_error_set(err, VG_INTERNAL, NULL, "no randomness for the paging key");
    }
    atomic_init(&srv->in_flight, 0);
    memset(&ss, 0, sizeof(ss));
    if (opts->no_listen) {
        ss.ss_family = AF_INET;
    } else if (inet_pton(AF_INET, opts->address, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
        ((struct sockaddr_in *)&ss)->sin_family = AF_INET;
        ((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)opts->port);
    } else if (inet_pton(AF_INET6, opts->address, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
        ((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
        ((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)opts->port);
    } else {
        free(vs);
        return vg_error_set(err, VG_INVALID, "listen", "'%s' is not an IP address", opts->address);
    }
    if (threads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n > 0 ? (unsigned)n : 2;
    }
    vs->threads = threads;
    pthread_mutex_init(&srv->mu, NULL);
    pthread_mutex_init(&srv->wmu, NULL);
    if ((rc = http_ratelimit_start(&vs->opts, err)) != VG_OK ||
        (rc = http_lookup_start(srv, err)) != VG_OK ||
        (rc = http_stream_start(srv, err)) != VG_OK) {
        http_ratelimit_stop();
        http_lookup_free(srv);
        pthread_mutex_destroy(&srv->wmu);
        pthread_mutex_destroy(&srv->mu);
        free(vs);
        return rc;
    }
    /* delivers notifications; before the workers, which kick it */
    if (!opts->no_listen)
        srv->webhook = http_webhook_start(&vs->opts);
    {
        struct MHD_OptionItem tls[] = {
            {MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)opts->tls_cert_pem},
            {MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)opts->tls_key_pem},
            {MHD_OPTION_END, 0, NULL},
        };
        struct MHD_OptionItem where[] = {
            {MHD_OPTION_SOCK_ADDR, 0, &ss},
            {MHD_OPTION_END, 0, NULL},
        };

        if (!srv->tls)
            tls[0].option = MHD_OPTION_END;
        if (opts->no_listen)
            where[0].option = MHD_OPTION_END;
        vs->d = MHD_start_daemon(
            MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME |
                (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0) | (srv->tls ? MHD_USE_TLS : 0) |
                (opts->no_listen ? MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ITC : 0),
            0, NULL, NULL, handle, srv, MHD_OPTION_ARRAY, where, MHD_OPTION_ARRAY, tls,
            MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_LIMIT,
            opts->max_connections ? opts->max_connections : 1024,
            MHD_OPTION_PER_IP_CONNECTION_LIMIT, opts->max_per_address ? opts->max_per_address : 64,
            MHD_OPTION_CONNECTION_TIMEOUT, opts->timeout_s ? opts->timeout_s : 30,
            MHD_OPTION_NOTIFY_COMPLETED, completed, srv, MHD_OPTION_END);
    }
    if (vs->d == NULL) {
        rc = vg_error_set(err, VG_IO, "listen", "cannot listen on %s port %u: %s",
                          opts->address ? opts->address : "-", opts->port, strerror(errno));
        http_stream_stop(srv);
        http_stream_free(srv);
        http_lookup_free(srv);
        http_webhook_stop(srv->webhook);
        http_ratelimit_stop();
        pthread_mutex_destroy(&srv->wmu);
        pthread_mutex_destroy(&srv->mu);
        free(vs);
        return rc;
    }
    info = MHD_get_daemon_info(vs->d, MHD_DAEMON_INFO_BIND_PORT);
    vs->port = info && !opts->no_listen ? (unsigned)info->port : opts->port;
    vs->ticker = http_ledger_start(&vs->opts); /* signs checkpoints while serving */
    vg_log(VG_LOG_INFO, "start", "hub=%s threads=%u tls=%s max_content_length=%zu", opts->hub,
           threads, srv->tls ? "on" : "off", srv->max_content_length);
    *out = vs;
    return VG_OK;
}

unsigned vg_server_port(const struct vg_server *vs)
{
    return vs->port;
}

enum vg_rc vg_server_add_connection(struct vg_server *vs, int fd, struct vg_error *err)
{
    struct sockaddr_in sin;

    /* libmicrohttpd wants the peer's address (per-address limits, logs):
     * a socketpair has none, so it is given loopback's. */
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (MHD_add_connection(vs->d, fd, (const struct sockaddr *)&sin, sizeof(sin)) != MHD_YES)
        return vg_error_set(err, VG_IO, NULL, "the server did not take the connection");
    return VG_OK;
}

void vg_server_stop(struct vg_server *vs)
{
    struct server *srv;
    int waited;
    size_t i;

    if (vs == NULL)
        return;
    srv = &vs->srv;
    MHD_quiesce_daemon(vs->d); /* no new connections */
    http_stream_stop(srv);     /* streams end; their connections finish */
    for (waited = 0; atomic_load(&srv->in_flight) > 0 &&
                     waited < (int)(vs->opts.grace_s ? vs->opts.grace_s : 10) * 100;
         waited++)
        usleep(10000);
    MHD_stop_daemon(vs->d);
    http_ledger_stop(vs->ticker);
    http_webhook_stop(srv->webhook);
    http_ratelimit_stop();
    http_stream_free(srv);
    http_lookup_free(srv);
    for (i = 0; i < srv->nstores; i++)
        vg_store_close(srv->stores[i]);
    vg_store_close(srv->writer);
    pthread_mutex_destroy(&srv->wmu);
    pthread_mutex_destroy(&srv->mu);
    free(vs);
    vg_log(VG_LOG_INFO, "stopped", "clean shutdown");
}

enum vg_rc vg_server_run(const struct vg_server_opts *opts, struct vg_error *err)
{
    struct vg_server *vs;
    sigset_t sigs, old;
    enum vg_rc rc;
    int sig = 0;

    /* Blocked before the pool starts, so that every worker inherits the mask
     * and only sigwait below sees SIGTERM and SIGINT. */
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, &old);
    if ((rc = vg_server_start(opts, &vs, err)) != VG_OK) {
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        return rc;
    }
    printf("listening on %s%s%s:%u\n", strchr(opts->address, ':') ? "[" : "", opts->address,
           strchr(opts->address, ':') ? "]" : "", vg_server_port(vs));
    fflush(stdout);
    while (sigwait(&sigs, &sig) != 0)
        ;
    vg_log(VG_LOG_INFO, "stop", "signal %d: finishing requests in flight", sig);
    vg_server_stop(vs);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return VG_OK;
}
