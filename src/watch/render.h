/* SPDX-License-Identifier: Apache-2.0 */
/*
 * render.h - a notification as its owner may see it (docs/watch.md).
 *
 * The same document goes out through the API, the webhook and the CLI, so
 * every path tells the owner exactly the same: the store has already
 * decided (vg_store_notify_scan) whether the version that caused it is
 * visible to the owner's tokens now, and a row that is not carries nothing
 * about the object; this file only shapes it.
 *
 *   always    id (the owner's own number), asset {kind, value}, time,
 *             message
 *   visible   observable {kind, value}, rule, object {id, type, labels, tlp,
 *             contributor {name, identity}}
 *
 * Threading: any thread, with its own store handle.
 */
#ifndef VG_WATCH_RENDER_H
#define VG_WATCH_RENDER_H

#include <jansson.h>

#include "store/store.h"

#define VG_WATCH_MSG_VISIBLE "an asset of yours is touched by intelligence in the hub"
#define VG_WATCH_MSG_HIDDEN "an asset of yours is reported by the hub; contact the operator"

/* New reference, or NULL when out of memory.  with_delivery adds the
 * webhook's state and attempts (the API and the CLI; not the webhook). */
json_t *vg_watch_notification_json(struct vg_store *st, const struct vg_notify_row *n,
                                   int with_delivery);

/* {"id", "kind", "value", "created"} of a watch entry. */
json_t *vg_watch_entry_json(const struct vg_watch_row *w);

#endif
