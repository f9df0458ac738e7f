/* SPDX-License-Identifier: Apache-2.0 */
/*
 * warn.c - the warning lists in a look-up answer (see warn.h).
 *
 * The hub's lists are compiled once per process (vg_wl_acquire, by the
 * caller) and each value costs a few hash probes.
 */
#include "warn.h"

#include "warninglist/warninglist.h"

void vg_lookup_warn_put(const struct vg_wl_set *set, enum vg_obs_kind kind, const char *value,
                        size_t len, struct vg_lk_out *o)
{
    uint32_t idx[VG_WL_LISTS_MAX];
    size_t n = vg_wl_match(set, kind, value, len, idx, VG_WL_LISTS_MAX), i;

    vg_lk_raw(o, "[");
    for (i = 0; i < n && i < VG_WL_LISTS_MAX; i++) {
        if (i > 0)
            vg_lk_raw(o, ",");
        vg_lk_cstr(o, vg_wl_set_info(set, idx[i])->name);
    }
    vg_lk_raw(o, "]");
}
