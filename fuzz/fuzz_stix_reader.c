/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_stix_reader.c - libFuzzer target for the streaming STIX reader.
 *
 * The first byte picks the chunk size the read callback serves (1 to 128
 * bytes, or multiples of 512 up to 64 KiB); the rest is the input.  The input
 * is read twice, once in those chunks and once in a single chunk, and the two
 * runs must agree call for call: same codes, positions, messages and objects.
 * Each run also checks the contract: an object only with VG_OK, the end and
 * fatal errors sticky, positions increasing, at most one call per input byte.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/stix_reader.h"
#include "common/hash.h"

/* FNV-1a, to fold a run into one number. */
#define mix vg_fnv1a

static uint64_t run(const uint8_t *data, size_t len, size_t chunk)
{
    struct vg_mem_source s = {(const char *)data, len, 0, chunk};
    struct vg_stix_reader *r;
    uint64_t h = VG_FNV_SEED;
    long long last_off = -1;
    size_t calls = 0;
    enum vg_rc rc;

    if (vg_stix_reader_new(vg_read_mem, &s, &r) != VG_OK)
        abort();
    for (;;) {
        struct vg_stix_pos pos = {0, 0, 0};
        struct vg_error err;
        json_t *obj = NULL;

        vg_error_clear(&err);
        rc = vg_stix_reader_next(r, &obj, &pos, &err);
        if (++calls > len + 2)
            abort(); /* every element takes at least one byte */
        h = mix(h, &rc, sizeof(rc));
        if (rc == VG_OK || rc == VG_INVALID) {
            if (pos.offset <= last_off || pos.offset >= (long long)len || pos.line < 1)
                abort();
            last_off = pos.offset;
            h = mix(h, &pos, sizeof(pos));
        }
        if (rc == VG_OK) {
            char *text;

            if (!json_is_object(obj))
                abort();
            text = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
            if (text)
                h = mix(h, text, strlen(text));
            free(text);
            json_decref(obj);
            continue;
        }
        if (obj != NULL)
            abort();
        if (rc != VG_NOT_FOUND) {
            if (err.code != rc || err.msg[0] == '\0')
                abort();
            h = mix(h, err.msg, strlen(err.msg));
            h = mix(h, &err.line, sizeof(err.line));
            h = mix(h, &err.offset, sizeof(err.offset));
        }
        if (rc == VG_INVALID)
            continue;
        /* The end and fatal errors stick. */
        if (vg_stix_reader_next(r, &obj, NULL, NULL) != rc || obj != NULL)
            abort();
        if (vg_stix_reader_offset(r) > (long long)len)
            abort();
        break;
    }
    vg_stix_reader_free(r);
    return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t chunk;

    if (size == 0)
        return 0;
    chunk = data[0] < 128 ? (size_t)data[0] + 1 : (size_t)(data[0] - 127) * 512;
    if (run(data + 1, size - 1, chunk) != run(data + 1, size - 1, size))
        abort(); /* the result depends on how the input was cut */
    return 0;
}
