/* SPDX-License-Identifier: Apache-2.0 */
/*
 * internal.h - the SQLite backend's handle, shared by the files of the
 * backend (sqlite.c, ledger_sql.c); not for anything outside src/store/sqlite.
 */
#ifndef VG_STORE_SQLITE_INTERNAL_H
#define VG_STORE_SQLITE_INTERNAL_H

#include <sqlite3.h>
#include <stdint.h>

#include "ledger_sql.h"
#include "store/store.h"

#define CACHE_SIZE 48

struct cached {
    char *sql;
    sqlite3_stmt *st;
};

/*
 * Bloom filters over the observables' hashes and the objects' id hashes,
 * kept by a writing handle: most values and ids in a feed are new, and
 * "certainly absent" spares an index look-up before their insert.  It is caught up at the start of
 * every write transaction with the rows added since (observable ids only grow; the writer lock
 * orders writers), and it may only err towards "maybe present".
 */
struct bloom {
    uint64_t *bits;
    size_t nbits; /* power of two */
    size_t count;
    int64_t max_id;   /* highest row id added */
    int64_t begin_id; /* max_id when the transaction began (rollback) */
};

struct sq {
    struct vg_store base;
    sqlite3 *db;
    int in_tx;
    int read_depth;     /* open read snapshots (sq_read_begin) */
    int64_t next_seq;   /* valid while in_tx */
    int64_t last_added; /* valid while in_tx */
    struct cached cache[CACHE_SIZE];
    size_t cache_next;
    struct bloom seen;       /* observable hashes in the store (writers only) */
    struct bloom ids;        /* object id hashes in the store (writers only) */
    struct sq_ledger ledger; /* the evidence ledger's state (ledger_sql.c) */
};

/* Warning lists (warn_sql.c): migration 8 and the store's operations. */
extern const char sq_warn_migration[];
enum vg_rc sq_warninglist_put(struct vg_store *st, const struct vg_wl_row *row,
                              struct vg_error *err);
enum vg_rc sq_warninglist_delete(struct vg_store *st, const char *name, struct vg_error *err);
enum vg_rc sq_warninglist_scan(struct vg_store *st, int with_json, vg_wl_row_cb cb, void *ctx,
                               struct vg_error *err);
enum vg_rc sq_warn_reflag(struct vg_store *st, vg_warn_fn fn, void *ctx, size_t *flagged,
                          struct vg_error *err);

#endif
