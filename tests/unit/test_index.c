/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_index.c - the compiled observable index: each rule (exact, subdomain,
 * in-range with nested ranges, url-host), merged context (corroboration,
 * TLP, label, reference), and a hostile file: every byte flipped, truncated
 * at every section boundary, another format version, sections pointing
 * outside the file - each rejected with a clear error, never read out of
 * bounds (the suite also runs under AddressSanitizer).
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

#include "index/format.h"
#include "index/index.h"

struct item {
    enum vg_obs_kind kind;
    const char *value, *label;
    enum vg_tlp tlp;
    int64_t org;
    const char *ref;
};

static const struct item items[] = {
    {VG_OBS_DOMAIN, "evil.com", "emotet", VG_TLP_AMBER, 1,
     "indicator--11111111-2222-4333-8444-555555555555"},
    {VG_OBS_DOMAIN, "evil.com", "emotet-2", VG_TLP_GREEN, 2, NULL},
    {VG_OBS_DOMAIN, "evil.com", NULL, VG_TLP_AMBER, 2, NULL},
    {VG_OBS_DOMAIN, "deep.sub.evil.com", "deep", VG_TLP_CLEAR, 3, NULL},
    {VG_OBS_DOMAIN, "co.uk", NULL, VG_TLP_CLEAR, 1, NULL},
    {VG_OBS_IPV4, "1.2.3.4", NULL, VG_TLP_CLEAR, 1, NULL},
    {VG_OBS_CIDR4, "10.0.0.0/8", "wide", VG_TLP_CLEAR, 1, NULL},
    {VG_OBS_CIDR4, "10.1.0.0/16", "mid", VG_TLP_CLEAR, 1, NULL},
    {VG_OBS_CIDR4, "10.1.2.0/24", "narrow", VG_TLP_CLEAR, 1, NULL},
    {VG_OBS_CIDR4, "10.3.0.0/16", "other", VG_TLP_CLEAR, 1, NULL},
    {VG_OBS_CIDR4, "255.255.255.0/24", "top", VG_TLP_CLEAR, 1, NULL},
    {VG_OBS_CIDR4, "0.0.0.0/32", "zero", VG_TLP_CLEAR, 1, NULL},
    /* without labels, these values sit back to back in the arena */
    {VG_OBS_CIDR4, "100.64.0.0/10", NULL, VG_TLP_CLEAR, 1, NULL},
    {VG_OBS_CIDR4, "100.64.1.0/24", NULL, VG_TLP_CLEAR, 1, NULL},
    {VG_OBS_IPV6, "2001:db8::1", NULL, VG_TLP_CLEAR, 1, NULL},
    {VG_OBS_CIDR6, "2001:db8:1::/48", "v6", VG_TLP_CLEAR, 1, NULL},
    {VG_OBS_CIDR6, "2001:db8:1:2::/64", "v6narrow", VG_TLP_CLEAR, 1, NULL},
    {VG_OBS_URL, "http://dropper.org/a.bin", "dropper", VG_TLP_CLEAR, 1, NULL},
    {VG_OBS_URL, "http://dropper.org/b.bin", "dropper", VG_TLP_CLEAR, 1, NULL},
    {VG_OBS_URL, "https://user@9.8.7.6:8443/x", "panel", VG_TLP_CLEAR, 1, NULL},
    {VG_OBS_URL, "http://[2001:db8::99]/p", "v6url", VG_TLP_CLEAR, 1, NULL},
    {VG_OBS_SHA1, "da39a3ee5e6b4b0d3255bfef95601890afd80709", "sha1", VG_TLP_CLEAR, 1, NULL},
};

static void *image;
static size_t image_len;
static struct vg_index *idx;

static struct vg_index_builder *build(void)
{
    struct vg_index_builder *b = vg_index_builder_new();
    struct vg_error err;
    size_t i;

    assert_non_null(b);
    for (i = 0; i < sizeof(items) / sizeof(items[0]); i++) {
        struct vg_index_item it = {items[i].kind,  items[i].value, strlen(items[i].value),
                                   items[i].label, items[i].tlp,   items[i].org,
                                   items[i].ref};

        if (vg_index_builder_add(b, &it, &err) != VG_OK)
            fail_msg("%s: %s", items[i].value, err.msg);
    }
    return b;
}

static int setup(void **state)
{
    struct vg_index_builder *b = build();
    struct vg_error err;

    (void)state;
    assert_int_equal(vg_index_builder_finish(b, &image, &image_len, &err), VG_OK);
    vg_index_builder_free(b);
    assert_int_equal(vg_index_open_mem(image, image_len, 0, 0, &idx, &err), VG_OK);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    vg_index_free(idx);
    free(image);
    return 0;
}

/* "indicator/rule" or "" */
static const char *look(enum vg_obs_kind kind, const char *value)
{
    static char out[256];
    struct vg_index_hit hit;
    struct vg_index_view v;

    if (!vg_index_lookup(idx, kind, value, strlen(value), &hit))
        return "";
    assert_int_equal(vg_index_entry(idx, hit.entry, &v), VG_OK);
    snprintf(out, sizeof(out), "%.*s/%s", (int)v.len, v.value, vg_index_rule_name(hit.rule));
    return out;
}

static void test_rules(void **state)
{
    (void)state;
    assert_string_equal(look(VG_OBS_DOMAIN, "evil.com"), "evil.com/exact");
    assert_string_equal(look(VG_OBS_DOMAIN, "a.b.evil.com"), "evil.com/subdomain");
    assert_string_equal(look(VG_OBS_DOMAIN, "x.deep.sub.evil.com"), "deep.sub.evil.com/subdomain");
    assert_string_equal(look(VG_OBS_DOMAIN, "sub.evil.com"), "evil.com/subdomain");
    assert_string_equal(look(VG_OBS_DOMAIN, "notevil.com"), "");
    assert_string_equal(look(VG_OBS_DOMAIN, "evil.com.example.org"), "");
    assert_string_equal(look(VG_OBS_DOMAIN, "com"), "");
    assert_string_equal(look(VG_OBS_DOMAIN, "bbc.co.uk"), "co.uk/subdomain");
    assert_string_equal(look(VG_OBS_IPV4, "1.2.3.4"), "1.2.3.4/exact");
    assert_string_equal(look(VG_OBS_IPV4, "1.2.3.45"), "");
    assert_string_equal(look(VG_OBS_IPV4, "10.1.2.3"), "10.1.2.0/24/in-range");
    assert_string_equal(look(VG_OBS_IPV4, "10.1.3.3"), "10.1.0.0/16/in-range");
    assert_string_equal(look(VG_OBS_IPV4, "10.1.255.255"), "10.1.0.0/16/in-range");
    assert_string_equal(look(VG_OBS_IPV4, "10.2.0.0"), "10.0.0.0/8/in-range");
    assert_string_equal(look(VG_OBS_IPV4, "10.3.9.9"), "10.3.0.0/16/in-range");
    assert_string_equal(look(VG_OBS_IPV4, "10.255.255.255"), "10.0.0.0/8/in-range");
    assert_string_equal(look(VG_OBS_IPV4, "11.0.0.0"), "");
    assert_string_equal(look(VG_OBS_IPV4, "9.255.255.255"), "");
    assert_string_equal(look(VG_OBS_IPV4, "255.255.255.255"), "255.255.255.0/24/in-range");
    assert_string_equal(look(VG_OBS_IPV4, "0.0.0.0"), "0.0.0.0/32/in-range");
    assert_string_equal(look(VG_OBS_IPV4, "0.0.0.1"), "");
    assert_string_equal(look(VG_OBS_IPV4, "100.64.1.9"), "100.64.1.0/24/in-range");
    assert_string_equal(look(VG_OBS_IPV4, "100.127.0.1"), "100.64.0.0/10/in-range");
    assert_string_equal(look(VG_OBS_IPV4, "100.128.0.1"), "");
    assert_string_equal(look(VG_OBS_IPV6, "2001:db8::1"), "2001:db8::1/exact");
    assert_string_equal(look(VG_OBS_IPV6, "2001:db8:1:2::5"), "2001:db8:1:2::/64/in-range");
    assert_string_equal(look(VG_OBS_IPV6, "2001:db8:1:3::5"), "2001:db8:1::/48/in-range");
    assert_string_equal(look(VG_OBS_IPV6, "2001:db8:2::5"), "");
    assert_string_equal(look(VG_OBS_URL, "http://dropper.org/a.bin"),
                        "http://dropper.org/a.bin/exact");
    assert_string_equal(look(VG_OBS_URL, "http://dropper.org/c.bin"),
                        "http://dropper.org/a.bin/url-host");
    assert_string_equal(look(VG_OBS_DOMAIN, "dropper.org"), "http://dropper.org/a.bin/url-host");
    assert_string_equal(look(VG_OBS_DOMAIN, "www.dropper.org"), "");
    assert_string_equal(look(VG_OBS_URL, "http://x.evil.com/y"), "evil.com/subdomain");
    assert_string_equal(look(VG_OBS_URL, "http://10.1.2.3/y"), "10.1.2.0/24/in-range");
    assert_string_equal(look(VG_OBS_IPV4, "9.8.7.6"), "https://user@9.8.7.6:8443/x/url-host");
    assert_string_equal(look(VG_OBS_IPV6, "2001:db8::99"), "http://[2001:db8::99]/p/url-host");
    assert_string_equal(look(VG_OBS_SHA1, "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
                        "da39a3ee5e6b4b0d3255bfef95601890afd80709/exact");
    assert_string_equal(look(VG_OBS_MD5, "da39a3ee5e6b4b0d3255bfef95601890"), "");
    assert_string_equal(look(VG_OBS_CIDR4, "10.1.0.0/16"), "10.1.0.0/16/exact");
}

/* The dots of s, bit k for s[k] (len <= 64). */
static uint64_t dots_of(const char *s)
{
    uint64_t d = 0;
    size_t i;

    for (i = 0; s[i]; i++)
        if (s[i] == '.')
            d |= 1ull << i;
    return d;
}

/* The scanner's entry points (names with their dot mask, URLs whose host is
 * such a name) answer as vg_index_lookup does. */
static void test_with_dots(void **state)
{
    static const char *const names[] = {
        "evil.com",
        "a.b.evil.com",
        "x.deep.sub.evil.com",
        "sub.evil.com",
        "notevil.com",
        "evil.com.example.org",
        "bbc.co.uk",
        "dropper.org",
        "www.dropper.org",
        "a.b.c.d.e.f.g.h.evil.com",
        "example.invalid",
        "x.y",
    };
    static const char *const urls[] = {
        "http://dropper.org/a.bin", "http://dropper.org/c.bin",     "http://x.evil.com/y",
        "http://notevil.com/y",     "http://www.dropper.org/a.bin",
    };
    struct vg_index_hit a, b;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        size_t n = strlen(names[i]);
        int x = vg_index_lookup(idx, VG_OBS_DOMAIN, names[i], n, &a),
            y = vg_index_lookup_domain(idx, names[i], n, dots_of(names[i]), &b);

        if (x != y || (x && (a.entry != b.entry || a.rule != b.rule)))
            fail_msg("%s: %d/%d", names[i], x, y);
    }
    for (i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
        const char *h = urls[i] + 7, *e = strchr(h, '/');
        char host[64];
        int x, y;

        snprintf(host, sizeof(host), "%.*s", (int)(e - h), h);
        x = vg_index_lookup(idx, VG_OBS_URL, urls[i], strlen(urls[i]), &a);
        y = vg_index_lookup_url_name(idx, urls[i], strlen(urls[i]), h, (size_t)(e - h),
                                     dots_of(host), &b);
        if (x != y || (x && (a.entry != b.entry || a.rule != b.rule)))
            fail_msg("%s: %d/%d", urls[i], x, y);
    }
}

static void test_context(void **state)
{
    struct vg_index_hit hit;
    struct vg_index_view v;
    struct vg_index_stats st;

    (void)state;
    assert_true(vg_index_lookup(idx, VG_OBS_DOMAIN, "evil.com", 8, &hit));
    assert_int_equal(vg_index_entry(idx, hit.entry, &v), VG_OK);
    assert_int_equal(v.kind, VG_OBS_DOMAIN);
    assert_int_equal(v.orgs, 2);           /* orgs 1 and 2, 2 twice */
    assert_int_equal(v.tlp, VG_TLP_GREEN); /* the widest claim */
    assert_int_equal(v.label_len, 6);
    assert_memory_equal(v.label, "emotet", 6);
    assert_string_equal(v.ref, "indicator--11111111-2222-4333-8444-555555555555");
    assert_true(vg_index_lookup(idx, VG_OBS_DOMAIN, "deep.sub.evil.com", 17, &hit));
    assert_int_equal(vg_index_entry(idx, hit.entry, &v), VG_OK);
    assert_string_equal(v.ref, "");
    assert_int_equal(v.orgs, 1);
    assert_int_equal(vg_index_entry(idx, 10000, &v), VG_INVALID);
    vg_index_stats(idx, &st);
    assert_int_equal(st.entries, sizeof(items) / sizeof(items[0]) - 2);
    assert_int_equal(st.image_bytes, image_len);
}

static void test_builder_rejects(void **state)
{
    struct vg_index_builder *b = vg_index_builder_new();
    struct vg_error err;
    struct vg_index_item bad[] = {
        {VG_OBS_NONE, "x", 1, NULL, VG_TLP_CLEAR, 1, NULL},
        {VG_OBS_DOMAIN, "", 0, NULL, VG_TLP_CLEAR, 1, NULL},
        {VG_OBS_CIDR4, "10.0.0.0", 8, NULL, VG_TLP_CLEAR, 1, NULL},
        {VG_OBS_CIDR4, "10.0.0.0/33", 11, NULL, VG_TLP_CLEAR, 1, NULL},
        {VG_OBS_CIDR6, "zz::/8", 6, NULL, VG_TLP_CLEAR, 1, NULL},
        {VG_OBS_DOMAIN, "a.com", 5, NULL, VG_TLP_COUNT, 1, NULL},
        {VG_OBS_DOMAIN, "a.com", 5, NULL, VG_TLP_CLEAR, 1, "indicator-nouuid"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        vg_error_clear(&err);
        assert_int_equal(vg_index_builder_add(b, &bad[i], &err), VG_INVALID);
        assert_true(err.msg[0] != '\0');
    }
    assert_int_equal(vg_index_builder_count(b), 0);
    vg_index_builder_free(b);
}

/* An empty index loads and answers nothing. */
static void test_empty(void **state)
{
    struct vg_index_builder *b = vg_index_builder_new();
    struct vg_index *e;
    struct vg_index_hit hit;
    struct vg_error err;
    void *img;
    size_t n;

    (void)state;
    assert_int_equal(vg_index_builder_finish(b, &img, &n, &err), VG_OK);
    assert_int_equal(vg_index_open_mem(img, n, 0, 1, &e, &err), VG_OK);
    assert_false(vg_index_lookup(e, VG_OBS_DOMAIN, "a.com", 5, &hit));
    assert_false(vg_index_lookup(e, VG_OBS_IPV4, "1.2.3.4", 7, &hit));
    assert_false(vg_index_lookup(e, VG_OBS_URL, "http://a.com/", 13, &hit));
    vg_index_free(e);
    vg_index_builder_free(b);
}

/* A copy of the image, 8-byte aligned, for mutation. */
static uint8_t *copy(size_t n)
{
    uint8_t *p = malloc(n ? n : 1);

    assert_non_null(p);
    memcpy(p, image, n < image_len ? n : image_len);
    return p;
}

static void expect_reject(const uint8_t *p, size_t n, unsigned flags, const char *why)
{
    struct vg_index *x = NULL;
    struct vg_error err;

    vg_error_clear(&err);
    if (vg_index_open_mem(p, n, flags, 0, &x, &err) == VG_OK) {
        vg_index_free(x);
        fail_msg("accepted: %s", why);
    }
    assert_int_equal(err.code, VG_INVALID);
    assert_true(err.msg[0] != '\0');
}

static void test_every_byte_flipped(void **state)
{
    uint8_t *p = copy(image_len);
    size_t i;

    (void)state;
    for (i = 0; i < image_len; i++) {
        p[i] ^= 0x5a;
        expect_reject(p, image_len, 0, "a flipped byte");
        p[i] ^= 0x5a;
    }
    free(p);
}

static void test_truncated(void **state)
{
    const struct snap_header *h = image;
    size_t i, n;
    uint8_t *p;

    (void)state;
    /* at every section boundary, inside the header, and one byte short */
    for (i = 0; i < SEC_COUNT; i++) {
        n = (size_t)h->sec[i].off;
        p = copy(n);
        expect_reject(p, n, 0, "truncated at a section");
        expect_reject(p, n, VG_INDEX_TRUSTED, "truncated at a section (trusted)");
        free(p);
    }
    for (n = 0; n < HEADER_SIZE; n += 37) {
        p = copy(n);
        expect_reject(p, n, VG_INDEX_TRUSTED, "truncated header");
        free(p);
    }
    p = copy(image_len - 1);
    expect_reject(p, image_len - 1, VG_INDEX_TRUSTED, "one byte short");
    free(p);
}

static void test_header_fields(void **state)
{
    uint8_t *p = copy(image_len);
    struct snap_header *h = (struct snap_header *)p;
    struct vg_error err;
    struct vg_index *x = NULL;
    size_t i;

    (void)state;
    h->version = 2;
    vg_error_clear(&err);
    assert_int_equal(vg_index_open_mem(p, image_len, VG_INDEX_TRUSTED, 0, &x, &err), VG_INVALID);
    assert_non_null(strstr(err.msg, "version 2"));
    h->version = VG_INDEX_VERSION;
    memcpy(h->magic, "NOTASNAP", 8);
    assert_int_equal(vg_index_open_mem(p, image_len, VG_INDEX_TRUSTED, 0, &x, &err), VG_INVALID);
    assert_non_null(strstr(err.msg, "not a Vigie snapshot"));
    memcpy(h->magic, VG_INDEX_MAGIC, 8);
    /* Trusted (no checksum): every section moved outside, resized, misaligned. */
    for (i = 0; i < SEC_COUNT; i++) {
        struct snap_section keep = h->sec[i];

        h->sec[i].off = image_len;
        h->sec[i].size = 8;
        expect_reject(p, image_len, VG_INDEX_TRUSTED, "section past the end");
        h->sec[i].off = keep.off + 4;
        h->sec[i].size = keep.size;
        expect_reject(p, image_len, VG_INDEX_TRUSTED, "misaligned section");
        h->sec[i].off = keep.off;
        h->sec[i].size = UINT64_MAX - 4;
        expect_reject(p, image_len, VG_INDEX_TRUSTED, "huge section");
        h->sec[i] = keep;
    }
    h->nslots = 3;
    expect_reject(p, image_len, VG_INDEX_TRUSTED, "slots not a power of two");
    free(p);
}

/* Trusted images with hostile records: answers may be wrong, never out of bounds. */
static void test_hostile_records(void **state)
{
    uint8_t *p = copy(image_len);
    struct snap_header *h = (struct snap_header *)p;
    struct snap_entry *e = (struct snap_entry *)(p + h->sec[SEC_ENTRIES].off);
    struct snap_slot *s = (struct snap_slot *)(p + h->sec[SEC_SLOTS].off);
    uint64_t *bloom = (uint64_t *)(p + h->sec[SEC_BLOOM].off);
    struct vg_index *x;
    struct vg_index_hit hit;
    struct vg_index_view v;
    struct vg_error err;
    uint32_t i;

    (void)state;
    for (i = 0; i < h->nentries; i++) {
        e[i].value_off = 0xfffffff0u;
        e[i].label = 0xffffffu;
    }
    for (i = 0; i < h->nslots; i++) /* a full table: probing must still stop */
        s[i].ref = (s[i].ref ? s[i].ref : 0x7ffffff0u);
    memset(bloom, 0xff, h->nbloom * BLOOM_BLOCK);
    memset(p + h->sec[SEC_TLD].off, 0xff, h->sec[SEC_TLD].size);
    assert_int_equal(vg_index_open_mem(p, image_len, VG_INDEX_TRUSTED, 0, &x, &err), VG_OK);
    assert_false(vg_index_lookup(x, VG_OBS_DOMAIN, "a.b.evil.com", 12, &hit));
    assert_false(vg_index_lookup(x, VG_OBS_URL, "http://dropper.org/a.bin", 24, &hit));
    for (i = 0; i < h->nentries; i++)
        assert_int_equal(vg_index_entry(x, i, &v), VG_INVALID);
    vg_index_free(x);
    free(p);
}

static void test_file(void **state)
{
    char dir[] = "/tmp/vigie-index-XXXXXX", path[256];
    struct vg_index_builder *b = build();
    struct vg_index *x;
    struct vg_error err;
    struct vg_index_hit hit;
    FILE *f;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/s.snap", dir);
    assert_int_equal(vg_index_builder_write(b, path, &err), VG_OK);
    vg_index_builder_free(b);
    assert_int_equal(vg_index_open_file(path, 0, &x, &err), VG_OK);
    assert_true(vg_index_lookup(x, VG_OBS_DOMAIN, "x.evil.com", 10, &hit));
    vg_index_free(x);
    assert_int_equal(truncate(path, 300), 0);
    assert_int_equal(vg_index_open_file(path, 0, &x, &err), VG_INVALID);
    assert_non_null(strstr(err.msg, "truncated"));
    assert_int_equal(truncate(path, 100), 0);
    assert_int_equal(vg_index_open_file(path, 0, &x, &err), VG_INVALID);
    assert_non_null(strstr(err.msg, "truncated"));
    f = fopen(path, "w");
    fputs("evil.com\n1.2.3.4\n", f);
    fclose(f);
    assert_int_equal(vg_index_open_file(path, 0, &x, &err), VG_INVALID);
    assert_non_null(strstr(err.msg, "not a Vigie snapshot"));
    unlink(path);
    assert_int_equal(vg_index_open_file(path, 0, &x, &err), VG_IO);
    assert_int_equal(vg_index_open_file(dir, 0, &x, &err), VG_IO);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules),           cmocka_unit_test(test_with_dots),
        cmocka_unit_test(test_context),         cmocka_unit_test(test_builder_rejects),
        cmocka_unit_test(test_empty),           cmocka_unit_test(test_every_byte_flipped),
        cmocka_unit_test(test_truncated),       cmocka_unit_test(test_header_fields),
        cmocka_unit_test(test_hostile_records), cmocka_unit_test(test_file),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
