/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_match.c - the log scanner: a table of real log formats (Zeek TSV and
 * JSON, Suricata EVE, proxy and web server access logs, DNS query logs,
 * syslog, CSV) with the hits each line must give, and the near misses that
 * must give none.  The index is a real one, built with the builder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "index/index.h"
#include "match/fields.h"
#include "match/match.h"

static const struct {
    enum vg_obs_kind kind;
    const char *value;
    const char *label;
} indicators[] = {
    {VG_OBS_DOMAIN, "evil.com", "emotet"},
    {VG_OBS_DOMAIN, "bad.example.net", "qakbot"},
    {VG_OBS_DOMAIN, "xn--bcher-kva.de", "idn"},
    {VG_OBS_DOMAIN, "sub.phish.org", "phish"},
    {VG_OBS_IPV4, "1.2.3.4", "c2"},
    {VG_OBS_IPV4, "203.0.113.77", "c2"},
    {VG_OBS_CIDR4, "198.51.100.0/24", "bulletproof"},
    {VG_OBS_CIDR4, "10.0.0.0/8", "wide"},
    {VG_OBS_CIDR4, "10.1.0.0/16", "narrow"},
    {VG_OBS_IPV6, "2001:db8::1", "v6"},
    {VG_OBS_CIDR6, "2001:db8:ff00::/40", "v6range"},
    {VG_OBS_URL, "http://dropper.org/payload.bin", "dropper"},
    {VG_OBS_URL, "https://5.6.7.8/x/y.php?id=1", "panel"},
    {VG_OBS_MD5, "d41d8cd98f00b204e9800998ecf8427e", "empty"},
    {VG_OBS_SHA256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "empty"},
};

static struct vg_index *idx;

static int setup(void **state)
{
    struct vg_index_builder *b = vg_index_builder_new();
    struct vg_error err;
    void *img;
    size_t n, i;

    (void)state;
    assert_non_null(b);
    for (i = 0; i < sizeof(indicators) / sizeof(indicators[0]); i++) {
        struct vg_index_item it = {indicators[i].kind,
                                   indicators[i].value,
                                   strlen(indicators[i].value),
                                   indicators[i].label,
                                   VG_TLP_GREEN,
                                   1,
                                   NULL};

        if (vg_index_builder_add(b, &it, &err) != VG_OK)
            fail_msg("%s: %s", indicators[i].value, err.msg);
    }
    assert_int_equal(vg_index_builder_finish(b, &img, &n, &err), VG_OK);
    vg_index_builder_free(b);
    assert_int_equal(vg_index_open_mem(img, n, 0, 1, &idx, &err), VG_OK);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    vg_index_free(idx);
    return 0;
}

struct scan_ctx {
    struct {
        char buf[4096];
        size_t n;
    } g;
    const char *text;
};

static int collect_text(void *ctx, const struct vg_match_hit *h)
{
    struct scan_ctx *c = ctx;
    struct vg_index_view v;

    assert_int_equal(vg_index_entry(idx, h->hit.entry, &v), VG_OK);
    c->g.n +=
        (size_t)snprintf(c->g.buf + c->g.n, sizeof(c->g.buf) - c->g.n, "%.*s>%.*s/%s;", (int)h->len,
                         c->text + h->offset, (int)v.len, v.value, vg_index_rule_name(h->hit.rule));
    return 0;
}

static void expect_hits(const char *line, const char *want)
{
    struct scan_ctx c;

    memset(&c, 0, sizeof(c));
    c.text = line;
    vg_match_scan(idx, line, strlen(line), collect_text, &c);
    if (strcmp(c.g.buf, want) != 0)
        fail_msg("line: %s\n  want: %s\n  got:  %s", line, want, c.g.buf);
}

static void test_formats(void **state)
{
    static const struct {
        const char *format, *line, *hits;
    } t[] = {
        /* Zeek dns.log (TSV) */
        {"zeek-dns",
         "1700000000.123456\tCk3Xyz1\t192.168.1.10\t53124\t8.8.8.8\t53\tudp\t4242\t0.010\t"
         "a.b.evil.com\t1\tC_INTERNET\t1\tA\t0\tNOERROR\tF\tF\tT\tT\t0\t1.2.3.4,5.5.5.5\t"
         "300.000000,300.000000\tF",
         "a.b.evil.com>evil.com/subdomain;1.2.3.4>1.2.3.4/exact;"},
        /* Zeek http.log (TSV): host and uri are separate fields */
        {"zeek-http",
         "1700000001.5\tCabc\t10.1.2.3\t50000\t93.184.216.34\t80\t1\tGET\tdropper.org\t"
         "/payload.bin\thttp://ref.example.com/\t1.1\tMozilla/5.0 (Windows NT 10.0)\t-\t0\t"
         "1024\t200\tOK",
         "10.1.2.3>10.1.0.0/16/in-range;dropper.org>http://dropper.org/payload.bin/url-host;"},
        /* Zeek conn.log (TSV) */
        {"zeek-conn",
         "1700000002.1\tCdef\t192.168.1.20\t44321\t198.51.100.200\t443\ttcp\tssl\t1.5\t100\t"
         "2000\tSF\tT\tF\t0\tShADadFf\t10\t600\t12\t2600\t-",
         "198.51.100.200>198.51.100.0/24/in-range;"},
        {"zeek-conn-v6", "1700000002.2\tCv6\t2001:db8::1\t5353\t2001:db8:ff00:1::2\t53\tudp",
         "2001:db8::1>2001:db8::1/exact;2001:db8:ff00:1::2>2001:db8:ff00::/40/in-range;"},
        /* Zeek JSON */
        {"zeek-json",
         "{\"ts\":1700000003.0,\"uid\":\"C1\",\"id.orig_h\":\"192.168.1.5\",\"id.resp_h\":"
         "\"203.0.113.77\",\"query\":\"WWW.Bad.Example.NET\",\"answers\":[\"9.9.9.9\"]}",
         "203.0.113.77>203.0.113.77/exact;WWW.Bad.Example.NET>bad.example.net/subdomain;"},
        /* Suricata EVE JSON */
        {"suricata-eve",
         "{\"timestamp\":\"2023-11-14T22:13:20.000000+0000\",\"event_type\":\"http\",\"src_ip\":"
         "\"192.168.1.7\",\"dest_ip\":\"5.6.7.8\",\"http\":{\"hostname\":\"5.6.7.8\",\"url\":"
         "\"/x/y.php?id=1\",\"http_user_agent\":\"curl/7.88.1\"},\"fileinfo\":{\"md5\":"
         "\"D41D8CD98F00B204E9800998ECF8427E\"}}",
         "5.6.7.8>https://5.6.7.8/x/y.php?id=1/url-host;5.6.7.8>https://5.6.7.8/x/y.php?id=1/"
         "url-host;D41D8CD98F00B204E9800998ECF8427E>d41d8cd98f00b204e9800998ecf8427e/exact;"},
        /* Squid access.log (native) */
        {"squid",
         "1700000004.123    245 192.168.1.9 TCP_MISS/200 5120 GET http://dropper.org/payload.bin "
         "- HIER_DIRECT/93.184.216.34 application/octet-stream",
         "http://dropper.org/payload.bin>http://dropper.org/payload.bin/exact;"},
        {"squid-connect",
         "1700000005.000 12 192.168.1.9 TCP_TUNNEL/200 0 CONNECT sub.phish.org:443 - "
         "HIER_DIRECT/1.2.3.4 -",
         "sub.phish.org>sub.phish.org/exact;1.2.3.4>1.2.3.4/exact;"},
        /* Apache / nginx combined access log */
        {"apache",
         "1.2.3.4 - - [14/Nov/2023:22:13:20 +0000] \"GET /index.php?u=http://EVIL.com:80/x "
         "HTTP/1.1\" 200 512 \"https://ref.example.org/\" \"Mozilla/5.0\"",
         "1.2.3.4>1.2.3.4/exact;http://EVIL.com:80/x>evil.com/exact;"},
        /* DNS query log (BIND) */
        {"bind",
         "14-Nov-2023 22:13:20.123 queries: info: client @0x7f 192.168.1.3#53211 "
         "(x.evil.com): query: x.evil.com IN A +E(0)K (192.168.1.1)",
         "x.evil.com>evil.com/subdomain;x.evil.com>evil.com/subdomain;"},
        /* dnsmasq / syslog */
        {"syslog", "Nov 14 22:13:20 gw dnsmasq[812]: reply xn--bcher-kva.de. is 10.9.8.7",
         "xn--bcher-kva.de>xn--bcher-kva.de/exact;10.9.8.7>10.0.0.0/8/in-range;"},
        {"syslog-idn", "Nov 14 22:13:21 gw app: resolving bücher.de now",
         "bücher.de>xn--bcher-kva.de/exact;"},
        {"syslog-sshd",
         "Nov 14 22:13:22 host sshd[123]: Failed password for root from 203.0.113.77 port 22 "
         "ssh2",
         "203.0.113.77>203.0.113.77/exact;"},
        /* CSV */
        {"csv",
         "2023-11-14T22:13:20Z,allow,192.168.1.1,10.200.0.1,evil.com,"
         "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
         "10.200.0.1>10.0.0.0/8/in-range;evil.com>evil.com/exact;"
         "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855>"
         "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855/exact;"},
        /* defanged text in a report */
        {"defanged", "seen hxxp://dropper[.]org/payload.bin today",
         "hxxp://dropper[.]org/payload.bin>http://dropper.org/payload.bin/exact;"},
        /* another path on the host of a URL indicator */
        {"url-host", "GET http://dropper.org/payload.bin.exe",
         "http://dropper.org/payload.bin.exe>http://dropper.org/payload.bin/url-host;"},
        {"bare-url", "GET dropper.org/payload.bin",
         "dropper.org/payload.bin>"
         "http://dropper.org/payload.bin/exact;"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        print_message("%s\n", t[i].format);
        expect_hits(t[i].line, t[i].hits);
    }
}

static void test_near_misses(void **state)
{
    static const char *const t[] = {
        "connect to 1.2.3.45 port 80",
        "connect to 11.2.3.4 port 80",
        "version 1.2.3.4.5 released",
        "host evil.com.example.org answered",
        "notevil.com",
        "evil.community and evil.co and evil-com",
        "md5 ad41d8cd98f00b204e9800998ecf8427e (33 hex digits)",
        "md5 d41d8cd98f00b204e9800998ecf8427ea (33 hex digits)",
        "sha 0e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "xd41d8cd98f00b204e9800998ecf8427e",
        "198.51.101.1 and 11.0.0.1 and 2001:db9::1",
        "http://evil.com.example.org/x and http://notevil.com/",
        "http://notdropper.org/payload.bin",
        "1.2.3.4.in-addr.arpa",
        "time 12:34:56 mac 00:11:22:33:44:55",
        "01.2.3.4 and 1.2.3.04",
        /* not valid names: canonicalisation refuses them, so does the scanner */
        "a..evil.com bad-.evil.com http://a..evil.com/x http://x-.evil.com/",
        "evil.com.123 http://1.2.3.04/x",
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        expect_hits(t[i], "");
}

/* Line numbers and offsets across a multi-line buffer. */
struct pos {
    size_t line[8], off[8], n;
};

static int collect_pos(void *ctx, const struct vg_match_hit *h)
{
    struct pos *p = ctx;

    if (p->n < 8) {
        p->line[p->n] = h->line;
        p->off[p->n++] = h->offset;
    }
    return 0;
}

static void test_lines(void **state)
{
    const char *text = "nothing here\nevil.com\n\n\tx 1.2.3.4\nlast line no newline evil.com";
    struct pos p = {0};
    size_t lines;

    (void)state;
    lines = vg_match_scan(idx, text, strlen(text), collect_pos, &p);
    assert_int_equal(lines, 4);
    assert_int_equal(p.n, 3);
    assert_int_equal(p.line[0], 1);
    assert_int_equal(p.off[0], 13);
    assert_int_equal(p.line[1], 3);
    assert_int_equal(p.off[1], 26);
    assert_int_equal(p.line[2], 4);
}

/* Candidates without an index: what the scanner takes as what. */
struct cands {
    char buf[2048];
    size_t n;
    const char *text;
};

static int collect_cand(void *ctx, const struct vg_match_hit *h)
{
    struct cands *c = ctx;

    c->n += (size_t)snprintf(c->buf + c->n, sizeof(c->buf) - c->n, "%s:%.*s;",
                             vg_obs_kind_name(h->kind), (int)h->canon_len, h->canon);
    return 0;
}

static void expect_cands(const char *text, const char *want)
{
    struct cands c;

    memset(&c, 0, sizeof(c));
    vg_match_scan(NULL, text, strlen(text), collect_cand, &c);
    if (strcmp(c.buf, want) != 0)
        fail_msg("text: %s\n  want: %s\n  got:  %s", text, want, c.buf);
}

static void test_candidates(void **state)
{
    (void)state;
    expect_cands("a 1.2.3.4:80 b", "ipv4:1.2.3.4;");
    expect_cands("Host: WWW.Example.COM.", "domain:www.example.com;");
    expect_cands("x [2001:DB8::A]:443 ::1 fe80::1%eth0", "ipv6:2001:db8::a;ipv6:::1;ipv6:fe80::1;");
    expect_cands("HTTPS://Example.com:443/A?b#frag", "url:https://example.com/A?b;");
    expect_cands("see https://a.example.com/p?q=b.example.org, ok",
                 "url:https://a.example.com/p?q=b.example.org;domain:b.example.org;");
    expect_cands("file_d41d8cd98f00b204e9800998ecf8427e.exe",
                 "md5:d41d8cd98f00b204e9800998ecf8427e;"
                 "domain:file_d41d8cd98f00b204e9800998e"
                 "cf8427e.exe;");
    expect_cands("v1.2 1.2.3 2023.11.14 3.14159 1700000000.5 x.5", "");
    expect_cands("12:34:56 00:11:22:33:44:55 a:b", "");
}

/*
 * The scanner reads tokens from 64-byte blocks and parses dotted quads from
 * a 16-byte load: the same text must give the same hits wherever it falls,
 * across a block boundary, at the end of a block or at the end of the
 * buffer.
 */
static void test_block_positions(void **state)
{
    static const struct {
        const char *text, *hits;
    } t[] = {
        {"1.2.3.4", "1.2.3.4>1.2.3.4/exact;"},
        {"203.0.113.77", "203.0.113.77>203.0.113.77/exact;"},
        {"198.51.100.255", "198.51.100.255>198.51.100.0/24/in-range;"},
        {"10.1.200.3", "10.1.200.3>10.1.0.0/16/in-range;"},
        {"01.2.3.4 1.2.3.045 1.2.3.256 1.2.3.45 1.2.3", ""},
        {"x.sub.phish.org", "x.sub.phish.org>sub.phish.org/subdomain;"},
        {"A.Bad.Example.NET", "A.Bad.Example.NET>bad.example.net/subdomain;"},
        {"http://a.bad.example.net/x", "http://a.bad.example.net/x>bad.example.net/subdomain;"},
        {"GET http://dropper.org/payload.bin HTTP/1.1",
         "http://dropper.org/payload.bin>http://dropper.org/payload.bin/exact;"},
        {"http://notevil.com/ evil.com.example.org", ""},
    };
    char line[256];
    size_t i, off;

    (void)state;
    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        for (off = 0; off < 140; off++) {
            size_t n = strlen(t[i].text);

            memset(line, off % 3 ? ' ' : '\t', off);
            memcpy(line + off, t[i].text, n + 1);
            expect_hits(line, t[i].hits);
            /* and followed by more text, so that the buffer does not end there */
            snprintf(line + off + n, sizeof(line) - off - n, " tail text of the line\n");
            expect_hits(line, t[i].hits);
        }
    }
}

/* A callback that stops the scan: no more calls, lines still counted. */
static int stop_cb(void *ctx, const struct vg_match_hit *h)
{
    (void)h;
    ++*(int *)ctx;
    return 1;
}

static void test_stop(void **state)
{
    const char *text = "evil.com\nevil.com\nevil.com\n";
    int calls = 0;

    (void)state;
    assert_int_equal(vg_match_scan(idx, text, strlen(text), stop_cb, &calls), 3);
    assert_int_equal(calls, 1);
}

/* --fields: the field a position lies in, for JSON, Zeek TSV and CSV. */
static int keep_at(struct vg_fields *f, const char *line, const char *needle)
{
    const char *at = strstr(line, needle);

    assert_non_null(at);
    return vg_fields_keep(f, line, strlen(line), (size_t)(at - line), strlen(needle));
}

static void test_fields(void **state)
{
    struct vg_fields *f;
    struct vg_error err;
    const char *zeek = "#separator \\x09\n#fields\tts\tid.orig_h\tid.resp_h\n#types\ttime\n";
    const char *csv = "when,\"src\",dst\n";

    (void)state;
    assert_int_equal(vg_fields_new("dst,id.resp_h,rrname,answers", &f, &err), VG_OK);
    vg_fields_file(f, "", 0);
    assert_false(vg_fields_known(f));
    /* JSON: the innermost key, an array's key, never a key itself */
    assert_true(keep_at(f, "{\"dns\":{\"rrname\":\"evil.com\"}}", "evil.com"));
    assert_false(keep_at(f, "{\"rrname2\":\"evil.com\"}", "evil.com"));
    assert_true(keep_at(f, "{\"answers\":[\"1.2.3.4\",\"5.6.7.8\"]}", "5.6.7.8"));
    assert_false(keep_at(f, "{\"answers\":[\"1.2.3.4\"],\"q\":\"5.6.7.8\"}", "5.6.7.8"));
    assert_false(keep_at(f, "{\"dst\":\"a\",\"evil.com\":1}", "evil.com")); /* a key */
    /* escaped quotes and separators inside strings do not mislead */
    assert_true(keep_at(f, "{\"x\":\"a\\\",\\\"dst\\\":\",\"dst\":\"1.2.3.4\"}", "1.2.3.4"));
    assert_false(keep_at(f, "{\"x\":\"\\\"dst\\\": 1.2.3.4\"}", "1.2.3.4"));
    /* unknown format: every hit kept, but JSON lines still by key */
    assert_true(keep_at(f, "client 1.2.3.4 asked", "1.2.3.4"));
    /* Zeek TSV */
    vg_fields_file(f, zeek, strlen(zeek));
    assert_true(vg_fields_known(f));
    assert_true(keep_at(f, "1.0\t10.0.0.1\t1.2.3.4", "1.2.3.4"));
    assert_false(keep_at(f, "1.0\t1.2.3.4\t10.0.0.1", "1.2.3.4"));
    assert_false(keep_at(f, "1.0\t10.0.0.1\t10.0.0.2\t1.2.3.4", "1.2.3.4")); /* no such column */
    /* CSV with a header, quoted cells with commas */
    vg_fields_file(f, csv, strlen(csv));
    assert_true(vg_fields_known(f));
    assert_true(keep_at(f, "\"a,b\",10.0.0.1,1.2.3.4", "1.2.3.4"));
    assert_false(keep_at(f, "x,1.2.3.4,10.0.0.1", "1.2.3.4"));
    /* a header cut before its end names nothing */
    vg_fields_file(f, csv, 5);
    assert_false(vg_fields_known(f));
    vg_fields_free(f);
    assert_int_not_equal(vg_fields_new("a,,b", &f, &err), VG_OK);
    assert_int_not_equal(vg_fields_new("", &f, &err), VG_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_formats),
        cmocka_unit_test(test_near_misses),
        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_candidates),
        cmocka_unit_test(test_stop),
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_block_positions),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
