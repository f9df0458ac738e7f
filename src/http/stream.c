/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stream.c - GET /api/v1/stream: the hub's event sequence, live, as
 * Server-Sent Events, each partner seeing what the policy lets it see now.
 *
 * No thread per subscriber and no unbounded memory.  A subscriber is a
 * cursor (the last event it has examined) and one bounded buffer: its
 * content reader reads the next events after the cursor from the store
 * (the policy inside the query, with the key and its organisation's groups
 * checked again every second), so a subscriber that falls behind simply
 * reads further back - nothing is dropped, nothing grows.  With nothing to
 * send, the reader suspends its connection (libmicrohttpd suspend/resume)
 * and joins the waiting list; one notifier thread watches the store's head
 * and the clock and resumes those with new events, a heartbeat or a key
 * check due.  Writers never wait for readers: they only commit.
 *
 * Event ids are opaque: AES-128 of (sequence number, organisation) under a
 * key kept in the hub, so that a partner cannot count the events it may
 * not see from gaps in the numbering, and cannot resume with another
 * partner's position.  The sequence number's top 16 bits carry a rank: 0
 * for the event itself, k for the owner's k-th watch-list notification
 * caused by that event (stream_notify.c), sent right after it.
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/socket.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>

#include "common/hash.h"
#include "common/log.h"
#include "common/vtime.h"
#include "geo_filter.h"
#include "internal.h"
#include "model/obs.h"
#include "model/uuid.h"
#include "policy/policy.h"
#include "stream_ring.h"

#define BATCH 256              /* events read from the store per fill */
#define BUF_SOFT (256u * 1024) /* a fill stops once the buffer holds this */
#define RING_SOFT (64u * 1024) /* the same from the window: refilled at memory speed */
#define CHECK_US 1000000       /* the key is checked again this often */
#define LIST_MAX 16            /* items per filter list */
#define NOTIFY_US 100000       /* the notifier's period */
#define NOTES_MAX 64           /* watch-list notifications per fill */
#define RANK_SHIFT 48          /* an id's sequence number: rank << 48 | seq */
#define RING_EXAMINE 4096      /* ring entries looked at per fill */
#define FILL_ROUNDS 8          /* fills per reader call while they find nothing to send */
#define RING_EVENTS 65536      /* the window's default bounds */
#define RING_MIB 32
#define KEYS_MAX 256 /* keys whose last check the subscribers share */
/* The window is loaded while someone follows the stream, and this long
 * after the last one left (a reconnect storm keeps it). */
#define RING_IDLE_US (60 * 1000000LL)
#define KEY_IDLE_US                                                                                \
    (10 * (int64_t)CHECK_US) /* a key's check unused this long: its slot is free                   \
                              */

/*
 * The last check of one key, shared by its subscribers: a partner follows
 * many streams with one key, and each checking it every second was a store
 * query per subscriber per second, and a wake of every waiting one, in a
 * burst when they had connected together.  A subscriber takes a check made
 * less than CHECK_US ago and is due again CHECK_US after it was made, so a
 * revoked key's streams still end within CHECK_US (and a notifier pass);
 * the notifier makes the checks of the keys in use before they are due,
 * and gives waiting subscribers their tokens without waking them.
 */
struct key_check {
    char key_id[VG_KEY_ID_MAX]; /* "": a free slot */
    int64_t checked_us, used_us;
    int ok;
    char why[96]; /* when not ok */
    vg_token tok[VG_POLICY_TOKENS_MAX];
    size_t ntok;
};

struct stream_state {
    pthread_mutex_t mu;
    pthread_cond_t kick; /* a commit on this server: look now */
    struct sub *waiting; /* suspended subscribers */
    pthread_t notifier;
    int started;
    atomic_int stopping;             /* read by the readers without mu */
    unsigned long kicks, kicks_seen; /* commits signalled, and those the notifier has looked at */
    uint8_t id_key[16];
    int64_t heartbeat_us, retention_us;
    /* the notifier's: subscribers resumed, and waiting ones whose cursor it
     * moved past window entries not for them without waking them */
    atomic_ullong wakes, passes;
    atomic_llong subscribers; /* connected (their memory held) */
    int64_t followed_us;      /* the notifier's: when it last saw a subscriber */
    struct http_ring ring;    /* recent events, shared (stream_ring.c) */
    pthread_mutex_t keys_mu;  /* keys (taken after mu, never before it) */
    struct key_check keys[KEYS_MAX];
};

struct sub {
    struct server *srv;
    struct MHD_Connection *conn;
    char key_id[VG_KEY_ID_MAX];
    int64_t org_id;
    vg_token tok[VG_POLICY_TOKENS_MAX];
    size_t ntok;
    /* filters */
    char typebuf[1024], labelbuf[1024];
    const char *types[LIST_MAX], *labels[LIST_MAX];
    size_t ntypes, nlabels;
    enum vg_obs_kind kinds[LIST_MAX];
    size_t nkinds;
    int64_t collections[LIST_MAX];
    size_t ncollections;
    vg_token groups[LIST_MAX];
    size_t ngroups;
    int has_max_tlp;
    enum vg_tlp max_tlp;
    struct http_geo geo; /* jurisdiction= (geo_filter.c) */
    int locations;       /* locations=1: a location line with each object event */
    /* position and output */
    int64_t cursor;
    int cursor_rank; /* notifications of the cursor's event sent: -1 all, k the first k */
    int64_t next_heartbeat_us, next_check_us;
    struct vg_buf out;
    size_t sent;
    int ending, suspended;
    int in_ring;  /* reads the shared window (else the store) */
    int key_slot; /* its key's shared check in ss->keys, -1: not looked up yet */
    struct sub *next, *prev;
};

/* ---- opaque event ids --------------------------------------------------- */

/*
 * One cipher context per thread and direction, keyed once: a context per id
 * cost an allocation and a key schedule for every event sent.  The
 * contexts go with their thread (pthread key destructor).
 */
struct id_ctx {
    EVP_CIPHER_CTX *c[2]; /* decrypt, encrypt */
    uint8_t key[16];
    int ready;
};

static pthread_key_t id_tls;
static pthread_once_t id_once = PTHREAD_ONCE_INIT;

static void id_ctx_free(void *p)
{
    struct id_ctx *x = p;

    EVP_CIPHER_CTX_free(x->c[0]);
    EVP_CIPHER_CTX_free(x->c[1]);
    vg_wipe(x, sizeof(*x));
    free(x);
}

static void id_tls_make(void)
{
    pthread_key_create(&id_tls, id_ctx_free);
}

static int id_crypt(const uint8_t key[16], const uint8_t in[16], uint8_t out[16], int enc)
{
    struct id_ctx *x;
    int n = 0, i;

    pthread_once(&id_once, id_tls_make);
    if ((x = pthread_getspecific(id_tls)) == NULL) {
        if ((x = calloc(1, sizeof(*x))) == NULL)
            return -1;
        if (pthread_setspecific(id_tls, x) != 0) {
            free(x);
            return -1;
        }
    }
    if (!x->ready || CRYPTO_memcmp(x->key, key, 16) != 0) {
        x->ready = 0;
        for (i = 0; i < 2; i++) {
            if (x->c[i] == NULL && (x->c[i] = EVP_CIPHER_CTX_new()) == NULL)
                return -1;
            if (EVP_CipherInit_ex(x->c[i], EVP_aes_128_ecb(), NULL, key, NULL, i) != 1 ||
                EVP_CIPHER_CTX_set_padding(x->c[i], 0) != 1)
                return -1;
        }
        memcpy(x->key, key, 16);
        x->ready = 1;
    }
    /* ECB without padding keeps no state between whole blocks */
    return EVP_CipherUpdate(x->c[enc ? 1 : 0], out, &n, in, 16) == 1 && n == 16 ? 0 : -1;
}

/* The encrypted id of (seq with rank, org); zeros if the cipher fails. */
static void id_enc(const struct stream_state *ss, int64_t seq, int64_t org, int rank,
                   uint8_t enc[16])
{
    uint8_t in[16];
    int i;

    seq |= (int64_t)rank << RANK_SHIFT;
    for (i = 0; i < 8; i++) {
        in[i] = (uint8_t)((uint64_t)seq >> (56 - 8 * i));
        in[8 + i] = (uint8_t)((uint64_t)org >> (56 - 8 * i));
    }
    if (id_crypt(ss->id_key, in, enc, 1) != 0)
        memset(enc, 0, 16);
}

static void id_hex(const uint8_t enc[16], char out[33])
{
    static const char hex[] = "0123456789abcdef";
    int i;

    for (i = 0; i < 16; i++) {
        out[2 * i] = hex[enc[i] >> 4];
        out[2 * i + 1] = hex[enc[i] & 15];
    }
    out[32] = '\0';
}

static void id_make(const struct stream_state *ss, int64_t seq, int64_t org, int rank, char out[33])
{
    uint8_t enc[16];

    id_enc(ss, seq, org, rank, enc);
    id_hex(enc, out);
}

/* An event's own id (rank 0), for the ring's cache. */
static void id_event(const void *ctx, int64_t seq, int64_t org, uint8_t out[16])
{
    id_enc(ctx, seq, org, 0, out);
}

/* The sequence number inside an id of this organisation's, or -1; *rank
 * its rank (0: the event itself). */
static int64_t id_read(const struct stream_state *ss, const char *text, int64_t org, int *rank)
{
    uint8_t in[16], dec[16];
    uint64_t seq = 0, o = 0;
    int i;

    if (strlen(text) != 32)
        return -1;
    for (i = 0; i < 16; i++) {
        unsigned v;

        if (sscanf(text + 2 * i, "%2x", &v) != 1 || !strchr("0123456789abcdef", text[2 * i]) ||
            !strchr("0123456789abcdef", text[2 * i + 1]))
            return -1;
        in[i] = (uint8_t)v;
    }
    if (id_crypt(ss->id_key, in, dec, 0) != 0)
        return -1;
    for (i = 0; i < 8; i++) {
        seq = seq << 8 | dec[i];
        o = o << 8 | dec[8 + i];
    }
    *rank = (int)(seq >> RANK_SHIFT);
    seq &= ((uint64_t)1 << RANK_SHIFT) - 1;
    return (int64_t)o == org && *rank <= 1024 ? (int64_t)seq : -1;
}

/* ---- the notifier -------------------------------------------------------- */

static int ring_wake(struct sub *s, struct http_ring *r, int64_t oldest_us);
static void keys_refresh(struct stream_state *ss, struct vg_store *st, int64_t now);
static int key_fresh(struct stream_state *ss, struct sub *s, int64_t now);

static void *notifier(void *arg)
{
    struct server *srv = arg;
    struct stream_state *ss = srv->stream;
    struct vg_store *st = NULL;
    struct vg_error err;

    vg_error_clear(&err);
    for (;;) {
        int64_t head = 0, now;
        struct sub *s, *nx;
        int stop;

        if (st == NULL && vg_store_open(srv->opts->hub, 0, &st, &err) != VG_OK)
            st = NULL;
        if (st != NULL && vg_store_head(st, &head, &err) != VG_OK)
            head = 0;
        now = vg_time_now_us();
        /* Each new event read once, for everyone - while someone follows:
         * a hub nobody streams from does not read every commit back (8% of
         * the server's CPU in a run of TAXII POSTs).  Off, the window
         * restarts empty at the head; a subscriber arriving meanwhile
         * catches up from the store, then joins it. */
        if (atomic_load(&ss->subscribers) > 0)
            ss->followed_us = now;
        if (st != NULL && head > 0 && ss->followed_us && now - ss->followed_us < RING_IDLE_US)
            http_ring_load(&ss->ring, st, head);
        else if (ss->ring.on)
            http_ring_off(&ss->ring);
        if (st != NULL)
            keys_refresh(ss, st, now);
        pthread_mutex_lock(&ss->mu);
        stop = ss->stopping;
        http_ring_rdlock(&ss->ring);
        for (s = ss->waiting; s; s = nx) {
            /* a subscriber inside the window waits for the window's head,
             * and is woken only by entries it may be sent (ring_wake) */
            int in_ring = ss->ring.on && s->cursor >= ss->ring.base;
            int64_t avail = in_ring ? ss->ring.head : head;

            nx = s->next;
            if (stop || now >= s->next_heartbeat_us ||
                (now >= s->next_check_us && !key_fresh(ss, s, now)) ||
                (avail > s->cursor &&
                 (!in_ring || ring_wake(s, &ss->ring, now - ss->retention_us)))) {
                if (s->prev)
                    s->prev->next = s->next;
                else
                    ss->waiting = s->next;
                if (s->next)
                    s->next->prev = s->prev;
                s->next = s->prev = NULL;
                s->suspended = 0;
                atomic_fetch_add_explicit(&ss->wakes, 1, memory_order_relaxed);
                MHD_resume_connection(s->conn);
            }
        }
        http_ring_unlock(&ss->ring);
        /* until the period ends or a commit here kicks; one that came while
         * the notifier was loading or resuming is not waited for */
        if (!stop && ss->kicks == ss->kicks_seen) {
            struct timespec until;

            vg_time_deadline(NOTIFY_US, &until);
            pthread_cond_timedwait(&ss->kick, &ss->mu, &until);
        }
        ss->kicks_seen = ss->kicks;
        pthread_mutex_unlock(&ss->mu);
        if (stop)
            break;
    }
    if (st)
        vg_store_close(st);
    return NULL;
}

enum vg_rc http_stream_start(struct server *srv, struct vg_error *err)
{
    struct stream_state *ss = calloc(1, sizeof(*ss));
    struct vg_store *st;
    char hex[33] = "";
    enum vg_rc rc;
    int i;

    if (ss == NULL)
        return vg_error_set(err, VG_NOMEM, NULL, "out of memory");
    pthread_mutex_init(&ss->mu, NULL);
    pthread_mutex_init(&ss->keys_mu, NULL);
    pthread_cond_init(&ss->kick, NULL);
    if (http_ring_init(
            &ss->ring,
            srv->opts->stream_window_off      ? 0
            : srv->opts->stream_window_events ? srv->opts->stream_window_events
                                              : RING_EVENTS,
            (size_t)(srv->opts->stream_window_mib ? srv->opts->stream_window_mib : RING_MIB)
                << 20) != VG_OK) {
        pthread_cond_destroy(&ss->kick);
        pthread_mutex_destroy(&ss->keys_mu);
        pthread_mutex_destroy(&ss->mu);
        free(ss);
        return vg_error_set(err, VG_NOMEM, NULL, "out of memory");
    }
    ss->heartbeat_us =
        (int64_t)(srv->opts->stream_heartbeat_s ? srv->opts->stream_heartbeat_s : 15) * 1000000;
    ss->retention_us =
        (int64_t)(srv->opts->stream_retention_days ? srv->opts->stream_retention_days : 30) *
        86400 * 1000000;
    /* The id key outlives restarts (a client resumes across them). */
    if ((rc = vg_store_open(srv->opts->hub, 0, &st, err)) != VG_OK)
        goto fail;
    rc = vg_store_meta_get(st, "stream_id_key", hex, sizeof(hex), err);
    if (rc == VG_NOT_FOUND || strlen(hex) != 32) {
        uint8_t k[16];

        vg_error_clear(err);
        if ((rc = vg_random(k, sizeof(k))) != VG_OK) {
            vg_error_set(err, rc, NULL, "no randomness for the stream key");
            vg_store_close(st);
            goto fail;
        }
        for (i = 0; i < 16; i++)
            snprintf(hex + 2 * i, 3, "%02x", k[i]);
        rc = vg_store_meta_set(st, "stream_id_key", hex, err);
    }
    vg_store_close(st);
    if (rc != VG_OK)
        goto fail;
    for (i = 0; i < 16; i++) {
        unsigned v = 0;

        sscanf(hex + 2 * i, "%2x", &v);
        ss->id_key[i] = (uint8_t)v;
    }
    srv->stream = ss;
    if (pthread_create(&ss->notifier, NULL, notifier, srv) != 0) {
        srv->stream = NULL;
        rc = vg_error_set(err, VG_INTERNAL, NULL, "cannot start the stream notifier");
        goto fail;
    }
    ss->started = 1;
    return VG_OK;
fail:
    http_ring_cleanup(&ss->ring);
    pthread_cond_destroy(&ss->kick);
    pthread_mutex_destroy(&ss->keys_mu);
    pthread_mutex_destroy(&ss->mu);
    free(ss);
    return rc;
}

void http_stream_stop(struct server *srv)
{
    struct stream_state *ss = srv->stream;

    if (ss == NULL)
        return;
    pthread_mutex_lock(&ss->mu);
    ss->stopping = 1; /* the notifier resumes every subscriber, which ends */
    pthread_cond_signal(&ss->kick);
    pthread_mutex_unlock(&ss->mu);
    pthread_join(ss->notifier, NULL);
}

void http_stream_free(struct server *srv)
{
    struct stream_state *ss = srv->stream;

    if (ss == NULL)
        return;
    http_ring_cleanup(&ss->ring);
    pthread_cond_destroy(&ss->kick);
    pthread_mutex_destroy(&ss->keys_mu);
    pthread_mutex_destroy(&ss->mu);
    vg_wipe(ss->id_key, sizeof(ss->id_key));
    free(ss);
    srv->stream = NULL;
}

void http_stream_kick(struct server *srv)
{
    struct stream_state *ss = srv->stream;

    atomic_fetch_add(&srv->commits, 1); /* look-ups sync their value set */
    http_webhook_kick(srv->webhook);    /* notifications may have been committed too */
    if (ss == NULL)
        return;
    pthread_mutex_lock(&ss->mu);
    ss->kicks++;
    pthread_cond_signal(&ss->kick);
    pthread_mutex_unlock(&ss->mu);
}

/* ---- the keys' shared checks --------------------------------------------- */

/* With keys_mu held: s's key's slot, or NULL. */
static struct key_check *key_find(struct stream_state *ss, struct sub *s)
{
    int i;

    if (s->key_slot >= 0 && strcmp(ss->keys[s->key_slot].key_id, s->key_id) == 0)
        return &ss->keys[s->key_slot];
    for (i = 0; i < KEYS_MAX; i++)
        if (strcmp(ss->keys[i].key_id, s->key_id) == 0) {
            s->key_slot = i;
            return &ss->keys[i];
        }
    return NULL;
}

/*
 * s's key checked at now: the shared check when it is younger than
 * CHECK_US, else a new one made on st (and shared: in the key's slot, a
 * free one, or the one unused the longest).  VG_OK with s's tokens set and
 * *checked the time of the check; else err says why the key is refused
 * (a refusal is shared too, a store failure is not).
 */
static enum vg_rc key_check(struct stream_state *ss, struct vg_store *st, struct sub *s,
                            int64_t now, int64_t *checked, struct vg_error *err)
{
    struct key_check *k;
    struct vg_auth who;
    enum vg_rc rc;
    int i;

    pthread_mutex_lock(&ss->keys_mu);
    if ((k = key_find(ss, s)) != NULL && now - k->checked_us < CHECK_US) {
        k->used_us = now;
        *checked = k->checked_us;
        if (k->ok) {
            memcpy(s->tok, k->tok, k->ntok * sizeof(*k->tok));
            s->ntok = k->ntok;
            rc = VG_OK;
        } else {
            rc = vg_error_set(err, VG_AUTH, NULL, "%s", k->why);
        }
        pthread_mutex_unlock(&ss->keys_mu);
        return rc;
    }
    pthread_mutex_unlock(&ss->keys_mu);
    rc = vg_auth_refresh(st, s->key_id, now, VG_SCOPE_READ, &who, err);
    if (rc == VG_OK)
        s->ntok = vg_policy_tokens(&who.principal, s->tok);
    else if (rc != VG_AUTH && rc != VG_FORBIDDEN)
        return rc;
    *checked = now;
    pthread_mutex_lock(&ss->keys_mu);
    if ((k = key_find(ss, s)) == NULL) {
        for (i = 0; i < KEYS_MAX; i++)
            if (k == NULL || ss->keys[i].key_id[0] == '\0' ||
                (k->key_id[0] != '\0' && ss->keys[i].used_us < k->used_us))
                k = &ss->keys[i];
        snprintf(k->key_id, sizeof(k->key_id), "%s", s->key_id);
        s->key_slot = (int)(k - ss->keys);
    }
    k->checked_us = k->used_us = now;
    k->ok = rc == VG_OK;
    snprintf(k->why, sizeof(k->why), "%.95s", rc == VG_OK ? "" : err->msg);
    memcpy(k->tok, s->tok, s->ntok * sizeof(*s->tok));
    k->ntok = s->ntok;
    pthread_mutex_unlock(&ss->keys_mu);
    return rc;
}

/*
 * The notifier, before it looks at the waiting subscribers: the keys in use
 * whose check falls due within a pass are checked again now, on its own
 * store handle and without mu, so that their subscribers find a fresh check
 * (key_fresh) instead of waking to make it; slots unused for KEY_IDLE_US
 * are freed.  A refused key is left as it is: its subscribers wake and end.
 */
static void keys_refresh(struct stream_state *ss, struct vg_store *st, int64_t now)
{
    int i;

    for (i = 0; i < KEYS_MAX; i++) {
        char id[VG_KEY_ID_MAX];
        struct vg_auth who;
        struct vg_error err;
        struct key_check *k = &ss->keys[i];
        enum vg_rc rc;

        pthread_mutex_lock(&ss->keys_mu);
        if (k->key_id[0] != '\0' && now - k->used_us >= KEY_IDLE_US)
            k->key_id[0] = '\0';
        if (k->key_id[0] == '\0' || !k->ok || now - k->checked_us < CHECK_US - NOTIFY_US) {
            pthread_mutex_unlock(&ss->keys_mu);
            continue;
        }
        memcpy(id, k->key_id, sizeof(id));
        pthread_mutex_unlock(&ss->keys_mu);
        vg_error_clear(&err);
        rc = vg_auth_refresh(st, id, now, VG_SCOPE_READ, &who, &err);
        if (rc != VG_OK && rc != VG_AUTH && rc != VG_FORBIDDEN)
            continue; /* the store failed: the subscribers will try themselves */
        pthread_mutex_lock(&ss->keys_mu);
        if (strcmp(k->key_id, id) == 0) {
            k->checked_us = now;
            k->ok = rc == VG_OK;
            snprintf(k->why, sizeof(k->why), "%.95s", rc == VG_OK ? "" : err.msg);
            k->ntok = rc == VG_OK ? vg_policy_tokens(&who.principal, k->tok) : 0;
        }
        pthread_mutex_unlock(&ss->keys_mu);
    }
}

/*
 * s's connection, while it waits: 1 open and quiet, 0 something to read
 * (for libmicrohttpd, which reads nothing of a suspended connection), -1
 * its client has gone.  A subscriber sends nothing after its request, and
 * libmicrohttpd notices a closed connection only when a send fails: one
 * left in a reconnect, and never woken again by its filter, stayed
 * suspended until its next heartbeat.
 */
static int peer(const struct sub *s)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(s->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    char c;
    ssize_t n;

    if (ci == NULL)
        return 0;
    n = recv(ci->connect_fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return 1;
    return n > 0 ? 0 : -1;
}

/* The notifier, with mu held, for a waiting subscriber whose key check is
 * due: 1 if its key's shared check is fresh and good (s now has its tokens
 * and is due again CHECK_US after it) and its client is still there, 0 if
 * s must wake - to check, to read what came, or to end (its client gone:
 * within a second, not at its next heartbeat). */
static int key_fresh(struct stream_state *ss, struct sub *s, int64_t now)
{
    struct key_check *k;
    int fresh;

    switch (peer(s)) {
    case -1:
        s->ending = 1;
        return 0;
    case 0:
        return 0;
    }
    pthread_mutex_lock(&ss->keys_mu);
    k = key_find(ss, s);
    fresh = k != NULL && k->ok && now - k->checked_us < CHECK_US;
    if (fresh) {
        k->used_us = now;
        memcpy(s->tok, k->tok, k->ntok * sizeof(*k->tok));
        s->ntok = k->ntok;
        s->next_check_us = k->checked_us + CHECK_US;
    }
    pthread_mutex_unlock(&ss->keys_mu);
    return fresh;
}

void http_stream_metrics(struct server *srv, struct vg_buf *b)
{
    struct stream_state *ss = srv->stream;

    if (ss == NULL)
        return;
    vg_buf_printf(b,
                  "# HELP vigie_stream_wakes_total Live stream subscribers resumed by the "
                  "notifier (events, heartbeat or key check due).\n"
                  "# TYPE vigie_stream_wakes_total counter\nvigie_stream_wakes_total %llu\n"
                  "# HELP vigie_stream_passes_total Waiting subscribers moved past new events "
                  "that their filters exclude, without waking them.\n"
                  "# TYPE vigie_stream_passes_total counter\nvigie_stream_passes_total %llu\n"
                  "# HELP vigie_stream_subscribers Live stream subscribers connected.\n"
                  "# TYPE vigie_stream_subscribers gauge\nvigie_stream_subscribers %lld\n",
                  (unsigned long long)atomic_load(&ss->wakes),
                  (unsigned long long)atomic_load(&ss->passes),
                  (long long)atomic_load(&ss->subscribers));
    http_ring_rdlock(&ss->ring);
    vg_buf_printf(b,
                  "# HELP vigie_stream_window_loads_total Batches of committed events read "
                  "into the shared window.\n"
                  "# TYPE vigie_stream_window_loads_total counter\n"
                  "vigie_stream_window_loads_total %lld\n"
                  "# HELP vigie_stream_window_events Events in the shared window.\n"
                  "# TYPE vigie_stream_window_events gauge\nvigie_stream_window_events %zu\n",
                  (long long)ss->ring.loads, ss->ring.on ? ss->ring.count : (size_t)0);
    http_ring_unlock(&ss->ring);
}

/* ---- one subscriber -------------------------------------------------------- */

const char *http_stream_event_name(enum vg_event_kind k)
{
    switch (k) {
    case VG_EV_ADDED:
        return "added";
    case VG_EV_VERSION:
        return "version";
    case VG_EV_REVOKED:
        return "revoked";
    case VG_EV_SIGHTING:
        return "sighting";
    case VG_EV_DELETED:
        return "deleted";
    }
    return "event";
}

/* "data:" lines for text (SSE data cannot hold a line break). */
static enum vg_rc put_data(struct vg_buf *b, const char *text, size_t len)
{
    enum vg_rc rc = VG_OK;
    size_t i = 0;

    while (rc == VG_OK && i < len) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t n = nl ? (size_t)(nl - (text + i)) : len - i, keep = n;

        if (keep && text[i + keep - 1] == '\r')
            keep--;
        if ((rc = vg_buf_puts(b, "data: ")) == VG_OK &&
            (rc = vg_buf_append(b, text + i, keep)) == VG_OK)
            rc = vg_buf_putc(b, '\n');
        i += n + 1;
    }
    return rc;
}

enum vg_rc http_stream_body(const struct vg_object_row *row, struct vg_buf *b)
{
    enum vg_rc rc;

    if (row->event_kind == VG_EV_DELETED) {
        /* what was deleted, never the tombstone's recorded audience */
        json_t *t = json_loadb(row->json, row->json_len, 0, NULL), *d = json_array(), *v;
        size_t i;
        char *text;

        json_array_foreach(json_object_get(t, "deleted"), i, v)
        {
            char ts[VG_TIME_TEXT_MAX];

            vg_time_format_us(json_integer_value(v), ts);
            json_array_append_new(d, json_string(ts));
        }
        json_decref(t);
        /* the packed object owns d (s:o), and is ours to release */
        t = json_pack("{s:s, s:s, s:o}", "type", row->type, "id", row->stix_id, "deleted_versions",
                      d);
        text = t ? json_dumps(t, JSON_COMPACT) : NULL;
        json_decref(t);
        rc = text ? put_data(b, text, strlen(text)) : VG_NOMEM;
        free(text);
    } else {
        rc = put_data(b, row->json, row->json_len);
    }
    return rc == VG_OK ? vg_buf_putc(b, '\n') : rc;
}

struct fill {
    struct sub *s;
    struct vg_store *st;
    int64_t last_seq;
    size_t n;
    /* watch-list notifications of the window, sent after their events */
    struct http_note notes[NOTES_MAX];
    size_t nnotes, at;
    int64_t pos_rowid; /* the place of the last thing sent */
    int pos_rank;
    int full;
    enum vg_rc rc;
};

/* Send the window's notifications caused by events before `before`
 * (inclusive with incl); 1 when the buffer is full or on an error. */
static int send_notes(struct fill *f, int64_t before, int incl)
{
    struct sub *s = f->s;
    struct vg_error err;
    char id[33];

    while (f->at < f->nnotes &&
           (f->notes[f->at].rowid < before || (incl && f->notes[f->at].rowid == before))) {
        const struct http_note *n = &f->notes[f->at];

        vg_error_clear(&err);
        id_make(s->srv->stream, n->rowid, s->org_id, n->rank, id);
        if ((f->rc = http_note_event(f->st, s->org_id, s->tok, s->ntok, n, id, &s->out, &err)) !=
            VG_OK)
            return 1;
        f->pos_rowid = n->rowid;
        f->pos_rank = n->rank;
        f->at++;
        if (s->out.len >= BUF_SOFT)
            return f->full = 1;
    }
    return 0;
}

static int event_cb(void *ctx, const struct vg_object_row *row)
{
    struct fill *f = ctx;
    struct sub *s = f->s;
    char id[33];
    enum vg_rc rc;

    if (send_notes(f, row->seq, 0))
        return 1; /* this event waits for the next fill */
    f->last_seq = row->seq;
    f->n++;
    f->pos_rowid = row->seq;
    f->pos_rank = 0;
    id_make(s->srv->stream, row->seq, s->org_id, 0, id);
    rc = vg_buf_printf(&s->out, "id: %s\nevent: %s\n", id, http_stream_event_name(row->event_kind));
    if (rc == VG_OK && s->locations && row->event_kind != VG_EV_DELETED) {
        struct vg_error gerr;

        vg_error_clear(&gerr);
        if (http_geo_locations(f->st, row->rowid, &s->out, &gerr) != VG_OK)
            rc = gerr.code;
    }
    if (rc == VG_OK)
        rc = http_stream_body(row, &s->out);
    if (rc == VG_OK && s->out.len >= BUF_SOFT)
        f->full = 1;
    return rc != VG_OK || s->out.len >= BUF_SOFT;
}

/* Next events into s->out; the cursor moves past what was examined. */
static enum vg_rc fill(struct sub *s, struct vg_store *st, struct vg_error *err)
{
    struct vg_object_filter f = {0};
    struct fill *fl;
    int64_t head, upto;
    enum vg_rc rc;

    if ((rc = vg_store_head(st, &head, err)) != VG_OK || head < s->cursor ||
        (head == s->cursor && s->cursor_rank < 0))
        return rc;
    if ((fl = calloc(1, sizeof(*fl))) == NULL)
        return vg_error_set(err, VG_NOMEM, NULL, "out of memory");
    fl->s = s;
    fl->st = st;
    /* the owner's notifications of the events about to be examined (and
     * those of the cursor's event not yet sent); the window may shrink so
     * that each of its events has all of them */
    upto = head;
    /* a catch-up stops where the window starts, and goes on from it */
    http_ring_rdlock(&s->srv->stream->ring);
    if (s->srv->stream->ring.on && s->cursor < s->srv->stream->ring.base &&
        s->srv->stream->ring.base < upto)
        upto = s->srv->stream->ring.base;
    http_ring_unlock(&s->srv->stream->ring);
    if ((rc = http_notes_window(st, s->org_id, s->cursor,
                                s->cursor_rank < 0 ? NOTES_MAX * 1024 : s->cursor_rank, &upto,
                                fl->notes, NOTES_MAX, &fl->nnotes, err)) != VG_OK) {
        free(fl);
        return rc;
    }
    f.events = 1;
    f.tokens = s->tok;
    f.ntokens = s->ntok;
    f.after_rowid = s->cursor;
    f.upto_rowid = upto;
    f.limit = BATCH;
    f.types = s->types;
    f.ntypes = s->ntypes;
    f.kinds = s->kinds;
    f.nkinds = s->nkinds;
    f.collection_ids = s->collections;
    f.ncollection_ids = s->ncollections;
    f.groups = s->groups;
    f.ngroups = s->ngroups;
    f.labels = s->labels;
    f.nlabels = s->nlabels;
    f.has_max_tlp = s->has_max_tlp;
    f.max_tlp = s->max_tlp;
    http_geo_apply(&s->geo, &f);
    f.added_after_us = vg_time_now_us() - s->srv->stream->retention_us;
    fl->pos_rowid = s->cursor;
    fl->pos_rank = s->cursor_rank;
    if (upto > s->cursor && (rc = vg_store_scan_objects(st, &f, event_cb, fl, err)) != VG_OK) {
        free(fl);
        return rc;
    }
    if (fl->rc != VG_OK) {
        rc = vg_error_set(err, fl->rc, NULL, "notification: out of memory");
        free(fl);
        return rc;
    }
    /* A full buffer ends at the last thing sent.  A full batch ends at its
     * last event, with that event's notifications; else every event up to
     * the window's end was examined, and all its notifications go. */
    if (!fl->full) {
        int64_t end = fl->n == BATCH ? fl->last_seq : upto;

        if (!send_notes(fl, end, 1)) {
            fl->pos_rowid = end;
            fl->pos_rank = -1;
        } else if (fl->rc != VG_OK) {
            rc = vg_error_set(err, fl->rc, NULL, "notification: out of memory");
            free(fl);
            return rc;
        }
    }
    s->cursor = fl->pos_rowid;
    s->cursor_rank = fl->pos_rank;
    free(fl);
    return VG_OK;
}

/* ---- the shared window ------------------------------------------------------ */

static int has_str(const char *const *list, size_t n, const char *v)
{
    size_t i;

    for (i = 0; v && i < n; i++)
        if (strcmp(list[i], v) == 0)
            return 1;
    return 0;
}

/* The subscriber's filters on a ring entry: the conditions
 * vg_store_scan_objects adds to the events' SQL, one for one (but
 * jurisdiction, which reads the store: see fill_ring). */
static int ring_match(const struct sub *s, const struct http_ring_ev *e, int64_t oldest_us)
{
    size_t i, j;
    int ok;

    if (e->date_added_us <= oldest_us) /* retention: added_after_us */
        return 0;
    if (s->ntypes && !has_str(s->types, s->ntypes, e->type))
        return 0;
    if (s->has_max_tlp && e->tlp > s->max_tlp)
        return 0;
    if (s->ncollections) {
        for (ok = 0, i = 0; i < s->ncollections; i++)
            ok |= s->collections[i] == e->collection_id;
        if (!ok)
            return 0;
    }
    if (s->nkinds && e->kind != VG_EV_DELETED) { /* deletions pass: their claims are erased */
        for (ok = 0, i = 0; i < s->nkinds; i++)
            ok |= (unsigned)s->kinds[i] < 32 && (e->kinds >> s->kinds[i] & 1);
        if (!ok)
            return 0;
    }
    if (s->nlabels && e->kind != VG_EV_DELETED) {
        for (ok = 0, i = 0; !ok && i < e->nclaims; i++)
            ok = has_str(s->labels, s->nlabels, e->labels[i]);
        if (!ok)
            return 0;
    }
    if (s->ngroups) { /* the audience (a deletion's recorded one) names one */
        for (ok = 0, i = 0; !ok && i < s->ngroups; i++)
            for (j = 0; !ok && j < e->naud; j++)
                ok = s->groups[i] == e->aud[j];
        if (!ok)
            return 0;
    }
    return 1;
}

/*
 * The notifier, with ss->mu and the window's read lock held, for a waiting
 * subscriber whose cursor is inside the window and behind its head: does
 * anything after the cursor call for waking it?  An entry that passes its
 * filters does (whether the policy lets it through is decided when it is
 * sent, by fill_ring), and so does a notification for its organisation.
 * When nothing does, the cursor moves to the window's head here, as
 * fill_ring would have moved it past the same entries, and the subscriber
 * sleeps on: with partners following a collection and a kind each, a
 * commit concerns a few of them, and waking all of them (a resume, a
 * reader call and a suspend each) was most of the server's stream work.
 * While it waits the subscriber is the notifier's alone (the reader
 * touches it again only once resumed), so its cursor may be moved here.
 */
static int ring_wake(struct sub *s, struct http_ring *r, int64_t oldest_us)
{
    size_t i, j;

    if (s->geo.n || s->cursor_rank >= 0)
        return 1; /* reads the store; the cursor's own notifications remain */
    for (i = http_ring_find(r, s->cursor + 1); i < r->count; i++) {
        const struct http_ring_ev *e = http_ring_at(r, i);

        if (ring_match(s, e, oldest_us))
            return 1;
        for (j = 0; j < e->nnotes; j++)
            if (e->notes[j].org_id == s->org_id)
                return 1;
    }
    assert(r->count == 0 || http_ring_at(r, r->count - 1)->seq == r->head);
    s->cursor = r->head;
    atomic_fetch_add_explicit(&s->srv->stream->passes, 1, memory_order_relaxed);
    return 0;
}

/* The owner's notifications of e from rank `after` on; 1 when the buffer
 * is full (*rank: the last one sent) or on an error (*rc). */
static int ring_notes(struct sub *s, struct vg_store *st, const struct http_ring_ev *e, int after,
                      int *rank, enum vg_rc *rc, struct vg_error *err)
{
    size_t i;
    char id[33];

    for (i = 0; i < e->nnotes; i++) {
        const struct http_ring_note *n = &e->notes[i];
        struct http_note note;

        if (n->org_id != s->org_id || n->rank <= after)
            continue;
        note.id = n->id;
        note.rowid = e->seq;
        note.rank = n->rank;
        id_make(s->srv->stream, e->seq, s->org_id, n->rank, id);
        if ((*rc = http_note_event(st, s->org_id, s->tok, s->ntok, &note, id, &s->out, err)) !=
            VG_OK)
            return 1;
        *rank = n->rank;
        if (s->out.len >= RING_SOFT)
            return 1;
    }
    return 0;
}

/*
 * The next events from the shared window.  0: the ring does not cover the
 * cursor (read the store); 1: done, s->out holds what there was (maybe
 * nothing: wait for the loader); -1: an error (err).
 */
static int fill_ring(struct sub *s, struct vg_store *st, int64_t now, struct vg_error *err)
{
    struct http_ring *r = &s->srv->stream->ring;
    int64_t oldest = now - s->srv->stream->retention_us, seq = s->cursor;
    int rank = s->cursor_rank, full = 0;
    enum vg_rc rc = VG_OK;
    size_t i, examined = 0;

    /* Where an observable is located changes after its event (an
     * enrichment refresh): only the store knows it now, so a jurisdiction
     * filter reads the store. */
    if (s->geo.n)
        return 0;
    http_ring_rdlock(r);
    /* the cursor's own event must be there while some of its
     * notifications remain to be sent */
    if (!r->on || seq < r->base || (seq == r->base && rank >= 0)) {
        http_ring_unlock(r);
        return 0;
    }
    for (i = http_ring_find(r, seq); !full && i < r->count && examined < RING_EXAMINE; i++) {
        struct http_ring_ev *e = http_ring_at(r, i);

        if (e->seq == seq) { /* the cursor's event: what remains of its notifications */
            if (rank >= 0 && (full = ring_notes(s, st, e, rank, &rank, &rc, err)) != 0)
                break;
            rank = -1;
            continue;
        }
        examined++;
        if (ring_match(s, e, oldest) && http_ring_visible(e, s->tok, s->ntok)) {
            uint8_t enc[16];
            char id[33];
            size_t at = s->out.len;

            http_ring_id(e, s->org_id, enc, id_event, s->srv->stream);
            id_hex(enc, id);
            id[32] = '\n';
            if ((rc = vg_buf_reserve(&s->out, 5 + 32 + e->text_len)) == VG_OK &&
                (rc = vg_buf_append(&s->out, "id: ", 4)) == VG_OK &&
                (rc = vg_buf_append(&s->out, id, 33)) == VG_OK)
                rc = vg_buf_append(&s->out, e->text, e->event_len);
            if (rc == VG_OK && s->locations && e->kind != VG_EV_DELETED &&
                http_geo_locations(st, e->seq, &s->out, err) != VG_OK)
                rc = err->code;
            if (rc == VG_OK)
                rc = vg_buf_append(&s->out, e->text + e->event_len, e->text_len - e->event_len);
            if (rc != VG_OK) {
                s->out.len = at;
                break;
            }
        }
        seq = e->seq;
        rank = 0;
        if ((full = ring_notes(s, st, e, 0, &rank, &rc, err)) != 0)
            break;
        rank = -1;
        full = s->out.len >= RING_SOFT;
    }
    http_ring_unlock(r);
    if (rc != VG_OK) {
        if (err->code == VG_OK)
            vg_error_set(err, rc, NULL, "out of memory");
        return -1;
    }
    s->cursor = seq;
    s->cursor_rank = rank;
    return 1;
}

static ssize_t reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct sub *s = cls;
    struct stream_state *ss = s->srv->stream;
    struct vg_store *st;
    struct vg_error err;
    int64_t now;
    int filled, rounds;

    (void)pos;
    if (s->out.len > s->sent) {
    send:
        if (max > s->out.len - s->sent)
            max = s->out.len - s->sent;
        memcpy(buf, s->out.data + s->sent, max);
        s->sent += max;
        return (ssize_t)max;
    }
    s->out.len = 0;
    s->sent = 0;
    if (s->out.cap > 2 * BUF_SOFT) { /* a big object went by: give its memory back */
        vg_buf_cleanup(&s->out);
        vg_buf_init(&s->out, 0);
    }
    if (s->ending || ss->stopping)
        return MHD_CONTENT_READER_END_OF_STREAM;
    vg_error_clear(&err);
    if ((st = http_worker_store(s->srv, &err)) == NULL)
        return MHD_CONTENT_READER_END_WITH_ERROR;
    now = vg_time_now_us();
    if (now >= s->next_check_us) { /* revoked, expired, disabled: the end */
        int64_t checked;

        if (key_check(ss, st, s, now, &checked, &err) != VG_OK) {
            vg_log(VG_LOG_INFO, "stream", "key=%s ended: %s", s->key_id, err.msg);
            s->ending = 1;
            vg_buf_puts(&s->out,
                        "event: end\ndata: {\"reason\":\"credentials no longer valid\"}\n\n");
            goto send;
        }
        s->next_check_us = checked + CHECK_US;
    }
    /* Events from the window, or from the store while the cursor is older
     * than the window; stretches with nothing for this subscriber are
     * passed over at once, and a catch-up that reaches the window goes on
     * from it. */
    for (rounds = 0; rounds < FILL_ROUNDS && s->out.len == 0; rounds++) {
        int64_t was = s->cursor;
        int was_rank = s->cursor_rank;

        if ((filled = fill_ring(s, st, now, &err)) < 0)
            return MHD_CONTENT_READER_END_WITH_ERROR;
        if ((filled == 1) != s->in_ring) {
            s->in_ring = filled == 1;
            vg_log(VG_LOG_INFO, "stream", "key=%s reads the %s after %" PRId64, s->key_id,
                   s->in_ring ? "window" : "store", s->cursor);
        }
        if (filled == 0 && fill(s, st, &err) != VG_OK)
            return MHD_CONTENT_READER_END_WITH_ERROR;
        if (s->cursor == was && s->cursor_rank == was_rank)
            break; /* nothing more now */
    }
    if (s->out.len == 0 && now >= s->next_heartbeat_us)
        vg_buf_puts(&s->out, ": keep-alive\n\n");
    if (s->out.len > 0) {
        s->next_heartbeat_us = now + ss->heartbeat_us;
        goto send;
    }
    /* nothing to say: park until the notifier has a reason to wake us */
    pthread_mutex_lock(&ss->mu);
    if (!ss->stopping) {
        s->next = ss->waiting;
        s->prev = NULL;
        if (ss->waiting)
            ss->waiting->prev = s;
        ss->waiting = s;
        s->suspended = 1;
        MHD_suspend_connection(s->conn);
    }
    pthread_mutex_unlock(&ss->mu);
    return 0;
}

static void sub_free(void *cls)
{
    struct sub *s = cls;
    struct stream_state *ss = s->srv->stream;

    pthread_mutex_lock(&ss->mu);
    if (s->suspended) { /* cannot be: a suspended connection is not freed */
        if (s->prev)
            s->prev->next = s->next;
        else
            ss->waiting = s->next;
        if (s->next)
            s->next->prev = s->prev;
    }
    pthread_mutex_unlock(&ss->mu);
    atomic_fetch_sub(&ss->subscribers, 1);
    vg_buf_cleanup(&s->out);
    free(s);
}

/* ---- the request ------------------------------------------------------------ */

/* A comma list into items (copied into buf); -1 if too many or too long. */
static int split(const char *v, char *buf, size_t cap, const char **out, size_t *n)
{
    char *save = NULL, *tok;

    *n = 0;
    if (strlen(v) >= cap)
        return -1;
    memcpy(buf, v, strlen(v) + 1);
    for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (*n == LIST_MAX)
            return -1;
        out[(*n)++] = tok;
    }
    return 0;
}

static const char *arg(struct MHD_Connection *conn, const char *name)
{
    return MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, name);
}

struct coll_find {
    const char *uuid;
    int64_t id;
};

static int coll_cb(void *ctx, const struct vg_collection *c)
{
    struct coll_find *f = ctx;

    if (c->can_read)
        f->id = c->id;
    return 1;
}

/* The filters of the query string; -1 with err set. */
static int parse_filters(struct sub *s, struct vg_store *st, struct MHD_Connection *conn,
                         const struct vg_auth *who, struct vg_error *err)
{
    const char *v, *items[LIST_MAX];
    char buf[1024];
    size_t n, i, j;

    if ((v = arg(conn, "types")) && split(v, s->typebuf, sizeof(s->typebuf), s->types, &s->ntypes))
        return vg_error_set(err, VG_INVALID, "types", "at most %d types", LIST_MAX), -1;
    if ((v = arg(conn, "labels")) &&
        split(v, s->labelbuf, sizeof(s->labelbuf), s->labels, &s->nlabels))
        return vg_error_set(err, VG_INVALID, "labels", "at most %d labels", LIST_MAX), -1;
    if ((v = arg(conn, "kinds"))) {
        if (split(v, buf, sizeof(buf), items, &n))
            return vg_error_set(err, VG_INVALID, "kinds", "at most %d kinds", LIST_MAX), -1;
        for (i = 0; i < n; i++)
            if ((s->kinds[s->nkinds++] = vg_obs_kind_from_name(items[i])) == VG_OBS_NONE)
                return vg_error_set(err, VG_INVALID, "kinds", "unknown observable kind '%.40s'",
                                    items[i]),
                       -1;
    }
    if ((v = arg(conn, "max_tlp"))) {
        if (vg_tlp_from_name(v, &s->max_tlp) != VG_OK)
            return vg_error_set(err, VG_INVALID, "max_tlp",
                                "a TLP name (clear, green, amber, "
                                "amber+strict, red)"),
                   -1;
        s->has_max_tlp = 1;
    }
    if ((v = arg(conn, "locations")))
        s->locations = strcmp(v, "1") == 0 || strcmp(v, "true") == 0;
    if ((v = arg(conn, "jurisdiction")) &&
        http_geo_parse(st, s->org_id, v, "jurisdiction", &s->geo, err) != VG_OK)
        return -1;
    /* collections and groups: only those the partner may read / belongs
     * to exist for it (an unknown one and another's answer alike) */
    if ((v = arg(conn, "collections"))) {
        if (split(v, buf, sizeof(buf), items, &n))
            return vg_error_set(err, VG_INVALID, "collections", "at most %d", LIST_MAX), -1;
        for (i = 0; i < n; i++) {
            struct coll_find cf = {items[i], 0};
            struct vg_error cerr;

            vg_error_clear(&cerr);
            if (strlen(items[i]) != VG_UUID_TEXT_LEN ||
                vg_store_collection_scan(st, s->tok, s->ntok, 0, items[i], coll_cb, &cf, &cerr) !=
                    VG_OK ||
                cf.id == 0)
                return vg_error_set(err, VG_NOT_FOUND, "collections", "no such collection"), -1;
            s->collections[s->ncollections++] = cf.id;
        }
    }
    if ((v = arg(conn, "groups"))) {
        if (split(v, buf, sizeof(buf), items, &n))
            return vg_error_set(err, VG_INVALID, "groups", "at most %d", LIST_MAX), -1;
        for (i = 0; i < n; i++) {
            struct vg_group g;
            struct vg_error gerr;
            int member = 0;

            vg_error_clear(&gerr);
            if (vg_store_group_get(st, items[i], &g, &gerr) == VG_OK)
                for (j = 0; j < who->principal.ngroups; j++)
                    member |= who->principal.groups[j] == g.id;
            if (!member)
                return vg_error_set(err, VG_NOT_FOUND, "groups", "no such group"), -1;
            s->groups[s->ngroups++] = vg_token_group(g.id);
        }
    }
    return 0;
}

enum MHD_Result http_stream(struct server *srv, struct MHD_Connection *conn, struct request *rq,
                            const char *method)
{
    struct stream_state *ss = srv->stream;
    struct vg_error err;
    struct vg_store *st;
    struct vg_auth who;
    struct MHD_Response *resp;
    struct sub *s;
    const char *from;
    int64_t head, oldest;
    enum MHD_Result r;

    vg_error_clear(&err);
    if (strcmp(method, "GET") != 0) {
        vg_error_set(&err, VG_INVALID, NULL, "%s is not allowed here", method);
        return http_send_error(conn, rq, &err);
    }
    if ((st = http_worker_store(srv, &err)) == NULL ||
        http_authenticate(st, conn, VG_SCOPE_READ, &who, &err) != VG_OK)
        return http_send_error(conn, rq, &err);
    if (ss == NULL || (s = calloc(1, sizeof(*s))) == NULL)
        return MHD_NO;
    s->srv = srv;
    s->conn = conn;
    s->key_slot = -1;
    snprintf(s->key_id, sizeof(s->key_id), "%s", who.key.id);
    s->org_id = who.org.id;
    s->ntok = vg_policy_tokens(&who.principal, s->tok);
    vg_buf_init(&s->out, 0);
    if (parse_filters(s, st, conn, &who, &err) != 0 || vg_store_head(st, &head, &err) != VG_OK)
        goto fail;
    /* where to start: after Last-Event-ID or ?from=ID; ?from=0 is as far
     * back as is kept; neither is "from now on" */
    from = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Last-Event-ID");
    if (from == NULL)
        from = arg(conn, "from");
    s->cursor = head;
    s->cursor_rank = -1; /* from now on: what came before is not sent */
    if (vg_store_seq_added_by(st, vg_time_now_us() - ss->retention_us, &oldest, &err) != VG_OK)
        goto fail;
    if (from && strcmp(from, "0") == 0) {
        s->cursor = oldest;
    } else if (from) {
        if ((s->cursor = id_read(ss, from, s->org_id, &s->cursor_rank)) < 0 || s->cursor > head) {
            vg_error_set(&err, VG_INVALID, "from", "not a stream position of this partner");
            goto fail;
        }
        if (s->cursor < oldest) {
            vg_buf_cleanup(&s->out);
            free(s);
            rq->status = MHD_HTTP_GONE;
            return http_send_json(
                conn, rq, MHD_HTTP_GONE,
                json_pack("{s:s, s:s, s:i}", "title", "Gone", "description",
                          "this position is older than the stream keeps: re-synchronise over "
                          "TAXII (added_after), then follow the stream from now",
                          "http_status", MHD_HTTP_GONE),
                NULL);
        }
    }
    s->next_check_us = vg_time_now_us() + CHECK_US;
    /* a first byte at once, so that the client knows it is connected */
    vg_buf_printf(&s->out, "retry: 2000\n\n");
    resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, reader, s, sub_free);
    if (resp == NULL) {
        vg_buf_cleanup(&s->out);
        free(s);
        return MHD_NO;
    }
    atomic_fetch_add(&ss->subscribers, 1); /* sub_free takes it off */
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "X-Accel-Buffering", "no");
    rq->status = MHD_HTTP_OK;
    vg_log(VG_LOG_INFO, "stream", "key=%s from=%" PRId64, s->key_id, s->cursor);
    r = MHD_queue_response(conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    return r;
fail:
    vg_buf_cleanup(&s->out);
    free(s);
    return http_send_error(conn, rq, &err);
}
