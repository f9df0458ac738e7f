/* SPDX-License-Identifier: Apache-2.0 */
/*
 * index.c - loading and querying a compiled observable index.
 *
 * Loading maps the file (or borrows the image), checks the header, the
 * checksum and that every section lies inside the image with a size that
 * agrees with its count; nothing is copied or parsed.  Records inside the
 * sections (slots, entries, strings, ranges) are checked where they are read,
 * so a query on a hostile image stays in bounds and terminates: probing stops
 * after one turn of the table whatever the slots say.
 *
 * Queries are pure functions of the image: any number of threads may share
 * one index.
 */
#include "index.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/hash.h"
#include "format.h"
#include "hashfn.h"
#include "internal.h"

struct vg_index {
    const uint8_t *base;
    size_t size;
    int mapped, own;
    const struct snap_entry *entries;
    uint32_t nentries, nkeys;
    const struct snap_slot *slots;
    uint32_t mask; /* nslots - 1 */
    const uint64_t *bloom;
    uint32_t nbloom;
    const struct snap_range4 *r4;
    uint32_t nr4;
    const struct snap_range6 *r6;
    uint32_t nr6;
    const struct snap_string *strings;
    uint32_t nstrings;
    const char *arena;
    uint64_t arena_size;
    const uint64_t *ip4;
    uint32_t ip4_bits;
    const uint64_t *tld;
    int has_hosts;
};

const char *vg_index_rule_name(enum vg_index_rule rule)
{
    static const char *const names[] = {"", "exact", "subdomain", "in-range", "url-host"};

    return (unsigned)rule < sizeof(names) / sizeof(names[0]) ? names[rule] : "";
}

uint64_t vg_index_hash(unsigned kind, const char *s, size_t len)
{
    return hf_key(kind, hf_walk(s, len));
}

/* ---- validation ----------------------------------------------------------- */

/*
 * A fast 64-bit checksum: four independent lanes of multiply-rotate over
 * 32-byte stripes (the structure of xxHash64), then a final avalanche.
 * Several GB/s, so that checking it does not undo what mapping the file
 * saves; it detects accidental corruption, as a checksum should (a snapshot
 * is not signed: whoever can write it can recompute any digest).
 */
#define CK1 0x9e3779b185ebca87ull
#define CK2 0xc2b2ae3d27d4eb4full
#define CK3 0x165667b19e3779f9ull

static uint64_t rotl(uint64_t x, unsigned r)
{
    return (x << r) | (x >> (64 - r));
}

static uint64_t lane(uint64_t acc, uint64_t w)
{
    return rotl(acc + w * CK2, 31) * CK1;
}

static uint64_t fast64(const uint8_t *p, size_t n, uint64_t seed)
{
    uint64_t a = seed + CK1 + CK2, b = seed + CK2, c = seed, d = seed - CK1, h, w;
    size_t len = n;

    for (; n >= 32; p += 32, n -= 32) {
        uint64_t x[4];

        memcpy(x, p, 32);
        a = lane(a, x[0]);
        b = lane(b, x[1]);
        c = lane(c, x[2]);
        d = lane(d, x[3]);
    }
    h = rotl(a, 1) + rotl(b, 7) + rotl(c, 12) + rotl(d, 18) + (uint64_t)len;
    for (; n >= 8; p += 8, n -= 8) {
        memcpy(&w, p, 8);
        h = rotl(h ^ lane(0, w), 27) * CK1 + CK3;
    }
    for (; n > 0; p++, n--)
        h = rotl(h ^ (*p * CK3), 11) * CK1;
    h ^= h >> 33;
    h *= CK2;
    h ^= h >> 29;
    h *= CK3;
    return h ^ (h >> 32);
}

enum vg_rc vg_index_checksum(const uint8_t *p, size_t n, uint8_t out[32])
{
    uint8_t head[HEADER_SIZE];
    uint64_t h;

    if (n < HEADER_SIZE)
        return VG_INVALID;
    memcpy(head, p, HEADER_SIZE);
    memset(head + offsetof(struct snap_header, checksum), 0, 32);
    h = fast64(head, HEADER_SIZE, fast64(p + HEADER_SIZE, n - HEADER_SIZE, 0x76696769ull));
    memset(out, 0, 32);
    memcpy(out, &h, 8);
    return VG_OK;
}

static enum vg_rc section(struct vg_index *idx, const struct snap_header *h, unsigned s,
                          const char *name, uint64_t count, uint64_t unit, const void **out,
                          struct vg_error *err)
{
    uint64_t off = h->sec[s].off, size = h->sec[s].size;

    if (off % 8 != 0 || off < HEADER_SIZE || off > idx->size || size > idx->size - off)
        return vg_error_set(err, VG_INVALID, "snapshot",
                            "%s section (offset %llu, %llu bytes) lies outside the file", name,
                            (unsigned long long)off, (unsigned long long)size);
    if (unit && size != count * unit)
        return vg_error_set(err, VG_INVALID, "snapshot",
                            "%s section holds %llu bytes where its count needs %llu", name,
                            (unsigned long long)size, (unsigned long long)(count * unit));
    *out = idx->base + off;
    return VG_OK;
}

static enum vg_rc validate(struct vg_index *idx, unsigned flags, struct vg_error *err)
{
    const struct snap_header *h = (const struct snap_header *)idx->base;
    const void *p;
    enum vg_rc rc;

    if (((uintptr_t)idx->base & 7u) != 0)
        return vg_error_set(err, VG_INVALID, "snapshot", "image is not 8-byte aligned");
    if (idx->size < 8 || memcmp(h->magic, VG_INDEX_MAGIC, 8) != 0)
        return vg_error_set(err, VG_INVALID, "snapshot", "not a Vigie snapshot (bad magic)");
    if (idx->size < HEADER_SIZE)
        return vg_error_set(err, VG_INVALID, "snapshot",
                            "truncated snapshot: %zu bytes, shorter than the %u-byte header",
                            idx->size, HEADER_SIZE);
    if (h->version != VG_INDEX_VERSION)
        return vg_error_set(err, VG_INVALID, "snapshot",
                            "snapshot format version %u, this vigie reads version %u", h->version,
                            VG_INDEX_VERSION);
    if (h->header_size != HEADER_SIZE)
        return vg_error_set(err, VG_INVALID, "snapshot", "header size %u, expected %u",
                            h->header_size, HEADER_SIZE);
    if (h->file_size != idx->size)
        return vg_error_set(
            err, VG_INVALID, "snapshot", "%s: the header says %llu bytes, the file has %zu",
            h->file_size > idx->size ? "truncated snapshot" : "trailing bytes in snapshot",
            (unsigned long long)h->file_size, idx->size);
    if (!(flags & VG_INDEX_TRUSTED)) {
        uint8_t sum[32];

        vg_index_checksum(idx->base, idx->size, sum);
        if (memcmp(sum, h->checksum, 32) != 0)
            return vg_error_set(err, VG_INVALID, "snapshot",
                                "checksum mismatch: the snapshot is corrupted");
    }
    if (h->nslots == 0 || (h->nslots & (h->nslots - 1)) != 0 || h->nkeys >= h->nslots)
        return vg_error_set(err, VG_INVALID, "snapshot", "bad hash table: %u slots for %u keys",
                            h->nslots, h->nkeys);
    if (h->nbloom == 0 || h->nstrings == 0 || h->nentries > h->nkeys)
        return vg_error_set(err, VG_INVALID, "snapshot",
                            "bad counts (%u entries, %u keys, %u Bloom blocks, %u strings)",
                            h->nentries, h->nkeys, h->nbloom, h->nstrings);
    if ((rc = section(idx, h, SEC_ENTRIES, "entries", h->nentries, sizeof(struct snap_entry), &p,
                      err)) != VG_OK)
        return rc;
    idx->entries = p;
    if ((rc = section(idx, h, SEC_SLOTS, "slots", h->nslots, sizeof(struct snap_slot), &p, err)) !=
        VG_OK)
        return rc;
    idx->slots = p;
    if ((rc = section(idx, h, SEC_BLOOM, "bloom", h->nbloom, BLOOM_BLOCK, &p, err)) != VG_OK)
        return rc;
    idx->bloom = p;
    if ((rc = section(idx, h, SEC_RANGE4, "range4", h->nrange4, sizeof(struct snap_range4), &p,
                      err)) != VG_OK)
        return rc;
    idx->r4 = p;
    if ((rc = section(idx, h, SEC_RANGE6, "range6", h->nrange6, sizeof(struct snap_range6), &p,
                      err)) != VG_OK)
        return rc;
    idx->r6 = p;
    if ((rc = section(idx, h, SEC_STRINGS, "strings", h->nstrings, sizeof(struct snap_string), &p,
                      err)) != VG_OK)
        return rc;
    idx->strings = p;
    if ((rc = section(idx, h, SEC_ARENA, "arena", 0, 0, &p, err)) != VG_OK)
        return rc;
    idx->arena = p;
    if (h->ip4_bits < 16 || h->ip4_bits > 32)
        return vg_error_set(err, VG_INVALID, "snapshot", "bad IPv4 filter size 2^%u", h->ip4_bits);
    if ((rc = section(idx, h, SEC_IP4, "ip4", (uint64_t)1 << (h->ip4_bits - 6), 8, &p, err)) !=
        VG_OK)
        return rc;
    idx->ip4 = p;
    idx->ip4_bits = h->ip4_bits;
    if ((rc = section(idx, h, SEC_TLD, "tld", TLD_BITS / 64, 8, &p, err)) != VG_OK)
        return rc;
    idx->tld = p;
    idx->arena_size = h->sec[SEC_ARENA].size;
    idx->nentries = h->nentries;
    idx->nkeys = h->nkeys;
    idx->mask = h->nslots - 1;
    idx->nbloom = h->nbloom;
    idx->nr4 = h->nrange4;
    idx->nr6 = h->nrange6;
    idx->nstrings = h->nstrings;
    idx->has_hosts = h->nkeys > h->nentries;
    return VG_OK;
}

enum vg_rc vg_index_open_mem(const void *p, size_t n, unsigned flags, int own,
                             struct vg_index **out, struct vg_error *err)
{
    struct vg_index *idx = calloc(1, sizeof(*idx));
    enum vg_rc rc;

    if (idx == NULL)
        return vg_error_set(err, VG_NOMEM, NULL, "out of memory");
    idx->base = p;
    idx->size = n;
    if ((rc = validate(idx, flags, err)) != VG_OK) {
        free(idx);
        return rc;
    }
    idx->own = own;
    *out = idx;
    return VG_OK;
}

enum vg_rc vg_index_open_file(const char *path, unsigned flags, struct vg_index **out,
                              struct vg_error *err)
{
    struct vg_index *idx;
    struct stat st;
    void *p;
    enum vg_rc rc;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return vg_error_set(err, VG_IO, "snapshot", "cannot open %s: %s", path, strerror(errno));
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return vg_error_set(err, VG_IO, "snapshot", "%s is not a regular file", path);
    }
    if (st.st_size < (off_t)HEADER_SIZE) {
        char head[8] = {0};
        ssize_t got = read(fd, head, sizeof(head));

        close(fd);
        if (got < 8 || memcmp(head, VG_INDEX_MAGIC, 8) != 0)
            return vg_error_set(err, VG_INVALID, "snapshot", "%s is not a Vigie snapshot", path);
        return vg_error_set(err, VG_INVALID, "snapshot",
                            "%s: truncated snapshot (%lld bytes, the header alone is %u)", path,
                            (long long)st.st_size, HEADER_SIZE);
    }
    p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (p == MAP_FAILED)
        return vg_error_set(err, VG_IO, "snapshot", "cannot map %s: %s", path, strerror(errno));
    if ((idx = calloc(1, sizeof(*idx))) == NULL) {
        munmap(p, (size_t)st.st_size);
        return vg_error_set(err, VG_NOMEM, NULL, "out of memory");
    }
    idx->base = p;
    idx->size = (size_t)st.st_size;
    idx->mapped = 1;
    if ((rc = validate(idx, flags, err)) != VG_OK) {
        char m[VG_ERROR_MSG_MAX];

        snprintf(m, sizeof(m), "%s", err ? err->msg : "");
        vg_error_set(err, rc, "snapshot", "%s: %s", path, m);
        vg_index_free(idx);
        return rc;
    }
    *out = idx;
    return VG_OK;
}

void vg_index_free(struct vg_index *idx)
{
    if (idx == NULL)
        return;
    if (idx->mapped)
        munmap((void *)idx->base, idx->size);
    else if (idx->own)
        free((void *)idx->base);
    free(idx);
}

void vg_index_stats(const struct vg_index *idx, struct vg_index_stats *out)
{
    uint32_t i;

    memset(out, 0, sizeof(*out));
    out->entries = idx->nentries;
    out->keys = idx->nkeys;
    out->slots = (size_t)idx->mask + 1;
    out->ranges4 = idx->nr4;
    out->ranges6 = idx->nr6;
    out->strings = idx->nstrings;
    out->arena_bytes = idx->arena_size;
    out->image_bytes = idx->size;
    for (i = 0; i < idx->nentries; i++)
        out->value_bytes += idx->entries[i].value_len;
}

/* ---- records ------------------------------------------------------------ */

static int value_of(const struct vg_index *idx, const struct snap_entry *e, const char **v,
                    size_t *n)
{
    if ((uint64_t)e->value_off + e->value_len > idx->arena_size)
        return 0;
    *v = idx->arena + e->value_off;
    *n = e->value_len;
    return 1;
}

static int string_of(const struct vg_index *idx, uint32_t id, const char **s, size_t *n)
{
    const struct snap_string *str;

    if (id >= idx->nstrings)
        return 0;
    str = &idx->strings[id];
    if ((uint64_t)str->off + str->len > idx->arena_size)
        return 0;
    *s = idx->arena + str->off;
    *n = str->len;
    return 1;
}

enum vg_rc vg_index_entry(const struct vg_index *idx, uint32_t entry, struct vg_index_view *out)
{
    const struct snap_entry *e;
    const char *t;
    size_t tn;

    if (entry >= idx->nentries)
        return VG_INVALID;
    e = &idx->entries[entry];
    if (e->kind == VG_OBS_NONE || e->kind >= VG_OBS_KIND_COUNT || e->tlp >= VG_TLP_COUNT ||
        e->value_len == 0 || !value_of(idx, e, &out->value, &out->len))
        return VG_INVALID;
    out->kind = (enum vg_obs_kind)e->kind;
    out->tlp = (enum vg_tlp)e->tlp;
    out->orgs = e->orgs;
    out->label = "";
    out->label_len = 0;
    if (e->label && !string_of(idx, e->label, &out->label, &out->label_len))
        return VG_INVALID;
    out->ref[0] = '\0';
    if (e->ref_type) {
        char u[33];

        if (!string_of(idx, e->ref_type, &t, &tn) || tn == 0 || tn + 2 + 36 >= VG_STIX_ID_MAX)
            return VG_INVALID;
        vg_hex(e->ref_uuid, 16, u);
        snprintf(out->ref, sizeof(out->ref), "%.*s--%.8s-%.4s-%.4s-%.4s-%.12s", (int)tn, t, u,
                 u + 8, u + 12, u + 16, u + 20);
    }
    return VG_OK;
}

/* ---- probing -------------------------------------------------------------- */

/*
 * The host of a canonical URL: after "://" and any user information, up to
 * the port, path, query or end; an IPv6 literal without its brackets.
 */
int vg_index_url_host(const char *v, size_t n, const char **host, size_t *hlen)
{
    const char *p = memchr(v, ':', n), *end = v + n, *a, *e, *at = NULL, *q;

    if (p == NULL || end - p < 3 || p[1] != '/' || p[2] != '/')
        return 0;
    a = p + 3;
    for (e = a; e < end && *e != '/' && *e != '?' && *e != '#'; e++)
        if (*e == '@')
            at = e;
    if (at)
        a = at + 1;
    if (a < e && *a == '[') {
        q = memchr(a, ']', (size_t)(e - a));
        if (q == NULL)
            return 0;
        *host = a + 1;
        *hlen = (size_t)(q - a - 1);
        return *hlen > 0;
    }
    for (q = e; q > a && q[-1] >= '0' && q[-1] <= '9'; q--)
        ;
    if (q > a && q[-1] == ':')
        e = q - 1;
    *host = a;
    *hlen = (size_t)(e - a);
    return *hlen > 0;
}

/* May some key of some kind have the text whose walk is w? */
static int maybe(const struct vg_index *idx, uint64_t w)
{
    uint64_t f = hf_final(w);
    const uint64_t *b = idx->bloom + bloom_block(f, idx->nbloom) * (BLOOM_BLOCK / 8);
    unsigned i, word;

    for (i = 0; i < 3; i++) {
        uint64_t m = bloom_mask_word(f, i, &word);

        if ((b[word] & m) == 0)
            return 0;
    }
    return 1;
}

/* Entry whose key is (kind, s) - or, with host, the URL whose host is s. */
static uint32_t find(const struct vg_index *idx, uint64_t w, unsigned kind, const char *s,
                     size_t len, int host)
{
    uint64_t f = hf_key(host ? KIND_URL_HOST : kind, w);
    uint32_t i = (uint32_t)f & idx->mask, tag = (uint32_t)(f >> 32), n;

    for (n = 0; n <= idx->mask; n++, i = (i + 1) & idx->mask) {
        const struct snap_slot *sl = &idx->slots[i];
        const struct snap_entry *e;
        const char *v;
        size_t vn;
        uint32_t ref = sl->ref;

        if (ref == 0)
            return VG_INDEX_NONE;
        if (sl->tag != tag || !(ref & SLOT_HOST) != !host)
            continue;
        ref = (ref & ~SLOT_HOST) - 1;
        if (ref >= idx->nentries)
            continue;
        e = &idx->entries[ref];
        if (!value_of(idx, e, &v, &vn))
            continue;
        if (host) {
            if (e->kind != VG_OBS_URL || !vg_index_url_host(v, vn, &v, &vn))
                continue;
        } else if (e->kind != kind) {
            continue;
        }
        if (vn == len && memcmp(v, s, len) == 0)
            return ref;
    }
    return VG_INDEX_NONE;
}

static int found(uint32_t e, enum vg_index_rule rule, struct vg_index_hit *hit)
{
    if (e == VG_INDEX_NONE)
        return 0;
    hit->entry = e;
    hit->rule = rule;
    return 1;
}

int vg_index_parse_ip4(const char *s, size_t len, uint32_t *out)
{
    uint32_t a = 0, part = 0;
    size_t i, digits = 0, dots = 0;

    for (i = 0; i < len; i++) {
        if (s[i] >= '0' && s[i] <= '9') {
            part = part * 10 + (uint32_t)(s[i] - '0');
            if (++digits > 3 || part > 255)
                return 0;
        } else if (s[i] == '.' && digits && dots < 3) {
            a = a << 8 | part;
            part = 0;
            digits = 0;
            dots++;
        } else {
            return 0;
        }
    }
    if (dots != 3 || !digits)
        return 0;
    *out = a << 8 | part;
    return 1;
}

int vg_index_parse_ip6(const char *s, size_t len, uint64_t *hi, uint64_t *lo)
{
    char buf[64];
    uint8_t a[16];
    int i;

    if (len == 0 || len >= sizeof(buf))
        return 0;
    memcpy(buf, s, len);
    buf[len] = '\0';
    if (inet_pton(AF_INET6, buf, a) != 1)
        return 0;
    *hi = *lo = 0;
    for (i = 0; i < 8; i++) {
        *hi = *hi << 8 | a[i];
        *lo = *lo << 8 | a[8 + i];
    }
    return 1;
}

static uint32_t range4(const struct vg_index *idx, uint32_t x)
{
    uint32_t lo = 0, hi = idx->nr4, ref;

    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;

        if (idx->r4[mid].start <= x)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0 || (ref = idx->r4[lo - 1].ref) == 0 || ref - 1 >= idx->nentries)
        return VG_INDEX_NONE;
    return ref - 1;
}

static uint32_t range6(const struct vg_index *idx, uint64_t xh, uint64_t xl)
{
    uint32_t lo = 0, hi = idx->nr6, ref;

    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        const struct snap_range6 *r = &idx->r6[mid];

        if (r->hi < xh || (r->hi == xh && r->lo <= xl))
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0 || (ref = idx->r6[lo - 1].ref) == 0 || ref - 1 >= idx->nentries)
        return VG_INDEX_NONE;
    return ref - 1;
}

#define LABELS_MAX 128

static int exact(const struct vg_index *idx, unsigned kind, const char *s, size_t len,
                 struct vg_index_hit *hit);

/*
 * A domain name, or the host of the URL url[0..ulen) when url is not NULL:
 * then the URL itself is tried first, but only when its host is the host of
 * some URL indicator.  With dots (len <= 64), bit k of *dots says whether
 * s[k] is a dot, and the labels are cut by the mask instead of a byte scan.
 */
static int domain_lookup(const struct vg_index *idx, const char *s, size_t len,
                         const uint64_t *dots, const char *url, size_t ulen,
                         struct vg_index_hit *hit)
{
    uint64_t h = HF_SEED, sh[LABELS_MAX];
    size_t st[LABELS_MAX], n = 0, end = len, i = len, full;
    uint32_t host = VG_INDEX_NONE;
    int m_full;

    if (len == 0 || len > 253 || (dots && len > 64))
        return 0;
    /* Right to left: sh[k] is the walk of the suffix at st[k].  No domain
     * key (indicator or URL host) ends in this top-level label: nothing to
     * find. */
    for (;;) {
        uint64_t lh;

        if (dots) {
            /* the dots before end (end <= 64) */
            uint64_t d = end ? *dots & (~0ull >> (64 - end)) : 0;

            i = d ? 64 - (size_t)__builtin_clzll(d) : 0;
        } else {
            while (i > 0 && s[i - 1] != '.')
                i--;
        }
        lh = hf_label(s + i, end - i);
        if (n == 0) {
            uint32_t bit = tld_bit(lh);

            if (!((idx->tld[bit >> 6] >> (bit & 63)) & 1))
                return 0;
        }
        h = hf_step(h, lh);
        sh[n] = h;
        st[n++] = i;
        if (i == 0 || n == LABELS_MAX)
            break;
        /* Every domain key marks its two-label suffix: without that mark, no
         * suffix of a longer name is a key, and its other labels need no
         * hashing. */
        if (n == 2 && !maybe(idx, h ^ HF_SLD_SALT))
            return 0;
        end = --i;
    }
    if (i != 0)
        return 0;
    full = n - 1;
    m_full = maybe(idx, sh[full]);
    if (m_full && idx->has_hosts)
        host = find(idx, sh[full], 0, s, len, 1);
    if (url && host != VG_INDEX_NONE && exact(idx, VG_OBS_URL, url, ulen, hit))
        return 1;
    /* The most specific first; a lone top-level label is never an indicator. */
    while (n-- > 1) {
        uint32_t e;

        if (n == full ? !m_full : !maybe(idx, sh[n]))
            continue;
        e = find(idx, sh[n], VG_OBS_DOMAIN, s + st[n], len - st[n], 0);
        if (e != VG_INDEX_NONE)
            return found(e, st[n] == 0 ? VG_RULE_EXACT : VG_RULE_SUBDOMAIN, hit);
    }
    return found(host, VG_RULE_URL_HOST, hit);
}

/*
 * The first tests of domain_lookup for a name with known dots, which most
 * names of a log fail: no key ends in its top-level label, or (three labels
 * or more) no key ends in its last two.  0 then, 1 when domain_lookup must
 * decide; a leaf without domain_lookup's stack frame.
 */
static inline int name_may_match(const struct vg_index *idx, const char *s, size_t len,
                                 uint64_t dots)
{
    uint64_t d, lh, h;
    size_t i, end;
    uint32_t bit;

    if (len == 0 || len > 64)
        return 1;
    d = dots & (~0ull >> (64 - len));
    i = d ? 64 - (size_t)__builtin_clzll(d) : 0;
    lh = hf_label(s + i, len - i);
    bit = tld_bit(lh);
    if (!((idx->tld[bit >> 6] >> (bit & 63)) & 1))
        return 0;
    if (i == 0)
        return 1;
    end = i - 1;
    d = end ? dots & (~0ull >> (64 - end)) : 0;
    i = d ? 64 - (size_t)__builtin_clzll(d) : 0;
    if (i == 0)
        return 1;
    h = hf_step(hf_step(HF_SEED, lh), hf_label(s + i, end - i));
    return maybe(idx, h ^ HF_SLD_SALT);
}

static int exact(const struct vg_index *idx, unsigned kind, const char *s, size_t len,
                 struct vg_index_hit *hit)
{
    uint64_t w = hf_walk(s, len);

    return maybe(idx, w) && found(find(idx, w, kind, s, len, 0), VG_RULE_EXACT, hit);
}

/* ip4_lookup past the filter: apart from the filter's false positives, only
 * for addresses that are keys, or when there are ranges. */
static __attribute__((noinline)) int ip4_probe(const struct vg_index *idx, uint32_t a, int m,
                                               const char *s, size_t len, struct vg_index_hit *hit)
{
    uint64_t w = 0;

    /* The one-bit filter passes one address in sixteen that is no key; the
     * Bloom filter, which holds every key of every kind, answers most of
     * those before the slots (two probes, exact and URL host, each a likely
     * cache miss). */
    if (m) {
        w = hf_walk(s, len);
        m = maybe(idx, w);
        if (m && found(find(idx, w, VG_OBS_IPV4, s, len, 0), VG_RULE_EXACT, hit))
            return 1;
    }
    if (idx->nr4 && found(range4(idx, a), VG_RULE_IN_RANGE, hit))
        return 1;
    return m && idx->has_hosts && found(find(idx, w, 0, s, len, 1), VG_RULE_URL_HOST, hit);
}

/* Most addresses of a log miss the filter, and there are seldom ranges:
 * that answer costs a multiply and a load, without the probe's stack frame. */
static inline int ip4_lookup(const struct vg_index *idx, uint32_t a, const char *s, size_t len,
                             struct vg_index_hit *hit)
{
    uint32_t bit = ip4_bit(a, idx->ip4_bits);
    int m = (idx->ip4[bit >> 6] >> (bit & 63)) & 1;

    if (!m && idx->nr4 == 0)
        return 0;
    return ip4_probe(idx, a, m, s, len, hit);
}

int vg_index_lookup_ip4(const struct vg_index *idx, uint32_t a, const char *s, size_t len,
                        struct vg_index_hit *hit)
{
    return ip4_lookup(idx, a, s, len, hit);
}

static int ip6_lookup(const struct vg_index *idx, const char *s, size_t len,
                      struct vg_index_hit *hit)
{
    uint64_t w = hf_walk(s, len), hi, lo;
    int m = maybe(idx, w);

    if (m && found(find(idx, w, VG_OBS_IPV6, s, len, 0), VG_RULE_EXACT, hit))
        return 1;
    if (idx->nr6 && vg_index_parse_ip6(s, len, &hi, &lo) &&
        found(range6(idx, hi, lo), VG_RULE_IN_RANGE, hit))
        return 1;
    return m && idx->has_hosts && found(find(idx, w, 0, s, len, 1), VG_RULE_URL_HOST, hit);
}

int vg_index_lookup_url(const struct vg_index *idx, const char *s, size_t len, const char *h,
                        size_t hn, struct vg_index_hit *hit)
{
    uint32_t a;

    if (memchr(h, ':', hn) || vg_index_parse_ip4(h, hn, &a)) {
        /* Only a URL whose host is the host of some URL indicator can be
         * one: the host's probe is shared by every URL of a busy host,
         * where a probe for the whole URL would miss the cache. */
        if (idx->has_hosts) {
            uint64_t w = hf_walk(h, hn);

            if (maybe(idx, w) && find(idx, w, 0, h, hn, 1) != VG_INDEX_NONE &&
                exact(idx, VG_OBS_URL, s, len, hit))
                return 1;
        }
        if (memchr(h, ':', hn))
            return ip6_lookup(idx, h, hn, hit);
        return ip4_lookup(idx, a, h, hn, hit);
    }
    return domain_lookup(idx, h, hn, NULL, s, len, hit);
}

int vg_index_lookup_url_name(const struct vg_index *idx, const char *url, size_t len,
                             const char *host, size_t hlen, uint64_t dots, struct vg_index_hit *hit)
{
    return name_may_match(idx, host, hlen, dots) &&
           domain_lookup(idx, host, hlen, &dots, url, len, hit);
}

int vg_index_lookup_domain(const struct vg_index *idx, const char *s, size_t len, uint64_t dots,
                           struct vg_index_hit *hit)
{
    return name_may_match(idx, s, len, dots) && domain_lookup(idx, s, len, &dots, NULL, 0, hit);
}

int vg_index_lookup(const struct vg_index *idx, enum vg_obs_kind kind, const char *s, size_t len,
                    struct vg_index_hit *hit)
{
    const char *h;
    size_t hn;
    uint32_t a;

    switch (kind) {
    case VG_OBS_DOMAIN:
        return domain_lookup(idx, s, len, NULL, NULL, 0, hit);
    case VG_OBS_IPV4:
        return vg_index_parse_ip4(s, len, &a) && ip4_lookup(idx, a, s, len, hit);
    case VG_OBS_IPV6:
        return ip6_lookup(idx, s, len, hit);
    case VG_OBS_URL:
        if (!vg_index_url_host(s, len, &h, &hn))
            return exact(idx, VG_OBS_URL, s, len, hit);
        return vg_index_lookup_url(idx, s, len, h, hn, hit);
    case VG_OBS_NONE:
    case VG_OBS_KIND_COUNT:
        return 0;
    default:
        return exact(idx, kind, s, len, hit);
    }
}
