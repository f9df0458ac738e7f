/* SPDX-License-Identifier: Apache-2.0 */
/*
 * warn.c - the warning lists in a look-up answer (see warn.h).
 *
 * The hub's lists are compiled once per process (vg_wl_acquire) and each
 * value costs a few hash probes; the indicators that matched are canonical
 * values already, so their kind and text are read back from the answer.
 */
#include "warn.h"

#include <string.h>

#include "warninglist/warninglist.h"

static json_t *names(const struct vg_wl_set *set, enum vg_obs_kind kind, const char *value,
                     size_t len)
{
    uint32_t idx[VG_WL_LISTS_MAX];
    size_t n = vg_wl_match(set, kind, value, len, idx, VG_WL_LISTS_MAX), i;
    json_t *arr = json_array();

    for (i = 0; arr && i < n && i < VG_WL_LISTS_MAX; i++) {
        if (json_array_append_new(arr, json_string(vg_wl_set_info(set, idx[i])->name)) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

enum vg_rc vg_lookup_warn(struct vg_store *st, int acquired, const struct vg_wl_set *given,
                          const struct vg_obs *o, json_t *doc, struct vg_error *err)
{
    struct vg_wl_set *mine = NULL;
    const struct vg_wl_set *set = given;
    json_t *m, *ind;
    size_t i;
    enum vg_rc rc;

    if (!acquired && (rc = vg_wl_acquire(st, &mine, err)) != VG_OK)
        return rc;
    if (!acquired)
        set = mine;
    rc = VG_OK;
    if (json_object_set_new(doc, "warninglists", names(set, o->kind, o->value, o->len)) != 0)
        rc = VG_NOMEM;
    json_array_foreach(json_object_get(doc, "matches"), i, m)
    {
        const char *v;

        ind = json_object_get(m, "indicator");
        v = json_string_value(json_object_get(ind, "value"));
        if (rc != VG_OK || v == NULL)
            continue;
        if (json_object_set_new(
                ind, "warninglists",
                names(set, vg_obs_kind_from_name(json_string_value(json_object_get(ind, "kind"))),
                      v, strlen(v))) != 0)
            rc = VG_NOMEM;
    }
    vg_wl_release(mine);
    return rc == VG_OK ? VG_OK : vg_error_set(err, rc, NULL, "out of memory");
}
