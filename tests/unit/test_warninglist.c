/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_warninglist.c - MISP warning lists: each list type matches as MISP
 * says (string exact, hostname and its parents, cidr containment in IPv4 and
 * IPv6, substring, PHP-style regex), matching_attributes decide the kinds a
 * list applies to, near misses do not match, and hostile list.json documents
 * (truncated, not a list, mis-typed, mis-encoded, deeply nested, oversized)
 * are refused with the set unchanged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "warninglist/warninglist.h"

static void add_ok(struct vg_wl_set *s, const char *json)
{
    struct vg_error err;

    vg_error_clear(&err);
    if (vg_wl_set_add(s, json, strlen(json), &err) != VG_OK)
        fail_msg("add: %s: %s", err.field, err.msg);
}

/* The names of the lists (kind, value) is on, "name\n" each. */
static char *on(const struct vg_wl_set *s, enum vg_obs_kind kind, const char *value)
{
    static char out[4096];
    struct vg_buf b;

    vg_buf_init(&b, 0);
    assert_true(vg_wl_names(s, kind, value, strlen(value), &b) >= 0);
    snprintf(out, sizeof(out), "%s", b.data ? b.data : "");
    vg_buf_cleanup(&b);
    return out;
}

static void test_types(void **state)
{
    struct vg_wl_set *s = vg_wl_set_new();

    (void)state;
    add_ok(s, "{\"name\":\"hosts\",\"version\":3,\"type\":\"hostname\","
              "\"matching_attributes\":[\"hostname\",\"domain\",\"url\"],"
              "\"list\":[\".Example.org\",\"*.cdn.test\",\"b\\u00fccher.example\",\"\"]}");
    add_ok(s, "{\"name\":\"strings\",\"version\":\"20240101\",\"type\":\"string\","
              "\"matching_attributes\":[\"domain\",\"md5\",\"ip-dst\"],"
              "\"list\":[\"top.test\",\"D41D8CD98F00B204E9800998ECF8427E\","
              "\"2001:0db8:0:0:0:0:0:1\"]}");
    add_ok(s, "{\"name\":\"nets\",\"type\":\"cidr\",\"matching_attributes\":[\"ip-src\"],"
              "\"list\":[\"10.0.0.0/8\",\"192.0.2.77\",\"198.51.100.130/25\",\"2001:db8::/32\","
              "\"not-an-address\",\"10.0.0.0/33\"]}");
    add_ok(s, "{\"name\":\"subs\",\"type\":\"substring\",\"matching_attributes\":"
              "[\"email-src\",\"domain|ip\"],\"list\":[\"mailinator.com\",\"sandbox\"]}");
    add_ok(s, "{\"name\":\"regex\",\"type\":\"regex\",\"matching_attributes\":[\"email-dst\"],"
              "\"list\":[\"/^(abuse|noc)@/i\",\"/[unclosed/\"]}");
    assert_int_equal(vg_wl_set_count(s), 5);
    assert_int_equal(vg_wl_set_info(s, 0)->entries, 3); /* "" can never match */
    assert_int_equal(vg_wl_set_info(s, 0)->ignored, 1);
    assert_string_equal(vg_wl_set_info(s, 0)->version, "3");
    assert_int_equal(vg_wl_set_info(s, 2)->ignored, 2);
    assert_int_equal(vg_wl_set_info(s, 4)->ignored, 1);

    /* hostname: the value or a parent; a URL's host; never a near miss */
    assert_string_equal(on(s, VG_OBS_DOMAIN, "example.org"), "hosts\n");
    assert_string_equal(on(s, VG_OBS_DOMAIN, "a.b.example.org"), "hosts\n");
    assert_string_equal(on(s, VG_OBS_DOMAIN, "x.cdn.test"), "hosts\n");
    assert_string_equal(on(s, VG_OBS_DOMAIN, "xn--bcher-kva.example"), "hosts\n");
    assert_string_equal(on(s, VG_OBS_URL, "https://www.example.org:8443/path"), "hosts\n");
    assert_string_equal(on(s, VG_OBS_DOMAIN, "notexample.org"), "");
    assert_string_equal(on(s, VG_OBS_DOMAIN, "example.org.evil.test"), "");
    assert_string_equal(on(s, VG_OBS_EMAIL, "x@example.org"), ""); /* not its kind */

    /* string: exact, entries canonicalised like values */
    assert_string_equal(on(s, VG_OBS_DOMAIN, "top.test"), "strings\n");
    assert_string_equal(on(s, VG_OBS_DOMAIN, "www.top.test"), "");
    assert_string_equal(on(s, VG_OBS_MD5, "d41d8cd98f00b204e9800998ecf8427e"), "strings\n");
    assert_string_equal(on(s, VG_OBS_IPV6, "2001:db8::1"), "strings\nnets\n");
    assert_string_equal(on(s, VG_OBS_SHA1, "top.test"), ""); /* a kind the list does not name */

    /* cidr: containment, IPv4 and IPv6, ranges inside ranges, mapped IPv4 */
    assert_string_equal(on(s, VG_OBS_IPV4, "10.200.3.4"), "nets\n");
    assert_string_equal(on(s, VG_OBS_IPV4, "192.0.2.77"), "nets\n");
    assert_string_equal(on(s, VG_OBS_IPV4, "192.0.2.78"), "");
    assert_string_equal(on(s, VG_OBS_IPV4, "198.51.100.200"), "nets\n");
    assert_string_equal(on(s, VG_OBS_IPV4, "198.51.100.100"), "");
    assert_string_equal(on(s, VG_OBS_IPV4, "11.0.0.1"), "");
    assert_string_equal(on(s, VG_OBS_CIDR4, "10.1.0.0/16"), "nets\n");
    assert_string_equal(on(s, VG_OBS_CIDR4, "10.0.0.0/7"), ""); /* wider than the entry */
    assert_string_equal(on(s, VG_OBS_IPV6, "2001:db8:ffff::5"), "nets\n");
    assert_string_equal(on(s, VG_OBS_IPV6, "2001:db9::5"), "");
    assert_string_equal(on(s, VG_OBS_IPV6, "::ffff:10.9.8.7"), "nets\n");

    /* substring: anywhere in the value, for the kinds named */
    assert_string_equal(on(s, VG_OBS_EMAIL, "bob@mailinator.com"), "subs\n");
    assert_string_equal(on(s, VG_OBS_DOMAIN, "x.sandbox.test"), "subs\n");
    assert_string_equal(on(s, VG_OBS_DOMAIN, "mailinator.co"), "");
    assert_string_equal(on(s, VG_OBS_URL, "http://sandbox.test/"), "");

    /* regex: PHP delimiters and flags */
    assert_string_equal(on(s, VG_OBS_EMAIL, "ABUSE@corp.test"), "regex\n");
    assert_string_equal(on(s, VG_OBS_EMAIL, "ceo@corp.test"), "");
    assert_string_equal(on(s, VG_OBS_EMAIL, "noc@mailinator.com"), "subs\nregex\n");
    vg_wl_set_free(s);
}

/* Without matching_attributes a list applies to every kind (MISP). */
static void test_all_kinds(void **state)
{
    struct vg_wl_set *s = vg_wl_set_new();
    uint32_t idx[4];

    (void)state;
    add_ok(s, "{\"name\":\"any\",\"list\":[\"8.8.8.8\",\"evil.test\"]}"); /* type: string */
    assert_int_equal(vg_wl_match(s, VG_OBS_IPV4, "8.8.8.8", 7, idx, 4), 1);
    assert_int_equal(idx[0], 0);
    assert_int_equal(vg_wl_match(s, VG_OBS_DOMAIN, "evil.test", 9, idx, 4), 1);
    assert_int_equal(vg_wl_match(s, VG_OBS_DOMAIN, "a.evil.test", 11, idx, 4), 0);
    assert_int_equal(vg_wl_match(NULL, VG_OBS_DOMAIN, "evil.test", 9, idx, 4), 0);
    vg_wl_set_free(s);
}

/* Many lists sharing keys, substrings of many lengths: every list is named. */
static void test_shared_keys(void **state)
{
    struct vg_wl_set *s = vg_wl_set_new();
    char json[256];
    uint32_t idx[100];
    int i;

    (void)state;
    for (i = 0; i < 70; i++) {
        snprintf(json, sizeof(json),
                 "{\"name\":\"l%02d\",\"type\":\"%s\",\"list\":[\"shared.test\",\"%.*s\"]}", i,
                 i % 2 ? "string" : "substring", i % 20 + 1, "abcdefghijklmnopqrstuvwxyz");
        add_ok(s, json);
    }
    /* every list holds "shared.test" (substring lists by containment) */
    assert_int_equal(vg_wl_match(s, VG_OBS_DOMAIN, "shared.test", 11, idx, 100), 70);
    for (i = 0; i < 70; i++)
        assert_int_equal(idx[i], i);
    /* "abcdefghij.test" contains the substrings of length 1 to 10 */
    assert_int_equal(vg_wl_match(s, VG_OBS_DOMAIN, "abcdefghij.test", 15, idx, 100), 20);
    vg_wl_set_free(s);
}

static void refused(const char *json, size_t len, enum vg_rc want, const char *field)
{
    struct vg_wl_set *s = vg_wl_set_new();
    struct vg_error err;

    add_ok(s, "{\"name\":\"first\",\"list\":[\"a.test\"]}");
    vg_error_clear(&err);
    assert_int_equal(vg_wl_set_add(s, json, len, &err), want);
    if (field)
        assert_string_equal(err.field, field);
    assert_int_equal(vg_wl_set_count(s), 1); /* unchanged */
    assert_string_equal(on(s, VG_OBS_DOMAIN, "a.test"), "first\n");
    vg_wl_set_free(s);
}

#define REFUSED(text, want, field) refused(text, strlen(text), want, field)

static void test_hostile(void **state)
{
    static const char ok[] = "{\"name\":\"x\",\"type\":\"string\",\"list\":[\"a\"]}";
    char *deep, *big;
    size_t i, n = 100000;

    (void)state;
    for (i = 0; i + 1 < sizeof(ok) - 1; i++) /* every truncation */
        refused(ok, i, VG_INVALID, NULL);
    REFUSED("[]", VG_INVALID, NULL);
    REFUSED("{\"list\":[\"a\"]}", VG_INVALID, "name");
    REFUSED("{\"name\":\"\",\"list\":[\"a\"]}", VG_INVALID, "name");
    REFUSED("{\"name\":\"a\\nb\",\"list\":[\"a\"]}", VG_INVALID, "name");
    REFUSED("{\"name\":7,\"list\":[\"a\"]}", VG_INVALID, "name");
    REFUSED("{\"name\":\"x\"}", VG_INVALID, "list");
    REFUSED("{\"name\":\"x\",\"list\":{}}", VG_INVALID, "list");
    REFUSED("{\"name\":\"x\",\"list\":[\"a\",1]}", VG_INVALID, "list");
    REFUSED("{\"name\":\"x\",\"list\":[[\"a\"]]}", VG_INVALID, "list");
    REFUSED("{\"name\":\"x\",\"type\":\"glob\",\"list\":[]}", VG_INVALID, "type");
    REFUSED("{\"name\":\"x\",\"version\":[1],\"list\":[]}", VG_INVALID, "version");
    REFUSED("{\"name\":\"x\",\"matching_attributes\":\"ip-src\",\"list\":[]}", VG_INVALID,
            "matching_attributes");
    REFUSED("{\"name\":\"x\",\"matching_attributes\":[1],\"list\":[]}", VG_INVALID,
            "matching_attributes");
    REFUSED("{\"name\":\"x\",\"name\":\"y\",\"list\":[]}", VG_INVALID, NULL); /* duplicate key */
    REFUSED("{\"name\":\"x\\u0000\",\"list\":[]}", VG_INVALID, NULL);
    REFUSED("{\"name\":\"\xc3\x28\",\"list\":[]}", VG_INVALID, NULL);     /* invalid UTF-8 */
    REFUSED("{\"name\":\"\xed\xa0\x80\",\"list\":[]}", VG_INVALID, NULL); /* a surrogate */
    REFUSED("{\"name\":\"first\",\"list\":[]}", VG_CONFLICT, "name");
    /* oversized: refused on its length, before a byte is read */
    refused(ok, (size_t)VG_WL_DOC_MAX + 1, VG_LIMIT, NULL);
    big = malloc(VG_WL_NAME_MAX + 64);
    assert_non_null(big);
    i = (size_t)snprintf(big, 32, "{\"name\":\"");
    memset(big + i, 'n', VG_WL_NAME_MAX + 1);
    snprintf(big + i + VG_WL_NAME_MAX + 1, 32, "\",\"list\":[]}");
    REFUSED(big, VG_LIMIT, "name");
    free(big);
    /* deeply nested, where the list should be */
    deep = malloc(2 * n + 64);
    assert_non_null(deep);
    i = (size_t)snprintf(deep, 64, "{\"name\":\"x\",\"list\":");
    memset(deep + i, '[', n);
    memset(deep + i + n, ']', n);
    snprintf(deep + i + 2 * n, 8, "}");
    REFUSED(deep, VG_INVALID, NULL);
    free(deep);
}

/* A value longer than any entry, values of every kind against every type. */
static void test_edges(void **state)
{
    struct vg_wl_set *s = vg_wl_set_new();
    char *longv = malloc(VG_OBS_VALUE_MAX + 1);
    int k;

    (void)state;
    add_ok(s, "{\"name\":\"h\",\"type\":\"hostname\",\"list\":[\"a.test\"]}");
    add_ok(s, "{\"name\":\"c\",\"type\":\"cidr\",\"list\":[\"0.0.0.0/0\",\"::/0\"]}");
    add_ok(s, "{\"name\":\"s\",\"type\":\"substring\",\"list\":[\"a\"]}");
    add_ok(s, "{\"name\":\"r\",\"type\":\"regex\",\"list\":[\"^.{2000}\"]}");
    memset(longv, 'a', VG_OBS_VALUE_MAX);
    longv[VG_OBS_VALUE_MAX] = '\0';
    assert_string_equal(on(s, VG_OBS_URL, longv), "s\nr\n");
    for (k = 0; k < VG_OBS_KIND_COUNT; k++) {
        uint32_t idx[8];

        (void)vg_wl_match(s, (enum vg_obs_kind)k, "", 0, idx, 8);
        (void)vg_wl_match(s, (enum vg_obs_kind)k, "http://[::1", 11, idx, 8);
        (void)vg_wl_match(s, (enum vg_obs_kind)k, "1.2.3.4/99", 10, idx, 8);
    }
    assert_string_equal(on(s, VG_OBS_IPV4, "203.0.113.9"), "c\n");
    assert_string_equal(on(s, VG_OBS_CIDR6, "2001:db8::/32"), "c\n");
    free(longv);
    vg_wl_set_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_types),       cmocka_unit_test(test_all_kinds),
        cmocka_unit_test(test_shared_keys), cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_edges),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
