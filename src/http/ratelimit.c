/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ratelimit.c - token buckets for the server's rate limits (ratelimit.h),
 * and the glue the server calls: the per-key check after authentication,
 * the per-address check for requests without a valid key, and the 429
 * answer with its Retry-After header.
 *
 * A bucket is 24 bytes: the key's 64-bit hash (FNV-1a with a seed drawn at
 * start, so that nobody can aim two keys at one bucket), the tokens in
 * millionths, and the time of the last refill.  Shards are small open-
 * addressed tables probed linearly over a short window; the shard is the
 * hash's top bits, the slot its low bits.
 */
#include "ratelimit.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/hash.h"
#include "common/log.h"
#include "common/vtime.h"
#include "internal.h"
#include "guard.h"

#define SHARDS 64
#define SLOTS 1024 /* per shard: 65,536 buckets in all */
#define PROBE 16   /* slots looked at per key */
#define MICRO 1000000LL

struct bucket {
    uint64_t key; /* 0: free */
    int64_t tokens_u;
    int64_t at_us;
};

struct shard {
    pthread_mutex_t mu;
    struct bucket b[SLOTS];
};

struct vg_ratelimit {
    int64_t rate;  /* tokens per second */
    int64_t burst; /* in whole tokens */
    uint64_t seed;
    struct shard shards[SHARDS];
};

struct vg_ratelimit *vg_ratelimit_new(unsigned rate, unsigned burst)
{
    struct vg_ratelimit *rl;
    size_t i;

    if ((rl = calloc(1, sizeof(*rl))) == NULL)
        return NULL;
    rl->rate = rate;
    rl->burst = burst ? burst : rate ? rate : 1;
    if (vg_random(&rl->seed, sizeof(rl->seed)) != VG_OK)
        rl->seed = 0xcbf29ce484222325ull ^ (uint64_t)vg_time_now_us();
    for (i = 0; i < SHARDS; i++)
        pthread_mutex_init(&rl->shards[i].mu, NULL);
    return rl;
}

void vg_ratelimit_free(struct vg_ratelimit *rl)
{
    size_t i;

    if (rl == NULL)
        return;
    for (i = 0; i < SHARDS; i++)
        pthread_mutex_destroy(&rl->shards[i].mu);
    free(rl);
}

/* Tokens (millionths) of b at now, refilled, capped at the burst. */
static int64_t refilled(const struct vg_ratelimit *rl, const struct bucket *b, int64_t now_us)
{
    int64_t dt = now_us - b->at_us, cap = rl->burst * MICRO, t;

    if (dt <= 0)
        return b->tokens_u;
    if (dt > cap / rl->rate + 1) /* full long since: and no overflow below */
        return cap;
    t = b->tokens_u + dt * rl->rate;
    return t > cap ? cap : t;
}

unsigned vg_ratelimit_take(struct vg_ratelimit *rl, const void *key, size_t len, int64_t now_us)
{
    uint64_t h;
    struct shard *sh;
    struct bucket *b = NULL, *victim = NULL;
    int64_t best = -1, t;
    unsigned wait = 0;
    size_t i, slot;

    if (rl == NULL || rl->rate == 0)
        return 0;
    h = vg_fnv1a(rl->seed, key, len);
    h |= 1; /* never 0, the free mark */
    sh = &rl->shards[h >> 58];
    slot = (size_t)h;
    pthread_mutex_lock(&sh->mu);
    for (i = 0; i < PROBE; i++) {
        struct bucket *c = &sh->b[(slot + i) % SLOTS];

        if (c->key == h) {
            b = c;
            break;
        }
        if (c->key == 0) {
            if (victim == NULL || victim->key != 0)
                victim = c;
            best = INT64_MAX;
            continue;
        }
        /* The fullest bucket is the one forgetting costs least. */
        if (best != INT64_MAX && (t = refilled(rl, c, now_us)) > best) {
            best = t;
            victim = c;
        }
    }
    if (b == NULL) {
        b = victim;
        b->key = h;
        b->tokens_u = rl->burst * MICRO;
        b->at_us = now_us;
    }
    b->tokens_u = refilled(rl, b, now_us);
    if (now_us > b->at_us)
        b->at_us = now_us;
    if (b->tokens_u >= MICRO) {
        b->tokens_u -= MICRO;
    } else {
        int64_t need_us = (MICRO - b->tokens_u + rl->rate - 1) / rl->rate;

        wait = (unsigned)((need_us + MICRO - 1) / MICRO);
        if (wait == 0)
            wait = 1;
    }
    pthread_mutex_unlock(&sh->mu);
    return wait;
}

/* ---- the server's use ---------------------------------------------------- */

/* The limits of the running server (one per process; set by its start). */
static _Atomic(struct vg_ratelimit *) per_key, per_address;
/* The wait of this thread's last refusal, for the Retry-After header. */
static _Thread_local unsigned last_wait;

enum vg_rc http_ratelimit_start(const struct vg_server_opts *opts, struct vg_error *err)
{
    struct vg_ratelimit *k = NULL, *a = NULL;

    if ((opts->rate_per_key &&
         (k = vg_ratelimit_new(opts->rate_per_key, opts->burst_per_key)) == NULL) ||
        (opts->rate_per_address &&
         (a = vg_ratelimit_new(opts->rate_per_address, opts->burst_per_address)) == NULL)) {
        vg_ratelimit_free(k);
        return vg_error_set(err, VG_NOMEM, NULL, "out of memory");
    }
    vg_ratelimit_free(atomic_exchange(&per_key, k));
    vg_ratelimit_free(atomic_exchange(&per_address, a));
    return VG_OK;
}

void http_ratelimit_stop(void)
{
    vg_ratelimit_free(atomic_exchange(&per_key, NULL));
    vg_ratelimit_free(atomic_exchange(&per_address, NULL));
}

static enum vg_rc refuse(unsigned wait, struct vg_error *err)
{
    last_wait = wait;
    return vg_error_set(err, VG_RATE, NULL, "too many requests: retry after %u s", wait);
}

enum vg_rc http_ratelimit_address(struct MHD_Connection *conn, struct vg_error *err)
{
    struct vg_ratelimit *rl = atomic_load(&per_address);
    const union MHD_ConnectionInfo *ci;
    const struct sockaddr *sa;
    unsigned wait;

    if (rl == NULL)
        return VG_OK;
    ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci == NULL || (sa = ci->client_addr) == NULL)
        return VG_OK;
    if (sa->sa_family == AF_INET)
        wait =
            vg_ratelimit_take(rl, &((const struct sockaddr_in *)sa)->sin_addr, 4, vg_time_now_us());
    else if (sa->sa_family == AF_INET6) /* a /64 is one client's */
        wait = vg_ratelimit_take(rl, &((const struct sockaddr_in6 *)sa)->sin6_addr, 8,
                                 vg_time_now_us());
    else
        return VG_OK;
    return wait ? refuse(wait, err) : VG_OK;
}

enum vg_rc http_ratelimit_after_auth(struct MHD_Connection *conn, enum vg_rc rc, const char *key_id,
                                     struct vg_error *err)
{
    struct vg_ratelimit *rl;
    unsigned wait;

    if (rc != VG_OK) { /* no valid key: the address pays, then the refusal stands */
        struct vg_error aerr;

        if (http_ratelimit_address(conn, &aerr) != VG_OK) {
            *err = aerr;
            return VG_RATE;
        }
        return rc;
    }
    if ((rl = atomic_load(&per_key)) == NULL)
        return VG_OK;
    wait = vg_ratelimit_take(rl, key_id, strlen(key_id), vg_time_now_us());
    return wait ? refuse(wait, err) : VG_OK;
}

enum MHD_Result http_ratelimit_send(struct MHD_Connection *conn, struct request *rq,
                                    const struct vg_error *err)
{
    char secs[16];
    struct vg_buf b;
    struct MHD_Response *resp;
    enum MHD_Result r;

    vg_buf_init(&b, 0);
    vg_buf_printf(&b, "{\"title\":\"%s\",\"description\":", vg_rc_title(VG_RATE));
    vg_buf_json_str(&b, err->msg, strlen(err->msg));
    if (vg_buf_puts(&b, ",\"http_status\":429}") != VG_OK) {
        vg_buf_cleanup(&b);
        return MHD_NO;
    }
    resp = MHD_create_response_from_buffer(b.len, b.data, MHD_RESPMEM_MUST_COPY);
    vg_buf_cleanup(&b);
    if (resp == NULL)
        return MHD_NO;
    snprintf(secs, sizeof(secs), "%u", last_wait ? last_wait : 1);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, secs);
    rq->status = 429;
    r = MHD_queue_response(conn, 429, resp);
    MHD_destroy_response(resp);
    return r;
}
