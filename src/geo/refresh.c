/* SPDX-License-Identifier: Apache-2.0 */
/*
 * refresh.c - bring a hub's stored enrichment up to date (see geo.h).
 *
 * Observables are read in id order, a batch at a time (values copied out of
 * the read), located in memory, and written in one transaction per batch
 * (the store's own, without the bookkeeping of object writes):
 * the look-ups cost far less than the writes, and a batch keeps the write
 * transaction short so that `vigie serve`'s writers wait little.
 * Enrichment is not on the import's path: an import stores observables,
 * and the next refresh (`vigie enrich`, or `vigie serve` at start) locates
 * them.
 */
#include "geo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCH 20000

struct item {
    int64_t id;
    enum vg_obs_kind kind;
    size_t len;
    char *value;
};

struct batch {
    struct item *items;
    size_t n;
    int nomem;
};

static int collect(void *ctx, const struct vg_geo_item *it)
{
    struct batch *b = ctx;
    struct item *i = &b->items[b->n];

    if ((i->value = malloc(it->len + 1)) == NULL) {
        b->nomem = 1;
        return 1;
    }
    memcpy(i->value, it->value, it->len);
    i->value[it->len] = '\0';
    i->id = it->obs_id;
    i->kind = it->kind;
    i->len = it->len;
    b->n++;
    return 0;
}

static void release(struct batch *b)
{
    size_t i;

    for (i = 0; i < b->n; i++)
        free(b->items[i].value);
    b->n = 0;
}

enum vg_rc vg_geo_refresh(struct vg_store *st, struct vg_geo_db *db, struct vg_geo_stats *out,
                          void (*progress)(void *ctx, size_t examined), void *ctx,
                          struct vg_error *err)
{
    struct batch b = {0};
    struct vg_geo *geo = NULL;
    int64_t *ids = NULL, build = vg_geo_build(db), after = 0;
    enum vg_rc rc = VG_OK;
    size_t i;

    memset(out, 0, sizeof(*out));
    b.items = calloc(BATCH, sizeof(*b.items));
    geo = calloc(BATCH, sizeof(*geo));
    ids = calloc(BATCH, sizeof(*ids));
    if (b.items == NULL || geo == NULL || ids == NULL) {
        rc = vg_error_set(err, VG_NOMEM, NULL, "out of memory");
        goto out;
    }
    for (;;) {
        if ((rc = vg_store_geo_pending(st, build, after, BATCH, collect, &b, err)) != VG_OK)
            break;
        if (b.nomem) {
            rc = vg_error_set(err, VG_NOMEM, NULL, "out of memory");
            break;
        }
        if (b.n == 0)
            break;
        for (i = 0; i < b.n; i++) {
            ids[i] = b.items[i].id;
            if (vg_geo_locate(db, b.items[i].kind, b.items[i].value, b.items[i].len, &geo[i]) ==
                VG_OK) {
                out->located++;
                out->by_cctld += geo[i].source == VG_GEO_CCTLD;
            } else {
                memset(&geo[i], 0, sizeof(geo[i])); /* remembered as looked at, by this build */
            }
            geo[i].build = build;
        }
        if ((rc = vg_store_geo_put(st, ids, geo, b.n, err)) != VG_OK)
            break;
        out->examined += b.n;
        after = b.items[b.n - 1].id;
        if (progress)
            progress(ctx, out->examined);
        release(&b);
    }
out:
    if (b.items)
        release(&b);
    free(b.items);
    free(geo);
    free(ids);
    if (rc == VG_OK)
        rc = vg_store_meta_set(st, "geo.build", vg_geo_build_text(db), err);
    return rc;
}

enum vg_rc vg_geo_open_hub(struct vg_store *st, const char *country, const char *asn,
                           struct vg_geo_db **out, struct vg_error *err)
{
    char cpath[4096] = "", apath[4096] = "";
    enum vg_rc rc;

    if (country) { /* recorded absolute: later commands may run elsewhere */
        if (realpath(country, cpath) == NULL)
            return vg_error_set(err, VG_IO, country, "cannot open MMDB database %s", country);
    } else if ((rc = vg_store_meta_get(st, "geo.country_db", cpath, sizeof(cpath), err)) != VG_OK) {
        if (rc != VG_NOT_FOUND)
            return rc;
        vg_error_clear(err);
    }
    if (asn) {
        if (realpath(asn, apath) == NULL)
            return vg_error_set(err, VG_IO, asn, "cannot open MMDB database %s", asn);
    } else if ((rc = vg_store_meta_get(st, "geo.asn_db", apath, sizeof(apath), err)) != VG_OK) {
        if (rc != VG_NOT_FOUND)
            return rc;
        vg_error_clear(err);
    }
    if (cpath[0] == '\0' && apath[0] == '\0')
        return vg_error_set(err, VG_NOT_FOUND, NULL,
                            "no MMDB database configured (vigie enrich --country-db FILE "
                            "--asn-db FILE)");
    if ((rc = vg_geo_open(cpath[0] ? cpath : NULL, apath[0] ? apath : NULL, out, err)) != VG_OK)
        return rc;
    if ((country && (rc = vg_store_meta_set(st, "geo.country_db", cpath, err)) != VG_OK) ||
        (asn && (rc = vg_store_meta_set(st, "geo.asn_db", apath, err)) != VG_OK)) {
        vg_geo_free(*out);
        *out = NULL;
        return rc;
    }
    return VG_OK;
}
