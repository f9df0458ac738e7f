/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vtime.h - UTC timestamps as STIX and TAXII write them.
 *
 * The hub keeps times as microseconds since the Unix epoch (int64) and as
 * RFC 3339 text "YYYY-MM-DDTHH:MM:SS.ffffffZ".  The parser accepts what STIX
 * 2.1 allows on input: upper-case T and Z, 0 to 9 fractional digits (kept to
 * microseconds), no offsets other than Z.
 */
#ifndef VG_COMMON_VTIME_H
#define VG_COMMON_VTIME_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "error.h"

#define VG_TIME_TEXT_MAX 32 /* "YYYY-MM-DDTHH:MM:SS.ffffffZ" + NUL, with room */

/* Microseconds since the epoch, from CLOCK_REALTIME. */
int64_t vg_time_now_us(void);

/* The CLOCK_REALTIME instant us microseconds from now, as
 * pthread_cond_timedwait wants its deadline. */
void vg_time_deadline(int64_t us, struct timespec *out);

/* Format us as "YYYY-MM-DDTHH:MM:SS.ffffffZ" into out (>= VG_TIME_TEXT_MAX). */
void vg_time_format_us(int64_t us, char *out);

/*
 * Parse a STIX timestamp.  Returns VG_OK and sets *us, or VG_INVALID when the
 * text is not a valid RFC 3339 UTC timestamp (including impossible dates).
 */
enum vg_rc vg_time_parse(const char *s, size_t len, int64_t *us);

#endif
