/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_sightings.c - the POST /api/v1/sightings body parser.  Checks what
 * the handler relies on: on success every entry has a non-empty value of
 * the stated length, a count in range and ordered times; on failure the
 * batch holds nothing and the error says why.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/sightings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct vg_sighting_batch b;
    struct vg_error err;
    size_t i;

    vg_error_clear(&err);
    if (vg_sightings_parse((const char *)data, size, &b, &err) != VG_OK) {
        if (b.doc != NULL || b.items != NULL || b.n != 0 || err.msg[0] == '\0')
            abort();
        return 0;
    }
    if (b.n > VG_SIGHTINGS_BATCH_MAX)
        abort();
    for (i = 0; i < b.n; i++) {
        const struct vg_sighting_in *s = &b.items[i];

        if (s->len == 0 || s->value == NULL || s->count < 1 || s->count > VG_SIGHTING_COUNT_MAX)
            abort();
        if (s->first_seen_us && s->last_seen_us && s->last_seen_us < s->first_seen_us)
            abort();
    }
    vg_sightings_cleanup(&b);
    return 0;
}
