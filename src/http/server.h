/* SPDX-License-Identifier: Apache-2.0 */
/*
 * server.h - `vigie serve`: the HTTP server of a hub.
 *
 * libmicrohttpd with an epoll thread pool (no thread per connection).  Each
 * worker thread opens its own store handle on first use.  Every answer that
 * is not a success carries a JSON error body {"title", "description",
 * "http_status"} (the TAXII 2.1 error shape); a request without valid
 * credentials gets 401 with WWW-Authenticate: Basic.  One JSON log line per
 * request on stderr.  SIGTERM or SIGINT stops accepting connections, lets
 * requests in flight finish (up to a grace period), then returns.
 *
 * Routes today (the TAXII 2.1 API of issue 3 is built on this):
 *   GET /api/v1/health   {"status":"ok"}: no authentication, no data
 *   GET /api/v1/whoami   the authenticated key, its organisation and scopes
 */
#ifndef VG_HTTP_SERVER_H
#define VG_HTTP_SERVER_H

#include <stddef.h>

#include "common/error.h"
#include "model/obs.h"

struct vg_server_opts {
    const char *hub;     /* hub directory */
    const char *address; /* IPv4 or IPv6 literal to listen on */
    unsigned port;       /* 0: any free port (printed at start) */
    unsigned threads;    /* worker threads; 0: one per CPU */
    unsigned max_connections;
    unsigned max_per_address;
    unsigned timeout_s; /* idle connection timeout */
    unsigned grace_s;   /* how long requests in flight may finish at shutdown */
    /* Rate limits (src/http/ratelimit.h): requests per second and bucket
     * size per API key, and per client address for requests without a
     * valid key; a rate of 0 is no limit (the default); a burst of 0 is
     * the rate. */
    unsigned rate_per_key, burst_per_key;
    unsigned rate_per_address, burst_per_address;
    /* Whole seconds a request body may take to arrive, counted from its
     * headers (a slow drip that never idles past timeout_s is cut too);
     * 0: VG_SERVER_BODY_TIMEOUT_S. */
    unsigned body_timeout_s;
    size_t max_content_length;      /* largest request body; 0: VG_SERVER_MAX_CONTENT_LENGTH */
    unsigned stream_heartbeat_s;    /* 0: 15 */
    unsigned stream_retention_days; /* events older are not streamed; 0: 30 */
    /* the stream's shared window of recent events (docs/stream.md) */
    unsigned stream_window_events; /* 0: 65536 */
    unsigned stream_window_mib;    /* 0: 32 */
    int stream_window_off;         /* every subscriber reads the store */
    /* TLS (HTTPS) when both are set: PEM texts of the certificate chain and
     * of its private key, served through libmicrohttpd's TLS support. */
    const char *tls_cert_pem;
    const char *tls_key_pem;
    unsigned checkpoint_s;           /* sign a checkpoint after this many seconds of growth (60) */
    unsigned checkpoint_leaves;      /* ... or this many new ledger entries (10000) */
    size_t max_artefact_size;        /* largest artefact; 0: VG_ARTEFACT_MAX_SIZE (32 MiB) */
    size_t max_artefacts_per_object; /* 0: VG_ARTEFACT_MAX_PER_OBJECT (64) */
    double lookup_half_life_days[VG_OBS_KIND_COUNT]; /* score decay per kind; 0: default */
    /* Webhooks (docs/watch.md): a CA file (PEM) to verify receivers'
     * certificates with instead of the system's, and the time an attempt may
     * take (0: 10 s). */
    const char *webhook_ca_file;
    unsigned webhook_timeout_s;
    unsigned webhook_retry_ms; /* the first retry's delay, doubled each time (0: 1000) */
    /* No listening socket: connections come only through
     * vg_server_add_connection (the in-process fuzz target); address and
     * port are ignored. */
    int no_listen;
};

#define VG_SERVER_MAX_CONTENT_LENGTH (100u * 1024 * 1024)
#define VG_SERVER_BODY_TIMEOUT_S 600

/* Run until SIGTERM or SIGINT.  Prints "listening on ADDR:PORT" on stdout
 * once ready.  VG_IO when the address cannot be bound. */
enum vg_rc vg_server_run(const struct vg_server_opts *opts, struct vg_error *err);

/*
 * The same server, in-process, for callers that own their own loop (tests,
 * fuzz targets): vg_server_start returns once it serves (opts is copied,
 * its strings must outlive the server); vg_server_stop lets requests in
 * flight finish as vg_server_run does at a signal, then frees the server.
 * vg_server_add_connection hands the server an already connected socket,
 * which it owns from then on (closes it) even when VG_IO is returned.
 * Signals are left to the caller.
 */
struct vg_server;
enum vg_rc vg_server_start(const struct vg_server_opts *opts, struct vg_server **out,
                           struct vg_error *err);
unsigned vg_server_port(const struct vg_server *srv); /* the bound port */
enum vg_rc vg_server_add_connection(struct vg_server *srv, int fd, struct vg_error *err);
void vg_server_stop(struct vg_server *srv);

#endif
