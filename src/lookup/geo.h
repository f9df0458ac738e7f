/* SPDX-License-Identifier: Apache-2.0 */
/*
 * geo.h - locations in look-up answers (geo.c, docs/geo.md).
 */
#ifndef VG_LOOKUP_GEO_H
#define VG_LOOKUP_GEO_H

#include <jansson.h>

#include "common/error.h"
#include "store/store.h"

/* The best location among an indicator's observable rows: the databases'
 * over a related address's over a ccTLD's. */
struct vg_lookup_geo_best {
    int rank; /* 0 none, 1 ccTLD, 2 related, 3 the databases */
    char country[4];
    int64_t asn;
    char as_name[VG_AS_NAME_MAX];
    enum vg_geo_source source;
};

/* Weigh one row of the indicator's observable scan (the look-up's own scan
 * of its contributions: the location costs no query of its own). */
void vg_lookup_geo_note(struct vg_lookup_geo_best *b, const struct vg_obs_row *row);

/* The "location" object of b; NULL when it has none (or out of memory). */
json_t *vg_lookup_geo_json(const struct vg_lookup_geo_best *b);

#endif
