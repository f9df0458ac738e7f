/* SPDX-License-Identifier: Apache-2.0 */
/*
 * render.c - the JSON of notifications and watch entries (render.h).
 */
#include "render.h"

#include <string.h>

#include "common/vtime.h"
#include "watch/watch.h"

static const char *const hook_states[] = {"none", "pending", "delivered", "failed"};

/* The labels of the stored object, as its JSON says. */
static json_t *labels_of(const struct vg_notify_row *n)
{
    json_t *doc, *labels, *out = json_array();
    size_t i;

    if (out == NULL || n->json == NULL)
        return out;
    if ((doc = json_loadb(n->json, n->json_len, 0, NULL)) == NULL)
        return out;
    labels = json_object_get(doc, "labels");
    for (i = 0; json_is_array(labels) && i < json_array_size(labels); i++) {
        json_t *l = json_array_get(labels, i);

        if (json_is_string(l))
            json_array_append(out, l);
    }
    json_decref(doc);
    return out;
}

json_t *vg_watch_notification_json(struct vg_store *st, const struct vg_notify_row *n,
                                   int with_delivery)
{
    char when[VG_TIME_TEXT_MAX];
    json_t *doc;

    vg_time_format_us(n->created_us, when);
    doc =
        json_pack("{s:I, s:{s:s, s:s}, s:s, s:s}", "id", (json_int_t)n->seq, "asset", "kind",
                  vg_watch_kind_name((enum vg_watch_kind)n->asset_kind), "value", n->asset, "time",
                  when, "message", n->visible ? VG_WATCH_MSG_VISIBLE : VG_WATCH_MSG_HIDDEN);
    if (doc == NULL)
        return NULL;
    if (n->visible) {
        struct vg_org org;
        struct vg_error err;
        json_t *contrib;

        if (vg_store_org_get_by_id(st, n->contributor, &org, &err) == VG_OK)
            contrib = json_pack("{s:s, s:s}", "name", org.name, "identity", org.stix_id);
        else
            contrib = json_null();
        json_object_set_new(doc, "observable",
                            json_pack("{s:s, s:s}", "kind", vg_obs_kind_name(n->obs_kind), "value",
                                      n->obs_value ? n->obs_value : ""));
        json_object_set_new(doc, "rule",
                            json_string(vg_watch_rule_name((enum vg_watch_rule)n->rule)));
        json_object_set_new(doc, "object",
                            json_pack("{s:s, s:s, s:o, s:s, s:o}", "id",
                                      n->stix_id ? n->stix_id : "", "type", n->type ? n->type : "",
                                      "labels", labels_of(n), "tlp", vg_tlp_name(n->tlp),
                                      "contributor", contrib));
    }
    if (with_delivery && n->hook_state > 0 && n->hook_state < 4)
        json_object_set_new(
            doc, "webhook",
            json_pack("{s:s, s:i}", "state", hook_states[n->hook_state], "attempts", n->attempts));
    return doc;
}

json_t *vg_watch_entry_json(const struct vg_watch_row *w)
{
    char when[VG_TIME_TEXT_MAX];

    vg_time_format_us(w->created_us, when);
    return json_pack("{s:s, s:s, s:s, s:s}", "id", w->pub, "kind",
                     vg_watch_kind_name((enum vg_watch_kind)w->kind), "value", w->value, "created",
                     when);
}
