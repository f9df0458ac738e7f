/* SPDX-License-Identifier: Apache-2.0 */
/*
 * geo.h - locations in look-up answers (geo.c, docs/geo.md).
 */
#ifndef VG_LOOKUP_GEO_H
#define VG_LOOKUP_GEO_H

#include <jansson.h>

#include "common/error.h"
#include "store/store.h"

/* Add "location" to each match of a look-up answer doc (and to doc for an
 * exact match), from the stored enrichment, as the tokens may see it. */
enum vg_rc vg_lookup_geo(struct vg_store *st, const vg_token *tokens, size_t ntokens, json_t *doc,
                         struct vg_error *err);

#endif
