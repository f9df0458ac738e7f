/* SPDX-License-Identifier: Apache-2.0 */
/*
 * geo.h - locations in look-up answers (geo.c, docs/geo.md).
 */
#ifndef VG_LOOKUP_GEO_H
#define VG_LOOKUP_GEO_H

#include "common/error.h"
#include "store/store.h"
#include "text.h"

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

/* Write the "location" object of b (one with rank above 0) to o. */
void vg_lookup_geo_put(const struct vg_lookup_geo_best *b, struct vg_lk_out *o);

#endif
