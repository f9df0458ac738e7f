/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_flat.c - the plain, CSV and MISP readers and format detection.
 *
 * Most tests describe an input and the exact trace the reader must produce,
 * one line per call: "ok LINE VALUE attr=..." (only the attributes that are
 * set), "invalid LINE FIELD: MESSAGE", "end", or "CODE LINE MESSAGE" for a
 * fatal error; "new CODE LINE FIELD: MESSAGE" when the reader cannot even be
 * created.  Every input is read with several chunk sizes, from one byte to
 * the whole input at once, and all must give the same trace.  A '*' in an
 * expected line matches any text.  maltrail's lists (../shared/data) are read
 * whole and their records counted against an independent line count.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dirent.h>

#include "codec/flat.h"
#include "common/buf.h"
#include "common/vtime.h"
#include "support.h"

/* ---- sources ---- */

/* An endless stream of one byte, up to limit bytes. */
struct fill_src {
    char c;
    size_t limit, served;
};

static long fill_read(void *ctx, char *buf, size_t cap)
{
    struct fill_src *s = ctx;
    size_t n = s->limit - s->served < cap ? s->limit - s->served : cap;

    memset(buf, s->c, n);
    s->served += n;
    return (long)n;
}

static long file_read(void *ctx, char *buf, size_t cap)
{
    FILE *f = ctx;
    size_t n = fread(buf, 1, cap, f);

    return n == 0 && ferror(f) ? -1 : (long)n;
}

/* ---- traces ---- */

static const char *const kind_names[VG_OBS_KIND_COUNT] = {
    "",    "ipv4",  "ipv6", "ipv4-cidr", "ipv6-cidr", "domain",
    "url", "email", "md5",  "sha1",      "sha256",    "sha512",
};

/* Text with CR, LF and tabs made visible so that a trace stays one line. */
static void put_visible(struct vg_buf *t, const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (s[i] == '\r')
            vg_buf_puts(t, "\\r");
        else if (s[i] == '\n')
            vg_buf_puts(t, "\\n");
        else if (s[i] == '\t')
            vg_buf_puts(t, "\\t");
        else
            vg_buf_putc(t, s[i]);
    }
}

static void put_time(struct vg_buf *t, const char *name, int64_t us)
{
    char text[VG_TIME_TEXT_MAX];

    vg_time_format_us(us, text);
    vg_buf_printf(t, " %s=%s", name, text);
}

static void trace_rec(struct vg_buf *t, const struct vg_flat_record *rec)
{
    assert_non_null(rec->value);
    assert_int_equal(strlen(rec->value), rec->len); /* NUL-terminated, no NUL inside */
    vg_buf_printf(t, "ok %ld ", rec->line);
    put_visible(t, rec->value, rec->len);
    if (rec->kind != VG_OBS_NONE)
        vg_buf_printf(t, " kind=%s", kind_names[rec->kind]);
    if (rec->label) {
        vg_buf_puts(t, " label=");
        put_visible(t, rec->label, strlen(rec->label));
    }
    if (rec->has_tlp)
        vg_buf_printf(t, " tlp=%s", vg_tlp_name(rec->tlp));
    if (rec->confidence >= 0)
        vg_buf_printf(t, " conf=%d", rec->confidence);
    if (rec->first_seen_us)
        put_time(t, "first", rec->first_seen_us);
    if (rec->last_seen_us)
        put_time(t, "last", rec->last_seen_us);
    if (rec->description) {
        vg_buf_puts(t, " desc=");
        put_visible(t, rec->description, strlen(rec->description));
    }
    if (rec->uuid)
        vg_buf_printf(t, " uuid=%s", rec->uuid);
    if (rec->org_only)
        vg_buf_puts(t, " org_only");
    if (rec->group_name)
        vg_buf_printf(t, " group=%s", rec->group_name);
    vg_buf_putc(t, '\n');
}

static void trace_err(struct vg_buf *t, const char *what, const struct vg_error *err)
{
    vg_buf_printf(t, "%s %ld ", what, err->line);
    if (err->field[0])
        vg_buf_printf(t, "%s: ", err->field);
    put_visible(t, err->msg, strlen(err->msg));
    vg_buf_putc(t, '\n');
}

/*
 * Read everything, one trace line per call.  Checks that the last answer
 * sticks and that the error code matches the return code.
 */
static void read_all(enum vg_flat_format fmt, vg_read_fn fn, void *ctx, struct vg_buf *t)
{
    struct vg_flat_reader *r = NULL;
    struct vg_error err;
    enum vg_rc rc;
    int steps = 0;

    vg_error_clear(&err);
    rc = vg_flat_reader_new(fmt, fn, ctx, &r, &err);
    if (rc != VG_OK) {
        assert_null(r);
        assert_int_equal(err.code, rc);
        vg_buf_puts(t, "new ");
        trace_err(t, vg_rc_name(rc), &err);
        vg_buf_puts(t, "");
        return;
    }
    for (;;) {
        struct vg_flat_record rec;

        assert_true(++steps < 100000);
        vg_error_clear(&err);
        rc = vg_flat_reader_next(r, &rec, &err);
        if (rc == VG_OK) {
            trace_rec(t, &rec);
            continue;
        }
        if (rc == VG_NOT_FOUND) {
            vg_buf_puts(t, "end\n");
        } else {
            assert_int_equal(err.code, rc);
            trace_err(t, rc == VG_INVALID ? "invalid" : vg_rc_name(rc), &err);
            if (rc == VG_INVALID)
                continue;
        }
        {
            struct vg_error again;

            vg_error_clear(&again);
            assert_int_equal(vg_flat_reader_next(r, &rec, &again), rc);
            if (rc != VG_NOT_FOUND)
                assert_string_equal(again.msg, err.msg);
        }
        break;
    }
    vg_flat_reader_free(r);
}

static char *trace_mem(enum vg_flat_format fmt, const char *data, size_t len, size_t chunk)
{
    struct mem_src s = {data, len, 0, chunk, 0};
    struct vg_buf t;

    vg_buf_init(&t, 0);
    vg_buf_puts(&t, "");
    read_all(fmt, mem_read, &s, &t);
    return t.data;
}

static void expect_len(enum vg_flat_format fmt, const char *data, size_t len, const char *expected)
{
    static const size_t chunks[] = {1, 2, 3, 7, 64, 4096, 1u << 20};
    char *first = NULL;
    size_t i;

    for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
        char *t = trace_mem(fmt, data, len, chunks[i]);

        if (first == NULL) {
            if (!match(expected, t)) {
                print_error("expected:\n%s\ngot:\n%s\n", expected, t);
                free(t);
                fail();
            }
            first = t;
        } else {
            if (strcmp(first, t) != 0) {
                print_error("chunk %zu differs:\n%s\nfrom:\n%s\n", chunks[i], t, first);
                free(t);
                free(first);
                fail();
            }
            free(t);
        }
    }
    free(first);
}

static void expect(enum vg_flat_format fmt, const char *data, const char *expected)
{
    expect_len(fmt, data, strlen(data), expected);
}

/* ---- plain ---- */

static void test_plain_basic(void **state)
{
    (void)state;
    expect(VG_FLAT_PLAIN,
           "# Aliases: Emotet\n"
           "\n"
           "evil.example.com\n"
           "   1.2.3.4:443   \n"
           "unrecom.net         # UnReCoM RAT\n"
           "tab.example.net\t\n"
           "\t# indented comment\n"
           "http://x.example.org/#!/view/1\n"
           "http://y.example.org/a #b\n"
           "bad#not-a-comment.example\n"
           "#\n"
           "last.example",
           "ok 3 evil.example.com\n"
           "ok 4 1.2.3.4:443\n"
           "ok 5 unrecom.net\n"
           "ok 6 tab.example.net\n"
           "ok 8 http://x.example.org/#!/view/1\n"
           "ok 9 http://y.example.org/a\n"
           "ok 10 bad#not-a-comment.example\n"
           "ok 12 last.example\n"
           "end\n");
}

static void test_plain_crlf_bom(void **state)
{
    (void)state;
    expect(VG_FLAT_PLAIN,
           "\xEF\xBB\xBF"
           "a.example\r\n# c\r\n\r\nb.example # x\r\nc.example\r",
           "ok 1 a.example\n"
           "ok 4 b.example\n"
           "ok 5 c.example\n"
           "end\n");
    /* A BOM only at the very start; a second one is data (and not a comment). */
    expect(VG_FLAT_PLAIN, "\xEF\xBB\xBF\xEF\xBB\xBFx\n",
           "ok 1 \xEF\xBB\xBFx\n"
           "end\n");
    expect(VG_FLAT_PLAIN, "\xEF\xBB\xBF", "end\n");
    expect(VG_FLAT_PLAIN, "\xEF\xBB", "invalid 1 invalid UTF-8 at line 1\nend\n");
}

static void test_plain_empty(void **state)
{
    (void)state;
    expect(VG_FLAT_PLAIN, "", "end\n");
    expect(VG_FLAT_PLAIN, "\n\n  \n# only comments\n", "end\n");
}

static void test_plain_long_line(void **state)
{
    size_t n = 2 * VG_FLAT_LINE_MAX + 100, at = 0;
    char *d = malloc(n + VG_FLAT_LINE_MAX + 100);

    (void)state;
    assert_non_null(d);
    memcpy(d + at, "first.example\n", 14);
    at += 14;
    memset(d + at, 'a', VG_FLAT_LINE_MAX + 1); /* one byte too many */
    at += VG_FLAT_LINE_MAX + 1;
    memcpy(d + at, "\nsecond.example\n", 16);
    at += 16;
    memset(d + at, 'b', VG_FLAT_LINE_MAX); /* exactly the limit, with CR LF */
    at += VG_FLAT_LINE_MAX;
    memcpy(d + at, "\r\nthird.example\n", 16);
    at += 16;
    memset(d + at, 'c', 3 * 1000); /* a long comment line is skipped */
    d[at] = '#';
    at += 3000;
    memcpy(d + at, "\n", 1);
    at += 1;
    expect_len(VG_FLAT_PLAIN, d, at,
               "ok 1 first.example\n"
               "invalid 2 line 2 is longer than 65536 bytes\n"
               "ok 3 second.example\n"
               "ok 4 b*\n"
               "ok 5 third.example\n"
               "end\n");
    /* The last line, without a newline, over the limit. */
    memset(d, 'z', VG_FLAT_LINE_MAX + 10);
    expect_len(VG_FLAT_PLAIN, d, VG_FLAT_LINE_MAX + 10,
               "invalid 1 line 1 is longer than 65536 bytes\nend\n");
    free(d);
}

static void test_plain_nul_utf8(void **state)
{
    static const char in[] = "a.example\n"
                             "nul\0.example\n"
                             "\xff.example\n"
                             "ok.example # comment \xff\xfe is not read\n"
                             "\xc0\xaf.example\n"                  /* overlong '/' */
                             "\xed\xa0\x80.example\n"              /* surrogate */
                             "\xf4\x90\x80\x80.example\n"          /* past U+10FFFF */
                             "\xe2\x82.example\n"                  /* truncated */
                             "\xd0\xbf\xd1\x80.\xd1\x80\xd1\x84\n" /* valid Cyrillic */
                             "\xf0\x9f\x98\x80.example\n"          /* valid 4-byte */
                             "end.example\n";

    (void)state;
    expect_len(VG_FLAT_PLAIN, in, sizeof(in) - 1,
               "ok 1 a.example\n"
               "invalid 2 NUL byte at line 2\n"
               "invalid 3 invalid UTF-8 at line 3\n"
               "ok 4 ok.example\n"
               "invalid 5 invalid UTF-8 at line 5\n"
               "invalid 6 invalid UTF-8 at line 6\n"
               "invalid 7 invalid UTF-8 at line 7\n"
               "invalid 8 invalid UTF-8 at line 8\n"
               "ok 9 \xd0\xbf\xd1\x80.\xd1\x80\xd1\x84\n"
               "ok 10 \xf0\x9f\x98\x80.example\n"
               "ok 11 end.example\n"
               "end\n");
}

static void test_read_error(void **state)
{
    static const char in[] = "a.example\nb.example\nc.example\n";
    struct mem_src s = {in, sizeof(in) - 1, 0, 4, 12};
    struct vg_buf t;

    (void)state;
    vg_buf_init(&t, 0);
    vg_buf_puts(&t, "");
    read_all(VG_FLAT_PLAIN, mem_read, &s, &t);
    assert_string_equal(t.data, "ok 1 a.example\nio 2 read error\n");
    vg_buf_reset(&t);

    s = (struct mem_src){"value\n1.2.3.4\n5.6.7.8\n", 22, 0, 3, 16};
    read_all(VG_FLAT_CSV, mem_read, &s, &t);
    assert_string_equal(t.data, "ok 2 1.2.3.4\nio 3 read error\n");
    vg_buf_reset(&t);

    s = (struct mem_src){"value\n", 6, 0, 3, 2};
    read_all(VG_FLAT_CSV, mem_read, &s, &t);
    assert_string_equal(t.data, "new io 1 read error\n");
    vg_buf_reset(&t);

    s = (struct mem_src){"{\"Event\":{}}", 12, 0, 3, 5};
    read_all(VG_FLAT_MISP, mem_read, &s, &t);
    assert_string_equal(t.data, "new io 0 read error\n");
    vg_buf_cleanup(&t);
}

static void test_offset(void **state)
{
    static const char in[] = "a.example\n\nb.example\n";
    struct mem_src s = {in, sizeof(in) - 1, 0, 5, 0};
    struct vg_flat_reader *r = NULL;
    struct vg_flat_record rec;
    struct vg_error err;

    (void)state;
    assert_int_equal(vg_flat_reader_new(VG_FLAT_PLAIN, mem_read, &s, &r, &err), VG_OK);
    assert_int_equal(vg_flat_reader_next(r, &rec, &err), VG_OK);
    assert_true(vg_flat_reader_offset(r) == 10);
    assert_int_equal(vg_flat_reader_next(r, &rec, &err), VG_OK);
    assert_true(vg_flat_reader_offset(r) == 21);
    assert_int_equal(vg_flat_reader_next(r, &rec, &err), VG_NOT_FOUND);
    assert_true(vg_flat_reader_offset(r) == 21);
    vg_flat_reader_free(r);

    /* A rejected row carries its line and the byte offset where it starts. */
    s = (struct mem_src){"value,kind\n1.2.3.4,ipv4\nx\n", 26, 0, 64, 0};
    assert_int_equal(vg_flat_reader_new(VG_FLAT_CSV, mem_read, &s, &r, &err), VG_OK);
    assert_int_equal(vg_flat_reader_next(r, &rec, &err), VG_OK);
    vg_error_clear(&err);
    assert_int_equal(vg_flat_reader_next(r, &rec, &err), VG_INVALID);
    assert_int_equal(err.line, 3);
    assert_true(err.offset == 24);
    vg_flat_reader_free(r);
    vg_flat_reader_free(NULL);
}

/* ---- CSV ---- */

static void test_csv_basic(void **state)
{
    (void)state;
    expect(VG_FLAT_CSV,
           "value,kind,label,tlp,confidence,first_seen,last_seen,description,extra\n"
           "203.0.113.9,ipv4,nightfall,amber,90,2026-10-01,2026-10-31T12:00:00Z,gate,x\n"
           "evil.example.com,,,,,,,,\n"
           " spaced.example , domain , fam , TLP:RED , 0 , 2026-01-01T00:00:00.5Z ,,  d  ,\n"
           "e.example,,,white,100,2026-01-01T01:00:00+01:00,2026-01-01t00:00:00z,,\n"
           "f.example,sha256,,amber+strict,7,2025-12-31T23:00:00-01:30,,,\n",
           "ok 2 203.0.113.9 kind=ipv4 label=nightfall tlp=amber conf=90 "
           "first=2026-10-01T00:00:00.000000Z last=2026-10-31T12:00:00.000000Z desc=gate\n"
           "ok 3 evil.example.com\n"
           "ok 4 spaced.example kind=domain label=fam tlp=red conf=0 "
           "first=2026-01-01T00:00:00.500000Z desc=d\n"
           "ok 5 e.example tlp=clear conf=100 first=2026-01-01T00:00:00.000000Z "
           "last=2026-01-01T00:00:00.000000Z\n"
           "ok 6 f.example kind=sha256 tlp=amber+strict conf=7 "
           "first=2026-01-01T00:30:00.000000Z\n"
           "end\n");
}

static void test_csv_aliases(void **state)
{
    struct mem_src s;
    struct vg_flat_reader *r = NULL;
    struct vg_flat_record rec;
    struct vg_error err;

    (void)state;
    expect(VG_FLAT_CSV,
           "First_Seen,Comment,IOC,Type,Family,TLP,Confidence,LAST_SEEN\n"
           "2026-02-03,c,1.2.3.4,ipv4,f,green,5,2026-02-04\n",
           "ok 2 1.2.3.4 kind=ipv4 label=f tlp=green conf=5 first=2026-02-03T00:00:00.000000Z "
           "last=2026-02-04T00:00:00.000000Z desc=c\n"
           "end\n");
    expect(VG_FLAT_CSV, "Indicator,Malware\na.example,m\n", "ok 2 a.example label=m\nend\n");
    expect(VG_FLAT_CSV, "observable,tag\na.example,t\n", "ok 2 a.example label=t\nend\n");
    expect(VG_FLAT_CSV, "Value\na.example\n", "ok 2 a.example\nend\n");
    /* One column: the blank-line check and the value read the same field. */
    expect(VG_FLAT_CSV, " value \n  a.example \t\n\" b.example \"  \r\n",
           "ok 2 a.example\nok 3 b.example\nend\n");
    /* The record names the value column as the file spells it, for errors. */
    s = (struct mem_src){"x,Indicator\n,a.example\n", 23, 0, 64, 0};
    assert_int_equal(vg_flat_reader_new(VG_FLAT_CSV, mem_read, &s, &r, &err), VG_OK);
    assert_int_equal(vg_flat_reader_next(r, &rec, &err), VG_OK);
    assert_string_equal(rec.field, "Indicator");
    vg_flat_reader_free(r);
}

static void test_csv_quoted(void **state)
{
    (void)state;
    expect(VG_FLAT_CSV,
           "\"value\",\"description\",\"label\"\n"
           "\"a.example\",\"two\nlines, with \"\"quotes\"\"\",\"x\"\n"
           "b.example,\"\",\n"
           "c.example,  \"  padded  \"  ,\"a,b\"\n"
           "\"d.example\",\"\n\n\",\"\"\"\"\n"
           "e.example,un\"quoted,\n",
           "ok 2 a.example label=x desc=two\\nlines, with \"quotes\"\n"
           "ok 4 b.example\n"
           "ok 5 c.example label=a,b desc=padded\n"
           "ok 6 d.example label=\"\n"
           "ok 9 e.example desc=un\"quoted\n"
           "end\n");
}

static void test_csv_crlf_bom(void **state)
{
    (void)state;
    expect(VG_FLAT_CSV,
           "\xEF\xBB\xBF\"value\",kind\r\n"
           "1.2.3.4,ipv4\r\n"
           "\r\n"
           "\"a.example\",domain\r\n"
           "\"multi\r\nline\",\r\n"
           "last.example,domain",
           "ok 2 1.2.3.4 kind=ipv4\n"
           "ok 4 a.example kind=domain\n"
           "ok 5 multi\\r\\nline\n"
           "ok 7 last.example kind=domain\n"
           "end\n");
    /* A quoted CR is data, an unquoted CR before LF is not. */
    expect(VG_FLAT_CSV, "value,description\r\nx,\"d\re\"\r\n",
           "ok 2 x desc=d\\re\n"
           "end\n");
}

static void test_csv_blank_lines(void **state)
{
    (void)state;
    expect(VG_FLAT_CSV, "\n  \n\r\nvalue,label\n\n   \t\na.example,l\n\n\"\",l\n,\n",
           "ok 7 a.example label=l\n"
           "invalid 9 value: empty value\n"
           "invalid 10 value: empty value\n"
           "end\n");
    /* With one column a quoted empty field is a row, not a blank line. */
    expect(VG_FLAT_CSV, "value\n\"\"\n\na\n",
           "invalid 2 value: empty value\n"
           "ok 4 a\n"
           "end\n");
}

static void test_csv_header_errors(void **state)
{
    (void)state;
    expect(VG_FLAT_CSV, "kind,label\n1.2.3.4,x\n",
           "new invalid 1 value: CSV header has no value column (value, indicator, ioc or "
           "observable)\n");
    expect(VG_FLAT_CSV, "\n\nvalues,ioc_type\n",
           "new invalid 3 value: CSV header has no value column*\n");
    expect(VG_FLAT_CSV, "", "new invalid 0 empty input: a CSV file needs a header\n");
    expect(VG_FLAT_CSV, "\n \r\n\n", "new invalid 0 empty input: a CSV file needs a header\n");
    expect(VG_FLAT_CSV, "value,ioc\n",
           "new invalid 1 ioc: CSV header: columns 'value' and 'ioc' are both value\n");
    expect(VG_FLAT_CSV, "Type,value,kind\n",
           "new invalid 1 kind: CSV header: columns 'Type' and 'kind' are both kind\n");
    expect(VG_FLAT_CSV, "value,\xff\n", "new invalid 1 CSV header: invalid UTF-8 at line 1\n");
    expect(VG_FLAT_CSV, "\"value,kind\n",
           "new invalid 1 CSV header: quoted field opened at line 1 is not closed\n");
    /* A header alone: no rows. */
    expect(VG_FLAT_CSV, "value", "end\n");
}

static void test_csv_field_count(void **state)
{
    (void)state;
    expect(VG_FLAT_CSV,
           "value,kind,label\n"
           "a.example,domain,x\n"
           "b.example,domain\n"
           "c.example,domain,x,y\n"
           "\"d.example,domain,x\"\n"
           "e.example,domain,\"x\n"
           "y\"\n"
           "f.example,domain,x\n",
           "ok 2 a.example kind=domain label=x\n"
           "invalid 3 line 3 has 2 fields, the header 3\n"
           "invalid 4 line 4 has 4 fields, the header 3\n"
           "invalid 5 line 5 has 1 fields, the header 3\n"
           "ok 6 e.example kind=domain label=x\\ny\n"
           "ok 8 f.example kind=domain label=x\n"
           "end\n");
}

static void test_csv_bad_values(void **state)
{
    (void)state;
    expect(VG_FLAT_CSV,
           "Value,Kind,TLP,Confidence,First_Seen,Last_Seen\n"
           "a,ipv4,purple,,,\n"
           "b,ipv4,,101,,\n"
           "c,ipv4,,-1,,\n"
           "d,ipv4,,5.5,,\n"
           "e,ipv4,,00050,,\n"
           "f,ipv4,,,yesterday,\n"
           "g,ipv4,,,,2026-02-30\n"
           "h,ipv4,,,2026-01-01T00:00:00+01:00Z,\n"
           "i,bogus-kind,,,,\n"
           "j,ipv4,,,2026-13-01,\n"
           "k,ipv4,,,2026-01-01 00:00:00Z,\n"
           "l,ipv4,tlp:amber,050,2024-02-29,2026-01-01T00:00:00+23:59\n",
           "invalid 2 TLP: 'purple' is not a TLP level (clear, green, amber, amber+strict, red)\n"
           "invalid 3 Confidence: '101' is not a confidence from 0 to 100\n"
           "invalid 4 Confidence: '-1' is not a confidence from 0 to 100\n"
           "invalid 5 Confidence: '5.5' is not a confidence from 0 to 100\n"
           "invalid 6 Confidence: '00050' is not a confidence from 0 to 100\n"
           "invalid 7 First_Seen: 'yesterday' is not an RFC 3339 time or a date\n"
           "invalid 8 Last_Seen: '2026-02-30' is not an RFC 3339 time or a date\n"
           "invalid 9 First_Seen: '2026-01-01T00:00:00+01:00Z' is not an RFC 3339 time or a "
           "date\n"
           "invalid 10 Kind: unknown kind 'bogus-kind'\n"
           "invalid 11 First_Seen: '2026-13-01' is not an RFC 3339 time or a date\n"
           "invalid 12 First_Seen: '2026-01-01 00:00:00Z' is not an RFC 3339 time or a date\n"
           "ok 13 l kind=ipv4 tlp=amber conf=50 first=2024-02-29T00:00:00.000000Z "
           "last=2025-12-31T00:01:00.000000Z\n"
           "end\n");
}

static void test_csv_long_record(void **state)
{
    size_t cap = 4 * VG_FLAT_LINE_MAX, at = 0;
    char *d = malloc(cap);

    (void)state;
    assert_non_null(d);
#define PUT(s)                                                                                     \
    do {                                                                                           \
        memcpy(d + at, s, strlen(s));                                                              \
        at += strlen(s);                                                                           \
    } while (0)
    PUT("value,description\n");
    PUT("a.example,");
    memset(d + at, 'x', VG_FLAT_LINE_MAX); /* unquoted, too long */
    at += VG_FLAT_LINE_MAX;
    PUT("\nb.example,\"");
    memset(d + at, 'y', VG_FLAT_LINE_MAX); /* quoted on one line, too long */
    at += VG_FLAT_LINE_MAX;
    PUT("\"\nc.example,\"");
    /* quoted over many short lines: the window ends at the first newline
     * past the limit, and the rest of that field reads as rows */
    while (at < 3 * VG_FLAT_LINE_MAX + 100)
        PUT("zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz\n");
    PUT("z\"\nd.example,ok\n");
    expect_len(VG_FLAT_CSV, d, at,
               "invalid 2 record at line 2 is longer than 65536 bytes\n"
               "invalid 3 record at line 3 is longer than 65536 bytes\n"
               "invalid 4 record at line 4 is longer than 65536 bytes\n"
               "**" /* the tail of the broken field, row by row */
               "invalid * line * has 1 fields, the header 2\n"
               "ok * d.example desc=ok\n"
               "end\n");
    /* Exactly the limit is accepted, with LF or CR LF. */
    at = 0;
    PUT("value\n");
    memset(d + at, 'v', VG_FLAT_LINE_MAX);
    at += VG_FLAT_LINE_MAX;
    PUT("\r\n");
    memset(d + at, 'w', VG_FLAT_LINE_MAX);
    at += VG_FLAT_LINE_MAX;
    PUT("\nok.example\n");
    expect_len(VG_FLAT_CSV, d, at, "ok 2 v*\nok 3 w*\nok 4 ok.example\nend\n");
    /* One byte over without CR is over. */
    at = 0;
    PUT("value\n");
    memset(d + at, 'v', VG_FLAT_LINE_MAX + 1);
    at += VG_FLAT_LINE_MAX + 1;
    PUT("\nok.example");
    expect_len(VG_FLAT_CSV, d, at,
               "invalid 2 record at line 2 is longer than 65536 bytes\nok 3 ok.example\nend\n");
#undef PUT
    free(d);
}

static void test_csv_quote_errors(void **state)
{
    (void)state;
    expect(VG_FLAT_CSV, "value,kind\n\"a\"b,ipv4\nc,ipv4\n",
           "invalid 2 text after a closing quote at line 2\n"
           "ok 3 c kind=ipv4\n"
           "end\n");
    expect(VG_FLAT_CSV, "value,kind\nc,ipv4\n\"open,ipv4\nd,ipv4\n",
           "ok 2 c kind=ipv4\n"
           "invalid 3 quoted field opened at line 3 is not closed\n"
           "end\n");
    expect(VG_FLAT_CSV, "value,kind\n\"a\" ,ipv4\n\"b\"\t\r\n",
           "ok 2 a kind=ipv4\n"
           "invalid 3 line 3 has 1 fields, the header 2\n"
           "end\n");
}

static void test_csv_nul_utf8(void **state)
{
    static const char in[] = "value,label\n"
                             "a.example,x\n"
                             "b.example,n\0l\n"
                             "c.example,\xff\n"
                             "\"d\xc3\xa9.example\",\xc3\xa9t\xc3\xa9\n"
                             "\"e\n\xfe\",x\n"
                             "f.example,y\n";

    (void)state;
    expect_len(VG_FLAT_CSV, in, sizeof(in) - 1,
               "ok 2 a.example label=x\n"
               "invalid 3 NUL byte at line 3\n"
               "invalid 4 invalid UTF-8 at line 4\n"
               "ok 5 d\xc3\xa9.example label=\xc3\xa9t\xc3\xa9\n"
               "invalid 6 invalid UTF-8 at line 6\n"
               "ok 8 f.example label=y\n"
               "end\n");
}

static void test_csv_demo_file(void **state)
{
    FILE *f = fopen(VG_TEST_DATA "/demo/acme-op.csv", "rb");
    struct vg_buf t;

    (void)state;
    if (f == NULL)
        skip();
    vg_buf_init(&t, 0);
    vg_buf_puts(&t, "");
    read_all(VG_FLAT_CSV, file_read, f, &t);
    fclose(f);
    assert_true(match("ok 2 203.0.113.9 kind=ipv4 label=nightfall conf=90 "
                      "first=2026-10-01T00:00:00.000000Z desc=gate seen by two sensors\n**",
                      t.data));
    assert_null(strstr(t.data, "invalid"));
    assert_non_null(strstr(t.data, "\nend\n"));
    vg_buf_cleanup(&t);
}

/* ---- MISP ---- */

static void test_misp_event(void **state)
{
    (void)state;
    expect(VG_FLAT_MISP,
           "{\"Event\": {\"info\": \"op\", \"distribution\": \"1\",\n"
           " \"Tag\": [{\"name\": \"tlp:green\"}, {\"name\": \"type:OSINT\"}],\n"
           " \"Attribute\": [\n"
           "  {\"type\": \"ip-dst\", \"value\": \"198.51.100.7\", \"uuid\": "
           "\"5d0b6a53-0000-4000-8000-000000000001\", \"to_ids\": true,\n"
           "   \"comment\": \"C2\", \"timestamp\": \"1560516000\", \"distribution\": \"5\"},\n"
           "  {\"type\": \"ip-src\", \"value\": \"2001:db8::1\", \"comment\": \"\",\n"
           "   \"first_seen\": \"2019-06-14T12:40:00.000000+00:00\",\n"
           "   \"last_seen\": \"2019-06-15T14:40:00.000000+02:00\", \"timestamp\": \"1\"},\n"
           "  {\"type\": \"ip-src\", \"value\": \"10.0.0.0/8\"},\n"
           "  {\"type\": \"ip-dst\", \"value\": \"2001:db8::/32\"},\n"
           "  {\"type\": \"domain\", \"value\": \"evil.example\", \"to_ids\": false},\n"
           "  {\"type\": \"hostname\", \"value\": \"h.evil.example\"},\n"
           "  {\"type\": \"url\", \"value\": \"http://evil.example/x\"},\n"
           "  {\"type\": \"link\", \"value\": \"https://blog.example/report\"},\n"
           "  {\"type\": \"text\", \"value\": \"free text\"},\n"
           "  {\"type\": \"email-src\", \"value\": \"a@evil.example\"},\n"
           "  {\"type\": \"email-dst\", \"value\": \"b@evil.example\"},\n"
           "  {\"type\": \"md5\", \"value\": \"5f4dcc3b5aa765d61d8327deb882cf99\"},\n"
           "  {\"type\": \"sha1\", \"value\": \"s1\"},\n"
           "  {\"type\": \"sha256\", \"value\": \"s256\"},\n"
           "  {\"type\": \"SHA512\", \"value\": \"s512\"},\n"
           "  {\"type\": \"url\", \"value\": \"http://gone.example/\", \"deleted\": true},\n"
           "  {\"type\": \"domain\", \"value\": \"ts.example\", \"timestamp\": 1700000000}\n"
           " ]}}",
           "ok 0 198.51.100.7 kind=ipv4 tlp=green first=2019-06-14T12:40:00.000000Z "
           "desc=C2 uuid=5d0b6a53-0000-4000-8000-000000000001\n"
           "ok 0 2001:db8::1 kind=ipv6 tlp=green first=2019-06-14T12:40:00.000000Z "
           "last=2019-06-15T12:40:00.000000Z\n"
           "ok 0 10.0.0.0/8 kind=ipv4-cidr tlp=green\n"
           "ok 0 2001:db8::/32 kind=ipv6-cidr tlp=green\n"
           "ok 0 evil.example kind=domain tlp=green\n"
           "ok 0 h.evil.example kind=domain tlp=green\n"
           "ok 0 http://evil.example/x kind=url tlp=green\n"
           "ok 0 a@evil.example kind=email tlp=green\n"
           "ok 0 b@evil.example kind=email tlp=green\n"
           "ok 0 5f4dcc3b5aa765d61d8327deb882cf99 kind=md5 tlp=green\n"
           "ok 0 s1 kind=sha1 tlp=green\n"
           "ok 0 s256 kind=sha256 tlp=green\n"
           "ok 0 s512 kind=sha512 tlp=green\n"
           "ok 0 ts.example kind=domain tlp=green first=2023-11-14T22:13:20.000000Z\n"
           "end\n");
}

static void test_misp_composite(void **state)
{
    (void)state;
    expect(
        VG_FLAT_MISP,
        "{\"Event\": {\"Attribute\": [\n"
        "  {\"type\": \"ip-dst|port\", \"value\": \"198.51.100.7|443\"},\n"
        "  {\"type\": \"ip-src|port\", \"value\": \"2001:db8::1|8080\"},\n"
        "  {\"type\": \"hostname|port\", \"value\": \"c2.example|8443\"},\n"
        "  {\"type\": \"domain|ip\", \"value\": \"evil.example|198.51.100.8\"},\n"
        "  {\"type\": \"filename|md5\", \"value\": \"a.exe|5f4dcc3b5aa765d61d8327deb882cf99\"},\n"
        "  {\"type\": \"filename|sha1\", \"value\": \"we|ird.exe|s1\"},\n"
        "  {\"type\": \"filename|sha256\", \"value\": \"b.dll|s256\"},\n"
        "  {\"type\": \"filename|sha512\", \"value\": \"c|s512\"},\n"
        "  {\"type\": \"ip-dst|port\", \"value\": \"198.51.100.7\"},\n"
        "  {\"type\": \"ip-dst|port\", \"value\": \"198.51.100.7|0\"},\n"
        "  {\"type\": \"ip-dst|port\", \"value\": \"198.51.100.7|65536\"},\n"
        "  {\"type\": \"ip-dst|port\", \"value\": \"198.51.100.7|http\"},\n"
        "  {\"type\": \"ip-dst|port\", \"value\": \"|80\"},\n"
        "  {\"type\": \"domain|ip\", \"value\": \"no-bar.example\"},\n"
        "  {\"type\": \"filename|md5\", \"value\": \"a.exe|\"},\n"
        "  {\"type\": \"ip-dst|port\", \"value\": \"198.51.100.9|65535\"}\n"
        " ]}}",
        "ok 0 198.51.100.7:443 kind=ipv4\n"
        "ok 0 [2001:db8::1]:8080 kind=ipv6\n"
        "ok 0 c2.example:8443 kind=domain\n"
        "ok 0 evil.example kind=domain\n"
        "ok 0 5f4dcc3b5aa765d61d8327deb882cf99 kind=md5\n"
        "ok 0 s1 kind=sha1\n"
        "ok 0 s256 kind=sha256\n"
        "ok 0 s512 kind=sha512\n"
        "invalid 0 value: event 1 attribute 9: composite value without '|'\n"
        "invalid 0 value: event 1 attribute 10: the port is not a number from 1 to 65535\n"
        "invalid 0 value: event 1 attribute 11: the port is not a number from 1 to 65535\n"
        "invalid 0 value: event 1 attribute 12: the port is not a number from 1 to 65535\n"
        "invalid 0 value: event 1 attribute 13: empty value\n"
        "invalid 0 value: event 1 attribute 14: composite value without '|'\n"
        "invalid 0 value: event 1 attribute 15: empty value\n"
        "ok 0 198.51.100.9:65535 kind=ipv4\n"
        "end\n");
}

static void test_misp_objects_tags(void **state)
{
    (void)state;
    expect(
        VG_FLAT_MISP,
        "{\"Event\": {\"Tag\": [{\"name\": \"TLP:AMBER\"}, {\"name\": \"tlp:clear\"}],\n"
        " \"Attribute\": [\n"
        "  {\"type\": \"domain\", \"value\": \"a.example\",\n"
        "   \"Tag\": [{\"name\": \"tlp:red\"}, {\"name\": "
        "\"misp-galaxy:malpedia=\\\"Emotet\\\"\"},\n"
        "            {\"name\": \"second\"}]},\n"
        "  {\"type\": \"domain\", \"value\": \"b.example\", \"Tag\": [{\"name\": \"fam\"}]},\n"
        "  {\"type\": \"domain\", \"value\": \"c.example\",\n"
        "   \"Tag\": [{\"name\": \"tlp:amber+strict\"}, {\"name\": \"tlp:green\"},\n"
        "            {\"name\": \"tlp:ex:chr\"}, {\"nom\": \"x\"}, \"str\", {\"name\": 5}]}\n"
        " ],\n"
        " \"Object\": [\n"
        "  {\"name\": \"domain-ip\", \"Attribute\": [\n"
        "    {\"type\": \"domain\", \"value\": \"o1.example\", \"uuid\": \"u1\"},\n"
        "    {\"type\": \"ip-dst\", \"value\": \"198.51.100.1\"},\n"
        "    {\"type\": \"text\", \"value\": \"skipped\"}]},\n"
        "  {\"name\": \"empty\", \"Attribute\": []},\n"
        "  {\"name\": \"none\"},\n"
        "  {\"name\": \"gone\", \"deleted\": true, \"Attribute\": [\n"
        "    {\"type\": \"domain\", \"value\": \"deleted.example\"}]},\n"
        "  {\"name\": \"file\", \"Attribute\": [\n"
        "    {\"type\": \"sha256\", \"value\": \"s256\", \"Tag\": [{\"name\": \"tlp:white\"}]}]}\n"
        " ]}}",
        "ok 0 a.example kind=domain label=misp-galaxy:malpedia=\"Emotet\" tlp=red\n"
        "ok 0 b.example kind=domain label=fam tlp=amber\n"
        "ok 0 c.example kind=domain tlp=amber+strict\n"
        "ok 0 o1.example kind=domain tlp=amber uuid=u1\n"
        "ok 0 198.51.100.1 kind=ipv4 tlp=amber\n"
        "ok 0 s256 kind=sha256 tlp=clear\n"
        "end\n");
}

static void test_misp_distribution(void **state)
{
    (void)state;
    /* Event shared with a sharing group; attributes narrow or inherit. */
    expect(
        VG_FLAT_MISP,
        "{\"Event\": {\"distribution\": \"4\", \"SharingGroup\": {\"name\": \"ev-group\"},\n"
        " \"Attribute\": [\n"
        "  {\"type\": \"domain\", \"value\": \"inherit.example\", \"distribution\": \"5\"},\n"
        "  {\"type\": \"domain\", \"value\": \"absent.example\"},\n"
        "  {\"type\": \"domain\", \"value\": \"org.example\", \"distribution\": \"0\"},\n"
        "  {\"type\": \"domain\", \"value\": \"community.example\", \"distribution\": 1},\n"
        "  {\"type\": \"domain\", \"value\": \"connected.example\", \"distribution\": \"2\"},\n"
        "  {\"type\": \"domain\", \"value\": \"all.example\", \"distribution\": 3},\n"
        "  {\"type\": \"domain\", \"value\": \"sg.example\", \"distribution\": \"4\",\n"
        "   \"SharingGroup\": {\"name\": \"attr-group\"}},\n"
        "  {\"type\": \"domain\", \"value\": \"sg-unnamed.example\", \"distribution\": \"4\"},\n"
        "  {\"type\": \"domain\", \"value\": \"bad.example\", \"distribution\": \"6\"},\n"
        "  {\"type\": \"domain\", \"value\": \"bad2.example\", \"distribution\": [0]},\n"
        "  {\"type\": \"domain\", \"value\": \"null.example\", \"distribution\": null}\n"
        " ],\n"
        " \"Object\": [{\"distribution\": \"0\", \"Attribute\": [\n"
        "  {\"type\": \"domain\", \"value\": \"obj-inherit.example\", \"distribution\": \"5\"},\n"
        "  {\"type\": \"domain\", \"value\": \"obj-own.example\", \"distribution\": \"3\"}]},\n"
        "  {\"distribution\": \"5\", \"Attribute\": [\n"
        "  {\"type\": \"domain\", \"value\": \"obj-event.example\", \"distribution\": \"5\"}]}]\n"
        "}}",
        "ok 0 inherit.example kind=domain group=ev-group\n"
        "ok 0 absent.example kind=domain group=ev-group\n"
        "ok 0 org.example kind=domain org_only\n"
        "ok 0 community.example kind=domain\n"
        "ok 0 connected.example kind=domain\n"
        "ok 0 all.example kind=domain\n"
        "ok 0 sg.example kind=domain group=attr-group\n"
        "ok 0 sg-unnamed.example kind=domain org_only\n"
        "invalid 0 distribution: event 1 attribute 9: distribution is not a number from 0 "
        "to 5\n"
        "invalid 0 distribution: event 1 attribute 10: distribution is not a number from 0 "
        "to 5\n"
        "ok 0 null.example kind=domain group=ev-group\n"
        "ok 0 obj-inherit.example kind=domain org_only\n"
        "ok 0 obj-own.example kind=domain\n"
        "ok 0 obj-event.example kind=domain group=ev-group\n"
        "end\n");
    /* A sharing group the event does not name: narrowed to the organisation. */
    expect(VG_FLAT_MISP,
           "{\"Event\": {\"distribution\": 4, \"Attribute\": [{\"type\": \"domain\", "
           "\"value\": \"x.example\"}]}}",
           "ok 0 x.example kind=domain org_only\nend\n");
}

static void test_misp_wrappers(void **state)
{
    static const char ev1[] =
        "{\"Attribute\": [{\"type\": \"domain\", \"value\": \"one.example\"}]}";
    static const char ev2[] =
        "{\"Attribute\": [{\"type\": \"domain\", \"value\": \"two.example\"}], "
        "\"Object\": [{\"Attribute\": [{\"type\": \"md5\", \"value\": \"m\"}]}]}";
    char doc[1024];

    (void)state;
    snprintf(doc, sizeof(doc), "{\"response\": [{\"Event\": %s}, {\"Event\": %s}]}", ev1, ev2);
    expect(VG_FLAT_MISP, doc,
           "ok 0 one.example kind=domain\nok 0 two.example kind=domain\nok 0 m kind=md5\nend\n");
    snprintf(doc, sizeof(doc), "[{\"Event\": %s}, %s]", ev1, ev2);
    expect(VG_FLAT_MISP, doc,
           "ok 0 one.example kind=domain\nok 0 two.example kind=domain\nok 0 m kind=md5\nend\n");
    snprintf(doc, sizeof(doc), "\xEF\xBB\xBF %s", ev2);
    expect(VG_FLAT_MISP, doc, "ok 0 two.example kind=domain\nok 0 m kind=md5\nend\n");
    snprintf(doc, sizeof(doc), "{\"response\": {\"Attribute\": %s}}",
             "[{\"type\": \"url\", \"value\": \"http://a.example/\"}]");
    expect(VG_FLAT_MISP, doc, "ok 0 http://a.example/ kind=url\nend\n");
    snprintf(doc, sizeof(doc), "{\"response\": {\"Event\": %s}}", ev1);
    expect(VG_FLAT_MISP, doc, "ok 0 one.example kind=domain\nend\n");
    expect(VG_FLAT_MISP, "{\"response\": []}", "end\n");
    expect(VG_FLAT_MISP, "[]", "end\n");
    expect(VG_FLAT_MISP, "{\"Event\": {}}", "end\n");
    /* Bad events inside a list are rejected one by one. */
    snprintf(doc, sizeof(doc), "[1, {\"Event\": \"x\"}, {\"Event\": %s}]", ev1);
    expect(VG_FLAT_MISP, doc,
           "invalid 0 Event: event 1 is not an object\n"
           "invalid 0 Event: event 2 is not an object\n"
           "ok 0 one.example kind=domain\n"
           "end\n");
}

static void test_misp_malformed(void **state)
{
    (void)state;
    expect(VG_FLAT_MISP,
           "{\"Event\": {\"Attribute\": [\n"
           "  {\"type\": \"domain\", \"value\": 5},\n"
           "  {\"value\": \"a.example\"},\n"
           "  {\"type\": 3, \"value\": \"a.example\"},\n"
           "  \"attr\",\n"
           "  {\"type\": \"domain\", \"value\": \"\", \"uuid\": \"u-empty\"},\n"
           "  {\"type\": \"domain\", \"value\": \"t.example\", \"first_seen\": \"tomorrow\"},\n"
           "  {\"type\": \"domain\", \"value\": \"t.example\", \"last_seen\": "
           "\"2019-13-01T00:00:00Z\"},\n"
           "  {\"type\": \"domain\", \"value\": \"t.example\", \"timestamp\": \"12ab\"},\n"
           "  {\"type\": \"domain\", \"value\": \"t.example\", \"timestamp\": -5},\n"
           "  {\"type\": \"domain\", \"value\": \"t.example\", \"timestamp\": 1.5},\n"
           "  {\"type\": \"domain\", \"value\": \"n.example\", \"first_seen\": null, "
           "\"timestamp\": null},\n"
           "  {\"type\": \"unknown-type\", \"value\": 5},\n"
           "  {\"type\": \"domain\", \"value\": \"good.example\"}\n"
           " ],\n"
           " \"Object\": [5, {\"Attribute\": [{\"type\": \"md5\"}]}]}}",
           "invalid 0 value: event 1 attribute 1: value is missing or not a string\n"
           "invalid 0 type: event 1 attribute 2: type is missing or not a string\n"
           "invalid 0 type: event 1 attribute 3: type is missing or not a string\n"
           "invalid 0 Attribute: event 1 attribute 4: not an object\n"
           "invalid 0 value: attribute u-empty: empty value\n"
           "invalid 0 first_seen: event 1 attribute 6: first_seen is not an RFC 3339 time\n"
           "invalid 0 last_seen: event 1 attribute 7: last_seen is not an RFC 3339 time\n"
           "invalid 0 timestamp: event 1 attribute 8: timestamp is not Unix seconds\n"
           "invalid 0 timestamp: event 1 attribute 9: timestamp is not Unix seconds\n"
           "invalid 0 timestamp: event 1 attribute 10: timestamp is not Unix seconds\n"
           "ok 0 n.example kind=domain\n"
           "ok 0 good.example kind=domain\n"
           "invalid 0 Object: event 1: object 1 is not an object\n"
           "invalid 0 value: event 1 object 2 attribute 1: value is missing or not a string\n"
           "end\n");
    expect(VG_FLAT_MISP, "{\"Event\": {\"Attribute\": {}, \"Object\": 7}}",
           "invalid 0 Attribute: event 1: Attribute is not an array\n"
           "invalid 0 Object: event 1: Object is not an array\n"
           "end\n");
    expect(VG_FLAT_MISP, "{\"Event\": {\"Attribute\": null, \"Object\": null}}", "end\n");
}

static void test_misp_document_errors(void **state)
{
    static const char nul[] = "{\"Event\": {\"info\": \"a\0b\"}}";

    (void)state;
    expect(VG_FLAT_MISP, "", "new invalid 0 empty input: no MISP document\n");
    expect(VG_FLAT_MISP, "\xEF\xBB\xBF", "new invalid 0 empty input: no MISP document\n");
    expect(VG_FLAT_MISP, "{\"Event\": {\n\"Attribute\": [}}",
           "new invalid 2 not a valid JSON document: *\n");
    expect(VG_FLAT_MISP, "{\"Event\": {}, \"Event\": {}}",
           "new invalid 1 not a valid JSON document: duplicate object key*\n");
    expect(VG_FLAT_MISP, "{\"Event\": {\"info\": \"\xff\"}}",
           "new invalid 1 not a valid JSON document: *\n");
    expect_len(VG_FLAT_MISP, nul, sizeof(nul) - 1, "new invalid 1 not a valid JSON document: *\n");
    expect(VG_FLAT_MISP, "{\"Event\": {}} x", "new invalid 1 not a valid JSON document: *\n");
    expect(VG_FLAT_MISP, "{\"type\": \"bundle\"}",
           "new invalid 0 not a MISP event: expected {\"Event\": ...} or {\"response\": [...]}\n");
    expect(VG_FLAT_MISP, "\"Event\"", "new invalid 1 not a valid JSON document: *\n");
    expect(VG_FLAT_MISP, "{\"Event\": []}", "new invalid 0 Event: MISP: Event is not an object\n");
    expect(VG_FLAT_MISP, "{\"response\": 5}",
           "new invalid 0 response: MISP: response is not an array of events\n");
}

static void test_misp_limit(void **state)
{
    struct fill_src s = {' ', (size_t)256 * 1024 * 1024 + 1, 0};
    struct vg_flat_reader *r = NULL;
    struct vg_error err;

    (void)state;
    vg_error_clear(&err);
    assert_int_equal(vg_flat_reader_new(VG_FLAT_MISP, fill_read, &s, &r, &err), VG_LIMIT);
    assert_null(r);
    assert_string_equal(err.msg, "MISP document larger than 256 MiB");
    /* Exactly the cap is read (and is not JSON: only blanks). */
    s = (struct fill_src){' ', (size_t)256 * 1024 * 1024, 0};
    assert_int_equal(vg_flat_reader_new(VG_FLAT_MISP, fill_read, &s, &r, &err), VG_INVALID);
    assert_null(r);
}

/* ---- detection ---- */

static void test_detect(void **state)
{
    static const struct {
        const char *head, *fmt;
    } cases[] = {
        {"{\"type\": \"bundle\", \"id\": \"bundle--1\", \"objects\": []}", "stix"},
        {"[{\"type\": \"indicator\"}]", "stix"},
        {"[]", "stix"},
        {"{\"Event\": {\"info\": \"x\"}}", "misp"},
        {"{\n  \"response\" : [", "misp"},
        {"[{\"Event\":{}}]", "misp"},
        {"\xEF\xBB\xBF \r\n\t{\"Event\"\n:", "misp"},
        {"{\"objects\": [{\"description\": \"the \\\"Event\\\" of 2020\"}]}", "stix"},
        {"{\"objects\": [{\"name\": \"Event\"}]}", "stix"},
        {"", "stix"},
        {" \n\r\n", "stix"},
        {"\xEF\xBB\xBF", "stix"},
        {"value,kind,label\n1.2.3.4,ipv4,x\n", "csv"},
        {"\xEF\xBB\xBF\"Indicator\" , Type\r\n", "csv"},
        {"first_seen,IOC\n", "csv"},
        {"kind,observable", "csv"},
        {"value\n1.2.3.4\n", "plain"},
        {"values,kind\n", "plain"},
        {"1.2.3.4,5.6.7.8\n", "plain"},
        {"http://x.example/?value=1,2\n", "plain"},
        {"# value,kind\n", "plain"},
        {"evil.example\nvalue,kind\n", "plain"},
        {"evil.example\n", "plain"},
        {"  203.0.113.9\n", "plain"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *got = vg_codec_detect(cases[i].head, strlen(cases[i].head));

        if (strcmp(got, cases[i].fmt) != 0) {
            print_error("case %zu: '%s' detected as %s, not %s\n", i, cases[i].head, got,
                        cases[i].fmt);
            fail();
        }
    }
    /* Only len bytes are looked at. */
    assert_string_equal(vg_codec_detect("value,kind", 5), "plain");
    assert_string_equal(vg_codec_detect("{\"Event\"", 7), "stix");
    assert_string_equal(vg_codec_detect("{\"Event\"", 8), "misp");
}

/* ---- maltrail ---- */

/*
 * Independent count: a line is a record unless, after leading white space,
 * it is empty or starts with '#'.  (Trailing comments do not change the
 * count.)
 */
static size_t count_lines(FILE *f)
{
    char *line = NULL;
    size_t cap = 0, n = 0;
    ssize_t len;

    while ((len = getline(&line, &cap, f)) >= 0) {
        const char *p = line;

        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
            p++;
        if (*p != '\0' && *p != '#')
            n++;
    }
    free(line);
    return n;
}

static void test_maltrail(void **state)
{
    const char *dir = VG_SHARED_DATA "/maltrail/trails/static/malware";
    size_t files = 0, total = 0, with_hash = 0;
    struct dirent *e;
    DIR *d = opendir(dir);

    (void)state;
    if (d == NULL) {
        print_message("%s not found (../shared/data is absent): skipped\n", dir);
        skip();
    }
    while ((e = readdir(d)) != NULL) {
        char path[4096];
        struct vg_flat_reader *r = NULL;
        struct vg_flat_record rec;
        struct vg_error err;
        size_t want, got = 0;
        enum vg_rc rc;
        FILE *f;

        if (strlen(e->d_name) < 5 || strcmp(e->d_name + strlen(e->d_name) - 4, ".txt") != 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        assert_non_null(f = fopen(path, "rb"));
        want = count_lines(f);
        rewind(f);
        vg_error_clear(&err);
        assert_int_equal(vg_flat_reader_new(VG_FLAT_PLAIN, file_read, f, &r, &err), VG_OK);
        while ((rc = vg_flat_reader_next(r, &rec, &err)) == VG_OK) {
            char first = rec.value[0], last = rec.value[rec.len - 1];

            got++;
            /* Trimmed, no comment; inner blanks stay ("/a b.apk" is a URL path). */
            assert_true(rec.len > 0 && first != '#');
            assert_false(first == ' ' || first == '\t' || last == ' ' || last == '\t');
            with_hash += memchr(rec.value, '#', rec.len) != NULL;
        }
        if (rc != VG_NOT_FOUND)
            print_error("%s:%ld: %s\n", path, err.line, err.msg);
        assert_int_equal(rc, VG_NOT_FOUND);
        if (got != want)
            print_error("%s: %zu records, %zu by line count\n", path, got, want);
        assert_int_equal(got, want);
        vg_flat_reader_free(r);
        fclose(f);
        files++;
        total += got;
    }
    closedir(d);
    print_message("maltrail: %zu files, %zu records (%zu with a '#' inside)\n", files, total,
                  with_hash);
    assert_true(files > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_basic),
        cmocka_unit_test(test_plain_crlf_bom),
        cmocka_unit_test(test_plain_empty),
        cmocka_unit_test(test_plain_long_line),
        cmocka_unit_test(test_plain_nul_utf8),
        cmocka_unit_test(test_read_error),
        cmocka_unit_test(test_offset),
        cmocka_unit_test(test_csv_basic),
        cmocka_unit_test(test_csv_aliases),
        cmocka_unit_test(test_csv_quoted),
        cmocka_unit_test(test_csv_crlf_bom),
        cmocka_unit_test(test_csv_blank_lines),
        cmocka_unit_test(test_csv_header_errors),
        cmocka_unit_test(test_csv_field_count),
        cmocka_unit_test(test_csv_bad_values),
        cmocka_unit_test(test_csv_long_record),
        cmocka_unit_test(test_csv_quote_errors),
        cmocka_unit_test(test_csv_nul_utf8),
        cmocka_unit_test(test_csv_demo_file),
        cmocka_unit_test(test_misp_event),
        cmocka_unit_test(test_misp_composite),
        cmocka_unit_test(test_misp_objects_tags),
        cmocka_unit_test(test_misp_distribution),
        cmocka_unit_test(test_misp_wrappers),
        cmocka_unit_test(test_misp_malformed),
        cmocka_unit_test(test_misp_document_errors),
        cmocka_unit_test(test_misp_limit),
        cmocka_unit_test(test_detect),
        cmocka_unit_test(test_maltrail),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
