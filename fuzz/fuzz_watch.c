/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_watch.c - watch-list values and the compiled matcher.  The input is
 * lines: "n VALUE", "d VALUE" or "b VALUE" register a network, domain or
 * brand (untrusted, through vg_watch_parse, as the API does); any other
 * line is an observable to match.  Every accepted entry belongs to its own
 * organisation, so nothing is merged per organisation and the matcher must
 * report, for every observable, exactly the hits of the single-entry
 * matchers put together: the containment tree, the domain chains and the
 * automaton's output links cannot lose or invent a hit.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/obs.h"
#include "watch/watch.h"

#define MAX_ENTRIES 48

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char vals[MAX_ENTRIES][VG_WATCH_VALUE_MAX];
    struct vg_watch_entry e[MAX_ENTRIES];
    struct vg_watch_matcher *all = NULL, *one[MAX_ENTRIES];
    const char *p = (const char *)data, *end = p + size;
    struct vg_error err;
    size_t n = 0, i;
    int pass;

    /* pass 0 registers, pass 1 matches */
    for (pass = 0; pass < 2; pass++) {
        for (p = (const char *)data; p < end;) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
            enum vg_watch_kind k = VG_WATCH_NONE;

            if (len >= 2 && p[1] == ' ')
                k = p[0] == 'n'   ? VG_WATCH_NETWORK
                    : p[0] == 'd' ? VG_WATCH_DOMAIN
                    : p[0] == 'b' ? VG_WATCH_BRAND
                                  : VG_WATCH_NONE;
            if (pass == 0 && k != VG_WATCH_NONE && n < MAX_ENTRIES) {
                if (vg_watch_parse(k, p + 2, len - 2, vals[n], &err) == VG_OK) {
                    char again[VG_WATCH_VALUE_MAX];

                    /* canonical is a fixed point */
                    if (vg_watch_parse(k, vals[n], strlen(vals[n]), again, &err) != VG_OK ||
                        strcmp(again, vals[n]) != 0)
                        abort();
                    e[n].id = (int64_t)n + 1;
                    e[n].org_id = (int64_t)n + 1;
                    e[n].kind = k;
                    e[n].value = vals[n];
                    n++;
                }
            } else if (pass == 1 && k == VG_WATCH_NONE) {
                struct vg_obs obs;

                if (vg_obs_parse(VG_OBS_NONE, p, len, &obs, &err) == VG_OK) {
                    size_t got = vg_watch_match(all, obs.kind, obs.value, obs.len, NULL, NULL),
                           want = 0;

                    for (i = 0; i < n; i++)
                        want += vg_watch_match(one[i], obs.kind, obs.value, obs.len, NULL, NULL);
                    if (got != want)
                        abort();
                }
            }
            p += len + 1;
        }
        if (pass == 0) {
            if (vg_watch_compile(e, n, &all, &err) != VG_OK)
                abort(); /* canonical entries always compile */
            for (i = 0; i < n; i++) {
                if (vg_watch_compile(&e[i], 1, &one[i], &err) != VG_OK)
                    abort();
            }
        }
    }
    vg_watch_matcher_unref(all);
    for (i = 0; i < n; i++)
        vg_watch_matcher_unref(one[i]);
    return 0;
}
