/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lookup.h - "what is known about X, and by whom?"
 *
 * One value in (an address, a domain, a URL, an e-mail address, a hash; in
 * any spelling, defanged or not), everything the requester may see about it
 * out: the canonical value and kind; each indicator it matches and how -
 * exactly, as a subdomain of a reported domain, inside a reported range, or
 * through a URL's host; every visible contribution (organisation, first and
 * last seen, confidence, TLP, the object, the malware family or label);
 * corroboration (distinct organisations, among what the requester may see)
 * and a score.  The policy is applied inside the store's queries: what the
 * requester may not see is not counted, not scored, not mentioned.
 *
 * Answer (JSON):
 *   {"query", "value", "kind", "corroboration": N, "score": 0-100,
 *    "labels": [malware families and labels of the visible contributions],
 *    "contents": "not listed: range too wide" | "truncated" (range queries),
 *    "matches": [{"rule": "exact"|"subdomain"|"in-range"|"url-host"|"contains",
 *                 "indicator": {"value", "kind"},
 *                 "contributions": [{"organisation" (or its pseudonym), "object", "tlp",
 *                                    "confidence", "first_seen", "last_seen",
 *                                    "label", "added", "expired": true?}],
 *                 "contributions_total": N (when more than are listed)}]}
 * "matches" and "labels" are omitted when nothing visible matches
 * (corroboration 0, score 0).  first_seen/last_seen are an indicator's
 * valid_from/valid_until: past its valid_until a contribution is marked
 * expired, never hidden.  A queried range also lists, with the rule
 * "contains", the reported addresses and narrower networks inside it (ranges
 * of at most VG_LOOKUP_CONTENTS_BITS host bits, with a value set; at most
 * VG_LOOKUP_MAX_CONTRIBUTIONS of them); they are not reports about the range
 * and count neither in corroboration nor in score.
 *
 * Score: each visible contribution weighs its confidence (0.5 when none was
 * given), halved every half-life of its indicator's kind since it was
 * reported (the later of valid_from and when it was added), times
 * VG_LOOKUP_EXPIRED when expired and VG_LOOKUP_INDIRECT when it matched
 * otherwise than exactly; each organisation counts with its strongest, and
 * organisations corroborate as independent witnesses:
 * score = 100 * (1 - product over organisations of (1 - weight)).
 * Thread-safe with one store handle per thread.
 */
#ifndef VG_LOOKUP_LOOKUP_H
#define VG_LOOKUP_LOOKUP_H

#include <stddef.h>

#include <jansson.h>

#include "common/buf.h"
#include "common/error.h"
#include "model/tlp.h"
#include "store/store.h"
#include "values.h"

#define VG_LOOKUP_MAX_CONTRIBUTIONS 100 /* listed per match; all are counted */
#define VG_LOOKUP_EXPIRED 0.25          /* weight of a contribution past valid_until */
#define VG_LOOKUP_INDIRECT 0.8          /* weight of a subdomain, range or URL-host match */
#define VG_LOOKUP_CONTENTS_BITS 16      /* a queried range lists what it holds up to this wide */

struct vg_wl_set;

struct vg_lookup_opts {
    /* The set of values the hub holds (values.h), synced by the caller:
     * only the candidates it holds are looked for in the store.  NULL: every
     * candidate is. */
    const struct vg_values *values;
    double half_life_days[VG_OBS_KIND_COUNT]; /* 0: the default of the kind */
    unsigned max_contributions;               /* 0: VG_LOOKUP_MAX_CONTRIBUTIONS */
    int64_t now_us;                           /* 0: the clock (tests fix it) */
    /* Who asks: an organisation sees its own contributions under its name,
     * and the hub's operator sees every name; others see the pseudonym a
     * contributor chose (`vigie org pseudonym`), where it chose one. */
    int64_t requester_org;
    int requester_is_operator;
    /* The compiled warning lists, acquired by the caller once for a batch
     * (vg_wl_acquire, inside the batch's read snapshot; NULL when the hub
     * has none), when warninglists_acquired; otherwise each look-up acquires
     * them (a store read of their generation each time). */
    const struct vg_wl_set *warninglists;
    int warninglists_acquired;
};

/* The half-life applied to a kind: opts' (when set) or the default (IP
 * addresses and URLs 30 days, networks and domains 90, e-mail addresses
 * 180, file hashes 365). */
double vg_lookup_half_life_days(const struct vg_lookup_opts *opts, enum vg_obs_kind kind);

/*
 * Look in[0..len) up for the requester holding tokens, with opts (may be
 * NULL: defaults, no value set), and append the answer to out as one line
 * of compact JSON and a line break: written straight into out, key by key,
 * byte for byte what jansson's JSON_COMPACT gives for the same document
 * (text.h), with no document built.  For a batch (opts with a value set
 * and the warning lists acquired), a value none of whose candidates the
 * set holds is answered without the store: nothing could be found, whoever
 * asks.  VG_INVALID or VG_LIMIT (reason in err, out untouched) when the
 * value is no observable; another code, out untouched, when the store or
 * memory fails.
 */
enum vg_rc vg_lookup_line(struct vg_store *st, const struct vg_lookup_opts *opts,
                          const vg_token *tokens, size_t ntokens, const char *in, size_t len,
                          struct vg_buf *out, struct vg_error *err);

/* The same answer as a JSON document (*out, new reference): the line
 * parsed, for callers that read its members (the CLI, sightings). */
enum vg_rc vg_lookup(struct vg_store *st, const struct vg_lookup_opts *opts, const vg_token *tokens,
                     size_t ntokens, const char *in, size_t len, json_t **out,
                     struct vg_error *err);

#endif
