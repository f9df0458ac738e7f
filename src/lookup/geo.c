/* SPDX-License-Identifier: Apache-2.0 */
/*
 * geo.c - the location of what a look-up matched (docs/geo.md).
 *
 * Each match of a look-up answer gets "location": {country, asn, as_name,
 * located_by} from the enrichment stored with the matched indicator, read
 * through the observable scan with the requester's tokens: a domain or URL
 * inherits the location of an address claimed by the same visible object,
 * never by one the requester cannot see, and an indicator the requester
 * cannot see is no match here in the first place.  The answer's top-level
 * "location" is that of the exact match, when there is one.
 */
#include "geo.h"

#include <string.h>

#include "model/obs.h"

struct best {
    int rank; /* 0 none, 1 ccTLD, 2 related, 3 the databases */
    char country[4];
    int64_t asn;
    char as_name[VG_AS_NAME_MAX];
    enum vg_geo_source source;
};

static int row_cb(void *ctx, const struct vg_obs_row *row)
{
    static const int ranks[] = {0, 3, 1, 2};
    struct best *b = ctx;
    int r;

    if ((row->country == NULL || row->country[0] == '\0') && row->asn == 0)
        return 0;
    r = ranks[row->geo_source <= VG_GEO_RELATED ? row->geo_source : 0];
    if (r <= b->rank)
        return 0;
    b->rank = r;
    snprintf(b->country, sizeof(b->country), "%s", row->country ? row->country : "");
    b->asn = row->asn;
    snprintf(b->as_name, sizeof(b->as_name), "%s", row->as_name ? row->as_name : "");
    b->source = row->geo_source;
    return r == 3; /* nothing beats the databases */
}

enum vg_rc vg_lookup_geo(struct vg_store *st, const vg_token *tokens, size_t ntokens, json_t *doc,
                         struct vg_error *err)
{
    static const char *const sources[] = {"", "mmdb", "cctld", "related"};
    json_t *matches = json_object_get(doc, "matches"), *m, *ind, *loc;
    struct vg_obs_filter f;
    struct best b;
    enum vg_rc rc;
    size_t i;

    json_array_foreach(matches, i, m)
    {
        ind = json_object_get(m, "indicator");
        memset(&f, 0, sizeof(f));
        memset(&b, 0, sizeof(b));
        f.tokens = tokens;
        f.ntokens = ntokens;
        f.kind = vg_obs_kind_from_name(json_string_value(json_object_get(ind, "kind")));
        f.value = json_string_value(json_object_get(ind, "value"));
        if (f.kind == VG_OBS_NONE || f.value == NULL)
            continue;
        f.value_len = strlen(f.value);
        if ((rc = vg_store_scan_observables(st, &f, row_cb, &b, err)) != VG_OK)
            return rc;
        if (b.rank == 0)
            continue;
        loc = json_pack("{s:o, s:o, s:o, s:s}", "country",
                        b.country[0] ? json_string(b.country) : json_null(), "asn",
                        b.asn ? json_integer(b.asn) : json_null(), "as_name",
                        b.as_name[0] ? json_string(b.as_name) : json_null(), "located_by",
                        sources[b.source <= VG_GEO_RELATED ? b.source : 0]);
        if (loc == NULL)
            return vg_error_set(err, VG_NOMEM, NULL, "out of memory");
        if (strcmp(json_string_value(json_object_get(m, "rule")), "exact") == 0 &&
            json_object_get(doc, "location") == NULL)
            json_object_set(doc, "location", loc);
        json_object_set_new(m, "location", loc);
    }
    return VG_OK;
}
