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
        s->memo->n = s->memo->next = 0;
    }
    return 1;
}

int sq_memo_get(struct sq *s, enum sq_memo_kind kind, const char *name, void *out, size_t cap,
                size_t *len)
{
    size_t i;

    if (!sq_memo_fresh(s))
        return -1;
    for (i = 0; i < s->memo->n; i++) {
        if (s->memo->e[i].kind != kind || strcmp(s->memo->e[i].name, name) != 0)
            continue;
        if (!s->memo->e[i].found)
            return 0;
        if (s->memo->e[i].len > cap)
            return -1;
        if (s->memo->e[i].len) /* an empty value (no groups) has no bytes */
            memcpy(out, s->memo->e[i].value, s->memo->e[i].len);
        *len = s->memo->e[i].len;
        return 1;
    }
    return -1;
}

void sq_memo_put(struct sq *s, enum sq_memo_kind kind, const char *name, const void *value,
                 size_t len)
{
    size_t i;

    if (strlen(name) >= sizeof(s->memo->e[0].name) || !sq_memo_fresh(s))
        return;
    if (s->memo->n < SQ_MEMO_SLOTS) {
        i = s->memo->n++;
    } else {
        i = s->memo->next;
        s->memo->next = (s->memo->next + 1) % SQ_MEMO_SLOTS;
    }
    s->memo->e[i].found = 0; /* until the value is in place */
    if (value && len > s->memo->e[i].cap) {
        void *p = realloc(s->memo->e[i].value, len);

        if (p == NULL) {
            s->memo->e[i].name[0] = '\0';
            s->memo->e[i].kind = (enum sq_memo_kind) - 1; /* matches nothing */
            return;
        }
        s->memo->e[i].value = p;
        s->memo->e[i].cap = len;
    }
    s->memo->e[i].kind = kind;
    strcpy(s->memo->e[i].name, name);
    if (value) {
        if (len)
            memcpy(s->memo->e[i].value, value, len);
        s->memo->e[i].len = len;
        s->memo->e[i].found = 1;
    }
}

void sq_memo_free(struct sq *s)
{
    size_t i;

    if (s->memo == NULL)
        return;
    for (i = 0; i < SQ_MEMO_SLOTS; i++)
        free(s->memo->e[i].value);
    free(s->memo);
    s->memo = NULL;
}
