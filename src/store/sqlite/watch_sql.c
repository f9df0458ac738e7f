/* SPDX-License-Identifier: Apache-2.0 */
/*
 * watch_sql.c - asset watch lists and notifications in the SQLite backend
 * (docs/watch.md; store.h, "Watch lists").
 *
 * Tables (migration 11):
 *   watch(id, org_id, pub, kind, value, created_us)  one row per watched
 *       asset; pub is the random id its owner knows it by.
 *   watch_hook(org_id, url, secret, created_us)  an organisation's webhook.
 *   notification(id, org_id, seq, watch_id, asset_kind, asset, object_rowid,
 *       obs_kind, obs_value, rule, created_us, hook_state, attempts,
 *       next_attempt_us)  written in the transaction of the version that
 *       caused it; seq numbers each organisation's own notifications.
 *   delivery(id, notification_id, attempt, at_us, status, error)  every
 *       webhook attempt.
 *
 * Reading a notification joins its version and evaluates the event
 * stream's visibility rule (sqlite.c, event_visible_sql) for the reader's
 * tokens inside the query: the object's fields leave this file only when
 * that rule says the reader may see the version now.
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "common/vtime.h"

const char sq_watch_migration[] =
    "CREATE TABLE IF NOT EXISTS watch(id INTEGER PRIMARY KEY AUTOINCREMENT, org_id INTEGER NOT "
    "NULL,"
    " pub TEXT NOT NULL UNIQUE, kind INTEGER NOT NULL, value TEXT NOT NULL,"
    " created_us INTEGER NOT NULL, UNIQUE(org_id, kind, value));"
    "CREATE TABLE IF NOT EXISTS watch_hook(org_id INTEGER PRIMARY KEY, url TEXT NOT NULL,"
    " secret TEXT NOT NULL, created_us INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS notification(id INTEGER PRIMARY KEY AUTOINCREMENT, org_id INTEGER "
    "NOT NULL,"
    " seq INTEGER NOT NULL, watch_id INTEGER NOT NULL, asset_kind INTEGER NOT NULL,"
    " asset TEXT NOT NULL, object_rowid INTEGER NOT NULL, obs_kind INTEGER NOT NULL,"
    " obs_value TEXT NOT NULL, rule INTEGER NOT NULL, created_us INTEGER NOT NULL,"
    " hook_state INTEGER NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0,"
    " next_attempt_us INTEGER NOT NULL DEFAULT 0, UNIQUE(org_id, seq));"
    "CREATE INDEX IF NOT EXISTS notification_due ON notification(next_attempt_us) WHERE hook_state "
    "= 1;"
    "CREATE INDEX IF NOT EXISTS notification_object ON notification(org_id, object_rowid);"
    "CREATE TABLE IF NOT EXISTS delivery(id INTEGER PRIMARY KEY, notification_id INTEGER NOT NULL,"
    " attempt INTEGER NOT NULL, at_us INTEGER NOT NULL, status INTEGER NOT NULL,"
    " error TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX IF NOT EXISTS delivery_notification ON delivery(notification_id);";

static enum vg_rc done(struct sq *s, sqlite3_stmt *q, struct vg_error *err, const char *what)
{
    int r = sqlite3_step(q);

    sqlite3_reset(q);
    return r == SQLITE_DONE ? VG_OK : sq_db_error(s, err, what);
}

enum vg_rc sq_watch_add(struct vg_store *st, struct vg_watch_row *w, size_t max_per_org,
                        struct vg_error *err)
{
    struct sq *s = (struct sq *)st;
    sqlite3_stmt *q;
    enum vg_rc rc;

    w->created_us = vg_time_now_us();
    /* One statement: the count and the insert cannot be split by a writer. */
    q = sq_prep(s,
                "INSERT INTO watch(org_id, pub, kind, value, created_us) SELECT ?1, ?2, ?3, ?4, ?5 "
                "WHERE (SELECT count(*) FROM watch WHERE org_id = ?1) < ?6",
                err);
    if (q == NULL)
        return err->code;
    sqlite3_bind_int64(q, 1, w->org_id);
    sqlite3_bind_text(q, 2, w->pub, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 3, w->kind);
    sqlite3_bind_text(q, 4, w->value, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 5, w->created_us);
    sqlite3_bind_int64(q, 6, max_per_org ? (sqlite3_int64)max_per_org : INT64_MAX);
    if ((rc = done(s, q, err, "watch")) != VG_OK) {
        if (rc == VG_CONFLICT)
            return vg_error_set(err, VG_CONFLICT, "value", "'%s' is already on the list", w->value);
        return rc;
    }
    if (sqlite3_changes(s->db) == 0)
        return vg_error_set(err, VG_LIMIT, NULL, "an organisation watches at most %zu assets",
                            max_per_org);
    w->id = sqlite3_last_insert_rowid(s->db);
    return VG_OK;
}

enum vg_rc sq_watch_remove(struct vg_store *st, int64_t org_id, const char *pub,
                           struct vg_error *err)
{
    struct sq *s = (struct sq *)st;
    sqlite3_stmt *q = sq_prep(s, "DELETE FROM watch WHERE org_id = ? AND pub = ?", err);
    enum vg_rc rc;

    if (q == NULL)
        return err->code;
    sqlite3_bind_int64(q, 1, org_id);
    sqlite3_bind_text(q, 2, pub, -1, SQLITE_STATIC);
    if ((rc = done(s, q, err, "watch")) != VG_OK)
        return rc;
    if (sqlite3_changes(s->db) == 0)
        return vg_error_set(err, VG_NOT_FOUND, NULL, "no such watch entry");
    return VG_OK;
}

enum vg_rc sq_watch_scan(struct vg_store *st, int64_t org_id, vg_watch_row_cb cb, void *ctx,
                         struct vg_error *err)
{
    struct sq *s = (struct sq *)st;
    sqlite3_stmt *q;
    int r;

    q = sq_prep(s,
                org_id ? "SELECT id, pub, org_id, kind, value, created_us FROM watch WHERE "
                         "org_id = ? ORDER BY id"
                       : "SELECT id, pub, org_id, kind, value, created_us FROM watch ORDER BY id",
                err);
    if (q == NULL)
        return err->code;
    if (org_id)
        sqlite3_bind_int64(q, 1, org_id);
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        struct vg_watch_row w;

        memset(&w, 0, sizeof(w));
        w.id = sqlite3_column_int64(q, 0);
        snprintf(w.pub, sizeof(w.pub), "%s", (const char *)sqlite3_column_text(q, 1));
        w.org_id = sqlite3_column_int64(q, 2);
        w.kind = sqlite3_column_int(q, 3);
        w.value = (const char *)sqlite3_column_text(q, 4);
        w.created_us = sqlite3_column_int64(q, 5);
        if (w.value == NULL || cb(ctx, &w) != 0)
            break;
    }
    sqlite3_reset(q);
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        return sq_db_error(s, err, "watch scan");
    return VG_OK;
}

/*
 * Ids only grow (AUTOINCREMENT), so an addition always raises the highest
 * id and a removal alone lowers the count: (file, highest id, count)
 * changes with every change of any list.
 */
enum vg_rc sq_watch_stamp(struct vg_store *st, char *out, size_t cap, struct vg_error *err)
{
    struct sq *s = (struct sq *)st;
    sqlite3_stmt *q = sq_prep(s, "SELECT coalesce(max(id), 0), count(*) FROM watch", err);
    const char *file = sqlite3_db_filename(s->db, "main");
    int r;

    if (q == NULL)
        return err->code;
    if ((r = sqlite3_step(q)) != SQLITE_ROW) {
        sqlite3_reset(q);
        return sq_db_error(s, err, "watch stamp");
    }
    snprintf(out, cap, "%s|%lld|%lld", file ? file : "", (long long)sqlite3_column_int64(q, 0),
             (long long)sqlite3_column_int64(q, 1));
    sqlite3_reset(q);
    return VG_OK;
}

enum vg_rc sq_watch_hook_set(struct vg_store *st, const struct vg_watch_hook *h,
                             struct vg_error *err)
{
    struct sq *s = (struct sq *)st;
    sqlite3_stmt *q;

    if (h->url[0] == '\0') {
        if ((q = sq_prep(s, "DELETE FROM watch_hook WHERE org_id = ?", err)) == NULL)
            return err->code;
        sqlite3_bind_int64(q, 1, h->org_id);
        return done(s, q, err, "webhook");
    }
    q = sq_prep(s,
                "INSERT INTO watch_hook(org_id, url, secret, created_us) VALUES(?, ?, ?, ?) "
                "ON CONFLICT(org_id) DO UPDATE SET url = ?2, secret = ?3, created_us = ?4",
                err);
    if (q == NULL)
        return err->code;
    sqlite3_bind_int64(q, 1, h->org_id);
    sqlite3_bind_text(q, 2, h->url, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, h->secret, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 4, vg_time_now_us());
    return done(s, q, err, "webhook");
}

enum vg_rc sq_watch_hook_get(struct vg_store *st, int64_t org_id, struct vg_watch_hook *out,
                             struct vg_error *err)
{
    struct sq *s = (struct sq *)st;
    sqlite3_stmt *q = sq_prep(s, "SELECT url, secret FROM watch_hook WHERE org_id = ?", err);
    int r;

    if (q == NULL)
        return err->code;
    sqlite3_bind_int64(q, 1, org_id);
    if ((r = sqlite3_step(q)) == SQLITE_ROW) {
        out->org_id = org_id;
        snprintf(out->url, sizeof(out->url), "%s", (const char *)sqlite3_column_text(q, 0));
        snprintf(out->secret, sizeof(out->secret), "%s", (const char *)sqlite3_column_text(q, 1));
    }
    sqlite3_reset(q);
    if (r == SQLITE_ROW)
        return VG_OK;
    if (r == SQLITE_DONE)
        return vg_error_set(err, VG_NOT_FOUND, NULL, "no webhook");
    return sq_db_error(s, err, "webhook");
}

enum vg_rc sq_notify_add(struct vg_store *st, const struct vg_notify_new *n, struct vg_error *err)
{
    struct sq *s = (struct sq *)st;
    sqlite3_stmt *q;
    int hook = 0, r;

    if (!s->in_tx)
        return vg_error_set(err, VG_INTERNAL, NULL, "notification outside a write transaction");
    if ((q = sq_prep(s, "SELECT 1 FROM watch_hook WHERE org_id = ?", err)) == NULL)
        return err->code;
    sqlite3_bind_int64(q, 1, n->org_id);
    r = sqlite3_step(q);
    hook = r == SQLITE_ROW;
    sqlite3_reset(q);
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        return sq_db_error(s, err, "webhook");
    q = sq_prep(s,
                "INSERT INTO notification(org_id, seq, watch_id, asset_kind, asset, object_rowid, "
                "obs_kind, obs_value, rule, created_us, hook_state, next_attempt_us) SELECT ?1, "
                "coalesce((SELECT max(seq) FROM notification WHERE org_id = ?1), 0) + 1, ?2, ?3, "
                "?4, ?5, ?6, ?7, ?8, ?9, ?10, ?9",
                err);
    if (q == NULL)
        return err->code;
    sqlite3_bind_int64(q, 1, n->org_id);
    sqlite3_bind_int64(q, 2, n->watch_id);
    sqlite3_bind_int(q, 3, n->asset_kind);
    sqlite3_bind_text(q, 4, n->asset, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 5, n->object_rowid);
    sqlite3_bind_int(q, 6, (int)n->obs_kind);
    sqlite3_bind_text(q, 7, n->obs_value, (int)n->obs_len, SQLITE_STATIC);
    sqlite3_bind_int(q, 8, n->rule);
    sqlite3_bind_int64(q, 9, vg_time_now_us());
    sqlite3_bind_int(q, 10, hook ? VG_HOOK_PENDING : VG_HOOK_NONE);
    return done(s, q, err, "notification");
}

enum vg_rc sq_notify_positions(struct vg_store *st, int64_t after_id, int64_t upto_rowid,
                               size_t limit, vg_notify_position_cb cb, void *ctx,
                               struct vg_error *err)
{
    struct sq *s = (struct sq *)st;
    sqlite3_stmt *q;
    int r;

    /* the primary key's order, which is the events' order (notifications
     * are written in their event's transaction, after it) */
    q = sq_prep(s,
                "SELECT id, org_id, object_rowid FROM notification WHERE id > ?1 AND "
                "object_rowid <= ?2 ORDER BY id LIMIT ?3",
                err);
    if (q == NULL)
        return err->code;
    sqlite3_bind_int64(q, 1, after_id);
    sqlite3_bind_int64(q, 2, upto_rowid);
    sqlite3_bind_int64(q, 3, limit ? (sqlite3_int64)limit : INT64_MAX);
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        struct vg_notify_position p;

        p.id = sqlite3_column_int64(q, 0);
        p.org_id = sqlite3_column_int64(q, 1);
        p.object_rowid = sqlite3_column_int64(q, 2);
        if (cb(ctx, &p))
            break;
    }
    sqlite3_reset(q);
    return r == SQLITE_ROW || r == SQLITE_DONE ? VG_OK : sq_db_error(s, err, "notifications");
}

#define NCOLS                                                                                      \
    "n.id, n.seq, n.org_id, n.asset_kind, n.asset, n.created_us, n.hook_state, n.attempts, "       \
    "n.next_attempt_us, n.obs_kind, n.obs_value, n.rule, o.stix_id, o.type, o.tlp, o.org_id, "     \
    "o.json, n.object_rowid"

enum vg_rc sq_notify_scan(struct vg_store *st, const struct vg_notify_filter *f, vg_notify_cb cb,
                          void *ctx, struct vg_error *err)
{
    struct sq *s = (struct sq *)st;
    size_t nt = f->ntokens;
    struct vg_buf sql;
    sqlite3_stmt *q;
    enum vg_rc rc;
    int at, r;

    /* Tokens at ?1..?n (the visibility rule's numbering), then the rest.
     * Without a token nothing is visible: the test is then plain 0.  A
     * version its contributor deleted (aud0 0, its text erased) joins as
     * nothing: hidden, and the rule's JSON test, which SQLite evaluates in
     * a result column even for versions, never sees the empty text. */
    vg_buf_init(&sql, 0);
    rc = vg_buf_puts(&sql, "SELECT " NCOLS ", ");
    if (rc == VG_OK && nt)
        rc = vg_buf_puts(&sql, "(o.rowid IS NOT NULL AND ");
    if (rc == VG_OK && nt)
        rc = sq_event_visible_sql(&sql, nt);
    if (rc == VG_OK)
        rc = vg_buf_puts(&sql, nt ? ")" : "0");
    if (rc == VG_OK)
        rc = vg_buf_printf(&sql,
                           " FROM notification n LEFT JOIN object o ON o.rowid = n.object_rowid "
                           "AND o.aud0 <> 0 "
                           "WHERE n.org_id = ?%zu AND n.seq > ?%zu AND (?%zu = 0 OR n.id = ?%zu) "
                           "AND n.object_rowid >= ?%zu AND (?%zu = 0 OR n.object_rowid <= ?%zu) "
                           "ORDER BY n.seq LIMIT ?%zu",
                           nt + 1, nt + 2, nt + 3, nt + 3, nt + 4, nt + 5, nt + 5, nt + 6);
    if (rc != VG_OK) {
        vg_buf_cleanup(&sql);
        return vg_error_set(err, rc, NULL, "out of memory");
    }
    q = sq_prep(s, sql.data, err);
    vg_buf_cleanup(&sql);
    if (q == NULL)
        return err->code;
    at = sq_bind_tokens(q, 1, f->tokens, nt);
    sqlite3_bind_int64(q, at++, f->org_id);
    sqlite3_bind_int64(q, at++, f->after_seq);
    sqlite3_bind_int64(q, at++, f->id);
    sqlite3_bind_int64(q, at++, f->rowid_min);
    sqlite3_bind_int64(q, at++, f->rowid_max);
    sqlite3_bind_int64(q, at++, f->limit ? (sqlite3_int64)f->limit : INT64_MAX);
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        struct vg_notify_row n;

        memset(&n, 0, sizeof(n));
        n.id = sqlite3_column_int64(q, 0);
        n.seq = sqlite3_column_int64(q, 1);
        n.org_id = sqlite3_column_int64(q, 2);
        n.asset_kind = sqlite3_column_int(q, 3);
        n.asset = (const char *)sqlite3_column_text(q, 4);
        n.created_us = sqlite3_column_int64(q, 5);
        n.hook_state = sqlite3_column_int(q, 6);
        n.attempts = sqlite3_column_int(q, 7);
        n.next_attempt_us = sqlite3_column_int64(q, 8);
        n.object_rowid = sqlite3_column_int64(q, 17);
        n.visible = sqlite3_column_int(q, 18) != 0;
        if (n.visible) {
            n.obs_kind = (enum vg_obs_kind)sqlite3_column_int(q, 9);
            n.obs_value = (const char *)sqlite3_column_text(q, 10);
            n.rule = sqlite3_column_int(q, 11);
            n.stix_id = (const char *)sqlite3_column_text(q, 12);
            n.type = (const char *)sqlite3_column_text(q, 13);
            n.tlp = (enum vg_tlp)sqlite3_column_int(q, 14);
            n.contributor = sqlite3_column_int64(q, 15);
            n.json = (const char *)sqlite3_column_text(q, 16);
            n.json_len = (size_t)sqlite3_column_bytes(q, 16);
        }
        if (n.asset == NULL || cb(ctx, &n) != 0)
            break;
    }
    sqlite3_reset(q);
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        return sq_db_error(s, err, "notification scan");
    return VG_OK;
}

enum vg_rc sq_notify_pending(struct vg_store *st, int64_t now_us, const int64_t *skip, size_t nskip,
                             size_t limit, int64_t *ids, int64_t *orgs, size_t *n,
                             struct vg_error *err)
{
    struct sq *s = (struct sq *)st;
    char list[64 * 21 + 2];
    size_t at = 0, i;
    sqlite3_stmt *q;
    int r;

    *n = 0;
    if (nskip > 64)
        return vg_error_set(err, VG_INVALID, NULL, "too many organisations to skip");
    list[at++] = '[';
    for (i = 0; i < nskip; i++)
        at += (size_t)snprintf(list + at, sizeof(list) - at, "%s%lld", i ? "," : "",
                               (long long)skip[i]);
    list[at++] = ']';
    list[at] = '\0';
    q = sq_prep(
        s,
        "SELECT id, org_id FROM notification WHERE hook_state = 1 AND next_attempt_us <= ?1 "
        "AND org_id NOT IN (SELECT value FROM json_each(?3)) "
        "ORDER BY next_attempt_us, id LIMIT ?2",
        err);
    if (q == NULL)
        return err->code;
    sqlite3_bind_int64(q, 1, now_us);
    sqlite3_bind_int64(q, 2, (sqlite3_int64)limit);
    sqlite3_bind_text(q, 3, list, -1, SQLITE_STATIC);
    while ((r = sqlite3_step(q)) == SQLITE_ROW && *n < limit) {
        ids[*n] = sqlite3_column_int64(q, 0);
        orgs[*n] = sqlite3_column_int64(q, 1);
        (*n)++;
    }
    sqlite3_reset(q);
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        return sq_db_error(s, err, "pending notifications");
    return VG_OK;
}

enum vg_rc sq_notify_attempt(struct vg_store *st, int64_t id, int64_t at_us, int status,
                             const char *error, int64_t next_attempt_us, int state,
                             struct vg_error *err)
{
    struct sq *s = (struct sq *)st;
    sqlite3_stmt *q;
    enum vg_rc rc;
    int own = !s->in_tx;

    /* A plain write transaction: no event, no ledger entry. */
    if (own && sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return sq_db_error(s, err, "begin");
    q = sq_prep(s,
                "INSERT INTO delivery(notification_id, attempt, at_us, status, error) SELECT ?1, "
                "attempts + 1, ?2, ?3, ?4 FROM notification WHERE id = ?1",
                err);
    if (q == NULL) {
        rc = err->code;
        goto out;
    }
    sqlite3_bind_int64(q, 1, id);
    sqlite3_bind_int64(q, 2, at_us);
    sqlite3_bind_int(q, 3, status);
    sqlite3_bind_text(q, 4, error ? error : "", -1, SQLITE_STATIC);
    if ((rc = done(s, q, err, "delivery")) != VG_OK)
        goto out;
    q = sq_prep(s,
                "UPDATE notification SET attempts = attempts + 1, hook_state = ?2, "
                "next_attempt_us = ?3 WHERE id = ?1",
                err);
    if (q == NULL) {
        rc = err->code;
        goto out;
    }
    sqlite3_bind_int64(q, 1, id);
    sqlite3_bind_int(q, 2, state);
    sqlite3_bind_int64(q, 3, next_attempt_us);
    rc = done(s, q, err, "delivery");
out:
    if (own) {
        if (rc == VG_OK && sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
            return VG_OK;
        if (rc == VG_OK)
            rc = sq_db_error(s, err, "commit");
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    }
    return rc;
}

enum vg_rc sq_delivery_scan(struct vg_store *st, int64_t org_id, int64_t seq, vg_delivery_cb cb,
                            void *ctx, struct vg_error *err)
{
    struct sq *s = (struct sq *)st;
    sqlite3_stmt *q;
    int r;

    q = sq_prep(s,
                "SELECT n.seq, d.attempt, d.at_us, d.status, d.error FROM delivery d JOIN "
                "notification n ON n.id = d.notification_id WHERE n.org_id = ? AND n.seq = ? "
                "ORDER BY d.id",
                err);
    if (q == NULL)
        return err->code;
    sqlite3_bind_int64(q, 1, org_id);
    sqlite3_bind_int64(q, 2, seq);
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        struct vg_delivery_row d;

        d.notification_seq = sqlite3_column_int64(q, 0);
        d.attempt = sqlite3_column_int(q, 1);
        d.at_us = sqlite3_column_int64(q, 2);
        d.status = sqlite3_column_int(q, 3);
        d.error = (const char *)sqlite3_column_text(q, 4);
        if (cb(ctx, &d) != 0)
            break;
    }
    sqlite3_reset(q);
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        return sq_db_error(s, err, "deliveries");
    return VG_OK;
}
