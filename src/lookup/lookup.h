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
 *   {"query", "value", "kind",
 *    "matches": [{"rule": "exact"|"subdomain"|"in-range"|"url-host",
 *                 "indicator": {"value", "kind"},
 *                 "contributions": [{"organisation", "object", "tlp",
 *                                    "confidence", "first_seen", "last_seen",
 *                                    "label", "added"}]}],
 *    "corroboration": N, "score": 0-100}
 * "matches" is omitted when nothing visible matches (corroboration 0,
 * score 0).  Thread-safe with one store handle per thread.
 */
#ifndef VG_LOOKUP_LOOKUP_H
#define VG_LOOKUP_LOOKUP_H

#include <stddef.h>

#include <jansson.h>

#include "common/error.h"
#include "model/tlp.h"
#include "store/store.h"
#include "values.h"

/*
 * Look in[0..len) up for the requester holding tokens.  vals, when given, is
 * the set of values the hub holds (values.h), synced by the caller: only the
 * candidates it holds are looked for in the store.  VG_INVALID (with a
 * reason in err) when the value is no observable; VG_OK with *out (new
 * reference) otherwise, matches or not.
 */
enum vg_rc vg_lookup(struct vg_store *st, const struct vg_values *vals, const vg_token *tokens,
                     size_t ntokens, const char *in, size_t len, json_t **out,
                     struct vg_error *err);

#endif
