/* SPDX-License-Identifier: Apache-2.0 */
/*
 * watch.c - canonical watch entries and the compiled matcher (watch.h).
 *
 * Networks.  Two sorted arrays of intervals, one per address family, as
 * 128-bit numbers (IPv4 in the low 32 bits).  CIDR ranges form a laminar
 * family (two are nested or disjoint), so sorting by (start ascending, end
 * descending) is a pre-order of their containment tree; each interval keeps
 * the index of its nearest enclosing interval.  Every interval containing a
 * point x is an ancestor-or-self of the last interval starting at or before
 * x: a binary search, then a walk up the parents (a prefix has at most 128
 * ancestors), skipping those that end before x.  A reported range touches
 * the networks containing its first address and those starting inside it.
 *
 * Domains.  An open-addressing hash set of the watched names (FNV-1a, linear
 * probing), each slot the first of a chain of entries with that name (two
 * organisations may watch the same one).  A name is probed whole, then each
 * parent, so the first hit of an organisation is its most specific.
 *
 * Brands.  A dense Aho-Corasick automaton over the 37 characters of host
 * names plus "anything else" (which no keyword contains, so it resets the
 * search): one table look-up per character.  Each state keeps the chain of
 * keywords ending there, through its dictionary suffix link.
 */
#include "watch.h"

#include <arpa/inet.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpsl.h>
#include <pthread.h>

#include "common/hash.h"

const char *vg_watch_kind_name(enum vg_watch_kind kind)
{
    switch (kind) {
    case VG_WATCH_NETWORK:
        return "network";
    case VG_WATCH_DOMAIN:
        return "domain";
    case VG_WATCH_BRAND:
        return "brand";
    default:
        return "";
    }
}

enum vg_watch_kind vg_watch_kind_from_name(const char *name)
{
    if (name == NULL)
        return VG_WATCH_NONE;
    if (strcmp(name, "network") == 0)
        return VG_WATCH_NETWORK;
    if (strcmp(name, "domain") == 0)
        return VG_WATCH_DOMAIN;
    if (strcmp(name, "brand") == 0)
        return VG_WATCH_BRAND;
    return VG_WATCH_NONE;
}

static const char *const rule_names[] = {"", "in-network", "exact", "subdomain", "brand"};

const char *vg_watch_rule_name(enum vg_watch_rule rule)
{
    return (unsigned)rule < sizeof(rule_names) / sizeof(rule_names[0]) ? rule_names[rule] : "";
}

enum vg_watch_rule vg_watch_rule_from_name(const char *name)
{
    size_t i;

    for (i = 1; name && i < sizeof(rule_names) / sizeof(rule_names[0]); i++) {
        if (strcmp(name, rule_names[i]) == 0)
            return (enum vg_watch_rule)i;
    }
    return VG_WRULE_NONE;
}

/* ---- canonical values ------------------------------------------------------ */

static const psl_ctx_t *psl;
static pthread_once_t psl_once = PTHREAD_ONCE_INIT;

static void psl_load(void)
{
    psl = psl_latest(NULL);
    if (psl == NULL)
        psl = psl_builtin();
}

static int brand_char(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

/* 1 when the address parts (before any '/') of a and of the canonical c
 * are the same address. */
static int same_address(const char *a, size_t alen, const char *c)
{
    char x[64], y[64];
    unsigned char bx[16], by[16];
    size_t n = 0, m = 0;

    while (n < alen && a[n] != '/' && n + 1 < sizeof(x)) {
        x[n] = a[n];
        n++;
    }
    x[n] = '\0';
    while (c[m] && c[m] != '/' && m + 1 < sizeof(y)) {
        y[m] = c[m];
        m++;
    }
    y[m] = '\0';
    if (inet_pton(AF_INET, x, bx) == 1 && inet_pton(AF_INET, y, by) == 1)
        return memcmp(bx, by, 4) == 0;
    if (inet_pton(AF_INET6, x, bx) == 1 && inet_pton(AF_INET6, y, by) == 1)
        return memcmp(bx, by, 16) == 0;
    return 0;
}

enum vg_rc vg_watch_parse(enum vg_watch_kind kind, const char *in, size_t len, char *out,
                          struct vg_error *err)
{
    struct vg_obs obs;
    enum vg_rc rc;
    size_t i;

    while (len && (in[0] == ' ' || in[0] == '\t'))
        in++, len--;
    while (len && (in[len - 1] == ' ' || in[len - 1] == '\t' || in[len - 1] == '\n'))
        len--;
    if (len == 0)
        return vg_error_set(err, VG_INVALID, "value", "empty value");
    if (len >= VG_WATCH_VALUE_MAX)
        return vg_error_set(err, VG_INVALID, "value", "value longer than %d bytes",
                            VG_WATCH_VALUE_MAX - 1);
    switch (kind) {
    case VG_WATCH_NETWORK:
        if ((rc = vg_obs_parse(VG_OBS_NONE, in, len, &obs, err)) != VG_OK)
            return vg_error_set(err, rc, "value", "not an IP address or CIDR range");
        if (obs.kind != VG_OBS_IPV4 && obs.kind != VG_OBS_IPV6 && obs.kind != VG_OBS_CIDR4 &&
            obs.kind != VG_OBS_CIDR6)
            return vg_error_set(err, VG_INVALID, "value", "not an IP address or CIDR range");
        /* vg_obs_parse aligns a range; registering a misaligned one is a
         * typo worth telling (10.1.2.3/8 means 10.0.0.0/8, a whole /8). */
        if (memchr(in, '/', len) && !same_address(in, len, obs.value))
            return vg_error_set(err, VG_INVALID, "value",
                                "'%.*s' is not aligned to its prefix: the network is %s",
                                (int)(len > 64 ? 64 : len), in, obs.value);
        break;
    case VG_WATCH_DOMAIN:
        if ((rc = vg_obs_parse(VG_OBS_DOMAIN, in, len, &obs, err)) != VG_OK)
            return vg_error_set(err, rc, "value", "not a domain name");
        pthread_once(&psl_once, psl_load);
        if (psl == NULL || psl_is_public_suffix2(psl, obs.value, PSL_TYPE_ANY))
            return vg_error_set(err, VG_INVALID, "value", "'%s' is a public suffix: nobody owns it",
                                obs.value);
        if (strchr(obs.value, '.') == NULL)
            return vg_error_set(err, VG_INVALID, "value", "'%s' is a top-level name", obs.value);
        break;
    case VG_WATCH_BRAND:
        if (len < VG_WATCH_BRAND_MIN || len > 63)
            return vg_error_set(err, VG_INVALID, "value", "a brand keyword has %d to 63 characters",
                                VG_WATCH_BRAND_MIN);
        for (i = 0; i < len; i++) {
            int c = (unsigned char)in[i];

            if (c >= 'A' && c <= 'Z')
                c += 'a' - 'A';
            if (!brand_char(c))
                return vg_error_set(err, VG_INVALID, "value",
                                    "a brand keyword is letters, digits and hyphens (ASCII; "
                                    "IDN look-alikes are folded to it)");
            obs.value[i] = (char)c;
        }
        if (obs.value[0] == '-' || obs.value[len - 1] == '-')
            return vg_error_set(err, VG_INVALID, "value",
                                "a brand keyword neither starts nor ends with '-'");
        obs.value[len] = '\0';
        obs.len = len;
        break;
    default:
        return vg_error_set(err, VG_INVALID, "kind", "kind is network, domain or brand");
    }
    if (obs.len >= VG_WATCH_VALUE_MAX)
        return vg_error_set(err, VG_INVALID, "value", "value too long");
    memcpy(out, obs.value, obs.len + 1);
    return VG_OK;
}

/* ---- the compiled matcher -------------------------------------------------- */

struct u128 {
    uint64_t hi, lo;
};

struct interval {
    struct u128 lo, hi;
    int32_t parent; /* nearest enclosing interval, -1 none */
    uint32_t entry;
};

struct dslot {
    uint64_t hash;
    int32_t first; /* entry index, -1: empty */
};

#define AC_SYMS 38 /* a-z 0-9 - and "other" */

struct vg_watch_matcher {
    atomic_int refs;
    size_t n;
    struct vg_watch_entry *e; /* values in one arena */
    char *arena;
    int32_t *next; /* chain of entries with the same domain */
    struct interval *v4, *v6;
    size_t nv4, nv6;
    struct dslot *dom;
    size_t domcap; /* power of two, 0: no domains */
    /* Aho-Corasick */
    int32_t *ac;      /* states * AC_SYMS */
    int32_t *ac_out;  /* first keyword entry ending at the state, -1 */
    int32_t *ac_dict; /* nearest suffix state with output, -1 */
    int32_t *ac_emit; /* first state with output on the suffix chain (itself or ac_dict), -1 */
    int32_t *ac_more; /* next entry with the same keyword */
    size_t nstates;
};

static unsigned char sym_of[256];
static pthread_once_t sym_once = PTHREAD_ONCE_INIT;

static void sym_init(void)
{
    int c;

    for (c = 0; c < 256; c++)
        sym_of[c] = AC_SYMS - 1;
    for (c = 'a'; c <= 'z'; c++)
        sym_of[c] = (unsigned char)(c - 'a');
    for (c = '0'; c <= '9'; c++)
        sym_of[c] = (unsigned char)(26 + c - '0');
    sym_of['-'] = 36;
}

static int u128_cmp(struct u128 a, struct u128 b)
{
    if (a.hi != b.hi)
        return a.hi < b.hi ? -1 : 1;
    if (a.lo != b.lo)
        return a.lo < b.lo ? -1 : 1;
    return 0;
}

/* A dotted quad (the canonical IPv4 form: no leading zeros), without
 * inet_pton: most observables checked at ingest are addresses. */
static int quad(const char *v, size_t len, uint32_t *out)
{
    uint32_t a = 0, part = 0;
    size_t i, digits = 0;
    int dots = 0;

    for (i = 0; i < len; i++) {
        char c = v[i];

        if (c >= '0' && c <= '9') {
            if ((digits == 1 && part == 0) || (part = part * 10 + (uint32_t)(c - '0')) > 255)
                return 0;
            digits++;
        } else if (c == '.' && digits && dots < 3) {
            a = a << 8 | part;
            part = 0;
            digits = 0;
            dots++;
        } else {
            return 0;
        }
    }
    if (dots != 3 || digits == 0)
        return 0;
    *out = a << 8 | part;
    return 1;
}

/* The interval of a canonical address or range; 4 or 6, 0 when not one. */
static int interval_of(const char *value, size_t len, struct u128 *lo, struct u128 *hi)
{
    char buf[64];
    const char *slash;
    unsigned char a[16];
    long bits = -1;
    int fam, i, maxbits;
    uint32_t q;

    if (quad(value, len, &q)) { /* the common case: one IPv4 address */
        lo->hi = hi->hi = 0;
        lo->lo = hi->lo = q;
        return 4;
    }
    if (len >= sizeof(buf))
        return 0;
    memcpy(buf, value, len);
    buf[len] = '\0';
    if ((slash = strchr(buf, '/')) != NULL) {
        char *end;

        bits = strtol(slash + 1, &end, 10);
        if (*end != '\0' || end == slash + 1)
            return 0;
        buf[slash - buf] = '\0';
    }
    if (inet_pton(AF_INET, buf, a) == 1) {
        fam = 4;
        maxbits = 32;
        lo->hi = 0;
        lo->lo = ((uint64_t)a[0] << 24) | ((uint64_t)a[1] << 16) | ((uint64_t)a[2] << 8) | a[3];
    } else if (inet_pton(AF_INET6, buf, a) == 1) {
        fam = 6;
        maxbits = 128;
        lo->hi = lo->lo = 0;
        for (i = 0; i < 8; i++)
            lo->hi = (lo->hi << 8) | a[i];
        for (i = 8; i < 16; i++)
            lo->lo = (lo->lo << 8) | a[i];
    } else {
        return 0;
    }
    if (bits < 0)
        bits = maxbits;
    if (bits > maxbits)
        return 0;
    {
        /* host bits: the low (maxbits - bits) bits of the address */
        int host = maxbits - (int)bits;
        struct u128 mask = {0, 0};

        if (host >= 128) {
            mask.hi = mask.lo = ~0ull;
        } else if (host >= 64) {
            mask.lo = ~0ull;
            mask.hi = host == 64 ? 0 : (~0ull >> (128 - host));
        } else if (host > 0) {
            mask.lo = ~0ull >> (64 - host);
        }
        lo->hi &= ~mask.hi;
        lo->lo &= ~mask.lo;
        hi->hi = lo->hi | mask.hi;
        hi->lo = lo->lo | mask.lo;
        if (fam == 4) { /* keep IPv4 in 32 bits */
            lo->hi = hi->hi = 0;
            hi->lo &= 0xffffffffull;
        }
    }
    return fam;
}

static int interval_cmp(const void *pa, const void *pb)
{
    const struct interval *a = pa, *b = pb;
    int c = u128_cmp(a->lo, b->lo);

    if (c == 0)
        c = -u128_cmp(a->hi, b->hi); /* the wider first: it encloses */
    if (c == 0)
        c = a->entry < b->entry ? -1 : a->entry > b->entry;
    return c;
}

/* Sort and link each interval to its nearest enclosing one (a stack of the
 * open ancestors, pre-order). */
static enum vg_rc intervals_build(struct interval *v, size_t n)
{
    int32_t *stack;
    size_t depth = 0, i;

    if (n == 0)
        return VG_OK;
    qsort(v, n, sizeof(*v), interval_cmp);
    if ((stack = malloc(n * sizeof(*stack))) == NULL)
        return VG_NOMEM;
    for (i = 0; i < n; i++) {
        while (depth && u128_cmp(v[stack[depth - 1]].hi, v[i].lo) < 0)
            depth--;
        v[i].parent = depth ? stack[depth - 1] : -1;
        stack[depth++] = (int32_t)i;
    }
    free(stack);
    return VG_OK;
}

/*
 * FNV-1a over the name's bytes from the last to the first: the hash of a
 * name extends the hash of its parent, so one pass from the right gives
 * every suffix's hash at the label boundaries it crosses.
 */
#define FNV_PRIME 0x100000001b3ull

static uint64_t dom_step(uint64_t h, unsigned char c)
{
    return (h ^ c) * FNV_PRIME;
}

static uint64_t dom_hash(const char *s, size_t n)
{
    uint64_t h = VG_FNV_SEED;

    while (n > 0)
        h = dom_step(h, (unsigned char)s[--n]);
    return h | 1; /* never 0 */
}

static enum vg_rc domains_build(struct vg_watch_matcher *m, size_t ndom)
{
    size_t cap = 16, i;

    while (cap < ndom * 2 + 16)
        cap <<= 1;
    if ((m->dom = malloc(cap * sizeof(*m->dom))) == NULL)
        return VG_NOMEM;
    m->domcap = cap;
    for (i = 0; i < cap; i++) {
        m->dom[i].hash = 0;
        m->dom[i].first = -1;
    }
    for (i = 0; i < m->n; i++) {
        const char *v = m->e[i].value;
        size_t len = strlen(v), at;
        uint64_t h;

        if (m->e[i].kind != VG_WATCH_DOMAIN)
            continue;
        h = dom_hash(v, len);
        for (at = h & (cap - 1);; at = (at + 1) & (cap - 1)) {
            struct dslot *s = &m->dom[at];

            if (s->first < 0) {
                s->hash = h;
                s->first = (int32_t)i;
                break;
            }
            if (s->hash == h && strcmp(m->e[s->first].value, v) == 0) {
                m->next[i] = m->next[s->first]; /* chain after the first */
                m->next[s->first] = (int32_t)i;
                break;
            }
        }
    }
    return VG_OK;
}

static enum vg_rc brands_build(struct vg_watch_matcher *m, size_t total)
{
    size_t cap = total + 1, n = 1, i, head = 0, tail = 0;
    int32_t *fail = NULL, *queue = NULL;
    int c;

    pthread_once(&sym_once, sym_init);
    m->ac = malloc(cap * AC_SYMS * sizeof(int32_t));
    m->ac_out = malloc(cap * sizeof(int32_t));
    m->ac_dict = malloc(cap * sizeof(int32_t));
    fail = malloc(cap * sizeof(int32_t));
    queue = malloc(cap * sizeof(int32_t));
    if (!m->ac || !m->ac_out || !m->ac_dict || !fail || !queue) {
        free(fail);
        free(queue);
        return VG_NOMEM;
    }
    for (i = 0; i < cap * AC_SYMS; i++)
        m->ac[i] = -1;
    m->ac_out[0] = -1;
    /* the trie */
    for (i = 0; i < m->n; i++) {
        const unsigned char *p = (const unsigned char *)m->e[i].value;
        int32_t s = 0;

        if (m->e[i].kind != VG_WATCH_BRAND)
            continue;
        for (; *p; p++) {
            int32_t *t = &m->ac[(size_t)s * AC_SYMS + sym_of[*p]];

            if (*t < 0) {
                *t = (int32_t)n;
                m->ac_out[n] = -1;
                n++;
            }
            s = *t;
        }
        m->ac_more[i] = m->ac_out[s];
        m->ac_out[s] = (int32_t)i;
    }
    /* breadth first: failure links, dictionary links, the dense table */
    fail[0] = 0;
    m->ac_dict[0] = -1;
    for (c = 0; c < AC_SYMS; c++) {
        int32_t *t = &m->ac[c];

        if (*t < 0) {
            *t = 0;
        } else {
            fail[*t] = 0;
            m->ac_dict[*t] = -1;
            queue[tail++] = *t;
        }
    }
    while (head < tail) {
        int32_t s = queue[head++];

        for (c = 0; c < AC_SYMS; c++) {
            int32_t *t = &m->ac[(size_t)s * AC_SYMS + c];
            int32_t f = m->ac[(size_t)fail[s] * AC_SYMS + c];

            if (*t < 0) {
                *t = f;
            } else {
                fail[*t] = f;
                m->ac_dict[*t] = m->ac_out[f] >= 0 ? f : m->ac_dict[f];
                queue[tail++] = *t;
            }
        }
    }
    if ((m->ac_emit = malloc(n * sizeof(int32_t))) == NULL) {
        free(fail);
        free(queue);
        return VG_NOMEM;
    }
    for (i = 0; i < n; i++)
        m->ac_emit[i] = m->ac_out[i] >= 0 ? (int32_t)i : m->ac_dict[i];
    m->nstates = n;
    free(fail);
    free(queue);
    return VG_OK;
}

enum vg_rc vg_watch_compile(const struct vg_watch_entry *e, size_t n, struct vg_watch_matcher **out,
                            struct vg_error *err)
{
    struct vg_watch_matcher *m;
    size_t bytes = 0, ndom = 0, nbrand = 0, brand_len = 0, i, at = 0;
    enum vg_rc rc = VG_NOMEM;

    for (i = 0; i < n; i++) {
        if (e[i].value == NULL || strlen(e[i].value) >= VG_WATCH_VALUE_MAX)
            return vg_error_set(err, VG_INVALID, "value", "watch entry %lld has no value",
                                (long long)e[i].id);
        bytes += strlen(e[i].value) + 1;
    }
    if ((m = calloc(1, sizeof(*m))) == NULL)
        return vg_error_set(err, VG_NOMEM, NULL, "out of memory");
    atomic_init(&m->refs, 1);
    m->n = n;
    m->e = calloc(n ? n : 1, sizeof(*m->e));
    m->arena = malloc(bytes ? bytes : 1);
    m->next = malloc((n ? n : 1) * sizeof(*m->next));
    m->ac_more = malloc((n ? n : 1) * sizeof(*m->ac_more));
    m->v4 = malloc((n ? n : 1) * sizeof(*m->v4));
    m->v6 = malloc((n ? n : 1) * sizeof(*m->v6));
    if (!m->e || !m->arena || !m->next || !m->ac_more || !m->v4 || !m->v6)
        goto fail;
    for (i = 0; i < n; i++) {
        size_t len = strlen(e[i].value);
        struct interval iv;
        int fam;

        m->e[i] = e[i];
        memcpy(m->arena + at, e[i].value, len + 1);
        m->e[i].value = m->arena + at;
        at += len + 1;
        m->next[i] = -1;
        m->ac_more[i] = -1;
        switch (e[i].kind) {
        case VG_WATCH_NETWORK:
            fam = interval_of(e[i].value, len, &iv.lo, &iv.hi);
            if (fam == 0) {
                rc = vg_error_set(err, VG_INVALID, "value", "'%s' is not a network", e[i].value);
                goto fail_set;
            }
            iv.entry = (uint32_t)i;
            iv.parent = -1;
            if (fam == 4)
                m->v4[m->nv4++] = iv;
            else
                m->v6[m->nv6++] = iv;
            break;
        case VG_WATCH_DOMAIN:
            ndom++;
            break;
        case VG_WATCH_BRAND:
            nbrand++;
            brand_len += len;
            break;
        default:
            rc = vg_error_set(err, VG_INVALID, "kind", "watch entry %lld has no kind",
                              (long long)e[i].id);
            goto fail_set;
        }
    }
    if (intervals_build(m->v4, m->nv4) != VG_OK || intervals_build(m->v6, m->nv6) != VG_OK)
        goto fail;
    if (ndom && domains_build(m, ndom) != VG_OK)
        goto fail;
    if (nbrand && brands_build(m, brand_len) != VG_OK)
        goto fail;
    *out = m;
    return VG_OK;
fail:
    rc = vg_error_set(err, VG_NOMEM, NULL, "out of memory");
fail_set:
    atomic_store(&m->refs, 1);
    vg_watch_matcher_unref(m);
    return rc;
}

void vg_watch_matcher_ref(struct vg_watch_matcher *m)
{
    atomic_fetch_add(&m->refs, 1);
}

void vg_watch_matcher_unref(struct vg_watch_matcher *m)
{
    if (m == NULL || atomic_fetch_sub(&m->refs, 1) != 1)
        return;
    free(m->e);
    free(m->arena);
    free(m->next);
    free(m->v4);
    free(m->v6);
    free(m->dom);
    free(m->ac);
    free(m->ac_out);
    free(m->ac_dict);
    free(m->ac_emit);
    free(m->ac_more);
    free(m);
}

size_t vg_watch_matcher_count(const struct vg_watch_matcher *m)
{
    return m ? m->n : 0;
}

/* ---- matching -------------------------------------------------------------- */

#define ORGS_SEEN_MAX 64

/* The organisations already given a hit of one kind for this observable. */
struct seen {
    int64_t org[ORGS_SEEN_MAX];
    size_t n;
};

static int seen_has(const struct seen *s, int64_t org)
{
    size_t i;

    for (i = 0; i < s->n; i++) {
        if (s->org[i] == org)
            return 1;
    }
    return 0;
}

static void seen_add(struct seen *s, int64_t org)
{
    if (s->n < ORGS_SEEN_MAX && !seen_has(s, org))
        s->org[s->n++] = org;
}

struct run {
    const struct vg_watch_matcher *m;
    vg_watch_hit_cb cb;
    void *ctx;
    size_t hits;
    int stop;
    struct seen net, dom; /* orgs hit by a network / by a domain (their brand hits are moot) */
};

static void report(struct run *r, size_t idx, enum vg_watch_rule rule)
{
    const struct vg_watch_entry *e = &r->m->e[idx];
    struct vg_watch_hit h;

    if (r->stop)
        return;
    h.entry_id = e->id;
    h.org_id = e->org_id;
    h.kind = e->kind;
    h.asset = e->value;
    h.rule = rule;
    r->hits++;
    if (r->cb && r->cb(r->ctx, &h) != 0)
        r->stop = 1;
}

/* The last interval starting at or before x, or -1. */
static long last_start(const struct interval *v, size_t n, struct u128 x)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (u128_cmp(v[mid].lo, x) <= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (long)lo - 1;
}

/* Networks touching [lo, hi]: those containing lo (innermost first, one per
 * organisation), then those starting inside the range. */
static void match_range(struct run *r, const struct interval *v, size_t n, struct u128 lo,
                        struct u128 hi)
{
    long i = last_start(v, n, lo), j;

    for (j = i; j >= 0 && !r->stop; j = v[j].parent) {
        if (u128_cmp(v[j].hi, lo) < 0)
            continue; /* ends before: an ancestor may still contain lo */
        if (!seen_has(&r->net, r->m->e[v[j].entry].org_id)) {
            seen_add(&r->net, r->m->e[v[j].entry].org_id);
            report(r, v[j].entry, VG_WRULE_IN_NETWORK);
        }
    }
    for (j = i + 1; j >= 0 && (size_t)j < n && u128_cmp(v[j].lo, hi) <= 0 && !r->stop; j++) {
        if (!seen_has(&r->net, r->m->e[v[j].entry].org_id)) {
            seen_add(&r->net, r->m->e[v[j].entry].org_id);
            report(r, v[j].entry, VG_WRULE_IN_NETWORK);
        }
    }
}

static void match_address(struct run *r, const char *value, size_t len)
{
    struct u128 lo, hi;
    int fam = interval_of(value, len, &lo, &hi);

    if (fam == 4)
        match_range(r, r->m->v4, r->m->nv4, lo, hi);
    else if (fam == 6)
        match_range(r, r->m->v6, r->m->nv6, lo, hi);
}

#define LABELS_MAX 128

static void match_domains(struct run *r, const char *name, size_t len)
{
    const struct vg_watch_matcher *m = r->m;
    size_t start[LABELS_MAX], ns = 0, i, j;
    uint64_t hash[LABELS_MAX], h = VG_FNV_SEED;

    if (m->domcap == 0)
        return;
    /* label by label from the right: each suffix's hash at its first byte */
    for (i = len; i > 0; i--) {
        h = dom_step(h, (unsigned char)name[i - 1]);
        if ((i == 1 || name[i - 2] == '.') && ns < LABELS_MAX) {
            start[ns] = i - 1;
            hash[ns++] = h | 1;
        }
    }
    /* probed from the whole name (the most specific) to the top label */
    for (j = ns; j > 0 && !r->stop; j--) {
        const char *s = name + start[j - 1];
        size_t n = len - start[j - 1], at;
        uint64_t hv = hash[j - 1];

        for (at = hv & (m->domcap - 1); m->dom[at].first >= 0; at = (at + 1) & (m->domcap - 1)) {
            int32_t k = m->dom[at].first;

            if (m->dom[at].hash != hv || strlen(m->e[k].value) != n ||
                memcmp(m->e[k].value, s, n) != 0)
                continue;
            for (; k >= 0 && !r->stop; k = m->next[k]) {
                if (seen_has(&r->dom, m->e[k].org_id))
                    continue;
                seen_add(&r->dom, m->e[k].org_id);
                report(r, (size_t)k, start[j - 1] == 0 ? VG_WRULE_EXACT : VG_WRULE_SUBDOMAIN);
            }
            break;
        }
    }
}

static void brand_scan(struct run *r, const char *text, size_t len, struct seen *brand)
{
    const struct vg_watch_matcher *m = r->m;
    int32_t s = 0;
    size_t i;

    for (i = 0; i < len; i++) {
        int32_t o;

        s = m->ac[(size_t)s * AC_SYMS + sym_of[(unsigned char)text[i]]];
        if ((o = m->ac_emit[s]) < 0)
            continue; /* the usual case: no keyword ends here */
        for (; o >= 0 && !r->stop; o = m->ac_dict[o]) {
            int32_t k;

            for (k = m->ac_out[o]; k >= 0 && !r->stop; k = m->ac_more[k]) {
                int64_t org = m->e[k].org_id;

                if (seen_has(&r->dom, org) || seen_has(brand, org))
                    continue;
                seen_add(brand, org);
                report(r, (size_t)k, VG_WRULE_BRAND);
            }
        }
    }
}

static void match_brands(struct run *r, const char *name, size_t len)
{
    char skel[512];
    struct seen brand = {{0}, 0};
    size_t n;

    if (r->m->nstates == 0)
        return;
    if (strstr(name, "xn--") != NULL && (n = vg_watch_skeleton(name, len, skel, sizeof(skel))))
        brand_scan(r, skel, n, &brand);
    else
        brand_scan(r, name, len, &brand);
}

static void match_name(struct run *r, const char *name, size_t len)
{
    char buf[VG_OBS_VALUE_MAX + 1];

    if (len == 0 || len > VG_OBS_VALUE_MAX)
        return;
    memcpy(buf, name, len); /* NUL-terminated for strstr and the IDN decoder */
    buf[len] = '\0';
    match_domains(r, buf, len);
    match_brands(r, buf, len);
}

/* The host of a canonical URL (scheme://[userinfo@]host[:port]/...). */
static int url_host(const char *v, size_t len, const char **host, size_t *hlen)
{
    const char *p = memchr(v, ':', len), *end = v + len, *h, *q;

    if (p == NULL || end - p < 3 || p[1] != '/' || p[2] != '/')
        return 0;
    h = p + 3;
    for (q = h; q < end && *q != '/' && *q != '?' && *q != '#'; q++)
        ;
    {
        const char *at = NULL, *x;

        for (x = h; x < q; x++) {
            if (*x == '@')
                at = x;
        }
        if (at)
            h = at + 1;
    }
    if (h < q && *h == '[') { /* [v6]:port */
        const char *close = memchr(h, ']', (size_t)(q - h));

        if (close == NULL)
            return 0;
        *host = h + 1;
        *hlen = (size_t)(close - h - 1);
        return 6;
    }
    {
        const char *colon = memchr(h, ':', (size_t)(q - h));

        *host = h;
        *hlen = (size_t)((colon ? colon : q) - h);
    }
    return *hlen > 0;
}

static void match_host(struct run *r, const char *host, size_t len, int v6)
{
    struct u128 lo, hi;
    char buf[64];

    if (v6 || (len < sizeof(buf) && len > 0 && host[len - 1] >= '0' && host[len - 1] <= '9')) {
        if (len < sizeof(buf)) {
            memcpy(buf, host, len);
            buf[len] = '\0';
            if (interval_of(buf, len, &lo, &hi)) {
                match_address(r, buf, len);
                return;
            }
        }
        if (v6)
            return;
    }
    match_name(r, host, len);
}

size_t vg_watch_match(const struct vg_watch_matcher *m, enum vg_obs_kind kind, const char *value,
                      size_t len, vg_watch_hit_cb cb, void *ctx)
{
    struct run r;

    if (m == NULL || m->n == 0 || value == NULL)
        return 0;
    /* not memset: the two org arrays are 1 KiB, and only their counts
     * need to start at zero */
    r.hits = 0;
    r.stop = 0;
    r.net.n = 0;
    r.dom.n = 0;
    r.m = m;
    r.cb = cb;
    r.ctx = ctx;
    pthread_once(&sym_once, sym_init);
    switch (kind) {
    case VG_OBS_IPV4:
    case VG_OBS_IPV6:
    case VG_OBS_CIDR4:
    case VG_OBS_CIDR6:
        match_address(&r, value, len);
        break;
    case VG_OBS_DOMAIN:
        match_name(&r, value, len);
        break;
    case VG_OBS_URL: {
        const char *h;
        size_t hl;
        int how = url_host(value, len, &h, &hl);

        if (how)
            match_host(&r, h, hl, how == 6);
        break;
    }
    case VG_OBS_EMAIL: {
        const char *at = NULL, *p;

        for (p = value; p < value + len; p++) {
            if (*p == '@')
                at = p;
        }
        if (at && at + 1 < value + len)
            match_host(&r, at + 1, (size_t)(value + len - at - 1), 0);
        break;
    }
    default:
        break;
    }
    return r.hits;
}
