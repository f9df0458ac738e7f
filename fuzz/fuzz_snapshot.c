/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_snapshot.c - libFuzzer target for the snapshot loader (src/index).
 *
 * The input is a snapshot image.  It is loaded twice: as a file would be
 * (checksum checked: almost everything is refused, and must be refused with
 * an error message) and as a trusted image (no checksum), so that the
 * fuzzer reaches the structure checks and the queries.  A loaded index is
 * then queried with values of every kind and every entry is read: all must
 * stay inside the image (AddressSanitizer watches) and terminate.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "index/index.h"

static const struct {
    enum vg_obs_kind kind;
    const char *value;
} queries[] = {
    {VG_OBS_DOMAIN, "a.b.evil.com"},
    {VG_OBS_DOMAIN, "evil.com"},
    {VG_OBS_DOMAIN, "x.y.z.co.uk"},
    {VG_OBS_IPV4, "1.2.3.4"},
    {VG_OBS_IPV4, "10.1.2.3"},
    {VG_OBS_IPV4, "255.255.255.255"},
    {VG_OBS_IPV6, "2001:db8:1::5"},
    {VG_OBS_IPV6, "::"},
    {VG_OBS_URL, "http://drop.org/a"},
    {VG_OBS_URL, "https://5.6.7.8/x?y=1"},
    {VG_OBS_URL, "http://[2001:db8::1]/"},
    {VG_OBS_MD5, "d41d8cd98f00b204e9800998ecf8427e"},
};

static void exercise(const struct vg_index *idx)
{
    struct vg_index_stats st;
    struct vg_index_view v;
    struct vg_index_hit hit;
    size_t i;

    for (i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
        if (vg_index_lookup(idx, queries[i].kind, queries[i].value, strlen(queries[i].value), &hit))
            vg_index_entry(idx, hit.entry, &v);
    }
    vg_index_stats(idx, &st);
    for (i = 0; i < st.entries && i < 256; i++) {
        if (vg_index_entry(idx, (uint32_t)i, &v) == VG_OK && (v.len == 0 || v.value == NULL))
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct vg_index *idx;
    struct vg_error err;
    void *p = malloc(size ? size : 1); /* malloc'd: 8-byte aligned */

    if (p == NULL)
        return 0;
    memcpy(p, data, size);
    vg_error_clear(&err);
    if (vg_index_open_mem(p, size, 0, 0, &idx, &err) == VG_OK) {
        exercise(idx);
        vg_index_free(idx);
    } else if (err.msg[0] == '\0') {
        abort();
    }
    if (vg_index_open_mem(p, size, VG_INDEX_TRUSTED, 0, &idx, &err) == VG_OK) {
        exercise(idx);
        vg_index_free(idx);
    }
    free(p);
    return 0;
}
