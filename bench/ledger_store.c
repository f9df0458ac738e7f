/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ledger_store.c - the evidence ledger as the SQLite store keeps it.
 *
 *   build/ledger_store [N]   (default 1,000,000)
 *
 * In a new hub under /tmp: N object versions stored through the store's put
 * (each with its leaf, in transactions of 100,000), then N log-event leaves
 * appended alone in one transaction; a checkpoint signed; the whole hub
 * verified (every leaf recomputed from its row, the tree from the leaves,
 * the checkpoints checked); inclusion and consistency proofs generated from
 * the store and verified.  One thread, wall-clock times; no peer runs here
 * (see BENCHMARKS.md for the import with and without the ledger).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../tests/support/temp_hub.h"
#include "common/vtime.h"
#include "evidence/evidence.h"
#include "ledger/leaf.h"
#include "ledger/merkle.h"

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const struct vg_error *err)
{
    fprintf(stderr, "ledger_store: %s: %s\n", what, err->msg);
    exit(1);
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1000000, i;
    char dir[128], id[80], json[512];
    struct vg_store *st;
    struct vg_org org;
    struct vg_error err;
    struct vg_audience aud;
    struct vg_object_version v;
    struct vg_hub_report rep;
    struct vg_leaf leaf;
    enum vg_put_result res;
    uint8_t bytes[VG_LEAF_MAX], path[VG_MERKLE_MAX_PROOF][32], root[32], lh[32], old_root[32];
    size_t len, np;
    uint64_t size, idx, m;
    double t0, t_put, t_app, t_sign, t_ver, t_incl, t_cons, t_vi, t_vc;
    int reps = 1000, k, ok = 1;

    if (n < 2 || temp_hub_open(dir, sizeof(dir), "ledger-bench", &st) != 0) {
        fprintf(stderr, "usage: ledger_store [N >= 2]\n");
        return 2;
    }
    memset(&org, 0, sizeof(org));
    snprintf(org.name, sizeof(org.name), "bench");
    snprintf(org.kind, sizeof(org.kind), "operator");
    org.is_operator = 1;
    if (vg_store_org_add(st, &org, &err) != VG_OK ||
        vg_store_meta_set(st, "operator", "bench", &err) != VG_OK ||
        vg_policy_audience(VG_TLP_GREEN, org.id, NULL, 0, NULL, 0, &aud) != VG_OK)
        die("setup", &err);

    /* 1. object versions, each with its leaf */
    t0 = now_s();
    for (i = 0; i < n; i++) {
        if (i % 100000 == 0 && (i && vg_store_commit(st, &err) != VG_OK))
            die("commit", &err);
        if (i % 100000 == 0 && vg_store_begin(st, &err) != VG_OK)
            die("begin", &err);
        snprintf(id, sizeof(id), "indicator--00000000-0000-4000-8000-%012ld", i);
        snprintf(json, sizeof(json),
                 "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"%s\",\"created\":"
                 "\"2026-01-01T00:00:00Z\",\"modified\":\"2026-01-01T00:00:00Z\",\"pattern\":\"["
                 "ipv4-addr:value = '10.%ld.%ld.%ld']\",\"pattern_type\":\"stix\",\"valid_from\":"
                 "\"2026-01-01T00:00:00Z\"}",
                 id, (i >> 16) & 255, (i >> 8) & 255, i & 255);
        memset(&v, 0, sizeof(v));
        v.stix_id = id;
        v.type = "indicator";
        v.modified_us = 1767225600000000;
        v.tlp = VG_TLP_GREEN;
        v.aud = &aud;
        v.org_id = org.id;
        v.json = json;
        v.json_len = strlen(json);
        v.key_id = "vk_0123456789abcdef";
        if (vg_store_put_object(st, &v, &res, NULL, &err) != VG_OK)
            die("put", &err);
    }
    if (vg_store_commit(st, &err) != VG_OK)
        die("commit", &err);
    t_put = now_s() - t0;
    if (vg_store_ledger_head(st, &m, old_root, &err) != VG_OK) /* the older tree, for step 5 */
        die("head", &err);

    /* 2. leaves alone (log events: whole leaf stored), one transaction */
    memset(&leaf, 0, sizeof(leaf));
    leaf.action = 34; /* a log event with no row of its own (an artefact leaf would need one) */
    leaf.time_us = vg_time_now_us();
    leaf.tlp = VG_LEAF_NO_TLP;
    snprintf(leaf.org, sizeof(leaf.org), "%s", org.stix_id);
    snprintf(leaf.subject, sizeof(leaf.subject), "indicator--00000000-0000-4000-8000-000000000000");
    if (vg_leaf_encode(&leaf, bytes, &len, &err) != VG_OK || vg_store_begin(st, &err) != VG_OK)
        die("leaf", &err);
    t0 = now_s();
    for (i = 0; i < n; i++)
        if (vg_store_ledger_append(st, bytes, len, &idx, &err) != VG_OK)
            die("append", &err);
    if (vg_store_commit(st, &err) != VG_OK)
        die("commit", &err);
    t_app = now_s() - t0;

    /* 3. a checkpoint (the key is made first) */
    if (vg_evidence_checkpoint(st, dir, VG_EVIDENCE_HEAD, NULL, &err) != VG_OK)
        die("checkpoint", &err);
    t0 = now_s();
    if (vg_evidence_rotate(st, dir, &(struct vg_note_key){0}, &err) != VG_OK ||
        vg_evidence_checkpoint(st, dir, VG_EVIDENCE_HEAD, NULL, &err) != VG_OK)
        die("checkpoint", &err);
    t_sign = now_s() - t0;

    /* 4. the whole hub */
    t0 = now_s();
    if (vg_evidence_verify_hub(st, dir, &rep, &err) != VG_OK)
        die("verify", &err);
    t_ver = now_s() - t0;
    vg_hub_report_cleanup(&rep);

    /* 5. proofs from the store: generation, then verification */
    if (vg_store_ledger_head(st, &size, root, &err) != VG_OK ||
        vg_store_ledger_entry(st, 1, bytes, &len, NULL, &err) != VG_OK)
        die("head", &err);
    vg_merkle_leaf_hash(bytes, len, lh);
    t0 = now_s();
    if (vg_store_ledger_inclusion(st, 1, size, path, &np, &err) != VG_OK)
        die("inclusion", &err);
    t_incl = now_s() - t0;
    t0 = now_s();
    for (k = 0; k < reps; k++)
        ok &= vg_merkle_verify_inclusion(lh, 1, size, (const uint8_t(*)[32])path, np, root);
    t_vi = (now_s() - t0) / reps;
    {
        t0 = now_s();
        if (vg_store_ledger_consistency(st, m, size, path, &np, &err) != VG_OK)
            die("consistency", &err);
        t_cons = now_s() - t0;
        t0 = now_s();
        for (k = 0; k < reps; k++)
            ok &= vg_merkle_verify_consistency(m, size, old_root, root, (const uint8_t(*)[32])path,
                                               np);
        t_vc = (now_s() - t0) / reps;
    }
    if (!ok) {
        fprintf(stderr, "ledger_store: a proof did not verify\n");
        return 1;
    }
    printf("ledger in the store - %ld object versions + %ld log leaves (%llu entries), one "
           "thread\n\n",
           n, n, (unsigned long long)size);
    printf("| operation | figure |\n|---|---|\n");
    printf("| put with its leaf (store only, no parsing), 100,000 per transaction | %.0f "
           "objects/s |\n",
           (double)n / t_put);
    printf("| ledger append alone (leaf hashed, frontier, row), one transaction | %.0f "
           "appends/s |\n",
           (double)n / t_app);
    printf("| key rotation + checkpoint signed | %.1f ms |\n", t_sign * 1e3);
    printf("| vigie verify --hub: leaves recomputed from rows, tree, checkpoints | %.0f "
           "leaves/s (%.2f s) |\n",
           (double)size / t_ver, t_ver);
    printf("| inclusion proof, %llu entries: generate / verify | %.1f ms / %.1f us |\n",
           (unsigned long long)size, t_incl * 1e3, t_vi * 1e6);
    printf("| consistency proof, %llu entries: generate / verify | %.1f ms / %.1f us |\n",
           (unsigned long long)size, t_cons * 1e3, t_vc * 1e6);
    return temp_hub_remove(dir, st) == 0 ? 0 : 1;
}
