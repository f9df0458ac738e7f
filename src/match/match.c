/* SPDX-License-Identifier: Apache-2.0 */
/*
 * match.c - the log scanner (see match.h for the rules).
 *
 * One pass over the bytes in blocks of 64.  A vector classifier (AVX-512BW,
 * AVX2 or SSE2, picked once per process) turns each block into 64-bit masks
 * of byte classes: dots, colons, newlines, hex digits, host-name characters
 * and a few more.  Only dots, colons and the ends of runs of 32 hex digits
 * are events; the token around an event - its bounds, trimming, whether it
 * is all digits and dots, whether it is a valid host name - is read from the
 * masks with a few bit operations, so most tokens of a log (numbers,
 * timestamps, ids) cost nothing and the rest no byte loop.  A dotted quad's
 * value comes from one byte shuffle, and a name goes to the index with its
 * dot mask, which the index uses to cut labels instead of scanning for them.
 * Text that is already canonical is looked up as it stands; anything else
 * goes through vg_obs_parse.  Tokens that do not fit the masks (longer than
 * a block) take the byte-by-byte path with the 256-entry class table.
 * Nothing is allocated; the few buffers live on the stack.
 */
#include "match.h"

#include <stdint.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

enum {
    C_TOK = 1,     /* host-name character: A-Z a-z 0-9 . - _ and bytes >= 0x80 */
    C_NUM = 2,     /* 0-9 and . */
    C_HEX = 4,     /* 0-9 a-f A-F */
    C_UPPER = 8,   /* A-Z */
    C_DOT = 16,    /* . */
    C_HIGH = 32,   /* >= 0x80 */
    C_ALNUM = 64,  /* A-Z a-z 0-9 */
    C_URLEND = 128 /* ends a URL: controls, space, " ' < > ` { } | \ ^ , and DEL */
};

static unsigned char cls[256];
/* In a URL: 1 ends it (controls, space, " ' < > ` { } | \\ ^ , DEL), 2 makes
 * canonicalisation change it (a fragment, a defanged "[.]" or "(.)"). */
static unsigned char url_cls[256];

static void init_classes(void)
{
    int c;

    for (c = 0; c < 256; c++) {
        unsigned char k = 0;

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
            k |= C_TOK | C_ALNUM;
        if (c >= '0' && c <= '9')
            k |= C_NUM | C_HEX;
        if ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))
            k |= C_HEX;
        if (c >= 'A' && c <= 'Z')
            k |= C_UPPER;
        if (c == '.')
            k |= C_TOK | C_DOT | C_NUM;
        if (c == '-' || c == '_')
            k |= C_TOK;
        if (c >= 0x80)
            k |= C_TOK | C_HIGH;
        if (c <= ' ' || c == 0x7f || strchr("\"'<>`{}|\\^,", c))
            k |= C_URLEND;
        cls[c] = k;
        url_cls[c] = (k & C_URLEND) ? 1 : (c == '#' || c == '[' || c == '(') ? 2 : 0;
    }
}

struct masks {
    uint64_t dot, colon, nl, hex;
    uint64_t tok, upper, num, high; /* C_TOK, C_UPPER, C_NUM, C_HIGH */
    uint64_t dash;
};

#if defined(__SSE2__)
static uint64_t mm(__m128i a, __m128i b, __m128i c, __m128i d)
{
    return (uint64_t)(uint16_t)_mm_movemask_epi8(a) |
           (uint64_t)(uint16_t)_mm_movemask_epi8(b) << 16 |
           (uint64_t)(uint16_t)_mm_movemask_epi8(c) << 32 |
           (uint64_t)(uint16_t)_mm_movemask_epi8(d) << 48;
}

static __m128i in(__m128i v, char lo, char hi)
{
    return _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8((char)(lo - 1))),
                         _mm_cmpgt_epi8(_mm_set1_epi8((char)(hi + 1)), v));
}

/* Classes of 64 bytes, one bit per byte. */
static void block_masks(const char *p, struct masks *m)
{
    __m128i v[4], dot[4], col[4], nl[4], hex[4], tok[4], up[4], num[4], dash[4];
    int i;

    for (i = 0; i < 4; i++) {
        __m128i low, dig, alpha;

        v[i] = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * i));
        low = _mm_or_si128(v[i], _mm_set1_epi8(0x20));
        dig = in(v[i], '0', '9');
        dot[i] = _mm_cmpeq_epi8(v[i], _mm_set1_epi8('.'));
        col[i] = _mm_cmpeq_epi8(v[i], _mm_set1_epi8(':'));
        nl[i] = _mm_cmpeq_epi8(v[i], _mm_set1_epi8('\n'));
        hex[i] = _mm_or_si128(dig, in(low, 'a', 'f'));
        alpha = in(low, 'a', 'z');
        up[i] = in(v[i], 'A', 'Z');
        num[i] = _mm_or_si128(dig, dot[i]);
        /* letters, digits, . - _ and bytes >= 0x80 (negative as signed) */
        dash[i] = _mm_cmpeq_epi8(v[i], _mm_set1_epi8('-'));
        tok[i] = _mm_or_si128(
            _mm_or_si128(_mm_or_si128(alpha, num[i]), _mm_cmpgt_epi8(_mm_setzero_si128(), v[i])),
            _mm_or_si128(dash[i], _mm_cmpeq_epi8(v[i], _mm_set1_epi8('_'))));
    }
    m->dot = mm(dot[0], dot[1], dot[2], dot[3]);
    m->colon = mm(col[0], col[1], col[2], col[3]);
    m->nl = mm(nl[0], nl[1], nl[2], nl[3]);
    m->hex = mm(hex[0], hex[1], hex[2], hex[3]);
    m->tok = mm(tok[0], tok[1], tok[2], tok[3]);
    m->upper = mm(up[0], up[1], up[2], up[3]);
    m->num = mm(num[0], num[1], num[2], num[3]);
    m->high = mm(v[0], v[1], v[2], v[3]);
    m->dash = mm(dash[0], dash[1], dash[2], dash[3]);
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define HAVE_AVX2_VARIANT 1

/*
 * The same masks, 32 bytes at a time, on CPUs with AVX2: two nibble look-ups
 * (pshufb) give each byte a set of class bits - a class is a product of a
 * set of high nibbles and a set of low nibbles - and a shift and a movemask
 * per class read them out.  Bits: digit, '.', '-', ':', '\n', a-f/A-F, A-O/a-o,
 * P-Z/p-z.
 */
enum {
    K_DIGIT = 1,
    K_DOT = 2,
    K_DASH = 4,
    K_COLON = 8,
    K_NL = 16,
    K_HEXA = 32,
    K_AO = 64,
    K_PZ = 128
};

/* The class bits of a byte are lo_tab[low nibble] & hi_tab[high nibble]. */
static const unsigned char lo_tab[16] = {
    K_DIGIT | K_PZ,
    K_DIGIT | K_HEXA | K_AO | K_PZ,
    K_DIGIT | K_HEXA | K_AO | K_PZ,
    K_DIGIT | K_HEXA | K_AO | K_PZ,
    K_DIGIT | K_HEXA | K_AO | K_PZ,
    K_DIGIT | K_HEXA | K_AO | K_PZ,
    K_DIGIT | K_HEXA | K_AO | K_PZ,
    K_DIGIT | K_AO | K_PZ,
    K_DIGIT | K_AO | K_PZ,
    K_DIGIT | K_AO | K_PZ,
    K_COLON | K_NL | K_AO | K_PZ,
    K_AO,
    K_AO,
    K_DASH | K_AO,
    K_DOT | K_AO,
    K_AO,
};
/* bytes >= 0x80 have a high nibble of 8-15: no class */
static const unsigned char hi_tab[16] = {
    K_NL,
    0,
    K_DOT | K_DASH,
    K_DIGIT | K_COLON,
    K_HEXA | K_AO,
    K_PZ,
    K_HEXA | K_AO,
    K_PZ,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
};

/* Bit k of every byte, one bit per byte (the k-th class of a table look-up):
 * a 16-bit shift brings it to the top of its byte, where movemask reads it. */
#define BIT_OF(v, k) ((uint32_t)_mm256_movemask_epi8(_mm256_slli_epi16((v), 7 - (k))))

/* Two 32-bit halves into one 64-bit mask. */
static inline uint64_t join(const uint32_t x[2])
{
    return (uint64_t)x[0] | (uint64_t)x[1] << 32;
}

__attribute__((target("avx2"))) static void block_masks_avx2(const char *p, struct masks *m)
{
    const __m256i lo_t = _mm256_broadcastsi128_si256(
                      _mm_loadu_si128((const __m128i *)(const void *)lo_tab)),
                  hi_t = _mm256_broadcastsi128_si256(
                      _mm_loadu_si128((const __m128i *)(const void *)hi_tab));
    const __m256i nib = _mm256_set1_epi8(0x0f), zero = _mm256_setzero_si256();
    uint32_t dig[2], dot[2], dash[2], col[2], nl[2], hexa[2], high[2], word[2], up[2];
    uint64_t digit;
    int i;

    /*
     * Eighteen movemasks per 64 bytes, the fewest that give the nine masks:
     * one per class bit of the table (letters only as their union, folded
     * with '_' into "word" and with bit 0x20 into "upper" while still
     * vectors), and one for the bytes >= 0x80.
     */
    for (i = 0; i < 2; i++) {
        __m256i v, kl, nalpha;

        v = _mm256_loadu_si256((const __m256i *)(const void *)(p + 32 * i));
        /* bytes >= 0x80 index hi_t with their high nibble 8-15: no class */
        kl = _mm256_and_si256(
            _mm256_shuffle_epi8(lo_t, _mm256_and_si256(v, nib)),
            _mm256_shuffle_epi8(hi_t, _mm256_and_si256(_mm256_srli_epi16(v, 4), nib)));
        dig[i] = BIT_OF(kl, 0);
        dot[i] = BIT_OF(kl, 1);
        dash[i] = BIT_OF(kl, 2);
        col[i] = BIT_OF(kl, 3);
        nl[i] = BIT_OF(kl, 4);
        hexa[i] = BIT_OF(kl, 5);
        high[i] = (uint32_t)_mm256_movemask_epi8(v);
        nalpha =
            _mm256_cmpeq_epi8(_mm256_and_si256(kl, _mm256_set1_epi8((char)(K_AO | K_PZ))), zero);
        /* neither a letter nor '_'; not an upper-case letter (bit 0x20 moved to the top) */
        word[i] = ~(uint32_t)_mm256_movemask_epi8(
            _mm256_andnot_si256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('_')), nalpha));
        up[i] = ~(uint32_t)_mm256_movemask_epi8(_mm256_or_si256(nalpha, _mm256_slli_epi16(v, 2)));
    }
    digit = join(dig);
    m->dot = join(dot);
    m->colon = join(col);
    m->nl = join(nl);
    m->hex = digit | join(hexa);
    m->num = digit | m->dot;
    m->dash = join(dash);
    m->high = join(high);
    m->upper = join(up);
    m->tok = join(word) | m->num | m->dash | m->high;
}

/*
 * The same masks on CPUs with AVX-512BW, 64 bytes in one register: a test
 * instruction writes each class straight into a 64-bit mask register, a
 * class of several table bits included (nonzero AND).
 */
__attribute__((target("avx512bw"))) static void block_masks_avx512(const char *p, struct masks *m)
{
    const __m512i lo_t = _mm512_broadcast_i32x4(
                      _mm_loadu_si128((const __m128i *)(const void *)lo_tab)),
                  hi_t = _mm512_broadcast_i32x4(
                      _mm_loadu_si128((const __m128i *)(const void *)hi_tab)),
                  nib = _mm512_set1_epi8(0x0f);
    __m512i v = _mm512_loadu_si512((const void *)p), kl;
    uint64_t alpha;

    kl =
        _mm512_and_si512(_mm512_shuffle_epi8(lo_t, _mm512_and_si512(v, nib)),
                         _mm512_shuffle_epi8(hi_t, _mm512_and_si512(_mm512_srli_epi16(v, 4), nib)));
    m->dot = _mm512_test_epi8_mask(kl, _mm512_set1_epi8(K_DOT));
    m->colon = _mm512_test_epi8_mask(kl, _mm512_set1_epi8(K_COLON));
    m->nl = _mm512_test_epi8_mask(kl, _mm512_set1_epi8(K_NL));
    m->hex = _mm512_test_epi8_mask(kl, _mm512_set1_epi8(K_DIGIT | K_HEXA));
    m->num = _mm512_test_epi8_mask(kl, _mm512_set1_epi8(K_DIGIT | K_DOT));
    m->dash = _mm512_test_epi8_mask(kl, _mm512_set1_epi8(K_DASH));
    m->high = _mm512_movepi8_mask(v);
    alpha = _mm512_test_epi8_mask(kl, _mm512_set1_epi8((char)(K_AO | K_PZ)));
    /* a letter without bit 0x20 */
    m->upper = alpha & ~_mm512_test_epi8_mask(v, _mm512_set1_epi8(0x20));
    m->tok = alpha | m->num | m->dash | m->high | _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('_'));
}
#endif
#else
static void block_masks(const char *p, struct masks *m)
{
    const unsigned char *k = classes();
    int i;

    memset(m, 0, sizeof(*m));
    for (i = 0; i < 64; i++) {
        unsigned char c = (unsigned char)p[i];
        uint64_t bit = 1ull << i;

        if (c == '.')
            m->dot |= bit;
        else if (c == ':')
            m->colon |= bit;
        else if (c == '\n')
            m->nl |= bit;
        if (k[c] & C_HEX)
            m->hex |= bit;
        if (k[c] & C_TOK)
            m->tok |= bit;
        if (k[c] & C_UPPER)
            m->upper |= bit;
        if (k[c] & C_NUM)
            m->num |= bit;
        if (k[c] & C_HIGH)
            m->high |= bit;
        if (c == '-')
            m->dash |= bit;
    }
}
#endif

#if defined(HAVE_AVX2_VARIANT)
#define HAVE_QUAD_SSSE3 1
/*
 * The value of a dotted quad whose part lengths are known, with one byte
 * shuffle: for each of the 81 length patterns, quad_tab gives where each
 * digit goes (part k right-aligned in bytes 4k..4k+2, zeros before) and
 * where the leading digits of parts longer than one digit land.  Then a
 * multiply-add by 100, 10, 1 and another by 1, 1 give the four parts.
 */
static struct {
    unsigned char shuf[16], lead[16];
} quad_tab[81] __attribute__((aligned(16)));
static int quad_ssse3_ok;

static void quad_setup(void)
{
    unsigned id, k, j;

    for (id = 0; id < 81; id++) {
        unsigned len[4] = {id / 27 % 3 + 1, id / 9 % 3 + 1, id / 3 % 3 + 1, id % 3 + 1}, at = 0;

        memset(quad_tab[id].shuf, 0x80, 16);
        memset(quad_tab[id].lead, 0, 16);
        for (k = 0; k < 4; k++) {
            for (j = 0; j < len[k]; j++)
                quad_tab[id].shuf[4 * k + 3 - len[k] + j] = (unsigned char)(at + j);
            if (len[k] > 1)
                quad_tab[id].lead[4 * k + 3 - len[k]] = 0xff;
            at += len[k] + 1;
        }
    }
}

/*
 * The parts of lengths n0..n3 (1-3 each, the caller checked) of the dotted
 * quad at whole[si..], inside a block whose 64 bytes may all be read: 16
 * bytes are loaded from si, or from 48 when the token lies nearer the end
 * (then every index moves by si - 48, staying below 16 as the token ends
 * by byte 64; the zeroing indices keep their top bit).
 */
__attribute__((target("ssse3"))) static int quad_ssse3(const char *whole, unsigned si, unsigned n0,
                                                       unsigned n1, unsigned n2, unsigned n3,
                                                       uint32_t *a)
{
    unsigned id = ((n0 - 1) * 3 + n1 - 1) * 9 + (n2 - 1) * 3 + n3 - 1, at = si <= 48 ? si : 48;
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(whole + at)), x, d, q;

    x = _mm_shuffle_epi8(
        v, _mm_add_epi8(_mm_load_si128((const __m128i *)(const void *)quad_tab[id].shuf),
                        _mm_set1_epi8((char)(si - at))));
    /* a part of two or three digits starting with 0 */
    if (_mm_movemask_epi8(
            _mm_and_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('0')),
                          _mm_load_si128((const __m128i *)(const void *)quad_tab[id].lead))))
        return 0;
    d = _mm_subs_epu8(x, _mm_set1_epi8('0')); /* the zeros stay zeros */
    q = _mm_madd_epi16(_mm_maddubs_epi16(d, _mm_set1_epi32(0x00010a64)), _mm_set1_epi16(1));
    if (_mm_movemask_epi8(_mm_cmpgt_epi32(q, _mm_set1_epi32(255))))
        return 0;
    q = _mm_packus_epi16(_mm_packs_epi32(q, q), q);
    *a = __builtin_bswap32((uint32_t)_mm_cvtsi128_si32(q));
    return 1;
}
#endif

static void (*masks_fn)(const char *p, struct masks *m) = block_masks;

/*
 * The byte classes and the block classifier for this CPU, set up once
 * (pthread_once: scanning threads start together).  VIGIE_MATCH_ISA=avx2
 * or sse2 caps the choice, so that the tests run the variants a CPU would
 * not pick; they give the same masks.
 */
static void setup_classes(void)
{
    init_classes();
#if defined(HAVE_AVX2_VARIANT)
    {
        const char *cap = getenv("VIGIE_MATCH_ISA");
        int top = cap == NULL ? 2 : strcmp(cap, "avx2") == 0 ? 1 : strcmp(cap, "sse2") == 0 ? 0 : 2;

        __builtin_cpu_init();
#if defined(HAVE_QUAD_SSSE3)
        if (top >= 1 && __builtin_cpu_supports("ssse3")) {
            quad_setup();
            quad_ssse3_ok = 1;
        }
#endif
        if (top >= 2 && __builtin_cpu_supports("avx512bw"))
            masks_fn = block_masks_avx512;
        else if (top >= 1 && __builtin_cpu_supports("avx2"))
            masks_fn = block_masks_avx2;
    }
#endif
}

static const unsigned char *classes(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;

    pthread_once(&once, setup_classes);
    return cls;
}

struct scan {
    const struct vg_index *idx;
    const unsigned char *cls;
    const char *buf, *end;
    const char *lo;    /* where the current event may start: after what was taken */
    size_t lines;      /* newlines before the current block */
    const char *block; /* the current 64-byte block */
    const char *whole; /* the block, when its 64 bytes may all be read; else NULL */
    uint64_t nl;       /* its newlines */
    vg_match_cb cb;
    void *ctx;
    int stop;
    char tmp[VG_OBS_VALUE_MAX + 16];
    struct vg_obs obs;
};

/* The n low bits (n <= 64), without a branch. */
static uint64_t below(unsigned n)
{
    return ((1ull << (n & 63)) - 1) | (0 - (uint64_t)(n >> 6));
}

/* Bits lo to hi - 1, for lo < hi <= 64: two shifts where the scanner's hot
 * paths used to pay for two below() and a complement. */
static inline uint64_t span(unsigned lo, unsigned hi)
{
    return (~0ull >> (64 - hi)) & (~0ull << lo);
}

/* Set bits; lines are long, so a block holds few newlines. */
static size_t ones(uint64_t x)
{
    size_t n = 0;

    for (; x; x &= x - 1)
        n++;
    return n;
}

static void deliver(struct scan *sc, struct vg_match_hit *h, enum vg_obs_kind kind,
                    const char *text, size_t tlen, const char *canon, size_t clen)
{
    /* No newline lies between text and the event that found it, so text is
     * on the line of its block's position, or of the block's start. */
    size_t at = text > sc->block ? (size_t)(text - sc->block) : 0;

    h->offset = (size_t)(text - sc->buf);
    h->len = tlen;
    h->line = sc->lines + ones(sc->nl & below((unsigned)at));
    h->kind = kind;
    h->canon = canon;
    h->canon_len = clen;
    if (sc->cb(sc->ctx, h))
        sc->stop = 1;
}

static void emit_ip4(struct scan *sc, const char *s, size_t n, uint32_t a)
{
    struct vg_match_hit h;

    if (sc->stop)
        return;
    h.hit.entry = VG_INDEX_NONE;
    h.hit.rule = VG_RULE_NONE;
    if (sc->idx && !vg_index_lookup_ip4(sc->idx, a, s, n, &h.hit))
        return;
    deliver(sc, &h, VG_OBS_IPV4, s, n, s, n);
}

/* A canonical URL whose host is host[0..hn) inside it; with dots, the host
 * is a name whose dots those are (bit k for host[k]). */
static void emit_url(struct scan *sc, const char *s, size_t n, const char *host, size_t hn,
                     const uint64_t *dots)
{
    struct vg_match_hit h;

    if (sc->stop)
        return;
    h.hit.entry = VG_INDEX_NONE;
    h.hit.rule = VG_RULE_NONE;
    if (sc->idx && !(dots ? vg_index_lookup_url_name(sc->idx, s, n, host, hn, *dots, &h.hit)
                          : vg_index_lookup_url(sc->idx, s, n, host, hn, &h.hit)))
        return;
    deliver(sc, &h, VG_OBS_URL, s, n, s, n);
}

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
    deliver(sc, &h, kind, text, tlen, canon, clen);
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

    if (s > sc->lo && ((sc->cls[(unsigned char)s[-1]] & C_TOK) || s[-1] == ':'))
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

static int is_http(const char *s, size_t n)
{
    return (n == 4 && memcmp(s, "http", 4) == 0) || (n == 5 && memcmp(s, "https", 5) == 0) ||
           (n == 3 && memcmp(s, "ftp", 3) == 0);
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

/*
 * Would vg_obs_parse take this ASCII host name as it is (lower-cased)?  The
 * rules of model/obs.c: labels of letters, digits, '_' and inner '-', none
 * empty, at most 63 bytes each and 253 in all, at least two, the last not
 * all digits.  A name that fails is no candidate, as canonicalisation would
 * have it.
 */
static int host_ok(const char *s, size_t n)
{
    size_t i, label = 0, labels = 1;
    int digits = 1;

    if (n == 0 || n > 253)
        return 0;
    for (i = 0; i < n; i++) {
        char c = s[i];

        if (c == '.') {
            if (label == 0 || s[i - 1] == '-')
                return 0;
            label = 0;
            labels++;
            digits = 1;
        } else if (c == '-' && label == 0) {
            return 0;
        } else if (++label > 63) {
            return 0;
        } else if (c < '0' || c > '9') {
            digits = 0;
        }
    }
    return label > 0 && s[n - 1] != '-' && labels >= 2 && !digits;
}

static int ipv4_text(const char *s, size_t n, uint32_t *a);

/* The host of a URL in canonical form: a valid name, or a dotted quad. */
static int url_host_ok(const char *s, size_t n)
{
    uint32_t a;

    if (n > 0 && s[n - 1] >= '0' && s[n - 1] <= '9' && ipv4_text(s, n, &a))
        return 1;
    return host_ok(s, n);
}

/*
 * The end of a URL from p: the first byte that ends one.  *special is set
 * when a byte that canonicalisation would change comes before it.  Sixteen
 * bytes at a time where SSE2 is there.
 */
static const char *url_scan(const char *p, const char *end, unsigned char *special)
{
    unsigned char c;

#if defined(__SSE2__)
    while (end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p), e, x;
        unsigned m, sm;

        /* controls and space (not bytes >= 0x80, negative as signed), DEL */
        e = _mm_andnot_si128(_mm_cmpgt_epi8(_mm_setzero_si128(), v),
                             _mm_cmpgt_epi8(_mm_set1_epi8(0x21), v));
        e = _mm_or_si128(e, _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f)));
        e = _mm_or_si128(e, _mm_cmpeq_epi8(v, _mm_set1_epi8('"')));
        e = _mm_or_si128(e, _mm_cmpeq_epi8(v, _mm_set1_epi8('\'')));
        e = _mm_or_si128(e, _mm_cmpeq_epi8(v, _mm_set1_epi8('<')));
        e = _mm_or_si128(e, _mm_cmpeq_epi8(v, _mm_set1_epi8('>')));
        e = _mm_or_si128(e, _mm_cmpeq_epi8(v, _mm_set1_epi8('`')));
        e = _mm_or_si128(e, _mm_cmpeq_epi8(v, _mm_set1_epi8('{')));
        e = _mm_or_si128(e, _mm_cmpeq_epi8(v, _mm_set1_epi8('}')));
        e = _mm_or_si128(e, _mm_cmpeq_epi8(v, _mm_set1_epi8('|')));
        e = _mm_or_si128(e, _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
        e = _mm_or_si128(e, _mm_cmpeq_epi8(v, _mm_set1_epi8('^')));
        e = _mm_or_si128(e, _mm_cmpeq_epi8(v, _mm_set1_epi8(',')));
        x = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('#')),
                         _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('[')),
                                      _mm_cmpeq_epi8(v, _mm_set1_epi8('('))));
        m = (unsigned)_mm_movemask_epi8(e);
        sm = (unsigned)_mm_movemask_epi8(x);
        if (m) {
            unsigned i = (unsigned)__builtin_ctz(m);

            if (sm & ((1u << i) - 1))
                *special |= 2;
            return p + i;
        }
        if (sm)
            *special |= 2;
        p += 16;
    }
#endif
    while (p < end && !((c = url_cls[(unsigned char)*p]) & 1)) {
        *special |= c;
        p++;
    }
    return p;
}

/*
 * A URL with a scheme at s, "://" at a.  One pass: the authority, then on to
 * the end of the URL (a trailing dot is not part of it).  Canonical as it
 * stands when the scheme is lower-case http, https or ftp, the host a
 * lower-case name or address without user or port followed by a path, and
 * the path has no fragment and nothing defanged; otherwise vg_obs_parse
 * decides.  Returns where scanning resumes: the end of the authority, so
 * that the path and query are scanned as text.
 */
static const char *url(struct scan *sc, const struct masks *m, const char *s, const char *a)
{
    const unsigned char *k = sc->cls;
    const char *h = a + 3, *p = h, *stop, *e, *q, *base = sc->block;
    unsigned char any = 0, c, special = 0;
    int host = -1; /* the host is canonical: 1 yes, 0 no, -1 not known yet */
    uint64_t hdots = 0;
    int name = 0; /* the host is a name (not an address) whose dots are hdots */
    size_t n;
    struct masks at_h;

    /* An authority that runs past the block (a third of the URLs of a log:
     * a block that would cut a token ends before it, and the host is that
     * token): the masks of the 64 bytes from the host instead. */
    if (!(h >= base && h < base + 64 && (~m->tok >> (h - base))) && sc->end - h >= 64) {
        masks_fn(h, &at_h);
        m = &at_h;
        base = h;
    }
    /* An authority inside the block: its end, classes and syntax from the masks. */
    if (h >= base && h < base + 64 && (~m->tok >> (h - base))) {
        unsigned si = (unsigned)(h - base), ei = si + (unsigned)__builtin_ctzll(~m->tok >> si);
        uint64_t r = below(ei) & ~below(si), dd = m->dot | m->dash, dots = m->dot & r, in, pairs;

        p = base + ei;
        any =
            (unsigned char)(C_TOK | ((m->upper & r) ? C_UPPER : 0) | ((m->high & r) ? C_HIGH : 0));
        if (ei == si || ei - si > 63 || (m->high & r)) {
            host = ei == si ? 0 : -1;
        } else if ((m->num & r) == r) {
            uint32_t v;

            host = ei - si <= 15 && ipv4_text(h, ei - si, &v);
        } else {
            in = below(ei - 1) & ~below(si);
            pairs =
                (m->dot & (m->dot >> 1)) | (m->dash & (m->dot >> 1)) | (m->dot & (m->dash >> 1));
            host = dots && !((dd >> si) & 1) && !((dd >> (ei - 1)) & 1) && !(pairs & in);
            if (host) {
                in = below(ei) & ~below(64 - (unsigned)__builtin_clzll(dots));
                host = (m->num & in) != in;
                name = host;
                hdots = dots >> si;
            }
        }
    } else {
        while (p < sc->end && ((c = k[(unsigned char)*p]) & C_TOK)) {
            any |= c;
            p++;
        }
    }
    stop = p;
    p = url_scan(p, sc->end, &special);
    e = p;
    while (e > s && e[-1] == '.')
        e--;
    if (e - a <= 3)
        return a + 3;
    if (stop < e && (*stop == '/' || *stop == '?' || *stop == '#')) {
        q = stop;
    } else {
        for (q = h; q < e && *q != '/' && *q != '?' && *q != '#'; q++)
            ;
    }
    n = (size_t)(e - s);
    if (stop < e && *stop == '/' && stop > h && !(any & (C_UPPER | C_HIGH)) && !special &&
        is_http(s, (size_t)(a - s)) &&
        (host == 1 || (host == -1 && url_host_ok(h, (size_t)(stop - h)))))
        emit_url(sc, s, n, h, (size_t)(stop - h), name ? &hdots : NULL);
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

/* A dotted quad without leading zeros, whole: 1 and its value, or 0. */
static int ipv4_text(const char *s, size_t n, uint32_t *a)
{
    const char *p = s, *end = s + n;
    uint32_t v = 0;
    int part;

    for (part = 0; part < 4; part++) {
        unsigned d0, x;

        if (p == end || (d0 = (unsigned)(*p - '0')) > 9)
            return 0;
        x = d0;
        p++;
        if (p < end && (unsigned)(*p - '0') <= 9) {
            if (d0 == 0)
                return 0; /* a leading zero */
            x = x * 10 + (unsigned)(*p++ - '0');
            if (p < end && (unsigned)(*p - '0') <= 9) {
                x = x * 10 + (unsigned)(*p++ - '0');
                if (x > 255)
                    return 0;
            }
        }
        v = v << 8 | x;
        if (part < 3) {
            if (p == end || *p != '.')
                return 0;
            p++;
        }
    }
    if (p != end)
        return 0;
    *a = v;
    return 1;
}

/*
 * One part of a dotted quad at p, of n = 1..3 digits (the caller checked
 * the lengths): its value, or 256 when it has a leading zero.  p[0..2] are
 * read whatever n is (the caller makes sure they are inside the token), and
 * the value is picked without a branch: part lengths follow no pattern, and
 * a mispredicted branch per part cost more than the arithmetic.
 */
static inline unsigned quad_part(const char *p, unsigned n)
{
    unsigned a = (unsigned)(unsigned char)p[0] - '0', b = (unsigned)(unsigned char)p[1] - '0',
             c = (unsigned)(unsigned char)p[2] - '0', x;

    x = n == 1 ? a : n == 2 ? a * 10 + b : a * 100 + b * 10 + c;
    return (n > 1 && a == 0) ? 256 : x;
}

/* The last part, which ends at e (e[-3..-1] lie inside the token). */
static inline unsigned quad_last(const char *e, unsigned n)
{
    unsigned a = (unsigned)(unsigned char)e[-3] - '0', b = (unsigned)(unsigned char)e[-2] - '0',
             c = (unsigned)(unsigned char)e[-1] - '0', x, lead;

    x = n == 1 ? c : n == 2 ? b * 10 + c : a * 100 + b * 10 + c;
    lead = n == 1 ? c : n == 2 ? b : a;
    return (n > 1 && lead == 0) ? 256 : x;
}

/*
 * ipv4_text for a token base[si..ei) of digits and dots inside a block,
 * trimmed (a digit at each end), where dots holds its dots: three dots, no
 * two adjacent and no run of four digits - so four parts of 1-3 digits,
 * each read without a branch on its length.
 */
static int ipv4_dots(const char *base, const char *whole, unsigned si, unsigned ei, uint64_t dots,
                     uint32_t *a)
{
    uint64_t dg;
    unsigned d1, d2, d3, p0, p1, p2, p3;

    if (ei - si < 7)
        return 0;
    dg = span(si, ei) & ~dots;
    if ((dots & (dots >> 1)) || (dg & (dg >> 1) & (dg >> 2) & (dg >> 3)))
        return 0;
    d1 = (unsigned)__builtin_ctzll(dots);
    dots &= dots - 1;
    if (dots == 0)
        return 0;
    d2 = (unsigned)__builtin_ctzll(dots);
    dots &= dots - 1;
    if (dots == 0)
        return 0;
    d3 = (unsigned)__builtin_ctzll(dots);
    if ((dots & (dots - 1)) != 0)
        return 0;
#if defined(HAVE_QUAD_SSSE3)
    if (whole && quad_ssse3_ok)
        return quad_ssse3(whole, si, d1 - si, d2 - d1 - 1, d3 - d2 - 1, ei - d3 - 1, a);
#else
    (void)whole;
#endif
    /* parts 1-3 are followed by a dot and a digit, so p[0..2] is inside */
    p0 = quad_part(base + si, d1 - si);
    p1 = quad_part(base + d1 + 1, d2 - d1 - 1);
    p2 = quad_part(base + d2 + 1, d3 - d2 - 1);
    p3 = quad_last(base + ei, ei - d3 - 1);
    if ((p0 | p1 | p2 | p3) > 255)
        return 0;
    *a = (uint32_t)p0 << 24 | p1 << 16 | p2 << 8 | p3;
    return 1;
}

/* A scheme-less URL: host at s..e, path from e. */
static int bare_url(struct scan *sc, const char *s, const char *e, int upper)
{
    unsigned char special = 0;
    const char *ue = url_scan(e, sc->end, &special);
    size_t hn = (size_t)(e - s), n;

    while (ue > e && ue[-1] == '.')
        ue--;
    n = 7 + (size_t)(ue - s);
    if (ue - e < 2 || n > VG_OBS_VALUE_MAX)
        return 0;
    if (special) { /* a fragment or defanged path: let the model decide */
        struct vg_index_hit hit;

        if (vg_obs_parse(VG_OBS_URL, s, (size_t)(ue - s), &sc->obs, NULL) != VG_OK ||
            (sc->idx && (!vg_index_lookup(sc->idx, VG_OBS_URL, sc->obs.value, sc->obs.len, &hit) ||
                         hit.rule != VG_RULE_EXACT)))
            return 0;
        emit(sc, VG_OBS_URL, s, (size_t)(ue - s), sc->obs.value, sc->obs.len);
        return 1;
    }
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

/*
 * A host name inside a block that on_dot has trimmed and checked as
 * host_ok would (ASCII, upper case or not); dots holds its dots, bit k for
 * s[k].  The index cuts the labels by the mask instead of scanning for them.
 */
static void block_name(struct scan *sc, const char *s, const char *e, int upper, uint64_t dots)
{
    size_t n = (size_t)(e - s);
    const char *canon = s;
    struct vg_match_hit h;

    if (e < sc->end && *e == '/' && bare_url(sc, s, e, upper))
        return;
    if (sc->stop)
        return;
    if (upper) {
        lower(sc->tmp, s, n);
        canon = sc->tmp;
    }
    h.hit.entry = VG_INDEX_NONE;
    h.hit.rule = VG_RULE_NONE;
    if (sc->idx && !vg_index_lookup_domain(sc->idx, canon, n, dots, &h.hit))
        return;
    deliver(sc, &h, VG_OBS_DOMAIN, s, n, canon, n);
}

/* A token with a dot, anywhere: trimmed, then taken as an address or a name. */
static void token(struct scan *sc, const char *s, const char *e, unsigned char any,
                  unsigned char all)
{
    size_t n;
    const char *last;

    while (s < e && (*s == '.' || *s == '-'))
        s++;
    while (e > s && (e[-1] == '.' || e[-1] == '-'))
        e--;
    n = (size_t)(e - s);
    if (n < 3)
        return;
    if (all & C_NUM) { /* digits and dots: an address or nothing */
        uint32_t a;

        if (n <= 15 && ipv4_text(s, n, &a))
            emit_ip4(sc, s, n, a);
        return;
    }
    if (*s >= '0' && *s <= '9' && e[-1] >= '0' && e[-1] <= '9' && !(any & (C_UPPER | C_HIGH))) {
        const char *p;

        for (p = s; p < e && ((*p >= '0' && *p <= '9') || *p == '.'); p++)
            ;
        if (p == e) { /* digits and dots: an address or nothing */
            uint32_t a;

            if (n <= 15 && ipv4_text(s, n, &a))
                emit_ip4(sc, s, n, a);
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
    if (!(any & C_HIGH) && !host_ok(s, n))
        return;
    if (e < sc->end && *e == '/' && !(any & C_HIGH) && bare_url(sc, s, e, any & C_UPPER))
        return;
    if (any & C_HIGH) {
        emit_parsed(sc, VG_OBS_DOMAIN, s, n);
    } else if (any & C_UPPER) {
        lower(sc->tmp, s, n);
        emit(sc, VG_OBS_DOMAIN, s, n, sc->tmp, n);
    } else {
        emit(sc, VG_OBS_DOMAIN, s, n, s, n);
    }
}

/* ---- the block loop ------------------------------------------------------ */

/* A dot at q: the token around it (not before sc->lo).  Returns where to resume. */
static const char *on_dot(struct scan *sc, const struct masks *m, const char *q)
{
    const unsigned char *k = sc->cls;
    const char *s = q, *e = q + 1, *base = sc->block;
    unsigned i = (unsigned)(q - base);
    uint64_t right = ~m->tok >> i, left = ~m->tok & ((1ull << i) - 1); /* i < 64 */
    unsigned char any = 0, all = 0xff, c;

    /* Within the block, the masks give the token, its trimmed bounds, its
     * classes and its validity as a host name at once.  A token may start
     * at the block's first byte (blocks start before a token, see below). */
    if (right && (left || base == sc->buf || !(k[(unsigned char)base[-1]] & C_TOK))) {
        unsigned si = left ? 64 - (unsigned)__builtin_clzll(left) : 0,
                 ei = i + (unsigned)__builtin_ctzll(right);
        uint64_t dd = m->dot | m->dash, r, in, pairs, dots;

        s = base + si;
        e = base + ei;
        if (s >= sc->lo) {
            uint64_t lead = ~dd & span(si, ei), trail; /* si <= i < ei */

            if (lead == 0)
                return e; /* dots and dashes only */
            trail = lead;
            si = (unsigned)__builtin_ctzll(lead);
            ei = 64 - (unsigned)__builtin_clzll(trail);
            if (ei - si < 3)
                return e;
            r = span(si, ei);
            if ((m->num & r) == r) { /* digits and dots: an address or nothing */
                uint32_t a;

                if (ei - si <= 15 && ipv4_dots(base, sc->whole, si, ei, m->dot & r, &a))
                    emit_ip4(sc, base + si, ei - si, a);
                return e;
            }
            if (ei - si > 63 || (m->high & r)) {
                any = C_TOK | C_DOT | ((m->upper & r) ? C_UPPER : 0) | ((m->high & r) ? C_HIGH : 0);
                token(sc, base + si, base + ei, any, C_TOK);
                return e;
            }
            /* no "..", "-." or ".-" inside; a dot; the last label not all digits */
            in = span(si, ei - 1);
            pairs =
                (m->dot & (m->dot >> 1)) | (m->dash & (m->dot >> 1)) | (m->dot & (m->dash >> 1));
            dots = m->dot & r;
            if ((pairs & in) || dots == 0)
                return e;
            /* the last label: after the last dot, which is not the last byte */
            in = span(64 - (unsigned)__builtin_clzll(dots), ei);
            if ((m->num & in) == in)
                return e;
            block_name(sc, base + si, base + ei, (m->upper & r) != 0, dots >> si);
            return e;
        }
        s = q;
        e = q + 1;
    }
    while (s > sc->lo && ((c = k[(unsigned char)s[-1]]) & C_TOK)) {
        any |= c;
        all &= c;
        s--;
    }
    c = k['.'];
    any |= c;
    all &= c;
    while (e < sc->end && ((c = k[(unsigned char)*e]) & C_TOK)) {
        any |= c;
        all &= c;
        e++;
    }
    token(sc, s, e, any, all);
    return e;
}

/* A colon at q: a URL's "://" or the start of an IPv6 address, or nothing. */
static const char *on_colon(struct scan *sc, const struct masks *m, const char *q)
{
    const unsigned char *k = sc->cls;
    const char *s = q;

    if (sc->end - q > 3 && q[1] == '/' && q[2] == '/') {
        while (s > sc->lo && s > q - 16 && ((*(s - 1) | 32) >= 'a' && (*(s - 1) | 32) <= 'z'))
            s--;
        if (q - s >= 2 && !(s > sc->lo && (k[(unsigned char)s[-1]] & C_TOK)))
            return url(sc, m, s, q);
        return q + 1;
    }
    while (s > sc->lo && s > q - 5 && hexdigit((unsigned char)s[-1]))
        s--;
    if (q - s <= 4) {
        const char *v6 = ipv6_at(sc, s);

        if (v6) {
            emit_parsed(sc, VG_OBS_IPV6, s, (size_t)(v6 - s));
            return v6;
        }
    }
    return q + 1;
}

/* A run of 32 hex digits ends at q: the alnum run around it may be a hash. */
static const char *on_hex(struct scan *sc, const char *q)
{
    const unsigned char *k = sc->cls;
    const char *s = q, *e = q + 1, *p;
    unsigned char any = 0;

    while (s > sc->buf && (k[(unsigned char)s[-1]] & C_ALNUM))
        s--;
    while (e < sc->end && (k[(unsigned char)*e] & C_ALNUM))
        e++;
    for (p = s; p < e && (k[(unsigned char)*p] & C_HEX); p++)
        any |= k[(unsigned char)*p];
    if (p == e && hash_len((size_t)(e - s)))
        hash_run(sc, s, (size_t)(e - s), any & C_UPPER);
    return e;
}

size_t vg_match_scan(const struct vg_index *idx, const char *buf, size_t len, vg_match_cb cb,
                     void *ctx)
{
    struct scan sc;
    const char *base, *next, *hex_lo = buf;
    uint64_t prev_hex = 0;
    char pad[64];

    sc.idx = idx;
    sc.cls = classes();
    sc.buf = buf;
    sc.end = buf + len;
    sc.lo = buf;
    sc.lines = 0;
    sc.cb = cb;
    sc.ctx = ctx;
    sc.stop = 0;
    /*
     * Blocks of 64 bytes, except that a block whose last token runs on into
     * the next ends before that token: the next block starts with it, so the
     * masks see every token whole (unless it is longer than a block).
     */
    for (base = buf; base < sc.end; base = next) {
        struct masks m;
        uint64_t ev, run;
        unsigned __int128 x;
        size_t left = (size_t)(sc.end - base);
        unsigned cut = 64;

        if (left >= 64) {
            masks_fn(base, &m);
            if (left > 64 && (m.tok >> 63) && ~m.tok)
                cut = 64 - (unsigned)__builtin_clzll(~m.tok);
        } else {
            memset(pad, 0, sizeof(pad));
            memcpy(pad, base, left);
            masks_fn(pad, &m);
            m.dot &= below((unsigned)left);
            m.colon &= below((unsigned)left);
            m.nl &= below((unsigned)left);
            m.hex &= below((unsigned)left);
        }
        next = base + cut;
        /*
         * Runs of 32 hex digits, across the block boundary too.  Any 32
         * bytes that end in this block cover one of its four aligned 16-byte
         * lanes or the last 16 bytes before it: unless one of those is all
         * hex (a lane of ~hex is zero), no run ends here.
         */
        x = (unsigned __int128)m.hex << 64 | prev_hex;
        run = 0;
        if ((((~m.hex - 0x0001000100010001ull) & m.hex & 0x8000800080008000ull) ||
             (prev_hex >> 48) == 0xffff)) {
            unsigned __int128 y = x;

            y &= y << 1;
            y &= y << 2;
            y &= y << 4;
            y &= y << 8;
            y &= y << 16;
            run = (uint64_t)(y >> 64);
        }
        prev_hex = (uint64_t)(x >> cut); /* the 64 bytes before the next block */
        sc.block = base;
        sc.whole = left >= 64 ? base : NULL;
        sc.nl = m.nl;
        ev = (m.dot | m.colon | run) & (~0ull >> (64 - cut)); /* 1 <= cut <= 64 */
        while (ev) {
            unsigned i = (unsigned)__builtin_ctzll(ev);
            const char *q = base + i;

            ev &= ev - 1;
            if ((run >> i) & 1) {
                if (q >= hex_lo)
                    hex_lo = on_hex(&sc, q);
            } else if (q >= sc.lo) {
                size_t off;

                sc.lo = *q == '.' ? on_dot(&sc, &m, q) : on_colon(&sc, &m, q);
                /* no dot or colon event before where the scan resumes (the
                 * other three dots of an address, say) */
                off = (size_t)(sc.lo - base);
                ev &= (off < 64 ? ~0ull << off : 0) | run;
            }
        }
        sc.lines += ones(m.nl & (~0ull >> (64 - cut)));
    }
    return sc.lines;
}
