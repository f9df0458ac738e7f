/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sightings_api.c - POST /api/v1/sightings: a partner reports that it saw
 * values (docs/sightings.md).
 *
 * The body (src/codec/sightings.h) lists values with a count and first/last
 * seen.  Each value is canonicalised and looked up with the sighter's own
 * tokens (src/lookup): the first indicator it matches that the sighter may
 * see becomes the sighting_of_ref of a STIX 2.1 sighting object created by
 * the sighter's organisation, carrying the value itself (x_vigie_value).
 * All the sightings go through ingest, the path of every write, in one
 * transaction committed before the answer.  A value that matches nothing the
 * sighter may see is refused with one reason, whether it is unknown to the
 * hub or known only through objects hidden from the sighter.
 *
 * Two phases: every value is resolved first (reads only), then the objects
 * are written, so the hub's write lock is held only for the writes.
 */
#include <stdlib.h>
#include <string.h>

#include "codec/sightings.h"
#include "common/log.h"
#include "common/vtime.h"
#include "ingest/ingest.h"
#include "internal.h"
#include "lookup/lookup.h"
#include "model/uuid.h"

#define UNKNOWN_REASON "no indicator you may see matches this value"

/* The indicator a sighting is made of, and how far the sighting may go. */
struct pick {
    const char *ref;
    enum vg_tlp tlp;  /* the indicator's */
    int64_t only_org; /* 0: the community may see it; else only its contributor */
};

static int found_cb(void *ctx, const struct vg_object_row *row)
{
    (void)row;
    *(int *)ctx = 1;
    return 1;
}

/* Whether a holder of the community token alone may see object id. */
static enum vg_rc community_sees(struct vg_store *st, const char *id, int *yes,
                                 struct vg_error *err)
{
    vg_token community = VG_TOKEN_COMMUNITY;
    struct vg_object_filter f;

    memset(&f, 0, sizeof(f));
    f.tokens = &community;
    f.ntokens = 1;
    f.stix_id = id;
    f.limit = 1;
    *yes = 0;
    return vg_store_scan_objects(st, &f, found_cb, yes, err);
}

/*
 * Among the indicators of a look-up answer (all visible to the sighter),
 * the first one the whole community may see; failing that, the first one,
 * and the sighting will then be shared with its contributor only: a
 * sighting names what it sights (and carries the value), so it must reach
 * no one the indicator does not.  p->ref NULL: no indicator.
 */
static enum vg_rc pick_indicator(struct vg_store *st, json_t *answer, struct pick *p,
                                 struct vg_error *err)
{
    const char *first_org = NULL;
    json_t *m, *c;
    size_t i, j;
    enum vg_rc rc;

    memset(p, 0, sizeof(*p));
    json_array_foreach(json_object_get(answer, "matches"), i, m)
    {
        json_array_foreach(json_object_get(m, "contributions"), j, c)
        {
            const char *id = json_string_value(json_object_get(c, "object"));
            enum vg_tlp tlp = VG_TLP_RED;
            int yes;

            if (id == NULL || strncmp(id, "indicator--", 11) != 0)
                continue;
            if (vg_tlp_from_name(json_string_value(json_object_get(c, "tlp")), &tlp) != VG_OK)
                tlp = VG_TLP_RED;
            if ((rc = community_sees(st, id, &yes, err)) != VG_OK)
                return rc;
            if (yes) {
                p->ref = id;
                p->tlp = tlp;
                p->only_org = 0;
                return VG_OK;
            }
            if (p->ref == NULL) {
                p->ref = id;
                p->tlp = tlp;
                first_org = json_string_value(json_object_get(c, "organisation"));
            }
        }
    }
    if (p->ref) {
        struct vg_org org;

        if (first_org == NULL || vg_store_org_get(st, first_org, &org, err) != VG_OK)
            return vg_error_set(err, VG_INTERNAL, NULL, "the contributor of %s is unknown", p->ref);
        p->only_org = org.id;
    }
    return VG_OK;
}

/* The sighting object for one resolved value, or NULL (out of memory). */
static json_t *sighting_object(const struct vg_auth *who, const char *ref, const char *value,
                               enum vg_tlp tlp, const struct vg_sighting_in *in, const char *now)
{
    char id[16 + VG_UUID_TEXT_LEN], uuid[VG_UUID_TEXT_LEN + 1], t[VG_TIME_TEXT_MAX];
    json_t *o;

    if (vg_uuid4(uuid) != VG_OK)
        return NULL;
    snprintf(id, sizeof(id), "sighting--%s", uuid);
    o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:[s], s:s, s:[s]}", "type", "sighting",
                  "spec_version", "2.1", "id", id, "created", now, "modified", now,
                  "created_by_ref", who->org.stix_id, "sighting_of_ref", ref, "count",
                  (json_int_t)in->count, "where_sighted_refs", who->org.stix_id, "x_vigie_value",
                  value, "object_marking_refs", vg_tlp_marking_id(tlp));
    if (o == NULL)
        return NULL;
    if (in->first_seen_us) {
        vg_time_format_us(in->first_seen_us, t);
        json_object_set_new(o, "first_seen", json_string(t));
    }
    if (in->last_seen_us) {
        vg_time_format_us(in->last_seen_us, t);
        json_object_set_new(o, "last_seen", json_string(t));
    }
    return o;
}

/* Phase 1: one result per value; objs[i] the sighting to store (or NULL)
 * and only[i] the one organisation it is shared with (0: the community). */
static enum vg_rc resolve(struct vg_store *st, const struct vg_auth *who,
                          const struct vg_sighting_batch *b, json_t *results, json_t **objs,
                          int64_t *only, struct vg_error *err)
{
    vg_token tok[VG_POLICY_TOKENS_MAX];
    size_t ntok = vg_policy_tokens(&who->principal, tok), i;
    char now[VG_TIME_TEXT_MAX];
    enum vg_rc rc;

    vg_time_format_us(vg_time_now_us(), now);
    for (i = 0; i < b->n; i++) {
        const struct vg_sighting_in *in = &b->items[i];
        struct vg_error verr;
        json_t *answer = NULL, *r;
        struct pick p;

        vg_error_clear(&verr);
        if (vg_lookup(st, tok, ntok, in->value, in->len, &answer, &verr) != VG_OK) {
            if (verr.code != VG_INVALID && verr.code != VG_LIMIT) {
                *err = verr;
                return verr.code;
            }
            r = json_pack("{s:s%, s:s, s:s+}", "value", in->value, in->len, "status", "rejected",
                          "reason", "not an observable: ", verr.msg);
        } else if ((rc = pick_indicator(st, answer, &p, err)) != VG_OK) {
            json_decref(answer);
            return rc;
        } else if (p.ref == NULL) {
            r = json_pack("{s:s%, s:s, s:s}", "value", in->value, in->len, "status", "rejected",
                          "reason", UNKNOWN_REASON);
        } else {
            const char *canon = json_string_value(json_object_get(answer, "value"));
            enum vg_tlp tlp = b->has_tlp ? b->tlp : VG_TLP_AMBER;

            if (p.tlp > tlp) /* never wider than the indicator */
                tlp = p.tlp;
            objs[i] = sighting_object(who, p.ref, canon, tlp, in, now);
            only[i] = p.only_org;
            r = objs[i] ? json_pack("{s:s%, s:s, s:s, s:O, s:s, s:s, s:s}", "value", in->value,
                                    in->len, "status", "accepted", "canonical", canon, "id",
                                    json_object_get(objs[i], "id"), "indicator", p.ref, "tlp",
                                    vg_tlp_name(tlp), "shared_with",
                                    p.only_org ? "contributor" : "community")
                        : NULL;
        }
        json_decref(answer);
        if (r == NULL || json_array_append_new(results, r) != 0)
            return vg_error_set(err, VG_NOMEM, NULL, "out of memory");
    }
    return VG_OK;
}

/* Phase 2: store the sightings, one transaction.  A sighting the hub
 * itself made can only fail for storage reasons: that fails the request. */
static enum vg_rc store(struct vg_store *st, const struct vg_auth *who,
                        const struct vg_sighting_batch *b, json_t **objs, const int64_t *only,
                        size_t *stored, struct vg_error *err)
{
    struct vg_ingest_opts io = {0};
    struct vg_ingest *ing = NULL;
    enum vg_rc rc;
    size_t i;

    io.org_id = who->org.id;
    io.key_id = who->key.id;
    io.default_tlp = b->has_tlp ? b->tlp : VG_TLP_AMBER;
    io.has_tlp_floor = b->has_tlp;
    io.tlp_floor = b->tlp;
    io.batch = VG_SIGHTINGS_BATCH_MAX + 1; /* one transaction */
    if ((rc = vg_ingest_new(st, &io, &ing, err)) != VG_OK)
        return rc;
    *stored = 0;
    for (i = 0; i < b->n; i++) {
        enum vg_put_result res;

        if (objs[i] == NULL)
            continue;
        if ((rc = vg_ingest_object_for(ing, objs[i], only[i] ? &only[i] : NULL, only[i] ? 1 : 0,
                                       &res, err)) != VG_OK)
            goto out;
        (*stored)++;
    }
    rc = vg_ingest_flush(ing, err);
out:
    vg_ingest_free(ing); /* rolls back what was not flushed */
    return rc;
}

enum MHD_Result http_sightings(struct server *srv, struct MHD_Connection *conn, struct request *rq,
                               const char *method)
{
    struct vg_sighting_batch b;
    struct vg_error err;
    struct vg_store *st;
    struct vg_auth who;
    json_t *results = NULL, **objs = NULL, *doc;
    int64_t *only = NULL;
    const char *ct;
    size_t i, stored = 0;

    vg_error_clear(&err);
    memset(&b, 0, sizeof(b));
    if ((st = http_worker_store(srv, &err)) == NULL ||
        http_authenticate(st, conn, VG_SCOPE_WRITE, &who, &err) != VG_OK)
        return http_send_error(conn, rq, &err);
    if (strcmp(method, "POST") != 0) {
        vg_error_set(&err, VG_INVALID, NULL, "%s is not allowed here: POST a batch", method);
        return http_send_error(conn, rq, &err);
    }
    if (rq->too_large) {
        vg_error_set(&err, VG_LIMIT, NULL, "the body exceeds max_content_length");
        return http_send_error(conn, rq, &err);
    }
    ct = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    if (ct == NULL || strncmp(ct, "application/json", 16) != 0) {
        rq->status = MHD_HTTP_UNSUPPORTED_MEDIA_TYPE;
        return http_send_json(conn, rq, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
                              json_pack("{s:s, s:s, s:i}", "title", "Unsupported Media Type",
                                        "description", "send application/json", "http_status",
                                        MHD_HTTP_UNSUPPORTED_MEDIA_TYPE),
                              NULL);
    }
    if (vg_sightings_parse(rq->body.data, rq->body.len, &b, &err) != VG_OK)
        return http_send_error(conn, rq, &err);
    if ((results = json_array()) == NULL ||
        (b.n && ((objs = calloc(b.n, sizeof(*objs))) == NULL ||
                 (only = calloc(b.n, sizeof(*only))) == NULL))) {
        vg_error_set(&err, VG_NOMEM, NULL, "out of memory");
        goto fail;
    }
    if (resolve(st, &who, &b, results, objs, only, &err) != VG_OK ||
        store(st, &who, &b, objs, only, &stored, &err) != VG_OK)
        goto fail;
    if (stored)
        http_stream_kick(srv);
    vg_log(VG_LOG_INFO, "sightings", "org=%s values=%zu accepted=%zu", who.org.name, b.n, stored);
    doc = json_pack("{s:I, s:I, s:o}", "accepted", (json_int_t)stored, "rejected",
                    (json_int_t)(b.n - stored), "results", results);
    results = NULL;
    for (i = 0; i < b.n; i++)
        json_decref(objs[i]);
    free(objs);
    free(only);
    vg_sightings_cleanup(&b);
    if (doc == NULL)
        return MHD_NO;
    return http_send_json(conn, rq, MHD_HTTP_OK, doc, NULL);
fail:
    for (i = 0; objs && i < b.n; i++)
        json_decref(objs[i]);
    free(objs);
    free(only);
    json_decref(results);
    vg_sightings_cleanup(&b);
    return http_send_error(conn, rq, &err);
}
