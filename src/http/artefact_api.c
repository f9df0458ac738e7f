/* SPDX-License-Identifier: Apache-2.0 */
/*
 * artefact_api.c - files attached to objects, over HTTP (docs/ledger.md,
 * "Artefacts"; the rules are in src/evidence/artefact.h).
 *
 *   POST /api/v1/objects/{stix-id}/artefacts   write scope; the body is the
 *       file, Content-Type application/octet-stream; the name in the query
 *       (`name=`) or the X-Artefact-Name header, the declared media type in
 *       `media_type=` or X-Artefact-Media-Type (both sanitised, never used
 *       to store or serve).  201 with the artefact's record, 200 when the
 *       same bytes were already attached; 403 to anyone but the object's
 *       contributor; 413 beyond the size limit (nothing written).
 *   GET  /api/v1/objects/{stix-id}/artefacts   read scope; the list.
 *   GET  /api/v1/artefacts/{sha256}            read scope; the bytes, as
 *       application/octet-stream, attachment, nosniff, sandboxed.
 *
 * An object the key's organisation may not see, and an artefact attached
 * to none it may see, answer exactly as an unknown id or hash: 404 with the
 * same body.  The download is sent from the file descriptor (no copy in
 * memory); the body of an upload is the one the server buffered, capped at
 * max_content_length.
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/hash.h"
#include "common/vtime.h"
#include "evidence/artefact.h"

static enum MHD_Result not_found(struct MHD_Connection *conn, struct request *rq)
{
    struct vg_error err;

    vg_error_clear(&err);
    vg_error_set(&err, VG_NOT_FOUND, NULL, "no such resource");
    return http_send_error(conn, rq, &err);
}

/* 64 lower-case hex digits into 32 bytes: 0, or -1. */
static int parse_sha(const char *s, uint8_t out[32])
{
    size_t i;

    if (strlen(s) != 64)
        return -1;
    for (i = 0; i < 64; i++) {
        int c = s[i], v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;

        if (v < 0)
            return -1;
        if (i % 2 == 0)
            out[i / 2] = (uint8_t)(v << 4);
        else
            out[i / 2] |= (uint8_t)v;
    }
    return 0;
}

static const char *arg_or_header(struct MHD_Connection *conn, const char *arg, const char *header)
{
    const char *v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, arg);

    return v ? v : MHD_lookup_connection_value(conn, MHD_HEADER_KIND, header);
}

static enum MHD_Result upload(struct server *srv, struct vg_store *st, struct MHD_Connection *conn,
                              struct request *rq, const struct vg_auth *who, const char *stix_id,
                              const vg_token *tok, size_t ntok)
{
    struct vg_artefact_upload u;
    struct vg_artefact a;
    char name[VG_ARTEFACT_NAME_MAX + 1], type[VG_ARTEFACT_TYPE_MAX + 1];
    char hex[65], t[VG_TIME_TEXT_MAX];
    const char *ct;
    struct vg_error err;
    int created = 0;

    vg_error_clear(&err);
    if (!(who->key.scopes & VG_SCOPE_WRITE)) {
        vg_error_set(&err, VG_FORBIDDEN, "scope", "this key lacks the write scope");
        return http_send_error(conn, rq, &err);
    }
    ct = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    if (ct == NULL || strncmp(ct, "application/octet-stream", 24) != 0 ||
        (ct[24] != '\0' && ct[24] != ';' && ct[24] != ' ')) {
        rq->status = MHD_HTTP_UNSUPPORTED_MEDIA_TYPE;
        return http_send_json(conn, rq, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
                              json_pack("{s:s, s:s, s:i}", "title", "Unsupported Media Type",
                                        "description",
                                        "send the file as application/octet-stream; declare its "
                                        "type with media_type=",
                                        "http_status", MHD_HTTP_UNSUPPORTED_MEDIA_TYPE),
                              NULL);
    }
    if (rq->too_large) {
        vg_error_set(&err, VG_LIMIT, "body", "the body exceeds max_content_length (%zu bytes)",
                     srv->max_content_length);
        return http_send_error(conn, rq, &err);
    }
    memset(&u, 0, sizeof(u));
    u.stix_id = stix_id;
    u.data = rq->body.data ? (const void *)rq->body.data : (const void *)"";
    u.len = rq->body.len;
    u.name = arg_or_header(conn, "name", "X-Artefact-Name");
    u.media_type = arg_or_header(conn, "media_type", "X-Artefact-Media-Type");
    u.org_id = who->org.id;
    u.tokens = tok;
    u.ntokens = ntok;
    u.key_id = who->key.id;
    u.max_size = srv->opts->max_artefact_size;
    u.max_per_object = srv->opts->max_artefacts_per_object;
    if (vg_artefact_attach(st, srv->opts->hub, &u, &a, name, type, &created, &err) != VG_OK) {
        if (err.code == VG_NOT_FOUND)
            return not_found(conn, rq);
        return http_send_error(conn, rq, &err);
    }
    if (created)
        http_stream_kick(srv);
    vg_hex(a.sha256, 32, hex);
    vg_time_format_us(a.uploaded_us, t);
    return http_send_json(conn, rq, created ? MHD_HTTP_CREATED : MHD_HTTP_OK,
                          json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, s:I}", "object", stix_id,
                                    "sha256", hex, "size", (json_int_t)a.size, "name", a.name,
                                    "media_type", a.media_type, "uploaded", t, "leaf_index",
                                    (json_int_t)a.leaf_index),
                          NULL);
}

static enum MHD_Result download(struct server *srv, struct vg_store *st,
                                struct MHD_Connection *conn, struct request *rq, const char *hexsha,
                                const vg_token *tok, size_t ntok)
{
    struct MHD_Response *resp;
    struct vg_error err;
    uint8_t sha[32];
    uint64_t size;
    char disp[128];
    enum MHD_Result r;
    int fd;

    vg_error_clear(&err);
    if (parse_sha(hexsha, sha) != 0)
        return not_found(conn, rq);
    if (vg_artefact_open(st, srv->opts->hub, sha, tok, ntok, &fd, &size, &err) != VG_OK) {
        if (err.code == VG_NOT_FOUND)
            return not_found(conn, rq);
        return http_send_error(conn, rq, &err);
    }
    if ((resp = MHD_create_response_from_fd(size, fd)) == NULL) { /* owns fd from now on */
        close(fd);
        return MHD_NO;
    }
    snprintf(disp, sizeof(disp), "attachment; filename=\"%s.bin\"", hexsha);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/octet-stream");
    MHD_add_response_header(resp, "Content-Disposition", disp);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Content-Security-Policy", "default-src 'none'; sandbox");
    MHD_add_response_header(resp, "Cache-Control", "private, no-store");
    rq->status = MHD_HTTP_OK;
    r = MHD_queue_response(conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    return r;
}

enum MHD_Result http_artefact(struct server *srv, struct MHD_Connection *conn, struct request *rq,
                              const char *url, const char *method)
{
    vg_token tok[VG_POLICY_TOKENS_MAX];
    char stix_id[VG_STIX_ID_MAX];
    const char *hexsha = NULL, *p, *end;
    struct vg_error err;
    struct vg_store *st;
    struct vg_auth who;
    size_t ntok, n;
    int get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    int post = strcmp(method, "POST") == 0;

    vg_error_clear(&err);
    stix_id[0] = '\0';
    if (strncmp(url, "/api/v1/artefacts/", 18) == 0) {
        hexsha = url + 18;
    } else { /* /api/v1/objects/{id}/artefacts[/] */
        p = url + strlen("/api/v1/objects/");
        if ((end = strchr(p, '/')) == NULL ||
            (strcmp(end, "/artefacts") != 0 && strcmp(end, "/artefacts/") != 0))
            return not_found(conn, rq);
        n = (size_t)(end - p);
        if (n == 0 || n >= sizeof(stix_id))
            return not_found(conn, rq);
        memcpy(stix_id, p, n);
        stix_id[n] = '\0';
    }
    /* any valid key, then the scope of the method: read to list and
     * download, write to upload */
    if ((st = http_worker_store(srv, &err)) == NULL ||
        http_authenticate(st, conn, 0, &who, &err) != VG_OK)
        return http_send_error(conn, rq, &err);
    if (get && !(who.key.scopes & VG_SCOPE_READ)) {
        vg_error_set(&err, VG_FORBIDDEN, "scope", "this key lacks the read scope");
        return http_send_error(conn, rq, &err);
    }
    ntok = vg_policy_tokens(&who.principal, tok);
    if (hexsha && get)
        return download(srv, st, conn, rq, hexsha, tok, ntok);
    if (!hexsha && post)
        return upload(srv, st, conn, rq, &who, stix_id, tok, ntok);
    if (!hexsha && get) {
        struct vg_buf b;
        enum MHD_Result r;

        vg_buf_init(&b, 0);
        if (vg_artefact_list_json(st, stix_id, tok, ntok, &b, &err) != VG_OK) {
            vg_buf_cleanup(&b);
            return err.code == VG_NOT_FOUND ? not_found(conn, rq) : http_send_error(conn, rq, &err);
        }
        r = http_send_doc(conn, rq, MHD_HTTP_OK, "application/json",
                          json_pack("{s:s, s:o}", "object", stix_id, "artefacts",
                                    json_loadb(b.data, b.len, 0, NULL)),
                          NULL);
        vg_buf_cleanup(&b);
        return r;
    }
    vg_error_set(&err, VG_INVALID, NULL, "%s is not allowed here", method);
    return http_send_error(conn, rq, &err);
}
