/* SPDX-License-Identifier: Apache-2.0 */
/*
 * obs.h - observables: the values the hub reasons about, in one canonical form.
 *
 * Every observable has exactly one canonical text (DESIGN §3):
 *   ipv4       dotted quad, no leading zeros                 "1.2.3.4"
 *   ipv6       RFC 5952 shortest lower-case; IPv4-mapped as "::ffff:1.2.3.4"
 *   ipv4-cidr  network address aligned to the prefix         "10.0.0.0/8"
 *   ipv6-cidr  same for IPv6                                 "2001:db8::/32"
 *              (a /32 IPv4 or /128 IPv6 range is the address itself)
 *   domain     lower-case, punycode (IDNA 2008 via libidn2), no trailing dot
 *   url        lower-case scheme and host, host canonical as above, no default
 *              port, empty path written as "/"; path, query kept as given
 *   email      local part as given, domain canonical
 *   md5 sha1 sha256 sha512   lower-case hex of the right length
 * Defanged input (hxxp, [.], (.), [:], [@], [at], [dot]) is refanged first.
 *
 * All functions are pure and thread-safe.
 */
#ifndef VG_MODEL_OBS_H
#define VG_MODEL_OBS_H

#include <stddef.h>

#include "common/error.h"

enum vg_obs_kind {
    VG_OBS_NONE = 0,
    VG_OBS_IPV4,
    VG_OBS_IPV6,
    VG_OBS_CIDR4,
    VG_OBS_CIDR6,
    VG_OBS_DOMAIN,
    VG_OBS_URL,
    VG_OBS_EMAIL,
    VG_OBS_MD5,
    VG_OBS_SHA1,
    VG_OBS_SHA256,
    VG_OBS_SHA512,
    VG_OBS_KIND_COUNT
};

#define VG_OBS_VALUE_MAX 2048 /* longest canonical value accepted, bytes */
#define VG_STIX_ID_MAX 80     /* "type--uuid" + NUL, with room */

struct vg_obs {
    enum vg_obs_kind kind;
    size_t len;
    char value[VG_OBS_VALUE_MAX + 1];
};

/* "ipv4", "ipv6", "ipv4-cidr", "ipv6-cidr", "domain", "url", "email", "md5",
 * "sha1", "sha256", "sha512"; "" for VG_OBS_NONE. */
const char *vg_obs_kind_name(enum vg_obs_kind kind);

/* Inverse of vg_obs_kind_name; also accepts STIX-ish aliases ("ipv4-addr",
 * "domain-name", "sha-256", "SHA-256", "hostname", ...).  VG_OBS_NONE if unknown. */
enum vg_obs_kind vg_obs_kind_from_name(const char *name);

/* STIX type of the SCO that carries this kind: "ipv4-addr", "ipv6-addr",
 * "domain-name", "url", "email-addr", "file". */
const char *vg_obs_stix_type(enum vg_obs_kind kind);

/*
 * Refang in into out (at most cap-1 bytes plus NUL).  Returns the length
 * written, or (size_t)-1 when out is too small.
 */
size_t vg_obs_refang(const char *in, size_t len, char *out, size_t cap);

/*
 * Canonicalise in[0..len) as an observable of the given kind, or detect the
 * kind when kind is VG_OBS_NONE.  Leading/trailing white space is ignored and
 * defanged input is refanged.  On success fills *out and returns VG_OK;
 * otherwise returns VG_INVALID (or VG_LIMIT for over-long input) with a reason
 * in err and *out untouched.
 *
 * Detection never classifies version numbers ("1.2.3"), dates, times or file
 * names ("setup.exe", "report.pdf") as addresses or domains: a bare string is
 * a domain only if its last label is a known public suffix or a punycode TLD.
 */
enum vg_rc vg_obs_parse(enum vg_obs_kind kind, const char *in, size_t len, struct vg_obs *out,
                        struct vg_error *err);

/*
 * vg_obs_parse with flags.  VG_OBS_F_LIST: the value comes from a list of
 * indicators, so detection takes a name whose last label is both a TLD and a
 * common file extension ("invoice.zip", "setup.py") as a domain; strict
 * detection (flags 0), meant for strings met in the wild, refuses them.
 */
#define VG_OBS_F_LIST 1u
enum vg_rc vg_obs_parse_ex(enum vg_obs_kind kind, unsigned flags, const char *in, size_t len,
                           struct vg_obs *out, struct vg_error *err);

/*
 * Deterministic STIX 2.1 id (UUIDv5, namespace 00abedb4-aa42-466c-9c01-fed23315a9b7)
 * of the SCO for this observable: ipv4-addr/ipv6-addr/domain-name/url/email-addr
 * from {"value": …}; file from {"hashes":{"MD5"|"SHA-1"|"SHA-256"|"SHA-512": …}}.
 * CIDR observables are ipv4-addr/ipv6-addr with the range as value.
 * out must hold VG_STIX_ID_MAX bytes.
 */
void vg_obs_stix_id(const struct vg_obs *obs, char *out);

/* STIX hash algorithm name for a hash kind ("MD5", "SHA-1", "SHA-256", "SHA-512"), else NULL. */
const char *vg_obs_hash_algo(enum vg_obs_kind kind);

#endif
