/* SPDX-License-Identifier: Apache-2.0 */
/*
 * geo.h - where observables are: enrichment from MMDB databases, country
 * codes and regions, and the refresh of a hub's stored enrichment
 * (docs/geo.md).
 *
 * A vg_geo_db is a country database and/or an ASN database opened with
 * libmaxminddb (memory-mapped).  Both schemas in use are read: the
 * ip-location-db one ("country_code"; "autonomous_system_number",
 * "autonomous_system_organization") and MaxMind's GeoLite2 one
 * ("country"/"iso_code" and the same ASN keys).  A lookup costs a walk of
 * the database's search tree; decoding the record it ends on is the
 * expensive part, so decoded records are kept by their offset in the data
 * section (a country database has a few hundred distinct records, an ASN
 * database some tens of thousands): most lookups decode nothing.
 *
 * Threading: a vg_geo_db is used by one thread at a time (its record cache
 * is not locked); open one per thread.
 */
#ifndef VG_GEO_GEO_H
#define VG_GEO_GEO_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "model/obs.h"
#include "store/store.h"

struct vg_geo_db;

/* Open the databases (either path may be NULL, not both).  VG_IO or
 * VG_INVALID (not an MMDB file) naming the file. */
enum vg_rc vg_geo_open(const char *country_path, const char *asn_path, struct vg_geo_db **out,
                       struct vg_error *err);
void vg_geo_free(struct vg_geo_db *db);

/* The identity of the opened databases (type, build epoch, size of each):
 * what a stored enrichment records, so that a refresh finds stale rows. */
int64_t vg_geo_build(const struct vg_geo_db *db);
/* The same, readable: "country=TYPE@EPOCH asn=TYPE@EPOCH". */
const char *vg_geo_build_text(const struct vg_geo_db *db);

/*
 * Locate one address given as text (IPv4 or IPv6, canonical or not).
 * VG_OK with *out filled (source VG_GEO_MMDB) when either database knows
 * it, VG_NOT_FOUND when neither does, VG_INVALID when it is no address.
 */
enum vg_rc vg_geo_lookup(struct vg_geo_db *db, const char *ip, size_t len, struct vg_geo *out);

/*
 * The stored enrichment of one canonical observable: addresses and ranges
 * (their network address) from the databases, URLs from their host (an
 * address, or a domain's ccTLD), domains from their ccTLD.  VG_NOT_FOUND
 * when nothing locates it; *out is then an empty location of this build.
 * db may be NULL (ccTLDs only).
 */
enum vg_rc vg_geo_locate(struct vg_geo_db *db, enum vg_obs_kind kind, const char *value, size_t len,
                         struct vg_geo *out);

/* The country of a domain's country-code top-level domain ("co.uk": GB),
 * into cc[3]; -1 when it has none, or when the ccTLD is mostly used
 * generically (.io, .co, .tv, ...: see region.c). */
int vg_geo_cctld(const char *domain, size_t len, char cc[3]);

/* 1 when code is an ISO 3166-1 alpha-2 country code (upper-case) or XK. */
int vg_geo_is_country(const char *code);

/*
 * Expand a jurisdiction list "FR,DE,EU" (countries and named regions, any
 * case, comma- or space-separated) into distinct upper-case country codes
 * (out, at most cap; each 3 bytes).  VG_INVALID naming the first unknown
 * code; VG_LIMIT past cap.  Regions: see vg_geo_regions().
 */
#define VG_GEO_COUNTRIES_MAX 300
enum vg_rc vg_geo_expand(const char *list, char (*out)[3], size_t cap, size_t *n,
                         struct vg_error *err);
/* Split and check a jurisdiction list as declared (codes kept, regions not
 * expanded): codes upper-cased into out[cap] (the longest region name,
 * "FIVE-EYES", fits with room). */
#define VG_GEO_CODE_MAX 16
enum vg_rc vg_geo_parse_codes(const char *list, char (*out)[VG_GEO_CODE_MAX], size_t cap, size_t *n,
                              struct vg_error *err);
/* "EU: AT BE ...\nEEA: ..." for documentation and --help. */
const char *vg_geo_regions(void);

/*
 * The jurisdiction filter of a request: "mine" (the organisation's declared
 * jurisdictions), or a list as for vg_geo_expand.  Fills out/n; VG_INVALID
 * for an unknown code or an organisation without jurisdictions asking for
 * "mine".
 */
enum vg_rc vg_geo_jurisdiction(struct vg_store *st, int64_t org_id, const char *spec,
                               char (*out)[3], size_t cap, size_t *n, struct vg_error *err);

/*
 * Refresh a hub's stored enrichment with db: every observable that can be
 * located and whose enrichment is absent or from another build, in
 * transactions of a few thousand.  Records the build in the hub's meta
 * ("geo.build").  Safe to interrupt: what was committed stays valid.
 */
struct vg_geo_stats {
    size_t examined; /* observables looked at */
    size_t located;  /* of which located (country or AS) */
    size_t by_cctld; /* of which by ccTLD only */
};
/* progress (may be NULL) is called after each batch with the count so far. */
enum vg_rc vg_geo_refresh(struct vg_store *st, struct vg_geo_db *db, struct vg_geo_stats *out,
                          void (*progress)(void *ctx, size_t examined), void *ctx,
                          struct vg_error *err);

/*
 * The databases a hub is configured with: country and asn (either may be
 * NULL: then the hub's meta "geo.country_db"/"geo.asn_db" is used; given,
 * it is recorded there).  VG_NOT_FOUND when none is configured.
 */
enum vg_rc vg_geo_open_hub(struct vg_store *st, const char *country, const char *asn,
                           struct vg_geo_db **out, struct vg_error *err);

#endif
