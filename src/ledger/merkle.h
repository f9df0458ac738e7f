/* SPDX-License-Identifier: Apache-2.0 */
/*
 * merkle.h - the RFC 9162 (RFC 6962) Merkle tree of the evidence ledger.
 *
 * The ledger is an append-only list of leaves D[0..n).  Its tree head is
 * MTH(D[n]) with the hashing of RFC 9162 §2.1.1:
 *
 *   leaf hash   SHA-256(0x00 || leaf)
 *   node hash   SHA-256(0x01 || left || right)
 *   empty tree  SHA-256("")
 *   MTH(D[n])   for n > 1, split at k = the largest power of two below n:
 *               node(MTH(D[0:k]), MTH(D[k:n]))
 *
 * This module knows nothing of storage.  It offers
 *
 *   - a compact frontier (struct vg_merkle_frontier) that absorbs one leaf
 *     hash in O(log n) (amortised O(1)) and yields the root at any time:
 *     the store persists it so appends never reread the log;
 *   - the root over a stored array of leaf hashes (full recomputation, what
 *     `vigie verify --hub` does);
 *   - inclusion and consistency proof generation (§2.1.3.1, §2.1.4.1) from a
 *     leaf-hash accessor, so the store can serve hashes from SQLite.  For now
 *     generation rehashes every subtree it needs from the leaves: O(n) hash
 *     operations and O(log n) memory per proof.  A later store can cache the
 *     hashes of perfect subtrees and make it O(log n);
 *   - proof verification exactly as RFC 9162 §2.1.3.2 and §2.1.4.2, the
 *     algorithms an outside expert re-implements; they never read past the
 *     proof length given and fail closed on any internal error.
 *
 * All hashes are 32-byte arrays.  There is no global state: every function
 * is thread-safe as long as two threads do not write the same frontier.
 *
 * A note on what proofs bind: a root hash does not by itself commit to the
 * tree size.  A proof verified against a root and a size the log never
 * signed together may be accepted (for example, the inclusion proof of leaf
 * 0 in a 3-leaf tree also verifies as "leaf 0 of a 4-leaf tree with the same
 * root").  Sizes and roots must come from the same signed checkpoint.
 */
#ifndef VG_LEDGER_MERKLE_H
#define VG_LEDGER_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

#define VG_MERKLE_HASH_LEN 32

/*
 * The longest proof this module produces or accepts, in hashes.  An
 * inclusion path in a tree of up to 2^64 - 1 leaves never exceeds it.  A
 * consistency proof only could, by one hash, when the new tree holds more
 * than 2^63 leaves: generation then fails with VG_LIMIT and verification
 * rejects it.  Caller buffers for proofs hold this many hashes.
 */
#define VG_MERKLE_MAX_PROOF 64

/* SHA-256(0x00 || leaf).  leaf may be NULL when len is 0. */
void vg_merkle_leaf_hash(const void *leaf, size_t len, uint8_t out[VG_MERKLE_HASH_LEN]);

/* SHA-256(0x01 || left || right).  out may alias left or right. */
void vg_merkle_node_hash(const uint8_t left[VG_MERKLE_HASH_LEN],
                         const uint8_t right[VG_MERKLE_HASH_LEN], uint8_t out[VG_MERKLE_HASH_LEN]);

/* SHA-256(""), the root of the empty tree. */
void vg_merkle_empty_root(uint8_t out[VG_MERKLE_HASH_LEN]);

/*
 * The compact frontier of a tree of `size` leaves: for every bit k set in
 * size, nodes[k] is the root of the perfect subtree of 2^k leaves that the
 * binary decomposition of size places there (the largest subtree, highest
 * bit, holds the oldest leaves).  Entries whose bit is clear are
 * meaningless.  The structure is plain data: the store may persist and
 * reload it byte for byte (the layout is host-endian for size).
 */
struct vg_merkle_frontier {
    uint64_t size;
    uint8_t nodes[64][VG_MERKLE_HASH_LEN];
};

/* Make f the frontier of the empty tree. */
void vg_merkle_frontier_init(struct vg_merkle_frontier *f);

/*
 * Append one leaf hash (already vg_merkle_leaf_hash'ed) to the tree: at most
 * 64 node hashes, one on average.  VG_LIMIT when the tree already holds
 * 2^64 - 1 leaves (f is then unchanged).
 */
enum vg_rc vg_merkle_append(struct vg_merkle_frontier *f,
                            const uint8_t leaf_hash[VG_MERKLE_HASH_LEN]);

/*
 * The RFC 9162 root of the tree f describes: the frontier folded from its
 * smallest subtree upwards.  Equals vg_merkle_root_of() over the same leaves;
 * SHA-256("") when f->size is 0.
 */
void vg_merkle_root(const struct vg_merkle_frontier *f, uint8_t out[VG_MERKLE_HASH_LEN]);

/*
 * MTH over the n leaf hashes leaves[0..n): n - 1 node hashes, O(log n)
 * memory, no recursion.  leaves may be NULL when n is 0.  VG_NOMEM or
 * VG_INTERNAL if the digest context cannot be made (out is then untouched).
 */
enum vg_rc vg_merkle_root_of(const uint8_t (*leaves)[VG_MERKLE_HASH_LEN], uint64_t n,
                             uint8_t out[VG_MERKLE_HASH_LEN]);

/*
 * The leaf-hash accessor of proof generation: write the hash of leaf `index`
 * to out and return 0 (VG_OK), or return an enum vg_rc code, which the
 * generator returns unchanged (values outside enum vg_rc become
 * VG_INTERNAL).  Generation calls it only for indexes below the tree size
 * it was given, in increasing order within each subtree.
 */
typedef int (*vg_merkle_get_fn)(void *ctx, uint64_t index, uint8_t out[VG_MERKLE_HASH_LEN]);

/*
 * The inclusion path of leaf `index` in the tree of the first `size` leaves
 * (RFC 9162 §2.1.3.1 PATH), ordered from the leaf's sibling up to the
 * root's child.  path holds VG_MERKLE_MAX_PROOF hashes; path and *npath are
 * written only on success.  O(size) hash operations (see the top of this
 * file).  VG_INVALID when index >= size or an argument is NULL; the
 * accessor's error; VG_NOMEM/VG_INTERNAL from the digest.
 */
enum vg_rc vg_merkle_inclusion_proof(vg_merkle_get_fn get, void *ctx, uint64_t index, uint64_t size,
                                     uint8_t (*path)[VG_MERKLE_HASH_LEN], size_t *npath);

/*
 * The consistency proof between the trees of the first m and the first n
 * leaves (RFC 9162 §2.1.4.1 PROOF(m, D[n]) = SUBPROOF(m, D[n], true)), in the
 * order of the RFC.  Defined for 0 < m <= n; it is empty when m == n.  proof
 * holds VG_MERKLE_MAX_PROOF hashes; proof and *nproof are written only on
 * success.  O(n) hash operations.  VG_INVALID when m == 0, m > n or an
 * argument is NULL; VG_LIMIT if the proof would exceed VG_MERKLE_MAX_PROOF
 * (n > 2^63 only); the accessor's error; VG_NOMEM/VG_INTERNAL.
 */
enum vg_rc vg_merkle_consistency_proof(vg_merkle_get_fn get, void *ctx, uint64_t m, uint64_t n,
                                       uint8_t (*proof)[VG_MERKLE_HASH_LEN], size_t *nproof);

/*
 * The same, reading the stored roots of aligned perfect subtrees where it
 * can: node(ctx, j, out) writes MTH(D[j * 2^level : (j + 1) * 2^level])
 * and returns 0, or VG_NOT_FOUND when that root is not kept (the leaves are
 * then read), or another error code, returned as above.  Every range a
 * proof needs is then hashed from at most one stored root per whole block
 * plus the leaves of at most one partial block: O(size / 2^level + 2^level)
 * reads.  level is 1 to 62; node NULL is the plain version.
 */
typedef int (*vg_merkle_node_fn)(void *ctx, uint64_t j, uint8_t out[VG_MERKLE_HASH_LEN]);
enum vg_rc vg_merkle_inclusion_proof_nodes(vg_merkle_get_fn get, vg_merkle_node_fn node,
                                           unsigned level, void *ctx, uint64_t index, uint64_t size,
                                           uint8_t (*path)[VG_MERKLE_HASH_LEN], size_t *npath);
enum vg_rc vg_merkle_consistency_proof_nodes(vg_merkle_get_fn get, vg_merkle_node_fn node,
                                             unsigned level, void *ctx, uint64_t m, uint64_t n,
                                             uint8_t (*proof)[VG_MERKLE_HASH_LEN], size_t *nproof);

/*
 * 1 when path proves that leaf_hash is leaf `index` of a tree of `size`
 * leaves whose root is `root` (RFC 9162 §2.1.3.2), else 0: index >= size,
 * a path of the wrong length or content, npath > VG_MERKLE_MAX_PROOF, NULL
 * pointers, or an internal digest failure.  path may be NULL when npath is
 * 0.  Reads exactly npath hashes.
 */
int vg_merkle_verify_inclusion(const uint8_t leaf_hash[VG_MERKLE_HASH_LEN], uint64_t index,
                               uint64_t size, const uint8_t (*path)[VG_MERKLE_HASH_LEN],
                               size_t npath, const uint8_t root[VG_MERKLE_HASH_LEN]);

/*
 * 1 when proof shows that the tree of m leaves with root old_root is a
 * prefix of the tree of n leaves with root new_root (RFC 9162 §2.1.4.2),
 * else 0.  m == n holds only with an empty proof and equal roots.  Rejected:
 * m == 0 (the RFC defines no proof from the empty tree: a caller that wants
 * to accept it must check old_root against vg_merkle_empty_root itself),
 * m > n, a proof of the wrong length or content, nproof >
 * VG_MERKLE_MAX_PROOF, NULL pointers, an internal digest failure.  proof
 * may be NULL when nproof is 0.  Reads exactly nproof hashes.
 */
int vg_merkle_verify_consistency(uint64_t m, uint64_t n, const uint8_t old_root[VG_MERKLE_HASH_LEN],
                                 const uint8_t new_root[VG_MERKLE_HASH_LEN],
                                 const uint8_t (*proof)[VG_MERKLE_HASH_LEN], size_t nproof);

#endif
