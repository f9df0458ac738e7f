/* SPDX-License-Identifier: Apache-2.0 */
/*
 * geo_filter.c - the jurisdiction filter of TAXII
 * (match[x_vigie_jurisdiction]) and of the stream (jurisdiction=).
 *
 * The filter narrows a scan that the policy already bounds: the store
 * applies the requester's tokens first, then keeps objects that claim an
 * observable located in one of the countries.  An unknown code is a 400
 * naming the parameter; it reveals nothing about the hub.
 */
#include "geo_filter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "geo/geo.h"

enum vg_rc http_geo_parse(struct vg_store *st, int64_t org_id, const char *spec, const char *field,
                          struct http_geo *g, struct vg_error *err)
{
    char all[VG_GEO_COUNTRIES_MAX][3], msg[VG_ERROR_MSG_MAX];
    size_t n, i;
    enum vg_rc rc;

    memset(g, 0, sizeof(*g));
    if (strlen(spec) > 512)
        return vg_error_set(err, VG_INVALID, field, "jurisdiction list too long");
    if ((rc = vg_geo_jurisdiction(st, org_id, spec, all, VG_GEO_COUNTRIES_MAX, &n, err)) != VG_OK) {
        if (rc == VG_NOMEM || rc == VG_STORAGE)
            return rc;
        snprintf(msg, sizeof(msg), "%s", err->msg);
        return vg_error_set(err, VG_INVALID, field, "%s", msg);
    }
    if (n > HTTP_GEO_MAX)
        return vg_error_set(err, VG_INVALID, field, "at most %d countries", HTTP_GEO_MAX);
    for (i = 0; i < n; i++) {
        memcpy(g->cc[i], all[i], 3);
        g->p[i] = g->cc[i];
    }
    g->n = n;
    return VG_OK;
}

static int location_cb(void *ctx, enum vg_obs_kind kind, const char *value, size_t len,
                       const struct vg_geo *g)
{
    static const char *const sources[] = {"", "mmdb", "cctld", "related"};
    json_t *arr = ctx;

    json_array_append_new(
        arr, json_pack("{s:s%, s:s, s:o, s:o, s:o, s:s}", "value", value, len, "kind",
                       vg_obs_kind_name(kind), "country",
                       g->country[0] ? json_string(g->country) : json_null(), "asn",
                       g->asn ? json_integer(g->asn) : json_null(), "as_name",
                       g->as_name[0] ? json_string(g->as_name) : json_null(), "located_by",
                       sources[g->source <= VG_GEO_RELATED ? g->source : 0]));
    return 0;
}

enum vg_rc http_geo_locations(struct vg_store *st, int64_t rowid, struct vg_buf *out,
                              struct vg_error *err)
{
    json_t *arr = json_array();
    enum vg_rc rc;
    char *text = NULL;

    if (arr == NULL)
        return vg_error_set(err, VG_NOMEM, NULL, "out of memory");
    rc = vg_store_geo_claims(st, rowid, location_cb, arr, err);
    if (rc == VG_OK && json_array_size(arr)) {
        /* compact JSON holds no line break: one field line */
        if ((text = json_dumps(arr, JSON_COMPACT)) == NULL ||
            vg_buf_printf(out, "location: %s\n", text) != VG_OK)
            rc = vg_error_set(err, VG_NOMEM, NULL, "out of memory");
    }
    free(text);
    json_decref(arr);
    return rc;
}

void http_geo_apply(const struct http_geo *g, struct vg_object_filter *f)
{
    if (g->n == 0)
        return;
    f->countries = g->p;
    f->ncountries = g->n;
}
