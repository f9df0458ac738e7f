/* SPDX-License-Identifier: Apache-2.0 */
/*
 * index.h - the compiled observable index: an immutable set of indicators
 * that answers "is this value known, is it a subdomain of a known domain, is
 * it inside a known range, is it the host of a known URL?".
 *
 * The same bytes back two uses: a snapshot file that `vigie match` maps into
 * memory (vg_index_open_file: no copy, no parsing beyond validating the
 * header and section table), and an image built in memory from the store
 * (vg_index_builder_finish, then vg_index_open_mem).  Queries never know
 * which.  docs/match.md gives the byte layout.
 *
 * What is inside (all little-endian, every section 8-byte aligned):
 *   entries   one fixed 36-byte record per indicator: value (offset and
 *             length in the arena), kind, TLP, label string id, number of
 *             distinct contributing organisations, STIX type and UUID of the
 *             object that claims it;
 *   slots     open addressing (linear probing) over 64-bit hashes of
 *             kind + canonical value: a 32-bit tag and the entry number.  URL
 *             indicators get a second key, their host, flagged in the slot;
 *   bloom     a blocked Bloom filter (512-bit blocks, 3 bits per key) in front
 *             of the slots, so that most misses cost one cache line;
 *   range4/6  CIDR ranges flattened into sorted disjoint intervals, each
 *             naming its most specific range; a binary search answers
 *             containment;
 *   strings   (offset, length) pairs into the arena: labels and STIX types;
 *   arena     the bytes of values and strings;
 *   ip4       a one-bit-per-key filter of the IPv4 addresses (indicators and
 *             URL hosts), small enough to stay in cache, so that the many
 *             addresses of a log cost a bit test, not a hash.
 *
 * Domains are hashed label by label from the right, so that one right-to-left
 * pass over a.b.evil.com yields the keys of evil.com, b.evil.com and
 * a.b.evil.com: the subdomain rule is a few probes, not a trie.
 *
 * A loaded index is immutable and may be queried from any number of threads.
 * Every offset, length and count read from the bytes is checked before use,
 * at load (header, sections) or at the access (entries, strings, slots), so a
 * hostile file can give wrong answers but never a read out of bounds.
 */
#ifndef VG_INDEX_INDEX_H
#define VG_INDEX_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "model/obs.h"
#include "model/tlp.h"

#define VG_INDEX_MAGIC "VIGIESNP"
#define VG_INDEX_VERSION 1u
#define VG_INDEX_NONE UINT32_MAX

struct vg_index;
struct vg_index_builder;

/* How a query matched an indicator. */
enum vg_index_rule {
    VG_RULE_NONE = 0,
    VG_RULE_EXACT,     /* same kind and canonical value */
    VG_RULE_SUBDOMAIN, /* the query is a subdomain of a domain indicator */
    VG_RULE_IN_RANGE,  /* the address is inside a CIDR indicator */
    VG_RULE_URL_HOST,  /* the query is the host of a URL indicator */
};

/* "exact", "subdomain", "in-range", "url-host", "" */
const char *vg_index_rule_name(enum vg_index_rule rule);

/* An indicator as a query returns it; strings are borrowed from the index. */
struct vg_index_view {
    enum vg_obs_kind kind;
    const char *value; /* canonical, not NUL-terminated */
    size_t len;
    const char *label; /* malware family or label; len 0 when none */
    size_t label_len;
    enum vg_tlp tlp;          /* the widest TLP among the visible claims */
    unsigned orgs;            /* corroboration: distinct contributing organisations */
    char ref[VG_STIX_ID_MAX]; /* STIX id of the object that claims it, "" if none */
};

struct vg_index_hit {
    uint32_t entry;
    enum vg_index_rule rule;
};

struct vg_index_stats {
    size_t entries, keys, slots, ranges4, ranges6, strings, arena_bytes, value_bytes;
    size_t image_bytes; /* whole file or image */
};

/* ---- loading ------------------------------------------------------------ */

/* Skip the checksum over the image (images built in this process, fuzzing).
 * Structure and bounds are checked all the same. */
#define VG_INDEX_TRUSTED 1u

/*
 * Map a snapshot file read-only and validate it.  VG_IO when it cannot be
 * opened or mapped; VG_INVALID (with a message saying what is wrong: not a
 * snapshot, truncated, other format version, checksum mismatch, a section out
 * of bounds) when it is not a valid snapshot.
 */
enum vg_rc vg_index_open_file(const char *path, unsigned flags, struct vg_index **out,
                              struct vg_error *err);

/*
 * Use an image in memory (8-byte aligned).  The index borrows p, which must
 * outlive it, unless own is set: then vg_index_free frees it with free().
 */
enum vg_rc vg_index_open_mem(const void *p, size_t n, unsigned flags, int own,
                             struct vg_index **out, struct vg_error *err);

void vg_index_free(struct vg_index *idx);

void vg_index_stats(const struct vg_index *idx, struct vg_index_stats *out);

/* ---- queries (thread-safe) ---------------------------------------------- */

/*
 * Look up a canonical value of the given kind (vg_obs_parse output, or text
 * already in that form).  Domains are tried exactly, then each parent domain
 * (subdomain rule, the most specific first), then as URL hosts; IP addresses
 * exactly, then in ranges, then as URL hosts; URLs exactly, then their host
 * as a domain or address would be; other kinds exactly.  Returns 1 and fills
 * *hit with the most specific match, or 0.
 */
int vg_index_lookup(const struct vg_index *idx, enum vg_obs_kind kind, const char *value,
                    size_t len, struct vg_index_hit *hit);

/* vg_index_lookup for an IPv4 address already parsed: a is the address in
 * host order, s its canonical dotted quad. */
int vg_index_lookup_ip4(const struct vg_index *idx, uint32_t a, const char *s, size_t len,
                        struct vg_index_hit *hit);

/* vg_index_lookup for a canonical domain name of at most 64 bytes whose dots
 * the caller already knows (a scanner's byte-class masks): bit k of dots is
 * set when s[k] is a dot, and no other bit.  Longer names: 0. */
int vg_index_lookup_domain(const struct vg_index *idx, const char *s, size_t len, uint64_t dots,
                           struct vg_index_hit *hit);

/* vg_index_lookup for a canonical URL whose host the caller already knows:
 * host[0..hlen) inside url, an IPv6 literal without its brackets. */
int vg_index_lookup_url(const struct vg_index *idx, const char *url, size_t len, const char *host,
                        size_t hlen, struct vg_index_hit *hit);

/* vg_index_lookup_url where the host is a domain name (not an address) of
 * at most 64 bytes whose dots the caller knows, as for
 * vg_index_lookup_domain. */
int vg_index_lookup_url_name(const struct vg_index *idx, const char *url, size_t len,
                             const char *host, size_t hlen, uint64_t dots,
                             struct vg_index_hit *hit);

/* The indicator behind a hit.  VG_INVALID if entry is out of range or the
 * record points outside the image. */
enum vg_rc vg_index_entry(const struct vg_index *idx, uint32_t entry, struct vg_index_view *out);

/* ---- building ----------------------------------------------------------- */

/* One claim to add.  The same kind and value added again (by another
 * organisation, from another object) is merged into one indicator. */
struct vg_index_item {
    enum vg_obs_kind kind;
    const char *value; /* canonical */
    size_t len;
    const char *label; /* may be NULL */
    enum vg_tlp tlp;
    int64_t org_id;  /* contributor, for the corroboration count */
    const char *ref; /* "type--uuid" of the claiming object, may be NULL */
};

struct vg_index_builder *vg_index_builder_new(void);
void vg_index_builder_free(struct vg_index_builder *b);

/* VG_INVALID for a kind or value the index cannot hold (with the reason),
 * VG_NOMEM, VG_LIMIT past 2^31 indicators or a 4 GiB arena. */
enum vg_rc vg_index_builder_add(struct vg_index_builder *b, const struct vg_index_item *it,
                                struct vg_error *err);

size_t vg_index_builder_count(const struct vg_index_builder *b);

/* The image (malloc'd, 8-byte aligned, the caller frees it). */
enum vg_rc vg_index_builder_finish(struct vg_index_builder *b, void **image, size_t *len,
                                   struct vg_error *err);

/* The image written to path atomically (a temporary file renamed over it). */
enum vg_rc vg_index_builder_write(struct vg_index_builder *b, const char *path,
                                  struct vg_error *err);

/* ---- hashing, shared by the builder, the queries and the scanner --------- */

uint64_t vg_index_hash(unsigned kind, const char *s, size_t len);

#endif
