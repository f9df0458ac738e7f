/* SPDX-License-Identifier: Apache-2.0 */
/*
 * leaf.c - encoding and strict decoding of ledger leaves (see leaf.h).
 *
 * The decoder accepts exactly the encoder's output: each length is checked
 * against what remains, strings may not contain NUL, the audience must be
 * strictly ascending, and nothing may follow the last token.  So a leaf has
 * one meaning and one byte string, and an evidence bundle cannot carry a
 * leaf that says something other than its hash commits to.
 */
#include "leaf.h"

#include <stdlib.h>
#include <string.h>

static const char *const action_names[] = {NULL,      "added",    "version",
                                           "revoked", "sighting", "deleted"};

const char *vg_leaf_action_name(unsigned action)
{
    if (action >= 1 && action <= 5)
        return action_names[action];
    if (action == VG_LEAF_LOG_KEY)
        return "log-key";
    if (action == VG_LEAF_ARTEFACT)
        return "artefact";
    return "unknown";
}

static uint8_t *put64(uint8_t *p, uint64_t v)
{
    int i;

    for (i = 7; i >= 0; i--)
        *p++ = (uint8_t)(v >> (8 * i));
    return p;
}

static uint64_t get64(const uint8_t *p)
{
    uint64_t v = 0;
    int i;

    for (i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return v;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

enum vg_rc vg_leaf_encode(struct vg_leaf *leaf, uint8_t *out, size_t *len, struct vg_error *err)
{
    size_t lo = strlen(leaf->org), lk = strlen(leaf->key_id), ls = strlen(leaf->subject);
    size_t i, n = 0;
    uint8_t *p = out;

    if (lo > VG_LEAF_STR_MAX || lk > VG_LEAF_STR_MAX || ls > VG_LEAF_SUBJECT_MAX ||
        leaf->naud > VG_LEAF_AUD_MAX)
        return vg_error_set(err, VG_INVALID, "leaf", "ledger leaf field too long");
    if (leaf->naud > 1) {
        qsort(leaf->aud, leaf->naud, sizeof(leaf->aud[0]), cmp_u64);
        for (i = 0; i < leaf->naud; i++)
            if (n == 0 || leaf->aud[n - 1] != leaf->aud[i])
                leaf->aud[n++] = leaf->aud[i];
        leaf->naud = n;
    }
    *p++ = VG_LEAF_FORMAT;
    *p++ = leaf->action;
    p = put64(p, leaf->seq);
    p = put64(p, (uint64_t)leaf->time_us);
    p = put64(p, (uint64_t)leaf->modified_us);
    *p++ = leaf->tlp;
    memcpy(p, leaf->sha256, 32);
    p += 32;
    *p++ = (uint8_t)lo;
    memcpy(p, leaf->org, lo);
    p += lo;
    *p++ = (uint8_t)lk;
    memcpy(p, leaf->key_id, lk);
    p += lk;
    *p++ = (uint8_t)(ls >> 8);
    *p++ = (uint8_t)ls;
    memcpy(p, leaf->subject, ls);
    p += ls;
    *p++ = (uint8_t)leaf->naud;
    for (i = 0; i < leaf->naud; i++)
        p = put64(p, leaf->aud[i]);
    *len = (size_t)(p - out);
    return VG_OK;
}

/* A length-prefixed string into out (cap > n); NUL bytes refused. */
static int get_str(const uint8_t **p, const uint8_t *end, size_t n, char *out, size_t cap)
{
    if ((size_t)(end - *p) < n || n >= cap || memchr(*p, 0, n) != NULL)
        return 0;
    memcpy(out, *p, n);
    out[n] = '\0';
    *p += n;
    return 1;
}

enum vg_rc vg_leaf_decode(const uint8_t *p, size_t len, struct vg_leaf *out, struct vg_error *err)
{
    const uint8_t *end = p + len;
    struct vg_leaf l;
    size_t n, i;

    memset(&l, 0, sizeof(l));
    if (len < 2 + 24 + 1 + 32 + 1)
        goto bad;
    if (p[0] != VG_LEAF_FORMAT)
        return vg_error_set(err, VG_INVALID, "leaf", "unknown ledger leaf format %u", p[0]);
    l.action = p[1];
    l.seq = get64(p + 2);
    l.time_us = (int64_t)get64(p + 10);
    l.modified_us = (int64_t)get64(p + 18);
    l.tlp = p[26];
    memcpy(l.sha256, p + 27, 32);
    p += 59;
    n = *p++;
    if (!get_str(&p, end, n, l.org, sizeof(l.org)) || p >= end)
        goto bad;
    n = *p++;
    if (!get_str(&p, end, n, l.key_id, sizeof(l.key_id)) || end - p < 2)
        goto bad;
    n = (size_t)p[0] << 8 | p[1];
    p += 2;
    if (!get_str(&p, end, n, l.subject, sizeof(l.subject)) || p >= end)
        goto bad;
    l.naud = *p++;
    if ((size_t)(end - p) != 8 * l.naud)
        goto bad;
    for (i = 0; i < l.naud; i++, p += 8) {
        l.aud[i] = get64(p);
        if (i > 0 && l.aud[i] <= l.aud[i - 1])
            goto bad;
    }
    *out = l;
    return VG_OK;
bad:
    return vg_error_set(err, VG_INVALID, "leaf", "malformed ledger leaf");
}
