/* SPDX-License-Identifier: Apache-2.0 */
/*
 * warninglist.h - MISP warning lists: known-good and known-noisy values (top
 * domains, public resolvers, cloud ranges, RFC 1918, hashes of empty files)
 * that must not be alerted on or pushed to sensors as malicious.
 *
 * A list is one MISP `list.json` document: {"name", "version", "description",
 * "type", "matching_attributes", "list": [...]}.  vg_wl_set_add parses one
 * (the untrusted-bytes parser: fuzz/fuzz_warninglist.c) and compiles it into
 * a set; vg_wl_match tells which lists of a set a canonical observable is on.
 * Matching follows MISP:
 *
 *   string     the value equals an entry (entries are canonicalised like
 *              values: lower case, refanged, IPv6 compressed, ...)
 *   hostname   the value, or any parent domain of it, equals an entry (a
 *              URL's host and an e-mail address's domain are used)
 *   cidr       the address, or the whole range, lies inside an entry
 *              (IPv4 and IPv6; an IPv4-mapped IPv6 address is its IPv4)
 *   substring  the value contains an entry
 *   regex      PCRE2 (PHP-style "/pattern/flags" as MISP writes them)
 *
 * A list applies only to the observable kinds its matching_attributes name
 * (ip-src, ip-dst, domain|ip, ... -> addresses and ranges; domain, hostname
 * -> domains; url, uri -> URLs; email-* -> e-mail; md5, filename|md5, ...
 * -> that hash); without matching_attributes it applies to every kind.
 *
 * Matching never loops over entries: strings, hostnames and networks are in
 * one hash table (a network is probed once per prefix length present: for
 * IPv4, present in the address's /16 block), substrings through tables of
 * their first bytes (at most five probes per position of the value); Bloom
 * filters answer most misses.  Only regexes are tried one by one (MISP has
 * 34 of them), with bounded backtracking.
 *
 * vg_wl_acquire gives the set recorded in a hub (vigie warninglist load),
 * compiled once per process and shared until the hub's lists change.
 *
 * Threading: a set is immutable once built; any number of threads may match
 * against it.  vg_wl_acquire/vg_wl_release are thread-safe.
 */
#ifndef VG_WARNINGLIST_WARNINGLIST_H
#define VG_WARNINGLIST_WARNINGLIST_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/error.h"
#include "model/obs.h"

struct vg_store;

#define VG_WL_LISTS_MAX 1024              /* lists in one set */
#define VG_WL_DOC_MAX (64u * 1024 * 1024) /* largest list.json accepted */
#define VG_WL_ENTRIES_MAX 4000000         /* entries in one list */
#define VG_WL_NAME_MAX 256                /* bytes of a list's name */
#define VG_WL_TEXT_MAX 4096               /* bytes of a description */

enum vg_wl_type { VG_WL_STRING, VG_WL_HOSTNAME, VG_WL_CIDR, VG_WL_SUBSTRING, VG_WL_REGEX };

/* What a set says about one list. */
struct vg_wl_info {
    const char *name;
    const char *version; /* as text ("20240615") */
    const char *description;
    enum vg_wl_type type;
    unsigned kinds;                  /* bit (1 << enum vg_obs_kind) per kind it applies to */
    const char *matching_attributes; /* JSON array as text */
    size_t entries;                  /* entries compiled */
    size_t ignored;                  /* entries that can never match (unparsable, too long) */
};

struct vg_wl_set;

/* "string", "hostname", "cidr", "substring", "regex". */
const char *vg_wl_type_name(enum vg_wl_type t);

struct vg_wl_set *vg_wl_set_new(void);
void vg_wl_set_free(struct vg_wl_set *s);

/*
 * Parse one list.json document (json[0..len), untrusted) and compile it into
 * s.  VG_INVALID with the field named in err when it is no warning list
 * (not JSON, invalid UTF-8, a missing name or list, an unknown type, an entry
 * that is not a string, a duplicate key); VG_LIMIT when it is too large
 * (VG_WL_DOC_MAX, VG_WL_ENTRIES_MAX) or the set is full; VG_CONFLICT when s
 * already holds a list of that name.  On failure s is unchanged.  Entries
 * that can never match a canonical value (an unparsable range, a regex PCRE2
 * refuses, longer than any value) are skipped and counted as ignored.
 */
enum vg_rc vg_wl_set_add(struct vg_wl_set *s, const char *json, size_t len, struct vg_error *err);

size_t vg_wl_set_count(const struct vg_wl_set *s);
/* List i (0 <= i < count), in the order added. */
const struct vg_wl_info *vg_wl_set_info(const struct vg_wl_set *s, size_t i);
/* The canonical JSON text of list i, as the hub records it (borrowed). */
const char *vg_wl_set_json(const struct vg_wl_set *s, size_t i);

/*
 * The lists of s that the canonical observable (kind, value[0..len)) is on:
 * their indexes, ascending, in out[0..cap); returns how many there are (may
 * exceed cap).  0 when s is NULL.
 */
size_t vg_wl_match(const struct vg_wl_set *s, enum vg_obs_kind kind, const char *value, size_t len,
                   uint32_t *out, size_t cap);

/*
 * The names of those lists, each followed by '\n', appended to b: the form
 * the store keeps with the observable.  Returns how many lists (0: nothing
 * appended).  VG_NOMEM is reported as -1.
 */
int vg_wl_names(const struct vg_wl_set *s, enum vg_obs_kind kind, const char *value, size_t len,
                struct vg_buf *b);

/*
 * The set recorded in the hub, compiled (NULL in *out when the hub records
 * none).  The compiled set is shared by every caller in the process until
 * the hub's lists change (a new generation in the store's meta); release
 * what you acquire.
 */
enum vg_rc vg_wl_acquire(struct vg_store *st, struct vg_wl_set **out, struct vg_error *err);
void vg_wl_release(struct vg_wl_set *s);

/* The meta key holding the generation of the hub's lists. */
#define VG_WL_META_GENERATION "warninglists.generation"

#endif
