/* SPDX-License-Identifier: Apache-2.0 */
/*
 * warn.h - the warning lists in a look-up answer (docs/warninglists.md).
 */
#ifndef VG_LOOKUP_WARN_H
#define VG_LOOKUP_WARN_H

#include <jansson.h>

#include "common/error.h"
#include "model/obs.h"
#include "store/store.h"

struct vg_wl_set;

/*
 * Add "warninglists" (the names of the hub's warning lists the value is on,
 * possibly none) to the answer doc about the canonical value o, and to the
 * "indicator" of each of its "matches".  The lists are decided from the
 * values alone, never from who reported them, so a value reported only by
 * someone the requester may not see answers exactly as a value never
 * reported.  With acquired, set is the lists the caller acquired (NULL: the
 * hub has none); otherwise they are acquired here.  VG_OK, or the store's
 * or memory's failure.
 */
enum vg_rc vg_lookup_warn(struct vg_store *st, int acquired, const struct vg_wl_set *set,
                          const struct vg_obs *o, json_t *doc, struct vg_error *err);

#endif
