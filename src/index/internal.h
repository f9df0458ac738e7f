/* SPDX-License-Identifier: Apache-2.0 */
/*
 * internal.h - what the loader and the builder of src/index share.
 */
#ifndef VG_INDEX_INTERNAL_H
#define VG_INDEX_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

/* The 64-bit checksum of an image (header with the checksum zeroed, and body) in
 * out[0..8), out[8..32) zero. */
enum vg_rc vg_index_checksum(const uint8_t *p, size_t n, uint8_t out[32]);

/* The host of a canonical URL (IPv6 without brackets); 0 when there is none. */
int vg_index_url_host(const char *v, size_t n, const char **host, size_t *hlen);

/* Dotted quad to a host-order integer; 0 when it is not one. */
int vg_index_parse_ip4(const char *s, size_t len, uint32_t *out);

/* IPv6 text to two host-order halves; 0 when it is not one. */
int vg_index_parse_ip6(const char *s, size_t len, uint64_t *hi, uint64_t *lo);

#endif
