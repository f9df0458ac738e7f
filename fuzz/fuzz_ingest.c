/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_ingest.c - validation and preparation of one STIX object, as import
 * and TAXII POST run it: the JSON is parsed, then vg_ingest_prepare checks
 * it (types, ids, timestamps, patterns, markings) and makes the text to
 * store.  Invariants checked: a prepared object has its id, and its stored
 * text is JSON that parses to an object with the same id and exactly one TLP
 * marking.  Nothing is written: the hub (created once, in a temporary
 * directory) only supplies the contributing organisation.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../tests/support/temp_hub.h"
#include "ingest/ingest.h"
#include "model/tlp.h"

static struct vg_store *st;
static struct vg_ingest *ing;
static struct vg_ingest_item *item;
static char dir[96];

static void cleanup(void)
{
    vg_ingest_item_free(item);
    vg_ingest_free(ing);
    if (temp_hub_remove(dir, st) != 0)
        fprintf(stderr, "fuzz_ingest: could not remove %s\n", dir);
}

static void setup(void)
{
    struct vg_ingest_opts opts = {0};
    struct vg_org org = {0};
    struct vg_error err;

    if (temp_hub_open(dir, sizeof(dir), "fuzz-ingest", &st) != 0)
        abort();
    snprintf(org.name, sizeof(org.name), "fuzzer");
    snprintf(org.kind, sizeof(org.kind), "vendor");
    /* The id payloads may name as their creator. */
    snprintf(org.stix_id, sizeof(org.stix_id), "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff");
    if (vg_store_org_add(st, &org, &err) != VG_OK)
        abort();
    opts.org_id = org.id;
    opts.default_tlp = VG_TLP_AMBER;
    if (vg_ingest_new(st, &opts, &ing, &err) != VG_OK || (item = vg_ingest_item_new()) == NULL)
        abort();
    atexit(cleanup);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t jerr;
    json_t *obj, *back, *refs, *r;
    size_t i, ntlp = 0;
    enum vg_tlp t;

    if (ing == NULL)
        setup();
    obj = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
    if (obj == NULL)
        return 0;
    if (vg_ingest_prepare(ing, obj, (const char *)data, size, item) == VG_OK) {
        const char *id = vg_ingest_item_id(item);
        const char *text = vg_ingest_item_text(item);

        if (id == NULL || text == NULL)
            abort();
        back = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
        if (!json_is_object(back) || !json_is_string(json_object_get(back, "id")) ||
            strcmp(json_string_value(json_object_get(back, "id")), id) != 0)
            abort();
        refs = json_object_get(back, "object_marking_refs");
        json_array_foreach(refs, i, r)
        {
            if (vg_tlp_from_marking_id(json_string_value(r), &t) == VG_OK)
                ntlp++;
        }
        if (ntlp != 1)
            abort();
        json_decref(back);
    }
    json_decref(obj);
    return 0;
}
