/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sensor.c - Zeek Intel, RPZ and Suricata dataset writers (see sensor.h).
 *
 * Formats as their projects document them: the Zeek Intelligence Framework's
 * input file (tab-separated, "#fields" header, Intel::Type names), the DNS
 * RPZ draft (draft-vixie-dnsop-dns-rpz: QNAME and response-IP triggers,
 * "CNAME ." for NXDOMAIN) and Suricata's datasets (one value a line; base64
 * for strings, hex for hashes, text for addresses) with rules in the
 * documented keyword syntax.
 */
#include "sensor.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

enum { F_DOMAINS, F_IP, F_MD5, F_SHA1, F_SHA256, F_COUNT };

static const char *const suricata_files[F_COUNT] = {
    "vigie-domains.lst", "vigie-ip.lst", "vigie-md5.lst", "vigie-sha1.lst", "vigie-sha256.lst",
};

struct vg_sensor {
    enum vg_sensor_format fmt;
    FILE *out;
    FILE *files[F_COUNT];
    size_t counts[F_COUNT];
    char dir[4096];
    char source[128];
    size_t written, skipped;
};

enum vg_sensor_format vg_sensor_format_from_name(const char *name)
{
    if (strcmp(name, "zeek-intel") == 0)
        return VG_SENSOR_ZEEK_INTEL;
    if (strcmp(name, "rpz") == 0)
        return VG_SENSOR_RPZ;
    if (strcmp(name, "suricata") == 0)
        return VG_SENSOR_SURICATA;
    return 0;
}

/* A field of a tab-separated line: tabs, newlines and controls become spaces. */
static void field(FILE *f, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;

    if (s == NULL || *s == '\0') {
        fputc('-', f);
        return;
    }
    for (; *p; p++)
        fputc(*p < ' ' || *p == 0x7f ? ' ' : *p, f);
}

static void base64(FILE *f, const char *s, size_t n)
{
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *p = (const unsigned char *)s;
    size_t i;

    for (i = 0; i + 2 < n; i += 3) {
        fputc(t[p[i] >> 2], f);
        fputc(t[(p[i] & 3) << 4 | p[i + 1] >> 4], f);
        fputc(t[(p[i + 1] & 15) << 2 | p[i + 2] >> 6], f);
        fputc(t[p[i + 2] & 63], f);
    }
    if (n - i == 1) {
        fputc(t[p[i] >> 2], f);
        fputc(t[(p[i] & 3) << 4], f);
        fputs("==", f);
    } else if (n - i == 2) {
        fputc(t[p[i] >> 2], f);
        fputc(t[(p[i] & 3) << 4 | p[i + 1] >> 4], f);
        fputc(t[(p[i + 1] & 15) << 2], f);
        fputc('=', f);
    }
}

enum vg_rc vg_sensor_begin(enum vg_sensor_format fmt, FILE *out, const char *dir,
                           const char *source, struct vg_sensor **sp, struct vg_error *err)
{
    struct vg_sensor *s = calloc(1, sizeof(*s));
    int i;

    if (s == NULL)
        return vg_error_set(err, VG_NOMEM, NULL, "out of memory");
    s->fmt = fmt;
    s->out = out;
    snprintf(s->source, sizeof(s->source), "%s", source ? source : "vigie");
    for (i = 0; s->source[i]; i++)
        if ((unsigned char)s->source[i] < ' ')
            s->source[i] = ' ';
    if (fmt == VG_SENSOR_SURICATA) {
        if (dir == NULL ||
            (size_t)snprintf(s->dir, sizeof(s->dir), "%s", dir) >= sizeof(s->dir) - 32) {
            free(s);
            return vg_error_set(err, VG_INVALID, "output",
                                "--format suricata writes a directory: give -o DIR");
        }
        if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
            free(s);
            return vg_error_set(err, VG_IO, "output", "cannot create %s: %s", dir, strerror(errno));
        }
        for (i = 0; i < F_COUNT; i++) {
            char path[4200];

            snprintf(path, sizeof(path), "%s/%s", s->dir, suricata_files[i]);
            if ((s->files[i] = fopen(path, "w")) == NULL) {
                vg_error_set(err, VG_IO, "output", "cannot create %s: %s", path, strerror(errno));
                vg_sensor_free(s);
                return VG_IO;
            }
        }
    } else if (fmt == VG_SENSOR_ZEEK_INTEL) {
        fputs("#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\n", out);
    } else if (fmt == VG_SENSOR_RPZ) {
        fprintf(out,
                "; Response policy zone from %s: NXDOMAIN for listed names and everything\n"
                "; under them, and for answers holding listed addresses.\n"
                "$TTL 300\n"
                "@ IN SOA localhost. hostmaster.localhost. %lld 3600 600 86400 60\n"
                "@ IN NS localhost.\n",
                s->source, (long long)time(NULL));
    } else {
        free(s);
        return vg_error_set(err, VG_INVALID, "format", "unknown sensor format");
    }
    *sp = s;
    return VG_OK;
}

static const char *zeek_type(enum vg_obs_kind kind)
{
    switch (kind) {
    case VG_OBS_IPV4:
    case VG_OBS_IPV6:
        return "Intel::ADDR";
    case VG_OBS_CIDR4:
    case VG_OBS_CIDR6:
        return "Intel::SUBNET";
    case VG_OBS_DOMAIN:
        return "Intel::DOMAIN";
    case VG_OBS_URL:
        return "Intel::URL";
    case VG_OBS_EMAIL:
        return "Intel::EMAIL";
    case VG_OBS_MD5:
    case VG_OBS_SHA1:
    case VG_OBS_SHA256:
    case VG_OBS_SHA512:
        return "Intel::FILE_HASH";
    default:
        return NULL;
    }
}

/* "PREFIX.REVERSED" of an address or range, for an rpz-ip trigger. */
static int rpz_ip(enum vg_obs_kind kind, const char *v, size_t n, char *out, size_t cap)
{
    char buf[64];
    const char *sl;
    unsigned bits;
    int six = kind == VG_OBS_IPV6 || kind == VG_OBS_CIDR6;
    uint8_t a[16];

    if (n >= sizeof(buf))
        return 0;
    memcpy(buf, v, n);
    buf[n] = '\0';
    sl = strchr(buf, '/');
    bits = sl ? (unsigned)atoi(sl + 1) : (six ? 128u : 32u);
    if (sl)
        buf[sl - buf] = '\0';
    if (inet_pton(six ? AF_INET6 : AF_INET, buf, a) != 1)
        return 0;
    if (!six) {
        snprintf(out, cap, "%u.%u.%u.%u.%u", bits, a[3], a[2], a[1], a[0]);
        return 1;
    }
    {
        unsigned w[8], i, best = 8, blen = 0, run = 0;
        size_t o;

        for (i = 0; i < 8; i++)
            w[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
        /* the longest run of two or more zero words, the first of equals */
        for (i = 0; i <= 8; i++) {
            if (i < 8 && w[i] == 0) {
                run++;
                continue;
            }
            if (run >= 2 && run > blen) {
                blen = run;
                best = i - run;
            }
            run = 0;
        }
        o = (size_t)snprintf(out, cap, "%u", bits);
        for (i = 8; i-- > 0 && o < cap;) {
            if (blen && i >= best && i < best + blen) {
                if (i == best)
                    o += (size_t)snprintf(out + o, cap - o, ".zz");
                continue;
            }
            o += (size_t)snprintf(out + o, cap - o, ".%x", w[i]);
        }
        return o < cap;
    }
}

enum vg_rc vg_sensor_add(struct vg_sensor *s, enum vg_obs_kind kind, const char *v, size_t n,
                         const char *label, struct vg_error *err)
{
    char trig[128];
    int f = -1;

    switch (s->fmt) {
    case VG_SENSOR_ZEEK_INTEL: {
        const char *t = zeek_type(kind), *p;
        char *val;

        if (t == NULL)
            break;
        if ((val = strndup(v, n)) == NULL)
            return vg_error_set(err, VG_NOMEM, NULL, "out of memory");
        p = kind == VG_OBS_URL && strstr(val, "://") ? strstr(val, "://") + 3 : val;
        field(s->out, p);
        fprintf(s->out, "\t%s\t", t);
        field(s->out, s->source);
        fputc('\t', s->out);
        field(s->out, label);
        fputc('\n', s->out);
        free(val);
        s->written++;
        return VG_OK;
    }
    case VG_SENSOR_RPZ:
        if (kind == VG_OBS_DOMAIN) {
            fprintf(s->out, "%.*s CNAME .\n*.%.*s CNAME .\n", (int)n, v, (int)n, v);
            s->written++;
            return VG_OK;
        }
        if ((kind == VG_OBS_IPV4 || kind == VG_OBS_IPV6 || kind == VG_OBS_CIDR4 ||
             kind == VG_OBS_CIDR6) &&
            rpz_ip(kind, v, n, trig, sizeof(trig))) {
            fprintf(s->out, "%s.rpz-ip CNAME .\n", trig);
            s->written++;
            return VG_OK;
        }
        break;
    case VG_SENSOR_SURICATA:
        f = kind == VG_OBS_DOMAIN                        ? F_DOMAINS
            : kind == VG_OBS_IPV4 || kind == VG_OBS_IPV6 ? F_IP
            : kind == VG_OBS_MD5                         ? F_MD5
            : kind == VG_OBS_SHA1                        ? F_SHA1
            : kind == VG_OBS_SHA256                      ? F_SHA256
                                                         : -1;
        if (f < 0)
            break;
        if (f == F_DOMAINS)
            base64(s->files[f], v, n);
        else
            fwrite(v, 1, n, s->files[f]);
        fputc('\n', s->files[f]);
        s->counts[f]++;
        s->written++;
        return VG_OK;
    }
    s->skipped++;
    return VG_OK;
}

/* The rules that use the datasets, in Suricata's documented syntax. */
static void suricata_rules(struct vg_sensor *s, FILE *r)
{
    static const struct {
        int file;
        const char *proto, *buffer, *what;
    } rules[] = {
        {F_DOMAINS, "dns", "dns.query", "DNS query for"},
        {F_DOMAINS, "http", "http.host", "HTTP request to"},
        {F_DOMAINS, "tls", "tls.sni", "TLS connection to"},
        {F_IP, "ip", "ip.dst", "traffic to"},
        {F_IP, "ip", "ip.src", "traffic from"},
    };
    static const struct {
        int file;
        const char *keyword, *what;
    } hashes[] = {{F_MD5, "filemd5", "MD5"},
                  {F_SHA1, "filesha1", "SHA-1"},
                  {F_SHA256, "filesha256", "SHA-256"}};
    unsigned sid = 9400001, i;

    fprintf(r,
            "# Suricata rules from %s: datasets of listed domains and addresses, lists of\n"
            "# listed file hashes.  Load with the dataset files beside this file.\n",
            s->source);
    for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++, sid++) {
        const char *set = rules[i].file == F_IP ? "vigie-ip" : "vigie-domains";

        if (s->counts[rules[i].file] == 0)
            continue;
        fprintf(r,
                "alert %s any any -> any any (msg:\"Vigie: %s a listed %s\"; %s; "
                "dataset:isset,%s, type %s, load %s, hashsize %zu; classtype:trojan-activity; "
                "sid:%u; rev:1;)\n",
                rules[i].proto, rules[i].what, rules[i].file == F_IP ? "address" : "domain",
                rules[i].buffer, set, rules[i].file == F_IP ? "ip" : "string",
                suricata_files[rules[i].file],
                s->counts[rules[i].file] > 1024 ? s->counts[rules[i].file] : (size_t)1024, sid);
    }
    for (i = 0; i < sizeof(hashes) / sizeof(hashes[0]); i++, sid++) {
        if (s->counts[hashes[i].file] == 0)
            continue;
        fprintf(r,
                "alert http any any -> any any (msg:\"Vigie: file with a listed %s\"; %s:%s; "
                "classtype:trojan-activity; sid:%u; rev:1;)\n",
                hashes[i].what, hashes[i].keyword, suricata_files[hashes[i].file], sid);
    }
}

enum vg_rc vg_sensor_end(struct vg_sensor *s, size_t *written, size_t *skipped,
                         struct vg_error *err)
{
    enum vg_rc rc = VG_OK;
    int i;

    if (s->fmt == VG_SENSOR_SURICATA) {
        char path[4200];
        FILE *r;

        snprintf(path, sizeof(path), "%s/vigie.rules", s->dir);
        if ((r = fopen(path, "w")) == NULL) {
            rc = vg_error_set(err, VG_IO, "output", "cannot create %s: %s", path, strerror(errno));
        } else {
            suricata_rules(s, r);
            if (fclose(r) != 0)
                rc = vg_error_set(err, VG_IO, "output", "cannot write %s", path);
        }
        for (i = 0; i < F_COUNT; i++) {
            if (s->files[i] && fclose(s->files[i]) != 0 && rc == VG_OK)
                rc = vg_error_set(err, VG_IO, "output", "cannot write %s/%s", s->dir,
                                  suricata_files[i]);
            s->files[i] = NULL;
        }
    } else if (ferror(s->out)) {
        rc = vg_error_set(err, VG_IO, "output", "write failed");
    }
    if (written)
        *written = s->written;
    if (skipped)
        *skipped = s->skipped;
    vg_sensor_free(s);
    return rc;
}

void vg_sensor_free(struct vg_sensor *s)
{
    int i;

    if (s == NULL)
        return;
    for (i = 0; i < F_COUNT; i++)
        if (s->files[i])
            fclose(s->files[i]);
    free(s);
}
