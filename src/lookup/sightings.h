/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sightings.h - the sightings part of a look-up answer.
 *
 * vg_lookup_sightings adds to a look-up answer (lookup.h), for the
 * requester holding tokens, what it may see of the sightings
 * (docs/sightings.md):
 *   "sightings": {"count", "sightings", "first_seen", "last_seen",
 *                 "organisations": [{"organisation", "count", "sightings",
 *                                    "first_seen", "last_seen"}]}
 * on each match (sightings of the matched indicator's value) and at the top
 * (sightings of the queried value itself), each only when there is one to
 * show, and at the top only when something matched: a value the requester
 * knows nothing about answers as before.  "count" sums the STIX counts,
 * "sightings" counts the sighting objects.  The store filters by the
 * tokens inside its query (vg_store_scan_sightings).
 */
#ifndef VG_LOOKUP_SIGHTINGS_H
#define VG_LOOKUP_SIGHTINGS_H

#include <stddef.h>

#include <jansson.h>

#include "common/error.h"
#include "store/store.h"

enum vg_rc vg_lookup_sightings(struct vg_store *st, const vg_token *tokens, size_t ntokens,
                               json_t *doc, struct vg_error *err);

#endif
