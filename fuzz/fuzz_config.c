/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_config.c - the JSON configuration of `vigie serve` (src/http/config.c)
 * against hostile text.  The PEM files a "tls" setting names are not read
 * (a fuzzer's input must not make it open arbitrary paths).  Invariants,
 * checked by abort(): a refusal says why; an accepted configuration keeps
 * every setting in its documented range (threads 1-64, a listen port, the
 * limits at least 1, half-lives in (0, 36500] days, geo.refresh_s 0-86400).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/config.h"
#include "model/obs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct vg_server_config c;
    struct vg_error err;
    int k;

    memset(&c, 0, sizeof(c));
    c.geo_refresh_s = -1;
    vg_error_clear(&err);
    if (vg_server_config_parse((const char *)data, size, "fuzz.json", 0, &c, &err) != 0) {
        if (err.msg[0] == '\0')
            abort();
        vg_server_config_cleanup(&c);
        return 0;
    }
    if (c.so.threads > 64 || c.so.port > 65535 || c.geo_refresh_s < -1 || c.geo_refresh_s > 86400 ||
        c.cert != NULL || c.key != NULL)
        abort();
    if (c.so.address && c.so.address != c.addr)
        abort();
    for (k = 0; k < VG_OBS_KIND_COUNT; k++)
        if (c.so.lookup_half_life_days[k] < 0 || c.so.lookup_half_life_days[k] > 36500)
            abort();
    vg_server_config_cleanup(&c);
    return 0;
}
