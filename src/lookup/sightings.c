/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sightings.c - sightings in a look-up answer (see sightings.h).
 *
 * One store query per value shown (the queried value, each matched
 * indicator's value), grouped by sighting organisation in SQL; the answer
 * names the organisations and sums their counts.  Nothing here decides who
 * may see what: the rows come filtered by the requester's tokens.
 */
#include "sightings.h"

#include <stdio.h>
#include <string.h>

#include "common/vtime.h"
#include "model/obs.h"

struct sctx {
    struct vg_store *st;
    json_t *orgs;
    int64_t count, sightings, first, last;
    int nomem;
};

static json_t *time_or_null(int64_t us)
{
    char t[VG_TIME_TEXT_MAX];

    if (us == 0)
        return json_null();
    vg_time_format_us(us, t);
    return json_string(t);
}

static int row_cb(void *arg, const struct vg_sighting_row *row)
{
    struct sctx *c = arg;
    struct vg_org org;
    struct vg_error oerr;
    json_t *o;

    vg_error_clear(&oerr);
    if (vg_store_org_get_by_id(c->st, row->org_id, &org, &oerr) != VG_OK)
        snprintf(org.name, sizeof(org.name), "?");
    c->count += row->count;
    c->sightings += row->sightings;
    if (row->first_seen_us && (c->first == 0 || row->first_seen_us < c->first))
        c->first = row->first_seen_us;
    if (row->last_seen_us > c->last)
        c->last = row->last_seen_us;
    o = json_pack("{s:s, s:I, s:I, s:o, s:o}", "organisation", org.name, "count",
                  (json_int_t)row->count, "sightings", (json_int_t)row->sightings, "first_seen",
                  time_or_null(row->first_seen_us), "last_seen", time_or_null(row->last_seen_us));
    if (o == NULL || json_array_append_new(c->orgs, o) != 0) {
        c->nomem = 1;
        return 1;
    }
    return 0;
}

/* The "sightings" member of target for one value, when it has any. */
static enum vg_rc add_for(struct vg_store *st, const vg_token *tokens, size_t ntokens,
                          json_t *target, const char *value, const char *kind_name,
                          struct vg_error *err)
{
    enum vg_obs_kind kind = kind_name ? vg_obs_kind_from_name(kind_name) : VG_OBS_NONE;
    struct sctx c;
    json_t *s;
    enum vg_rc rc;

    if (kind == VG_OBS_NONE || value == NULL)
        return VG_OK;
    memset(&c, 0, sizeof(c));
    c.st = st;
    if ((c.orgs = json_array()) == NULL)
        return vg_error_set(err, VG_NOMEM, NULL, "out of memory");
    rc = vg_store_scan_sightings(st, tokens, ntokens, kind, value, strlen(value), row_cb, &c, err);
    if (rc == VG_OK && c.nomem)
        rc = vg_error_set(err, VG_NOMEM, NULL, "out of memory");
    if (rc != VG_OK || c.sightings == 0) {
        json_decref(c.orgs);
        return rc;
    }
    s = json_pack("{s:I, s:I, s:o, s:o, s:o}", "count", (json_int_t)c.count, "sightings",
                  (json_int_t)c.sightings, "first_seen", time_or_null(c.first), "last_seen",
                  time_or_null(c.last), "organisations", c.orgs);
    if (s == NULL || json_object_set_new(target, "sightings", s) != 0)
        return vg_error_set(err, VG_NOMEM, NULL, "out of memory");
    return VG_OK;
}

enum vg_rc vg_lookup_sightings(struct vg_store *st, const vg_token *tokens, size_t ntokens,
                               json_t *doc, struct vg_error *err)
{
    json_t *matches = json_object_get(doc, "matches"), *m;
    enum vg_rc rc;
    size_t i;

    if (json_array_size(matches) == 0)
        return VG_OK;
    const char *value = json_string_value(json_object_get(doc, "value"));
    const char *kind = json_string_value(json_object_get(doc, "kind"));
    json_t *same = NULL; /* the match of the value itself, if any */

    json_array_foreach(matches, i, m)
    {
        json_t *ind = json_object_get(m, "indicator");
        const char *v = json_string_value(json_object_get(ind, "value"));
        const char *k = json_string_value(json_object_get(ind, "kind"));

        if ((rc = add_for(st, tokens, ntokens, m, v, k, err)) != VG_OK)
            return rc;
        if (v && k && value && kind && strcmp(v, value) == 0 && strcmp(k, kind) == 0)
            same = m;
    }
    if (same == NULL)
        return add_for(st, tokens, ntokens, doc, value, kind, err);
    /* an exact match already holds the value's sightings: one query less */
    if (json_object_get(same, "sightings") &&
        json_object_set(doc, "sightings", json_object_get(same, "sightings")) != 0)
        return vg_error_set(err, VG_NOMEM, NULL, "out of memory");
    return VG_OK;
}
