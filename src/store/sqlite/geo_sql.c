/* SPDX-License-Identifier: Apache-2.0 */
/*
 * geo_sql.c - enrichment and jurisdictions in the SQLite backend
 * (docs/geo.md).
 *
 * Tables (migration 10):
 *   obs_geo(obs_id, country, asn, as_name, source, build)  one row per
 *       observable that a refresh looked at, located or not; build is the
 *       hash of the MMDB databases that produced it, so a refresh with other
 *       databases finds the stale rows.  The index on country serves the
 *       jurisdiction filters.
 *   org_jurisdiction(org_id, pos, code)  what an organisation covers, in
 *       declaration order.
 *
 * Enrichment is no intelligence: it says where a value is, never who
 * reported it.  Reads that show it (the scans in sqlite.c) reach it only
 * through rows the requester may see; a domain inherits the location of an
 * address claimed by the same visible object, so a hidden object never lends
 * its addresses' location to anything.
 */
#include "geo_sql.h"

#include <stdio.h>
#include <string.h>

#include "common/hash.h"

/* IF NOT EXISTS: a hub whose user_version was wound back (tests that replay
 * an earlier migration) runs this again harmlessly. */
const char sq_geo_migration[] =
    "CREATE TABLE IF NOT EXISTS obs_geo(obs_id INTEGER PRIMARY KEY, country TEXT NOT NULL DEFAULT "
    "'',"
    " asn INTEGER NOT NULL DEFAULT 0, as_name TEXT NOT NULL DEFAULT '',"
    " source INTEGER NOT NULL DEFAULT 0, build INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS obs_geo_country ON obs_geo(country) WHERE country <> '';"
    "CREATE TABLE IF NOT EXISTS org_jurisdiction(org_id INTEGER NOT NULL REFERENCES org(id),"
    " pos INTEGER NOT NULL, code TEXT NOT NULL, PRIMARY KEY(org_id, pos)) WITHOUT ROWID;";

static enum vg_rc gerr(struct sq *s, struct vg_error *err, const char *what)
{
    return vg_error_set(err, sqlite3_errcode(s->db) == SQLITE_NOMEM ? VG_NOMEM : VG_STORAGE, NULL,
                        "geo: %s: %s", what, sqlite3_errmsg(s->db));
}

/* Statements here run rarely or in long loops: each is prepared per call
 * (the shared cache of sqlite.c stays for the hot scans). */
static sqlite3_stmt *gprep(struct sq *s, const char *sql, struct vg_error *err)
{
    sqlite3_stmt *q = NULL;

    if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK) {
        gerr(s, err, "prepare");
        return NULL;
    }
    return q;
}

enum vg_rc sq_geo_pending(struct vg_store *st, int64_t build, int64_t after_id, size_t limit,
                          vg_geo_item_cb cb, void *ctx, struct vg_error *err)
{
    struct sq *s = (struct sq *)st;
    sqlite3_stmt *q;
    enum vg_rc rc = VG_OK;
    int r;

    q = gprep(s,
              "SELECT ob.id, ob.kind, ob.value FROM observable ob LEFT JOIN obs_geo g ON g.obs_id"
              " = ob.id WHERE ob.id > ?1 AND ob.kind IN (1, 2, 3, 4, 5, 6) AND (g.obs_id IS NULL"
              " OR g.build <> ?2) ORDER BY ob.id LIMIT ?3",
              err);
    if (q == NULL)
        return err->code;
    sqlite3_bind_int64(q, 1, after_id);
    sqlite3_bind_int64(q, 2, build);
    sqlite3_bind_int64(q, 3, limit ? (sqlite3_int64)limit : -1);
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        struct vg_geo_item it;

        it.obs_id = sqlite3_column_int64(q, 0);
        it.kind = (enum vg_obs_kind)sqlite3_column_int(q, 1);
        it.value = (const char *)sqlite3_column_text(q, 2);
        it.len = (size_t)sqlite3_column_bytes(q, 2);
        if (it.value == NULL || cb(ctx, &it))
            break;
    }
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        rc = gerr(s, err, "pending");
    sqlite3_finalize(q);
    return rc;
}

enum vg_rc sq_geo_put(struct vg_store *st, const int64_t *obs_ids, const struct vg_geo *g, size_t n,
                      struct vg_error *err)
{
    struct sq *s = (struct sq *)st;
    sqlite3_stmt *q = s->geo_put;
    enum vg_rc rc = VG_OK;
    size_t i;

    if (s->in_tx)
        return vg_error_set(err, VG_INTERNAL, NULL, "geo: a transaction is open");

    if (q == NULL) {
        q = gprep(s,
                  "INSERT OR REPLACE INTO obs_geo(obs_id, country, asn, as_name, source, build)"
                  " VALUES(?, ?, ?, ?, ?, ?)",
                  err);
        if (q == NULL)
            return err->code;
        s->geo_put = q;
    }
    if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return gerr(s, err, "begin");
    for (i = 0; i < n && rc == VG_OK; i++) {
        sqlite3_bind_int64(q, 1, obs_ids[i]);
        sqlite3_bind_text(q, 2, g[i].country, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 3, g[i].asn);
        sqlite3_bind_text(q, 4, g[i].as_name, -1, SQLITE_STATIC);
        sqlite3_bind_int(q, 5, (int)g[i].source);
        sqlite3_bind_int64(q, 6, g[i].build);
        if (sqlite3_step(q) != SQLITE_DONE)
            rc = gerr(s, err, "store enrichment");
        sqlite3_reset(q);
    }
    sqlite3_clear_bindings(q);
    if (rc == VG_OK && sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        rc = gerr(s, err, "commit");
    if (rc != VG_OK)
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

enum vg_rc sq_geo_get(struct vg_store *st, enum vg_obs_kind kind, const char *value, size_t len,
                      struct vg_geo *out, struct vg_error *err)
{
    struct sq *s = (struct sq *)st;
    unsigned char k = (unsigned char)kind;
    int64_t h =
        (int64_t)(vg_fnv1a(vg_fnv1a(VG_FNV_SEED, &k, 1), value, len) & 0x7fffffffffffffffull);
    sqlite3_stmt *q;
    enum vg_rc rc = VG_NOT_FOUND;
    int r;

    q = gprep(s,
              "SELECT g.country, g.asn, g.as_name, g.source, g.build, ob.value FROM observable ob"
              " JOIN obs_geo g ON g.obs_id = ob.id WHERE ob.vhash = ? AND ob.kind = ?"
              " AND (g.country <> '' OR g.asn <> 0)",
              err);
    if (q == NULL)
        return err->code;
    sqlite3_bind_int64(q, 1, h);
    sqlite3_bind_int(q, 2, (int)kind);
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        if ((size_t)sqlite3_column_bytes(q, 5) != len ||
            memcmp(sqlite3_column_blob(q, 5), value, len) != 0)
            continue; /* a hash collision */
        memset(out, 0, sizeof(*out));
        snprintf(out->country, sizeof(out->country), "%s", (const char *)sqlite3_column_text(q, 0));
        out->asn = sqlite3_column_int64(q, 1);
        snprintf(out->as_name, sizeof(out->as_name), "%s", (const char *)sqlite3_column_text(q, 2));
        out->source = (enum vg_geo_source)sqlite3_column_int(q, 3);
        out->build = sqlite3_column_int64(q, 4);
        rc = VG_OK;
        break;
    }
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        rc = gerr(s, err, "enrichment");
    else if (rc == VG_NOT_FOUND)
        vg_error_set(err, VG_NOT_FOUND, NULL, "no enrichment");
    sqlite3_finalize(q);
    return rc;
}

enum vg_rc sq_geo_claims(struct vg_store *st, int64_t object_rowid, vg_geo_claim_cb cb, void *ctx,
                         struct vg_error *err)
{
    struct sq *s = (struct sq *)st;
    sqlite3_stmt *q = s->geo_claims;
    enum vg_rc rc = VG_OK;
    int r;

    if (q == NULL) {
        q = gprep(s,
                  "SELECT ob.kind, ob.value, " SQ_GEO_COLS " FROM claim c JOIN object o ON o.rowid"
                  " = c.object_rowid JOIN observable ob ON ob.id = c.obs_id" SQ_GEO_JOIN
                  " WHERE c.object_rowid = ? ORDER BY ob.id",
                  err);
        if (q == NULL)
            return err->code;
        s->geo_claims = q; /* kept: the stream asks once per event */
    }
    sqlite3_bind_int64(q, 1, object_rowid);
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        struct vg_geo g;
        const char *c = (const char *)sqlite3_column_text(q, 2);
        const char *n = (const char *)sqlite3_column_text(q, 4);

        memset(&g, 0, sizeof(g));
        snprintf(g.country, sizeof(g.country), "%s", c ? c : "");
        g.asn = sqlite3_column_int64(q, 3);
        snprintf(g.as_name, sizeof(g.as_name), "%s", n ? n : "");
        g.source = (enum vg_geo_source)sqlite3_column_int(q, 5);
        if (g.country[0] == '\0' && g.asn == 0)
            continue;
        if (cb(ctx, (enum vg_obs_kind)sqlite3_column_int(q, 0),
               (const char *)sqlite3_column_text(q, 1), (size_t)sqlite3_column_bytes(q, 1), &g))
            break;
    }
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        rc = gerr(s, err, "locations");
    sqlite3_reset(q);
    return rc;
}

enum vg_rc sq_jurisdiction_set(struct vg_store *st, int64_t org_id, const char *const *codes,
                               size_t n, struct vg_error *err)
{
    struct sq *s = (struct sq *)st;
    sqlite3_stmt *q = NULL;
    enum vg_rc rc = VG_STORAGE;
    size_t i;
    int own = !s->in_tx;

    if (own && sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return gerr(s, err, "begin");
    if ((q = gprep(s, "DELETE FROM org_jurisdiction WHERE org_id = ?", err)) == NULL)
        goto out_rc;
    sqlite3_bind_int64(q, 1, org_id);
    if (sqlite3_step(q) != SQLITE_DONE)
        goto out;
    sqlite3_finalize(q);
    q = gprep(s, "INSERT INTO org_jurisdiction(org_id, pos, code) VALUES(?, ?, ?)", err);
    if (q == NULL)
        goto out_rc;
    for (i = 0; i < n; i++) {
        sqlite3_bind_int64(q, 1, org_id);
        sqlite3_bind_int64(q, 2, (sqlite3_int64)i);
        sqlite3_bind_text(q, 3, codes[i], -1, SQLITE_STATIC);
        if (sqlite3_step(q) != SQLITE_DONE)
            goto out;
        sqlite3_reset(q);
    }
    sqlite3_finalize(q);
    q = NULL;
    if (own && sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        goto out;
    return VG_OK;
out:
    rc = gerr(s, err, "jurisdiction");
out_rc:
    if (rc == VG_STORAGE && err && err->code != VG_OK)
        rc = err->code;
    sqlite3_finalize(q);
    if (own)
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

enum vg_rc sq_jurisdiction_get(struct vg_store *st, int64_t org_id, char *out, size_t cap,
                               struct vg_error *err)
{
    struct sq *s = (struct sq *)st;
    sqlite3_stmt *q;
    size_t used = 0;
    int r;

    if (cap == 0)
        return vg_error_set(err, VG_LIMIT, NULL, "no room");
    out[0] = '\0';
    q = gprep(s, "SELECT code FROM org_jurisdiction WHERE org_id = ? ORDER BY pos", err);
    if (q == NULL)
        return err->code;
    sqlite3_bind_int64(q, 1, org_id);
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        const char *c = (const char *)sqlite3_column_text(q, 0);
        int n = snprintf(out + used, cap - used, "%s%s", used ? "," : "", c ? c : "");

        if (n < 0 || (size_t)n >= cap - used) {
            sqlite3_finalize(q);
            return vg_error_set(err, VG_LIMIT, NULL, "jurisdiction list too long");
        }
        used += (size_t)n;
    }
    sqlite3_finalize(q);
    return r == SQLITE_DONE ? VG_OK : gerr(s, err, "jurisdiction");
}
