/* SPDX-License-Identifier: Apache-2.0 */
/*
 * warn_sql.c - warning lists in the SQLite backend (docs/warninglists.md).
 *
 * Migration 8:
 *   warninglist(id, name, version, type, description, matching_attributes,
 *               entries, loaded_us, json)  one row per list, unique by name;
 *       json is the list.json it was loaded from, so every process compiles
 *       the same lists (src/warninglist).
 *   observable_warn(obs_id, warn)  one row per value on some list: the
 *       names of the lists, each followed by '\n'.  Written with the value
 *       when it is new (the writer decides, put_claims) and rewritten for
 *       every value by warn_reflag when the lists change.  Exports and
 *       snapshots leave out the values with a row in the same scan (a
 *       primary-key probe, "w.obs_id IS NULL"), so a look-up or an export
 *       pays next to nothing for the lists.
 *
 * Both tables are created IF NOT EXISTS: the migration can run again
 * harmlessly (a hub whose slot 8 was a placeholder gets it from a later
 * migration that repeats it).
 *
 * These statements are rare (loading lists): prepared each time, not cached.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

const char sq_warn_migration[] =
    "CREATE TABLE IF NOT EXISTS observable_warn(obs_id INTEGER PRIMARY KEY, warn TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS warninglist(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
    " version TEXT NOT NULL, type TEXT NOT NULL, description TEXT NOT NULL,"
    " matching_attributes TEXT NOT NULL, entries INTEGER NOT NULL, loaded_us INTEGER NOT NULL,"
    " json TEXT NOT NULL);";

static enum vg_rc werr(struct sq *s, struct vg_error *err, const char *what)
{
    return vg_error_set(err, sqlite3_errcode(s->db) == SQLITE_NOMEM ? VG_NOMEM : VG_STORAGE, NULL,
                        "warning lists: %s: %s", what, sqlite3_errmsg(s->db));
}

static sqlite3_stmt *wprep(struct sq *s, const char *sql, struct vg_error *err)
{
    sqlite3_stmt *q = NULL;

    if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK) {
        werr(s, err, "prepare");
        return NULL;
    }
    return q;
}

static enum vg_rc need_tx(struct sq *s, struct vg_error *err)
{
    if (!s->in_tx)
        return vg_error_set(err, VG_INTERNAL, NULL, "warning lists change inside a transaction");
    return VG_OK;
}

enum vg_rc sq_warninglist_put(struct vg_store *st, const struct vg_wl_row *row,
                              struct vg_error *err)
{
    struct sq *s = (struct sq *)st;
    sqlite3_stmt *q;
    enum vg_rc rc = VG_OK;

    if ((rc = need_tx(s, err)) != VG_OK)
        return rc;
    q = wprep(s,
              "INSERT INTO warninglist(name, version, type, description, matching_attributes,"
              " entries, loaded_us, json) VALUES(?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(name) DO"
              " UPDATE SET version = excluded.version, type = excluded.type, description ="
              " excluded.description, matching_attributes = excluded.matching_attributes,"
              " entries = excluded.entries, loaded_us = excluded.loaded_us, json = excluded.json",
              err);
    if (q == NULL)
        return err->code;
    sqlite3_bind_text(q, 1, row->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, row->version, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, row->type, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, row->description, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 5, row->matching_attributes, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 6, row->entries);
    sqlite3_bind_int64(q, 7, row->loaded_us);
    sqlite3_bind_text(q, 8, row->json, (int)row->json_len, SQLITE_STATIC);
    if (sqlite3_step(q) != SQLITE_DONE)
        rc = werr(s, err, "put");
    sqlite3_finalize(q);
    return rc;
}

enum vg_rc sq_warninglist_delete(struct vg_store *st, const char *name, struct vg_error *err)
{
    struct sq *s = (struct sq *)st;
    sqlite3_stmt *q;
    enum vg_rc rc;

    if ((rc = need_tx(s, err)) != VG_OK)
        return rc;
    if ((q = wprep(s, "DELETE FROM warninglist WHERE name = ?", err)) == NULL)
        return err->code;
    sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
    if (sqlite3_step(q) != SQLITE_DONE)
        rc = werr(s, err, "delete");
    else if (sqlite3_changes(s->db) == 0)
        rc = vg_error_set(err, VG_NOT_FOUND, "name", "no warning list named '%.100s'", name);
    sqlite3_finalize(q);
    return rc;
}

enum vg_rc sq_warninglist_scan(struct vg_store *st, int with_json, vg_wl_row_cb cb, void *ctx,
                               struct vg_error *err)
{
    struct sq *s = (struct sq *)st;
    sqlite3_stmt *q;
    enum vg_rc rc = VG_OK;
    int r;

    q = wprep(s,
              with_json ? "SELECT id, name, version, type, description, matching_attributes,"
                          " entries, loaded_us, json FROM warninglist ORDER BY name"
                        : "SELECT id, name, version, type, description, matching_attributes,"
                          " entries, loaded_us, NULL FROM warninglist ORDER BY name",
              err);
    if (q == NULL)
        return err->code;
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        struct vg_wl_row row;

        row.id = sqlite3_column_int64(q, 0);
        row.name = (const char *)sqlite3_column_text(q, 1);
        row.version = (const char *)sqlite3_column_text(q, 2);
        row.type = (const char *)sqlite3_column_text(q, 3);
        row.description = (const char *)sqlite3_column_text(q, 4);
        row.matching_attributes = (const char *)sqlite3_column_text(q, 5);
        row.entries = sqlite3_column_int64(q, 6);
        row.loaded_us = sqlite3_column_int64(q, 7);
        row.json = (const char *)sqlite3_column_text(q, 8);
        row.json_len = (size_t)sqlite3_column_bytes(q, 8);
        if (cb(ctx, &row))
            break;
    }
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        rc = werr(s, err, "scan");
    sqlite3_finalize(q);
    return rc;
}

/*
 * Read every value and its flags, ask fn for the new flags, remember the
 * changes (id, length, text) in memory, then write them: the read is done
 * before the first write, so no statement reads rows it is changing.
 */
enum vg_rc sq_warn_reflag(struct vg_store *st, vg_warn_fn fn, void *ctx, size_t *flagged,
                          struct vg_error *err)
{
    struct sq *s = (struct sq *)st;
    struct vg_buf changes, warn;
    sqlite3_stmt *q, *del = NULL;
    enum vg_rc rc;
    size_t at;
    int r;

    *flagged = 0;
    if ((rc = need_tx(s, err)) != VG_OK)
        return rc;
    if ((q = wprep(s,
                   "SELECT ob.id, ob.kind, ob.value, w.warn FROM observable ob LEFT JOIN"
                   " observable_warn w ON w.obs_id = ob.id ORDER BY ob.id",
                   err)) == NULL)
        return err->code;
    vg_buf_init(&changes, 0);
    vg_buf_init(&warn, 0);
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(q, 2);
        const char *old = (const char *)sqlite3_column_text(q, 3);
        int64_t id = sqlite3_column_int64(q, 0);
        uint32_t n;

        if (v == NULL)
            continue;
        vg_buf_reset(&warn);
        if ((rc = fn(ctx, (enum vg_obs_kind)sqlite3_column_int(q, 1), v,
                     (size_t)sqlite3_column_bytes(q, 2), &warn)) != VG_OK) {
            vg_error_set(err, rc, NULL, "out of memory flagging values");
            goto out;
        }
        *flagged += warn.len > 0;
        if ((old == NULL && warn.len == 0) || (old && strcmp(old, warn.data ? warn.data : "") == 0))
            continue;
        n = warn.len ? (uint32_t)warn.len : UINT32_MAX; /* UINT32_MAX: NULL */
        if (vg_buf_append(&changes, &id, sizeof(id)) != VG_OK ||
            vg_buf_append(&changes, &n, sizeof(n)) != VG_OK ||
            (warn.len && vg_buf_append(&changes, warn.data, warn.len) != VG_OK)) {
            rc = vg_error_set(err, VG_NOMEM, NULL, "out of memory flagging values");
            goto out;
        }
    }
    if (r != SQLITE_DONE) {
        rc = werr(s, err, "scan values");
        goto out;
    }
    sqlite3_finalize(q);
    if ((q = wprep(s, "INSERT OR REPLACE INTO observable_warn(obs_id, warn) VALUES(?2, ?1)",
                   err)) == NULL ||
        (del = wprep(s, "DELETE FROM observable_warn WHERE obs_id = ?", err)) == NULL) {
        rc = err->code;
        goto out;
    }
    for (at = 0; at < changes.len;) {
        int64_t id;
        uint32_t n;

        memcpy(&id, changes.data + at, sizeof(id));
        memcpy(&n, changes.data + at + sizeof(id), sizeof(n));
        at += sizeof(id) + sizeof(n);
        if (n == UINT32_MAX) {
            sqlite3_bind_int64(del, 1, id);
            r = sqlite3_step(del);
            sqlite3_reset(del);
        } else {
            sqlite3_bind_text(q, 1, changes.data + at, (int)n, SQLITE_STATIC);
            sqlite3_bind_int64(q, 2, id);
            at += n;
            r = sqlite3_step(q);
            sqlite3_reset(q);
        }
        if (r != SQLITE_DONE) {
            rc = werr(s, err, "flag");
            goto out;
        }
    }
    rc = VG_OK;
out:
    sqlite3_finalize(q);
    sqlite3_finalize(del);
    vg_buf_cleanup(&changes);
    vg_buf_cleanup(&warn);
    return rc;
}
