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
 * decides inside the query; candidates the in-memory value set (values.h)
 * does not hold are not asked about.  The score is computed as the
 * contributions are read (lookup.h gives the formula); nothing is stored
 * between look-ups: no correlation table.
 */
#include "lookup.h"
#include "sightings.h"

#include <arpa/inet.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "common/vtime.h"
#include "geo.h"
#include "model/obs.h"
#include "warn.h"
#include "warninglist/warninglist.h"

#define ORGS_MAX 256
#define LABELS_MAX 32
#define US_PER_DAY 86400000000.0
/* Candidates of one value: itself, a mapped IPv4 and its 32 networks, 128
 * networks of an IPv6 address, a URL's host and its parents... */
#define PROBE_KEYS 320

struct ctx {
    struct vg_store *st;
    const struct vg_lookup_opts *opts;
    int64_t now_us;
    json_t *contributions;   /* of the candidate being read */
    size_t ncontrib;         /* its visible contributions, listed or not */
    double factor;           /* of its rule: 1 for exact, else VG_LOOKUP_INDIRECT */
    double half_life_us;     /* of its kind */
    int counts;              /* its contributions count in corroboration and score */
    int64_t orgs[ORGS_MAX];  /* distinct contributing organisations */
    double weight[ORGS_MAX]; /* each one's strongest contribution (score) */
    size_t norgs;
    json_t *labels;                /* distinct labels (malware families), at most LABELS_MAX */
    struct vg_lookup_geo_best geo; /* of the candidate being read */
    json_t *location;              /* of the exact match (the answer's) */
    struct vg_error *err;
    /* Probing only: the candidates' keys in the value set are collected
     * (keys), nothing is read; held counts those that could not be
     * (see vg_lookup_line). */
    int probe;
    size_t held;
    uint64_t keys[PROBE_KEYS];
    size_t nkeys;
};

static const double default_half_life_days[VG_OBS_KIND_COUNT] = {
    [VG_OBS_IPV4] = 30,   [VG_OBS_IPV6] = 30,    [VG_OBS_CIDR4] = 90,   [VG_OBS_CIDR6] = 90,
    [VG_OBS_DOMAIN] = 90, [VG_OBS_URL] = 30,     [VG_OBS_EMAIL] = 180,  [VG_OBS_MD5] = 365,
    [VG_OBS_SHA1] = 365,  [VG_OBS_SHA256] = 365, [VG_OBS_SHA512] = 365,
};

double vg_lookup_half_life_days(const struct vg_lookup_opts *opts, enum vg_obs_kind kind)
{
    if ((unsigned)kind >= VG_OBS_KIND_COUNT)
        return 30;
    if (opts && opts->half_life_days[kind] > 0)
        return opts->half_life_days[kind];
    return default_half_life_days[kind] > 0 ? default_half_life_days[kind] : 30;
}

/* A contribution's weight in the score (lookup.h). */
static double weight(const struct ctx *c, const struct vg_obs_row *row, int expired)
{
    double w = (row->confidence >= 0 ? row->confidence : 50) / 100.0;
    int64_t since =
        row->first_seen_us > row->date_added_us ? row->first_seen_us : row->date_added_us;
    double age = (double)(c->now_us - since);

    if (age > 0)
        w *= exp2(-age / c->half_life_us);
    if (expired)
        w *= VG_LOOKUP_EXPIRED;
    return w * c->factor;
}

static json_t *time_or_null(int64_t us)
{
    char t[VG_TIME_TEXT_MAX];

    if (us == 0)
        return json_null();
    vg_time_format_us(us, t);
    return json_string(t);
}

/* The contributor's name as the requester may see it. */
static const char *shown_name(const struct ctx *c, const struct vg_obs_row *row)
{
    if (row->org_pseudonym && row->org_pseudonym[0] &&
        !(c->opts && (c->opts->requester_org == row->org_id || c->opts->requester_is_operator)))
        return row->org_pseudonym;
    return row->org_name ? row->org_name : "?";
}

static int contribution_cb(void *arg, const struct vg_obs_row *row)
{
    struct ctx *c = arg;
    int expired = row->last_seen_us != 0 && row->last_seen_us < c->now_us;
    double w = weight(c, row, expired);
    size_t i, max = c->opts && c->opts->max_contributions ? c->opts->max_contributions
                                                          : VG_LOOKUP_MAX_CONTRIBUTIONS;
    json_t *one;

    vg_lookup_geo_note(&c->geo, row);
    for (i = 0; c->counts && i < c->norgs && c->orgs[i] != row->org_id; i++)
        ;
    if (!c->counts)
        ; /* what a queried range contains: listed only */
    else if (i == c->norgs && c->norgs < ORGS_MAX) {
        c->orgs[c->norgs] = row->org_id;
        c->weight[c->norgs++] = w;
    } else if (i < c->norgs && w > c->weight[i]) {
        c->weight[i] = w;
    }
    if (c->counts && row->label && json_array_size(c->labels) < LABELS_MAX) {
        json_t *l;
        size_t k;
        int seen = 0;

        json_array_foreach(c->labels, k, l)
        {
            seen |= strcmp(json_string_value(l), row->label) == 0;
        }
        if (!seen)
            json_array_append_new(c->labels, json_string(row->label));
    }
    if (c->ncontrib++ >= max)
        return 0; /* counted and scored, not listed: a value reported thousands of times */
    one =
        json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o}", "organisation", shown_name(c, row),
                  "object", row->stix_id, "tlp", vg_tlp_name(row->tlp), "confidence",
                  row->confidence >= 0 ? json_integer(row->confidence) : json_null(), "first_seen",
                  time_or_null(row->first_seen_us), "last_seen", time_or_null(row->last_seen_us),
                  "label", row->label ? json_string(row->label) : json_null(), "added",
                  time_or_null(row->date_added_us));
    if (one && expired)
        json_object_set_new(one, "expired", json_true());
    json_array_append_new(c->contributions, one);
    return 0;
}

/* A candidate's key, when probing (0: certainly not held). */
static void note_key(struct ctx *c, uint64_t key)
{
    if (key == 0)
        return;
    if (c->nkeys == PROBE_KEYS)
        c->held++; /* no room: as if held, the long way decides */
    else
        c->keys[c->nkeys++] = key;
}

/* The visible contributions about one candidate; a match entry when any. */
static enum vg_rc candidate(struct ctx *c, const vg_token *tok, size_t ntok, const struct vg_obs *o,
                            const char *rule, json_t *matches)
{
    struct vg_obs_filter f;
    enum vg_rc rc;
    json_t *m, *loc;

    if (c->probe) {
        note_key(c, vg_values_key(c->opts->values, o->kind, o->value, o->len));
        return VG_OK;
    }
    if (c->opts && c->opts->values && !vg_values_has(c->opts->values, o->kind, o->value, o->len))
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
    c->ncontrib = 0;
    c->factor = strcmp(rule, "exact") == 0 ? 1.0 : VG_LOOKUP_INDIRECT;
    c->counts = strcmp(rule, "contains") != 0;
    c->half_life_us = vg_lookup_half_life_days(c->opts, o->kind) * US_PER_DAY;
    memset(&c->geo, 0, sizeof(c->geo));
    if ((rc = vg_store_scan_observables(c->st, &f, contribution_cb, c, c->err)) != VG_OK) {
        json_decref(c->contributions);
        return rc;
    }
    if (json_array_size(c->contributions) == 0) {
        json_decref(c->contributions);
        return VG_OK;
    }
    m = json_pack("{s:s, s:{s:s, s:s}, s:o}", "rule", rule, "indicator", "value", o->value, "kind",
                  vg_obs_kind_name(o->kind), "contributions", c->contributions);
    if (m && c->ncontrib > json_array_size(c->contributions))
        json_object_set_new(m, "contributions_total", json_integer((json_int_t)c->ncontrib));
    if (m && (loc = vg_lookup_geo_json(&c->geo)) != NULL) {
        if (strcmp(rule, "exact") == 0 && c->location == NULL)
            c->location = json_incref(loc);
        json_object_set_new(m, "location", loc);
    }
    json_array_append_new(matches, m);
    return VG_OK;
}

/* The key of the network of a[] (an address) with bits of prefix in the
 * value set (0: certainly not held). */
static uint64_t net_key(const struct vg_values *vals, int v6, const uint8_t a[16], unsigned bits)
{
    uint8_t net[16];
    unsigned i;

    if (!v6) {
        uint32_t x = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];

        return vg_values_key_net4(vals, bits ? x & ~(uint32_t)0 << (32 - bits) : 0, bits);
    }
    for (i = 0; i < 16; i++) {
        unsigned keep = bits > i * 8 ? bits - i * 8 : 0;

        net[i] = keep >= 8 ? a[i] : (uint8_t)(a[i] & (0xff00u >> keep));
    }
    return vg_values_key_net6(vals, net, bits);
}

/* Whether the network of a[] (an address) with bits of prefix is held. */
static int held_net(const struct vg_values *vals, int v6, const uint8_t a[16], unsigned bits)
{
    return vg_values_has_key(vals, net_key(vals, v6, a, bits));
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

    if (c->opts && c->opts->values && inet_pton(v6 ? AF_INET6 : AF_INET, ip->value, a) != 1)
        return VG_OK; /* canonical addresses always parse */
    for (len = bits - 1; len >= 0; len--) {
        int n;

        if (c->probe) {
            note_key(c, net_key(c->opts->values, v6, a, (unsigned)len));
            continue;
        }
        if (c->opts && c->opts->values && !held_net(c->opts->values, v6, a, (unsigned)len))
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

/*
 * What a queried range holds: every reported address and narrower network
 * inside it, found by probing each in the value set (so only for ranges of
 * at most VG_LOOKUP_CONTENTS_BITS host bits, and only with a value set),
 * read from the store with the requester's tokens like any candidate.  They
 * are listed with the rule "contains", at most VG_LOOKUP_MAX_CONTRIBUTIONS
 * of them, and are not reports about the range: they count neither in the
 * corroboration nor in the score.
 */
static enum vg_rc contents(struct ctx *c, const vg_token *tok, size_t ntok,
                           const struct vg_obs *range, json_t *matches, json_t *doc_flags)
{
    int v6 = range->kind == VG_OBS_CIDR6;
    unsigned full = v6 ? 128 : 32, bits, len, i;
    const char *slash = strchr(range->value, '/');
    char text[VG_OBS_VALUE_MAX + 8];
    uint8_t a[16], net[16];
    struct vg_obs sub;
    struct vg_error perr;
    size_t found = 0;
    enum vg_rc rc;

    if (slash == NULL || (size_t)(slash - range->value) >= 64)
        return VG_OK;
    memcpy(text, range->value, (size_t)(slash - range->value));
    text[slash - range->value] = '\0';
    bits = (unsigned)atoi(slash + 1);
    if (inet_pton(v6 ? AF_INET6 : AF_INET, text, a) != 1 || bits >= full)
        return VG_OK;
    if (c->opts == NULL || c->opts->values == NULL || full - bits > VG_LOOKUP_CONTENTS_BITS) {
        json_object_set_new(doc_flags, "contents", json_string("not listed: range too wide"));
        return VG_OK;
    }
    for (len = bits + 1; len <= full; len++) {
        uint32_t count = 1u << (len - bits), k;

        for (k = 0; k < count; k++) {
            /* the k-th network of length len inside the range */
            memcpy(net, a, 16);
            for (i = 0; i < len - bits; i++) {
                unsigned bit = len - 1 - i; /* from the last prefix bit up */

                if (k >> i & 1u)
                    net[bit / 8] |= (uint8_t)(0x80u >> (bit % 8));
            }
            if (!held_net(c->opts->values, v6, net, len))
                continue;
            if (inet_ntop(v6 ? AF_INET6 : AF_INET, net, text, sizeof(text)) == NULL)
                continue;
            if (len < full)
                snprintf(text + strlen(text), sizeof(text) - strlen(text), "/%u", len);
            vg_error_clear(&perr);
            if (vg_obs_parse(VG_OBS_NONE, text, strlen(text), &sub, &perr) != VG_OK)
                continue;
            if (found++ == VG_LOOKUP_MAX_CONTRIBUTIONS) {
                json_object_set_new(doc_flags, "contents", json_string("truncated"));
                return VG_OK;
            }
            if ((rc = candidate(c, tok, ntok, &sub, "contains", matches)) != VG_OK)
                return rc;
        }
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

/* Every candidate indicator of the canonical value o, each read (or, when
 * probing, only counted) through candidate(). */
static enum vg_rc candidates(struct ctx *c, const vg_token *tokens, size_t ntokens,
                             const struct vg_obs *o, json_t *matches, json_t *extra)
{
    struct vg_obs host;
    enum vg_rc rc;

    rc = candidate(c, tokens, ntokens, o, "exact", matches);
    if (rc == VG_OK && o->kind == VG_OBS_IPV6 && strncmp(o->value, "::ffff:", 7) == 0) {
        if (vg_obs_parse(VG_OBS_IPV4, o->value + 7, o->len - 7, &host, c->err) == VG_OK) {
            /* an IPv4-mapped address is that IPv4 address */
            rc = candidate(c, tokens, ntokens, &host, "exact", matches);
            if (rc == VG_OK)
                rc = ranges(c, tokens, ntokens, &host, matches);
        } else {
            vg_error_clear(c->err); /* not a mapped IPv4 after all: no error */
        }
    }
    if (rc == VG_OK && (o->kind == VG_OBS_IPV4 || o->kind == VG_OBS_IPV6))
        rc = ranges(c, tokens, ntokens, o, matches);
    else if (rc == VG_OK && o->kind == VG_OBS_DOMAIN)
        rc = parents(c, tokens, ntokens, o->value, matches);
    else if (rc == VG_OK && (o->kind == VG_OBS_CIDR4 || o->kind == VG_OBS_CIDR6))
        rc = contents(c, tokens, ntokens, o, matches, extra);
    else if (rc == VG_OK && o->kind == VG_OBS_URL && url_host(o, &host) == 0) {
        rc = candidate(c, tokens, ntokens, &host, "url-host", matches);
        if (rc == VG_OK && host.kind == VG_OBS_DOMAIN)
            rc = parents(c, tokens, ntokens, host.value, matches);
        else if (rc == VG_OK)
            rc = ranges(c, tokens, ntokens, &host, matches);
    }
    return rc;
}

/* The answer about o, the canonical form of in[0..len). */
static enum vg_rc answer(struct vg_store *st, const struct vg_lookup_opts *opts,
                         const vg_token *tokens, size_t ntokens, const char *in, size_t len,
                         const struct vg_obs *qo, json_t **out, struct vg_error *err)
{
    struct vg_obs o = *qo;
    struct ctx c;
    json_t *matches, *doc, *extra = json_object();
    enum vg_rc rc;
    double miss = 1.0;
    int score;
    size_t i;

    memset(&c, 0, sizeof(c));
    c.st = st;
    c.opts = opts;
    c.now_us = opts && opts->now_us ? opts->now_us : vg_time_now_us();
    c.err = err;
    if ((matches = json_array()) == NULL || (c.labels = json_array()) == NULL || extra == NULL) {
        json_decref(matches);
        json_decref(c.labels);
        json_decref(extra);
        return vg_error_set(err, VG_NOMEM, NULL, "out of memory");
    }
    rc = candidates(&c, tokens, ntokens, &o, matches, extra);
    if (rc != VG_OK) {
        json_decref(matches);
        json_decref(c.labels);
        json_decref(extra);
        json_decref(c.location);
        return rc;
    }
    /* independent organisations corroborate: the chance that all of them
     * are wrong is the product of theirs */
    for (i = 0; i < c.norgs; i++)
        miss *= 1.0 - (c.weight[i] < 1.0 ? c.weight[i] : 1.0);
    score = (int)lround(100.0 * (1.0 - miss));
    doc = json_pack("{s:s%, s:s, s:s, s:I, s:i}", "query", in, len, "value", o.value, "kind",
                    vg_obs_kind_name(o.kind), "corroboration", (json_int_t)c.norgs, "score", score);
    if (doc == NULL) {
        json_decref(matches);
        json_decref(c.labels);
        json_decref(extra);
        json_decref(c.location);
        return vg_error_set(err, VG_NOMEM, NULL, "out of memory");
    }
    json_object_update(doc, extra);
    if (c.location)
        json_object_set_new(doc, "location", c.location);
    json_decref(extra);
    if (json_array_size(c.labels))
        json_object_set_new(doc, "labels", c.labels);
    else
        json_decref(c.labels);
    if (json_array_size(matches))
        json_object_set_new(doc, "matches", matches);
    else
        json_decref(matches);
    /* warning lists: docs/warninglists.md */
    if ((rc = vg_lookup_sightings(st, tokens, ntokens, doc, err)) != VG_OK ||
        (rc = vg_lookup_warn(st, opts && opts->warninglists_acquired,
                             opts ? opts->warninglists : NULL, &o, doc, err)) != VG_OK) {
        json_decref(doc);
        return rc;
    }
    *out = doc;
    return VG_OK;
}

enum vg_rc vg_lookup(struct vg_store *st, const struct vg_lookup_opts *opts, const vg_token *tokens,
                     size_t ntokens, const char *in, size_t len, json_t **out, struct vg_error *err)
{
    struct vg_obs o;
    enum vg_rc rc;

    if ((rc = vg_obs_parse_ex(VG_OBS_NONE, VG_OBS_F_LIST, in, len, &o, err)) != VG_OK)
        return rc;
    if ((rc = vg_store_read_begin(st, err)) != VG_OK)
        return rc;
    rc = answer(st, opts, tokens, ntokens, in, len, &o, out, err);
    vg_store_read_end(st);
    return rc;
}

/* Append to a vg_buf (json_dump_callback's writer). */
static int dump_to_buf(const char *p, size_t n, void *arg)
{
    return vg_buf_append(arg, p, n) == VG_OK ? 0 : -1;
}

/*
 * Append s[0..n) as a JSON string exactly as jansson writes it with
 * JSON_COMPACT, so that a line written here and one jansson dumps are the
 * same bytes: ASCII by vg_buf_json_str (jansson's escapes), text with bytes
 * above 0x7F by jansson itself (it checks the UTF-8).  0, -1 out of memory,
 * 1 when jansson refuses it (not UTF-8): nothing appended.
 */
static int put_string(struct vg_buf *out, const char *s, size_t n)
{
    size_t i, mark = out->len;

    for (i = 0; i < n && (unsigned char)s[i] < 0x80; i++)
        ;
    if (i < n) {
        json_t *j = json_stringn(s, n);
        int rc;

        if (j == NULL)
            return 1;
        rc = json_dump_callback(j, dump_to_buf, out, JSON_COMPACT | JSON_ENCODE_ANY);
        json_decref(j);
        if (rc != 0)
            out->len = mark;
        return rc == 0 ? 0 : -1;
    }
    return vg_buf_json_str(out, s, n) == VG_OK ? 0 : -1;
}

/*
 * The answer about a value none of whose candidates the value set holds,
 * written straight into out: what answer() gives when nothing matches (no
 * store read can find anything), key for key in the same order:
 * {"query","value","kind","corroboration":0,"score":0,"warninglists":[...]}.
 * 0, -1 out of memory, 1 when a string must go through jansson's checks
 * (the caller answers the slow way); out is left as it was unless 0.
 */
static int miss_line(const struct vg_lookup_opts *opts, const char *in, size_t len,
                     const struct vg_obs *o, struct vg_buf *out)
{
    uint32_t idx[VG_WL_LISTS_MAX];
    size_t mark = out->len, nl, i;
    const char *kind = vg_obs_kind_name(o->kind);
    int rc;

    nl = vg_wl_match(opts->warninglists, o->kind, o->value, o->len, idx, VG_WL_LISTS_MAX);
    if (nl > VG_WL_LISTS_MAX)
        nl = VG_WL_LISTS_MAX;
    if (vg_buf_append(out, "{\"query\":", 9) != VG_OK)
        return -1;
    rc = put_string(out, in, len);
    if (rc == 0 && vg_buf_append(out, ",\"value\":", 9) != VG_OK)
        rc = -1;
    if (rc == 0)
        rc = put_string(out, o->value, o->len);
    if (rc == 0 && vg_buf_append(out, ",\"kind\":", 8) != VG_OK)
        rc = -1;
    if (rc == 0)
        rc = put_string(out, kind, strlen(kind));
    if (rc == 0 && vg_buf_puts(out, ",\"corroboration\":0,\"score\":0,\"warninglists\":[") != VG_OK)
        rc = -1;
    for (i = 0; rc == 0 && i < nl; i++) {
        const char *name = vg_wl_set_info(opts->warninglists, idx[i])->name;

        if (i > 0 && vg_buf_putc(out, ',') != VG_OK)
            rc = -1;
        if (rc == 0)
            rc = put_string(out, name, strlen(name));
    }
    if (rc == 0 && vg_buf_append(out, "]}\n", 3) != VG_OK)
        rc = -1;
    if (rc != 0)
        out->len = mark;
    return rc;
}

/* doc as compact JSON and a line break at the end of out, written in place
 * (json_dumpb: no copy, no call per token); 0 or -1. */
static int dump_line(const json_t *doc, struct vg_buf *out)
{
    size_t room, n;

    if (vg_buf_reserve(out, 4096) != VG_OK)
        return -1;
    room = out->cap - out->len - 1;
    n = json_dumpb(doc, out->data + out->len, room, JSON_COMPACT);
    if (n == 0)
        return -1;
    if (n >= room) { /* longer than the room: again, with enough */
        if (vg_buf_reserve(out, n + 1) != VG_OK)
            return -1;
        room = out->cap - out->len - 1;
        if (json_dumpb(doc, out->data + out->len, room, JSON_COMPACT) != n)
            return -1;
    }
    out->len += n;
    out->data[out->len++] = '\n';
    out->data[out->len] = '\0';
    return 0;
}

enum vg_rc vg_lookup_line(struct vg_store *st, const struct vg_lookup_opts *opts,
                          const vg_token *tokens, size_t ntokens, const char *in, size_t len,
                          struct vg_buf *out, struct vg_error *err)
{
    struct vg_obs o;
    json_t *doc = NULL;
    enum vg_rc rc;
    size_t mark = out->len;

    if ((rc = vg_obs_parse_ex(VG_OBS_NONE, VG_OBS_F_LIST, in, len, &o, err)) != VG_OK)
        return rc;
    /* Nothing held, nothing to read: no store query could find a thing,
     * whoever asks (the set holds every value, whatever its audience).  A
     * range's answer says what it contains: the long way. */
    if (opts && opts->values && opts->warninglists_acquired && o.kind != VG_OBS_CIDR4 &&
        o.kind != VG_OBS_CIDR6) {
        struct ctx c;
        size_t i;
        int r;

        /* probing reads only these (no memset of the whole context per value) */
        c.opts = opts;
        c.err = err;
        c.probe = 1;
        c.held = c.nkeys = 0;
        if ((rc = candidates(&c, tokens, ntokens, &o, NULL, NULL)) != VG_OK)
            return rc;
        /* every slot asked for first, then read: the misses overlap */
        for (i = 0; i < c.nkeys; i++)
            vg_values_prefetch(opts->values, c.keys[i]);
        for (i = 0; i < c.nkeys && c.held == 0; i++)
            c.held += vg_values_has_key(opts->values, c.keys[i]);
        if (c.held == 0 && (r = miss_line(opts, in, len, &o, out)) <= 0)
            return r == 0 ? VG_OK : vg_error_set(err, VG_NOMEM, NULL, "out of memory");
    }
    if ((rc = vg_store_read_begin(st, err)) != VG_OK)
        return rc;
    rc = answer(st, opts, tokens, ntokens, in, len, &o, &doc, err);
    vg_store_read_end(st);
    if (rc != VG_OK)
        return rc;
    rc = dump_line(doc, out) == 0 ? VG_OK : vg_error_set(err, VG_NOMEM, NULL, "out of memory");
    json_decref(doc);
    if (rc != VG_OK)
        out->len = mark;
    return rc;
}
