/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_values.c - the in-memory set of the hub's values that look-ups probe
 * before asking the store: every stored value is found (whoever claims it),
 * networks by number, values added later after a sync, the table growing
 * while a reader probes it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pthread.h>

#include <cmocka.h>

#include "lookup/values.h"
#include "policy/policy.h"
#include "store/store.h"
#include "../support/temp_hub.h"

struct fx {
    char dir[64];
    struct vg_store *st;
    struct vg_org org;
    int next;
};

static int setup(void **state)
{
    struct fx *fx = calloc(1, sizeof(*fx));
    struct vg_error err;

    assert_int_equal(temp_hub_open(fx->dir, sizeof(fx->dir), "test-values", &fx->st), 0);
    snprintf(fx->org.name, sizeof(fx->org.name), "ACME");
    snprintf(fx->org.kind, sizeof(fx->org.kind), "vendor");
    assert_int_equal(vg_store_org_add(fx->st, &fx->org, &err), VG_OK);
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

/* One indicator at TLP:RED (only its contributor may see it) claiming the
 * canonical value text (parsed as kind, so that it is stored canonically). */
static void put(struct fx *fx, enum vg_obs_kind kind, const char *text)
{
    struct vg_object_version v = {0};
    struct vg_audience aud;
    struct vg_claim claim = {0};
    struct vg_error err;
    struct vg_obs o;
    enum vg_put_result res;
    char id[64], json[128];

    assert_int_equal(vg_obs_parse(kind, text, strlen(text), &o, &err), VG_OK);
    assert_int_equal(vg_policy_audience(VG_TLP_RED, fx->org.id, NULL, 0, NULL, 0, &aud), VG_OK);
    snprintf(id, sizeof(id), "indicator--00000000-0000-4000-8000-%012d", fx->next++);
    snprintf(json, sizeof(json), "{\"id\":\"%s\"}", id);
    v.stix_id = id;
    v.type = "indicator";
    v.spec_version = "2.1";
    v.created_us = v.modified_us = 1;
    v.tlp = VG_TLP_RED;
    v.aud = &aud;
    v.org_id = fx->org.id;
    v.json = json;
    v.json_len = strlen(json);
    claim.kind = o.kind;
    claim.value = o.value;
    claim.len = o.len;
    v.nclaims = 1;
    v.claims = &claim;
    assert_int_equal(vg_store_put_object(fx->st, &v, &res, NULL, &err), VG_OK);
}

static int has(const struct vg_values *v, enum vg_obs_kind kind, const char *text)
{
    struct vg_obs o;
    struct vg_error err;

    assert_int_equal(vg_obs_parse(kind, text, strlen(text), &o, &err), VG_OK);
    return vg_values_has(v, o.kind, o.value, o.len);
}

static void test_every_kind(void **state)
{
    struct fx *fx = *state;
    struct vg_values *v;
    struct vg_error err;
    const uint8_t net6[16] = {0x20, 0x01, 0x0d, 0xb8};

    put(fx, VG_OBS_IPV4, "192.0.2.7");
    put(fx, VG_OBS_CIDR4, "10.1.2.3/8"); /* stored as 10.0.0.0/8 */
    put(fx, VG_OBS_CIDR6, "2001:db8::/32");
    put(fx, VG_OBS_DOMAIN, "evil.example.com");
    put(fx, VG_OBS_URL, "http://evil.example.com/x");
    assert_int_equal(vg_values_new(&v, &err), VG_OK);
    assert_int_equal(vg_values_count(v), 0);
    assert_false(has(v, VG_OBS_IPV4, "192.0.2.7"));
    assert_int_equal(vg_values_sync(v, fx->st, &err), VG_OK);
    assert_int_equal(vg_values_count(v), 5);
    assert_true(has(v, VG_OBS_IPV4, "192.0.2.7"));
    assert_true(has(v, VG_OBS_CIDR4, "10.0.0.0/8"));
    assert_true(has(v, VG_OBS_CIDR6, "2001:db8::/32"));
    assert_true(has(v, VG_OBS_DOMAIN, "EVIL.example.COM."));
    assert_true(has(v, VG_OBS_URL, "http://evil.example.com/x"));
    assert_false(has(v, VG_OBS_IPV4, "192.0.2.8"));
    assert_false(has(v, VG_OBS_DOMAIN, "example.com"));
    assert_false(has(v, VG_OBS_DOMAIN, "a.evil.example.com"));
    /* networks by number */
    assert_true(vg_values_has_net4(v, 0x0a000000u, 8));
    assert_false(vg_values_has_net4(v, 0x0a000000u, 9));
    assert_false(vg_values_has_net4(v, 0x0b000000u, 8));
    assert_true(vg_values_has_net6(v, net6, 32));
    assert_false(vg_values_has_net6(v, net6, 33));
    /* only the lengths held are probed: one of a new length is found once
     * synced */
    assert_false(vg_values_has_net4(v, 0xc0000200u, 24));
    assert_false(vg_values_has_net6(v, net6, 48));
    put(fx, VG_OBS_CIDR4, "192.0.2.0/24");
    put(fx, VG_OBS_CIDR6, "2001:db8::/48");
    put(fx, VG_OBS_IPV6, "2001:db8::1");
    assert_false(vg_values_has_net4(v, 0xc0000200u, 24));
    assert_int_equal(vg_values_sync(v, fx->st, &err), VG_OK);
    assert_true(vg_values_has_net4(v, 0xc0000200u, 24));
    assert_true(has(v, VG_OBS_CIDR4, "192.0.2.0/24"));
    assert_false(vg_values_has_net4(v, 0xc0000300u, 24));
    assert_true(vg_values_has_net6(v, net6, 48));
    assert_true(has(v, VG_OBS_IPV6, "2001:db8::1"));
    assert_false(has(v, VG_OBS_IPV6, "2001:db8::2"));
    assert_int_equal(vg_values_count(v), 8);
    /* in two steps: the key (0 for a length held by no one), then the probe */
    assert_int_equal(vg_values_key_net4(v, 0xc0000200u, 25), 0);
    assert_true(vg_values_key_net4(v, 0xc0000300u, 24) != 0);
    assert_false(vg_values_has_key(v, vg_values_key_net4(v, 0xc0000300u, 24)));
    vg_values_prefetch(v, vg_values_key_net4(v, 0xc0000200u, 24));
    assert_true(vg_values_has_key(v, vg_values_key_net4(v, 0xc0000200u, 24)));
    assert_true(vg_values_has_key(v, vg_values_key_net6(v, net6, 32)));
    assert_int_equal(vg_values_key_net6(v, net6, 33), 0);
    assert_true(vg_values_has_key(v, vg_values_key(v, VG_OBS_DOMAIN, "evil.example.com", 16)));
    assert_false(vg_values_has_key(v, vg_values_key(v, VG_OBS_DOMAIN, "example.com", 11)));
    assert_int_equal(vg_values_key(v, VG_OBS_CIDR4, "10.0.0.0/9", 10), 0);
    assert_false(vg_values_has_key(v, 0));
    /* a later sync adds only what is new */
    put(fx, VG_OBS_IPV4, "198.51.100.1");
    put(fx, VG_OBS_IPV4, "192.0.2.7"); /* known already */
    assert_false(has(v, VG_OBS_IPV4, "198.51.100.1"));
    assert_int_equal(vg_values_sync(v, fx->st, &err), VG_OK);
    assert_true(has(v, VG_OBS_IPV4, "198.51.100.1"));
    assert_int_equal(vg_values_count(v), 9);
    put(fx, VG_OBS_IPV4, "198.51.100.2");
    assert_int_equal(vg_values_try_sync(v, fx->st, &err), VG_OK); /* nobody else syncing */
    assert_true(has(v, VG_OBS_IPV4, "198.51.100.2"));
    assert_true(vg_values_bytes(v) <= 16 * 1024 + 64);
    vg_values_free(v);
}

struct reader {
    const struct vg_values *v;
    int stop, misses;
};

/* Probes a value known from the start while the table grows under it. */
static void *probe(void *arg)
{
    struct reader *r = arg;

    while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE))
        if (!vg_values_has(r->v, VG_OBS_DOMAIN, "first.example.com", 17))
            r->misses++;
    return NULL;
}

static void test_growth_with_a_reader(void **state)
{
    struct fx *fx = *state;
    struct vg_values *v;
    struct vg_error err;
    struct reader r = {0};
    pthread_t t;
    char name[64];
    int i, missing = 0;

    put(fx, VG_OBS_DOMAIN, "first.example.com");
    assert_int_equal(vg_values_new(&v, &err), VG_OK);
    assert_int_equal(vg_values_sync(v, fx->st, &err), VG_OK);
    r.v = v;
    assert_int_equal(pthread_create(&t, NULL, probe, &r), 0);
    assert_int_equal(vg_store_begin(fx->st, &err), VG_OK);
    for (i = 0; i < 5000; i++) {
        snprintf(name, sizeof(name), "host-%d.example.com", i);
        put(fx, VG_OBS_DOMAIN, name);
    }
    assert_int_equal(vg_store_commit(fx->st, &err), VG_OK);
    assert_int_equal(vg_values_sync(v, fx->st, &err), VG_OK); /* doubles several times */
    __atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
    pthread_join(t, NULL);
    assert_int_equal(r.misses, 0);
    assert_int_equal(vg_values_count(v), 5001);
    for (i = 0; i < 5000; i++) {
        snprintf(name, sizeof(name), "host-%d.example.com", i);
        missing += !vg_values_has(v, VG_OBS_DOMAIN, name, strlen(name));
    }
    assert_int_equal(missing, 0);
    /* at most 16 bytes a value at the largest load */
    assert_true(vg_values_bytes(v) <= 16 * 8192 + 64);
    vg_values_free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_every_kind, setup, teardown),
        cmocka_unit_test_setup_teardown(test_growth_with_a_reader, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
