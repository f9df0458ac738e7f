/* SPDX-License-Identifier: Apache-2.0 */
/*
 * geo_filter.h - the jurisdiction filter of TAXII and the stream
 * (geo_filter.c, docs/geo.md): "FR", "FR,BE", "EU" or "mine".
 */
#ifndef VG_HTTP_GEO_FILTER_H
#define VG_HTTP_GEO_FILTER_H

#include <stddef.h>

#include "common/buf.h"
#include "common/error.h"
#include "store/store.h"

#define HTTP_GEO_MAX 64 /* countries a filter may name, regions expanded */

struct http_geo {
    char cc[HTTP_GEO_MAX][3];
    const char *p[HTTP_GEO_MAX];
    size_t n;
};

/* Parse spec for organisation org_id into g (VG_INVALID with the field
 * named `field` in err for an unknown code, too many countries, or "mine"
 * without declared jurisdictions). */
enum vg_rc http_geo_parse(struct vg_store *st, int64_t org_id, const char *spec, const char *field,
                          struct http_geo *g, struct vg_error *err);

/*
 * The SSE field line "location: [{"value", "kind", "country", "asn",
 * "as_name", "located_by"}, ...]\n" of an object event (rowid: the version
 * sent), appended to out; nothing when none of its observables is located.
 * The caller sends it only with an event the subscriber may see.
 */
enum vg_rc http_geo_locations(struct vg_store *st, int64_t rowid, struct vg_buf *out,
                              struct vg_error *err);

/* Restrict an object scan to what is located in g's countries (no-op for
 * an empty g). */
void http_geo_apply(const struct http_geo *g, struct vg_object_filter *f);

#endif
