/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ledger_sql.h - the evidence ledger inside the SQLite backend: the calls
 * sqlite.c makes at the points of a write transaction, and the ledger's
 * operations of the store's table (ledger_sql.c).
 */
#ifndef VG_STORE_SQLITE_LEDGER_SQL_H
#define VG_STORE_SQLITE_LEDGER_SQL_H

#include <sqlite3.h>
#include <stdint.h>

#include "ledger/merkle.h"
#include "store/store.h"

struct sq;

/* Per handle.  The frontier is valid while `loaded` (a write transaction):
 * read at its start, advanced in memory by every leaf, written once by the
 * commit, and simply forgotten by a rollback (the next begin rereads it). */
struct sq_ledger {
    int loaded, dirty;
    struct vg_merkle_frontier f;
    sqlite3_stmt *ins;     /* INSERT INTO ledger */
    sqlite3_stmt *blk_ins; /* INSERT INTO ledger_block */
    int64_t org_id;        /* one-entry cache: contributor -> identity id */
    char org_stix[VG_STIX_ID_MAX];
};

/* The migration that adds the ledger's tables (one SQL script), and the one
 * that adds the stored roots of its complete blocks of 2^SQ_BLOCK_LEVEL
 * leaves (filled at the next write for the entries already there). */
extern const char sq_ledger_migration[];
extern const char sq_ledger_block_migration[];
#define SQ_BLOCK_LEVEL 10

/* At BEGIN: load the frontier (and record, once, the rows of a hub that
 * predates the ledger). */
enum vg_rc sq_ledger_begin(struct sq *s, struct vg_error *err);
/*
 * The one call at the point where an event row is inserted: the leaf of the
 * object version v, stored as object row `rowid` with event number seq,
 * date_added `added` and event kind `kind`.  Any event kind may call it;
 * an event that has no object row calls vg_store_ledger_append instead.
 */
enum vg_rc sq_ledger_object(struct sq *s, const struct vg_object_version *v, int64_t rowid,
                            int64_t seq, int64_t added, int kind, struct vg_error *err);
/* The same for an event row already inserted (read back: for rare events,
 * such as a deletion's tombstone).  key_id NULL: "cli". */
enum vg_rc sq_ledger_row(struct sq *s, int64_t rowid, const char *key_id, struct vg_error *err);
/* Before a version's content is erased (deletion): keep its whole leaf in
 * the ledger, so that the tree still verifies and the entry still says who
 * contributed what, when (only the content is gone). */
enum vg_rc sq_ledger_preserve(struct sq *s, int64_t rowid, struct vg_error *err);
/* Before COMMIT: persist the frontier. */
enum vg_rc sq_ledger_commit(struct sq *s, struct vg_error *err);
/* After ROLLBACK. */
void sq_ledger_rollback(struct sq *s);
void sq_ledger_cleanup(struct sq *s);

/* Operations of the store's table. */
enum vg_rc sq_ledger_head(struct vg_store *st, uint64_t *size, uint8_t root[32],
                          struct vg_error *err);
enum vg_rc sq_ledger_append(struct vg_store *st, const uint8_t *leaf, size_t len, uint64_t *index,
                            struct vg_error *err);
enum vg_rc sq_ledger_entry(struct vg_store *st, uint64_t index, uint8_t *leaf, size_t *len,
                           char **json, struct vg_error *err);
enum vg_rc sq_ledger_find(struct vg_store *st, const char *stix_id, int64_t modified_us,
                          const vg_token *tokens, size_t ntokens, uint64_t *index,
                          struct vg_error *err);
enum vg_rc sq_ledger_inclusion(struct vg_store *st, uint64_t index, uint64_t size,
                               uint8_t (*path)[32], size_t *npath, struct vg_error *err);
enum vg_rc sq_ledger_consistency(struct vg_store *st, uint64_t m, uint64_t n, uint8_t (*proof)[32],
                                 size_t *nproof, struct vg_error *err);
enum vg_rc sq_ledger_scan(struct vg_store *st, vg_ledger_cb cb, void *ctx, struct vg_error *err);
enum vg_rc sq_checkpoint_put(struct vg_store *st, uint64_t size, const char *note,
                             struct vg_error *err);
enum vg_rc sq_checkpoint_scan(struct vg_store *st, int latest_only, vg_checkpoint_cb cb, void *ctx,
                              struct vg_error *err);

/* Artefacts (artefact_sql.c): migration 6 and the store's operations. */
extern const char sq_artefact_migration[];
enum vg_rc sq_artefact_add(struct vg_store *st, struct vg_artefact *a, size_t max_per_object,
                           int *created, struct vg_error *err);
enum vg_rc sq_artefact_scan(struct vg_store *st, const char *stix_id, const uint8_t *sha256,
                            vg_artefact_cb cb, void *ctx, struct vg_error *err);

#endif
