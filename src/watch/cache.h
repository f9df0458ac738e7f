/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cache.h - the compiled watch lists of a hub, shared by every writer of
 * the process.
 *
 * vg_watch_current returns the matcher of the lists as the store has them
 * now: compiled once, then reused until a list changes (the store's watch
 * stamp).  Writers call it at the start of each write transaction, where
 * the lists cannot change under them (registrations are writes too), so
 * the matcher an ingest uses is exactly the committed lists.
 *
 * Threading: any thread, any store handle; a mutex guards the few cached
 * matchers (one per hub file), compilation runs outside it.
 */
#ifndef VG_WATCH_CACHE_H
#define VG_WATCH_CACHE_H

#include "store/store.h"
#include "watch/watch.h"

/* *out: a reference the caller drops with vg_watch_matcher_unref, or NULL
 * when no organisation watches anything. */
enum vg_rc vg_watch_current(struct vg_store *st, struct vg_watch_matcher **out,
                            struct vg_error *err);

/* Drop every cached matcher (tests, leak checkers). */
void vg_watch_cache_clear(void);

#endif
