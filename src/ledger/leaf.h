/* SPDX-License-Identifier: Apache-2.0 */
/*
 * leaf.h - the canonical record of one ledger entry (format 1).
 *
 * Every event of the hub (an object version added, versioned, revoked, a
 * sighting, a deletion) and every event of the log itself (its signing key
 * introduced or rotated) is one leaf of the Merkle tree.  A leaf is a small
 * binary record with one encoding only, so that the same facts always give
 * the same bytes and any other bytes are refused by the decoder.  All
 * integers are big-endian; docs/ledger.md gives the layout byte by byte:
 *
 *   format u8 (1) | action u8 | seq u64 | time_us i64 | modified_us i64 |
 *   tlp u8 | sha256[32] | org u8-len + bytes | key_id u8-len + bytes |
 *   subject u16-len + bytes | naud u8 | naud x token u64 (ascending)
 *
 * A leaf never holds key material: key_id is the public id of the API key
 * (vk_...), and a key entry's subject is the log's *public* verifier key.
 *
 * Pure functions, no global state, thread-safe.
 */
#ifndef VG_LEDGER_LEAF_H
#define VG_LEDGER_LEAF_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

#define VG_LEAF_FORMAT 1
#define VG_LEAF_STR_MAX 255      /* org, key_id */
#define VG_LEAF_SUBJECT_MAX 1024 /* STIX id or verifier key */
#define VG_LEAF_AUD_MAX 255
#define VG_LEAF_NO_TLP 255
/* The largest encoded leaf. */
#define VG_LEAF_MAX                                                                                \
    (2 + 8 + 8 + 8 + 1 + 32 + 1 + VG_LEAF_STR_MAX + 1 + VG_LEAF_STR_MAX + 2 +                      \
     VG_LEAF_SUBJECT_MAX + 1 + 8 * VG_LEAF_AUD_MAX)

/* Actions 1-15 are the store's event kinds (enum vg_event_kind); from 32 on,
 * events of the log itself. */
enum vg_leaf_action {
    VG_LEAF_ADDED = 1,
    VG_LEAF_VERSION = 2,
    VG_LEAF_REVOKED = 3,
    VG_LEAF_SIGHTING = 4,
    VG_LEAF_DELETED = 5,
    VG_LEAF_LOG_KEY = 32, /* subject: the verifier key that signs from now on */
    VG_LEAF_ARTEFACT = 33,
};

struct vg_leaf {
    uint8_t action;
    uint64_t seq;                     /* the hub's event number; 0 for events of the log itself */
    int64_t time_us;                  /* UTC, microseconds since 1970 (the object's date_added) */
    int64_t modified_us;              /* the version's `modified`; 0 when none */
    uint8_t tlp;                      /* enum vg_tlp, or VG_LEAF_NO_TLP */
    uint8_t sha256[32];               /* of the object text exactly as stored (or of the subject) */
    char org[VG_LEAF_STR_MAX + 1];    /* contributing organisation: identity--... */
    char key_id[VG_LEAF_STR_MAX + 1]; /* API key id, "cli" for the operator's shell */
    char subject[VG_LEAF_SUBJECT_MAX + 1];
    size_t naud;
    uint64_t aud[VG_LEAF_AUD_MAX]; /* policy tokens, ascending (see model/tlp.h) */
};

/* The name of an action ("added", ..., "log-key"), or "unknown". */
const char *vg_leaf_action_name(unsigned action);

/*
 * Encode leaf into out (at least VG_LEAF_MAX bytes); *len is set.  The
 * audience is sorted and deduplicated in place first.  VG_INVALID when a
 * string is too long.
 */
enum vg_rc vg_leaf_encode(struct vg_leaf *leaf, uint8_t *out, size_t *len, struct vg_error *err);

/* The same from borrowed parts (strings NUL-terminated, NULL for ""), for
 * hot paths: no copy into a struct vg_leaf.  aud is sorted in place. */
struct vg_leaf_parts {
    uint8_t action;
    uint64_t seq;
    int64_t time_us, modified_us;
    uint8_t tlp;
    const uint8_t *sha256;
    const char *org, *key_id, *subject;
};
enum vg_rc vg_leaf_encode_parts(const struct vg_leaf_parts *lp, uint64_t *aud, size_t *naud,
                                uint8_t *out, size_t *len, struct vg_error *err);

/*
 * Decode exactly len bytes: VG_INVALID for anything that vg_leaf_encode would
 * not have produced (another format, truncation, trailing bytes, a NUL in a
 * string, an audience out of order).
 */
enum vg_rc vg_leaf_decode(const uint8_t *p, size_t len, struct vg_leaf *out, struct vg_error *err);

#endif
