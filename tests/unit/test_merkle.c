/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_merkle.c - the RFC 9162 Merkle tree of the evidence ledger.
 *
 * Three kinds of evidence: the published RFC 6962 vectors (roots, proofs) of
 * transparency-dev/merkle (testonly/constants.go, proof/verify_test.go);
 * agreement with a textbook recursive implementation of MTH, PATH and
 * SUBPROOF written here from the RFC's definitions; and exhaustive tampering
 * of every proof in every tree of 1 to 64 leaves.
 *
 * Changing a size or an index by one does not always make an RFC 9162
 * verifier fail: a root does not commit to the tree size, so when the other
 * size gives the proof the same shape (the same sequence of left/right
 * combinations) the verifier computes the same root and accepts.  The tests
 * state this exactly: such a change is accepted if and only if the shapes,
 * derived from the recursive definitions, are equal.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/hash.h"
#include "ledger/merkle.h"

#define H VG_MERKLE_HASH_LEN
#define MAXN 66

static void unhex(const char *s, uint8_t *out, size_t n)
{
    size_t i;

    assert_int_equal(strlen(s), 2 * n);
    for (i = 0; i < n; i++) {
        unsigned v;

        assert_int_equal(sscanf(s + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
}

static void assert_hash_hex(const uint8_t *h, const char *want)
{
    char got[2 * H + 1];

    vg_hex(h, H, got);
    assert_string_equal(got, want);
}

/* --- accessor over an array ------------------------------------------- */

struct arr {
    const uint8_t (*leaves)[H];
    uint64_t n;
    uint64_t fail_at; /* return VG_STORAGE for this index; UINT64_MAX never */
    int out_of_range; /* set when asked for an index >= n */
};

static int arr_get(void *ctx, uint64_t index, uint8_t out[H])
{
    struct arr *a = ctx;

    if (index >= a->n) {
        a->out_of_range = 1;
        return VG_NOT_FOUND;
    }
    if (index == a->fail_at)
        return VG_STORAGE;
    memcpy(out, a->leaves[index], H);
    return 0;
}

/* --- the RFC's recursive definitions, written independently ----------- */

static uint64_t ref_split(uint64_t n)
{
    uint64_t k = 1;

    while (k * 2 < n)
        k *= 2;
    return k;
}

static void ref_mth(const uint8_t (*d)[H], uint64_t n, uint8_t out[H])
{
    uint8_t l[H], r[H];
    uint64_t k;

    if (n == 0) {
        vg_sha256("", 0, out);
        return;
    }
    if (n == 1) {
        memcpy(out, d[0], H);
        return;
    }
    k = ref_split(n);
    ref_mth(d, k, l);
    ref_mth(d + k, n - k, r);
    vg_merkle_node_hash(l, r, out);
}

/* PATH(m, D[n]) with, per element, 'R' when the sibling is on the right. */
static void ref_path(const uint8_t (*d)[H], uint64_t m, uint64_t n, uint8_t (*out)[H], size_t *len,
                     char *shape)
{
    uint64_t k;

    if (n <= 1)
        return;
    k = ref_split(n);
    if (m < k) {
        ref_path(d, m, k, out, len, shape);
        ref_mth(d + k, n - k, out[*len]);
        shape[(*len)++] = 'R';
    } else {
        ref_path(d + k, m - k, n - k, out, len, shape);
        ref_mth(d, k, out[*len]);
        shape[(*len)++] = 'L';
    }
    shape[*len] = '\0';
}

/* SUBPROOF(m, D[n], b); shape: 'O' the old root starts the computation,
 * 'S' the first element does, then 'L' a left sibling in both trees, 'R' a
 * right sibling in the new tree only. */
static void ref_subproof(const uint8_t (*d)[H], uint64_t m, uint64_t n, int b, uint8_t (*out)[H],
                         size_t *len, char *shape, size_t *slen)
{
    uint64_t k;

    if (m == n) {
        if (!b) {
            ref_mth(d, m, out[(*len)++]);
            shape[(*slen)++] = 'S';
        } else {
            shape[(*slen)++] = 'O';
        }
        shape[*slen] = '\0';
        return;
    }
    k = ref_split(n);
    if (m <= k) {
        ref_subproof(d, m, k, b, out, len, shape, slen);
        ref_mth(d + k, n - k, out[(*len)++]);
        shape[(*slen)++] = 'R';
    } else {
        ref_subproof(d + k, m - k, n - k, 0, out, len, shape, slen);
        ref_mth(d, k, out[(*len)++]);
        shape[(*slen)++] = 'L';
    }
    shape[*slen] = '\0';
}

static void incl_shape(const uint8_t (*d)[H], uint64_t i, uint64_t n, char *shape)
{
    uint8_t tmp[VG_MERKLE_MAX_PROOF][H];
    size_t len = 0;

    shape[0] = '\0';
    ref_path(d, i, n, tmp, &len, shape);
}

static void cons_shape(const uint8_t (*d)[H], uint64_t m, uint64_t n, char *shape)
{
    uint8_t tmp[VG_MERKLE_MAX_PROOF + 1][H];
    size_t len = 0, slen = 0;

    ref_subproof(d, m, n, 1, tmp, &len, shape, &slen);
}

/* --- the RFC 6962 vectors ---------------------------------------------- */

static const char *const ct_leaves[8] = {
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
};

/* transparency-dev/merkle testonly/constants.go RootHashes(), sizes 0..8. */
static const char *const ct_roots[9] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

static void ct_leaf_hashes(uint8_t (*lh)[H])
{
    size_t i;

    for (i = 0; i < 8; i++) {
        uint8_t raw[16];
        size_t n = strlen(ct_leaves[i]) / 2;

        unhex(ct_leaves[i], raw, n);
        vg_merkle_leaf_hash(raw, n, lh[i]);
    }
}

static void test_rfc6962_roots(void **state)
{
    uint8_t lh[8][H], out[H];
    struct vg_merkle_frontier f;
    uint64_t n;

    (void)state;
    ct_leaf_hashes(lh);
    vg_merkle_empty_root(out);
    assert_hash_hex(out, ct_roots[0]);
    assert_int_equal(vg_merkle_root_of(NULL, 0, out), VG_OK);
    assert_hash_hex(out, ct_roots[0]);
    vg_merkle_frontier_init(&f);
    vg_merkle_root(&f, out);
    assert_hash_hex(out, ct_roots[0]);
    for (n = 1; n <= 8; n++) {
        assert_int_equal(vg_merkle_append(&f, lh[n - 1]), VG_OK);
        assert_int_equal(f.size, n);
        vg_merkle_root(&f, out);
        assert_hash_hex(out, ct_roots[n]);
        assert_int_equal(vg_merkle_root_of((const uint8_t(*)[H])lh, n, out), VG_OK);
        assert_hash_hex(out, ct_roots[n]);
        ref_mth((const uint8_t(*)[H])lh, n, out);
        assert_hash_hex(out, ct_roots[n]);
    }
}

/* transparency-dev/merkle proof/verify_test.go (its leaf numbers are
 * 1-based; these indexes are 0-based). */
static const struct {
    uint64_t index, size;
    size_t n;
    const char *proof[3];
} ct_incl[] = {
    {0,
     8,
     3,
     {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {5,
     8,
     3,
     {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {2, 3, 1, {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
    {1,
     5,
     3,
     {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
};

static const struct {
    uint64_t m, n;
    size_t len;
    const char *proof[3];
} ct_cons[] = {
    {1,
     8,
     3,
     {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {6,
     8,
     3,
     {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {2,
     5,
     2,
     {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
    {6,
     7,
     3,
     {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
};

static void test_rfc6962_proofs(void **state)
{
    uint8_t lh[8][H], proof[VG_MERKLE_MAX_PROOF][H], want[3][H], root[H], root2[H];
    struct arr a = {NULL, 8, UINT64_MAX, 0};
    size_t i, j, n;

    (void)state;
    ct_leaf_hashes(lh);
    a.leaves = (const uint8_t(*)[H])lh;
    for (i = 0; i < sizeof(ct_incl) / sizeof(ct_incl[0]); i++) {
        assert_int_equal(
            vg_merkle_inclusion_proof(arr_get, &a, ct_incl[i].index, ct_incl[i].size, proof, &n),
            VG_OK);
        assert_int_equal(n, ct_incl[i].n);
        for (j = 0; j < n; j++) {
            assert_hash_hex(proof[j], ct_incl[i].proof[j]);
            unhex(ct_incl[i].proof[j], want[j], H);
        }
        unhex(ct_roots[ct_incl[i].size], root, H);
        assert_true(vg_merkle_verify_inclusion(lh[ct_incl[i].index], ct_incl[i].index,
                                               ct_incl[i].size, (const uint8_t(*)[H])want, n,
                                               root));
    }
    for (i = 0; i < sizeof(ct_cons) / sizeof(ct_cons[0]); i++) {
        assert_int_equal(
            vg_merkle_consistency_proof(arr_get, &a, ct_cons[i].m, ct_cons[i].n, proof, &n), VG_OK);
        assert_int_equal(n, ct_cons[i].len);
        for (j = 0; j < n; j++) {
            assert_hash_hex(proof[j], ct_cons[i].proof[j]);
            unhex(ct_cons[i].proof[j], want[j], H);
        }
        unhex(ct_roots[ct_cons[i].m], root, H);
        unhex(ct_roots[ct_cons[i].n], root2, H);
        assert_true(vg_merkle_verify_consistency(ct_cons[i].m, ct_cons[i].n, root, root2,
                                                 (const uint8_t(*)[H])want, n));
        assert_false(vg_merkle_verify_consistency(ct_cons[i].m, ct_cons[i].n, root2, root,
                                                  (const uint8_t(*)[H])want, n));
    }
    assert_false(a.out_of_range);
}

/* --- frontier and bulk root -------------------------------------------- */

static void make_leaves(uint8_t (*lh)[H], uint64_t n)
{
    uint64_t i;

    for (i = 0; i < n; i++) {
        uint8_t raw[3] = {(uint8_t)i, (uint8_t)(i >> 8), 0x5a};

        vg_merkle_leaf_hash(raw, sizeof(raw), lh[i]);
    }
}

static void test_frontier_matches_root_of(void **state)
{
    static uint8_t lh[301][H];
    struct vg_merkle_frontier f;
    uint8_t a[H], b[H], c[H];
    uint64_t n;

    (void)state;
    make_leaves(lh, 301);
    vg_merkle_frontier_init(&f);
    for (n = 0; n <= 300; n++) {
        if (n > 0)
            assert_int_equal(vg_merkle_append(&f, lh[n - 1]), VG_OK);
        vg_merkle_root(&f, a);
        assert_int_equal(vg_merkle_root_of((const uint8_t(*)[H])lh, n, b), VG_OK);
        ref_mth((const uint8_t(*)[H])lh, n, c);
        assert_memory_equal(a, b, H);
        assert_memory_equal(a, c, H);
    }
}

static void test_append_limit(void **state)
{
    struct vg_merkle_frontier f, g;
    uint8_t leaf[H] = {1};

    (void)state;
    vg_merkle_frontier_init(&f);
    f.size = UINT64_MAX;
    g = f;
    assert_int_equal(vg_merkle_append(&f, leaf), VG_LIMIT);
    assert_memory_equal(&f, &g, sizeof(f));
    f.size = UINT64_MAX - 1;
    assert_int_equal(vg_merkle_append(&f, leaf), VG_OK);
    assert_true(f.size == UINT64_MAX);
}

/* --- exhaustive proofs and tampering, sizes 1..64 ---------------------- */

struct counts {
    unsigned long proofs, probes, size_aliases;
};

static void check_inclusion(const uint8_t (*lh)[H], uint64_t i, uint64_t n, struct counts *k)
{
    uint8_t p[VG_MERKLE_MAX_PROOF + 1][H], ref[VG_MERKLE_MAX_PROOF][H], root[H], other[H];
    char shape[VG_MERKLE_MAX_PROOF + 1], s2[VG_MERKLE_MAX_PROOF + 1];
    struct arr a = {lh, n, UINT64_MAX, 0};
    size_t len = 0, rlen = 0, j, bit;
    int d;

    ref_mth(lh, n, root);
    assert_int_equal(vg_merkle_inclusion_proof(arr_get, &a, i, n, p, &len), VG_OK);
    assert_false(a.out_of_range);
    shape[0] = '\0';
    ref_path(lh, i, n, ref, &rlen, shape);
    assert_int_equal(len, rlen);
    if (len > 0)
        assert_memory_equal(p, ref, len * H);
    assert_true(vg_merkle_verify_inclusion(lh[i], i, n, (const uint8_t(*)[H])p, len, root));
    k->proofs++;

    for (j = 0; j < len; j++) {
        for (bit = 0; bit < 8 * H; bit++) {
            p[j][bit / 8] ^= (uint8_t)(1u << (bit % 8));
            assert_false(
                vg_merkle_verify_inclusion(lh[i], i, n, (const uint8_t(*)[H])p, len, root));
            p[j][bit / 8] ^= (uint8_t)(1u << (bit % 8));
            k->probes++;
        }
    }
    /* The leaf and the root. */
    for (bit = 0; bit < 8 * H; bit += 7) {
        memcpy(other, lh[i], H);
        other[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        assert_false(vg_merkle_verify_inclusion(other, i, n, (const uint8_t(*)[H])p, len, root));
        memcpy(other, root, H);
        other[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        assert_false(vg_merkle_verify_inclusion(lh[i], i, n, (const uint8_t(*)[H])p, len, other));
        k->probes += 2;
    }
    /* Truncated, extended (by a copy of the root, of the first hash, by
     * zeros), and with the first hash dropped. */
    if (len > 0) {
        assert_false(
            vg_merkle_verify_inclusion(lh[i], i, n, (const uint8_t(*)[H])p, len - 1, root));
        assert_false(
            vg_merkle_verify_inclusion(lh[i], i, n, (const uint8_t(*)[H])p + 1, len - 1, root));
        k->probes += 2;
    }
    memcpy(p[len], root, H);
    assert_false(vg_merkle_verify_inclusion(lh[i], i, n, (const uint8_t(*)[H])p, len + 1, root));
    memset(p[len], 0, H);
    assert_false(vg_merkle_verify_inclusion(lh[i], i, n, (const uint8_t(*)[H])p, len + 1, root));
    k->probes += 2;
    /* Index and size off by one: rejected unless the RFC verifier cannot
     * tell them apart (same shape, see the top of this file). */
    for (d = -1; d <= 1; d += 2) {
        uint64_t i2 = i + (uint64_t)(int64_t)d, n2 = n + (uint64_t)(int64_t)d;
        int want;

        if (i2 < n && !(i == 0 && d < 0)) {
            incl_shape(lh, i2, n, s2);
            want = strcmp(s2, shape) == 0;
            assert_int_equal(
                vg_merkle_verify_inclusion(lh[i], i2, n, (const uint8_t(*)[H])p, len, root), want);
            k->probes++;
        } else {
            assert_false(
                vg_merkle_verify_inclusion(lh[i], i2, n, (const uint8_t(*)[H])p, len, root));
        }
        want = 0;
        if (i < n2 && n2 < MAXN) {
            incl_shape(lh, i, n2, s2);
            want = strcmp(s2, shape) == 0;
        }
        assert_int_equal(
            vg_merkle_verify_inclusion(lh[i], i, n2, (const uint8_t(*)[H])p, len, root), want);
        k->size_aliases += (unsigned long)want;
        k->probes++;
    }
}

static void check_consistency(const uint8_t (*lh)[H], uint64_t m, uint64_t n, struct counts *k)
{
    uint8_t p[VG_MERKLE_MAX_PROOF + 1][H], ref[VG_MERKLE_MAX_PROOF + 1][H], r1[H], r2[H];
    char shape[VG_MERKLE_MAX_PROOF + 2], s2[VG_MERKLE_MAX_PROOF + 2];
    struct arr a = {lh, n, UINT64_MAX, 0};
    size_t len = 0, rlen = 0, slen = 0, j, bit;
    int dm, dn;

    ref_mth(lh, m, r1);
    ref_mth(lh, n, r2);
    assert_int_equal(vg_merkle_consistency_proof(arr_get, &a, m, n, p, &len), VG_OK);
    assert_false(a.out_of_range);
    ref_subproof(lh, m, n, 1, ref, &rlen, shape, &slen);
    assert_int_equal(len, rlen);
    if (len > 0)
        assert_memory_equal(p, ref, len * H);
    assert_true(vg_merkle_verify_consistency(m, n, r1, r2, (const uint8_t(*)[H])p, len));
    k->proofs++;
    if (m == n) {
        assert_int_equal(len, 0);
        memcpy(p[0], r1, H);
        assert_false(vg_merkle_verify_consistency(m, n, r1, r2, (const uint8_t(*)[H])p, 1));
        r2[0] ^= 1;
        assert_false(vg_merkle_verify_consistency(m, n, r1, r2, (const uint8_t(*)[H])p, 0));
        k->probes += 2;
        return;
    }
    assert_true(len > 0);
    for (j = 0; j < len; j++) {
        for (bit = 0; bit < 8 * H; bit++) {
            p[j][bit / 8] ^= (uint8_t)(1u << (bit % 8));
            assert_false(vg_merkle_verify_consistency(m, n, r1, r2, (const uint8_t(*)[H])p, len));
            p[j][bit / 8] ^= (uint8_t)(1u << (bit % 8));
            k->probes++;
        }
    }
    assert_false(vg_merkle_verify_consistency(m, n, r2, r1, (const uint8_t(*)[H])p, len));
    assert_false(vg_merkle_verify_consistency(m, n, r1, r1, (const uint8_t(*)[H])p, len));
    assert_false(vg_merkle_verify_consistency(m, n, r2, r2, (const uint8_t(*)[H])p, len));
    assert_false(vg_merkle_verify_consistency(m, n, r1, r2, (const uint8_t(*)[H])p, len - 1));
    assert_false(vg_merkle_verify_consistency(m, n, r1, r2, (const uint8_t(*)[H])p + 1, len - 1));
    assert_false(vg_merkle_verify_consistency(m, n, r1, r2, (const uint8_t(*)[H])p, 0));
    memcpy(p[len], r1, H);
    assert_false(vg_merkle_verify_consistency(m, n, r1, r2, (const uint8_t(*)[H])p, len + 1));
    memcpy(p[len], r2, H);
    assert_false(vg_merkle_verify_consistency(m, n, r1, r2, (const uint8_t(*)[H])p, len + 1));
    memset(p[len], 0, H);
    assert_false(vg_merkle_verify_consistency(m, n, r1, r2, (const uint8_t(*)[H])p, len + 1));
    k->probes += 9;
    /* m and n off by one (and both): rejected unless the shapes match. */
    for (dm = -1; dm <= 1; dm++) {
        for (dn = -1; dn <= 1; dn++) {
            uint64_t m2 = m + (uint64_t)(int64_t)dm, n2 = n + (uint64_t)(int64_t)dn;
            int want = 0;

            if (dm == 0 && dn == 0)
                continue;
            if (m2 > 0 && m2 < n2 && n2 < MAXN) {
                cons_shape(lh, m2, n2, s2);
                want = strcmp(s2, shape) == 0;
            }
            assert_int_equal(
                vg_merkle_verify_consistency(m2, n2, r1, r2, (const uint8_t(*)[H])p, len), want);
            k->size_aliases += (unsigned long)want;
            k->probes++;
        }
    }
}

static void test_all_proofs_1_to_64(void **state)
{
    static uint8_t lh[MAXN][H];
    struct counts k = {0, 0, 0};
    uint64_t n, i;

    (void)state;
    make_leaves(lh, MAXN);
    for (n = 1; n <= 64; n++) {
        for (i = 0; i < n; i++)
            check_inclusion((const uint8_t(*)[H])lh, i, n, &k);
        for (i = 1; i <= n; i++)
            check_consistency((const uint8_t(*)[H])lh, i, n, &k);
    }
    print_message("proofs %lu, tampered probes rejected %lu, size/index changes accepted "
                  "because the shape is the same %lu\n",
                  k.proofs, k.probes, k.size_aliases);
    assert_int_equal(k.proofs, 2 * (64 * 65 / 2));
}

/* --- arguments, limits, accessor failures ------------------------------ */

static void test_rejects(void **state)
{
    static uint8_t lh[8][H];
    uint8_t p[VG_MERKLE_MAX_PROOF + 1][H], root[H], empty[H];
    struct arr a = {NULL, 8, UINT64_MAX, 0};
    size_t n = 99;

    (void)state;
    make_leaves(lh, 8);
    a.leaves = (const uint8_t(*)[H])lh;
    ref_mth(a.leaves, 8, root);
    vg_merkle_empty_root(empty);

    assert_int_equal(vg_merkle_inclusion_proof(arr_get, &a, 8, 8, p, &n), VG_INVALID);
    assert_int_equal(vg_merkle_inclusion_proof(arr_get, &a, 0, 0, p, &n), VG_INVALID);
    assert_int_equal(vg_merkle_inclusion_proof(NULL, &a, 0, 8, p, &n), VG_INVALID);
    assert_int_equal(vg_merkle_consistency_proof(arr_get, &a, 0, 8, p, &n), VG_INVALID);
    assert_int_equal(vg_merkle_consistency_proof(arr_get, &a, 0, 0, p, &n), VG_INVALID);
    assert_int_equal(vg_merkle_consistency_proof(arr_get, &a, 5, 4, p, &n), VG_INVALID);
    assert_int_equal(n, 99);
    assert_int_equal(vg_merkle_consistency_proof(arr_get, &a, 8, 8, p, &n), VG_OK);
    assert_int_equal(n, 0);

    /* The accessor's error comes back, the outputs stay untouched. */
    n = 99;
    a.fail_at = 6;
    assert_int_equal(vg_merkle_inclusion_proof(arr_get, &a, 1, 8, p, &n), VG_STORAGE);
    assert_int_equal(vg_merkle_consistency_proof(arr_get, &a, 3, 8, p, &n), VG_STORAGE);
    assert_int_equal(n, 99);
    a.fail_at = UINT64_MAX;

    /* Index/size and m/n out of range, empty tree, m == 0. */
    assert_false(vg_merkle_verify_inclusion(lh[0], 0, 0, NULL, 0, empty));
    assert_false(vg_merkle_verify_inclusion(lh[0], 1, 1, NULL, 0, lh[0]));
    assert_true(vg_merkle_verify_inclusion(lh[0], 0, 1, NULL, 0, lh[0]));
    assert_false(vg_merkle_verify_inclusion(lh[0], 0, 1, (const uint8_t(*)[H])p, 1, lh[0]));
    assert_false(vg_merkle_verify_inclusion(lh[0], UINT64_MAX, UINT64_MAX, NULL, 0, lh[0]));
    assert_false(vg_merkle_verify_inclusion(NULL, 0, 1, NULL, 0, lh[0]));
    assert_false(vg_merkle_verify_inclusion(lh[0], 0, 2, NULL, 1, lh[0]));
    assert_false(vg_merkle_verify_consistency(0, 0, empty, empty, NULL, 0));
    assert_false(vg_merkle_verify_consistency(0, 8, empty, root, NULL, 0));
    assert_false(vg_merkle_verify_consistency(9, 8, root, root, NULL, 0));
    assert_true(vg_merkle_verify_consistency(8, 8, root, root, NULL, 0));
    assert_false(vg_merkle_verify_consistency(8, 8, root, empty, NULL, 0));
    assert_false(vg_merkle_verify_consistency(1, 8, lh[0], root, NULL, 0));
    assert_false(vg_merkle_verify_consistency(1, 8, lh[0], NULL, NULL, 0));

    /* Over-long proofs are refused before being read. */
    memset(p, 0, sizeof(p));
    assert_false(vg_merkle_verify_inclusion(lh[0], 0, UINT64_MAX, (const uint8_t(*)[H])p,
                                            VG_MERKLE_MAX_PROOF + 1, root));
    assert_false(vg_merkle_verify_consistency(1, UINT64_MAX, lh[0], root, (const uint8_t(*)[H])p,
                                              VG_MERKLE_MAX_PROOF + 1));
}

/* A leaf hash is not a node hash: the 0x00/0x01 prefixes are applied. */
static void test_domain_separation(void **state)
{
    uint8_t a[H], b[H], l[H], r[H], buf[1 + 2 * H];

    (void)state;
    vg_merkle_leaf_hash("abc", 3, a);
    buf[0] = 0;
    memcpy(buf + 1, "abc", 3);
    vg_sha256(buf, 4, b);
    assert_memory_equal(a, b, H);
    memset(l, 0x11, H);
    memset(r, 0x22, H);
    vg_merkle_node_hash(l, r, a);
    buf[0] = 1;
    memcpy(buf + 1, l, H);
    memcpy(buf + 1 + H, r, H);
    vg_sha256(buf, sizeof(buf), b);
    assert_memory_equal(a, b, H);
    /* out aliasing an input */
    vg_merkle_node_hash(l, r, l);
    assert_memory_equal(l, b, H);
}

/* Block roots of 4 leaves (level 2), as a store keeps them; blocks with an
 * odd number are "not kept", so both paths of the generator run. */
static int blk_node(void *ctx, uint64_t j, uint8_t out[H])
{
    struct arr *a = ctx;

    if (j % 2 == 1)
        return VG_NOT_FOUND;
    if ((j + 1) * 4 > a->n) {
        a->out_of_range = 1;
        return VG_NOT_FOUND;
    }
    assert_int_equal(vg_merkle_root_of(a->leaves + j * 4, 4, out), VG_OK);
    return 0;
}

/* Proofs from stored block roots are the proofs from the leaves, for every
 * index and pair of sizes up to 64, and never ask beyond the tree. */
static void test_proofs_from_block_roots(void **state)
{
    uint8_t leaves[64][H], p1[VG_MERKLE_MAX_PROOF][H], p2[VG_MERKLE_MAX_PROOF][H];
    size_t n1, n2;
    uint64_t n, i;

    (void)state;
    for (i = 0; i < 64; i++) {
        uint8_t b = (uint8_t)i;

        vg_merkle_leaf_hash(&b, 1, leaves[i]);
    }
    for (n = 1; n <= 64; n++) {
        struct arr a = {(const uint8_t(*)[H])leaves, n, UINT64_MAX, 0};

        for (i = 0; i < n; i++) {
            assert_int_equal(vg_merkle_inclusion_proof(arr_get, &a, i, n, p1, &n1), VG_OK);
            assert_int_equal(
                vg_merkle_inclusion_proof_nodes(arr_get, blk_node, 2, &a, i, n, p2, &n2), VG_OK);
            assert_int_equal(n1, n2);
            assert_memory_equal(p1, p2, n1 * H);
            assert_int_equal(vg_merkle_consistency_proof(arr_get, &a, i + 1, n, p1, &n1), VG_OK);
            assert_int_equal(
                vg_merkle_consistency_proof_nodes(arr_get, blk_node, 2, &a, i + 1, n, p2, &n2),
                VG_OK);
            assert_int_equal(n1, n2);
            assert_memory_equal(p1, p2, n1 * H);
        }
        assert_false(a.out_of_range);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc6962_roots),      cmocka_unit_test(test_rfc6962_proofs),
        cmocka_unit_test(test_domain_separation),  cmocka_unit_test(test_frontier_matches_root_of),
        cmocka_unit_test(test_append_limit),       cmocka_unit_test(test_rejects),
        cmocka_unit_test(test_all_proofs_1_to_64), cmocka_unit_test(test_proofs_from_block_roots),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
