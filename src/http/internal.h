/* SPDX-License-Identifier: Apache-2.0 */
/*
 * internal.h - what the route handlers of the server share (not installed,
 * not for other modules).
 *
 * server.c owns the daemon, the per-worker store handles, metrics and the
 * dispatch; each family of routes lives in its own file (taxii.c, ...) and
 * answers through the helpers below, so that every answer has the same
 * headers and every error the same TAXII-shaped body.
 */
#ifndef VG_HTTP_INTERNAL_H
#define VG_HTTP_INTERNAL_H

#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include <jansson.h>

#include "auth.h"
#include "common/buf.h"
#include "common/error.h"
#include "server.h"
#include "lookup/values.h"
#include "lookup/lookup.h"
#include "store/store.h"

#define STORES_MAX 256

/* Prometheus counters: requests by route and status class, and a latency
 * histogram; updated with relaxed atomics from every worker. */
enum route {
    R_HEALTH,
    R_WHOAMI,
    R_TAXII,
    R_METRICS,
    R_STREAM,
    R_LEDGER,
    R_LOOKUP,
    R_SIGHTINGS,
    R_OTHER,
    R_COUNT
};
#define STATUS_CLASSES 5 /* 1xx..5xx */
#define NBUCKETS 12

struct metrics {
    atomic_ullong requests[R_COUNT][STATUS_CLASSES];
    atomic_ullong latency[NBUCKETS + 1]; /* last: +Inf */
    atomic_ullong latency_sum_us, latency_count;
};

struct server {
    const struct vg_server_opts *opts;
    struct metrics m;
    uint8_t next_key[32]; /* MAC key of paging tokens, new at every start */
    atomic_int in_flight;
    pthread_mutex_t mu; /* guards stores */
    struct vg_store *stores[STORES_MAX];
    size_t nstores;
    pthread_mutex_t wmu;         /* held by the request using the writer */
    struct vg_store *writer;     /* the write connection (http_writer_take) */
    int writer_deferred;         /* its commits defer their sync (http_writer_sync) */
    size_t max_content_length;   /* advertised and enforced (413) */
    int tls;                     /* answering over HTTPS */
    struct stream_state *stream; /* stream.c */
    atomic_ullong commits;       /* writes this server committed (http_stream_kick) */
    struct vg_values *values;    /* the hub's values, for look-ups (lookup_api.c) */
    void *lookup_pool;           /* the batch look-up's helper threads (lookup_api.c) */
    atomic_ullong values_commits;
    atomic_llong values_synced_us;
    void *webhook; /* webhook.c */
};

/* Per request: when it started (for the log line), what was answered, and
 * the body of a POST. */
struct request {
    int64_t start_us;
    unsigned status;
    int route;
    struct vg_buf body; /* capped at the server's max_content_length */
    int too_large;
    int no_memory; /* the body could not be kept: answered 503 */
};

/* This worker's store handle, opened on first use; NULL with err set. */
struct vg_store *http_worker_store(struct server *srv, struct vg_error *err);

/*
 * The server's write connection, for the bulk writes (TAXII POST): taken by
 * one request at a time, from its first write to its commit or rollback.
 * One connection keeps its page cache across commits; with a connection
 * per worker, each commit of one discards the whole cache of the others
 * (SQLite resets a connection's cache when the WAL changed under it), so
 * every envelope re-read its index pages.  NULL with err set (then nothing
 * is held); otherwise give it back with http_writer_give.
 */
struct vg_store *http_writer_take(struct server *srv, struct vg_error *err);
void http_writer_give(struct server *srv);
/* The write connection defers its sync to disk (vg_store_defer_sync): after
 * a commit through it and http_writer_give, this makes the commit durable;
 * nothing is acknowledged before it returns VG_OK.  Called without the
 * connection held, so that the next writer commits meanwhile. */
enum vg_rc http_writer_sync(struct server *srv, struct vg_error *err);

/* Queue text[0..len) (malloc'ed; freed here, also on failure) as the
 * answer, of the given media type. */
enum MHD_Result http_send_text(struct MHD_Connection *conn, struct request *rq, unsigned status,
                               const char *type, char *text, size_t len, const char *www_auth);
/* Queue doc (reference stolen) as the answer, of the given media type. */
enum MHD_Result http_send_doc(struct MHD_Connection *conn, struct request *rq, unsigned status,
                              const char *type, json_t *doc, const char *www_auth);
enum MHD_Result http_send_json(struct MHD_Connection *conn, struct request *rq, unsigned status,
                               json_t *doc, const char *www_auth);
/* The TAXII-shaped error body {"title","description","http_status"} for err. */
enum MHD_Result http_send_error(struct MHD_Connection *conn, struct request *rq,
                                const struct vg_error *err);

/* Authenticate the request's Authorization header for the given scope. */
enum vg_rc http_authenticate(struct vg_store *st, struct MHD_Connection *conn, unsigned scope,
                             struct vg_auth *who, struct vg_error *err);

/* Route families. */
enum MHD_Result http_artefact(struct server *srv, struct MHD_Connection *conn, struct request *rq,
                              const char *url, const char *method);
enum MHD_Result http_ledger(struct server *srv, struct MHD_Connection *conn, struct request *rq,
                            const char *url, const char *method);
/* The thread that signs checkpoints while the server runs (ledger_api.c). */
void *http_ledger_start(const struct vg_server_opts *opts);
void http_ledger_stop(void *ticker);
enum MHD_Result http_taxii(struct server *srv, struct MHD_Connection *conn, struct request *rq,
                           const char *url, const char *method);

/* The event stream (stream.c): its notifier thread starts with the server;
 * stop resumes and ends every subscriber before the daemon stops. */
enum vg_rc http_stream_start(struct server *srv, struct vg_error *err);
void http_stream_stop(struct server *srv);
/* A commit happened on this server: wake the waiting subscribers now, and
 * tell look-ups their value set is behind.  Call it after every commit. */
void http_stream_kick(struct server *srv);
/* The stream's counters for GET /metrics, appended to b in Prometheus text. */
void http_stream_metrics(struct server *srv, struct vg_buf *b);
void http_stream_free(struct server *srv);
/* The set of the hub's values, built at start (lookup_api.c). */
enum vg_rc http_lookup_start(struct server *srv, struct vg_error *err);
void http_lookup_free(struct server *srv);
/* Begin a batch of look-ups (lookup_api.c): *opts with this server's
 * half-lives and value set, caught up before one read snapshot is taken
 * (so that the snapshot holds at least what the set does; with every
 * writer's commits when fresh, else with this server's and, every 100 ms,
 * the others'), and the warning lists acquired once (*wl).  Ended by
 * http_lookup_end. */
struct vg_wl_set;
enum vg_rc http_lookup_begin(struct server *srv, struct vg_store *st, int fresh,
                             struct vg_lookup_opts *opts, struct vg_wl_set **wl,
                             struct vg_error *err);
void http_lookup_end(struct vg_store *st, struct vg_wl_set *wl);
/* Watch lists and notifications (watch_api.c), and the thread that
 * delivers notifications to webhooks (webhook.c). */
enum MHD_Result http_watch(struct server *srv, struct MHD_Connection *conn, struct request *rq,
                           const char *url, const char *method);
void *http_webhook_start(const struct vg_server_opts *opts);
void http_webhook_kick(void *webhook);
void http_webhook_stop(void *webhook);
/* Watch-list notifications in the owner's stream (stream_notify.c): the
 * place of one is (rowid, rank): the event that caused it, and its rank
 * among the owner's notifications of that event (from 1). */
struct http_note {
    int64_t id, rowid;
    int rank;
};
/* The owner's notifications of events in [cursor, *upto], without those of
 * the cursor's event up to cursor_rank (already sent), at most cap; when
 * more remain, *upto is lowered so that every event in the window has all
 * its notifications in out. */
enum vg_rc http_notes_window(struct vg_store *st, int64_t org_id, int64_t cursor, int cursor_rank,
                             int64_t *upto, struct http_note *out, size_t cap, size_t *n,
                             struct vg_error *err);
/* One as an SSE event with the given id, rendered for the tokens now. */
enum vg_rc http_note_event(struct vg_store *st, int64_t org_id, const vg_token *tok, size_t ntok,
                           const struct http_note *note, const char *sse_id, struct vg_buf *b,
                           struct vg_error *err);
/* GET and POST /api/v1/lookup (lookup_api.c). */
enum MHD_Result http_lookup(struct server *srv, struct MHD_Connection *conn, struct request *rq,
                            const char *method);
/* POST /api/v1/sightings (sightings_api.c). */
enum MHD_Result http_sightings(struct server *srv, struct MHD_Connection *conn, struct request *rq,
                               const char *method);
enum MHD_Result http_stream(struct server *srv, struct MHD_Connection *conn, struct request *rq,
                            const char *method);

#endif
