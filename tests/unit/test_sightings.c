/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_sightings.c - the sightings batch parser (src/codec/sightings.h):
 * a table of bodies with the code and the member or message they must give,
 * hostile ones included (truncated, deeply nested, mis-encoded, wrong
 * types, oversized), and the exact limit of VG_SIGHTINGS_BATCH_MAX entries.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "codec/sightings.h"
#include "common/buf.h"

static const struct {
    const char *body;
    enum vg_rc rc;
    const char *msg; /* a substring of the message, or NULL */
} cases[] = {
    {"{\"sightings\":[]}", VG_OK, NULL},
    {"{\"tlp\":\"RED\",\"sightings\":[{\"value\":\"evil[.]com\"}]}", VG_OK, NULL},
    {"{\"sightings\":[{\"value\":\"a.com\",\"count\":999999999,\"first_seen\":"
     "\"2024-01-01T00:00:00Z\",\"last_seen\":\"2024-01-01T00:00:00Z\"}]}",
     VG_OK, NULL},
    {"", VG_INVALID, "not JSON"},
    {"{\"sightings\":[{\"value\":\"a.com\"", VG_INVALID, "not JSON"},
    {"{\"sightings\":[{\"value\":\"a\\u0000b\"}]}", VG_INVALID, "not JSON"},
    {"{\"sightings\":[{\"value\":\"\xff\xfe\"}]}", VG_INVALID, "not JSON"},
    {"{\"sightings\":[],\"sightings\":[]}", VG_INVALID, "not JSON"},
    {"[]", VG_INVALID, "JSON object"},
    {"{\"sighting\":[]}", VG_INVALID, "unknown member 'sighting'"},
    {"{}", VG_INVALID, "'sightings' must be an array"},
    {"{\"sightings\":{}}", VG_INVALID, "'sightings' must be an array"},
    {"{\"sightings\":[\"a.com\"]}", VG_INVALID, "sightings[0] must be an object"},
    {"{\"sightings\":[{\"value\":\"a.com\"},{\"value\":7}]}", VG_INVALID, "sightings[1].value"},
    {"{\"sightings\":[{\"value\":\"\"}]}", VG_INVALID, "sightings[0].value"},
    {"{\"sightings\":[{\"value\":\"a.com\",\"count\":\"3\"}]}", VG_INVALID, "sightings[0].count"},
    {"{\"sightings\":[{\"value\":\"a.com\",\"count\":0}]}", VG_INVALID, "sightings[0].count"},
    {"{\"sightings\":[{\"value\":\"a.com\",\"count\":1000000000}]}", VG_INVALID, ".count"},
    {"{\"sightings\":[{\"value\":\"a.com\",\"count\":1.5}]}", VG_INVALID, ".count"},
    {"{\"sightings\":[{\"value\":\"a.com\",\"first_seen\":\"yesterday\"}]}", VG_INVALID,
     "sightings[0].first_seen"},
    {"{\"sightings\":[{\"value\":\"a.com\",\"last_seen\":5}]}", VG_INVALID, ".last_seen"},
    {"{\"sightings\":[{\"value\":\"a.com\",\"first_seen\":\"2024-01-02T00:00:00Z\","
     "\"last_seen\":\"2024-01-01T00:00:00Z\"}]}",
     VG_INVALID, "before its first_seen"},
    {"{\"sightings\":[{\"value\":\"a.com\",\"colour\":\"red\"}]}", VG_INVALID, "'colour'"},
    {"{\"tlp\":\"purple\",\"sightings\":[]}", VG_INVALID, "tlp must be"},
    {"{\"tlp\":1,\"sightings\":[]}", VG_INVALID, "tlp must be"},
};

static void test_table(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct vg_sighting_batch b;
        struct vg_error err;
        enum vg_rc rc;

        vg_error_clear(&err);
        rc = vg_sightings_parse(cases[i].body, strlen(cases[i].body), &b, &err);
        if (rc != cases[i].rc || (cases[i].msg && strstr(err.msg, cases[i].msg) == NULL))
            fail_msg("case %zu (%s): rc %d (%s), expected %d (%s)", i, cases[i].body, rc, err.msg,
                     cases[i].rc, cases[i].msg ? cases[i].msg : "");
        if (rc != VG_OK)
            assert_null(b.doc);
        vg_sightings_cleanup(&b);
    }
}

static void test_values(void **state)
{
    static const char body[] = "{\"tlp\":\"amber+strict\",\"sightings\":[{\"value\":\"evil[.]com\","
                               "\"count\":3,\"first_seen\":\"2024-01-01T00:00:00Z\"},"
                               "{\"value\":\"198.51.100.7\"}]}";
    struct vg_sighting_batch b;
    struct vg_error err;

    (void)state;
    assert_int_equal(vg_sightings_parse(body, sizeof(body) - 1, &b, &err), VG_OK);
    assert_int_equal(b.n, 2);
    assert_true(b.has_tlp);
    assert_int_equal(b.tlp, VG_TLP_AMBER_STRICT);
    assert_int_equal(b.items[0].len, 10);
    assert_memory_equal(b.items[0].value, "evil[.]com", 10);
    assert_int_equal(b.items[0].count, 3);
    assert_int_equal(b.items[0].first_seen_us, 1704067200000000LL);
    assert_int_equal(b.items[0].last_seen_us, 0);
    assert_int_equal(b.items[1].count, 1);
    vg_sightings_cleanup(&b);
    vg_sightings_cleanup(NULL);
}

/* Deep nesting is refused by the JSON parser, not by a crash. */
static void test_deep(void **state)
{
    struct vg_buf body;
    struct vg_sighting_batch b;
    struct vg_error err;
    int i;

    (void)state;
    vg_buf_init(&body, 0);
    assert_int_equal(vg_buf_puts(&body, "{\"sightings\":"), VG_OK);
    for (i = 0; i < 100000; i++)
        assert_int_equal(vg_buf_putc(&body, '['), VG_OK);
    for (i = 0; i < 100000; i++)
        assert_int_equal(vg_buf_putc(&body, ']'), VG_OK);
    assert_int_equal(vg_buf_putc(&body, '}'), VG_OK);
    assert_int_equal(vg_sightings_parse(body.data, body.len, &b, &err), VG_INVALID);
    vg_buf_cleanup(&body);
}

/* Exactly the limit passes; one more is VG_LIMIT. */
static void test_limit(void **state)
{
    struct vg_buf body;
    struct vg_sighting_batch b;
    struct vg_error err;
    int n;

    (void)state;
    for (n = VG_SIGHTINGS_BATCH_MAX; n <= VG_SIGHTINGS_BATCH_MAX + 1; n++) {
        int i;

        vg_buf_init(&body, 0);
        assert_int_equal(vg_buf_puts(&body, "{\"sightings\":["), VG_OK);
        for (i = 0; i < n; i++)
            assert_int_equal(vg_buf_printf(&body, "%s{\"value\":\"10.0.%d.%d\"}", i ? "," : "",
                                           i / 256 % 256, i % 256),
                             VG_OK);
        assert_int_equal(vg_buf_puts(&body, "]}"), VG_OK);
        vg_error_clear(&err);
        assert_int_equal(vg_sightings_parse(body.data, body.len, &b, &err),
                         n == VG_SIGHTINGS_BATCH_MAX ? VG_OK : VG_LIMIT);
        if (n == VG_SIGHTINGS_BATCH_MAX)
            assert_int_equal(b.n, (size_t)n);
        vg_sightings_cleanup(&b);
        vg_buf_cleanup(&body);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_deep),
        cmocka_unit_test(test_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
