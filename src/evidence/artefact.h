/* SPDX-License-Identifier: Apache-2.0 */
/*
 * artefact.h - files attached to objects (docs/ledger.md, "Artefacts").
 *
 * A partner may attach files to an object it contributed: a malware
 * sample, a captured phishing page.  The bytes are stored as they came,
 * content-addressed, as HUB/artefacts/<2 hex>/<62 hex> of their SHA-256
 * (written to a temporary file, fsync'd, renamed, mode 0400): never
 * executed, opened by name from a client, or interpreted.  Each upload is
 * one ledger entry (action 33) written in the transaction that attaches
 * it, and `vigie verify --hub` re-hashes every file.
 *
 * Who may do what is decided here, with the one policy of the hub: attach
 * only to an object the organisation contributed (a version of it it may
 * see and sent); list and download only through an object the requester
 * may see (the store's visibility-filtered scan).  Anything else is
 * VG_NOT_FOUND, the same as an unknown id or hash.
 *
 * Threading: functions take a store handle, used by one thread at a time.
 */
#ifndef VG_EVIDENCE_ARTEFACT_H
#define VG_EVIDENCE_ARTEFACT_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/error.h"
#include "store/store.h"

#define VG_ARTEFACT_MAX_SIZE (32u * 1024 * 1024) /* default size limit */
#define VG_ARTEFACT_MAX_PER_OBJECT 64u           /* default count limit */

/* The file of an artefact: HUB/artefacts/ab/cdef... (out: >= strlen(hub) + 80). */
void vg_artefact_path(const char *hub, const uint8_t sha256[32], char *out, size_t cap);

/*
 * A declared file name made harmless: only its last path component (after
 * any '/' or '\\'), bytes outside [A-Za-z0-9._+-] replaced by '_', leading
 * dots dropped, at most VG_ARTEFACT_NAME_MAX bytes; "" when nothing is left.
 * A declared media type: kept when it is a type/subtype of token bytes
 * (RFC 9110), else "application/octet-stream".  Neither is ever used to
 * open, name or serve a file.
 */
void vg_artefact_sanitise_name(const char *in, char *out, size_t cap);
void vg_artefact_sanitise_type(const char *in, char *out, size_t cap);

struct vg_artefact_upload {
    const char *stix_id;
    const void *data;
    size_t len;
    const char *name;       /* as declared (sanitised here) */
    const char *media_type; /* as declared (sanitised here) */
    int64_t org_id;         /* the uploader */
    const vg_token *tokens; /* its tokens */
    size_t ntokens;
    const char *key_id;
    size_t max_size;       /* 0: VG_ARTEFACT_MAX_SIZE */
    size_t max_per_object; /* 0: VG_ARTEFACT_MAX_PER_OBJECT */
};

/*
 * Attach u->data to u->stix_id: VG_NOT_FOUND when the uploader may not see
 * the object (or it does not exist), VG_FORBIDDEN when it sees it but did
 * not contribute it, VG_LIMIT when the file is larger than max_size (then
 * nothing is written), VG_CONFLICT when the object has max_per_object
 * artefacts.  On success *out is filled (strings borrowed from u; name and
 * media_type from the caller's buffers name/type, VG_ARTEFACT_NAME_MAX + 1
 * and VG_ARTEFACT_TYPE_MAX + 1 bytes) and *created says whether this was a
 * new attachment (0: the same bytes were already attached; nothing new).
 */
enum vg_rc vg_artefact_attach(struct vg_store *st, const char *hub,
                              const struct vg_artefact_upload *u, struct vg_artefact *out,
                              char *name, char *type, int *created, struct vg_error *err);

/* The artefacts of stix_id as a JSON array text (appended to out):
 * [{"sha256","size","name","media_type","uploaded","leaf_index"}...].
 * VG_NOT_FOUND when the tokens may not see the object. */
enum vg_rc vg_artefact_list_json(struct vg_store *st, const char *stix_id, const vg_token *tokens,
                                 size_t ntokens, struct vg_buf *out, struct vg_error *err);

/*
 * Open the artefact of sha256 for reading, for the holder of tokens: *fd
 * and *size set.  VG_NOT_FOUND unless it is attached to an object the
 * tokens may see (and its file is there), the same as an unknown hash.
 */
enum vg_rc vg_artefact_open(struct vg_store *st, const char *hub, const uint8_t sha256[32],
                            const vg_token *tokens, size_t ntokens, int *fd, uint64_t *size,
                            struct vg_error *err);

/*
 * Check every artefact: its row against its ledger entry (action, object,
 * SHA-256, size, contributor), and its file, re-hashed, against the
 * SHA-256.  VG_STORAGE naming the first that fails.  *count: artefacts
 * checked.
 */
enum vg_rc vg_artefact_verify(struct vg_store *st, const char *hub, uint64_t *count,
                              struct vg_error *err);

#endif
