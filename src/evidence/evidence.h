/* SPDX-License-Identifier: Apache-2.0 */
/*
 * evidence.h - the hub-level operations of the evidence ledger: its signing
 * key, signed checkpoints, evidence bundles, and the verification of a
 * bundle (offline) or of a whole hub (docs/ledger.md).
 *
 * The signing key is the file DIR/ledger.key (mode 0600, the note signer
 * format of ledger/note.h).  It is created by `vigie init`, or on first need
 * for a hub that predates the ledger; each key that signs is introduced by a
 * log-key leaf, so the log carries its own key history (a rotation is a leaf).
 * The origin line of the checkpoints and the key name are both
 * "vigie/<operator identity id>".
 *
 * Threading: functions take a store handle, used by one thread at a time.
 */
#ifndef VG_EVIDENCE_EVIDENCE_H
#define VG_EVIDENCE_EVIDENCE_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/error.h"
#include "ledger/leaf.h"
#include "ledger/note.h"
#include "store/store.h"

#define VG_EVIDENCE_FORMAT "vigie-evidence-1"

/* The hub's signing key, created (with its log-key leaf) when absent or not
 * yet introduced in the log.  Wipe it with vg_note_key_wipe. */
enum vg_rc vg_evidence_key(struct vg_store *st, const char *hub, struct vg_note_key *key,
                           struct vg_error *err);
/* A new signing key: its leaf is appended and the old file is kept as
 * ledger.key.<old id>.retired (for the operator to destroy). */
enum vg_rc vg_evidence_rotate(struct vg_store *st, const char *hub, struct vg_note_key *key,
                              struct vg_error *err);

/*
 * A checkpoint covering at least min_size entries (at most the committed
 * tree): the latest stored one by the current key when it does, else a new
 * one of the committed tree, signed and stored.  VG_EVIDENCE_HEAD: the
 * whole committed tree (sign if it grew).  *note (may be NULL; caller
 * frees) is the checkpoint.
 */
#define VG_EVIDENCE_HEAD UINT64_MAX
enum vg_rc vg_evidence_checkpoint(struct vg_store *st, const char *hub, uint64_t min_size,
                                  char **note, struct vg_error *err);

/*
 * The evidence bundle of stix_id (version modified_us, or the latest with
 * -1) for the holder of tokens: the object text, its leaf, its inclusion
 * proof in the latest checkpoint (issued first if the entry is newer), the
 * checkpoint and the public key, as one canonical JSON document in out.
 * VG_NOT_FOUND when the tokens may not see it, exactly as when it does not
 * exist.
 */
enum vg_rc vg_evidence_bundle(struct vg_store *st, const char *hub, const char *stix_id,
                              int64_t modified_us, const vg_token *tokens, size_t ntokens,
                              struct vg_buf *out, struct vg_error *err);

/* The JSON document of one ledger entry with its proof to the latest
 * checkpoint (the API's inclusion answer, the bundle's content). */
enum vg_rc vg_evidence_inclusion_json(struct vg_store *st, const char *hub, uint64_t index,
                                      void **doc, struct vg_error *err);

/* What an offline check of a bundle established (each line a fact). */
struct vg_evidence_report {
    struct vg_buf text; /* lines "ok: ..." / "FAILED: ..." */
    struct vg_leaf leaf;
    struct vg_checkpoint cp;
    uint64_t index;
    char key[256]; /* verifier key that signed */
};
void vg_evidence_report_cleanup(struct vg_evidence_report *r);

/*
 * Check a bundle offline: canonical bytes, the checkpoint's signature (by
 * pinned when given, else by the key in the bundle), the inclusion proof,
 * and the object's SHA-256 against the leaf.  VG_OK only when everything
 * holds; the report says what held and the first thing that did not.
 */
enum vg_rc vg_evidence_verify_bundle(const char *data, size_t len, const struct vg_note_key *pinned,
                                     struct vg_evidence_report *rep, struct vg_error *err);

struct vg_hub_report {
    uint64_t entries, checkpoints, artefacts;
    uint8_t root[32];
    int diverges;
    uint64_t first_divergent; /* when diverges */
    struct vg_buf text;       /* what was checked, and what failed */
};
void vg_hub_report_cleanup(struct vg_hub_report *r);

/*
 * Recompute every leaf from the store's rows and the tree from the leaves;
 * check them against the stored hashes, every stored checkpoint (signature
 * and root at its size) and the persisted head.  VG_OK when all holds;
 * otherwise VG_STORAGE with err naming the first divergent entry.
 */
enum vg_rc vg_evidence_verify_hub(struct vg_store *st, const char *hub, struct vg_hub_report *rep,
                                  struct vg_error *err);

#endif
