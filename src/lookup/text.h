/* SPDX-License-Identifier: Apache-2.0 */
/*
 * text.h - writing a look-up answer as JSON text (internal to src/lookup).
 *
 * The answer is written straight into a buffer, key by key in a fixed
 * order, with no document tree in between: byte for byte what jansson
 * gives for the same document with JSON_COMPACT (strings escaped as
 * jansson escapes them, integers in decimal).  The writer is sticky: the
 * first failure is kept in rc and every later call does nothing, so that
 * a sequence of writes is checked once at its end.
 */
#ifndef VG_LOOKUP_TEXT_H
#define VG_LOOKUP_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/error.h"

struct vg_lk_out {
    struct vg_buf *b;
    enum vg_rc rc; /* VG_OK, VG_NOMEM, or VG_INVALID for a string that is not UTF-8 */
};

/* Text as is (punctuation and keys: `,"kind":`). */
void vg_lk_raw(struct vg_lk_out *o, const char *s);
/* s[0..n) as a JSON string; NULL as null. */
void vg_lk_str(struct vg_lk_out *o, const char *s, size_t n);
/* A NUL-terminated string as a JSON string; NULL as null. */
void vg_lk_cstr(struct vg_lk_out *o, const char *s);
void vg_lk_int(struct vg_lk_out *o, int64_t v);
/* A time as RFC 3339 text with microseconds; 0 as null. */
void vg_lk_time(struct vg_lk_out *o, int64_t us);

#endif
