/* SPDX-License-Identifier: Apache-2.0 */
/*
 * warninglist.c - load, compile and match MISP warning lists (see
 * warninglist.h).
 *
 * A set holds its lists' descriptions and four matchers shared by all lists:
 *
 *   - one open-addressing hash table of keys: a class byte ('S' string, 'H'
 *     hostname, '4'/'6' network) then the canonical text or the network's
 *     bytes and prefix length.  Each key leads to a chain of postings (the
 *     lists holding it), newest list first, so a key several lists share
 *     (the Cloudflare top 200 is in the top 1k, 2k, ...) is stored once.
 *   - the prefix lengths the networks use: for IPv4, per /16 block (an
 *     address probes only the lengths of the networks that meet its block,
 *     one or two for most), for IPv6 over the whole family; never per entry.
 *   - substrings in three more tables keyed by their first 8 bytes (entries
 *     of 8 bytes or more), their first 4 bytes (4 to 7) or whole (1 to 3):
 *     each position of a value costs at most five probes, whatever the
 *     number of entries, and the few entries sharing a prefix are compared.
 *   - the regexes, compiled once by PCRE2 (with its JIT when available).
 *
 * Keys are compared byte for byte after the hash: a collision never flags a
 * value.  Postings are checked against the list's kinds, so a string list of
 * domains never flags a hash that happens to be spelt the same.
 */
#include "warninglist.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <arpa/inet.h>
#include <ctype.h>
#include <jansson.h>
#include <pcre2.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "store/store.h"

#define NONE UINT32_MAX
#define ALL_KINDS (((1u << VG_OBS_KIND_COUNT) - 1) & ~1u)
#define IP_KINDS (1u << VG_OBS_IPV4 | 1u << VG_OBS_IPV6 | 1u << VG_OBS_CIDR4 | 1u << VG_OBS_CIDR6)

struct slot {
    uint64_t h;
    uint32_t key; /* offset of the key in the arena + 1; 0: empty */
    uint32_t klen;
    uint32_t head; /* first posting */
};

/* Each table carries a Bloom filter of its hashes (4 bits per slot, two
 * probes): most look-ups are misses, and the filter answers them from a few
 * hundred kilobytes instead of a cache miss in a table of tens of MB. */
struct table {
    struct slot *slots;
    size_t mask, count;
    uint64_t *bloom;
    size_t bmask; /* bits - 1 */
};

/* A list holding a key; for substrings, the whole entry (text: offset in
 * the arena + 1, tlen bytes) to compare after the prefix matched. */
struct posting {
    uint32_t list, next, text, tlen;
};

struct regex {
    pcre2_code *code;
    uint32_t list;
};

struct list {
    struct vg_wl_info info;
    char *name, *version, *description, *attrs, *json;
};

struct vg_wl_set {
    _Atomic int refs;
    struct list *lists;
    size_t nlists;
    struct table keys;
    struct table g8, g4, g1; /* substrings by 8-byte prefix, 4-byte prefix, whole (1-3) */
    struct vg_buf arena;     /* key bytes */
    struct posting *postings;
    size_t npostings, cappostings;
    uint64_t *lens4;     /* per /16 block: bit L when an IPv4 network of length L meets it */
    uint64_t bits6[3];   /* prefix lengths 0-128 of IPv6 networks */
    unsigned short_lens; /* bit L: a substring of L (1-3) bytes exists */
    struct regex *regexes;
    size_t nregexes;
    pcre2_match_context *mctx; /* bounded backtracking: a list cannot stall a write */
    /* the kinds each matcher serves, for a quick way out */
    unsigned kinds_string, kinds_host, kinds_cidr, kinds_sub, kinds_regex;
};

static const char *const type_names[] = {"string", "hostname", "cidr", "substring", "regex"};

const char *vg_wl_type_name(enum vg_wl_type t)
{
    return (unsigned)t < 5 ? type_names[t] : "";
}

/* ---- hash table ---------------------------------------------------------- */

static uint64_t mix(uint64_t h)
{
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebull;
    h ^= h >> 31;
    return h;
}

static void bloom_set(struct table *t, uint64_t h)
{
    size_t a = (size_t)(h >> 24) & t->bmask, b = (size_t)(h >> 44 ^ h << 20) & t->bmask;

    t->bloom[a / 64] |= 1ull << (a % 64);
    t->bloom[b / 64] |= 1ull << (b % 64);
}

static int bloom_maybe(const struct table *t, uint64_t h)
{
    size_t a = (size_t)(h >> 24) & t->bmask, b = (size_t)(h >> 44 ^ h << 20) & t->bmask;

    return (t->bloom[a / 64] >> (a % 64) & 1) && (t->bloom[b / 64] >> (b % 64) & 1);
}

static int table_grow(struct table *t)
{
    size_t n = t->slots ? (t->mask + 1) * 2 : 1024, i;
    struct slot *s = calloc(n, sizeof(*s));
    uint64_t *bloom = calloc(n * 4 / 64, sizeof(*bloom));

    if (s == NULL || bloom == NULL) {
        free(s);
        free(bloom);
        return -1;
    }
    free(t->bloom);
    t->bloom = bloom;
    t->bmask = n * 4 - 1;
    for (i = 0; t->slots && i <= t->mask; i++) {
        size_t j;

        if (t->slots[i].key == 0)
            continue;
        for (j = t->slots[i].h & (n - 1); s[j].key; j = (j + 1) & (n - 1))
            ;
        s[j] = t->slots[i];
        bloom_set(t, s[j].h);
    }
    free(t->slots);
    t->slots = s;
    t->mask = n - 1;
    return 0;
}

static void table_free(struct table *t)
{
    free(t->slots);
    free(t->bloom);
}

static const struct slot *table_find(const struct table *t, const struct vg_buf *arena, uint64_t h,
                                     const void *key, size_t klen)
{
    size_t i;

    if (t->slots == NULL || !bloom_maybe(t, h))
        return NULL;
    for (i = h & t->mask; t->slots[i].key; i = (i + 1) & t->mask) {
        const struct slot *s = &t->slots[i];

        if (s->h == h && s->klen == klen && memcmp(arena->data + s->key - 1, key, klen) == 0)
            return s;
    }
    return NULL;
}

/* The slot of key, made when absent; NULL when out of memory. */
static struct slot *slot_get(struct vg_wl_set *set, struct table *t, uint64_t h, const void *key,
                             size_t klen)
{
    struct slot *s = (struct slot *)table_find(t, &set->arena, h, key, klen);
    size_t i;

    if (s)
        return s;
    /* at most 3/4 full: misses rarely probe the table, the Bloom filter answers them */
    if ((t->count + 1) * 4 > (t->slots ? t->mask + 1 : 0) * 3 && table_grow(t) != 0)
        return NULL;
    if (set->arena.len + klen >= NONE || vg_buf_append(&set->arena, key, klen) != VG_OK)
        return NULL;
    for (i = h & t->mask; t->slots[i].key; i = (i + 1) & t->mask)
        ;
    s = &t->slots[i];
    s->h = h;
    s->key = (uint32_t)(set->arena.len - klen + 1);
    s->klen = (uint32_t)klen;
    s->head = NONE;
    t->count++;
    bloom_set(t, h);
    return s;
}

static enum vg_rc posting_add(struct vg_wl_set *set, struct slot *s, uint32_t list, uint32_t text,
                              uint32_t tlen)
{
    if (set->npostings == set->cappostings) {
        size_t n = set->cappostings ? set->cappostings * 2 : 4096;
        struct posting *p = realloc(set->postings, n * sizeof(*p));

        if (p == NULL || n >= NONE)
            return VG_NOMEM;
        set->postings = p;
        set->cappostings = n;
    }
    set->postings[set->npostings] = (struct posting){list, s->head, text, tlen};
    s->head = (uint32_t)set->npostings++;
    return VG_OK;
}

/* Add (key, list) unless the list already holds the key. */
static enum vg_rc table_add(struct vg_wl_set *set, struct table *t, uint64_t h, const void *key,
                            size_t klen, uint32_t list)
{
    struct slot *s = slot_get(set, t, h, key, klen);

    if (s == NULL)
        return VG_NOMEM;
    if (s->head != NONE && set->postings[s->head].list == list)
        return VG_OK; /* a duplicate entry in the same list */
    return posting_add(set, s, list, 0, 0);
}

static uint64_t key_hash(const void *key, size_t klen)
{
    return mix(vg_fnv1a(VG_FNV_SEED, key, klen));
}

/* The hash of a substring prefix (1 to 8 bytes). */
static uint64_t gram_hash(const unsigned char *p, size_t n)
{
    uint64_t x = 0;

    memcpy(&x, p, n);
    return mix(x ^ (uint64_t)n << 60 ^ 0x5bd1e9955bd1e995ull);
}

/* ---- entries --------------------------------------------------------------- */

/* The kinds one MISP attribute type (or composite "a|b") maps onto. */
static unsigned attr_kinds(const char *a)
{
    static const struct {
        const char *name;
        unsigned kinds;
    } map[] = {
        {"ip-src", IP_KINDS},
        {"ip-dst", IP_KINDS},
        {"ip", IP_KINDS},
        {"domain", 1u << VG_OBS_DOMAIN},
        {"hostname", 1u << VG_OBS_DOMAIN},
        {"url", 1u << VG_OBS_URL},
        {"uri", 1u << VG_OBS_URL},
        {"link", 1u << VG_OBS_URL},
        {"email", 1u << VG_OBS_EMAIL},
        {"email-src", 1u << VG_OBS_EMAIL},
        {"email-dst", 1u << VG_OBS_EMAIL},
        {"email-reply-to", 1u << VG_OBS_EMAIL},
        {"target-email", 1u << VG_OBS_EMAIL},
        {"whois-registrant-email", 1u << VG_OBS_EMAIL},
        {"dns-soa-email", 1u << VG_OBS_EMAIL},
        {"md5", 1u << VG_OBS_MD5},
        {"sha1", 1u << VG_OBS_SHA1},
        {"sha256", 1u << VG_OBS_SHA256},
        {"sha512", 1u << VG_OBS_SHA512},
        {"x509-fingerprint-md5", 1u << VG_OBS_MD5},
        {"x509-fingerprint-sha1", 1u << VG_OBS_SHA1},
        {"x509-fingerprint-sha256", 1u << VG_OBS_SHA256},
        {"ALL", ALL_KINDS},
    };
    unsigned k = 0;
    size_t i;

    while (*a) {
        size_t n = strcspn(a, "|");

        for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
            if (strlen(map[i].name) == n && strncmp(map[i].name, a, n) == 0)
                k |= map[i].kinds;
        }
        a += n;
        if (*a == '|')
            a++;
    }
    return k;
}

static int ascii_simple(const char *p, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];

        if (!isalnum(c) && c != '.' && c != '-' && c != '_')
            return 0;
    }
    return 1;
}

/*
 * The canonical text of an entry, as values are kept: ASCII names and hashes
 * lower-cased without a trailing dot; anything else through the observable
 * parser (refanging, IDNA, IPv6 compression), or as given when it is no
 * observable.  hostname: leading "*." and dots go too.  0 on success.
 */
static int canon(enum vg_wl_type type, const char *p, size_t n, char *out, size_t *outlen)
{
    struct vg_obs o;
    struct vg_error e;
    size_t i;

    while (n && isspace((unsigned char)*p))
        p++, n--;
    while (n && isspace((unsigned char)p[n - 1]))
        n--;
    if (type == VG_WL_HOSTNAME) {
        if (n >= 2 && p[0] == '*' && p[1] == '.')
            p += 2, n -= 2;
        while (n && *p == '.')
            p++, n--;
        while (n && p[n - 1] == '.')
            n--;
    }
    if (n == 0 || n > VG_OBS_VALUE_MAX)
        return -1;
    if (ascii_simple(p, n)) {
        while (n && p[n - 1] == '.')
            n--;
        if (n == 0)
            return -1;
        for (i = 0; i < n; i++)
            out[i] = (char)tolower((unsigned char)p[i]);
        *outlen = n;
        return 0;
    }
    vg_error_clear(&e);
    if (vg_obs_parse_ex(type == VG_WL_HOSTNAME ? VG_OBS_DOMAIN : VG_OBS_NONE, VG_OBS_F_LIST, p, n,
                        &o, &e) == VG_OK) {
        memcpy(out, o.value, o.len);
        *outlen = o.len;
        return 0;
    }
    if (type == VG_WL_HOSTNAME)
        return -1;
    memcpy(out, p, n);
    *outlen = n;
    return 0;
}

/* "addr[/bits]" into family bytes and a prefix length, host bits cleared. */
static int parse_cidr(const char *p, size_t n, int *v6, uint8_t a[16], unsigned *bits)
{
    char text[64];
    const char *slash;
    size_t alen;
    unsigned i, maxb;

    while (n && isspace((unsigned char)*p))
        p++, n--;
    while (n && isspace((unsigned char)p[n - 1]))
        n--;
    if (n == 0 || n >= sizeof(text))
        return -1;
    slash = memchr(p, '/', n);
    alen = slash ? (size_t)(slash - p) : n;
    memcpy(text, p, alen);
    text[alen] = '\0';
    *v6 = memchr(text, ':', alen) != NULL;
    if (inet_pton(*v6 ? AF_INET6 : AF_INET, text, a) != 1)
        return -1;
    maxb = *v6 ? 128 : 32;
    *bits = maxb;
    if (slash) {
        size_t k = n - alen - 1;
        unsigned b = 0;

        if (k == 0 || k > 3)
            return -1;
        for (i = 0; i < k; i++) {
            if (!isdigit((unsigned char)slash[1 + i]))
                return -1;
            b = b * 10 + (unsigned)(slash[1 + i] - '0');
        }
        if (b > maxb)
            return -1;
        *bits = b;
    }
    for (i = 0; i < maxb / 8; i++) {
        unsigned keep = *bits > i * 8 ? *bits - i * 8 : 0;

        if (keep < 8)
            a[i] = (uint8_t)(a[i] & (0xff00u >> keep));
    }
    return 0;
}

static size_t net_key(unsigned char *key, int v6, const uint8_t a[16], unsigned bits)
{
    size_t n = v6 ? 16 : 4;

    key[0] = v6 ? '6' : '4';
    memcpy(key + 1, a, n);
    key[1 + n] = (unsigned char)bits;
    return n + 2;
}

/* A PHP-style "/pattern/flags" regex, compiled; NULL when PCRE2 refuses it. */
static pcre2_code *compile_regex(const char *p, size_t n)
{
    static const char open[] = "([{<", close[] = ")]}>";
    uint32_t opts = 0;
    const char *end = NULL, *o;
    char d;
    int ec;
    PCRE2_SIZE eo;
    pcre2_code *code;

    /* PHP's delimiters as MISP uses them; anything else is a bare pattern */
    if (n >= 2 && strchr("/#~%@!|+([{<", p[0]) != NULL && p[0] != '\0') {
        d = (o = strchr(open, p[0])) && *o ? close[o - open] : p[0];
        for (end = p + n - 1; end > p && *end != d; end--)
            ;
        if (end == p)
            return NULL;
        for (o = end + 1; o < p + n; o++) {
            switch (*o) {
            case 'i':
                opts |= PCRE2_CASELESS;
                break;
            case 'm':
                opts |= PCRE2_MULTILINE;
                break;
            case 's':
                opts |= PCRE2_DOTALL;
                break;
            case 'x':
                opts |= PCRE2_EXTENDED;
                break;
            case 'u':
                opts |= PCRE2_UTF;
                break;
            case 'U':
                opts |= PCRE2_UNGREEDY;
                break;
            case 'D':
                opts |= PCRE2_DOLLAR_ENDONLY;
                break;
            case 'A':
                opts |= PCRE2_ANCHORED;
                break;
            default: /* "g" and the like mean nothing to a yes/no match */
                break;
            }
        }
        p++;
        n = (size_t)(end - p);
    }
    code = pcre2_compile((PCRE2_SPTR)p, n, opts, &ec, &eo, NULL);
    if (code)
        pcre2_jit_compile(code, PCRE2_JIT_COMPLETE); /* optional: the interpreter otherwise */
    return code;
}

/* Record that an IPv4 network of this length meets the /16 blocks it
 * covers: an address then probes only the lengths its block has (one or
 * two for most), not every length of every list. */
static int lens4_add(struct vg_wl_set *s, const uint8_t a[4], unsigned bits)
{
    size_t hi = (size_t)a[0] << 8 | a[1], span = bits >= 16 ? 1 : (size_t)1 << (16 - bits), k;

    if (s->lens4 == NULL && (s->lens4 = calloc(65536, sizeof(*s->lens4))) == NULL)
        return -1;
    hi &= ~(span - 1);
    for (k = 0; k < span; k++)
        s->lens4[hi + k] |= 1ull << bits;
    return 0;
}

/* Compile one entry of list l; 1 when it can never match (ignored). */
static int add_entry(struct vg_wl_set *s, uint32_t l, enum vg_wl_type type, const char *p, size_t n,
                     enum vg_rc *rc)
{
    unsigned char key[VG_OBS_VALUE_MAX + 2];
    size_t klen;
    uint8_t a[16];
    unsigned bits;
    int v6;

    *rc = VG_OK;
    switch (type) {
    case VG_WL_STRING:
    case VG_WL_HOSTNAME:
        if (canon(type, p, n, (char *)key + 1, &klen) != 0)
            return 1;
        key[0] = type == VG_WL_STRING ? 'S' : 'H';
        *rc = table_add(s, &s->keys, key_hash(key, klen + 1), key, klen + 1, l);
        return 0;
    case VG_WL_CIDR:
        if (parse_cidr(p, n, &v6, a, &bits) != 0)
            return 1;
        if (v6)
            s->bits6[bits / 64] |= 1ull << (bits % 64);
        else if (lens4_add(s, a, bits) != 0) {
            *rc = VG_NOMEM;
            return 0;
        }
        klen = net_key(key, v6, a, bits);
        *rc = table_add(s, &s->keys, key_hash(key, klen), key, klen, l);
        return 0;
    case VG_WL_SUBSTRING: {
        size_t i, g = n >= 8 ? 8 : n >= 4 ? 4 : n;
        struct table *t = n >= 8 ? &s->g8 : n >= 4 ? &s->g4 : &s->g1;
        struct slot *sl;
        uint32_t text;

        if (n == 0 || n > VG_OBS_VALUE_MAX)
            return 1;
        for (i = 0; i < n; i++)
            key[i] = (unsigned char)tolower((unsigned char)p[i]);
        if (s->arena.len + n >= NONE || vg_buf_append(&s->arena, key, n) != VG_OK) {
            *rc = VG_NOMEM;
            return 0;
        }
        text = (uint32_t)(s->arena.len - n + 1);
        if ((sl = slot_get(s, t, gram_hash(key, g), key, g)) == NULL) {
            *rc = VG_NOMEM;
            return 0;
        }
        if (n < 4)
            s->short_lens |= 1u << n;
        *rc = posting_add(s, sl, l, text, (uint32_t)n);
        return 0;
    }
    case VG_WL_REGEX: {
        pcre2_code *code = compile_regex(p, n);
        struct regex *r;

        if (code == NULL)
            return 1;
        if (s->mctx == NULL && (s->mctx = pcre2_match_context_create(NULL)) != NULL) {
            pcre2_set_match_limit(s->mctx, 100000);
            pcre2_set_depth_limit(s->mctx, 10000);
        }
        if (s->mctx == NULL || (r = realloc(s->regexes, (s->nregexes + 1) * sizeof(*r))) == NULL) {
            pcre2_code_free(code);
            *rc = VG_NOMEM;
            return 0;
        }
        s->regexes = r;
        r[s->nregexes++] = (struct regex){code, l};
        return 0;
    }
    }
    return 1;
}

/* ---- sets ------------------------------------------------------------------- */

struct vg_wl_set *vg_wl_set_new(void)
{
    struct vg_wl_set *s = calloc(1, sizeof(*s));

    if (s) {
        atomic_init(&s->refs, 1);
        vg_buf_init(&s->arena, 0);
    }
    return s;
}

void vg_wl_set_free(struct vg_wl_set *s)
{
    size_t i;

    if (s == NULL)
        return;
    for (i = 0; i < s->nlists; i++) {
        free(s->lists[i].name);
        free(s->lists[i].version);
        free(s->lists[i].description);
        free(s->lists[i].attrs);
        free(s->lists[i].json);
    }
    for (i = 0; i < s->nregexes; i++)
        pcre2_code_free(s->regexes[i].code);
    free(s->lists);
    table_free(&s->keys);
    free(s->lens4);
    table_free(&s->g8);
    table_free(&s->g4);
    table_free(&s->g1);
    vg_buf_cleanup(&s->arena);
    free(s->postings);
    free(s->regexes);
    pcre2_match_context_free(s->mctx);
    free(s);
}

size_t vg_wl_set_count(const struct vg_wl_set *s)
{
    return s ? s->nlists : 0;
}

const struct vg_wl_info *vg_wl_set_info(const struct vg_wl_set *s, size_t i)
{
    return &s->lists[i].info;
}

const char *vg_wl_set_json(const struct vg_wl_set *s, size_t i)
{
    return s->lists[i].json;
}

/* A string member of at most max bytes without control characters. */
static enum vg_rc text_member(json_t *doc, const char *key, int required, size_t max,
                              const char **out, struct vg_error *err)
{
    json_t *v = json_object_get(doc, key);
    const char *t;
    size_t i;

    *out = "";
    if (v == NULL || (json_is_null(v) && !required)) {
        if (required)
            return vg_error_set(err, VG_INVALID, key, "missing");
        return VG_OK;
    }
    if (!json_is_string(v))
        return vg_error_set(err, VG_INVALID, key, "not a string");
    t = json_string_value(v);
    if (json_string_length(v) > max)
        return vg_error_set(err, VG_LIMIT, key, "longer than %zu bytes", max);
    for (i = 0; i < json_string_length(v); i++) {
        if ((unsigned char)t[i] < 0x20 && (max == VG_WL_NAME_MAX || t[i] == '\0'))
            return vg_error_set(err, VG_INVALID, key, "control character");
    }
    if (required && *t == '\0')
        return vg_error_set(err, VG_INVALID, key, "empty");
    *out = t;
    return VG_OK;
}

enum vg_rc vg_wl_set_add(struct vg_wl_set *s, const char *json, size_t len, struct vg_error *err)
{
    json_error_t je;
    json_t *doc = NULL, *list, *attrs, *ver, *e;
    const char *name, *desc, *type_text;
    char version[64], *text = NULL, *attrs_text = NULL;
    enum vg_wl_type type;
    unsigned kinds = 0;
    size_t i, ignored = 0;
    struct list *l;
    enum vg_rc rc;

    if (len > VG_WL_DOC_MAX)
        return vg_error_set(err, VG_LIMIT, NULL, "a warning list larger than %u bytes",
                            VG_WL_DOC_MAX);
    if (s->nlists >= VG_WL_LISTS_MAX)
        return vg_error_set(err, VG_LIMIT, NULL, "more than %d warning lists", VG_WL_LISTS_MAX);
    doc = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    if (doc == NULL) {
        vg_error_set(err, VG_INVALID, NULL, "not JSON: %s", je.text);
        err->line = je.line;
        return VG_INVALID;
    }
    rc = VG_INVALID;
    if (!json_is_object(doc)) {
        vg_error_set(err, rc, NULL, "a warning list is a JSON object");
        goto out;
    }
    if ((rc = text_member(doc, "name", 1, VG_WL_NAME_MAX, &name, err)) != VG_OK ||
        (rc = text_member(doc, "description", 0, VG_WL_TEXT_MAX, &desc, err)) != VG_OK ||
        (rc = text_member(doc, "type", 0, 16, &type_text, err)) != VG_OK)
        goto out;
    rc = VG_INVALID;
    if (*type_text == '\0')
        type_text = "string"; /* MISP's default */
    for (type = VG_WL_STRING; type <= VG_WL_REGEX && strcmp(type_text, type_names[type]); type++)
        ;
    if (type > VG_WL_REGEX) {
        vg_error_set(err, rc, "type", "'%s' is not string, hostname, cidr, substring or regex",
                     type_text);
        goto out;
    }
    ver = json_object_get(doc, "version");
    if (json_is_integer(ver))
        snprintf(version, sizeof(version), "%" JSON_INTEGER_FORMAT, json_integer_value(ver));
    else if (json_is_string(ver) && json_string_length(ver) < sizeof(version) &&
             strlen(json_string_value(ver)) == json_string_length(ver))
        snprintf(version, sizeof(version), "%s", json_string_value(ver));
    else if (ver == NULL)
        version[0] = '\0';
    else {
        vg_error_set(err, rc, "version", "not an integer or a short string");
        goto out;
    }
    attrs = json_object_get(doc, "matching_attributes");
    if (attrs && !json_is_array(attrs)) {
        vg_error_set(err, rc, "matching_attributes", "not an array");
        goto out;
    }
    json_array_foreach(attrs, i, e)
    {
        if (!json_is_string(e)) {
            vg_error_set(err, rc, "matching_attributes", "item %zu is not a string", i);
            goto out;
        }
        kinds |= attr_kinds(json_string_value(e));
    }
    if (json_array_size(attrs) == 0)
        kinds = ALL_KINDS; /* MISP: no matching_attributes, every type */
    list = json_object_get(doc, "list");
    if (!json_is_array(list)) {
        vg_error_set(err, rc, "list", list ? "not an array" : "missing");
        goto out;
    }
    if (json_array_size(list) > VG_WL_ENTRIES_MAX) {
        rc = vg_error_set(err, VG_LIMIT, "list", "more than %d entries", VG_WL_ENTRIES_MAX);
        goto out;
    }
    json_array_foreach(list, i, e)
    {
        if (!json_is_string(e)) {
            vg_error_set(err, rc, "list", "entry %zu is not a string", i);
            goto out;
        }
    }
    for (i = 0; i < s->nlists; i++) {
        if (strcmp(s->lists[i].name, name) == 0) {
            rc = vg_error_set(err, VG_CONFLICT, "name", "two lists named '%s'", name);
            goto out;
        }
    }
    /* Valid: from here only memory can fail. */
    rc = VG_NOMEM;
    text = json_dumps(doc, JSON_COMPACT | JSON_ENSURE_ASCII);
    attrs_text = attrs ? json_dumps(attrs, JSON_COMPACT) : strdup("[]");
    if (text == NULL || attrs_text == NULL)
        goto nomem;
    if ((l = realloc(s->lists, (s->nlists + 1) * sizeof(*l))) == NULL)
        goto nomem;
    s->lists = l;
    l = &s->lists[s->nlists];
    memset(l, 0, sizeof(*l));
    l->name = strdup(name);
    l->version = strdup(version);
    l->description = strdup(desc);
    if (l->name == NULL || l->version == NULL || l->description == NULL) {
        free(l->name);
        free(l->version);
        free(l->description);
        goto nomem;
    }
    l->json = text;
    l->attrs = attrs_text;
    text = attrs_text = NULL;
    s->nlists++;
    json_array_foreach(list, i, e)
    {
        ignored += (size_t)add_entry(s, (uint32_t)(s->nlists - 1), type, json_string_value(e),
                                     json_string_length(e), &rc);
        if (rc != VG_OK)
            goto nomem;
    }
    l->info = (struct vg_wl_info){
        l->name, l->version, l->description, type, kinds, l->attrs, json_array_size(list) - ignored,
        ignored};
    switch (type) {
    case VG_WL_STRING:
        s->kinds_string |= kinds;
        break;
    case VG_WL_HOSTNAME:
        s->kinds_host |= kinds;
        break;
    case VG_WL_CIDR:
        s->kinds_cidr |= kinds;
        break;
    case VG_WL_SUBSTRING:
        s->kinds_sub |= kinds;
        break;
    case VG_WL_REGEX:
        s->kinds_regex |= kinds;
        break;
    }
    rc = VG_OK;
    goto out;
nomem:
    rc = vg_error_set(err, VG_NOMEM, NULL, "out of memory compiling a warning list");
out:
    free(text);
    free(attrs_text);
    json_decref(doc);
    return rc;
}

/* ---- matching ------------------------------------------------------------- */

struct hits {
    uint64_t bits[VG_WL_LISTS_MAX / 64];
    unsigned kbit;
};

static void collect(const struct vg_wl_set *s, const struct slot *sl, struct hits *h)
{
    uint32_t p;

    for (p = sl ? sl->head : NONE; p != NONE; p = s->postings[p].next) {
        uint32_t l = s->postings[p].list;

        if (s->lists[l].info.kinds & h->kbit)
            h->bits[l / 64] |= 1ull << (l % 64);
    }
}

static void probe(const struct vg_wl_set *s, char cls, const char *v, size_t n, struct hits *h)
{
    unsigned char key[VG_OBS_VALUE_MAX + 2];

    if (n > VG_OBS_VALUE_MAX)
        return;
    key[0] = (unsigned char)cls;
    memcpy(key + 1, v, n);
    collect(s, table_find(&s->keys, &s->arena, key_hash(key, n + 1), key, n + 1), h);
}

/* The host of a URL (without brackets), or NULL. */
static const char *url_host(const char *v, size_t len, size_t *n)
{
    const char *h = NULL, *end = v + len, *e;
    size_t i;

    for (i = 0; i + 3 <= len && h == NULL; i++) {
        if (memcmp(v + i, "://", 3) == 0)
            h = v + i + 3;
    }
    if (h == NULL)
        return NULL;
    if (h < end && *h == '[') {
        if ((e = memchr(h, ']', (size_t)(end - h))) == NULL)
            return NULL;
        *n = (size_t)(e - h - 1);
        return h + 1;
    }
    for (e = h; e < end && !strchr(":/?#", *e); e++)
        ;
    *n = (size_t)(e - h);
    return h;
}

static void hostname(const struct vg_wl_set *s, const char *v, size_t n, struct hits *h)
{
    const char *dot;

    probe(s, 'H', v, n, h);
    while ((dot = memchr(v, '.', n)) != NULL) {
        n -= (size_t)(dot + 1 - v);
        v = dot + 1;
        probe(s, 'H', v, n, h);
    }
}

static void networks(const struct vg_wl_set *s, int v6, const uint8_t *a, unsigned maxbits,
                     struct hits *h)
{
    unsigned char key[20];
    uint8_t net[16];
    unsigned b, i, n = v6 ? 16 : 4;
    uint64_t m4 = !v6 && s->lens4 ? s->lens4[(size_t)a[0] << 8 | a[1]] : 0;

    for (b = 0; b <= maxbits; b++) {
        size_t klen;

        if (!(v6 ? s->bits6[b / 64] >> (b % 64) & 1 : m4 >> b & 1))
            continue;
        for (i = 0; i < n; i++) {
            unsigned keep = b > i * 8 ? b - i * 8 : 0;

            net[i] = keep >= 8 ? a[i] : (uint8_t)(a[i] & (0xff00u >> keep));
        }
        klen = net_key(key, v6, net, b);
        collect(s, table_find(&s->keys, &s->arena, key_hash(key, klen), key, klen), h);
    }
}

static void cidr(const struct vg_wl_set *s, enum vg_obs_kind kind, const char *v, size_t n,
                 struct hits *h)
{
    uint8_t a[16];
    unsigned bits;
    int v6;

    if (parse_cidr(v, n, &v6, a, &bits) != 0)
        return;
    networks(s, v6, a, bits, h);
    /* an IPv4-mapped IPv6 address (or range) is that IPv4 address */
    if (v6 && bits >= 96 && memcmp(a, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0)
        networks(s, 0, a + 12, bits - 96, h);
}

/* The lists whose substrings starting with the gram at p[i] fit in p. */
static void sub_probe(const struct vg_wl_set *s, const struct table *t, const unsigned char *p,
                      size_t n, size_t i, size_t g, struct hits *h)
{
    const struct slot *sl = table_find(t, &s->arena, gram_hash(p + i, g), p + i, g);
    uint32_t k;

    for (k = sl ? sl->head : NONE; k != NONE; k = s->postings[k].next) {
        const struct posting *ps = &s->postings[k];

        if ((s->lists[ps->list].info.kinds & h->kbit) && i + ps->tlen <= n &&
            !(h->bits[ps->list / 64] >> (ps->list % 64) & 1) &&
            memcmp(p + i, s->arena.data + ps->text - 1, ps->tlen) == 0)
            h->bits[ps->list / 64] |= 1ull << (ps->list % 64);
    }
}

static void substrings(const struct vg_wl_set *s, const char *v, size_t n, struct hits *h)
{
    const unsigned char *p = (const unsigned char *)v;
    size_t i, L;

    for (i = 0; i < n; i++) {
        if (i + 8 <= n && s->g8.count)
            sub_probe(s, &s->g8, p, n, i, 8, h);
        if (i + 4 <= n && s->g4.count)
            sub_probe(s, &s->g4, p, n, i, 4, h);
        for (L = 1; L < 4; L++) {
            if ((s->short_lens >> L & 1) && i + L <= n)
                sub_probe(s, &s->g1, p, n, i, L, h);
        }
    }
}

static void regexes(const struct vg_wl_set *s, const char *v, size_t n, struct hits *h)
{
    pcre2_match_data *md = pcre2_match_data_create(1, NULL);
    size_t i;

    if (md == NULL)
        return;
    for (i = 0; i < s->nregexes; i++) {
        uint32_t l = s->regexes[i].list;

        if (!(s->lists[l].info.kinds & h->kbit) || h->bits[l / 64] >> (l % 64) & 1)
            continue;
        if (pcre2_match(s->regexes[i].code, (PCRE2_SPTR)v, n, 0, 0, md, s->mctx) >= 0)
            h->bits[l / 64] |= 1ull << (l % 64);
    }
    pcre2_match_data_free(md);
}

size_t vg_wl_match(const struct vg_wl_set *s, enum vg_obs_kind kind, const char *value, size_t len,
                   uint32_t *out, size_t cap)
{
    struct hits h;
    size_t i, n = 0;

    if (s == NULL || s->nlists == 0 || (unsigned)kind >= VG_OBS_KIND_COUNT)
        return 0;
    memset(h.bits, 0, sizeof(h.bits));
    h.kbit = 1u << kind;
    if (s->kinds_string & h.kbit)
        probe(s, 'S', value, len, &h);
    if (s->kinds_host & h.kbit) {
        const char *host = value, *at;
        size_t hn = len;

        if (kind == VG_OBS_URL)
            host = url_host(value, len, &hn);
        else if (kind == VG_OBS_EMAIL && (at = memchr(value, '@', len)) != NULL) {
            hn = len - (size_t)(at + 1 - value);
            host = at + 1;
        }
        if (host && (kind == VG_OBS_DOMAIN || kind == VG_OBS_URL || kind == VG_OBS_EMAIL))
            hostname(s, host, hn, &h);
        else if (host)
            probe(s, 'H', host, hn, &h);
    }
    if ((s->kinds_cidr & h.kbit) && (h.kbit & IP_KINDS))
        cidr(s, kind, value, len, &h);
    if (s->kinds_sub & h.kbit)
        substrings(s, value, len, &h);
    if (s->kinds_regex & h.kbit)
        regexes(s, value, len, &h);
    for (i = 0; i < s->nlists; i++) {
        if (h.bits[i / 64] >> (i % 64) & 1) {
            if (n < cap)
                out[n] = (uint32_t)i;
            n++;
        }
    }
    return n;
}

int vg_wl_names(const struct vg_wl_set *s, enum vg_obs_kind kind, const char *value, size_t len,
                struct vg_buf *b)
{
    uint32_t idx[VG_WL_LISTS_MAX];
    size_t n = vg_wl_match(s, kind, value, len, idx, VG_WL_LISTS_MAX), i;

    for (i = 0; i < n; i++) {
        if (vg_buf_puts(b, s->lists[idx[i]].name) != VG_OK || vg_buf_putc(b, '\n') != VG_OK)
            return -1;
    }
    return (int)n;
}

/* ---- the hub's set --------------------------------------------------------- */

static pthread_rwlock_t cache_lock = PTHREAD_RWLOCK_INITIALIZER;
static char cache_gen[128];
static struct vg_wl_set *cache_set;

struct load_ctx {
    struct vg_wl_set *set;
    enum vg_rc rc;
    struct vg_error *err;
};

static int load_cb(void *arg, const struct vg_wl_row *row)
{
    struct load_ctx *c = arg;

    c->rc = vg_wl_set_add(c->set, row->json, row->json_len, c->err);
    return c->rc != VG_OK;
}

/* The cached set when it is of generation gen, with a reference taken. */
static struct vg_wl_set *cached(const char *gen)
{
    struct vg_wl_set *set = NULL;

    if (cache_set && strcmp(cache_gen, gen) == 0) {
        atomic_fetch_add(&cache_set->refs, 1);
        set = cache_set;
    }
    return set;
}

enum vg_rc vg_wl_acquire(struct vg_store *st, struct vg_wl_set **out, struct vg_error *err)
{
    char gen[sizeof(cache_gen)];
    struct load_ctx c = {0};
    enum vg_rc rc;

    *out = NULL;
    rc = vg_store_meta_get(st, VG_WL_META_GENERATION, gen, sizeof(gen), err);
    if (rc == VG_NOT_FOUND || (rc == VG_OK && gen[0] == '\0')) {
        vg_error_clear(err);
        return VG_OK;
    }
    if (rc != VG_OK)
        return rc;
    /* the common case: readers share the compiled set */
    pthread_rwlock_rdlock(&cache_lock);
    *out = cached(gen);
    pthread_rwlock_unlock(&cache_lock);
    if (*out)
        return VG_OK;
    pthread_rwlock_wrlock(&cache_lock);
    if ((*out = cached(gen)) != NULL) { /* another thread compiled it meanwhile */
        pthread_rwlock_unlock(&cache_lock);
        return VG_OK;
    }
    if ((c.set = vg_wl_set_new()) == NULL) {
        pthread_rwlock_unlock(&cache_lock);
        return vg_error_set(err, VG_NOMEM, NULL, "out of memory");
    }
    c.err = err;
    rc = vg_store_warninglist_scan(st, 1, load_cb, &c, err);
    if (rc == VG_OK)
        rc = c.rc;
    if (rc != VG_OK) {
        pthread_rwlock_unlock(&cache_lock);
        vg_wl_set_free(c.set);
        return rc;
    }
    vg_wl_release(cache_set);
    cache_set = c.set;
    snprintf(cache_gen, sizeof(cache_gen), "%s", gen);
    *out = cached(gen);
    pthread_rwlock_unlock(&cache_lock);
    return VG_OK;
}

void vg_wl_release(struct vg_wl_set *s)
{
    if (s && atomic_fetch_sub(&s->refs, 1) == 1)
        vg_wl_set_free(s);
}
