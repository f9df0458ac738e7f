/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stream_notify.c - watch-list notifications in the owner's live stream
 * (docs/watch.md, docs/stream.md): `event: notification`.
 *
 * A notification belongs right after the event that caused it (the object
 * version it records), so its place in the stream is that event's number
 * and its rank among the owner's notifications of that event (1, 2, ...).
 * The stream's opaque ids carry both (rank 0 is the event itself), so a
 * partner resuming from any id gets exactly what follows it: nothing lost,
 * nothing twice.  A notification is sent even when the event itself is not
 * (the owner may not see the version): then, as everywhere, it says only
 * which asset is reported, and when (src/watch/render.c); the store decides
 * with the owner's tokens at the moment of sending.
 *
 * Per fill, stream.c asks for the owner's notifications of the events it
 * is about to examine (one indexed query; none at all is the usual
 * answer), then interleaves them with the events.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include "watch/render.h"

struct window {
    struct http_note *out;
    size_t cap, n;
    int64_t last_rowid;
    int rank;
};

static int window_cb(void *ctx, const struct vg_notify_row *r)
{
    struct window *w = ctx;

    w->rank = r->object_rowid == w->last_rowid ? w->rank + 1 : 1;
    w->last_rowid = r->object_rowid;
    if (w->n == w->cap)
        return 1;
    w->out[w->n].id = r->id;
    w->out[w->n].rowid = r->object_rowid;
    w->out[w->n].rank = w->rank;
    w->n++;
    return 0;
}

enum vg_rc http_notes_window(struct vg_store *st, int64_t org_id, int64_t cursor, int cursor_rank,
                             int64_t *upto, struct http_note *out, size_t cap, size_t *n,
                             struct vg_error *err)
{
    struct vg_notify_filter f;
    struct window w = {out, cap, 0, -1, 0};
    vg_token none = 0;
    enum vg_rc rc;
    size_t i, keep = 0;

    *n = 0;
    memset(&f, 0, sizeof(f));
    f.org_id = org_id;
    f.tokens = &none; /* positions only: nothing about the objects is read */
    f.ntokens = 0;
    f.rowid_min = cursor > 0 ? cursor : 1;
    f.rowid_max = *upto;
    f.limit = cap + 1;
    if ((rc = vg_store_notify_scan(st, &f, window_cb, &w, err)) != VG_OK)
        return rc;
    if (w.n == cap) {
        int64_t last = out[cap - 1].rowid;

        /* the last event's notifications may continue past the array: this
         * fill ends before that event (the cursor's own event never has
         * that many: at most 64 notifications per version) */
        if (last > cursor) {
            *upto = last - 1;
            while (w.n > 0 && out[w.n - 1].rowid == last)
                w.n--;
        }
    }
    for (i = 0; i < w.n; i++) { /* those of the cursor's event already sent */
        if (out[i].rowid == cursor && out[i].rank <= cursor_rank)
            continue;
        out[keep++] = out[i];
    }
    *n = keep;
    return VG_OK;
}

struct one {
    struct vg_store *st;
    json_t *doc;
};

static int one_cb(void *ctx, const struct vg_notify_row *r)
{
    struct one *o = ctx;

    o->doc = vg_watch_notification_json(o->st, r, 0);
    return 1;
}

enum vg_rc http_note_event(struct vg_store *st, int64_t org_id, const vg_token *tok, size_t ntok,
                           const struct http_note *note, const char *sse_id, struct vg_buf *b,
                           struct vg_error *err)
{
    struct vg_notify_filter f;
    struct one o = {st, NULL};
    enum vg_rc rc;
    char *text;

    memset(&f, 0, sizeof(f));
    f.org_id = org_id;
    f.tokens = tok;
    f.ntokens = ntok;
    f.id = note->id;
    f.limit = 1;
    if ((rc = vg_store_notify_scan(st, &f, one_cb, &o, err)) != VG_OK)
        return rc;
    if (o.doc == NULL)
        return VG_OK; /* gone (cannot be: notifications are never deleted) */
    text = json_dumps(o.doc, JSON_COMPACT);
    json_decref(o.doc);
    if (text == NULL)
        return vg_error_set(err, VG_NOMEM, NULL, "out of memory");
    rc = vg_buf_printf(b, "id: %s\nevent: notification\ndata: %s\n\n", sse_id, text);
    free(text);
    return rc == VG_OK ? VG_OK : vg_error_set(err, rc, NULL, "out of memory");
}
