/* SPDX-License-Identifier: Apache-2.0 */
/*
 * uuid.c - RFC 4122 UUIDs: random v4 for new objects, name-based v5 for the
 * deterministic identifiers STIX 2.1 gives cyber-observables (§2.9), and the
 * syntax check of STIX identifiers.
 *
 * Pure functions; vg_uuid4 draws from OpenSSL's CSPRNG.  Thread-safe.
 */
#include "uuid.h"

#include <string.h>

#include <openssl/evp.h>

#include "common/hash.h"

static const char hexdig[] = "0123456789abcdef";

static void format(const unsigned char b[16], char out[VG_UUID_TEXT_LEN + 1])
{
    size_t i, o = 0;

    for (i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hexdig[b[i] >> 4];
        out[o++] = hexdig[b[i] & 15];
    }
    out[o] = '\0';
}

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

/* Parse UUID text into 16 bytes; 0 on success. */
static int parse(const char *s, unsigned char b[16])
{
    size_t i, n = 0;

    for (i = 0; i < VG_UUID_TEXT_LEN; i++) {
        int hi, lo;

        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return -1;
            continue;
        }
        hi = hexval(s[i]);
        lo = hexval(s[i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        b[n++] = (unsigned char)(hi << 4 | lo);
        i++;
    }
    return s[VG_UUID_TEXT_LEN] == '\0' ? 0 : -1;
}

enum vg_rc vg_uuid4(char out[VG_UUID_TEXT_LEN + 1])
{
    unsigned char b[16];
    enum vg_rc rc = vg_random(b, sizeof(b));

    if (rc != VG_OK)
        return rc;
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    format(b, out);
    return VG_OK;
}

void vg_uuid5(const char *ns, const void *name, size_t len, char out[VG_UUID_TEXT_LEN + 1])
{
    unsigned char nsb[16], md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();

    /* The namespace is always a constant of ours: a bad one is a bug. */
    if (parse(ns, nsb) != 0)
        memset(nsb, 0, sizeof(nsb));
    memset(md, 0, sizeof(md));
    if (ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) == 1 &&
        EVP_DigestUpdate(ctx, nsb, sizeof(nsb)) == 1 && EVP_DigestUpdate(ctx, name, len) == 1)
        EVP_DigestFinal_ex(ctx, md, &mdlen);
    EVP_MD_CTX_free(ctx);
    md[6] = (unsigned char)((md[6] & 0x0f) | 0x50);
    md[8] = (unsigned char)((md[8] & 0x3f) | 0x80);
    format(md, out);
}

/*
 * The STIX 2.1 identifier as its JSON schema states it:
 * ^[a-z][a-z0-9-]+[a-z0-9]--<8-4-4-4-12 hex>$ with version 1-5 and the
 * RFC 4122 variant.  Hex digits may be upper-case (the OASIS examples use
 * them); ids are compared as given.
 */
int vg_stix_id_valid(const char *s, size_t len)
{
    const char *u;
    size_t tlen, i;

    if (len < VG_UUID_TEXT_LEN + 5 || len > 250)
        return 0;
    tlen = len - VG_UUID_TEXT_LEN - 2;
    u = s + tlen + 2;
    if (s[tlen] != '-' || s[tlen + 1] != '-')
        return 0;
    if (!(s[0] >= 'a' && s[0] <= 'z') || s[tlen - 1] == '-')
        return 0;
    for (i = 1; i < tlen; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return 0;
    }
    for (i = 0; i < VG_UUID_TEXT_LEN; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (u[i] != '-')
                return 0;
        } else if (hexval(u[i]) < 0) {
            return 0;
        }
    }
    return u[14] >= '1' && u[14] <= '5' && strchr("89abAB", u[19]) != NULL;
}
