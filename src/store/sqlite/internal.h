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
    uint64_t print; /* sql_print(sql): most entries are told apart without a strcmp */
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

/*
 * A handle's memo of what every authenticated request reads (memo_sql.c):
 * a few keys (found or not), organisations and their groups, settings (the
 * warning lists' generation is read by every look-up), each as the
 * store held them at one data version.  It answers only inside a read (not
 * write) transaction whose data version is the one it was filled at - the
 * same database, so the same rows the queries would return - and is emptied
 * as soon as the version moves (a commit by any connection or process).
 */
#define SQ_MEMO_SLOTS 32
enum sq_memo_kind { SQ_MEMO_KEY, SQ_MEMO_ORG, SQ_MEMO_GROUPS, SQ_MEMO_META };
struct sq_memo {
    int valid;
    unsigned version;
    struct {
        enum sq_memo_kind kind;
        char name[64]; /* the key id, the setting, the organisation's id in decimal */
        int found;
        size_t len, cap;
        void *value; /* the row's bytes, as the caller gave them */
    } e[SQ_MEMO_SLOTS];
    size_t n, next; /* slots in use; the next one replaced cycles */
};

struct sq {
    struct vg_store base;
    sqlite3 *db;
    int in_tx;
    int gated;          /* holds the process's write gate (sq_begin) */
    int read_depth;     /* open read snapshots (sq_read_begin) */
    int64_t next_seq;   /* valid while in_tx */
    int64_t last_added; /* valid while in_tx */
    /* BEGIN IMMEDIATE, BEGIN, COMMIT, ROLLBACK: prepared at open, so that
     * ending a transaction needs no allocation (a ROLLBACK that cannot run
     * for want of memory would leave the handle inside the transaction). */
    sqlite3_stmt *tx[4];
    struct cached cache[CACHE_SIZE];
    size_t cache_next;
    struct {
        uint64_t key; /* shape of the query: filters given, number of tokens */
        char *sql;
    } shapes[CACHE_SIZE]; /* query texts built once (sq_scan_observables) */
    size_t shapes_next;
    struct bloom seen;        /* observable hashes in the store (writers only) */
    struct bloom ids;         /* object id hashes in the store (writers only) */
    struct sq_ledger ledger;  /* the evidence ledger's state (ledger_sql.c) */
    sqlite3_stmt *geo_put;    /* enrichment upsert, prepared on first use (geo_sql.c) */
    sqlite3_stmt *geo_claims; /* an object's locations, prepared on first use (geo_sql.c) */
    char *wal_path;           /* set when commits defer their sync (sq_defer_sync) */
    struct sq_memo *memo;     /* allocated on first use */
};

/* memo_sql.c: 1 when s->memo speaks for the snapshot now read (emptied
 * first if the data version moved), 0 outside a read transaction or
 * without memory. */
int sq_memo_fresh(struct sq *s);
/* The memo's answer for (kind, name): 1 found (its bytes copied into out,
 * their number in *len), 0 known to be absent, -1 not known (or longer
 * than cap). */
int sq_memo_get(struct sq *s, enum sq_memo_kind kind, const char *name, void *out, size_t cap,
                size_t *len);
/* Remember (kind, name) as value[0..len), or as absent when value is NULL;
 * nothing outside a read transaction, or for a name of 64 bytes or more. */
void sq_memo_put(struct sq *s, enum sq_memo_kind kind, const char *name, const void *value,
                 size_t len);
void sq_memo_free(struct sq *s);

/* sqlite.c, for the other files of the backend */
sqlite3_stmt *sq_prep(struct sq *s, const char *sql, struct vg_error *err);
enum vg_rc sq_db_error(struct sq *s, struct vg_error *err, const char *what);
/* The event stream's visibility of object alias "o" for the tokens at ?1..?n. */
struct vg_buf;
enum vg_rc sq_event_visible_sql(struct vg_buf *b, size_t ntokens);
int sq_bind_tokens(sqlite3_stmt *q, int at, const vg_token *t, size_t n);

/* watch_sql.c: watch lists and notifications (migration 11) */
extern const char sq_watch_migration[];
enum vg_rc sq_watch_add(struct vg_store *st, struct vg_watch_row *w, size_t max_per_org,
                        struct vg_error *err);
enum vg_rc sq_watch_remove(struct vg_store *st, int64_t org_id, const char *pub,
                           struct vg_error *err);
enum vg_rc sq_watch_scan(struct vg_store *st, int64_t org_id, vg_watch_row_cb cb, void *ctx,
                         struct vg_error *err);
enum vg_rc sq_watch_stamp(struct vg_store *st, char *out, size_t cap, struct vg_error *err);
enum vg_rc sq_watch_hook_set(struct vg_store *st, const struct vg_watch_hook *h,
                             struct vg_error *err);
enum vg_rc sq_watch_hook_get(struct vg_store *st, int64_t org_id, struct vg_watch_hook *out,
                             struct vg_error *err);
enum vg_rc sq_notify_add(struct vg_store *st, const struct vg_notify_new *n, struct vg_error *err);
enum vg_rc sq_notify_scan(struct vg_store *st, const struct vg_notify_filter *f, vg_notify_cb cb,
                          void *ctx, struct vg_error *err);
enum vg_rc sq_notify_positions(struct vg_store *st, int64_t after_id, int64_t upto_rowid,
                               size_t limit, vg_notify_position_cb cb, void *ctx,
                               struct vg_error *err);
enum vg_rc sq_notify_pending(struct vg_store *st, int64_t now_us, const int64_t *skip, size_t nskip,
                             size_t limit, int64_t *ids, int64_t *orgs, size_t *n,
                             struct vg_error *err);
enum vg_rc sq_notify_attempt(struct vg_store *st, int64_t id, int64_t at_us, int status,
                             const char *error, int64_t next_attempt_us, int state,
                             struct vg_error *err);
enum vg_rc sq_delivery_scan(struct vg_store *st, int64_t org_id, int64_t seq, vg_delivery_cb cb,
                            void *ctx, struct vg_error *err);
/* VG_STORAGE (err filled) when SQLite rolled back the write transaction
 * this handle has open (out of memory, I/O error): nothing may be written
 * after that, or it would commit on its own.  VG_OK otherwise. */
enum vg_rc sq_tx_lost(struct sq *s, struct vg_error *err);
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
