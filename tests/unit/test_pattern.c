/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_pattern.c - the STIX pattern parser: the specification's examples, the
 * comparisons it records, the observables it yields, every class of error
 * with its offset, and the limits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/pattern.h"

/* ---- helpers ------------------------------------------------------------------ */

static struct vg_pattern *parse_ok(const char *s)
{
    struct vg_pattern *p = NULL;
    struct vg_error err;

    vg_error_clear(&err);
    if (vg_pattern_parse(s, strlen(s), &p, &err) != VG_OK)
        fail_msg("'%s': %s", s, err.msg);
    assert_non_null(p);
    return p;
}

/* Observables as "kind=value|kind=value", in the order they are yielded. */
struct collect {
    char text[8192];
    size_t count;
    size_t stop_after; /* return 7 after this many, 0 = never */
};

static int collect_cb(void *ctx, const struct vg_obs *obs)
{
    struct collect *c = ctx;
    size_t n = strlen(c->text);

    assert_int_equal(obs->len, strlen(obs->value));
    snprintf(c->text + n, sizeof(c->text) - n, "%s%s=%s", n ? "|" : "", vg_obs_kind_name(obs->kind),
             obs->value);
    c->count++;
    return c->stop_after && c->count >= c->stop_after ? 7 : 0;
}

static void expect_obs(const char *pattern, size_t ncmps, const char *want)
{
    struct vg_pattern *p = parse_ok(pattern);
    struct collect c;

    memset(&c, 0, sizeof(c));
    if (p->ncmps != ncmps)
        fail_msg("'%s': %zu comparisons, want %zu", pattern, p->ncmps, ncmps);
    assert_int_equal(vg_pattern_observables(p, collect_cb, &c), 0);
    if (strcmp(c.text, want) != 0)
        fail_msg("'%s': yields '%s', want '%s'", pattern, c.text, want);
    vg_pattern_free(p);
}

/* Parse s[0..len) from an exact-size heap copy, so ASan sees any over-read. */
static enum vg_rc parse_exact(const char *s, size_t len, struct vg_pattern **out,
                              struct vg_error *err)
{
    char *copy = malloc(len ? len : 1);
    enum vg_rc rc;

    assert_non_null(copy);
    memcpy(copy, s, len);
    rc = vg_pattern_parse(copy, len, out, err);
    free(copy);
    return rc;
}

static void expect_err_len(const char *s, size_t len, enum vg_rc want_rc, long long want_offset,
                           const char *want_msg)
{
    struct vg_pattern sentinel, *p = &sentinel;
    struct vg_error err;
    enum vg_rc rc;

    vg_error_clear(&err);
    rc = parse_exact(s, len, &p, &err);
    if (rc != want_rc)
        fail_msg("'%.*s': rc %s, want %s (%s)", (int)len, s, vg_rc_name(rc), vg_rc_name(want_rc),
                 err.msg);
    assert_ptr_equal(p, &sentinel);
    assert_int_equal(err.code, want_rc);
    if (err.offset != want_offset)
        fail_msg("'%.*s': offset %lld, want %lld (%s)", (int)len, s, err.offset, want_offset,
                 err.msg);
    if (strstr(err.msg, want_msg) == NULL)
        fail_msg("'%.*s': message '%s' lacks '%s'", (int)len, s, err.msg, want_msg);
}

static void expect_err(const char *s, enum vg_rc want_rc, long long want_offset,
                       const char *want_msg)
{
    expect_err_len(s, strlen(s), want_rc, want_offset, want_msg);
}

static char *repeat(const char *prefix, const char *unit, size_t n, const char *middle,
                    const char *unit2, size_t n2, const char *suffix)
{
    size_t len = strlen(prefix) + strlen(unit) * n + strlen(middle) + strlen(unit2) * n2 +
                 strlen(suffix) + 1;
    char *s = malloc(len), *q = s;
    size_t i;

    assert_non_null(s);
    q = stpcpy(q, prefix);
    for (i = 0; i < n; i++)
        q = stpcpy(q, unit);
    q = stpcpy(q, middle);
    for (i = 0; i < n2; i++)
        q = stpcpy(q, unit2);
    stpcpy(q, suffix);
    return s;
}

#define SHA256 "aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f"
#define SHA1 "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12"
#define MD5 "79054025255fb1a26e4bc422aef54eb4"
#define SHA512                                                                                     \
    "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"                             \
    "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"

/* ---- the specification's examples ---------------------------------------------- */

static void test_spec_examples(void **state)
{
    (void)state;
    expect_obs("[file:hashes.'SHA-256' = '" SHA256 "']", 1, "sha256=" SHA256);
    expect_obs("[ipv4-addr:value = '198.51.100.1/32' OR ipv4-addr:value = '203.0.113.33/32']", 2,
               "ipv4=198.51.100.1|ipv4=203.0.113.33");
    expect_obs("[network-traffic:dst_ref.type = 'ipv4-addr' AND "
               "network-traffic:dst_ref.value = '203.0.113.33/32']",
               2, "ipv4=203.0.113.33");
    expect_obs("([file:name = 'foo.dll'] AND [win-registry-key:key = "
               "'HKEY_LOCAL_MACHINE\\\\foo\\\\bar']) WITHIN 300 SECONDS",
               2, "");
    expect_obs("[domain-name:value IN ('a.com', 'b.com')]", 1, "domain=a.com|domain=b.com");
    expect_obs("[url:value MATCHES '^http']", 1, "");
    expect_obs("[file:size > 1000]", 1, "");
    expect_obs("[email-message:from_ref.value MATCHES '.+\\\\@example\\\\.com$' AND "
               "email-message:body_multipart[*].body_raw_ref.name MATCHES "
               "'^Final Report.+\\\\.exe$']",
               2, "");
    expect_obs("([ipv4-addr:value = '198.51.100.1/32'] FOLLOWEDBY "
               "[domain-name:value = 'example.com']) WITHIN 600 SECONDS",
               2, "ipv4=198.51.100.1|domain=example.com");
    expect_obs("[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]", 1, "");
    expect_obs("[network-traffic:dst_ref.type = 'domain-name' AND "
               "network-traffic:dst_ref.value = 'example.com'] REPEATS 5 TIMES WITHIN 1800 SECONDS",
               2, "domain=example.com");
    expect_obs("[file:hashes.MD5 = '" MD5 "'] START t'2016-06-01T00:00:00Z' "
               "STOP t'2016-07-01T00:00:00Z'",
               1, "md5=" MD5);
    expect_obs("[x509-certificate:issuer = 'CN=WEBMAIL' AND x509-certificate:serial_number = "
               "'4c:0b:1d:19:74:86:a7:66:b4:1a:bf:40:27:21:76:28']",
               2, "");
    expect_obs("[user-account:account_type = 'unix' AND user-account:user_id = '1007' AND "
               "user-account:account_login = 'Peter'] AND [user-account:account_type = 'unix' "
               "AND user-account:user_id = '1008' AND user-account:account_login = 'Paul']",
               6, "");
    expect_obs("[artifact:mime_type = 'application/vnd.tcpdump.pcap' AND artifact:payload_bin "
               "MATCHES '\\\\xd4\\\\xc3\\\\xb2\\\\xa1\\\\x02\\\\x00\\\\x04\\\\x00']",
               2, "");
    expect_obs("[process:command_line MATCHES '^.+>-add GlobalSign.cer -c -s -r localMachine "
               "Root$'] FOLLOWEDBY [process:command_line MATCHES '^.+>-add GlobalSign.cer -c -s "
               "-r localMachineTrustedPublisher$'] WITHIN 300 SECONDS",
               2, "");
    expect_obs("[windows-registry-key:key = "
               "'HKEY_LOCAL_MACHINE\\\\SOFTWARE\\\\Microsoft\\\\Windows\\\\CurrentVersion\\\\Run'"
               " AND windows-registry-key:values[*].name = 'evil']",
               2, "");
    expect_obs("[ipv4-addr:value ISSUBSET '198.51.100.0/24']", 1, "ipv4-cidr=198.51.100.0/24");
    expect_obs("[file:created > t'2016-01-01T00:00:00Z' AND file:magic_number_hex = h'ffd8' "
               "AND artifact:payload_bin = b'SGVsbG8=']",
               3, "");
    expect_obs("[EXISTS windows-registry-key:values] OR [NOT EXISTS file:name]", 2, "");
    expect_obs("[network-traffic:src_port = 12345 AND network-traffic:protocols[0] = 'tcp' AND "
               "process:is_hidden = true AND x-acme:score = -1.5]",
               4, "");
    expect_obs("(([a:b = 1] AND [a:c = 2]) OR [a:d = 3]) FOLLOWEDBY ([a:e = 4] REPEATS 2 TIMES) "
               "WITHIN 10.5 SECONDS",
               4, "");
}

/* ---- what each comparison records --------------------------------------------- */

static void test_comparisons(void **state)
{
    struct vg_pattern *p;
    const struct vg_pattern_cmp *c;
    static const struct {
        enum vg_pattern_lit type;
        const char *text;
    } lits[] = {
        {VG_PLIT_INT, "1"},        {VG_PLIT_INT, "-2"},
        {VG_PLIT_INT, "+3"},       {VG_PLIT_FLOAT, ".5"},
        {VG_PLIT_STRING, "x'\\y"}, {VG_PLIT_BOOL, "true"},
        {VG_PLIT_BOOL, "false"},   {VG_PLIT_TIME, "2016-01-01T00:00:00.123Z"},
        {VG_PLIT_HEX, "00ff"},     {VG_PLIT_BINARY, "AAE="},
        {VG_PLIT_STRING, ""},      {VG_PLIT_FLOAT, "-0.25"},
    };
    static const enum vg_pattern_op ops[] = {VG_POP_EQ,         VG_POP_NE,   VG_POP_LE,
                                             VG_POP_GE,         VG_POP_LT,   VG_POP_GT,
                                             VG_POP_ISSUPERSET, VG_POP_LIKE, VG_POP_NE};
    size_t i;

    (void)state;
    p = parse_ok("[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]");
    assert_int_equal(p->ncmps, 1);
    c = &p->cmps[0];
    assert_string_equal(c->object_type, "file");
    assert_string_equal(c->path, "extensions.windows-pebinary-ext.sections[*].entropy");
    assert_int_equal(c->op, VG_POP_GT);
    assert_int_equal(c->negated, 0);
    assert_int_equal(c->nvalues, 1);
    assert_int_equal(c->values[0].type, VG_PLIT_FLOAT);
    assert_string_equal(c->values[0].text, "7.0");
    assert_int_equal(c->offset, 1);
    vg_pattern_free(p);

    p = parse_ok("[a:b[0].c[-1] NOT IN (1, -2, +3, .5, 'x\\'\\\\y', true, false, "
                 "t'2016-01-01T00:00:00.123Z', h'00ff', b'AAE=', '', -0.25)]");
    c = &p->cmps[0];
    assert_string_equal(c->object_type, "a");
    assert_string_equal(c->path, "b[0].c[-1]");
    assert_int_equal(c->op, VG_POP_IN);
    assert_int_equal(c->negated, 1);
    assert_int_equal(c->nvalues, sizeof(lits) / sizeof(lits[0]));
    for (i = 0; i < c->nvalues; i++) {
        assert_int_equal(c->values[i].type, lits[i].type);
        assert_string_equal(c->values[i].text, lits[i].text);
    }
    vg_pattern_free(p);

    p = parse_ok("[a:b == 1 AND a:c <> 2 AND a:d <= 3 AND a:e >= 4 AND a:f < 5 AND a:g > 6 "
                 "AND a:h ISSUPERSET 'x' OR a:i LIKE 'y%' AND a:j != 'z']");
    assert_int_equal(p->ncmps, sizeof(ops) / sizeof(ops[0]));
    for (i = 0; i < p->ncmps; i++)
        assert_int_equal(p->cmps[i].op, ops[i]);
    vg_pattern_free(p);

    p = parse_ok("[win-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\foo\\\\bar']");
    assert_string_equal(p->cmps[0].values[0].text, "HKEY_LOCAL_MACHINE\\foo\\bar");
    vg_pattern_free(p);

    p = parse_ok("[EXISTS a:b] AND [NOT EXISTS a:c]");
    assert_int_equal(p->ncmps, 2);
    assert_int_equal(p->cmps[0].op, VG_POP_EXISTS);
    assert_int_equal(p->cmps[0].nvalues, 0);
    assert_null(p->cmps[0].values);
    assert_int_equal(p->cmps[0].negated, 0);
    assert_int_equal(p->cmps[1].op, VG_POP_EXISTS);
    assert_int_equal(p->cmps[1].negated, 1);
    assert_string_equal(p->cmps[1].path, "c");
    vg_pattern_free(p);

    /* Offsets, white space between tokens, quoted first component. */
    p = parse_ok("\n[ a : b . c = 'x' OR ( a:'d e' != 2 ) ]\t");
    assert_int_equal(p->ncmps, 2);
    assert_string_equal(p->cmps[0].path, "b.c");
    assert_int_equal(p->cmps[0].offset, 3);
    assert_string_equal(p->cmps[1].path, "d e");
    assert_int_equal(p->cmps[1].offset, 24);
    vg_pattern_free(p);
}

/* ---- observable extraction ------------------------------------------------------ */

static void test_observables(void **state)
{
    (void)state;
    /* Every hash spelling. */
    expect_obs("[file:hashes.'SHA-1' = '" SHA1 "' OR file:hashes.SHA1 = '" SHA1 "' OR "
               "file:hashes.sha256 = '" SHA256 "' OR file:hashes.'SHA-512' = '" SHA512 "' OR "
               "file:hashes.md5 = '" MD5 "' OR file:hashes.SHA_256 = '" SHA256 "' OR "
               "file:hashes.SHA-256 = '" SHA256 "']",
               7,
               "sha1=" SHA1 "|sha1=" SHA1 "|sha256=" SHA256 "|sha512=" SHA512 "|md5=" MD5
               "|sha256=" SHA256 "|sha256=" SHA256);
    expect_obs("[file:hashes.'SHA-256' = '" MD5 "' OR file:hashes.'SHA3-256' = '" SHA256
               "' OR file:hashes.TLSH = 'T1abc' OR file:hashes.'SHA-256-AND-MORE' = '" SHA256
               "' OR file:hashes.MD5.x = '" MD5 "' OR artifact:hashes.MD5 = '" MD5 "']",
               6, "");
    /* Addresses, ranges, names, URLs, e-mail; canonical forms. */
    expect_obs("[ipv6-addr:value = '2001:0DB8::0001' OR ipv6-addr:value = '2001:db8::/32' OR "
               "ipv4-addr:value = '10.1.2.3/8']",
               3, "ipv6=2001:db8::1|ipv6-cidr=2001:db8::/32|ipv4-cidr=10.0.0.0/8");
    expect_obs("[email-addr:value = 'Bob@Example.COM' AND url:value = 'HTTP://Example.com']", 2,
               "email=Bob@example.com|url=http://example.com/");
    expect_obs("[domain-name:value = 'Evil[.]Example.COM']", 1, "domain=evil.example.com");
    /* network-traffic references: addresses and names only. */
    expect_obs("[network-traffic:src_ref.value = '2001:db8::1' AND "
               "network-traffic:dst_ref.value IN ('http://x.example.com/', 'setup.exe', '" MD5
               "', 'example.org')]",
               2, "ipv6=2001:db8::1|domain=example.org");
    /* Negations, other operators, non-strings, other paths: nothing. */
    expect_obs("[ipv4-addr:value NOT = '1.2.3.4' OR ipv4-addr:value NOT IN ('1.2.3.4') OR "
               "ipv4-addr:value != '1.2.3.4' OR ipv4-addr:value NOT ISSUBSET '10.0.0.0/8' OR "
               "domain-name:value LIKE '%.example.com' OR ipv4-addr:value ISSUPERSET '1.2.3.4' "
               "OR ipv4-addr:value = 5 OR ipv4-addr:resolves_to_refs[*].value = '1.2.3.4' OR "
               "ipv4-addr:value > '1.2.3.4' OR EXISTS ipv4-addr:value OR "
               "domain-name:Value = 'example.com' OR Domain-Name:value = 'example.com']",
               12, "");
    /* Values that do not canonicalise are skipped, the others kept. */
    expect_obs("[ipv4-addr:value IN ('1.2.3.4', 'bogus', '1.2.3.04', '5.6.7.8') OR "
               "file:hashes.SHA256 = 'xyz' OR ipv6-addr:value = '1.2.3.4']",
               3, "ipv4=1.2.3.4|ipv4=5.6.7.8");
}

static void test_callback_stops(void **state)
{
    struct vg_pattern *p = parse_ok("[domain-name:value IN ('a.com', 'b.com', 'c.com')]");
    struct collect c;

    (void)state;
    memset(&c, 0, sizeof(c));
    c.stop_after = 2;
    assert_int_equal(vg_pattern_observables(p, collect_cb, &c), 7);
    assert_int_equal(c.count, 2);
    assert_string_equal(c.text, "domain=a.com|domain=b.com");
    assert_int_equal(vg_pattern_observables(NULL, collect_cb, &c), 0);
    assert_int_equal(vg_pattern_observables(p, NULL, NULL), 0);
    vg_pattern_free(p);
    vg_pattern_free(NULL);
}

/* ---- errors --------------------------------------------------------------------- */

static void test_syntax_errors(void **state)
{
    struct vg_pattern sentinel, *p = &sentinel;
    struct vg_error err;

    (void)state;
    /* The exact message form. */
    vg_error_clear(&err);
    assert_int_equal(vg_pattern_parse("[a:b = 'x' c:d = 'y']", 21, &p, &err), VG_INVALID);
    assert_string_equal(err.msg, "expected ']' at 11");
    assert_int_equal(err.offset, 11);
    assert_int_equal(err.line, 1);
    assert_ptr_equal(p, &sentinel);
    assert_int_equal(vg_pattern_parse("[a:b = 1", 8, &p, &err), VG_INVALID);
    assert_string_equal(err.msg, "unexpected end of pattern: expected ']' at 8");
    assert_int_equal(vg_pattern_parse("[a:b = 1]\n\n and", 15, &p, &err), VG_INVALID);
    assert_string_equal(err.msg, "keywords are upper-case: 'and' at 12");
    assert_int_equal(err.line, 3);
    assert_int_equal(vg_pattern_parse("[a:b = 1", 8, &p, NULL), VG_INVALID);
    assert_int_equal(vg_pattern_parse(NULL, 0, &p, &err), VG_INVALID);
    assert_ptr_equal(p, &sentinel);

    /* Structure. */
    expect_err("", VG_INVALID, 0, "expected '[' or '('");
    expect_err("   ", VG_INVALID, 3, "unexpected end of pattern: expected '[' or '('");
    expect_err("ipv4-addr:value = '1.2.3.4'", VG_INVALID, 0, "expected '[' or '('");
    expect_err("[ipv4-addr:value = '1.2.3.4'", VG_INVALID, 28, "expected ']'");
    expect_err("[a:b = 1])", VG_INVALID, 9, "unbalanced ')'");
    expect_err("[a:b = 1]]", VG_INVALID, 9, "unbalanced ']'");
    expect_err("[a:b = 1] [c:d = 2]", VG_INVALID, 10,
               "expected AND, OR, FOLLOWEDBY or end of pattern");
    expect_err("([a:b = 1]", VG_INVALID, 10, "expected ')'");
    expect_err("([a:b = 1] AND [c:d = 2]]", VG_INVALID, 24, "expected ')'");
    expect_err("[a:b = 1] AND", VG_INVALID, 13, "expected '[' or '('");
    expect_err("[[a:b = 1]]", VG_INVALID, 1, "expected an object path");
    expect_err("[]", VG_INVALID, 1, "expected an object path");
    expect_err("[a:b = 1 FOLLOWEDBY c:d = 2]", VG_INVALID, 9, "expected ']'");
    expect_err("[(a:b = 1]", VG_INVALID, 9, "expected ')'");
    expect_err("[a:b = 'x'] \xc3\xa9", VG_INVALID, 12, "expected AND, OR");
    /* Keywords are upper-case. */
    expect_err("[a:b = 'x' and a:c = 'y']", VG_INVALID, 11, "keywords are upper-case: 'and'");
    expect_err("[a:b = 1] within 5 SECONDS", VG_INVALID, 10, "keywords are upper-case: 'within'");
    expect_err("[a:b = 1] WITHIN 5 seconds", VG_INVALID, 19, "keywords are upper-case: 'seconds'");
    expect_err("[a:b in ('x')]", VG_INVALID, 5, "keywords are upper-case: 'in'");
    expect_err("[a:b Not = 1]", VG_INVALID, 5, "keywords are upper-case: 'Not'");
    expect_err("[exists a:b]", VG_INVALID, 1, "keywords are upper-case: 'exists'");
    expect_err("[a:b = 1] AND [c:d = 2] followedBy [e:f = 3]", VG_INVALID, 24,
               "keywords are upper-case: 'followedBy'");
    expect_err("[a:b = 1] Or [c:d = 2]", VG_INVALID, 10, "keywords are upper-case: 'Or'");
    /* Comparisons and paths. */
    expect_err("[a:b 'x']", VG_INVALID, 5, "expected an operator");
    expect_err("[a:b ! 'x']", VG_INVALID, 5, "expected an operator");
    expect_err("[a:b = ]", VG_INVALID, 7, "expected a value");
    expect_err("[a:b =", VG_INVALID, 6, "unexpected end of pattern: expected a value");
    expect_err("[a = 1]", VG_INVALID, 3, "expected ':'");
    expect_err("[:b = 1]", VG_INVALID, 1, "expected an object path");
    expect_err("[a: = 1]", VG_INVALID, 4, "expected a property name");
    expect_err("[a:b. = 1]", VG_INVALID, 6, "expected a property name");
    expect_err("[a:b[x] = 1]", VG_INVALID, 5, "expected an index or '*'");
    expect_err("[a:b[1.5] = 1]", VG_INVALID, 5, "expected an index or '*'");
    expect_err("[a:b[1 = 1]", VG_INVALID, 7, "expected ']'");
    expect_err("[a:b.'' = 1]", VG_INVALID, 5, "empty property name");
    expect_err("[NOT a:b = 1]", VG_INVALID, 5, "expected EXISTS");
    expect_err("[a:b NOT EXISTS]", VG_INVALID, 9, "expected an operator");
    expect_err("[a:b IN ()]", VG_INVALID, 9, "empty IN list");
    expect_err("[a:b IN ('x', )]", VG_INVALID, 14, "expected a value");
    expect_err("[a:b IN ('x' 'y')]", VG_INVALID, 13, "expected ',' or ')'");
    expect_err("[a:b IN ('x'", VG_INVALID, 12, "unexpected end of pattern: expected ',' or ')'");
    expect_err("[a:b IN 'x']", VG_INVALID, 8, "expected '(' after IN");
    expect_err("[a:b LIKE 5]", VG_INVALID, 10, "LIKE needs a string");
    expect_err("[a:b MATCHES true]", VG_INVALID, 13, "MATCHES needs a string");
    expect_err("[a:b ISSUBSET t'2016-01-01T00:00:00Z']", VG_INVALID, 14, "ISSUBSET needs a string");
    expect_err("[a:b ISSUPERSET 1]", VG_INVALID, 16, "ISSUPERSET needs a string");
    expect_err("[a:b > true]", VG_INVALID, 7, "booleans cannot be ordered");
    expect_err("[a:b[01] = 1]", VG_INVALID, 5, "leading zero");
    /* Literals. */
    expect_err("[a:b = 'abc]", VG_INVALID, 7, "unterminated string");
    expect_err("[a:b = 'x\\']", VG_INVALID, 7, "unterminated string");
    expect_err("[a:b = 'x\\", VG_INVALID, 7, "unterminated string");
    expect_err("[a:b = 'a\\nb']", VG_INVALID, 9, "invalid escape '\\n'");
    expect_err("[a:b = 'a\\\"b']", VG_INVALID, 9, "invalid escape '\\\"'");
    expect_err("[a:b = 'a\\\tb']", VG_INVALID, 9, "invalid escape");
    expect_err("[a:b = \"x\"]", VG_INVALID, 7, "expected a value");
    expect_err("[a:b = TRUE]", VG_INVALID, 7, "booleans are lower-case: 'TRUE'");
    expect_err("[a:b = False]", VG_INVALID, 7, "booleans are lower-case: 'False'");
    expect_err("[a:b = yes]", VG_INVALID, 7, "expected a value");
    expect_err("[a:b = 007]", VG_INVALID, 7, "leading zero");
    expect_err("[a:b = -01]", VG_INVALID, 7, "leading zero");
    expect_err("[a:b = 1.]", VG_INVALID, 7, "no digits after '.'");
    expect_err("[a:b = 1e5]", VG_INVALID, 7, "invalid number");
    expect_err("[a:b = 1.2.3]", VG_INVALID, 7, "invalid number");
    expect_err("[a:b = -]", VG_INVALID, 7, "invalid number");
    expect_err("[a:b = t'2016-13-01T00:00:00Z']", VG_INVALID, 7, "invalid timestamp");
    expect_err("[a:b = t'2016-01-01 00:00:00Z']", VG_INVALID, 7, "invalid timestamp");
    expect_err("[a:b = t'2016-01-01T00:00:00+01:00']", VG_INVALID, 7, "invalid timestamp");
    expect_err("[a:b = t'']", VG_INVALID, 7, "invalid timestamp");
    expect_err("[a:b = t'2016-01-01T00:00:00Z]", VG_INVALID, 8, "unterminated string");
    expect_err("[a:b = h'abc']", VG_INVALID, 7, "invalid hex literal");
    expect_err("[a:b = h'zz']", VG_INVALID, 7, "invalid hex literal");
    expect_err("[a:b = b'abc']", VG_INVALID, 7, "invalid base64 literal");
    expect_err("[a:b = b'ab=c']", VG_INVALID, 7, "invalid base64 literal");
    expect_err("[a:b = b'a===']", VG_INVALID, 7, "invalid base64 literal");
    /* Qualifiers. */
    expect_err("[a:b = 1] WITHIN 0 SECONDS", VG_INVALID, 17, "positive number of seconds");
    expect_err("[a:b = 1] WITHIN -5 SECONDS", VG_INVALID, 17, "positive number of seconds");
    expect_err("[a:b = 1] WITHIN SECONDS", VG_INVALID, 17, "positive number of seconds");
    expect_err("[a:b = 1] WITHIN 5 MINUTES", VG_INVALID, 19, "expected SECONDS");
    expect_err("[a:b = 1] REPEATS 2.5 TIMES", VG_INVALID, 18, "positive integer after REPEATS");
    expect_err("[a:b = 1] REPEATS 01 TIMES", VG_INVALID, 18, "leading zero");
    expect_err("[a:b = 1] REPEATS 0 TIMES", VG_INVALID, 18, "positive integer after REPEATS");
    expect_err("[a:b = 1] REPEATS 3", VG_INVALID, 19, "unexpected end of pattern: expected TIMES");
    expect_err("[a:b = 1] START t'2016-07-01T00:00:00Z' STOP t'2016-06-01T00:00:00Z'", VG_INVALID,
               45, "STOP is not later than START");
    expect_err("[a:b = 1] START t'2016-07-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'", VG_INVALID,
               45, "STOP is not later than START");
    expect_err("[a:b = 1] START '2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'", VG_INVALID,
               16, "expected a timestamp");
    expect_err("[a:b = 1] START t'2016-06-01T00:00:00Z'", VG_INVALID, 39, "expected STOP");
    expect_err("[a:b = 1] START t'2016-06-31T00:00:00Z' STOP t'2016-07-01T00:00:00Z'", VG_INVALID,
               16, "invalid timestamp");
}

/* Every prefix of a pattern, from an exact-size buffer: no over-read, no leak,
 * an offset inside the input whenever it fails. */
static void test_truncation(void **state)
{
    static const char full[] =
        "([file:hashes.'SHA-256' = '" SHA256 "' OR ipv4-addr:value IN ('1.2.3.4', "
        "'10.0.0.0/8')] AND [a:b[*].c NOT LIKE 'x\\'%' AND (EXISTS a:d OR a:e >= -1.5)]) "
        "FOLLOWEDBY [a:f = h'00ff' OR a:g = b'AAE=' OR a:h != true] REPEATS 2 TIMES "
        "START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00.5Z' WITHIN 5 SECONDS";
    struct vg_pattern *p;
    size_t n = sizeof(full) - 1, k;

    (void)state;
    for (k = 0; k <= n; k++) {
        struct vg_error err;
        enum vg_rc rc;

        p = NULL;
        vg_error_clear(&err);
        rc = parse_exact(full, k, &p, &err);
        if (rc == VG_OK) {
            vg_pattern_free(p);
            continue;
        }
        assert_int_equal(rc, VG_INVALID);
        assert_null(p);
        assert_true(err.offset >= 0 && (size_t)err.offset <= k);
    }
    p = parse_ok(full);
    assert_int_equal(p->ncmps, 8);
    vg_pattern_free(p);
}

static void test_nul_bytes(void **state)
{
    (void)state;
    expect_err_len("[a:b = 'x\0y']", 13, VG_INVALID, 9, "NUL byte");
    expect_err_len("\0[a:b = 1]", 10, VG_INVALID, 0, "NUL byte");
    expect_err_len("[a:b = 1]\0", 10, VG_INVALID, 9, "NUL byte");
}

/* ---- limits --------------------------------------------------------------------- */

/* obs "(" around "[", cmp "(" inside it, around one comparison. */
static char *nest(size_t obs, size_t cmp)
{
    char *s = malloc(2 * (obs + cmp) + 16), *q = s;
    size_t i;

    assert_non_null(s);
    for (i = 0; i < obs; i++)
        *q++ = '(';
    *q++ = '[';
    for (i = 0; i < cmp; i++)
        *q++ = '(';
    q = stpcpy(q, "a:b = 1");
    for (i = 0; i < cmp; i++)
        *q++ = ')';
    *q++ = ']';
    for (i = 0; i < obs; i++)
        *q++ = ')';
    *q = '\0';
    return s;
}

static void test_depth(void **state)
{
    static const struct {
        size_t obs, cmp;
        long long offset; /* of the refused parenthesis, -1 = accepted */
    } v[] = {
        {VG_PATTERN_MAX_DEPTH, 0, -1},
        {VG_PATTERN_MAX_DEPTH + 1, 0, VG_PATTERN_MAX_DEPTH},
        {0, VG_PATTERN_MAX_DEPTH, -1},
        {0, VG_PATTERN_MAX_DEPTH + 1, VG_PATTERN_MAX_DEPTH + 1},
        {20, 12, -1},
        {20, 13, VG_PATTERN_MAX_DEPTH + 1},
        {31, 1, -1},
        {32, 1, VG_PATTERN_MAX_DEPTH + 1},
    };
    struct vg_pattern *p;
    char *s;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        s = nest(v[i].obs, v[i].cmp);
        if (v[i].offset < 0)
            vg_pattern_free(parse_ok(s));
        else
            expect_err(s, VG_LIMIT, v[i].offset, "parentheses nested deeper than 32");
        free(s);
    }
    /* Far deeper than the limit: refused at the limit, no stack exhaustion. */
    s = repeat("", "(", 60000, "", "", 0, "");
    expect_err(s, VG_LIMIT, VG_PATTERN_MAX_DEPTH, "nested deeper");
    free(s);
    s = repeat("[", "(", 60000, "", "", 0, "");
    expect_err(s, VG_LIMIT, VG_PATTERN_MAX_DEPTH + 1, "nested deeper");
    free(s);
    s = repeat("", "[", 60000, "", "", 0, "");
    expect_err(s, VG_INVALID, 1, "expected an object path");
    free(s);
    /* Depth is nesting, not a count of parentheses. */
    s = repeat("([a:b = 1])", " AND ([(a:b = 1) OR (a:c = 2)])", 1000, "", "", 0, "");
    p = parse_ok(s);
    assert_int_equal(p->ncmps, 2001);
    vg_pattern_free(p);
    free(s);
}

static void test_length_and_count(void **state)
{
    struct vg_pattern *p;
    struct collect c;
    char *s;
    size_t n;

    (void)state;
    /* Length. */
    s = malloc(VG_PATTERN_MAX_LEN + 2);
    assert_non_null(s);
    memset(s, ' ', VG_PATTERN_MAX_LEN + 1);
    memcpy(s, "[a:b = 1]", 9);
    s[VG_PATTERN_MAX_LEN] = '\0';
    p = parse_ok(s);
    vg_pattern_free(p);
    s[VG_PATTERN_MAX_LEN] = ' ';
    s[VG_PATTERN_MAX_LEN + 1] = '\0';
    expect_err(s, VG_LIMIT, VG_PATTERN_MAX_LEN, "longer than 65536 bytes");
    free(s);
    /* Comparisons. */
    s = repeat("[a:b = 1", " OR a:b = 1", VG_PATTERN_MAX_CMPS - 1, "]", "", 0, "");
    p = parse_ok(s);
    assert_int_equal(p->ncmps, VG_PATTERN_MAX_CMPS);
    vg_pattern_free(p);
    free(s);
    s = repeat("[a:b = 1", " OR a:b = 1", VG_PATTERN_MAX_CMPS, "]", "", 0, "");
    n = strlen("[a:b = 1") + strlen(" OR a:b = 1") * (VG_PATTERN_MAX_CMPS - 1) + 4;
    expect_err(s, VG_LIMIT, (long long)n, "more than 4096 comparisons");
    free(s);
    /* A huge IN list is one comparison. */
    s = repeat("[ipv4-addr:value IN ('1.2.3.4'", ", '1.2.3.4'", 5000, ")]", "", 0, "");
    p = parse_ok(s);
    assert_int_equal(p->ncmps, 1);
    assert_int_equal(p->cmps[0].nvalues, 5001);
    memset(&c, 0, sizeof(c));
    c.stop_after = 100000;
    assert_int_equal(vg_pattern_observables(p, collect_cb, &c), 0);
    assert_int_equal(c.count, 5001);
    vg_pattern_free(p);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_examples),    cmocka_unit_test(test_comparisons),
        cmocka_unit_test(test_observables),      cmocka_unit_test(test_callback_stops),
        cmocka_unit_test(test_syntax_errors),    cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_nul_bytes),        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_length_and_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
