/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sightings.h - the body of POST /api/v1/sightings (docs/sightings.md).
 *
 *   {"tlp": "green",                      optional, for every sighting
 *    "sightings": [{"value": "evil[.]com", required: an observable, any spelling
 *                   "count": 3,            optional, 1 to 999,999,999 (1)
 *                   "first_seen": "…Z",    optional, RFC 3339 UTC
 *                   "last_seen": "…Z"}]}   optional, not before first_seen
 *
 * vg_sightings_parse checks the shape and the types: anything else is
 * VG_INVALID naming the offending member ("sightings[3].count"), more than
 * VG_SIGHTINGS_BATCH_MAX entries is VG_LIMIT.  Values are not interpreted
 * here (the caller canonicalises each and answers per value); they are
 * borrowed from the parsed document, which the batch owns until
 * vg_sightings_cleanup.  Untrusted input: fuzzed by fuzz/fuzz_sightings.c.
 */
#ifndef VG_CODEC_SIGHTINGS_H
#define VG_CODEC_SIGHTINGS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/error.h"
#include "model/tlp.h"

#define VG_SIGHTINGS_BATCH_MAX 100000
#define VG_SIGHTING_COUNT_MAX 999999999

struct vg_sighting_in {
    const char *value; /* as sent (not canonical); borrowed */
    size_t len;
    int64_t count;
    int64_t first_seen_us, last_seen_us; /* 0: not given */
};

struct vg_sighting_batch {
    json_t *doc;
    int has_tlp;
    enum vg_tlp tlp;
    struct vg_sighting_in *items;
    size_t n;
};

/* Parse data[0..len) into *out (cleaned up by the caller on every
 * outcome; on failure it holds nothing). */
enum vg_rc vg_sightings_parse(const char *data, size_t len, struct vg_sighting_batch *out,
                              struct vg_error *err);
void vg_sightings_cleanup(struct vg_sighting_batch *b);

#endif
