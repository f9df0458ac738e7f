/* SPDX-License-Identifier: Apache-2.0 */
/*
 * build.c - the index builder: claims in, one immutable image out.
 *
 * Claims are merged by (kind, canonical value) in an open-addressing table
 * while they arrive: the first claim gives the label and the object
 * reference (later ones fill what is missing), the TLP is the widest seen,
 * and the number of distinct contributing organisations is counted with a
 * set of (indicator, organisation) pairs.  Labels and STIX types are
 * interned.  finish() lays the sections out (format.h), fills the slot
 * table, the Bloom filter and the flattened CIDR intervals, and seals the
 * image with its checksum.  Not thread-safe; one builder per thread.
 */
#include "index.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/vtime.h"
#include "format.h"
#include "hashfn.h"
#include "internal.h"

#define ENTRIES_MAX 0x7ffffff0u

struct bent {
    struct snap_entry e;
    uint64_t walk; /* hf_walk of the value */
    uint64_t hash; /* slot key */
    int64_t org;   /* first contributor */
};

struct pair {
    uint32_t entry; /* + 1; 0 = empty */
    int64_t org;
};

struct vg_index_builder {
    struct bent *ents;
    size_t n, cap;
    uint32_t *tab; /* entry + 1 by key hash */
    size_t tcap;
    struct vg_buf arena;
    struct snap_string *strs;
    size_t nstr, scap;
    uint32_t *stab; /* string id by hash; 0 = empty (id 0 is the empty string) */
    size_t stcap;
    struct pair *pairs;
    size_t npairs, pcap;
};

struct vg_index_builder *vg_index_builder_new(void)
{
    struct vg_index_builder *b = calloc(1, sizeof(*b));

    if (b == NULL)
        return NULL;
    vg_buf_init(&b->arena, (size_t)UINT32_MAX - 1);
    b->strs = calloc(16, sizeof(*b->strs));
    b->stab = calloc(32, sizeof(*b->stab));
    b->tab = calloc(1024, sizeof(*b->tab));
    if (b->strs == NULL || b->stab == NULL || b->tab == NULL) {
        vg_index_builder_free(b);
        return NULL;
    }
    b->nstr = 1; /* id 0: none */
    b->scap = 16;
    b->stcap = 32;
    b->tcap = 1024;
    return b;
}

void vg_index_builder_free(struct vg_index_builder *b)
{
    if (b == NULL)
        return;
    free(b->ents);
    free(b->tab);
    vg_buf_cleanup(&b->arena);
    free(b->strs);
    free(b->stab);
    free(b->pairs);
    free(b);
}

size_t vg_index_builder_count(const struct vg_index_builder *b)
{
    return b->n;
}

/* ---- small tables ---------------------------------------------------------- */

static uint64_t mix(uint64_t x)
{
    return hf_final(x + 0x9e3779b97f4a7c15ull);
}

static enum vg_rc grow_tab(struct vg_index_builder *b)
{
    size_t ncap = b->tcap * 2, i, j;
    uint32_t *t = calloc(ncap, sizeof(*t));

    if (t == NULL)
        return VG_NOMEM;
    for (i = 0; i < b->tcap; i++) {
        if (b->tab[i] == 0)
            continue;
        for (j = b->ents[b->tab[i] - 1].hash & (ncap - 1); t[j]; j = (j + 1) & (ncap - 1))
            ;
        t[j] = b->tab[i];
    }
    free(b->tab);
    b->tab = t;
    b->tcap = ncap;
    return VG_OK;
}

static enum vg_rc arena_put(struct vg_index_builder *b, const char *s, size_t n, uint32_t *off)
{
    size_t at = b->arena.len;

    if (vg_buf_append(&b->arena, s, n) != VG_OK)
        return VG_LIMIT;
    *off = (uint32_t)at;
    return VG_OK;
}

/* Interned string id of s (0 for the empty string). */
static enum vg_rc intern(struct vg_index_builder *b, const char *s, size_t n, uint32_t *id)
{
    uint64_t h = mix(vg_index_hash(0, s, n));
    size_t i;
    enum vg_rc rc;

    if (n == 0) {
        *id = 0;
        return VG_OK;
    }
    if (n > UINT16_MAX)
        return VG_LIMIT;
    for (i = h & (b->stcap - 1); b->stab[i]; i = (i + 1) & (b->stcap - 1)) {
        const struct snap_string *x = &b->strs[b->stab[i]];

        if (x->len == n && memcmp(b->arena.data + x->off, s, n) == 0) {
            *id = b->stab[i];
            return VG_OK;
        }
    }
    if (b->nstr == b->scap) {
        struct snap_string *ns = realloc(b->strs, 2 * b->scap * sizeof(*ns));

        if (ns == NULL)
            return VG_NOMEM;
        b->strs = ns;
        b->scap *= 2;
    }
    if ((rc = arena_put(b, s, n, &b->strs[b->nstr].off)) != VG_OK)
        return rc;
    b->strs[b->nstr].len = (uint32_t)n;
    b->stab[i] = (uint32_t)b->nstr;
    *id = (uint32_t)b->nstr++;
    if (b->nstr * 2 > b->stcap) { /* rehash into a table twice the size */
        size_t ncap = b->stcap * 2, k, j;
        uint32_t *t = calloc(ncap, sizeof(*t));

        if (t == NULL)
            return VG_NOMEM;
        for (k = 1; k < b->nstr; k++) {
            const struct snap_string *x = &b->strs[k];

            for (j = mix(vg_index_hash(0, b->arena.data + x->off, x->len)) & (ncap - 1); t[j];
                 j = (j + 1) & (ncap - 1))
                ;
            t[j] = (uint32_t)k;
        }
        free(b->stab);
        b->stab = t;
        b->stcap = ncap;
    }
    return VG_OK;
}

/* Adds (entry, org) to the pair set; 1 when it was not there. */
static int pair_add(struct vg_index_builder *b, uint32_t entry, int64_t org)
{
    size_t i;

    if (b->npairs * 2 >= b->pcap) {
        size_t ncap = b->pcap ? b->pcap * 2 : 64, k, j;
        struct pair *t = calloc(ncap, sizeof(*t));

        if (t == NULL)
            return -1;
        for (k = 0; k < b->pcap; k++) {
            if (b->pairs[k].entry == 0)
                continue;
            for (j = mix((uint64_t)b->pairs[k].entry * 31 + (uint64_t)b->pairs[k].org) & (ncap - 1);
                 t[j].entry; j = (j + 1) & (ncap - 1))
                ;
            t[j] = b->pairs[k];
        }
        free(b->pairs);
        b->pairs = t;
        b->pcap = ncap;
    }
    for (i = mix((uint64_t)(entry + 1) * 31 + (uint64_t)org) & (b->pcap - 1); b->pairs[i].entry;
         i = (i + 1) & (b->pcap - 1)) {
        if (b->pairs[i].entry == entry + 1 && b->pairs[i].org == org)
            return 0;
    }
    b->pairs[i].entry = entry + 1;
    b->pairs[i].org = org;
    b->npairs++;
    return 1;
}

/* ---- adding ------------------------------------------------------------------ */

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* "type--xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" into a type and 16 bytes. */
static int parse_ref(const char *ref, size_t *tlen, uint8_t uuid[16])
{
    const char *d = strstr(ref, "--"), *u;
    size_t i, k = 0;

    if (d == NULL || d == ref || (size_t)(d - ref) > 32 || strlen(d + 2) != 36)
        return 0;
    *tlen = (size_t)(d - ref);
    for (u = d + 2, i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (u[i] != '-')
                return 0;
            continue;
        }
        if (hexval(u[i]) < 0 || hexval(u[i + 1]) < 0)
            return 0;
        uuid[k++] = (uint8_t)(hexval(u[i]) << 4 | hexval(u[i + 1]));
        i++;
    }
    return k == 16;
}

static int cidr(const char *v, size_t n, int six, unsigned *bits)
{
    const char *sl = memchr(v, '/', n);
    uint32_t a;
    uint64_t hi, lo;
    unsigned p = 0;
    const char *d;

    if (sl == NULL || sl + 1 == v + n || v + n - sl > 4)
        return 0;
    for (d = sl + 1; d < v + n; d++) {
        if (*d < '0' || *d > '9')
            return 0;
        p = p * 10 + (unsigned)(*d - '0');
    }
    *bits = p;
    if (six)
        return p <= 128 && vg_index_parse_ip6(v, (size_t)(sl - v), &hi, &lo);
    return p <= 32 && vg_index_parse_ip4(v, (size_t)(sl - v), &a);
}

enum vg_rc vg_index_builder_add(struct vg_index_builder *b, const struct vg_index_item *it,
                                struct vg_error *err)
{
    uint64_t h, w;
    size_t i, tlen = 0;
    uint8_t uuid[16];
    unsigned bits;
    struct bent *be;
    enum vg_rc rc;

    if (it->kind <= VG_OBS_NONE || it->kind >= VG_OBS_KIND_COUNT)
        return vg_error_set(err, VG_INVALID, "kind", "not an observable kind");
    if (it->len == 0 || it->len > VG_OBS_VALUE_MAX || memchr(it->value, '\0', it->len))
        return vg_error_set(err, VG_INVALID, "value", "empty, over-long or NUL in value");
    if ((unsigned)it->tlp >= VG_TLP_COUNT)
        return vg_error_set(err, VG_INVALID, "tlp", "unknown TLP");
    if ((it->kind == VG_OBS_CIDR4 || it->kind == VG_OBS_CIDR6) &&
        !cidr(it->value, it->len, it->kind == VG_OBS_CIDR6, &bits))
        return vg_error_set(err, VG_INVALID, "value", "'%.*s' is not a CIDR range",
                            (int)(it->len > 64 ? 64 : it->len), it->value);
    if (it->ref && !parse_ref(it->ref, &tlen, uuid))
        return vg_error_set(err, VG_INVALID, "ref", "'%s' is not a STIX id", it->ref);
    w = hf_walk(it->value, it->len);
    h = hf_key(it->kind, w);
    for (i = h & (b->tcap - 1); b->tab[i]; i = (i + 1) & (b->tcap - 1)) {
        be = &b->ents[b->tab[i] - 1];
        if (be->hash == h && be->e.kind == it->kind && be->e.value_len == it->len &&
            memcmp(b->arena.data + be->e.value_off, it->value, it->len) == 0)
            goto merge;
    }
    if (b->n >= ENTRIES_MAX)
        return vg_error_set(err, VG_LIMIT, NULL, "too many indicators for one index");
    if (b->n == b->cap) {
        size_t ncap = b->cap ? b->cap * 2 : 1024;
        struct bent *ne = realloc(b->ents, ncap * sizeof(*ne));

        if (ne == NULL)
            return vg_error_set(err, VG_NOMEM, NULL, "out of memory");
        b->ents = ne;
        b->cap = ncap;
    }
    be = &b->ents[b->n];
    memset(be, 0, sizeof(*be));
    if (arena_put(b, it->value, it->len, &be->e.value_off) != VG_OK)
        return vg_error_set(err, VG_LIMIT, NULL, "index arena over 4 GiB");
    be->e.value_len = (uint16_t)it->len;
    be->e.kind = (uint8_t)it->kind;
    be->e.tlp = (uint8_t)it->tlp;
    be->e.orgs = 1;
    be->hash = h;
    be->walk = w;
    be->org = it->org_id;
    b->tab[i] = (uint32_t)++b->n;
    if (b->n * 4 > b->tcap * 3 && grow_tab(b) != VG_OK)
        return vg_error_set(err, VG_NOMEM, NULL, "out of memory");
    be = &b->ents[b->n - 1];
    goto context;
merge:
    if (it->tlp < be->e.tlp)
        be->e.tlp = (uint8_t)it->tlp;
    if (it->org_id != be->org) {
        int r = pair_add(b, (uint32_t)(be - b->ents), it->org_id);

        if (r < 0)
            return vg_error_set(err, VG_NOMEM, NULL, "out of memory");
        if (r && be->e.orgs < UINT16_MAX)
            be->e.orgs++;
    }
context:
    if (be->e.label == 0 && it->label && it->label[0]) {
        if ((rc = intern(b, it->label, strlen(it->label), &be->e.label)) != VG_OK)
            return vg_error_set(err, rc, "label", "cannot store label");
    }
    if (be->e.ref_type == 0 && it->ref) {
        if ((rc = intern(b, it->ref, tlen, &be->e.ref_type)) != VG_OK)
            return vg_error_set(err, rc, "ref", "cannot store reference");
        memcpy(be->e.ref_uuid, uuid, 16);
    }
    return VG_OK;
}

/* ---- ranges ------------------------------------------------------------------- */

typedef unsigned __int128 u128;

struct iv {
    u128 s, e;
    uint32_t ref;
};

struct cut {
    u128 start;
    uint32_t ref;
};

static int iv_cmp(const void *a, const void *b)
{
    const struct iv *x = a, *y = b;

    if (x->s != y->s)
        return x->s < y->s ? -1 : 1;
    if (x->e != y->e)
        return x->e > y->e ? -1 : 1; /* the wider first */
    return 0;
}

static void emit(struct cut *out, size_t *n, u128 at, uint32_t ref)
{
    if (*n && out[*n - 1].start == at) {
        out[*n - 1].ref = ref;
    } else if ((*n && out[*n - 1].ref == ref) || (*n == 0 && ref == 0)) {
        return;
    } else {
        out[*n].start = at;
        out[(*n)++].ref = ref;
    }
}

/*
 * CIDR ranges nest or are disjoint.  Sorted by start (the wider first), a
 * stack of open ranges gives, at each boundary, the innermost range that
 * covers what follows: at most 2n + 1 intervals, each naming one range.
 */
static size_t flatten(struct iv *v, size_t n, u128 max, struct cut *out, struct iv *stack)
{
    size_t k = 0, sp = 0, i;

    qsort(v, n, sizeof(*v), iv_cmp);
    for (i = 0; i < n; i++) {
        while (sp && stack[sp - 1].e < v[i].s) {
            struct iv t = stack[--sp];

            if (t.e != max)
                emit(out, &k, t.e + 1, sp ? stack[sp - 1].ref : 0);
        }
        stack[sp++] = v[i];
        emit(out, &k, v[i].s, v[i].ref);
    }
    while (sp) {
        struct iv t = stack[--sp];

        if (t.e != max)
            emit(out, &k, t.e + 1, sp ? stack[sp - 1].ref : 0);
    }
    return k;
}

static void cidr_bounds(const char *v, size_t n, int six, u128 *s, u128 *e)
{
    const char *sl = memchr(v, '/', n);
    unsigned bits = 0, width = six ? 128 : 32;
    u128 mask;

    cidr(v, n, six, &bits); /* checked when added; the arena holds no NUL after it */

    if (six) {
        uint64_t hi, lo;

        vg_index_parse_ip6(v, (size_t)(sl - v), &hi, &lo);
        *s = (u128)hi << 64 | lo;
    } else {
        uint32_t a;

        vg_index_parse_ip4(v, (size_t)(sl - v), &a);
        *s = a;
    }
    mask = bits == width ? 0 : (((u128)1 << (width - bits)) - 1);
    *s &= ~mask;
    *e = *s | mask;
}

static enum vg_rc ranges(struct vg_index_builder *b, int six, struct cut **out, size_t *nout)
{
    unsigned kind = six ? VG_OBS_CIDR6 : VG_OBS_CIDR4;
    struct iv *v, *stack;
    size_t n = 0, i;

    *out = NULL;
    *nout = 0;
    for (i = 0; i < b->n; i++)
        n += b->ents[i].e.kind == kind;
    if (n == 0)
        return VG_OK;
    v = malloc(n * sizeof(*v));
    stack = malloc(n * sizeof(*stack));
    *out = malloc((2 * n + 1) * sizeof(**out));
    if (v == NULL || stack == NULL || *out == NULL) {
        free(v);
        free(stack);
        free(*out);
        *out = NULL;
        return VG_NOMEM;
    }
    for (i = 0, n = 0; i < b->n; i++) {
        const struct snap_entry *e = &b->ents[i].e;

        if (e->kind != kind)
            continue;
        cidr_bounds(b->arena.data + e->value_off, e->value_len, six, &v[n].s, &v[n].e);
        v[n++].ref = (uint32_t)i + 1;
    }
    *nout = flatten(v, n, six ? ~(u128)0 : (u128)UINT32_MAX, *out, stack);
    free(v);
    free(stack);
    return VG_OK;
}

/* ---- the image ------------------------------------------------------------- */

struct hostkey {
    const char *h; /* the host, in the arena */
    size_t hn;
    uint64_t w, f;
    uint32_t entry;
};

/* The first URL indicator of each distinct host. */
static enum vg_rc host_keys(struct vg_index_builder *b, struct hostkey **out, size_t *nout)
{
    size_t n = 0, cap = 64, i, j, k = 0;
    uint32_t *t;
    struct hostkey *v;

    for (i = 0; i < b->n; i++)
        n += b->ents[i].e.kind == VG_OBS_URL;
    while (cap < 2 * n)
        cap *= 2;
    t = calloc(cap, sizeof(*t));
    v = malloc((n ? n : 1) * sizeof(*v));
    if (t == NULL || v == NULL) {
        free(t);
        free(v);
        return VG_NOMEM;
    }
    for (i = 0; i < b->n; i++) {
        const struct snap_entry *e = &b->ents[i].e;
        const char *h, *h2;
        size_t hn, hn2;
        uint64_t f, w;

        if (e->kind != VG_OBS_URL ||
            !vg_index_url_host(b->arena.data + e->value_off, e->value_len, &h, &hn))
            continue;
        w = hf_walk(h, hn);
        f = hf_key(KIND_URL_HOST, w);
        for (j = f & (cap - 1); t[j]; j = (j + 1) & (cap - 1)) {
            const struct snap_entry *o = &b->ents[v[t[j] - 1].entry].e;

            if (v[t[j] - 1].f == f &&
                vg_index_url_host(b->arena.data + o->value_off, o->value_len, &h2, &hn2) &&
                hn2 == hn && memcmp(h, h2, hn) == 0)
                break;
        }
        if (t[j])
            continue;
        v[k].f = f;
        v[k].w = w;
        v[k].h = h;
        v[k].hn = hn;
        v[k].entry = (uint32_t)i;
        t[j] = (uint32_t)++k;
    }
    free(t);
    *out = v;
    *nout = k;
    return VG_OK;
}

static void slot_put(struct snap_slot *slots, uint32_t mask, uint64_t f, uint32_t ref)
{
    uint32_t i = (uint32_t)f & mask;

    while (slots[i].ref)
        i = (i + 1) & mask;
    slots[i].tag = (uint32_t)(f >> 32);
    slots[i].ref = ref;
}

static void bloom_put(uint64_t *bloom, uint32_t nblocks, uint64_t f)
{
    uint64_t *blk = bloom + bloom_block(f, nblocks) * (BLOOM_BLOCK / 8);
    unsigned i, w;

    for (i = 0; i < 3; i++) {
        uint64_t m = bloom_mask_word(f, i, &w);

        blk[w] |= m;
    }
}

/*
 * What lets a domain look-up stop early: the bit of its last label in the
 * top-level filter, and a Bloom mark on its last two labels.
 */
static void mark_domain(uint64_t *bloom, uint32_t nblocks, uint64_t *tld, const char *s, size_t n)
{
    size_t i = n, end = n;
    uint64_t lh, w;
    uint32_t bit;

    while (i > 0 && s[i - 1] != '.')
        i--;
    lh = hf_label(s + i, end - i);
    bit = tld_bit(lh);
    tld[bit >> 6] |= 1ull << (bit & 63);
    if (i == 0)
        return;
    w = hf_step(HF_SEED, lh);
    end = --i;
    while (i > 0 && s[i - 1] != '.')
        i--;
    w = hf_step(w, hf_label(s + i, end - i));
    bloom_put(bloom, nblocks, hf_final(w ^ HF_SLD_SALT));
}

static size_t align8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

enum vg_rc vg_index_builder_finish(struct vg_index_builder *b, void **image, size_t *len,
                                   struct vg_error *err)
{
    struct hostkey *hosts = NULL;
    struct cut *c4 = NULL, *c6 = NULL;
    size_t nhosts = 0, n4 = 0, n6 = 0, nkeys, nslots = 8, nbloom, off, i, nip4 = 0, nsld = 0;
    unsigned ip4_bits = 16;
    struct snap_header *h;
    uint8_t *img = NULL;
    enum vg_rc rc;

    if ((rc = host_keys(b, &hosts, &nhosts)) != VG_OK || (rc = ranges(b, 0, &c4, &n4)) != VG_OK ||
        (rc = ranges(b, 1, &c6, &n6)) != VG_OK) {
        rc = vg_error_set(err, VG_NOMEM, NULL, "out of memory");
        goto out;
    }
    nkeys = b->n + nhosts;
    for (i = 0; i < b->n; i++)
        nip4 += b->ents[i].e.kind == VG_OBS_IPV4;
    for (i = 0; i < nhosts; i++) {
        uint32_t a;

        nip4 += vg_index_parse_ip4(hosts[i].h, hosts[i].hn, &a);
    }
    while (ip4_bits < 32 && ((size_t)1 << ip4_bits) < 16 * nip4)
        ip4_bits++;
    while (nslots < nkeys + nkeys / 3 + 1)
        nslots *= 2;
    for (i = 0; i < b->n; i++)
        nsld += b->ents[i].e.kind == VG_OBS_DOMAIN;
    nbloom = ((nkeys + nsld + nhosts) * 10 + BLOOM_BLOCK * 8 - 1) / (BLOOM_BLOCK * 8);
    if (nbloom == 0)
        nbloom = 1;
    if (nslots > ((size_t)1 << 31)) {
        rc = vg_error_set(err, VG_LIMIT, NULL, "too many indicators for one index");
        goto out;
    }
    {
        size_t sizes[SEC_COUNT] = {
            b->n * sizeof(struct snap_entry),
            nslots * sizeof(struct snap_slot),
            nbloom * BLOOM_BLOCK,
            n4 * sizeof(struct snap_range4),
            n6 * sizeof(struct snap_range6),
            b->nstr * sizeof(struct snap_string),
            b->arena.len,
            ((size_t)1 << ip4_bits) / 8,
            TLD_BITS / 8,
        };

        off = HEADER_SIZE;
        for (i = 0; i < SEC_COUNT; i++)
            off = align8(off + sizes[i]);
        if ((img = calloc(1, off)) == NULL) {
            rc = vg_error_set(err, VG_NOMEM, NULL, "out of memory for a %zu-byte index", off);
            goto out;
        }
        h = (struct snap_header *)img;
        memcpy(h->magic, VG_INDEX_MAGIC, 8);
        h->version = VG_INDEX_VERSION;
        h->header_size = HEADER_SIZE;
        h->file_size = off;
        h->created_us = vg_time_now_us();
        h->nentries = (uint32_t)b->n;
        h->nkeys = (uint32_t)nkeys;
        h->nslots = (uint32_t)nslots;
        h->nbloom = (uint32_t)nbloom;
        h->nrange4 = (uint32_t)n4;
        h->nrange6 = (uint32_t)n6;
        h->nstrings = (uint32_t)b->nstr;
        h->ip4_bits = ip4_bits;
        off = HEADER_SIZE;
        for (i = 0; i < SEC_COUNT; i++) {
            h->sec[i].off = off;
            h->sec[i].size = sizes[i];
            off = align8(off + sizes[i]);
        }
    }
    {
        struct snap_entry *ents = (struct snap_entry *)(img + h->sec[SEC_ENTRIES].off);
        struct snap_slot *slots = (struct snap_slot *)(img + h->sec[SEC_SLOTS].off);
        uint64_t *bloom = (uint64_t *)(img + h->sec[SEC_BLOOM].off);
        struct snap_range4 *r4 = (struct snap_range4 *)(img + h->sec[SEC_RANGE4].off);
        struct snap_range6 *r6 = (struct snap_range6 *)(img + h->sec[SEC_RANGE6].off);
        uint64_t *ip4 = (uint64_t *)(img + h->sec[SEC_IP4].off);
        uint64_t *tld = (uint64_t *)(img + h->sec[SEC_TLD].off);
        uint32_t a, bit;

        for (i = 0; i < b->n; i++) {
            ents[i] = b->ents[i].e;
            slot_put(slots, (uint32_t)nslots - 1, b->ents[i].hash, (uint32_t)i + 1);
            bloom_put(bloom, (uint32_t)nbloom, hf_final(b->ents[i].walk));
            if (b->ents[i].e.kind == VG_OBS_DOMAIN)
                mark_domain(bloom, (uint32_t)nbloom, tld, b->arena.data + b->ents[i].e.value_off,
                            b->ents[i].e.value_len);
            if (b->ents[i].e.kind == VG_OBS_IPV4 &&
                vg_index_parse_ip4(b->arena.data + b->ents[i].e.value_off, b->ents[i].e.value_len,
                                   &a)) {
                bit = ip4_bit(a, ip4_bits);
                ip4[bit >> 6] |= 1ull << (bit & 63);
            }
        }
        for (i = 0; i < nhosts; i++) {
            slot_put(slots, (uint32_t)nslots - 1, hosts[i].f, (hosts[i].entry + 1) | SLOT_HOST);
            bloom_put(bloom, (uint32_t)nbloom, hf_final(hosts[i].w));
            if (vg_index_parse_ip4(hosts[i].h, hosts[i].hn, &a)) {
                bit = ip4_bit(a, ip4_bits);
                ip4[bit >> 6] |= 1ull << (bit & 63);
            } else if (!memchr(hosts[i].h, ':', hosts[i].hn)) {
                mark_domain(bloom, (uint32_t)nbloom, tld, hosts[i].h, hosts[i].hn);
            }
        }
        for (i = 0; i < n4; i++) {
            r4[i].start = (uint32_t)c4[i].start;
            r4[i].ref = c4[i].ref;
        }
        for (i = 0; i < n6; i++) {
            r6[i].hi = (uint64_t)(c6[i].start >> 64);
            r6[i].lo = (uint64_t)c6[i].start;
            r6[i].ref = c6[i].ref;
        }
        if (b->nstr)
            memcpy(img + h->sec[SEC_STRINGS].off, b->strs, b->nstr * sizeof(struct snap_string));
        if (b->arena.len)
            memcpy(img + h->sec[SEC_ARENA].off, b->arena.data, b->arena.len);
    }
    vg_index_checksum(img, h->file_size, h->checksum);
    *image = img;
    *len = h->file_size;
    img = NULL;
    rc = VG_OK;
out:
    free(img);
    free(hosts);
    free(c4);
    free(c6);
    return rc;
}

enum vg_rc vg_index_builder_write(struct vg_index_builder *b, const char *path,
                                  struct vg_error *err)
{
    char tmp[4096];
    void *img;
    size_t len, done = 0;
    enum vg_rc rc;
    int fd;

    if ((rc = vg_index_builder_finish(b, &img, &len, err)) != VG_OK)
        return rc;
    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
        free(img);
        return vg_error_set(err, VG_INVALID, "output", "path too long");
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        free(img);
        return vg_error_set(err, VG_IO, "output", "cannot create %s: %s", tmp, strerror(errno));
    }
    while (done < len) {
        ssize_t w = write(fd, (const char *)img + done, len - done);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        done += (size_t)w;
    }
    free(img);
    if (done != len || fsync(fd) != 0) {
        int e = errno;

        close(fd);
        unlink(tmp);
        return vg_error_set(err, VG_IO, "output", "cannot write %s: %s", tmp, strerror(e));
    }
    if (close(fd) != 0) {
        int e = errno;

        unlink(tmp);
        return vg_error_set(err, VG_IO, "output", "cannot write %s: %s", tmp, strerror(e));
    }
    if (rename(tmp, path) != 0) {
        int e = errno;

        unlink(tmp);
        return vg_error_set(err, VG_IO, "output", "cannot rename to %s: %s", path, strerror(e));
    }
    return VG_OK;
}
