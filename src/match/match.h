/* SPDX-License-Identifier: Apache-2.0 */
/*
 * match.h - find observables in arbitrary text and look them up.
 *
 * The scanner is told nothing about the format of the text: it walks the
 * bytes once, cuts them into tokens of host-name characters, and takes as a
 * candidate what has the shape of an observable:
 *
 *   ipv4    four dot-separated decimal parts 0-255 without leading zeros,
 *           the whole token ("1.2.3.45" is never "1.2.3.4"; "1.2.3.4.5" and
 *           "v1.2.3.4" are no address);
 *   ipv6    a run of hex digits, colons (and dots for an embedded IPv4) with
 *           at least two colons that inet_pton accepts;
 *   domain  a token with a dot whose last label is not all digits, trimmed of
 *           leading and trailing dots and dashes; looked up with the
 *           subdomain rule (a.b.evil.com finds evil.com; evil.com.example.org
 *           and notevil.com do not);
 *   url     scheme://authority[path], up to white space, a quote, <, >, `,
 *           {, }, |, \, ^ or a comma (a trailing dot is dropped); also a host
 *           followed by a path without a scheme ("evil.com/gate.php" is
 *           looked up as http://evil.com/gate.php);  the host of a URL is not
 *           a separate candidate, its path and query are scanned as text;
 *   hash    a run of exactly 32, 40, 64 or 128 hex digits between characters
 *           that are not letters or digits (a hash inside a longer hex run is
 *           no candidate).
 *
 * Candidates are put in canonical form before the look-up (model/obs.h).  The
 * common case - text already canonical, such as a lower-case host name or a
 * dotted quad - is looked up as it stands; anything that canonicalisation
 * could change (upper case, ports, defanging, IDN, IPv6) goes through
 * vg_obs_parse.  Both give the same answers: an index holds canonical values
 * only, and canonical text is its own canonical form.
 *
 * Each candidate yields at most one hit, the most specific (exact, then
 * subdomain or in-range, then url-host).  Thread-safe: any number of threads
 * may scan with one index.
 */
#ifndef VG_MATCH_MATCH_H
#define VG_MATCH_MATCH_H

#include <stddef.h>

#include "index/index.h"
#include "model/obs.h"

struct vg_match_hit {
    size_t offset;         /* of the matched text in the buffer */
    size_t len;            /* of the matched text */
    size_t line;           /* newlines in the buffer before the text */
    enum vg_obs_kind kind; /* what the text was taken as */
    const char *canon;     /* its canonical form (valid during the callback) */
    size_t canon_len;
    struct vg_index_hit hit; /* rule VG_RULE_NONE when scanning without an index */
};

/* Return non-zero to stop the scan. */
typedef int (*vg_match_cb)(void *ctx, const struct vg_match_hit *h);

/*
 * Scan buf[0..len).  With an index, cb is called for every hit; with
 * idx == NULL for every candidate (what the scanner sees, for tests and
 * fuzzing).  Candidates never span a newline.  Returns the number of
 * newlines in the buffer (the scan always counts them all, even when cb
 * stops it early - it then stops calling cb).
 */
size_t vg_match_scan(const struct vg_index *idx, const char *buf, size_t len, vg_match_cb cb,
                     void *ctx);

#endif
