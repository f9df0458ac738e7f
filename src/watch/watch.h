/* SPDX-License-Identifier: Apache-2.0 */
/*
 * watch.h - asset watch lists: what an organisation owns, and a compiled
 * matcher that tells, for a canonical observable, whose assets it touches.
 *
 * An organisation registers networks (IPv4/IPv6 CIDR), domains and brand
 * keywords (vg_watch_parse gives their one canonical form).  The entries of
 * every organisation are compiled into one immutable matcher
 * (vg_watch_compile):
 *
 *   networks   sorted intervals per address family; CIDR ranges are nested
 *              or disjoint, so each interval keeps its nearest enclosing
 *              one and a query is a binary search then a walk up at most
 *              129 parents;
 *   domains    a hash set of names, probed with the name and each parent
 *              (a.b.example.com, b.example.com, example.com, com);
 *   brands     an Aho-Corasick automaton over the domain alphabet, run on
 *              the name (on a confusable skeleton of its IDN labels).
 *
 * A hit names the entry, its organisation and the rule: `in-network`,
 * `exact`, `subdomain` or `brand`.  URLs are matched by their host, e-mail
 * addresses by their domain.  An organisation gets at most one hit per
 * observable and entry kind: the most specific (the innermost network, the
 * longest domain); a brand hit is dropped when the name is one of that
 * organisation's own watched domains or under one.
 *
 * Threading: a compiled matcher is immutable and reference counted; any
 * number of threads may match with it at once.
 */
#ifndef VG_WATCH_WATCH_H
#define VG_WATCH_WATCH_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "model/obs.h"

enum vg_watch_kind {
    VG_WATCH_NONE = 0,
    VG_WATCH_NETWORK,
    VG_WATCH_DOMAIN,
    VG_WATCH_BRAND,
};

enum vg_watch_rule {
    VG_WRULE_NONE = 0,
    VG_WRULE_IN_NETWORK, /* an address (or an overlapping range) in a watched network */
    VG_WRULE_EXACT,      /* the watched domain itself */
    VG_WRULE_SUBDOMAIN,  /* a name under a watched domain */
    VG_WRULE_BRAND,      /* a name containing a brand keyword (look-alike) */
};

#define VG_WATCH_VALUE_MAX 256     /* canonical value, with its NUL */
#define VG_WATCH_BRAND_MIN 4       /* shorter keywords would match half the Internet */
#define VG_WATCH_MAX_PER_ORG 20000 /* entries one organisation may register */

/* "network", "domain", "brand"; "" for none. */
const char *vg_watch_kind_name(enum vg_watch_kind kind);
enum vg_watch_kind vg_watch_kind_from_name(const char *name);
/* "in-network", "exact", "subdomain", "brand". */
const char *vg_watch_rule_name(enum vg_watch_rule rule);
enum vg_watch_rule vg_watch_rule_from_name(const char *name);

/*
 * Canonical form of a value to watch (untrusted input):
 *   network  an IPv4 or IPv6 address or CIDR range, aligned ("10.1.2.3/8" is
 *            refused: the network is 10.0.0.0/8); an address is its /32 or /128
 *   domain   a domain name in canonical form (lower case, punycode); a public
 *            suffix ("com", "co.uk") is refused: nobody owns it
 *   brand    4 to 63 letters, digits and inner hyphens, lower-cased
 * out holds VG_WATCH_VALUE_MAX bytes.  VG_INVALID with a reason otherwise.
 */
enum vg_rc vg_watch_parse(enum vg_watch_kind kind, const char *in, size_t len, char *out,
                          struct vg_error *err);

/* One registered entry (value canonical; borrowed by vg_watch_compile). */
struct vg_watch_entry {
    int64_t id;
    int64_t org_id;
    enum vg_watch_kind kind;
    const char *value;
};

struct vg_watch_hit {
    int64_t entry_id;
    int64_t org_id;
    enum vg_watch_kind kind;
    const char *asset; /* the entry's value, borrowed from the matcher */
    enum vg_watch_rule rule;
};

typedef int (*vg_watch_hit_cb)(void *ctx, const struct vg_watch_hit *hit);

struct vg_watch_matcher;

/*
 * Compile n entries (values canonical: an entry that is not is refused with
 * VG_INVALID).  The matcher copies what it keeps; *out has one reference.
 */
enum vg_rc vg_watch_compile(const struct vg_watch_entry *e, size_t n, struct vg_watch_matcher **out,
                            struct vg_error *err);
void vg_watch_matcher_ref(struct vg_watch_matcher *m);
void vg_watch_matcher_unref(struct vg_watch_matcher *m); /* accepts NULL */
size_t vg_watch_matcher_count(const struct vg_watch_matcher *m);

/*
 * Call cb for each entry the canonical observable (kind, value) touches; a
 * non-zero return stops.  Returns the number of hits reported.  Kinds that
 * name no network or domain (hashes) hit nothing.
 */
size_t vg_watch_match(const struct vg_watch_matcher *m, enum vg_obs_kind kind, const char *value,
                      size_t len, vg_watch_hit_cb cb, void *ctx);

/*
 * The ASCII skeleton of a domain name for brand matching: each IDN label
 * (xn--) decoded and its characters folded to the Latin letters they are
 * confused with (Cyrillic and Greek homoglyphs, accented Latin letters);
 * other labels as they are; a character with no fold becomes '.' (it breaks
 * a keyword).  Returns the length, or 0 when the name does not fit or does
 * not decode (then only the name itself is searched).
 */
size_t vg_watch_skeleton(const char *name, size_t len, char *out, size_t cap);

#endif
