/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fields.h - in which named field of a log line a hit lies, so that
 * `vigie match --fields id.resp_h,query` keeps only hits in those fields.
 *
 * The scanner itself knows no formats (docs/match.md); this is applied to
 * its hits afterwards, on the line that holds each one, when the format says
 * what the fields are called:
 *   - JSON lines (Suricata EVE, Zeek JSON, most cloud logs): a line whose
 *     first non-blank byte is '{'; the field is the key of the value the hit
 *     lies in (the innermost key: "rrname" in {"dns":{"rrname":"x"}}, and
 *     the array's key for a value inside an array);
 *   - Zeek TSV: the file starts with Zeek's header; the "#fields" line names
 *     the tab-separated columns;
 *   - CSV with a header line that names at least one of the wanted fields
 *     (quoted cells allowed).
 * Lines of any other format keep every hit (vg_fields_known says whether a
 * file's format was recognised, so that the command can warn).
 */
#ifndef VG_MATCH_FIELDS_H
#define VG_MATCH_FIELDS_H

#include <stddef.h>

#include "common/error.h"

#define VG_FIELDS_MAX 64    /* names in one --fields list */
#define VG_FIELDS_COLS 1024 /* columns of a TSV/CSV header */
#define VG_FIELDS_NAME 128  /* longest field name */

struct vg_fields;

/* Parse "a,b,c" (1 to VG_FIELDS_MAX names of 1 to VG_FIELDS_NAME - 1
 * bytes).  VG_INVALID with a reason otherwise. */
enum vg_rc vg_fields_new(const char *list, struct vg_fields **out, struct vg_error *err);
void vg_fields_free(struct vg_fields *f);

/* A new file: learn its columns from its first bytes (its header; any
 * length, may be cut anywhere, may be empty for standard input). */
void vg_fields_file(struct vg_fields *f, const char *head, size_t len);

/* Whether the file's header gave column names (Zeek, CSV). */
int vg_fields_known(const struct vg_fields *f);

/* 1 when the text at line[at..at+len) lies in a wanted field, or when the
 * line's format is not known; 0 otherwise. */
int vg_fields_keep(const struct vg_fields *f, const char *line, size_t line_len, size_t at,
                   size_t len);

#endif
