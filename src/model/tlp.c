/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tlp.c - TLP 2.0 (and 1.0 on input) marking definitions; audience sets.
 */
#include "tlp.h"

#include <string.h>
#include <strings.h>

static const struct {
    const char *name, *label, *id, *id_v1;
} tlp_table[VG_TLP_COUNT] = {
    [VG_TLP_CLEAR] = {"clear", "TLP:CLEAR",
                      "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
                      "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"},
    [VG_TLP_GREEN] = {"green", "TLP:GREEN",
                      "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
                      "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"},
    [VG_TLP_AMBER] = {"amber", "TLP:AMBER",
                      "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
                      "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"},
    [VG_TLP_AMBER_STRICT] = {"amber+strict", "TLP:AMBER+STRICT",
                             "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", NULL},
    [VG_TLP_RED] = {"red", "TLP:RED", "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
                    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"},
};

const char *vg_tlp_name(enum vg_tlp tlp)
{
    return (unsigned)tlp < VG_TLP_COUNT ? tlp_table[tlp].name : "red";
}

const char *vg_tlp_label(enum vg_tlp tlp)
{
    return (unsigned)tlp < VG_TLP_COUNT ? tlp_table[tlp].label : "TLP:RED";
}

const char *vg_tlp_marking_id(enum vg_tlp tlp)
{
    return (unsigned)tlp < VG_TLP_COUNT ? tlp_table[tlp].id : tlp_table[VG_TLP_RED].id;
}

enum vg_rc vg_tlp_from_name(const char *name, enum vg_tlp *out)
{
    int i;

    if (strncasecmp(name, "tlp:", 4) == 0)
        name += 4;
    if (strcasecmp(name, "white") == 0) {
        *out = VG_TLP_CLEAR;
        return VG_OK;
    }
    if (strcasecmp(name, "amber-strict") == 0) {
        *out = VG_TLP_AMBER_STRICT;
        return VG_OK;
    }
    for (i = 0; i < VG_TLP_COUNT; i++) {
        if (strcasecmp(name, tlp_table[i].name) == 0) {
            *out = (enum vg_tlp)i;
            return VG_OK;
        }
    }
    return VG_INVALID;
}

enum vg_rc vg_tlp_from_marking_id(const char *id, enum vg_tlp *out)
{
    int i;

    for (i = 0; i < VG_TLP_COUNT; i++) {
        if (strcmp(id, tlp_table[i].id) == 0 ||
            (tlp_table[i].id_v1 && strcmp(id, tlp_table[i].id_v1) == 0)) {
            *out = (enum vg_tlp)i;
            return VG_OK;
        }
    }
    return VG_NOT_FOUND;
}

enum vg_rc vg_audience_add(struct vg_audience *a, vg_token t)
{
    if (vg_audience_has(a, t))
        return VG_OK;
    if (a->n >= VG_AUDIENCE_MAX)
        return VG_LIMIT;
    a->tok[a->n++] = t;
    return VG_OK;
}

int vg_audience_has(const struct vg_audience *a, vg_token t)
{
    size_t i;

    for (i = 0; i < a->n; i++) {
        if (a->tok[i] == t)
            return 1;
    }
    return 0;
}
