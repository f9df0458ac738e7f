/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_flat.c - libFuzzer target for the plain, CSV and MISP readers and for
 * format detection.
 *
 * The first byte picks the format (byte % 3: plain, csv, misp) and the chunk
 * size the read callback serves (byte / 3: 1 to 64 bytes, or 4 KiB and
 * more); the rest is the input.  The input is read twice, once in those
 * chunks and once in a single chunk, and the two runs must agree call for
 * call: same codes, lines, messages and records.  Each run also checks the
 * contract: a record's value is non-empty, NUL-terminated, valid UTF-8 and
 * within VG_FLAT_LINE_MAX; lines increase; the end and fatal errors stick; at
 * most one call per input byte.  vg_codec_detect must name a known format.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/flat.h"
#include "common/hash.h"

/* FNV-1a, to fold a run into one number. */
#define mix vg_fnv1a

static uint64_t mix_str(uint64_t h, const char *s)
{
    return s ? mix(h, s, strlen(s) + 1) : mix(h, "", 1);
}

/* Plain structural UTF-8 check, independent of the reader's own. */
static int utf8_ok(const unsigned char *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        unsigned c = s[i], cp;
        size_t k, need = c < 0x80 ? 0 : c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 9;

        if (need == 9 || c > 0xF4 || i + need >= n + (need == 0))
            return 0;
        cp = need == 0 ? c : c & (0x3F >> need);
        for (k = 1; k <= need; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((need == 1 && cp < 0x80) || (need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += need + 1;
    }
    return 1;
}

static uint64_t run(enum vg_flat_format fmt, const uint8_t *data, size_t len, size_t chunk)
{
    struct vg_mem_source s = {(const char *)data, len, 0, chunk};
    struct vg_flat_reader *r = NULL;
    uint64_t h = VG_FNV_SEED;
    struct vg_error err;
    long last_line = 0;
    size_t calls = 0;
    enum vg_rc rc;

    vg_error_clear(&err);
    rc = vg_flat_reader_new(fmt, vg_read_mem, &s, &r, &err);
    h = mix(h, &rc, sizeof(rc));
    if (rc != VG_OK) {
        if (r != NULL || err.code != rc || err.msg[0] == '\0')
            abort();
        return mix_str(h, err.msg);
    }
    for (;;) {
        struct vg_flat_record rec;

        vg_error_clear(&err);
        rc = vg_flat_reader_next(r, &rec, &err);
        if (++calls > len + 2)
            abort(); /* every record takes at least one byte */
        h = mix(h, &rc, sizeof(rc));
        if (rc == VG_OK) {
            if (rec.value == NULL || rec.len == 0 || strlen(rec.value) != rec.len ||
                !utf8_ok((const unsigned char *)rec.value, rec.len))
                abort();
            if (fmt != VG_FLAT_MISP && (rec.len > VG_FLAT_LINE_MAX || rec.line <= last_line))
                abort();
            if (rec.confidence < -1 || rec.confidence > 100 ||
                (unsigned)rec.kind >= VG_OBS_KIND_COUNT ||
                (rec.has_tlp && (unsigned)rec.tlp >= VG_TLP_COUNT))
                abort();
            last_line = rec.line;
            h = mix(h, rec.value, rec.len);
            h = mix(h, &rec.kind, sizeof(rec.kind));
            h = mix_str(h, rec.label);
            h = mix_str(h, rec.description);
            h = mix_str(h, rec.uuid);
            h = mix_str(h, rec.group_name);
            h = mix(h, &rec.line, sizeof(rec.line));
            h = mix(h, &rec.first_seen_us, sizeof(rec.first_seen_us));
            h = mix(h, &rec.last_seen_us, sizeof(rec.last_seen_us));
            continue;
        }
        if (rc != VG_NOT_FOUND) {
            if (err.code != rc || err.msg[0] == '\0')
                abort();
            if (fmt != VG_FLAT_MISP && rc == VG_INVALID) {
                if (err.line <= last_line)
                    abort();
                last_line = err.line;
            }
            h = mix_str(h, err.msg);
            h = mix_str(h, err.field);
            h = mix(h, &err.line, sizeof(err.line));
        }
        if (rc == VG_INVALID)
            continue;
        /* The end and fatal errors stick. */
        if (vg_flat_reader_next(r, &rec, NULL) != rc)
            abort();
        if (vg_flat_reader_offset(r) > (long long)len)
            abort();
        break;
    }
    vg_flat_reader_free(r);
    return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const enum vg_flat_format fmts[3] = {VG_FLAT_PLAIN, VG_FLAT_CSV, VG_FLAT_MISP};
    enum vg_flat_format fmt;
    const char *d;
    size_t chunk;
    unsigned sel;

    if (size == 0)
        return 0;
    fmt = fmts[data[0] % 3];
    sel = data[0] / 3; /* 0 to 85 */
    chunk = sel < 64 ? (size_t)sel + 1 : (size_t)(sel - 63) * 4096;
    d = vg_codec_detect((const char *)data + 1, size - 1);
    if (strcmp(d, "stix") && strcmp(d, "misp") && strcmp(d, "csv") && strcmp(d, "plain"))
        abort();
    if (run(fmt, data + 1, size - 1, chunk) != run(fmt, data + 1, size - 1, size))
        abort(); /* the result depends on how the input was cut */
    return 0;
}
