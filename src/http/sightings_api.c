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
 * Reports roll up: the sighting of a value by an organisation, of one
 * indicator, at one TLP and audience, on one UTC day, has one id (UUIDv5 of
 * those), and each report is a new version of it whose count adds to the
 * last one's and whose first/last seen widen it.  The store keeps one
 * counted row per such sighting (sqlite.c, put_sighting), so a look-up
 * reads one row per organisation and day, however often sensors report.
 *
 * Two phases: every value is resolved first (reads only; repeated values of
 * a batch merged), then, in the write transaction, each sighting's last
 * version is read and the next one written, so concurrent batches never
 * lose a count and the hub's write lock is held only for that.
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
#define DAY_US (86400LL * 1000000)
/* UUIDv5 namespace of the sightings the hub rolls up */
#define SIGHTING_NS "3d0c5a6e-8a4b-5f1e-9c2d-7b6a5e4f3a21"

/* One sighting to write: a value's report (or several of a batch, merged). */
struct pend {
    char id[16 + VG_UUID_TEXT_LEN];
    char *ref, *value;
    enum vg_tlp tlp;
    int64_t only_org; /* 0: the community; else the indicator's contributor */
    int64_t count, first, last;
};

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

/* Sum of counts, within what STIX allows. */
static int64_t add_count(int64_t a, int64_t b)
{
    return a + b > VG_SIGHTING_COUNT_MAX ? VG_SIGHTING_COUNT_MAX : a + b;
}

/* The rolled-up id of the sighting of value (of ref) by org, at tlp, shared
 * with only (0: the community), on the UTC day of now. */
static void rollup_id(const struct vg_auth *who, const char *ref, const char *value,
                      enum vg_tlp tlp, int64_t only, int64_t now, char *out, size_t cap)
{
    char uuid[VG_UUID_TEXT_LEN + 1];
    struct vg_buf name;

    vg_buf_init(&name, 0);
    if (vg_buf_printf(&name, "%s|%s|%s|%d|%lld|%lld", who->org.stix_id, ref, value, (int)tlp,
                      (long long)only, (long long)(now / DAY_US)) != VG_OK) {
        uuid[0] = '\0'; /* out of memory: a fresh id, no roll-up */
        if (vg_uuid4(uuid) != VG_OK)
            snprintf(uuid, sizeof(uuid), "00000000-0000-4000-8000-000000000000");
    } else {
        vg_uuid5(SIGHTING_NS, name.data, name.len, uuid);
    }
    vg_buf_cleanup(&name);
    snprintf(out, cap, "sighting--%s", uuid);
}

/*
 * Phase 1: one result per value, and the sightings to write (*npend of
 * them; a value repeated in the batch adds to its first occurrence).
 */
static enum vg_rc resolve(struct server *srv, struct vg_store *st, const struct vg_auth *who,
                          const struct vg_sighting_batch *b, json_t *results, struct pend *pend,
                          size_t *npend, size_t *accepted, struct vg_error *err)
{
    vg_token tok[VG_POLICY_TOKENS_MAX];
    size_t ntok = vg_policy_tokens(&who->principal, tok), i;
    int64_t now = vg_time_now_us();
    json_t *seen = json_object(); /* id -> index in pend */
    struct vg_lookup_opts opts;
    struct vg_wl_set *wl;
    enum vg_rc rc;

    if (seen == NULL)
        return vg_error_set(err, VG_NOMEM, NULL, "out of memory");
    /* As a look-up batch, with the value set caught up with every writer
     * first: a value imported a moment ago by another process must not be
     * refused as unknown. */
    if ((rc = http_lookup_begin(srv, st, 1, &opts, &wl, err)) != VG_OK) {
        json_decref(seen);
        return rc;
    }
    opts.requester_org = who->org.id;
    opts.requester_is_operator = who->org.is_operator;
    *npend = *accepted = 0;
    for (i = 0; i < b->n && rc == VG_OK; i++) {
        const struct vg_sighting_in *in = &b->items[i];
        struct vg_error verr;
        json_t *answer = NULL, *r = NULL, *at;
        struct pick p;

        vg_error_clear(&verr);
        if (vg_lookup(st, &opts, tok, ntok, in->value, in->len, &answer, &verr) != VG_OK) {
            if (verr.code != VG_INVALID && verr.code != VG_LIMIT) {
                *err = verr;
                rc = verr.code;
                break;
            }
            r = json_pack("{s:s%, s:s, s:s+}", "value", in->value, in->len, "status", "rejected",
                          "reason", "not an observable: ", verr.msg);
        } else if ((rc = pick_indicator(st, answer, &p, err)) != VG_OK) {
            json_decref(answer);
            break;
        } else if (p.ref == NULL) {
            r = json_pack("{s:s%, s:s, s:s}", "value", in->value, in->len, "status", "rejected",
                          "reason", UNKNOWN_REASON);
        } else {
            const char *canon = json_string_value(json_object_get(answer, "value"));
            enum vg_tlp tlp = b->has_tlp ? b->tlp : VG_TLP_AMBER;
            int64_t first = in->first_seen_us ? in->first_seen_us : now;
            int64_t last = in->last_seen_us ? in->last_seen_us : first;
            struct pend *d;
            char id[16 + VG_UUID_TEXT_LEN];

            if (p.tlp > tlp) /* never wider than the indicator */
                tlp = p.tlp;
            if (last < first)
                last = first;
            rollup_id(who, p.ref, canon, tlp, p.only_org, now, id, sizeof(id));
            if ((at = json_object_get(seen, id)) != NULL) {
                d = &pend[json_integer_value(at)];
                d->count = add_count(d->count, in->count);
            } else {
                d = &pend[*npend];
                memset(d, 0, sizeof(*d));
                snprintf(d->id, sizeof(d->id), "%s", id);
                d->tlp = tlp;
                d->only_org = p.only_org;
                d->count = in->count;
                d->first = first;
                d->last = last;
                if ((d->ref = strdup(p.ref)) == NULL || (d->value = strdup(canon)) == NULL ||
                    json_object_set_new(seen, id, json_integer((json_int_t)*npend)) != 0) {
                    free(d->ref);
                    free(d->value);
                    json_decref(answer);
                    rc = vg_error_set(err, VG_NOMEM, NULL, "out of memory");
                    break;
                }
                (*npend)++;
            }
            if (first < d->first)
                d->first = first;
            if (last > d->last)
                d->last = last;
            (*accepted)++;
            r = json_pack("{s:s%, s:s, s:s, s:s, s:s, s:s, s:s}", "value", in->value, in->len,
                          "status", "accepted", "canonical", canon, "id", d->id, "indicator",
                          d->ref, "tlp", vg_tlp_name(tlp), "shared_with",
                          p.only_org ? "contributor" : "community");
        }
        json_decref(answer);
        if (r == NULL || json_array_append_new(results, r) != 0)
            rc = vg_error_set(err, VG_NOMEM, NULL, "out of memory");
    }
    http_lookup_end(st, wl);
    json_decref(seen);
    return rc;
}

struct prev {
    char *json; /* the last version's text, or NULL */
};

static int prev_cb(void *ctx, const struct vg_object_row *row)
{
    struct prev *p = ctx;

    free(p->json);
    p->json = strndup(row->json, row->json_len);
    return 0;
}

static int64_t time_of(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    int64_t us = 0;

    if (!json_is_string(v) || vg_time_parse(json_string_value(v), json_string_length(v), &us))
        return 0;
    return us;
}

/*
 * The next version of sighting d: its last version (if any, read inside the
 * write transaction) plus this batch's reports.  NULL: out of memory.
 */
static json_t *next_version(struct vg_store *st, const struct vg_auth *who, const vg_token *tok,
                            size_t ntok, const struct pend *d, int64_t now, struct vg_error *err,
                            enum vg_rc *rc)
{
    struct vg_object_filter f;
    struct prev prev = {NULL};
    json_t *old = NULL, *o;
    int64_t count = d->count, first = d->first, last = d->last, created = now, modified = now;
    char tc[VG_TIME_TEXT_MAX], tm[VG_TIME_TEXT_MAX], tf[VG_TIME_TEXT_MAX], tl[VG_TIME_TEXT_MAX];

    memset(&f, 0, sizeof(f));
    f.tokens = tok;
    f.ntokens = ntok;
    f.stix_id = d->id;
    f.org_id = who->org.id;
    if ((*rc = vg_store_scan_objects(st, &f, prev_cb, &prev, err)) != VG_OK)
        return NULL;
    if (prev.json && (old = json_loads(prev.json, 0, NULL)) != NULL) {
        json_t *c = json_object_get(old, "count");
        int64_t of = time_of(old, "first_seen"), ol = time_of(old, "last_seen");
        int64_t om = time_of(old, "modified");

        if (json_is_integer(c))
            count = add_count(count, (int64_t)json_integer_value(c));
        if (of && of < first)
            first = of;
        if (ol > last)
            last = ol;
        if (time_of(old, "created"))
            created = time_of(old, "created");
        if (om >= modified)
            modified = om + 1; /* versions strictly increase */
    }
    free(prev.json);
    json_decref(old);
    vg_time_format_us(created, tc);
    vg_time_format_us(modified, tm);
    vg_time_format_us(first, tf);
    vg_time_format_us(last, tl);
    o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:[s], s:s, s:[s]}", "type",
                  "sighting", "spec_version", "2.1", "id", d->id, "created", tc, "modified", tm,
                  "created_by_ref", who->org.stix_id, "sighting_of_ref", d->ref, "count",
                  (json_int_t)count, "first_seen", tf, "last_seen", tl, "where_sighted_refs",
                  who->org.stix_id, "x_vigie_value", d->value, "object_marking_refs",
                  vg_tlp_marking_id(d->tlp));
    if (o == NULL)
        *rc = vg_error_set(err, VG_NOMEM, NULL, "out of memory");
    return o;
}

/* Phase 2: in one write transaction, the next version of each sighting.
 * A sighting the hub itself made can only fail for storage reasons: that
 * fails the request, and nothing is stored. */
static enum vg_rc store(struct vg_store *st, const struct vg_auth *who,
                        const struct vg_sighting_batch *b, const struct pend *pend, size_t npend,
                        struct vg_error *err)
{
    vg_token tok[VG_POLICY_TOKENS_MAX];
    size_t ntok = vg_policy_tokens(&who->principal, tok), i;
    struct vg_ingest_opts io = {0};
    struct vg_ingest *ing = NULL;
    int64_t now = vg_time_now_us();
    enum vg_rc rc;

    if (npend == 0)
        return VG_OK;
    io.org_id = who->org.id;
    io.key_id = who->key.id;
    io.default_tlp = b->has_tlp ? b->tlp : VG_TLP_AMBER;
    io.has_tlp_floor = b->has_tlp;
    io.tlp_floor = b->tlp;
    io.batch = VG_SIGHTINGS_BATCH_MAX + 1; /* one transaction */
    if ((rc = vg_ingest_new(st, &io, &ing, err)) != VG_OK)
        return rc;
    if ((rc = vg_ingest_begin(ing, err)) != VG_OK)
        goto out;
    for (i = 0; i < npend; i++) {
        const struct pend *d = &pend[i];
        enum vg_put_result res;
        json_t *o = next_version(st, who, tok, ntok, d, now, err, &rc);

        if (o == NULL)
            goto out;
        rc = vg_ingest_object_for(ing, o, d->only_org ? &d->only_org : NULL, d->only_org ? 1 : 0,
                                  &res, err);
        json_decref(o);
        if (rc != VG_OK)
            goto out;
    }
    rc = vg_ingest_flush(ing, err);
out:
    vg_ingest_free(ing); /* rolls back what was not flushed */
    return rc;
}

static void pend_free(struct pend *pend, size_t n)
{
    size_t i;

    for (i = 0; pend && i < n; i++) {
        free(pend[i].ref);
        free(pend[i].value);
    }
    free(pend);
}

enum MHD_Result http_sightings(struct server *srv, struct MHD_Connection *conn, struct request *rq,
                               const char *method)
{
    struct vg_sighting_batch b;
    struct vg_error err;
    struct vg_store *st;
    struct vg_auth who;
    json_t *results = NULL, *doc;
    struct pend *pend = NULL;
    const char *ct;
    size_t npend = 0, accepted = 0;
    int64_t t0, t1 = 0, t2 = 0;

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
    if ((results = json_array()) == NULL || (b.n && (pend = calloc(b.n, sizeof(*pend))) == NULL)) {
        vg_error_set(&err, VG_NOMEM, NULL, "out of memory");
        goto fail;
    }
    t0 = vg_time_now_us();
    if (resolve(srv, st, &who, &b, results, pend, &npend, &accepted, &err) != VG_OK)
        goto fail;
    t1 = vg_time_now_us();
    if (npend) { /* written through the server's write connection (http_writer_take) */
        struct vg_store *w = http_writer_take(srv, &err);
        enum vg_rc rc;

        if (w == NULL)
            goto fail;
        rc = store(w, &who, &b, pend, npend, &err);
        http_writer_give(srv);
        if (rc == VG_OK)
            rc = http_writer_sync(srv, &err); /* durable before the answer */
        if (rc != VG_OK)
            goto fail;
    }
    t2 = vg_time_now_us();
    if (npend)
        http_stream_kick(srv);
    vg_log(VG_LOG_INFO, "sightings",
           "org=%s values=%zu accepted=%zu sightings=%zu resolve_us=%lld write_us=%lld",
           who.org.name, b.n, accepted, npend, (long long)(t1 - t0), (long long)(t2 - t1));
    doc = json_pack("{s:I, s:I, s:o}", "accepted", (json_int_t)accepted, "rejected",
                    (json_int_t)(b.n - accepted), "results", results);
    pend_free(pend, npend);
    vg_sightings_cleanup(&b);
    if (doc == NULL)
        return MHD_NO;
    return http_send_json(conn, rq, MHD_HTTP_OK, doc, NULL);
fail:
    pend_free(pend, npend);
    json_decref(results);
    vg_sightings_cleanup(&b);
    return http_send_error(conn, rq, &err);
}
