/* SPDX-License-Identifier: Apache-2.0 */
/*
 * note.c - C2SP signed notes, tlog checkpoints and Ed25519 keys (note.h).
 *
 * Base64 goes through OpenSSL's EVP_EncodeBlock/EVP_DecodeBlock; because the
 * decoder tolerates non-canonical input, every decoded value is re-encoded
 * and compared with what was read, so that one value has one text.  A note
 * is split at its last "\n\n" (as Go's note.Open does); its signature lines
 * are parsed one by one and the first one that names the verifier's key
 * decides.
 */
#include "note.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "common/hash.h"

static const char em_dash[] = "\xe2\x80\x94 ";

/* The first "\n\n" in p[0..n), or NULL. */
static const char *blank_line(const char *p, size_t n)
{
    const char *q;

    while (n >= 2 && (q = memchr(p, '\n', n - 1)) != NULL) {
        if (q[1] == '\n')
            return q;
        n -= (size_t)(q + 1 - p);
        p = q + 1;
    }
    return NULL;
}

enum vg_rc vg_base64_append(struct vg_buf *b, const uint8_t *p, size_t n)
{
    size_t need = 4 * ((n + 2) / 3) + 1;
    enum vg_rc rc;

    if ((rc = vg_buf_reserve(b, need)) != VG_OK)
        return rc;
    b->len += (size_t)EVP_EncodeBlock((unsigned char *)b->data + b->len, p, (int)n);
    b->data[b->len] = '\0';
    return VG_OK;
}

long vg_base64_decode(const char *s, size_t len, uint8_t *out, size_t cap)
{
    uint8_t tmp[512];
    char again[700];
    size_t n, pad = 0;
    int r;

    if (len == 0 || len % 4 != 0 || len > 680)
        return -1;
    if (s[len - 1] == '=')
        pad++;
    if (s[len - 2] == '=')
        pad++;
    r = EVP_DecodeBlock(tmp, (const unsigned char *)s, (int)len);
    if (r < 0 || (size_t)r < pad)
        return -1;
    n = (size_t)r - pad;
    if (n > cap)
        return -1;
    /* Canonical only: the same bytes must encode back to the same text. */
    if ((size_t)EVP_EncodeBlock((unsigned char *)again, tmp, (int)n) != len ||
        memcmp(again, s, len) != 0)
        return -1;
    memcpy(out, tmp, n);
    vg_wipe(tmp, sizeof(tmp));
    return (long)n;
}

static uint32_t key_id(const char *name, const uint8_t pub[32])
{
    uint8_t buf[VG_NOTE_NAME_MAX + 34], h[32];
    size_t n = strlen(name);

    memcpy(buf, name, n);
    buf[n] = '\n';
    buf[n + 1] = 0x01;
    memcpy(buf + n + 2, pub, 32);
    vg_sha256(buf, n + 34, h);
    return (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
}

/* A key name: 1..127 bytes of UTF-8 text without spaces or '+'. */
static int valid_name(const char *s, size_t n)
{
    size_t i;

    if (n == 0 || n >= VG_NOTE_NAME_MAX)
        return 0;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c == '+' || c == 0x7f)
            return 0;
    }
    return 1;
}

enum vg_rc vg_note_key_generate(const char *name, struct vg_note_key *out, struct vg_error *err)
{
    EVP_PKEY *pk = NULL;
    size_t publen = 32, seedlen = 32;
    enum vg_rc rc = VG_INTERNAL;

    if (!valid_name(name, strlen(name)))
        return vg_error_set(err, VG_INVALID, "name", "'%s' is not a valid key name", name);
    memset(out, 0, sizeof(*out));
    if ((pk = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")) == NULL ||
        EVP_PKEY_get_raw_public_key(pk, out->pub, &publen) != 1 ||
        EVP_PKEY_get_raw_private_key(pk, out->seed, &seedlen) != 1 || publen != 32 ||
        seedlen != 32) {
        vg_note_key_wipe(out);
        vg_error_set(err, rc, NULL, "cannot generate an Ed25519 key");
        goto out;
    }
    snprintf(out->name, sizeof(out->name), "%s", name);
    out->has_seed = 1;
    out->id = key_id(out->name, out->pub);
    rc = VG_OK;
out:
    EVP_PKEY_free(pk);
    return rc;
}

enum vg_rc vg_note_key_from_seed(const char *name, const uint8_t seed[32], struct vg_note_key *out,
                                 struct vg_error *err)
{
    EVP_PKEY *pk;
    size_t publen = 32;

    if (!valid_name(name, strlen(name)))
        return vg_error_set(err, VG_INVALID, "name", "'%s' is not a valid key name", name);
    memset(out, 0, sizeof(*out));
    pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
    if (pk == NULL || EVP_PKEY_get_raw_public_key(pk, out->pub, &publen) != 1) {
        EVP_PKEY_free(pk);
        return vg_error_set(err, VG_INTERNAL, NULL, "cannot make an Ed25519 key");
    }
    EVP_PKEY_free(pk);
    snprintf(out->name, sizeof(out->name), "%s", name);
    memcpy(out->seed, seed, 32);
    out->has_seed = 1;
    out->id = key_id(out->name, out->pub);
    return VG_OK;
}

void vg_note_key_wipe(struct vg_note_key *key)
{
    if (key)
        vg_wipe(key, sizeof(*key));
}

static enum vg_rc key_text(const struct vg_note_key *key, const uint8_t *raw, const char *prefix,
                           struct vg_buf *b)
{
    uint8_t blob[33];
    enum vg_rc rc;

    blob[0] = 0x01;
    memcpy(blob + 1, raw, 32);
    rc = vg_buf_printf(b, "%s%s+%08x+", prefix, key->name, key->id);
    if (rc == VG_OK)
        rc = vg_base64_append(b, blob, sizeof(blob));
    vg_wipe(blob, sizeof(blob));
    return rc;
}

enum vg_rc vg_note_key_public_text(const struct vg_note_key *key, struct vg_buf *b)
{
    return key_text(key, key->pub, "", b);
}

enum vg_rc vg_note_key_private_text(const struct vg_note_key *key, struct vg_buf *b)
{
    if (!key->has_seed)
        return VG_INVALID;
    return key_text(key, key->seed, "PRIVATE+KEY+", b);
}

enum vg_rc vg_note_key_parse(const char *text, size_t len, int private, struct vg_note_key *out,
                             struct vg_error *err)
{
    struct vg_note_key k;
    const char *p = text, *end, *plus1, *plus2;
    uint8_t blob[33];
    unsigned long id;
    char hex[9], *stop;
    enum vg_rc rc = VG_INVALID;

    memset(&k, 0, sizeof(k));
    if (len > 0 && text[len - 1] == '\n')
        len--;
    end = text + len;
    if (private) {
        if (len < 12 || memcmp(p, "PRIVATE+KEY+", 12) != 0)
            goto bad;
        p += 12;
    }
    if ((plus1 = memchr(p, '+', (size_t)(end - p))) == NULL || !valid_name(p, (size_t)(plus1 - p)))
        goto bad;
    memcpy(k.name, p, (size_t)(plus1 - p));
    plus2 = plus1 + 1;
    if (end - plus2 < 9 || plus2[8] != '+')
        goto bad;
    memcpy(hex, plus2, 8);
    hex[8] = '\0';
    if (strspn(hex, "0123456789abcdef") != 8)
        goto bad;
    id = strtoul(hex, &stop, 16);
    if (vg_base64_decode(plus2 + 9, (size_t)(end - plus2 - 9), blob, sizeof(blob)) != 33 ||
        blob[0] != 0x01)
        goto bad;
    if (private) {
        EVP_PKEY *pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, blob + 1, 32);
        size_t publen = 32;

        memcpy(k.seed, blob + 1, 32);
        k.has_seed = 1;
        if (pk == NULL || EVP_PKEY_get_raw_public_key(pk, k.pub, &publen) != 1) {
            EVP_PKEY_free(pk);
            goto bad;
        }
        EVP_PKEY_free(pk);
    } else {
        memcpy(k.pub, blob + 1, 32);
    }
    k.id = key_id(k.name, k.pub);
    if (k.id != (uint32_t)id) {
        vg_error_set(err, VG_INVALID, "key", "the key id %s does not match the key", hex);
        goto out;
    }
    *out = k;
    rc = VG_OK;
    goto out;
bad:
    vg_error_set(err, VG_INVALID, "key", "not a %s key (name+id+base64)",
                 private ? "signer" : "verifier");
out:
    vg_wipe(blob, sizeof(blob));
    vg_wipe(&k, sizeof(k));
    return rc;
}

enum vg_rc vg_note_sign(const struct vg_note_key *key, const char *text, size_t len,
                        struct vg_buf *b, struct vg_error *err)
{
    EVP_PKEY *pk = NULL;
    EVP_MD_CTX *ctx = NULL;
    uint8_t sig[4 + 64];
    size_t siglen = 64;
    enum vg_rc rc = VG_INTERNAL;

    if (!key->has_seed)
        return vg_error_set(err, VG_INVALID, "key", "no private key to sign with");
    if (len == 0 || text[len - 1] != '\n' || blank_line(text, len) != NULL ||
        memchr(text, 0, len) != NULL)
        return vg_error_set(err, VG_INVALID, "note", "a note text ends in one newline");
    if ((pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, key->seed, 32)) == NULL ||
        (ctx = EVP_MD_CTX_new()) == NULL || EVP_DigestSignInit(ctx, NULL, NULL, NULL, pk) != 1 ||
        EVP_DigestSign(ctx, sig + 4, &siglen, (const unsigned char *)text, len) != 1 ||
        siglen != 64) {
        vg_error_set(err, rc, NULL, "Ed25519 signing failed");
        goto out;
    }
    sig[0] = (uint8_t)(key->id >> 24);
    sig[1] = (uint8_t)(key->id >> 16);
    sig[2] = (uint8_t)(key->id >> 8);
    sig[3] = (uint8_t)key->id;
    rc = vg_buf_append(b, text, len);
    if (rc == VG_OK)
        rc = vg_buf_printf(b, "\n%s%s ", em_dash, key->name);
    if (rc == VG_OK)
        rc = vg_base64_append(b, sig, sizeof(sig));
    if (rc == VG_OK)
        rc = vg_buf_putc(b, '\n');
    if (rc != VG_OK)
        vg_error_set(err, rc, NULL, "out of memory");
out:
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(pk);
    return rc;
}

static int ed25519_verify(const uint8_t pub[32], const char *msg, size_t len, const uint8_t *sig)
{
    EVP_PKEY *pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, 32);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = 0;

    if (pk && ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pk) == 1)
        ok = EVP_DigestVerify(ctx, sig, 64, (const unsigned char *)msg, len) == 1;
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(pk);
    return ok;
}

enum vg_rc vg_note_open(const char *note, size_t len, const struct vg_note_key *key,
                        size_t *text_len, struct vg_error *err)
{
    const char *sep = NULL, *p, *end = note + len, *q;
    size_t i, nsigs = 0;

    if (len == 0 || len > VG_NOTE_MAX || note[len - 1] != '\n')
        goto bad;
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)note[i];
        if (c < 0x20 && c != '\n')
            goto bad;
        if (c == 0x7f)
            goto bad;
    }
    for (p = note; (q = blank_line(p, (size_t)(end - p))) != NULL; p = q + 1)
        sep = q;
    if (sep == NULL)
        goto bad;
    /* The signature block: lines "— name base64\n", at least one. */
    for (p = sep + 2; p < end; nsigs++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p)), *name, *sp;
        uint8_t sig[4 + 64 + 4];
        long n;
        uint32_t id;

        if (nl == NULL || nsigs == VG_NOTE_SIGS_MAX || (size_t)(nl - p) < sizeof(em_dash) ||
            memcmp(p, em_dash, sizeof(em_dash) - 1) != 0)
            goto bad;
        name = p + sizeof(em_dash) - 1;
        if ((sp = memchr(name, ' ', (size_t)(nl - name))) == NULL ||
            !valid_name(name, (size_t)(sp - name)))
            goto bad;
        n = vg_base64_decode(sp + 1, (size_t)(nl - sp - 1), sig, sizeof(sig));
        if (n < 5)
            goto bad;
        id = (uint32_t)sig[0] << 24 | (uint32_t)sig[1] << 16 | (uint32_t)sig[2] << 8 | sig[3];
        if (key && id == key->id && strlen(key->name) == (size_t)(sp - name) &&
            memcmp(key->name, name, (size_t)(sp - name)) == 0) {
            if (n != 68 || !ed25519_verify(key->pub, note, (size_t)(sep + 1 - note), sig + 4))
                return vg_error_set(err, VG_AUTH, "signature",
                                    "the signature by %s does not verify: the note was altered "
                                    "or not signed by this key",
                                    key->name);
            *text_len = (size_t)(sep + 1 - note);
            return VG_OK;
        }
        p = nl + 1;
    }
    return vg_error_set(err, VG_AUTH, "signature", "no signature by the key %s+%08x",
                        key ? key->name : "(none)", key ? key->id : 0);
bad:
    return vg_error_set(err, VG_INVALID, "note", "not a well-formed signed note");
}

enum vg_rc vg_checkpoint_text(const struct vg_checkpoint *cp, struct vg_buf *b)
{
    enum vg_rc rc = vg_buf_printf(b, "%s\n%llu\n", cp->origin, (unsigned long long)cp->size);

    if (rc == VG_OK)
        rc = vg_base64_append(b, cp->root, 32);
    if (rc == VG_OK)
        rc = vg_buf_putc(b, '\n');
    return rc;
}

enum vg_rc vg_checkpoint_parse(const char *text, size_t len, struct vg_checkpoint *out,
                               struct vg_error *err)
{
    struct vg_checkpoint cp;
    const char *p = text, *end = text + len, *nl;
    uint64_t size = 0;

    memset(&cp, 0, sizeof(cp));
    if (len == 0 || text[len - 1] != '\n')
        goto bad;
    /* origin */
    nl = memchr(p, '\n', (size_t)(end - p));
    if (nl == p || (size_t)(nl - p) >= sizeof(cp.origin) || memchr(p, 0, (size_t)(nl - p)))
        goto bad;
    memcpy(cp.origin, p, (size_t)(nl - p));
    p = nl + 1;
    /* size: decimal, no sign, no leading zero */
    if (p >= end || (nl = memchr(p, '\n', (size_t)(end - p))) == NULL || nl == p ||
        (nl - p > 1 && *p == '0') || nl - p > 20)
        goto bad;
    for (; p < nl; p++) {
        if (*p < '0' || *p > '9' || size > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
            goto bad;
        size = size * 10 + (uint64_t)(*p - '0');
    }
    cp.size = size;
    p = nl + 1;
    /* root hash */
    if (p >= end || (nl = memchr(p, '\n', (size_t)(end - p))) == NULL ||
        vg_base64_decode(p, (size_t)(nl - p), cp.root, sizeof(cp.root)) != 32)
        goto bad;
    /* Extension lines are allowed by the format; Vigie writes none, and
     * accepts only non-empty ones. */
    for (p = nl + 1; p < end; p = nl + 1) {
        nl = memchr(p, '\n', (size_t)(end - p));
        if (nl == p)
            goto bad;
    }
    *out = cp;
    return VG_OK;
bad:
    return vg_error_set(err, VG_INVALID, "checkpoint",
                        "not a checkpoint (origin, tree size, base64 root hash)");
}

enum vg_rc vg_checkpoint_open(const char *note, size_t len, const struct vg_note_key *key,
                              struct vg_checkpoint *out, struct vg_error *err)
{
    size_t text_len = 0;
    enum vg_rc rc;

    if ((rc = vg_note_open(note, len, key, &text_len, err)) != VG_OK)
        return rc;
    return vg_checkpoint_parse(note, text_len, out, err);
}

int vg_checkpoint_equivocates(const struct vg_checkpoint *a, const struct vg_checkpoint *b)
{
    return strcmp(a->origin, b->origin) == 0 && a->size == b->size &&
           memcmp(a->root, b->root, 32) != 0;
}
