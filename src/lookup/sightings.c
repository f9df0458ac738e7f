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

#include "model/obs.h"

struct sctx {
    struct vg_store *st;
    struct vg_lk_out orgs; /* the organisations' objects, comma-separated */
    int64_t count, sightings, first, last;
    size_t norgs;
};

static int row_cb(void *arg, const struct vg_sighting_row *row)
{
    struct sctx *c = arg;
    struct vg_org org;
    struct vg_error oerr;

    vg_error_clear(&oerr);
    if (vg_store_org_get_by_id(c->st, row->org_id, &org, &oerr) != VG_OK)
        snprintf(org.name, sizeof(org.name), "?");
    if (c->norgs++ > 0)
        vg_lk_raw(&c->orgs, ",");
    c->count += row->count;
    c->sightings += row->sightings;
    if (row->first_seen_us && (c->first == 0 || row->first_seen_us < c->first))
        c->first = row->first_seen_us;
    if (row->last_seen_us > c->last)
        c->last = row->last_seen_us;
    vg_lk_raw(&c->orgs, "{\"organisation\":");
    vg_lk_cstr(&c->orgs, org.name);
    vg_lk_raw(&c->orgs, ",\"count\":");
    vg_lk_int(&c->orgs, row->count);
    vg_lk_raw(&c->orgs, ",\"sightings\":");
    vg_lk_int(&c->orgs, row->sightings);
    vg_lk_raw(&c->orgs, ",\"first_seen\":");
    vg_lk_time(&c->orgs, row->first_seen_us);
    vg_lk_raw(&c->orgs, ",\"last_seen\":");
    vg_lk_time(&c->orgs, row->last_seen_us);
    vg_lk_raw(&c->orgs, "}");
    return c->orgs.rc != VG_OK;
}

enum vg_rc vg_lookup_sightings_put(struct vg_store *st, const vg_token *tokens, size_t ntokens,
                                   enum vg_obs_kind kind, const char *value, size_t len,
                                   struct vg_lk_out *o, struct vg_error *err)
{
    struct vg_buf orgs;
    struct sctx c;
    enum vg_rc rc;

    if (kind == VG_OBS_NONE || value == NULL || o->rc != VG_OK)
        return VG_OK;
    memset(&c, 0, sizeof(c));
    c.st = st;
    vg_buf_init(&orgs, 0);
    c.orgs.b = &orgs;
    rc = vg_store_scan_sightings(st, tokens, ntokens, kind, value, len, row_cb, &c, err);
    if (rc == VG_OK && c.orgs.rc != VG_OK)
        o->rc = c.orgs.rc;
    if (rc == VG_OK && c.orgs.rc == VG_OK && c.sightings > 0) {
        vg_lk_raw(o, ",\"sightings\":{\"count\":");
        vg_lk_int(o, c.count);
        vg_lk_raw(o, ",\"sightings\":");
        vg_lk_int(o, c.sightings);
        vg_lk_raw(o, ",\"first_seen\":");
        vg_lk_time(o, c.first);
        vg_lk_raw(o, ",\"last_seen\":");
        vg_lk_time(o, c.last);
        vg_lk_raw(o, ",\"organisations\":[");
        if (o->rc == VG_OK)
            o->rc = vg_buf_append(o->b, orgs.data, orgs.len);
        vg_lk_raw(o, "]}");
    }
    vg_buf_cleanup(&orgs);
    return rc;
}
