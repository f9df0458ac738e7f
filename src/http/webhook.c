/* SPDX-License-Identifier: Apache-2.0 */
/*
 * webhook.c - delivering notifications to the organisations' webhooks
 * while `vigie serve` runs (docs/watch.md, "Webhooks").
 *
 * One thread with its own store handle.  Every 200 ms, or at once when a
 * commit on this server kicks it (http_stream_kick passes the kick on), it
 * reads the deliveries that are due,
 * oldest first; imports by other processes are seen at the next look, so a
 * notification leaves within a fraction of a second of its commit.  For
 * each it renders the notification as the owner may see it at that moment
 * (the store decides, vg_store_notify_scan with the owner's current
 * tokens), signs it and POSTs it with libcurl:
 *
 *   X-Vigie-Signature: t=<unix seconds>,sha256=<hex HMAC-SHA-256(secret, "<t>.<body>")>
 *
 * the timestamp inside the signed bytes, as Stripe does, so that a
 * receiver that refuses old timestamps cannot be fed a replay.  A 2xx
 * answer delivers; anything else (no answer, a timeout, 3xx, 4xx, 5xx) is
 * retried after 1, 2, 4, ... seconds (webhook.retry_base_ms; at most an
 * hour apart), up to
 * VG_WEBHOOK_ATTEMPTS attempts, then the delivery is marked failed.  Every
 * attempt is recorded (time, status, error).  Redirects are not followed;
 * certificates are verified (a CA file can be configured).
 *
 * Deliveries run one at a time: a slow receiver delays the others by at
 * most its timeout (10 s).
 */
#include "internal.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/hash.h"
#include "common/log.h"
#include "common/vtime.h"
#include "policy/policy.h"
#include "watch/render.h"

#define VG_WEBHOOK_ATTEMPTS 8
#define BATCH 32
#define TICK_MS 200

struct webhook {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    int stop, kicked;
    char *hub;
    char *ca_file;
    unsigned timeout_s;
    int64_t retry_us; /* the first retry's delay */
};

struct one {
    struct vg_store *st;
    json_t *doc;
    int64_t seq;
    int attempts; /* recorded so far */
};

static int one_cb(void *ctx, const struct vg_notify_row *n)
{
    struct one *o = ctx;

    o->doc = vg_watch_notification_json(o->st, n, 0);
    o->seq = n->seq;
    o->attempts = n->attempts;
    return 1;
}

static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
    (void)p;
    (void)ctx;
    return size * n;
}

/* One POST; returns the HTTP status (0: none) and fills why on failure. */
static long post(struct webhook *w, const char *url, const char *body, const char *sig,
                 const char *delivery, char *why, size_t cap)
{
    struct curl_slist *h = NULL;
    char line[256];
    long status = 0;
    CURL *c = curl_easy_init();
    CURLcode r;

    if (c == NULL) {
        snprintf(why, cap, "out of memory");
        return 0;
    }
    h = curl_slist_append(h, "Content-Type: application/json");
    snprintf(line, sizeof(line), "X-Vigie-Signature: %s", sig);
    h = curl_slist_append(h, line);
    snprintf(line, sizeof(line), "X-Vigie-Delivery: %s", delivery);
    h = curl_slist_append(h, line);
    h = curl_slist_append(h, "Expect:");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    curl_easy_setopt(c, CURLOPT_USERAGENT, "vigie-webhook/1");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 5L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)w->timeout_s);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    if (w->ca_file)
        curl_easy_setopt(c, CURLOPT_CAINFO, w->ca_file);
    if ((r = curl_easy_perform(c)) != CURLE_OK)
        snprintf(why, cap, "%s", curl_easy_strerror(r));
    else
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (r == CURLE_OK && (status < 200 || status > 299))
        snprintf(why, cap, "HTTP %ld", status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return status;
}

/*
 * The signature header of body at time t: "t=T,sha256=HEX" with
 * HEX = HMAC-SHA-256(secret, "T.body").
 */
static void sign(const char *secret, int64_t t, const char *body, char *out, size_t cap)
{
    struct vg_buf m;
    uint8_t mac[32];
    char hex[65];

    vg_buf_init(&m, 0);
    if (vg_buf_printf(&m, "%lld.", (long long)t) != VG_OK || vg_buf_puts(&m, body) != VG_OK) {
        vg_buf_cleanup(&m);
        snprintf(out, cap, "t=%lld,sha256=", (long long)t);
        return;
    }
    vg_hmac_sha256(secret, strlen(secret), m.data, m.len, mac);
    vg_hex(mac, sizeof(mac), hex);
    snprintf(out, cap, "t=%lld,sha256=%s", (long long)t, hex);
    vg_buf_cleanup(&m);
    vg_wipe(mac, sizeof(mac));
}

/* Deliver notification id of org once, and record the attempt. */
static void deliver(struct webhook *w, struct vg_store *st, int64_t id, int64_t org_id)
{
    struct vg_watch_hook hook;
    struct vg_principal p;
    vg_token tokens[VG_POLICY_TOKENS_MAX];
    struct vg_notify_filter f;
    struct vg_error err;
    struct one o = {st, NULL, 0, 0};
    char sig[160], delivery[64], why[256] = "";
    char *body = NULL;
    json_t *env;
    int64_t start;
    long status;
    int recorded = 0;

    vg_error_clear(&err);
    memset(&hook, 0, sizeof(hook));
    if (vg_store_watch_hook_get(st, org_id, &hook, &err) != VG_OK) {
        /* the webhook was removed since: nothing to deliver to */
        vg_store_notify_attempt(st, id, vg_time_now_us(), 0, "no webhook", 0, VG_HOOK_FAILED, &err);
        return;
    }
    /* As the owner may see it now: its current tokens, the store's rule. */
    if (vg_store_principal(st, org_id, &p, &err) != VG_OK)
        goto out;
    if (!p.good_standing) { /* a disabled organisation is told nothing */
        vg_store_notify_attempt(st, id, vg_time_now_us(), 0, "organisation disabled", 0,
                                VG_HOOK_FAILED, &err);
        recorded = 1;
        goto out;
    }
    memset(&f, 0, sizeof(f));
    f.org_id = org_id;
    f.tokens = tokens;
    f.ntokens = vg_policy_tokens(&p, tokens);
    f.id = id;
    f.limit = 1;
    if (vg_store_notify_scan(st, &f, one_cb, &o, &err) != VG_OK || o.doc == NULL)
        goto out;
    env = json_pack("{s:s, s:O}", "event", "notification", "notification", o.doc);
    body = env ? json_dumps(env, JSON_COMPACT) : NULL;
    json_decref(env);
    if (body == NULL)
        goto out;
    snprintf(delivery, sizeof(delivery), "%lld.%d", (long long)o.seq, o.attempts + 1);
    start = vg_time_now_us();
    sign(hook.secret, start / 1000000, body, sig, sizeof(sig));
    status = post(w, hook.url, body, sig, delivery, why, sizeof(why));
    recorded = 1;
    if (status >= 200 && status <= 299) {
        vg_store_notify_attempt(st, id, start, (int)status, "", 0, VG_HOOK_DELIVERED, &err);
    } else {
        int n = o.attempts; /* failed before this one */
        int64_t delay = w->retry_us << (n < 12 ? n : 12);
        int state = n + 1 >= VG_WEBHOOK_ATTEMPTS ? VG_HOOK_FAILED : VG_HOOK_PENDING;

        if (delay > 3600ll * 1000000)
            delay = 3600ll * 1000000;
        /* the next attempt: delay after this one ended */
        vg_store_notify_attempt(st, id, start, (int)status, why, vg_time_now_us() + delay, state,
                                &err);
        vg_log(VG_LOG_INFO, "webhook", "org=%lld delivery=%s status=%ld error=%s%s",
               (long long)org_id, delivery, status, why,
               state == VG_HOOK_FAILED ? " (gave up)" : "");
    }
out:
    if (!recorded) { /* the hub failed before sending: try again later, not in a loop */
        snprintf(why, sizeof(why), "not sent: %.200s", err.msg[0] ? err.msg : "out of memory");
        vg_store_notify_attempt(st, id, vg_time_now_us(), 0, why, vg_time_now_us() + w->retry_us,
                                VG_HOOK_PENDING, &err);
    }
    free(body);
    json_decref(o.doc);
    vg_wipe(&hook, sizeof(hook));
}

static void *loop(void *arg)
{
    struct webhook *w = arg;
    struct vg_store *st = NULL;
    struct vg_error err;

    for (;;) {
        int64_t ids[BATCH], orgs[BATCH];
        size_t n = 0, i;
        struct timespec until;

        pthread_mutex_lock(&w->mu);
        if (!w->stop && !w->kicked) {
            vg_time_deadline((int64_t)TICK_MS * 1000, &until);
            pthread_cond_timedwait(&w->cond, &w->mu, &until);
        }
        w->kicked = 0;
        if (w->stop) {
            pthread_mutex_unlock(&w->mu);
            break;
        }
        pthread_mutex_unlock(&w->mu);
        vg_error_clear(&err);
        if (st == NULL && vg_store_open(w->hub, 0, &st, &err) != VG_OK) {
            st = NULL;
            continue;
        }
        if (vg_store_notify_pending(st, vg_time_now_us(), BATCH, ids, orgs, &n, &err) != VG_OK)
            continue;
        for (i = 0; i < n; i++) {
            pthread_mutex_lock(&w->mu);
            if (w->stop) {
                pthread_mutex_unlock(&w->mu);
                break;
            }
            pthread_mutex_unlock(&w->mu);
            deliver(w, st, ids[i], orgs[i]);
        }
        if (n == BATCH) { /* more are due: look again at once */
            pthread_mutex_lock(&w->mu);
            w->kicked = 1;
            pthread_mutex_unlock(&w->mu);
        }
    }
    vg_store_close(st);
    return NULL;
}

void *http_webhook_start(const struct vg_server_opts *opts)
{
    struct webhook *w = calloc(1, sizeof(*w));

    if (w == NULL)
        return NULL;
    w->hub = strdup(opts->hub);
    w->ca_file = opts->webhook_ca_file ? strdup(opts->webhook_ca_file) : NULL;
    w->timeout_s = opts->webhook_timeout_s ? opts->webhook_timeout_s : 10;
    w->retry_us = (int64_t)(opts->webhook_retry_ms ? opts->webhook_retry_ms : 1000) * 1000;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cond, NULL);
    if (w->hub == NULL || (opts->webhook_ca_file && w->ca_file == NULL) ||
        pthread_create(&w->thread, NULL, loop, w) != 0) {
        pthread_mutex_destroy(&w->mu);
        pthread_cond_destroy(&w->cond);
        free(w->hub);
        free(w->ca_file);
        free(w);
        vg_log(VG_LOG_ERROR, "webhook", "cannot start the webhook thread");
        return NULL;
    }
    return w;
}

void http_webhook_kick(void *webhook)
{
    struct webhook *w = webhook;

    if (w == NULL)
        return;
    pthread_mutex_lock(&w->mu);
    w->kicked = 1;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->mu);
}

void http_webhook_stop(void *webhook)
{
    struct webhook *w = webhook;

    if (w == NULL)
        return;
    pthread_mutex_lock(&w->mu);
    w->stop = 1;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cond);
    free(w->hub);
    free(w->ca_file);
    free(w);
}
