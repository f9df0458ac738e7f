/* SPDX-License-Identifier: Apache-2.0 */
/*
 * geo.c - the location of what a look-up matched (docs/geo.md).
 *
 * Each match of a look-up answer gets "location": {country, asn, as_name,
 * located_by} from the enrichment stored with the matched indicator, read
 * in the look-up's own scan of the indicator's contributions (lookup.c),
 * with the requester's tokens: a domain or URL
 * inherits the location of an address claimed by the same visible object,
 * never by one the requester cannot see, and an indicator the requester
 * cannot see is no match here in the first place.  The answer's top-level
 * "location" is that of the exact match, when there is one.
 */
#include "geo.h"

#include <stdio.h>
#include <string.h>

#include "model/obs.h"

void vg_lookup_geo_note(struct vg_lookup_geo_best *b, const struct vg_obs_row *row)
{
    static const int ranks[] = {0, 3, 1, 2};
    int r;

    if ((row->country == NULL || row->country[0] == '\0') && row->asn == 0)
        return;
    r = ranks[row->geo_source <= VG_GEO_RELATED ? row->geo_source : 0];
    if (r <= b->rank)
        return;
    b->rank = r;
    snprintf(b->country, sizeof(b->country), "%s", row->country ? row->country : "");
    b->asn = row->asn;
    snprintf(b->as_name, sizeof(b->as_name), "%s", row->as_name ? row->as_name : "");
    b->source = row->geo_source;
}

void vg_lookup_geo_put(const struct vg_lookup_geo_best *b, struct vg_lk_out *o)
{
    static const char *const sources[] = {"", "mmdb", "cctld", "related"};

    vg_lk_raw(o, "{\"country\":");
    vg_lk_cstr(o, b->country[0] ? b->country : NULL);
    vg_lk_raw(o, ",\"asn\":");
    if (b->asn)
        vg_lk_int(o, b->asn);
    else
        vg_lk_raw(o, "null");
    vg_lk_raw(o, ",\"as_name\":");
    vg_lk_cstr(o, b->as_name[0] ? b->as_name : NULL);
    vg_lk_raw(o, ",\"located_by\":");
    vg_lk_cstr(o, sources[b->source <= VG_GEO_RELATED ? b->source : 0]);
    vg_lk_raw(o, "}");
}
