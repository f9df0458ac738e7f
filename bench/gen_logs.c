/* SPDX-License-Identifier: Apache-2.0 */
/*
 * gen_logs.c - generated network logs for bench/match.
 *
 *   gen_logs FORMAT MBYTES INDICATORS HITS_PER_10000 [SEED] > FILE
 *
 * FORMAT is zeek-dns, zeek-http, zeek-conn or squid: the field layout of
 * Zeek's dns.log, http.log, conn.log (TSV) and Squid's native access.log.
 * Benign traffic draws host names from a skewed pool of 20,000 made-up names
 * (a few names are most of the traffic, as in real logs) and private or
 * documentation addresses; about HITS_PER_10000 lines in 10,000 carry a value
 * from the INDICATORS file (one value a line: domains, IPv4 addresses,
 * URLs), a domain sometimes as a subdomain.  Output stops after MBYTES MB.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

struct list {
    char **v;
    size_t n, cap;
};

static void push(struct list *l, const char *s)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 1024;
        l->v = realloc(l->v, l->cap * sizeof(*l->v));
        if (l->v == NULL)
            exit(1);
    }
    l->v[l->n++] = strdup(s);
}

static const char *pick(const struct list *l)
{
    return l->n ? l->v[rnd() % l->n] : NULL;
}

/* Skewed: index = n * u^3 for uniform u. */
static const char *pick_skewed(const struct list *l)
{
    double u = (double)(rnd() % 1000000) / 1e6;

    return l->v[(size_t)((double)l->n * u * u * u) % l->n];
}

static void benign_pool(struct list *l)
{
    static const char *syl[] = {"ka",  "lo",  "mi",  "ne",  "ro",  "sa",  "tu",
                                "vi",  "zen", "bar", "cor", "dan", "fel", "gro",
                                "hub", "jet", "lum", "mar", "nov", "pix", "qua",
                                "rex", "sol", "tek", "ux",  "vox", "web", "xy"};
    static const char *tld[] = {"com", "net", "org", "de", "fr", "io", "co.uk", "nl", "example"};
    static const char *sub[] = {"www", "api", "cdn", "mail", "static", "img", "login", "m"};
    char name[128];
    size_t i, ns = sizeof(syl) / sizeof(syl[0]);

    for (i = 0; i < 20000; i++) {
        int r = (int)(rnd() % 3);

        snprintf(name, sizeof(name), "%s%s%s%s.%s%s%s", r ? sub[rnd() % 8] : "", r ? "." : "",
                 syl[rnd() % ns], syl[rnd() % ns], syl[rnd() % ns], ".",
                 tld[rnd() % (sizeof(tld) / sizeof(tld[0]))]);
        push(l, name);
    }
}

static void ip_priv(char *out)
{
    sprintf(out, "192.168.%u.%u", (unsigned)(rnd() % 8), (unsigned)(rnd() % 254 + 1));
}

static void ip_pub(char *out)
{
    static const char *const nets[] = {"93.184.216", "151.101.1", "142.250.74",  "104.16.132",
                                       "13.107.42",  "52.84.150", "185.199.108", "172.217.16"};

    sprintf(out, "%s.%u", nets[rnd() % 8], (unsigned)(rnd() % 254 + 1));
}

int main(int argc, char **argv)
{
    struct list benign = {0}, dom = {0}, ip = {0}, url = {0};
    char line[8192], a[64], b[64], host[2048], path[2048], *s;
    const char *fmt;
    unsigned long long limit, written = 0, n = 0;
    unsigned rate;
    double ts = 1700000000.0;
    FILE *f;

    if (argc < 5) {
        fprintf(stderr, "usage: gen_logs FORMAT MBYTES INDICATORS HITS_PER_10000 [SEED]\n");
        return 2;
    }
    fmt = argv[1];
    limit = strtoull(argv[2], NULL, 10) * 1000000ull;
    rate = (unsigned)atoi(argv[4]);
    if (argc > 5)
        rng ^= strtoull(argv[5], NULL, 10) * 0x2545f4914f6cdd1dull;
    if ((f = fopen(argv[3], "r")) == NULL) {
        perror(argv[3]);
        return 1;
    }
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '\0')
            continue;
        if (strstr(line, "://"))
            push(&url, line);
        else if (strspn(line, "0123456789.") == strlen(line))
            push(&ip, line);
        else if (!strchr(line, '/') && !strchr(line, ':'))
            push(&dom, line);
    }
    fclose(f);
    benign_pool(&benign);
    setvbuf(stdout, NULL, _IOFBF, 1 << 20);
    while (written < limit) {
        int hit = rate && rnd() % 10000 < rate;
        const char *d = pick_skewed(&benign);
        int len = 0;

        ts += (double)(rnd() % 1000) / 1e5;
        ip_priv(a);
        ip_pub(b);
        snprintf(path, sizeof(path), "/%s/%llu.%s", (rnd() % 2) ? "static" : "api",
                 (unsigned long long)(rnd() % 100000), (rnd() % 2) ? "js" : "html");
        snprintf(host, sizeof(host), "%s", d);
        if (hit) {
            unsigned k = (unsigned)(rnd() % 10);

            if (k < 6 && dom.n)
                snprintf(host, sizeof(host), "%s%s", rnd() % 2 ? "www." : "", pick(&dom));
            else if (k < 8 && ip.n)
                snprintf(b, sizeof(b), "%s", pick(&ip));
            else if (url.n && (s = strstr(pick(&url), "://")) != NULL) {
                const char *slash = strchr(s + 3, '/');

                snprintf(host, sizeof(host), "%.*s", (int)(slash ? slash - s - 3 : 255), s + 3);
                snprintf(path, sizeof(path), "%s", slash ? slash : "/");
            }
        }
        if (strcmp(fmt, "zeek-dns") == 0) {
            len = snprintf(line, sizeof(line),
                           "%.6f\tC%llx\t%s\t%u\t192.168.0.1\t53\tudp\t%u\t0.0%u\t%s\t1\t"
                           "C_INTERNET\t1\tA\t0\tNOERROR\tF\tF\tT\tT\t0\t%s\t300.000000\tF\n",
                           ts, (unsigned long long)rnd(), a, (unsigned)(rnd() % 60000 + 1024),
                           (unsigned)(rnd() % 65536), (unsigned)(rnd() % 90 + 10), host, b);
        } else if (strcmp(fmt, "zeek-http") == 0) {
            len = snprintf(line, sizeof(line),
                           "%.6f\tC%llx\t%s\t%u\t%s\t80\t1\tGET\t%s\t%s\t-\t1.1\t"
                           "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36\t-\t0\t"
                           "%u\t200\tOK\t-\t-\t(empty)\t-\t-\t-\t-\t-\t-\tF%llx\t-\ttext/html\n",
                           ts, (unsigned long long)rnd(), a, (unsigned)(rnd() % 60000 + 1024), b,
                           host, path, (unsigned)(rnd() % 100000), (unsigned long long)rnd());
        } else if (strcmp(fmt, "zeek-conn") == 0) {
            len = snprintf(line, sizeof(line),
                           "%.6f\tC%llx\t%s\t%u\t%s\t443\ttcp\tssl\t%u.%06u\t%u\t%u\tSF\tT\tF\t0\t"
                           "ShADadFf\t%u\t%u\t%u\t%u\t-\n",
                           ts, (unsigned long long)rnd(), a, (unsigned)(rnd() % 60000 + 1024), b,
                           (unsigned)(rnd() % 100), (unsigned)(rnd() % 1000000),
                           (unsigned)(rnd() % 10000), (unsigned)(rnd() % 1000000),
                           (unsigned)(rnd() % 100), (unsigned)(rnd() % 10000),
                           (unsigned)(rnd() % 100), (unsigned)(rnd() % 100000));
        } else if (strcmp(fmt, "squid") == 0) {
            len = snprintf(line, sizeof(line),
                           "%.3f %6u %s TCP_MISS/200 %u GET http://%s%s - HIER_DIRECT/%s "
                           "text/html\n",
                           ts, (unsigned)(rnd() % 2000), a, (unsigned)(rnd() % 100000), host, path,
                           b);
        } else {
            fprintf(stderr, "gen_logs: unknown format %s\n", fmt);
            return 2;
        }
        if (len <= 0 || (size_t)len >= sizeof(line))
            continue;
        fwrite(line, 1, (size_t)len, stdout);
        written += (unsigned long long)len;
        n++;
    }
    fprintf(stderr, "gen_logs: %s, %llu lines, %llu bytes\n", fmt, n, written);
    return fflush(stdout) != 0;
}
