/* SPDX-License-Identifier: Apache-2.0 */
/*
 * geo.c - dispatchers of the store's enrichment and jurisdiction operations
 * (store.h), kept apart from store.c.
 */
#include "store/store.h"

enum vg_rc vg_store_geo_pending(struct vg_store *st, int64_t build, int64_t after_id, size_t limit,
                                vg_geo_item_cb cb, void *ctx, struct vg_error *err)
{
    return st->ops->geo_pending(st, build, after_id, limit, cb, ctx, err);
}

enum vg_rc vg_store_geo_put(struct vg_store *st, const int64_t *obs_ids, const struct vg_geo *g,
                            size_t n, struct vg_error *err)
{
    return st->ops->geo_put(st, obs_ids, g, n, err);
}

enum vg_rc vg_store_geo_get(struct vg_store *st, enum vg_obs_kind kind, const char *value,
                            size_t len, struct vg_geo *out, struct vg_error *err)
{
    return st->ops->geo_get(st, kind, value, len, out, err);
}

enum vg_rc vg_store_geo_claims(struct vg_store *st, int64_t object_rowid, vg_geo_claim_cb cb,
                               void *ctx, struct vg_error *err)
{
    return st->ops->geo_claims(st, object_rowid, cb, ctx, err);
}

enum vg_rc vg_store_jurisdiction_set(struct vg_store *st, int64_t org_id, const char *const *codes,
                                     size_t n, struct vg_error *err)
{
    return st->ops->jurisdiction_set(st, org_id, codes, n, err);
}

enum vg_rc vg_store_jurisdiction_get(struct vg_store *st, int64_t org_id, char *out, size_t cap,
                                     struct vg_error *err)
{
    return st->ops->jurisdiction_get(st, org_id, out, cap, err);
}
