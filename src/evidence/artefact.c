/* SPDX-License-Identifier: Apache-2.0 */
/*
 * artefact.c - files attached to objects (see artefact.h and
 * docs/ledger.md).
 *
 * Writing: the bytes are hashed, written to a temporary file in their
 * directory, fsync'd, renamed to their hash and the directory fsync'd,
 * before the transaction that attaches them commits; so an attachment that
 * was acknowledged always has its file.  A crash between the two leaves a
 * file that nothing names: harmless (content-addressed, never served
 * without a row), and reused by the next upload of the same bytes.
 *
 * Reading: the file is found by the hash only, after the store says that
 * an object the requester may see holds it; a client's string never
 * becomes part of a path.
 */
#include "artefact.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "common/hash.h"
#include "common/vtime.h"
#include "ledger/leaf.h"

void vg_artefact_path(const char *hub, const uint8_t sha256[32], char *out, size_t cap)
{
    char hex[65];

    vg_hex(sha256, 32, hex);
    snprintf(out, cap, "%s/artefacts/%.2s/%s", hub, hex, hex + 2);
}

void vg_artefact_sanitise_name(const char *in, char *out, size_t cap)
{
    const char *p, *base = in ? in : "";
    size_t n = 0;

    for (p = base; *p; p++)
        if (*p == '/' || *p == '\\')
            base = p + 1;
    while (*base == '.')
        base++;
    if (cap > VG_ARTEFACT_NAME_MAX + 1)
        cap = VG_ARTEFACT_NAME_MAX + 1;
    for (p = base; *p && n + 1 < cap; p++) {
        unsigned char c = (unsigned char)*p;

        out[n++] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                           c == '.' || c == '_' || c == '-' || c == '+'
                       ? (char)c
                       : '_';
    }
    out[n] = '\0';
}

/* An RFC 9110 token byte. */
static int tchar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

void vg_artefact_sanitise_type(const char *in, char *out, size_t cap)
{
    const char *p = in ? in : "";
    size_t n = strlen(p), slash = 0, i;
    int ok = n > 2 && n <= VG_ARTEFACT_TYPE_MAX && n < cap;

    for (i = 0; ok && i < n; i++) {
        if (p[i] == '/' && slash == 0 && i > 0 && i + 1 < n)
            slash = i;
        else if (p[i] == '\0' || !tchar((unsigned char)p[i]))
            ok = 0;
    }
    snprintf(out, cap, "%s", ok && slash ? p : "application/octet-stream");
}

/* ---- files -------------------------------------------------------------------------------- */

static enum vg_rc fsync_dir(const char *dir, struct vg_error *err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd < 0 || fsync(fd) != 0) {
        if (fd >= 0)
            close(fd);
        return vg_error_set(err, VG_IO, "artefact", "%s: %s", dir, strerror(errno));
    }
    close(fd);
    return VG_OK;
}

static enum vg_rc mkdir_p(const char *dir, struct vg_error *err)
{
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return vg_error_set(err, VG_IO, "artefact", "%s: %s", dir, strerror(errno));
    return VG_OK;
}

/* Write the bytes as the file of their hash, durably (see the top). */
static enum vg_rc write_file(const char *hub, const uint8_t sha[32], const void *data, size_t len,
                             struct vg_error *err)
{
    char path[4096], dir[4096], tmp[4200];
    const uint8_t *p = data;
    struct stat sb;
    size_t done = 0;
    enum vg_rc rc;
    int fd;

    vg_artefact_path(hub, sha, path, sizeof(path));
    if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && (uint64_t)sb.st_size == len)
        return VG_OK; /* the same bytes, already there (verify re-hashes them) */
    snprintf(dir, sizeof(dir), "%s/artefacts", hub);
    if ((rc = mkdir_p(dir, err)) != VG_OK)
        return rc;
    snprintf(dir, sizeof(dir), "%.*s", (int)(strrchr(path, '/') - path), path);
    if ((rc = mkdir_p(dir, err)) != VG_OK)
        return rc;
    snprintf(tmp, sizeof(tmp), "%s/.upload-XXXXXX", dir);
    if ((fd = mkstemp(tmp)) < 0)
        return vg_error_set(err, VG_IO, "artefact", "%s: %s", dir, strerror(errno));
    while (done < len) {
        ssize_t w = write(fd, p + done, len - done);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            goto fail;
        done += (size_t)w;
    }
    if (fchmod(fd, 0400) != 0 || fsync(fd) != 0)
        goto fail;
    if (close(fd) != 0) {
        fd = -1;
        goto fail;
    }
    fd = -1;
    if (rename(tmp, path) != 0)
        goto fail;
    return fsync_dir(dir, err);
fail:
    rc = vg_error_set(err, VG_IO, "artefact", "%s: %s", tmp, strerror(errno ? errno : EIO));
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    return rc;
}

/* ---- policy ------------------------------------------------------------------------------- */

struct seen {
    int64_t org_id; /* count only this contributor's versions (0: any) */
    int any;
};

static int seen_cb(void *ctx, const struct vg_object_row *row)
{
    struct seen *s = ctx;

    if (s->org_id == 0 || row->org_id == s->org_id) {
        s->any = 1;
        return 1;
    }
    return 0;
}

/* May the tokens see a version of stix_id (of org_id's, when not 0)?
 * 1 yes, 0 no, -1 error. */
static int visible(struct vg_store *st, const char *stix_id, int64_t org_id, const vg_token *tokens,
                   size_t ntokens, struct vg_error *err)
{
    struct vg_object_filter f;
    struct seen s = {org_id, 0};

    if (ntokens == 0 || stix_id == NULL || *stix_id == '\0')
        return 0;
    memset(&f, 0, sizeof(f));
    f.tokens = tokens;
    f.ntokens = ntokens;
    f.stix_id = stix_id;
    f.versions = VG_VERSIONS_ALL;
    if (vg_store_scan_objects(st, &f, seen_cb, &s, err) != VG_OK)
        return -1;
    return s.any;
}

/* ---- operations --------------------------------------------------------------------------- */

enum vg_rc vg_artefact_attach(struct vg_store *st, const char *hub,
                              const struct vg_artefact_upload *u, struct vg_artefact *out,
                              char *name, char *type, int *created, struct vg_error *err)
{
    size_t max = u->max_size ? u->max_size : VG_ARTEFACT_MAX_SIZE;
    struct vg_artefact a;
    enum vg_rc rc;
    int r;

    *created = 0;
    if ((r = visible(st, u->stix_id, 0, u->tokens, u->ntokens, err)) <= 0)
        return r < 0 ? err->code : vg_error_set(err, VG_NOT_FOUND, "id", "no such object");
    if ((r = visible(st, u->stix_id, u->org_id, u->tokens, u->ntokens, err)) <= 0)
        return r < 0 ? err->code
                     : vg_error_set(err, VG_FORBIDDEN, "id",
                                    "only the organisation that contributed %s may attach files "
                                    "to it",
                                    u->stix_id);
    if (u->len > max)
        return vg_error_set(err, VG_LIMIT, "artefact",
                            "the file has %zu bytes; an artefact may have at most %zu", u->len,
                            max);
    memset(&a, 0, sizeof(a));
    vg_sha256(u->data, u->len, a.sha256);
    a.size = u->len;
    a.stix_id = u->stix_id;
    vg_artefact_sanitise_name(u->name, name, VG_ARTEFACT_NAME_MAX + 1);
    vg_artefact_sanitise_type(u->media_type, type, VG_ARTEFACT_TYPE_MAX + 1);
    a.name = name;
    a.media_type = type;
    a.org_id = u->org_id;
    a.key_id = u->key_id ? u->key_id : "cli";
    if ((rc = write_file(hub, a.sha256, u->data, u->len, err)) != VG_OK)
        return rc;
    if ((rc = vg_store_begin(st, err)) != VG_OK)
        return rc;
    if ((rc = vg_store_artefact_add(
             st, &a, u->max_per_object ? u->max_per_object : VG_ARTEFACT_MAX_PER_OBJECT, created,
             err)) != VG_OK) {
        vg_store_rollback(st);
        return rc;
    }
    if ((rc = vg_store_commit(st, err)) != VG_OK) {
        *created = 0;
        return rc;
    }
    *out = a;
    return VG_OK;
}

static int list_cb(void *ctx, const struct vg_artefact *a)
{
    char hex[65], t[VG_TIME_TEXT_MAX];

    vg_hex(a->sha256, 32, hex);
    vg_time_format_us(a->uploaded_us, t);
    json_array_append_new(ctx, json_pack("{s:s, s:I, s:s, s:s, s:s, s:I}", "sha256", hex, "size",
                                         (json_int_t)a->size, "name", a->name, "media_type",
                                         a->media_type, "uploaded", t, "leaf_index",
                                         (json_int_t)a->leaf_index));
    return 0;
}

enum vg_rc vg_artefact_list_json(struct vg_store *st, const char *stix_id, const vg_token *tokens,
                                 size_t ntokens, struct vg_buf *out, struct vg_error *err)
{
    json_t *arr;
    char *text;
    enum vg_rc rc;
    int r;

    if ((r = visible(st, stix_id, 0, tokens, ntokens, err)) <= 0)
        return r < 0 ? err->code : vg_error_set(err, VG_NOT_FOUND, "id", "no such object");
    if ((arr = json_array()) == NULL)
        return vg_error_set(err, VG_NOMEM, NULL, "out of memory");
    if ((rc = vg_store_artefact_scan(st, stix_id, NULL, list_cb, arr, err)) != VG_OK) {
        json_decref(arr);
        return rc;
    }
    text = json_dumps(arr, JSON_COMPACT);
    json_decref(arr);
    if (text == NULL || vg_buf_puts(out, text) != VG_OK)
        rc = vg_error_set(err, VG_NOMEM, NULL, "out of memory");
    free(text);
    return rc;
}

struct through {
    struct vg_store *st;
    const vg_token *tokens;
    size_t ntokens;
    struct vg_error *err;
    int visible; /* 1 yes, -1 error */
};

static int through_cb(void *ctx, const struct vg_artefact *a)
{
    struct through *t = ctx;

    t->visible = visible(t->st, a->stix_id, 0, t->tokens, t->ntokens, t->err);
    return t->visible != 0;
}

enum vg_rc vg_artefact_open(struct vg_store *st, const char *hub, const uint8_t sha256[32],
                            const vg_token *tokens, size_t ntokens, int *fd, uint64_t *size,
                            struct vg_error *err)
{
    struct through t = {st, tokens, ntokens, err, 0};
    char path[4096];
    struct stat sb;
    enum vg_rc rc;
    int f;

    if ((rc = vg_store_artefact_scan(st, NULL, sha256, through_cb, &t, err)) != VG_OK)
        return rc;
    if (t.visible < 0)
        return err->code;
    if (t.visible == 0)
        return vg_error_set(err, VG_NOT_FOUND, "sha256", "no such artefact");
    vg_artefact_path(hub, sha256, path, sizeof(path));
    if ((f = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
        return vg_error_set(err, VG_STORAGE, "artefact",
                            "the file of an attached artefact is missing (run vigie verify)");
    if (fstat(f, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(f);
        return vg_error_set(err, VG_STORAGE, "artefact", "the file of an artefact is damaged");
    }
    *fd = f;
    *size = (uint64_t)sb.st_size;
    return VG_OK;
}

/* ---- verification ------------------------------------------------------------------------- */

struct check {
    struct vg_store *st;
    const char *hub;
    struct vg_error *err;
    uint64_t count;
    int failed;
};

/* SHA-256 of a file (mapped, not copied): 0, or -1 when it cannot be read. */
static int hash_file(const char *path, uint8_t out[32], uint64_t *size)
{
    struct stat sb;
    void *p;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

    if (fd < 0)
        return -1;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return -1;
    }
    *size = (uint64_t)sb.st_size;
    if (sb.st_size == 0) {
        close(fd);
        vg_sha256("", 0, out);
        return 0;
    }
    p = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (p == MAP_FAILED)
        return -1;
    vg_sha256(p, (size_t)sb.st_size, out);
    munmap(p, (size_t)sb.st_size);
    return 0;
}

static int check_cb(void *ctx, const struct vg_artefact *a)
{
    struct check *c = ctx;
    uint8_t raw[VG_LEAF_MAX], h[32];
    struct vg_leaf leaf;
    struct vg_org org;
    struct vg_error e;
    char path[4096], hex[65];
    uint64_t size = 0;
    size_t len = 0;

    vg_error_clear(&e);
    vg_hex(a->sha256, 32, hex);
    if (vg_store_ledger_entry(c->st, a->leaf_index, raw, &len, NULL, &e) != VG_OK ||
        vg_leaf_decode(raw, len, &leaf, &e) != VG_OK ||
        vg_store_org_get_by_id(c->st, a->org_id, &org, &e) != VG_OK) {
        vg_error_set(c->err, VG_STORAGE, "artefact", "artefact %s of %s: ledger entry %llu: %s",
                     hex, a->stix_id, (unsigned long long)a->leaf_index, e.msg);
        goto fail;
    }
    if (leaf.action != VG_LEAF_ARTEFACT || strcmp(leaf.subject, a->stix_id) != 0 ||
        memcmp(leaf.sha256, a->sha256, 32) != 0 || (uint64_t)leaf.modified_us != a->size ||
        strcmp(leaf.org, org.stix_id) != 0 || strcmp(leaf.key_id, a->key_id) != 0 ||
        leaf.time_us != a->uploaded_us) {
        vg_error_set(c->err, VG_STORAGE, "artefact",
                     "artefact %s of %s does not match its ledger entry %llu: the row was "
                     "altered after it was recorded",
                     hex, a->stix_id, (unsigned long long)a->leaf_index);
        goto fail;
    }
    vg_artefact_path(c->hub, a->sha256, path, sizeof(path));
    if (hash_file(path, h, &size) != 0) {
        vg_error_set(c->err, VG_STORAGE, "artefact", "artefact %s: its file is missing (of %s)",
                     hex, a->stix_id);
        goto fail;
    }
    if (size != a->size || memcmp(h, a->sha256, 32) != 0) {
        vg_error_set(c->err, VG_STORAGE, "artefact",
                     "artefact %s: its file was altered on disk (of %s)", hex, a->stix_id);
        goto fail;
    }
    c->count++;
    return 0;
fail:
    c->failed = 1;
    return 1;
}

enum vg_rc vg_artefact_verify(struct vg_store *st, const char *hub, uint64_t *count,
                              struct vg_error *err)
{
    struct check c = {st, hub, err, 0, 0};
    enum vg_rc rc;

    if ((rc = vg_store_artefact_scan(st, NULL, NULL, check_cb, &c, err)) != VG_OK)
        return rc;
    if (c.failed)
        return VG_STORAGE;
    *count = c.count;
    return VG_OK;
}
