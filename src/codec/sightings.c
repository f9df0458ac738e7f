/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sightings.c - the sightings batch parser (see sightings.h).
 *
 * jansson parses (it refuses invalid UTF-8, NUL characters, duplicate keys
 * and nesting deeper than its fixed limit); this file only checks the shape,
 * entry by entry, and refuses what it does not know, so that a typo in a
 * member name is an error rather than a silently ignored field.
 */
#include "sightings.h"

#include <stdlib.h>
#include <string.h>

#include "common/vtime.h"

void vg_sightings_cleanup(struct vg_sighting_batch *b)
{
    if (b == NULL)
        return;
    json_decref(b->doc);
    free(b->items);
    memset(b, 0, sizeof(*b));
}

static enum vg_rc get_time(json_t *e, size_t i, const char *key, int64_t *us, struct vg_error *err)
{
    json_t *v = json_object_get(e, key);

    *us = 0;
    if (v == NULL)
        return VG_OK;
    if (!json_is_string(v) ||
        vg_time_parse(json_string_value(v), json_string_length(v), us) != VG_OK)
        return vg_error_set(err, VG_INVALID, key,
                            "sightings[%zu].%s must be an RFC 3339 UTC timestamp", i, key);
    return VG_OK;
}

static enum vg_rc entry(json_t *e, size_t i, struct vg_sighting_in *out, struct vg_error *err)
{
    const char *key;
    json_t *v;
    enum vg_rc rc;

    if (!json_is_object(e))
        return vg_error_set(err, VG_INVALID, "sightings", "sightings[%zu] must be an object", i);
    json_object_foreach(e, key, v)
    {
        if (strcmp(key, "value") != 0 && strcmp(key, "count") != 0 &&
            strcmp(key, "first_seen") != 0 && strcmp(key, "last_seen") != 0)
            return vg_error_set(err, VG_INVALID, "sightings",
                                "sightings[%zu] has an unknown member '%.64s'", i, key);
    }
    v = json_object_get(e, "value");
    if (!json_is_string(v) || json_string_length(v) == 0)
        return vg_error_set(err, VG_INVALID, "value",
                            "sightings[%zu].value must be a non-empty string", i);
    out->value = json_string_value(v);
    out->len = json_string_length(v);
    out->count = 1;
    if ((v = json_object_get(e, "count")) != NULL) {
        if (!json_is_integer(v) || json_integer_value(v) < 1 ||
            json_integer_value(v) > VG_SIGHTING_COUNT_MAX)
            return vg_error_set(err, VG_INVALID, "count",
                                "sightings[%zu].count must be an integer from 1 to %d", i,
                                VG_SIGHTING_COUNT_MAX);
        out->count = (int64_t)json_integer_value(v);
    }
    if ((rc = get_time(e, i, "first_seen", &out->first_seen_us, err)) != VG_OK ||
        (rc = get_time(e, i, "last_seen", &out->last_seen_us, err)) != VG_OK)
        return rc;
    if (out->first_seen_us && out->last_seen_us && out->last_seen_us < out->first_seen_us)
        return vg_error_set(err, VG_INVALID, "last_seen",
                            "sightings[%zu].last_seen is before its first_seen", i);
    return VG_OK;
}

enum vg_rc vg_sightings_parse(const char *data, size_t len, struct vg_sighting_batch *out,
                              struct vg_error *err)
{
    json_error_t jerr;
    json_t *list, *v;
    const char *key;
    enum vg_rc rc;
    size_t i, n;

    memset(out, 0, sizeof(*out));
    out->doc = json_loadb(data ? data : "", len, JSON_REJECT_DUPLICATES, &jerr);
    if (out->doc == NULL)
        return vg_error_set(err, VG_INVALID, NULL, "not JSON: %s (byte %d)", jerr.text,
                            jerr.position);
    if (!json_is_object(out->doc)) {
        rc = vg_error_set(err, VG_INVALID, NULL, "the body must be a JSON object");
        goto fail;
    }
    json_object_foreach(out->doc, key, v)
    {
        if (strcmp(key, "sightings") != 0 && strcmp(key, "tlp") != 0) {
            rc = vg_error_set(err, VG_INVALID, NULL, "unknown member '%.64s'", key);
            goto fail;
        }
    }
    if ((v = json_object_get(out->doc, "tlp")) != NULL) {
        if (!json_is_string(v) || vg_tlp_from_name(json_string_value(v), &out->tlp) != VG_OK) {
            rc = vg_error_set(err, VG_INVALID, "tlp",
                              "tlp must be clear, green, amber, amber+strict or red");
            goto fail;
        }
        out->has_tlp = 1;
    }
    list = json_object_get(out->doc, "sightings");
    if (!json_is_array(list)) {
        rc = vg_error_set(err, VG_INVALID, "sightings", "'sightings' must be an array");
        goto fail;
    }
    n = json_array_size(list);
    if (n > VG_SIGHTINGS_BATCH_MAX) {
        rc = vg_error_set(err, VG_LIMIT, "sightings", "at most %d sightings per request",
                          VG_SIGHTINGS_BATCH_MAX);
        goto fail;
    }
    if (n && (out->items = calloc(n, sizeof(*out->items))) == NULL) {
        rc = vg_error_set(err, VG_NOMEM, NULL, "out of memory");
        goto fail;
    }
    for (i = 0; i < n; i++) {
        if ((rc = entry(json_array_get(list, i), i, &out->items[i], err)) != VG_OK)
            goto fail;
    }
    out->n = n;
    return VG_OK;
fail:
    vg_sightings_cleanup(out);
    return rc;
}
