/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_store_sightings.c - the store's per-observable sighting counts
 * (migration 9, vg_store_scan_sightings) on a real file: counts per
 * sighting organisation, the sighting's own audience, a sighting counted
 * through a hidden indicator, a carried value, versions, revocation and
 * deletion.
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

#define IND_PUB "indicator--00000000-0000-4000-8000-000000000001"
#define IND_RED "indicator--00000000-0000-4000-8000-000000000002"
#define S1 "sighting--00000000-0000-4000-8000-000000000001"
#define S2 "sighting--00000000-0000-4000-8000-000000000002"
#define S3 "sighting--00000000-0000-4000-8000-000000000003"

struct fx {
    char dir[64];
    struct vg_store *st;
    struct vg_org a, b, c;
};

static int setup(void **state)
{
    struct fx *fx = calloc(1, sizeof(*fx));
    struct vg_error err;

    assert_int_equal(temp_hub_open(fx->dir, sizeof(fx->dir), "test-sightings", &fx->st), 0);
    snprintf(fx->a.name, sizeof(fx->a.name), "A");
    snprintf(fx->b.name, sizeof(fx->b.name), "B");
    snprintf(fx->c.name, sizeof(fx->c.name), "C");
    snprintf(fx->a.kind, sizeof(fx->a.kind), "vendor");
    snprintf(fx->b.kind, sizeof(fx->b.kind), "vendor");
    snprintf(fx->c.kind, sizeof(fx->c.kind), "vendor");
    assert_int_equal(vg_store_org_add(fx->st, &fx->a, &err), VG_OK);
    assert_int_equal(vg_store_org_add(fx->st, &fx->b, &err), VG_OK);
    assert_int_equal(vg_store_org_add(fx->st, &fx->c, &err), VG_OK);
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

/* An indicator of org claiming value, at tlp, shared with share (0: none). */
static void indicator(struct fx *fx, const char *id, int64_t org, enum vg_tlp tlp, int64_t share,
                      const char *value)
{
    struct vg_object_version v = {0};
    struct vg_audience aud;
    struct vg_claim claim = {0};
    struct vg_error err;
    enum vg_put_result res;
    char json[128];

    assert_int_equal(
        vg_policy_audience(tlp, org, NULL, 0, share ? &share : NULL, share ? 1 : 0, &aud), VG_OK);
    snprintf(json, sizeof(json), "{\"id\":\"%s\"}", id);
    v.stix_id = id;
    v.type = "indicator";
    v.created_us = v.modified_us = 1;
    v.tlp = tlp;
    v.aud = &aud;
    v.org_id = org;
    v.json = json;
    v.json_len = strlen(json);
    claim.kind = VG_OBS_DOMAIN;
    claim.value = value;
    claim.len = strlen(value);
    claim.confidence = -1;
    v.nclaims = 1;
    v.claims = &claim;
    assert_int_equal(vg_store_put_object(fx->st, &v, &res, NULL, &err), VG_OK);
}

/* A sighting by org of ref (version modified), count, carrying value or not. */
static void sighting(struct fx *fx, const char *id, int64_t org, int64_t modified, enum vg_tlp tlp,
                     int64_t share, const char *ref, int64_t count, const char *carried,
                     int revoked)
{
    struct vg_object_version v = {0};
    struct vg_sighting_facts f = {0};
    struct vg_audience aud;
    struct vg_error err;
    enum vg_put_result res;
    char json[128];

    assert_int_equal(
        vg_policy_audience(tlp, org, NULL, 0, share ? &share : NULL, share ? 1 : 0, &aud), VG_OK);
    snprintf(json, sizeof(json), "{\"id\":\"%s\"}", id);
    f.of_ref = ref;
    f.count = count;
    f.first_seen_us = modified;
    f.last_seen_us = modified + 10;
    if (carried) {
        f.kind = VG_OBS_DOMAIN;
        f.value = carried;
        f.len = strlen(carried);
    }
    v.stix_id = id;
    v.type = "sighting";
    v.created_us = 1;
    v.modified_us = modified;
    v.revoked = revoked;
    v.tlp = tlp;
    v.aud = &aud;
    v.org_id = org;
    v.json = json;
    v.json_len = strlen(json);
    v.sighting = &f;
    assert_int_equal(vg_store_put_object(fx->st, &v, &res, NULL, &err), VG_OK);
}

struct seen {
    int rows;
    int64_t org[4], count[4], sightings[4], first[4], last[4];
};

static int seen_cb(void *ctx, const struct vg_sighting_row *row)
{
    struct seen *s = ctx;

    if (s->rows < 4) {
        s->org[s->rows] = row->org_id;
        s->count[s->rows] = row->count;
        s->sightings[s->rows] = row->sightings;
        s->first[s->rows] = row->first_seen_us;
        s->last[s->rows] = row->last_seen_us;
    }
    s->rows++;
    return 0;
}

static struct seen seen_by(struct fx *fx, int64_t org, const char *value)
{
    vg_token tok[VG_POLICY_TOKENS_MAX];
    size_t n = tokens_of(fx, org, tok);
    struct seen s;
    struct vg_error err;

    memset(&s, 0, sizeof(s));
    assert_int_equal(vg_store_scan_sightings(fx->st, tok, n, VG_OBS_DOMAIN, value, strlen(value),
                                             seen_cb, &s, &err),
                     VG_OK);
    return s;
}

static void test_counts_and_policy(void **state)
{
    struct fx *fx = *state;
    struct vg_error err;
    struct seen s;

    indicator(fx, IND_PUB, fx->a.id, VG_TLP_CLEAR, 0, "evil.example");
    indicator(fx, IND_RED, fx->a.id, VG_TLP_RED, fx->b.id, "hidden.example");
    /* B sights the public indicator (GREEN), C too */
    sighting(fx, S1, fx->b.id, 100, VG_TLP_GREEN, 0, IND_PUB, 3, NULL, 0);
    sighting(fx, S2, fx->c.id, 200, VG_TLP_GREEN, 0, IND_PUB, 2, NULL, 0);
    s = seen_by(fx, fx->c.id, "evil.example");
    assert_int_equal(s.rows, 2);
    assert_int_equal(s.org[0], fx->b.id);
    assert_int_equal(s.count[0], 3);
    assert_int_equal(s.first[0], 100);
    assert_int_equal(s.last[0], 110);
    assert_int_equal(s.org[1], fx->c.id);
    assert_int_equal(s.count[1], 2);

    /* B sights the RED indicator, RED for A only: C sees nothing of it */
    sighting(fx, S3, fx->b.id, 300, VG_TLP_RED, fx->a.id, IND_RED, 5, NULL, 0);
    assert_int_equal(seen_by(fx, fx->a.id, "hidden.example").count[0], 5);
    assert_int_equal(seen_by(fx, fx->b.id, "hidden.example").count[0], 5);
    assert_int_equal(seen_by(fx, fx->c.id, "hidden.example").rows, 0);
    /* nor of evil.example: still B 3, C 2 */
    s = seen_by(fx, fx->c.id, "evil.example");
    assert_int_equal(s.rows, 2);
    assert_int_equal(s.count[0] + s.count[1], 5);
    /* an unknown value: no rows, no error */
    assert_int_equal(seen_by(fx, fx->c.id, "never.example").rows, 0);
    assert_int_equal(vg_store_check(fx->st, &err), VG_OK);
}

/* A sighting everyone may see, of an indicator C may not see, counts for
 * C only through a value it carries: the indicator's claims stay hidden. */
static void test_hidden_indicator(void **state)
{
    struct fx *fx = *state;
    struct seen s;

    indicator(fx, IND_RED, fx->a.id, VG_TLP_RED, fx->b.id, "hidden.example");
    sighting(fx, S1, fx->b.id, 100, VG_TLP_GREEN, 0, IND_RED, 4, NULL, 0);
    assert_int_equal(seen_by(fx, fx->c.id, "hidden.example").rows, 0);
    assert_int_equal(seen_by(fx, fx->a.id, "hidden.example").count[0], 4);
    /* a sighting that carries a value counts for it, with no indicator */
    sighting(fx, S2, fx->b.id, 100, VG_TLP_GREEN, 0, IND_RED, 6, "x.hidden.example", 0);
    s = seen_by(fx, fx->c.id, "x.hidden.example");
    assert_int_equal(s.rows, 1);
    assert_int_equal(s.count[0], 6);
    assert_int_equal(seen_by(fx, fx->c.id, "hidden.example").rows, 0);
    assert_int_equal(seen_by(fx, fx->a.id, "hidden.example").count[0], 10);
}

/* The latest visible version counts; a revoked one does not; a deleted
 * sighting is gone. */
static void test_versions(void **state)
{
    struct fx *fx = *state;
    struct vg_delete_request d;
    struct vg_error err;
    vg_token tok[VG_POLICY_TOKENS_MAX];
    size_t n = 0;

    indicator(fx, IND_PUB, fx->a.id, VG_TLP_CLEAR, 0, "evil.example");
    sighting(fx, S1, fx->b.id, 100, VG_TLP_GREEN, 0, IND_PUB, 3, NULL, 0);
    sighting(fx, S1, fx->b.id, 200, VG_TLP_GREEN, 0, IND_PUB, 7, NULL, 0);
    assert_int_equal(seen_by(fx, fx->c.id, "evil.example").count[0], 7);
    assert_int_equal(seen_by(fx, fx->c.id, "evil.example").sightings[0], 1);
    /* a newer RED version: B sees it, C still the GREEN one */
    sighting(fx, S1, fx->b.id, 300, VG_TLP_RED, 0, IND_PUB, 9, NULL, 0);
    assert_int_equal(seen_by(fx, fx->b.id, "evil.example").count[0], 9);
    assert_int_equal(seen_by(fx, fx->c.id, "evil.example").count[0], 7);
    sighting(fx, S1, fx->b.id, 400, VG_TLP_GREEN, 0, IND_PUB, 1, NULL, 1);
    assert_int_equal(seen_by(fx, fx->c.id, "evil.example").rows, 0);

    sighting(fx, S2, fx->c.id, 100, VG_TLP_GREEN, 0, IND_PUB, 2, NULL, 0);
    assert_int_equal(seen_by(fx, fx->a.id, "evil.example").count[0], 2);
    memset(&d, 0, sizeof(d));
    d.stix_id = S2;
    d.org_id = fx->c.id;
    d.tokens = tok;
    d.ntokens = tokens_of(fx, fx->c.id, tok);
    assert_int_equal(vg_store_delete_object(fx->st, &d, &n, NULL, &err), VG_OK);
    assert_int_equal(seen_by(fx, fx->a.id, "evil.example").rows, 0);
    assert_int_equal(vg_store_check(fx->st, &err), VG_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_counts_and_policy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hidden_indicator, setup, teardown),
        cmocka_unit_test_setup_teardown(test_versions, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
