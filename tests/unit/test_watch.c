/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_watch.c - the watch-list matcher (each rule, nesting, several owners,
 * IDN look-alikes, hostile values), its agreement with a brute-force check,
 * and the ingest path: notifications recorded with the version, none for a
 * rejected or duplicate object, and read back through the policy.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "ingest/ingest.h"
#include "policy/policy.h"
#include "store/store.h"
#include "watch/cache.h"
#include "watch/watch.h"
#include "../support/temp_hub.h"

struct hits {
    size_t n;
    int64_t id[16];
    int64_t org[16];
    enum vg_watch_rule rule[16];
};

static int collect(void *ctx, const struct vg_watch_hit *h)
{
    struct hits *x = ctx;

    if (x->n < 16) {
        x->id[x->n] = h->entry_id;
        x->org[x->n] = h->org_id;
        x->rule[x->n] = h->rule;
        x->n++;
    }
    return 0;
}

static struct hits run(const struct vg_watch_matcher *m, const char *text)
{
    struct vg_obs obs;
    struct vg_error err;
    struct hits h;

    memset(&h, 0, sizeof(h));
    assert_int_equal(vg_obs_parse(VG_OBS_NONE, text, strlen(text), &obs, &err), VG_OK);
    vg_watch_match(m, obs.kind, obs.value, obs.len, collect, &h);
    return h;
}

static int has(const struct hits *h, int64_t id, enum vg_watch_rule rule)
{
    size_t i;

    for (i = 0; i < h->n; i++) {
        if (h->id[i] == id && h->rule[i] == rule)
            return 1;
    }
    return 0;
}

static const struct vg_watch_entry entries[] = {
    {1, 10, VG_WATCH_NETWORK, "192.0.2.0/24"},
    {2, 10, VG_WATCH_DOMAIN, "mybrand.com"},
    {3, 10, VG_WATCH_BRAND, "mybrand"},
    {4, 20, VG_WATCH_NETWORK, "192.0.0.0/16"},
    {5, 20, VG_WATCH_NETWORK, "2001:db8::/32"},
    {6, 20, VG_WATCH_DOMAIN, "example.org"},
    {7, 30, VG_WATCH_NETWORK, "192.0.2.128/25"},
    {8, 30, VG_WATCH_NETWORK, "192.0.2.0/24"},  /* the same network as org 10 */
    {9, 10, VG_WATCH_NETWORK, "192.0.2.64/26"}, /* nested in org 10's own /24 */
    {10, 40, VG_WATCH_BRAND, "paypal"},
};

static struct vg_watch_matcher *compiled(void)
{
    struct vg_watch_matcher *m = NULL;
    struct vg_error err;

    assert_int_equal(vg_watch_compile(entries, sizeof(entries) / sizeof(entries[0]), &m, &err),
                     VG_OK);
    return m;
}

static void test_networks(void **state)
{
    struct vg_watch_matcher *m = compiled();
    struct hits h;

    (void)state;
    h = run(m, "192.0.2.200"); /* in 7 (/25), 8, 1 (/24), 4 (/16) */
    assert_int_equal(h.n, 3);  /* one per organisation, the innermost */
    assert_true(has(&h, 7, VG_WRULE_IN_NETWORK));
    assert_true(has(&h, 1, VG_WRULE_IN_NETWORK));
    assert_true(has(&h, 4, VG_WRULE_IN_NETWORK));
    h = run(m, "192.0.2.70"); /* org 10: its /26 (innermost), not also its /24 */
    assert_true(has(&h, 9, VG_WRULE_IN_NETWORK));
    assert_false(has(&h, 1, VG_WRULE_IN_NETWORK));
    assert_true(has(&h, 8, VG_WRULE_IN_NETWORK));
    h = run(m, "192.0.3.1");
    assert_int_equal(h.n, 1);
    assert_true(has(&h, 4, VG_WRULE_IN_NETWORK));
    h = run(m, "192.1.0.1");
    assert_int_equal(h.n, 0);
    h = run(m, "10.0.0.1");
    assert_int_equal(h.n, 0);
    h = run(m, "2001:db8:1::5");
    assert_true(has(&h, 5, VG_WRULE_IN_NETWORK));
    h = run(m, "2001:db9::1");
    assert_int_equal(h.n, 0);
    /* a reported range overlapping watched networks, either way round */
    h = run(m, "192.0.2.192/26");
    assert_true(has(&h, 7, VG_WRULE_IN_NETWORK));
    h = run(m, "192.0.0.0/8");
    assert_true(has(&h, 4, VG_WRULE_IN_NETWORK));
    assert_true(has(&h, 1, VG_WRULE_IN_NETWORK) || has(&h, 9, VG_WRULE_IN_NETWORK));
    /* URL on an address, e-mail to a domain */
    h = run(m, "http://192.0.2.5:8080/gate.php");
    assert_true(has(&h, 1, VG_WRULE_IN_NETWORK));
    h = run(m, "http://[2001:db8::1]/x");
    assert_true(has(&h, 5, VG_WRULE_IN_NETWORK));
    vg_watch_matcher_unref(m);
}

static void test_domains_and_brands(void **state)
{
    struct vg_watch_matcher *m = compiled();
    struct hits h;

    (void)state;
    h = run(m, "mybrand.com");
    assert_int_equal(h.n, 1);
    assert_true(has(&h, 2, VG_WRULE_EXACT)); /* its own domain: no brand hit too */
    h = run(m, "login.secure.mybrand.com");
    assert_int_equal(h.n, 1);
    assert_true(has(&h, 2, VG_WRULE_SUBDOMAIN));
    h = run(m, "notmybrand.com"); /* not under mybrand.com, but a look-alike */
    assert_int_equal(h.n, 1);
    assert_true(has(&h, 3, VG_WRULE_BRAND));
    h = run(m, "mybrand-login.com");
    assert_true(has(&h, 3, VG_WRULE_BRAND));
    h = run(m, "mybrand.secure-pay.net");
    assert_true(has(&h, 3, VG_WRULE_BRAND));
    h = run(m, "mybrand.com.evil.net"); /* not a subdomain: a look-alike */
    assert_true(has(&h, 3, VG_WRULE_BRAND));
    assert_false(has(&h, 2, VG_WRULE_SUBDOMAIN));
    h = run(m, "https://www.mybrand.com/account/login");
    assert_true(has(&h, 2, VG_WRULE_SUBDOMAIN));
    h = run(m, "http://mybrand-verify.top/x");
    assert_true(has(&h, 3, VG_WRULE_BRAND));
    h = run(m, "ceo@mybrand.com");
    assert_true(has(&h, 2, VG_WRULE_EXACT));
    h = run(m, "example.org");
    assert_true(has(&h, 6, VG_WRULE_EXACT));
    h = run(m, "a.b.example.org");
    assert_true(has(&h, 6, VG_WRULE_SUBDOMAIN));
    h = run(m, "example.org.uk");
    assert_int_equal(h.n, 0);
    h = run(m, "myexample.org");
    assert_int_equal(h.n, 0);
    h = run(m, "my-brand.com"); /* a hyphen breaks the keyword */
    assert_int_equal(h.n, 0);
    h = run(m, "paypal-mybrand.io"); /* two owners' brands */
    assert_true(has(&h, 3, VG_WRULE_BRAND));
    assert_true(has(&h, 10, VG_WRULE_BRAND));
    /* IDN look-alikes: Cyrillic a in "mybrаnd", Greek omicron, accents */
    h = run(m, "myb\xd1\x80"
               "and.com"); /* Cyrillic er looks like p: "mybpand", no hit */
    assert_int_equal(h.n, 0);
    h = run(m, "mybr\xd0\xb0"
               "nd-secure.com"); /* Cyrillic a */
    assert_true(has(&h, 3, VG_WRULE_BRAND));
    h = run(m, "p\xd0\xb0"
               "yp\xd0\xb0"
               "l.com");
    assert_true(has(&h, 10, VG_WRULE_BRAND));
    h = run(m, "mybr\xc3\xa1"
               "nd.net"); /* a with acute */
    assert_true(has(&h, 3, VG_WRULE_BRAND));
    h = run(m, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert_int_equal(h.n, 0);
    vg_watch_matcher_unref(m);
}

static void test_parse(void **state)
{
    char out[VG_WATCH_VALUE_MAX];
    struct vg_error err;
    static const char *const bad_net[] = {
        "", "10.1.2.3/8", "300.1.1.1", "example.com", "10.0.0.0/33", "::/129", "1.2.3.4/", "/8"};
    static const char *const bad_dom[] = {"com", "co.uk", "-x.com", "a..b.com", "1.2.3.4", ""};
    static const char *const bad_brand[] = {"abc",
                                            "-mybrand",
                                            "mybrand-",
                                            "my brand",
                                            "my.brand",
                                            "brand\xc3\xa9",
                                            "x23456789012345678901"
                                            "23456789012345678901"
                                            "2345678901234567890"
                                            "1234"};
    size_t i;

    (void)state;
    assert_int_equal(vg_watch_parse(VG_WATCH_NETWORK, "10.0.0.0/8", 10, out, &err), VG_OK);
    assert_string_equal(out, "10.0.0.0/8");
    assert_int_equal(vg_watch_parse(VG_WATCH_NETWORK, "2001:DB8::/32", 13, out, &err), VG_OK);
    assert_string_equal(out, "2001:db8::/32");
    assert_int_equal(vg_watch_parse(VG_WATCH_NETWORK, "192.0.2.7", 9, out, &err), VG_OK);
    assert_string_equal(out, "192.0.2.7");
    assert_int_equal(vg_watch_parse(VG_WATCH_DOMAIN, "WWW.Example.COM.", 16, out, &err), VG_OK);
    assert_string_equal(out, "www.example.com");
    assert_int_equal(vg_watch_parse(VG_WATCH_BRAND, "MyBrand", 7, out, &err), VG_OK);
    assert_string_equal(out, "mybrand");
    for (i = 0; i < sizeof(bad_net) / sizeof(bad_net[0]); i++)
        assert_int_equal(
            vg_watch_parse(VG_WATCH_NETWORK, bad_net[i], strlen(bad_net[i]), out, &err),
            VG_INVALID);
    for (i = 0; i < sizeof(bad_dom) / sizeof(bad_dom[0]); i++)
        assert_int_equal(vg_watch_parse(VG_WATCH_DOMAIN, bad_dom[i], strlen(bad_dom[i]), out, &err),
                         VG_INVALID);
    for (i = 0; i < sizeof(bad_brand) / sizeof(bad_brand[0]); i++)
        assert_int_equal(
            vg_watch_parse(VG_WATCH_BRAND, bad_brand[i], strlen(bad_brand[i]), out, &err),
            VG_INVALID);
    assert_int_equal(vg_watch_parse(VG_WATCH_NONE, "x", 1, out, &err), VG_INVALID);
    assert_int_equal(vg_watch_kind_from_name("network"), VG_WATCH_NETWORK);
    assert_int_equal(vg_watch_kind_from_name("bogus"), VG_WATCH_NONE);
    assert_int_equal(vg_watch_rule_from_name(vg_watch_rule_name(VG_WRULE_BRAND)), VG_WRULE_BRAND);
}

/* Brute force: every network containing or overlapping the address. */
static void test_against_brute_force(void **state)
{
    enum { N = 3000 };
    static struct vg_watch_entry e[N];
    static char vals[N][40];
    struct vg_watch_matcher *m;
    struct vg_error err;
    uint32_t x = 12345;
    size_t i, q;

    (void)state;
    for (i = 0; i < N; i++) {
        uint32_t a, bits;

        x = x * 1103515245u + 12345u;
        bits = 8 + (x >> 8) % 25; /* /8../32 */
        x = x * 1103515245u + 12345u;
        a = (10u << 24) | (x & 0x00ffffffu);
        a &= bits == 32 ? 0xffffffffu : ~(0xffffffffu >> bits);
        snprintf(vals[i], sizeof(vals[i]), "%u.%u.%u.%u/%u", a >> 24, (a >> 16) & 255,
                 (a >> 8) & 255, a & 255, bits);
        e[i].id = (int64_t)i + 1;
        e[i].org_id = (int64_t)i + 1; /* every entry its own organisation */
        e[i].kind = VG_WATCH_NETWORK;
        e[i].value = vals[i];
    }
    assert_int_equal(vg_watch_compile(e, N, &m, &err), VG_OK);
    for (q = 0; q < 2000; q++) {
        char ip[32];
        uint32_t a, expect = 0;
        struct hits h;
        size_t got;

        x = x * 1103515245u + 12345u;
        a = (10u << 24) | (x & 0x00ffffffu);
        snprintf(ip, sizeof(ip), "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
        for (i = 0; i < N; i++) {
            unsigned b0, b1, b2, b3, bits;
            uint32_t net, mask;

            sscanf(vals[i], "%u.%u.%u.%u/%u", &b0, &b1, &b2, &b3, &bits);
            net = (b0 << 24) | (b1 << 16) | (b2 << 8) | b3;
            mask = bits == 32 ? 0xffffffffu : ~(0xffffffffu >> bits);
            expect += (a & mask) == net;
        }
        memset(&h, 0, sizeof(h));
        got = vg_watch_match(m, VG_OBS_IPV4, ip, strlen(ip), NULL, NULL);
        assert_int_equal(got, expect);
    }
    vg_watch_matcher_unref(m);
}

/* ---- the ingest path on a real hub ----------------------------------------- */

struct fx {
    char dir[64];
    struct vg_store *st;
    struct vg_org owner, reporter, other;
};

static int setup(void **state)
{
    struct fx *fx = calloc(1, sizeof(*fx));
    struct vg_error err;

    assert_int_equal(temp_hub_open(fx->dir, sizeof(fx->dir), "test-watch", &fx->st), 0);
    snprintf(fx->owner.name, sizeof(fx->owner.name), "Owner");
    snprintf(fx->owner.kind, sizeof(fx->owner.kind), "company");
    snprintf(fx->reporter.name, sizeof(fx->reporter.name), "Reporter");
    snprintf(fx->reporter.kind, sizeof(fx->reporter.kind), "vendor");
    snprintf(fx->other.name, sizeof(fx->other.name), "Other");
    snprintf(fx->other.kind, sizeof(fx->other.kind), "company");
    assert_int_equal(vg_store_org_add(fx->st, &fx->owner, &err), VG_OK);
    assert_int_equal(vg_store_org_add(fx->st, &fx->reporter, &err), VG_OK);
    assert_int_equal(vg_store_org_add(fx->st, &fx->other, &err), VG_OK);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fx *fx = *state;
    int rc = temp_hub_remove(fx->dir, fx->st);

    vg_watch_cache_clear();
    free(fx);
    return rc;
}

static void watch(struct fx *fx, int64_t org, enum vg_watch_kind kind, const char *value,
                  const char *pub)
{
    struct vg_watch_row w;
    struct vg_error err;

    memset(&w, 0, sizeof(w));
    w.org_id = org;
    w.kind = (int)kind;
    w.value = value;
    snprintf(w.pub, sizeof(w.pub), "%s", pub);
    assert_int_equal(vg_store_watch_add(fx->st, &w, 100, &err), VG_OK);
}

static enum vg_rc put(struct fx *fx, int64_t org, const char *json, const char *tlp)
{
    struct vg_ingest_opts o;
    struct vg_ingest *ing;
    struct vg_error err;
    enum vg_put_result res;
    json_t *obj = json_loads(json, 0, NULL);
    enum vg_rc rc;

    assert_non_null(obj);
    memset(&o, 0, sizeof(o));
    o.org_id = org;
    assert_int_equal(vg_tlp_from_name(tlp, &o.default_tlp), VG_OK);
    assert_int_equal(vg_ingest_new(fx->st, &o, &ing, &err), VG_OK);
    rc = vg_ingest_object(ing, obj, &res, &err);
    if (rc == VG_OK)
        assert_int_equal(vg_ingest_flush(ing, &err), VG_OK);
    vg_ingest_free(ing);
    json_decref(obj);
    return rc;
}

struct seen_n {
    size_t n, visible;
    char value[128];
    int64_t last_seq;
};

static int count_cb(void *ctx, const struct vg_notify_row *r)
{
    struct seen_n *s = ctx;

    s->n++;
    s->visible += r->visible != 0;
    s->last_seq = r->seq;
    snprintf(s->value, sizeof(s->value), "%s", r->visible ? r->obs_value : "");
    if (!r->visible) { /* nothing about the object leaves the store */
        assert_null(r->obs_value);
        assert_null(r->stix_id);
        assert_null(r->json);
        assert_int_equal(r->contributor, 0);
    }
    return 0;
}

static struct seen_n notes(struct fx *fx, int64_t org)
{
    struct vg_principal p;
    vg_token t[VG_POLICY_TOKENS_MAX];
    struct vg_notify_filter f;
    struct vg_error err;
    struct seen_n s;

    memset(&s, 0, sizeof(s));
    assert_int_equal(vg_store_principal(fx->st, org, &p, &err), VG_OK);
    memset(&f, 0, sizeof(f));
    f.org_id = org;
    f.tokens = t;
    f.ntokens = vg_policy_tokens(&p, t);
    assert_int_equal(vg_store_notify_scan(fx->st, &f, count_cb, &s, &err), VG_OK);
    return s;
}

#define IND(id, mod, pattern)                                                                      \
    "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--" id "\","               \
    "\"created\":\"2024-01-01T00:00:00Z\",\"modified\":\"" mod "\",\"pattern_type\":\"stix\","     \
    "\"valid_from\":\"2024-01-01T00:00:00Z\",\"labels\":[\"c2\"],\"pattern\":\"" pattern "\"}"

static void test_ingest_notifies(void **state)
{
    struct fx *fx = *state;
    struct seen_n s;
    struct vg_error err;

    watch(fx, fx->owner.id, VG_WATCH_NETWORK, "198.51.100.0/24", "wl_0000000000000001");
    watch(fx, fx->owner.id, VG_WATCH_DOMAIN, "owner.example", "wl_0000000000000002");
    /* a GREEN report inside the network: notified, visible */
    assert_int_equal(put(fx, fx->reporter.id,
                         IND("11111111-1111-4111-8111-111111111111", "2024-01-01T00:00:00Z",
                             "[ipv4-addr:value = '198.51.100.7']"),
                         "green"),
                     VG_OK);
    s = notes(fx, fx->owner.id);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.visible, 1);
    assert_string_equal(s.value, "198.51.100.7");
    /* the other organisation has no notification at all */
    assert_int_equal(notes(fx, fx->other.id).n, 0);
    assert_int_equal(notes(fx, fx->reporter.id).n, 0);
    /* a RED report: notified, but the owner learns only the asset */
    assert_int_equal(put(fx, fx->reporter.id,
                         IND("22222222-2222-4222-8222-222222222222", "2024-01-01T00:00:00Z",
                             "[domain-name:value = 'phish.owner.example']"),
                         "red"),
                     VG_OK);
    s = notes(fx, fx->owner.id);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.visible, 1);
    /* a duplicate notifies nobody again; a rejected object neither */
    assert_int_equal(put(fx, fx->reporter.id,
                         IND("11111111-1111-4111-8111-111111111111", "2024-01-01T00:00:00Z",
                             "[ipv4-addr:value = '198.51.100.7']"),
                         "green"),
                     VG_OK);
    assert_int_equal(put(fx, fx->reporter.id,
                         "{\"type\":\"indicator\",\"id\":\"indicator--x\",\"pattern\":\"[ipv4-"
                         "addr:value = '198.51.100.9']\"}",
                         "green"),
                     VG_INVALID);
    assert_int_equal(notes(fx, fx->owner.id).n, 2);
    /* the owner's own report of its asset notifies nobody */
    assert_int_equal(put(fx, fx->owner.id,
                         IND("33333333-3333-4333-8333-333333333333", "2024-01-01T00:00:00Z",
                             "[ipv4-addr:value = '198.51.100.8']"),
                         "green"),
                     VG_OK);
    assert_int_equal(notes(fx, fx->owner.id).n, 2);
    /* the reporter tightens the first report to RED: the notification stays,
     * but now says nothing about the object (the stream's rule) */
    assert_int_equal(put(fx, fx->reporter.id,
                         IND("11111111-1111-4111-8111-111111111111", "2024-02-01T00:00:00Z",
                             "[ipv4-addr:value = '198.51.100.7']"),
                         "red"),
                     VG_OK);
    s = notes(fx, fx->owner.id);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.visible, 0);
    assert_int_equal(s.last_seq, 3);
    assert_int_equal(vg_store_check(fx->st, &err), VG_OK);
}

static void test_store_lists(void **state)
{
    struct fx *fx = *state;
    struct vg_watch_row w;
    struct vg_error err;

    watch(fx, fx->owner.id, VG_WATCH_BRAND, "ownerco", "wl_00000000000000aa");
    memset(&w, 0, sizeof(w));
    w.org_id = fx->owner.id;
    w.kind = VG_WATCH_BRAND;
    w.value = "ownerco";
    snprintf(w.pub, sizeof(w.pub), "wl_00000000000000ab");
    assert_int_equal(vg_store_watch_add(fx->st, &w, 100, &err), VG_CONFLICT);
    w.value = "ownerco2";
    assert_int_equal(vg_store_watch_add(fx->st, &w, 1, &err), VG_LIMIT);
    /* another organisation cannot remove it: it does not exist for it */
    assert_int_equal(vg_store_watch_remove(fx->st, fx->other.id, "wl_00000000000000aa", &err),
                     VG_NOT_FOUND);
    assert_int_equal(vg_store_watch_remove(fx->st, fx->owner.id, "wl_00000000000000aa", &err),
                     VG_OK);
    assert_int_equal(vg_store_watch_remove(fx->st, fx->owner.id, "wl_00000000000000aa", &err),
                     VG_NOT_FOUND);
}

/* A backlog of one organisation's due deliveries cannot crowd out another's
 * once that organisation is skipped (its delivery in flight). */
static void test_pending_skips_busy(void **state)
{
    struct fx *fx = *state;
    struct vg_watch_hook h;
    struct vg_notify_new n;
    struct vg_error err;
    int64_t ids[8], orgs[8], skip[1];
    size_t got, i;

    memset(&h, 0, sizeof(h));
    h.org_id = fx->owner.id;
    snprintf(h.url, sizeof(h.url), "http://127.0.0.1:9/owner");
    assert_int_equal(vg_store_watch_hook_set(fx->st, &h, &err), VG_OK);
    h.org_id = fx->other.id;
    snprintf(h.url, sizeof(h.url), "http://127.0.0.1:9/other");
    assert_int_equal(vg_store_watch_hook_set(fx->st, &h, &err), VG_OK);
    memset(&n, 0, sizeof(n));
    n.asset = "198.51.100.0/24";
    n.obs_kind = VG_OBS_IPV4;
    n.obs_value = "198.51.100.7";
    n.obs_len = strlen(n.obs_value);
    assert_int_equal(vg_store_begin(fx->st, &err), VG_OK);
    n.org_id = fx->owner.id; /* twenty due for the owner first */
    for (i = 0; i < 20; i++)
        assert_int_equal(vg_store_notify_add(fx->st, &n, &err), VG_OK);
    n.org_id = fx->other.id; /* then one for the other */
    assert_int_equal(vg_store_notify_add(fx->st, &n, &err), VG_OK);
    assert_int_equal(vg_store_commit(fx->st, &err), VG_OK);
    /* a batch of 8, nothing in flight: the owner's backlog fills it */
    assert_int_equal(vg_store_notify_pending(fx->st, INT64_MAX, NULL, 0, 8, ids, orgs, &got, &err),
                     VG_OK);
    assert_int_equal(got, 8);
    for (i = 0; i < got; i++)
        assert_int_equal(orgs[i], fx->owner.id);
    /* the owner's delivery in flight: the other's is found at once */
    skip[0] = fx->owner.id;
    assert_int_equal(vg_store_notify_pending(fx->st, INT64_MAX, skip, 1, 8, ids, orgs, &got, &err),
                     VG_OK);
    assert_int_equal(got, 1);
    assert_int_equal(orgs[0], fx->other.id);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_networks),
        cmocka_unit_test(test_domains_and_brands),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_against_brute_force),
        cmocka_unit_test_setup_teardown(test_ingest_notifies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_lists, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pending_skips_busy, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
