/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ledger_sql.c - the evidence ledger in the SQLite backend (docs/ledger.md).
 *
 * Tables (migration 5):
 *   ledger(idx, obj, key_id, hash, leaf)  one row per leaf, idx = its place
 *       in the tree from 0.  For an object event only what the object row
 *       does not hold is kept: the row's rowid (obj), the API key id and the
 *       leaf hash; the leaf itself is recomputed from the row when it is
 *       needed (evidence, verification), which keeps the import fast.  Log
 *       events (the signing key, artefacts) keep their whole leaf.
 *   ledger_state(size, frontier)  the compact frontier of the tree: written
 *       once per commit, so an append never rereads the log.
 *   checkpoint(size, created_us, note)  the signed checkpoints issued.
 *   ledger_block(k, hash)  (migration 7) the root of leaves [k * 1024,
 *       (k + 1) * 1024), written by the append that completes the block, in
 *       its transaction (ten node hashes per 1,024 leaves).
 *
 * In a write transaction the frontier lives in memory (struct sq_ledger):
 * loaded at BEGIN, advanced by each leaf in the same transaction as its
 * event row, persisted just before COMMIT, and forgotten on ROLLBACK (the
 * next BEGIN rereads the committed one), as the Bloom filters of sqlite.c
 * are rewound.  BEGIN also checks that the persisted size is the number of
 * entries, so nothing is ever appended to a ledger that was cut short.
 *
 * Reads: object rows are in rowid order and so are their leaves, so an
 * object's entry is found by a binary search on idx, and the whole store is
 * rechecked (ledger_scan) by walking the ledger and the object table side by
 * side.  Proofs hash each range they need from the stored block roots
 * and the leaves of at most one partial block: O(n / 1024 + 1024) reads
 * instead of every leaf hash.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "common/vtime.h"
#include "ledger/leaf.h"

const char sq_ledger_migration[] =
    "CREATE TABLE ledger(idx INTEGER PRIMARY KEY, obj INTEGER, key_id TEXT, hash BLOB NOT NULL,"
    " leaf BLOB);"
    "CREATE TABLE ledger_state(id INTEGER PRIMARY KEY CHECK(id = 1), size INTEGER NOT NULL,"
    " frontier BLOB NOT NULL);"
    "CREATE TABLE checkpoint(id INTEGER PRIMARY KEY AUTOINCREMENT, size INTEGER NOT NULL,"
    " created_us INTEGER NOT NULL, note TEXT NOT NULL);"
    /* Versions stored before the ledger existed get their leaves at the
     * next write (key id unknown: ""). */
    "INSERT INTO meta(key, value) SELECT 'ledger_backfill', max(rowid) FROM object"
    " HAVING count(*) > 0;";

const char sq_ledger_block_migration[] =
    "CREATE TABLE ledger_block(k INTEGER PRIMARY KEY, hash BLOB NOT NULL);";

static enum vg_rc lerr(struct sq *s, struct vg_error *err, const char *what)
{
    return vg_error_set(err, sqlite3_errcode(s->db) == SQLITE_NOMEM ? VG_NOMEM : VG_STORAGE, NULL,
                        "ledger: %s: %s", what, sqlite3_errmsg(s->db));
}

static sqlite3_stmt *lprep(struct sq *s, const char *sql, struct vg_error *err)
{
    sqlite3_stmt *q = NULL;

    if (sq_tx_lost(s, err) != VG_OK)
        return NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK) {
        lerr(s, err, "prepare");
        return NULL;
    }
    return q;
}

/* SHA-256(a || b) (vg_sha256_2: no algorithm fetch per call). */
static void digest2(struct sq_ledger *lg, const void *a, size_t na, const void *b, size_t nb,
                    uint8_t out[32])
{
    (void)lg;
    vg_sha256_2(a, na, b, nb, out);
}

void sq_ledger_cleanup(struct sq *s)
{
    struct sq_ledger *lg = &s->ledger;

    sqlite3_finalize(lg->ins);
    sqlite3_finalize(lg->blk_ins);
    memset(lg, 0, sizeof(*lg));
}

/* ---- the frontier ---------------------------------------------------------------------- */

/* Nodes of the set bits of size, lowest bit first. */
static enum vg_rc frontier_load(struct sq *s, struct vg_merkle_frontier *f, struct vg_error *err)
{
    sqlite3_stmt *q = lprep(s, "SELECT size, frontier FROM ledger_state WHERE id = 1", err);
    enum vg_rc rc = VG_OK;
    const uint8_t *p;
    int r, k;

    if (q == NULL)
        return err->code;
    vg_merkle_frontier_init(f);
    if ((r = sqlite3_step(q)) == SQLITE_ROW) {
        uint64_t size = (uint64_t)sqlite3_column_int64(q, 0);
        size_t n = (size_t)sqlite3_column_bytes(q, 1);

        p = sqlite3_column_blob(q, 1);
        if (n != 32 * (size_t)__builtin_popcountll(size)) {
            rc = vg_error_set(err, VG_STORAGE, NULL, "ledger state damaged");
            goto out;
        }
        f->size = size;
        for (k = 0; k < 64; k++) {
            if (size & (1ull << k)) {
                memcpy(f->nodes[k], p, 32);
                p += 32;
            }
        }
    } else if (r != SQLITE_DONE) {
        rc = lerr(s, err, "state");
    }
out:
    sqlite3_finalize(q);
    return rc;
}

static enum vg_rc frontier_save(struct sq *s, const struct vg_merkle_frontier *f,
                                struct vg_error *err)
{
    uint8_t blob[64 * 32];
    size_t n = 0;
    sqlite3_stmt *q;
    enum vg_rc rc = VG_OK;
    int k;

    for (k = 0; k < 64; k++) {
        if (f->size & (1ull << k)) {
            memcpy(blob + n, f->nodes[k], 32);
            n += 32;
        }
    }
    q = lprep(s, "INSERT OR REPLACE INTO ledger_state(id, size, frontier) VALUES(1, ?, ?)", err);
    if (q == NULL)
        return err->code;
    sqlite3_bind_int64(q, 1, (sqlite3_int64)f->size);
    sqlite3_bind_blob(q, 2, n ? (const void *)blob : (const void *)"", (int)n, SQLITE_STATIC);
    if (sqlite3_step(q) != SQLITE_DONE)
        rc = lerr(s, err, "state");
    sqlite3_finalize(q);
    return rc;
}

static enum vg_rc idx_of_obj(struct sq *s, int64_t target, uint64_t *index, struct vg_error *err);

/* ---- leaves from object rows ------------------------------------------------------------ */

/* An object row and its audience, as the leaf needs them. */
struct orow {
    int64_t rowid, seq, added, modified;
    int kind, tlp;
    const char *org_stix, *stix_id, *json;
    size_t json_len;
    const uint8_t *json_sha256; /* given by the writer, or NULL: computed here */
    size_t naud;
    uint64_t aud[VG_LEAF_AUD_MAX];
};

static enum vg_rc build_leaf(struct sq_ledger *lg, const struct orow *r, const char *key_id,
                             uint8_t *out, size_t *len, struct vg_error *err)
{
    uint64_t aud[VG_LEAF_AUD_MAX];
    uint8_t sha[32];
    size_t naud = r->naud;
    struct vg_leaf_parts lp = {(uint8_t)r->kind, (uint64_t)r->seq, r->added,
                               r->modified,      (uint8_t)r->tlp,  sha,
                               r->org_stix,      key_id,           r->stix_id};

    if (r->json_sha256)
        memcpy(sha, r->json_sha256, sizeof(sha));
    else
        digest2(lg, r->json, r->json_len, NULL, 0, sha);
    memcpy(aud, r->aud, naud * sizeof(aud[0]));
    return vg_leaf_encode_parts(&lp, aud, &naud, out, len, err);
}

/* When leaf hash h completes a block of 2^SQ_BLOCK_LEVEL leaves at the end
 * of the tree f (before h is appended), store the block's root: the
 * frontier's nodes below that level are then exactly the block's left
 * parts. */
static enum vg_rc block_done(struct sq *s, const struct vg_merkle_frontier *f, const uint8_t h[32],
                             struct vg_error *err)
{
    struct sq_ledger *lg = &s->ledger;
    const uint64_t mask = (1ull << SQ_BLOCK_LEVEL) - 1;
    uint8_t cur[32];
    unsigned k;
    enum vg_rc rc = VG_OK;

    if (((f->size + 1) & mask) != 0)
        return VG_OK;
    memcpy(cur, h, 32);
    for (k = 0; k < SQ_BLOCK_LEVEL; k++)
        vg_merkle_node_hash(f->nodes[k], cur, cur);
    if (lg->blk_ins == NULL &&
        (lg->blk_ins =
             lprep(s, "INSERT OR REPLACE INTO ledger_block(k, hash) VALUES(?, ?)", err)) == NULL)
        return err->code;
    if ((rc = sq_tx_lost(s, err)) != VG_OK)
        return rc;
    sqlite3_reset(lg->blk_ins);
    sqlite3_bind_int64(lg->blk_ins, 1, (sqlite3_int64)(f->size >> SQ_BLOCK_LEVEL));
    sqlite3_bind_blob(lg->blk_ins, 2, cur, 32, SQLITE_STATIC);
    if (sqlite3_step(lg->blk_ins) != SQLITE_DONE)
        rc = lerr(s, err, "block");
    sqlite3_reset(lg->blk_ins);
    return rc;
}

/* Append one leaf: hash it, advance the frontier, store its row. */
static enum vg_rc append_leaf(struct sq *s, const uint8_t *leaf, size_t len, int64_t obj,
                              const char *key_id, uint64_t *index, struct vg_error *err)
{
    struct sq_ledger *lg = &s->ledger;
    uint8_t h[32];
    uint64_t idx = lg->f.size;
    enum vg_rc rc;

    if (!lg->loaded)
        return vg_error_set(err, VG_INTERNAL, NULL, "ledger append outside a write transaction");
    digest2(lg, "", 1, leaf, len, h); /* RFC 9162: SHA-256(0x00 || leaf) */
    if (lg->ins == NULL &&
        (lg->ins =
             lprep(s, "INSERT INTO ledger(idx, obj, key_id, hash, leaf) VALUES(?, ?, ?, ?, ?)",
                   err)) == NULL)
        return err->code;
    if ((rc = sq_tx_lost(s, err)) != VG_OK)
        return rc;
    sqlite3_reset(lg->ins);
    sqlite3_bind_int64(lg->ins, 1, (sqlite3_int64)idx);
    if (obj)
        sqlite3_bind_int64(lg->ins, 2, obj);
    else
        sqlite3_bind_null(lg->ins, 2);
    if (key_id)
        sqlite3_bind_text(lg->ins, 3, key_id, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(lg->ins, 3);
    sqlite3_bind_blob(lg->ins, 4, h, 32, SQLITE_STATIC);
    if (obj)
        sqlite3_bind_null(lg->ins, 5);
    else
        sqlite3_bind_blob(lg->ins, 5, leaf, (int)len, SQLITE_STATIC);
    if (sqlite3_step(lg->ins) != SQLITE_DONE) {
        rc = lerr(s, err, "append");
        sqlite3_reset(lg->ins);
        return rc;
    }
    sqlite3_reset(lg->ins);
    if ((rc = block_done(s, &lg->f, h, err)) != VG_OK)
        return rc;
    if ((rc = vg_merkle_append(&lg->f, h)) != VG_OK)
        return vg_error_set(err, rc, NULL, "ledger full");
    lg->dirty = 1;
    if (index)
        *index = idx;
    return VG_OK;
}

/*
 * Object rows in rowid order with their audience, read side by side with
 * the object_audience table (both ordered by rowid).
 */
struct rows {
    struct sq *s;
    sqlite3_stmt *o, *a;
    int a_state; /* 0 not started, 1 row, 2 done */
    struct orow cur;
};

static enum vg_rc rows_open(struct sq *s, struct rows *r, int64_t from, int64_t upto,
                            struct vg_error *err)
{
    memset(r, 0, sizeof(*r));
    r->s = s;
    r->o = lprep(s,
                 "SELECT o.rowid, o.seq, o.event_kind, o.date_added_us, o.modified_us, o.tlp, "
                 "org.stix_id, o.stix_id, o.json, o.aud0 FROM object o LEFT JOIN org ON org.id = "
                 "o.org_id WHERE o.rowid >= ?1 AND o.rowid <= ?2 ORDER BY o.rowid",
                 err);
    if (r->o == NULL)
        return err->code;
    r->a = lprep(s,
                 "SELECT object_rowid, token FROM object_audience WHERE object_rowid >= ?1 AND "
                 "object_rowid <= ?2 ORDER BY object_rowid, token",
                 err);
    if (r->a == NULL) {
        sqlite3_finalize(r->o);
        return err->code;
    }
    sqlite3_bind_int64(r->o, 1, from);
    sqlite3_bind_int64(r->o, 2, upto);
    sqlite3_bind_int64(r->a, 1, from);
    sqlite3_bind_int64(r->a, 2, upto);
    return VG_OK;
}

static void rows_close(struct rows *r)
{
    sqlite3_finalize(r->o);
    sqlite3_finalize(r->a);
}

/* The next object row into r->cur: 1, 0 at the end, -1 on error. */
static int rows_next(struct rows *r)
{
    struct orow *c = &r->cur;
    int rc = sqlite3_step(r->o);

    if (rc != SQLITE_ROW)
        return rc == SQLITE_DONE ? 0 : -1;
    c->rowid = sqlite3_column_int64(r->o, 0);
    c->seq = sqlite3_column_int64(r->o, 1);
    c->kind = sqlite3_column_int(r->o, 2);
    c->added = sqlite3_column_int64(r->o, 3);
    c->modified = sqlite3_column_int64(r->o, 4);
    c->tlp = sqlite3_column_int(r->o, 5);
    c->org_stix = (const char *)sqlite3_column_text(r->o, 6);
    c->stix_id = (const char *)sqlite3_column_text(r->o, 7);
    c->json = (const char *)sqlite3_column_text(r->o, 8);
    c->json_len = (size_t)sqlite3_column_bytes(r->o, 8);
    c->json_sha256 = NULL; /* from the row: always re-hashed */
    c->naud = 0;
    c->aud[c->naud++] = (uint64_t)sqlite3_column_int64(r->o, 9);
    for (;;) {
        int64_t at;

        if (r->a_state != 1) {
            if (r->a_state == 2)
                break;
            if ((rc = sqlite3_step(r->a)) != SQLITE_ROW) {
                r->a_state = 2;
                if (rc != SQLITE_DONE)
                    return -1;
                break;
            }
            r->a_state = 1;
        }
        at = sqlite3_column_int64(r->a, 0);
        if (at > c->rowid)
            break;
        if (at == c->rowid && c->naud < VG_LEAF_AUD_MAX)
            c->aud[c->naud++] = (uint64_t)sqlite3_column_int64(r->a, 1);
        r->a_state = 0; /* consumed */
    }
    return 1;
}

/* Leaves for the rows stored before the ledger existed (once). */
static enum vg_rc backfill(struct sq *s, struct vg_error *err)
{
    sqlite3_stmt *q = lprep(s, "SELECT value FROM meta WHERE key = 'ledger_backfill'", err);
    uint8_t leaf[VG_LEAF_MAX];
    size_t len;
    int64_t upto = -1;
    struct rows r;
    enum vg_rc rc = VG_OK;
    int got;

    if (q == NULL)
        return err->code;
    if (sqlite3_step(q) == SQLITE_ROW)
        upto = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    if (upto < 0)
        return VG_OK;
    if ((rc = rows_open(s, &r, 0, upto, err)) != VG_OK)
        return rc;
    while ((got = rows_next(&r)) == 1) {
        if ((rc = build_leaf(&s->ledger, &r.cur, "", leaf, &len, err)) != VG_OK ||
            (rc = append_leaf(s, leaf, len, r.cur.rowid, "", NULL, err)) != VG_OK)
            break;
    }
    if (got < 0)
        rc = lerr(s, err, "backfill");
    rows_close(&r);
    if (rc == VG_OK) {
        if ((q = lprep(s, "DELETE FROM meta WHERE key = 'ledger_backfill'", err)) == NULL)
            return err->code;
        if (sqlite3_step(q) != SQLITE_DONE)
            rc = lerr(s, err, "backfill");
        sqlite3_finalize(q);
    }
    return rc;
}

/* ---- the write transaction ------------------------------------------------------------- */

/* The roots of the complete blocks a ledger made before migration 7 holds
 * (or any missing), from the stored leaf hashes: once, at a write. */
static enum vg_rc blocks_backfill(struct sq *s, struct vg_error *err)
{
    struct vg_merkle_frontier f;
    sqlite3_stmt *q;
    uint64_t have = 0, want = s->ledger.f.size >> SQ_BLOCK_LEVEL, i;
    enum vg_rc rc = VG_OK;
    int r;

    if ((q = lprep(s, "SELECT coalesce(max(k) + 1, 0) FROM ledger_block", err)) == NULL)
        return err->code;
    if (sqlite3_step(q) == SQLITE_ROW)
        have = (uint64_t)sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    if (have >= want)
        return VG_OK;
    if ((q = lprep(s, "SELECT idx, hash FROM ledger WHERE idx >= ? AND idx < ? ORDER BY idx",
                   err)) == NULL)
        return err->code;
    sqlite3_bind_int64(q, 1, (sqlite3_int64)(have << SQ_BLOCK_LEVEL));
    sqlite3_bind_int64(q, 2, (sqlite3_int64)(want << SQ_BLOCK_LEVEL));
    vg_merkle_frontier_init(&f);
    f.size = have << SQ_BLOCK_LEVEL; /* nodes below the block level: none yet */
    for (i = f.size; rc == VG_OK && (r = sqlite3_step(q)) == SQLITE_ROW; i++) {
        if ((uint64_t)sqlite3_column_int64(q, 0) != i || sqlite3_column_bytes(q, 1) != 32) {
            rc = vg_error_set(err, VG_STORAGE, "ledger", "ledger entry %llu damaged",
                              (unsigned long long)i);
            break;
        }
        if ((rc = block_done(s, &f, sqlite3_column_blob(q, 1), err)) == VG_OK)
            vg_merkle_append(&f, sqlite3_column_blob(q, 1));
    }
    sqlite3_finalize(q);
    return rc;
}

enum vg_rc sq_ledger_begin(struct sq *s, struct vg_error *err)
{
    struct sq_ledger *lg = &s->ledger;
    sqlite3_stmt *q;
    int64_t entries = 0;
    enum vg_rc rc;

    lg->loaded = lg->dirty = 0;
    if ((rc = frontier_load(s, &lg->f, err)) != VG_OK)
        return rc;
    if ((q = lprep(s, "SELECT coalesce(max(idx) + 1, 0) FROM ledger", err)) == NULL)
        return err->code;
    if (sqlite3_step(q) != SQLITE_ROW) { /* not "damaged": the read failed */
        rc = lerr(s, err, "size");
        sqlite3_finalize(q);
        return rc;
    }
    entries = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    if ((uint64_t)entries != lg->f.size)
        return vg_error_set(err, VG_STORAGE, "ledger",
                            "the ledger holds %lld entries but its state says %llu: damaged or "
                            "tampered with (run vigie verify); nothing will be written",
                            (long long)entries, (unsigned long long)lg->f.size);
    lg->loaded = 1;
    if ((rc = blocks_backfill(s, err)) != VG_OK) {
        lg->loaded = 0;
        return rc;
    }
    if (lg->f.size == 0 && (rc = backfill(s, err)) != VG_OK) {
        lg->loaded = 0;
        return rc;
    }
    return VG_OK;
}

enum vg_rc sq_ledger_object(struct sq *s, const struct vg_object_version *v, int64_t rowid,
                            int64_t seq, int64_t added, int kind, struct vg_error *err)
{
    struct sq_ledger *lg = &s->ledger;
    uint8_t leaf[VG_LEAF_MAX];
    const char *key_id = v->key_id ? v->key_id : "cli";
    struct orow r;
    size_t len, i;
    enum vg_rc rc;

    if (lg->org_id != v->org_id || lg->org_stix[0] == '\0') {
        sqlite3_stmt *q = lprep(s, "SELECT stix_id FROM org WHERE id = ?", err);

        if (q == NULL)
            return err->code;
        sqlite3_bind_int64(q, 1, v->org_id);
        lg->org_stix[0] = '\0';
        if (sqlite3_step(q) == SQLITE_ROW)
            snprintf(lg->org_stix, sizeof(lg->org_stix), "%s", sqlite3_column_text(q, 0));
        sqlite3_finalize(q);
        lg->org_id = v->org_id;
    }
    r.rowid = rowid;
    r.seq = seq;
    r.added = added;
    r.modified = v->modified_us;
    r.kind = kind;
    r.tlp = (int)v->tlp;
    r.org_stix = lg->org_stix;
    r.stix_id = v->stix_id;
    r.json = v->json;
    r.json_len = v->json_len;
    r.json_sha256 = v->json_sha256;
    r.naud = 0;
    for (i = 0; v->aud && i < v->aud->n && i < VG_LEAF_AUD_MAX; i++)
        r.aud[r.naud++] = v->aud->tok[i];
    if ((rc = build_leaf(lg, &r, key_id, leaf, &len, err)) != VG_OK)
        return rc;
    return append_leaf(s, leaf, len, rowid, key_id, NULL, err);
}

/* The leaf of object row `rowid`, recomputed from the row. */
static enum vg_rc leaf_of_row(struct sq *s, int64_t rowid, const char *key_id, uint8_t *leaf,
                              size_t *len, char **json, struct vg_error *err)
{
    struct rows r;
    enum vg_rc rc;
    int got;

    if ((rc = rows_open(s, &r, rowid, rowid, err)) != VG_OK)
        return rc;
    if ((got = rows_next(&r)) != 1)
        rc = got < 0 ? lerr(s, err, "entry")
                     : vg_error_set(err, VG_STORAGE, "ledger", "object row %lld is missing",
                                    (long long)rowid);
    else
        rc = build_leaf(&s->ledger, &r.cur, key_id, leaf, len, err);
    if (rc == VG_OK && json && (*json = strndup(r.cur.json, r.cur.json_len)) == NULL)
        rc = vg_error_set(err, VG_NOMEM, NULL, "out of memory");
    rows_close(&r);
    return rc;
}

enum vg_rc sq_ledger_row(struct sq *s, int64_t rowid, const char *key_id, struct vg_error *err)
{
    uint8_t leaf[VG_LEAF_MAX];
    size_t len;
    enum vg_rc rc;

    if (key_id == NULL)
        key_id = "cli";
    if ((rc = leaf_of_row(s, rowid, key_id, leaf, &len, NULL, err)) != VG_OK)
        return rc;
    return append_leaf(s, leaf, len, rowid, key_id, NULL, err);
}

enum vg_rc sq_ledger_preserve(struct sq *s, int64_t rowid, struct vg_error *err)
{
    uint8_t leaf[VG_LEAF_MAX], h[32];
    size_t len;
    uint64_t idx;
    sqlite3_stmt *q;
    char key_id[VG_LEAF_STR_MAX + 1] = "";
    enum vg_rc rc;
    int ok = 0;

    if ((rc = idx_of_obj(s, rowid, &idx, err)) != VG_OK)
        return rc == VG_NOT_FOUND
                   ? vg_error_set(err, VG_STORAGE, "ledger", "object row %lld has no ledger entry",
                                  (long long)rowid)
                   : rc;
    if ((q = lprep(s, "SELECT key_id, hash FROM ledger WHERE idx = ?", err)) == NULL)
        return err->code;
    sqlite3_bind_int64(q, 1, (sqlite3_int64)idx);
    if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_bytes(q, 1) == 32) {
        snprintf(key_id, sizeof(key_id), "%s",
                 sqlite3_column_text(q, 0) ? (const char *)sqlite3_column_text(q, 0) : "");
        memcpy(h, sqlite3_column_blob(q, 1), 32);
        ok = 1;
    }
    sqlite3_finalize(q);
    if (!ok)
        return vg_error_set(err, VG_STORAGE, "ledger", "ledger entry %llu damaged",
                            (unsigned long long)idx);
    if ((rc = leaf_of_row(s, rowid, key_id, leaf, &len, NULL, err)) != VG_OK)
        return rc;
    {
        uint8_t again[32];

        digest2(&s->ledger, "", 1, leaf, len, again);
        if (memcmp(again, h, 32) != 0)
            return vg_error_set(err, VG_STORAGE, "ledger",
                                "ledger entry %llu does not match its object (run vigie verify)",
                                (unsigned long long)idx);
    }
    if ((q = lprep(s, "UPDATE ledger SET leaf = ? WHERE idx = ?", err)) == NULL)
        return err->code;
    sqlite3_bind_blob(q, 1, leaf, (int)len, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, (sqlite3_int64)idx);
    rc = sqlite3_step(q) == SQLITE_DONE ? VG_OK : lerr(s, err, "preserve");
    sqlite3_finalize(q);
    return rc;
}

enum vg_rc sq_ledger_commit(struct sq *s, struct vg_error *err)
{
    struct sq_ledger *lg = &s->ledger;
    enum vg_rc rc = VG_OK;

    if (lg->loaded && lg->dirty)
        rc = frontier_save(s, &lg->f, err);
    lg->loaded = lg->dirty = 0;
    return rc;
}

void sq_ledger_rollback(struct sq *s)
{
    s->ledger.loaded = s->ledger.dirty = 0;
}

/* ---- operations --------------------------------------------------------------------------- */

enum vg_rc sq_ledger_head(struct vg_store *st, uint64_t *size, uint8_t root[32],
                          struct vg_error *err)
{
    struct sq *s = (struct sq *)st;
    struct vg_merkle_frontier f;
    enum vg_rc rc;

    if (s->in_tx && s->ledger.loaded) {
        f = s->ledger.f;
    } else if ((rc = frontier_load(s, &f, err)) != VG_OK) {
        return rc;
    }
    *size = f.size;
    vg_merkle_root(&f, root);
    return VG_OK;
}

enum vg_rc sq_ledger_append(struct vg_store *st, const uint8_t *leaf, size_t len, uint64_t *index,
                            struct vg_error *err)
{
    struct sq *s = (struct sq *)st;

    if (!s->in_tx)
        return vg_error_set(err, VG_INTERNAL, NULL, "ledger append outside a write transaction");
    if (len == 0 || len > VG_LEAF_MAX)
        return vg_error_set(err, VG_INVALID, "leaf", "bad leaf length");
    return append_leaf(s, leaf, len, 0, NULL, index, err);
}

enum vg_rc sq_ledger_entry(struct vg_store *st, uint64_t index, uint8_t *leaf, size_t *len,
                           char **json, struct vg_error *err)
{
    struct sq *s = (struct sq *)st;
    sqlite3_stmt *q = lprep(s, "SELECT obj, key_id, hash, leaf FROM ledger WHERE idx = ?", err);
    uint8_t stored[32], h[32];
    char key_id[VG_LEAF_STR_MAX + 1] = "";
    int64_t obj = 0;
    enum vg_rc rc = VG_OK;

    if (q == NULL)
        return err->code;
    if (json)
        *json = NULL;
    sqlite3_bind_int64(q, 1, (sqlite3_int64)index);
    if (sqlite3_step(q) != SQLITE_ROW) {
        sqlite3_finalize(q);
        return vg_error_set(err, VG_NOT_FOUND, "index", "no ledger entry %llu",
                            (unsigned long long)index);
    }
    obj = sqlite3_column_int64(q, 0);
    snprintf(key_id, sizeof(key_id), "%s",
             sqlite3_column_text(q, 1) ? (const char *)sqlite3_column_text(q, 1) : "");
    if (sqlite3_column_bytes(q, 2) != 32) {
        sqlite3_finalize(q);
        return vg_error_set(err, VG_STORAGE, "ledger", "ledger entry %llu damaged",
                            (unsigned long long)index);
    }
    memcpy(stored, sqlite3_column_blob(q, 2), 32);
    if (sqlite3_column_type(q, 3) != SQLITE_NULL) { /* a log event, or an erased version */
        size_t n = (size_t)sqlite3_column_bytes(q, 3);

        if (n == 0 || n > VG_LEAF_MAX)
            rc = vg_error_set(err, VG_STORAGE, "ledger", "ledger entry %llu damaged",
                              (unsigned long long)index);
        else
            memcpy(leaf, sqlite3_column_blob(q, 3), (*len = n));
        sqlite3_finalize(q);
        obj = 0;
    } else {
        sqlite3_finalize(q);
        rc = leaf_of_row(s, obj, key_id, leaf, len, json, err);
    }
    if (rc != VG_OK)
        goto fail;
    digest2(&s->ledger, "", 1, leaf, *len, h);
    if (memcmp(h, stored, 32) != 0) {
        rc = vg_error_set(err, VG_STORAGE, "ledger",
                          "ledger entry %llu does not match what is stored (run vigie verify)",
                          (unsigned long long)index);
        goto fail;
    }
    return VG_OK;
fail:
    if (json) {
        free(*json);
        *json = NULL;
    }
    return rc;
}

struct find {
    int64_t modified_us;
    int64_t rowid;
};

static int find_cb(void *ctx, const struct vg_object_row *row)
{
    struct find *f = ctx;

    if ((f->modified_us < 0 || row->modified_us == f->modified_us) && row->rowid > f->rowid)
        f->rowid = row->rowid;
    return 0;
}

/* The first object entry at or after idx: 1 found, 0 none, -1 error. */
static int obj_at(sqlite3_stmt *q, uint64_t idx, uint64_t *at, int64_t *obj)
{
    int r;

    sqlite3_reset(q);
    sqlite3_bind_int64(q, 1, (sqlite3_int64)idx);
    if ((r = sqlite3_step(q)) != SQLITE_ROW)
        return r == SQLITE_DONE ? 0 : -1;
    *at = (uint64_t)sqlite3_column_int64(q, 0);
    *obj = sqlite3_column_int64(q, 1);
    return 1;
}

/* The entry of object row `obj` (object entries are in rowid order: bisect
 * on idx).  VG_NOT_FOUND when it has none. */
static enum vg_rc idx_of_obj(struct sq *s, int64_t target, uint64_t *index, struct vg_error *err)
{
    sqlite3_stmt *q;
    uint64_t lo = 0, hi, at = 0;
    uint8_t root[32];
    int64_t obj = 0; /* set by obj_at when it returns 1 (gcc -O1 cannot tell) */
    enum vg_rc rc;
    int r;

    if ((rc = sq_ledger_head(&s->base, &hi, root, err)) != VG_OK)
        return rc;
    if ((q = lprep(s,
                   "SELECT idx, obj FROM ledger WHERE idx >= ? AND obj IS NOT NULL ORDER BY idx "
                   "LIMIT 1",
                   err)) == NULL)
        return err->code;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;

        if ((r = obj_at(q, mid, &at, &obj)) < 0) {
            sqlite3_finalize(q);
            return lerr(s, err, "find");
        }
        if (r == 0 || obj > target) {
            hi = mid;
        } else if (obj < target) {
            lo = at + 1;
        } else {
            sqlite3_finalize(q);
            *index = at;
            return VG_OK;
        }
    }
    sqlite3_finalize(q);
    return VG_NOT_FOUND;
}

enum vg_rc sq_ledger_find(struct vg_store *st, const char *stix_id, int64_t modified_us,
                          const vg_token *tokens, size_t ntokens, uint64_t *index,
                          struct vg_error *err)
{
    struct sq *s = (struct sq *)st;
    struct vg_object_filter f;
    struct find fd = {modified_us, 0};
    enum vg_rc rc;

    memset(&f, 0, sizeof(f));
    f.tokens = tokens;
    f.ntokens = ntokens;
    f.stix_id = stix_id;
    f.versions = modified_us < 0 ? VG_VERSIONS_LAST : VG_VERSIONS_ALL;
    if (ntokens == 0)
        goto none;
    if ((rc = st->ops->scan_objects(st, &f, find_cb, &fd, err)) != VG_OK)
        return rc;
    if (fd.rowid == 0)
        goto none;
    if ((rc = idx_of_obj(s, fd.rowid, index, err)) == VG_NOT_FOUND)
        return vg_error_set(err, VG_STORAGE, "ledger", "%s has no ledger entry (run vigie verify)",
                            stix_id);
    return rc;
none:
    return vg_error_set(err, VG_NOT_FOUND, "id", "no such object");
}

/* The leaf-hash accessor of proof generation: one cursor read in order. */
struct hget {
    sqlite3_stmt *q, *blk;
    uint64_t next;
    int active;
};

static int hget_fn(void *ctx, uint64_t index, uint8_t out[32])
{
    struct hget *h = ctx;

    if (!h->active || index != h->next) {
        sqlite3_reset(h->q);
        sqlite3_bind_int64(h->q, 1, (sqlite3_int64)index);
        h->active = 1;
    }
    if (sqlite3_step(h->q) != SQLITE_ROW || (uint64_t)sqlite3_column_int64(h->q, 0) != index ||
        sqlite3_column_bytes(h->q, 1) != 32) {
        h->active = 0;
        return VG_STORAGE;
    }
    memcpy(out, sqlite3_column_blob(h->q, 1), 32);
    h->next = index + 1;
    return VG_OK;
}

/* The stored root of block j (0), or VG_NOT_FOUND. */
static int node_fn(void *ctx, uint64_t j, uint8_t out[32])
{
    struct hget *h = ctx;
    int r;

    sqlite3_reset(h->blk);
    sqlite3_bind_int64(h->blk, 1, (sqlite3_int64)j);
    if ((r = sqlite3_step(h->blk)) != SQLITE_ROW)
        return r == SQLITE_DONE ? VG_NOT_FOUND : VG_STORAGE;
    if (sqlite3_column_bytes(h->blk, 0) != 32)
        return VG_STORAGE;
    memcpy(out, sqlite3_column_blob(h->blk, 0), 32);
    return VG_OK;
}

static enum vg_rc proof(struct vg_store *st, int consistency, uint64_t a, uint64_t b,
                        uint8_t (*out)[32], size_t *nout, struct vg_error *err)
{
    struct sq *s = (struct sq *)st;
    struct hget h = {NULL, NULL, 0, 0};
    uint8_t root[32];
    uint64_t size;
    enum vg_rc rc;

    if ((rc = sq_ledger_head(st, &size, root, err)) != VG_OK)
        return rc;
    if (b > size)
        return vg_error_set(err, VG_NOT_FOUND, "size", "the ledger has %llu entries, not %llu",
                            (unsigned long long)size, (unsigned long long)b);
    if ((h.q = lprep(s, "SELECT idx, hash FROM ledger WHERE idx >= ? ORDER BY idx", err)) == NULL)
        return err->code;
    if ((h.blk = lprep(s, "SELECT hash FROM ledger_block WHERE k = ?", err)) == NULL) {
        sqlite3_finalize(h.q);
        return err->code;
    }
    if (consistency)
        rc = vg_merkle_consistency_proof_nodes(hget_fn, node_fn, SQ_BLOCK_LEVEL, &h, a, b, out,
                                               nout);
    else
        rc = vg_merkle_inclusion_proof_nodes(hget_fn, node_fn, SQ_BLOCK_LEVEL, &h, a, b, out, nout);
    sqlite3_finalize(h.q);
    sqlite3_finalize(h.blk);
    if (rc == VG_INVALID)
        return vg_error_set(err, rc, "size", "no such proof (sizes %llu, %llu)",
                            (unsigned long long)a, (unsigned long long)b);
    if (rc != VG_OK)
        return vg_error_set(err, rc, "ledger", "cannot make the proof: ledger entries missing");
    return VG_OK;
}

enum vg_rc sq_ledger_inclusion(struct vg_store *st, uint64_t index, uint64_t size,
                               uint8_t (*path)[32], size_t *npath, struct vg_error *err)
{
    return proof(st, 0, index, size, path, npath, err);
}

enum vg_rc sq_ledger_consistency(struct vg_store *st, uint64_t m, uint64_t n,
                                 uint8_t (*proof_out)[32], size_t *nproof, struct vg_error *err)
{
    return proof(st, 1, m, n, proof_out, nproof, err);
}

/* A deletion event for the id of row c after it? */
static int deleted_later(struct sq *s, const struct orow *c)
{
    sqlite3_stmt *q = lprep(s,
                            "SELECT 1 FROM object WHERE id_hash = vg_id_hash(?1) AND stix_id = ?1 "
                            "AND event_kind = 5 AND rowid > ?2",
                            NULL);
    int found;

    if (q == NULL || c->stix_id == NULL) {
        sqlite3_finalize(q);
        return 0;
    }
    sqlite3_bind_text(q, 1, c->stix_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, c->rowid);
    found = sqlite3_step(q) == SQLITE_ROW;
    sqlite3_finalize(q);
    return found;
}

/*
 * The ledger and the object table side by side: entry i must be the next
 * object row (or a log event); each leaf is recomputed from its row.  The
 * first thing that does not hold is reported as that entry's problem and
 * the walk stops.
 */
enum vg_rc sq_ledger_scan(struct vg_store *st, vg_ledger_cb cb, void *ctx, struct vg_error *err)
{
    struct sq *s = (struct sq *)st;
    sqlite3_stmt *l;
    struct rows r;
    struct vg_ledger_entry e;
    uint8_t leaf[VG_LEAF_MAX], zero[32] = {0}, block[32];
    sqlite3_stmt *bq = NULL;
    char problem[256];
    uint64_t expect = 0;
    enum vg_rc rc;
    int have, step;

    if ((l = lprep(s, "SELECT idx, obj, key_id, hash, leaf FROM ledger ORDER BY idx", err)) == NULL)
        return err->code;
    bq = lprep(s, "SELECT k, hash FROM ledger_block ORDER BY k", NULL);
    if ((rc = rows_open(s, &r, 0, INT64_MAX, err)) != VG_OK) {
        sqlite3_finalize(l);
        return rc;
    }
    if ((have = rows_next(&r)) < 0)
        goto dberr;
    while ((step = sqlite3_step(l)) == SQLITE_ROW) {
        int64_t obj = sqlite3_column_int64(l, 1);
        const char *key_id = (const char *)sqlite3_column_text(l, 2);

        memset(&e, 0, sizeof(e));
        e.index = expect;
        e.hash = sqlite3_column_bytes(l, 3) == 32 ? sqlite3_column_blob(l, 3) : zero;
        e.leaf = leaf;
        if ((uint64_t)sqlite3_column_int64(l, 0) != expect) {
            snprintf(problem, sizeof(problem),
                     "ledger entry %llu is missing (entries removed or renumbered)",
                     (unsigned long long)expect);
            goto report;
        }
        if (sqlite3_column_type(l, 1) == SQLITE_NULL) {
            size_t n = (size_t)sqlite3_column_bytes(l, 4);

            if (n == 0 || n > VG_LEAF_MAX) {
                snprintf(problem, sizeof(problem), "ledger entry %llu has no leaf",
                         (unsigned long long)expect);
                goto report;
            }
            memcpy(leaf, sqlite3_column_blob(l, 4), n);
            e.leaf_len = n;
        } else {
            e.object_rowid = obj;
            if (have && r.cur.rowid < obj) {
                snprintf(problem, sizeof(problem),
                         "object row %lld (%.80s, event %lld) is not in the ledger: inserted or "
                         "renumbered outside the hub",
                         (long long)r.cur.rowid, r.cur.stix_id ? r.cur.stix_id : "?",
                         (long long)r.cur.seq);
                goto report;
            }
            if (!have || r.cur.rowid > obj) {
                snprintf(problem, sizeof(problem),
                         "object row %lld of ledger entry %llu is missing: deleted outside the hub",
                         (long long)obj, (unsigned long long)expect);
                goto report;
            }
            if (sqlite3_column_type(l, 4) != SQLITE_NULL) {
                /* Erased by a deletion: the row must be empty, a later
                 * deletion event must name the id, and the leaf kept
                 * then stands for it. */
                size_t n = (size_t)sqlite3_column_bytes(l, 4);

                if (n == 0 || n > VG_LEAF_MAX || r.cur.json_len != 0 || r.cur.aud[0] != 0 ||
                    !deleted_later(s, &r.cur)) {
                    snprintf(problem, sizeof(problem),
                             "object row %lld was erased without a deletion event", (long long)obj);
                    goto report;
                }
                memcpy(leaf, sqlite3_column_blob(l, 4), n);
                e.leaf_len = n;
            } else if ((rc = build_leaf(&s->ledger, &r.cur, key_id, leaf, &e.leaf_len, err)) !=
                       VG_OK) {
                goto out;
            }
            if ((have = rows_next(&r)) < 0)
                goto dberr;
        }
        if (((expect + 1) & ((1ull << SQ_BLOCK_LEVEL) - 1)) == 0 && bq) {
            /* the stored root of the block this entry completes */
            if ((step = sqlite3_step(bq)) == SQLITE_ROW &&
                (uint64_t)sqlite3_column_int64(bq, 0) == expect >> SQ_BLOCK_LEVEL &&
                sqlite3_column_bytes(bq, 1) == 32) {
                memcpy(block, sqlite3_column_blob(bq, 1), 32);
                e.block_root = block;
            } else if (step == SQLITE_ROW) { /* a block out of place: never right */
                memset(block, 0, 32);
                e.block_root = block;
            } else {
                sqlite3_finalize(bq); /* none kept from here on (not filled yet) */
                bq = NULL;
            }
        }
        expect++;
        if (cb(ctx, &e) != 0)
            goto done;
        continue;
    report:
        e.problem = problem;
        cb(ctx, &e);
        goto done;
    }
    if (step != SQLITE_DONE)
        goto dberr;
    if (have) {
        memset(&e, 0, sizeof(e));
        e.index = expect;
        e.hash = zero;
        e.leaf = leaf;
        snprintf(problem, sizeof(problem),
                 "object row %lld (%.80s, event %lld) is not in the ledger: inserted outside the "
                 "hub",
                 (long long)r.cur.rowid, r.cur.stix_id ? r.cur.stix_id : "?", (long long)r.cur.seq);
        e.problem = problem;
        cb(ctx, &e);
    }
done:
    rc = VG_OK;
    goto out;
dberr:
    rc = lerr(s, err, "scan");
out:
    rows_close(&r);
    sqlite3_finalize(l);
    sqlite3_finalize(bq);
    return rc;
}

enum vg_rc sq_checkpoint_put(struct vg_store *st, uint64_t size, const char *note,
                             struct vg_error *err)
{
    struct sq *s = (struct sq *)st;
    sqlite3_stmt *q =
        lprep(s, "INSERT INTO checkpoint(size, created_us, note) VALUES(?, ?, ?)", err);
    enum vg_rc rc = VG_OK;

    if (q == NULL)
        return err->code;
    sqlite3_bind_int64(q, 1, (sqlite3_int64)size);
    sqlite3_bind_int64(q, 2, vg_time_now_us());
    sqlite3_bind_text(q, 3, note, -1, SQLITE_STATIC);
    if (sqlite3_step(q) != SQLITE_DONE)
        rc = lerr(s, err, "checkpoint");
    sqlite3_finalize(q);
    return rc;
}

enum vg_rc sq_checkpoint_scan(struct vg_store *st, int latest_only, vg_checkpoint_cb cb, void *ctx,
                              struct vg_error *err)
{
    struct sq *s = (struct sq *)st;
    sqlite3_stmt *q = lprep(s,
                            latest_only ? "SELECT id, size, created_us, note FROM checkpoint "
                                          "ORDER BY id DESC LIMIT 1"
                                        : "SELECT id, size, created_us, note FROM checkpoint "
                                          "ORDER BY id",
                            err);
    struct vg_checkpoint_row c;
    enum vg_rc rc = VG_OK;
    int r;

    if (q == NULL)
        return err->code;
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        c.id = sqlite3_column_int64(q, 0);
        c.size = (uint64_t)sqlite3_column_int64(q, 1);
        c.created_us = sqlite3_column_int64(q, 2);
        c.note = (const char *)sqlite3_column_text(q, 3);
        if (c.note == NULL)
            c.note = "";
        if (cb(ctx, &c) != 0)
            break;
    }
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        rc = lerr(s, err, "checkpoint");
    sqlite3_finalize(q);
    return rc;
}
