/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stix_writer.h - write a STIX 2.1 bundle object by object.
 *
 * Objects are written as they come (one per line), so a bundle of any size
 * is produced in constant memory.  The bundle gets a fresh random id.
 */
#ifndef VG_CODEC_STIX_WRITER_H
#define VG_CODEC_STIX_WRITER_H

#include <stddef.h>
#include <stdio.h>

#include "common/error.h"

struct vg_stix_writer {
    FILE *f;
    size_t count;
};

enum vg_rc vg_stix_writer_begin(struct vg_stix_writer *w, FILE *f);
/* json is one object's JSON text (as stored: canonical, compact). */
enum vg_rc vg_stix_writer_object(struct vg_stix_writer *w, const char *json, size_t len);
enum vg_rc vg_stix_writer_end(struct vg_stix_writer *w);

/* Write s as one CSV field (quoted when it holds a comma, quote or line break). */
void vg_csv_field(FILE *f, const char *s, size_t len);

#endif
