/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hash.c - thin wrappers over libcrypto so callers never see OpenSSL types.
 */
#include "hash.h"

#include <string.h>

#include <openssl/hmac.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

static void digest(const EVP_MD *md, const void *p, size_t n, uint8_t *out)
{
    unsigned int len = 0;

    /* EVP_Digest only fails on allocation failure inside OpenSSL; a zeroed
     * digest then makes any comparison fail rather than pass. */
    if (!EVP_Digest(p, n, out, &len, md, NULL))
        OPENSSL_cleanse(out, (size_t)EVP_MD_get_size(md));
}

void vg_sha1(const void *p, size_t n, uint8_t out[VG_SHA1_LEN])
{
    digest(EVP_sha1(), p, n, out);
}

/*
 * SHA-256 is on hot paths (ledger leaves and nodes, key hashes).  OpenSSL 3
 * looks the algorithm up under a global lock at every EVP_Digest with
 * EVP_sha256(); each thread therefore fetches it once and keeps a context
 * (both live as long as the thread: a few hundred bytes).
 */
void vg_sha256(const void *p, size_t n, uint8_t out[VG_SHA256_LEN])
{
    static _Thread_local EVP_MD *md;
    static _Thread_local EVP_MD_CTX *ctx;
    unsigned int len = 0;

    if (md == NULL)
        md = EVP_MD_fetch(NULL, "SHA256", NULL);
    if (ctx == NULL)
        ctx = EVP_MD_CTX_new();
    if (md && ctx && EVP_DigestInit_ex2(ctx, md, NULL) == 1 && EVP_DigestUpdate(ctx, p, n) == 1 &&
        EVP_DigestFinal_ex(ctx, out, &len) == 1)
        return;
    digest(EVP_sha256(), p, n, out);
}

void vg_hex(const uint8_t *p, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    size_t i;

    for (i = 0; i < n; i++) {
        out[2 * i] = hex[p[i] >> 4];
        out[2 * i + 1] = hex[p[i] & 15];
    }
    out[2 * n] = '\0';
}

enum vg_rc vg_random(void *p, size_t n)
{
    return RAND_bytes(p, (int)n) == 1 ? VG_OK : VG_INTERNAL;
}

int vg_equal_ct(const void *a, const void *b, size_t n)
{
    return CRYPTO_memcmp(a, b, n) == 0;
}

void vg_wipe(void *p, size_t n)
{
    OPENSSL_cleanse(p, n);
}

void vg_hmac_sha256(const void *key, size_t klen, const void *p, size_t n,
                    uint8_t out[VG_SHA256_LEN])
{
    unsigned int len = VG_SHA256_LEN;

    if (HMAC(EVP_sha256(), key, (int)klen, p, n, out, &len) == NULL)
        memset(out, 0, VG_SHA256_LEN); /* never matches a real MAC by chance */
}
