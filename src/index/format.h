/* SPDX-License-Identifier: Apache-2.0 */
/*
 * format.h - the byte layout of a snapshot image (private to src/index).
 *
 * Little-endian; the header is 256 bytes; each section starts on an 8-byte
 * boundary.  The checksum is a fast 64-bit hash (index.c) of everything
 * after the header, folded with the header (its checksum field zeroed),
 * stored in the first 8 bytes of the field; the other 24 are zero.  The
 * structures below are the layout: their sizes are checked at compile time.
 */
#ifndef VG_INDEX_FORMAT_H
#define VG_INDEX_FORMAT_H

#include <stdint.h>

enum {
    SEC_ENTRIES = 0,
    SEC_SLOTS,
    SEC_BLOOM,
    SEC_RANGE4,
    SEC_RANGE6,
    SEC_STRINGS,
    SEC_ARENA,
    SEC_IP4,
    SEC_TLD,
    SEC_COUNT
};

#define HEADER_SIZE 256u
#define SLOT_HOST 0x80000000u /* in slot.ref: the key is the host of a URL */
#define KIND_URL_HOST 15u     /* hash seed of URL-host keys */
#define BLOOM_BLOCK 64u       /* bytes per Bloom block */
#define TLD_BITS 8192u        /* bits of the top-level label filter */

struct snap_section {
    uint64_t off, size;
};

struct snap_header {
    char magic[8];        /* "VIGIESNP" */
    uint32_t version;     /* VG_INDEX_VERSION */
    uint32_t header_size; /* HEADER_SIZE */
    uint64_t file_size;
    int64_t created_us;
    uint32_t nentries, nkeys, nslots, nbloom, nrange4, nrange6, nstrings, flags;
    uint32_t ip4_bits; /* log2 of the bits of the IPv4 filter */
    uint32_t pad;
    struct snap_section sec[SEC_COUNT];
    uint8_t checksum[32];
    uint8_t reserved[HEADER_SIZE - 8 - 4 - 4 - 8 - 8 - 32 - 8 - SEC_COUNT * 16 - 32];
};

struct snap_entry {
    uint32_t value_off;
    uint16_t value_len;
    uint8_t kind, tlp;
    uint32_t label;    /* string id, 0: none */
    uint32_t ref_type; /* string id of the STIX type, 0: no reference */
    uint8_t ref_uuid[16];
    uint16_t orgs;
    uint16_t flags;
};

struct snap_slot {
    uint32_t tag; /* high half of the key hash */
    uint32_t ref; /* entry + 1, | SLOT_HOST; 0 = empty */
};

struct snap_range4 {
    uint32_t start; /* first address of the interval */
    uint32_t ref;   /* entry + 1 of the most specific range, 0 = none */
};

struct snap_range6 {
    uint64_t hi, lo; /* first address, as two big-endian-ordered halves */
    uint32_t ref;
    uint32_t pad;
};

struct snap_string {
    uint32_t off, len;
};

_Static_assert(sizeof(struct snap_header) == HEADER_SIZE, "header layout");
_Static_assert(sizeof(struct snap_entry) == 36, "entry layout");
_Static_assert(sizeof(struct snap_slot) == 8, "slot layout");
_Static_assert(sizeof(struct snap_range6) == 24, "range6 layout");

/* Top-level label filter: one bit per last label of a domain key. */
static inline uint32_t tld_bit(uint64_t label_hash)
{
    return (uint32_t)(label_hash >> 40) & (TLD_BITS - 1);
}

/* IPv4 filter: one bit per address, at a multiplicative hash. */
static inline uint32_t ip4_bit(uint32_t a, uint32_t bits)
{
    return (uint32_t)(((uint64_t)a * 0x9e3779b97f4a7c15ull) >> (64 - bits));
}

/* Bloom: 3 bits in one 512-bit block, from the final key hash. */
static inline uint64_t bloom_block(uint64_t f, uint32_t nblocks)
{
    return (((f * 0x9e3779b97f4a7c15ull) >> 32) * (uint64_t)nblocks) >> 32;
}

static inline uint64_t bloom_mask_word(uint64_t f, unsigned i, unsigned *word)
{
    unsigned bit = (unsigned)(f >> (9 * i)) & 511u;

    *word = bit >> 6;
    return 1ull << (bit & 63);
}

#endif
