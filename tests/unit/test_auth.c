/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_auth.c - API keys from Authorization headers, on a real SQLite hub:
 * both forms, every way to fail, and that failures cannot be told apart.
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
#include <openssl/evp.h>

#include "common/hash.h"
#include "common/vtime.h"
#include "http/auth.h"
#include "../support/temp_hub.h"

struct fx {
    char dir[64];
    struct vg_store *st;
    struct vg_org org, off;
    char rw[128], ro[128], revoked[128], expired[128], later[128], disabled[128];
};

static void make_key(struct fx *fx, int64_t org, const char *id, unsigned scopes, int64_t expires,
                     char *secret)
{
    struct vg_key k = {0};
    uint8_t h[VG_SHA256_LEN];
    struct vg_error err;

    snprintf(k.id, sizeof(k.id), "%s", id);
    snprintf(secret, 128, "%s.%064x", id, (unsigned)strlen(id));
    memset(secret + strlen(id) + 1, 'a' + (int)(strlen(id) % 6), 64);
    k.org_id = org;
    k.scopes = scopes;
    k.created_us = 1;
    k.expires_us = expires;
    vg_sha256(secret, strlen(secret), h);
    assert_int_equal(vg_store_key_add(fx->st, &k, h, &err), VG_OK);
}

static int setup(void **state)
{
    struct fx *fx = calloc(1, sizeof(*fx));
    struct vg_error err;

    assert_int_equal(temp_hub_open(fx->dir, sizeof(fx->dir), "test-auth", &fx->st), 0);
    snprintf(fx->org.name, sizeof(fx->org.name), "Police");
    snprintf(fx->org.kind, sizeof(fx->org.kind), "law-enforcement");
    snprintf(fx->off.name, sizeof(fx->off.name), "Gone");
    snprintf(fx->off.kind, sizeof(fx->off.kind), "vendor");
    fx->off.disabled = 1;
    assert_int_equal(vg_store_org_add(fx->st, &fx->org, &err), VG_OK);
    assert_int_equal(vg_store_org_add(fx->st, &fx->off, &err), VG_OK);
    make_key(fx, fx->org.id, "vk_0000000000000001", VG_SCOPE_READ | VG_SCOPE_WRITE, 0, fx->rw);
    make_key(fx, fx->org.id, "vk_0000000000000002", VG_SCOPE_READ, 0, fx->ro);
    make_key(fx, fx->org.id, "vk_0000000000000003", VG_SCOPE_READ, 0, fx->revoked);
    assert_int_equal(vg_store_key_revoke(fx->st, "vk_0000000000000003", &err), VG_OK);
    make_key(fx, fx->org.id, "vk_0000000000000004", VG_SCOPE_READ, 1000, fx->expired);
    make_key(fx, fx->org.id, "vk_0000000000000005", VG_SCOPE_READ, vg_time_now_us() + 3600000000,
             fx->later);
    make_key(fx, fx->off.id, "vk_0000000000000006", VG_SCOPE_READ, 0, fx->disabled);
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

static void bearer(char *out, size_t cap, const char *key)
{
    snprintf(out, cap, "Bearer %s", key);
}

static void basic(char *out, size_t cap, const char *user, const char *pass)
{
    char plain[300];
    unsigned char enc[420];
    int n = snprintf(plain, sizeof(plain), "%s:%s", user, pass);

    EVP_EncodeBlock(enc, (const unsigned char *)plain, n);
    snprintf(out, cap, "Basic %s", (char *)enc);
}

static enum vg_rc auth(struct fx *fx, const char *header, unsigned need, struct vg_auth *a,
                       struct vg_error *err)
{
    vg_error_clear(err);
    return vg_auth_header(fx->st, header, vg_time_now_us(), need, a, err);
}

static void test_valid_keys(void **state)
{
    struct fx *fx = *state;
    struct vg_auth a;
    struct vg_error err;
    char h[600];
    vg_token tok[VG_POLICY_TOKENS_MAX];

    bearer(h, sizeof(h), fx->rw);
    assert_int_equal(auth(fx, h, VG_SCOPE_WRITE, &a, &err), VG_OK);
    assert_int_equal(a.org.id, fx->org.id);
    assert_string_equal(a.key.id, "vk_0000000000000001");
    assert_true(vg_policy_tokens(&a.principal, tok) > 0);
    basic(h, sizeof(h), "vk_0000000000000002", fx->ro);
    assert_int_equal(auth(fx, h, VG_SCOPE_READ, &a, &err), VG_OK);
    bearer(h, sizeof(h), fx->later); /* expires in an hour */
    assert_int_equal(auth(fx, h, VG_SCOPE_READ, &a, &err), VG_OK);
}

static void test_scope(void **state)
{
    struct fx *fx = *state;
    struct vg_auth a;
    struct vg_error err;
    char h[600];

    bearer(h, sizeof(h), fx->ro);
    assert_int_equal(auth(fx, h, VG_SCOPE_WRITE, &a, &err), VG_FORBIDDEN);
    assert_non_null(strstr(err.msg, "write"));
    assert_int_equal(auth(fx, h, VG_SCOPE_ADMIN, &a, &err), VG_FORBIDDEN);
}

/* Every failure is the same answer: nothing tells a known key from another. */
static void test_failures_look_alike(void **state)
{
    struct fx *fx = *state;
    struct vg_auth a;
    struct vg_error err, first;
    char wrong[128], h[2200], big[1100];
    char cases[16][600];
    int n = 0, i;

    snprintf(wrong, sizeof(wrong), "%s", fx->rw);
    wrong[strlen(wrong) - 1] ^= 1; /* one bit of the secret */
    bearer(cases[n++], 600, wrong);
    bearer(cases[n++], 600,
           "vk_ffffffffffffffff.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    bearer(cases[n++], 600, fx->revoked);
    bearer(cases[n++], 600, fx->expired);
    bearer(cases[n++], 600, fx->disabled);
    bearer(cases[n++], 600, "nodot");
    bearer(cases[n++], 600, "");
    basic(cases[n++], 600, "vk_0000000000000002", fx->rw); /* user is another key's id */
    basic(cases[n++], 600, "vk_0000000000000001", "");
    snprintf(cases[n++], 600, "Basic !!!!");
    snprintf(cases[n++], 600, "Basic dmtfMDAwMDAwMDAwMDAwMDAwMg=="); /* no colon */
    snprintf(cases[n++], 600, "Digest username=x");
    snprintf(cases[n++], 600, "%s", "");
    vg_error_clear(&first);
    for (i = 0; i < n; i++) {
        memset(&a, 0x5a, sizeof(a));
        assert_int_equal(auth(fx, cases[i], 0, &a, &err), VG_AUTH);
        if (i == 0)
            first = err;
        assert_string_equal(err.msg, first.msg);
        assert_string_equal(err.field, first.field);
    }
    assert_int_equal(auth(fx, NULL, 0, &a, &err), VG_AUTH);
    assert_string_equal(err.msg, first.msg);
    memset(big, 'A', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    snprintf(h, sizeof(h), "Bearer %s", big);
    assert_int_equal(auth(fx, h, 0, &a, &err), VG_AUTH);
    assert_string_equal(err.msg, first.msg);
}

/* Revocation takes effect on the next request. */
static void test_revocation_is_immediate(void **state)
{
    struct fx *fx = *state;
    struct vg_auth a;
    struct vg_error err;
    char h[600];

    bearer(h, sizeof(h), fx->rw);
    assert_int_equal(auth(fx, h, 0, &a, &err), VG_OK);
    assert_int_equal(vg_store_key_revoke(fx->st, "vk_0000000000000001", &err), VG_OK);
    assert_int_equal(auth(fx, h, 0, &a, &err), VG_AUTH);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_valid_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scope, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failures_look_alike, setup, teardown),
        cmocka_unit_test_setup_teardown(test_revocation_is_immediate, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
