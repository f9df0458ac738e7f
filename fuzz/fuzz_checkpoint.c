/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_checkpoint.c - the ledger's parsers against hostile bytes: signed
 * notes and checkpoints, verifier keys, leaves, and whole evidence bundles.
 *
 * The first byte chooses the parser, the rest is its input:
 *
 *   0  vg_checkpoint_open with a fixed key (Ed25519 seed 1, 2, ..., 32)
 *   1  vg_checkpoint_parse of a bare checkpoint body
 *   2  vg_note_key_parse (verifier key), 3 the same for a signer key
 *   4  vg_leaf_decode
 *   5  vg_evidence_verify_bundle, pinned to the fixed key
 *
 * Invariants, checked by abort():
 *   - nothing crashes or reads out of bounds (ASan);
 *   - a checkpoint body that parses and has no extension line is exactly
 *     what vg_checkpoint_text writes for it (one text per checkpoint);
 *   - a leaf that decodes encodes back to the same bytes;
 *   - a key that parses prints back to the same text;
 *   - an opened note's signed text is a prefix of the input.
 * The seed corpus (fuzz/corpus/checkpoint) holds valid inputs of each kind
 * made with the fixed key.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "evidence/evidence.h"
#include "ledger/leaf.h"
#include "ledger/note.h"

static struct vg_note_key fixed;

static void init_key(void)
{
    uint8_t seed[32];
    int i;

    if (fixed.name[0])
        return;
    for (i = 0; i < 32; i++)
        seed[i] = (uint8_t)(i + 1);
    if (vg_note_key_from_seed("vigie/fuzz", seed, &fixed, NULL) != VG_OK)
        abort();
    fixed.has_seed = 0; /* verification only */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data + 1;
    size_t n = size ? size - 1 : 0;
    struct vg_checkpoint cp;
    struct vg_note_key key;
    struct vg_leaf leaf;
    struct vg_buf b;
    uint8_t enc[VG_LEAF_MAX];
    size_t len, tl;

    if (size == 0)
        return 0;
    init_key();
    vg_buf_init(&b, 0);
    switch (data[0] % 6) {
    case 0:
        if (vg_note_open(p, n, &fixed, &tl, NULL) == VG_OK && tl > n)
            abort();
        vg_checkpoint_open(p, n, &fixed, &cp, NULL);
        break;
    case 1:
        if (vg_checkpoint_parse(p, n, &cp, NULL) == VG_OK && memchr(p, '\n', n) &&
            vg_checkpoint_text(&cp, &b) == VG_OK && b.len <= n && memcmp(b.data, p, b.len) != 0)
            abort();
        break;
    case 2:
    case 3:
        if (vg_note_key_parse(p, n, data[0] % 6 == 3, &key, NULL) == VG_OK) {
            if (data[0] % 6 == 2 && (vg_note_key_public_text(&key, &b) != VG_OK || b.len > n ||
                                     memcmp(b.data, p, b.len) != 0))
                abort();
            vg_note_key_wipe(&key);
        }
        break;
    case 4:
        if (vg_leaf_decode(data + 1, n, &leaf, NULL) == VG_OK &&
            (vg_leaf_encode(&leaf, enc, &len, NULL) != VG_OK || len != n ||
             memcmp(enc, data + 1, n) != 0))
            abort();
        break;
    case 5: {
        struct vg_evidence_report rep;

        vg_evidence_verify_bundle(p, n, &fixed, &rep, NULL);
        vg_evidence_report_cleanup(&rep);
        break;
    }
    }
    vg_buf_cleanup(&b);
    return 0;
}
