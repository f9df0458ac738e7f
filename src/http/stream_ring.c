/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stream_ring.c - the live stream's shared window of recent events.
 *
 * Reading each subscriber's next events from the store costs one query per
 * subscriber per commit.  Instead one loader (the stream's notifier thread,
 * woken by commits) reads each newly committed event once
 * (vg_store_scan_events) with everything the stream's policy and filters
 * look at - the audience as stored, the claims' kinds, labels and
 * locations, the text already rendered - and appends it to a ring bounded
 * by count and bytes.  A subscriber whose cursor is inside the ring takes
 * its events from memory; one whose cursor is older (a resume from far
 * back, or one that fell behind) reads the store as before until it
 * reaches the ring.
 *
 * Policy at send time stays exact.  Tokens are the subscriber's current
 * ones (checked again every second); the rest of the store's condition
 * (a version is an event while it is not erased and every later version of
 * the object by its contributor is visible too) depends only on later
 * events, and every later event up to the ring's head is in the ring: the
 * loader links each entry to the next event of the same object and marks
 * the versions a deletion erases, both under the write lock, and
 * http_ring_visible() walks that chain with vg_policy_visible().  What the
 * ring knows of the store is at most one load behind it, as a store read
 * made a moment earlier would be.
 *
 * Memory: entries are single allocations; the ring holds at most
 * max_events of them and max_bytes in all, the oldest going first.
 */
#include "stream_ring.h"

#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "common/log.h"
#include "policy/policy.h"

#define LOAD_BATCH 2048 /* events per read snapshot */

static void ev_free(struct http_ring_ev *e)
{
    if (e == NULL)
        return;
    free(e->notes);
    free(e);
}

/* ---- the map: latest entry per (stix_id, contributor), loader only -------- */

static uint64_t key_hash(const char *stix_id, int64_t org)
{
    uint64_t h = vg_fnv1a(VG_FNV_SEED, stix_id, strlen(stix_id));

    return vg_fnv1a(h, &org, sizeof(org));
}

static struct http_ring_ev **map_slot(struct http_ring *r, const struct http_ring_ev *e)
{
    struct http_ring_ev **p = &r->map[e->hash & (r->mapcap - 1)];

    while (*p && ((*p)->hash != e->hash || (*p)->org_id != e->org_id ||
                  strcmp((*p)->stix_id, e->stix_id) != 0))
        p = &(*p)->map_next;
    return p;
}

static void map_remove(struct http_ring *r, struct http_ring_ev *e)
{
    struct http_ring_ev **p = map_slot(r, e);

    if (*p == e) {
        *p = e->map_next;
        e->map_next = NULL;
        e->in_map = 0;
    }
}

/* ---- set-up ------------------------------------------------------------------ */

enum vg_rc http_ring_init(struct http_ring *r, size_t max_events, size_t max_bytes)
{
    pthread_rwlockattr_t a;

    memset(r, 0, sizeof(*r));
    pthread_rwlockattr_init(&a);
#ifdef PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP
    /* readers come back all the time: the loader must not starve */
    pthread_rwlockattr_setkind_np(&a, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
#endif
    pthread_rwlock_init(&r->lock, &a);
    pthread_rwlockattr_destroy(&a);
    r->max_events = max_events;
    r->max_bytes = max_bytes;
    if (max_events == 0)
        return VG_OK;
    for (r->cap = 64; r->cap < max_events; r->cap *= 2)
        ;
    r->mapcap = r->cap * 2;
    r->ev = calloc(r->cap, sizeof(*r->ev));
    r->map = calloc(r->mapcap, sizeof(*r->map));
    if (r->ev == NULL || r->map == NULL) {
        free(r->ev);
        free(r->map);
        r->ev = r->map = NULL;
        r->max_events = 0;
        return VG_NOMEM;
    }
    return VG_OK;
}

static void drop_all(struct http_ring *r)
{
    size_t i;

    for (i = 0; i < r->count; i++)
        ev_free(http_ring_at(r, i));
    r->start = r->count = r->bytes = 0;
    if (r->map)
        memset(r->map, 0, r->mapcap * sizeof(*r->map));
}

void http_ring_cleanup(struct http_ring *r)
{
    drop_all(r);
    free(r->ev);
    free(r->map);
    pthread_rwlock_destroy(&r->lock);
    memset(r, 0, sizeof(*r));
}

void http_ring_rdlock(struct http_ring *r)
{
    pthread_rwlock_rdlock(&r->lock);
}

void http_ring_unlock(struct http_ring *r)
{
    pthread_rwlock_unlock(&r->lock);
}

size_t http_ring_find(const struct http_ring *r, int64_t seq)
{
    size_t lo = 0, hi = r->count;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (http_ring_at(r, mid)->seq < seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* ---- decisions ------------------------------------------------------------------ */

/* vg_policy_visible on an entry's tokens (the policy's own function). */
static int aud_visible(const struct http_ring_ev *e, const vg_token *tok, size_t ntok)
{
    struct vg_audience a;

    a.n = e->naud < VG_AUDIENCE_MAX ? e->naud : VG_AUDIENCE_MAX;
    memcpy(a.tok, e->aud, a.n * sizeof(vg_token));
    return vg_policy_visible(tok, ntok, &a);
}

int http_ring_visible(const struct http_ring_ev *e, const vg_token *tok, size_t ntok)
{
    const struct http_ring_ev *n;

    if (ntok == 0)
        return 0;
    if (e->kind == VG_EV_DELETED)
        return aud_visible(e, tok, ntok);
    if (e->erased || !aud_visible(e, tok, ntok))
        return 0;
    /* the store's "no later version of the object by its contributor is
     * hidden": deletions and erased versions (aud0 0) do not count */
    for (n = e->next_same; n; n = n->next_same)
        if (n->kind != VG_EV_DELETED && !n->erased && !aud_visible(n, tok, ntok))
            return 0;
    return 1;
}

void http_ring_id(struct http_ring_ev *e, int64_t org, uint8_t out[16],
                  void (*make)(const void *ctx, int64_t seq, int64_t org, uint8_t out[16]),
                  const void *ctx)
{
    size_t i;

    for (i = 0; i < HTTP_RING_ID_SLOTS; i++) {
        if (atomic_load_explicit(&e->ids[i].org, memory_order_acquire) == org) {
            memcpy(out, e->ids[i].enc, 16);
            return;
        }
    }
    make(ctx, e->seq, org, out);
    for (i = 0; i < HTTP_RING_ID_SLOTS; i++) {
        int64_t free_slot = 0;

        if (atomic_compare_exchange_strong_explicit(&e->ids[i].org, &free_slot, -1,
                                                    memory_order_acq_rel, memory_order_relaxed)) {
            memcpy(e->ids[i].enc, out, 16);
            atomic_store_explicit(&e->ids[i].org, org, memory_order_release);
            return;
        }
    }
}

/* ---- loading ---------------------------------------------------------------------- */

struct load {
    struct http_ring *r;
    struct http_ring_ev **batch;
    size_t n, cap;
    /* deletions of the batch: the rowids they erased, flattened */
    int64_t *erased;
    size_t nerased, caperased;
    size_t *erased_end; /* per batch entry: end of its rowids in erased */
    struct vg_buf text;
    enum vg_rc rc;
};

static size_t align8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

/* One entry, in one allocation: the struct, the tokens, the claim
 * pointers, then the strings. */
static struct http_ring_ev *ev_build(const struct vg_event_row *ev, struct vg_buf *text)
{
    const struct vg_object_row *row = &ev->row;
    size_t need, sid = strlen(row->stix_id) + 1, typ = strlen(row->type) + 1, i, strs = 0;
    struct http_ring_ev *e;
    const char **labels;
    char *p;

    vg_buf_reset(text);
    if (vg_buf_printf(text, "event: %s\n", http_stream_event_name(row->event_kind)) != VG_OK)
        return NULL;
    if (!ev->erased && http_stream_body(row, text) != VG_OK)
        return NULL;
    for (i = 0; i < ev->nclaims; i++)
        if (ev->claims[i].label)
            strs += strlen(ev->claims[i].label) + 1;
    need = align8(sizeof(*e)) + ev->naudience * sizeof(vg_token) + ev->nclaims * sizeof(char *) +
           sid + typ + strs + text->len + 1;
    if ((e = calloc(1, need)) == NULL)
        return NULL;
    p = (char *)e + align8(sizeof(*e));
    e->seq = row->rowid;
    e->date_added_us = row->date_added_us;
    e->org_id = row->org_id;
    e->collection_id = row->collection_id;
    e->kind = row->event_kind;
    e->tlp = row->tlp;
    e->erased = ev->erased;
    e->naud = ev->naudience;
    e->aud = (const vg_token *)p;
    memcpy(p, ev->audience, ev->naudience * sizeof(vg_token));
    p += ev->naudience * sizeof(vg_token);
    labels = (const char **)p;
    p += ev->nclaims * sizeof(char *);
    e->labels = labels;
    e->nclaims = ev->nclaims;
    for (i = 0; i < ev->nclaims; i++) {
        if ((unsigned)ev->claims[i].kind < 32)
            e->kinds |= (uint32_t)1 << ev->claims[i].kind;
        labels[i] = NULL;
        if (ev->claims[i].label) {
            size_t n = strlen(ev->claims[i].label) + 1;

            memcpy(p, ev->claims[i].label, n);
            labels[i] = p;
            p += n;
        }
    }
    memcpy(p, row->stix_id, sid);
    e->stix_id = p;
    p += sid;
    memcpy(p, row->type, typ);
    e->type = p;
    p += typ;
    memcpy(p, text->data, text->len);
    p[text->len] = '\0';
    e->text = p;
    e->text_len = text->len;
    e->event_len = strchr(p, '\n') - p + 1;
    e->bytes = need;
    e->hash = key_hash(e->stix_id, e->org_id);
    return e;
}

static int load_cb(void *ctx, const struct vg_event_row *ev)
{
    struct load *l = ctx;
    struct http_ring_ev *e;
    size_t i;

    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 256;
        struct http_ring_ev **b = realloc(l->batch, cap * sizeof(*b));
        size_t *ends = realloc(l->erased_end, cap * sizeof(*ends));

        if (b)
            l->batch = b;
        if (ends)
            l->erased_end = ends;
        if (b == NULL || ends == NULL) {
            l->rc = VG_NOMEM;
            return 1;
        }
        l->cap = cap;
    }
    if ((e = ev_build(ev, &l->text)) == NULL) {
        l->rc = VG_NOMEM;
        return 1;
    }
    for (i = 0; i < ev->nerased; i++) {
        if (l->nerased == l->caperased) {
            size_t cap = l->caperased ? 2 * l->caperased : 64;
            int64_t *x = realloc(l->erased, cap * sizeof(*x));

            if (x == NULL) {
                ev_free(e);
                l->rc = VG_NOMEM;
                return 1;
            }
            l->erased = x;
            l->caperased = cap;
        }
        l->erased[l->nerased++] = ev->erased_rowids[i];
    }
    l->erased_end[l->n] = l->nerased;
    l->batch[l->n++] = e;
    return 0;
}

/* Notifications arrive in id order, which is their events' order. */
static int note_cb(void *ctx, const struct vg_notify_position *p)
{
    struct load *l = ctx;
    struct http_ring_ev *e = NULL;
    struct http_ring_note *n;
    size_t lo = 0, hi = l->n, i;
    int rank = 1;

    while (lo < hi) { /* the batch is in seq order */
        size_t mid = lo + (hi - lo) / 2;

        if (l->batch[mid]->seq < p->object_rowid)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < l->n && l->batch[lo]->seq == p->object_rowid)
        e = l->batch[lo];
    l->r->note_after = p->id;
    if (e == NULL) {
        /* those of events before the ring (the first load) are not its own;
         * one of the batch's events missing cannot be: a notification is
         * written with its event */
        if (l->n && p->object_rowid >= l->batch[0]->seq)
            vg_log(VG_LOG_WARN, "stream", "notification %lld outside its event's load",
                   (long long)p->id);
        return 0;
    }
    for (i = 0; i < e->nnotes; i++)
        rank += e->notes[i].org_id == p->org_id;
    if ((n = realloc(e->notes, (e->nnotes + 1) * sizeof(*n))) == NULL) {
        l->rc = VG_NOMEM;
        return 1;
    }
    e->notes = n;
    n[e->nnotes].org_id = p->org_id;
    n[e->nnotes].id = p->id;
    n[e->nnotes].rank = rank;
    e->nnotes++;
    e->bytes += sizeof(*n);
    return 0;
}

/* Under the write lock: the oldest entry leaves, onto the list *gone
 * (chained through map_next: it is no longer in the map). */
static void evict_one(struct http_ring *r, struct http_ring_ev **gone)
{
    struct http_ring_ev *x = http_ring_at(r, 0);

    if (x->in_map)
        map_remove(r, x);
    r->ev[r->start] = NULL;
    r->start = (r->start + 1) & (r->cap - 1);
    r->count--;
    r->bytes -= x->bytes;
    r->base = x->seq;
    r->evicted++;
    x->map_next = *gone;
    *gone = x;
}

void http_ring_off(struct http_ring *r)
{
    pthread_rwlock_wrlock(&r->lock);
    r->on = 0;
    drop_all(r);
    pthread_rwlock_unlock(&r->lock);
}

/* Publish the batch: link, mark erasures, append, evict.  The evicted
 * entries go onto *gone, freed by the caller after the unlock. */
static void publish(struct http_ring *r, struct load *l, struct http_ring_ev **gone)
{
    size_t i, j;

    for (i = 0; i < l->n; i++) {
        struct http_ring_ev *e = l->batch[i], **slot;

        slot = map_slot(r, e);
        if (*slot) { /* the object's previous event in the ring */
            struct http_ring_ev *prev = *slot;

            prev->next_same = e;
            e->map_next = prev->map_next;
            prev->map_next = NULL;
            prev->in_map = 0;
        }
        *slot = e;
        e->in_map = 1;
        for (j = i ? l->erased_end[i - 1] : 0; j < l->erased_end[i]; j++) {
            size_t at = http_ring_find(r, l->erased[j]);

            if (at < r->count && http_ring_at(r, at)->seq == l->erased[j])
                http_ring_at(r, at)->erased = 1;
        }
        if (r->count == r->cap)
            evict_one(r, gone);
        r->ev[(r->start + r->count) & (r->cap - 1)] = e;
        r->count++;
        r->bytes += e->bytes;
        r->head = e->seq;
        while (r->count > 1 && (r->count > r->max_events || r->bytes > r->max_bytes))
            evict_one(r, gone);
    }
}

void http_ring_load(struct http_ring *r, struct vg_store *st, int64_t store_head)
{
    struct load l;
    struct vg_error err;

    if (r->max_events == 0)
        return;
    if (!r->on) { /* (re)start empty at the store's head */
        pthread_rwlock_wrlock(&r->lock);
        r->base = r->head = store_head;
        r->note_after = 0;
        r->on = 1;
        pthread_rwlock_unlock(&r->lock);
    }
    memset(&l, 0, sizeof(l));
    l.r = r;
    vg_buf_init(&l.text, 0);
    while (r->head < store_head) {
        struct http_ring_ev *gone = NULL;
        enum vg_rc rc;
        size_t i;

        l.n = l.nerased = 0;
        l.rc = VG_OK;
        vg_error_clear(&err);
        if ((rc = vg_store_read_begin(st, &err)) == VG_OK) {
            rc = vg_store_scan_events(st, r->head, LOAD_BATCH, r->base + 1, load_cb, &l, &err);
            if (rc == VG_OK && l.rc == VG_OK && l.n > 0)
                rc = vg_store_notify_positions(st, r->note_after, l.batch[l.n - 1]->seq, 0, note_cb,
                                               &l, &err);
            vg_store_read_end(st);
        }
        if (rc == VG_OK && l.rc != VG_OK)
            rc = vg_error_set(&err, l.rc, NULL, "out of memory");
        if (rc != VG_OK || l.n == 0) {
            for (i = 0; i < l.n; i++)
                ev_free(l.batch[i]);
            if (rc != VG_OK) {
                vg_log(VG_LOG_WARN, "stream", "window switched off: %s", err.msg);
                http_ring_off(r);
            }
            break;
        }
        pthread_rwlock_wrlock(&r->lock);
        publish(r, &l, &gone);
        r->loads++;
        pthread_rwlock_unlock(&r->lock);
        while (gone) {
            struct http_ring_ev *nx = gone->map_next;

            ev_free(gone);
            gone = nx;
        }
    }
    free(l.batch);
    free(l.erased);
    free(l.erased_end);
    vg_buf_cleanup(&l.text);
}
