/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_faults.c - allocation-failure sweeps over the codec, the ingest path
 * and the store, after SQLite's own malloc tests (test_malloc.c, malloc.test).
 *
 * Every allocation the operation can make is routed through one counter:
 * the project's own code by the linker (this binary only is linked with
 * -Wl,--wrap=malloc,... : see CMakeLists.txt), jansson through the codec's
 * json_set_alloc_funcs hook (it calls malloc), SQLite by SQLITE_CONFIG_MALLOC around its default
 * allocator, OpenSSL by CRYPTO_set_mem_functions.  For N = 1, 2, ... the Nth
 * allocation fails (once, or from then on) while a representative operation
 * runs, until a run in which the failure never fired.  Every run must end in
 * one of two ways: the same result as a run without faults, or a clean error
 * (VG_NOMEM, or a storage error when SQLite reports the failure as one) that
 * changed nothing - the store holds what it held and passes its integrity
 * check, and the same handle then does the work.  Leaks are LeakSanitizer's
 * business: the sanitizer build runs this binary too.
 *
 * Allocations libc makes on its own behalf (strdup inside libc is wrapped,
 * but not stdio's buffers) and those of libidn2 and libpsl are not counted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <sqlite3.h>

#include "codec/flat.h"
#include "codec/stix_reader.h"
#include "ingest/ingest.h"
#include "policy/policy.h"
#include "store/store.h"
#include "../support/alloc_faults.h"
#include "../support/temp_hub.h"

/* ---- the counter ------------------------------------------------------- */

static long fault_at;    /* fail the allocation with this number; 0: never */
static int fault_sticky; /* and every one after it */
static long fault_count; /* allocations since arming */
static int fault_fired;

static void fault_arm(long n, int sticky)
{
    fault_at = n;
    fault_sticky = sticky;
    fault_count = 0;
    fault_fired = 0;
}

static void fault_disarm(void)
{
    fault_at = 0;
}

/* 1 if this allocation must fail (the wrappers of alloc_faults.c ask). */
int vg_fault_hit(void)
{
    if (fault_at == 0)
        return 0;
    fault_count++;
    if (fault_count == fault_at || (fault_sticky && fault_count > fault_at)) {
        fault_fired = 1;
        return 1;
    }
    return 0;
}

static void *ssl_malloc(size_t n, const char *file, int line)
{
    (void)file;
    (void)line;
    return vg_fault_hit() ? NULL : __real_malloc(n);
}

static void *ssl_realloc(void *p, size_t n, const char *file, int line)
{
    (void)file;
    (void)line;
    return vg_fault_hit() ? NULL : __real_realloc(p, n);
}

static void ssl_free(void *p, const char *file, int line)
{
    (void)file;
    (void)line;
    free(p);
}

/* Route every allocator through the counter; before anything allocates. */
static void fault_install(void)
{
    /* jansson: the codec sets its allocator to one calling malloc, which
     * the wrapper above counts (src/codec/stix_reader.c). */
    CRYPTO_set_mem_functions(ssl_malloc, ssl_realloc, ssl_free);
    /* Lookaside would hide most of SQLite's small allocations: off. */
    vg_fault_sqlite_install();
}

/* A clean failure: out of memory, or SQLite turning it into a storage error. */
static int clean_error(enum vg_rc rc)
{
    return rc == VG_NOMEM || rc == VG_STORAGE;
}

/* Sweep limit: an operation that still fails after this many is a bug. */
#define SWEEP_MAX 200000

/* ---- the data ---------------------------------------------------------- */

static char *bundle;
static size_t bundle_len;

static void load_bundle(void)
{
    FILE *f = fopen(VG_TEST_DATA "/demo/acme-bundle.json", "rb");
    long n;

    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    rewind(f);
    bundle = malloc((size_t)n + 1);
    assert_non_null(bundle);
    assert_int_equal(fread(bundle, 1, (size_t)n, f), (size_t)n);
    bundle[n] = '\0';
    bundle_len = (size_t)n;
    fclose(f);
}

/* ---- codec: read every object of the bundle ---------------------------- */

/* The ids read, joined; rc VG_OK when the whole bundle was read. */
static enum vg_rc read_all(char *ids, size_t cap)
{
    struct vg_mem_source src = {bundle, bundle_len, 0, 97};
    struct vg_stix_reader *r = NULL;
    struct vg_error err;
    enum vg_rc rc;
    size_t used = 0;

    ids[0] = '\0';
    if ((rc = vg_stix_reader_new(vg_read_mem, &src, &r)) != VG_OK)
        return rc;
    for (;;) {
        json_t *obj = NULL;

        rc = vg_stix_reader_next(r, &obj, NULL, &err);
        if (rc == VG_NOT_FOUND) {
            rc = VG_OK;
            break;
        }
        if (rc == VG_INVALID) {
            used += (size_t)snprintf(ids + used, cap - used, "!%s;", err.msg);
            continue;
        }
        if (rc != VG_OK)
            break;
        used += (size_t)snprintf(ids + used, cap - used, "%s;",
                                 json_string_value(json_object_get(obj, "id")));
        json_decref(obj);
    }
    vg_stix_reader_free(r);
    return rc;
}

static void sweep_reader(int sticky)
{
    char want[4096], got[4096];
    long n;

    assert_int_equal(read_all(want, sizeof(want)), VG_OK);
    assert_null(strchr(want, '!'));
    for (n = 1; n < SWEEP_MAX; n++) {
        enum vg_rc rc;

        fault_arm(n, sticky);
        rc = read_all(got, sizeof(got));
        fault_disarm();
        if (rc == VG_OK && !fault_fired)
            break;
        if (rc == VG_OK) /* recovered: then nothing may differ */
            assert_string_equal(got, want);
        else if (rc != VG_NOMEM)
            fail_msg("allocation %ld failing: reader returned %s", n, vg_rc_name(rc));
    }
    assert_true(n < SWEEP_MAX);
}

static void test_reader_oom_once(void **state)
{
    (void)state;
    sweep_reader(0);
}

static void test_reader_oom_sticky(void **state)
{
    (void)state;
    sweep_reader(1);
}

/* ---- codec: CSV and MISP records ---------------------------------------- */

static const char misp_doc[] =
    "{\"response\": [{\"Event\": {\"info\": \"op\", \"Attribute\": ["
    "{\"type\": \"domain\", \"value\": \"one.example\", \"uuid\": "
    "\"5f1e6c8a-0000-4000-8000-000000000001\", \"comment\": \"first\"},"
    "{\"type\": \"ip-dst\", \"value\": \"198.51.100.7\", \"to_ids\": true},"
    "{\"type\": \"url\", \"value\": \"http://two.example/x\"}]}}]}";

/* The values read, joined; rc VG_OK when the whole input was read. */
static enum vg_rc read_flat(enum vg_flat_format fmt, const char *data, size_t len, char *out,
                            size_t cap)
{
    struct vg_mem_source src = {data, len, 0, 61};
    struct vg_flat_reader *r = NULL;
    struct vg_flat_record rec;
    struct vg_error err;
    enum vg_rc rc;
    size_t used = 0;

    out[0] = '\0';
    if ((rc = vg_flat_reader_new(fmt, vg_read_mem, &src, &r, &err)) != VG_OK)
        return rc;
    for (;;) {
        rc = vg_flat_reader_next(r, &rec, &err);
        if (rc == VG_NOT_FOUND) {
            rc = VG_OK;
            break;
        }
        if (rc == VG_INVALID) {
            used += (size_t)snprintf(out + used, cap - used, "!%s;", err.msg);
            continue;
        }
        if (rc != VG_OK)
            break;
        used +=
            (size_t)snprintf(out + used, cap - used, "%.*s|%s|%s;", (int)rec.len, rec.value,
                             rec.label ? rec.label : "", rec.description ? rec.description : "");
    }
    vg_flat_reader_free(r);
    return rc;
}

static void sweep_flat(enum vg_flat_format fmt, const char *data, size_t len)
{
    char want[8192], got[8192];
    long n;
    int sticky;

    assert_int_equal(read_flat(fmt, data, len, want, sizeof(want)), VG_OK);
    assert_null(strchr(want, '!'));
    for (sticky = 0; sticky < 2; sticky++) {
        for (n = 1; n < SWEEP_MAX; n++) {
            enum vg_rc rc;

            fault_arm(n, sticky);
            rc = read_flat(fmt, data, len, got, sizeof(got));
            fault_disarm();
            if (rc == VG_OK && !fault_fired)
                break;
            if (rc == VG_OK)
                assert_string_equal(got, want);
            else if (rc != VG_NOMEM)
                fail_msg("allocation %ld failing: flat reader returned %s", n, vg_rc_name(rc));
        }
        assert_true(n < SWEEP_MAX);
    }
}

static void test_flat_oom(void **state)
{
    FILE *f = fopen(VG_TEST_DATA "/demo/acme-op.csv", "rb");
    char csv[4096];
    size_t n;

    (void)state;
    assert_non_null(f);
    n = fread(csv, 1, sizeof(csv), f);
    fclose(f);
    sweep_flat(VG_FLAT_CSV, csv, n);
    sweep_flat(VG_FLAT_MISP, misp_doc, sizeof(misp_doc) - 1);
}

/* ---- ingest: import the bundle into a hub ------------------------------ */

struct hub {
    char dir[64];
    struct vg_store *st;
    struct vg_org org;
};

static void hub_open(struct hub *h, const char *name)
{
    struct vg_error err;

    memset(h, 0, sizeof(*h));
    assert_int_equal(temp_hub_open(h->dir, sizeof(h->dir), name, &h->st), 0);
    snprintf(h->org.name, sizeof(h->org.name), "ACME");
    snprintf(h->org.kind, sizeof(h->org.kind), "vendor");
    assert_int_equal(vg_store_org_add(h->st, &h->org, &err), VG_OK);
}

static void hub_close(struct hub *h)
{
    assert_int_equal(temp_hub_remove(h->dir, h->st), 0);
}

/* Import the bundle through st as h's organisation (the vigie import path,
 * single-threaded): every object or nothing. */
static struct vg_error last_err; /* of the last failing import */

static enum vg_rc import(struct hub *h, struct vg_store *st, size_t *stored)
{
    struct vg_mem_source src = {bundle, bundle_len, 0, 0};
    struct vg_ingest_opts opts = {0};
    struct vg_stix_reader *r = NULL;
    struct vg_ingest *ing = NULL;
    struct vg_error err = {0};
    enum vg_rc rc;

    *stored = 0;
    opts.org_id = h->org.id;
    opts.default_tlp = VG_TLP_AMBER;
    if ((rc = vg_ingest_new(st, &opts, &ing, &err)) != VG_OK)
        return rc;
    if ((rc = vg_stix_reader_new(vg_read_mem, &src, &r)) != VG_OK)
        goto out;
    for (;;) {
        enum vg_put_result res;
        json_t *obj = NULL;

        rc = vg_stix_reader_next(r, &obj, NULL, &err);
        if (rc == VG_NOT_FOUND)
            break;
        if (rc != VG_OK) /* VG_INVALID included: the bundle is valid */
            goto out;
        rc = vg_ingest_object(ing, obj, &res, &err);
        json_decref(obj);
        if (rc != VG_OK)
            goto out;
    }
    if ((rc = vg_ingest_flush(ing, &err)) != VG_OK)
        goto out;
    *stored = vg_ingest_counts(ing)->accepted + vg_ingest_counts(ing)->versions;
    rc = VG_OK;
out:
    if (rc != VG_OK)
        last_err = err;
    vg_stix_reader_free(r);
    vg_ingest_free(ing);
    return rc;
}

static void stats_of(struct vg_store *st, struct vg_store_stats *s)
{
    struct vg_error err;

    memset(s, 0, sizeof(*s));
    assert_int_equal(vg_store_stats(st, s, &err), VG_OK);
}

static void assert_same_stats(const struct vg_store_stats *a, const struct vg_store_stats *b)
{
    assert_int_equal(a->objects, b->objects);
    assert_int_equal(a->versions, b->versions);
    assert_int_equal(a->observables, b->observables);
    assert_int_equal(a->contributions, b->contributions);
    assert_int_equal(a->events, b->events);
    assert_int_equal(a->last_seq, b->last_seq);
}

static void assert_intact(struct vg_store *st)
{
    struct vg_error err;
    enum vg_rc rc = vg_store_check(st, &err);

    if (rc != VG_OK)
        fail_msg("integrity check: %s", err.msg);
}

/*
 * The import on a warm handle (its statements prepared by earlier runs):
 * each failing run must leave the store as it was, and the handle usable.
 * Then the same with the handle opened inside the failing window (a cold
 * start: opening, preparing, the first transaction).
 */
static void sweep_import(int sticky, int cold)
{
    struct hub h;
    struct vg_store_stats before, after, ref;
    struct vg_error err = {0};
    size_t stored, want;
    long n;

    /* What a clean import gives, in a hub of its own. */
    hub_open(&h, "faults-ref");
    assert_int_equal(import(&h, h.st, &want), VG_OK);
    assert_true(want > 0);
    stats_of(h.st, &ref);
    hub_close(&h);

    hub_open(&h, "faults");
    stats_of(h.st, &before);
    for (n = 1; n < SWEEP_MAX; n++) {
        struct vg_store *st = h.st;
        enum vg_rc rc = VG_OK;

        fault_arm(n, sticky);
        if (cold) {
            st = NULL;
            rc = vg_store_open(h.dir, 0, &st, &err);
        }
        if (rc == VG_OK)
            rc = import(&h, st, &stored);
        if (cold)
            vg_store_close(st);
        fault_disarm();
        if (rc != VG_OK && cold && st == NULL)
            last_err = err;
        if (rc == VG_OK) {
            assert_int_equal(stored, want);
            stats_of(h.st, &after);
            assert_same_stats(&after, &ref);
            assert_intact(h.st);
            if (!fault_fired)
                break;
            /* It recovered from the failure and stored everything: start
             * again from an empty hub for the next N. */
            hub_close(&h);
            hub_open(&h, "faults");
            continue;
        }
        if (getenv("VG_FAULT_VERBOSE"))
            fprintf(stderr, "%ld: %s %s\n", n, vg_rc_name(rc), last_err.msg);
        if (!clean_error(rc))
            fail_msg("allocation %ld failing: import returned %s: %s", n, vg_rc_name(rc),
                     last_err.msg);
        stats_of(h.st, &after);
        assert_same_stats(&after, &before);
        assert_intact(h.st);
    }
    assert_true(n < SWEEP_MAX);
    /* The failures left the handle usable. */
    hub_close(&h);
}

static void test_import_oom_once(void **state)
{
    (void)state;
    sweep_import(0, 0);
}

static void test_import_oom_sticky(void **state)
{
    (void)state;
    sweep_import(1, 0);
}

static void test_import_oom_cold(void **state)
{
    (void)state;
    sweep_import(0, 1);
}

/* ---- store queries ----------------------------------------------------- */

struct scan_acc {
    char text[8192];
    size_t used;
};

static int obj_cb(void *ctx, const struct vg_object_row *row)
{
    struct scan_acc *a = ctx;

    a->used += (size_t)snprintf(a->text + a->used, sizeof(a->text) - a->used, "%s@%lld;",
                                row->stix_id, (long long)row->seq);
    return 0;
}

static int obs_cb(void *ctx, const struct vg_obs_row *row)
{
    struct scan_acc *a = ctx;

    a->used += (size_t)snprintf(a->text + a->used, sizeof(a->text) - a->used, "%d:%s;",
                                (int)row->kind, row->value);
    return 0;
}

static enum vg_rc query(struct vg_store *st, int64_t org, struct scan_acc *a)
{
    struct vg_object_filter of = {0};
    struct vg_obs_filter bf = {0};
    struct vg_principal p;
    vg_token tok[VG_POLICY_TOKENS_MAX];
    struct vg_error err;
    enum vg_rc rc;

    a->used = 0;
    a->text[0] = '\0';
    if ((rc = vg_store_principal(st, org, &p, &err)) != VG_OK)
        return rc;
    of.tokens = bf.tokens = tok;
    of.ntokens = bf.ntokens = vg_policy_tokens(&p, tok);
    if ((rc = vg_store_scan_objects(st, &of, obj_cb, a, &err)) != VG_OK)
        return rc;
    return vg_store_scan_observables(st, &bf, obs_cb, a, &err);
}

static void test_query_oom(void **state)
{
    struct hub h;
    struct scan_acc want, got;
    size_t stored;
    long n;
    int sticky;

    (void)state;
    hub_open(&h, "faults-query");
    assert_int_equal(import(&h, h.st, &stored), VG_OK);
    assert_int_equal(query(h.st, h.org.id, &want), VG_OK);
    assert_true(want.used > 0);
    for (sticky = 0; sticky < 2; sticky++) {
        for (n = 1; n < SWEEP_MAX; n++) {
            enum vg_rc rc;

            fault_arm(n, sticky);
            rc = query(h.st, h.org.id, &got);
            fault_disarm();
            if (rc == VG_OK) {
                /* A failed scan may have called back before failing; a
                 * successful one gives everything, once. */
                assert_string_equal(got.text, want.text);
                if (!fault_fired)
                    break;
            } else if (!clean_error(rc)) {
                fail_msg("allocation %ld failing: query returned %s", n, vg_rc_name(rc));
            }
        }
        assert_true(n < SWEEP_MAX);
    }
    assert_intact(h.st);
    hub_close(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reader_oom_once),   cmocka_unit_test(test_reader_oom_sticky),
        cmocka_unit_test(test_flat_oom),          cmocka_unit_test(test_import_oom_once),
        cmocka_unit_test(test_import_oom_sticky), cmocka_unit_test(test_import_oom_cold),
        cmocka_unit_test(test_query_oom),
    };
    int rc;

    fault_install();
    load_bundle();
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    free(bundle);
    return rc;
}
