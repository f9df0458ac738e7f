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
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/tls.h"
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
    const struct vg_wl_set *wl; /* the warning lists (NULL: none) */
    const vg_token *tokens;
    size_t ntokens;
    const struct vg_obs *query; /* the canonical queried value */
    int64_t now_us;
    struct vg_lk_out contrib; /* the listed contributions of the candidate being read */
    size_t ncontrib;          /* its visible contributions, listed or not */
    size_t nlisted;
    double factor;            /* of its rule: 1 for exact, else VG_LOOKUP_INDIRECT */
    double half_life_us;      /* of its kind */
    int counts;               /* its contributions count in corroboration and score */
    size_t norgs;             /* in orgs[] and weight[] */
    struct vg_lk_out matches; /* the matches' objects, comma-separated */
    size_t nmatches;
    /* the sightings of the queried value when one of the matches is the
     * value itself (its bytes in matches, from, len: none when len is 0),
     * and whether there is such a match */
    size_t same_from, same_len;
    int same;
    struct vg_lk_out labels;  /* distinct labels (malware families) as JSON strings */
    struct vg_buf *label_raw; /* the same, each NUL-terminated, for the comparison */
    size_t nlabels;
    const char *contents;               /* the answer's "contents" note, if any */
    struct vg_lookup_geo_best geo;      /* of the candidate being read */
    struct vg_lookup_geo_best location; /* of the exact match (the answer's): rank 0 none */
    struct vg_error *err;
    /* Probing only: the candidates' keys in the value set are collected
     * (keys), nothing is read; held counts those that could not be
     * (see vg_lookup_line). */
    int probe;
    size_t held;
    /* Not cleared per answer (answer() clears what is before keys). */
    uint64_t keys[PROBE_KEYS];
    size_t nkeys;
    int64_t orgs[ORGS_MAX];  /* distinct contributing organisations */
    double weight[ORGS_MAX]; /* each one's strongest contribution (score) */
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
    if (c->counts && row->label && c->nlabels < LABELS_MAX) {
        const char *l = c->label_raw->data;
        size_t k, n = strlen(row->label);
        int seen = 0;

        for (k = 0; k < c->nlabels && !seen; k++, l += strlen(l) + 1)
            seen = strcmp(l, row->label) == 0;
        if (!seen && vg_buf_append(c->label_raw, row->label, n + 1) == VG_OK) {
            if (c->nlabels++ > 0)
                vg_lk_raw(&c->labels, ",");
            vg_lk_str(&c->labels, row->label, n);
        } else if (!seen) {
            c->labels.rc = VG_NOMEM;
        }
    }
    if (c->ncontrib++ >= max)
        return 0; /* counted and scored, not listed: a value reported thousands of times */
    if (c->nlisted++ > 0)
        vg_lk_raw(&c->contrib, ",");
    vg_lk_raw(&c->contrib, "{\"organisation\":");
    vg_lk_cstr(&c->contrib, shown_name(c, row));
    vg_lk_raw(&c->contrib, ",\"object\":");
    vg_lk_cstr(&c->contrib, row->stix_id ? row->stix_id : "");
    vg_lk_raw(&c->contrib, ",\"tlp\":");
    vg_lk_cstr(&c->contrib, vg_tlp_name(row->tlp));
    vg_lk_raw(&c->contrib, ",\"confidence\":");
    if (row->confidence >= 0)
        vg_lk_int(&c->contrib, row->confidence);
    else
        vg_lk_raw(&c->contrib, "null");
    vg_lk_raw(&c->contrib, ",\"first_seen\":");
    vg_lk_time(&c->contrib, row->first_seen_us);
    vg_lk_raw(&c->contrib, ",\"last_seen\":");
    vg_lk_time(&c->contrib, row->last_seen_us);
    vg_lk_raw(&c->contrib, ",\"label\":");
    vg_lk_cstr(&c->contrib, row->label);
    vg_lk_raw(&c->contrib, ",\"added\":");
    vg_lk_time(&c->contrib, row->date_added_us);
    vg_lk_raw(&c->contrib, expired ? ",\"expired\":true}" : "}");
    return c->contrib.rc != VG_OK;
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
static enum vg_rc candidate(struct ctx *c, const struct vg_obs *o, const char *rule)
{
    struct vg_lk_out *m = &c->matches;
    struct vg_obs_filter f;
    enum vg_rc rc;
    size_t from;
    int exact = strcmp(rule, "exact") == 0;

    if (c->probe) {
        note_key(c, vg_values_key(c->opts->values, o->kind, o->value, o->len));
        return VG_OK;
    }
    if (c->opts && c->opts->values && !vg_values_has(c->opts->values, o->kind, o->value, o->len))
        return VG_OK; /* held by no one */
    memset(&f, 0, sizeof(f));
    f.tokens = c->tokens;
    f.ntokens = c->ntokens;
    f.kind = o->kind;
    f.value = o->value;
    f.value_len = o->len;
    vg_buf_reset(c->contrib.b);
    c->contrib.rc = VG_OK;
    c->ncontrib = c->nlisted = 0;
    c->factor = exact ? 1.0 : VG_LOOKUP_INDIRECT;
    c->counts = strcmp(rule, "contains") != 0;
    c->half_life_us = vg_lookup_half_life_days(c->opts, o->kind) * US_PER_DAY;
    memset(&c->geo, 0, sizeof(c->geo));
    if ((rc = vg_store_scan_observables(c->st, &f, contribution_cb, c, c->err)) != VG_OK)
        return rc;
    if (c->contrib.rc != VG_OK || c->labels.rc != VG_OK) {
        m->rc = c->contrib.rc != VG_OK ? c->contrib.rc : c->labels.rc;
        return VG_OK;
    }
    if (c->nlisted == 0)
        return VG_OK;
    if (c->nmatches++ > 0)
        vg_lk_raw(m, ",");
    vg_lk_raw(m, "{\"rule\":");
    vg_lk_cstr(m, rule);
    vg_lk_raw(m, ",\"indicator\":{\"value\":");
    vg_lk_str(m, o->value, o->len);
    vg_lk_raw(m, ",\"kind\":");
    vg_lk_cstr(m, vg_obs_kind_name(o->kind));
    vg_lk_raw(m, ",\"warninglists\":");
    vg_lookup_warn_put(c->wl, o->kind, o->value, o->len, m);
    vg_lk_raw(m, "},\"contributions\":[");
    if (m->rc == VG_OK)
        m->rc = vg_buf_append(m->b, c->contrib.b->data, c->contrib.b->len);
    vg_lk_raw(m, "]");
    if (c->ncontrib > c->nlisted) {
        vg_lk_raw(m, ",\"contributions_total\":");
        vg_lk_int(m, (int64_t)c->ncontrib);
    }
    if (c->geo.rank > 0) {
        if (exact && c->location.rank == 0)
            c->location = c->geo;
        vg_lk_raw(m, ",\"location\":");
        vg_lookup_geo_put(&c->geo, m);
    }
    from = m->b->len;
    rc =
        vg_lookup_sightings_put(c->st, c->tokens, c->ntokens, o->kind, o->value, o->len, m, c->err);
    if (rc == VG_OK && !c->same && o->kind == c->query->kind && o->len == c->query->len &&
        memcmp(o->value, c->query->value, o->len) == 0) {
        /* an exact match already holds the value's sightings: one query less */
        c->same = 1;
        c->same_from = from;
        c->same_len = m->rc == VG_OK ? m->b->len - from : 0;
    }
    vg_lk_raw(m, "}");
    return rc;
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
static enum vg_rc ranges(struct ctx *c, const struct vg_obs *ip)
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
        if ((rc = candidate(c, &net, "in-range")) != VG_OK)
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
static enum vg_rc contents(struct ctx *c, const struct vg_obs *range)
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
        c->contents = "not listed: range too wide";
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
                c->contents = "truncated";
                return VG_OK;
            }
            if ((rc = candidate(c, &sub, "contains")) != VG_OK)
                return rc;
        }
    }
    return VG_OK;
}

/* The parent domains of a domain, down to two labels. */
static enum vg_rc parents(struct ctx *c, const char *domain)
{
    const char *p = strchr(domain, '.');
    struct vg_obs parent;
    enum vg_rc rc;

    while (p != NULL && strchr(p + 1, '.') != NULL) {
        parent.kind = VG_OBS_DOMAIN;
        parent.len = strlen(p + 1);
        memcpy(parent.value, p + 1, parent.len + 1);
        if ((rc = candidate(c, &parent, "subdomain")) != VG_OK)
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
static enum vg_rc candidates(struct ctx *c, const struct vg_obs *o)
{
    struct vg_obs host;
    enum vg_rc rc;

    rc = candidate(c, o, "exact");
    if (rc == VG_OK && o->kind == VG_OBS_IPV6 && strncmp(o->value, "::ffff:", 7) == 0) {
        if (vg_obs_parse(VG_OBS_IPV4, o->value + 7, o->len - 7, &host, c->err) == VG_OK) {
            /* an IPv4-mapped address is that IPv4 address */
            rc = candidate(c, &host, "exact");
            if (rc == VG_OK)
                rc = ranges(c, &host);
        } else {
            vg_error_clear(c->err); /* not a mapped IPv4 after all: no error */
        }
    }
    if (rc == VG_OK && (o->kind == VG_OBS_IPV4 || o->kind == VG_OBS_IPV6))
        rc = ranges(c, o);
    else if (rc == VG_OK && o->kind == VG_OBS_DOMAIN)
        rc = parents(c, o->value);
    else if (rc == VG_OK && (o->kind == VG_OBS_CIDR4 || o->kind == VG_OBS_CIDR6))
        rc = contents(c, o);
    else if (rc == VG_OK && o->kind == VG_OBS_URL && url_host(o, &host) == 0) {
        rc = candidate(c, &host, "url-host");
        if (rc == VG_OK && host.kind == VG_OBS_DOMAIN)
            rc = parents(c, host.value);
        else if (rc == VG_OK)
            rc = ranges(c, &host);
    }
    return rc;
}

/* A thread's scratch for answer(): the context and the buffers the answer
 * is written through, kept from one look-up to the next (no allocation per
 * answer once they have grown); freed when the thread ends. */
struct scratch {
    struct ctx c;
    struct vg_buf contrib, matches, labels, label_raw;
};

static void scratch_free(void *arg)
{
    struct scratch *sc = arg;

    vg_buf_cleanup(&sc->contrib);
    vg_buf_cleanup(&sc->matches);
    vg_buf_cleanup(&sc->labels);
    vg_buf_cleanup(&sc->label_raw);
    free(sc);
}

static void *scratch_make(void)
{
    struct scratch *sc = malloc(sizeof(*sc));

    if (sc != NULL) {
        vg_buf_init(&sc->contrib, 0);
        vg_buf_init(&sc->matches, 0);
        vg_buf_init(&sc->labels, 0);
        vg_buf_init(&sc->label_raw, 0);
    }
    return sc;
}

static struct vg_tls scratch_slot = VG_TLS_INIT(scratch_make, scratch_free);

/* An answer's first members: {"query","value","kind","corroboration","score" */
static void put_head(struct vg_lk_out *doc, const char *in, size_t len, const struct vg_obs *o,
                     size_t corroboration, int score)
{
    vg_lk_raw(doc, "{\"query\":");
    vg_lk_str(doc, in, len);
    vg_lk_raw(doc, ",\"value\":");
    vg_lk_str(doc, o->value, o->len);
    vg_lk_raw(doc, ",\"kind\":");
    vg_lk_cstr(doc, vg_obs_kind_name(o->kind));
    vg_lk_raw(doc, ",\"corroboration\":");
    vg_lk_int(doc, (int64_t)corroboration);
    vg_lk_raw(doc, ",\"score\":");
    vg_lk_int(doc, score);
}

/*
 * The answer about o, the canonical form of in[0..len), appended to out as
 * one line.  The matches are written first into a buffer of their own, as
 * their contributions are read: the corroboration and the score, which
 * come before them in the answer, are known only at the end.
 */
static enum vg_rc answer(struct vg_store *st, const struct vg_lookup_opts *opts,
                         const vg_token *tokens, size_t ntokens, const char *in, size_t len,
                         const struct vg_obs *o, struct vg_buf *out, struct vg_error *err)
{
    struct vg_wl_set *mine = NULL;
    struct vg_lk_out doc = {out, VG_OK};
    size_t mark = out->len, i;
    struct scratch *sc = vg_tls_get(&scratch_slot);
    struct ctx *c;
    enum vg_rc rc;
    double miss = 1.0;

    if (sc == NULL)
        return vg_error_set(err, VG_NOMEM, NULL, "out of memory");
    c = &sc->c;
    memset(c, 0, offsetof(struct ctx, keys));
    c->st = st;
    c->opts = opts;
    c->tokens = tokens;
    c->ntokens = ntokens;
    c->query = o;
    c->now_us = opts && opts->now_us ? opts->now_us : vg_time_now_us();
    c->err = err;
    vg_buf_reset(&sc->contrib);
    vg_buf_reset(&sc->matches);
    vg_buf_reset(&sc->labels);
    vg_buf_reset(&sc->label_raw);
    c->contrib.b = &sc->contrib;
    c->matches.b = &sc->matches;
    c->labels.b = &sc->labels;
    c->label_raw = &sc->label_raw;
    if (opts && opts->warninglists_acquired)
        c->wl = opts->warninglists;
    else if ((rc = vg_wl_acquire(st, &mine, err)) != VG_OK)
        goto done;
    else
        c->wl = mine;
    if ((rc = candidates(c, o)) != VG_OK)
        goto done;
    /* independent organisations corroborate: the chance that all of them
     * are wrong is the product of theirs */
    for (i = 0; i < c->norgs; i++)
        miss *= 1.0 - (c->weight[i] < 1.0 ? c->weight[i] : 1.0);
    put_head(&doc, in, len, o, c->norgs, (int)lround(100.0 * (1.0 - miss)));
    if (c->contents) {
        vg_lk_raw(&doc, ",\"contents\":");
        vg_lk_cstr(&doc, c->contents);
    }
    if (c->location.rank > 0) {
        vg_lk_raw(&doc, ",\"location\":");
        vg_lookup_geo_put(&c->location, &doc);
    }
    if (c->nlabels > 0 && doc.rc == VG_OK) {
        vg_lk_raw(&doc, ",\"labels\":[");
        if (doc.rc == VG_OK)
            doc.rc = vg_buf_append(out, sc->labels.data, sc->labels.len);
        vg_lk_raw(&doc, "]");
    }
    if (doc.rc == VG_OK)
        doc.rc = c->matches.rc;
    if (c->nmatches > 0 && doc.rc == VG_OK) {
        vg_lk_raw(&doc, ",\"matches\":[");
        if (doc.rc == VG_OK)
            doc.rc = vg_buf_append(out, sc->matches.data, sc->matches.len);
        vg_lk_raw(&doc, "]");
        if (c->same && c->same_len > 0 && doc.rc == VG_OK)
            doc.rc = vg_buf_append(out, sc->matches.data + c->same_from, c->same_len);
        else if (!c->same && (opts == NULL || opts->values == NULL ||
                              vg_values_has(opts->values, o->kind, o->value, o->len)))
            rc = vg_lookup_sightings_put(st, tokens, ntokens, o->kind, o->value, o->len, &doc, err);
    }
    /* warning lists: docs/warninglists.md */
    vg_lk_raw(&doc, ",\"warninglists\":");
    vg_lookup_warn_put(c->wl, o->kind, o->value, o->len, &doc);
    vg_lk_raw(&doc, "}\n");
    if (rc == VG_OK && doc.rc == VG_INVALID)
        rc = vg_error_set(err, VG_INVALID, NULL, "the value is not valid UTF-8");
    else if (rc == VG_OK && doc.rc != VG_OK)
        rc = vg_error_set(err, doc.rc, NULL, "out of memory");
done:
    if (rc != VG_OK)
        out->len = mark;
    if (out->data)
        out->data[out->len] = '\0';
    vg_wl_release(mine);
    return rc;
}

/*
 * The answer about a value none of whose candidates the value set holds:
 * what answer() gives when nothing matches (no store read can find
 * anything), key for key in the same order, without the store.
 */
static enum vg_rc miss_line(const struct vg_lookup_opts *opts, const char *in, size_t len,
                            const struct vg_obs *o, struct vg_buf *out, struct vg_error *err)
{
    struct vg_lk_out doc = {out, VG_OK};
    size_t mark = out->len;

    put_head(&doc, in, len, o, 0, 0);
    vg_lk_raw(&doc, ",\"warninglists\":");
    vg_lookup_warn_put(opts->warninglists, o->kind, o->value, o->len, &doc);
    vg_lk_raw(&doc, "}\n");
    if (doc.rc == VG_OK)
        return VG_OK;
    out->len = mark;
    if (out->data)
        out->data[out->len] = '\0';
    return vg_error_set(err, doc.rc, NULL,
                        doc.rc == VG_INVALID ? "the value is not valid UTF-8" : "out of memory");
}

enum vg_rc vg_lookup_line(struct vg_store *st, const struct vg_lookup_opts *opts,
                          const vg_token *tokens, size_t ntokens, const char *in, size_t len,
                          struct vg_buf *out, struct vg_error *err)
{
    struct vg_obs o;
    enum vg_rc rc;

    if ((rc = vg_obs_parse_ex(VG_OBS_NONE, VG_OBS_F_LIST, in, len, &o, err)) != VG_OK)
        return rc;
    /* Nothing held, nothing to read: no store query could find a thing,
     * whoever asks (the set holds every value, whatever its audience).  A
     * range's answer says what it contains: the long way. */
    if (opts && opts->values && opts->warninglists_acquired && o.kind != VG_OBS_CIDR4 &&
        o.kind != VG_OBS_CIDR6) {
        struct ctx c;
        size_t i;

        /* probing reads only these (no memset of the whole context per value) */
        c.opts = opts;
        c.err = err;
        c.probe = 1;
        c.held = c.nkeys = 0;
        if ((rc = candidates(&c, &o)) != VG_OK)
            return rc;
        /* every slot asked for first, then read: the misses overlap */
        for (i = 0; i < c.nkeys; i++)
            vg_values_prefetch(opts->values, c.keys[i]);
        for (i = 0; i < c.nkeys && c.held == 0; i++)
            c.held += vg_values_has_key(opts->values, c.keys[i]);
        if (c.held == 0)
            return miss_line(opts, in, len, &o, out, err);
    }
    if ((rc = vg_store_read_begin(st, err)) != VG_OK)
        return rc;
    rc = answer(st, opts, tokens, ntokens, in, len, &o, out, err);
    vg_store_read_end(st);
    return rc;
}

enum vg_rc vg_lookup(struct vg_store *st, const struct vg_lookup_opts *opts, const vg_token *tokens,
                     size_t ntokens, const char *in, size_t len, json_t **out, struct vg_error *err)
{
    struct vg_buf line;
    json_error_t jerr;
    enum vg_rc rc;

    vg_buf_init(&line, 0);
    if ((rc = vg_lookup_line(st, opts, tokens, ntokens, in, len, &line, err)) == VG_OK &&
        (*out = json_loadb(line.data, line.len, JSON_ALLOW_NUL, &jerr)) == NULL)
        rc = vg_error_set(err, VG_NOMEM, NULL, "out of memory");
    vg_buf_cleanup(&line);
    return rc;
}
