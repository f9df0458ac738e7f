/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lists.h - registering assets and webhooks, for the CLI and the API alike.
 *
 * vg_watch_add canonicalises an untrusted value (vg_watch_parse), gives the
 * entry a random public id (wl_ + 16 hex: ids say nothing about how many
 * entries others have) and stores it.  vg_watch_hook_new sets an
 * organisation's webhook with a new random secret (whsec_ + 64 hex, 256
 * bits), returned once to the caller; the hub keeps it to sign.
 */
#ifndef VG_WATCH_LISTS_H
#define VG_WATCH_LISTS_H

#include "store/store.h"
#include "watch/watch.h"

/* out->value points into value_buf (VG_WATCH_VALUE_MAX bytes). */
enum vg_rc vg_watch_add(struct vg_store *st, int64_t org_id, enum vg_watch_kind kind,
                        const char *value, size_t len, struct vg_watch_row *out, char *value_buf,
                        struct vg_error *err);

/* URL: http:// or https://, at most 1023 bytes.  secret: 80 bytes. */
enum vg_rc vg_watch_hook_new(struct vg_store *st, int64_t org_id, const char *url, char *secret,
                             struct vg_error *err);

#endif
