/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tlp.h - TLP 2.0 markings and sharing audiences.
 *
 * TLP levels are ordered from the widest (CLEAR) to the narrowest (RED), so
 * "at most AMBER" is a comparison.  TLP 1.0 marking ids are accepted on input
 * and mapped (WHITE -> CLEAR); output always uses the TLP 2.0 ids.
 *
 * An audience is a small set of tokens: community, group:G, org:O.  Tokens
 * are 64-bit integers so that the store can match them inside SQL.
 */
#ifndef VG_MODEL_TLP_H
#define VG_MODEL_TLP_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

enum vg_tlp {
    VG_TLP_CLEAR = 0,
    VG_TLP_GREEN,
    VG_TLP_AMBER,
    VG_TLP_AMBER_STRICT,
    VG_TLP_RED,
    VG_TLP_COUNT
};

/* "clear", "green", "amber", "amber+strict", "red". */
const char *vg_tlp_name(enum vg_tlp tlp);
/* TLP:CLEAR style display name. */
const char *vg_tlp_label(enum vg_tlp tlp);
/* Accepts names case-insensitively, with or without "tlp:", and "white". */
enum vg_rc vg_tlp_from_name(const char *name, enum vg_tlp *out);
/* "marking-definition--…" of the TLP 2.0 marking. */
const char *vg_tlp_marking_id(enum vg_tlp tlp);
/* Maps a TLP 2.0 or 1.0 marking-definition id; VG_NOT_FOUND for other ids. */
enum vg_rc vg_tlp_from_marking_id(const char *id, enum vg_tlp *out);

typedef uint64_t vg_token;

#define VG_TOKEN_NOBODY ((vg_token)0) /* held by no one: a deleted version */
#define VG_TOKEN_COMMUNITY ((vg_token)1)
#define VG_TOKEN_ORG_BASE ((vg_token)1 << 40)
#define VG_TOKEN_GROUP_BASE ((vg_token)2 << 40)

static inline vg_token vg_token_org(int64_t org_id)
{
    return VG_TOKEN_ORG_BASE + (vg_token)org_id;
}

static inline vg_token vg_token_group(int64_t group_id)
{
    return VG_TOKEN_GROUP_BASE + (vg_token)group_id;
}

#define VG_AUDIENCE_MAX 64

struct vg_audience {
    size_t n;
    vg_token tok[VG_AUDIENCE_MAX];
};

/* Add a token if absent. VG_LIMIT when full. */
enum vg_rc vg_audience_add(struct vg_audience *a, vg_token t);
int vg_audience_has(const struct vg_audience *a, vg_token t);

#endif
