/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store.c - backend selection and the dispatchers of store.h.
 *
 * Each vg_store_* call forwards to the handle's operations table.  The hub
 * directory holds the SQLite database today; a later PostgreSQL backend is
 * chosen here from the hub's configuration, callers unchanged.
 */
#include "store.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

enum vg_rc vg_store_open(const char *dir, unsigned flags, struct vg_store **out,
                         struct vg_error *err)
{
    char path[4096];
    struct stat sb;

    if (stat(dir, &sb) != 0) {
        if (!(flags & VG_STORE_CREATE))
            return vg_error_set(err, VG_NOT_FOUND, "hub", "no hub at %s (run 'vigie init')", dir);
        if (mkdir(dir, 0700) != 0)
            return vg_error_set(err, VG_IO, "hub", "cannot create %s: %s", dir, strerror(errno));
    } else if (!S_ISDIR(sb.st_mode)) {
        return vg_error_set(err, VG_INVALID, "hub", "%s is not a directory", dir);
    }
    if (snprintf(path, sizeof(path), "%s/vigie.db", dir) >= (int)sizeof(path))
        return vg_error_set(err, VG_LIMIT, "hub", "hub path too long");
    if (!(flags & VG_STORE_CREATE) && stat(path, &sb) != 0)
        return vg_error_set(err, VG_NOT_FOUND, "hub", "no hub at %s (run 'vigie init')", dir);
    return vg_store_sqlite_open(path, flags, out, err);
}

void vg_store_close(struct vg_store *st)
{
    if (st != NULL)
        st->ops->close(st);
}

enum vg_rc vg_store_principal_of(struct vg_store *st, const struct vg_org *org,
                                 struct vg_principal *out, struct vg_error *err)
{
    enum vg_rc rc;
    size_t n = 0;

    memset(out, 0, sizeof(*out));
    rc = st->ops->org_groups(st, org->id, out->groups, VG_PRINCIPAL_GROUPS_MAX, &n, err);
    if (rc != VG_OK)
        return rc;
    out->org_id = org->id;
    out->good_standing = !org->disabled;
    out->ngroups = n;
    return VG_OK;
}

enum vg_rc vg_store_principal(struct vg_store *st, int64_t org_id, struct vg_principal *out,
                              struct vg_error *err)
{
    struct vg_org org;
    enum vg_rc rc;

    memset(out, 0, sizeof(*out));
    if ((rc = st->ops->org_get_by_id(st, org_id, &org, err)) != VG_OK)
        return rc;
    return vg_store_principal_of(st, &org, out, err);
}

enum vg_rc vg_store_begin(struct vg_store *st, struct vg_error *err)
{
    return st->ops->begin(st, err);
}

enum vg_rc vg_store_commit(struct vg_store *st, struct vg_error *err)
{
    return st->ops->commit(st, err);
}

void vg_store_rollback(struct vg_store *st)
{
    st->ops->rollback(st);
}

enum vg_rc vg_store_read_begin(struct vg_store *st, struct vg_error *err)
{
    return st->ops->read_begin(st, err);
}

void vg_store_read_end(struct vg_store *st)
{
    st->ops->read_end(st);
}

enum vg_rc vg_store_meta_get(struct vg_store *st, const char *key, char *out, size_t cap,
                             struct vg_error *err)
{
    return st->ops->meta_get(st, key, out, cap, err);
}

enum vg_rc vg_store_meta_set(struct vg_store *st, const char *key, const char *value,
                             struct vg_error *err)
{
    return st->ops->meta_set(st, key, value, err);
}

enum vg_rc vg_store_org_add(struct vg_store *st, struct vg_org *org, struct vg_error *err)
{
    return st->ops->org_add(st, org, err);
}

enum vg_rc vg_store_org_update(struct vg_store *st, const struct vg_org *org, struct vg_error *err)
{
    return st->ops->org_update(st, org, err);
}

enum vg_rc vg_store_org_get(struct vg_store *st, const char *name_or_stix_id, struct vg_org *out,
                            struct vg_error *err)
{
    return st->ops->org_get(st, name_or_stix_id, out, err);
}

enum vg_rc vg_store_org_get_by_id(struct vg_store *st, int64_t id, struct vg_org *out,
                                  struct vg_error *err)
{
    return st->ops->org_get_by_id(st, id, out, err);
}

enum vg_rc vg_store_org_list(struct vg_store *st, int (*cb)(void *, const struct vg_org *),
                             void *ctx, struct vg_error *err)
{
    return st->ops->org_list(st, cb, ctx, err);
}

enum vg_rc vg_store_key_add(struct vg_store *st, const struct vg_key *key,
                            const uint8_t secret_hash[32], struct vg_error *err)
{
    return st->ops->key_add(st, key, secret_hash, err);
}

enum vg_rc vg_store_key_get(struct vg_store *st, const char *id, struct vg_key *out,
                            uint8_t secret_hash[32], struct vg_error *err)
{
    return st->ops->key_get(st, id, out, secret_hash, err);
}

enum vg_rc vg_store_key_list(struct vg_store *st, int64_t org_id,
                             int (*cb)(void *, const struct vg_key *), void *ctx,
                             struct vg_error *err)
{
    return st->ops->key_list(st, org_id, cb, ctx, err);
}

enum vg_rc vg_store_key_revoke(struct vg_store *st, const char *id, struct vg_error *err)
{
    return st->ops->key_revoke(st, id, err);
}

enum vg_rc vg_store_group_add(struct vg_store *st, struct vg_group *g, struct vg_error *err)
{
    return st->ops->group_add(st, g, err);
}

enum vg_rc vg_store_group_get(struct vg_store *st, const char *name, struct vg_group *out,
                              struct vg_error *err)
{
    return st->ops->group_get(st, name, out, err);
}

enum vg_rc vg_store_group_list(struct vg_store *st, int (*cb)(void *, const struct vg_group *),
                               void *ctx, struct vg_error *err)
{
    return st->ops->group_list(st, cb, ctx, err);
}

enum vg_rc vg_store_group_member_add(struct vg_store *st, int64_t group_id, int64_t org_id,
                                     struct vg_error *err)
{
    return st->ops->group_member_add(st, group_id, org_id, err);
}

enum vg_rc vg_store_group_member_remove(struct vg_store *st, int64_t group_id, int64_t org_id,
                                        struct vg_error *err)
{
    return st->ops->group_member_remove(st, group_id, org_id, err);
}

enum vg_rc vg_store_group_members(struct vg_store *st, int64_t group_id,
                                  int (*cb)(void *, const struct vg_org *), void *ctx,
                                  struct vg_error *err)
{
    return st->ops->group_members(st, group_id, cb, ctx, err);
}

enum vg_rc vg_store_delete_object(struct vg_store *st, const struct vg_delete_request *d,
                                  size_t *deleted, int64_t *seq, struct vg_error *err)
{
    return st->ops->delete_object(st, d, deleted, seq, err);
}

enum vg_rc vg_store_put_object(struct vg_store *st, const struct vg_object_version *v,
                               enum vg_put_result *result, int64_t *seq, struct vg_error *err)
{
    return st->ops->put_object(st, v, result, seq, err);
}

enum vg_rc vg_store_scan_objects(struct vg_store *st, const struct vg_object_filter *f,
                                 vg_object_cb cb, void *ctx, struct vg_error *err)
{
    return st->ops->scan_objects(st, f, cb, ctx, err);
}

enum vg_rc vg_store_scan_events(struct vg_store *st, int64_t after, size_t limit,
                                int64_t erased_since, vg_event_cb cb, void *ctx,
                                struct vg_error *err)
{
    return st->ops->scan_events(st, after, limit, erased_since, cb, ctx, err);
}

enum vg_rc vg_store_scan_observables(struct vg_store *st, const struct vg_obs_filter *f,
                                     vg_obs_cb cb, void *ctx, struct vg_error *err)
{
    return st->ops->scan_observables(st, f, cb, ctx, err);
}

enum vg_rc vg_store_scan_values(struct vg_store *st, int64_t after, vg_value_cb cb, void *ctx,
                                struct vg_error *err)
{
    return st->ops->scan_values(st, after, cb, ctx, err);
}

enum vg_rc vg_store_scan_sightings(struct vg_store *st, const vg_token *tokens, size_t ntokens,
                                   enum vg_obs_kind kind, const char *value, size_t len,
                                   vg_sighting_cb cb, void *ctx, struct vg_error *err)
{
    return st->ops->scan_sightings(st, tokens, ntokens, kind, value, len, cb, ctx, err);
}

enum vg_rc vg_store_head(struct vg_store *st, int64_t *seq, struct vg_error *err)
{
    return st->ops->head(st, seq, err);
}

enum vg_rc vg_store_defer_sync(struct vg_store *st, struct vg_error *err)
{
    return st->ops->defer_sync(st, err);
}

enum vg_rc vg_store_sync(struct vg_store *st, struct vg_error *err)
{
    return st->ops->sync(st, err);
}

enum vg_rc vg_store_seq_added_by(struct vg_store *st, int64_t us, int64_t *seq,
                                 struct vg_error *err)
{
    return st->ops->seq_added_by(st, us, seq, err);
}

enum vg_rc vg_store_stats(struct vg_store *st, struct vg_store_stats *out, struct vg_error *err)
{
    return st->ops->stats(st, out, err);
}

enum vg_rc vg_store_check(struct vg_store *st, struct vg_error *err)
{
    return st->ops->check(st, err);
}

enum vg_rc vg_store_collection_add(struct vg_store *st, struct vg_collection *c,
                                   struct vg_error *err)
{
    return st->ops->collection_add(st, c, err);
}

enum vg_rc vg_store_collection_grant(struct vg_store *st, int64_t collection_id, vg_token token,
                                     int can_read, int can_write, struct vg_error *err)
{
    return st->ops->collection_grant(st, collection_id, token, can_read, can_write, err);
}

enum vg_rc vg_store_collection_scan(struct vg_store *st, const vg_token *tokens, size_t ntokens,
                                    unsigned flags, const char *uuid, vg_collection_cb cb,
                                    void *ctx, struct vg_error *err)
{
    return st->ops->collection_scan(st, tokens, ntokens, flags, uuid, cb, ctx, err);
}

enum vg_rc vg_store_status_put(struct vg_store *st, const char *id, int64_t org_id,
                               const char *json, struct vg_error *err)
{
    return st->ops->status_put(st, id, org_id, json, err);
}

enum vg_rc vg_store_status_get(struct vg_store *st, const char *id, int64_t org_id, char **json,
                               struct vg_error *err)
{
    return st->ops->status_get(st, id, org_id, json, err);
}

enum vg_rc vg_store_ledger_head(struct vg_store *st, uint64_t *size, uint8_t root[32],
                                struct vg_error *err)
{
    return st->ops->ledger_head(st, size, root, err);
}

enum vg_rc vg_store_ledger_append(struct vg_store *st, const uint8_t *leaf, size_t len,
                                  uint64_t *index, struct vg_error *err)
{
    return st->ops->ledger_append(st, leaf, len, index, err);
}

enum vg_rc vg_store_ledger_entry(struct vg_store *st, uint64_t index, uint8_t *leaf, size_t *len,
                                 char **json, struct vg_error *err)
{
    return st->ops->ledger_entry(st, index, leaf, len, json, err);
}

enum vg_rc vg_store_ledger_find(struct vg_store *st, const char *stix_id, int64_t modified_us,
                                const vg_token *tokens, size_t ntokens, uint64_t *index,
                                struct vg_error *err)
{
    return st->ops->ledger_find(st, stix_id, modified_us, tokens, ntokens, index, err);
}

enum vg_rc vg_store_ledger_inclusion(struct vg_store *st, uint64_t index, uint64_t size,
                                     uint8_t (*path)[32], size_t *npath, struct vg_error *err)
{
    return st->ops->ledger_inclusion(st, index, size, path, npath, err);
}

enum vg_rc vg_store_ledger_consistency(struct vg_store *st, uint64_t m, uint64_t n,
                                       uint8_t (*proof)[32], size_t *nproof, struct vg_error *err)
{
    return st->ops->ledger_consistency(st, m, n, proof, nproof, err);
}

enum vg_rc vg_store_ledger_scan(struct vg_store *st, vg_ledger_cb cb, void *ctx,
                                struct vg_error *err)
{
    return st->ops->ledger_scan(st, cb, ctx, err);
}

enum vg_rc vg_store_checkpoint_put(struct vg_store *st, uint64_t size, const char *note,
                                   struct vg_error *err)
{
    return st->ops->checkpoint_put(st, size, note, err);
}

enum vg_rc vg_store_checkpoint_scan(struct vg_store *st, int latest_only, vg_checkpoint_cb cb,
                                    void *ctx, struct vg_error *err)
{
    return st->ops->checkpoint_scan(st, latest_only, cb, ctx, err);
}

enum vg_rc vg_store_artefact_add(struct vg_store *st, struct vg_artefact *a, size_t max_per_object,
                                 int *created, struct vg_error *err)
{
    return st->ops->artefact_add(st, a, max_per_object, created, err);
}

enum vg_rc vg_store_artefact_scan(struct vg_store *st, const char *stix_id, const uint8_t *sha256,
                                  vg_artefact_cb cb, void *ctx, struct vg_error *err)
{
    return st->ops->artefact_scan(st, stix_id, sha256, cb, ctx, err);
}

enum vg_rc vg_store_watch_add(struct vg_store *st, struct vg_watch_row *w, size_t max_per_org,
                              struct vg_error *err)
{
    return st->ops->watch_add(st, w, max_per_org, err);
}

enum vg_rc vg_store_watch_remove(struct vg_store *st, int64_t org_id, const char *pub,
                                 struct vg_error *err)
{
    return st->ops->watch_remove(st, org_id, pub, err);
}

enum vg_rc vg_store_watch_scan(struct vg_store *st, int64_t org_id, vg_watch_row_cb cb, void *ctx,
                               struct vg_error *err)
{
    return st->ops->watch_scan(st, org_id, cb, ctx, err);
}

enum vg_rc vg_store_watch_stamp(struct vg_store *st, char *out, size_t cap, struct vg_error *err)
{
    return st->ops->watch_stamp(st, out, cap, err);
}

enum vg_rc vg_store_watch_hook_set(struct vg_store *st, const struct vg_watch_hook *h,
                                   struct vg_error *err)
{
    return st->ops->watch_hook_set(st, h, err);
}

enum vg_rc vg_store_watch_hook_get(struct vg_store *st, int64_t org_id, struct vg_watch_hook *out,
                                   struct vg_error *err)
{
    return st->ops->watch_hook_get(st, org_id, out, err);
}

enum vg_rc vg_store_notify_add(struct vg_store *st, const struct vg_notify_new *n,
                               struct vg_error *err)
{
    return st->ops->notify_add(st, n, err);
}

enum vg_rc vg_store_notify_scan(struct vg_store *st, const struct vg_notify_filter *f,
                                vg_notify_cb cb, void *ctx, struct vg_error *err)
{
    return st->ops->notify_scan(st, f, cb, ctx, err);
}

enum vg_rc vg_store_notify_positions(struct vg_store *st, int64_t after_id, int64_t upto_rowid,
                                     size_t limit, vg_notify_position_cb cb, void *ctx,
                                     struct vg_error *err)
{
    return st->ops->notify_positions(st, after_id, upto_rowid, limit, cb, ctx, err);
}

enum vg_rc vg_store_notify_pending(struct vg_store *st, int64_t now_us, const int64_t *skip,
                                   size_t nskip, size_t limit, int64_t *ids, int64_t *orgs,
                                   size_t *n, struct vg_error *err)
{
    return st->ops->notify_pending(st, now_us, skip, nskip, limit, ids, orgs, n, err);
}

enum vg_rc vg_store_notify_attempt(struct vg_store *st, int64_t id, int64_t at_us, int status,
                                   const char *error, int64_t next_attempt_us, int state,
                                   struct vg_error *err)
{
    return st->ops->notify_attempt(st, id, at_us, status, error, next_attempt_us, state, err);
}

enum vg_rc vg_store_delivery_scan(struct vg_store *st, int64_t org_id, int64_t seq,
                                  vg_delivery_cb cb, void *ctx, struct vg_error *err)
{
    return st->ops->delivery_scan(st, org_id, seq, cb, ctx, err);
}

enum vg_rc vg_store_warninglist_put(struct vg_store *st, const struct vg_wl_row *row,
                                    struct vg_error *err)
{
    return st->ops->warninglist_put(st, row, err);
}

enum vg_rc vg_store_warninglist_delete(struct vg_store *st, const char *name, struct vg_error *err)
{
    return st->ops->warninglist_delete(st, name, err);
}

enum vg_rc vg_store_warninglist_scan(struct vg_store *st, int with_json, vg_wl_row_cb cb, void *ctx,
                                     struct vg_error *err)
{
    return st->ops->warninglist_scan(st, with_json, cb, ctx, err);
}

enum vg_rc vg_store_warn_reflag(struct vg_store *st, vg_warn_fn fn, void *ctx, size_t *flagged,
                                struct vg_error *err)
{
    return st->ops->warn_reflag(st, fn, ctx, flagged, err);
}
