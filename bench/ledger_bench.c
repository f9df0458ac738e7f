/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ledger_bench.c - speed of the evidence ledger's Merkle tree.
 *
 * usage: ledger_bench [LEAVES]   (default 1000000)
 *
 * Builds a tree of LEAVES leaves in memory and prints, one figure a line:
 * leaf hashing, frontier appends (the O(log n) path every ledger write
 * takes), full recomputation of the root from the stored leaf hashes (what
 * `vigie verify --hub` does), and the latency of generating and verifying
 * inclusion and consistency proofs.  Proof generation rehashes the subtrees
 * from the leaves (O(n), no node cache yet), so its latency is that of
 * hashing the whole tree once.  Throughputs are the best of three runs.
 * Exits 1 if any computed root or proof disagrees.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ledger/merkle.h"

#define H VG_MERKLE_HASH_LEN
#define RUNS 3
#define PROOFS 8
#define VERIFY_REPS 20000

struct leaves {
    uint8_t (*h)[H];
    uint64_t n;
};

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int get(void *ctx, uint64_t index, uint8_t out[H])
{
    const struct leaves *l = ctx;

    memcpy(out, l->h[index], H);
    return 0;
}

int main(int argc, char **argv)
{
    struct leaves l;
    struct vg_merkle_frontier f;
    uint8_t root[H], root2[H], old_root[H], proof[VG_MERKLE_MAX_PROOF][H];
    double t, best, gen, ver;
    uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000, i, m;
    size_t np = 0;
    int run, p, r, rc = 1, sink = 0;

    if (n < 2) {
        fprintf(stderr, "usage: ledger_bench [LEAVES >= 2]\n");
        return 2;
    }
    l.n = n;
    l.h = malloc(n * sizeof(*l.h));
    if (l.h == NULL)
        return 1;
    printf("ledger_bench: %llu leaves\n", (unsigned long long)n);

    best = 1e9;
    for (run = 0; run < RUNS; run++) {
        t = now();
        for (i = 0; i < n; i++) {
            uint8_t rec[64];

            /* A leaf about the size of a ledger record's fixed part. */
            memset(rec, 0x42, sizeof(rec));
            memcpy(rec, &i, sizeof(i));
            vg_merkle_leaf_hash(rec, sizeof(rec), l.h[i]);
        }
        t = now() - t;
        best = t < best ? t : best;
    }
    printf("leaf hash (64-byte record):        %12.0f leaves/s\n", (double)n / best);

    best = 1e9;
    for (run = 0; run < RUNS; run++) {
        vg_merkle_frontier_init(&f);
        t = now();
        for (i = 0; i < n; i++) {
            if (vg_merkle_append(&f, l.h[i]) != VG_OK)
                goto out;
        }
        vg_merkle_root(&f, root);
        t = now() - t;
        best = t < best ? t : best;
    }
    printf("append (frontier, + final root):   %12.0f appends/s\n", (double)n / best);

    best = 1e9;
    for (run = 0; run < RUNS; run++) {
        t = now();
        if (vg_merkle_root_of((const uint8_t(*)[H])l.h, n, root2) != VG_OK)
            goto out;
        t = now() - t;
        best = t < best ? t : best;
    }
    if (memcmp(root, root2, H) != 0) {
        fprintf(stderr, "ledger_bench: frontier and full roots differ\n");
        goto out;
    }
    printf("full verification (root_of):       %12.0f leaves/s\n", (double)n / best);

    gen = ver = 0;
    for (p = 0; p < PROOFS; p++) {
        i = (n - 1) / (PROOFS - 1) * (uint64_t)p; /* spread over the tree, first to last */
        t = now();
        if (vg_merkle_inclusion_proof(get, &l, i, n, proof, &np) != VG_OK)
            goto out;
        gen += now() - t;
        t = now();
        for (r = 0; r < VERIFY_REPS; r++)
            sink += vg_merkle_verify_inclusion(l.h[i], i, n, (const uint8_t(*)[H])proof, np, root);
        ver += now() - t;
    }
    if (sink != PROOFS * VERIFY_REPS) {
        fprintf(stderr, "ledger_bench: an inclusion proof failed to verify\n");
        goto out;
    }
    printf("inclusion proof: generate %9.2f ms, verify %7.2f us (last: %zu hashes)\n",
           gen / PROOFS * 1e3, ver / (PROOFS * VERIFY_REPS) * 1e6, np);

    gen = ver = 0;
    sink = 0;
    for (p = 0; p < PROOFS; p++) {
        m = 1 + (n - 2) / (PROOFS - 1) * (uint64_t)p; /* 1 .. n-1 */
        t = now();
        if (vg_merkle_consistency_proof(get, &l, m, n, proof, &np) != VG_OK)
            goto out;
        gen += now() - t;
        if (vg_merkle_root_of((const uint8_t(*)[H])l.h, m, old_root) != VG_OK)
            goto out;
        t = now();
        for (r = 0; r < VERIFY_REPS; r++)
            sink +=
                vg_merkle_verify_consistency(m, n, old_root, root, (const uint8_t(*)[H])proof, np);
        ver += now() - t;
    }
    if (sink != PROOFS * VERIFY_REPS) {
        fprintf(stderr, "ledger_bench: a consistency proof failed to verify\n");
        goto out;
    }
    printf("consistency proof: generate %7.2f ms, verify %7.2f us (last: %zu hashes)\n",
           gen / PROOFS * 1e3, ver / (PROOFS * VERIFY_REPS) * 1e6, np);
    rc = 0;
out:
    free(l.h);
    return rc;
}
