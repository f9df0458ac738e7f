/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sightings.h - the sightings part of a look-up answer.
 *
 * A look-up answer (lookup.h) shows, for the requester holding tokens, what
 * it may see of the sightings (docs/sightings.md):
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

#include "common/error.h"
#include "store/store.h"
#include "text.h"

/* Write `,"sightings":{...}` for the canonical value (kind, value[0..len))
 * to o when the requester may see any sighting of it; nothing otherwise.
 * VG_OK (o may have failed: its rc), or the store's failure. */
enum vg_rc vg_lookup_sightings_put(struct vg_store *st, const vg_token *tokens, size_t ntokens,
                                   enum vg_obs_kind kind, const char *value, size_t len,
                                   struct vg_lk_out *o, struct vg_error *err);

#endif
