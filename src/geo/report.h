/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report.h - the per-jurisdiction report (`vigie report`, docs/geo.md).
 *
 * What one organisation may see that is located in a set of countries:
 * totals, counts by kind, by malware family (label) and by autonomous
 * system, what was first added in the period, and the full list.  Built
 * from the store's observable scan with the requester's tokens, so the
 * policy decides first: what it may not see is in no count and no line.
 *
 * JSON document:
 *   {"jurisdiction", "countries": [...], "for", "since", "generated",
 *    "max_tlp", "enrichment",
 *    "totals": {"observables", "new", "contributions"},
 *    "by_country" | "by_kind" | "by_label" | "by_as":
 *        [{"key", ("asn", "as_name" for by_as), "count", "new"}] (largest first),
 *    "observables": [{"value", "kind", "country", "asn", "as_name",
 *                     "located_by", "labels", "organisations",
 *                     "first_added", "new"}]}
 * The HTML page is rendered from that document alone: one self-contained
 * file (inline CSS with print rules, no script, no external resource),
 * every value escaped.
 */
#ifndef VG_GEO_REPORT_H
#define VG_GEO_REPORT_H

#include <stdio.h>

#include <jansson.h>

#include "common/error.h"
#include "store/store.h"

struct vg_report_request {
    const vg_token *tokens; /* the requester's */
    size_t ntokens;
    const char *for_name;     /* shown in the report */
    const char *jurisdiction; /* as asked ("FR", "EU", "mine"), shown */
    const char (*countries)[3];
    size_t ncountries;
    int64_t since_us; /* "new" means first visible addition at or after this */
    enum vg_tlp max_tlp;
    /* who asks: contributors that chose a pseudonym appear under it, except
     * to themselves and to the operator (as in look-ups) */
    int64_t requester_org;
    int requester_is_operator;
};

/* Build the report (*out: new reference). */
enum vg_rc vg_report_build(struct vg_store *st, const struct vg_report_request *req, json_t **out,
                           struct vg_error *err);

/* Write the HTML page of a report document to f.  VG_IO on a write error. */
enum vg_rc vg_report_html(const json_t *doc, FILE *f, struct vg_error *err);

/* Write s HTML-escaped (& < > " ' and control characters) to f. */
void vg_html_escape(FILE *f, const char *s);

#endif
