/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_merkle.c - the proof verifiers against hostile proofs.
 *
 * A real tree of 1..256 leaves is built; the input chooses a claim about it
 * (inclusion of leaf i in the tree of n leaves, or consistency between the
 * trees of m and n leaves), optionally makes the claim false (a leaf that
 * is not in the tree, an old root from a tree that differs in one leaf), then
 * chooses the claimed index and sizes (honest, off by a small delta, or any
 * 64-bit value) and the proof (the honest one with bytes XOR'ed in and its
 * length changed, or raw bytes).  Layout:
 *
 *   0      flags: bit 0 consistency, bit 1 false claim, bits 2-3 params mode,
 *          bit 4 raw proof
 *   1-2    tree size - 1 (mod 256), 3-4 leaf index or old size
 *   5-20   two 64-bit little-endian values: deltas or claimed values
 *   21     proof length delta (signed) or, raw, the length
 *   22-    proof bytes (XOR mask or raw hashes)
 *
 * Invariants, checked by abort():
 *   - the verifiers never crash or read past the given proof (ASan);
 *   - a false claim is never accepted;
 *   - an accepted inclusion proof of a real leaf is the honest path, byte for
 *     byte (its content is unique: each hash is fixed by the tree), though it
 *     may be accepted for another index or size of the same shape;
 *   - the honest proofs of the honest claims verify.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/merkle.h"

#define H VG_MERKLE_HASH_LEN
#define MAXLEAVES 256

struct tree {
    uint8_t leaves[MAXLEAVES][H];
    uint64_t n;
};

static int tree_get(void *ctx, uint64_t index, uint8_t out[H])
{
    const struct tree *t = ctx;

    if (index >= t->n)
        abort(); /* generation must never ask beyond the size it was given */
    memcpy(out, t->leaves[index], H);
    return 0;
}

static uint64_t le64(const uint8_t *p)
{
    uint64_t v = 0;
    int i;

    for (i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static uint64_t claim(unsigned mode, uint64_t honest, uint64_t raw)
{
    if (mode == 0)
        return honest;
    if (mode == 1)
        return honest + (uint64_t)(int64_t)(int8_t)(raw & 0xff);
    return raw;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const size_t head = 22;
    struct tree *t;
    uint8_t honest[VG_MERKLE_MAX_PROOF][H], proof[VG_MERKLE_MAX_PROOF + 2][H];
    uint8_t root[H], old_root[H], leaf[H];
    uint64_t n, a, ca, cn, i;
    size_t hlen = 0, plen, j, avail;
    unsigned flags, pmode;
    int consistency, false_claim, ok;

    if (size < head)
        return 0;
    t = malloc(sizeof(*t));
    if (t == NULL)
        return 0;
    flags = data[0];
    consistency = flags & 1;
    false_claim = (flags >> 1) & 1;
    pmode = (flags >> 2) & 3;
    n = 1 + ((uint64_t)data[1] | (uint64_t)data[2] << 8) % MAXLEAVES;
    a = ((uint64_t)data[3] | (uint64_t)data[4] << 8) % n;
    t->n = n;
    for (i = 0; i < n; i++) {
        uint8_t raw[2] = {(uint8_t)i, (uint8_t)(i >> 8)};

        vg_merkle_leaf_hash(raw, sizeof(raw), t->leaves[i]);
    }
    if (vg_merkle_root_of((const uint8_t(*)[H])t->leaves, n, root) != VG_OK)
        goto out;

    if (consistency) {
        a += 1; /* old size 1..n */
        if (vg_merkle_consistency_proof(tree_get, t, a, n, honest, &hlen) != VG_OK)
            abort();
        if (vg_merkle_root_of((const uint8_t(*)[H])t->leaves, a, old_root) != VG_OK)
            goto out;
        if (!vg_merkle_verify_consistency(a, n, old_root, root, (const uint8_t(*)[H])honest, hlen))
            abort();
        if (false_claim) {
            /* The old tree differs from the new tree's prefix in one leaf. */
            uint8_t saved[H];
            uint64_t k = le64(data + 5) % a;

            memcpy(saved, t->leaves[k], H);
            t->leaves[k][0] ^= 0x80;
            if (vg_merkle_root_of((const uint8_t(*)[H])t->leaves, a, old_root) != VG_OK)
                goto out;
            memcpy(t->leaves[k], saved, H);
        }
    } else {
        if (vg_merkle_inclusion_proof(tree_get, t, a, n, honest, &hlen) != VG_OK)
            abort();
        if (!vg_merkle_verify_inclusion(t->leaves[a], a, n, (const uint8_t(*)[H])honest, hlen,
                                        root))
            abort();
        memcpy(leaf, t->leaves[a], H);
        if (false_claim) {
            /* A leaf that is in no position of the tree. */
            uint8_t raw[3] = {(uint8_t)a, (uint8_t)(a >> 8), 0xff};

            vg_merkle_leaf_hash(raw, sizeof(raw), leaf);
        }
    }

    ca = claim(pmode, a, le64(data + 5));
    cn = claim(pmode, n, le64(data + 13));
    avail = (size - head) / H;
    if (flags & 0x10) {
        /* Raw hashes from the input, as many as it carries, up to 65. */
        plen = data[21];
        if (plen > avail)
            plen = avail;
        if (plen > VG_MERKLE_MAX_PROOF + 1)
            plen = VG_MERKLE_MAX_PROOF + 1;
        for (j = 0; j < plen; j++)
            memcpy(proof[j], data + head + j * H, H);
    } else {
        /* The honest proof, XOR'ed with the input, length moved by -4..+3. */
        int d = (int)(data[21] & 7) - 4;

        plen = (size_t)((int)hlen + d < 0 ? 0 : (int)hlen + d);
        if (plen > VG_MERKLE_MAX_PROOF + 1)
            plen = VG_MERKLE_MAX_PROOF + 1;
        for (j = 0; j < plen; j++) {
            size_t b;

            if (j < hlen)
                memcpy(proof[j], honest[j], H);
            else
                memcpy(proof[j], j % 2 ? root : honest[0], H);
            for (b = 0; b < H; b++) {
                size_t off = head + j * H + b;

                if (off < size)
                    proof[j][b] ^= data[off];
            }
        }
    }

    if (consistency) {
        ok = vg_merkle_verify_consistency(ca, cn, old_root, root, (const uint8_t(*)[H])proof, plen);
        if (ok && false_claim)
            abort();
        /* An accepted claim about the real trees must at least be true
         * about them when it names their real sizes. */
        if (ok && ca == a && cn == n &&
            (plen != hlen || (plen > 0 && memcmp(proof, honest, plen * H) != 0)))
            abort();
    } else {
        ok = vg_merkle_verify_inclusion(leaf, ca, cn, (const uint8_t(*)[H])proof, plen, root);
        if (ok && false_claim)
            abort();
        if (ok && (plen != hlen || (plen > 0 && memcmp(proof, honest, plen * H) != 0)))
            abort();
    }
out:
    free(t);
    return 0;
}
