/* SPDX-License-Identifier: Apache-2.0 */
/*
 * memo_sql.c - the handle's memo of keys, organisations and groups (see
 * internal.h, struct sq_memo).
 *
 * Every authenticated request reads its key, the key's organisation and
 * the organisation's groups: three statements, a sixth of the CPU of a
 * look-up.  SQLite's data version (SQLITE_FCNTL_DATA_VERSION) changes with
 * every commit to the database, by this handle or any other, in this
 * process or another; inside a read transaction it is the version of the
 * snapshot being read.  While it is the one the memo was filled at, the
 * rows the memo holds are exactly what the queries would return: a revoked
 * key, a disabled organisation or a changed membership is a commit, which
 * empties the memo before the next read.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sq_memo_fresh(struct sq *s)
{
    unsigned v = 0;

    /* Only in a read transaction: before one, the version may be an older
     * snapshot's; in a write transaction, its own changes are not counted
     * until it commits. */
    if (sqlite3_txn_state(s->db, "main") != SQLITE_TXN_READ)
        return 0;
    if (sqlite3_file_control(s->db, "main", SQLITE_FCNTL_DATA_VERSION, &v) != SQLITE_OK)
        return 0;
    if (s->memo == NULL && (s->memo = calloc(1, sizeof(*s->memo))) == NULL)
        return 0;
    if (!s->memo->valid || s->memo->version != v) {
        s->memo->valid = 1;
        s->memo->version = v;
        s->memo->nkeys = s->memo->norgs = s->memo->ngroups = s->memo->nmeta = 0;
        s->memo->next_key = s->memo->next_org = s->memo->next_groups = s->memo->next_meta = 0;
    }
    return 1;
}

/* The slot to fill next among n in use (cycling once all are). */
static size_t slot(size_t *n, size_t *next)
{
    size_t i;

    if (*n < SQ_MEMO_SLOTS)
        return (*n)++;
    i = *next;
    *next = (*next + 1) % SQ_MEMO_SLOTS;
    return i;
}

int sq_memo_key(struct sq *s, const char *id, struct vg_key *out, uint8_t hash[32])
{
    size_t i;

    if (!sq_memo_fresh(s))
        return -1;
    for (i = 0; i < s->memo->nkeys; i++) {
        if (strcmp(s->memo->keys[i].id, id) != 0)
            continue;
        if (!s->memo->keys[i].found)
            return 0;
        *out = s->memo->keys[i].key;
        if (hash)
            memcpy(hash, s->memo->keys[i].hash, 32);
        return 1;
    }
    return -1;
}

void sq_memo_key_put(struct sq *s, const char *id, int found, const struct vg_key *k,
                     const uint8_t hash[32])
{
    size_t i;

    if (strlen(id) >= VG_KEY_ID_MAX || !sq_memo_fresh(s))
        return;
    i = slot(&s->memo->nkeys, &s->memo->next_key);
    strcpy(s->memo->keys[i].id, id);
    s->memo->keys[i].found = found;
    if (found) {
        s->memo->keys[i].key = *k;
        memcpy(s->memo->keys[i].hash, hash, 32);
    }
}

int sq_memo_org(struct sq *s, int64_t id, struct vg_org *out)
{
    size_t i;

    if (!sq_memo_fresh(s))
        return -1;
    for (i = 0; i < s->memo->norgs; i++) {
        if (s->memo->orgs[i].id == id) {
            *out = s->memo->orgs[i].org;
            return 1;
        }
    }
    return -1;
}

void sq_memo_org_put(struct sq *s, int64_t id, const struct vg_org *org)
{
    size_t i;

    if (!sq_memo_fresh(s))
        return;
    i = slot(&s->memo->norgs, &s->memo->next_org);
    s->memo->orgs[i].id = id;
    s->memo->orgs[i].org = *org;
}

int sq_memo_groups(struct sq *s, int64_t org_id, int64_t *out, size_t cap, size_t *n)
{
    size_t i;

    if (!sq_memo_fresh(s))
        return -1;
    for (i = 0; i < s->memo->ngroups; i++) {
        if (s->memo->groups[i].org_id != org_id || s->memo->groups[i].n > cap)
            continue;
        *n = s->memo->groups[i].n;
        memcpy(out, s->memo->groups[i].ids, *n * sizeof(*out));
        return 1;
    }
    return -1;
}

void sq_memo_groups_put(struct sq *s, int64_t org_id, const int64_t *ids, size_t n)
{
    size_t i;

    if (n > VG_PRINCIPAL_GROUPS_MAX || !sq_memo_fresh(s))
        return;
    i = slot(&s->memo->ngroups, &s->memo->next_groups);
    s->memo->groups[i].org_id = org_id;
    s->memo->groups[i].n = n;
    memcpy(s->memo->groups[i].ids, ids, n * sizeof(*ids));
}

int sq_memo_meta(struct sq *s, const char *key, char *out, size_t cap)
{
    size_t i;

    if (!sq_memo_fresh(s))
        return -1;
    for (i = 0; i < s->memo->nmeta; i++) {
        if (strcmp(s->memo->meta[i].key, key) != 0)
            continue;
        if (!s->memo->meta[i].found)
            return 0;
        snprintf(out, cap, "%s", s->memo->meta[i].value);
        return 1;
    }
    return -1;
}

void sq_memo_meta_put(struct sq *s, const char *key, const char *value)
{
    size_t i;

    if (strlen(key) >= sizeof(s->memo->meta[0].key) ||
        (value && strlen(value) >= sizeof(s->memo->meta[0].value)) || !sq_memo_fresh(s))
        return;
    i = slot(&s->memo->nmeta, &s->memo->next_meta);
    strcpy(s->memo->meta[i].key, key);
    s->memo->meta[i].found = value != NULL;
    strcpy(s->memo->meta[i].value, value ? value : "");
}
