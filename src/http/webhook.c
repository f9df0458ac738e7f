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
 * Deliveries run side by side on libcurl's multi interface, at most
 * MAX_FLIGHT at once and one per organisation at a time (so each
 * organisation gets its notifications in order): a slow or silent receiver
 * holds up only its own organisation's deliveries, never another's.
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
#define BATCH 256     /* due deliveries read at each look */
#define MAX_FLIGHT 32 /* requests in flight at once */
#define TICK_MS 200

struct webhook {
    pthread_t thread;
    pthread_mutex_t mu;
    CURLM *multi; /* the requests in flight; woken by kicks and stop */
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

/* One delivery in flight: what its attempt is recorded with. */
struct job {
    CURL *c;
    struct curl_slist *h;
    char *body;
    int64_t id, org_id, start;
    int attempts;      /* recorded before this one */
    char delivery[64]; /* X-Vigie-Delivery: "SEQ.ATTEMPT" */
};

static void job_free(struct job *j)
{
    if (j == NULL)
        return;
    curl_slist_free_all(j->h);
    if (j->c)
        curl_easy_cleanup(j->c);
    free(j->body);
    free(j);
}

/* Add header line to j's list; 0 on success (the list is kept either way). */
static int header(struct job *j, const char *line)
{
    struct curl_slist *h = curl_slist_append(j->h, line);

    if (h == NULL)
        return -1;
    j->h = h;
    return 0;
}

/* The POST of j->body to url, ready for the multi handle; 0 on success. */
static int job_request(struct webhook *w, struct job *j, const char *url, const char *sig)
{
    char sline[256], dline[128];

    snprintf(sline, sizeof(sline), "X-Vigie-Signature: %s", sig);
    snprintf(dline, sizeof(dline), "X-Vigie-Delivery: %s", j->delivery);
    if ((j->c = curl_easy_init()) == NULL || header(j, "Content-Type: application/json") != 0 ||
        header(j, sline) != 0 || header(j, dline) != 0 || header(j, "Expect:") != 0)
        return -1;
    curl_easy_setopt(j->c, CURLOPT_HTTPHEADER, j->h);
    curl_easy_setopt(j->c, CURLOPT_URL, url);
    curl_easy_setopt(j->c, CURLOPT_POSTFIELDS, j->body);
    curl_easy_setopt(j->c, CURLOPT_POSTFIELDSIZE, (long)strlen(j->body));
    curl_easy_setopt(j->c, CURLOPT_USERAGENT, "vigie-webhook/1");
    curl_easy_setopt(j->c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(j->c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(j->c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(j->c, CURLOPT_CONNECTTIMEOUT, 5L);
    curl_easy_setopt(j->c, CURLOPT_TIMEOUT, (long)w->timeout_s);
    curl_easy_setopt(j->c, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(j->c, CURLOPT_PRIVATE, j);
    if (w->ca_file)
        curl_easy_setopt(j->c, CURLOPT_CAINFO, w->ca_file);
    return 0;
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

/*
 * Prepare the delivery of notification id of org: the request in *out
 * (NULL when there is nothing to send, the attempt then recorded here).
 */
static void prepare(struct webhook *w, struct vg_store *st, int64_t id, int64_t org_id,
                    struct job **out)
{
    struct vg_watch_hook hook;
    struct vg_principal p;
    vg_token tokens[VG_POLICY_TOKENS_MAX];
    struct vg_notify_filter f;
    struct vg_error err;
    struct one o = {st, NULL, 0, 0};
    char sig[160], why[256];
    struct job *j = NULL;
    json_t *env;

    *out = NULL;
    vg_error_clear(&err);
    memset(&hook, 0, sizeof(hook));
    if (vg_store_watch_hook_get(st, org_id, &hook, &err) != VG_OK) {
        /* the webhook was removed since: nothing to deliver to */
        vg_store_notify_attempt(st, id, vg_time_now_us(), 0, "no webhook", 0, VG_HOOK_FAILED, &err);
        return;
    }
    /* As the owner may see it now: its current tokens, the store's rule. */
    if (vg_store_principal(st, org_id, &p, &err) != VG_OK)
        goto retry;
    if (!p.good_standing) { /* a disabled organisation is told nothing */
        vg_store_notify_attempt(st, id, vg_time_now_us(), 0, "organisation disabled", 0,
                                VG_HOOK_FAILED, &err);
        goto out;
    }
    memset(&f, 0, sizeof(f));
    f.org_id = org_id;
    f.tokens = tokens;
    f.ntokens = vg_policy_tokens(&p, tokens);
    f.id = id;
    f.limit = 1;
    if (vg_store_notify_scan(st, &f, one_cb, &o, &err) != VG_OK || o.doc == NULL ||
        (j = calloc(1, sizeof(*j))) == NULL)
        goto retry;
    env = json_pack("{s:s, s:O}", "event", "notification", "notification", o.doc);
    j->body = env ? json_dumps(env, JSON_COMPACT) : NULL;
    json_decref(env);
    if (j->body == NULL)
        goto retry;
    j->id = id;
    j->org_id = org_id;
    j->attempts = o.attempts;
    snprintf(j->delivery, sizeof(j->delivery), "%lld.%d", (long long)o.seq, o.attempts + 1);
    j->start = vg_time_now_us();
    sign(hook.secret, j->start / 1000000, j->body, sig, sizeof(sig));
    if (job_request(w, j, hook.url, sig) != 0)
        goto retry;
    *out = j;
    j = NULL;
    goto out;
retry: /* the hub failed before sending: try again later, not in a loop */
    snprintf(why, sizeof(why), "not sent: %.200s", err.msg[0] ? err.msg : "out of memory");
    vg_store_notify_attempt(st, id, vg_time_now_us(), 0, why, vg_time_now_us() + w->retry_us,
                            VG_HOOK_PENDING, &err);
out:
    job_free(j);
    json_decref(o.doc);
    vg_wipe(&hook, sizeof(hook));
    vg_wipe(sig, sizeof(sig));
}

/* Record the attempt j made, which ended with r. */
static void finish(struct webhook *w, struct vg_store *st, struct job *j, CURLcode r)
{
    struct vg_error err;
    char why[256] = "";
    long status = 0;
    int n = j->attempts, state; /* attempts failed before this one */
    int64_t delay = w->retry_us << (n < 12 ? n : 12);

    vg_error_clear(&err);
    if (r != CURLE_OK)
        snprintf(why, sizeof(why), "%s", curl_easy_strerror(r));
    else
        curl_easy_getinfo(j->c, CURLINFO_RESPONSE_CODE, &status);
    if (r == CURLE_OK && status >= 200 && status <= 299) {
        vg_store_notify_attempt(st, j->id, j->start, (int)status, "", 0, VG_HOOK_DELIVERED, &err);
        return;
    }
    if (r == CURLE_OK)
        snprintf(why, sizeof(why), "HTTP %ld", status);
    state = n + 1 >= VG_WEBHOOK_ATTEMPTS ? VG_HOOK_FAILED : VG_HOOK_PENDING;

    if (delay > 3600ll * 1000000)
        delay = 3600ll * 1000000;
    /* the next attempt: delay after this one ended */
    vg_store_notify_attempt(st, j->id, j->start, (int)status, why, vg_time_now_us() + delay, state,
                            &err);
    vg_log(VG_LOG_INFO, "webhook", "org=%lld delivery=%s status=%ld error=%s%s",
           (long long)j->org_id, j->delivery, status, why,
           state == VG_HOOK_FAILED ? " (gave up)" : "");
}

/* The jobs in flight, by slot (NULL: free). */
struct flight {
    struct job *job[MAX_FLIGHT];
    size_t n;
};

/* Whether a delivery to org_id is in flight (at most one at a time). */
static int busy(const struct flight *fl, int64_t org_id)
{
    size_t i;

    for (i = 0; i < MAX_FLIGHT; i++)
        if (fl->job[i] && fl->job[i]->org_id == org_id)
            return 1;
    return 0;
}

/* Start what is due and not in flight, one per organisation. */
static void start_due(struct webhook *w, struct vg_store *st, struct flight *fl)
{
    int64_t ids[BATCH], orgs[BATCH], flying[MAX_FLIGHT];
    struct vg_error err;
    size_t n = 0, nflying = 0, i, k;

    vg_error_clear(&err);
    for (k = 0; k < MAX_FLIGHT; k++)
        if (fl->job[k])
            flying[nflying++] = fl->job[k]->org_id;
    /* the organisations in flight are left out of the look: a backlog of
     * one slow receiver's cannot fill the batch and hold up the others */
    if (fl->n == MAX_FLIGHT || vg_store_notify_pending(st, vg_time_now_us(), flying, nflying, BATCH,
                                                       ids, orgs, &n, &err) != VG_OK)
        return;
    for (i = 0; i < n && fl->n < MAX_FLIGHT; i++) {
        struct job *j;

        if (busy(fl, orgs[i]))
            continue;
        prepare(w, st, ids[i], orgs[i], &j);
        if (j == NULL)
            continue;
        if (curl_multi_add_handle(w->multi, j->c) != CURLM_OK) {
            job_free(j); /* still due: tried again at the next look */
            continue;
        }
        for (k = 0; fl->job[k]; k++)
            ;
        fl->job[k] = j;
        fl->n++;
    }
}

/* Record and drop every transfer that ended. */
static void reap(struct webhook *w, struct vg_store *st, struct flight *fl)
{
    CURLMsg *m;
    int left;
    size_t k;

    while ((m = curl_multi_info_read(w->multi, &left)) != NULL) {
        struct job *j = NULL;

        if (m->msg != CURLMSG_DONE)
            continue;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&j);
        finish(w, st, j, m->data.result);
        curl_multi_remove_handle(w->multi, j->c);
        for (k = 0; k < MAX_FLIGHT; k++)
            if (fl->job[k] == j)
                fl->job[k] = NULL;
        fl->n--;
        job_free(j);
    }
}

static void *loop(void *arg)
{
    struct webhook *w = arg;
    struct vg_store *st = NULL;
    struct vg_error err;
    struct flight fl;
    int64_t next_look = 0;
    size_t k;

    memset(&fl, 0, sizeof(fl));
    for (;;) {
        int running, look;

        pthread_mutex_lock(&w->mu);
        look = w->kicked || vg_time_now_us() >= next_look;
        w->kicked = 0;
        if (w->stop) {
            pthread_mutex_unlock(&w->mu);
            break;
        }
        pthread_mutex_unlock(&w->mu);
        vg_error_clear(&err);
        if (st == NULL && vg_store_open(w->hub, 0, &st, &err) != VG_OK)
            st = NULL;
        if (st && look) {
            start_due(w, st, &fl);
            next_look = vg_time_now_us() + (int64_t)TICK_MS * 1000;
        }
        curl_multi_perform(w->multi, &running);
        if (st)
            reap(w, st, &fl);
        /* until a socket is ready, the next look is due, or a kick */
        curl_multi_poll(w->multi, NULL, 0, TICK_MS, NULL);
    }
    /* Requests still in flight are dropped unrecorded: still due, they go
     * at the next start. */
    for (k = 0; k < MAX_FLIGHT; k++) {
        if (fl.job[k]) {
            curl_multi_remove_handle(w->multi, fl.job[k]->c);
            job_free(fl.job[k]);
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
    w->multi = curl_multi_init();
    if (w->hub == NULL || (opts->webhook_ca_file && w->ca_file == NULL) || w->multi == NULL ||
        pthread_create(&w->thread, NULL, loop, w) != 0) {
        if (w->multi)
            curl_multi_cleanup(w->multi);
        pthread_mutex_destroy(&w->mu);
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
    pthread_mutex_unlock(&w->mu);
    curl_multi_wakeup(w->multi);
}

void http_webhook_stop(void *webhook)
{
    struct webhook *w = webhook;

    if (w == NULL)
        return;
    pthread_mutex_lock(&w->mu);
    w->stop = 1;
    pthread_mutex_unlock(&w->mu);
    curl_multi_wakeup(w->multi);
    pthread_join(w->thread, NULL);
    curl_multi_cleanup(w->multi);
    pthread_mutex_destroy(&w->mu);
    free(w->hub);
    free(w->ca_file);
    free(w);
}
