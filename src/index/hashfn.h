/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hashfn.h - the key hash of the index (private to src/index).
 *
 * A key is a kind and a canonical value.  The value is cut at its dots and
 * the labels are mixed in from the right: walk() over "a.b.evil.com" passes
 * through the unfinished hash of "evil.com" and of "b.evil.com" on its way,
 * which is what makes the subdomain rule cheap.  Labels are hashed eight
 * bytes at a time.  Not a cryptographic hash: the table only needs spread,
 * and a colliding key costs one more comparison, never a wrong answer.
 */
#ifndef VG_INDEX_HASHFN_H
#define VG_INDEX_HASHFN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define HF_M1 0xbf58476d1ce4e5b9ull
#define HF_M2 0x94d049bb133111ebull
#define HF_HOST_SALT 0x2545f4914f6cdd1dull
#define HF_SLD_SALT 0x6a09e667f3bcc909ull /* Bloom marker of a two-label suffix */

static inline uint64_t hf_load32(const unsigned char *p)
{
    uint32_t v;

    memcpy(&v, p, 4);
    return v;
}

/*
 * Eight bytes at a time; a tail of 4-7 bytes as two overlapping 4-byte loads
 * and of 1-3 bytes as its first, middle and last byte (with the length mixed
 * in, both encodings are one-to-one): no byte-by-byte copy.
 */
static inline uint64_t hf_label(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    uint64_t h = (uint64_t)n * 0x9e3779b97f4a7c15ull, w;

    while (n >= 8) {
        memcpy(&w, p, 8);
        h = (h ^ w) * HF_M1;
        h ^= h >> 31;
        p += 8;
        n -= 8;
    }
    if (n >= 4)
        w = hf_load32(p) | hf_load32(p + n - 4) << 32;
    else if (n > 0)
        w = (uint64_t)p[0] | (uint64_t)p[n / 2] << 8 | (uint64_t)p[n - 1] << 16;
    else
        return h;
    h = (h ^ w) * HF_M1;
    return h ^ (h >> 31);
}

#define HF_SEED 0xd6e8feb86659fd93ull

static inline uint64_t hf_step(uint64_t h, uint64_t label)
{
    h = (h ^ label) * HF_M2;
    return h ^ (h >> 29);
}

static inline uint64_t hf_final(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    return h ^ (h >> 33);
}

/*
 * The walk of s: labels mixed in from the right, the same for every kind.
 * The Bloom filter holds hf_final(walk) - one probe says whether any key
 * of any kind has this text - and the slot table hf_key(kind, walk).
 */
static inline uint64_t hf_walk(const char *s, size_t len)
{
    uint64_t h = HF_SEED;
    size_t end = len, i = len;

    for (;;) {
        while (i > 0 && s[i - 1] != '.')
            i--;
        h = hf_step(h, hf_label(s + i, end - i));
        if (i == 0)
            return h;
        end = --i;
    }
}

static inline uint64_t hf_key(unsigned kind, uint64_t walk)
{
    return hf_final(walk ^ (((uint64_t)kind + 1) * HF_HOST_SALT));
}

#endif
