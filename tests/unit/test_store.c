/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_store.c - the SQLite store on a real file: organisations, keys,
 * groups, versions, the event sequence, and sharing applied inside queries.
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

#include "policy/policy.h"
#include "store/store.h"
#include "../support/temp_hub.h"

struct fx {
    char dir[64];
    struct vg_store *st;
    struct vg_org a, b, c; /* a, b in group g; c outside */
    struct vg_group g;
};

static int setup(void **state)
{
    struct fx *fx = calloc(1, sizeof(*fx));
    struct vg_error err;

    assert_int_equal(temp_hub_open(fx->dir, sizeof(fx->dir), "test-store", &fx->st), 0);
    snprintf(fx->a.name, sizeof(fx->a.name), "ACME");
    snprintf(fx->a.kind, sizeof(fx->a.kind), "vendor");
    snprintf(fx->b.name, sizeof(fx->b.name), "Police");
    snprintf(fx->b.kind, sizeof(fx->b.kind), "law-enforcement");
    snprintf(fx->c.name, sizeof(fx->c.name), "Other");
    snprintf(fx->c.kind, sizeof(fx->c.kind), "company");
    assert_int_equal(vg_store_org_add(fx->st, &fx->a, &err), VG_OK);
    assert_int_equal(vg_store_org_add(fx->st, &fx->b, &err), VG_OK);
    assert_int_equal(vg_store_org_add(fx->st, &fx->c, &err), VG_OK);
    snprintf(fx->g.name, sizeof(fx->g.name), "op-x");
    assert_int_equal(vg_store_group_add(fx->st, &fx->g, &err), VG_OK);
    assert_int_equal(vg_store_group_member_add(fx->st, fx->g.id, fx->a.id, &err), VG_OK);
    assert_int_equal(vg_store_group_member_add(fx->st, fx->g.id, fx->b.id, &err), VG_OK);
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

/* Tokens of an organisation as the policy computes them. */
static size_t tokens_of(struct fx *fx, int64_t org, vg_token *tok)
{
    struct vg_principal p;
    struct vg_error err;

    assert_int_equal(vg_store_principal(fx->st, org, &p, &err), VG_OK);
    return vg_policy_tokens(&p, tok);
}

static enum vg_rc put(struct fx *fx, const char *id, int64_t org, int64_t modified, enum vg_tlp tlp,
                      const int64_t *groups, size_t ngroups, const char *value,
                      enum vg_put_result *res)
{
    struct vg_object_version v = {0};
    struct vg_audience aud;
    struct vg_claim claim = {0};
    struct vg_error err;
    char json[256];

    assert_int_equal(vg_policy_audience(tlp, org, groups, ngroups, NULL, 0, &aud), VG_OK);
    snprintf(json, sizeof(json), "{\"id\":\"%s\",\"modified\":%lld}", id, (long long)modified);
    v.stix_id = id;
    v.type = "indicator";
    v.spec_version = "2.1";
    v.created_us = 1;
    v.modified_us = modified;
    v.tlp = tlp;
    v.aud = &aud;
    v.org_id = org;
    v.json = json;
    v.json_len = strlen(json);
    if (value) {
        claim.kind = VG_OBS_DOMAIN;
        claim.value = value;
        claim.len = strlen(value);
        claim.label = "emotet";
        claim.confidence = 80;
        v.nclaims = 1;
        v.claims = &claim;
    }
    return vg_store_put_object(fx->st, &v, res, NULL, &err);
}

struct collect {
    int n;
    int64_t last_added;
    int64_t modified[16];
    int increasing;
};

static int collect_cb(void *ctx, const struct vg_object_row *row)
{
    struct collect *c = ctx;

    if (row->date_added_us <= c->last_added)
        c->increasing = 0;
    c->last_added = row->date_added_us;
    if (c->n < 16)
        c->modified[c->n] = row->modified_us;
    c->n++;
    return 0;
}

static struct collect scan(struct fx *fx, int64_t org, const char *id, enum vg_versions versions)
{
    vg_token tok[VG_POLICY_TOKENS_MAX];
    struct vg_object_filter f = {0};
    struct collect c = {0, 0, {0}, 1};
    struct vg_error err;

    f.tokens = tok;
    f.ntokens = tokens_of(fx, org, tok);
    f.stix_id = id;
    f.versions = versions;
    assert_int_equal(vg_store_scan_objects(fx->st, &f, collect_cb, &c, &err), VG_OK);
    return c;
}

#define ID1 "indicator--11111111-1111-4111-8111-111111111111"
#define ID2 "indicator--22222222-2222-4222-8222-222222222222"

static void test_admin(void **state)
{
    struct fx *fx = *state;
    struct vg_org o, dup;
    struct vg_key k = {0}, got;
    uint8_t h[32], h2[32];
    struct vg_error err;
    char v[32];

    assert_int_equal(vg_store_org_get(fx->st, "acme", &o, &err), VG_OK); /* case-insensitive */
    assert_int_equal(o.id, fx->a.id);
    assert_int_equal(strncmp(o.stix_id, "identity--", 10), 0);
    assert_int_equal(vg_store_org_get(fx->st, fx->b.stix_id, &o, &err), VG_OK);
    assert_string_equal(o.name, "Police");
    assert_int_equal(vg_store_org_get(fx->st, "nobody", &o, &err), VG_NOT_FOUND);
    memset(&dup, 0, sizeof(dup));
    snprintf(dup.name, sizeof(dup.name), "ACME");
    snprintf(dup.kind, sizeof(dup.kind), "vendor");
    assert_int_equal(vg_store_org_add(fx->st, &dup, &err), VG_CONFLICT);

    snprintf(k.id, sizeof(k.id), "vk_0123456789abcdef");
    k.org_id = fx->a.id;
    k.scopes = VG_SCOPE_READ;
    k.created_us = 5;
    memset(h, 0xab, sizeof(h));
    assert_int_equal(vg_store_key_add(fx->st, &k, h, &err), VG_OK);
    assert_int_equal(vg_store_key_get(fx->st, k.id, &got, h2, &err), VG_OK);
    assert_memory_equal(h, h2, 32);
    assert_int_equal(got.scopes, VG_SCOPE_READ);
    assert_int_equal(vg_store_key_revoke(fx->st, k.id, &err), VG_OK);
    assert_int_equal(vg_store_key_get(fx->st, k.id, &got, NULL, &err), VG_OK);
    assert_true(got.revoked);
    assert_int_equal(vg_store_key_revoke(fx->st, "vk_nope", &err), VG_NOT_FOUND);

    assert_int_equal(vg_store_meta_set(fx->st, "operator", "x", &err), VG_OK);
    assert_int_equal(vg_store_meta_set(fx->st, "operator", "y", &err), VG_OK);
    assert_int_equal(vg_store_meta_get(fx->st, "operator", v, sizeof(v), &err), VG_OK);
    assert_string_equal(v, "y");
    assert_int_equal(vg_store_meta_get(fx->st, "absent", v, sizeof(v), &err), VG_NOT_FOUND);
}

static void test_versions_and_duplicates(void **state)
{
    struct fx *fx = *state;
    enum vg_put_result r;
    struct collect c;
    struct vg_store_stats s;
    struct vg_error err;

    assert_int_equal(put(fx, ID1, fx->a.id, 100, VG_TLP_GREEN, NULL, 0, "evil.example", &r), VG_OK);
    assert_int_equal(r, VG_PUT_NEW);
    assert_int_equal(put(fx, ID1, fx->a.id, 200, VG_TLP_GREEN, NULL, 0, "evil.example", &r), VG_OK);
    assert_int_equal(r, VG_PUT_VERSION);
    assert_int_equal(put(fx, ID1, fx->a.id, 200, VG_TLP_GREEN, NULL, 0, "evil.example", &r), VG_OK);
    assert_int_equal(r, VG_PUT_DUPLICATE);
    /* A newer version only the contributor may see (RED). */
    assert_int_equal(put(fx, ID1, fx->a.id, 300, VG_TLP_RED, NULL, 0, NULL, &r), VG_OK);

    c = scan(fx, fx->b.id, ID1, VG_VERSIONS_ALL);
    assert_int_equal(c.n, 2);
    assert_true(c.increasing);
    c = scan(fx, fx->b.id, ID1, VG_VERSIONS_LAST);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.modified[0], 200); /* the hidden 300 neither shows nor hides */
    c = scan(fx, fx->a.id, ID1, VG_VERSIONS_LAST);
    assert_int_equal(c.modified[0], 300);
    c = scan(fx, fx->a.id, ID1, VG_VERSIONS_FIRST);
    assert_int_equal(c.modified[0], 100);
    c = scan(fx, fx->a.id, NULL, VG_VERSIONS_ALL);
    assert_int_equal(c.n, 3);
    assert_true(c.increasing);

    assert_int_equal(vg_store_stats(fx->st, &s, &err), VG_OK);
    assert_int_equal(s.versions, 3);
    assert_int_equal(s.objects, 1);
    assert_int_equal(s.events, 3);
    assert_int_equal(s.last_seq, 3);
    assert_int_equal(s.observables, 1);
    assert_int_equal(s.contributions, 2);
    assert_int_equal(vg_store_check(fx->st, &err), VG_OK);
}

static void test_sharing_in_queries(void **state)
{
    struct fx *fx = *state;
    enum vg_put_result r;
    int64_t groups[1];
    struct vg_org o;
    struct vg_error err;

    groups[0] = fx->g.id;
    /* AMBER for the group only */
    assert_int_equal(put(fx, ID2, fx->a.id, 100, VG_TLP_AMBER, groups, 1, "c2.example", &r), VG_OK);
    assert_int_equal(scan(fx, fx->a.id, ID2, VG_VERSIONS_ALL).n, 1);
    assert_int_equal(scan(fx, fx->b.id, ID2, VG_VERSIONS_ALL).n, 1);
    assert_int_equal(scan(fx, fx->c.id, ID2, VG_VERSIONS_ALL).n, 0);
    assert_int_equal(scan(fx, fx->c.id, NULL, VG_VERSIONS_ALL).n, 0);

    /* Leaving the group removes access at once; disabling an org too. */
    assert_int_equal(vg_store_group_member_remove(fx->st, fx->g.id, fx->b.id, &err), VG_OK);
    assert_int_equal(scan(fx, fx->b.id, ID2, VG_VERSIONS_ALL).n, 0);
    assert_int_equal(vg_store_org_get_by_id(fx->st, fx->a.id, &o, &err), VG_OK);
    o.disabled = 1;
    assert_int_equal(vg_store_org_update(fx->st, &o, &err), VG_OK);
    assert_int_equal(scan(fx, fx->a.id, ID2, VG_VERSIONS_ALL).n, 0);
}

static int count_obs(void *ctx, const struct vg_obs_row *row)
{
    int *n = ctx;

    assert_string_equal(row->label, "emotet");
    (*n)++;
    return 0;
}

static void test_observables_visible_only(void **state)
{
    struct fx *fx = *state;
    enum vg_put_result r;
    vg_token tok[VG_POLICY_TOKENS_MAX];
    struct vg_obs_filter of = {0};
    int64_t groups[1] = {fx->g.id};
    struct vg_error err;
    int n = 0;

    assert_int_equal(put(fx, ID1, fx->a.id, 1, VG_TLP_CLEAR, NULL, 0, "seen.example", &r), VG_OK);
    assert_int_equal(put(fx, ID2, fx->a.id, 1, VG_TLP_AMBER, groups, 1, "hidden.example", &r),
                     VG_OK);
    of.tokens = tok;
    of.ntokens = tokens_of(fx, fx->c.id, tok);
    assert_int_equal(vg_store_scan_observables(fx->st, &of, count_obs, &n, &err), VG_OK);
    assert_int_equal(n, 1);
    n = 0;
    of.ntokens = tokens_of(fx, fx->b.id, tok);
    assert_int_equal(vg_store_scan_observables(fx->st, &of, count_obs, &n, &err), VG_OK);
    assert_int_equal(n, 2);
    n = 0;
    of.ntokens = 0; /* no token: nothing */
    assert_int_equal(vg_store_scan_observables(fx->st, &of, count_obs, &n, &err), VG_OK);
    assert_int_equal(n, 0);
}

/* A put that fails half-way leaves the store exactly as it was. */
static void test_failed_put_is_atomic(void **state)
{
    struct fx *fx = *state;
    struct vg_store_stats before, after;
    struct vg_object_version v = {0};
    struct vg_audience aud;
    struct vg_claim claim = {0};
    enum vg_put_result r;
    struct vg_error err;

    assert_int_equal(put(fx, ID1, fx->a.id, 1, VG_TLP_CLEAR, NULL, 0, "ok.example", &r), VG_OK);
    assert_int_equal(vg_store_stats(fx->st, &before, &err), VG_OK);
    assert_int_equal(vg_policy_audience(VG_TLP_CLEAR, fx->a.id, NULL, 0, NULL, 0, &aud), VG_OK);
    v.stix_id = ID2;
    v.type = "indicator";
    v.modified_us = 5;
    v.aud = &aud;
    v.org_id = fx->a.id;
    v.json = "{}";
    v.json_len = 2;
    claim.kind = VG_OBS_DOMAIN;
    claim.value = NULL; /* NOT NULL constraint fails after the object row is written */
    v.nclaims = 1;
    v.claims = &claim;
    assert_int_not_equal(vg_store_put_object(fx->st, &v, &r, NULL, &err), VG_OK);
    assert_int_equal(vg_store_stats(fx->st, &after, &err), VG_OK);
    assert_memory_equal(&before, &after, sizeof(before));
    assert_int_equal(vg_store_check(fx->st, &err), VG_OK);

    /* Inside a batch: the failure is fatal and the whole batch is rolled back,
     * the object stored before it in the batch too (nothing was acknowledged). */
    assert_int_equal(vg_store_begin(fx->st, &err), VG_OK);
    assert_int_equal(put(fx, ID2, fx->a.id, 6, VG_TLP_CLEAR, NULL, 0, "ok2.example", &r), VG_OK);
    assert_int_equal(vg_store_put_object(fx->st, &v, &r, NULL, &err), VG_STORAGE);
    assert_non_null(strstr(err.msg, "rolled back"));
    assert_int_not_equal(vg_store_commit(fx->st, &err), VG_OK); /* nothing left to commit */
    assert_int_equal(vg_store_stats(fx->st, &after, &err), VG_OK);
    assert_memory_equal(&before, &after, sizeof(before));
    assert_int_equal(vg_store_check(fx->st, &err), VG_OK);
    /* and the store goes on */
    assert_int_equal(put(fx, ID2, fx->a.id, 7, VG_TLP_CLEAR, NULL, 0, "ok3.example", &r), VG_OK);
    assert_int_equal(vg_store_stats(fx->st, &after, &err), VG_OK);
    assert_int_equal(after.versions, before.versions + 1);
    assert_int_equal(after.last_seq, before.last_seq + 1);
}

static void test_reopen(void **state)
{
    struct fx *fx = *state;
    enum vg_put_result r;
    struct vg_store_stats s;
    struct vg_error err;
    struct vg_store *st2;

    assert_int_equal(put(fx, ID1, fx->a.id, 1, VG_TLP_CLEAR, NULL, 0, "a.example", &r), VG_OK);
    vg_store_close(fx->st);
    assert_int_equal(vg_store_open(fx->dir, 0, &fx->st, &err), VG_OK);
    assert_int_equal(vg_store_stats(fx->st, &s, &err), VG_OK);
    assert_int_equal(s.versions, 1);
    assert_int_equal(vg_store_open("/tmp/vg-no-such-hub-dir", 0, &st2, &err), VG_NOT_FOUND);
}

/* Readers never wait for a writer: a hub opens and reads while a batch is open. */
static void test_reader_during_write(void **state)
{
    struct fx *fx = *state;
    struct vg_store *rd;
    struct vg_store_stats st;
    enum vg_put_result r;
    struct vg_error err;

    assert_int_equal(put(fx, ID1, fx->a.id, 1, VG_TLP_CLEAR, NULL, 0, "a.example", &r), VG_OK);
    assert_int_equal(vg_store_begin(fx->st, &err), VG_OK);
    assert_int_equal(put(fx, ID2, fx->a.id, 1, VG_TLP_CLEAR, NULL, 0, "b.example", &r), VG_OK);
    assert_int_equal(vg_store_open(fx->dir, 0, &rd, &err), VG_OK);
    assert_int_equal(vg_store_stats(rd, &st, &err), VG_OK);
    assert_int_equal(st.versions, 1); /* the open batch is not visible yet */
    assert_int_equal(vg_store_check(rd, &err), VG_OK);
    assert_int_equal(vg_store_commit(fx->st, &err), VG_OK);
    assert_int_equal(vg_store_stats(rd, &st, &err), VG_OK);
    assert_int_equal(st.versions, 2);
    vg_store_close(rd);
}

/* Only an object's contributor versions it, among the versions it can see. */
static void test_ownership(void **state)
{
    struct fx *fx = *state;
    struct vg_object_version v = {0};
    struct vg_audience aud;
    vg_token tok[VG_POLICY_TOKENS_MAX];
    enum vg_put_result r;
    struct vg_error err;

    assert_int_equal(put(fx, ID1, fx->a.id, 1, VG_TLP_GREEN, NULL, 0, "a.example", &r), VG_OK);
    assert_int_equal(put(fx, ID2, fx->a.id, 1, VG_TLP_RED, NULL, 0, "b.example", &r), VG_OK);
    assert_int_equal(vg_policy_audience(VG_TLP_GREEN, fx->b.id, NULL, 0, NULL, 0, &aud), VG_OK);
    v.type = "indicator";
    v.modified_us = 2;
    v.aud = &aud;
    v.org_id = fx->b.id;
    v.json = "{}";
    v.json_len = 2;
    v.writer_tokens = tok;
    v.nwriter_tokens = tokens_of(fx, fx->b.id, tok);
    v.stix_id = ID1; /* visible to B and A's: refused */
    assert_int_equal(vg_store_put_object(fx->st, &v, &r, NULL, &err), VG_FORBIDDEN);
    assert_string_equal(err.field, "id");
    v.shared_id = 1; /* an SCO: B keeps its own version */
    assert_int_equal(vg_store_put_object(fx->st, &v, &r, NULL, &err), VG_OK);
    assert_int_equal(r, VG_PUT_NEW);
    v.shared_id = 0;
    v.stix_id = ID2; /* A's RED version is invisible to B: neither blocks nor leaks */
    assert_int_equal(vg_store_put_object(fx->st, &v, &r, NULL, &err), VG_OK);
    assert_int_equal(r, VG_PUT_NEW);
    v.modified_us = 3;
    v.dedupe_by_id = 1;
    assert_int_equal(vg_store_put_object(fx->st, &v, &r, NULL, &err), VG_OK);
    assert_int_equal(r, VG_PUT_DUPLICATE);
    assert_int_equal(vg_store_check(fx->st, &err), VG_OK);
}

/* Two handles writing in turn: a value one of them stored is never stored
 * again by the other (each writer's filter of known values catches up when
 * it begins, and forgets what a rollback undid). */
static void test_two_writers_share_observables(void **state)
{
    static const struct {
        int other, commit;
        const char *value;
    } steps[] = {
        {0, 1, "v0.example"}, /* new */
        {1, 1, "v1.example"}, /* new, by the other handle */
        {0, 1, "v1.example"}, /* known: mine must catch up */
        {0, 0, "v2.example"}, /* new, rolled back: its id is given again */
        {1, 1, "v3.example"}, /* new, takes that id */
        {0, 1, "v3.example"}, /* known: mine must not trust its rolled-back bits */
    };
    struct fx *fx = *state;
    struct vg_store *other, *mine = fx->st;
    struct vg_store_stats st;
    enum vg_put_result r;
    struct vg_error err;
    char id[64];
    size_t i;

    assert_int_equal(vg_store_open(fx->dir, 0, &other, &err), VG_OK);
    for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        snprintf(id, sizeof(id), "indicator--%08zu-1111-4111-8111-111111111111", i);
        fx->st = steps[i].other ? other : mine;
        assert_int_equal(vg_store_begin(fx->st, &err), VG_OK);
        assert_int_equal(put(fx, id, fx->a.id, 1, VG_TLP_CLEAR, NULL, 0, steps[i].value, &r),
                         VG_OK);
        if (steps[i].commit)
            assert_int_equal(vg_store_commit(fx->st, &err), VG_OK);
        else
            vg_store_rollback(fx->st);
    }
    fx->st = mine;
    vg_store_close(other);
    assert_int_equal(vg_store_stats(fx->st, &st, &err), VG_OK);
    assert_int_equal(st.observables, 3);
    assert_int_equal(st.contributions, 5);
    assert_int_equal(vg_store_check(fx->st, &err), VG_OK);
}

struct added {
    int n;
    int64_t at[8];
};

static int added_cb(void *ctx, const struct vg_object_row *row)
{
    struct added *a = ctx;

    if (a->n < 8)
        a->at[a->n] = row->date_added_us;
    a->n++;
    return 0;
}

/* "Added after" follows date_added exactly, whatever the rowid gaps. */
static void test_added_after(void **state)
{
    struct fx *fx = *state;
    vg_token tok[VG_POLICY_TOKENS_MAX];
    struct vg_object_filter f = {0};
    struct added all = {0}, some;
    enum vg_put_result r;
    struct vg_error err;
    char id[64];
    int i;

    for (i = 0; i < 5; i++) {
        snprintf(id, sizeof(id), "indicator--%08d-1111-4111-8111-111111111111", i);
        assert_int_equal(put(fx, id, fx->a.id, 1, VG_TLP_CLEAR, NULL, 0, NULL, &r), VG_OK);
    }
    f.tokens = tok;
    f.ntokens = tokens_of(fx, fx->b.id, tok);
    f.versions = VG_VERSIONS_ALL;
    assert_int_equal(vg_store_scan_objects(fx->st, &f, added_cb, &all, &err), VG_OK);
    assert_int_equal(all.n, 5);
    for (i = 0; i < 5; i++) {
        memset(&some, 0, sizeof(some));
        f.added_after_us = all.at[i];
        assert_int_equal(vg_store_scan_objects(fx->st, &f, added_cb, &some, &err), VG_OK);
        assert_int_equal(some.n, 4 - i);
        if (some.n)
            assert_true(some.at[0] > all.at[i]);
        memset(&some, 0, sizeof(some));
        f.added_after_us = all.at[i] - 1; /* just before: this one too */
        assert_int_equal(vg_store_scan_objects(fx->st, &f, added_cb, &some, &err), VG_OK);
        assert_int_equal(some.n, 5 - i);
    }
    memset(&some, 0, sizeof(some));
    f.added_after_us = 1; /* long ago */
    assert_int_equal(vg_store_scan_objects(fx->st, &f, added_cb, &some, &err), VG_OK);
    assert_int_equal(some.n, 5);
}

/* Count the observables an organisation sees. */
static int obs_count_cb(void *ctx, const struct vg_obs_row *row)
{
    (void)row;
    ++*(int *)ctx;
    return 0;
}

static int visible_observables(struct fx *fx, int64_t org)
{
    vg_token tok[VG_POLICY_TOKENS_MAX];
    struct vg_obs_filter f = {0};
    struct vg_error err;
    int n = 0;

    f.tokens = tok;
    f.ntokens = tokens_of(fx, org, tok);
    assert_int_equal(vg_store_scan_observables(fx->st, &f, obs_count_cb, &n, &err), VG_OK);
    return n;
}

static enum vg_rc del(struct fx *fx, const char *id, int64_t org, unsigned versions,
                      const int64_t *modified, size_t nmodified, size_t *n)
{
    vg_token tok[VG_POLICY_TOKENS_MAX];
    struct vg_delete_request d = {0};
    struct vg_error err;

    d.stix_id = id;
    d.org_id = org;
    d.tokens = tok;
    d.ntokens = tokens_of(fx, org, tok);
    d.versions = versions;
    d.modified = modified;
    d.nmodified = nmodified;
    return vg_store_delete_object(fx->st, &d, n, NULL, &err);
}

/* Deletion: only the contributor's own versions, what the others cannot see
 * is "not found", erased versions vanish from every read, the event sequence
 * keeps no gap, and the same version can be stored again afterwards. */
static void test_delete(void **state)
{
    struct fx *fx = *state;
    struct vg_store_stats before, after;
    struct vg_error err;
    enum vg_put_result res;
    int64_t second = 2000;
    int64_t grp = fx->g.id;
    size_t n = 0;

    assert_int_equal(put(fx, ID1, fx->a.id, 1000, VG_TLP_GREEN, NULL, 0, "evil.example", &res),
                     VG_OK);
    assert_int_equal(put(fx, ID1, fx->a.id, 2000, VG_TLP_GREEN, NULL, 0, "evil.example", &res),
                     VG_OK);
    assert_int_equal(put(fx, ID1, fx->a.id, 3000, VG_TLP_GREEN, NULL, 0, "evil.example", &res),
                     VG_OK);
    assert_int_equal(put(fx, ID2, fx->a.id, 1000, VG_TLP_AMBER, &grp, 1, "bad.example", &res),
                     VG_OK);
    assert_int_equal(scan(fx, fx->b.id, ID1, VG_VERSIONS_ALL).n, 3);

    /* another organisation: forbidden where it sees, not found where not */
    assert_int_equal(del(fx, ID1, fx->b.id, 0, NULL, 0, &n), VG_FORBIDDEN);
    assert_int_equal(del(fx, ID2, fx->c.id, 0, NULL, 0, &n), VG_NOT_FOUND);
    assert_int_equal(
        del(fx, ID2, fx->c.id, 0, NULL, 0, &n),
        del(fx, "indicator--99999999-9999-4999-8999-999999999999", fx->c.id, 0, NULL, 0, &n));
    assert_int_equal(scan(fx, fx->b.id, ID1, VG_VERSIONS_ALL).n, 3);

    /* one exact version, then the first of those left */
    assert_int_equal(vg_store_stats(fx->st, &before, &err), VG_OK);
    assert_int_equal(del(fx, ID1, fx->a.id, 0, &second, 1, &n), VG_OK);
    assert_int_equal(n, 1);
    assert_int_equal(vg_store_stats(fx->st, &after, &err), VG_OK);
    assert_int_equal(after.last_seq, before.last_seq + 1); /* one event */
    assert_int_equal(scan(fx, fx->b.id, ID1, VG_VERSIONS_ALL).n, 2);
    assert_int_equal(del(fx, ID1, fx->a.id, VG_VERSIONS_FIRST, NULL, 0, &n), VG_OK);
    assert_int_equal(n, 1);
    assert_int_equal(scan(fx, fx->a.id, ID1, VG_VERSIONS_ALL).modified[0], 3000);
    assert_int_equal(del(fx, ID1, fx->a.id, 0, &second, 1, &n), VG_NOT_FOUND); /* gone */

    /* all versions: the object and its observable vanish for everyone */
    assert_int_equal(visible_observables(fx, fx->b.id), 2);
    assert_int_equal(del(fx, ID1, fx->a.id, 0, NULL, 0, &n), VG_OK);
    assert_int_equal(n, 1);
    assert_int_equal(scan(fx, fx->a.id, ID1, VG_VERSIONS_ALL).n, 0);
    assert_int_equal(scan(fx, fx->b.id, NULL, VG_VERSIONS_ALL).n, 1);
    assert_int_equal(visible_observables(fx, fx->b.id), 1);
    assert_int_equal(vg_store_check(fx->st, &err), VG_OK);

    /* stored again: new, not a duplicate of the erased version */
    assert_int_equal(put(fx, ID1, fx->a.id, 3000, VG_TLP_GREEN, NULL, 0, "evil.example", &res),
                     VG_OK);
    assert_int_equal(res, VG_PUT_NEW);
    assert_int_equal(scan(fx, fx->b.id, ID1, VG_VERSIONS_ALL).n, 1);
    assert_int_equal(vg_store_check(fx->st, &err), VG_OK);
}

/* match[version] as a list: first and last together, exact times. */
static void test_version_selection(void **state)
{
    struct fx *fx = *state;
    vg_token tok[VG_POLICY_TOKENS_MAX];
    struct vg_object_filter f = {0};
    struct collect c = {0, 0, {0}, 1};
    struct vg_error err;
    enum vg_put_result res;
    int64_t at[2] = {2000, 4000};
    const char *spec[1] = {"2.0"};
    int64_t m;

    for (m = 1000; m <= 4000; m += 1000)
        assert_int_equal(put(fx, ID1, fx->a.id, m, VG_TLP_GREEN, NULL, 0, NULL, &res), VG_OK);
    f.tokens = tok;
    f.ntokens = tokens_of(fx, fx->b.id, tok);
    f.stix_id = ID1;
    f.versions = VG_VERSIONS_FIRST | VG_VERSIONS_LATEST;
    assert_int_equal(vg_store_scan_objects(fx->st, &f, collect_cb, &c, &err), VG_OK);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.modified[0], 1000);
    assert_int_equal(c.modified[1], 4000);
    memset(&c, 0, sizeof(c));
    f.versions = 0;
    f.modified = at;
    f.nmodified = 2;
    assert_int_equal(vg_store_scan_objects(fx->st, &f, collect_cb, &c, &err), VG_OK);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.modified[0], 2000);
    memset(&c, 0, sizeof(c));
    f.versions = VG_VERSIONS_FIRST;
    f.nmodified = 1;
    assert_int_equal(vg_store_scan_objects(fx->st, &f, collect_cb, &c, &err), VG_OK);
    assert_int_equal(c.n, 2); /* first (1000) or exactly 2000 */
    memset(&c, 0, sizeof(c));
    f.spec_versions = spec;
    f.nspec_versions = 1;
    assert_int_equal(vg_store_scan_objects(fx->st, &f, collect_cb, &c, &err), VG_OK);
    assert_int_equal(c.n, 0); /* every version is 2.1 */
}

/* The memo of keys, organisations, groups and settings (memo_sql.c): read
 * twice in one snapshot, a row comes from the memo; a commit by another
 * handle - a revocation, a new key, a disabled organisation, a membership,
 * a setting - shows in the next snapshot of this one, never a stale row. */
static void test_memo_follows_commits(void **state)
{
    struct fx *fx = *state;
    struct vg_store *other;
    struct vg_key k = {0}, got;
    struct vg_org o;
    struct vg_principal p;
    uint8_t h[32], h2[32];
    struct vg_error err;
    char v[32];
    int round;

    snprintf(k.id, sizeof(k.id), "vk_memo000000000001");
    k.org_id = fx->c.id;
    k.scopes = VG_SCOPE_READ;
    memset(h, 0x5a, sizeof(h));
    assert_int_equal(vg_store_open(fx->dir, 0, &other, &err), VG_OK);
    assert_int_equal(vg_store_meta_set(other, "memo.test", "one", &err), VG_OK);
    for (round = 0; round < 2; round++) { /* the second round reads the memo */
        assert_int_equal(vg_store_read_begin(fx->st, &err), VG_OK);
        assert_int_equal(vg_store_meta_get(fx->st, "memo.test", v, sizeof(v), &err), VG_OK);
        assert_string_equal(v, "one");
        assert_int_equal(vg_store_key_get(fx->st, k.id, &got, h2, &err), VG_NOT_FOUND);
        assert_int_equal(vg_store_principal(fx->st, fx->c.id, &p, &err), VG_OK);
        assert_int_equal(p.ngroups, 0);
        assert_true(p.good_standing);
        vg_store_read_end(fx->st);
    }
    /* another handle commits: a key, a membership, a setting */
    assert_int_equal(vg_store_key_add(other, &k, h, &err), VG_OK);
    assert_int_equal(vg_store_group_member_add(other, fx->g.id, fx->c.id, &err), VG_OK);
    assert_int_equal(vg_store_meta_set(other, "memo.test", "two", &err), VG_OK);
    for (round = 0; round < 2; round++) {
        assert_int_equal(vg_store_read_begin(fx->st, &err), VG_OK);
        assert_int_equal(vg_store_meta_get(fx->st, "memo.test", v, sizeof(v), &err), VG_OK);
        assert_string_equal(v, "two");
        assert_int_equal(vg_store_key_get(fx->st, k.id, &got, h2, &err), VG_OK);
        assert_memory_equal(h, h2, 32);
        assert_false(got.revoked);
        assert_int_equal(vg_store_principal(fx->st, fx->c.id, &p, &err), VG_OK);
        assert_int_equal(p.ngroups, 1);
        vg_store_read_end(fx->st);
    }
    /* revoked and disabled elsewhere: seen at the next snapshot */
    assert_int_equal(vg_store_key_revoke(other, k.id, &err), VG_OK);
    o = fx->c;
    o.disabled = 1;
    assert_int_equal(vg_store_org_update(other, &o, &err), VG_OK);
    for (round = 0; round < 2; round++) {
        assert_int_equal(vg_store_read_begin(fx->st, &err), VG_OK);
        assert_int_equal(vg_store_key_get(fx->st, k.id, &got, h2, &err), VG_OK);
        assert_true(got.revoked);
        assert_int_equal(vg_store_org_get_by_id(fx->st, fx->c.id, &o, &err), VG_OK);
        assert_true(o.disabled);
        assert_int_equal(vg_store_principal(fx->st, fx->c.id, &p, &err), VG_OK);
        assert_false(p.good_standing);
        vg_store_read_end(fx->st);
    }
    /* and by this very handle, outside a snapshot (no memo there) */
    assert_int_equal(vg_store_meta_set(fx->st, "memo.test", "three", &err), VG_OK);
    assert_int_equal(vg_store_read_begin(fx->st, &err), VG_OK);
    assert_int_equal(vg_store_meta_get(fx->st, "memo.test", v, sizeof(v), &err), VG_OK);
    assert_string_equal(v, "three");
    vg_store_read_end(fx->st);
    vg_store_close(other);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_admin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_versions_and_duplicates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sharing_in_queries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_observables_visible_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_put_is_atomic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reader_during_write, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ownership, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_writers_share_observables, setup, teardown),
        cmocka_unit_test_setup_teardown(test_added_after, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_version_selection, setup, teardown),
        cmocka_unit_test_setup_teardown(test_memo_follows_commits, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
