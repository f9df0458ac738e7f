/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_obs.c - observable canonicalisation.  The first byte picks the kind
 * (and the list flag); the rest is the value.  Checks the invariants every
 * caller relies on: a canonical value is NUL-terminated at len, is itself
 * canonical (parsing it again as its kind gives the same text, but see
 * below), and has a
 * well-formed STIX id.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/obs.h"
#include "model/uuid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct vg_obs a, b;
    struct vg_error err;
    char id[VG_STIX_ID_MAX];
    enum vg_obs_kind kind;
    unsigned flags;

    if (size < 1)
        return 0;
    kind = (enum vg_obs_kind)(data[0] % VG_OBS_KIND_COUNT);
    flags = data[0] & 0x80 ? VG_OBS_F_LIST : 0;
    if (vg_obs_parse_ex(kind, flags, (const char *)data + 1, size - 1, &a, &err) != VG_OK)
        return 0;
    if (a.len > VG_OBS_VALUE_MAX || strlen(a.value) != a.len)
        abort();
    /* Refanging is applied once to the input: a path or local part that
     * still holds a defang-like sequence after it ("[[.]]") may refang again. */
    if (strpbrk(a.value, "[({") == NULL) {
        if (vg_obs_parse(a.kind, a.value, a.len, &b, &err) != VG_OK || b.kind != a.kind ||
            strcmp(a.value, b.value) != 0)
            abort();
    }
    vg_obs_stix_id(&a, id);
    if (!vg_stix_id_valid(id, strlen(id)))
        abort();
    return 0;
}
