/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sqlite.c - the embedded store: one SQLite file per hub.
 *
 * Layout (see docs/store.md): organisations, keys, groups, TAXII collections
 * and status resources; one row per object version in `object`, keyed by
 * (stix_id, org_id, modified_us, collection) so that each contributor has its
 * own line of versions; its first audience token is in the row (aud0) and
 * `object_audience` lists any others; `observable` holds each canonical
 * value once and `claim` links versions to the values they assert.  Each
 * stored version is one event of the hub's single sequence: its `seq` and
 * `event_kind` are columns of its row, in rowid order.  Indexes with keys in
 * random order hold 8-byte FNV-1a hashes, and a writing handle keeps Bloom
 * filters of known ids and values to skip look-ups for new ones.
 *
 * Sharing is applied in SQL: every read binds the requester's tokens into
 * "aud0 IN (...) OR EXISTS (object_audience ...)", so rows, pages and counts
 * never include what the requester may not see.  "Latest version" is decided among the versions
 * the requester can see, so a hidden newer version does not hide, or reveal,
 * anything.
 *
 * Durability: WAL with synchronous=FULL, so a committed transaction survives
 * a crash or kill -9; a handle may defer its sync to the caller instead
 * (sq_defer_sync, the server's shared writer).  Writers take BEGIN IMMEDIATE; the next event
 * sequence number and date_added are read once per transaction and advanced in memory (there is a
 * single writer while the transaction is open), which keeps date_added strictly increasing over the
 * store.  A put decides every refusal before it writes; a failure after that rolls the transaction
 * back (see sq_put_object), so no object is ever half-stored.
 *
 * Statements are prepared once per handle and cached by their SQL text; the
 * scans build their SQL from the filter (the token list needs one placeholder
 * per token) and hit the same cache.
 *
 * Threading: one handle per thread (SQLITE_OPEN_NOMUTEX).
 */
#include "internal.h"

#include "common/buf.h"
#include "geo_sql.h"
#include "common/hash.h"
#include "common/log.h"
#include "common/vtime.h"
#include "model/uuid.h"
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct sq *sq_of(struct vg_store *st)
{
    return (struct sq *)st;
}

/*
 * A failed fsync is fatal for writing, never retried (PostgreSQL's lesson,
 * "fsyncgate"): Linux may have dropped the dirty pages and cleared the error,
 * so a later fsync that succeeds proves nothing about the data before it.
 * The first failure stops every write of the process, on every handle; reads
 * go on; the operator restarts the hub once the disk is sound, and SQLite's
 * WAL recovery then keeps exactly the transactions whose commit record
 * reached the disk.
 */
static atomic_int sync_failed;

int vg_store_sync_failed(void)
{
    return atomic_load(&sync_failed);
}

static void note_sync_failure(int code)
{
    if (code != SQLITE_IOERR_FSYNC && code != SQLITE_IOERR_DIR_FSYNC)
        return;
    if (atomic_exchange(&sync_failed, 1) == 0)
        vg_log(VG_LOG_ERROR, "store_sync_failed",
               "a sync to disk failed: the hub writes nothing more until it is restarted "
               "(reads go on); check the disk, then restart");
}

/* What a failed SQLite call means for the caller. */
static enum vg_rc code_rc(int code)
{
    note_sync_failure(code);
    if (code == SQLITE_NOMEM)
        return VG_NOMEM;
    if ((code & 0xff) == SQLITE_CONSTRAINT)
        return VG_CONFLICT;
    if ((code & 0xff) == SQLITE_FULL || (code & 0xff) == SQLITE_IOERR)
        return VG_IO;
    return VG_STORAGE;
}

static enum vg_rc db_error(struct sq *s, struct vg_error *err, const char *what)
{
    return vg_error_set(err, code_rc(sqlite3_errcode(s->db)), NULL, "%s: %s", what,
                        sqlite3_errmsg(s->db));
}

/*
 * SQLite may roll back the whole transaction when a statement fails for want
 * of memory or on an I/O error (sqlite3_get_autocommit then says so).  The
 * writes that follow would each commit on their own: half a batch stored,
 * the ledger's size out of step with its entries.  Every statement of a
 * write transaction is prepared here or checks before its step (the ledger's,
 * the commit), so a lost transaction stops it.
 */
enum vg_rc sq_tx_lost(struct sq *s, struct vg_error *err)
{
    if (s->in_tx && sqlite3_get_autocommit(s->db))
        return vg_error_set(
            err, VG_STORAGE, NULL,
            "the transaction was rolled back by SQLite (out of memory or I/O error)");
    return VG_OK;
}

/* A cheap fingerprint of a statement's text (its length and two words of
 * it): the cache compares whole texts only where fingerprints agree. */
static uint64_t sql_print(const char *sql)
{
    size_t n = strlen(sql);
    uint64_t a = 0, b = 0;

    if (n >= 8) {
        memcpy(&a, sql + n / 2 - 4, 8);
        memcpy(&b, sql + n - 8, 8);
    }
    return ((uint64_t)n << 48) ^ (a * 0x9e3779b97f4a7c15ull) ^ b;
}

/* Prepared statement for sql, from the cache; reset and unbound. */
static sqlite3_stmt *prep(struct sq *s, const char *sql, struct vg_error *err)
{
    struct cached *c;
    size_t i;
    uint64_t h;

    if (sq_tx_lost(s, err) != VG_OK)
        return NULL;

    h = sql_print(sql);
    for (i = 0; i < CACHE_SIZE; i++) {
        c = &s->cache[i];
        if (c->print == h && c->sql && strcmp(c->sql, sql) == 0) {
            sqlite3_reset(c->st);
            sqlite3_clear_bindings(c->st);
            return c->st;
        }
    }
    c = &s->cache[s->cache_next];
    s->cache_next = (s->cache_next + 1) % CACHE_SIZE;
    if (c->sql) {
        sqlite3_finalize(c->st);
        free(c->sql);
        c->sql = NULL;
        c->st = NULL;
    }
    if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &c->st, NULL) != SQLITE_OK) {
        db_error(s, err, "prepare");
        c->st = NULL;
        return NULL;
    }
    c->print = h;
    if ((c->sql = strdup(sql)) == NULL) {
        sqlite3_finalize(c->st);
        c->st = NULL;
        vg_error_set(err, VG_NOMEM, NULL, "out of memory");
        return NULL;
    }
    return c->st;
}

static enum vg_rc exec(struct sq *s, const char *sql, struct vg_error *err)
{
    char *msg = NULL;

    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        enum vg_rc rc = vg_error_set(err, code_rc(sqlite3_errcode(s->db)), NULL, "%s",
                                     msg ? msg : "sqlite error");
        sqlite3_free(msg);
        return rc;
    }
    return VG_OK;
}

enum tx_kind { TX_BEGIN_WRITE, TX_BEGIN_READ, TX_COMMIT, TX_ROLLBACK };
static const char *const tx_sql[4] = {"BEGIN IMMEDIATE", "BEGIN", "COMMIT", "ROLLBACK"};

/* Run one of the transaction statements (prepared at open). */
static enum vg_rc tx(struct sq *s, enum tx_kind k, struct vg_error *err)
{
    sqlite3_stmt *q = s->tx[k];
    int rc;

    if (q == NULL)
        return exec(s, tx_sql[k], err);
    rc = sqlite3_step(q);
    sqlite3_reset(q);
    if (rc != SQLITE_DONE)
        return db_error(s, err, tx_sql[k]);
    return VG_OK;
}

/*
 * A transaction SQLite still holds although this handle closed it: a
 * COMMIT or ROLLBACK that failed (out of memory, an I/O error).  Roll it
 * back before anything else runs on the handle, or every later BEGIN would
 * fail and every read would see an old snapshot.
 */
static void tx_settle(struct sq *s)
{
    if (!s->in_tx && s->read_depth == 0 && !sqlite3_get_autocommit(s->db))
        tx(s, TX_ROLLBACK, NULL);
}

/* Roll back a write transaction if SQLite still holds it. */
static void tx_settle_write(struct sq *s)
{
    if (!sqlite3_get_autocommit(s->db))
        tx(s, TX_ROLLBACK, NULL);
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

static void copy_col(sqlite3_stmt *st, int i, char *out, size_t cap)
{
    const unsigned char *t = sqlite3_column_text(st, i);

    snprintf(out, cap, "%s", t ? (const char *)t : "");
}

static enum vg_rc visible_sql(struct vg_buf *b, const char *alias, int first, size_t ntokens);
static int bind_tokens(sqlite3_stmt *q, int at, const vg_token *t, size_t n);
static enum vg_rc sq_scan_objects(struct vg_store *st, const struct vg_object_filter *f,
                                  vg_object_cb cb, void *ctx, struct vg_error *err);

/* ---- schema ------------------------------------------------------------- */

/*
 * Migrations, applied in order; PRAGMA user_version records how many ran.
 * Never edit one that has shipped: append a new one.
 */
static const char *const migrations[] = {
    /* 1: the hub core */
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE org(id INTEGER PRIMARY KEY AUTOINCREMENT, stix_id TEXT NOT NULL UNIQUE,"
    " name TEXT NOT NULL UNIQUE COLLATE NOCASE, kind TEXT NOT NULL,"
    " country TEXT NOT NULL DEFAULT '', sectors TEXT NOT NULL DEFAULT '',"
    " disabled INTEGER NOT NULL DEFAULT 0, is_operator INTEGER NOT NULL DEFAULT 0,"
    " created_us INTEGER NOT NULL);"
    "CREATE TABLE api_key(id TEXT PRIMARY KEY, org_id INTEGER NOT NULL REFERENCES org(id),"
    " secret_hash BLOB NOT NULL, scopes INTEGER NOT NULL, label TEXT NOT NULL DEFAULT '',"
    " created_us INTEGER NOT NULL, expires_us INTEGER NOT NULL DEFAULT 0,"
    " revoked INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX api_key_org ON api_key(org_id);"
    "CREATE TABLE grp(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE COLLATE "
    "NOCASE, description TEXT NOT NULL DEFAULT '', created_us INTEGER NOT NULL);"
    "CREATE TABLE grp_member(group_id INTEGER NOT NULL REFERENCES grp(id),"
    " org_id INTEGER NOT NULL REFERENCES org(id), PRIMARY KEY(group_id, org_id)) WITHOUT ROWID;"
    "CREATE INDEX grp_member_org ON grp_member(org_id, group_id);"
    /* id_hash: FNV-1a of stix_id, so that the index with random keys holds
     * 8-byte integers rather than 40-byte strings.  aud0: the first audience
     * token (most objects have one); object_audience holds the others. */
    "CREATE TABLE object(rowid INTEGER PRIMARY KEY AUTOINCREMENT, stix_id TEXT NOT NULL,"
    " id_hash INTEGER NOT NULL, type TEXT NOT NULL, spec_version TEXT,"
    " created_us INTEGER NOT NULL, modified_us INTEGER NOT NULL, date_added_us INTEGER NOT NULL,"
    " revoked INTEGER NOT NULL, tlp INTEGER NOT NULL, org_id INTEGER NOT NULL,"
    " collection_id INTEGER NOT NULL DEFAULT 0, seq INTEGER NOT NULL, event_kind INTEGER NOT NULL,"
    " aud0 INTEGER NOT NULL,"
    " json TEXT NOT NULL);"
    "CREATE INDEX object_version ON object(id_hash, org_id, modified_us);"
    /* Indicators are the bulk of every hub: a query for them scans, and
     * their inserts skip this index; rarer types are found through it. */
    "CREATE INDEX object_type ON object(type, rowid) WHERE type <> 'indicator';"
    "CREATE TABLE object_audience(object_rowid INTEGER NOT NULL, token INTEGER NOT NULL,"
    " PRIMARY KEY(object_rowid, token)) WITHOUT ROWID;"
    /* ids in order of arrival (claims of new values append); vhash, the
     * FNV-1a of kind and value, is the small random-order index that finds
     * a value. */
    "CREATE TABLE observable(id INTEGER PRIMARY KEY, vhash INTEGER NOT NULL,"
    " kind INTEGER NOT NULL, value TEXT NOT NULL);"
    "CREATE INDEX observable_hash ON observable(vhash);"
    "CREATE TABLE claim(object_rowid INTEGER NOT NULL, obs_id INTEGER NOT NULL,"
    " label TEXT, confidence INTEGER NOT NULL DEFAULT -1, first_seen_us INTEGER NOT NULL DEFAULT 0,"
    " last_seen_us INTEGER NOT NULL DEFAULT 0, PRIMARY KEY(object_rowid, obs_id)) WITHOUT ROWID;"
    "CREATE INDEX claim_obs ON claim(obs_id, object_rowid);",
    /* 2: TAXII collections, and who may read or write each (by policy token:
     * an organisation, a group, or the community) */
    "CREATE TABLE collection(id INTEGER PRIMARY KEY AUTOINCREMENT, uuid TEXT NOT NULL UNIQUE,"
    " title TEXT NOT NULL UNIQUE COLLATE NOCASE, description TEXT NOT NULL DEFAULT '',"
    " created_us INTEGER NOT NULL);"
    "CREATE TABLE collection_access(collection_id INTEGER NOT NULL, token INTEGER NOT NULL,"
    " can_read INTEGER NOT NULL, can_write INTEGER NOT NULL,"
    " PRIMARY KEY(collection_id, token)) WITHOUT ROWID;",
    /* 3: TAXII status resources, kept as the JSON answered */
    "CREATE TABLE taxii_status(id TEXT PRIMARY KEY, org_id INTEGER NOT NULL,"
    " created_us INTEGER NOT NULL, json TEXT NOT NULL);",
    /* 4: reserved for main's object deletion tombstones (replace at merge) */
    "SELECT 1;",
    /* 5: the evidence ledger (ledger_sql.c) */
    sq_ledger_migration,
    /* 6: artefacts attached to objects (artefact_sql.c) */
    sq_artefact_migration,
    /* 7: roots of the ledger's complete blocks of 1024 leaves (ledger_sql.c) */
    sq_ledger_block_migration,
    /* 8: warning lists, and the lists each value is on (warn_sql.c) */
    sq_warn_migration,
    /* 9: sightings, one row per sighting object version (older versions
     * with the same audience dropped: put_sighting): the object it is
     * a sighting of (ref_hash: FNV-1a of of_ref, as object.id_hash), the
     * value it carries itself (obs_id, 0: none), its count and times.  The
     * counts per observable are read through the sighting's own audience
     * (and, for a value known through the sighted object, that object's):
     * see sq_scan_sightings.  Sightings stored before are filled in from
     * their JSON. */
    "CREATE TABLE sighting(object_rowid INTEGER PRIMARY KEY, ref_hash INTEGER NOT NULL,"
    " of_ref TEXT NOT NULL, obs_id INTEGER NOT NULL DEFAULT 0, count INTEGER NOT NULL,"
    " first_seen_us INTEGER NOT NULL DEFAULT 0, last_seen_us INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX sighting_ref ON sighting(ref_hash);"
    "CREATE INDEX sighting_obs ON sighting(obs_id) WHERE obs_id <> 0;"
    "INSERT INTO sighting(object_rowid, ref_hash, of_ref, count, first_seen_us, last_seen_us)"
    " SELECT rowid, vg_id_hash(r), r, c, coalesce(f, 0), coalesce(l, f, 0) FROM (SELECT rowid,"
    " json_extract(json, '$.sighting_of_ref') AS r,"
    " CASE WHEN json_type(json, '$.count') = 'integer' THEN json_extract(json, '$.count')"
    " ELSE 1 END AS c,"
    " CAST((julianday(json_extract(json, '$.first_seen')) - 2440587.5) * 86400000000.0 AS"
    " INTEGER) AS f,"
    " CAST((julianday(json_extract(json, '$.last_seen')) - 2440587.5) * 86400000000.0 AS"
    " INTEGER) AS l"
    " FROM object WHERE type = 'sighting' AND aud0 <> 0 AND json_valid(json)"
    " AND json_type(json, '$.sighting_of_ref') = 'text');",
    /* 10: enrichment of observables and organisations' jurisdictions (geo_sql.c) */
    sq_geo_migration,
    /* 11: asset watch lists, webhooks, notifications and their deliveries (watch_sql.c) */
    sq_watch_migration,
    /* 12: warning lists again, for hubs that ran slot 8 while it was a
     * placeholder on main (the statements are IF NOT EXISTS) */
    sq_warn_migration,
};

static int schema_version(struct sq *s)
{
    sqlite3_stmt *st;
    int version = -1;

    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
        return -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return version;
}

/*
 * Bring the schema up to date.  The common case (up to date) takes no lock,
 * so opening a hub never waits for a writer; otherwise the migrations run
 * under the write lock, after checking again.
 */
static enum vg_rc migrate(struct sq *s, struct vg_error *err)
{
    int version, i, n = (int)(sizeof(migrations) / sizeof(migrations[0]));
    char sql[64];
    enum vg_rc rc;

    if ((version = schema_version(s)) == n)
        return VG_OK;
    if (version > n)
        goto newer;
    if ((rc = exec(s, "BEGIN IMMEDIATE", err)) != VG_OK)
        return rc;
    if ((version = schema_version(s)) < 0) {
        rc = db_error(s, err, "schema version");
        goto fail;
    }
    if (version > n) {
        exec(s, "ROLLBACK", NULL);
        goto newer;
    }
    for (i = version; i < n; i++) {
        if ((rc = exec(s, migrations[i], err)) != VG_OK)
            goto fail;
    }
    snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", n);
    if ((rc = exec(s, sql, err)) != VG_OK)
        goto fail;
    return exec(s, "COMMIT", err);
fail:
    exec(s, "ROLLBACK", NULL);
    return rc;
newer:
    return vg_error_set(err, VG_STORAGE, NULL,
                        "the hub's schema (version %d) is newer than this vigie (%d)", version, n);
}

/* ---- transactions -------------------------------------------------------- */

/* The integer the query gives (dflt for no row or NULL); an error fails. */
static enum vg_rc scalar_get(struct sq *s, const char *sql, int64_t dflt, int64_t *out,
                             struct vg_error *err)
{
    sqlite3_stmt *st = prep(s, sql, err);
    int r;

    if (st == NULL)
        return err ? err->code : VG_STORAGE;
    *out = dflt;
    r = sqlite3_step(st);
    if (r == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        *out = sqlite3_column_int64(st, 0);
    if (r != SQLITE_ROW && r != SQLITE_DONE) {
        enum vg_rc rc = db_error(s, err, "read");

        sqlite3_reset(st);
        return rc;
    }
    sqlite3_reset(st);
    return VG_OK;
}

static int64_t scalar(struct sq *s, const char *sql, int64_t dflt)
{
    sqlite3_stmt *st = prep(s, sql, NULL);
    int64_t v = dflt;

    if (st && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        v = sqlite3_column_int64(st, 0);
    if (st)
        sqlite3_reset(st);
    return v;
}

/*
 * A blocked Bloom filter: the four bits of a key lie in one 64-byte block,
 * so a probe or an insert touches one cache line, not four (the filters of
 * a million-object hub are megabytes; the scattered version cost 3% of an
 * import in cache misses).  False positives stay near 0.3% at 16 bits per
 * key; a false positive only costs an index look-up.
 */
static uint64_t *bloom_block(const struct bloom *b, uint64_t *x)
{
    uint64_t h = *x;

    h ^= h >> 31; /* the stored FNV hash, mixed so that every bit counts */
    h *= 0x9e3779b97f4a7c15ull;
    h ^= h >> 29;
    *x = h;
    return &b->bits[(h & ((b->nbits >> 9) - 1)) << 3];
}

static void bloom_add(struct bloom *b, int64_t hv)
{
    uint64_t x = (uint64_t)hv, *blk = bloom_block(b, &x);
    int i;

    for (i = 0; i < 4; i++, x >>= 9)
        blk[(x >> 52) & 7] |= 1ull << ((x >> 55) & 63);
    b->count++;
}

static int bloom_maybe(const struct bloom *b, int64_t hv)
{
    uint64_t x = (uint64_t)hv, *blk;
    int i;

    if (b->bits == NULL)
        return 1;
    blk = bloom_block(b, &x);
    for (i = 0; i < 4; i++, x >>= 9)
        if (!(blk[(x >> 52) & 7] & (1ull << ((x >> 55) & 63))))
            return 0;
    return 1;
}

/* Add the rows with id > b->max_id (rows_sql: id and hash of rows past ?,
 * in id order); rebuild larger when too full (about 16 bits per entry keeps
 * false positives near 0.2%).  Any failure just drops the filter: look-ups
 * then always ask the index. */
static void bloom_sync(struct sq *s, struct bloom *b, const char *count_sql, const char *rows_sql)
{
    sqlite3_stmt *q;
    int64_t n;
    int r;

    if (b->bits == NULL || (b->count + 1024) * 16 > b->nbits) {
        size_t want = 1u << 20;

        n = scalar(s, count_sql, -1);
        if (n < 0)
            return;
        while (want < ((size_t)n + 65536) * 32)
            want <<= 1;
        free(b->bits);
        memset(b, 0, sizeof(*b));
        if ((b->bits = calloc(want / 64, sizeof(uint64_t))) == NULL)
            return;
        b->nbits = want;
        b->max_id = -1;
    }
    q = prep(s, rows_sql, NULL);
    if (q == NULL) {
        free(b->bits);
        memset(b, 0, sizeof(*b));
        return;
    }
    sqlite3_bind_int64(q, 1, b->max_id);
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        bloom_add(b, sqlite3_column_int64(q, 1));
        b->max_id = sqlite3_column_int64(q, 0);
    }
    if (r != SQLITE_DONE) { /* rows left out would read as certainly absent */
        sqlite3_reset(q);
        free(b->bits);
        memset(b, 0, sizeof(*b));
        return;
    }
    sqlite3_reset(q);
    b->begin_id = b->max_id;
}

static void bloom_note(struct bloom *b, int64_t id, int64_t h)
{
    if (b->bits == NULL)
        return;
    bloom_add(b, h);
    if (id > b->max_id)
        b->max_id = id;
}

/*
 * The write gate: writers of this process queue here for their turn before
 * BEGIN IMMEDIATE, and the next one starts the moment a commit ends.
 * Without it they meet only in SQLite's busy handler, which sleeps in steps
 * of 1 to 100 ms between tries (two TAXII POST connections: 38k and 31k
 * objects/s without the gate, 41k with it; BENCHMARKS.md).  Other processes
 * (a `vigie import` beside the server) still meet in the busy handler; a
 * gate not had within the busy timeout falls back to it too.
 */
#define BUSY_TIMEOUT_MS 10000

static struct {
    pthread_mutex_t mu;
    pthread_cond_t freed;
    const struct sq *holder; /* NULL: free */
    pthread_t thread;        /* the holder's */
} gate = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, 0};

static void gate_take(struct sq *s)
{
    struct timespec until;

    vg_time_deadline((int64_t)BUSY_TIMEOUT_MS * 1000, &until);
    s->gated = 0;
    pthread_mutex_lock(&gate.mu);
    /* A second handle of the holding thread would wait for itself. */
    if (gate.holder && pthread_equal(gate.thread, pthread_self())) {
        pthread_mutex_unlock(&gate.mu);
        return;
    }
    while (gate.holder && pthread_cond_timedwait(&gate.freed, &gate.mu, &until) == 0)
        ;
    if (gate.holder == NULL) {
        gate.holder = s;
        gate.thread = pthread_self();
        s->gated = 1;
    }
    pthread_mutex_unlock(&gate.mu);
}

static void gate_drop(struct sq *s)
{
    if (!s->gated)
        return;
    pthread_mutex_lock(&gate.mu);
    gate.holder = NULL;
    pthread_cond_signal(&gate.freed);
    pthread_mutex_unlock(&gate.mu);
    s->gated = 0;
}

static enum vg_rc sq_begin(struct vg_store *st, struct vg_error *err)
{
    struct sq *s = sq_of(st);
    enum vg_rc rc;

    if (s->in_tx)
        return vg_error_set(err, VG_INTERNAL, NULL, "transaction already open");
    if (atomic_load(&sync_failed))
        return vg_error_set(err, VG_IO, NULL,
                            "the hub stopped writing after a failed sync to disk; restart it "
                            "once the disk is sound");
    tx_settle(s);
    gate_take(s);
    if ((rc = tx(s, TX_BEGIN_WRITE, err)) != VG_OK) {
        gate_drop(s);
        return rc;
    }
    s->in_tx = 1;
    /* The last version stored (rowid order is seq and date_added order). */
    if ((rc = scalar_get(s, "SELECT seq FROM object ORDER BY rowid DESC LIMIT 1", 0, &s->next_seq,
                         err)) != VG_OK ||
        (rc = scalar_get(s, "SELECT date_added_us FROM object ORDER BY rowid DESC LIMIT 1", 0,
                         &s->last_added, err)) != VG_OK) {
        tx_settle_write(s);
        s->in_tx = 0;
        gate_drop(s);
        return rc;
    }
    s->next_seq++;
    bloom_sync(s, &s->seen, "SELECT count(*) FROM observable",
               "SELECT id, vhash FROM observable WHERE id > ? ORDER BY id");
    bloom_sync(s, &s->ids, "SELECT count(*) FROM object",
               "SELECT rowid, id_hash FROM object WHERE rowid > ? ORDER BY rowid");
    if ((rc = sq_tx_lost(s, err)) != VG_OK || (rc = sq_ledger_begin(s, err)) != VG_OK) {
        tx_settle_write(s);
        s->in_tx = 0;
        gate_drop(s);
        return rc;
    }
    return VG_OK;
}

static enum vg_rc sq_commit(struct vg_store *st, struct vg_error *err)
{
    struct sq *s = sq_of(st);
    enum vg_rc rc;

    if (!s->in_tx)
        return vg_error_set(err, VG_INTERNAL, NULL, "no transaction open");
    if ((rc = sq_tx_lost(s, err)) == VG_OK && (rc = sq_ledger_commit(s, err)) == VG_OK &&
        (rc = sq_tx_lost(s, err)) == VG_OK)
        rc = tx(s, TX_COMMIT, err);
    if (rc != VG_OK) {
        char msg[VG_ERROR_MSG_MAX];

        snprintf(msg, sizeof(msg), "%s (%d)", sqlite3_errmsg(s->db),
                 sqlite3_extended_errcode(s->db));
        tx_settle_write(s);
        /* As sq_rollback: the rows' ids will be given again, and another
         * writer's rows with those ids must reach the Bloom filters. */
        s->seen.max_id = s->seen.begin_id;
        s->ids.max_id = s->ids.begin_id;
        sq_ledger_rollback(s);
        /* A full disk or an I/O error is the hub's condition, not a fault
         * in the request: VG_IO (503, retry later). */
        rc = vg_error_set(err, rc == VG_IO || rc == VG_NOMEM ? rc : VG_STORAGE, NULL,
                          "commit failed: %s", msg);
    }
    s->in_tx = 0;
    gate_drop(s);
    return rc;
}

static void sq_rollback(struct vg_store *st)
{
    struct sq *s = sq_of(st);

    if (s->in_tx) {
        tx(s, TX_ROLLBACK, NULL);
        /* The ids of rolled-back rows will be given again: catch up from
         * where the transaction began (the extra bits are harmless). */
        s->seen.max_id = s->seen.begin_id;
        s->ids.max_id = s->ids.begin_id;
        sq_ledger_rollback(s);
    }
    s->in_tx = 0;
    gate_drop(s);
}

/* A deferred transaction: its first read takes the snapshot.  Nested
 * snapshots, and snapshots inside a write transaction, add nothing. */
static enum vg_rc sq_read_begin(struct vg_store *st, struct vg_error *err)
{
    struct sq *s = sq_of(st);
    enum vg_rc rc;

    tx_settle(s);
    if (s->read_depth == 0 && sqlite3_get_autocommit(s->db) &&
        (rc = tx(s, TX_BEGIN_READ, err)) != VG_OK)
        return rc;
    s->read_depth++;
    return VG_OK;
}

static void sq_read_end(struct vg_store *st)
{
    struct sq *s = sq_of(st);

    if (s->read_depth > 0 && --s->read_depth == 0 && !s->in_tx && !sqlite3_get_autocommit(s->db) &&
        tx(s, TX_COMMIT, NULL) != VG_OK)
        tx(s, TX_ROLLBACK, NULL); /* a read has nothing to lose */
}

/* Run a single write as its own transaction when none is open. */
#define AUTO_TX_BEGIN(s, err)                                                                      \
    int auto_tx = !(s)->in_tx;                                                                     \
    if (auto_tx && (rc = sq_begin(&(s)->base, err)) != VG_OK)                                      \
        return rc;

static enum vg_rc auto_tx_end(struct sq *s, int auto_tx, enum vg_rc rc, struct vg_error *err)
{
    if (!auto_tx)
        return rc;
    if (rc != VG_OK) {
        sq_rollback(&s->base);
        return rc;
    }
    return sq_commit(&s->base, err);
}

/* ---- meta ----------------------------------------------------------------- */

static enum vg_rc sq_meta_get(struct vg_store *st, const char *key, char *out, size_t cap,
                              struct vg_error *err)
{
    struct sq *s = sq_of(st);
    sqlite3_stmt *q;
    int r;

    char memo[256];
    size_t n;

    if ((r = sq_memo_get(s, SQ_MEMO_META, key, memo, sizeof(memo), &n)) == 1) {
        snprintf(out, cap, "%s", memo); /* as copy_col copies it */
        return VG_OK;
    }
    if (r == 0)
        return vg_error_set(err, VG_NOT_FOUND, key, "no setting '%s'", key);
    if ((q = prep(s, "SELECT value FROM meta WHERE key = ?", err)) == NULL)
        return err->code;
    bind_text(q, 1, key);
    r = sqlite3_step(q);
    if (r == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(q, 0);

        copy_col(q, 0, out, cap);
        if (t && strlen(t) < sizeof(memo))
            sq_memo_put(s, SQ_MEMO_META, key, t, strlen(t) + 1);
        sqlite3_reset(q);
        return VG_OK;
    }
    sqlite3_reset(q);
    if (r == SQLITE_DONE) {
        sq_memo_put(s, SQ_MEMO_META, key, NULL, 0);
        return vg_error_set(err, VG_NOT_FOUND, key, "no setting '%s'", key);
    }
    return db_error(s, err, "meta");
}

static enum vg_rc step_done(struct sq *s, sqlite3_stmt *q, struct vg_error *err, const char *what)
{
    int r = sqlite3_step(q);
    enum vg_rc rc = VG_OK;

    if (r != SQLITE_DONE && r != SQLITE_ROW)
        rc = db_error(s, err, what);
    sqlite3_reset(q);
    return rc;
}

static enum vg_rc sq_meta_set(struct vg_store *st, const char *key, const char *value,
                              struct vg_error *err)
{
    struct sq *s = sq_of(st);
    sqlite3_stmt *q = prep(
        s, "INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = ?2",
        err);

    if (q == NULL)
        return err->code;
    bind_text(q, 1, key);
    bind_text(q, 2, value);
    return step_done(s, q, err, "meta");
}

/* ---- organisations ------------------------------------------------------- */

#define ORG_COLS "id, stix_id, name, kind, country, sectors, disabled, is_operator, created_us"

static void org_row(sqlite3_stmt *q, struct vg_org *o)
{
    memset(o, 0, sizeof(*o));
    o->id = sqlite3_column_int64(q, 0);
    copy_col(q, 1, o->stix_id, sizeof(o->stix_id));
    copy_col(q, 2, o->name, sizeof(o->name));
    copy_col(q, 3, o->kind, sizeof(o->kind));
    copy_col(q, 4, o->country, sizeof(o->country));
    copy_col(q, 5, o->sectors, sizeof(o->sectors));
    o->disabled = sqlite3_column_int(q, 6);
    o->is_operator = sqlite3_column_int(q, 7);
    o->created_us = sqlite3_column_int64(q, 8);
}

static enum vg_rc sq_org_add(struct vg_store *st, struct vg_org *org, struct vg_error *err)
{
    struct sq *s = sq_of(st);
    sqlite3_stmt *q;
    char uuid[VG_UUID_TEXT_LEN + 1];
    enum vg_rc rc;

    if (org->stix_id[0] == '\0') {
        if ((rc = vg_uuid4(uuid)) != VG_OK)
            return vg_error_set(err, rc, NULL, "no randomness for a new identity");
        snprintf(org->stix_id, sizeof(org->stix_id), "identity--%s", uuid);
    }
    if (org->created_us == 0)
        org->created_us = vg_time_now_us();
    q = prep(s,
             "INSERT INTO org(stix_id, name, kind, country, sectors, disabled, is_operator, "
             "created_us) VALUES(?, ?, ?, ?, ?, ?, ?, ?)",
             err);
    if (q == NULL)
        return err->code;
    bind_text(q, 1, org->stix_id);
    bind_text(q, 2, org->name);
    bind_text(q, 3, org->kind);
    bind_text(q, 4, org->country);
    bind_text(q, 5, org->sectors);
    sqlite3_bind_int(q, 6, org->disabled);
    sqlite3_bind_int(q, 7, org->is_operator);
    sqlite3_bind_int64(q, 8, org->created_us);
    if (sqlite3_step(q) != SQLITE_DONE) {
        int ext = sqlite3_extended_errcode(s->db);
        sqlite3_reset(q);
        if (ext == SQLITE_CONSTRAINT_UNIQUE)
            return vg_error_set(err, VG_CONFLICT, "name",
                                "an organisation named '%s' or with id %s already exists",
                                org->name, org->stix_id);
        return db_error(s, err, "org add");
    }
    sqlite3_reset(q);
    org->id = sqlite3_last_insert_rowid(s->db);
    return VG_OK;
}

static enum vg_rc sq_org_update(struct vg_store *st, const struct vg_org *org, struct vg_error *err)
{
    struct sq *s = sq_of(st);
    sqlite3_stmt *q = prep(s,
                           "UPDATE org SET kind = ?, country = ?, sectors = ?, disabled = ? "
                           "WHERE id = ?",
                           err);
    enum vg_rc rc;

    if (q == NULL)
        return err->code;
    bind_text(q, 1, org->kind);
    bind_text(q, 2, org->country);
    bind_text(q, 3, org->sectors);
    sqlite3_bind_int(q, 4, org->disabled);
    sqlite3_bind_int64(q, 5, org->id);
    if ((rc = step_done(s, q, err, "org update")) != VG_OK)
        return rc;
    if (sqlite3_changes(s->db) == 0)
        return vg_error_set(err, VG_NOT_FOUND, "org", "no such organisation");
    return VG_OK;
}

static enum vg_rc org_one(struct sq *s, sqlite3_stmt *q, struct vg_org *out, const char *what,
                          struct vg_error *err)
{
    int r = sqlite3_step(q);

    if (r == SQLITE_ROW) {
        org_row(q, out);
        sqlite3_reset(q);
        return VG_OK;
    }
    sqlite3_reset(q);
    if (r == SQLITE_DONE)
        return vg_error_set(err, VG_NOT_FOUND, "org", "no organisation '%s'", what);
    return db_error(s, err, "org");
}

static enum vg_rc sq_org_get(struct vg_store *st, const char *name_or_stix_id, struct vg_org *out,
                             struct vg_error *err)
{
    struct sq *s = sq_of(st);
    sqlite3_stmt *q =
        prep(s, "SELECT " ORG_COLS " FROM org WHERE name = ?1 OR stix_id = ?1 LIMIT 1", err);

    if (q == NULL)
        return err->code;
    bind_text(q, 1, name_or_stix_id);
    return org_one(s, q, out, name_or_stix_id, err);
}

static enum vg_rc sq_org_get_by_id(struct vg_store *st, int64_t id, struct vg_org *out,
                                   struct vg_error *err)
{
    struct sq *s = sq_of(st);
    sqlite3_stmt *q;
    char what[32];
    enum vg_rc rc;

    size_t n;

    snprintf(what, sizeof(what), "#%lld", (long long)id);
    if (sq_memo_get(s, SQ_MEMO_ORG, what, out, sizeof(*out), &n) == 1)
        return VG_OK;
    if ((q = prep(s, "SELECT " ORG_COLS " FROM org WHERE id = ?", err)) == NULL)
        return err->code;
    sqlite3_bind_int64(q, 1, id);
    if ((rc = org_one(s, q, out, what, err)) == VG_OK)
        sq_memo_put(s, SQ_MEMO_ORG, what, out, sizeof(*out));
    return rc;
}

/* Run q and call cb with each organisation; q is not cached (may nest). */
static enum vg_rc org_rows(struct sq *s, sqlite3_stmt *q, int (*cb)(void *, const struct vg_org *),
                           void *ctx, struct vg_error *err)
{
    struct vg_org o;
    int r;

    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        org_row(q, &o);
        if (cb(ctx, &o))
            break;
    }
    if (r != SQLITE_ROW && r != SQLITE_DONE) {
        enum vg_rc rc = db_error(s, err, "org list");
        sqlite3_finalize(q);
        return rc;
    }
    sqlite3_finalize(q);
    return VG_OK;
}

static enum vg_rc sq_org_list(struct vg_store *st, int (*cb)(void *, const struct vg_org *),
                              void *ctx, struct vg_error *err)
{
    struct sq *s = sq_of(st);
    sqlite3_stmt *q;

    if (sqlite3_prepare_v2(s->db, "SELECT " ORG_COLS " FROM org ORDER BY name", -1, &q, NULL) !=
        SQLITE_OK)
        return db_error(s, err, "org list");
    return org_rows(s, q, cb, ctx, err);
}

static enum vg_rc sq_org_groups(struct vg_store *st, int64_t org_id, int64_t *out, size_t cap,
                                size_t *n, struct vg_error *err)
{
    struct sq *s = sq_of(st);
    sqlite3_stmt *q;
    int r;

    char name[24];
    size_t len;

    *n = 0;
    snprintf(name, sizeof(name), "%lld", (long long)org_id);
    if (sq_memo_get(s, SQ_MEMO_GROUPS, name, out, cap * sizeof(*out), &len) == 1) {
        *n = len / sizeof(*out);
        return VG_OK;
    }
    if ((q = prep(s, "SELECT group_id FROM grp_member WHERE org_id = ?", err)) == NULL)
        return err->code;
    sqlite3_bind_int64(q, 1, org_id);
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        if (*n == cap) {
            sqlite3_reset(q);
            return vg_error_set(err, VG_LIMIT, "groups", "organisation in more than %zu groups",
                                cap);
        }
        out[(*n)++] = sqlite3_column_int64(q, 0);
    }
    sqlite3_reset(q);
    if (r != SQLITE_DONE)
        return db_error(s, err, "org groups");
    sq_memo_put(s, SQ_MEMO_GROUPS, name, out, *n * sizeof(*out));
    return VG_OK;
}

/* ---- keys -------------------------------------------------------------------- */

#define KEY_COLS "id, org_id, scopes, created_us, expires_us, revoked, label, secret_hash"

static void key_row(sqlite3_stmt *q, struct vg_key *k)
{
    memset(k, 0, sizeof(*k));
    copy_col(q, 0, k->id, sizeof(k->id));
    k->org_id = sqlite3_column_int64(q, 1);
    k->scopes = (unsigned)sqlite3_column_int(q, 2);
    k->created_us = sqlite3_column_int64(q, 3);
    k->expires_us = sqlite3_column_int64(q, 4);
    k->revoked = sqlite3_column_int(q, 5);
    copy_col(q, 6, k->label, sizeof(k->label));
}

static enum vg_rc sq_key_add(struct vg_store *st, const struct vg_key *key,
                             const uint8_t secret_hash[32], struct vg_error *err)
{
    struct sq *s = sq_of(st);
    sqlite3_stmt *q = prep(s,
                           "INSERT INTO api_key(id, org_id, secret_hash, scopes, label, "
                           "created_us, expires_us, revoked) VALUES(?, ?, ?, ?, ?, ?, ?, 0)",
                           err);

    if (q == NULL)
        return err->code;
    bind_text(q, 1, key->id);
    sqlite3_bind_int64(q, 2, key->org_id);
    sqlite3_bind_blob(q, 3, secret_hash, 32, SQLITE_STATIC);
    sqlite3_bind_int(q, 4, (int)key->scopes);
    bind_text(q, 5, key->label);
    sqlite3_bind_int64(q, 6, key->created_us);
    sqlite3_bind_int64(q, 7, key->expires_us);
    return step_done(s, q, err, "key add");
}

static enum vg_rc sq_key_get(struct vg_store *st, const char *id, struct vg_key *out,
                             uint8_t secret_hash[32], struct vg_error *err)
{
    struct sq *s = sq_of(st);
    sqlite3_stmt *q;
    int r;

    /* known or unknown, a key asked for again is answered from the memo
     * alike: no difference in time between the two */
    struct {
        struct vg_key key;
        uint8_t hash[32];
    } row;
    size_t len;

    if ((r = sq_memo_get(s, SQ_MEMO_KEY, id, &row, sizeof(row), &len)) == 1) {
        *out = row.key;
        if (secret_hash)
            memcpy(secret_hash, row.hash, 32);
        vg_wipe(&row, sizeof(row));
        return VG_OK;
    }
    if (r == 0)
        return vg_error_set(err, VG_NOT_FOUND, "key", "no key '%s'", id);
    if ((q = prep(s, "SELECT " KEY_COLS " FROM api_key WHERE id = ?", err)) == NULL)
        return err->code;
    bind_text(q, 1, id);
    r = sqlite3_step(q);
    if (r == SQLITE_ROW) {
        const void *h = sqlite3_column_blob(q, 7);

        key_row(q, out);
        if (h == NULL || sqlite3_column_bytes(q, 7) != 32) {
            sqlite3_reset(q);
            return secret_hash ? vg_error_set(err, VG_STORAGE, NULL, "key %s has a bad hash", id)
                               : VG_OK;
        }
        row.key = *out;
        memcpy(row.hash, h, 32);
        if (secret_hash)
            memcpy(secret_hash, row.hash, 32);
        sqlite3_reset(q);
        sq_memo_put(s, SQ_MEMO_KEY, id, &row, sizeof(row));
        vg_wipe(&row, sizeof(row));
        return VG_OK;
    }
    sqlite3_reset(q);
    if (r == SQLITE_DONE) {
        sq_memo_put(s, SQ_MEMO_KEY, id, NULL, 0);
        return vg_error_set(err, VG_NOT_FOUND, "key", "no key '%s'", id);
    }
    return db_error(s, err, "key get");
}

static enum vg_rc sq_key_list(struct vg_store *st, int64_t org_id,
                              int (*cb)(void *, const struct vg_key *), void *ctx,
                              struct vg_error *err)
{
    struct sq *s = sq_of(st);
    sqlite3_stmt *q;
    struct vg_key k;
    enum vg_rc rc = VG_OK;
    int r;

    if (sqlite3_prepare_v2(s->db,
                           "SELECT " KEY_COLS " FROM api_key WHERE ?1 = 0 OR org_id = ?1 "
                           "ORDER BY created_us, id",
                           -1, &q, NULL) != SQLITE_OK)
        return db_error(s, err, "key list");
    sqlite3_bind_int64(q, 1, org_id);
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        key_row(q, &k);
        if (cb(ctx, &k))
            break;
    }
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        rc = db_error(s, err, "key list");
    sqlite3_finalize(q);
    return rc;
}

static enum vg_rc sq_key_revoke(struct vg_store *st, const char *id, struct vg_error *err)
{
    struct sq *s = sq_of(st);
    sqlite3_stmt *q = prep(s, "UPDATE api_key SET revoked = 1 WHERE id = ?", err);
    enum vg_rc rc;

    if (q == NULL)
        return err->code;
    bind_text(q, 1, id);
    if ((rc = step_done(s, q, err, "key revoke")) != VG_OK)
        return rc;
    if (sqlite3_changes(s->db) == 0)
        return vg_error_set(err, VG_NOT_FOUND, "key", "no key '%s'", id);
    return VG_OK;
}

/* ---- groups ------------------------------------------------------------------- */

static void group_row(sqlite3_stmt *q, struct vg_group *g)
{
    memset(g, 0, sizeof(*g));
    g->id = sqlite3_column_int64(q, 0);
    copy_col(q, 1, g->name, sizeof(g->name));
    copy_col(q, 2, g->description, sizeof(g->description));
    g->created_us = sqlite3_column_int64(q, 3);
}

static enum vg_rc sq_group_add(struct vg_store *st, struct vg_group *g, struct vg_error *err)
{
    struct sq *s = sq_of(st);
    sqlite3_stmt *q =
        prep(s, "INSERT INTO grp(name, description, created_us) VALUES(?, ?, ?)", err);

    if (q == NULL)
        return err->code;
    if (g->created_us == 0)
        g->created_us = vg_time_now_us();
    bind_text(q, 1, g->name);
    bind_text(q, 2, g->description);
    sqlite3_bind_int64(q, 3, g->created_us);
    if (sqlite3_step(q) != SQLITE_DONE) {
        int ext = sqlite3_extended_errcode(s->db);
        sqlite3_reset(q);
        if (ext == SQLITE_CONSTRAINT_UNIQUE)
            return vg_error_set(err, VG_CONFLICT, "name", "a group named '%s' already exists",
                                g->name);
        return db_error(s, err, "group add");
    }
    sqlite3_reset(q);
    g->id = sqlite3_last_insert_rowid(s->db);
    return VG_OK;
}

static enum vg_rc sq_group_get(struct vg_store *st, const char *name, struct vg_group *out,
                               struct vg_error *err)
{
    struct sq *s = sq_of(st);
    sqlite3_stmt *q =
        prep(s, "SELECT id, name, description, created_us FROM grp WHERE name = ?", err);
    int r;

    if (q == NULL)
        return err->code;
    bind_text(q, 1, name);
    r = sqlite3_step(q);
    if (r == SQLITE_ROW) {
        group_row(q, out);
        sqlite3_reset(q);
        return VG_OK;
    }
    sqlite3_reset(q);
    if (r == SQLITE_DONE)
        return vg_error_set(err, VG_NOT_FOUND, "group", "no group '%s'", name);
    return db_error(s, err, "group get");
}

static enum vg_rc sq_group_list(struct vg_store *st, int (*cb)(void *, const struct vg_group *),
                                void *ctx, struct vg_error *err)
{
    struct sq *s = sq_of(st);
    sqlite3_stmt *q;
    struct vg_group g;
    enum vg_rc rc = VG_OK;
    int r;

    if (sqlite3_prepare_v2(s->db, "SELECT id, name, description, created_us FROM grp ORDER BY name",
                           -1, &q, NULL) != SQLITE_OK)
        return db_error(s, err, "group list");
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        group_row(q, &g);
        if (cb(ctx, &g))
            break;
    }
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        rc = db_error(s, err, "group list");
    sqlite3_finalize(q);
    return rc;
}

static enum vg_rc sq_group_member_add(struct vg_store *st, int64_t group_id, int64_t org_id,
                                      struct vg_error *err)
{
    struct sq *s = sq_of(st);
    sqlite3_stmt *q =
        prep(s, "INSERT OR IGNORE INTO grp_member(group_id, org_id) VALUES(?, ?)", err);

    if (q == NULL)
        return err->code;
    sqlite3_bind_int64(q, 1, group_id);
    sqlite3_bind_int64(q, 2, org_id);
    return step_done(s, q, err, "group member add");
}

static enum vg_rc sq_group_member_remove(struct vg_store *st, int64_t group_id, int64_t org_id,
                                         struct vg_error *err)
{
    struct sq *s = sq_of(st);
    sqlite3_stmt *q = prep(s, "DELETE FROM grp_member WHERE group_id = ? AND org_id = ?", err);
    enum vg_rc rc;

    if (q == NULL)
        return err->code;
    sqlite3_bind_int64(q, 1, group_id);
    sqlite3_bind_int64(q, 2, org_id);
    if ((rc = step_done(s, q, err, "group member remove")) != VG_OK)
        return rc;
    if (sqlite3_changes(s->db) == 0)
        return vg_error_set(err, VG_NOT_FOUND, "org", "not a member of this group");
    return VG_OK;
}

static enum vg_rc sq_group_members(struct vg_store *st, int64_t group_id,
                                   int (*cb)(void *, const struct vg_org *), void *ctx,
                                   struct vg_error *err)
{
    struct sq *s = sq_of(st);
    sqlite3_stmt *q;

    if (sqlite3_prepare_v2(s->db,
                           "SELECT " ORG_COLS " FROM org WHERE id IN (SELECT org_id FROM "
                           "grp_member WHERE group_id = ?) ORDER BY name",
                           -1, &q, NULL) != SQLITE_OK)
        return db_error(s, err, "group members");
    sqlite3_bind_int64(q, 1, group_id);
    return org_rows(s, q, cb, ctx, err);
}

/* ---- collections ------------------------------------------------------------ */

static enum vg_rc sq_collection_add(struct vg_store *st, struct vg_collection *c,
                                    struct vg_error *err)
{
    struct sq *s = sq_of(st);
    char uuid[VG_UUID_TEXT_LEN + 1];
    sqlite3_stmt *q;
    enum vg_rc rc;

    if (c->uuid[0] == '\0') {
        if ((rc = vg_uuid4(uuid)) != VG_OK)
            return vg_error_set(err, rc, NULL, "no randomness for a collection id");
        snprintf(c->uuid, sizeof(c->uuid), "%s", uuid);
    }
    if (c->created_us == 0)
        c->created_us = vg_time_now_us();
    q = prep(s, "INSERT INTO collection(uuid, title, description, created_us) VALUES(?, ?, ?, ?)",
             err);
    if (q == NULL)
        return err->code;
    bind_text(q, 1, c->uuid);
    bind_text(q, 2, c->title);
    bind_text(q, 3, c->description);
    sqlite3_bind_int64(q, 4, c->created_us);
    if (sqlite3_step(q) != SQLITE_DONE) {
        int ext = sqlite3_extended_errcode(s->db);
        sqlite3_reset(q);
        if (ext == SQLITE_CONSTRAINT_UNIQUE)
            return vg_error_set(err, VG_CONFLICT, "title", "a collection titled '%s' exists",
                                c->title);
        return db_error(s, err, "collection add");
    }
    sqlite3_reset(q);
    c->id = sqlite3_last_insert_rowid(s->db);
    return VG_OK;
}

static enum vg_rc sq_collection_grant(struct vg_store *st, int64_t collection_id, vg_token token,
                                      int can_read, int can_write, struct vg_error *err)
{
    struct sq *s = sq_of(st);
    sqlite3_stmt *q = prep(s,
                           "INSERT INTO collection_access(collection_id, token, can_read, "
                           "can_write) VALUES(?, ?, ?, ?) ON CONFLICT DO UPDATE SET can_read = "
                           "?3, can_write = ?4",
                           err);

    if (q == NULL)
        return err->code;
    sqlite3_bind_int64(q, 1, collection_id);
    sqlite3_bind_int64(q, 2, (sqlite3_int64)token);
    sqlite3_bind_int(q, 3, can_read ? 1 : 0);
    sqlite3_bind_int(q, 4, can_write ? 1 : 0);
    return step_done(s, q, err, "collection grant");
}

/*
 * Collections as the holder of tokens sees them: can_read / can_write are
 * what any of the tokens grants; a collection none of them may read or
 * write is not listed (it does not exist for that holder), and without
 * tokens nothing is.  With uuid set, only that collection.
 * VG_COLLECTIONS_ALL (the operator's view) lists every collection with both
 * rights.
 */
static enum vg_rc sq_collection_scan(struct vg_store *st, const vg_token *tokens, size_t ntokens,
                                     unsigned flags, const char *uuid, vg_collection_cb cb,
                                     void *ctx, struct vg_error *err)
{
    struct sq *s = sq_of(st);
    struct vg_buf sql;
    sqlite3_stmt *q;
    enum vg_rc rc;
    size_t i;
    int at, r;

    if (!(flags & VG_COLLECTIONS_ALL)) {
        if (ntokens == 0)
            return VG_OK; /* nothing exists without a token */
    } else {
        ntokens = 0;
    }
    vg_buf_init(&sql, 0);
    rc = vg_buf_puts(&sql, "SELECT c.id, c.uuid, c.title, c.description, c.created_us, ");
    if (rc == VG_OK && ntokens == 0)
        rc = vg_buf_puts(&sql, "1, 1 FROM collection c WHERE 1");
    else if (rc == VG_OK) {
        rc = vg_buf_puts(&sql, "max(a.can_read), max(a.can_write) FROM collection c JOIN "
                               "collection_access a ON a.collection_id = c.id WHERE a.token IN (");
        for (i = 0; rc == VG_OK && i < ntokens; i++)
            rc = vg_buf_printf(&sql, i ? ",?%zu" : "?%zu", i + 1);
        if (rc == VG_OK)
            rc = vg_buf_puts(&sql, ")");
    }
    at = (int)ntokens + 1;
    if (rc == VG_OK && uuid)
        rc = vg_buf_printf(&sql, " AND c.uuid = ?%d", at);
    if (rc == VG_OK)
        rc = vg_buf_puts(&sql, ntokens ? " GROUP BY c.id HAVING max(a.can_read) OR "
                                         "max(a.can_write) ORDER BY c.title"
                                       : " ORDER BY c.title");
    if (rc != VG_OK) {
        vg_buf_cleanup(&sql);
        return vg_error_set(err, rc, NULL, "out of memory");
    }
    q = prep(s, sql.data, err);
    vg_buf_cleanup(&sql);
    if (q == NULL)
        return err->code;
    bind_tokens(q, 1, tokens, ntokens);
    if (uuid)
        sqlite3_bind_text(q, at, uuid, -1, SQLITE_STATIC);
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        struct vg_collection c;

        memset(&c, 0, sizeof(c));
        c.id = sqlite3_column_int64(q, 0);
        copy_col(q, 1, c.uuid, sizeof(c.uuid));
        copy_col(q, 2, c.title, sizeof(c.title));
        copy_col(q, 3, c.description, sizeof(c.description));
        c.created_us = sqlite3_column_int64(q, 4);
        c.can_read = sqlite3_column_int(q, 5);
        c.can_write = sqlite3_column_int(q, 6);
        if (cb(ctx, &c))
            break;
    }
    rc = (r == SQLITE_ROW || r == SQLITE_DONE) ? VG_OK : db_error(s, err, "collections");
    sqlite3_reset(q);
    return rc;
}

static enum vg_rc sq_status_put(struct vg_store *st, const char *id, int64_t org_id,
                                const char *json, struct vg_error *err)
{
    struct sq *s = sq_of(st);
    sqlite3_stmt *q =
        prep(s, "INSERT INTO taxii_status(id, org_id, created_us, json) VALUES(?, ?, ?, ?)", err);

    if (q == NULL)
        return err->code;
    bind_text(q, 1, id);
    sqlite3_bind_int64(q, 2, org_id);
    sqlite3_bind_int64(q, 3, vg_time_now_us());
    bind_text(q, 4, json);
    return step_done(s, q, err, "status");
}

/* The status resource id of org_id; another organisation's is not found. */
static enum vg_rc sq_status_get(struct vg_store *st, const char *id, int64_t org_id, char **json,
                                struct vg_error *err)
{
    struct sq *s = sq_of(st);
    sqlite3_stmt *q = prep(s, "SELECT json FROM taxii_status WHERE id = ? AND org_id = ?", err);
    int r;

    if (q == NULL)
        return err->code;
    bind_text(q, 1, id);
    sqlite3_bind_int64(q, 2, org_id);
    r = sqlite3_step(q);
    if (r == SQLITE_ROW) {
        *json = strdup((const char *)sqlite3_column_text(q, 0));
        sqlite3_reset(q);
        return *json ? VG_OK : vg_error_set(err, VG_NOMEM, NULL, "out of memory");
    }
    sqlite3_reset(q);
    if (r == SQLITE_DONE)
        return vg_error_set(err, VG_NOT_FOUND, NULL, "no such resource");
    return db_error(s, err, "status");
}

/* ---- objects ---------------------------------------------------------------- */

/* FNV-1a, 63 bits: keys of the indexes that would otherwise hold strings. */
static int64_t fnv(uint64_t h, const void *p, size_t n)
{
    return (int64_t)(vg_fnv1a(h, p, n) & 0x7fffffffffffffffull);
}

static int64_t id_hash(const char *stix_id)
{
    return fnv(VG_FNV_SEED, stix_id, strlen(stix_id));
}

/*
 * The id of an observable, found through the hash of its kind and value
 * (every row with that hash is compared: a collision must not merge two
 * values).  With insert, a new value is stored; otherwise VG_NOT_FOUND
 * when absent.
 */
static enum vg_rc obs_id(struct sq *s, enum vg_obs_kind kind, const char *value, size_t len,
                         int insert, const char *warn, int64_t *out, struct vg_error *err)
{
    unsigned char k = (unsigned char)kind;
    int64_t h = fnv(fnv(VG_FNV_SEED, &k, 1), value, len);
    sqlite3_stmt *q;
    int r;

    if (insert && s->in_tx && !bloom_maybe(&s->seen, h))
        goto add; /* certainly new */
    if ((q = prep(s, "SELECT id, kind, value FROM observable WHERE vhash = ?", err)) == NULL)
        return err->code;
    sqlite3_bind_int64(q, 1, h);
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        if (sqlite3_column_int(q, 1) == (int)kind && (size_t)sqlite3_column_bytes(q, 2) == len &&
            memcmp(sqlite3_column_blob(q, 2), value, len) == 0) {
            *out = sqlite3_column_int64(q, 0);
            sqlite3_reset(q);
            return VG_OK;
        }
    }
    sqlite3_reset(q);
    if (r != SQLITE_DONE)
        return db_error(s, err, "observable");
    if (!insert)
        return VG_NOT_FOUND;
add:
    if ((q = prep(s, "INSERT INTO observable(vhash, kind, value) VALUES(?, ?, ?)", err)) == NULL)
        return err->code;
    sqlite3_bind_int64(q, 1, h);
    sqlite3_bind_int(q, 2, (int)kind);
    sqlite3_bind_text(q, 3, value, (int)len, SQLITE_STATIC);
    if (sqlite3_step(q) != SQLITE_DONE) {
        enum vg_rc rc = db_error(s, err, "observable");
        sqlite3_reset(q);
        return rc;
    }
    sqlite3_reset(q);
    *out = sqlite3_last_insert_rowid(s->db);
    if (s->in_tx)
        bloom_note(&s->seen, *out, h);
    if (warn == NULL)
        return VG_OK;
    /* the warning lists it is on, decided by the writer (warn_sql.c) */
    if ((q = prep(s, "INSERT OR REPLACE INTO observable_warn(obs_id, warn) VALUES(?, ?)", err)) ==
        NULL)
        return err->code;
    sqlite3_bind_int64(q, 1, *out);
    bind_text(q, 2, warn);
    return step_done(s, q, err, "observable flags");
}

static enum vg_event_kind event_kind(const struct vg_object_version *v, enum vg_put_result r)
{
    if (strcmp(v->type, "sighting") == 0)
        return VG_EV_SIGHTING;
    if (v->revoked)
        return VG_EV_REVOKED;
    return r == VG_PUT_NEW ? VG_EV_ADDED : VG_EV_VERSION;
}

static enum vg_rc put_claims(struct sq *s, int64_t rowid, const struct vg_object_version *v,
                             struct vg_error *err)
{
    size_t i;

    for (i = 0; i < v->nclaims; i++) {
        const struct vg_claim *c = &v->claims[i];
        sqlite3_stmt *q;
        int64_t obs_id_v = 0;
        enum vg_rc rc;

        if ((rc = obs_id(s, c->kind, c->value, c->len, 1, c->warn, &obs_id_v, err)) != VG_OK)
            return rc;
        q = prep(s,
                 "INSERT OR IGNORE INTO claim(object_rowid, obs_id, label, confidence, "
                 "first_seen_us, last_seen_us) VALUES(?, ?, ?, ?, ?, ?)",
                 err);
        if (q == NULL)
            return err->code;
        sqlite3_bind_int64(q, 1, rowid);
        sqlite3_bind_int64(q, 2, obs_id_v);
        bind_text(q, 3, c->label);
        sqlite3_bind_int(q, 4, c->confidence);
        sqlite3_bind_int64(q, 5, c->first_seen_us);
        sqlite3_bind_int64(q, 6, c->last_seen_us);
        if ((rc = step_done(s, q, err, "claim")) != VG_OK)
            return rc;
    }
    return VG_OK;
}

/* The sighting row of a sighting object version (migration 9). */
static enum vg_rc put_sighting(struct sq *s, int64_t rowid, const struct vg_sighting_facts *f,
                               struct vg_error *err)
{
    int64_t carried = 0;
    sqlite3_stmt *q;
    enum vg_rc rc;

    if (f->of_ref == NULL)
        return vg_error_set(err, VG_INTERNAL, NULL, "sighting without sighting_of_ref");
    if (f->kind != VG_OBS_NONE &&
        (rc = obs_id(s, f->kind, f->value, f->len, 1, NULL, &carried, err)) != VG_OK)
        return rc;
    q = prep(s,
             "INSERT INTO sighting(object_rowid, ref_hash, of_ref, obs_id, count, first_seen_us, "
             "last_seen_us) VALUES(?, ?, ?, ?, ?, ?, ?)",
             err);
    if (q == NULL)
        return err->code;
    sqlite3_bind_int64(q, 1, rowid);
    sqlite3_bind_int64(q, 2, id_hash(f->of_ref));
    bind_text(q, 3, f->of_ref);
    sqlite3_bind_int64(q, 4, carried);
    sqlite3_bind_int64(q, 5, f->count);
    sqlite3_bind_int64(q, 6, f->first_seen_us);
    sqlite3_bind_int64(q, 7, f->last_seen_us);
    if ((rc = step_done(s, q, err, "sighting")) != VG_OK)
        return rc;
    /* The rows of this contributor's older versions of the object with
     * exactly this audience can never count again: whoever sees them sees
     * this newer one, which the counts prefer.  Dropping them keeps one row
     * per sighting that is only ever versioned (a rolled-up daily sighting,
     * docs/sightings.md), so a look-up reads one row, not one per version. */
    q = prep(s,
             "DELETE FROM sighting WHERE object_rowid IN (SELECT o.rowid FROM object o, object n "
             "WHERE n.rowid = ?1 AND o.id_hash = n.id_hash AND o.stix_id = n.stix_id AND "
             "o.org_id = n.org_id AND o.rowid <> n.rowid AND o.aud0 = n.aud0 AND "
             "(o.modified_us < n.modified_us OR (o.modified_us = n.modified_us AND o.rowid < "
             "n.rowid)) AND (SELECT group_concat(token) FROM (SELECT token FROM object_audience "
             "WHERE object_rowid = o.rowid ORDER BY token)) IS (SELECT group_concat(token) FROM "
             "(SELECT token FROM object_audience WHERE object_rowid = n.rowid ORDER BY token)))",
             err);
    if (q == NULL)
        return err->code;
    sqlite3_bind_int64(q, 1, rowid);
    return step_done(s, q, err, "sighting versions");
}

static enum vg_rc put_version(struct sq *s, const struct vg_object_version *v,
                              enum vg_put_result *result, int64_t *seq_out, int *wrote,
                              struct vg_error *err)
{
    sqlite3_stmt *q;
    enum vg_put_result res = VG_PUT_NEW;
    int64_t rowid, seq, added, now, hash = id_hash(v->stix_id);
    enum vg_rc rc;
    size_t i;
    int r, foreign = 0;

    /* The versions of this id already stored: this contributor's decide
     * new / version / duplicate; another's that the writer can see make the
     * put a forbidden takeover (unless every contributor keeps its own).
     * An id the filter has certainly never seen has no versions. */
    if (!s->in_tx || bloom_maybe(&s->ids, hash)) {
        struct vg_buf sql;

        vg_buf_init(&sql, 0);
        rc = vg_buf_puts(&sql, "SELECT o.org_id, o.modified_us, o.collection_id, ");
        if (rc == VG_OK && v->nwriter_tokens)
            rc = visible_sql(&sql, "o", 3, v->nwriter_tokens);
        else if (rc == VG_OK)
            rc = vg_buf_puts(&sql, "0");
        if (rc == VG_OK)
            rc = vg_buf_puts(&sql, " FROM object o WHERE o.id_hash = ?1 AND o.stix_id = ?2 "
                                   "AND o.aud0 <> 0");
        if (rc != VG_OK) {
            vg_buf_cleanup(&sql);
            return vg_error_set(err, rc, NULL, "out of memory");
        }
        q = prep(s, sql.data, err);
        vg_buf_cleanup(&sql);
        if (q == NULL)
            return err->code;
        sqlite3_bind_int64(q, 1, hash);
        bind_text(q, 2, v->stix_id);
        bind_tokens(q, 3, v->writer_tokens, v->nwriter_tokens);
        while ((r = sqlite3_step(q)) == SQLITE_ROW) {
            if (sqlite3_column_int64(q, 0) == v->org_id) {
                if (res == VG_PUT_NEW)
                    res = VG_PUT_VERSION;
                /* A version is kept once per collection: posting it to a
                 * second collection adds it there (with its own date_added). */
                if (sqlite3_column_int64(q, 2) == v->collection_id &&
                    (v->dedupe_by_id || sqlite3_column_int64(q, 1) == v->modified_us))
                    res = VG_PUT_DUPLICATE;
            } else if (sqlite3_column_int(q, 3) && !v->shared_id) {
                foreign = 1;
            }
        }
        sqlite3_reset(q);
        if (r != SQLITE_DONE)
            return db_error(s, err, "object lookup");
    }
    if (foreign)
        return vg_error_set(err, VG_FORBIDDEN, "id",
                            "%s belongs to another organisation: only its contributor may "
                            "version it",
                            v->stix_id);
    if (res == VG_PUT_DUPLICATE) {
        *result = res;
        if (seq_out)
            *seq_out = 0;
        return VG_OK;
    }
    if (v->aud == NULL || v->aud->n == 0)
        return vg_error_set(err, VG_INTERNAL, NULL, "object without an audience");

    now = vg_time_now_us();
    added = now > s->last_added ? now : s->last_added + 1;
    seq = s->next_seq;
    q = prep(s,
             "INSERT INTO object(stix_id, type, spec_version, created_us, modified_us, "
             "date_added_us, revoked, tlp, org_id, collection_id, seq, json, id_hash, aud0, "
             "event_kind) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
             err);
    if (q == NULL)
        return err->code;
    *wrote = 1; /* from here on a failure leaves a partial object: fatal */
    bind_text(q, 1, v->stix_id);
    bind_text(q, 2, v->type);
    bind_text(q, 3, v->spec_version);
    sqlite3_bind_int64(q, 4, v->created_us);
    sqlite3_bind_int64(q, 5, v->modified_us);
    sqlite3_bind_int64(q, 6, added);
    sqlite3_bind_int(q, 7, v->revoked ? 1 : 0);
    sqlite3_bind_int(q, 8, (int)v->tlp);
    sqlite3_bind_int64(q, 9, v->org_id);
    sqlite3_bind_int64(q, 10, v->collection_id);
    sqlite3_bind_int64(q, 11, seq);
    sqlite3_bind_text(q, 12, v->json, (int)v->json_len, SQLITE_STATIC);
    sqlite3_bind_int64(q, 13, hash);
    sqlite3_bind_int64(q, 14, (sqlite3_int64)v->aud->tok[0]);
    sqlite3_bind_int(q, 15, (int)event_kind(v, res));
    if ((rc = step_done(s, q, err, "object insert")) != VG_OK)
        return rc;
    rowid = sqlite3_last_insert_rowid(s->db);
    bloom_note(&s->ids, rowid, hash);
    if ((rc = sq_ledger_object(s, v, rowid, seq, added, (int)event_kind(v, res), err)) != VG_OK)
        return rc;

    for (i = 1; i < v->aud->n; i++) {
        if ((q = prep(s, "INSERT OR IGNORE INTO object_audience(object_rowid, token) VALUES(?, ?)",
                      err)) == NULL)
            return err->code;
        sqlite3_bind_int64(q, 1, rowid);
        sqlite3_bind_int64(q, 2, (sqlite3_int64)v->aud->tok[i]);
        if ((rc = step_done(s, q, err, "audience")) != VG_OK)
            return rc;
    }
    if ((rc = put_claims(s, rowid, v, err)) != VG_OK)
        return rc;
    if (v->sighting && (rc = put_sighting(s, rowid, v->sighting, err)) != VG_OK)
        return rc;
    /* Advance only once everything is written: a failed put reuses both. */
    s->next_seq = seq + 1;
    s->last_added = added;
    *result = res;
    if (seq_out)
        *seq_out = seq;
    return VG_OK;
}

/*
 * Every refusal (forbidden, duplicate) is decided before the first write.
 * A failure after it can only be the storage failing (full disk, I/O, out
 * of memory, a broken invariant): the whole transaction is rolled back and
 * the error is fatal for the batch, so that no object is ever half-stored
 * and no savepoint is paid for on every put.
 */
static enum vg_rc sq_put_object(struct vg_store *st, const struct vg_object_version *v,
                                enum vg_put_result *result, int64_t *seq, struct vg_error *err)
{
    struct sq *s = sq_of(st);
    int wrote = 0;
    enum vg_rc rc;
    AUTO_TX_BEGIN(s, err)

    rc = put_version(s, v, result, seq, &wrote, err);
    if (rc != VG_OK && wrote) {
        char msg[VG_ERROR_MSG_MAX];

        sq_rollback(st);
        snprintf(msg, sizeof(msg), "%s", err->msg);
        return vg_error_set(err, rc == VG_NOMEM || rc == VG_IO ? rc : VG_STORAGE, NULL,
                            "storing %.100s failed, transaction rolled back: %s", v->stix_id, msg);
    }
    return auto_tx_end(s, auto_tx, rc, err);
}

/* ---- reads -------------------------------------------------------------------- */

static enum vg_rc event_visible_sql(struct vg_buf *b, size_t ntokens);

/* For the backend's other files (watch_sql.c): the statement cache, the
 * error mapping and the stream's visibility rule, shared rather than
 * written twice. */
sqlite3_stmt *sq_prep(struct sq *s, const char *sql, struct vg_error *err)
{
    return prep(s, sql, err);
}

enum vg_rc sq_db_error(struct sq *s, struct vg_error *err, const char *what)
{
    return db_error(s, err, what);
}

enum vg_rc sq_event_visible_sql(struct vg_buf *b, size_t ntokens)
{
    return event_visible_sql(b, ntokens);
}

int sq_bind_tokens(sqlite3_stmt *q, int at, const vg_token *t, size_t n)
{
    return bind_tokens(q, at, t, n);
}

/*
 * The visibility test of object alias A for the tokens bound at
 * ?first..?first+n-1: its first audience token, or one of the others.
 */
static enum vg_rc visible_sql(struct vg_buf *b, const char *alias, int first, size_t ntokens)
{
    enum vg_rc rc = vg_buf_printf(b, "(%s.aud0 IN (", alias);
    size_t i;

    for (i = 0; rc == VG_OK && i < ntokens; i++)
        rc = vg_buf_printf(b, i ? ",?%zu" : "?%zu", (size_t)first + i);
    if (rc == VG_OK)
        rc = vg_buf_printf(b,
                           ") OR EXISTS(SELECT 1 FROM object_audience WHERE object_rowid = "
                           "%s.rowid AND token IN (",
                           alias);
    for (i = 0; rc == VG_OK && i < ntokens; i++)
        rc = vg_buf_printf(b, i ? ",?%zu" : "?%zu", (size_t)first + i);
    return rc == VG_OK ? vg_buf_puts(b, ")))") : rc;
}

/* Append n parameters "?a,?b,..." numbered from *at. */
static enum vg_rc params_sql(struct vg_buf *b, size_t n, int *at)
{
    enum vg_rc rc = VG_OK;
    size_t i;

    for (i = 0; rc == VG_OK && i < n; i++)
        rc = vg_buf_printf(b, i ? ",?%d" : "?%d", (*at)++);
    return rc;
}

/*
 * The visibility of an event to the tokens at ?1..?n: a version that is
 * visible and whose contributor's later versions of the object all are too
 * (erased ones aside); a deletion whose recorded audience holds a token.
 */
static enum vg_rc event_visible_sql(struct vg_buf *b, size_t ntokens)
{
    enum vg_rc rc = vg_buf_printf(b, "((o.event_kind <> %d AND ", (int)VG_EV_DELETED);
    size_t i;

    if (rc == VG_OK)
        rc = visible_sql(b, "o", 1, ntokens);
    if (rc == VG_OK)
        rc = vg_buf_puts(b, " AND NOT EXISTS(SELECT 1 FROM object o2 WHERE o2.id_hash = o.id_hash "
                            "AND o2.stix_id = o.stix_id AND o2.org_id = o.org_id AND o2.rowid > "
                            "o.rowid AND o2.aud0 <> 0 AND NOT ");
    if (rc == VG_OK)
        rc = visible_sql(b, "o2", 1, ntokens);
    if (rc == VG_OK)
        rc = vg_buf_printf(b,
                           ")) OR (o.event_kind = %d AND EXISTS(SELECT 1 FROM "
                           "json_each(o.json, '$.audience') j WHERE j.value IN (",
                           (int)VG_EV_DELETED);
    for (i = 0; rc == VG_OK && i < ntokens; i++)
        rc = vg_buf_printf(b, i ? ",?%zu" : "?%zu", i + 1);
    return rc == VG_OK ? vg_buf_puts(b, "))))") : rc;
}

/* " AND (a deletion OR a claim whose col is one of n parameters)". */
static enum vg_rc claim_sql(struct vg_buf *b, const char *col, size_t n, int *at)
{
    enum vg_rc rc = vg_buf_printf(b,
                                  " AND (o.event_kind = %d OR EXISTS(SELECT 1 FROM claim c JOIN "
                                  "observable ob ON ob.id = c.obs_id WHERE c.object_rowid = "
                                  "o.rowid AND %s IN (",
                                  (int)VG_EV_DELETED, col);

    if (rc == VG_OK)
        rc = params_sql(b, n, at);
    return rc == VG_OK ? vg_buf_puts(b, ")))") : rc;
}

/* " AND the audience (or a deletion's recorded one) names one of n group
 * tokens", the tokens bound twice from *at. */
static enum vg_rc group_sql(struct vg_buf *b, size_t n, int *at)
{
    enum vg_rc rc = vg_buf_puts(b, " AND (o.aud0 IN (");

    if (rc == VG_OK)
        rc = params_sql(b, n, at);
    if (rc == VG_OK)
        rc = vg_buf_puts(b, ") OR EXISTS(SELECT 1 FROM object_audience WHERE object_rowid = "
                            "o.rowid AND token IN (");
    if (rc == VG_OK)
        rc = params_sql(b, n, at);
    if (rc == VG_OK)
        rc = vg_buf_printf(b,
                           ")) OR (o.event_kind = %d AND EXISTS(SELECT 1 FROM "
                           "json_each(o.json, '$.audience') j WHERE j.value IN (",
                           (int)VG_EV_DELETED);
    /* the deletion test reuses the first copy's parameters */
    {
        size_t i;
        int first = *at - 2 * (int)n;

        for (i = 0; rc == VG_OK && i < n; i++)
            rc = vg_buf_printf(b, i ? ",?%d" : "?%d", first + (int)i);
    }
    return rc == VG_OK ? vg_buf_puts(b, "))))") : rc;
}

/* One version-selection term: no other visible version of the same id is
 * newer (latest) or older (first).  Ties on modified break on rowid. */
static enum vg_rc extreme_sql(struct vg_buf *b, int latest, size_t ntokens)
{
    const char *cmp = latest ? ">" : "<";
    enum vg_rc rc;

    rc = vg_buf_printf(b,
                       "NOT EXISTS(SELECT 1 FROM object o2 WHERE o2.id_hash = o.id_hash AND "
                       "o2.stix_id = o.stix_id AND (o2.modified_us %s o.modified_us OR "
                       "(o2.modified_us = o.modified_us AND o2.rowid %s o.rowid)) AND ",
                       cmp, cmp);
    if (rc == VG_OK)
        rc = visible_sql(b, "o2", 1, ntokens);
    return rc == VG_OK ? vg_buf_putc(b, ')') : rc;
}

/* The version-selection clause (enum vg_versions bits, or'ed with nmodified
 * exact versions whose parameters are numbered from *at).  Tokens are bound
 * at ?1..?ntokens. */
static enum vg_rc version_sql(struct vg_buf *b, unsigned versions, size_t nmodified, int *at,
                              size_t ntokens)
{
    int latest = (versions & VG_VERSIONS_LATEST) || (versions == 0 && nmodified == 0);
    enum vg_rc rc;
    const char *sep = "";
    size_t i;

    if (versions & VG_VERSIONS_ALL)
        return VG_OK;
    rc = vg_buf_puts(b, " AND (");
    if (rc == VG_OK && latest) {
        rc = extreme_sql(b, 1, ntokens);
        sep = " OR ";
    }
    if (rc == VG_OK && (versions & VG_VERSIONS_FIRST)) {
        if ((rc = vg_buf_puts(b, sep)) == VG_OK)
            rc = extreme_sql(b, 0, ntokens);
        sep = " OR ";
    }
    if (rc == VG_OK && nmodified) {
        rc = vg_buf_printf(b, "%so.modified_us IN (", sep);
        for (i = 0; rc == VG_OK && i < nmodified; i++)
            rc = vg_buf_printf(b, i ? ",?%d" : "?%d", (*at)++);
        if (rc == VG_OK)
            rc = vg_buf_putc(b, ')');
    }
    return rc == VG_OK ? vg_buf_putc(b, ')') : rc;
}

/* Bind n tokens from parameter number at on; returns the next number. */
static int bind_tokens(sqlite3_stmt *q, int at, const vg_token *t, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        sqlite3_bind_int64(q, at++, (sqlite3_int64)t[i]);
    return at;
}

/* Append " AND col IN (?N, ...)" with n parameters numbered from *at. */
static enum vg_rc in_list(struct vg_buf *b, const char *col, size_t n, int *at)
{
    enum vg_rc rc = vg_buf_printf(b, " AND %s IN (", col);
    size_t i;

    for (i = 0; rc == VG_OK && i < n; i++)
        rc = vg_buf_printf(b, i ? ",?%d" : "?%d", (*at)++);
    return rc == VG_OK ? vg_buf_putc(b, ')') : rc;
}

/* Append " AND <cond> ?N" with the next parameter number. */
static enum vg_rc cond(struct vg_buf *b, const char *expr, int *at)
{
    return vg_buf_printf(b, " AND %s ?%d", expr, (*at)++);
}

/*
 * The last rowid whose date_added is <= us (0 when none): date_added grows
 * with rowid, so a binary search over rowids answers "added after" without
 * an index on date_added, one point look-up per step.
 */
static int64_t rowid_added_after(struct sq *s, int64_t us)
{
    sqlite3_stmt *q;
    int64_t lo = 0, hi, found = 0;

    hi = scalar(s, "SELECT max(rowid) FROM object", 0);
    while (lo < hi) {
        int64_t mid = lo + (hi - lo + 1) / 2, rowid, added;

        q = prep(s,
                 "SELECT rowid, date_added_us FROM object WHERE rowid >= ? ORDER BY rowid "
                 "LIMIT 1",
                 NULL);
        if (q == NULL)
            return 0;
        sqlite3_bind_int64(q, 1, mid);
        if (sqlite3_step(q) != SQLITE_ROW) {
            sqlite3_reset(q);
            hi = mid - 1;
            continue;
        }
        rowid = sqlite3_column_int64(q, 0);
        added = sqlite3_column_int64(q, 1);
        sqlite3_reset(q);
        if (added <= us) {
            found = rowid;
            lo = rowid;
        } else {
            hi = mid - 1;
        }
    }
    return found;
}

static enum vg_rc sq_scan_objects(struct vg_store *st, const struct vg_object_filter *f,
                                  vg_object_cb cb, void *ctx, struct vg_error *err)
{
    struct sq *s = sq_of(st);
    struct vg_buf sql;
    sqlite3_stmt *q = NULL;
    enum vg_rc rc = VG_OK;
    int at = (int)f->ntokens + 1, r;
    int64_t after = f->after_rowid, bound;
    size_t nids, ntypes, i;

    if (f->ntokens == 0)
        return VG_OK; /* nothing is visible without a token */
    /* date_added grows with rowid: "added after" is a rowid bound (found
     * before the scan's statement is prepared: the helper uses the cache). */
    if (f->added_after_us && (bound = rowid_added_after(s, f->added_after_us)) > after)
        after = bound;
    /* Parameters: tokens at ?1..?n, then one number per condition, in the
     * order the conditions are written below and bound further down. */
    vg_buf_init(&sql, 0);
    rc = vg_buf_puts(&sql, "SELECT o.rowid, o.seq, o.stix_id, o.type, o.created_us, "
                           "o.modified_us, o.date_added_us, o.revoked, o.tlp, o.org_id, "
                           "o.collection_id, o.json, o.event_kind FROM object o WHERE ");
    if (rc == VG_OK)
        rc =
            f->events ? event_visible_sql(&sql, f->ntokens) : visible_sql(&sql, "o", 1, f->ntokens);
    if (rc == VG_OK)
        rc = cond(&sql, "o.rowid >", &at);
    if (rc == VG_OK && f->upto_rowid)
        rc = cond(&sql, "o.rowid <=", &at);
    nids = (f->stix_id ? 1 : 0) + f->nids;
    ntypes = (f->type ? 1 : 0) + f->ntypes;
    if (rc == VG_OK && nids && (rc = in_list(&sql, "o.id_hash", nids, &at)) == VG_OK)
        rc = in_list(&sql, "o.stix_id", nids, &at);
    if (rc == VG_OK && ntypes) {
        int indicator = f->type && strcmp(f->type, "indicator") == 0;

        for (i = 0; i < f->ntypes; i++)
            indicator |= strcmp(f->types[i], "indicator") == 0;
        rc = in_list(&sql, "o.type", ntypes, &at);
        /* lets the planner use the partial index object_type */
        if (rc == VG_OK && !indicator)
            rc = vg_buf_puts(&sql, " AND o.type <> 'indicator'");
    }
    if (rc == VG_OK && f->has_max_tlp)
        rc = cond(&sql, "o.tlp <=", &at);
    if (rc == VG_OK && f->org_id)
        rc = cond(&sql, "o.org_id =", &at);
    if (rc == VG_OK && f->collection_id)
        rc = cond(&sql, "o.collection_id =", &at);
    if (rc == VG_OK && f->kind)
        rc = vg_buf_printf(&sql,
                           " AND EXISTS(SELECT 1 FROM claim c JOIN observable ob ON ob.id = "
                           "c.obs_id WHERE c.object_rowid = o.rowid AND ob.kind = ?%d)",
                           at++);
    if (rc == VG_OK && f->nspec_versions)
        rc = in_list(&sql, "coalesce(o.spec_version, '2.1')", f->nspec_versions, &at);
    if (rc == VG_OK && f->ncollection_ids)
        rc = in_list(&sql, "o.collection_id", f->ncollection_ids, &at);
    if (rc == VG_OK && f->nkinds)
        rc = claim_sql(&sql, "ob.kind", f->nkinds, &at);
    if (rc == VG_OK && f->nlabels)
        rc = claim_sql(&sql, "c.label", f->nlabels, &at);
    if (rc == VG_OK && f->ngroups)
        rc = group_sql(&sql, f->ngroups, &at);
    if (rc == VG_OK && f->ncountries)
        rc = claim_sql(&sql, "(SELECT gg.country FROM obs_geo gg WHERE gg.obs_id = c.obs_id)",
                       f->ncountries, &at);
    if (rc == VG_OK && !f->events)
        rc = version_sql(&sql, f->versions, f->nmodified, &at, f->ntokens);
    if (rc == VG_OK)
        rc = vg_buf_puts(&sql, " ORDER BY o.rowid");
    if (rc == VG_OK && f->limit)
        rc = vg_buf_printf(&sql, " LIMIT ?%d", at++);
    if (rc != VG_OK) {
        vg_buf_cleanup(&sql);
        return vg_error_set(err, rc, NULL, "out of memory");
    }
    q = prep(s, sql.data, err);
    vg_buf_cleanup(&sql);
    if (q == NULL)
        return err->code;
    at = bind_tokens(q, 1, f->tokens, f->ntokens);
    sqlite3_bind_int64(q, at++, after);
    if (f->upto_rowid)
        sqlite3_bind_int64(q, at++, f->upto_rowid);
    if (f->stix_id)
        sqlite3_bind_int64(q, at++, id_hash(f->stix_id));
    for (i = 0; i < f->nids; i++)
        sqlite3_bind_int64(q, at++, id_hash(f->ids[i]));
    if (f->stix_id)
        sqlite3_bind_text(q, at++, f->stix_id, -1, SQLITE_STATIC);
    for (i = 0; i < f->nids; i++)
        sqlite3_bind_text(q, at++, f->ids[i], -1, SQLITE_STATIC);
    if (f->type)
        sqlite3_bind_text(q, at++, f->type, -1, SQLITE_STATIC);
    for (i = 0; i < f->ntypes; i++)
        sqlite3_bind_text(q, at++, f->types[i], -1, SQLITE_STATIC);
    if (f->has_max_tlp)
        sqlite3_bind_int(q, at++, (int)f->max_tlp);
    if (f->org_id)
        sqlite3_bind_int64(q, at++, f->org_id);
    if (f->collection_id)
        sqlite3_bind_int64(q, at++, f->collection_id);
    if (f->kind)
        sqlite3_bind_int(q, at++, (int)f->kind);
    for (i = 0; i < f->nspec_versions; i++)
        sqlite3_bind_text(q, at++, f->spec_versions[i], -1, SQLITE_STATIC);
    for (i = 0; i < f->ncollection_ids; i++)
        sqlite3_bind_int64(q, at++, f->collection_ids[i]);
    for (i = 0; i < f->nkinds; i++)
        sqlite3_bind_int(q, at++, (int)f->kinds[i]);
    for (i = 0; i < f->nlabels; i++)
        sqlite3_bind_text(q, at++, f->labels[i], -1, SQLITE_STATIC);
    at = bind_tokens(q, at, f->groups, f->ngroups); /* twice: audience, then deletions */
    at = bind_tokens(q, at, f->groups, f->ngroups);
    for (i = 0; i < f->ncountries; i++)
        sqlite3_bind_text(q, at++, f->countries[i], -1, SQLITE_TRANSIENT);
    for (i = 0; !f->events && i < f->nmodified; i++)
        sqlite3_bind_int64(q, at++, f->modified[i]);
    if (f->limit)
        sqlite3_bind_int64(q, at++, (sqlite3_int64)f->limit);

    /* The statement stays in the cache; a callback that reads the store
     * again with the same SQL would reset it under us, so callbacks must not
     * nest scans of the same shape (none do). */
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        struct vg_object_row row;

        row.rowid = sqlite3_column_int64(q, 0);
        row.seq = sqlite3_column_int64(q, 1);
        row.stix_id = (const char *)sqlite3_column_text(q, 2);
        row.type = (const char *)sqlite3_column_text(q, 3);
        row.created_us = sqlite3_column_int64(q, 4);
        row.modified_us = sqlite3_column_int64(q, 5);
        row.date_added_us = sqlite3_column_int64(q, 6);
        row.revoked = sqlite3_column_int(q, 7);
        row.tlp = (enum vg_tlp)sqlite3_column_int(q, 8);
        row.org_id = sqlite3_column_int64(q, 9);
        row.collection_id = sqlite3_column_int64(q, 10);
        row.json = (const char *)sqlite3_column_text(q, 11);
        row.json_len = (size_t)sqlite3_column_bytes(q, 11);
        row.event_kind = (enum vg_event_kind)sqlite3_column_int(q, 12);
        if (cb(ctx, &row))
            break;
    }
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        rc = db_error(s, err, "scan objects");
    sqlite3_reset(q);
    return rc;
}

/*
 * The event log for the stream's shared window (vg_store_scan_events): every
 * row after `after`, with the facts event_visible_sql and the stream's
 * filters look at - the audience (aud0 and object_audience; a deletion's
 * recorded one through the same json_each as the SQL), the claims with
 * their kind and label, and for a deletion which of its object's
 * versions are erased.  The main statement stays open while the others
 * run, so on one handle they all read the same snapshot.
 */
struct ev_scratch {
    vg_token *aud;
    size_t naud, capaud;
    struct vg_event_claim *claims;
    size_t *at; /* label of claim i: offset into text (SIZE_MAX: NULL) */
    size_t nclaims, capclaims, capat;
    int64_t *erased;
    size_t nerased, caperased;
    struct vg_buf text;
};

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
    size_t n = *cap ? *cap : 8;
    void *q;

    if (need <= *cap)
        return 0;
    while (n < need)
        n *= 2;
    if ((q = realloc(*p, n * size)) == NULL)
        return -1;
    *p = q;
    *cap = n;
    return 0;
}

static enum vg_rc ev_text(struct ev_scratch *x, sqlite3_stmt *q, int col, size_t *at)
{
    const unsigned char *t = sqlite3_column_text(q, col);

    *at = SIZE_MAX;
    if (t == NULL)
        return VG_OK;
    *at = x->text.len;
    return vg_buf_append(&x->text, t, (size_t)sqlite3_column_bytes(q, col) + 1);
}

static enum vg_rc sq_scan_events(struct vg_store *st, int64_t after, size_t limit,
                                 int64_t erased_since, vg_event_cb cb, void *ctx,
                                 struct vg_error *err)
{
    static const char *const sql[] = {
        "SELECT rowid, seq, stix_id, type, created_us, modified_us, date_added_us, revoked, tlp, "
        "org_id, collection_id, json, event_kind, aud0, id_hash FROM object WHERE rowid > ?1 "
        "ORDER BY rowid LIMIT ?2",
        "SELECT token FROM object_audience WHERE object_rowid = ?1",
        "SELECT j.value FROM json_each(?1, '$.audience') j",
        "SELECT ob.kind, c.label FROM claim c JOIN observable ob ON ob.id = c.obs_id WHERE "
        "c.object_rowid = ?1",
        "SELECT rowid FROM object WHERE id_hash = ?1 AND stix_id = ?2 AND org_id = ?3 AND "
        "rowid >= ?4 AND rowid < ?5 AND aud0 = 0 AND event_kind <> ?6",
    };
    struct sq *s = sq_of(st);
    sqlite3_stmt *q[5];
    struct ev_scratch x;
    enum vg_rc rc = VG_OK;
    size_t i;
    int r = SQLITE_DONE, stop = 0;

    for (i = 0; i < 5; i++)
        if ((q[i] = prep(s, sql[i], err)) == NULL)
            return err->code;
    memset(&x, 0, sizeof(x));
    vg_buf_init(&x.text, 0);
    sqlite3_bind_int64(q[0], 1, after);
    sqlite3_bind_int64(q[0], 2, limit ? (sqlite3_int64)limit : INT64_MAX);
    while (!stop && rc == VG_OK && (r = sqlite3_step(q[0])) == SQLITE_ROW) {
        struct vg_event_row ev;
        struct vg_object_row *row = &ev.row;
        int64_t aud0 = sqlite3_column_int64(q[0], 13);
        int sr = SQLITE_DONE;

        memset(&ev, 0, sizeof(ev));
        row->rowid = sqlite3_column_int64(q[0], 0);
        row->seq = sqlite3_column_int64(q[0], 1);
        row->stix_id = (const char *)sqlite3_column_text(q[0], 2);
        row->type = (const char *)sqlite3_column_text(q[0], 3);
        row->created_us = sqlite3_column_int64(q[0], 4);
        row->modified_us = sqlite3_column_int64(q[0], 5);
        row->date_added_us = sqlite3_column_int64(q[0], 6);
        row->revoked = sqlite3_column_int(q[0], 7);
        row->tlp = (enum vg_tlp)sqlite3_column_int(q[0], 8);
        row->org_id = sqlite3_column_int64(q[0], 9);
        row->collection_id = sqlite3_column_int64(q[0], 10);
        row->json = (const char *)sqlite3_column_text(q[0], 11);
        row->json_len = (size_t)sqlite3_column_bytes(q[0], 11);
        row->event_kind = (enum vg_event_kind)sqlite3_column_int(q[0], 12);
        if (row->json == NULL)
            row->json = "";
        x.naud = x.nclaims = x.nerased = 0;
        vg_buf_reset(&x.text);
        if (row->event_kind == VG_EV_DELETED) {
            /* who could see what it erased, as group_sql and
             * event_visible_sql read it: integers of $.audience */
            sqlite3_bind_text(q[2], 1, row->json, (int)row->json_len, SQLITE_STATIC);
            while ((sr = sqlite3_step(q[2])) == SQLITE_ROW) {
                if (sqlite3_column_type(q[2], 0) != SQLITE_INTEGER)
                    continue;
                if (grow((void **)&x.aud, &x.capaud, x.naud + 1, sizeof(*x.aud)) != 0) {
                    rc = vg_error_set(err, VG_NOMEM, NULL, "out of memory");
                    break;
                }
                x.aud[x.naud++] = (vg_token)sqlite3_column_int64(q[2], 0);
            }
            sqlite3_reset(q[2]);
            if (rc == VG_OK && sr != SQLITE_DONE)
                rc = db_error(s, err, "deletion audience");
            sqlite3_bind_int64(q[4], 1, sqlite3_column_int64(q[0], 14));
            sqlite3_bind_text(q[4], 2, row->stix_id, -1, SQLITE_STATIC);
            sqlite3_bind_int64(q[4], 3, row->org_id);
            sqlite3_bind_int64(q[4], 4, erased_since);
            sqlite3_bind_int64(q[4], 5, row->rowid);
            sqlite3_bind_int(q[4], 6, (int)VG_EV_DELETED);
            while (rc == VG_OK && (sr = sqlite3_step(q[4])) == SQLITE_ROW) {
                if (grow((void **)&x.erased, &x.caperased, x.nerased + 1, sizeof(*x.erased)) != 0)
                    rc = vg_error_set(err, VG_NOMEM, NULL, "out of memory");
                else
                    x.erased[x.nerased++] = sqlite3_column_int64(q[4], 0);
            }
            sqlite3_reset(q[4]);
            if (rc == VG_OK && sr != SQLITE_DONE)
                rc = db_error(s, err, "erased versions");
        } else if (aud0 == 0) {
            ev.erased = 1; /* no audience, no claims, no content */
        } else {
            if (grow((void **)&x.aud, &x.capaud, 1, sizeof(*x.aud)) != 0)
                rc = vg_error_set(err, VG_NOMEM, NULL, "out of memory");
            else
                x.aud[x.naud++] = (vg_token)aud0;
            sqlite3_bind_int64(q[1], 1, row->rowid);
            while (rc == VG_OK && (sr = sqlite3_step(q[1])) == SQLITE_ROW) {
                if (grow((void **)&x.aud, &x.capaud, x.naud + 1, sizeof(*x.aud)) != 0)
                    rc = vg_error_set(err, VG_NOMEM, NULL, "out of memory");
                else
                    x.aud[x.naud++] = (vg_token)sqlite3_column_int64(q[1], 0);
            }
            sqlite3_reset(q[1]);
            if (rc == VG_OK && sr != SQLITE_DONE)
                rc = db_error(s, err, "audience");
            sqlite3_bind_int64(q[3], 1, row->rowid);
            while (rc == VG_OK && (sr = sqlite3_step(q[3])) == SQLITE_ROW) {
                size_t n = x.nclaims;

                if (grow((void **)&x.claims, &x.capclaims, n + 1, sizeof(*x.claims)) != 0 ||
                    grow((void **)&x.at, &x.capat, n + 1, sizeof(*x.at)) != 0) {
                    rc = vg_error_set(err, VG_NOMEM, NULL, "out of memory");
                    break;
                }
                x.claims[n].kind = (enum vg_obs_kind)sqlite3_column_int(q[3], 0);
                if ((rc = ev_text(&x, q[3], 1, &x.at[n])) != VG_OK)
                    vg_error_set(err, rc, NULL, "out of memory");
                x.nclaims++;
            }
            sqlite3_reset(q[3]);
            if (rc == VG_OK && sr != SQLITE_DONE)
                rc = db_error(s, err, "claims");
            for (i = 0; rc == VG_OK && i < x.nclaims; i++) {
                size_t l = x.at[i];

                x.claims[i].label = l == SIZE_MAX ? NULL : x.text.data + l;
            }
        }
        if (rc != VG_OK)
            break;
        ev.audience = x.aud;
        ev.naudience = x.naud;
        ev.claims = x.claims;
        ev.nclaims = x.nclaims;
        ev.erased_rowids = x.erased;
        ev.nerased = x.nerased;
        stop = cb(ctx, &ev);
    }
    if (rc == VG_OK && !stop && r != SQLITE_DONE)
        rc = db_error(s, err, "scan events");
    sqlite3_reset(q[0]);
    free(x.aud);
    free(x.claims);
    free(x.at);
    free(x.erased);
    vg_buf_cleanup(&x.text);
    return rc;
}

static enum vg_rc sq_scan_observables(struct vg_store *st, const struct vg_obs_filter *f,
                                      vg_obs_cb cb, void *ctx, struct vg_error *err)
{
    struct sq *s = sq_of(st);
    struct vg_buf sql;
    sqlite3_stmt *q;
    enum vg_rc rc;
    int at = (int)f->ntokens + 1, r;
    int64_t last_obs = -1, after = 0, one = 0;
    uint64_t shape;
    size_t i;

    if (f->ntokens == 0)
        return VG_OK;
    if (f->value) { /* one observable: found through its hash in the same query */
        unsigned char k = (unsigned char)f->kind;

        one = (int64_t)fnv(fnv(VG_FNV_SEED, &k, 1), f->value, f->value_len);
    }
    if (f->added_after_us)
        after = rowid_added_after(s, f->added_after_us);
    /* The text depends only on which filters are given and on the number of
     * tokens: built once per shape, then found by its key. */
    shape = (uint64_t)f->ntokens | (uint64_t)(f->value != NULL) << 16 | (f->kind != 0) << 17 |
            (f->has_max_tlp != 0) << 18 | (f->org_id != 0) << 19 | (f->label != NULL) << 20 |
            (f->added_after_us != 0) << 21 | (f->distinct != 0) << 22 |
            (uint64_t)f->ncountries << 23 | (uint64_t)(f->skip_warned != 0) << 40;
    for (i = 0; i < CACHE_SIZE && (s->shapes[i].sql == NULL || s->shapes[i].key != shape); i++)
        ;
    if (i < CACHE_SIZE) {
        q = prep(s, s->shapes[i].sql, err);
        goto bind;
    }
    vg_buf_init(&sql, 0);
    rc = vg_buf_puts(
        &sql, "SELECT ob.id, ob.kind, ob.value, c.label, c.confidence, "
              "c.first_seen_us, c.last_seen_us, o.tlp, o.org_id, o.stix_id, "
              "o.date_added_us, g.name, pm.value, " SQ_GEO_COLS ", w.warn FROM claim c JOIN "
              "object o ON o.rowid = c.object_rowid JOIN observable ob ON ob.id = "
              "c.obs_id JOIN org g ON g.id = o.org_id LEFT JOIN meta pm ON pm.key = "
              "'pseudonym.' || g.stix_id" SQ_GEO_JOIN " LEFT JOIN observable_warn w ON w.obs_id = "
              "c.obs_id WHERE o.revoked = 0 AND ");
    if (rc == VG_OK)
        rc = visible_sql(&sql, "o", 1, f->ntokens);
    if (rc == VG_OK && f->value)
        rc = cond(&sql, "ob.vhash =", &at);
    if (rc == VG_OK && f->value)
        rc = cond(&sql, "ob.value =", &at);
    if (rc == VG_OK && f->kind)
        rc = cond(&sql, "ob.kind =", &at);
    if (rc == VG_OK && f->has_max_tlp)
        rc = cond(&sql, "o.tlp <=", &at);
    if (rc == VG_OK && f->org_id)
        rc = cond(&sql, "o.org_id =", &at);
    if (rc == VG_OK && f->label)
        rc = cond(&sql, "c.label =", &at);
    if (rc == VG_OK && f->added_after_us)
        rc = cond(&sql, "o.rowid >", &at);
    if (rc == VG_OK && f->ncountries)
        rc = in_list(&sql, SQ_GEO_COUNTRY, f->ncountries, &at);
    if (rc == VG_OK && f->skip_warned)
        rc = vg_buf_puts(&sql, " AND w.obs_id IS NULL");
    if (rc == VG_OK)
        rc = version_sql(&sql, VG_VERSIONS_LAST, 0, &at, f->ntokens);
    if (rc == VG_OK)
        rc = vg_buf_puts(&sql, f->distinct ? " ORDER BY ob.id, o.rowid" : " ORDER BY o.rowid");
    if (rc != VG_OK) {
        vg_buf_cleanup(&sql);
        return vg_error_set(err, rc, NULL, "out of memory");
    }
    q = prep(s, sql.data, err);
    i = s->shapes_next;
    s->shapes_next = (s->shapes_next + 1) % CACHE_SIZE;
    free(s->shapes[i].sql);
    s->shapes[i].key = shape;
    s->shapes[i].sql = sql.data; /* the buffer's bytes, kept */
bind:
    if (q == NULL)
        return err->code;
    at = bind_tokens(q, 1, f->tokens, f->ntokens);
    if (f->value) {
        sqlite3_bind_int64(q, at++, one);
        sqlite3_bind_text(q, at++, f->value, (int)f->value_len, SQLITE_STATIC);
    }
    if (f->kind)
        sqlite3_bind_int(q, at++, (int)f->kind);
    if (f->has_max_tlp)
        sqlite3_bind_int(q, at++, (int)f->max_tlp);
    if (f->org_id)
        sqlite3_bind_int64(q, at++, f->org_id);
    if (f->label)
        sqlite3_bind_text(q, at++, f->label, -1, SQLITE_STATIC);
    if (f->added_after_us)
        sqlite3_bind_int64(q, at++, after);
    for (i = 0; i < f->ncountries; i++)
        sqlite3_bind_text(q, at++, f->countries[i], -1, SQLITE_TRANSIENT);

    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        struct vg_obs_row row;

        row.obs_id = sqlite3_column_int64(q, 0);
        if (f->distinct && row.obs_id == last_obs)
            continue;
        last_obs = row.obs_id;
        row.kind = (enum vg_obs_kind)sqlite3_column_int(q, 1);
        row.value = (const char *)sqlite3_column_text(q, 2);
        row.len = (size_t)sqlite3_column_bytes(q, 2);
        row.label = (const char *)sqlite3_column_text(q, 3);
        row.confidence = sqlite3_column_int(q, 4);
        row.first_seen_us = sqlite3_column_int64(q, 5);
        row.last_seen_us = sqlite3_column_int64(q, 6);
        row.tlp = (enum vg_tlp)sqlite3_column_int(q, 7);
        row.org_id = sqlite3_column_int64(q, 8);
        row.stix_id = (const char *)sqlite3_column_text(q, 9);
        row.date_added_us = sqlite3_column_int64(q, 10);
        row.org_name = (const char *)sqlite3_column_text(q, 11);
        row.org_pseudonym = (const char *)sqlite3_column_text(q, 12);
        row.country = (const char *)sqlite3_column_text(q, 13);
        row.asn = sqlite3_column_int64(q, 14);
        row.as_name = (const char *)sqlite3_column_text(q, 15);
        row.geo_source = (enum vg_geo_source)sqlite3_column_int(q, 16);
        row.warn = (const char *)sqlite3_column_text(q, 17);
        if (cb(ctx, &row))
            break;
    }
    rc = (r == SQLITE_ROW || r == SQLITE_DONE) ? VG_OK : db_error(s, err, "scan observables");
    sqlite3_reset(q);
    return rc;
}

/*
 * Sightings of one observable per sighting organisation.  The candidates
 * are the sightings that carry the value and the sightings of objects
 * that claim it and that the requester may see; of those, the latest
 * visible unrevoked version of each sighting object counts.  Both tests go
 * through visible_sql with the requester's tokens (?1..?n): the policy of
 * contributions, not a second one.
 */
static enum vg_rc sq_scan_sightings(struct vg_store *st, const vg_token *tokens, size_t ntokens,
                                    enum vg_obs_kind kind, const char *value, size_t len,
                                    vg_sighting_cb cb, void *ctx, struct vg_error *err)
{
    struct sq *s = sq_of(st);
    struct vg_buf sql;
    sqlite3_stmt *q;
    enum vg_rc rc;
    int64_t one = 0;
    int r;

    if (ntokens == 0)
        return VG_OK;
    if ((rc = obs_id(s, kind, value, len, 0, NULL, &one, err)) == VG_NOT_FOUND) {
        vg_error_clear(err);
        return VG_OK;
    }
    if (rc != VG_OK)
        return rc;
    /* Most values were never sighted: two index probes, without the
     * policy's joins, say so before the full statement is built and run. */
    q = prep(s,
             "SELECT EXISTS (SELECT 1 FROM sighting WHERE obs_id = ?1 AND obs_id <> 0) OR EXISTS "
             "(SELECT 1 FROM claim c JOIN object o ON o.rowid = c.object_rowid JOIN sighting si "
             "ON si.ref_hash = o.id_hash WHERE c.obs_id = ?1)",
             err);
    if (q == NULL)
        return err->code;
    sqlite3_bind_int64(q, 1, one);
    r = sqlite3_step(q);
    if (r != SQLITE_ROW) {
        rc = db_error(s, err, "scan sightings");
        sqlite3_reset(q);
        return rc;
    }
    r = sqlite3_column_int(q, 0);
    sqlite3_reset(q);
    if (r == 0)
        return VG_OK;
    vg_buf_init(&sql, 0);
    rc = vg_buf_printf(&sql,
                       "WITH cand(r) AS (SELECT object_rowid FROM sighting WHERE obs_id = ?%zu "
                       "AND obs_id <> 0 UNION SELECT si.object_rowid FROM claim c3 JOIN object o "
                       "ON o.rowid = c3.object_rowid JOIN sighting si ON si.ref_hash = o.id_hash "
                       "AND si.of_ref = o.stix_id WHERE c3.obs_id = ?%zu AND o.revoked = 0 AND ",
                       ntokens + 1, ntokens + 1);
    if (rc == VG_OK)
        rc = visible_sql(&sql, "o", 1, ntokens);
    if (rc == VG_OK)
        rc = vg_buf_puts(&sql, ") SELECT o.org_id, sum(si.count), count(*), "
                               "min(nullif(si.first_seen_us, 0)), max(si.last_seen_us) FROM cand "
                               "JOIN sighting si ON si.object_rowid = cand.r JOIN object o ON "
                               "o.rowid = si.object_rowid WHERE o.revoked = 0 AND ");
    if (rc == VG_OK)
        rc = visible_sql(&sql, "o", 1, ntokens);
    if (rc == VG_OK)
        rc = vg_buf_puts(&sql, " AND ");
    if (rc == VG_OK)
        rc = extreme_sql(&sql, 1, ntokens);
    if (rc == VG_OK)
        rc = vg_buf_puts(&sql, " GROUP BY o.org_id ORDER BY o.org_id");
    if (rc != VG_OK) {
        vg_buf_cleanup(&sql);
        return vg_error_set(err, rc, NULL, "out of memory");
    }
    q = prep(s, sql.data, err);
    vg_buf_cleanup(&sql);
    if (q == NULL)
        return err->code;
    bind_tokens(q, 1, tokens, ntokens);
    sqlite3_bind_int64(q, (int)ntokens + 1, one);
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        struct vg_sighting_row row;

        row.org_id = sqlite3_column_int64(q, 0);
        row.count = sqlite3_column_int64(q, 1);
        row.sightings = sqlite3_column_int64(q, 2);
        row.first_seen_us = sqlite3_column_int64(q, 3); /* NULL: 0 */
        row.last_seen_us = sqlite3_column_int64(q, 4);
        if (cb(ctx, &row))
            break;
    }
    rc = (r == SQLITE_ROW || r == SQLITE_DONE) ? VG_OK : db_error(s, err, "scan sightings");
    sqlite3_reset(q);
    return rc;
}

/* ---- maintenance ---------------------------------------------------------------- */

static enum vg_rc sq_scan_values(struct vg_store *st, int64_t after, vg_value_cb cb, void *ctx,
                                 struct vg_error *err)
{
    struct sq *s = sq_of(st);
    sqlite3_stmt *q =
        prep(s, "SELECT id, kind, value FROM observable WHERE id > ? ORDER BY id", err);
    int r;

    if (q == NULL)
        return err->code;
    sqlite3_bind_int64(q, 1, after);
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(q, 2);

        if (v == NULL)
            continue;
        if (cb(ctx, sqlite3_column_int64(q, 0), (enum vg_obs_kind)sqlite3_column_int(q, 1), v,
               (size_t)sqlite3_column_bytes(q, 2)) != 0) {
            r = SQLITE_DONE; /* the caller has what it wanted */
            break;
        }
    }
    sqlite3_reset(q);
    return r == SQLITE_DONE ? VG_OK : db_error(s, err, "observable");
}

static enum vg_rc sq_head(struct vg_store *st, int64_t *seq, struct vg_error *err)
{
    struct sq *s = sq_of(st);
    sqlite3_stmt *q = prep(s, "SELECT seq FROM object ORDER BY rowid DESC LIMIT 1", err);
    int r;

    if (q == NULL)
        return err->code;
    *seq = 0;
    if ((r = sqlite3_step(q)) == SQLITE_ROW)
        *seq = sqlite3_column_int64(q, 0);
    sqlite3_reset(q);
    return r == SQLITE_ROW || r == SQLITE_DONE ? VG_OK : db_error(s, err, "head");
}

/*
 * Deferred sync (store.h): the connection commits with synchronous=NORMAL
 * (SQLite then syncs the WAL only before a checkpoint copies it, and the
 * database after), and sq_sync syncs the WAL file through a descriptor of
 * its own: fdatasync flushes the file, whoever wrote it.  A commit either
 * is still in the WAL (flushed here) or was copied by a checkpoint, which
 * synced the WAL first.  The server keeps its connections open, so the WAL
 * file is not removed under it; if it is gone, a last connection's
 * checkpoint has put everything into the synced database.
 */
static enum vg_rc sq_defer_sync(struct vg_store *st, struct vg_error *err)
{
    struct sq *s = sq_of(st);
    const char *wal = sqlite3_filename_wal(sqlite3_db_filename(s->db, "main"));
    enum vg_rc rc;

    if (s->wal_path)
        return VG_OK;
    if (wal == NULL || (s->wal_path = strdup(wal)) == NULL)
        return vg_error_set(err, VG_NOMEM, NULL, "out of memory");
    if ((rc = exec(s, "PRAGMA synchronous = NORMAL", err)) != VG_OK) {
        free(s->wal_path);
        s->wal_path = NULL;
    }
    return rc;
}

static enum vg_rc sq_sync(struct vg_store *st, struct vg_error *err)
{
    struct sq *s = sq_of(st);
    int fd, r, e;

    if (s->wal_path == NULL)
        return VG_OK;
    if (atomic_load(&sync_failed))
        return vg_error_set(err, VG_IO, NULL,
                            "the hub stopped writing after a failed sync to disk; restart it "
                            "once the disk is sound");
    if ((fd = open(s->wal_path, O_RDONLY | O_CLOEXEC)) < 0)
        return errno == ENOENT ? VG_OK
                               : vg_error_set(err, VG_IO, NULL, "cannot open %s: %s", s->wal_path,
                                              strerror(errno));
    r = fdatasync(fd);
    e = errno;
    close(fd);
    if (r != 0) {
        note_sync_failure(SQLITE_IOERR_FSYNC);
        return vg_error_set(err, VG_IO, NULL, "a sync to disk failed: %s", strerror(e));
    }
    return VG_OK;
}

static enum vg_rc sq_seq_added_by(struct vg_store *st, int64_t us, int64_t *seq,
                                  struct vg_error *err)
{
    (void)err;
    *seq = rowid_added_after(sq_of(st), us); /* an event's rowid is its seq */
    return VG_OK;
}

static enum vg_rc sq_stats(struct vg_store *st, struct vg_store_stats *out, struct vg_error *err)
{
    struct sq *s = sq_of(st);

    memset(out, 0, sizeof(*out));
    out->orgs = scalar(s, "SELECT count(*) FROM org", 0);
    out->keys = scalar(s, "SELECT count(*) FROM api_key", 0);
    out->groups = scalar(s, "SELECT count(*) FROM grp", 0);
    /* erased versions and deletion events (aud0 0) are events, not data */
    out->versions = scalar(s, "SELECT count(*) FROM object WHERE aud0 <> 0", 0);
    out->objects = scalar(s, "SELECT count(DISTINCT stix_id) FROM object WHERE aud0 <> 0", 0);
    out->observables = scalar(s, "SELECT count(*) FROM observable", 0);
    out->contributions = scalar(s, "SELECT count(*) FROM claim", 0);
    out->events = scalar(s, "SELECT count(*) FROM object", 0); /* one row per event */
    out->last_seq = scalar(s, "SELECT seq FROM object ORDER BY rowid DESC LIMIT 1", 0);
    (void)err;
    return VG_OK;
}

/*
 * Integrity: SQLite's own check, then the hub's invariants - every version
 * has an audience and its place in the event sequence, and no claim points
 * nowhere.
 */
static enum vg_rc sq_check(struct vg_store *st, struct vg_error *err)
{
    static const struct {
        const char *sql, *what;
    } inv[] = {
        /* aud0 0: a deleted version (no content) or a deletion event */
        {"SELECT count(*) FROM object o WHERE o.aud0 IS NULL OR o.aud0 < 0 OR (o.aud0 = 0 AND "
         "o.json <> '' AND o.event_kind <> 5)",
         "object versions without an audience"},
        {"SELECT count(*) FROM (SELECT date_added_us - lag(date_added_us) OVER (ORDER BY rowid) "
         "AS d FROM object) WHERE d <= 0",
         "object versions whose date_added does not increase"},
        {"SELECT count(*) FROM object o WHERE NOT EXISTS(SELECT 1 FROM org WHERE org.id = "
         "o.org_id)",
         "object versions of an unknown organisation"},
        {"SELECT count(*) FROM object o WHERE o.id_hash IS NOT vg_id_hash(o.stix_id)",
         "object versions with a wrong id hash"},
        {"SELECT count(*) FROM object WHERE seq <> rowid",
         "events whose row is not their sequence number"},
        {"SELECT count(*) FROM (SELECT seq - lag(seq) OVER (ORDER BY rowid) AS d FROM object) "
         "WHERE d <> 1",
         "gaps or disorder in the event sequence"},
        {"SELECT count(*) FROM claim c WHERE NOT EXISTS(SELECT 1 FROM observable ob WHERE "
         "ob.id = c.obs_id) OR NOT EXISTS(SELECT 1 FROM object o WHERE o.rowid = c.object_rowid)",
         "dangling claims"},
        {"SELECT count(*) FROM sighting si WHERE NOT EXISTS(SELECT 1 FROM object o WHERE "
         "o.rowid = si.object_rowid AND o.type = 'sighting' AND o.aud0 <> 0)",
         "sighting rows without their sighting"},

    };
    struct sq *s = sq_of(st);
    sqlite3_stmt *q;
    char result[256] = "";
    size_t i;

    if (sqlite3_prepare_v2(s->db, "PRAGMA quick_check", -1, &q, NULL) != SQLITE_OK)
        return db_error(s, err, "check");
    if (sqlite3_step(q) == SQLITE_ROW)
        copy_col(q, 0, result, sizeof(result));
    sqlite3_finalize(q);
    if (strcmp(result, "ok") != 0)
        return vg_error_set(err, VG_STORAGE, NULL, "database damaged: %s", result);
    for (i = 0; i < sizeof(inv) / sizeof(inv[0]); i++) {
        int64_t n = scalar(s, inv[i].sql, -1);
        if (n != 0)
            return vg_error_set(err, VG_STORAGE, NULL, "%lld %s", (long long)n, inv[i].what);
    }
    return VG_OK;
}

static void sq_close(struct vg_store *st)
{
    struct sq *s = sq_of(st);
    size_t i;

    if (s == NULL)
        return;
    if (s->in_tx)
        sq_rollback(st);
    for (i = 0; i < CACHE_SIZE; i++) {
        sqlite3_finalize(s->cache[i].st);
        free(s->cache[i].sql);
        free(s->shapes[i].sql);
    }
    for (i = 0; i < sizeof(s->tx) / sizeof(s->tx[0]); i++)
        sqlite3_finalize(s->tx[i]);
    sq_ledger_cleanup(s); /* its statements, before the connection */
    sqlite3_finalize(s->geo_put);
    sqlite3_finalize(s->geo_claims);
    sqlite3_close(s->db);
    free(s->wal_path);
    sq_memo_free(s);
    free(s->seen.bits);
    free(s->ids.bits);
    free(s);
}

/* ---- deletion ----------------------------------------------------------------- */

_Static_assert(VG_EV_DELETED == 5, "sq_check names the deletion event kind as 5");

/* The versions a deletion takes: the requester's own among those matched. */
struct doomed {
    int64_t org_id; /* the requester's organisation */
    int64_t *rowid, *modified;
    size_t n, cap;
    int foreign; /* a matching visible version is another organisation's */
    char type[VG_NAME_MAX];
    enum vg_tlp tlp;
    int64_t collection_id;
};

static int doomed_cb(void *ctx, const struct vg_object_row *row)
{
    struct doomed *d = ctx;

    if (row->org_id != d->org_id) {
        d->foreign = 1;
        return 0;
    }
    if (d->n == d->cap) {
        size_t ncap = d->cap ? d->cap * 2 : 8;
        int64_t *r = realloc(d->rowid, ncap * sizeof(*r)), *m;

        if (r == NULL)
            return 1;
        d->rowid = r;
        if ((m = realloc(d->modified, ncap * sizeof(*m))) == NULL)
            return 1;
        d->modified = m;
        d->cap = ncap;
    }
    d->rowid[d->n] = row->rowid;
    d->modified[d->n] = row->modified_us;
    d->n++;
    snprintf(d->type, sizeof(d->type), "%s", row->type);
    d->tlp = row->tlp;
    d->collection_id = row->collection_id;
    return 0;
}

/*
 * Erase one version: no audience (VG_TOKEN_NOBODY, held by no one), no
 * claims, no content.  Its row keeps its place in the event sequence.  The
 * tokens that could see it are appended to aud (a JSON array's inside).
 */
static enum vg_rc erase_version(struct sq *s, int64_t rowid, struct vg_buf *aud,
                                struct vg_error *err)
{
    static const char *const sql[] = {
        "UPDATE object SET aud0 = 0, json = '' WHERE rowid = ?",
        "DELETE FROM object_audience WHERE object_rowid = ?",
        "DELETE FROM claim WHERE object_rowid = ?",
        "DELETE FROM sighting WHERE object_rowid = ?",
    };
    sqlite3_stmt *q;
    enum vg_rc rc;
    size_t i;
    int r;

    if ((q = prep(s,
                  "SELECT aud0 FROM object WHERE rowid = ?1 UNION ALL SELECT token FROM "
                  "object_audience WHERE object_rowid = ?1",
                  err)) == NULL)
        return err->code;
    sqlite3_bind_int64(q, 1, rowid);
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        if (vg_buf_printf(aud, "%s%lld", aud->len ? "," : "",
                          (long long)sqlite3_column_int64(q, 0)) != VG_OK) {
            sqlite3_reset(q);
            return vg_error_set(err, VG_NOMEM, NULL, "out of memory");
        }
    }
    sqlite3_reset(q);
    if (r != SQLITE_DONE)
        return db_error(s, err, "deletion audience");
    if ((rc = sq_ledger_preserve(s, rowid, err)) != VG_OK) /* its leaf outlives its content */
        return rc;
    for (i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
        if ((q = prep(s, sql[i], err)) == NULL)
            return err->code;
        sqlite3_bind_int64(q, 1, rowid);
        if ((rc = step_done(s, q, err, "erase")) != VG_OK)
            return rc;
    }
    return VG_OK;
}

/* The deletion event: a row of its own, invisible to reads (aud0 0), whose
 * JSON names the versions deleted and who could see them. */
static enum vg_rc put_tombstone(struct sq *s, const struct vg_delete_request *d,
                                const struct doomed *dm, const char *json, size_t len,
                                int64_t *seq_out, struct vg_error *err)
{
    int64_t now = vg_time_now_us(), added, newest = 0;
    sqlite3_stmt *q;
    enum vg_rc rc;
    size_t i;

    for (i = 0; i < dm->n; i++)
        if (dm->modified[i] > newest)
            newest = dm->modified[i];
    added = now > s->last_added ? now : s->last_added + 1;
    q = prep(s,
             "INSERT INTO object(stix_id, type, spec_version, created_us, modified_us, "
             "date_added_us, revoked, tlp, org_id, collection_id, seq, json, id_hash, aud0, "
             "event_kind) VALUES(?, ?, NULL, 0, ?, ?, 0, ?, ?, ?, ?, ?, ?, 0, ?)",
             err);
    if (q == NULL)
        return err->code;
    bind_text(q, 1, d->stix_id);
    bind_text(q, 2, dm->type);
    sqlite3_bind_int64(q, 3, newest);
    sqlite3_bind_int64(q, 4, added);
    sqlite3_bind_int(q, 5, (int)dm->tlp);
    sqlite3_bind_int64(q, 6, d->org_id);
    sqlite3_bind_int64(q, 7, dm->collection_id);
    sqlite3_bind_int64(q, 8, s->next_seq);
    sqlite3_bind_text(q, 9, json, (int)len, SQLITE_STATIC);
    sqlite3_bind_int64(q, 10, id_hash(d->stix_id));
    sqlite3_bind_int(q, 11, (int)VG_EV_DELETED);
    if ((rc = step_done(s, q, err, "deletion event")) != VG_OK)
        return rc;
    if ((rc = sq_ledger_row(s, sqlite3_last_insert_rowid(s->db), d->key_id, err)) != VG_OK)
        return rc;
    *seq_out = s->next_seq++;
    s->last_added = added;
    return VG_OK;
}

static enum vg_rc delete_versions(struct sq *s, const struct vg_delete_request *d,
                                  struct doomed *dm, int64_t *seq, int *wrote, struct vg_error *err)
{
    struct vg_object_filter f;
    struct vg_buf aud, json;
    enum vg_rc rc;
    size_t i;

    memset(&f, 0, sizeof(f));
    f.tokens = d->tokens;
    f.ntokens = d->ntokens;
    f.stix_id = d->stix_id;
    f.collection_id = d->collection_id;
    f.versions = d->versions || d->nmodified ? d->versions : VG_VERSIONS_ALL;
    f.modified = d->modified;
    f.nmodified = d->nmodified;
    f.spec_versions = d->spec_versions;
    f.nspec_versions = d->nspec_versions;
    if ((rc = sq_scan_objects(&s->base, &f, doomed_cb, dm, err)) != VG_OK)
        return rc;
    if (dm->n == 0)
        return dm->foreign ? vg_error_set(err, VG_FORBIDDEN, "id",
                                          "only the contributor of %s may delete it", d->stix_id)
                           : vg_error_set(err, VG_NOT_FOUND, "id", "no such object");
    vg_buf_init(&aud, 0);
    vg_buf_init(&json, 0);
    *wrote = 1;
    for (i = 0; i < dm->n && (rc = erase_version(s, dm->rowid[i], &aud, err)) == VG_OK; i++)
        ;
    if (rc == VG_OK) {
        rc = vg_buf_puts(&json, "{\"deleted\":[");
        for (i = 0; rc == VG_OK && i < dm->n; i++)
            rc = vg_buf_printf(&json, "%s%lld", i ? "," : "", (long long)dm->modified[i]);
        if (rc == VG_OK)
            rc = vg_buf_printf(&json, "],\"audience\":[%s]}", aud.len ? aud.data : "");
        if (rc != VG_OK)
            vg_error_set(err, rc, NULL, "out of memory");
        else
            rc = put_tombstone(s, d, dm, json.data, json.len, seq, err);
    }
    vg_buf_cleanup(&aud);
    vg_buf_cleanup(&json);
    return rc;
}

/* Same transaction rules as sq_put_object: refusals before the first write,
 * any failure after it rolls everything back. */
static enum vg_rc sq_delete_object(struct vg_store *st, const struct vg_delete_request *d,
                                   size_t *deleted, int64_t *seq, struct vg_error *err)
{
    struct sq *s = sq_of(st);
    struct doomed dm;
    int64_t seq_v = 0;
    int wrote = 0;
    enum vg_rc rc;
    AUTO_TX_BEGIN(s, err)

    memset(&dm, 0, sizeof(dm));
    dm.org_id = d->org_id;
    rc = delete_versions(s, d, &dm, &seq_v, &wrote, err);
    free(dm.rowid);
    free(dm.modified);
    if (rc != VG_OK && wrote) {
        char msg[VG_ERROR_MSG_MAX];

        sq_rollback(st);
        snprintf(msg, sizeof(msg), "%s", err->msg);
        return vg_error_set(err, rc == VG_NOMEM || rc == VG_IO ? rc : VG_STORAGE, NULL,
                            "deleting %.100s failed, transaction rolled back: %s", d->stix_id, msg);
    }
    if (rc == VG_OK) {
        if (deleted)
            *deleted = dm.n;
        if (seq)
            *seq = seq_v;
    }
    return auto_tx_end(s, auto_tx, rc, err);
}

static const struct vg_store_ops sqlite_ops = {
    .name = "sqlite",
    .close = sq_close,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .read_begin = sq_read_begin,
    .read_end = sq_read_end,
    .meta_get = sq_meta_get,
    .meta_set = sq_meta_set,
    .org_add = sq_org_add,
    .org_update = sq_org_update,
    .org_get = sq_org_get,
    .org_get_by_id = sq_org_get_by_id,
    .org_list = sq_org_list,
    .org_groups = sq_org_groups,
    .key_add = sq_key_add,
    .key_get = sq_key_get,
    .key_list = sq_key_list,
    .key_revoke = sq_key_revoke,
    .group_add = sq_group_add,
    .group_get = sq_group_get,
    .group_list = sq_group_list,
    .group_member_add = sq_group_member_add,
    .group_member_remove = sq_group_member_remove,
    .group_members = sq_group_members,
    .collection_add = sq_collection_add,
    .collection_grant = sq_collection_grant,
    .collection_scan = sq_collection_scan,
    .status_put = sq_status_put,
    .status_get = sq_status_get,
    .put_object = sq_put_object,
    .delete_object = sq_delete_object,
    .scan_objects = sq_scan_objects,
    .scan_events = sq_scan_events,
    .scan_observables = sq_scan_observables,
    .scan_sightings = sq_scan_sightings,
    .head = sq_head,
    .defer_sync = sq_defer_sync,
    .sync = sq_sync,
    .scan_values = sq_scan_values,
    .seq_added_by = sq_seq_added_by,
    .stats = sq_stats,
    .check = sq_check,
    .ledger_head = sq_ledger_head,
    .ledger_append = sq_ledger_append,
    .ledger_entry = sq_ledger_entry,
    .ledger_find = sq_ledger_find,
    .ledger_inclusion = sq_ledger_inclusion,
    .ledger_consistency = sq_ledger_consistency,
    .ledger_scan = sq_ledger_scan,
    .checkpoint_put = sq_checkpoint_put,
    .checkpoint_scan = sq_checkpoint_scan,
    .artefact_add = sq_artefact_add,
    .artefact_scan = sq_artefact_scan,
    .geo_pending = sq_geo_pending,
    .geo_put = sq_geo_put,
    .geo_get = sq_geo_get,
    .jurisdiction_set = sq_jurisdiction_set,
    .jurisdiction_get = sq_jurisdiction_get,
    .geo_claims = sq_geo_claims,
    .watch_add = sq_watch_add,
    .watch_remove = sq_watch_remove,
    .watch_scan = sq_watch_scan,
    .watch_stamp = sq_watch_stamp,
    .watch_hook_set = sq_watch_hook_set,
    .watch_hook_get = sq_watch_hook_get,
    .notify_add = sq_notify_add,
    .notify_scan = sq_notify_scan,
    .notify_positions = sq_notify_positions,
    .notify_pending = sq_notify_pending,
    .notify_attempt = sq_notify_attempt,
    .delivery_scan = sq_delivery_scan,
    .warninglist_put = sq_warninglist_put,
    .warninglist_delete = sq_warninglist_delete,
    .warninglist_scan = sq_warninglist_scan,
    .warn_reflag = sq_warn_reflag,
};

/* vg_id_hash(text): the id hash in SQL, for the integrity check. */
static void sql_id_hash(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    const unsigned char *t = sqlite3_value_text(argv[0]);

    (void)argc;
    if (t == NULL)
        sqlite3_result_null(ctx);
    else
        sqlite3_result_int64(ctx, id_hash((const char *)t));
}

static pthread_once_t config_once = PTHREAD_ONCE_INIT;

/* Process-wide settings, before SQLite initialises: no memory statistics
 * (they take a global mutex on every allocation). */
static void configure(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

enum vg_rc vg_store_sqlite_open(const char *path, unsigned flags, struct vg_store **out,
                                struct vg_error *err)
{
    struct sq *s = calloc(1, sizeof(*s));
    int oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
    enum vg_rc rc;

    pthread_once(&config_once, configure);
    if (s == NULL)
        return vg_error_set(err, VG_NOMEM, NULL, "out of memory");
    s->base.ops = &sqlite_ops;
    if (flags & VG_STORE_CREATE)
        oflags |= SQLITE_OPEN_CREATE;
    if (sqlite3_open_v2(path, &s->db, oflags, NULL) != SQLITE_OK) {
        rc = vg_error_set(err, s->db ? VG_STORAGE : VG_NOMEM, "hub", "cannot open %s: %s", path,
                          s->db ? sqlite3_errmsg(s->db) : "out of memory");
        if (s->db && sqlite3_errcode(s->db) == SQLITE_CANTOPEN)
            rc = err->code = VG_NOT_FOUND;
        goto fail;
    }
    sqlite3_extended_result_codes(s->db, 1);
    /* The WAL is durable: closing need not copy it into the database (the
     * next writer's checkpoints will), so a command ends when its work is. */
    sqlite3_db_config(s->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
    sqlite3_create_function_v2(s->db, "vg_id_hash", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                               sql_id_hash, NULL, NULL, NULL);
    sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
    if ((rc = exec(s,
                   "PRAGMA page_size = 8192; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; "
                   "PRAGMA foreign_keys = ON; PRAGMA cache_size = -131072; "
                   "PRAGMA temp_store = MEMORY; PRAGMA mmap_size = 2147418112; PRAGMA "
                   "wal_autocheckpoint = 65536; PRAGMA "
                   "journal_size_limit = 1073741824;",
                   err)) != VG_OK)
        goto fail;
    if ((rc = migrate(s, err)) != VG_OK)
        goto fail;
    for (size_t i = 0; i < sizeof(s->tx) / sizeof(s->tx[0]); i++) {
        if (sqlite3_prepare_v3(s->db, tx_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->tx[i], NULL) !=
            SQLITE_OK) {
            rc = db_error(s, err, "prepare");
            goto fail;
        }
    }
    *out = &s->base;
    return VG_OK;
fail:
    sq_close(&s->base);
    return rc;
}
