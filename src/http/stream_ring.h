/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stream_ring.h - the live stream's shared window of recent events
 * (stream_ring.c): one loader reads each committed event once from the store
 * into a bounded ring; subscribers near the head take their events from it.
 *
 * Threading: one loader thread (the stream's notifier) calls
 * http_ring_load(); any number of readers hold the lock for reading
 * (http_ring_rdlock) while they look at entries.  An entry is immutable once
 * published except `erased` and `next_same`, which the loader changes only
 * under the write lock, and its id cache, whose slots are atomics.  Readers
 * never reach an entry the loader has evicted: eviction happens under the
 * write lock and the memory is freed after it.
 */
#ifndef VG_HTTP_STREAM_RING_H
#define VG_HTTP_STREAM_RING_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "store/store.h"

#define HTTP_RING_ID_SLOTS 4 /* organisations whose event id an entry caches */

/* One watch-list notification caused by an entry's event. */
struct http_ring_note {
    int64_t org_id, id;
    int rank; /* among the organisation's notifications of this event: 1, 2, ... */
};

/* An event id already encrypted for one organisation (0: free, -1: being written). */
struct http_ring_id {
    _Atomic int64_t org;
    uint8_t enc[16];
};

struct http_ring_ev {
    int64_t seq; /* = its rowid */
    int64_t date_added_us, org_id, collection_id;
    enum vg_event_kind kind;
    enum vg_tlp tlp;
    /* Changed by the loader under the write lock: a later deletion erased
     * this version; the next event of the same object (id and contributor)
     * in the ring. */
    int erased;
    struct http_ring_ev *next_same;
    /* what the filters look at */
    uint32_t kinds; /* bit k: a claim of an observable of kind k */
    const char *stix_id, *type;
    const vg_token *aud; /* the audience as stored; a deletion's recorded one */
    size_t naud;
    const char *const *labels; /* one per claim, NULL: none */
    size_t nclaims;
    struct http_ring_note *notes; /* in (organisation, rank) order of arrival */
    size_t nnotes;
    /* "event: NAME\n", then the data lines and the blank line */
    const char *text;
    size_t text_len, event_len;
    size_t bytes;
    struct http_ring_id ids[HTTP_RING_ID_SLOTS];
    /* the loader's own */
    struct http_ring_ev *map_next;
    uint64_t hash;
    int in_map;
};

struct http_ring {
    pthread_rwlock_t lock;
    struct http_ring_ev **ev; /* circular, cap a power of two */
    size_t cap, start, count, bytes;
    size_t max_events, max_bytes;
    /* Every event numbered in (base, head] is in ev, in order, while on. */
    int on;
    int64_t base, head;
    /* the loader's own */
    struct http_ring_ev **map; /* latest entry per (stix_id, org), chained */
    size_t mapcap;
    int64_t note_after;
    int64_t loads, evicted;
};

/* max_events 0: no ring (every subscriber reads the store). */
enum vg_rc http_ring_init(struct http_ring *r, size_t max_events, size_t max_bytes);
void http_ring_cleanup(struct http_ring *r);

/* The loader: bring the ring up to store_head (the store's head just read).
 * A failure empties the ring and switches it off until the next call, which
 * starts it again from the store's head: subscribers then read the store. */
void http_ring_load(struct http_ring *r, struct vg_store *st, int64_t store_head);

/* Switch the window off and drop its entries (the notifier's, when nobody
 * has followed the stream for a while); the next load restarts it empty at
 * the store's head. */
void http_ring_off(struct http_ring *r);
void http_ring_rdlock(struct http_ring *r);
void http_ring_unlock(struct http_ring *r);
/* With the read lock held: the index of the first entry numbered >= seq
 * (r->count when none). */
size_t http_ring_find(const struct http_ring *r, int64_t seq);
static inline struct http_ring_ev *http_ring_at(const struct http_ring *r, size_t i)
{
    return r->ev[(r->start + i) & (r->cap - 1)];
}
/*
 * With the read lock held: is e an event for the holder of tok[0..ntok)?
 * The decision of the store's SQL (vg_object_filter.events) made with
 * vg_policy_visible: a version visible to the tokens, not erased, whose
 * contributor's later versions of the object (not erased) are all visible
 * too; a deletion whose recorded audience holds one of the tokens.
 */
int http_ring_visible(const struct http_ring_ev *e, const vg_token *tok, size_t ntok);
/* The event id's 16 encrypted bytes for org, from e's cache or made with
 * make (and then cached when a slot is free). */
void http_ring_id(struct http_ring_ev *e, int64_t org, uint8_t out[16],
                  void (*make)(const void *ctx, int64_t seq, int64_t org, uint8_t out[16]),
                  const void *ctx);

/* stream.c: an event's "event:" name and its data lines with the blank line
 * after them, shared by the store's path and the ring's so that both send
 * the same bytes. */
const char *http_stream_event_name(enum vg_event_kind k);
enum vg_rc http_stream_body(const struct vg_object_row *row, struct vg_buf *b);

#endif
