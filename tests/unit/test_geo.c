/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_geo.c - enrichment and jurisdictions: country codes, regions and
 * ccTLDs (hostile lists included); the store's enrichment rows, pending
 * scan and jurisdictions; locations in observable scans and the
 * jurisdiction filters, with the policy deciding first (a hidden object
 * lends no location and appears in no country view); the report's counts
 * and its HTML escaping; the real MMDB files when they are installed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "geo/geo.h"
#include "geo/report.h"
#include "lookup/lookup.h"
#include "policy/policy.h"
#include "store/store.h"
#include "../support/temp_hub.h"

/* ---- codes, regions, ccTLDs ----------------------------------------------------------- */

static void test_countries(void **state)
{
    (void)state;
    assert_true(vg_geo_is_country("FR"));
    assert_true(vg_geo_is_country("XK"));
    assert_false(vg_geo_is_country("fr"));
    assert_false(vg_geo_is_country("ZZ"));
    assert_false(vg_geo_is_country("EU"));
    assert_false(vg_geo_is_country("F"));
    assert_false(vg_geo_is_country("FRA"));
    assert_false(vg_geo_is_country(""));
    assert_false(vg_geo_is_country(NULL));
    assert_false(vg_geo_is_country("R ")); /* a space is no letter */
}

static void test_expand(void **state)
{
    char out[VG_GEO_COUNTRIES_MAX][3];
    struct vg_error err;
    size_t n, i;
    int fr = 0;

    (void)state;
    assert_int_equal(vg_geo_expand("fr", out, VG_GEO_COUNTRIES_MAX, &n, &err), VG_OK);
    assert_int_equal(n, 1);
    assert_string_equal(out[0], "FR");
    assert_int_equal(vg_geo_expand("EU", out, VG_GEO_COUNTRIES_MAX, &n, &err), VG_OK);
    assert_int_equal(n, 27);
    /* duplicates collapse; separators are commas and spaces */
    assert_int_equal(vg_geo_expand(" FR, eu ,,DE  CH", out, VG_GEO_COUNTRIES_MAX, &n, &err), VG_OK);
    assert_int_equal(n, 28);
    for (i = 0; i < n; i++)
        fr += strcmp(out[i], "FR") == 0;
    assert_int_equal(fr, 1);
    /* hostile and wrong lists: a clear error naming the code */
    assert_int_equal(vg_geo_expand("FR,XX", out, VG_GEO_COUNTRIES_MAX, &n, &err), VG_INVALID);
    assert_non_null(strstr(err.msg, "'XX'"));
    assert_int_equal(vg_geo_expand("", out, VG_GEO_COUNTRIES_MAX, &n, &err), VG_INVALID);
    assert_int_equal(vg_geo_expand(",,, ", out, VG_GEO_COUNTRIES_MAX, &n, &err), VG_INVALID);
    assert_int_equal(vg_geo_expand("FR;DE", out, VG_GEO_COUNTRIES_MAX, &n, &err), VG_INVALID);
    assert_int_equal(vg_geo_expand("<script>", out, VG_GEO_COUNTRIES_MAX, &n, &err), VG_INVALID);
    assert_int_equal(vg_geo_expand("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", out,
                                   VG_GEO_COUNTRIES_MAX, &n, &err),
                     VG_INVALID);
    assert_int_equal(vg_geo_expand("EU", out, 5, &n, &err), VG_LIMIT);
    /* the longest region names (a buffer once too short for them: fuzz_geo) */
    assert_int_equal(vg_geo_expand("five-eyes,SCHENGEN,eea", out, VG_GEO_COUNTRIES_MAX, &n, &err),
                     VG_OK);
    assert_int_equal(n, 5 + 29 + 2); /* Five Eyes, Schengen, and the EEA adds CY and IE */
    assert_int_equal(vg_geo_expand("F\xc3\xa9", out, VG_GEO_COUNTRIES_MAX, &n, &err), VG_INVALID);
}

static void test_cctld(void **state)
{
    char cc[3];

    (void)state;
    assert_int_equal(vg_geo_cctld("evil.fr", 7, cc), 0);
    assert_string_equal(cc, "FR");
    assert_int_equal(vg_geo_cctld("a.b.co.uk", 9, cc), 0);
    assert_string_equal(cc, "GB");
    assert_int_equal(vg_geo_cctld("x.de.", 5, cc), 0);
    assert_string_equal(cc, "DE");
    /* generic-use ccTLDs, gTLDs, non-country two-letter TLDs locate nothing */
    assert_int_equal(vg_geo_cctld("evil.io", 7, cc), -1);
    assert_int_equal(vg_geo_cctld("evil.co", 7, cc), -1);
    assert_int_equal(vg_geo_cctld("evil.tv", 7, cc), -1);
    assert_int_equal(vg_geo_cctld("evil.com", 8, cc), -1);
    assert_int_equal(vg_geo_cctld("evil.eu", 7, cc), -1);
    assert_int_equal(vg_geo_cctld("evil.zz", 7, cc), -1);
    assert_int_equal(vg_geo_cctld("fr", 2, cc), -1);
    assert_int_equal(vg_geo_cctld(".fr", 3, cc), -1);
    assert_int_equal(vg_geo_cctld("", 0, cc), -1);
    assert_int_equal(vg_geo_cctld("a.f1", 4, cc), -1);
}

static void test_locate_without_databases(void **state)
{
    struct vg_geo g;

    (void)state;
    assert_int_equal(vg_geo_locate(NULL, VG_OBS_DOMAIN, "x.fr", 4, &g), VG_OK);
    assert_string_equal(g.country, "FR");
    assert_int_equal(g.source, VG_GEO_CCTLD);
    assert_int_equal(vg_geo_locate(NULL, VG_OBS_URL, "http://x.nl:8080/a", 18, &g), VG_OK);
    assert_string_equal(g.country, "NL");
    assert_int_equal(vg_geo_locate(NULL, VG_OBS_URL, "http://[::1]/a", 14, &g), VG_NOT_FOUND);
    assert_int_equal(vg_geo_locate(NULL, VG_OBS_URL, "nonsense", 8, &g), VG_NOT_FOUND);
    assert_int_equal(vg_geo_locate(NULL, VG_OBS_IPV4, "1.2.3.4", 7, &g), VG_NOT_FOUND);
    assert_int_equal(vg_geo_locate(NULL, VG_OBS_MD5, "00", 2, &g), VG_NOT_FOUND);
    assert_int_equal(vg_geo_lookup(NULL, "1.2.3", 5, &g), VG_INVALID);
    assert_int_equal(vg_geo_lookup(NULL, "", 0, &g), VG_INVALID);
}

static void test_open_errors(void **state)
{
    struct vg_geo_db *db = NULL;
    struct vg_error err;
    char path[] = "/tmp/vg-geo-notmmdb-XXXXXX";
    int fd;

    (void)state;
    assert_int_equal(vg_geo_open(NULL, NULL, &db, &err), VG_INVALID);
    assert_int_equal(vg_geo_open("/nonexistent/x.mmdb", NULL, &db, &err), VG_IO);
    assert_non_null(strstr(err.msg, "/nonexistent/x.mmdb"));
    fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "not an mmdb file at all\n", 24), 24);
    close(fd);
    assert_int_equal(vg_geo_open(path, NULL, &db, &err), VG_INVALID);
    unlink(path);
    assert_null(db);
}

/* ---- the store ------------------------------------------------------------------------- */

struct fx {
    char dir[64];
    struct vg_store *st;
    struct vg_org a, b; /* a: contributor; b: another partner */
    struct vg_group g;  /* a's group, b outside */
};

static int setup(void **state)
{
    struct fx *fx = calloc(1, sizeof(*fx));
    struct vg_error err;

    assert_int_equal(temp_hub_open(fx->dir, sizeof(fx->dir), "test-geo", &fx->st), 0);
    snprintf(fx->a.name, sizeof(fx->a.name), "ACME");
    snprintf(fx->a.kind, sizeof(fx->a.kind), "vendor");
    snprintf(fx->b.name, sizeof(fx->b.name), "Police");
    snprintf(fx->b.kind, sizeof(fx->b.kind), "law-enforcement");
    assert_int_equal(vg_store_org_add(fx->st, &fx->a, &err), VG_OK);
    assert_int_equal(vg_store_org_add(fx->st, &fx->b, &err), VG_OK);
    snprintf(fx->g.name, sizeof(fx->g.name), "op-x");
    assert_int_equal(vg_store_group_add(fx->st, &fx->g, &err), VG_OK);
    assert_int_equal(vg_store_group_member_add(fx->st, fx->g.id, fx->a.id, &err), VG_OK);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fx *fx = *state;
    int rc = temp_hub_remove(fx->dir, fx->st);

    free(fx);
    return rc;
}

static size_t tokens_of(struct fx *fx, int64_t org, vg_token *tok)
{
    struct vg_principal p;
    struct vg_error err;

    assert_int_equal(vg_store_principal(fx->st, org, &p, &err), VG_OK);
    return vg_policy_tokens(&p, tok);
}

/* One indicator of org claiming the values (kind, value pairs), with label. */
static void put(struct fx *fx, const char *id, enum vg_tlp tlp, int group_only, const char *label,
                size_t n, const enum vg_obs_kind *kinds, const char *const *values)
{
    struct vg_object_version v = {0};
    struct vg_audience aud;
    struct vg_claim claims[4];
    struct vg_error err;
    enum vg_put_result r;
    char json[256];
    size_t i;

    assert_int_equal(vg_policy_audience(tlp, fx->a.id, group_only ? &fx->g.id : NULL,
                                        group_only ? 1 : 0, NULL, 0, &aud),
                     VG_OK);
    snprintf(json, sizeof(json), "{\"id\":\"%s\"}", id);
    v.stix_id = id;
    v.type = "indicator";
    v.spec_version = "2.1";
    v.created_us = 1;
    v.modified_us = 1;
    v.tlp = tlp;
    v.aud = &aud;
    v.org_id = fx->a.id;
    v.json = json;
    v.json_len = strlen(json);
    memset(claims, 0, sizeof(claims));
    for (i = 0; i < n; i++) {
        claims[i].kind = kinds[i];
        claims[i].value = values[i];
        claims[i].len = strlen(values[i]);
        claims[i].label = label;
        claims[i].confidence = -1;
    }
    v.nclaims = n;
    v.claims = claims;
    assert_int_equal(vg_store_put_object(fx->st, &v, &r, NULL, &err), VG_OK);
}

struct pend {
    int n;
    int64_t ids[16];
    char values[16][64];
};

static int pend_cb(void *ctx, const struct vg_geo_item *it)
{
    struct pend *p = ctx;

    p->ids[p->n] = it->obs_id;
    snprintf(p->values[p->n], 64, "%.*s", (int)it->len, it->value);
    p->n++;
    return p->n == 16;
}

/* Store enrichment as a refresh would, with fixed locations per value (an
 * AS name with markup, for the report's escaping). */
static void enrich(struct fx *fx, int64_t build)
{
    static const struct {
        const char *value;
        const char *cc;
        int64_t asn;
        enum vg_geo_source src;
    } where[] = {
        {"192.0.2.1", "FR", 16276, VG_GEO_MMDB},
        {"198.51.100.7", "FR", 12322, VG_GEO_MMDB},
        {"203.0.113.9", "DE", 3320, VG_GEO_MMDB},
        {"shop.nl", "NL", 0, VG_GEO_CCTLD},
    };
    struct pend p = {0};
    struct vg_error err;
    struct vg_geo g;
    size_t k;
    int i;

    assert_int_equal(vg_store_geo_pending(fx->st, build, 0, 0, pend_cb, &p, &err), VG_OK);
    assert_int_equal(p.n, 6); /* the hash claimed is not a locatable kind */
    for (i = 0; i < p.n; i++) {
        memset(&g, 0, sizeof(g));
        g.build = build;
        for (k = 0; k < sizeof(where) / sizeof(where[0]); k++) {
            if (strcmp(where[k].value, p.values[i]) != 0)
                continue;
            snprintf(g.country, sizeof(g.country), "%s", where[k].cc);
            g.asn = where[k].asn;
            snprintf(g.as_name, sizeof(g.as_name), "%s", where[k].asn ? "AS <b>&amp;" : "");
            g.source = where[k].src;
        }
        assert_int_equal(vg_store_geo_put(fx->st, &p.ids[i], &g, 1, &err), VG_OK);
    }
}

static void fixture_objects(struct fx *fx)
{
    static const enum vg_obs_kind k_ip[] = {VG_OBS_IPV4};
    static const enum vg_obs_kind k_dom_ip[] = {VG_OBS_DOMAIN, VG_OBS_IPV4};
    static const enum vg_obs_kind k_dom[] = {VG_OBS_DOMAIN};
    static const enum vg_obs_kind k_hash[] = {VG_OBS_MD5};
    const char *v1[] = {"192.0.2.1"};
    const char *v2[] = {"evil-c2.com", "198.51.100.7"};
    const char *v3[] = {"secret-c2.com", "203.0.113.9"};
    const char *v4[] = {"shop.nl"};
    const char *v5[] = {"d41d8cd98f00b204e9800998ecf8427e"};

    /* visible to both */
    put(fx, "indicator--00000000-0000-4000-8000-000000000001", VG_TLP_GREEN, 0, "emotet", 1, k_ip,
        v1);
    put(fx, "indicator--00000000-0000-4000-8000-000000000002", VG_TLP_GREEN, 0, "<i>qakbot</i>", 2,
        k_dom_ip, v2);
    put(fx, "indicator--00000000-0000-4000-8000-000000000004", VG_TLP_CLEAR, 0, NULL, 1, k_dom, v4);
    put(fx, "indicator--00000000-0000-4000-8000-000000000005", VG_TLP_CLEAR, 0, NULL, 1, k_hash,
        v5);
    /* hidden from b: a's group only; the domain would inherit DE from it */
    put(fx, "indicator--00000000-0000-4000-8000-000000000003", VG_TLP_AMBER, 1, "hidden-family", 2,
        k_dom_ip, v3);
    /* hidden from b and located in FR: an address only a's group sees */
    {
        const char *v6[] = {"192.0.2.1"};

        put(fx, "indicator--00000000-0000-4000-8000-000000000006", VG_TLP_AMBER, 1, "hidden-family",
            1, k_ip, v6);
    }
}

struct rows {
    int n;
    char values[16][64];
    char countries[16][4];
    int64_t asn[16];
    int sources[16];
    char labels[16][32];
};

static int rows_cb(void *ctx, const struct vg_obs_row *row)
{
    struct rows *r = ctx;

    if (r->n == 16)
        return 1;
    snprintf(r->values[r->n], 64, "%.*s", (int)row->len, row->value);
    snprintf(r->countries[r->n], 4, "%s", row->country ? row->country : "");
    r->asn[r->n] = row->asn;
    r->sources[r->n] = (int)row->geo_source;
    snprintf(r->labels[r->n], 32, "%s", row->label ? row->label : "");
    r->n++;
    return 0;
}

static int find_row(const struct rows *r, const char *value, const char *label)
{
    int i;

    for (i = 0; i < r->n; i++) {
        if (strcmp(r->values[i], value) == 0 && (label == NULL || strcmp(r->labels[i], label) == 0))
            return i;
    }
    return -1;
}

static void test_store_enrichment(void **state)
{
    struct fx *fx = *state;
    struct pend p = {0};
    struct vg_error err;
    struct vg_geo g;

    fixture_objects(fx);
    enrich(fx, 42);
    /* nothing pending for this build; everything for another */
    assert_int_equal(vg_store_geo_pending(fx->st, 42, 0, 0, pend_cb, &p, &err), VG_OK);
    assert_int_equal(p.n, 0);
    assert_int_equal(vg_store_geo_pending(fx->st, 43, 0, 2, pend_cb, &p, &err), VG_OK);
    assert_int_equal(p.n, 2); /* the limit */
    assert_int_equal(vg_store_geo_get(fx->st, VG_OBS_IPV4, "192.0.2.1", 9, &g, &err), VG_OK);
    assert_string_equal(g.country, "FR");
    /* enrichment writes take their own transaction, never an object write's */
    assert_int_equal(vg_store_begin(fx->st, &err), VG_OK);
    assert_int_equal(vg_store_geo_put(fx->st, &p.ids[0], &g, 1, &err), VG_INTERNAL);
    vg_store_rollback(fx->st);
    assert_int_equal(g.asn, 16276);
    assert_int_equal(g.build, 42);
    /* a value not in the hub, and one without a location: not found alike */
    assert_int_equal(vg_store_geo_get(fx->st, VG_OBS_IPV4, "192.0.2.2", 9, &g, &err), VG_NOT_FOUND);
    assert_int_equal(vg_store_geo_get(fx->st, VG_OBS_DOMAIN, "evil-c2.com", 11, &g, &err),
                     VG_NOT_FOUND);
}

static void test_rows_and_filters_follow_policy(void **state)
{
    struct fx *fx = *state;
    vg_token ta[VG_POLICY_TOKENS_MAX], tb[VG_POLICY_TOKENS_MAX];
    size_t na, nb;
    struct vg_obs_filter f;
    struct rows r;
    const char *fr[] = {"FR"}, *de[] = {"DE"};
    struct vg_error err;
    int i;

    fixture_objects(fx);
    enrich(fx, 42);
    na = tokens_of(fx, fx->a.id, ta);
    nb = tokens_of(fx, fx->b.id, tb);

    /* a domain inherits the location of an address the same object claims */
    memset(&f, 0, sizeof(f));
    memset(&r, 0, sizeof(r));
    f.tokens = tb;
    f.ntokens = nb;
    assert_int_equal(vg_store_scan_observables(fx->st, &f, rows_cb, &r, &err), VG_OK);
    i = find_row(&r, "evil-c2.com", NULL);
    assert_true(i >= 0);
    assert_string_equal(r.countries[i], "FR");
    assert_int_equal(r.asn[i], 12322);
    assert_int_equal(r.sources[i], VG_GEO_RELATED);
    i = find_row(&r, "shop.nl", NULL);
    assert_string_equal(r.countries[i], "NL");
    assert_int_equal(r.sources[i], VG_GEO_CCTLD);
    /* b does not see the hidden object: secret-c2.com does not exist for it */
    assert_int_equal(find_row(&r, "secret-c2.com", NULL), -1);
    assert_int_equal(find_row(&r, "192.0.2.1", "hidden-family"), -1);

    /* a sees it, located through its hidden address */
    memset(&r, 0, sizeof(r));
    f.tokens = ta;
    f.ntokens = na;
    assert_int_equal(vg_store_scan_observables(fx->st, &f, rows_cb, &r, &err), VG_OK);
    i = find_row(&r, "secret-c2.com", NULL);
    assert_true(i >= 0);
    assert_string_equal(r.countries[i], "DE");

    /* the DE view: b sees nothing (the only DE things are hidden from it) */
    memset(&r, 0, sizeof(r));
    f.tokens = tb;
    f.ntokens = nb;
    f.countries = de;
    f.ncountries = 1;
    assert_int_equal(vg_store_scan_observables(fx->st, &f, rows_cb, &r, &err), VG_OK);
    assert_int_equal(r.n, 0);
    memset(&r, 0, sizeof(r));
    f.tokens = ta;
    f.ntokens = na;
    assert_int_equal(vg_store_scan_observables(fx->st, &f, rows_cb, &r, &err), VG_OK);
    assert_int_equal(r.n, 2);

    /* the FR view: b gets the two visible FR addresses and the domain */
    memset(&r, 0, sizeof(r));
    f.tokens = tb;
    f.ntokens = nb;
    f.countries = fr;
    assert_int_equal(vg_store_scan_observables(fx->st, &f, rows_cb, &r, &err), VG_OK);
    assert_int_equal(r.n, 3);
    assert_int_equal(find_row(&r, "192.0.2.1", "hidden-family"), -1);
}

static int count_obj(void *ctx, const struct vg_object_row *row)
{
    (void)row;
    (*(int *)ctx)++;
    return 0;
}

static void test_object_filter(void **state)
{
    struct fx *fx = *state;
    vg_token ta[VG_POLICY_TOKENS_MAX], tb[VG_POLICY_TOKENS_MAX];
    size_t na, nb;
    struct vg_object_filter of;
    const char *fr[] = {"FR"}, *de[] = {"DE"}, *nl_de[] = {"NL", "DE"};
    struct vg_error err;
    int n;

    fixture_objects(fx);
    enrich(fx, 42);
    na = tokens_of(fx, fx->a.id, ta);
    nb = tokens_of(fx, fx->b.id, tb);
    memset(&of, 0, sizeof(of));
    of.tokens = tb;
    of.ntokens = nb;
    of.countries = fr;
    of.ncountries = 1;
    n = 0;
    assert_int_equal(vg_store_scan_objects(fx->st, &of, count_obj, &n, &err), VG_OK);
    assert_int_equal(n, 2); /* objects 1 and 2; 6 is hidden */
    of.tokens = ta;
    of.ntokens = na;
    n = 0;
    assert_int_equal(vg_store_scan_objects(fx->st, &of, count_obj, &n, &err), VG_OK);
    assert_int_equal(n, 3);
    of.countries = de;
    n = 0;
    assert_int_equal(vg_store_scan_objects(fx->st, &of, count_obj, &n, &err), VG_OK);
    assert_int_equal(n, 1);
    of.tokens = tb;
    of.ntokens = nb;
    n = 0;
    assert_int_equal(vg_store_scan_objects(fx->st, &of, count_obj, &n, &err), VG_OK);
    assert_int_equal(n, 0); /* exactly as for a country with nothing */
    of.countries = nl_de;
    of.ncountries = 2;
    n = 0;
    assert_int_equal(vg_store_scan_objects(fx->st, &of, count_obj, &n, &err), VG_OK);
    assert_int_equal(n, 1); /* shop.nl */
}

static void test_jurisdictions(void **state)
{
    struct fx *fx = *state;
    const char *codes[] = {"FR", "EU"};
    char out[256], cc[VG_GEO_COUNTRIES_MAX][3];
    struct vg_error err;
    size_t n;

    assert_int_equal(vg_store_jurisdiction_get(fx->st, fx->a.id, out, sizeof(out), &err), VG_OK);
    assert_string_equal(out, "");
    assert_int_equal(
        vg_geo_jurisdiction(fx->st, fx->a.id, "mine", cc, VG_GEO_COUNTRIES_MAX, &n, &err),
        VG_INVALID);
    assert_int_equal(vg_store_jurisdiction_set(fx->st, fx->a.id, codes, 2, &err), VG_OK);
    assert_int_equal(vg_store_jurisdiction_get(fx->st, fx->a.id, out, sizeof(out), &err), VG_OK);
    assert_string_equal(out, "FR,EU");
    assert_int_equal(vg_store_jurisdiction_get(fx->st, fx->a.id, out, 3, &err), VG_LIMIT);
    assert_int_equal(
        vg_geo_jurisdiction(fx->st, fx->a.id, "mine", cc, VG_GEO_COUNTRIES_MAX, &n, &err), VG_OK);
    assert_int_equal(n, 27); /* FR is in the EU */
    assert_int_equal(vg_store_jurisdiction_set(fx->st, fx->a.id, NULL, 0, &err), VG_OK);
    assert_int_equal(vg_store_jurisdiction_get(fx->st, fx->a.id, out, sizeof(out), &err), VG_OK);
    assert_string_equal(out, "");
}

static void test_report(void **state)
{
    struct fx *fx = *state;
    vg_token tb[VG_POLICY_TOKENS_MAX];
    char cc[1][3] = {"FR"};
    struct vg_report_request req = {0};
    struct vg_error err;
    json_t *doc = NULL, *totals, *labels, *l;
    char *html = NULL, key[128];
    size_t len = 0, i;
    FILE *f;
    int hidden = 0;

    fixture_objects(fx);
    enrich(fx, 42);
    snprintf(key, sizeof(key), "pseudonym.%s", fx->a.stix_id);
    assert_int_equal(vg_store_meta_set(fx->st, key, "Vendor <1>", &err), VG_OK);
    req.ntokens = tokens_of(fx, fx->b.id, tb);
    req.tokens = tb;
    req.requester_org = fx->b.id;
    req.for_name = "Police <&>";
    req.jurisdiction = "FR";
    req.countries = (const char(*)[3])cc;
    req.ncountries = 1;
    req.since_us = 0;
    req.max_tlp = VG_TLP_AMBER;
    assert_int_equal(vg_report_build(fx->st, &req, &doc, &err), VG_OK);
    totals = json_object_get(doc, "totals");
    assert_int_equal(json_integer_value(json_object_get(totals, "observables")), 3);
    assert_int_equal(json_integer_value(json_object_get(totals, "contributions")), 3);
    assert_int_equal(json_integer_value(json_object_get(totals, "new")), 3);
    labels = json_object_get(doc, "by_label");
    json_array_foreach(labels, i, l)
    {
        hidden |= strcmp(json_string_value(json_object_get(l, "key")), "hidden-family") == 0;
    }
    assert_false(hidden);
    /* the contributor under its pseudonym, for another partner */
    assert_string_equal(json_string_value(json_array_get(
                            json_object_get(json_array_get(json_object_get(doc, "observables"), 0),
                                            "organisations"),
                            0)),
                        "Vendor <1>");
    /* the page: labels and names escaped, no script, print rules */
    f = open_memstream(&html, &len);
    assert_non_null(f);
    assert_int_equal(vg_report_html(doc, f, &err), VG_OK);
    fclose(f);
    assert_non_null(strstr(html, "&lt;i&gt;qakbot&lt;/i&gt;"));
    assert_null(strstr(html, "<i>qakbot"));
    assert_non_null(strstr(html, "Police &lt;&amp;&gt;"));
    assert_non_null(strstr(html, "AS &lt;b&gt;&amp;amp;"));
    assert_null(strstr(html, "<script"));
    assert_non_null(strstr(html, "@media print"));
    assert_non_null(strstr(html, "Vendor &lt;1&gt;"));
    assert_null(strstr(html, "ACME"));
    free(html);
    json_decref(doc);

    /* the same for a: the hidden address's family is there, its own name */
    req.ntokens = tokens_of(fx, fx->a.id, tb);
    req.requester_org = fx->a.id;
    assert_int_equal(vg_report_build(fx->st, &req, &doc, &err), VG_OK);
    totals = json_object_get(doc, "totals");
    assert_int_equal(json_integer_value(json_object_get(totals, "observables")), 3);
    assert_int_equal(json_integer_value(json_object_get(totals, "contributions")), 4);
    assert_string_equal(json_string_value(json_array_get(
                            json_object_get(json_array_get(json_object_get(doc, "observables"), 0),
                                            "organisations"),
                            0)),
                        "ACME");
    json_decref(doc);
}

static void test_lookup_location(void **state)
{
    struct fx *fx = *state;
    vg_token tb[VG_POLICY_TOKENS_MAX], ta[VG_POLICY_TOKENS_MAX];
    size_t nb, na;
    struct vg_error err;
    json_t *doc = NULL, *loc;

    fixture_objects(fx);
    enrich(fx, 42);
    nb = tokens_of(fx, fx->b.id, tb);
    na = tokens_of(fx, fx->a.id, ta);
    assert_int_equal(vg_lookup(fx->st, NULL, tb, nb, "evil-c2[.]com", 13, &doc, &err), VG_OK);
    loc = json_object_get(doc, "location");
    assert_non_null(loc);
    assert_string_equal(json_string_value(json_object_get(loc, "country")), "FR");
    assert_string_equal(json_string_value(json_object_get(loc, "located_by")), "related");
    json_decref(doc);
    /* hidden from b: answered exactly as a value never seen */
    {
        json_t *never = NULL;
        char *t1, *t2;

        assert_int_equal(vg_lookup(fx->st, NULL, tb, nb, "secret-c2.com", 13, &doc, &err), VG_OK);
        assert_int_equal(vg_lookup(fx->st, NULL, tb, nb, "secreu-c2.com", 13, &never, &err), VG_OK);
        json_object_del(doc, "query");
        json_object_del(doc, "value");
        json_object_del(never, "query");
        json_object_del(never, "value");
        t1 = json_dumps(doc, JSON_SORT_KEYS);
        t2 = json_dumps(never, JSON_SORT_KEYS);
        assert_string_equal(t1, t2);
        free(t1);
        free(t2);
        json_decref(doc);
        json_decref(never);
    }
    assert_int_equal(vg_lookup(fx->st, NULL, ta, na, "secret-c2.com", 13, &doc, &err), VG_OK);
    loc = json_object_get(doc, "location");
    assert_string_equal(json_string_value(json_object_get(loc, "country")), "DE");
    json_decref(doc);
}

/* ---- the real databases ------------------------------------------------------------------ */

static const char *geo_dir(void)
{
    const char *d = getenv("VIGIE_GEO_DIR");

    return d && d[0] ? d : "/usr/local/share/vigie/geo";
}

static void test_real_mmdb(void **state)
{
    char country[512], asn[512];
    struct vg_geo_db *db = NULL;
    struct vg_error err;
    struct vg_geo g, g2;

    (void)state;
    snprintf(country, sizeof(country), "%s/country.mmdb", geo_dir());
    snprintf(asn, sizeof(asn), "%s/asn.mmdb", geo_dir());
    if (access(country, R_OK) != 0 || access(asn, R_OK) != 0) {
        print_message("skipped: no MMDB files in %s (scripts/setup installs them)\n", geo_dir());
        skip();
    }
    assert_int_equal(vg_geo_open(country, asn, &db, &err), VG_OK);
    assert_true(vg_geo_build(db) != 0);
    /* 1.1.1.1 is Cloudflare's (AS13335) in every database */
    assert_int_equal(vg_geo_lookup(db, "1.1.1.1", 7, &g), VG_OK);
    assert_int_equal(g.asn, 13335);
    assert_int_equal(g.source, VG_GEO_MMDB);
    /* cached and uncached answers agree; IPv4 spelled as IPv4-mapped IPv6 */
    assert_int_equal(vg_geo_lookup(db, "1.1.1.1", 7, &g2), VG_OK);
    assert_memory_equal(&g, &g2, sizeof(g));
    assert_int_equal(vg_geo_lookup(db, "::ffff:1.1.1.1", 14, &g2), VG_OK);
    assert_int_equal(g2.asn, 13335);
    /* private and reserved space is nowhere */
    assert_int_equal(vg_geo_lookup(db, "10.1.2.3", 8, &g), VG_NOT_FOUND);
    assert_int_equal(vg_geo_lookup(db, "not-an-ip", 9, &g), VG_INVALID);
    /* a range by its network; a URL by its address host */
    assert_int_equal(vg_geo_locate(db, VG_OBS_CIDR4, "1.1.1.0/24", 10, &g), VG_OK);
    assert_int_equal(g.asn, 13335);
    assert_int_equal(vg_geo_locate(db, VG_OBS_URL, "http://1.1.1.1:8080/x", 21, &g), VG_OK);
    assert_int_equal(g.asn, 13335);
    vg_geo_free(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_countries),
        cmocka_unit_test(test_expand),
        cmocka_unit_test(test_cctld),
        cmocka_unit_test(test_locate_without_databases),
        cmocka_unit_test(test_open_errors),
        cmocka_unit_test_setup_teardown(test_store_enrichment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rows_and_filters_follow_policy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_object_filter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_jurisdictions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_report, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lookup_location, setup, teardown),
        cmocka_unit_test(test_real_mmdb),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
