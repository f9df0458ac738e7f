/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hash.c - thin wrappers over libcrypto so callers never see OpenSSL types.
 */
#include "hash.h"
#include "tls.h"

#include <stdlib.h>
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
 * EVP_sha256(); each thread therefore fetches it once and keeps a context,
 * in thread-specific data freed when the thread ends.
 */
struct sha_tls {
    EVP_MD *md;
    EVP_MD_CTX *ctx;
};

static void sha_free(void *p)
{
    struct sha_tls *t = p;

    EVP_MD_CTX_free(t->ctx);
    EVP_MD_free(t->md);
    free(t);
}

static void *sha_make(void)
{
    struct sha_tls *t = calloc(1, sizeof(*t));

    if (t == NULL)
        return NULL;
    t->md = EVP_MD_fetch(NULL, "SHA256", NULL);
    t->ctx = EVP_MD_CTX_new();
    if (t->md == NULL || t->ctx == NULL) {
        sha_free(t);
        return NULL;
    }
    return t;
}

static struct vg_tls sha_slot = VG_TLS_INIT(sha_make, sha_free);

void vg_sha256_2(const void *a, size_t na, const void *b, size_t nb, uint8_t out[VG_SHA256_LEN])
{
    struct sha_tls *t = vg_tls_get(&sha_slot);
    unsigned int len = 0;

    if (t && EVP_DigestInit_ex2(t->ctx, t->md, NULL) == 1 && EVP_DigestUpdate(t->ctx, a, na) == 1 &&
        (nb == 0 || EVP_DigestUpdate(t->ctx, b, nb) == 1) &&
        EVP_DigestFinal_ex(t->ctx, out, &len) == 1)
        return;
    /* Without a context (out of memory): zeroed, so that it matches nothing. */
    OPENSSL_cleanse(out, VG_SHA256_LEN);
}

void vg_sha256(const void *p, size_t n, uint8_t out[VG_SHA256_LEN])
{
    vg_sha256_2(p, n, NULL, 0, out);
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
