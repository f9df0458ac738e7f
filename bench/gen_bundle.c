/* SPDX-License-Identifier: Apache-2.0 */
/*
 * gen_bundle.c - write a STIX 2.1 bundle of N indicators for the import
 * benchmark.
 *
 * usage: gen_bundle N [SEED] > bundle.json
 *
 * The mix follows what partners push: 45% domains, 25% IPv4 addresses,
 * 15% URLs, 15% SHA-256 hashes, with one malware-family label and a
 * confidence each.  Output is deterministic for a seed so runs compare.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t state;

static uint64_t next(void)
{
    /* splitmix64: fast and good enough for test data */
    uint64_t z = (state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static const char *const families[] = {"emotet",  "qakbot",  "cobaltstrike", "icedid",   "asyncrat",
                                       "redline", "lokibot", "agenttesla",   "formbook", "njrat"};
static const char *const tlds[] = {"com", "net", "org", "ru", "info", "xyz", "top", "co.uk"};

int main(int argc, char **argv)
{
    long n, i;

    if (argc < 2 || (n = strtol(argv[1], NULL, 10)) <= 0) {
        fprintf(stderr, "usage: gen_bundle N [SEED] > bundle.json\n");
        return 2;
    }
    state = argc > 2 ? strtoull(argv[2], NULL, 10) : 42;
    printf("{\"type\":\"bundle\",\"id\":\"bundle--0b3fa5c4-7b1e-4e1f-8d55-000000000001\","
           "\"objects\":[\n");
    for (i = 0; i < n; i++) {
        uint64_t r = next(), u1 = next(), u2 = next();
        const char *fam = families[r % 10];
        char pat[200];
        unsigned pick = (unsigned)(r >> 8) % 100;

        if (pick < 45)
            snprintf(pat, sizeof(pat), "[domain-name:value = 'c%" PRIx64 ".%s-%s.%s']",
                     u2 & UINT64_C(0xffffffffff), fam, "gate", tlds[(r >> 20) % 8]);
        else if (pick < 70)
            snprintf(pat, sizeof(pat), "[ipv4-addr:value = '%u.%u.%u.%u']",
                     (unsigned)(u2 % 223) + 1, (unsigned)(u2 >> 8) & 255,
                     (unsigned)(u2 >> 16) & 255, (unsigned)(u2 >> 24) % 254 + 1);
        else if (pick < 85)
            snprintf(pat, sizeof(pat), "[url:value = 'http://%" PRIx64 ".example.net/%s/gate.php']",
                     u2 & UINT64_C(0xffffffffff), fam);
        else
            snprintf(pat, sizeof(pat),
                     "[file:hashes.'SHA-256' = '%016" PRIx64 "%016" PRIx64 "%016" PRIx64
                     "%016" PRIx64 "']",
                     u1, u2, next(), next());
        printf("%s{\"type\":\"indicator\",\"spec_version\":\"2.1\","
               "\"id\":\"indicator--%08" PRIx64 "-%04" PRIx64 "-4%03" PRIx64 "-8%03" PRIx64
               "-%012" PRIx64 "\","
               "\"created\":\"2026-10-01T12:00:00.000Z\",\"modified\":\"2026-10-01T12:00:00.000Z\","
               "\"name\":\"%s infrastructure\",\"indicator_types\":[\"malicious-activity\"],"
               "\"pattern\":\"%s\",\"pattern_type\":\"stix\","
               "\"valid_from\":\"2026-10-01T12:00:00Z\",\"labels\":[\"%s\"],\"confidence\":%u}",
               i ? ",\n" : "", u1 >> 32, (u1 >> 16) & 0xffff, u1 & 0xfff, u2 & 0xfff,
               (u2 >> 12) & UINT64_C(0xffffffffffff), fam, pat, fam, (unsigned)(r % 60) + 40);
    }
    printf("\n]}\n");
    return 0;
}
