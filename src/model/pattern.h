/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pattern.h - the STIX 2.1 patterning language, for what indicators use.
 *
 * The parser accepts the STIX 2.1 pattern grammar: observation expressions
 * "[ … ]" joined by AND, OR and FOLLOWEDBY, with parentheses and the
 * qualifiers WITHIN n SECONDS, REPEATS n TIMES, START t'…' STOP t'…'; inside
 * brackets, comparisons joined by AND and OR with parentheses; operators
 * = != < <= > >= IN LIKE MATCHES ISSUBSET ISSUPERSET EXISTS, optionally
 * preceded by NOT; literals: 'strings' (escapes \' and \\ only), integers,
 * floats, true/false, t'timestamp', h'hex', b'base64'.  Keywords are
 * upper-case only.  Object paths: type:prop(.prop|[n]|[*])*, properties may be
 * quoted ('SHA-256').
 *
 * The parser is for extraction, not evaluation: it records every comparison,
 * and vg_pattern_observables() yields the observables that the pattern names
 * with "=", "IN" or "ISSUBSET" on a path that carries one (ipv4-addr:value,
 * ipv6-addr:value, domain-name:value, url:value, email-addr:value,
 * file:hashes.<algo>, and the same inside network-traffic dst_ref/src_ref).
 * LIKE and MATCHES comparisons are kept but yield nothing.
 *
 * Limits: pattern length VG_PATTERN_MAX_LEN, nesting VG_PATTERN_MAX_DEPTH,
 * VG_PATTERN_MAX_CMPS comparisons.
 */
#ifndef VG_MODEL_PATTERN_H
#define VG_MODEL_PATTERN_H

#include <stddef.h>

#include "common/error.h"
#include "obs.h"

#define VG_PATTERN_MAX_LEN (64 * 1024)
#define VG_PATTERN_MAX_DEPTH 32
#define VG_PATTERN_MAX_CMPS 4096

enum vg_pattern_op {
    VG_POP_EQ,
    VG_POP_NE,
    VG_POP_LT,
    VG_POP_LE,
    VG_POP_GT,
    VG_POP_GE,
    VG_POP_IN,
    VG_POP_LIKE,
    VG_POP_MATCHES,
    VG_POP_ISSUBSET,
    VG_POP_ISSUPERSET,
    VG_POP_EXISTS
};

enum vg_pattern_lit {
    VG_PLIT_STRING,
    VG_PLIT_INT,
    VG_PLIT_FLOAT,
    VG_PLIT_BOOL,
    VG_PLIT_TIME,
    VG_PLIT_HEX,
    VG_PLIT_BINARY
};

struct vg_pattern_value {
    enum vg_pattern_lit type;
    char *text; /* unescaped string contents, or the literal's source text */
};

struct vg_pattern_cmp {
    char *object_type; /* "ipv4-addr", "file", ... */
    char *path;        /* property path after ':' with quotes removed: "value", "hashes.SHA-256" */
    enum vg_pattern_op op;
    int negated;    /* NOT op */
    size_t nvalues; /* 0 for EXISTS, >= 1 for IN, else 1 */
    struct vg_pattern_value *values;
    size_t offset; /* byte offset of the comparison in the pattern */
};

struct vg_pattern {
    size_t ncmps;
    struct vg_pattern_cmp *cmps;
};

/*
 * Parse a pattern.  On success *out is a new pattern (free with
 * vg_pattern_free).  On failure returns VG_INVALID (VG_LIMIT for limits,
 * VG_NOMEM) with err->offset = byte position and err->msg = the reason
 * ("expected ']' at 31", "keywords are upper-case: 'and'", ...).
 */
enum vg_rc vg_pattern_parse(const char *s, size_t len, struct vg_pattern **out,
                            struct vg_error *err);

void vg_pattern_free(struct vg_pattern *p);

typedef int (*vg_pattern_obs_cb)(void *ctx, const struct vg_obs *obs);

/*
 * Call cb for each observable the pattern names (see above), canonicalised
 * with vg_obs_parse.  A value that does not canonicalise as its path's kind
 * is skipped.  Stops and returns cb's value when cb returns non-zero;
 * otherwise returns 0.
 */
int vg_pattern_observables(const struct vg_pattern *p, vg_pattern_obs_cb cb, void *ctx);

#endif
