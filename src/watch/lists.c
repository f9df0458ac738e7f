/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lists.c - registering watched assets and webhooks (lists.h).
 */
#include "lists.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/hash.h"

enum vg_rc vg_watch_add(struct vg_store *st, int64_t org_id, enum vg_watch_kind kind,
                        const char *value, size_t len, struct vg_watch_row *out, char *value_buf,
                        struct vg_error *err)
{
    uint8_t r[8];
    enum vg_rc rc;

    if ((rc = vg_watch_parse(kind, value, len, value_buf, err)) != VG_OK)
        return rc;
    if (vg_random(r, sizeof(r)) != VG_OK)
        return vg_error_set(err, VG_INTERNAL, NULL, "no randomness");
    memset(out, 0, sizeof(*out));
    memcpy(out->pub, "wl_", 3);
    vg_hex(r, sizeof(r), out->pub + 3);
    out->org_id = org_id;
    out->kind = (int)kind;
    out->value = value_buf;
    return vg_store_watch_add(st, out, VG_WATCH_MAX_PER_ORG, err);
}

enum vg_rc vg_watch_hook_new(struct vg_store *st, int64_t org_id, const char *url, char *secret,
                             struct vg_error *err)
{
    struct vg_watch_hook h;
    uint8_t r[32];
    enum vg_rc rc;
    size_t i, n = strlen(url);

    if (n >= sizeof(h.url) ||
        (strncasecmp(url, "https://", 8) != 0 && strncasecmp(url, "http://", 7) != 0))
        return vg_error_set(err, VG_INVALID, "url",
                            "the webhook is an http:// or https:// URL of at most %zu bytes",
                            sizeof(h.url) - 1);
    for (i = 0; i < n; i++) {
        if ((unsigned char)url[i] <= ' ' || url[i] == 0x7f)
            return vg_error_set(err, VG_INVALID, "url", "the URL has a space or control byte");
    }
    if (vg_random(r, sizeof(r)) != VG_OK)
        return vg_error_set(err, VG_INTERNAL, NULL, "no randomness");
    memset(&h, 0, sizeof(h));
    h.org_id = org_id;
    snprintf(h.url, sizeof(h.url), "%s", url);
    memcpy(h.secret, "whsec_", 6);
    vg_hex(r, sizeof(r), h.secret + 6);
    rc = vg_store_watch_hook_set(st, &h, err);
    if (rc == VG_OK)
        memcpy(secret, h.secret, strlen(h.secret) + 1);
    vg_wipe(&h, sizeof(h));
    vg_wipe(r, sizeof(r));
    return rc;
}
