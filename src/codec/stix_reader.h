/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stix_reader.h - read STIX 2.1 objects from a bundle of any size.
 *
 * The reader pulls bytes from a callback in chunks and hands over one object
 * at a time, so memory is bounded by the largest single object
 * (VG_STIX_OBJECT_MAX) whatever the bundle's size.  A small framing scanner
 * finds the element boundaries of the bundle's "objects" array (it tracks
 * strings, escapes and nesting only; it does not interpret values) and jansson
 * parses each element on its own, rejecting duplicate keys, invalid UTF-8 and
 * NUL characters.  An element that fails (bad JSON, too deep, too large) is
 * reported with its line and byte offset and the reader goes on with the next
 * element.  Input may be a bundle, a bare JSON array of objects, or a single
 * object.  Errors in the framing itself (truncated file, garbage between
 * elements) end the stream with a clear error; everything before stays read.
 */
#ifndef VG_CODEC_STIX_READER_H
#define VG_CODEC_STIX_READER_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "common/error.h"

#define VG_STIX_OBJECT_MAX (16u * 1024 * 1024) /* one object's JSON text */
#define VG_STIX_DEPTH_MAX 64                   /* nesting inside one object */

/* Read up to cap bytes into buf; return bytes read, 0 at end, -1 on error. */
typedef long (*vg_read_fn)(void *ctx, char *buf, size_t cap);

struct vg_stix_reader;

struct vg_stix_pos {
    long line;        /* 1-based line where the element starts */
    long long offset; /* byte offset where it starts */
    size_t index;     /* 0-based element index in the objects array */
};

enum vg_rc vg_stix_reader_new(vg_read_fn read, void *ctx, struct vg_stix_reader **out);
void vg_stix_reader_free(struct vg_stix_reader *r);

/* Helper: a vg_read_fn over a FILE *. */
long vg_read_file(void *fp, char *buf, size_t cap);

/*
 * Next object.  Returns:
 *   VG_OK        *obj is a new reference to a JSON object (caller json_decref)
 *   VG_INVALID   this element is rejected (err says why, with line/offset);
 *                call again for the next one.  *obj is NULL.
 *   VG_NOT_FOUND end of input, nothing more.
 *   other        fatal: the stream cannot go on (err says why and where).
 * pos (may be NULL) receives the element's position in both OK and INVALID.
 */
enum vg_rc vg_stix_reader_next(struct vg_stix_reader *r, json_t **obj, struct vg_stix_pos *pos,
                               struct vg_error *err);

/* Bytes consumed so far (for progress). */
long long vg_stix_reader_offset(const struct vg_stix_reader *r);

#endif
