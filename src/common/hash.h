/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hash.h - digests, hex, constant-time compare, randomness (OpenSSL libcrypto).
 */
#ifndef VG_COMMON_HASH_H
#define VG_COMMON_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define VG_SHA1_LEN 20
#define VG_SHA256_LEN 32

void vg_sha1(const void *p, size_t n, uint8_t out[VG_SHA1_LEN]);
void vg_sha256(const void *p, size_t n, uint8_t out[VG_SHA256_LEN]);
/* SHA-256(a || b); b may be NULL when nb is 0.  Thread-safe, no lock. */
void vg_sha256_2(const void *a, size_t na, const void *b, size_t nb, uint8_t out[VG_SHA256_LEN]);
/* HMAC-SHA-256 of p under key. */
void vg_hmac_sha256(const void *key, size_t klen, const void *p, size_t n,
                    uint8_t out[VG_SHA256_LEN]);

/* Lower-case hex of n bytes into out (2n+1 bytes). */
void vg_hex(const uint8_t *p, size_t n, char *out);

/* Fill p with n cryptographically random bytes. VG_INTERNAL if the RNG fails. */
enum vg_rc vg_random(void *p, size_t n);

/* 1 when the n bytes are equal, in time independent of their contents. */
int vg_equal_ct(const void *a, const void *b, size_t n);

/* Overwrite n bytes in a way the compiler will not remove. */
void vg_wipe(void *p, size_t n);

/* FNV-1a 64-bit: a fast non-cryptographic hash for index keys and checks.
 * Start with h = VG_FNV_SEED; chain calls to hash several parts. */
#define VG_FNV_SEED 0xcbf29ce484222325ull
static inline uint64_t vg_fnv1a(uint64_t h, const void *p, size_t n)
{
    const unsigned char *c = p;

    while (n--)
        h = (h ^ *c++) * 0x100000001b3ull;
    return h;
}

#endif
