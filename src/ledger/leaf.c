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

enum vg_rc vg_leaf_encode_parts(const struct vg_leaf_parts *lp, uint64_t *aud, size_t *naud,
                                uint8_t *out, size_t *len, struct vg_error *err)
{
    const char *org = lp->org ? lp->org : "", *key = lp->key_id ? lp->key_id : "";
    const char *subj = lp->subject ? lp->subject : "";
    size_t lo = strlen(org), lk = strlen(key), ls = strlen(subj), i, j, n = 0;
    uint8_t *p = out;

    if (lo > VG_LEAF_STR_MAX || lk > VG_LEAF_STR_MAX || ls > VG_LEAF_SUBJECT_MAX ||
        *naud > VG_LEAF_AUD_MAX)
        return vg_error_set(err, VG_INVALID, "leaf", "ledger leaf field too long");
    /* Ascending, without duplicates (insertion sort: audiences are short). */
    for (i = 1; i < *naud; i++) {
        uint64_t t = aud[i];

        for (j = i; j > 0 && aud[j - 1] > t; j--)
            aud[j] = aud[j - 1];
        aud[j] = t;
    }
    for (i = 0; i < *naud; i++)
        if (n == 0 || aud[n - 1] != aud[i])
            aud[n++] = aud[i];
    *naud = n;
    *p++ = VG_LEAF_FORMAT;
    *p++ = lp->action;
    p = put64(p, lp->seq);
    p = put64(p, (uint64_t)lp->time_us);
    p = put64(p, (uint64_t)lp->modified_us);
    *p++ = lp->tlp;
    memcpy(p, lp->sha256, 32);
    p += 32;
    *p++ = (uint8_t)lo;
    memcpy(p, org, lo);
    p += lo;
    *p++ = (uint8_t)lk;
    memcpy(p, key, lk);
    p += lk;
    *p++ = (uint8_t)(ls >> 8);
    *p++ = (uint8_t)ls;
    memcpy(p, subj, ls);
    p += ls;
    *p++ = (uint8_t)n;
    for (i = 0; i < n; i++)
        p = put64(p, aud[i]);
    *len = (size_t)(p - out);
    return VG_OK;
}

enum vg_rc vg_leaf_encode(struct vg_leaf *leaf, uint8_t *out, size_t *len, struct vg_error *err)
{
    struct vg_leaf_parts lp = {leaf->action, leaf->seq, leaf->time_us, leaf->modified_us, leaf->tlp,
                               leaf->sha256, leaf->org, leaf->key_id,  leaf->subject};

    return vg_leaf_encode_parts(&lp, leaf->aud, &leaf->naud, out, len, err);
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
