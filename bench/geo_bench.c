/* SPDX-License-Identifier: Apache-2.0 */
/*
 * geo_bench.c - enrichment rate: addresses located per second (country and
 * autonomous system, number and name), in memory, by Vigie's look-up
 * (vg_geo_lookup: the search-tree walk, then decoded records reused by
 * their offset) and by the plain use of libmaxminddb that enrichment
 * scripts make (MMDB_lookup_string, then MMDB_get_value for each field,
 * every time), over the same addresses, in the same run.
 *
 * usage: geo_bench COUNTRY.mmdb ASN.mmdb ADDRESSES-FILE [N]
 * Reads the addresses (one per line), repeats them up to N (default
 * 1,000,000) and prints one Markdown row per method.
 */
#include <maxminddb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "geo/geo.h"

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    struct vg_geo_db *db;
    struct vg_error err;
    struct vg_geo g;
    MMDB_s cdb, adb;
    char **addr = NULL, line[128];
    size_t n = 0, cap = 0, total, i, located = 0, located2 = 0;
    double t0, t1, t2;
    FILE *f;

    if (argc < 4) {
        fprintf(stderr, "usage: %s COUNTRY.mmdb ASN.mmdb ADDRESSES [N]\n", argv[0]);
        return 2;
    }
    total = argc > 4 ? strtoul(argv[4], NULL, 10) : 1000000;
    if ((f = fopen(argv[3], "r")) == NULL)
        return perror(argv[3]), 1;
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '\0')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 1024;
            if ((addr = realloc(addr, cap * sizeof(*addr))) == NULL)
                return 1;
        }
        if ((addr[n++] = strdup(line)) == NULL)
            return 1;
    }
    fclose(f);
    if (n == 0)
        return fprintf(stderr, "no addresses\n"), 1;
    if (vg_geo_open(argv[1], argv[2], &db, &err) != VG_OK)
        return fprintf(stderr, "%s\n", err.msg), 1;
    if (MMDB_open(argv[1], MMDB_MODE_MMAP, &cdb) != MMDB_SUCCESS ||
        MMDB_open(argv[2], MMDB_MODE_MMAP, &adb) != MMDB_SUCCESS)
        return fprintf(stderr, "cannot open the databases\n"), 1;

    t0 = now();
    for (i = 0; i < total; i++) {
        const char *a = addr[i % n];

        located += vg_geo_lookup(db, a, strlen(a), &g) == VG_OK;
    }
    t1 = now();
    for (i = 0; i < total; i++) {
        const char *a = addr[i % n];
        int gai, mm;
        MMDB_lookup_result_s r;
        MMDB_entry_data_s d;
        char cc[3] = "", name[256] = "";
        uint32_t asn = 0;

        r = MMDB_lookup_string(&cdb, a, &gai, &mm);
        if (gai == 0 && mm == MMDB_SUCCESS && r.found_entry &&
            MMDB_get_value(&r.entry, &d, "country_code", NULL) == MMDB_SUCCESS && d.has_data &&
            d.type == MMDB_DATA_TYPE_UTF8_STRING && d.data_size == 2)
            memcpy(cc, d.utf8_string, 2);
        r = MMDB_lookup_string(&adb, a, &gai, &mm);
        if (gai == 0 && mm == MMDB_SUCCESS && r.found_entry) {
            if (MMDB_get_value(&r.entry, &d, "autonomous_system_number", NULL) == MMDB_SUCCESS &&
                d.has_data && d.type == MMDB_DATA_TYPE_UINT32)
                asn = d.uint32;
            if (MMDB_get_value(&r.entry, &d, "autonomous_system_organization", NULL) ==
                    MMDB_SUCCESS &&
                d.has_data && d.type == MMDB_DATA_TYPE_UTF8_STRING)
                snprintf(name, sizeof(name), "%.*s", (int)d.data_size, d.utf8_string);
        }
        located2 += cc[0] || asn;
    }
    t2 = now();
    printf("| vigie (vg_geo_lookup, records reused by offset) | %zu distinct, %zu look-ups | %.0f "
           "addresses/s | %.0f ns | %zu |\n",
           n, total, (double)total / (t1 - t0), (t1 - t0) * 1e9 / (double)total, located);
    printf("| libmaxminddb as scripts use it (lookup_string + get_value per field) | %zu "
           "distinct, %zu look-ups | %.0f addresses/s | %.0f ns | %zu |\n",
           n, total, (double)total / (t2 - t1), (t2 - t1) * 1e9 / (double)total, located2);
    MMDB_close(&cdb);
    MMDB_close(&adb);
    vg_geo_free(db);
    for (i = 0; i < n; i++)
        free(addr[i]);
    free(addr);
    return 0;
}
