/* SPDX-License-Identifier: Apache-2.0 */
/*
 * geo_sql.h - enrichment and jurisdictions in the SQLite backend
 * (geo_sql.c): the migration, the operations, and the SQL pieces the scans
 * of sqlite.c use to show and filter by location.
 */
#ifndef VG_STORE_SQLITE_GEO_SQL_H
#define VG_STORE_SQLITE_GEO_SQL_H

#include "internal.h"

extern const char sq_geo_migration[];

/*
 * The location columns of a claim row, for a scan over "claim c JOIN object
 * o JOIN observable ob": country, asn, as_name, source (4 columns), after
 * the joins of SQ_GEO_JOIN.  A domain or URL without an address location of
 * its own takes that of an address the same object claims.
 */
/* (aliases geo, geor, geo2: the scans use short ones such as g for org) */
#define SQ_GEO_COLS                                                                                \
    "coalesce(geor.country, geo.country, ''), coalesce(geor.asn, geo.asn, 0), "                    \
    "coalesce(geor.as_name, geo.as_name, ''), CASE WHEN geor.obs_id IS NOT NULL THEN 3 ELSE "      \
    "coalesce(geo.source, 0) END"
#define SQ_GEO_JOIN                                                                                \
    " LEFT JOIN obs_geo geo ON geo.obs_id = ob.id LEFT JOIN obs_geo geor ON ob.kind IN (5, 6) "    \
    "AND (geo.obs_id IS NULL OR geo.source <> 1) AND geor.obs_id = (SELECT c2.obs_id FROM claim "  \
    "c2 JOIN obs_geo geo2 ON geo2.obs_id = c2.obs_id WHERE c2.object_rowid = o.rowid AND "         \
    "c2.obs_id <> ob.id AND geo2.source = 1 AND geo2.country <> '' ORDER BY c2.obs_id LIMIT 1)"
#define SQ_GEO_COUNTRY "coalesce(geor.country, geo.country, '')"

enum vg_rc sq_geo_pending(struct vg_store *st, int64_t build, int64_t after_id, size_t limit,
                          vg_geo_item_cb cb, void *ctx, struct vg_error *err);
enum vg_rc sq_geo_put(struct vg_store *st, const int64_t *obs_ids, const struct vg_geo *g, size_t n,
                      struct vg_error *err);
enum vg_rc sq_geo_get(struct vg_store *st, enum vg_obs_kind kind, const char *value, size_t len,
                      struct vg_geo *out, struct vg_error *err);
enum vg_rc sq_geo_claims(struct vg_store *st, int64_t object_rowid, vg_geo_claim_cb cb, void *ctx,
                         struct vg_error *err);
enum vg_rc sq_jurisdiction_set(struct vg_store *st, int64_t org_id, const char *const *codes,
                               size_t n, struct vg_error *err);
enum vg_rc sq_jurisdiction_get(struct vg_store *st, int64_t org_id, char *out, size_t cap,
                               struct vg_error *err);

#endif
