/* SPDX-License-Identifier: Apache-2.0 */
/*
 * buf.h - growable byte buffers with a hard cap.
 *
 * A vg_buf grows by doubling up to its cap; an append that would pass the cap
 * fails with VG_LIMIT and leaves the buffer as it was.  The data is always
 * NUL-terminated so it can be handed to C string functions.  An embedded
 * buffer is set up with vg_buf_init and released with vg_buf_cleanup.
 */
#ifndef VG_COMMON_BUF_H
#define VG_COMMON_BUF_H

#include <stddef.h>

#include "error.h"

struct vg_buf {
    char *data;
    size_t len;
    size_t cap; /* allocated bytes */
    size_t max; /* hard cap on len, 0 = SIZE_MAX */
};

void vg_buf_init(struct vg_buf *b, size_t max);
void vg_buf_cleanup(struct vg_buf *b);
void vg_buf_reset(struct vg_buf *b);
enum vg_rc vg_buf_reserve(struct vg_buf *b, size_t extra);
enum vg_rc vg_buf_append(struct vg_buf *b, const void *p, size_t n);
enum vg_rc vg_buf_puts(struct vg_buf *b, const char *s);
enum vg_rc vg_buf_putc(struct vg_buf *b, char c);
enum vg_rc vg_buf_printf(struct vg_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Append s as a JSON string literal, quotes included, escaped as jansson
 * escapes (\" \\ \b \f \n \r \t, other control characters as \u00XX in
 * upper-case hex, the rest as is).  s must be valid UTF-8.  Nothing is
 * appended on failure. */
enum vg_rc vg_buf_json_str(struct vg_buf *b, const char *s, size_t n);

#endif
