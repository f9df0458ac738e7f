/* SPDX-License-Identifier: Apache-2.0 */
/*
 * merkle.c - RFC 9162 Merkle tree: hashing, compact frontier, proofs.
 *
 * Everything is built on one structure, the compact frontier: the roots of
 * the perfect subtrees in the binary decomposition of the tree size.
 * Appending a leaf is a binary increment that merges equal-sized subtrees;
 * folding the frontier from its smallest subtree upwards gives MTH, because
 * the RFC's split at the largest power of two peels exactly those perfect
 * subtrees off from the left.  The same structure, kept on the stack, hashes
 * the arbitrary leaf ranges proof generation needs, with O(log n) memory and
 * no recursion.
 *
 * Bulk work (root_of, proof generation and verification) reuses one digest
 * context per call instead of paying OpenSSL 3's per-call fetch and
 * allocation in vg_sha256; single hashes go through vg_sha256.  A digest
 * failure is remembered in the context and makes the whole call fail
 * (generation) or reject (verification), never yield a half-computed hash.
 *
 * Thread-safe: no global or static mutable state.
 */
#include "merkle.h"

#include <assert.h>
#include <string.h>

#include <openssl/evp.h>

#include "common/hash.h"

#define HLEN VG_MERKLE_HASH_LEN

/* A digest context for one call.  A NULL hasher means "use vg_sha256". */
struct hasher {
    EVP_MD *md;
    EVP_MD_CTX *ctx;
    int failed;
};

static void hasher_close(struct hasher *h)
{
    EVP_MD_CTX_free(h->ctx);
    EVP_MD_free(h->md);
    h->ctx = NULL;
    h->md = NULL;
}

static enum vg_rc hasher_open(struct hasher *h)
{
    h->failed = 0;
    h->md = EVP_MD_fetch(NULL, "SHA256", NULL);
    h->ctx = EVP_MD_CTX_new();
    if (h->md == NULL || h->ctx == NULL) {
        hasher_close(h);
        return VG_NOMEM;
    }
    return VG_OK;
}

/* node(l, r) into out; out may alias l or r. */
static void hnode(struct hasher *h, const uint8_t *l, const uint8_t *r, uint8_t *out)
{
    uint8_t buf[1 + 2 * HLEN];
    unsigned int len = 0;

    buf[0] = 0x01;
    memcpy(buf + 1, l, HLEN);
    memcpy(buf + 1 + HLEN, r, HLEN);
    if (h == NULL) {
        vg_sha256(buf, sizeof(buf), out);
        return;
    }
    if (h->failed || EVP_DigestInit_ex2(h->ctx, h->md, NULL) != 1 ||
        EVP_DigestUpdate(h->ctx, buf, sizeof(buf)) != 1 ||
        EVP_DigestFinal_ex(h->ctx, out, &len) != 1 || len != HLEN) {
        h->failed = 1;
        memset(out, 0, HLEN);
    }
}

void vg_merkle_leaf_hash(const void *leaf, size_t len, uint8_t out[VG_MERKLE_HASH_LEN])
{
    static const uint8_t zero = 0x00;

    /* Streamed so that leaves of any size need no copy; on failure the
     * digest is zeroed: it then matches nothing. */
    vg_sha256_2(&zero, 1, leaf, len, out);
}

void vg_merkle_node_hash(const uint8_t left[VG_MERKLE_HASH_LEN],
                         const uint8_t right[VG_MERKLE_HASH_LEN], uint8_t out[VG_MERKLE_HASH_LEN])
{
    hnode(NULL, left, right, out);
}

void vg_merkle_empty_root(uint8_t out[VG_MERKLE_HASH_LEN])
{
    vg_sha256("", 0, out);
}

void vg_merkle_frontier_init(struct vg_merkle_frontier *f)
{
    memset(f, 0, sizeof(*f));
}

/* Binary increment: merge the new leaf with every subtree of equal size. */
static void push(struct hasher *h, struct vg_merkle_frontier *f, const uint8_t leaf[HLEN])
{
    uint8_t cur[HLEN];
    unsigned k = 0;

    assert(f->size != UINT64_MAX);
    memcpy(cur, leaf, HLEN);
    while ((f->size >> k) & 1) {
        hnode(h, f->nodes[k], cur, cur);
        k++;
    }
    memcpy(f->nodes[k], cur, HLEN);
    f->size++;
}

static void fold(struct hasher *h, const struct vg_merkle_frontier *f, uint8_t out[HLEN])
{
    unsigned k;

    if (f->size == 0) {
        vg_merkle_empty_root(out);
        return;
    }
    k = (unsigned)__builtin_ctzll(f->size);
    memcpy(out, f->nodes[k], HLEN);
    for (k++; k < 64; k++) {
        if ((f->size >> k) & 1)
            hnode(h, f->nodes[k], out, out);
    }
}

enum vg_rc vg_merkle_append(struct vg_merkle_frontier *f,
                            const uint8_t leaf_hash[VG_MERKLE_HASH_LEN])
{
    if (f->size == UINT64_MAX)
        return VG_LIMIT;
    push(NULL, f, leaf_hash);
    return VG_OK;
}

void vg_merkle_root(const struct vg_merkle_frontier *f, uint8_t out[VG_MERKLE_HASH_LEN])
{
    fold(NULL, f, out);
}

enum vg_rc vg_merkle_root_of(const uint8_t (*leaves)[VG_MERKLE_HASH_LEN], uint64_t n,
                             uint8_t out[VG_MERKLE_HASH_LEN])
{
    struct vg_merkle_frontier f;
    struct hasher h;
    uint8_t root[HLEN];
    enum vg_rc rc;
    uint64_t i;

    if (n == 0) {
        vg_merkle_empty_root(out);
        return VG_OK;
    }
    if ((rc = hasher_open(&h)) != VG_OK)
        return rc;
    vg_merkle_frontier_init(&f);
    for (i = 0; i < n; i++)
        push(&h, &f, leaves[i]);
    fold(&h, &f, root);
    rc = h.failed ? VG_INTERNAL : VG_OK;
    if (rc == VG_OK)
        memcpy(out, root, HLEN);
    hasher_close(&h);
    return rc;
}

/* The largest power of two strictly below n (n > 1): the RFC's split. */
static uint64_t split(uint64_t n)
{
    assert(n > 1);
    return 1ull << (63 - __builtin_clzll(n - 1));
}

static enum vg_rc get_rc(int r)
{
    return r > 0 && r < VG_RC_COUNT ? (enum vg_rc)r : VG_INTERNAL;
}

/* Merge a perfect subtree of 2^level leaves, ending where f ends (f->size a
 * multiple of 2^level), as push does for one leaf. */
static void push_level(struct hasher *h, struct vg_merkle_frontier *f, const uint8_t node[HLEN],
                       unsigned level)
{
    uint8_t cur[HLEN];
    unsigned k = level;

    assert((f->size & ((1ull << level) - 1)) == 0);
    memcpy(cur, node, HLEN);
    while ((f->size >> k) & 1) {
        hnode(h, f->nodes[k], cur, cur);
        k++;
    }
    memcpy(f->nodes[k], cur, HLEN);
    f->size += 1ull << level;
}

/* Where proof generation reads hashes: leaves, and optionally the stored
 * roots of the aligned subtrees of 2^level leaves. */
struct source {
    vg_merkle_get_fn get;
    vg_merkle_node_fn node;
    void *ctx;
    unsigned level;
};

/* MTH(D[lo : lo + n]) for n >= 1, read through the accessors: a stored
 * subtree root for each whole aligned block, leaf hashes for the rest. */
static enum vg_rc range_hash(struct hasher *h, const struct source *src, uint64_t lo, uint64_t n,
                             uint8_t out[HLEN])
{
    struct vg_merkle_frontier f;
    uint8_t leaf[HLEN];
    uint64_t i = 0, block = src->node ? 1ull << src->level : 0;
    int r;

    assert(n >= 1);
    vg_merkle_frontier_init(&f);
    while (i < n) {
        /* A block is usable when it is aligned in the tree and in the
         * range (so that it is one node of the range's frontier). */
        if (block && ((lo + i) & (block - 1)) == 0 && (i & (block - 1)) == 0 && n - i >= block) {
            if ((r = src->node(src->ctx, (lo + i) >> src->level, leaf)) == 0) {
                push_level(h, &f, leaf, src->level);
                i += block;
                continue;
            }
            if (r != VG_NOT_FOUND)
                return get_rc(r);
        }
        if ((r = src->get(src->ctx, lo + i, leaf)) != 0)
            return get_rc(r);
        push(h, &f, leaf);
        i++;
    }
    fold(h, &f, out);
    return h->failed ? VG_INTERNAL : VG_OK;
}

enum vg_rc vg_merkle_inclusion_proof(vg_merkle_get_fn get, void *ctx, uint64_t index, uint64_t size,
                                     uint8_t (*path)[VG_MERKLE_HASH_LEN], size_t *npath)
{
    return vg_merkle_inclusion_proof_nodes(get, NULL, 0, ctx, index, size, path, npath);
}

enum vg_rc vg_merkle_inclusion_proof_nodes(vg_merkle_get_fn get, vg_merkle_node_fn node,
                                           unsigned level, void *ctx, uint64_t index, uint64_t size,
                                           uint8_t (*path)[VG_MERKLE_HASH_LEN], size_t *npath)
{
    struct source src = {get, node, ctx, level};
    /* Siblings from the root down; the RFC lists them from the leaf up. */
    uint8_t down[VG_MERKLE_MAX_PROOF][HLEN];
    struct hasher h = {0};
    uint64_t lo = 0, n = size, m = index, k;
    size_t count = 0, i;
    enum vg_rc rc = VG_INVALID;

    if (get == NULL || (node && (level == 0 || level > 62)) || path == NULL || npath == NULL ||
        index >= size)
        goto out;
    if ((rc = hasher_open(&h)) != VG_OK)
        goto out;
    while (n > 1) {
        /* Each step at least halves n, so a tree below 2^64 leaves ends
         * within 64 steps. */
        assert(count < VG_MERKLE_MAX_PROOF);
        k = split(n);
        if (m < k) {
            rc = range_hash(&h, &src, lo + k, n - k, down[count]);
            n = k;
        } else {
            rc = range_hash(&h, &src, lo, k, down[count]);
            lo += k;
            m -= k;
            n -= k;
        }
        if (rc != VG_OK)
            goto out;
        count++;
    }
    for (i = 0; i < count; i++)
        memcpy(path[i], down[count - 1 - i], HLEN);
    *npath = count;
    rc = VG_OK;
out:
    hasher_close(&h);
    return rc;
}

enum vg_rc vg_merkle_consistency_proof(vg_merkle_get_fn get, void *ctx, uint64_t m, uint64_t n,
                                       uint8_t (*proof)[VG_MERKLE_HASH_LEN], size_t *nproof)
{
    return vg_merkle_consistency_proof_nodes(get, NULL, 0, ctx, m, n, proof, nproof);
}

enum vg_rc vg_merkle_consistency_proof_nodes(vg_merkle_get_fn get, vg_merkle_node_fn node,
                                             unsigned level, void *ctx, uint64_t m, uint64_t n,
                                             uint8_t (*proof)[VG_MERKLE_HASH_LEN], size_t *nproof)
{
    struct source src = {get, node, ctx, level};
    uint8_t down[VG_MERKLE_MAX_PROOF][HLEN], first[HLEN];
    struct hasher h = {0};
    uint64_t lo = 0, k;
    size_t count = 0, total, i;
    int whole = 1; /* SUBPROOF's b: still on the old tree's right edge */
    enum vg_rc rc = VG_INVALID;

    if (get == NULL || (node && (level == 0 || level > 62)) || proof == NULL || nproof == NULL ||
        m == 0 || m > n)
        goto out;
    if ((rc = hasher_open(&h)) != VG_OK)
        goto out;
    while (m != n) {
        assert(count < VG_MERKLE_MAX_PROOF);
        k = split(n);
        if (m <= k) {
            rc = range_hash(&h, &src, lo + k, n - k, down[count]);
            n = k;
        } else {
            rc = range_hash(&h, &src, lo, k, down[count]);
            lo += k;
            m -= k;
            n -= k;
            whole = 0;
        }
        if (rc != VG_OK)
            goto out;
        count++;
    }
    /* SUBPROOF(m, D[m], false) = {MTH(D[m])}: the old tree's last subtree,
     * which the verifier cannot know unless it is the whole old tree. */
    total = count + !whole;
    if (total > VG_MERKLE_MAX_PROOF) {
        rc = VG_LIMIT;
        goto out;
    }
    if (!whole && (rc = range_hash(&h, &src, lo, m, first)) != VG_OK)
        goto out;
    if (!whole)
        memcpy(proof[0], first, HLEN);
    for (i = 0; i < count; i++)
        memcpy(proof[!whole + i], down[count - 1 - i], HLEN);
    *nproof = total;
    rc = VG_OK;
out:
    hasher_close(&h);
    return rc;
}

int vg_merkle_verify_inclusion(const uint8_t leaf_hash[VG_MERKLE_HASH_LEN], uint64_t index,
                               uint64_t size, const uint8_t (*path)[VG_MERKLE_HASH_LEN],
                               size_t npath, const uint8_t root[VG_MERKLE_HASH_LEN])
{
    struct hasher h = {0};
    uint8_t r[HLEN];
    uint64_t fn, sn;
    size_t i;
    int ok = 0;

    if (leaf_hash == NULL || root == NULL || (npath > 0 && path == NULL) || index >= size ||
        npath > VG_MERKLE_MAX_PROOF)
        goto out;
    if (hasher_open(&h) != VG_OK)
        goto out;
    /* RFC 9162 §2.1.3.2, step by step. */
    fn = index;
    sn = size - 1;
    memcpy(r, leaf_hash, HLEN);
    for (i = 0; i < npath; i++) {
        if (sn == 0)
            goto out;
        if ((fn & 1) || fn == sn) {
            hnode(&h, path[i], r, r);
            while (!(fn & 1) && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            hnode(&h, r, path[i], r);
        }
        fn >>= 1;
        sn >>= 1;
    }
    ok = sn == 0 && !h.failed && vg_equal_ct(r, root, HLEN);
out:
    hasher_close(&h);
    return ok;
}

int vg_merkle_verify_consistency(uint64_t m, uint64_t n, const uint8_t old_root[VG_MERKLE_HASH_LEN],
                                 const uint8_t new_root[VG_MERKLE_HASH_LEN],
                                 const uint8_t (*proof)[VG_MERKLE_HASH_LEN], size_t nproof)
{
    struct hasher h = {0};
    uint8_t fr[HLEN], sr[HLEN];
    const uint8_t *c;
    uint64_t fn, sn;
    size_t i, len;
    int ok = 0, pow2;

    if (old_root == NULL || new_root == NULL || (nproof > 0 && proof == NULL) || m == 0 || m > n ||
        nproof > VG_MERKLE_MAX_PROOF)
        goto out;
    if (m == n) {
        ok = nproof == 0 && vg_equal_ct(old_root, new_root, HLEN);
        goto out;
    }
    /* RFC 9162 §2.1.4.2, step by step. */
    if (nproof == 0)
        goto out;
    if (hasher_open(&h) != VG_OK)
        goto out;
    /* Step 2 prepends first_hash when m is a power of two; the array is
     * addressed through c instead of being copied. */
    pow2 = (m & (m - 1)) == 0;
    len = nproof + (size_t)pow2;
    fn = m - 1;
    sn = n - 1;
    while (fn & 1) {
        fn >>= 1;
        sn >>= 1;
    }
    c = pow2 ? old_root : proof[0];
    memcpy(fr, c, HLEN);
    memcpy(sr, c, HLEN);
    for (i = 1; i < len; i++) {
        c = proof[i - (size_t)pow2];
        if (sn == 0)
            goto out;
        if ((fn & 1) || fn == sn) {
            hnode(&h, c, fr, fr);
            hnode(&h, c, sr, sr);
            while (!(fn & 1) && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            hnode(&h, sr, c, sr);
        }
        fn >>= 1;
        sn >>= 1;
    }
    ok = sn == 0 && !h.failed && vg_equal_ct(fr, old_root, HLEN) && vg_equal_ct(sr, new_root, HLEN);
out:
    hasher_close(&h);
    return ok;
}
