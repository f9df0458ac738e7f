/* SPDX-License-Identifier: Apache-2.0 */
/*
 * flat.h - flat indicator records from plain lists, CSV and MISP events.
 *
 * Each of these formats describes indicators as rows of values with a few
 * attributes, not as STIX objects.  Their readers yield vg_flat_record and
 * the ingest layer turns each into a STIX indicator.  Values are not
 * canonicalised here (the model does it); readers only split and decode.
 *
 *   plain  one value per line; '#' starts a comment (whole line or after
 *          white space); blank lines skipped; CR LF accepted.
 *   csv    RFC 4180 (quotes, doubled quotes, CR LF) with a header line naming
 *          columns: value (required; aliases indicator, ioc, observable),
 *          kind (type), label (family, malware, tag), tlp, confidence,
 *          first_seen, last_seen, description (comment).  Unknown columns are
 *          ignored.  A row with the wrong number of fields is an error.
 *   misp   a MISP event JSON ({"Event": {...}} or {"response": [...]}):
 *          Attribute and Object.Attribute entries; tlp:* tags on event or
 *          attribute; distribution 0 (organisation only) and 4 (sharing group)
 *          narrow the audience, others mean the community.
 */
#ifndef VG_CODEC_FLAT_H
#define VG_CODEC_FLAT_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "model/obs.h"
#include "model/tlp.h"
#include "stix_reader.h"

#define VG_FLAT_LINE_MAX (64 * 1024)

struct vg_flat_record {
    const char *value; /* raw value text (borrowed until the next call) */
    size_t len;
    enum vg_obs_kind kind; /* VG_OBS_NONE: detect */
    const char *label;     /* or NULL */
    int has_tlp;
    enum vg_tlp tlp;
    int confidence;        /* -1 unknown */
    int64_t first_seen_us; /* 0 unknown */
    int64_t last_seen_us;
    const char *description; /* or NULL */
    const char *uuid;        /* source uuid (MISP attribute) or NULL */
    int org_only;            /* MISP distribution 0 */
    const char *group_name;  /* MISP sharing group name, or NULL */
    long line;               /* 1-based source line (plain, csv), 0 otherwise */
    const char *field;       /* for errors: the column or attribute name */
};

enum vg_flat_format { VG_FLAT_PLAIN, VG_FLAT_CSV, VG_FLAT_MISP };

struct vg_flat_reader;

enum vg_rc vg_flat_reader_new(enum vg_flat_format fmt, vg_read_fn read, void *ctx,
                              struct vg_flat_reader **out, struct vg_error *err);
void vg_flat_reader_free(struct vg_flat_reader *r);

/*
 * Next record.  Same contract as vg_stix_reader_next: VG_OK with *rec filled
 * (strings borrowed until the next call), VG_INVALID for a rejected row
 * (err->line set; call again), VG_NOT_FOUND at end, other codes fatal.
 */
enum vg_rc vg_flat_reader_next(struct vg_flat_reader *r, struct vg_flat_record *rec,
                               struct vg_error *err);

long long vg_flat_reader_offset(const struct vg_flat_reader *r);

/*
 * Guess the format of a file from its first bytes: returns "stix", "misp",
 * "csv" or "plain".
 */
const char *vg_codec_detect(const char *head, size_t len);

#endif
