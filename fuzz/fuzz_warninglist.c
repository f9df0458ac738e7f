/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_warninglist.c - the MISP warning-list loader (list.json, untrusted:
 * `vigie warninglist load` reads whatever folder it is given).  The input is
 * added to a set that already holds one list; on success the new list must
 * be described (name, type) and values of every kind are matched against
 * the set; on failure the set must be exactly as before.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "warninglist/warninglist.h"

static const struct {
    enum vg_obs_kind kind;
    const char *value;
} probes[] = {
    {VG_OBS_IPV4, "10.1.2.3"},
    {VG_OBS_IPV6, "2001:db8::1"},
    {VG_OBS_IPV6, "::ffff:192.0.2.1"},
    {VG_OBS_CIDR4, "10.0.0.0/8"},
    {VG_OBS_CIDR6, "2001:db8::/32"},
    {VG_OBS_DOMAIN, "www.example.com"},
    {VG_OBS_URL, "https://a.b.example.com:8443/x?y"},
    {VG_OBS_URL, "http://[2001:db8::1]/"},
    {VG_OBS_EMAIL, "abuse@example.com"},
    {VG_OBS_MD5, "d41d8cd98f00b204e9800998ecf8427e"},
    {VG_OBS_SHA256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char base[] =
        "{\"name\":\"base\",\"type\":\"hostname\",\"list\":[\"example.com\"]}";
    struct vg_wl_set *s = vg_wl_set_new();
    struct vg_error err;
    uint32_t idx[VG_WL_LISTS_MAX];
    size_t i, n;

    if (s == NULL || vg_wl_set_add(s, base, sizeof(base) - 1, &err) != VG_OK)
        abort();
    vg_error_clear(&err);
    if (vg_wl_set_add(s, (const char *)data, size, &err) == VG_OK) {
        const struct vg_wl_info *in = vg_wl_set_info(s, 1);

        if (vg_wl_set_count(s) != 2 || in->name[0] == '\0' || vg_wl_type_name(in->type)[0] == '\0')
            abort();
    } else if (vg_wl_set_count(s) != 1 || err.msg[0] == '\0') {
        abort();
    }
    for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
        n = vg_wl_match(s, probes[i].kind, probes[i].value, strlen(probes[i].value), idx,
                        VG_WL_LISTS_MAX);
        if (n > vg_wl_set_count(s))
            abort();
    }
    /* the base list is always there and always answers */
    if (vg_wl_match(s, VG_OBS_DOMAIN, "www.example.com", 15, idx, 1) < 1 || idx[0] != 0)
        abort();
    vg_wl_set_free(s);
    return 0;
}
