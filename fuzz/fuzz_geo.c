/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_geo.c - the parsers of locations (src/geo): a jurisdiction list as
 * partners send it (TAXII match[x_vigie_jurisdiction], the stream's
 * jurisdiction=, --jurisdiction), checked and expanded; ccTLDs of domains
 * and URL hosts (vg_geo_locate without databases); the HTML escaper of the
 * report.  Invariants: expansion yields distinct valid country codes and
 * only for lists whose every code parsed; a ccTLD location is a valid
 * country; escaped text holds no markup character.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geo/geo.h"
#include "geo/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s, (*cc)[3], codes[64][VG_GEO_CODE_MAX], c2[3];
    struct vg_error err;
    struct vg_geo g;
    size_t n = 0, m = 0, i, j, len = 0;
    char *esc = NULL;
    FILE *f;

    if (size > 4096 || (s = malloc(size + 1)) == NULL)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    if ((cc = malloc(VG_GEO_COUNTRIES_MAX * sizeof(*cc))) == NULL) {
        free(s);
        return 0;
    }
    if (vg_geo_expand(s, cc, VG_GEO_COUNTRIES_MAX, &n, &err) == VG_OK) {
        if (n == 0 || vg_geo_parse_codes(s, codes, 64, &m, &err) != VG_OK)
            abort();
        for (i = 0; i < n; i++) {
            if (!vg_geo_is_country(cc[i]))
                abort();
            for (j = 0; j < i; j++)
                if (strcmp(cc[i], cc[j]) == 0)
                    abort();
        }
    }
    if (vg_geo_cctld(s, size, c2) == 0 && !vg_geo_is_country(c2))
        abort();
    if (vg_geo_locate(NULL, VG_OBS_URL, s, size, &g) == VG_OK && !vg_geo_is_country(g.country))
        abort();
    if (vg_geo_locate(NULL, VG_OBS_CIDR4, s, size, &g) == VG_OK)
        abort(); /* no databases: no address is located */
    if ((f = open_memstream(&esc, &len)) != NULL) {
        vg_html_escape(f, s);
        fclose(f);
        if (esc && strpbrk(esc, "<>\"'") != NULL)
            abort();
        free(esc);
    }
    free(cc);
    free(s);
    return 0;
}
