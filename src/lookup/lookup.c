/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lookup.c - look-up and correlation over the store (see lookup.h).
 *
 * A query becomes a short list of candidate indicators, each looked up
 * exactly through the store's observable hash: the value itself; for a
 * domain, each parent domain (a.b.evil.com: b.evil.com, evil.com, never the
 * bare top-level label); for an address, the network of every prefix length
 * (an address inside a reported range); for a URL, its host as above.  The
 * contributions of each are read with the requester's tokens, so the policy
 * decides inside the query.
 *
 * Score: the strongest visible contribution's confidence (50 when none was
 * given), plus 10 per further corroborating organisation, times 0.8 for a
 * match that is not exact; at most 100.
 */
#include "lookup.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "common/vtime.h"
#include "model/obs.h"
#include "warn.h"

#define ORGS_MAX 256

struct ctx {
    struct vg_store *st;
    const struct vg_values *vals; /* values the hub may hold, or NULL */
    json_t *contributions;
    int64_t orgs[ORGS_MAX]; /* distinct contributing organisations */
    size_t norgs;
    int best_confidence;
    struct vg_error *err;
};

static json_t *time_or_null(int64_t us)
{
    char t[VG_TIME_TEXT_MAX];

    if (us == 0)
        return json_null();
    vg_time_format_us(us, t);
    return json_string(t);
}

static int contribution_cb(void *arg, const struct vg_obs_row *row)
{
    struct ctx *c = arg;
    struct vg_org org;
    struct vg_error oerr;
    size_t i;

    vg_error_clear(&oerr);
    if (vg_store_org_get_by_id(c->st, row->org_id, &org, &oerr) != VG_OK)
        snprintf(org.name, sizeof(org.name), "?");
    for (i = 0; i < c->norgs && c->orgs[i] != row->org_id; i++)
        ;
    if (i == c->norgs && c->norgs < ORGS_MAX)
        c->orgs[c->norgs++] = row->org_id;
    if (row->confidence > c->best_confidence)
        c->best_confidence = row->confidence;
    json_array_append_new(
        c->contributions,
        json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o}", "organisation", org.name, "object",
                  row->stix_id, "tlp", vg_tlp_name(row->tlp), "confidence",
                  row->confidence >= 0 ? json_integer(row->confidence) : json_null(), "first_seen",
                  time_or_null(row->first_seen_us), "last_seen", time_or_null(row->last_seen_us),
                  "label", row->label ? json_string(row->label) : json_null(), "added",
                  time_or_null(row->date_added_us)));
    return 0;
}

/* The visible contributions about one candidate; a match entry when any. */
static enum vg_rc candidate(struct ctx *c, const vg_token *tok, size_t ntok, const struct vg_obs *o,
                            const char *rule, json_t *matches)
{
    struct vg_obs_filter f;
    enum vg_rc rc;

    if (c->vals && !vg_values_has(c->vals, o->kind, o->value, o->len))
        return VG_OK; /* held by no one */
    memset(&f, 0, sizeof(f));
    f.tokens = tok;
    f.ntokens = ntok;
    f.kind = o->kind;
    f.value = o->value;
    f.value_len = o->len;
    c->contributions = json_array();
    if (c->contributions == NULL)
        return vg_error_set(c->err, VG_NOMEM, NULL, "out of memory");
    if ((rc = vg_store_scan_observables(c->st, &f, contribution_cb, c, c->err)) != VG_OK) {
        json_decref(c->contributions);
        return rc;
    }
    if (json_array_size(c->contributions) == 0) {
        json_decref(c->contributions);
        return VG_OK;
    }
    json_array_append_new(matches, json_pack("{s:s, s:{s:s, s:s}, s:o}", "rule", rule, "indicator",
                                             "value", o->value, "kind", vg_obs_kind_name(o->kind),
                                             "contributions", c->contributions));
    return VG_OK;
}

/* Whether the network of a[] (an address) with bits of prefix is held. */
static int held_net(const struct vg_values *vals, int v6, const uint8_t a[16], unsigned bits)
{
    uint8_t net[16];
    unsigned i;

    if (!v6) {
        uint32_t x = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];

        return vg_values_has_net4(vals, bits ? x & ~(uint32_t)0 << (32 - bits) : 0, bits);
    }
    for (i = 0; i < 16; i++) {
        unsigned keep = bits > i * 8 ? bits - i * 8 : 0;

        net[i] = keep >= 8 ? a[i] : (uint8_t)(a[i] & (0xff00u >> keep));
    }
    return vg_values_has_net6(vals, net, bits);
}

/* Every range of the address's family that holds it (prefix lengths below
 * the full address). */
static enum vg_rc ranges(struct ctx *c, const vg_token *tok, size_t ntok, const struct vg_obs *ip,
                         json_t *matches)
{
    int v6 = ip->kind == VG_OBS_IPV6, bits = v6 ? 128 : 32, len;
    char text[VG_OBS_VALUE_MAX + 8];
    uint8_t a[16];
    struct vg_obs net;
    struct vg_error perr;
    enum vg_rc rc;

    if (c->vals && inet_pton(v6 ? AF_INET6 : AF_INET, ip->value, a) != 1)
        return VG_OK; /* canonical addresses always parse */
    for (len = bits - 1; len >= 0; len--) {
        int n;

        if (c->vals && !held_net(c->vals, v6, a, (unsigned)len))
            continue;
        n = snprintf(text, sizeof(text), "%s/%d", ip->value, len);

        vg_error_clear(&perr);
        if (vg_obs_parse(v6 ? VG_OBS_CIDR6 : VG_OBS_CIDR4, text, (size_t)n, &net, &perr) != VG_OK)
            continue;
        if ((rc = candidate(c, tok, ntok, &net, "in-range", matches)) != VG_OK)
            return rc;
    }
    return VG_OK;
}

/* The parent domains of a domain, down to two labels. */
static enum vg_rc parents(struct ctx *c, const vg_token *tok, size_t ntok, const char *domain,
                          json_t *matches)
{
    const char *p = strchr(domain, '.');
    struct vg_obs parent;
    enum vg_rc rc;

    while (p != NULL && strchr(p + 1, '.') != NULL) {
        parent.kind = VG_OBS_DOMAIN;
        parent.len = strlen(p + 1);
        memcpy(parent.value, p + 1, parent.len + 1);
        if ((rc = candidate(c, tok, ntok, &parent, "subdomain", matches)) != VG_OK)
            return rc;
        p = strchr(p + 1, '.');
    }
    return VG_OK;
}

/* A URL's host, as an observable; -1 when it has none we reason about. */
static int url_host(const struct vg_obs *url, struct vg_obs *host)
{
    const char *h = strstr(url->value, "://"), *end;
    struct vg_error e;

    if (h == NULL)
        return -1;
    h += 3;
    if (*h == '[') { /* an IPv6 literal */
        if ((end = strchr(h, ']')) == NULL)
            return -1;
        h++;
    } else {
        end = h + strcspn(h, ":/?#");
    }
    vg_error_clear(&e);
    return vg_obs_parse(VG_OBS_NONE, h, (size_t)(end - h), host, &e) == VG_OK &&
                   (host->kind == VG_OBS_DOMAIN || host->kind == VG_OBS_IPV4 ||
                    host->kind == VG_OBS_IPV6)
               ? 0
               : -1;
}

/* The answer about o, the canonical form of in[0..len). */
static enum vg_rc answer(struct vg_store *st, const struct vg_values *vals, const vg_token *tokens,
                         size_t ntokens, const char *in, size_t len, const struct vg_obs *qo,
                         json_t **out, struct vg_error *err)
{
    struct vg_obs o = *qo, host;
    struct ctx c;
    json_t *matches, *doc;
    enum vg_rc rc;
    int exact = 0, score = 0;
    size_t i;
    json_t *m;

    memset(&c, 0, sizeof(c));
    c.st = st;
    c.vals = vals;
    c.err = err;
    c.best_confidence = -1;
    if ((matches = json_array()) == NULL)
        return vg_error_set(err, VG_NOMEM, NULL, "out of memory");
    rc = candidate(&c, tokens, ntokens, &o, "exact", matches);
    if (rc == VG_OK && o.kind == VG_OBS_IPV6 && strncmp(o.value, "::ffff:", 7) == 0 &&
        vg_obs_parse(VG_OBS_IPV4, o.value + 7, o.len - 7, &host, err) == VG_OK) {
        /* an IPv4-mapped address is that IPv4 address */
        rc = candidate(&c, tokens, ntokens, &host, "exact", matches);
        if (rc == VG_OK)
            rc = ranges(&c, tokens, ntokens, &host, matches);
    }
    vg_error_clear(err);
    if (rc == VG_OK && (o.kind == VG_OBS_IPV4 || o.kind == VG_OBS_IPV6))
        rc = ranges(&c, tokens, ntokens, &o, matches);
    else if (rc == VG_OK && o.kind == VG_OBS_DOMAIN)
        rc = parents(&c, tokens, ntokens, o.value, matches);
    else if (rc == VG_OK && o.kind == VG_OBS_URL && url_host(&o, &host) == 0) {
        rc = candidate(&c, tokens, ntokens, &host, "url-host", matches);
        if (rc == VG_OK && host.kind == VG_OBS_DOMAIN)
            rc = parents(&c, tokens, ntokens, host.value, matches);
        else if (rc == VG_OK)
            rc = ranges(&c, tokens, ntokens, &host, matches);
    }
    if (rc != VG_OK) {
        json_decref(matches);
        return rc;
    }
    json_array_foreach(matches, i, m)
    {
        exact |= strcmp(json_string_value(json_object_get(m, "rule")), "exact") == 0;
    }
    if (c.norgs) {
        score = (c.best_confidence >= 0 ? c.best_confidence : 50) + 10 * (int)(c.norgs - 1);
        if (!exact)
            score = score * 8 / 10;
        if (score > 100)
            score = 100;
    }
    doc = json_pack("{s:s%, s:s, s:s, s:I, s:i}", "query", in, len, "value", o.value, "kind",
                    vg_obs_kind_name(o.kind), "corroboration", (json_int_t)c.norgs, "score", score);
    if (doc == NULL) {
        json_decref(matches);
        return vg_error_set(err, VG_NOMEM, NULL, "out of memory");
    }
    if (json_array_size(matches))
        json_object_set_new(doc, "matches", matches);
    else
        json_decref(matches);
    if ((rc = vg_lookup_warn(st, &o, doc, err)) != VG_OK) { /* docs/warninglists.md */
        json_decref(doc);
        return rc;
    }
    *out = doc;
    return VG_OK;
}

enum vg_rc vg_lookup(struct vg_store *st, const struct vg_values *vals, const vg_token *tokens,
                     size_t ntokens, const char *in, size_t len, json_t **out, struct vg_error *err)
{
    struct vg_obs o;
    enum vg_rc rc;

    if ((rc = vg_obs_parse_ex(VG_OBS_NONE, VG_OBS_F_LIST, in, len, &o, err)) != VG_OK)
        return rc;
    if ((rc = vg_store_read_begin(st, err)) != VG_OK)
        return rc;
    rc = answer(st, vals, tokens, ntokens, in, len, &o, out, err);
    vg_store_read_end(st);
    return rc;
}
