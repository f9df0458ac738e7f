/* SPDX-License-Identifier: Apache-2.0 */
/*
 * evidence.c - signing key, checkpoints, bundles and verification (see
 * evidence.h and docs/ledger.md).
 *
 * A bundle is one JSON document written by jansson in one canonical form
 * (compact, ASCII only, fields in a fixed order, one final newline).  The
 * verifier re-serialises what it parsed and requires the same bytes, so a
 * change of any byte either changes a value that a hash or a signature
 * covers, or breaks the canonical form: in both cases the bundle fails.
 */
#include "evidence.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "artefact.h"
#include "common/hash.h"
#include "common/vtime.h"
#include "ledger/merkle.h"

#define JSON_FLAGS (JSON_COMPACT | JSON_ENSURE_ASCII)

static void key_path(const char *hub, char *out, size_t cap)
{
    snprintf(out, cap, "%s/ledger.key", hub);
}

/* "vigie/<operator identity id>": the origin and the key name. */
static enum vg_rc origin(struct vg_store *st, char *out, size_t cap, struct vg_error *err)
{
    char name[VG_NAME_MAX];
    struct vg_org org;
    enum vg_rc rc;

    if ((rc = vg_store_meta_get(st, "operator", name, sizeof(name), err)) != VG_OK ||
        (rc = vg_store_org_get(st, name, &org, err)) != VG_OK)
        return rc;
    snprintf(out, cap, "vigie/%s", org.stix_id);
    return VG_OK;
}

static enum vg_rc load_key(const char *hub, struct vg_note_key *key, struct vg_error *err)
{
    char path[4096], buf[512];
    ssize_t n;
    int fd;
    enum vg_rc rc;

    key_path(hub, path, sizeof(path));
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
        return vg_error_set(err, errno == ENOENT ? VG_NOT_FOUND : VG_IO, "key", "%s: %s", path,
                            strerror(errno));
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0) {
        vg_wipe(buf, sizeof(buf));
        return vg_error_set(err, VG_IO, "key", "%s: cannot read", path);
    }
    rc = vg_note_key_parse(buf, (size_t)n, 1, key, err);
    vg_wipe(buf, sizeof(buf));
    return rc;
}

static enum vg_rc save_key(const char *path, const struct vg_note_key *key, struct vg_error *err)
{
    struct vg_buf b;
    enum vg_rc rc = VG_OK;
    int fd;

    vg_buf_init(&b, 0);
    if (vg_note_key_private_text(key, &b) != VG_OK || vg_buf_putc(&b, '\n') != VG_OK) {
        rc = vg_error_set(err, VG_NOMEM, NULL, "out of memory");
        goto out;
    }
    if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0) {
        rc = vg_error_set(err, errno == EEXIST ? VG_CONFLICT : VG_IO, "key", "%s: %s", path,
                          strerror(errno));
        goto out;
    }
    if (write(fd, b.data, b.len) != (ssize_t)b.len || fsync(fd) != 0) {
        rc = vg_error_set(err, VG_IO, "key", "%s: %s", path, strerror(errno));
        close(fd);
        unlink(path);
        goto out;
    }
    close(fd);
out:
    if (b.data)
        vg_wipe(b.data, b.cap);
    vg_buf_cleanup(&b);
    return rc;
}

/* Append the log-key leaf of key and record it as the current key. */
static enum vg_rc introduce(struct vg_store *st, const struct vg_note_key *key, const char *org,
                            struct vg_error *err)
{
    struct vg_leaf leaf;
    uint8_t bytes[VG_LEAF_MAX];
    struct vg_buf vk;
    size_t len;
    enum vg_rc rc;

    vg_buf_init(&vk, 0);
    if (vg_note_key_public_text(key, &vk) != VG_OK) {
        vg_buf_cleanup(&vk);
        return vg_error_set(err, VG_NOMEM, NULL, "out of memory");
    }
    memset(&leaf, 0, sizeof(leaf));
    leaf.action = VG_LEAF_LOG_KEY;
    leaf.time_us = vg_time_now_us();
    leaf.tlp = VG_LEAF_NO_TLP;
    vg_sha256(vk.data, vk.len, leaf.sha256);
    snprintf(leaf.org, sizeof(leaf.org), "%s", org);
    snprintf(leaf.subject, sizeof(leaf.subject), "%s", vk.data);
    rc = vg_leaf_encode(&leaf, bytes, &len, err);
    if (rc == VG_OK)
        rc = vg_store_ledger_append(st, bytes, len, NULL, err);
    if (rc == VG_OK)
        rc = vg_store_meta_set(st, "ledger_key", vk.data, err);
    vg_buf_cleanup(&vk);
    return rc;
}

enum vg_rc vg_evidence_key(struct vg_store *st, const char *hub, struct vg_note_key *key,
                           struct vg_error *err)
{
    char name[VG_NOTE_NAME_MAX], current[512] = "", path[4096];
    struct vg_buf vk;
    enum vg_rc rc;
    int same;

    if ((rc = load_key(hub, key, err)) == VG_OK) {
        /* Fast path: the key in the file is the one the log introduced. */
        vg_buf_init(&vk, 0);
        vg_note_key_public_text(key, &vk);
        same = vg_store_meta_get(st, "ledger_key", current, sizeof(current), NULL) == VG_OK &&
               vk.data && strcmp(current, vk.data) == 0;
        vg_buf_cleanup(&vk);
        if (same)
            return VG_OK;
    } else if (rc != VG_NOT_FOUND) {
        return rc;
    }
    /* Create or introduce, under the write lock (one process does it). */
    if ((rc = vg_store_begin(st, err)) != VG_OK)
        return rc;
    if ((rc = origin(st, name, sizeof(name), err)) != VG_OK)
        goto fail;
    if ((rc = load_key(hub, key, err)) == VG_NOT_FOUND) {
        if ((rc = vg_note_key_generate(name, key, err)) != VG_OK)
            goto fail;
        key_path(hub, path, sizeof(path));
        if ((rc = save_key(path, key, err)) != VG_OK)
            goto fail;
    } else if (rc != VG_OK) {
        goto fail;
    }
    vg_buf_init(&vk, 0);
    vg_note_key_public_text(key, &vk);
    same = vg_store_meta_get(st, "ledger_key", current, sizeof(current), NULL) == VG_OK &&
           vk.data && strcmp(current, vk.data) == 0;
    vg_buf_cleanup(&vk);
    if (!same && (rc = introduce(st, key, name + 6, err)) != VG_OK)
        goto fail;
    return vg_store_commit(st, err);
fail:
    vg_store_rollback(st);
    vg_note_key_wipe(key);
    return rc;
}

enum vg_rc vg_evidence_rotate(struct vg_store *st, const char *hub, struct vg_note_key *key,
                              struct vg_error *err)
{
    struct vg_note_key old;
    char name[VG_NOTE_NAME_MAX], path[4096], retired[4200], tmp[4200];
    enum vg_rc rc;

    if ((rc = vg_evidence_key(st, hub, &old, err)) != VG_OK)
        return rc;
    if ((rc = vg_store_begin(st, err)) != VG_OK)
        goto out;
    if ((rc = origin(st, name, sizeof(name), err)) != VG_OK ||
        (rc = vg_note_key_generate(name, key, err)) != VG_OK)
        goto fail;
    key_path(hub, path, sizeof(path));
    snprintf(tmp, sizeof(tmp), "%s.new", path);
    snprintf(retired, sizeof(retired), "%s.%08x.retired", path, old.id);
    unlink(tmp);
    if ((rc = save_key(tmp, key, err)) != VG_OK ||
        (rc = introduce(st, key, name + 6, err)) != VG_OK)
        goto fail;
    if (rename(path, retired) != 0 || rename(tmp, path) != 0) {
        rc = vg_error_set(err, VG_IO, "key", "%s: %s", path, strerror(errno));
        goto fail;
    }
    rc = vg_store_commit(st, err);
    goto out;
fail:
    vg_store_rollback(st);
    unlink(tmp);
    vg_note_key_wipe(key);
out:
    vg_note_key_wipe(&old);
    return rc;
}

struct latest {
    uint64_t size;
    char *note;
};

static int latest_cb(void *ctx, const struct vg_checkpoint_row *c)
{
    struct latest *l = ctx;

    l->size = c->size;
    free(l->note);
    l->note = strdup(c->note);
    return 0;
}

enum vg_rc vg_evidence_checkpoint(struct vg_store *st, const char *hub, uint64_t min_size,
                                  char **note, struct vg_error *err)
{
    struct vg_note_key key;
    struct vg_checkpoint cp;
    struct latest l = {0, NULL};
    struct vg_buf text, signed_note;
    enum vg_rc rc;

    if ((rc = vg_evidence_key(st, hub, &key, err)) != VG_OK)
        return rc;
    vg_buf_init(&text, 0);
    vg_buf_init(&signed_note, 0);
    memset(&cp, 0, sizeof(cp));
    snprintf(cp.origin, sizeof(cp.origin), "%s", key.name);
    if ((rc = vg_store_ledger_head(st, &cp.size, cp.root, err)) != VG_OK ||
        (rc = vg_store_checkpoint_scan(st, 1, latest_cb, &l, err)) != VG_OK)
        goto out;
    if (min_size > cp.size)
        min_size = cp.size;
    if (l.note && l.size >= min_size) {
        size_t tl;
        struct vg_checkpoint old;

        /* Reuse the latest only if it is by the current key. */
        if (vg_note_open(l.note, strlen(l.note), &key, &tl, NULL) == VG_OK &&
            vg_checkpoint_parse(l.note, tl, &old, NULL) == VG_OK)
            goto done;
    }
    if (vg_checkpoint_text(&cp, &text) != VG_OK) {
        rc = vg_error_set(err, VG_NOMEM, NULL, "out of memory");
        goto out;
    }
    if ((rc = vg_note_sign(&key, text.data, text.len, &signed_note, err)) != VG_OK ||
        (rc = vg_store_checkpoint_put(st, cp.size, signed_note.data, err)) != VG_OK)
        goto out;
    free(l.note);
    l.note = signed_note.data;
    signed_note.data = NULL;
done:
    if (note) {
        *note = l.note;
        l.note = NULL;
    }
out:
    free(l.note);
    vg_buf_cleanup(&text);
    vg_buf_cleanup(&signed_note);
    vg_note_key_wipe(&key);
    return rc;
}

static json_t *b64(const uint8_t *p, size_t n)
{
    struct vg_buf b;
    json_t *s;

    vg_buf_init(&b, 0);
    if (vg_base64_append(&b, p, n) != VG_OK) {
        vg_buf_cleanup(&b);
        return NULL;
    }
    s = json_string(b.data);
    vg_buf_cleanup(&b);
    return s;
}

/* The entry, its proof in the latest checkpoint (issued if older than the
 * entry), the checkpoint and the public key. */
static enum vg_rc inclusion(struct vg_store *st, const char *hub, uint64_t index, uint64_t min_size,
                            int with_object, json_t **out, struct vg_error *err)
{
    uint8_t leaf[VG_LEAF_MAX], path[VG_MERKLE_MAX_PROOF][32];
    size_t len = 0, npath = 0, i;
    char *json = NULL, *note = NULL;
    struct vg_note_key key;
    struct vg_checkpoint cp;
    struct vg_buf vk;
    size_t tl;
    json_t *doc = NULL, *proof;
    enum vg_rc rc;

    vg_buf_init(&vk, 0);
    memset(&key, 0, sizeof(key));
    if ((rc = vg_store_ledger_entry(st, index, leaf, &len, with_object ? &json : NULL, err)) !=
            VG_OK ||
        (rc = vg_evidence_checkpoint(st, hub, min_size > index ? min_size : index + 1, &note,
                                     err)) != VG_OK ||
        (rc = vg_evidence_key(st, hub, &key, err)) != VG_OK)
        goto out;
    if ((rc = vg_note_open(note, strlen(note), &key, &tl, err)) != VG_OK ||
        (rc = vg_checkpoint_parse(note, tl, &cp, err)) != VG_OK)
        goto out;
    if (index >= cp.size) {
        rc = vg_error_set(err, VG_INTERNAL, NULL, "the checkpoint does not cover the entry");
        goto out;
    }
    if ((rc = vg_store_ledger_inclusion(st, index, cp.size, path, &npath, err)) != VG_OK)
        goto out;
    vg_note_key_public_text(&key, &vk);
    proof = json_array();
    for (i = 0; i < npath; i++)
        json_array_append_new(proof, b64(path[i], 32));
    doc = json_object();
    json_object_set_new(doc, "format", json_string(VG_EVIDENCE_FORMAT));
    if (with_object)
        json_object_set_new(doc, "object", json ? json_stringn(json, strlen(json)) : json_null());
    json_object_set_new(doc, "leaf", b64(leaf, len));
    json_object_set_new(doc, "leaf_index", json_integer((json_int_t)index));
    json_object_set_new(doc, "tree_size", json_integer((json_int_t)cp.size));
    json_object_set_new(doc, "inclusion", proof);
    json_object_set_new(doc, "checkpoint", json_string(note));
    json_object_set_new(doc, "public_key", json_string(vk.data ? vk.data : ""));
    *out = doc;
out:
    free(json);
    free(note);
    vg_buf_cleanup(&vk);
    vg_note_key_wipe(&key);
    return rc;
}

enum vg_rc vg_evidence_inclusion_json(struct vg_store *st, const char *hub, uint64_t index,
                                      void **doc, struct vg_error *err)
{
    json_t *d = NULL;
    enum vg_rc rc = inclusion(st, hub, index, 0, 0, &d, err);

    if (rc == VG_OK)
        *doc = d;
    return rc;
}

struct arts {
    struct vg_artefact *v;
    char (*names)[VG_ARTEFACT_NAME_MAX + 1];
    char (*types)[VG_ARTEFACT_TYPE_MAX + 1];
    size_t n, cap;
    uint64_t last; /* the highest entry */
    int oom;
};

static int arts_cb(void *ctx, const struct vg_artefact *a)
{
    struct arts *x = ctx;

    if (x->n == x->cap) {
        size_t cap = x->cap ? 2 * x->cap : 8;
        void *v = realloc(x->v, cap * sizeof(*x->v)), *nm, *ty;

        if (v == NULL)
            return (x->oom = 1);
        x->v = v;
        if ((nm = realloc(x->names, cap * sizeof(*x->names))) == NULL)
            return (x->oom = 1);
        x->names = nm;
        if ((ty = realloc(x->types, cap * sizeof(*x->types))) == NULL)
            return (x->oom = 1);
        x->types = ty;
        x->cap = cap;
    }
    x->v[x->n] = *a;
    snprintf(x->names[x->n], sizeof(x->names[0]), "%s", a->name);
    snprintf(x->types[x->n], sizeof(x->types[0]), "%s", a->media_type);
    x->v[x->n].name = x->names[x->n];
    x->v[x->n].media_type = x->types[x->n];
    x->v[x->n].stix_id = x->v[x->n].key_id = NULL; /* borrowed from the scan: gone */
    if (a->leaf_index > x->last)
        x->last = a->leaf_index;
    x->n++;
    return 0;
}

/* The bundle's "artefacts": each attachment's leaf and its inclusion proof
 * in the bundle's checkpoint (tree of `size` entries). */
static enum vg_rc artefacts_json(struct vg_store *st, const struct arts *x, uint64_t size,
                                 json_t **out, struct vg_error *err)
{
    uint8_t leaf[VG_LEAF_MAX], path[VG_MERKLE_MAX_PROOF][32];
    json_t *arr = json_array(), *proof;
    size_t i, j, len, npath;
    char hex[65];
    enum vg_rc rc;

    for (i = 0; i < x->n; i++) {
        if ((rc = vg_store_ledger_entry(st, x->v[i].leaf_index, leaf, &len, NULL, err)) != VG_OK ||
            (rc = vg_store_ledger_inclusion(st, x->v[i].leaf_index, size, path, &npath, err)) !=
                VG_OK) {
            json_decref(arr);
            return rc;
        }
        proof = json_array();
        for (j = 0; j < npath; j++)
            json_array_append_new(proof, b64(path[j], 32));
        vg_hex(x->v[i].sha256, 32, hex);
        json_array_append_new(arr, json_pack("{s:s, s:I, s:s, s:s, s:o, s:I, s:o}", "sha256", hex,
                                             "size", (json_int_t)x->v[i].size, "name", x->v[i].name,
                                             "media_type", x->v[i].media_type, "leaf",
                                             b64(leaf, len), "leaf_index",
                                             (json_int_t)x->v[i].leaf_index, "inclusion", proof));
    }
    *out = arr;
    return VG_OK;
}

enum vg_rc vg_evidence_bundle(struct vg_store *st, const char *hub, const char *stix_id,
                              int64_t modified_us, const vg_token *tokens, size_t ntokens,
                              struct vg_buf *out, struct vg_error *err)
{
    struct arts x = {NULL, NULL, NULL, 0, 0, 0, 0};
    uint64_t index;
    json_t *doc = NULL, *arr = NULL;
    char *text = NULL;
    enum vg_rc rc;

    /* The artefacts are listed only once the object is known to be
     * visible (ledger_find applies the policy). */
    if ((rc = vg_store_ledger_find(st, stix_id, modified_us, tokens, ntokens, &index, err)) !=
            VG_OK ||
        (rc = vg_store_artefact_scan(st, stix_id, NULL, arts_cb, &x, err)) != VG_OK)
        goto out;
    if (x.oom) {
        rc = vg_error_set(err, VG_NOMEM, NULL, "out of memory");
        goto out;
    }
    if ((rc = inclusion(st, hub, index, x.n ? x.last + 1 : 0, 1, &doc, err)) != VG_OK)
        goto out;
    if (x.n) {
        if ((rc = artefacts_json(st, &x,
                                 (uint64_t)json_integer_value(json_object_get(doc, "tree_size")),
                                 &arr, err)) != VG_OK)
            goto out;
        json_object_set_new(doc, "artefacts", arr);
    }
    text = json_dumps(doc, JSON_FLAGS);
    if (text == NULL || vg_buf_puts(out, text) != VG_OK || vg_buf_putc(out, '\n') != VG_OK)
        rc = vg_error_set(err, VG_NOMEM, NULL, "out of memory");
out:
    free(text);
    json_decref(doc);
    free(x.v);
    free(x.names);
    free(x.types);
    return rc;
}

/* ---- offline verification of a bundle -------------------------------------------------- */

void vg_evidence_report_cleanup(struct vg_evidence_report *r)
{
    vg_buf_cleanup(&r->text);
}

static void say(struct vg_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct vg_buf *b, const char *fmt, ...)
{
    char line[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    vg_buf_puts(b, line);
    vg_buf_putc(b, '\n');
}

static const char *str_field(json_t *doc, const char *name)
{
    return json_string_value(json_object_get(doc, name));
}

/* The bundle's artefacts: each leaf an upload (action 33) to the bundle's
 * object, of the SHA-256 and size listed, included in the signed tree. */
static enum vg_rc verify_artefacts(json_t *arr, struct vg_evidence_report *rep,
                                   struct vg_error *err)
{
    uint8_t raw[VG_LEAF_MAX + 4], lh[32], path[VG_MERKLE_MAX_PROOF][32];
    struct vg_leaf leaf;
    char hex[65], t[VG_TIME_TEXT_MAX];
    json_t *a, *proof, *v;
    size_t i, j;
    long n;

    if (!json_is_array(arr) || json_array_size(arr) == 0)
        return vg_error_set(err, VG_INVALID, "artefacts", "bad artefacts list");
    json_array_foreach(arr, i, a)
    {
        const char *sha = str_field(a, "sha256"), *lb = str_field(a, "leaf");

        v = json_object_get(a, "leaf_index");
        proof = json_object_get(a, "inclusion");
        if (!json_is_object(a) || json_object_size(a) != 7 || sha == NULL || lb == NULL ||
            !json_is_integer(v) || json_integer_value(v) < 0 ||
            !json_is_integer(json_object_get(a, "size")) || str_field(a, "name") == NULL ||
            str_field(a, "media_type") == NULL || !json_is_array(proof) ||
            json_array_size(proof) > VG_MERKLE_MAX_PROOF ||
            (n = vg_base64_decode(lb, strlen(lb), raw, sizeof(raw))) <= 0 ||
            vg_leaf_decode(raw, (size_t)n, &leaf, NULL) != VG_OK)
            return vg_error_set(err, VG_INVALID, "artefacts", "artefact %zu is malformed", i);
        json_array_foreach(proof, j, v)
        {
            const char *h = json_string_value(v);

            if (h == NULL || vg_base64_decode(h, strlen(h), path[j], 32) != 32)
                return vg_error_set(err, VG_INVALID, "artefacts",
                                    "bad hash in the inclusion proof of artefact %zu", i);
        }
        vg_hex(leaf.sha256, 32, hex);
        if (leaf.action != VG_LEAF_ARTEFACT || strcmp(leaf.subject, rep->leaf.subject) != 0 ||
            strcmp(hex, sha) != 0 ||
            (json_int_t)leaf.modified_us != json_integer_value(json_object_get(a, "size")))
            return vg_error_set(err, VG_INVALID, "artefacts",
                                "artefact %zu is not what its leaf records (an upload of that "
                                "SHA-256 and size to this object)",
                                i);
        vg_merkle_leaf_hash(raw, (size_t)n, lh);
        if (!vg_merkle_verify_inclusion(
                lh, (uint64_t)json_integer_value(json_object_get(a, "leaf_index")), rep->cp.size,
                (const uint8_t(*)[32])path, json_array_size(proof), rep->cp.root))
            return vg_error_set(err, VG_INVALID, "artefacts",
                                "artefact %zu is not in the signed tree: the proof does not verify",
                                i);
        vg_time_format_us(leaf.time_us, t);
        say(&rep->text,
            "ok: artefact %s (%lld bytes) was attached to %s at %s by %s, key %s (entry %lld)", sha,
            (long long)leaf.modified_us, leaf.subject, t, leaf.org,
            leaf.key_id[0] ? leaf.key_id : "-",
            (long long)json_integer_value(json_object_get(a, "leaf_index")));
    }
    return VG_OK;
}

enum vg_rc vg_evidence_verify_bundle(const char *data, size_t len, const struct vg_note_key *pinned,
                                     struct vg_evidence_report *rep, struct vg_error *err)
{
    json_t *doc = NULL, *proof, *v;
    json_error_t jerr;
    char *again = NULL, t[VG_TIME_TEXT_MAX], m[VG_TIME_TEXT_MAX], hex[65];
    const char *s;
    struct vg_note_key key;
    uint8_t leaf[VG_LEAF_MAX + 4], lh[32], path[VG_MERKLE_MAX_PROOF][32], h[32];
    size_t npath = 0, i, tl;
    long n;
    enum vg_rc rc = VG_INVALID;

    memset(rep, 0, sizeof(*rep));
    vg_buf_init(&rep->text, 0);
    memset(&key, 0, sizeof(key));
    if ((doc = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr)) == NULL ||
        !json_is_object(doc)) {
        vg_error_set(err, VG_INVALID, "bundle", "not an evidence bundle (JSON: %s)", jerr.text);
        goto fail;
    }
    if ((again = json_dumps(doc, JSON_FLAGS)) == NULL || strlen(again) + 1 != len ||
        memcmp(again, data, len - 1) != 0 || data[len - 1] != '\n') {
        vg_error_set(err, VG_INVALID, "bundle",
                     "the bundle is not in its canonical form: it was altered after it was made");
        goto fail;
    }
    if ((s = str_field(doc, "format")) == NULL || strcmp(s, VG_EVIDENCE_FORMAT) != 0 ||
        json_object_size(doc) != (json_object_get(doc, "artefacts") ? 9u : 8u)) {
        vg_error_set(err, VG_INVALID, "format", "not a %s bundle", VG_EVIDENCE_FORMAT);
        goto fail;
    }
    say(&rep->text, "ok: the bundle is well-formed and in its canonical form");
    /* 1. the key */
    if ((s = str_field(doc, "public_key")) == NULL ||
        (rc = vg_note_key_parse(s, strlen(s), 0, &key, err)) != VG_OK) {
        rc = VG_INVALID;
        goto fail;
    }
    snprintf(rep->key, sizeof(rep->key), "%s", s);
    if (pinned && (pinned->id != key.id || strcmp(pinned->name, key.name) != 0 ||
                   memcmp(pinned->pub, key.pub, 32) != 0)) {
        rc = vg_error_set(err, VG_AUTH, "public_key",
                          "the bundle names the key %s+%08x, not the key you gave (%s+%08x)",
                          key.name, key.id, pinned->name, pinned->id);
        goto fail;
    }
    /* 2. the checkpoint */
    if ((s = str_field(doc, "checkpoint")) == NULL) {
        vg_error_set(err, VG_INVALID, "checkpoint", "no checkpoint");
        goto fail;
    }
    if ((rc = vg_note_open(s, strlen(s), &key, &tl, err)) != VG_OK ||
        (rc = vg_checkpoint_parse(s, tl, &rep->cp, err)) != VG_OK)
        goto fail;
    if (strcmp(rep->cp.origin, key.name) != 0) {
        rc =
            vg_error_set(err, VG_INVALID, "checkpoint", "the checkpoint's origin is not the key's");
        goto fail;
    }
    say(&rep->text, "ok: the checkpoint is signed by %s (%s key: %s)", key.name,
        pinned ? "the pinned" : "the bundle's own; pin it with --key to trust it", rep->key);
    say(&rep->text, "ok: the signed tree holds %llu entries", (unsigned long long)rep->cp.size);
    rc = VG_INVALID;
    /* 3. the leaf and its proof */
    v = json_object_get(doc, "tree_size");
    if (!json_is_integer(v) || (uint64_t)json_integer_value(v) != rep->cp.size) {
        vg_error_set(err, VG_INVALID, "tree_size", "tree_size is not the checkpoint's");
        goto fail;
    }
    v = json_object_get(doc, "leaf_index");
    if (!json_is_integer(v) || json_integer_value(v) < 0) {
        vg_error_set(err, VG_INVALID, "leaf_index", "bad leaf_index");
        goto fail;
    }
    rep->index = (uint64_t)json_integer_value(v);
    if ((s = str_field(doc, "leaf")) == NULL ||
        (n = vg_base64_decode(s, strlen(s), leaf, sizeof(leaf))) <= 0 ||
        vg_leaf_decode(leaf, (size_t)n, &rep->leaf, err) != VG_OK) {
        vg_error_set(err, VG_INVALID, "leaf", "the leaf is not a ledger leaf");
        goto fail;
    }
    proof = json_object_get(doc, "inclusion");
    if (!json_is_array(proof) || json_array_size(proof) > VG_MERKLE_MAX_PROOF) {
        vg_error_set(err, VG_INVALID, "inclusion", "bad inclusion proof");
        goto fail;
    }
    json_array_foreach(proof, i, v)
    {
        if ((s = json_string_value(v)) == NULL ||
            vg_base64_decode(s, strlen(s), path[i], 32) != 32) {
            vg_error_set(err, VG_INVALID, "inclusion", "bad hash in the inclusion proof");
            goto fail;
        }
    }
    npath = json_array_size(proof);
    vg_merkle_leaf_hash(leaf, (size_t)n, lh);
    if (!vg_merkle_verify_inclusion(lh, rep->index, rep->cp.size, (const uint8_t(*)[32])path, npath,
                                    rep->cp.root)) {
        vg_error_set(err, VG_INVALID, "inclusion",
                     "the leaf is not entry %llu of the signed tree: the proof does not verify",
                     (unsigned long long)rep->index);
        goto fail;
    }
    say(&rep->text, "ok: the leaf is entry %llu of that tree (inclusion proof of %zu hashes)",
        (unsigned long long)rep->index, npath);
    vg_time_format_us(rep->leaf.time_us, t);
    vg_time_format_us(rep->leaf.modified_us, m);
    vg_hex(rep->leaf.sha256, 32, hex);
    say(&rep->text,
        "ok: the entry records: %s, event %llu at %s, contributor %s, key %s, object %s "
        "modified %s, TLP %u, %zu audience tokens, SHA-256 %s",
        vg_leaf_action_name(rep->leaf.action), (unsigned long long)rep->leaf.seq, t,
        rep->leaf.org[0] ? rep->leaf.org : "-", rep->leaf.key_id[0] ? rep->leaf.key_id : "-",
        rep->leaf.subject, m, rep->leaf.tlp, rep->leaf.naud, hex);
    /* 4. the object */
    v = json_object_get(doc, "object");
    if (json_is_string(v)) {
        vg_sha256(json_string_value(v), json_string_length(v), h);
        if (memcmp(h, rep->leaf.sha256, 32) != 0) {
            vg_error_set(err, VG_INVALID, "object",
                         "the object is not the one recorded: its SHA-256 differs from the leaf's");
            goto fail;
        }
        say(&rep->text, "ok: the object in the bundle is, byte for byte, the one recorded");
    } else if (!json_is_null(v) || rep->leaf.action < VG_LEAF_LOG_KEY) {
        vg_error_set(err, VG_INVALID, "object", "the bundle does not hold the object");
        goto fail;
    }
    /* 5. the artefacts attached to it, each in the same signed tree */
    if ((v = json_object_get(doc, "artefacts")) != NULL &&
        (rc = verify_artefacts(v, rep, err)) != VG_OK)
        goto fail;
    rc = VG_INVALID;
    rc = VG_OK;
    goto out;
fail:
    if (rc == VG_OK)
        rc = VG_INVALID;
    if (err)
        say(&rep->text, "FAILED: %s", err->msg);
out:
    free(again);
    json_decref(doc);
    vg_note_key_wipe(&key);
    return rc;
}

/* ---- a whole hub ----------------------------------------------------------------------- */

void vg_hub_report_cleanup(struct vg_hub_report *r)
{
    vg_buf_cleanup(&r->text);
}

struct cps {
    struct {
        uint64_t size;
        char *note;
    } * v;
    size_t n, cap, next;
};

static int cps_cb(void *ctx, const struct vg_checkpoint_row *c)
{
    struct cps *l = ctx;

    if (l->n == l->cap) {
        size_t ncap = l->cap ? 2 * l->cap : 16;
        void *p = realloc(l->v, ncap * sizeof(l->v[0]));
        if (p == NULL)
            return 1;
        l->v = p;
        l->cap = ncap;
    }
    l->v[l->n].size = c->size;
    if ((l->v[l->n].note = strdup(c->note)) == NULL)
        return 1;
    l->n++;
    return 0;
}

static int cmp_cp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

struct walk {
    struct vg_merkle_frontier f;
    struct cps cps;
    struct vg_note_key keys[16];
    size_t nkeys;
    struct vg_checkpoint first_at[1]; /* unused */
    struct vg_hub_report *rep;
    struct vg_error *err;
    int failed;
    uint64_t checked;
    uint64_t artefacts; /* artefact entries in the log */
    struct vg_checkpoint seen[64];
    size_t nseen;
};

/* Check every stored checkpoint of the size the walk has reached (the
 * root is computed only when one is due: O(log n) hashes, not per leaf). */
static int check_cps(struct walk *w)
{
    uint8_t root[32];

    if (w->cps.next < w->cps.n && w->cps.v[w->cps.next].size <= w->f.size)
        vg_merkle_root(&w->f, root);
    while (w->cps.next < w->cps.n && w->cps.v[w->cps.next].size <= w->f.size) {
        const char *note = w->cps.v[w->cps.next].note;
        struct vg_checkpoint cp;
        size_t k;
        int ok = 0;

        for (k = 0; k < w->nkeys && !ok; k++)
            ok = vg_checkpoint_open(note, strlen(note), &w->keys[k], &cp, NULL) == VG_OK;
        if (!ok) {
            vg_error_set(w->err, VG_STORAGE, "checkpoint",
                         "stored checkpoint %zu (size %llu) is not signed by a key of the log",
                         w->cps.next + 1, (unsigned long long)w->cps.v[w->cps.next].size);
            return -1;
        }
        if (cp.size != w->f.size || memcmp(cp.root, root, 32) != 0) {
            w->rep->diverges = 1;
            w->rep->first_divergent = cp.size ? cp.size - 1 : 0;
            vg_error_set(w->err, VG_STORAGE, "ledger",
                         "the tree of the first %llu entries is not the one the checkpoint signed: "
                         "entries up to %llu were altered, removed, inserted or reordered",
                         (unsigned long long)cp.size, (unsigned long long)cp.size);
            return -1;
        }
        for (k = 0; k < w->nseen; k++) {
            if (vg_checkpoint_equivocates(&w->seen[k], &cp)) {
                vg_error_set(w->err, VG_STORAGE, "checkpoint",
                             "equivocation: two signed checkpoints of size %llu differ",
                             (unsigned long long)cp.size);
                return -1;
            }
        }
        if (w->nseen < sizeof(w->seen) / sizeof(w->seen[0]))
            w->seen[w->nseen++] = cp;
        w->checked++;
        w->cps.next++;
    }
    return 0;
}

static int walk_cb(void *ctx, const struct vg_ledger_entry *e)
{
    struct walk *w = ctx;
    struct vg_leaf leaf;
    uint8_t h[32];

    if (e->problem) {
        w->rep->diverges = 1;
        w->rep->first_divergent = e->index;
        vg_error_set(w->err, VG_STORAGE, "ledger", "entry %llu: %s", (unsigned long long)e->index,
                     e->problem);
        w->failed = 1;
        return 1;
    }
    vg_merkle_leaf_hash(e->leaf, e->leaf_len, h);
    if (memcmp(h, e->hash, 32) != 0) {
        w->rep->diverges = 1;
        w->rep->first_divergent = e->index;
        vg_error_set(w->err, VG_STORAGE, "ledger",
                     "entry %llu (object row %lld) no longer matches the ledger: the stored rows "
                     "were altered after it was recorded",
                     (unsigned long long)e->index, (long long)e->object_rowid);
        w->failed = 1;
        return 1;
    }
    /* A leaf that matches its hash is what was recorded; only the log's
     * keys need decoding (leaf[1] is the action); artefact entries are
     * counted, and each checked against its row and file afterwards. */
    if (e->leaf_len > 1 && e->leaf[1] == VG_LEAF_ARTEFACT)
        w->artefacts++;
    if (e->leaf_len > 1 && e->leaf[1] == VG_LEAF_LOG_KEY &&
        w->nkeys < sizeof(w->keys) / sizeof(w->keys[0]) &&
        vg_leaf_decode(e->leaf, e->leaf_len, &leaf, NULL) == VG_OK &&
        vg_note_key_parse(leaf.subject, strlen(leaf.subject), 0, &w->keys[w->nkeys], NULL) == VG_OK)
        w->nkeys++;
    if (e->block_root) { /* the block root proofs are made from: the tree's own? */
        uint8_t cur[32];
        unsigned k;

        memcpy(cur, h, 32);
        for (k = 0; k < 10; k++)
            vg_merkle_node_hash(w->f.nodes[k], cur, cur);
        if (memcmp(cur, e->block_root, 32) != 0) {
            w->rep->diverges = 1;
            w->rep->first_divergent = e->index - 1023;
            vg_error_set(w->err, VG_STORAGE, "ledger",
                         "the stored root of entries %llu-%llu (used for proofs) is not the root "
                         "of those entries: altered",
                         (unsigned long long)(e->index - 1023), (unsigned long long)e->index);
            w->failed = 1;
            return 1;
        }
    }
    vg_merkle_append(&w->f, h);
    if (check_cps(w) != 0) {
        w->failed = 1;
        return 1;
    }
    return 0;
}

enum vg_rc vg_evidence_verify_hub(struct vg_store *st, const char *hub, struct vg_hub_report *rep,
                                  struct vg_error *err)
{
    struct walk *w = calloc(1, sizeof(*w));
    uint8_t head_root[32];
    uint64_t head_size;
    enum vg_rc rc;
    size_t i;
    char hex[65];

    memset(rep, 0, sizeof(*rep));
    vg_buf_init(&rep->text, 0);
    if (w == NULL)
        return vg_error_set(err, VG_NOMEM, NULL, "out of memory");
    vg_merkle_frontier_init(&w->f);
    w->rep = rep;
    w->err = err;
    if ((rc = vg_store_checkpoint_scan(st, 0, cps_cb, &w->cps, err)) != VG_OK)
        goto out;
    /* By size; equal sizes keep their order (qsort is not stable, but
     * equal sizes must have equal roots anyway). */
    qsort(w->cps.v, w->cps.n, sizeof(w->cps.v[0]), cmp_cp);
    if ((rc = check_cps(w)) != 0) { /* checkpoints of the empty tree */
        rc = VG_STORAGE;
        goto out;
    }
    if ((rc = vg_store_ledger_scan(st, walk_cb, w, err)) != VG_OK)
        goto out;
    if (w->failed) {
        rc = VG_STORAGE;
        goto out;
    }
    rep->entries = w->f.size;
    vg_merkle_root(&w->f, rep->root);
    if (w->cps.next < w->cps.n) {
        rep->diverges = 1;
        rep->first_divergent = w->f.size;
        rc = vg_error_set(err, VG_STORAGE, "ledger",
                          "the ledger holds %llu entries but a checkpoint signed %llu: entries "
                          "from %llu on were removed (truncated)",
                          (unsigned long long)w->f.size,
                          (unsigned long long)w->cps.v[w->cps.n - 1].size,
                          (unsigned long long)w->f.size);
        goto out;
    }
    if ((rc = vg_store_ledger_head(st, &head_size, head_root, err)) != VG_OK)
        goto out;
    if (head_size != w->f.size || memcmp(head_root, rep->root, 32) != 0) {
        rep->diverges = 1;
        rep->first_divergent = head_size < w->f.size ? head_size : w->f.size;
        rc = vg_error_set(err, VG_STORAGE, "ledger",
                          "the ledger's recorded head (%llu entries) is not the tree of its "
                          "entries (%llu)",
                          (unsigned long long)head_size, (unsigned long long)w->f.size);
        goto out;
    }
    if ((rc = vg_artefact_verify(st, hub, &rep->artefacts, err)) != VG_OK) {
        rep->diverges = 1;
        goto out;
    }
    if (rep->artefacts != w->artefacts) {
        rep->diverges = 1;
        rc = vg_error_set(err, VG_STORAGE, "artefact",
                          "the ledger records %llu artefact uploads but the store holds %llu: "
                          "artefacts were removed or added outside the hub",
                          (unsigned long long)w->artefacts, (unsigned long long)rep->artefacts);
        goto out;
    }
    rep->checkpoints = w->checked;
    vg_hex(rep->root, 32, hex);
    say(&rep->text, "ok: %llu entries recomputed from the stored rows match the ledger",
        (unsigned long long)rep->entries);
    say(&rep->text, "ok: %llu stored checkpoints are signed by the log's keys and match the tree",
        (unsigned long long)rep->checkpoints);
    say(&rep->text, "ok: %llu artefacts match their entries and, re-hashed, their files",
        (unsigned long long)rep->artefacts);
    say(&rep->text, "ok: root %s", hex);
    rc = VG_OK;
out:
    for (i = 0; i < w->cps.n; i++)
        free(w->cps.v[i].note);
    free(w->cps.v);
    free(w);
    return rc;
}
