/* SPDX-License-Identifier: Apache-2.0 */
/*
 * wl_bench.c - the warning-list matcher alone: compile every list.json
 * under a folder, then ask which lists each value of some plain lists is on.
 *
 * usage: wl_bench LISTS-DIR FILE...
 *
 * Prints one line of "key value" pairs for bench/warninglist: lists,
 * entries, compile seconds, values, matched values, seconds, values/s,
 * ns/value, per-kind ns/value, peak RSS.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "common/vtime.h"
#include "warninglist/warninglist.h"

static size_t nlists;

static void walk(struct vg_wl_set *s, const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;

    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        char path[4096];
        struct stat sb;

        if (e->d_name[0] == '.' ||
            (size_t)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= sizeof(path) ||
            stat(path, &sb) != 0)
            continue;
        if (S_ISDIR(sb.st_mode)) {
            walk(s, path);
        } else if (strcmp(e->d_name, "list.json") == 0) {
            FILE *f = fopen(path, "rb");
            char *data = malloc((size_t)sb.st_size + 1);
            struct vg_error err;

            if (f && data && fread(data, 1, (size_t)sb.st_size, f) == (size_t)sb.st_size &&
                vg_wl_set_add(s, data, (size_t)sb.st_size, &err) == VG_OK)
                nlists++;
            else
                fprintf(stderr, "wl_bench: %s refused\n", path);
            if (f)
                fclose(f);
            free(data);
        }
    }
    closedir(d);
}

int main(int argc, char **argv)
{
    struct vg_wl_set *s = vg_wl_set_new();
    struct val {
        enum vg_obs_kind kind;
        size_t off, len;
    } *vals = NULL;
    struct vg_buf text;
    struct vg_obs o;
    size_t nvals = 0, cap = 0, i, matched = 0, entries = 0, perkind[VG_OBS_KIND_COUNT] = {0};
    double kind_s[VG_OBS_KIND_COUNT] = {0};
    int64_t t0, t1;
    char line[4096];
    uint32_t idx[VG_WL_LISTS_MAX];
    struct rusage ru;
    int a;

    if (argc < 3) {
        fprintf(stderr, "usage: wl_bench LISTS-DIR FILE...\n");
        return 2;
    }
    vg_buf_init(&text, 0);
    t0 = vg_time_now_us();
    walk(s, argv[1]);
    t1 = vg_time_now_us();
    for (i = 0; i < vg_wl_set_count(s); i++)
        entries += vg_wl_set_info(s, i)->entries;
    for (a = 2; a < argc; a++) {
        FILE *f = fopen(argv[a], "r");

        while (f && fgets(line, sizeof(line), f)) {
            size_t n = strcspn(line, "\r\n");
            struct vg_error err;
            char *colon;

            if (n == 0 || line[0] == '#')
                continue;
            line[n] = '\0';
            /* host:port lines: the host (as the importer does) */
            if ((colon = strrchr(line, ':')) && !strchr(line, '/') && strchr(line, ':') == colon)
                *colon = '\0';
            if (nvals == cap) {
                cap = cap ? cap * 2 : 65536;
                if ((vals = realloc(vals, cap * sizeof(*vals))) == NULL)
                    return 1;
            }
            if (vg_obs_parse_ex(VG_OBS_NONE, VG_OBS_F_LIST, line, strlen(line), &o, &err) ==
                    VG_OK &&
                vg_buf_append(&text, o.value, o.len + 1) == VG_OK) {
                vals[nvals++] = (struct val){o.kind, text.len - o.len - 1, o.len};
            }
        }
        if (f)
            fclose(f);
    }
    {
        int64_t m0 = vg_time_now_us(), m1;
        int k;

        for (i = 0; i < nvals; i++)
            matched += vg_wl_match(s, vals[i].kind, text.data + vals[i].off, vals[i].len, idx,
                                   VG_WL_LISTS_MAX) > 0;
        m1 = vg_time_now_us();
        getrusage(RUSAGE_SELF, &ru);
        printf("lists %zu entries %zu compile_s %.3f values %zu matched %zu match_s %.3f "
               "values_per_s %.0f ns_per_value %.0f peak_rss_mb %ld",
               nlists, entries, (double)(t1 - t0) / 1e6, nvals, matched, (double)(m1 - m0) / 1e6,
               nvals / ((double)(m1 - m0) / 1e6 + 1e-9),
               (double)(m1 - m0) * 1e3 / (nvals ? (double)nvals : 1), ru.ru_maxrss / 1024);
        /* per kind: ns per value of that kind */
        for (k = 1; k < VG_OBS_KIND_COUNT; k++) {
            int64_t k0 = vg_time_now_us();

            for (i = 0; i < nvals; i++) {
                if (vals[i].kind == (enum vg_obs_kind)k) {
                    perkind[k]++;
                    (void)vg_wl_match(s, vals[i].kind, text.data + vals[i].off, vals[i].len, idx,
                                      VG_WL_LISTS_MAX);
                }
            }
            kind_s[k] = (double)(vg_time_now_us() - k0) / 1e6;
            if (perkind[k])
                printf(" %s %zu %.0f", vg_obs_kind_name((enum vg_obs_kind)k), perkind[k],
                       kind_s[k] * 1e9 / (double)perkind[k]);
        }
        printf("\n");
    }
    free(vals);
    vg_buf_cleanup(&text);
    vg_wl_set_free(s);
    return 0;
}
