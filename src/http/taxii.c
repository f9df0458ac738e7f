/* SPDX-License-Identifier: Apache-2.0 */
/*
 * taxii.c - the TAXII 2.1 routes: discovery, API root, collections, objects
 * (GET, POST), object, versions, manifest and status (see docs/taxii.md).
 *
 * Every read goes through the store's policy-filtered scans: what a partner
 * may not see answers exactly as what does not exist.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/stix_reader.h"
#include "common/hash.h"
#include "common/log.h"
#include "common/tls.h"
#include "common/vtime.h"
#include "geo_filter.h"
#include "ingest/ingest.h"
#include "internal.h"
#include "model/uuid.h"

#define TAXII_TYPE "application/taxii+json;version=2.1"
#define TAXII_ROOT "/taxii2/root/"

/* TAXII answers are application/taxii+json;version=2.1; a client that
 * accepts neither it (with or without the version) nor anything is told 406. */
static int taxii_acceptable(struct MHD_Connection *conn)
{
    const char *a = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);

    if (a == NULL)
        return 1;
    return strstr(a, "application/taxii+json") != NULL || strstr(a, "*/*") != NULL ||
           strstr(a, "application/*") != NULL;
}

static enum MHD_Result send_taxii(struct MHD_Connection *conn, struct request *rq, json_t *doc)
{
    return http_send_doc(conn, rq, MHD_HTTP_OK, TAXII_TYPE, doc, NULL);
}

static json_t *collection_json(const struct vg_collection *c)
{
    return json_pack("{s:s, s:s, s:s, s:b, s:b, s:[s]}", "id", c->uuid, "title", c->title,
                     "description", c->description, "can_read", c->can_read, "can_write",
                     c->can_write, "media_types", TAXII_TYPE);
}

static int collections_cb(void *ctx, const struct vg_collection *c)
{
    json_array_append_new(ctx, collection_json(c));
    return 0;
}

/* ---- objects of a collection ------------------------------------------------ */

#define PAGE_DEFAULT 100
#define PAGE_MAX 1000

static int collection_one_cb(void *ctx, const struct vg_collection *c)
{
    *(struct vg_collection *)ctx = *c;
    return 1;
}

enum listing { LIST_OBJECTS, LIST_MANIFEST, LIST_VERSIONS };

struct page {
    enum listing what;
    struct vg_buf body;
    size_t n, limit;
    int more;
    int64_t first_added, last_added, last_rowid;
};

static int page_cb(void *ctx, const struct vg_object_row *row)
{
    struct page *p = ctx;

    if (p->n == p->limit) { /* one more than asked: there is a next page */
        p->more = 1;
        return 1;
    }
    if (p->n && vg_buf_putc(&p->body, ',') != VG_OK)
        return 1;
    if (p->what == LIST_OBJECTS) {
        if (vg_buf_append(&p->body, row->json, row->json_len) != VG_OK)
            return 1;
    } else {
        char added[VG_TIME_TEXT_MAX], version[VG_TIME_TEXT_MAX];

        vg_time_format_us(row->modified_us, version);
        if (p->what == LIST_VERSIONS) {
            if (vg_buf_printf(&p->body, "\"%s\"", version) != VG_OK)
                return 1;
        } else {
            vg_time_format_us(row->date_added_us, added);
            if (vg_buf_printf(&p->body,
                              "{\"id\":\"%s\",\"date_added\":\"%s\",\"version\":\"%s\","
                              "\"media_type\":\"application/stix+json;version=2.1\"}",
                              row->stix_id, added, version) != VG_OK)
                return 1;
        }
    }
    if (p->n == 0)
        p->first_added = row->date_added_us;
    p->last_added = row->date_added_us;
    p->last_rowid = row->rowid;
    p->n++;
    return 0;
}

/*
 * A paging token names the last row of a page and is bound, by a MAC keyed
 * with this server's secret, to the partner and the query that made it: a
 * token from another query or another partner is refused, not obeyed.
 */
static void next_mac(const struct server *srv, int64_t rowid, const char *binding, char out[33])
{
    uint8_t d[VG_SHA256_LEN];
    char msg[1024];
    int n = snprintf(msg, sizeof(msg), "%lld|%s", (long long)rowid, binding);

    vg_hmac_sha256(srv->next_key, sizeof(srv->next_key), msg, (size_t)n, d);
    vg_hex(d, 16, out);
}

#define MATCH_MAX 64

/*
 * A TAXII match[] value "a,b,c" into at most MATCH_MAX pieces, copied into
 * buf; ids: 1 each must be a STIX identifier, 0 a type name, 2 a type name
 * or a version number.  0 or -1.
 */
static int split_list(const char *v, char *buf, size_t cap, const char **out, size_t *n, int ids)
{
    char *p, *save = NULL, *tok;
    size_t k = 0;

    if (*v == '\0' || strlen(v) >= cap)
        return -1;
    memcpy(buf, v, strlen(v) + 1);
    for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        size_t len = strlen(tok);

        if (k == MATCH_MAX || len == 0 || len > 250)
            return -1;
        if (ids == 1 && !vg_stix_id_valid(tok, len))
            return -1;
        for (p = tok; ids != 1 && *p; p++)
            if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
                  (ids == 2 && *p == '.')))
                return -1;
        out[k++] = tok;
    }
    if (k == 0)
        return -1;
    *n = k;
    return 0;
}

/* match[version] and match[spec_version], as the store's filter wants them. */
struct vsel {
    unsigned versions;
    int64_t modified[MATCH_MAX];
    size_t nmodified;
    char specbuf[MATCH_MAX * 8];
    const char *specs[MATCH_MAX];
    size_t nspecs;
};

/*
 * match[version]: a comma-separated list of "last", "first", "all" and
 * RFC 3339 timestamps (the versions whose modified is that time), any of
 * which selects; absent, dflt.  match[spec_version]: "2.0", "2.1"...
 * 0, or -1 with err set.
 */
static int parse_vsel(struct MHD_Connection *conn, unsigned dflt, struct vsel *vs,
                      struct vg_error *err)
{
    const char *v, *p, *comma;

    memset(vs, 0, sizeof(*vs));
    vs->versions = dflt;
    if ((v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "match[version]")) != NULL) {
        vs->versions = 0;
        for (p = v;; p = comma + 1) {
            size_t len;

            comma = strchr(p, ',');
            len = comma ? (size_t)(comma - p) : strlen(p);
            if (len == 4 && memcmp(p, "last", 4) == 0)
                vs->versions |= VG_VERSIONS_LATEST;
            else if (len == 5 && memcmp(p, "first", 5) == 0)
                vs->versions |= VG_VERSIONS_FIRST;
            else if (len == 3 && memcmp(p, "all", 3) == 0)
                vs->versions |= VG_VERSIONS_ALL;
            else if (vs->nmodified == MATCH_MAX ||
                     vg_time_parse(p, len, &vs->modified[vs->nmodified++]) != VG_OK) {
                vg_error_set(err, VG_INVALID, "match[version]",
                             "a comma-separated list of first, last, all or RFC 3339 times "
                             "(at most %d)",
                             MATCH_MAX);
                return -1;
            }
            if (comma == NULL)
                break;
        }
    }
    if ((v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "match[spec_version]")) !=
        NULL) {
        size_t i;
        int bad = split_list(v, vs->specbuf, sizeof(vs->specbuf), vs->specs, &vs->nspecs, 2);

        for (i = 0; !bad && i < vs->nspecs; i++) {
            const char *q = vs->specs[i];

            bad = !(q[0] >= '1' && q[0] <= '9' && q[1] == '.' && q[2] >= '0' && q[2] <= '9' &&
                    q[3] == '\0');
        }
        if (bad) {
            vg_error_set(err, VG_INVALID, "match[spec_version]",
                         "a comma-separated list of STIX versions such as 2.1");
            return -1;
        }
    }
    return 0;
}

/* A hash of the request's filter parameters, for the paging token. */
static uint64_t params_hash(struct MHD_Connection *conn)
{
    static const char *const names[] = {"match[type]", "match[id]", "match[version]",
                                        "match[spec_version]", "match[x_vigie_jurisdiction]"};
    uint64_t h = VG_FNV_SEED;
    size_t i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        const char *v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, names[i]);

        h = vg_fnv1a(h, v ? v : "", v ? strlen(v) + 1 : 0);
    }
    return h;
}

/* A failure of the server (memory, storage), never to be answered as
 * "not found" or blamed on the request. */
static int server_fault(enum vg_rc rc)
{
    return rc == VG_NOMEM || rc == VG_STORAGE || rc == VG_IO || rc == VG_INTERNAL;
}

static enum MHD_Result objects(struct server *srv, struct vg_store *st, struct MHD_Connection *conn,
                               struct request *rq, const struct vg_auth *who, const vg_token *tok,
                               size_t ntok, const char *cid, const char *object_id,
                               enum listing what)
{
    const char *v;
    struct vg_collection c;
    struct vg_object_filter f = {0};
    struct vg_error err;
    struct page p;
    struct MHD_Response *resp;
    char binding[768], mac[33], tag[VG_TIME_TEXT_MAX];
    char *end;
    enum MHD_Result r;
    long long lim;
    int found = 0;
    enum vg_rc rc;
    char typebuf[4096], idbuf[MATCH_MAX * 260];
    const char *types[MATCH_MAX], *ids[MATCH_MAX];
    struct vsel vs;
    struct http_geo geo = {0};

    vg_error_clear(&err);
    memset(&p, 0, sizeof(p));
    /* The collection must be readable by this partner; otherwise it does not exist. */
    memset(&c, 0, sizeof(c));
    if ((rc = vg_store_collection_scan(st, tok, ntok, 0, cid, collection_one_cb, &c, &err)) ==
            VG_OK &&
        c.id != 0 && c.can_read)
        found = 1;
    if (!found && server_fault(rc)) /* out of memory, storage: not "absent" */
        return http_send_error(conn, rq, &err);
    if (!found) {
        vg_error_set(&err, VG_NOT_FOUND, NULL, "no such resource");
        return http_send_error(conn, rq, &err);
    }
    p.limit = PAGE_DEFAULT;
    if ((v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "limit")) != NULL) {
        lim = strtoll(v, &end, 10);
        if (*v == '\0' || *end != '\0' || lim < 1) {
            vg_error_set(&err, VG_INVALID, "limit", "limit must be a positive integer");
            return http_send_error(conn, rq, &err);
        }
        p.limit = lim > PAGE_MAX ? PAGE_MAX : (size_t)lim;
    }
    p.what = what;
    f.tokens = tok;
    f.ntokens = ntok;
    f.collection_id = c.id;
    f.limit = p.limit + 1;
    /* a version list shows every version unless asked otherwise */
    f.versions = what == LIST_VERSIONS ? VG_VERSIONS_ALL : VG_VERSIONS_LAST;
    f.stix_id = object_id;
    if ((v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "added_after")) != NULL &&
        vg_time_parse(v, strlen(v), &f.added_after_us) != VG_OK) {
        vg_error_set(&err, VG_INVALID, "added_after", "added_after must be an RFC 3339 time");
        return http_send_error(conn, rq, &err);
    }
    if ((v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "match[type]")) != NULL) {
        if (split_list(v, typebuf, sizeof(typebuf), types, &f.ntypes, 0) != 0) {
            vg_error_set(&err, VG_INVALID, "match[type]",
                         "a comma-separated list of at most %d STIX types", MATCH_MAX);
            return http_send_error(conn, rq, &err);
        }
        f.types = types;
    }
    if (object_id == NULL &&
        (v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "match[id]")) != NULL) {
        if (split_list(v, idbuf, sizeof(idbuf), ids, &f.nids, 1) != 0) {
            vg_error_set(&err, VG_INVALID, "match[id]",
                         "a comma-separated list of at most %d STIX identifiers", MATCH_MAX);
            return http_send_error(conn, rq, &err);
        }
        f.ids = ids;
    }
    if (parse_vsel(conn, f.versions, &vs, &err) != 0)
        return http_send_error(conn, rq, &err);
    /* a Vigie extension: what is located in these countries (docs/geo.md) */
    if ((v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND,
                                         "match[x_vigie_jurisdiction]")) != NULL &&
        http_geo_parse(st, who->org.id, v, "match[x_vigie_jurisdiction]", &geo, &err) != VG_OK)
        return http_send_error(conn, rq, &err);
    http_geo_apply(&geo, &f);
    f.versions = vs.versions;
    f.modified = vs.modified;
    f.nmodified = vs.nmodified;
    f.spec_versions = vs.specs;
    f.nspec_versions = vs.nspecs;
    /* the query, for the paging token: the filters hashed to keep it short */
    snprintf(binding, sizeof(binding), "%lld|%s|%lld|%s|%llx|%d", (long long)who->org.id, c.uuid,
             (long long)f.added_after_us, object_id ? object_id : "",
             (unsigned long long)params_hash(conn), (int)what);
    if ((v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "next")) != NULL) {
        const char *dot = strchr(v, '.');
        long long rowid = strtoll(v, &end, 10);

        if (dot == NULL || end != dot || rowid < 0 || strlen(dot + 1) != 32) {
            vg_error_set(&err, VG_INVALID, "next", "not a paging token of this server");
            return http_send_error(conn, rq, &err);
        }
        next_mac(srv, rowid, binding, mac);
        if (!vg_equal_ct(mac, dot + 1, 32)) {
            vg_error_set(&err, VG_INVALID, "next", "not a paging token of this query");
            return http_send_error(conn, rq, &err);
        }
        f.after_rowid = rowid;
    }
    vg_buf_init(&p.body, 0);
    if (vg_store_scan_objects(st, &f, page_cb, &p, &err) != VG_OK) {
        vg_buf_cleanup(&p.body);
        return http_send_error(conn, rq, &err);
    }
    {
        struct vg_buf env;

        vg_buf_init(&env, 0);
        vg_buf_printf(&env, "{\"more\":%s", p.more ? "true" : "false");
        if (p.more) {
            next_mac(srv, p.last_rowid, binding, mac);
            vg_buf_printf(&env, ",\"next\":\"%lld.%s\"", (long long)p.last_rowid, mac);
        }
        /* One object asked by id that is not there (or not visible): 404,
         * the same as for an id never stored. */
        if (object_id && p.n == 0 && f.after_rowid == 0) {
            struct vg_error nf;

            vg_buf_cleanup(&env);
            vg_buf_cleanup(&p.body);
            vg_error_clear(&nf);
            vg_error_set(&nf, VG_NOT_FOUND, NULL, "no such resource");
            return http_send_error(conn, rq, &nf);
        }
        if (p.n) { /* empty lists are omitted */
            vg_buf_puts(&env, what == LIST_VERSIONS ? ",\"versions\":[" : ",\"objects\":[");
            vg_buf_append(&env, p.body.data, p.body.len);
            vg_buf_putc(&env, ']');
        }
        if (vg_buf_putc(&env, '}') != VG_OK) {
            vg_buf_cleanup(&env);
            vg_buf_cleanup(&p.body);
            return MHD_NO;
        }
        vg_buf_cleanup(&p.body);
        resp = MHD_create_response_from_buffer(env.len, env.data, MHD_RESPMEM_MUST_FREE);
        if (resp == NULL) {
            vg_buf_cleanup(&env);
            return MHD_NO;
        }
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, TAXII_TYPE);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    if (p.n) {
        vg_time_format_us(p.first_added, tag);
        MHD_add_response_header(resp, "X-TAXII-Date-Added-First", tag);
        vg_time_format_us(p.last_added, tag);
        MHD_add_response_header(resp, "X-TAXII-Date-Added-Last", tag);
    }
    rq->status = MHD_HTTP_OK;
    r = MHD_queue_response(conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    return r;
}

/*
 * /collections/ and /collections/{id}/: only what the key's organisation may
 * read or write exists for it; another collection answers exactly as an id
 * that was never created.
 */
static enum MHD_Result collections(struct server *srv, struct vg_store *st,
                                   struct MHD_Connection *conn, struct request *rq,
                                   const struct vg_auth *who, const char *rest)
{
    vg_token tok[VG_POLICY_TOKENS_MAX];
    size_t ntok = vg_policy_tokens(&who->principal, tok);
    struct vg_error err;
    json_t *arr = json_array();
    char id[VG_UUID_TEXT_LEN + 1];
    size_t len = strlen(rest);

    vg_error_clear(&err);
    if (arr == NULL)
        return MHD_NO;
    if (ntok == 0) { /* no standing: nothing exists */
        json_decref(arr);
        vg_error_set(&err, VG_NOT_FOUND, NULL, "no such resource");
        return http_send_error(conn, rq, &err);
    }
    if (len == 0) {
        if (vg_store_collection_scan(st, tok, ntok, 0, NULL, collections_cb, arr, &err) != VG_OK) {
            json_decref(arr);
            return http_send_error(conn, rq, &err);
        }
        /* TAXII omits empty lists */
        if (json_array_size(arr) == 0) {
            json_decref(arr);
            return send_taxii(conn, rq, json_object());
        }
        return send_taxii(conn, rq, json_pack("{s:o}", "collections", arr));
    }
    if (len > VG_UUID_TEXT_LEN + 1 && rest[VG_UUID_TEXT_LEN] == '/') {
        const char *sub = rest + VG_UUID_TEXT_LEN + 1;
        char oid[256];
        size_t olen;

        memcpy(id, rest, VG_UUID_TEXT_LEN);
        id[VG_UUID_TEXT_LEN] = '\0';
        if (strcmp(sub, "objects/") == 0 || strcmp(sub, "manifest/") == 0) {
            json_decref(arr);
            return objects(srv, st, conn, rq, who, tok, ntok, id, NULL,
                           sub[0] == 'o' ? LIST_OBJECTS : LIST_MANIFEST);
        }
        /* objects/{object-id}/ and objects/{object-id}/versions/ */
        if (strncmp(sub, "objects/", 8) == 0) {
            const char *o = sub + 8, *slash = strchr(o, '/');

            olen = slash ? (size_t)(slash - o) : 0;
            if (slash && olen < sizeof(oid) && vg_stix_id_valid(o, olen) &&
                (strcmp(slash, "/") == 0 || strcmp(slash, "/versions/") == 0)) {
                memcpy(oid, o, olen);
                oid[olen] = '\0';
                json_decref(arr);
                return objects(srv, st, conn, rq, who, tok, ntok, id, oid,
                               slash[1] ? LIST_VERSIONS : LIST_OBJECTS);
            }
        }
    }
    if (len == VG_UUID_TEXT_LEN + 1 && rest[VG_UUID_TEXT_LEN] == '/') {
        memcpy(id, rest, VG_UUID_TEXT_LEN);
        id[VG_UUID_TEXT_LEN] = '\0';
        if (vg_store_collection_scan(st, tok, ntok, 0, id, collections_cb, arr, &err) != VG_OK) {
            json_decref(arr);
            return http_send_error(conn, rq, &err);
        }
        if (json_array_size(arr) == 1) {
            json_t *c = json_incref(json_array_get(arr, 0));

            json_decref(arr);
            return send_taxii(conn, rq, c);
        }
    }
    json_decref(arr);
    vg_error_set(&err, VG_NOT_FOUND, NULL, "no such resource");
    return http_send_error(conn, rq, &err);
}

/*
 * The collection id for a write by who: one it may not see is 404 like one
 * that does not exist; one it sees but may not write to (or a key without
 * the write scope) is 403.  0, or -1 with err set.
 */
static int writable_collection(struct vg_store *st, const vg_token *tok, size_t ntok,
                               const char *id, const struct vg_auth *who, struct vg_collection *c,
                               struct vg_error *err)
{
    enum vg_rc rc = VG_OK;

    memset(c, 0, sizeof(*c));
    if (ntok > 0 && server_fault(rc = vg_store_collection_scan(st, tok, ntok, 0, id,
                                                               collection_one_cb, c, err)))
        return -1; /* out of memory, storage: not "absent" */
    if (ntok == 0 || rc != VG_OK || c->id == 0) {
        vg_error_clear(err);
        vg_error_set(err, VG_NOT_FOUND, NULL, "no such resource");
        return -1;
    }
    if (!c->can_write || !(who->key.scopes & VG_SCOPE_WRITE)) {
        vg_error_set(err, VG_FORBIDDEN, NULL, "this key may not write to this collection");
        return -1;
    }
    return 0;
}

/* ---- DELETE an object -------------------------------------------------------- */

/*
 * DELETE /collections/{id}/objects/{object-id}/: the requester's own
 * versions of the object in that collection (all of them, or those
 * match[version] and match[spec_version] select) are deleted, as one event.
 * What the requester may not see is 404 like what does not exist; versions
 * it can see but did not contribute are 403.  200 with no body on success.
 */
static enum MHD_Result delete_object(struct server *srv, struct vg_store *st,
                                     struct MHD_Connection *conn, struct request *rq,
                                     const struct vg_auth *who, const char *url)
{
    static const char prefix[] = TAXII_ROOT "collections/";
    vg_token tok[VG_POLICY_TOKENS_MAX];
    size_t ntok = vg_policy_tokens(&who->principal, tok), olen, deleted = 0;
    const char *rest = url + sizeof(prefix) - 1, *o, *slash;
    struct vg_collection c;
    struct vg_delete_request d;
    struct vg_error err;
    struct vsel vs;
    struct MHD_Response *resp;
    char id[VG_UUID_TEXT_LEN + 1], oid[256];
    enum MHD_Result r;

    vg_error_clear(&err);
    memset(&c, 0, sizeof(c));
    o = rest + VG_UUID_TEXT_LEN + sizeof("/objects/") - 1;
    if (strncmp(url, prefix, sizeof(prefix) - 1) != 0 || strlen(rest) <= VG_UUID_TEXT_LEN + 9 ||
        strncmp(rest + VG_UUID_TEXT_LEN, "/objects/", 9) != 0 || (slash = strchr(o, '/')) == NULL ||
        strcmp(slash, "/") != 0 || (olen = (size_t)(slash - o)) >= sizeof(oid) ||
        !vg_stix_id_valid(o, olen)) {
        vg_error_set(&err, VG_INVALID, NULL, "DELETE is not allowed here");
        return http_send_error(conn, rq, &err);
    }
    memcpy(id, rest, VG_UUID_TEXT_LEN);
    id[VG_UUID_TEXT_LEN] = '\0';
    memcpy(oid, o, olen);
    oid[olen] = '\0';
    if (writable_collection(st, tok, ntok, id, who, &c, &err) != 0)
        return http_send_error(conn, rq, &err);
    if (parse_vsel(conn, 0, &vs, &err) != 0)
        return http_send_error(conn, rq, &err);
    memset(&d, 0, sizeof(d));
    d.stix_id = oid;
    d.org_id = who->org.id;
    d.key_id = who->key.id;
    d.collection_id = c.id;
    d.tokens = tok;
    d.ntokens = ntok;
    d.versions = vs.versions;
    d.modified = vs.modified;
    d.nmodified = vs.nmodified;
    d.spec_versions = vs.specs;
    d.nspec_versions = vs.nspecs;
    if (vg_store_delete_object(st, &d, &deleted, NULL, &err) != VG_OK) {
        if (err.code == VG_NOT_FOUND) { /* the one answer for "not there" */
            vg_error_clear(&err);
            vg_error_set(&err, VG_NOT_FOUND, NULL, "no such resource");
        }
        return http_send_error(conn, rq, &err);
    }
    http_stream_kick(srv);
    vg_log(VG_LOG_INFO, "deleted", "object=%s versions=%zu org=%s", oid, deleted, who->org.name);
    if ((resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT)) == NULL)
        return MHD_NO;
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    rq->status = MHD_HTTP_OK;
    r = MHD_queue_response(conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    return r;
}

/* Answer text (ownership taken: freed by libmicrohttpd) as TAXII JSON. */
static enum MHD_Result send_text(struct MHD_Connection *conn, struct request *rq, unsigned status,
                                 char *text)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    enum MHD_Result r;

    if (resp == NULL) {
        free(text);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, TAXII_TYPE);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    rq->status = status;
    r = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
    return r;
}

/* ---- POST objects -------------------------------------------------------------- */

#define POST_CHUNK 1000

static void free_items(void *arg)
{
    struct vg_ingest_item **items = arg;
    size_t i;

    if (items == NULL)
        return;
    for (i = 0; i < POST_CHUNK; i++)
        vg_ingest_item_free(items[i]);
    free(items);
}

/* A chunk's items, the worker thread's, kept from one POST to the next (a
 * POST runs on one thread from start to end): a thousand of them are not
 * allocated, zeroed and freed per envelope. */
static void *items_make(void)
{
    struct vg_ingest_item **items = calloc(POST_CHUNK, sizeof(*items));
    size_t i;

    for (i = 0; items && i < POST_CHUNK; i++) {
        if ((items[i] = vg_ingest_item_new()) == NULL) {
            free_items(items);
            return NULL;
        }
    }
    return items;
}

static struct vg_tls items_slot = VG_TLS_INIT(items_make, free_items);

static long body_read(void *ctx, char *buf, size_t cap)
{
    return vg_read_mem(ctx, buf, cap);
}

/*
 * POST .../collections/ID/objects/: an envelope of STIX objects, each
 * validated and stored as its own success or failure (with the reason), all
 * in one transaction that commits before the answer: a 202 means durable.
 * The status resource is stored and can be read back by the same partner.
 */
static enum MHD_Result post_objects(struct server *srv, struct vg_store *st,
                                    struct MHD_Connection *conn, struct request *rq,
                                    const struct vg_auth *who, const char *url)
{
    vg_token tok[VG_POLICY_TOKENS_MAX];
    size_t ntok = vg_policy_tokens(&who->principal, tok);
    const char *ct, *rest = url + sizeof(TAXII_ROOT "collections/") - 1;
    struct vg_collection c;
    struct vg_ingest_opts io = {0};
    struct vg_ingest *ing = NULL;
    struct vg_stix_reader *rd = NULL;
    struct vg_mem_source src;
    struct vg_error err, oerr;
    json_t *bad = NULL;
    struct vg_buf okbuf = {0}, stbuf = {0};
    size_t nok = 0;
    char id[VG_UUID_TEXT_LEN + 1], sid[VG_UUID_TEXT_LEN + 1], now[VG_TIME_TEXT_MAX], *text = NULL;
    enum vg_rc rc;
    size_t total = 0;
    struct vg_ingest_item **items = NULL;
    static _Thread_local char versions[POST_CHUNK][VG_TIME_TEXT_MAX];
    struct vg_store *w = NULL; /* the write connection */
    int done, held = 0;        /* held: w is this request's */

    vg_error_clear(&err);
    memset(&c, 0, sizeof(c));
    if (strncmp(url, TAXII_ROOT "collections/", sizeof(TAXII_ROOT "collections/") - 1) != 0 ||
        strlen(rest) != VG_UUID_TEXT_LEN + 9 || strcmp(rest + VG_UUID_TEXT_LEN, "/objects/") != 0) {
        vg_error_set(&err, VG_INVALID, NULL, "POST is not allowed here");
        return http_send_error(conn, rq, &err);
    }
    memcpy(id, rest, VG_UUID_TEXT_LEN);
    id[VG_UUID_TEXT_LEN] = '\0';
    if (writable_collection(st, tok, ntok, id, who, &c, &err) != 0)
        return http_send_error(conn, rq, &err);
    ct = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    if (ct == NULL || strncmp(ct, "application/taxii+json", 22) != 0) {
        rq->status = MHD_HTTP_UNSUPPORTED_MEDIA_TYPE;
        return http_send_json(conn, rq, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
                              json_pack("{s:s, s:s, s:i}", "title", "Unsupported Media Type",
                                        "description", "send " TAXII_TYPE, "http_status",
                                        MHD_HTTP_UNSUPPORTED_MEDIA_TYPE),
                              NULL);
    }
    if (rq->too_large) {
        rq->status = MHD_HTTP_CONTENT_TOO_LARGE;
        return http_send_json(conn, rq, MHD_HTTP_CONTENT_TOO_LARGE,
                              json_pack("{s:s, s:s, s:i}", "title", "Content Too Large",
                                        "description", "the body exceeds max_content_length",
                                        "http_status", MHD_HTTP_CONTENT_TOO_LARGE),
                              NULL);
    }
    io.org_id = who->org.id;
    io.key_id = who->key.id;
    io.collection_id = c.id;
    io.default_tlp = VG_TLP_AMBER;
    io.batch = 1000000; /* one transaction: committed before the answer */
    src.data = rq->body.data ? rq->body.data : "";
    src.len = rq->body.len;
    src.at = 0;
    src.chunk = 0;
    bad = json_array();
    vg_buf_init(&okbuf, 0);
    if (bad == NULL)
        goto nomem;
    /* The ingest writes through the server's write connection, taken only
     * around its reads here and from the first write to the commit. */
    if ((w = http_writer_take(srv, &err)) == NULL)
        goto fail;
    rc = vg_ingest_new(w, &io, &ing, &err);
    http_writer_give(srv);
    if (rc != VG_OK)
        goto fail;
    if (vg_stix_reader_new(body_read, &src, &rd) != VG_OK)
        goto nomem; /* its only failure here */
    /* Objects are prepared (parsed, validated) in chunks before any write:
     * the store's write lock is not held while this request parses, so
     * envelopes on other connections parse at the same time. */
    if ((items = vg_tls_get(&items_slot)) == NULL)
        goto nomem;
    for (done = 0; !done;) {
        size_t n = 0, k;

        while (n < POST_CHUNK) {
            struct vg_stix_pos pos;
            json_t *obj = NULL, *mod;
            size_t tlen;
            const char *t;

            vg_error_clear(&oerr);
            rc = vg_stix_reader_next(rd, &obj, &pos, &oerr);
            if (rc == VG_NOT_FOUND) {
                done = 1;
                break;
            }
            if (rc == VG_NOMEM) { /* the server's failure: 503, nothing stored */
                err = oerr;
                goto fail;
            }
            if (rc != VG_OK && rc != VG_INVALID) {
                if (total == 0) { /* not an envelope at all: 400, nothing stored */
                    err = oerr;
                    err.code = VG_INVALID;
                    goto fail;
                }
                json_array_append_new(bad, json_pack("{s:s, s:s}", "id", "", "message", oerr.msg));
                total++;
                done = 1;
                break;
            }
            total++;
            if (rc == VG_INVALID) {
                json_array_append_new(bad, json_pack("{s:s, s:s}", "id", "", "message", oerr.msg));
                continue;
            }
            mod = json_object_get(obj, "modified");
            snprintf(versions[n], sizeof(versions[n]), "%s",
                     json_is_string(mod) ? json_string_value(mod) : "");
            t = vg_stix_reader_text(rd, &tlen);
            vg_ingest_prepare(ing, obj, t, tlen, items[n]);
            json_decref(obj);
            n++;
        }
        if (n && !held) {
            if (http_writer_take(srv, &err) == NULL)
                goto fail;
            held = 1;
        }
        for (k = 0; k < n; k++) {
            enum vg_put_result res;
            const char *oid = vg_ingest_item_id(items[k]);

            vg_error_clear(&oerr);
            rc = vg_ingest_commit(ing, items[k], &res, &oerr);
            if (rc == VG_OK) {
                /* written directly: an accepted object's id and modified
                 * are validated, but a version is printed only if plain */
                int plain = versions[k][0] &&
                            strspn(versions[k], "0123456789-:.TZ+") == strlen(versions[k]);

                if (vg_buf_printf(&okbuf, "%s{\"id\":\"%s\"", nok ? "," : "", oid ? oid : "") !=
                        VG_OK ||
                    (plain && vg_buf_printf(&okbuf, ",\"version\":\"%s\"", versions[k]) != VG_OK) ||
                    vg_buf_putc(&okbuf, '}') != VG_OK)
                    goto nomem;
                nok++;
            } else if (rc == VG_STORAGE || rc == VG_IO || rc == VG_NOMEM || rc == VG_INTERNAL) {
                err = oerr;
                goto fail;
            } else {
                json_array_append_new(
                    bad, json_pack("{s:s, s:s}", "id", oid ? oid : "", "message", oerr.msg));
            }
        }
    }
    if (vg_uuid4(sid) != VG_OK) {
        vg_error_set(&err, VG_INTERNAL, NULL, "no randomness");
        goto fail;
    }
    vg_time_format_us(vg_time_now_us(), now);
    /* The status resource as text, once: stored, then sent as it is. */
    vg_buf_init(&stbuf, 0);
    if (vg_buf_printf(&stbuf,
                      "{\"id\":\"%s\",\"status\":\"complete\",\"request_timestamp\":\"%s\","
                      "\"total_count\":%zu,\"success_count\":%zu,\"failure_count\":%zu,"
                      "\"pending_count\":0",
                      sid, now, total, nok, json_array_size(bad)) != VG_OK)
        goto nomem;
    if (nok && (vg_buf_puts(&stbuf, ",\"successes\":[") != VG_OK ||
                vg_buf_append(&stbuf, okbuf.data, okbuf.len) != VG_OK ||
                vg_buf_putc(&stbuf, ']') != VG_OK))
        goto nomem;
    if (json_array_size(bad)) { /* empty lists are omitted */
        char *f = json_dumps(bad, JSON_COMPACT);

        if (f == NULL || vg_buf_printf(&stbuf, ",\"failures\":%s", f) != VG_OK) {
            free(f);
            goto nomem;
        }
        free(f);
    }
    if (vg_buf_putc(&stbuf, '}') != VG_OK)
        goto nomem;
    text = stbuf.data;
    stbuf.data = NULL;
    /* The status resource joins the objects' transaction: one commit (one
     * fsync) makes both durable before the 202. */
    if (!held) {
        if (http_writer_take(srv, &err) == NULL)
            goto fail;
        held = 1;
    }
    if (vg_store_status_put(w, sid, who->org.id, text, &err) != VG_OK ||
        vg_ingest_flush(ing, &err) != VG_OK)
        goto fail;
    vg_ingest_free(ing);
    ing = NULL;
    http_writer_give(srv);
    held = 0;
    /* durable before the 202, the next envelope committing meanwhile */
    if (http_writer_sync(srv, &err) != VG_OK)
        goto fail;
    http_stream_kick(srv);
    vg_buf_cleanup(&okbuf);
    json_decref(bad);
    vg_stix_reader_free(rd);
    return send_text(conn, rq, MHD_HTTP_ACCEPTED, text);
nomem:
    vg_error_set(&err, VG_NOMEM, NULL, "out of memory");
fail:
    free(text);
    vg_buf_cleanup(&okbuf);
    vg_buf_cleanup(&stbuf);
    json_decref(bad);
    vg_stix_reader_free(rd);
    vg_ingest_free(ing); /* rolls back what was not flushed */
    if (held)
        http_writer_give(srv);
    return http_send_error(conn, rq, &err);
}

/*
 * TAXII 2.1 discovery (/taxii2/) and the API root.  Both need a read key:
 * a hub says nothing about itself to strangers.  Collections and objects
 * (issue 3) hang under the root.
 */
enum MHD_Result http_taxii(struct server *srv, struct MHD_Connection *conn, struct request *rq,
                           const char *url, const char *method)
{
    struct vg_error err;
    struct vg_store *st;
    struct vg_auth who;
    const char *host;
    char root[512], path[1024];
    size_t len = strlen(url);

    vg_error_clear(&err);
    /* Every TAXII URL ends in '/'; clients that drop it (the OASIS client
     * builds status URLs without one) are answered as if they had not. */
    if (len + 2 > sizeof(path)) {
        vg_error_set(&err, VG_NOT_FOUND, NULL, "no such resource");
        return http_send_error(conn, rq, &err);
    }
    memcpy(path, url, len + 1);
    if (path[len - 1] != '/') {
        path[len] = '/';
        path[len + 1] = '\0';
    }
    url = path;
    if ((st = http_worker_store(srv, &err)) == NULL)
        return http_send_error(conn, rq, &err);
    if (http_authenticate(st, conn, VG_SCOPE_READ, &who, &err) != VG_OK)
        return http_send_error(conn, rq, &err);
    if (!taxii_acceptable(conn)) {
        rq->status = MHD_HTTP_NOT_ACCEPTABLE;
        return http_send_json(conn, rq, MHD_HTTP_NOT_ACCEPTABLE,
                              json_pack("{s:s, s:s, s:i}", "title", "Not Acceptable", "description",
                                        "this server answers " TAXII_TYPE, "http_status",
                                        MHD_HTTP_NOT_ACCEPTABLE),
                              NULL);
    }
    if (strcmp(method, "POST") == 0)
        return post_objects(srv, st, conn, rq, &who, url);
    if (strcmp(method, "DELETE") == 0)
        return delete_object(srv, st, conn, rq, &who, url);
    if (strcmp(method, "GET") != 0) {
        vg_error_set(&err, VG_INVALID, NULL, "%s is not allowed here", method);
        return http_send_error(conn, rq, &err);
    }
    if (strncmp(url, TAXII_ROOT "status/", sizeof(TAXII_ROOT "status/") - 1) == 0) {
        const char *sid = url + sizeof(TAXII_ROOT "status/") - 1;
        char id[VG_UUID_TEXT_LEN + 1], *json = NULL;

        if (strlen(sid) == VG_UUID_TEXT_LEN + 1 && sid[VG_UUID_TEXT_LEN] == '/') {
            memcpy(id, sid, VG_UUID_TEXT_LEN);
            id[VG_UUID_TEXT_LEN] = '\0';
            enum vg_rc src = vg_store_status_get(st, id, who.org.id, &json, &err);

            if (src == VG_OK) {
                json_t *doc = json_loads(json, 0, NULL);

                free(json);
                if (doc != NULL)
                    return send_taxii(conn, rq, doc);
                vg_error_set(&err, VG_NOMEM, NULL, "out of memory");
                return http_send_error(conn, rq, &err);
            }
            if (server_fault(src))
                return http_send_error(conn, rq, &err);
        }
        vg_error_clear(&err);
        vg_error_set(&err, VG_NOT_FOUND, NULL, "no such resource");
        return http_send_error(conn, rq, &err);
    }
    if (strcmp(url, "/taxii2/") == 0) {
        host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
        if (host == NULL || strlen(host) > 255 || strpbrk(host, "/\\ \"") != NULL)
            host = "localhost";
        snprintf(root, sizeof(root), "%s://%s" TAXII_ROOT, srv->tls ? "https" : "http", host);
        return send_taxii(conn, rq,
                          json_pack("{s:s, s:s, s:s, s:[s]}", "title", "Vigie", "description",
                                    "threat-intelligence exchange hub", "default", root,
                                    "api_roots", root));
    }
    if (strcmp(url, TAXII_ROOT) == 0)
        return send_taxii(conn, rq,
                          json_pack("{s:s, s:[s], s:I}", "title", "Vigie", "versions", TAXII_TYPE,
                                    "max_content_length", (json_int_t)srv->max_content_length));
    if (strncmp(url, TAXII_ROOT "collections/", sizeof(TAXII_ROOT "collections/") - 1) == 0)
        return collections(srv, st, conn, rq, &who, url + sizeof(TAXII_ROOT "collections/") - 1);
    vg_error_set(&err, VG_NOT_FOUND, NULL, "no such resource");
    return http_send_error(conn, rq, &err);
}
