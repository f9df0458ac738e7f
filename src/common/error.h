/* SPDX-License-Identifier: Apache-2.0 */
/*
 * error.h - the one error type of Vigie.
 *
 * Nearly every function that can fail returns an enum vg_rc and may fill a
 * caller-owned struct vg_error with a message, the offending field and, for
 * parsers, the line and byte offset.  There is no global error state.  A table
 * maps each code to its HTTP status so that every front end answers alike.
 */
#ifndef VG_COMMON_ERROR_H
#define VG_COMMON_ERROR_H

#include <stddef.h>

enum vg_rc {
    VG_OK = 0,
    VG_NOMEM,
    VG_INVALID,
    VG_NOT_FOUND,
    VG_CONFLICT,
    VG_LIMIT,
    VG_AUTH,
    VG_FORBIDDEN,
    VG_STORAGE,
    VG_IO,
    VG_INTERNAL,
    VG_RATE, /* too many requests: a rate limit (429, with Retry-After) */
    VG_RC_COUNT
};

#define VG_ERROR_MSG_MAX 256
#define VG_ERROR_FIELD_MAX 64

struct vg_error {
    enum vg_rc code;
    char msg[VG_ERROR_MSG_MAX];
    char field[VG_ERROR_FIELD_MAX]; /* offending field or property, "" if none */
    long line;                      /* 1-based line in the input, 0 if unknown */
    long long offset;               /* byte offset in the input, -1 if unknown */
};

/* Reset an error to "no error". */
void vg_error_clear(struct vg_error *err);

/*
 * Record an error and return its code, so callers can write
 * `return vg_error_set(err, VG_INVALID, "created", "not a timestamp")`.
 * err may be NULL.  field may be NULL.  Existing line/offset are kept.
 */
enum vg_rc vg_error_set(struct vg_error *err, enum vg_rc code, const char *field, const char *fmt,
                        ...) __attribute__((format(printf, 4, 5)));

/* Stable lower-case name of a code ("invalid", "not_found", ...). */
const char *vg_rc_name(enum vg_rc rc);

/* HTTP status that answers a request failing with rc. */
int vg_rc_http_status(enum vg_rc rc);

/* Short human title for rc ("Invalid input", ...), for JSON error bodies. */
const char *vg_rc_title(enum vg_rc rc);

#endif
