/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_auth.c - the Authorization header parser and key check.  The hub
 * (created once in a temporary directory) holds one key; an input is the
 * header's text.  Invariant: only that key's exact text, in either form,
 * authenticates, and every failure is VG_AUTH.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "common/hash.h"
#include "../tests/support/temp_hub.h"
#include "http/auth.h"

#define KEY_ID "vk_00000000000000aa"
#define SECRET KEY_ID ".0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static struct vg_store *st;
static char dir[96];

static void cleanup(void)
{
    if (temp_hub_remove(dir, st) != 0)
        fprintf(stderr, "fuzz_auth: could not remove %s\n", dir);
}

static void setup(void)
{
    struct vg_org org = {0};
    struct vg_key k = {0};
    struct vg_error err;
    uint8_t h[VG_SHA256_LEN];

    if (temp_hub_open(dir, sizeof(dir), "fuzz-auth", &st) != 0)
        abort();
    snprintf(org.name, sizeof(org.name), "fuzzer");
    snprintf(org.kind, sizeof(org.kind), "vendor");
    snprintf(k.id, sizeof(k.id), KEY_ID);
    k.scopes = VG_SCOPE_READ;
    vg_sha256(SECRET, strlen(SECRET), h);
    if (vg_store_org_add(st, &org, &err) != VG_OK)
        abort();
    k.org_id = org.id;
    if (vg_store_key_add(st, &k, h, &err) != VG_OK)
        abort();
    atexit(cleanup);
}

/* The header carries the secret: as a bearer token, or base64 in Basic. */
static int holds_secret(const char *header)
{
    unsigned char out[2048];
    const char *b;
    int n;

    if (strstr(header, SECRET) != NULL)
        return 1;
    if ((b = strchr(header, ' ')) == NULL || strlen(b) > 1300)
        return 0;
    while (*b == ' ')
        b++;
    n = EVP_DecodeBlock(out, (const unsigned char *)b, (int)strlen(b));
    if (n <= 0)
        return 0;
    out[n] = '\0';
    return strstr((char *)out, KEY_ID ":" SECRET) != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct vg_auth a;
    struct vg_error err;
    char *header;
    enum vg_rc rc;

    if (st == NULL)
        setup();
    if ((header = malloc(size + 1)) == NULL)
        return 0;
    memcpy(header, data, size);
    header[size] = '\0';
    vg_error_clear(&err);
    rc = vg_auth_header(st, header, 0, VG_SCOPE_READ, &a, &err);
    if (rc == VG_OK && (strcmp(a.key.id, KEY_ID) != 0 || !holds_secret(header)))
        abort();
    if (rc != VG_OK && rc != VG_AUTH)
        abort();
    free(header);
    return 0;
}
