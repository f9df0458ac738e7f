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
 * NUL characters.  An element that fails (bad JSON, not an object, too deep,
 * too large) is reported with its line and byte offset and the reader goes on
 * with the next element.
 *
 * Input may be a bundle, a bare JSON array of objects, or a single object, with
 * or without a UTF-8 byte order mark.  A top-level object with an "objects" key
 * whose value is an array is a bundle: its other keys are skipped, before or
 * after "objects", but "type", if present, must be "bundle".  A top-level
 * object without one is a single object (element 0), unless its "type" is
 * "bundle": then it is an empty bundle.
 *
 * Errors in the framing itself (empty or truncated input, garbage between or
 * after elements, mismatched brackets, a bundle whose "type" is not "bundle")
 * end the stream with a clear error; everything before stays read.
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

/* Helper: a vg_read_fn over bytes in memory (a request body, a test case),
 * at most chunk bytes per call (0: no limit). */
struct vg_mem_source {
    const char *data;
    size_t len, at, chunk;
};
long vg_read_mem(void *src, char *buf, size_t cap);

/*
 * Next object.  Returns:
 *   VG_OK        *obj is a new reference to a JSON object (caller json_decref)
 *   VG_INVALID   this element is rejected (err says why, with the line and
 *                offset where the element starts): invalid JSON, duplicate
 *                key, invalid UTF-8, \u0000, not an object, nested deeper
 *                than VG_STIX_DEPTH_MAX, or longer than VG_STIX_OBJECT_MAX.
 *                Call again for the next one.  *obj is NULL.
 *   VG_NOT_FOUND end of input, nothing more (and on every later call).
 *   other        fatal: the stream cannot go on; err says why and where (line
 *                and offset of the offending byte, of the end of input, or of
 *                an unfinished element).  VG_IO when the callback fails or the
 *                bytes cannot be framed (see above); VG_NOMEM when memory runs
 *                out.  Never VG_LIMIT: size and depth limits reject one
 *                element only.  Every later call returns the same code and err.
 * pos (may be NULL) receives the element's position in both OK and INVALID.
 * err may be NULL.  Not thread-safe: one reader belongs to one thread at a time.
 */
enum vg_rc vg_stix_reader_next(struct vg_stix_reader *r, json_t **obj, struct vg_stix_pos *pos,
                               struct vg_error *err);

/* The exact text of the object the last call returned (borrowed until the
 * next call), so that it can be stored as sent; NULL after other results. */
const char *vg_stix_reader_text(const struct vg_stix_reader *r, size_t *len);

/* Bytes consumed so far (for progress). */
long long vg_stix_reader_offset(const struct vg_stix_reader *r);

#endif
