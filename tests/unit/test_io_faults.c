/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_io_faults.c - I/O errors under the store, after SQLite's own I/O
 * error tests (ioerr.test) and its test_vfs/demovfs shims.
 *
 * A VFS registered as the default wraps the platform's ("unix"): it passes
 * every call through, but can make the Nth write fail (SQLITE_IOERR_WRITE,
 * or SQLITE_FULL as a full disk does) or the Nth sync
 * (SQLITE_IOERR_FSYNC).  For N = 1, 2, ... an import runs on a hub until a
 * run in which the fault never fired.  A failed write must give a clean
 * error and leave, after a reopen, the store as it was, with its integrity
 * check passing.  A failed sync is fatal: every later write of the process
 * fails (vg_store_sync_failed), reads go on, and after a restart the store
 * holds either nothing of the batch or all of it - never part - and passes
 * its check.  The sync case runs last: the process cannot write after it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sqlite3.h>

#include "codec/stix_reader.h"
#include "ingest/ingest.h"
#include "store/store.h"
#include "../support/temp_hub.h"

/* ---- the shim ---------------------------------------------------------- */

enum fault_kind { FAULT_NONE, FAULT_WRITE, FAULT_FULL, FAULT_SYNC };

static enum fault_kind fault_kind;
static long fault_at, fault_count;
static int fault_fired;

static void fault_arm(enum fault_kind k, long n)
{
    fault_kind = k;
    fault_at = n;
    fault_count = 0;
    fault_fired = 0;
}

static void fault_disarm(void)
{
    fault_kind = FAULT_NONE;
}

/* 1 if this call of kind k (a write or a sync) must fail. */
static int fault_hit(enum fault_kind k)
{
    if (fault_kind == FAULT_NONE || (k == FAULT_SYNC) != (fault_kind == FAULT_SYNC))
        return 0;
    if (++fault_count == fault_at) {
        fault_fired = 1;
        return 1;
    }
    return 0;
}

struct shim_file {
    sqlite3_file base;
    sqlite3_file *real; /* follows this struct in the same block */
};

static sqlite3_vfs *real_vfs;

#define REAL(f) (((struct shim_file *)(f))->real)

static int shim_close(sqlite3_file *f)
{
    return REAL(f)->pMethods->xClose(REAL(f));
}

static int shim_read(sqlite3_file *f, void *p, int n, sqlite3_int64 off)
{
    return REAL(f)->pMethods->xRead(REAL(f), p, n, off);
}

static int shim_write(sqlite3_file *f, const void *p, int n, sqlite3_int64 off)
{
    if (fault_hit(FAULT_WRITE))
        return fault_kind == FAULT_FULL ? SQLITE_FULL : SQLITE_IOERR_WRITE;
    return REAL(f)->pMethods->xWrite(REAL(f), p, n, off);
}

static int shim_truncate(sqlite3_file *f, sqlite3_int64 size)
{
    return REAL(f)->pMethods->xTruncate(REAL(f), size);
}

static int shim_sync(sqlite3_file *f, int flags)
{
    if (fault_hit(FAULT_SYNC))
        return SQLITE_IOERR_FSYNC;
    return REAL(f)->pMethods->xSync(REAL(f), flags);
}

static int shim_size(sqlite3_file *f, sqlite3_int64 *size)
{
    return REAL(f)->pMethods->xFileSize(REAL(f), size);
}

static int shim_lock(sqlite3_file *f, int l)
{
    return REAL(f)->pMethods->xLock(REAL(f), l);
}

static int shim_unlock(sqlite3_file *f, int l)
{
    return REAL(f)->pMethods->xUnlock(REAL(f), l);
}

static int shim_check_lock(sqlite3_file *f, int *out)
{
    return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}

static int shim_fcntl(sqlite3_file *f, int op, void *arg)
{
    return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}

static int shim_sector(sqlite3_file *f)
{
    return REAL(f)->pMethods->xSectorSize(REAL(f));
}

static int shim_devchar(sqlite3_file *f)
{
    return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}

static int shim_shm_map(sqlite3_file *f, int i, int sz, int extend, void volatile **p)
{
    return REAL(f)->pMethods->xShmMap(REAL(f), i, sz, extend, p);
}

static int shim_shm_lock(sqlite3_file *f, int off, int n, int flags)
{
    return REAL(f)->pMethods->xShmLock(REAL(f), off, n, flags);
}

static void shim_shm_barrier(sqlite3_file *f)
{
    REAL(f)->pMethods->xShmBarrier(REAL(f));
}

static int shim_shm_unmap(sqlite3_file *f, int del)
{
    return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}

/* Version 2: shared memory for the WAL, but no memory-mapped reads, so that
 * every page goes through xRead and xWrite. */
static const sqlite3_io_methods shim_methods = {
    2,
    shim_close,
    shim_read,
    shim_write,
    shim_truncate,
    shim_sync,
    shim_size,
    shim_lock,
    shim_unlock,
    shim_check_lock,
    shim_fcntl,
    shim_sector,
    shim_devchar,
    shim_shm_map,
    shim_shm_lock,
    shim_shm_barrier,
    shim_shm_unmap,
    NULL,
    NULL,
};

static int shim_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out)
{
    struct shim_file *sf = (struct shim_file *)f;
    int rc;

    (void)vfs;
    sf->real = (sqlite3_file *)(sf + 1);
    rc = real_vfs->xOpen(real_vfs, name, sf->real, flags, out);
    /* Without methods SQLite does not call xClose; with them it does. */
    f->pMethods = sf->real->pMethods ? &shim_methods : NULL;
    return rc;
}

static int shim_delete(sqlite3_vfs *v, const char *name, int sync)
{
    (void)v;
    return real_vfs->xDelete(real_vfs, name, sync);
}

static int shim_access(sqlite3_vfs *v, const char *name, int flags, int *out)
{
    (void)v;
    return real_vfs->xAccess(real_vfs, name, flags, out);
}

static int shim_fullpath(sqlite3_vfs *v, const char *name, int n, char *out)
{
    (void)v;
    return real_vfs->xFullPathname(real_vfs, name, n, out);
}

static int shim_random(sqlite3_vfs *v, int n, char *out)
{
    (void)v;
    return real_vfs->xRandomness(real_vfs, n, out);
}

static int shim_sleep(sqlite3_vfs *v, int us)
{
    (void)v;
    return real_vfs->xSleep(real_vfs, us);
}

static int shim_time(sqlite3_vfs *v, double *out)
{
    (void)v;
    return real_vfs->xCurrentTime(real_vfs, out);
}

static int shim_last_error(sqlite3_vfs *v, int n, char *out)
{
    (void)v;
    return real_vfs->xGetLastError(real_vfs, n, out);
}

static int shim_time64(sqlite3_vfs *v, sqlite3_int64 *out)
{
    (void)v;
    return real_vfs->xCurrentTimeInt64(real_vfs, out);
}

static sqlite3_vfs shim_vfs = {
    .iVersion = 2,
    .mxPathname = 512,
    .zName = "vg-faulty",
    .xOpen = shim_open,
    .xDelete = shim_delete,
    .xAccess = shim_access,
    .xFullPathname = shim_fullpath,
    .xRandomness = shim_random,
    .xSleep = shim_sleep,
    .xCurrentTime = shim_time,
    .xGetLastError = shim_last_error,
    .xCurrentTimeInt64 = shim_time64,
};

static void shim_install(void)
{
    real_vfs = sqlite3_vfs_find(NULL);
    assert_non_null(real_vfs);
    shim_vfs.szOsFile = (int)sizeof(struct shim_file) + real_vfs->szOsFile;
    shim_vfs.mxPathname = real_vfs->mxPathname;
    assert_int_equal(sqlite3_vfs_register(&shim_vfs, 1), SQLITE_OK);
}

/* ---- the hub and the import ------------------------------------------- */

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

struct hub {
    char dir[128];
    struct vg_store *st;
    struct vg_org org;
};

static void hub_open(struct hub *h)
{
    struct vg_error err;

    memset(h, 0, sizeof(*h));
    assert_int_equal(temp_hub_open(h->dir, sizeof(h->dir), "io-faults", &h->st), 0);
    snprintf(h->org.name, sizeof(h->org.name), "ACME");
    snprintf(h->org.kind, sizeof(h->org.kind), "vendor");
    assert_int_equal(vg_store_org_add(h->st, &h->org, &err), VG_OK);
}

static void hub_reopen(struct hub *h)
{
    struct vg_error err;

    vg_store_close(h->st);
    h->st = NULL;
    assert_int_equal(vg_store_open(h->dir, 0, &h->st, &err), VG_OK);
}

static struct vg_error last_err;

static enum vg_rc import(struct hub *h)
{
    struct vg_mem_source src = {bundle, bundle_len, 0, 0};
    struct vg_ingest_opts opts = {0};
    struct vg_stix_reader *r = NULL;
    struct vg_ingest *ing = NULL;
    struct vg_error err = {0};
    enum vg_rc rc;

    opts.org_id = h->org.id;
    opts.default_tlp = VG_TLP_AMBER;
    if ((rc = vg_ingest_new(h->st, &opts, &ing, &err)) != VG_OK)
        goto out;
    if ((rc = vg_stix_reader_new(vg_read_mem, &src, &r)) != VG_OK)
        goto out;
    for (;;) {
        enum vg_put_result res;
        json_t *obj = NULL;

        rc = vg_stix_reader_next(r, &obj, NULL, &err);
        if (rc == VG_NOT_FOUND)
            break;
        if (rc != VG_OK)
            goto out;
        rc = vg_ingest_object(ing, obj, &res, &err);
        json_decref(obj);
        if (rc != VG_OK)
            goto out;
    }
    rc = vg_ingest_flush(ing, &err);
out:
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

static int same_stats(const struct vg_store_stats *a, const struct vg_store_stats *b)
{
    return a->objects == b->objects && a->versions == b->versions &&
           a->observables == b->observables && a->contributions == b->contributions &&
           a->events == b->events && a->last_seq == b->last_seq;
}

static void assert_intact(struct vg_store *st)
{
    struct vg_error err;
    uint64_t size;
    uint8_t root[32];

    if (vg_store_check(st, &err) != VG_OK)
        fail_msg("integrity check: %s", err.msg);
    if (vg_store_ledger_head(st, &size, root, &err) != VG_OK)
        fail_msg("ledger: %s", err.msg);
}

/* The stats a clean import gives on a new hub. */
static struct vg_store_stats reference;

static void make_reference(void)
{
    struct hub h;

    hub_open(&h);
    assert_int_equal(import(&h), VG_OK);
    stats_of(h.st, &reference);
    assert_int_equal(temp_hub_remove(h.dir, h.st), 0);
}

/* ---- the sweeps -------------------------------------------------------- */

static void sweep_writes(enum fault_kind kind)
{
    struct hub h;
    struct vg_store_stats before, after;
    long n;

    hub_open(&h);
    stats_of(h.st, &before);
    for (n = 1; n < 100000; n++) {
        enum vg_rc rc;

        fault_arm(kind, n);
        rc = import(&h);
        fault_disarm();
        if (rc == VG_OK && !fault_fired)
            break;
        if (getenv("VG_FAULT_VERBOSE"))
            fprintf(stderr, "%ld: %s %s\n", n, vg_rc_name(rc), last_err.msg);
        /* What the handle says now, and what the disk says after a restart. */
        stats_of(h.st, &after);
        if (rc == VG_OK) {
            /* SQLite retried or did not need the write: then all of it. */
            assert_true(same_stats(&after, &reference));
        } else {
            if (rc != VG_IO && rc != VG_STORAGE)
                fail_msg("write %ld failing: import returned %s: %s", n, vg_rc_name(rc),
                         last_err.msg);
            assert_true(same_stats(&after, &before));
        }
        hub_reopen(&h);
        stats_of(h.st, &after);
        assert_true(same_stats(&after, rc == VG_OK ? &reference : &before));
        assert_intact(h.st);
        if (rc == VG_OK) {
            assert_int_equal(temp_hub_remove(h.dir, h.st), 0);
            hub_open(&h);
        }
    }
    assert_true(n < 100000);
    assert_int_equal(vg_store_sync_failed(), 0);
    assert_int_equal(temp_hub_remove(h.dir, h.st), 0);
}

static void test_write_errors(void **state)
{
    (void)state;
    sweep_writes(FAULT_WRITE);
}

static void test_disk_full(void **state)
{
    (void)state;
    sweep_writes(FAULT_FULL);
}

/*
 * A failed sync: the first one the import makes.  (Once it fails the
 * process writes nothing more, so there is no sweep: the sweep would stop
 * at N = 1.)  The import fails; a second import on a new handle fails too;
 * reads go on; a reopened store holds nothing of the batch or all of it.
 */
static void test_sync_failure_is_fatal(void **state)
{
    struct hub h;
    struct vg_store_stats before, after;
    struct vg_store *other = NULL;
    struct vg_error err;
    enum vg_rc rc;

    (void)state;
    hub_open(&h);
    stats_of(h.st, &before);
    assert_int_equal(vg_store_sync_failed(), 0);
    fault_arm(FAULT_SYNC, 1);
    rc = import(&h);
    fault_disarm();
    assert_true(fault_fired);
    if (rc != VG_IO && rc != VG_STORAGE)
        fail_msg("failed sync: import returned %s: %s", vg_rc_name(rc), last_err.msg);
    assert_int_equal(vg_store_sync_failed(), 1);

    /* Every later write fails, on this handle and on any other. */
    assert_int_equal(import(&h), VG_IO);
    assert_non_null(strstr(last_err.msg, "failed sync"));
    assert_int_equal(vg_store_open(h.dir, 0, &other, &err), VG_OK);
    {
        struct vg_store *keep = h.st;

        h.st = other;
        assert_int_equal(import(&h), VG_IO);
        h.st = keep;
    }
    /* Reads go on. */
    stats_of(other, &after);
    assert_true(same_stats(&after, &before) || same_stats(&after, &reference));
    vg_store_close(other);

    /* After a restart: nothing of the batch, or all of it. */
    hub_reopen(&h);
    stats_of(h.st, &after);
    assert_true(same_stats(&after, &before) || same_stats(&after, &reference));
    assert_intact(h.st);
    assert_int_equal(temp_hub_remove(h.dir, h.st), 0);
}

/* An import of one more indicator for a value the bundle already names. */
static enum vg_rc import_same_value(struct hub *h)
{
    static const char more[] =
        "{\"type\":\"bundle\",\"id\":\"bundle--5d0092c5-5f74-4287-9642-33f4c354e56e\","
        "\"objects\":[{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":"
        "\"indicator--9e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\",\"created\":"
        "\"2026-10-05T08:00:00.000Z\",\"modified\":\"2026-10-05T08:00:00.000Z\",\"pattern\":"
        "\"[ipv4-addr:value = '198.51.100.23']\",\"pattern_type\":\"stix\",\"valid_from\":"
        "\"2026-10-05T08:00:00Z\"}]}";
    char *keep = bundle;
    size_t keep_len = bundle_len;
    enum vg_rc rc;

    bundle = (char *)more;
    bundle_len = sizeof(more) - 1;
    rc = import(h);
    bundle = keep;
    bundle_len = keep_len;
    return rc;
}

/*
 * A commit that fails (the disk full at its first WAL write), then the same
 * import again on the same handle, then one more object naming a value the
 * first import stored: that value must stay one observable (the writer's
 * Bloom filter of values must not call it "certainly absent").
 */
static void test_commit_failure_then_same_values(void **state)
{
    struct hub h;
    struct vg_store_stats want, got;

    (void)state;
    hub_open(&h);
    assert_int_equal(import(&h), VG_OK);
    assert_int_equal(import_same_value(&h), VG_OK);
    stats_of(h.st, &want);
    assert_int_equal(temp_hub_remove(h.dir, h.st), 0);

    hub_open(&h);
    fault_arm(FAULT_FULL, 1);
    assert_int_equal(import(&h), VG_IO);
    fault_disarm();
    assert_true(fault_fired);
    assert_int_equal(import(&h), VG_OK);
    assert_int_equal(import_same_value(&h), VG_OK);
    stats_of(h.st, &got);
    assert_int_equal(got.observables, want.observables);
    assert_int_equal(got.contributions, want.contributions);
    assert_intact(h.st);
    assert_int_equal(temp_hub_remove(h.dir, h.st), 0);
}

/*
 * Every sync of an import, one after the other: each run in a child
 * process (a failed sync stops the writes of its whole process) on a copy
 * of the same hub, opened after the fork (SQLite connections must not
 * cross a fork).  The child reports whether the failure fired, that the
 * import failed cleanly and that the process then refused to write.  The
 * parent reopens the copy: nothing of the batch or all of it, intact.
 */
static void test_every_sync(void **state)
{
    struct hub tpl;
    char cmd[512], copy[128];
    struct vg_store_stats before, after;
    long n;

    (void)state;
    hub_open(&tpl);
    stats_of(tpl.st, &before);
    vg_store_close(tpl.st); /* no connection across the fork */
    tpl.st = NULL;
    assert_true((size_t)snprintf(copy, sizeof(copy), "%s-copy", tpl.dir) < sizeof(copy));
    for (n = 1; n < 1000; n++) {
        struct hub h = tpl;
        int status;
        pid_t pid;

        snprintf(cmd, sizeof(cmd), "rm -rf '%s' && cp -a '%s' '%s'", copy, tpl.dir, copy);
        assert_int_equal(system(cmd), 0);
        assert_true((size_t)snprintf(h.dir, sizeof(h.dir), "%s", copy) < sizeof(h.dir));
        fflush(NULL);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            struct vg_error err;
            enum vg_rc rc;
            int fired;

            if (vg_store_open(h.dir, 0, &h.st, &err) != VG_OK)
                _exit(10);
            fault_arm(FAULT_SYNC, n);
            rc = import(&h);
            fault_disarm();
            fired = fault_fired;
            if (!fired)
                _exit(rc == VG_OK ? 0 : 11);
            if (rc != VG_IO && rc != VG_STORAGE) /* a failed sync was acknowledged */
                _exit(12);
            if (!vg_store_sync_failed())
                _exit(13);
            if (import(&h) != VG_IO) /* the process goes on writing */
                _exit(14);
            vg_store_close(h.st);
            _exit(1);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        if (WEXITSTATUS(status) > 1)
            fail_msg("sync %ld failing: child says %d", n, WEXITSTATUS(status));
        assert_int_equal(vg_store_open(h.dir, 0, &h.st, NULL), VG_OK);
        stats_of(h.st, &after);
        assert_true(same_stats(&after, &before) || same_stats(&after, &reference));
        assert_intact(h.st);
        vg_store_close(h.st);
        if (getenv("VG_FAULT_VERBOSE"))
            fprintf(stderr, "sync %ld: child %d, batch %s\n", n, WEXITSTATUS(status),
                    same_stats(&after, &before) ? "absent" : "whole");
        if (WEXITSTATUS(status) == 0)
            break;
    }
    assert_true(n > 1 && n < 1000);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", copy);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(temp_hub_remove(tpl.dir, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_errors),
        cmocka_unit_test(test_disk_full),
        cmocka_unit_test(test_commit_failure_then_same_values),
        cmocka_unit_test(test_every_sync),
        cmocka_unit_test(test_sync_failure_is_fatal), /* last: the process stops writing */
    };
    int rc;

    shim_install();
    load_bundle();
    make_reference();
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    free(bundle);
    return rc;
}
