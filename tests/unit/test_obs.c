/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_obs.c - canonical observables, refanging, detection, STIX ids, UUIDs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "common/vtime.h"
#include "model/obs.h"
#include "model/uuid.h"

static void expect_obs(enum vg_obs_kind kind, const char *in, enum vg_obs_kind want_kind,
                       const char *want)
{
    struct vg_obs o;
    struct vg_error err;
    enum vg_rc rc = vg_obs_parse(kind, in, strlen(in), &o, &err);

    if (rc != VG_OK)
        fail_msg("'%s': %s", in, err.msg);
    assert_int_equal(o.kind, want_kind);
    assert_string_equal(o.value, want);
    assert_int_equal(o.len, strlen(want));
}

static void expect_bad(enum vg_obs_kind kind, const char *in)
{
    struct vg_obs o;
    struct vg_error err;

    o.kind = VG_OBS_NONE;
    if (vg_obs_parse(kind, in, strlen(in), &o, &err) == VG_OK)
        fail_msg("'%s' accepted as %s '%s'", in, vg_obs_kind_name(o.kind), o.value);
    assert_true(err.msg[0] != '\0');
}

static void test_stix_id_vectors(void **state)
{
    static const struct {
        enum vg_obs_kind kind;
        const char *value, *id;
    } v[] = {
        {VG_OBS_IPV4, "1.2.3.4", "ipv4-addr--0198f97b-e65d-5025-87e5-58bc39d4bdb4"},
        {VG_OBS_DOMAIN, "example.com", "domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7"},
        {VG_OBS_URL, "http://example.com/x", "url--5cfdfcec-13e5-535f-bc5c-b601d5839acb"},
        {VG_OBS_SHA256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
         "file--22f8ff52-8f62-5f03-a53a-6f50f54fd74c"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        struct vg_obs o;
        struct vg_error err;
        char id[VG_STIX_ID_MAX];

        assert_int_equal(vg_obs_parse(v[i].kind, v[i].value, strlen(v[i].value), &o, &err), VG_OK);
        vg_obs_stix_id(&o, id);
        assert_string_equal(id, v[i].id);
        assert_true(vg_stix_id_valid(id, strlen(id)));
    }
}

static void test_ipv4(void **state)
{
    (void)state;
    expect_obs(VG_OBS_IPV4, " 1.2.3.4\n", VG_OBS_IPV4, "1.2.3.4");
    expect_obs(VG_OBS_NONE, "1[.]2[.]3[.]4", VG_OBS_IPV4, "1.2.3.4");
    expect_obs(VG_OBS_NONE, "255.255.255.255", VG_OBS_IPV4, "255.255.255.255");
    expect_obs(VG_OBS_CIDR4, "10.1.2.3/8", VG_OBS_CIDR4, "10.0.0.0/8");
    expect_obs(VG_OBS_NONE, "192.168.0.0/16", VG_OBS_CIDR4, "192.168.0.0/16");
    expect_obs(VG_OBS_IPV4, "1.2.3.4/32", VG_OBS_IPV4, "1.2.3.4");
    expect_obs(VG_OBS_NONE, "0.0.0.0/0", VG_OBS_CIDR4, "0.0.0.0/0");
    expect_bad(VG_OBS_IPV4, "01.2.3.4");
    expect_bad(VG_OBS_IPV4, "256.1.1.1");
    expect_bad(VG_OBS_IPV4, "1.2.3");
    expect_bad(VG_OBS_IPV4, "1.2.3.4.5");
    expect_bad(VG_OBS_IPV4, "1.2.3.4/33");
    expect_bad(VG_OBS_IPV4, "1.2.3.4/");
    expect_bad(VG_OBS_CIDR4, "1.2.3.4");
    expect_bad(VG_OBS_IPV4, "1.2.3.-4");
}

static void test_ipv6(void **state)
{
    (void)state;
    expect_obs(VG_OBS_NONE, "2001:DB8:0:0:0:0:0:1", VG_OBS_IPV6, "2001:db8::1");
    expect_obs(VG_OBS_IPV6, "2001:db8:0:1:1:1:1:1", VG_OBS_IPV6, "2001:db8:0:1:1:1:1:1");
    expect_obs(VG_OBS_NONE, "::ffff:1.2.3.4", VG_OBS_IPV6, "::ffff:1.2.3.4");
    expect_obs(VG_OBS_NONE, "2001:db8::1/32", VG_OBS_CIDR6, "2001:db8::/32");
    expect_obs(VG_OBS_NONE, "2001[:]db8[:][:]1", VG_OBS_IPV6, "2001:db8::1");
    expect_obs(VG_OBS_IPV6, "::1/128", VG_OBS_IPV6, "::1");
    expect_bad(VG_OBS_IPV6, "fe80::1%eth0");
    expect_bad(VG_OBS_IPV6, "2001:db8:::1");
    expect_bad(VG_OBS_IPV6, "1.2.3.4");
    expect_bad(VG_OBS_NONE, "12:30:00");
}

static void test_domain(void **state)
{
    (void)state;
    expect_obs(VG_OBS_NONE, "Evil.Example.COM.", VG_OBS_DOMAIN, "evil.example.com");
    expect_obs(VG_OBS_NONE, "fxpae.com", VG_OBS_DOMAIN, "fxpae.com");
    expect_obs(VG_OBS_NONE, "hxxpdomain.net", VG_OBS_DOMAIN, "hxxpdomain.net");
    expect_obs(VG_OBS_NONE, "fxp://files.example.org/a", VG_OBS_URL, "ftp://files.example.org/a");
    expect_obs(VG_OBS_NONE, "hxxps[://]evil.example.com", VG_OBS_URL, "https://evil.example.com/");
    expect_obs(VG_OBS_NONE, "hxxps:/[/]vc.example.com:2", VG_OBS_URL,
               "https://vc.example.com:2/"); /* found by fuzzing */
    expect_obs(VG_OBS_NONE, "evil[.]example[.]com", VG_OBS_DOMAIN, "evil.example.com");
    expect_obs(VG_OBS_NONE, "bücher.de", VG_OBS_DOMAIN, "xn--bcher-kva.de");
    expect_obs(VG_OBS_DOMAIN, "BÜCHER.example", VG_OBS_DOMAIN, "xn--bcher-kva.example");
    expect_obs(VG_OBS_NONE, "xn--80ak6aa92e.com", VG_OBS_DOMAIN, "xn--80ak6aa92e.com");
    expect_obs(VG_OBS_NONE, "c2.evil.co.uk", VG_OBS_DOMAIN, "c2.evil.co.uk");
    expect_obs(VG_OBS_DOMAIN, "invoice.zip", VG_OBS_DOMAIN, "invoice.zip");
    expect_obs(VG_OBS_NONE, "cp-4.hkdns.co.za", VG_OBS_DOMAIN, "cp-4.hkdns.co.za");
    expect_obs(VG_OBS_NONE, "docusign.bit", VG_OBS_DOMAIN, "docusign.bit");
    expect_obs(VG_OBS_NONE, "duskgytldkxiuqc6.onion", VG_OBS_DOMAIN, "duskgytldkxiuqc6.onion");
    expect_bad(VG_OBS_DOMAIN, "-bad.com");
    expect_bad(VG_OBS_DOMAIN, "bad-.com");
    expect_bad(VG_OBS_DOMAIN, "a..com");
    expect_bad(VG_OBS_DOMAIN, "localhost");
    expect_bad(VG_OBS_DOMAIN, "has space.com");
    expect_bad(VG_OBS_DOMAIN,
               "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com");
    expect_bad(VG_OBS_DOMAIN, "\xff\xfe.com");
}

static void test_no_false_detection(void **state)
{
    static const char *const notobs[] = {
        "1.2.3",      "1.2.3.4.5",   "2024.01.15", "10.0.19045",   "15.01.2024",
        "v1.2.3",     "setup.exe",   "report.pdf", "kernel32.dll", "image.png",
        "README.txt", "invoice.zip", "setup.py",   "install.sh",   "12:30:45",
        "3.14",       "hello",       "a.b",        "1.2.3.4:80:",  "foo bar.com",
        "",           "   ",         "@",          "x@",
    };
    size_t i;
    struct vg_obs o;
    struct vg_error err;

    (void)state;
    for (i = 0; i < sizeof(notobs) / sizeof(notobs[0]); i++)
        expect_bad(VG_OBS_NONE, notobs[i]);
    /* An indicator list means what it says. */
    assert_int_equal(vg_obs_parse_ex(VG_OBS_NONE, VG_OBS_F_LIST, "invoice.zip", 11, &o, &err),
                     VG_OK);
    assert_int_equal(o.kind, VG_OBS_DOMAIN);
}

static void test_url(void **state)
{
    (void)state;
    expect_obs(VG_OBS_NONE, "hxxp://Evil[.]Example.COM", VG_OBS_URL, "http://evil.example.com/");
    expect_obs(VG_OBS_NONE, "HTTPS://evil.example.com:443/a/B?q=1#frag", VG_OBS_URL,
               "https://evil.example.com/a/B?q=1");
    expect_obs(VG_OBS_NONE, "http://1.2.3.4:8080/gate.php", VG_OBS_URL,
               "http://1.2.3.4:8080/gate.php");
    expect_obs(VG_OBS_NONE, "evil.example.com/gate.php", VG_OBS_URL,
               "http://evil.example.com/gate.php");
    expect_obs(VG_OBS_NONE, "1.2.3.4:8080/x", VG_OBS_URL, "http://1.2.3.4:8080/x");
    expect_obs(VG_OBS_NONE, "109.248.148.42/agr-enum/cube.php", VG_OBS_URL,
               "http://109.248.148.42/agr-enum/cube.php");
    expect_obs(VG_OBS_NONE, "111.90.149.143/cfg/", VG_OBS_URL, "http://111.90.149.143/cfg/");
    expect_obs(VG_OBS_NONE, "turbo-services.com/C:/hE1eMB/", VG_OBS_URL,
               "http://turbo-services.com/C:/hE1eMB/");
    expect_obs(VG_OBS_NONE, "amazingkanye.geek", VG_OBS_DOMAIN, "amazingkanye.geek");
    expect_obs(VG_OBS_URL, "http://[2001:DB8::1]:80/", VG_OBS_URL, "http://[2001:db8::1]/");
    expect_obs(VG_OBS_URL, "ftp://user@files.example.org/x", VG_OBS_URL,
               "ftp://user@files.example.org/x");
    expect_obs(VG_OBS_URL, "http://bücher.de/ä", VG_OBS_URL, "http://xn--bcher-kva.de/ä");
    expect_bad(VG_OBS_URL, "http://");
    expect_bad(VG_OBS_URL, "http://evil.com:99999/");
    expect_bad(VG_OBS_URL, "http://evil .com/");
    expect_bad(VG_OBS_URL, "http://:80/");
}

static void test_email_and_hashes(void **state)
{
    (void)state;
    expect_obs(VG_OBS_NONE, "John.Doe@Example.COM", VG_OBS_EMAIL, "John.Doe@example.com");
    expect_obs(VG_OBS_NONE, "phish[at]evil[.]com", VG_OBS_EMAIL, "phish@evil.com");
    expect_bad(VG_OBS_EMAIL, "a@b@c.com");
    expect_bad(VG_OBS_EMAIL, "nobody");
    expect_bad(VG_OBS_EMAIL, "<a@b.com>");
    expect_obs(VG_OBS_NONE, "D41D8CD98F00B204E9800998ECF8427E", VG_OBS_MD5,
               "d41d8cd98f00b204e9800998ecf8427e");
    expect_obs(VG_OBS_NONE, "da39a3ee5e6b4b0d3255bfef95601890afd80709", VG_OBS_SHA1,
               "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    expect_obs(VG_OBS_SHA256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
               VG_OBS_SHA256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect_bad(VG_OBS_MD5, "d41d8cd98f00b204e9800998ecf8427");
    expect_bad(VG_OBS_SHA1, "d41d8cd98f00b204e9800998ecf8427e");
    expect_bad(VG_OBS_MD5, "g41d8cd98f00b204e9800998ecf8427e");
}

static void test_limits_and_names(void **state)
{
    char big[VG_OBS_VALUE_MAX + 10];
    struct vg_obs o;
    struct vg_error err;
    char out[8];

    (void)state;
    memset(big, 'a', sizeof(big));
    assert_int_equal(vg_obs_parse(VG_OBS_NONE, big, sizeof(big), &o, &err), VG_LIMIT);
    assert_int_equal(vg_obs_parse(VG_OBS_IPV4, "1.2.3.4\0x", 9, &o, &err), VG_INVALID);
    assert_int_equal(vg_obs_refang("a[.]b[.]com", 11, out, sizeof(out)), 7);
    assert_string_equal(out, "a.b.com");
    assert_int_equal(vg_obs_refang("a[.]b[.]comm", 12, out, sizeof(out)), (size_t)-1);
    assert_int_equal(vg_obs_kind_from_name("SHA-256"), VG_OBS_SHA256);
    assert_int_equal(vg_obs_kind_from_name("domain-name"), VG_OBS_DOMAIN);
    assert_int_equal(vg_obs_kind_from_name("ipv4-cidr"), VG_OBS_CIDR4);
    assert_int_equal(vg_obs_kind_from_name("nonsense"), VG_OBS_NONE);
    assert_string_equal(vg_obs_stix_type(VG_OBS_CIDR6), "ipv6-addr");
    assert_string_equal(vg_obs_hash_algo(VG_OBS_SHA1), "SHA-1");
}

static void test_uuid(void **state)
{
    char a[VG_UUID_TEXT_LEN + 1], b[VG_UUID_TEXT_LEN + 1], id[64];

    (void)state;
    assert_int_equal(vg_uuid4(a), VG_OK);
    assert_int_equal(vg_uuid4(b), VG_OK);
    assert_string_not_equal(a, b);
    assert_int_equal(a[14], '4');
    snprintf(id, sizeof(id), "indicator--%s", a);
    assert_true(vg_stix_id_valid(id, strlen(id)));
    assert_true(vg_stix_id_valid("indicator--8E2E2D2B-17D4-4CBF-938F-98EE46B3CD3F", 47));
    assert_false(vg_stix_id_valid("indicator--8e2e2d2b-17d4-0cbf-938f-98ee46b3cd3f", 47));
    assert_false(vg_stix_id_valid("indicator--8e2e2d2b-17d4-4cbf-738f-98ee46b3cd3f", 47));
    assert_false(vg_stix_id_valid("Indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", 47));
    assert_false(vg_stix_id_valid("indicator-8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", 46));
    assert_false(vg_stix_id_valid("--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", 38));
    assert_true(vg_stix_id_valid("x-acme-thing--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", 50));
}

/* Timestamps are written by arithmetic (no gmtime_r and its lock): the
 * same text as gmtime_r gives, over leap days, century rules, the epoch and
 * negative times, and parsed back to the same microseconds. */
static void test_time_format(void **state_unused)
{
    static const int64_t fixed[] = {
        0,
        -1,
        1,
        86399999999,
        86400000000,
        -86400000000,
        951782400000000 /* 2000-02-29 */,
        951868800000000 /* 2000-03-01 */,
        4107542400000000 /* 2100-03-01 */,
        -2208988800000000 /* 1900-01-01 */,
        253402300799999999 /* 9999-12-31T23:59:59 */,
        1798761600123456 /* 2027-01-01 */,
        -62135596800000000 /* 0001-01-01 */,
    };
    uint64_t x = 88172645463325252ull;
    size_t i;

    (void)state_unused;
    for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]) + 200000; i++) {
        int64_t us;
        char mine[VG_TIME_TEXT_MAX], ref[64];
        struct tm tm;
        time_t t;
        int64_t back = 0, secs, frac;

        if (i < sizeof(fixed) / sizeof(fixed[0])) {
            us = fixed[i];
        } else { /* xorshift: years 1 to 9999 */
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            us = (int64_t)(x % 315537897600000000ull) - 62135596800000000;
        }
        vg_time_format_us(us, mine);
        secs = us / 1000000;
        frac = us % 1000000;
        if (frac < 0) {
            frac += 1000000;
            secs--;
        }
        t = (time_t)secs;
        assert_non_null(gmtime_r(&t, &tm));
        snprintf(ref, sizeof(ref), "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)frac);
        assert_string_equal(mine, ref);
        if (us >= 0) {
            assert_int_equal(vg_time_parse(mine, strlen(mine), &back), VG_OK);
            assert_int_equal(back, us);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stix_id_vectors),
        cmocka_unit_test(test_ipv4),
        cmocka_unit_test(test_ipv6),
        cmocka_unit_test(test_domain),
        cmocka_unit_test(test_no_false_detection),
        cmocka_unit_test(test_url),
        cmocka_unit_test(test_email_and_hashes),
        cmocka_unit_test(test_limits_and_names),
        cmocka_unit_test(test_uuid),
        cmocka_unit_test(test_time_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
