/* SPDX-License-Identifier: Apache-2.0 */
/*
 * watch_match.c - the watch-list matcher alone, for bench/watch: compiles
 * 5,000 random /24 networks, 5,000 domains and 100 brand keywords (the
 * benchmark's lists) and matches N observables shaped like bench/gen_bundle's
 * (domains, IPv4 addresses, URLs), printing one Markdown row per kind:
 * nanoseconds per observable and hits.
 *
 * usage: watch_match [N]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "watch/watch.h"

static uint64_t state = 7;

static uint64_t next(void)
{
    uint64_t z = (state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static double now(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    enum { NE = 10100 };
    static struct vg_watch_entry e[NE];
    static char vals[NE][64];
    static const char *const kinds[] = {"domain", "ipv4", "url"};
    static const char *const fams[] = {"emotet", "qakbot", "icedid", "redline", "njrat"};
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000000, i;
    struct vg_watch_matcher *m;
    struct vg_error err;
    char(*obs)[128];
    double t0, t1;
    int k;

    for (i = 0; i < NE; i++) {
        uint64_t r = next();

        if (i < 5000)
            snprintf(vals[i], sizeof(vals[i]), "%u.%u.%u.0/24", (unsigned)(r % 222) + 1,
                     (unsigned)(r >> 8) & 255, (unsigned)(r >> 16) & 255);
        else if (i < 10000)
            snprintf(vals[i], sizeof(vals[i]), "owner%ld-corp.com", i);
        else
            snprintf(vals[i], sizeof(vals[i]), "brand%ldco", i);
        e[i].id = i + 1;
        e[i].org_id = i % 10 + 1;
        e[i].kind = i < 5000 ? VG_WATCH_NETWORK : i < 10000 ? VG_WATCH_DOMAIN : VG_WATCH_BRAND;
        e[i].value = vals[i];
    }
    t0 = now();
    if (vg_watch_compile(e, NE, &m, &err) != VG_OK) {
        fprintf(stderr, "compile: %s\n", err.msg);
        return 1;
    }
    t1 = now();
    printf("| compile %d entries | %.2f ms | |\n", NE, (t1 - t0) * 1e3);
    if ((obs = malloc((size_t)n * sizeof(*obs))) == NULL)
        return 1;
    for (k = 0; k < 3; k++) {
        size_t hits = 0;
        enum vg_obs_kind kind = k == 0 ? VG_OBS_DOMAIN : k == 1 ? VG_OBS_IPV4 : VG_OBS_URL;

        for (i = 0; i < n; i++) {
            uint64_t r = next(), u = next();

            if (k == 0)
                snprintf(obs[i], sizeof(obs[i]), "c%llx.%s-gate.com",
                         (unsigned long long)(u & 0xffffffffffull), fams[r % 5]);
            else if (k == 1)
                snprintf(obs[i], sizeof(obs[i]), "%u.%u.%u.%u", (unsigned)(u % 223) + 1,
                         (unsigned)(u >> 8) & 255, (unsigned)(u >> 16) & 255,
                         (unsigned)(u >> 24) % 254 + 1);
            else
                snprintf(obs[i], sizeof(obs[i]), "http://%llx.example.net/%s/gate.php",
                         (unsigned long long)(u & 0xffffffffffull), fams[r % 5]);
        }
        t0 = now();
        for (i = 0; i < n; i++)
            hits += vg_watch_match(m, kind, obs[i], strlen(obs[i]), NULL, NULL);
        t1 = now();
        printf("| match a %s | %.0f ns | %zu hits in %ld |\n", kinds[k], (t1 - t0) * 1e9 / n, hits,
               n);
    }
    free(obs);
    vg_watch_matcher_unref(m);
    return 0;
}
