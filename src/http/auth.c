/* SPDX-License-Identifier: Apache-2.0 */
/*
 * auth.c - API keys from an Authorization header (see auth.h).
 *
 * The work is the same on every failing path up to the digest comparison:
 * the presented key is hashed and compared in constant time with either the
 * stored digest or a fixed stand-in, so an unknown key id is not faster to
 * refuse than a wrong secret.  Secrets are wiped from the stack on the way
 * out.
 */
#include "auth.h"

#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "common/hash.h"

#define GENERIC "invalid, revoked or expired credentials"

/* Base64 of at most VG_AUTH_HEADER_MAX bytes into out; length or -1. */
static int b64_decode(const char *in, size_t len, unsigned char *out, size_t cap)
{
    int n;
    size_t pad = 0;

    if (len == 0 || len % 4 != 0 || (len / 4) * 3 > cap)
        return -1;
    n = EVP_DecodeBlock(out, (const unsigned char *)in, (int)len);
    if (n < 0)
        return -1;
    if (in[len - 1] == '=')
        pad++;
    if (in[len - 2] == '=')
        pad++;
    return n - (int)pad;
}

/*
 * The presented key text (the whole "<id>.<hex>") into key, from either
 * form.  Returns 0, or -1 when the header says nothing usable.
 */
static int presented_key(const char *header, char *key, size_t cap)
{
    size_t len = strlen(header);

    if (len > VG_AUTH_HEADER_MAX)
        return -1;
    if (strncasecmp(header, "Bearer ", 7) == 0) {
        const char *t = header + 7;

        while (*t == ' ')
            t++;
        if (strlen(t) >= cap)
            return -1;
        memcpy(key, t, strlen(t) + 1);
        return 0;
    }
    if (strncasecmp(header, "Basic ", 6) == 0) {
        unsigned char buf[VG_AUTH_HEADER_MAX];
        const char *t = header + 6;
        char *colon;
        int n;

        while (*t == ' ')
            t++;
        n = b64_decode(t, strlen(t), buf, sizeof(buf) - 1);
        if (n <= 0)
            return -1;
        buf[n] = '\0';
        if (memchr(buf, '\0', (size_t)n) != NULL || (colon = strchr((char *)buf, ':')) == NULL) {
            vg_wipe(buf, sizeof(buf));
            return -1;
        }
        /* The user name must be the key's id: the part of the key before '.'. */
        if (strlen(colon + 1) >= cap ||
            strncmp(colon + 1, (char *)buf, (size_t)(colon - (char *)buf)) != 0 ||
            colon[1 + (colon - (char *)buf)] != '.') {
            vg_wipe(buf, sizeof(buf));
            return -1;
        }
        memcpy(key, colon + 1, strlen(colon + 1) + 1);
        vg_wipe(buf, sizeof(buf));
        return 0;
    }
    return -1;
}

/*
 * What holds for a key once its secret is known good (or, for a refresh,
 * was when the session began): not revoked, not expired, its organisation
 * known, enabled and in good standing, and the scopes asked for.  Fills
 * a->org and a->principal.
 */
static enum vg_rc standing(struct vg_store *st, struct vg_auth *a, int64_t now_us, unsigned need,
                           struct vg_error *err)
{
    enum vg_rc rc;

    if (a->key.revoked || (a->key.expires_us && a->key.expires_us <= now_us))
        return vg_error_set(err, VG_AUTH, NULL, GENERIC);
    if ((rc = vg_store_org_get_by_id(st, a->key.org_id, &a->org, err)) != VG_OK ||
        (rc = vg_store_principal_of(st, &a->org, &a->principal, err)) != VG_OK)
        return rc == VG_NOT_FOUND ? vg_error_set(err, VG_AUTH, NULL, GENERIC) : rc;
    if (a->org.disabled || !a->principal.good_standing)
        return vg_error_set(err, VG_AUTH, NULL, GENERIC);
    if ((a->key.scopes & need) != need)
        return vg_error_set(err, VG_FORBIDDEN, "scope", "this key lacks the %s scope",
                            (need & ~a->key.scopes) & VG_SCOPE_ADMIN   ? "admin"
                            : (need & ~a->key.scopes) & VG_SCOPE_WRITE ? "write"
                                                                       : "read");
    return VG_OK;
}

enum vg_rc vg_auth_refresh(struct vg_store *st, const char *key_id, int64_t now_us, unsigned need,
                           struct vg_auth *out, struct vg_error *err)
{
    uint8_t stored[VG_SHA256_LEN];
    struct vg_auth a;
    enum vg_rc rc;

    memset(&a, 0, sizeof(a));
    rc = vg_store_key_get(st, key_id, &a.key, stored, err);
    vg_wipe(stored, sizeof(stored));
    if (rc == VG_NOT_FOUND)
        return vg_error_set(err, VG_AUTH, NULL, GENERIC);
    if (rc == VG_OK && (rc = standing(st, &a, now_us, need, err)) == VG_OK)
        *out = a;
    return rc;
}

enum vg_rc vg_auth_header(struct vg_store *st, const char *header, int64_t now_us, unsigned need,
                          struct vg_auth *out, struct vg_error *err)
{
    static const uint8_t standin[VG_SHA256_LEN] = {0};
    char key[256] = "";
    char id[VG_KEY_ID_MAX] = "";
    uint8_t stored[VG_SHA256_LEN], digest[VG_SHA256_LEN];
    struct vg_auth a;
    const char *dot;
    int known = 0, match;
    enum vg_rc rc = VG_AUTH;

    memset(&a, 0, sizeof(a));
    if (header == NULL || presented_key(header, key, sizeof(key)) != 0)
        goto out;
    dot = strchr(key, '.');
    if (dot != NULL && (size_t)(dot - key) < sizeof(id)) {
        memcpy(id, key, (size_t)(dot - key));
        id[dot - key] = '\0';
    }
    if (id[0] != '\0') {
        struct vg_error kerr;

        vg_error_clear(&kerr);
        rc = vg_store_key_get(st, id, &a.key, stored, &kerr);
        if (rc == VG_OK)
            known = 1;
        else if (rc != VG_NOT_FOUND) {
            *err = kerr;
            goto wipe;
        }
    }
    /* Same work whether the id is known or not. */
    vg_sha256(key, strlen(key), digest);
    match = vg_equal_ct(digest, known ? stored : standin, VG_SHA256_LEN);
    rc = VG_AUTH;
    if (!known || !match)
        goto out;
    if ((rc = standing(st, &a, now_us, need, err)) != VG_OK)
        goto wipe;
    *out = a;
    goto wipe;
out:
    rc = vg_error_set(err, VG_AUTH, NULL, GENERIC);
wipe:
    vg_wipe(key, sizeof(key));
    vg_wipe(digest, sizeof(digest));
    vg_wipe(stored, sizeof(stored));
    return rc;
}

json_t *vg_auth_scopes_json(unsigned scopes)
{
    json_t *a = json_array();

    if (scopes & VG_SCOPE_READ)
        json_array_append_new(a, json_string("read"));
    if (scopes & VG_SCOPE_WRITE)
        json_array_append_new(a, json_string("write"));
    if (scopes & VG_SCOPE_ADMIN)
        json_array_append_new(a, json_string("admin"));
    return a;
}
