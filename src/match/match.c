/* SPDX-License-Identifier: Apache-2.0 */
/*
 * match.c - the log scanner (see match.h for the rules).
 *
 * One pass over the bytes with a 256-entry class table.  Bytes that cannot
 * be part of a host name, an address or a hash are skipped (counting
 * newlines on the way); each maximal run of host-name characters is a token,
 * and its classes OR-ed and AND-ed during the run decide in O(1) whether it
 * can be anything at all: most tokens of a log (words, numbers, timestamps,
 * ids) are dropped without a second look.  Tokens that remain are looked up
 * directly when their text is already canonical, or after vg_obs_parse when
 * it might not be.  Nothing is allocated; the few buffers live on the stack.
 */
#include "match.h"

#include <stdint.h>
#include <string.h>

enum {
    C_TOK = 1,     /* host-name character: A-Z a-z 0-9 . - _ and bytes >= 0x80 */
    C_DIGIT = 2,   /* 0-9 */
    C_HEX = 4,     /* 0-9 a-f A-F */
    C_UPPER = 8,   /* A-Z */
    C_DOT = 16,    /* . */
    C_HIGH = 32,   /* >= 0x80 */
    C_ALNUM = 64,  /* A-Z a-z 0-9 */
    C_URLEND = 128 /* ends a URL: controls, space, " ' < > ` { } | \ ^ , and DEL */
};

static unsigned char cls[256];

static void init_classes(void)
{
    int c;

    for (c = 0; c < 256; c++) {
        unsigned char k = 0;

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
            k |= C_TOK | C_ALNUM;
        if (c >= '0' && c <= '9')
            k |= C_DIGIT | C_HEX;
        if ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))
            k |= C_HEX;
        if (c >= 'A' && c <= 'Z')
            k |= C_UPPER;
        if (c == '.')
            k |= C_TOK | C_DOT;
        if (c == '-' || c == '_')
            k |= C_TOK;
        if (c >= 0x80)
            k |= C_TOK | C_HIGH;
        if (c <= ' ' || c == 0x7f || strchr("\"'<>`{}|\\^,", c))
            k |= C_URLEND;
        cls[c] = k;
    }
}

static const unsigned char *classes(void)
{
    static volatile int ready;

    /* Idempotent: threads racing here all write the same table. */
    if (!ready) {
        init_classes();
        ready = 1;
    }
    return cls;
}

struct scan {
    const struct vg_index *idx;
    const unsigned char *cls;
    const char *buf, *end;
    size_t lines;
    vg_match_cb cb;
    void *ctx;
    int stop;
    char tmp[VG_OBS_VALUE_MAX + 16];
    struct vg_obs obs;
};

static void emit(struct scan *sc, enum vg_obs_kind kind, const char *text, size_t tlen,
                 const char *canon, size_t clen)
{
    struct vg_match_hit h;

    if (sc->stop)
        return;
    h.hit.entry = VG_INDEX_NONE;
    h.hit.rule = VG_RULE_NONE;
    if (sc->idx && !vg_index_lookup(sc->idx, kind, canon, clen, &h.hit))
        return;
    h.offset = (size_t)(text - sc->buf);
    h.len = tlen;
    h.line = sc->lines;
    h.kind = kind;
    h.canon = canon;
    h.canon_len = clen;
    if (sc->cb(sc->ctx, &h))
        sc->stop = 1;
}

/* Canonicalise with the model and emit, when it yields the expected kind. */
static void emit_parsed(struct scan *sc, enum vg_obs_kind kind, const char *s, size_t n)
{
    struct vg_error err;

    if (vg_obs_parse(kind, s, n, &sc->obs, &err) == VG_OK && sc->obs.kind == kind)
        emit(sc, kind, s, n, sc->obs.value, sc->obs.len);
}

static void lower(char *out, const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        out[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
}

/* ---- IPv6 ------------------------------------------------------------------- */

static int hexdigit(unsigned char c)
{
    return (c >= '0' && c <= '9') || ((c | 32) >= 'a' && (c | 32) <= 'f');
}

/*
 * An IPv6 address starting at s: the run of hex digits, colons and dots,
 * between characters that cannot continue it.  Returns its end, or NULL.
 */
static const char *ipv6_at(struct scan *sc, const char *s)
{
    const char *p = s, *end = sc->end;
    int colons = 0, dbl = 0, dots = 0;

    if (s > sc->buf && ((sc->cls[(unsigned char)s[-1]] & C_ALNUM) || s[-1] == ':' || s[-1] == '.'))
        return NULL;
    for (; p < end && (hexdigit((unsigned char)*p) || *p == ':' || *p == '.'); p++) {
        if (*p == ':') {
            colons++;
            if (p > s && p[-1] == ':')
                dbl++;
        } else if (*p == '.') {
            dots++;
        }
    }
    if (p < end && (sc->cls[(unsigned char)*p] & (C_ALNUM | C_HIGH)))
        return NULL;
    if (p - s > 45 || colons < 2 || colons > 7 || dbl > 1 || (!dbl && colons + (dots ? 1 : 0) != 7))
        return NULL;
    return p;
}

/* ---- URLs --------------------------------------------------------------------- */

/* End of a URL starting at s (a trailing dot is not part of it). */
static const char *url_end(struct scan *sc, const char *s)
{
    const char *p = s;

    while (p < sc->end && !(sc->cls[(unsigned char)*p] & C_URLEND))
        p++;
    while (p > s && p[-1] == '.')
        p--;
    return p;
}

/*
 * Is the URL at s (scheme at s, "://" at a) canonical as it stands?  Lower-case
 * http/https/ftp scheme, a lower-case host name or address without port or
 * user, a path, no fragment, nothing defanged.
 */
static int url_canonical(struct scan *sc, const char *s, const char *a, const char *e)
{
    size_t slen = (size_t)(a - s);
    const char *p = a + 3, *h = p;

    if (!((slen == 4 && memcmp(s, "http", 4) == 0) || (slen == 5 && memcmp(s, "https", 5) == 0) ||
          (slen == 3 && memcmp(s, "ftp", 3) == 0)))
        return 0;
    for (; p < e && *p != '/'; p++) {
        unsigned char k = sc->cls[(unsigned char)*p];

        if (!(k & C_TOK) || (k & (C_UPPER | C_HIGH)))
            return 0;
    }
    if (p == h || p == e || p[-1] == '.' || p[-1] == '-')
        return 0;
    for (; p < e; p++)
        if (*p == '#' || *p == '[' || *p == '(' || *p == '{')
            return 0;
    return 1;
}

/* Host of a URL that is too long to be an indicator, looked up alone. */
static void url_host_only(struct scan *sc, const char *s, const char *a, const char *e)
{
    const char *h = a + 3, *p = h, *at = NULL;
    size_t n;

    for (; p < e && *p != '/' && *p != '?' && *p != '#'; p++)
        if (*p == '@')
            at = p;
    if (at)
        h = at + 1;
    n = (size_t)(p - h);
    if (n == 0 || n > 255 || h[0] == '[')
        return;
    if (vg_obs_parse(VG_OBS_NONE, h, n, &sc->obs, NULL) == VG_OK &&
        (sc->obs.kind == VG_OBS_DOMAIN || sc->obs.kind == VG_OBS_IPV4))
        emit(sc, sc->obs.kind, s, (size_t)(e - s), sc->obs.value, sc->obs.len);
}

/* A URL with a scheme at s, "://" at a.  Returns where scanning resumes: the
 * end of the authority, so that the path and query are scanned as text. */
static const char *url(struct scan *sc, const char *s, const char *a)
{
    const char *e = url_end(sc, s), *q;
    size_t n = (size_t)(e - s);

    for (q = a + 3; q < e && *q != '/' && *q != '?' && *q != '#'; q++)
        ;
    if (e - a <= 3)
        return a + 3;
    if (url_canonical(sc, s, a, e))
        emit(sc, VG_OBS_URL, s, n, s, n);
    else if (n <= VG_OBS_VALUE_MAX)
        emit_parsed(sc, VG_OBS_URL, s, n);
    else
        url_host_only(sc, s, a, e);
    return q;
}

/* ---- tokens ----------------------------------------------------------------- */

static int hash_len(size_t n)
{
    return n == 32 || n == 40 || n == 64 || n == 128;
}

static enum vg_obs_kind hash_kind(size_t n)
{
    return n == 32 ? VG_OBS_MD5 : n == 40 ? VG_OBS_SHA1 : n == 64 ? VG_OBS_SHA256 : VG_OBS_SHA512;
}

static void hash_run(struct scan *sc, const char *s, size_t n, int upper)
{
    if (upper) {
        lower(sc->tmp, s, n);
        emit(sc, hash_kind(n), s, n, sc->tmp, n);
    } else {
        emit(sc, hash_kind(n), s, n, s, n);
    }
}

/* Hash candidates inside a token with separators: each alnum run. */
static void hash_runs(struct scan *sc, const char *s, const char *e)
{
    const char *p = s;

    while (p < e) {
        const char *r = p;
        unsigned char and = 0xff, or = 0;

        while (p < e && (sc->cls[(unsigned char)*p] & C_ALNUM)) {
            and &= sc->cls[(unsigned char)*p];
            or |= sc->cls[(unsigned char)*p];
            p++;
        }
        if (hash_len((size_t)(p - r)) && (and&C_HEX))
            hash_run(sc, r, (size_t)(p - r), or &C_UPPER);
        while (p < e && !(sc->cls[(unsigned char)*p] & C_ALNUM))
            p++;
    }
}

static int ipv4_text(const char *s, size_t n)
{
    size_t i, parts = 0, digits = 0;
    unsigned v = 0;

    for (i = 0; i <= n; i++) {
        if (i == n || s[i] == '.') {
            if (digits == 0 || (digits > 1 && s[i - digits] == '0') || v > 255)
                return 0;
            parts++;
            digits = 0;
            v = 0;
        } else if (++digits > 3) {
            return 0;
        } else {
            v = v * 10 + (unsigned)(s[i] - '0');
        }
    }
    return parts == 4;
}

/* A scheme-less URL: host at s..e, path from e. */
static int bare_url(struct scan *sc, const char *s, const char *e, int upper)
{
    const char *ue = url_end(sc, e), *p;
    size_t hn = (size_t)(e - s), n = 7 + (size_t)(ue - s);

    if (ue - e < 2 || n > VG_OBS_VALUE_MAX)
        return 0;
    for (p = e; p < ue; p++)
        if (*p == '#' || *p == '[' || *p == '(' || *p == '{')
            return 0;
    memcpy(sc->tmp, "http://", 7);
    if (upper)
        lower(sc->tmp + 7, s, hn);
    else
        memcpy(sc->tmp + 7, s, hn);
    memcpy(sc->tmp + 7 + hn, e, (size_t)(ue - e));
    if (sc->idx) {
        struct vg_index_hit hit;

        if (!vg_index_lookup(sc->idx, VG_OBS_URL, sc->tmp, n, &hit) || hit.rule != VG_RULE_EXACT)
            return 0;
    }
    emit(sc, VG_OBS_URL, s, (size_t)(ue - s), sc->tmp, n);
    return 1;
}

static void token(struct scan *sc, const char *s, const char *e, unsigned char or,
                  unsigned char and)
{
    size_t n;
    const char *last;

    if (!(or &C_DOT)) {
        n = (size_t)(e - s);
        if (hash_len(n) && (and&C_HEX))
            hash_run(sc, s, n, or &C_UPPER);
        else if (n > 32 && (or &C_HEX))
            hash_runs(sc, s, e);
        return;
    }
    if ((size_t)(e - s) > 32 && (or &C_HEX))
        hash_runs(sc, s, e);
    while (s < e && (*s == '.' || *s == '-'))
        s++;
    while (e > s && (e[-1] == '.' || e[-1] == '-'))
        e--;
    n = (size_t)(e - s);
    if (n < 3)
        return;
    if (*s >= '0' && *s <= '9' && e[-1] >= '0' && e[-1] <= '9' && !(or &(C_UPPER | C_HIGH))) {
        const char *p;

        for (p = s; p < e && ((*p >= '0' && *p <= '9') || *p == '.'); p++)
            ;
        if (p == e) { /* digits and dots: an address or nothing */
            if (n <= 15 && ipv4_text(s, n))
                emit(sc, VG_OBS_IPV4, s, n, s, n);
            return;
        }
    }
    /* A domain: the last label is not all digits. */
    for (last = e; last > s && last[-1] != '.'; last--)
        ;
    if (last == s || last == e)
        return;
    {
        const char *p;

        for (p = last; p < e && *p >= '0' && *p <= '9'; p++)
            ;
        if (p == e)
            return;
    }
    if (n > 253 && !(or &C_HIGH))
        return;
    if (e < sc->end && *e == '/' && !(or &C_HIGH) && bare_url(sc, s, e, or &C_UPPER))
        return;
    if (or &C_HIGH) {
        emit_parsed(sc, VG_OBS_DOMAIN, s, n);
    } else if (or &C_UPPER) {
        lower(sc->tmp, s, n);
        emit(sc, VG_OBS_DOMAIN, s, n, sc->tmp, n);
    } else {
        emit(sc, VG_OBS_DOMAIN, s, n, s, n);
    }
}

static int scheme_ok(const char *s, const char *e)
{
    const char *p;

    if (e - s < 2 || e - s > 16)
        return 0;
    for (p = s; p < e; p++)
        if (!((*p | 32) >= 'a' && (*p | 32) <= 'z'))
            return 0;
    return 1;
}

size_t vg_match_scan(const struct vg_index *idx, const char *buf, size_t len, vg_match_cb cb,
                     void *ctx)
{
    struct scan sc;
    const unsigned char *k = classes();
    const char *p = buf, *end = buf + len;

    sc.idx = idx;
    sc.cls = k;
    sc.buf = buf;
    sc.end = end;
    sc.lines = 0;
    sc.cb = cb;
    sc.ctx = ctx;
    sc.stop = 0;
    while (p < end) {
        const char *s;
        unsigned char or = 0, and = 0xff, c;

        c = (unsigned char)*p;
        if (!(k[c] & C_TOK)) {
            if (c == '\n') {
                sc.lines++;
            } else if (c == ':' && p + 2 < end && p[1] == ':') {
                const char *v6 = ipv6_at(&sc, p);

                if (v6) {
                    emit_parsed(&sc, VG_OBS_IPV6, p, (size_t)(v6 - p));
                    p = v6;
                    continue;
                }
            }
            p++;
            continue;
        }
        s = p;
        while (p < end && (k[(unsigned char)*p] & C_TOK)) {
            or |= k[(unsigned char)*p];
            and &= k[(unsigned char)*p];
            p++;
        }
        if (p < end && *p == ':') {
            if (end - p > 3 && p[1] == '/' && p[2] == '/' && scheme_ok(s, p)) {
                p = url(&sc, s, p);
                continue;
            }
            if ((and&C_HEX) && p - s <= 4) {
                const char *v6 = ipv6_at(&sc, s);

                if (v6) {
                    emit_parsed(&sc, VG_OBS_IPV6, s, (size_t)(v6 - s));
                    p = v6;
                    continue;
                }
            }
        }
        token(&sc, s, p, or, and);
    }
    return sc.lines;
}
