/* SPDX-License-Identifier: Apache-2.0 */
/*
 * warn.h - the warning lists in a look-up answer (docs/warninglists.md).
 */
#ifndef VG_LOOKUP_WARN_H
#define VG_LOOKUP_WARN_H

#include <stddef.h>

#include "model/obs.h"
#include "text.h"

struct vg_wl_set;

/*
 * Write the "warninglists" array of a canonical value: the names of the
 * lists of set (NULL: the hub has none) it is on, possibly none.  The
 * answer gives it for the queried value and for the "indicator" of each
 * match.  The lists are decided from the values alone, never from who
 * reported them, so a value reported only by someone the requester may not
 * see answers exactly as a value never reported.
 */
void vg_lookup_warn_put(const struct vg_wl_set *set, enum vg_obs_kind kind, const char *value,
                        size_t len, struct vg_lk_out *o);

#endif
