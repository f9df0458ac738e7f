/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_http_faults.c - allocation failures in the server's handlers
 * (SCENARIOS 16): the real server in-process (fuzz/http_harness.h), and for
 * N = 1, 2, ... the Nth allocation after the request is sent fails, until a
 * run in which it never fired.  Counted, as in test_faults.c: the project's
 * own allocations (this binary is linked with --wrap=malloc,...), jansson's
 * (through the codec's hook) and SQLite's; libmicrohttpd's own are not.
 *
 * Every answer must be the normal one, a 5xx, or a closed connection -
 * never a 4xx blaming the client, never a crash; a POST stores all of its
 * objects or none (all only when the failure came after the commit, or
 * the answer is its 202); the store passes its
 * integrity check after every run; LeakSanitizer (the sanitizer build)
 * finds nothing at exit.  The server's background threads (stream
 * notifier, checkpoint signer) may take an injected failure too: they
 * must survive it.
 */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <execinfo.h>
#include <sqlite3.h>

#include "../../fuzz/http_harness.h"
#include "../support/alloc_faults.h"

static atomic_long fault_at, fault_count;
static atomic_int fault_fired;

static void fault_arm(long n)
{
    atomic_store(&fault_count, 0);
    atomic_store(&fault_fired, 0);
    atomic_store(&fault_at, n);
}

static void fault_disarm(void)
{
    atomic_store(&fault_at, 0);
}

int vg_fault_hit(void)
{
    long at = atomic_load_explicit(&fault_at, memory_order_relaxed);

    if (at == 0)
        return 0;
    if (atomic_fetch_add(&fault_count, 1) + 1 == at) {
        atomic_store(&fault_fired, 1);
        if (getenv("VG_FAULT_BT") && atol(getenv("VG_FAULT_BT")) == at) {
            void *frames[32];

            backtrace_symbols_fd(frames, backtrace(frames, 32), 2);
        }
        return 1;
    }
    return 0;
}

static void fault_install(void)
{
    vg_fault_sqlite_install();
}

#define SWEEP_MAX 100000

/* The status code of an answer, 0 when the server closed without one. */
static int status_of(const struct vg_buf *r)
{
    if (r->len < 12 || memcmp(r->data, "HTTP/1.1 ", 9) != 0)
        return 0;
    return atoi(r->data + 9);
}

static int64_t versions(void)
{
    struct vg_store_stats s;
    struct vg_error err;

    assert_int_equal(vg_store_stats(harness_st, &s, &err), VG_OK);
    return s.versions;
}

static void assert_intact(void)
{
    struct vg_error err;

    if (vg_store_check(harness_st, &err) != VG_OK)
        fail_msg("integrity check: %s", err.msg);
}

/* An envelope of three new indicators (ids from seq). */
static int envelope(char *req, size_t cap, long seq)
{
    char body[2048];
    int n = 0, i;

    n += snprintf(body + n, sizeof(body) - (size_t)n, "{\"objects\":[");
    for (i = 0; i < 3; i++)
        n += snprintf(body + n, sizeof(body) - (size_t)n,
                      "%s{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--"
                      "%08lx-%04x-4000-8000-000000000000\",\"created\":\"2026-01-01T00:00:00Z\","
                      "\"modified\":\"2026-01-01T00:00:00Z\",\"pattern\":\"[domain-name:value = "
                      "'n%ld-%d.example.net']\",\"pattern_type\":\"stix\",\"valid_from\":"
                      "\"2026-01-01T00:00:00Z\"}",
                      i ? "," : "", seq, i, seq, i);
    n += snprintf(body + n, sizeof(body) - (size_t)n, "]}");
    return snprintf(req, cap,
                    "POST /taxii2/root/collections/@CID@/objects/ HTTP/1.1\r\nHost: h\r\n@AUTH@\r\n"
                    "Accept: application/taxii+json;version=2.1\r\n"
                    "Content-Type: application/taxii+json;version=2.1\r\nContent-Length: %d\r\n"
                    "Connection: close\r\n\r\n%s",
                    n, body);
}

static void test_post_oom(void **state)
{
    char req[4096];
    long n, seq = 1000;
    int64_t before = versions();

    (void)state;
    for (n = 1; n < SWEEP_MAX; n++) {
        struct vg_buf resp;
        int len = envelope(req, sizeof(req), seq), code;
        int64_t after;

        vg_buf_init(&resp, 0);
        fault_arm(n);
        /* -1: the failure hit the exchange itself (its buffers, or the
         * server refusing the connection): no request, nothing stored. */
        code =
            harness_exchange((const uint8_t *)req, (size_t)len, &resp) == 0 ? status_of(&resp) : 0;
        fault_disarm();
        after = versions();
        if (code == 202) {
            assert_non_null(memmem(resp.data, resp.len, "\"success_count\":3", 17));
            assert_int_equal(after, before + 3);
            before = after;
            seq++;
        } else if (code != 0 && code < 500) {
            fail_msg("allocation %ld failing: POST answered %d:\n%.*s", n, code, (int)resp.len,
                     resp.data);
        } else if (after != before) {
            /* The failure came after the commit (building the answer):
             * the whole envelope is stored though not acknowledged, and a
             * retry finds it as duplicates (SCENARIOS 19).  Never part. */
            assert_int_equal(after, before + 3);
            before = after;
            seq++;
        }
        assert_intact();
        vg_buf_cleanup(&resp);
        if (code == 202 && !atomic_load(&fault_fired))
            break;
    }
    assert_true(n < SWEEP_MAX);
}

/* GETs: a page of objects, a look-up; the answer is whole or a 5xx. */
static void sweep_get(const char *req)
{
    struct vg_buf want;
    long n;

    vg_buf_init(&want, 0);
    assert_int_equal(harness_exchange((const uint8_t *)req, strlen(req), &want), 0);
    assert_int_equal(status_of(&want), 200);
    for (n = 1; n < SWEEP_MAX; n++) {
        struct vg_buf resp;
        int code;

        vg_buf_init(&resp, 0);
        fault_arm(n);
        code =
            harness_exchange((const uint8_t *)req, strlen(req), &resp) == 0 ? status_of(&resp) : 0;
        fault_disarm();
        if (code != 0 && code != 200 && code < 500)
            fail_msg("allocation %ld failing: GET answered %d:\n%.*s", n, code, (int)resp.len,
                     resp.data);
        vg_buf_cleanup(&resp);
        if (code == 200 && !atomic_load(&fault_fired))
            break;
    }
    assert_true(n < SWEEP_MAX);
    vg_buf_cleanup(&want);
}

static void test_get_oom(void **state)
{
    (void)state;
    sweep_get("GET /taxii2/root/collections/@CID@/objects/?limit=10 HTTP/1.1\r\nHost: h\r\n"
              "@AUTH@\r\nAccept: application/taxii+json;version=2.1\r\nConnection: close\r\n\r\n");
    sweep_get("GET /api/v1/lookup?value=evil.example.com HTTP/1.1\r\nHost: h\r\n@AUTH@\r\n"
              "Connection: close\r\n\r\n");
    sweep_get("GET /api/v1/whoami HTTP/1.1\r\nHost: h\r\n@AUTH@\r\nConnection: close\r\n\r\n");
    assert_intact();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_post_oom),
        cmocka_unit_test(test_get_oom),
    };

    (void)harness_check; /* 500s are allowed here: see the top */
    fault_install();
    harness_setup();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
