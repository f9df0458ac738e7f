/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ingest.c - validation, marking, audience and claims for each incoming object.
 *
 * The order of work for one object is: validate (pure, nothing written),
 * decide TLP and audience, collect the observables it claims, check that the
 * contributor may write this id, then one vg_store_put_object, which is
 * atomic.  Validation failures therefore never reach the store.  Claims are
 * collected into a per-ingest arena (values concatenated in one buffer) that
 * is reused from object to object, so the steady state allocates only the
 * canonical JSON text.
 */
#include "common/hash.h"
#include "ingest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/vtime.h"
#include "model/pattern.h"
#include "model/uuid.h"
#include "policy/policy.h"
#include "watch/cache.h"
#include "watch/watch.h"
#include "warninglist/warninglist.h"

#define CLAIMS_MAX 10000
/* UUIDv5 namespace for ids the hub derives itself (indicators from flat records). */
#define VG_NAMESPACE "8f0d0a3c-5f0e-4a4c-9d47-3c6b2f1e7a15"

/*
 * One object made ready to store: everything that needs no store (validation,
 * TLP, audience, claims, the JSON text) is done by vg_ingest_prepare, so that
 * it can run on another thread than the store writes (vg_ingest_commit).
 * Strings are copied into the item: it outlives the parsed JSON.
 */
struct vg_ingest_item {
    enum vg_rc rc; /* outcome of preparation */
    struct vg_error err;
    int is_sco, dedupe_by_id;
    struct vg_object_version v;
    struct vg_audience aud;
    char *text;
    uint8_t text_sha256[32]; /* for the ledger, computed while preparing */
    char id[256], type[256], spec[8];
    /* claims: values (and the label, at label_off) live in arena at offsets */
    struct vg_claim *claims;
    size_t *offsets;
    size_t nclaims, capclaims;
    struct vg_buf arena;
    size_t label_off; /* (size_t)-1: no label */
    int claim_confidence;
    int64_t claim_first, claim_last;
    int claim_rc;
    /* a sighting's facts (v.sighting points here) */
    struct vg_sighting_facts sighting;
    char of_ref[256];
    struct vg_obs sighted;
    struct vg_buf refs; /* ids this object points at, NUL-terminated each */
    size_t nrefs;
    struct vg_buf warn; /* warning-list flags of the claims, at warn_off */
    size_t *warn_off;   /* (size_t)-1: on no list */
};

struct vg_ingest {
    struct vg_store *st;
    struct vg_ingest_opts opts;
    struct vg_org org;
    vg_token tokens[VG_POLICY_TOKENS_MAX];
    size_t ntokens;
    int in_tx;
    size_t pending;
    struct vg_ingest_counts counts;
    struct vg_ingest_item *item;    /* for the one-call paths */
    struct vg_watch_matcher *watch; /* the watch lists, as of the open transaction */
    struct vg_wl_set *wl;           /* the hub's warning lists, or NULL */
};

static const char *const sco_types[] = {"artifact",
                                        "autonomous-system",
                                        "directory",
                                        "domain-name",
                                        "email-addr",
                                        "email-message",
                                        "file",
                                        "ipv4-addr",
                                        "ipv6-addr",
                                        "mac-addr",
                                        "mutex",
                                        "network-traffic",
                                        "process",
                                        "software",
                                        "url",
                                        "user-account",
                                        "windows-registry-key",
                                        "x509-certificate",
                                        NULL};

int vg_stix_is_sco(const char *type)
{
    size_t i;

    for (i = 0; sco_types[i]; i++) {
        if (strcmp(type, sco_types[i]) == 0)
            return 1;
    }
    return 0;
}

enum vg_rc vg_ingest_new(struct vg_store *st, const struct vg_ingest_opts *opts,
                         struct vg_ingest **out, struct vg_error *err)
{
    struct vg_principal p;
    struct vg_ingest *ing;
    enum vg_rc rc;

    ing = calloc(1, sizeof(*ing));
    if (ing == NULL)
        return vg_error_set(err, VG_NOMEM, NULL, "out of memory");
    ing->st = st;
    ing->opts = *opts;
    if (ing->opts.batch == 0)
        ing->opts.batch = 100000;
    if ((ing->item = vg_ingest_item_new()) == NULL) {
        rc = vg_error_set(err, VG_NOMEM, NULL, "out of memory");
        goto fail;
    }
    rc = vg_store_org_get_by_id(st, opts->org_id, &ing->org, err);
    if (rc != VG_OK)
        goto fail;
    /* A write from an organisation that is disabled is refused on every path. */
    if (ing->org.disabled) {
        rc = vg_error_set(err, VG_FORBIDDEN, "org", "organisation '%s' is disabled", ing->org.name);
        goto fail;
    }
    if ((rc = vg_store_principal(st, opts->org_id, &p, err)) != VG_OK)
        goto fail;
    ing->ntokens = vg_policy_tokens(&p, ing->tokens);
    /* The hub's warning lists, compiled once per process: new values are
     * flagged as they are stored. */
    if ((rc = vg_wl_acquire(st, &ing->wl, err)) != VG_OK)
        goto fail;
    *out = ing;
    return VG_OK;
fail:
    vg_ingest_free(ing);
    return rc;
}

void vg_ingest_free(struct vg_ingest *ing)
{
    if (ing == NULL)
        return;
    if (ing->in_tx)
        vg_store_rollback(ing->st);
    vg_watch_matcher_unref(ing->watch);
    vg_ingest_item_free(ing->item);
    vg_wl_release(ing->wl);
    free(ing);
}

const struct vg_ingest_counts *vg_ingest_counts(const struct vg_ingest *ing)
{
    return &ing->counts;
}

enum vg_rc vg_ingest_flush(struct vg_ingest *ing, struct vg_error *err)
{
    enum vg_rc rc;

    if (!ing->in_tx)
        return VG_OK;
    rc = vg_store_commit(ing->st, err);
    ing->in_tx = 0;
    ing->pending = 0;
    return rc;
}

/* ---- validation helpers ---------------------------------------------------- */

static enum vg_rc get_string(json_t *obj, const char *key, int required, const char **out,
                             struct vg_error *err)
{
    json_t *v = json_object_get(obj, key);

    *out = NULL;
    if (v == NULL) {
        if (required)
            return vg_error_set(err, VG_INVALID, key, "required property '%s' is missing", key);
        return VG_OK;
    }
    if (!json_is_string(v))
        return vg_error_set(err, VG_INVALID, key, "'%s' must be a string", key);
    *out = json_string_value(v);
    return VG_OK;
}

static enum vg_rc get_time(json_t *obj, const char *key, int required, int64_t *us,
                           struct vg_error *err)
{
    const char *s;
    enum vg_rc rc;

    *us = 0;
    if ((rc = get_string(obj, key, required, &s, err)) != VG_OK || s == NULL)
        return rc;
    if (vg_time_parse(s, json_string_length(json_object_get(obj, key)), us) != VG_OK)
        return vg_error_set(err, VG_INVALID, key, "'%s' is not an RFC 3339 UTC timestamp: '%.40s'",
                            key, s);
    return VG_OK;
}

static enum vg_rc get_ref(json_t *obj, const char *key, int required, struct vg_error *err)
{
    const char *s;
    enum vg_rc rc;

    if ((rc = get_string(obj, key, required, &s, err)) != VG_OK || s == NULL)
        return rc;
    if (!vg_stix_id_valid(s, strlen(s)))
        return vg_error_set(err, VG_INVALID, key, "'%s' is not a STIX identifier", key);
    return VG_OK;
}

static int type_valid(const char *t)
{
    size_t n = strlen(t), i;

    if (n < 3 || n > 250)
        return 0;
    for (i = 0; i < n; i++) {
        char c = t[i];

        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return 0;
    }
    return t[0] != '-' && t[n - 1] != '-' && strstr(t, "--") == NULL;
}

/* Reject over-long strings anywhere in the object (the reader bounds depth). */
static enum vg_rc check_strings(json_t *v, const char *key, struct vg_error *err)
{
    const char *k;
    json_t *x;
    size_t i;
    enum vg_rc rc;

    if (json_is_string(v)) {
        if (json_string_length(v) > VG_INGEST_STRING_MAX)
            return vg_error_set(err, VG_LIMIT, key, "string property '%s' longer than %d bytes",
                                key, VG_INGEST_STRING_MAX);
    } else if (json_is_object(v)) {
        json_object_foreach(v, k, x)
        {
            if ((rc = check_strings(x, k, err)) != VG_OK)
                return rc;
        }
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, x)
        {
            if ((rc = check_strings(x, key, err)) != VG_OK)
                return rc;
        }
    }
    return VG_OK;
}

/* ---- references ------------------------------------------------------------ */

#define REFS_MAX 4096 /* ids of one object checked against the store */

static enum vg_rc add_ref(struct vg_ingest_item *it, json_t *v)
{
    const char *s = json_string_value(v);
    size_t n;

    if (s == NULL || it->nrefs == REFS_MAX || !vg_stix_id_valid(s, n = strlen(s)) ||
        strncmp(s, "identity--", 10) == 0 || strncmp(s, "marking-definition--", 20) == 0)
        return VG_OK; /* identities and markings are no intelligence */
    it->nrefs++;
    return vg_buf_append(&it->refs, s, n + 1);
}

/* The ids of other objects this one points at (SCENARIOS 6): a
 * relationship's ends, what a sighting sights and saw, what a report,
 * note, opinion or grouping is about. */
static enum vg_rc collect_refs(struct vg_ingest_item *it, json_t *obj, struct vg_error *err)
{
    static const char *const one[] = {"source_ref", "target_ref", "sighting_of_ref"};
    static const char *const many[] = {"object_refs", "observed_data_refs"};
    enum vg_rc rc = VG_OK;
    json_t *x;
    size_t i, k;

    for (i = 0; rc == VG_OK && i < sizeof(one) / sizeof(one[0]); i++)
        if ((x = json_object_get(obj, one[i])) != NULL)
            rc = add_ref(it, x);
    for (i = 0; rc == VG_OK && i < sizeof(many) / sizeof(many[0]); i++) {
        json_t *arr = json_object_get(obj, many[i]);

        json_array_foreach(arr, k, x)
        {
            if ((rc = add_ref(it, x)) != VG_OK)
                break;
        }
    }
    return rc == VG_OK ? VG_OK : vg_error_set(err, rc, NULL, "out of memory");
}

static int seen_cb(void *ctx, const struct vg_object_row *row)
{
    (void)row;
    *(int *)ctx = 1;
    return 1;
}

static enum vg_rc visible(struct vg_store *st, const char *id, const vg_token *tok, size_t ntok,
                          int *out, struct vg_error *err)
{
    struct vg_object_filter f;

    memset(&f, 0, sizeof(f));
    f.tokens = tok;
    f.ntokens = ntok;
    f.stix_id = id;
    *out = 0;
    return vg_store_scan_objects(st, &f, seen_cb, out, err);
}

/*
 * An object that points at stored objects reaches no one who may not see
 * them (SCENARIOS 6: a relationship, sighting or report about A's RED
 * indicator must not reveal it to B).  For each target the contributor can
 * see, every token of the object's audience that cannot see the target on
 * its own is dropped; an audience left empty becomes the contributor's
 * organisation alone.  Targets the contributor cannot see are not the
 * hub's to protect here: their ids came from the contributor.  Inside the
 * write transaction, so the targets are as the write finds them.
 */
static enum vg_rc narrow_audience(struct vg_ingest *ing, struct vg_ingest_item *it,
                                  struct vg_error *err)
{
    const char *id = it->refs.data;
    enum vg_rc rc;
    size_t r, i;
    int vis;

    for (r = 0; r < it->nrefs; r++, id += strlen(id) + 1) {
        if ((rc = visible(ing->st, id, ing->tokens, ing->ntokens, &vis, err)) != VG_OK)
            return rc;
        if (!vis)
            continue;
        for (i = 0; i < it->aud.n;) {
            if ((rc = visible(ing->st, id, &it->aud.tok[i], 1, &vis, err)) != VG_OK)
                return rc;
            if (vis) {
                i++;
                continue;
            }
            memmove(&it->aud.tok[i], &it->aud.tok[i + 1],
                    (it->aud.n - i - 1) * sizeof(it->aud.tok[0]));
            it->aud.n--;
        }
        if (it->aud.n == 0) {
            it->aud.tok[0] = vg_token_org(ing->org.id);
            it->aud.n = 1;
        }
    }
    return VG_OK;
}

/* ---- claims ---------------------------------------------------------------- */

struct vg_ingest_item *vg_ingest_item_new(void)
{
    struct vg_ingest_item *it = calloc(1, sizeof(*it));

    if (it != NULL) {
        vg_buf_init(&it->arena, 0);
        vg_buf_init(&it->warn, 0);
        vg_buf_init(&it->refs, 0);
    }
    return it;
}

void vg_ingest_item_free(struct vg_ingest_item *it)
{
    if (it == NULL)
        return;
    free(it->text);
    free(it->claims);
    free(it->offsets);
    free(it->warn_off);
    vg_buf_cleanup(&it->arena);
    vg_buf_cleanup(&it->warn);
    vg_buf_cleanup(&it->refs);
    free(it);
}

static void item_reset(struct vg_ingest_item *it)
{
    free(it->text);
    it->text = NULL;
    it->rc = VG_OK;
    vg_error_clear(&it->err);
    it->nclaims = 0;
    vg_buf_reset(&it->arena);
    vg_buf_reset(&it->warn);
    vg_buf_reset(&it->refs);
    it->nrefs = 0;
    it->label_off = (size_t)-1;
    it->claim_rc = VG_OK;
    it->claim_first = it->claim_last = 0;
    memset(&it->v, 0, sizeof(it->v));
    it->id[0] = '\0';
    it->of_ref[0] = '\0';
}

static int claim_add(void *ctx, const struct vg_obs *obs)
{
    struct vg_ingest_item *it = ctx;

    if (it->nclaims == it->capclaims) {
        size_t ncap = it->capclaims ? it->capclaims * 2 : 16;
        struct vg_claim *c;
        size_t *o;

        if (ncap > CLAIMS_MAX) {
            it->claim_rc = VG_LIMIT;
            return 1;
        }
        c = realloc(it->claims, ncap * sizeof(*c));
        if (c == NULL) {
            it->claim_rc = VG_NOMEM;
            return 1;
        }
        it->claims = c;
        o = realloc(it->offsets, ncap * sizeof(*o));
        if (o == NULL) {
            it->claim_rc = VG_NOMEM;
            return 1;
        }
        it->offsets = o;
        o = realloc(it->warn_off, ncap * sizeof(*o));
        if (o == NULL) {
            it->claim_rc = VG_NOMEM;
            return 1;
        }
        it->warn_off = o;
        it->capclaims = ncap;
    }
    it->offsets[it->nclaims] = it->arena.len;
    if (vg_buf_append(&it->arena, obs->value, obs->len + 1) != VG_OK) {
        it->claim_rc = VG_NOMEM;
        return 1;
    }
    it->claims[it->nclaims] = (struct vg_claim){
        .kind = obs->kind,
        .len = obs->len,
        .confidence = it->claim_confidence,
        .first_seen_us = it->claim_first,
        .last_seen_us = it->claim_last,
    };
    it->nclaims++;
    return 0;
}

/* Point claims at their values and label once the arena stops moving. */
static void claims_fix(struct vg_ingest_item *it)
{
    const char *label = it->label_off == (size_t)-1 ? NULL : it->arena.data + it->label_off;
    size_t i;

    for (i = 0; i < it->nclaims; i++) {
        it->claims[i].value = it->arena.data + it->offsets[i];
        it->claims[i].label = label;
        it->claims[i].warn = it->warn_off[i] == (size_t)-1 ? NULL : it->warn.data + it->warn_off[i];
    }
}

/* The warning lists each claimed value is on ("name\n" each), decided here,
 * off the writing thread; the store records them with the values it has
 * never seen (docs/warninglists.md). */
static enum vg_rc claims_warn(const struct vg_ingest *ing, struct vg_ingest_item *it,
                              struct vg_error *err)
{
    size_t i;

    for (i = 0; i < it->nclaims; i++) {
        size_t at = it->warn.len;
        int n = ing->wl ? vg_wl_names(ing->wl, it->claims[i].kind, it->arena.data + it->offsets[i],
                                      it->claims[i].len, &it->warn)
                        : 0;

        if (n < 0 || (n > 0 && vg_buf_putc(&it->warn, '\0') != VG_OK))
            return vg_error_set(err, VG_NOMEM, NULL, "out of memory");
        it->warn_off[i] = n > 0 ? at : (size_t)-1;
    }
    return VG_OK;
}

/* SCOs that carry a value claim it; file claims each of its hashes. */
static enum vg_rc sco_claims(struct vg_ingest_item *it, json_t *obj, const char *type,
                             struct vg_error *err)
{
    static const struct {
        const char *type;
        enum vg_obs_kind kind;
    } by_value[] = {{"ipv4-addr", VG_OBS_IPV4},
                    {"ipv6-addr", VG_OBS_IPV6},
                    {"domain-name", VG_OBS_DOMAIN},
                    {"url", VG_OBS_URL},
                    {"email-addr", VG_OBS_EMAIL}};
    struct vg_obs *obs;
    enum vg_rc rc = VG_OK;
    const char *v;
    size_t i;

    obs = malloc(sizeof(*obs));
    if (obs == NULL)
        return vg_error_set(err, VG_NOMEM, NULL, "out of memory");
    for (i = 0; i < sizeof(by_value) / sizeof(by_value[0]); i++) {
        enum vg_obs_kind kind = by_value[i].kind;

        if (strcmp(type, by_value[i].type) != 0)
            continue;
        if ((rc = get_string(obj, "value", 1, &v, err)) != VG_OK)
            goto out;
        if (strchr(v, '/') && kind == VG_OBS_IPV4)
            kind = VG_OBS_CIDR4;
        else if (strchr(v, '/') && kind == VG_OBS_IPV6)
            kind = VG_OBS_CIDR6;
        rc = vg_obs_parse(kind, v, json_string_length(json_object_get(obj, "value")), obs, err);
        if (rc != VG_OK) {
            snprintf(err->field, sizeof(err->field), "value");
            goto out;
        }
        claim_add(it, obs);
        goto out;
    }
    if (strcmp(type, "file") == 0) {
        json_t *hashes = json_object_get(obj, "hashes"), *h;
        const char *algo;

        if (hashes != NULL && !json_is_object(hashes)) {
            rc = vg_error_set(err, VG_INVALID, "hashes", "'hashes' must be an object");
            goto out;
        }
        json_object_foreach(hashes, algo, h)
        {
            enum vg_obs_kind kind = vg_obs_kind_from_name(algo);

            if (!json_is_string(h)) {
                rc = vg_error_set(err, VG_INVALID, "hashes", "hash '%s' must be a string", algo);
                goto out;
            }
            if (kind < VG_OBS_MD5)
                continue; /* SSDEEP, TLSH, ...: kept in the object, not claimed */
            rc = vg_obs_parse(kind, json_string_value(h), json_string_length(h), obs, err);
            if (rc != VG_OK) {
                snprintf(err->field, sizeof(err->field), "hashes");
                goto out;
            }
            claim_add(it, obs);
        }
    }
out:
    free(obs);
    if (rc == VG_OK && it->claim_rc != VG_OK)
        rc = vg_error_set(err, it->claim_rc, NULL, "too many observables in one object");
    return rc;
}

static enum vg_rc indicator_claims(struct vg_ingest_item *it, json_t *obj, struct vg_error *err)
{
    struct vg_pattern *pat = NULL;
    const char *pattern, *ptype;
    struct vg_error perr;
    int64_t valid_from, valid_until;
    enum vg_rc rc;

    if ((rc = get_string(obj, "pattern", 1, &pattern, err)) != VG_OK ||
        (rc = get_string(obj, "pattern_type", 1, &ptype, err)) != VG_OK ||
        (rc = get_time(obj, "valid_from", 1, &valid_from, err)) != VG_OK ||
        (rc = get_time(obj, "valid_until", 0, &valid_until, err)) != VG_OK)
        return rc;
    if (valid_until && valid_until <= valid_from)
        return vg_error_set(err, VG_INVALID, "valid_until",
                            "'valid_until' is not after 'valid_from'");
    if (strcmp(ptype, "stix") != 0)
        return VG_OK; /* sigma, yara, snort...: stored, not interpreted */
    vg_error_clear(&perr);
    rc =
        vg_pattern_parse(pattern, json_string_length(json_object_get(obj, "pattern")), &pat, &perr);
    if (rc != VG_OK)
        return vg_error_set(err, rc, "pattern", "invalid pattern at offset %lld: %s", perr.offset,
                            perr.msg);
    it->claim_first = valid_from;
    it->claim_last = valid_until;
    vg_pattern_observables(pat, claim_add, it);
    vg_pattern_free(pat);
    if (it->claim_rc != VG_OK)
        return vg_error_set(err, it->claim_rc, "pattern", "too many observables in one pattern");
    return VG_OK;
}

/* ---- TLP and markings -------------------------------------------------------- */

/* The strictest TLP among object_marking_refs; -1 when none is a TLP marking. */
static enum vg_rc marking_tlp(json_t *obj, int *tlp, struct vg_error *err)
{
    json_t *refs = json_object_get(obj, "object_marking_refs"), *r;
    size_t i;

    *tlp = -1;
    if (refs == NULL)
        return VG_OK;
    if (!json_is_array(refs))
        return vg_error_set(err, VG_INVALID, "object_marking_refs",
                            "'object_marking_refs' must be an array");
    json_array_foreach(refs, i, r)
    {
        enum vg_tlp t;

        if (!json_is_string(r) || !vg_stix_id_valid(json_string_value(r), json_string_length(r)))
            return vg_error_set(err, VG_INVALID, "object_marking_refs",
                                "'object_marking_refs' must hold marking-definition ids");
        if (vg_tlp_from_marking_id(json_string_value(r), &t) == VG_OK && (int)t > *tlp)
            *tlp = (int)t;
    }
    return VG_OK;
}

/* Make object_marking_refs carry exactly one TLP marking: the TLP 2.0 id of tlp. */
enum mark_edit { MARK_KEPT, MARK_ADDED, MARK_REPLACED };

static enum vg_rc set_marking(json_t *obj, enum vg_tlp tlp, enum mark_edit *edit,
                              struct vg_error *err)
{
    json_t *refs = json_object_get(obj, "object_marking_refs"), *r, *nrefs;
    const char *want = vg_tlp_marking_id(tlp);
    size_t i, ntlp = 0;
    int have = 0;
    enum vg_tlp t;

    json_array_foreach(refs, i, r)
    {
        if (vg_tlp_from_marking_id(json_string_value(r), &t) == VG_OK) {
            ntlp++;
            have |= strcmp(json_string_value(r), want) == 0;
        }
    }
    *edit = refs == NULL ? MARK_ADDED : MARK_REPLACED;
    if (have && ntlp == 1) {
        *edit = MARK_KEPT;
        return VG_OK;
    }
    nrefs = json_array();
    if (nrefs == NULL || json_array_append_new(nrefs, json_string(want)) != 0)
        goto nomem;
    json_array_foreach(refs, i, r)
    {
        if (vg_tlp_from_marking_id(json_string_value(r), &t) != VG_OK &&
            json_array_append(nrefs, r) != 0)
            goto nomem;
    }
    if (json_object_set_new(obj, "object_marking_refs", nrefs) != 0)
        return vg_error_set(err, VG_NOMEM, NULL, "out of memory");
    return VG_OK;
nomem:
    json_decref(nrefs);
    return vg_error_set(err, VG_NOMEM, NULL, "out of memory");
}

/*
 * The text to store: the object as it was sent when the hub changed nothing
 * or only added its marking (spliced in before the closing brace), which
 * keeps the partner's bytes and spares a serialisation; otherwise the
 * object re-serialised.  NULL when out of memory.
 */
static char *object_text(json_t *obj, const char *text, size_t len, enum mark_edit edit,
                         const char *marking)
{
    static const char key[] = ",\"object_marking_refs\":[\"";
    size_t end = len, mlen = strlen(marking);
    char *out;

    if (text == NULL || edit == MARK_REPLACED)
        return json_dumps(obj, JSON_COMPACT);
    while (end > 0 && text[end - 1] != '}')
        end--;
    if (end == 0)
        return json_dumps(obj, JSON_COMPACT); /* defensive: not an object's text */
    if (edit == MARK_KEPT)
        return strndup(text, end);
    if ((out = malloc(end + sizeof(key) + mlen + 4)) == NULL)
        return NULL;
    memcpy(out, text, end - 1);
    memcpy(out + end - 1, key, sizeof(key) - 1);
    memcpy(out + end - 1 + sizeof(key) - 1, marking, mlen);
    memcpy(out + end - 1 + sizeof(key) - 1 + mlen, "\"]}", 4);
    return out;
}

/* ---- the object path ------------------------------------------------------------ */

/*
 * A sighting: sighting_of_ref (required), count (STIX: 0 to 999,999,999;
 * 1 when absent), first_seen <= last_seen (the object's creation when
 * neither is given), and the value the sighting carries itself
 * (x_vigie_value, the hub's own property: any spelling of an observable,
 * stored canonical), for the per-observable counts (docs/sightings.md).
 */
static enum vg_rc sighting_facts(struct vg_ingest_item *it, json_t *obj, int64_t created,
                                 struct vg_error *err)
{
    struct vg_sighting_facts *f = &it->sighting;
    const char *ref, *value;
    json_t *count;
    enum vg_rc rc;

    memset(f, 0, sizeof(*f));
    if ((rc = get_ref(obj, "sighting_of_ref", 1, err)) != VG_OK)
        return rc;
    ref = json_string_value(json_object_get(obj, "sighting_of_ref"));
    snprintf(it->of_ref, sizeof(it->of_ref), "%s", ref); /* a valid id is shorter */
    f->of_ref = it->of_ref;
    f->count = 1;
    if ((count = json_object_get(obj, "count")) != NULL) {
        if (!json_is_integer(count) || json_integer_value(count) < 0 ||
            json_integer_value(count) > 999999999)
            return vg_error_set(err, VG_INVALID, "count",
                                "'count' must be an integer from 0 to 999999999");
        f->count = (int64_t)json_integer_value(count);
    }
    if ((rc = get_time(obj, "first_seen", 0, &f->first_seen_us, err)) != VG_OK ||
        (rc = get_time(obj, "last_seen", 0, &f->last_seen_us, err)) != VG_OK)
        return rc;
    if (f->first_seen_us && f->last_seen_us && f->last_seen_us < f->first_seen_us)
        return vg_error_set(err, VG_INVALID, "last_seen", "'last_seen' is before 'first_seen'");
    if (f->first_seen_us == 0 && f->last_seen_us == 0)
        f->first_seen_us = f->last_seen_us = created;
    else if (f->last_seen_us == 0)
        f->last_seen_us = f->first_seen_us;
    if ((rc = get_string(obj, "x_vigie_value", 0, &value, err)) != VG_OK)
        return rc;
    f->kind = VG_OBS_NONE;
    if (value) {
        struct vg_error perr;

        vg_error_clear(&perr);
        if ((rc = vg_obs_parse_ex(VG_OBS_NONE, VG_OBS_F_LIST, value,
                                  json_string_length(json_object_get(obj, "x_vigie_value")),
                                  &it->sighted, &perr)) != VG_OK)
            return vg_error_set(err, rc, "x_vigie_value", "'x_vigie_value' is no observable: %s",
                                perr.msg);
        f->kind = it->sighted.kind;
        f->value = it->sighted.value;
        f->len = it->sighted.len;
    }
    it->v.sighting = f; /* set again by prepare's end, which keeps it */
    return VG_OK;
}

static enum vg_rc begin_if_needed(struct vg_ingest *ing, struct vg_error *err)
{
    enum vg_rc rc;

    if (ing->in_tx)
        return VG_OK;
    if ((rc = vg_store_begin(ing->st, err)) != VG_OK)
        return rc;
    ing->in_tx = 1;
    /* Inside the transaction the lists cannot change: this matcher is
     * exactly what is registered while the batch is written. */
    vg_watch_matcher_unref(ing->watch);
    ing->watch = NULL;
    if ((rc = vg_watch_current(ing->st, &ing->watch, err)) != VG_OK) {
        vg_store_rollback(ing->st);
        ing->in_tx = 0;
        return rc;
    }
    return VG_OK;
}

/* ---- watch lists ------------------------------------------------------------------ */

#define WATCH_HITS_MAX 64 /* distinct entries one version may notify */

struct watch_run {
    struct vg_ingest *ing;
    const struct vg_claim *claim;
    int64_t rowid;
    int64_t done[WATCH_HITS_MAX]; /* entries already notified for this version */
    size_t ndone;
    enum vg_rc rc;
    struct vg_error *err;
};

static int watch_hit(void *ctx, const struct vg_watch_hit *h)
{
    struct watch_run *w = ctx;
    struct vg_notify_new n;
    size_t i;

    /* An organisation reporting its own asset knows already. */
    if (h->org_id == w->ing->org.id)
        return 0;
    for (i = 0; i < w->ndone; i++) {
        if (w->done[i] == h->entry_id)
            return 0;
    }
    if (w->ndone == WATCH_HITS_MAX)
        return 1;
    w->done[w->ndone++] = h->entry_id;
    n.org_id = h->org_id;
    n.watch_id = h->entry_id;
    n.asset_kind = (int)h->kind;
    n.asset = h->asset;
    n.object_rowid = w->rowid;
    n.obs_kind = w->claim->kind;
    n.obs_value = w->claim->value;
    n.obs_len = w->claim->len;
    n.rule = (int)h->rule;
    w->rc = vg_store_notify_add(w->ing->st, &n, w->err);
    return w->rc != VG_OK;
}

/*
 * Check a stored version's observables against the watch lists and record
 * a notification per entry touched, in the version's transaction.  A
 * failure here is the storage failing after the version was written: the
 * batch is rolled back (nothing of it was acknowledged).
 */
static enum vg_rc watch_check(struct vg_ingest *ing, const struct vg_object_version *v,
                              int64_t rowid, struct vg_error *err)
{
    struct watch_run w;
    size_t i;

    if (ing->watch == NULL || v->nclaims == 0 || v->revoked)
        return VG_OK;
    w.ing = ing;
    w.rowid = rowid;
    w.ndone = 0;
    w.rc = VG_OK;
    w.err = err;
    for (i = 0; i < v->nclaims && w.rc == VG_OK; i++) {
        w.claim = &v->claims[i];
        vg_watch_match(ing->watch, w.claim->kind, w.claim->value, w.claim->len, watch_hit, &w);
    }
    if (w.rc != VG_OK) {
        char msg[VG_ERROR_MSG_MAX];

        snprintf(msg, sizeof(msg), "%s", err->msg);
        vg_store_rollback(ing->st);
        ing->in_tx = 0;
        ing->pending = 0;
        return vg_error_set(err, w.rc == VG_NOMEM ? VG_NOMEM : VG_STORAGE, NULL,
                            "recording a notification failed, batch rolled back: %s", msg);
    }
    return VG_OK;
}

/*
 * Everything about one object that needs no store, into it.  Reads only the
 * ingest's options and organisation, so it may run on another thread than
 * vg_ingest_commit.  obj is borrowed and may be modified.
 */
static enum vg_rc prepare(const struct vg_ingest *ing, json_t *obj, const char *text,
                          size_t text_len, int dedupe_by_id, const int64_t *groups, size_t ngroups,
                          const int64_t *orgs, size_t norgs, struct vg_ingest_item *it,
                          struct vg_error *err)
{
    const char *type, *id, *spec, *creator, *label = NULL;
    int64_t created = 0, modified = 0;
    json_t *revoked, *conf, *labels;
    int tlp, is_sco, confidence = -1;
    enum mark_edit edit;
    enum vg_tlp eff;
    enum vg_rc rc;

    item_reset(it);
    if (!json_is_object(obj))
        return vg_error_set(err, VG_INVALID, NULL, "not a JSON object");
    /* the text is kept as sent: a raw NUL byte (never valid JSON; a parser
     * may stop at it) would cut it */
    if (text && memchr(text, '\0', text_len))
        return vg_error_set(err, VG_INVALID, NULL, "the object's text holds a NUL byte");
    if ((rc = get_string(obj, "type", 1, &type, err)) != VG_OK)
        return rc;
    if (!type_valid(type) || strcmp(type, "bundle") == 0)
        return vg_error_set(err, VG_INVALID, "type", "'%.64s' is not a STIX object type", type);
    if ((rc = get_string(obj, "id", 1, &id, err)) != VG_OK)
        return rc;
    /* Known from here on, so that a rejection names its object. */
    snprintf(it->id, sizeof(it->id), "%s", id);
    if (!vg_stix_id_valid(id, strlen(id)) || strncmp(id, type, strlen(type)) != 0 ||
        strncmp(id + strlen(type), "--", 2) != 0)
        return vg_error_set(err, VG_INVALID, "id", "'%.100s' is not a valid id for type '%s'", id,
                            type);
    is_sco = vg_stix_is_sco(type);
    if ((rc = get_string(obj, "spec_version", !is_sco, &spec, err)) != VG_OK)
        return rc;
    if (spec && strcmp(spec, "2.1") != 0)
        return vg_error_set(err, VG_INVALID, "spec_version", "spec_version '%.16s' is not 2.1",
                            spec);
    if ((rc = check_strings(obj, "", err)) != VG_OK)
        return rc;
    if (!is_sco) {
        if ((rc = get_time(obj, "created", 1, &created, err)) != VG_OK)
            return rc;
        if ((rc = get_time(obj, "modified", strcmp(type, "marking-definition") != 0, &modified,
                           err)) != VG_OK)
            return rc;
        if (modified == 0)
            modified = created;
        if (modified < created)
            return vg_error_set(err, VG_INVALID, "modified", "'modified' is before 'created'");
    }
    if ((revoked = json_object_get(obj, "revoked")) != NULL && !json_is_boolean(revoked))
        return vg_error_set(err, VG_INVALID, "revoked", "'revoked' must be a boolean");
    if ((conf = json_object_get(obj, "confidence")) != NULL) {
        if (!json_is_integer(conf) || json_integer_value(conf) < 0 ||
            json_integer_value(conf) > 100)
            return vg_error_set(err, VG_INVALID, "confidence",
                                "'confidence' must be an integer from 0 to 100");
        confidence = (int)json_integer_value(conf);
    }
    if ((labels = json_object_get(obj, "labels")) != NULL) {
        if (!json_is_array(labels))
            return vg_error_set(err, VG_INVALID, "labels", "'labels' must be an array");
        if (json_array_size(labels) > 0 && json_is_string(json_array_get(labels, 0)))
            label = json_string_value(json_array_get(labels, 0));
    }
    /* The contributor is the authenticated organisation; a payload that claims
     * another creator is refused rather than silently re-attributed. */
    if ((rc = get_string(obj, "created_by_ref", 0, &creator, err)) != VG_OK)
        return rc;
    if (creator && strcmp(creator, ing->org.stix_id) != 0)
        return vg_error_set(err, VG_FORBIDDEN, "created_by_ref",
                            "created_by_ref '%.100s' is not the contributing organisation (%s)",
                            creator, ing->org.stix_id);
    if (strcmp(type, "relationship") == 0) {
        const char *rt;

        if ((rc = get_string(obj, "relationship_type", 1, &rt, err)) != VG_OK ||
            (rc = get_ref(obj, "source_ref", 1, err)) != VG_OK ||
            (rc = get_ref(obj, "target_ref", 1, err)) != VG_OK)
            return rc;
    } else if (strcmp(type, "sighting") == 0) {
        if ((rc = sighting_facts(it, obj, created, err)) != VG_OK)
            return rc;
    }

    if ((rc = collect_refs(it, obj, err)) != VG_OK)
        return rc;
    if (label == NULL)
        label = ing->opts.label;
    if (label) {
        it->label_off = it->arena.len;
        if (vg_buf_append(&it->arena, label, strlen(label) + 1) != VG_OK)
            return vg_error_set(err, VG_NOMEM, NULL, "out of memory");
    }
    it->claim_confidence = confidence;
    if (strcmp(type, "indicator") == 0)
        rc = indicator_claims(it, obj, err);
    else if (is_sco)
        rc = sco_claims(it, obj, type, err);
    if (rc == VG_OK)
        rc = claims_warn(ing, it, err);
    if (rc != VG_OK)
        return rc;

    if ((rc = marking_tlp(obj, &tlp, err)) != VG_OK)
        return rc;
    eff = tlp >= 0 ? (enum vg_tlp)tlp : ing->opts.default_tlp;
    if (ing->opts.has_tlp_floor && ing->opts.tlp_floor > eff)
        eff = ing->opts.tlp_floor;
    if ((rc = vg_policy_audience(eff, ing->org.id, groups, ngroups, orgs, norgs, &it->aud)) !=
        VG_OK)
        return vg_error_set(err, rc, "audience", "audience too large");
    if ((rc = set_marking(obj, eff, &edit, err)) != VG_OK)
        return rc;
    if ((it->text = object_text(obj, text, text_len, edit, vg_tlp_marking_id(eff))) == NULL)
        return vg_error_set(err, VG_NOMEM, NULL, "out of memory");

    /* Lengths were checked: an id is at most 250 bytes, a type shorter. */
    snprintf(it->type, sizeof(it->type), "%s", type);
    snprintf(it->spec, sizeof(it->spec), "%s", spec ? spec : "");
    it->is_sco = is_sco;
    it->dedupe_by_id = dedupe_by_id;
    it->v.stix_id = it->id;
    it->v.type = it->type;
    it->v.spec_version = spec ? it->spec : NULL;
    it->v.created_us = created;
    it->v.modified_us = modified;
    it->v.revoked = json_is_true(revoked);
    it->v.tlp = eff;
    it->v.aud = &it->aud;
    it->v.org_id = ing->org.id;
    it->v.collection_id = ing->opts.collection_id;
    it->v.key_id = ing->opts.key_id;
    it->v.json = it->text;
    it->v.json_len = strlen(it->text);
    /* hashed here, on the preparing thread, not under the store's write lock */
    vg_sha256(it->text, it->v.json_len, it->text_sha256);
    it->v.json_sha256 = it->text_sha256;
    return VG_OK;
}

static int fatal(enum vg_rc rc)
{
    return rc == VG_STORAGE || rc == VG_IO || rc == VG_NOMEM || rc == VG_INTERNAL;
}

enum vg_rc vg_ingest_prepare(const struct vg_ingest *ing, json_t *obj, const char *text, size_t len,
                             struct vg_ingest_item *it)
{
    it->rc = prepare(ing, obj, text, len, 0, ing->opts.groups, ing->opts.ngroups, ing->opts.orgs,
                     ing->opts.norgs, it, &it->err);
    return it->rc;
}

const char *vg_ingest_item_id(const struct vg_ingest_item *it)
{
    return it->id[0] ? it->id : NULL;
}

const char *vg_ingest_item_text(const struct vg_ingest_item *it)
{
    return it->rc == VG_OK ? it->text : NULL;
}

enum vg_rc vg_ingest_commit(struct vg_ingest *ing, struct vg_ingest_item *it,
                            enum vg_put_result *result, struct vg_error *err)
{
    int64_t seq = 0;
    enum vg_rc rc;

    if (it->rc != VG_OK) {
        *err = it->err;
        rc = it->rc;
        goto out;
    }
    if ((rc = begin_if_needed(ing, err)) != VG_OK)
        goto out;
    claims_fix(it);
    if (it->nrefs && (rc = narrow_audience(ing, it, err)) != VG_OK)
        goto out;
    it->v.nclaims = it->nclaims;
    it->v.claims = it->claims;
    /* Only an object's contributor versions it; the store decides, among the
     * versions the contributor can see, inside the same write. */
    it->v.writer_tokens = ing->tokens;
    it->v.nwriter_tokens = ing->ntokens;
    it->v.shared_id = it->is_sco;
    it->v.dedupe_by_id = it->dedupe_by_id;
    if ((rc = vg_store_put_object(ing->st, &it->v, result, &seq, err)) != VG_OK)
        goto out;
    if (*result != VG_PUT_DUPLICATE && (rc = watch_check(ing, &it->v, seq, err)) != VG_OK)
        goto out;
    switch (*result) {
    case VG_PUT_NEW:
        ing->counts.accepted++;
        break;
    case VG_PUT_VERSION:
        ing->counts.versions++;
        break;
    case VG_PUT_DUPLICATE:
        ing->counts.duplicates++;
        break;
    }
    if (*result != VG_PUT_DUPLICATE && ++ing->pending >= ing->opts.batch)
        rc = vg_ingest_flush(ing, err);
out:
    if (rc != VG_OK && !fatal(rc))
        ing->counts.rejected++;
    return rc;
}

enum vg_rc vg_ingest_object(struct vg_ingest *ing, json_t *obj, enum vg_put_result *result,
                            struct vg_error *err)
{
    vg_ingest_prepare(ing, obj, NULL, 0, ing->item);
    return vg_ingest_commit(ing, ing->item, result, err);
}

enum vg_rc vg_ingest_begin(struct vg_ingest *ing, struct vg_error *err)
{
    return begin_if_needed(ing, err);
}

enum vg_rc vg_ingest_object_for(struct vg_ingest *ing, json_t *obj, const int64_t *orgs,
                                size_t norgs, enum vg_put_result *result, struct vg_error *err)
{
    struct vg_ingest_item *it = ing->item;

    it->rc = prepare(ing, obj, NULL, 0, 0, ing->opts.groups, ing->opts.ngroups, orgs, norgs, it,
                     &it->err);
    return vg_ingest_commit(ing, it, result, err);
}

/* Pattern text for one canonical observable: [type:path = 'value'], or with a
 * port, the network-traffic form that STIX uses for an address and port. */
static enum vg_rc pattern_for(const struct vg_obs *obs, unsigned port, struct vg_buf *b)
{
    const char *path = "value";
    char hpath[32];
    size_t i;
    enum vg_rc rc;

    if (obs->kind >= VG_OBS_MD5) {
        snprintf(hpath, sizeof(hpath), "hashes.'%s'", vg_obs_hash_algo(obs->kind));
        path = hpath;
    }
    if (port)
        rc = vg_buf_printf(b,
                           "[network-traffic:dst_ref.type = '%s' AND network-traffic:dst_port = %u"
                           " AND network-traffic:dst_ref.value = '",
                           vg_obs_stix_type(obs->kind), port);
    else
        rc = vg_buf_printf(b, "[%s:%s = '", vg_obs_stix_type(obs->kind), path);
    if (rc != VG_OK)
        return rc;
    for (i = 0; i < obs->len; i++) {
        char c = obs->value[i];

        if ((c == '\'' || c == '\\') && (rc = vg_buf_putc(b, '\\')) != VG_OK)
            return rc;
        if ((rc = vg_buf_putc(b, c)) != VG_OK)
            return rc;
    }
    return vg_buf_puts(b, "']");
}

/*
 * "host:port" in a list (1.2.3.4:443, [2001:db8::1]:8080, c2.example.com:8443):
 * returns the length of the host part and sets *port, or returns len and
 * *port = 0 when the value has no port.  URLs keep their ports.
 */
static size_t split_port(const char *v, size_t len, unsigned *port)
{
    size_t colon = len, i;
    unsigned p = 0;

    *port = 0;
    for (i = 0; i < len; i++) {
        if (v[i] == '/' || v[i] == '@')
            return len;
        if (v[i] == ':') {
            if (colon != len && v[0] != '[')
                return len; /* two colons: an IPv6 address */
            colon = i;
        }
    }
    if (colon == len || colon == 0 || colon + 1 == len || len - colon > 6)
        return len;
    if (v[0] == '[' && v[colon - 1] != ']')
        return len;
    for (i = colon + 1; i < len; i++) {
        if (v[i] < '0' || v[i] > '9')
            return len;
        p = p * 10 + (unsigned)(v[i] - '0');
    }
    if (p == 0 || p > 65535)
        return len;
    *port = p;
    return colon;
}

enum vg_rc vg_ingest_flat(struct vg_ingest *ing, const struct vg_flat_record *rec,
                          enum vg_put_result *result, struct vg_error *err)
{
    char now[VG_TIME_TEXT_MAX], from[VG_TIME_TEXT_MAX], uuid[VG_UUID_TEXT_LEN + 1], id[64];
    const char *label = rec->label ? rec->label : ing->opts.label;
    struct vg_obs *obs = NULL;
    struct vg_buf name, pat;
    unsigned port;
    size_t hostlen;
    int64_t self = ing->org.id, group = 0;
    json_t *o = NULL;
    enum vg_rc rc;

    vg_buf_init(&name, 0);
    vg_buf_init(&pat, 0);
    obs = malloc(sizeof(*obs));
    if (obs == NULL) {
        rc = vg_error_set(err, VG_NOMEM, NULL, "out of memory");
        goto out;
    }
    hostlen = split_port(rec->value, rec->len, &port);
    if (rec->value[0] == '[' && port) {
        rc = vg_obs_parse_ex(rec->kind, VG_OBS_F_LIST, rec->value + 1, hostlen - 2, obs, err);
    } else {
        rc = vg_obs_parse_ex(rec->kind, VG_OBS_F_LIST, rec->value, hostlen, obs, err);
    }
    if (rc == VG_OK && port && obs->kind != VG_OBS_IPV4 && obs->kind != VG_OBS_IPV6 &&
        obs->kind != VG_OBS_DOMAIN)
        rc = vg_error_set(err, VG_INVALID, "value", "a port only goes with an address or a domain");
    if (rc != VG_OK) {
        snprintf(err->field, sizeof(err->field), "%s", rec->field ? rec->field : "value");
        goto reject;
    }
    if (rec->uuid) {
        snprintf(id, sizeof(id), "indicator--%s", rec->uuid);
        if (!vg_stix_id_valid(id, strlen(id))) {
            rc = vg_error_set(err, VG_INVALID, "uuid", "'%.40s' is not a UUID", rec->uuid);
            goto reject;
        }
    } else {
        /* Derived id: the same value (and port) with the same label from the
         * same organisation is the same indicator, so importing a list twice
         * adds nothing, while one value in two families makes two claims. */
        if ((rc = vg_buf_printf(&name, "%s\n%s\n%s\n%u\n", ing->org.stix_id,
                                vg_obs_kind_name(obs->kind), label ? label : "", port)) != VG_OK ||
            (rc = vg_buf_append(&name, obs->value, obs->len)) != VG_OK)
            goto nomem;
        vg_uuid5(VG_NAMESPACE, name.data, name.len, uuid);
        snprintf(id, sizeof(id), "indicator--%s", uuid);
    }
    if ((rc = pattern_for(obs, port, &pat)) != VG_OK)
        goto nomem;
    vg_time_format_us(vg_time_now_us(), now);
    if (rec->first_seen_us)
        vg_time_format_us(rec->first_seen_us, from);
    else
        memcpy(from, now, sizeof(now));
    vg_buf_reset(&name);
    if ((rc = vg_buf_printf(&name, "%s %s", label ? label : "indicator",
                            vg_obs_kind_name(obs->kind))) != VG_OK)
        goto nomem;
    o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:[s], s:s, s:s, s:s}", "type", "indicator",
                  "spec_version", "2.1", "id", id, "created", now, "modified", now, "name",
                  name.data, "indicator_types", "malicious-activity", "pattern", pat.data,
                  "pattern_type", "stix", "valid_from", from);
    if (o == NULL)
        goto nomem;
    if (rec->last_seen_us > rec->first_seen_us && rec->first_seen_us) {
        vg_time_format_us(rec->last_seen_us, from);
        json_object_set_new(o, "valid_until", json_string(from));
    }
    if (label && json_object_set_new(o, "labels", json_pack("[s]", label)) != 0)
        goto nomem;
    if (rec->confidence >= 0)
        json_object_set_new(o, "confidence", json_integer(rec->confidence));
    if (rec->description)
        json_object_set_new(o, "description", json_string(rec->description));
    if (rec->has_tlp && json_object_set_new(o, "object_marking_refs",
                                            json_pack("[s]", vg_tlp_marking_id(rec->tlp))))
        goto nomem;
    if (rec->group_name) {
        struct vg_group g;

        /* An unknown sharing group narrows to the contributor rather than widening. */
        if (vg_store_group_get(ing->st, rec->group_name, &g, NULL) == VG_OK)
            group = g.id;
    }
    if (group)
        ing->item->rc = prepare(ing, o, NULL, 0, 1, &group, 1, NULL, 0, ing->item, &ing->item->err);
    else if (rec->org_only)
        ing->item->rc = prepare(ing, o, NULL, 0, 1, NULL, 0, &self, 1, ing->item, &ing->item->err);
    else
        ing->item->rc = prepare(ing, o, NULL, 0, 1, ing->opts.groups, ing->opts.ngroups,
                                ing->opts.orgs, ing->opts.norgs, ing->item, &ing->item->err);
    rc = vg_ingest_commit(ing, ing->item, result, err);
    goto out;
nomem:
    rc = vg_error_set(err, VG_NOMEM, NULL, "out of memory");
    goto out;
reject:
    ing->counts.rejected++;
out:
    json_decref(o);
    free(obs);
    vg_buf_cleanup(&name);
    vg_buf_cleanup(&pat);
    return rc;
}
