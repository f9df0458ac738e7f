/* SPDX-License-Identifier: Apache-2.0 */
/*
 * artefact_sql.c - artefacts in the SQLite backend (docs/ledger.md,
 * "Artefacts").
 *
 * Table (migration 6):
 *   artefact(id, stix_id, sha256, size, name, media_type, org_id, key_id,
 *            uploaded_us, leaf_idx)  one row per (object, content), in
 *       upload order; leaf_idx is the ledger entry of the upload.
 *
 * The bytes themselves are files under the hub directory, written before
 * the row (src/evidence/artefact.c); the row and its ledger entry are
 * written in one transaction, so an artefact is attached exactly when its
 * leaf exists.  The leaf is a log event (no object row to recompute it
 * from): the ledger keeps it whole, and `vigie verify` compares it with the
 * row and the file.
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>

#include "common/vtime.h"
#include "ledger/leaf.h"

const char sq_artefact_migration[] =
    "CREATE TABLE artefact(id INTEGER PRIMARY KEY, stix_id TEXT NOT NULL, sha256 BLOB NOT NULL,"
    " size INTEGER NOT NULL, name TEXT NOT NULL, media_type TEXT NOT NULL,"
    " org_id INTEGER NOT NULL, key_id TEXT NOT NULL, uploaded_us INTEGER NOT NULL,"
    " leaf_idx INTEGER NOT NULL, UNIQUE(stix_id, sha256));"
    "CREATE INDEX artefact_sha ON artefact(sha256);";

static enum vg_rc aerr(struct sq *s, struct vg_error *err, const char *what)
{
    return vg_error_set(err, sqlite3_errcode(s->db) == SQLITE_NOMEM ? VG_NOMEM : VG_STORAGE, NULL,
                        "artefact: %s: %s", what, sqlite3_errmsg(s->db));
}

static sqlite3_stmt *aprep(struct sq *s, const char *sql, struct vg_error *err)
{
    sqlite3_stmt *q = NULL;

    if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK) {
        aerr(s, err, "prepare");
        return NULL;
    }
    return q;
}

#define COLS "sha256, size, name, media_type, org_id, key_id, uploaded_us, leaf_idx, stix_id"

/* Row of q (COLS) into a: strings borrowed until the next step. */
static int row_of(sqlite3_stmt *q, struct vg_artefact *a)
{
    if (sqlite3_column_bytes(q, 0) != 32)
        return -1;
    memcpy(a->sha256, sqlite3_column_blob(q, 0), 32);
    a->size = (uint64_t)sqlite3_column_int64(q, 1);
    a->name = (const char *)sqlite3_column_text(q, 2);
    a->media_type = (const char *)sqlite3_column_text(q, 3);
    a->org_id = sqlite3_column_int64(q, 4);
    a->key_id = (const char *)sqlite3_column_text(q, 5);
    a->uploaded_us = sqlite3_column_int64(q, 6);
    a->leaf_index = (uint64_t)sqlite3_column_int64(q, 7);
    a->stix_id = (const char *)sqlite3_column_text(q, 8);
    return a->name && a->media_type && a->key_id && a->stix_id ? 0 : -1;
}

/* The existing attachment of this content to this object: 1, 0 none, -1. */
static int existing(struct sq *s, struct vg_artefact *a, struct vg_error *err)
{
    sqlite3_stmt *q =
        aprep(s, "SELECT " COLS " FROM artefact WHERE stix_id = ? AND sha256 = ?", err);
    int r, found = 0;

    if (q == NULL)
        return -1;
    sqlite3_bind_text(q, 1, a->stix_id, -1, SQLITE_STATIC);
    sqlite3_bind_blob(q, 2, a->sha256, 32, SQLITE_STATIC);
    if ((r = sqlite3_step(q)) == SQLITE_ROW) {
        struct vg_artefact got;

        if (row_of(q, &got) == 0) {
            a->uploaded_us = got.uploaded_us;
            a->leaf_index = got.leaf_index;
            a->size = got.size;
            found = 1;
        } else {
            vg_error_set(err, VG_STORAGE, "artefact", "artefact row damaged");
            found = -1;
        }
    } else if (r != SQLITE_DONE) {
        aerr(s, err, "find");
        found = -1;
    }
    sqlite3_finalize(q);
    return found;
}

enum vg_rc sq_artefact_add(struct vg_store *st, struct vg_artefact *a, size_t max_per_object,
                           int *created, struct vg_error *err)
{
    struct sq *s = (struct sq *)st;
    uint8_t leaf[VG_LEAF_MAX];
    char org[VG_STIX_ID_MAX] = "";
    size_t len, naud = 0;
    sqlite3_stmt *q;
    uint64_t idx;
    int64_t count = 0;
    enum vg_rc rc;
    int r;

    *created = 0;
    if (!s->in_tx)
        return vg_error_set(err, VG_INTERNAL, NULL, "artefact outside a write transaction");
    if ((r = existing(s, a, err)) != 0)
        return r < 0 ? err->code : VG_OK;
    if ((q = aprep(s, "SELECT count(*) FROM artefact WHERE stix_id = ?", err)) == NULL)
        return err->code;
    sqlite3_bind_text(q, 1, a->stix_id, -1, SQLITE_STATIC);
    if (sqlite3_step(q) == SQLITE_ROW)
        count = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    if (max_per_object && (uint64_t)count >= max_per_object)
        return vg_error_set(err, VG_CONFLICT, "artefact",
                            "%s already has %lld artefacts, the most an object may have",
                            a->stix_id, (long long)count);
    if ((q = aprep(s, "SELECT stix_id FROM org WHERE id = ?", err)) == NULL)
        return err->code;
    sqlite3_bind_int64(q, 1, a->org_id);
    if (sqlite3_step(q) == SQLITE_ROW)
        snprintf(org, sizeof(org), "%s", sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    if (org[0] == '\0')
        return vg_error_set(err, VG_NOT_FOUND, "org", "no such organisation");
    a->uploaded_us = vg_time_now_us();
    {
        struct vg_leaf_parts lp = {
            VG_LEAF_ARTEFACT, 0,   a->uploaded_us, (int64_t)a->size, VG_LEAF_NO_TLP,
            a->sha256,        org, a->key_id,      a->stix_id};

        if ((rc = vg_leaf_encode_parts(&lp, NULL, &naud, leaf, &len, err)) != VG_OK)
            return rc;
    }
    if ((rc = sq_ledger_append(st, leaf, len, &idx, err)) != VG_OK)
        return rc;
    a->leaf_index = idx;
    if ((q = aprep(s,
                   "INSERT INTO artefact(sha256, size, name, media_type, org_id, key_id, "
                   "uploaded_us, leaf_idx, stix_id) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   err)) == NULL)
        return err->code;
    sqlite3_bind_blob(q, 1, a->sha256, 32, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, (sqlite3_int64)a->size);
    sqlite3_bind_text(q, 3, a->name ? a->name : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, a->media_type ? a->media_type : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 5, a->org_id);
    sqlite3_bind_text(q, 6, a->key_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 7, a->uploaded_us);
    sqlite3_bind_int64(q, 8, (sqlite3_int64)idx);
    sqlite3_bind_text(q, 9, a->stix_id, -1, SQLITE_STATIC);
    rc = sqlite3_step(q) == SQLITE_DONE ? VG_OK : aerr(s, err, "insert");
    sqlite3_finalize(q);
    if (rc == VG_OK)
        *created = 1;
    return rc;
}

enum vg_rc sq_artefact_scan(struct vg_store *st, const char *stix_id, const uint8_t *sha256,
                            vg_artefact_cb cb, void *ctx, struct vg_error *err)
{
    struct sq *s = (struct sq *)st;
    sqlite3_stmt *q;
    struct vg_artefact a;
    enum vg_rc rc = VG_OK;
    int r;

    if (stix_id)
        q = aprep(s, "SELECT " COLS " FROM artefact WHERE stix_id = ? ORDER BY id", err);
    else if (sha256)
        q = aprep(s, "SELECT " COLS " FROM artefact WHERE sha256 = ? ORDER BY id", err);
    else
        q = aprep(s, "SELECT " COLS " FROM artefact ORDER BY id", err);
    if (q == NULL)
        return err->code;
    if (stix_id)
        sqlite3_bind_text(q, 1, stix_id, -1, SQLITE_STATIC);
    else if (sha256)
        sqlite3_bind_blob(q, 1, sha256, 32, SQLITE_STATIC);
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        memset(&a, 0, sizeof(a));
        if (row_of(q, &a) != 0) {
            rc = vg_error_set(err, VG_STORAGE, "artefact", "artefact row damaged");
            break;
        }
        if (cb(ctx, &a) != 0)
            break;
    }
    if (rc == VG_OK && r != SQLITE_ROW && r != SQLITE_DONE)
        rc = aerr(s, err, "scan");
    sqlite3_finalize(q);
    return rc;
}
