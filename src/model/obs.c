/* SPDX-License-Identifier: Apache-2.0 */
/*
 * obs.c - canonical observables.
 *
 * Every path into the hub (STIX objects, indicator patterns, lists, look-ups,
 * log scanning) turns a value into its canonical text here, so that two
 * partners who report "HXXP://Evil[.]Example.COM" and "http://evil.example.com/"
 * meet on one key.  Parsing is strict and allocation-free: addresses by hand
 * (inet_pton accepts forms we do not want, such as leading zeros), IPv6 text
 * through inet_ntop for the RFC 5952 form, internationalised names through
 * libidn2, and the list of top-level domains through libpsl, loaded once.
 *
 * Detection (kind VG_OBS_NONE) is conservative: a string that could be a
 * version number, a date or a file name is not an observable.  See obs.h.
 */
#include "obs.h"

#include <arpa/inet.h>
#include <idn2.h>
#include <libpsl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "uuid.h"

#define STIX_SCO_NAMESPACE "00abedb4-aa42-466c-9c01-fed23315a9b7"

static const struct {
    const char *name, *stix_type, *hash_algo;
} kinds[VG_OBS_KIND_COUNT] = {
    [VG_OBS_NONE] = {"", NULL, NULL},
    [VG_OBS_IPV4] = {"ipv4", "ipv4-addr", NULL},
    [VG_OBS_IPV6] = {"ipv6", "ipv6-addr", NULL},
    [VG_OBS_CIDR4] = {"ipv4-cidr", "ipv4-addr", NULL},
    [VG_OBS_CIDR6] = {"ipv6-cidr", "ipv6-addr", NULL},
    [VG_OBS_DOMAIN] = {"domain", "domain-name", NULL},
    [VG_OBS_URL] = {"url", "url", NULL},
    [VG_OBS_EMAIL] = {"email", "email-addr", NULL},
    [VG_OBS_MD5] = {"md5", "file", "MD5"},
    [VG_OBS_SHA1] = {"sha1", "file", "SHA-1"},
    [VG_OBS_SHA256] = {"sha256", "file", "SHA-256"},
    [VG_OBS_SHA512] = {"sha512", "file", "SHA-512"},
};

static const struct {
    const char *alias;
    enum vg_obs_kind kind;
} aliases[] = {
    {"ip", VG_OBS_IPV4},         {"ipv4-addr", VG_OBS_IPV4},   {"ip-src", VG_OBS_IPV4},
    {"ip-dst", VG_OBS_IPV4},     {"ipv6-addr", VG_OBS_IPV6},   {"cidr", VG_OBS_CIDR4},
    {"cidr4", VG_OBS_CIDR4},     {"cidr6", VG_OBS_CIDR6},      {"domain-name", VG_OBS_DOMAIN},
    {"hostname", VG_OBS_DOMAIN}, {"fqdn", VG_OBS_DOMAIN},      {"uri", VG_OBS_URL},
    {"link", VG_OBS_URL},        {"email-addr", VG_OBS_EMAIL}, {"email-src", VG_OBS_EMAIL},
    {"email-dst", VG_OBS_EMAIL}, {"e-mail", VG_OBS_EMAIL},     {"sha-1", VG_OBS_SHA1},
    {"sha-256", VG_OBS_SHA256},  {"sha-512", VG_OBS_SHA512},
};

const char *vg_obs_kind_name(enum vg_obs_kind kind)
{
    return (unsigned)kind < VG_OBS_KIND_COUNT ? kinds[kind].name : "";
}

enum vg_obs_kind vg_obs_kind_from_name(const char *name)
{
    size_t i;

    if (name == NULL || *name == '\0')
        return VG_OBS_NONE;
    for (i = 1; i < VG_OBS_KIND_COUNT; i++)
        if (strcasecmp(name, kinds[i].name) == 0)
            return (enum vg_obs_kind)i;
    for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
        if (strcasecmp(name, aliases[i].alias) == 0)
            return aliases[i].kind;
    return VG_OBS_NONE;
}

const char *vg_obs_stix_type(enum vg_obs_kind kind)
{
    return (unsigned)kind < VG_OBS_KIND_COUNT ? kinds[kind].stix_type : NULL;
}

const char *vg_obs_hash_algo(enum vg_obs_kind kind)
{
    return (unsigned)kind < VG_OBS_KIND_COUNT ? kinds[kind].hash_algo : NULL;
}

/* ---- refanging ---------------------------------------------------------- */

static const struct {
    const char *from, *to;
} fangs[] = {
    {"[.]", "."},   {"(.)", "."},  {"{.}", "."},     {"[dot]", "."}, {"(dot)", "."},
    {"{dot}", "."}, {"[:]", ":"},  {"[://]", "://"}, {"[@]", "@"},   {"[at]", "@"},
    {"(at)", "@"},  {"{at}", "@"}, {"[/]", "/"},
};

size_t vg_obs_refang(const char *in, size_t len, char *out, size_t cap)
{
    size_t i = 0, o = 0, k;

    while (i < len) {
        const char *rep = NULL;
        size_t flen = 0;

        if (in[i] == '[' || in[i] == '(' || in[i] == '{') {
            for (k = 0; k < sizeof(fangs) / sizeof(fangs[0]); k++) {
                flen = strlen(fangs[k].from);
                if (len - i >= flen && strncasecmp(in + i, fangs[k].from, flen) == 0) {
                    rep = fangs[k].to;
                    break;
                }
            }
        }
        if (rep != NULL) {
            size_t rlen = strlen(rep);
            if (o + rlen >= cap)
                return (size_t)-1;
            memcpy(out + o, rep, rlen);
            o += rlen;
            i += flen;
        } else {
            if (o + 1 >= cap)
                return (size_t)-1;
            out[o++] = in[i++];
        }
    }
    out[o] = '\0';
    /* Then the scheme, now that "[:]" and "[/]" are gone: hxxp:// hxxps://
     * fxp://, any case, and only as a scheme ("fxpro.com" is a name).  The
     * replacement has the same length. */
    if (o >= 7 && strncasecmp(out, "hxxp", 4) == 0 &&
        (memcmp(out + 4, "://", 3) == 0 ||
         (o >= 8 && (out[4] == 's' || out[4] == 'S') && memcmp(out + 5, "://", 3) == 0)))
        memcpy(out, "http", 4);
    else if (o >= 6 && strncasecmp(out, "fxp://", 6) == 0)
        memcpy(out, "ftp", 3);
    return o;
}

/* ---- public suffix list ------------------------------------------------- */

static const psl_ctx_t *psl;
static pthread_once_t psl_once = PTHREAD_ONCE_INIT;

static void psl_load(void)
{
    psl = psl_latest(NULL);
    if (psl == NULL)
        psl = psl_builtin();
}

/*
 * Alternative roots that malware uses (Namecoin, Tor, I2P, OpenNIC, EmerCoin):
 * not in the public suffix list, but real in every C2 feed.
 */
static int alt_root(const char *tld)
{
    static const char *const roots[] = {
        "bit",    "onion", "i2p",   "bazar", "coin", "emc",  "lib",  /* Namecoin, Tor, ... */
        "bbs",    "chan",  "cyb",   "dyn",   "epic", "geek", "glue", /* OpenNIC */
        "gopher", "indy",  "libre", "neo",   "null", "oss",  "oz",   "parody", "pirate", "free"};
    size_t i;

    for (i = 0; i < sizeof(roots) / sizeof(roots[0]); i++)
        if (strcmp(tld, roots[i]) == 0)
            return 1;
    return 0;
}

/*
 * 1 if the name (lower-case ASCII) ends in a suffix in use: its last label,
 * or its last two or three labels, is a public suffix without the list's
 * "*" default rule.  Some countries list only their second-level suffixes
 * ("co.za" but not "za"), hence the walk.  tld points at the last label.
 */
static int known_tld(const char *name, const char *tld)
{
    const char *p = tld;
    int up;

    pthread_once(&psl_once, psl_load);
    if (strncmp(tld, "xn--", 4) == 0 || alt_root(tld))
        return 1;
    if (psl == NULL)
        return 1; /* no list on this system: do not refuse every name */
    for (up = 0; up < 3; up++) {
        if (psl_is_public_suffix2(psl, p, PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE))
            return 1;
        if (p == name)
            break;
        for (p -= 2; p > name && p[-1] != '.'; p--)
            ;
    }
    return 0;
}

/*
 * Top-level domains that are also everyday file extensions.  A bare
 * "setup.py" or "invoice.zip" in a log is a file name far more often than a
 * host, so strict detection leaves such two-label names alone; lists of
 * indicators (VG_OBS_F_LIST) and an explicit kind take them as domains.
 */
static int file_like_tld(const char *tld)
{
    static const char *const ext[] = {"zip", "mov", "sh", "py",  "pl", "rs", "md", "ps",
                                      "so",  "cc",  "ai", "app", "pm", "sc", "mp", "rar"};
    size_t i;

    for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++)
        if (strcmp(tld, ext[i]) == 0)
            return 1;
    return 0;
}

/* ---- addresses ---------------------------------------------------------- */

/* Strict dotted quad: four decimal parts 0-255 without leading zeros. */
static int parse_ipv4(const char *s, size_t len, uint8_t a[4])
{
    size_t i = 0;
    int part;

    for (part = 0; part < 4; part++) {
        unsigned v = 0, digits = 0;

        if (part > 0) {
            if (i >= len || s[i] != '.')
                return -1;
            i++;
        }
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            if (digits == 1 && v == 0)
                return -1; /* leading zero: octal in some parsers, ambiguous */
            v = v * 10 + (unsigned)(s[i] - '0');
            if (v > 255 || ++digits > 3)
                return -1;
            i++;
        }
        if (digits == 0)
            return -1;
        a[part] = (uint8_t)v;
    }
    return i == len ? 0 : -1;
}

static int parse_ipv6(const char *s, size_t len, uint8_t a[16])
{
    char tmp[64];
    size_t i;

    if (len == 0 || len >= sizeof(tmp))
        return -1;
    for (i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
              c == ':' || c == '.'))
            return -1; /* no zone ids, no white space */
    }
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    return inet_pton(AF_INET6, tmp, a) == 1 ? 0 : -1;
}

static int parse_prefix(const char *s, size_t len, unsigned max, unsigned *bits)
{
    unsigned v = 0;
    size_t i;

    if (len == 0 || len > 3 || (len > 1 && s[0] == '0'))
        return -1;
    for (i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (v > max)
        return -1;
    *bits = v;
    return 0;
}

static void mask(uint8_t *a, size_t n, unsigned bits)
{
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned keep = bits >= 8 ? 8 : bits;
        a[i] &= (uint8_t)(0xff00u >> keep);
        bits -= keep;
    }
}

static void put(struct vg_obs *out, enum vg_obs_kind kind, const char *s, size_t len)
{
    out->kind = kind;
    out->len = len;
    memcpy(out->value, s, len);
    out->value[len] = '\0';
}

/* IPv4 or IPv4 range; want is IPV4, CIDR4, or NONE for either. */
static enum vg_rc ip4(enum vg_obs_kind want, const char *s, size_t len, struct vg_obs *out,
                      struct vg_error *err)
{
    const char *slash = memchr(s, '/', len);
    size_t alen = slash ? (size_t)(slash - s) : len;
    unsigned bits = 32;
    uint8_t a[4];
    char text[24];
    int n;

    if (parse_ipv4(s, alen, a) != 0)
        return vg_error_set(err, VG_INVALID, NULL, "'%.*s' is not an IPv4 address",
                            (int)(alen > 64 ? 64 : alen), s);
    if (slash && parse_prefix(slash + 1, len - alen - 1, 32, &bits) != 0)
        return vg_error_set(err, VG_INVALID, NULL, "bad IPv4 prefix length after '/'");
    if (want == VG_OBS_CIDR4 && !slash)
        return vg_error_set(err, VG_INVALID, NULL, "an IPv4 range needs a '/' prefix length");
    mask(a, 4, bits);
    n = snprintf(text, sizeof(text), "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
    if (bits < 32)
        n += snprintf(text + n, sizeof(text) - (size_t)n, "/%u", bits);
    put(out, bits < 32 ? VG_OBS_CIDR4 : VG_OBS_IPV4, text, (size_t)n);
    return VG_OK;
}

static enum vg_rc ip6(enum vg_obs_kind want, const char *s, size_t len, struct vg_obs *out,
                      struct vg_error *err)
{
    const char *slash = memchr(s, '/', len);
    size_t alen = slash ? (size_t)(slash - s) : len;
    unsigned bits = 128;
    uint8_t a[16];
    char text[INET6_ADDRSTRLEN + 8];
    size_t n;

    if (parse_ipv6(s, alen, a) != 0)
        return vg_error_set(err, VG_INVALID, NULL, "'%.*s' is not an IPv6 address",
                            (int)(alen > 64 ? 64 : alen), s);
    if (slash && parse_prefix(slash + 1, len - alen - 1, 128, &bits) != 0)
        return vg_error_set(err, VG_INVALID, NULL, "bad IPv6 prefix length after '/'");
    if (want == VG_OBS_CIDR6 && !slash)
        return vg_error_set(err, VG_INVALID, NULL, "an IPv6 range needs a '/' prefix length");
    mask(a, 16, bits);
    if (inet_ntop(AF_INET6, a, text, sizeof(text)) == NULL)
        return vg_error_set(err, VG_INTERNAL, NULL, "inet_ntop failed");
    n = strlen(text);
    if (bits < 128)
        n += (size_t)snprintf(text + n, sizeof(text) - n, "/%u", bits);
    put(out, bits < 128 ? VG_OBS_CIDR6 : VG_OBS_IPV6, text, n);
    return VG_OK;
}

/* ---- domain names ------------------------------------------------------- */

/*
 * Canonical host name into out (cap bytes).  Returns the length, or 0 with
 * err set.  mode: CHECK_NONE for an explicit kind, CHECK_TLD for values from
 * indicator lists (the last label must be a TLD in use), CHECK_STRICT for
 * detection in the wild (also not a file-like TLD on a two-label name).
 */
enum { CHECK_NONE, CHECK_TLD, CHECK_STRICT };

static size_t domain(const char *s, size_t len, char *out, size_t cap, int strict,
                     struct vg_error *err)
{
    char *ace = NULL;
    size_t i, n, label = 0, labels = 1, last = 0;
    int ascii = 1;

    if (len > 0 && s[len - 1] == '.')
        len--; /* the root */
    if (len == 0) {
        vg_error_set(err, VG_INVALID, NULL, "empty domain name");
        return 0;
    }
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80)
            ascii = 0;
        else if (c <= ' ' || c == 0x7f) {
            vg_error_set(err, VG_INVALID, NULL, "white space or control character in a domain");
            return 0;
        }
    }
    if (!ascii) {
        char tmp[VG_OBS_VALUE_MAX + 1];
        int rc;

        if (len > VG_OBS_VALUE_MAX) {
            vg_error_set(err, VG_LIMIT, NULL, "domain name too long");
            return 0;
        }
        memcpy(tmp, s, len);
        tmp[len] = '\0';
        rc = idn2_lookup_u8((const uint8_t *)tmp, (uint8_t **)&ace,
                            IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
        if (rc != IDN2_OK) {
            vg_error_set(err, VG_INVALID, NULL, "not a valid internationalised domain: %s",
                         idn2_strerror(rc));
            return 0;
        }
        s = ace;
        len = strlen(ace);
    }
    if (len > 253 || len >= cap) {
        idn2_free(ace);
        vg_error_set(err, VG_INVALID, NULL, "domain name longer than 253 characters");
        return 0;
    }
    for (i = 0, n = 0; i < len; i++) {
        char c = s[i];

        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c == '.') {
            if (label == 0 || out[n - 1] == '-') {
                idn2_free(ace);
                vg_error_set(err, VG_INVALID, NULL, "empty label or label ending in '-'");
                return 0;
            }
            label = 0;
            labels++;
            last = n + 1;
        } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
                   (c == '-' && label > 0)) {
            if (++label > 63) {
                idn2_free(ace);
                vg_error_set(err, VG_INVALID, NULL, "domain label longer than 63 characters");
                return 0;
            }
        } else {
            idn2_free(ace);
            vg_error_set(err, VG_INVALID, NULL, "'%c' is not allowed in a domain name",
                         c == '-' ? '-' : c);
            return 0;
        }
        out[n++] = c;
    }
    idn2_free(ace);
    out[n] = '\0';
    if (label == 0 || out[n - 1] == '-') {
        vg_error_set(err, VG_INVALID, NULL, "empty label or label ending in '-'");
        return 0;
    }
    if (labels < 2) {
        vg_error_set(err, VG_INVALID, NULL, "'%s' has no top-level domain", out);
        return 0;
    }
    /* A numeric last label is a version, a date or an address, never a TLD. */
    for (i = last; i < n && out[i] >= '0' && out[i] <= '9'; i++)
        ;
    if (i == n) {
        vg_error_set(err, VG_INVALID, NULL, "'%s' ends in a number, not a top-level domain", out);
        return 0;
    }
    if (strict >= CHECK_TLD) {
        if (!known_tld(out, out + last)) {
            vg_error_set(err, VG_INVALID, NULL, "'.%s' is not a known top-level domain",
                         out + last);
            return 0;
        }
        if (strict == CHECK_STRICT && labels == 2 && file_like_tld(out + last)) {
            vg_error_set(err, VG_INVALID, NULL,
                         "'%s' may be a file name; give the kind to take it as a domain", out);
            return 0;
        }
    }
    return n;
}

/* ---- URLs and e-mail addresses ----------------------------------------- */

static unsigned default_port(const char *scheme)
{
    if (strcmp(scheme, "http") == 0 || strcmp(scheme, "ws") == 0)
        return 80;
    if (strcmp(scheme, "https") == 0 || strcmp(scheme, "wss") == 0)
        return 443;
    if (strcmp(scheme, "ftp") == 0)
        return 21;
    return 0;
}

/* Canonical host (name, IPv4, [IPv6]) appended to out; returns new length or 0. */
static size_t host(const char *s, size_t len, char *out, size_t o, size_t cap, int strict,
                   struct vg_error *err)
{
    struct vg_obs tmp;

    if (len > 0 && s[0] == '[') {
        if (len < 3 || s[len - 1] != ']' || ip6(VG_OBS_IPV6, s + 1, len - 2, &tmp, err) != VG_OK ||
            tmp.kind != VG_OBS_IPV6) {
            vg_error_set(err, VG_INVALID, NULL, "bad IPv6 literal in host");
            return 0;
        }
        if (o + tmp.len + 2 >= cap)
            goto toolong;
        out[o++] = '[';
        memcpy(out + o, tmp.value, tmp.len);
        o += tmp.len;
        out[o++] = ']';
        return o;
    }
    if (len > 0 && s[len - 1] >= '0' && s[len - 1] <= '9' &&
        ip4(VG_OBS_IPV4, s, len, &tmp, err) == VG_OK && tmp.kind == VG_OBS_IPV4) {
        if (o + tmp.len >= cap)
            goto toolong;
        memcpy(out + o, tmp.value, tmp.len);
        return o + tmp.len;
    }
    {
        size_t n = domain(s, len, out + o, cap - o, strict, err);
        return n ? o + n : 0;
    }
toolong:
    vg_error_set(err, VG_LIMIT, NULL, "URL too long");
    return 0;
}

static int scheme_char(char c, int first)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return 1;
    return !first && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.');
}

/*
 * URL: scheme://[userinfo@]host[:port][/path][?query][#fragment].  Without
 * a scheme (lists write "evil.example/gate.php"), http is meant.
 */
static enum vg_rc url(const char *s, size_t len, int strict, struct vg_obs *out,
                      struct vg_error *err)
{
    char buf[VG_OBS_VALUE_MAX + 1], scheme[16];
    const char *p = s, *end = s + len, *auth, *aend, *hs, *he, *at;
    size_t o, i, slen = 0;
    unsigned port = 0;

    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= ' ' || c == 0x7f)
            return vg_error_set(err, VG_INVALID, NULL, "white space or control character in a URL");
    }
    while (p < end && scheme_char(*p, p == s) && slen < sizeof(scheme) - 1)
        p++, slen++;
    if (slen > 0 && end - p >= 3 && memcmp(p, "://", 3) == 0) {
        for (i = 0; i < slen; i++)
            scheme[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] - 'A' + 'a' : s[i]);
        scheme[slen] = '\0';
        auth = p + 3;
    } else {
        memcpy(scheme, "http", 5);
        slen = 4;
        auth = s;
    }
    for (aend = auth; aend < end && *aend != '/' && *aend != '?' && *aend != '#'; aend++)
        ;
    at = NULL;
    for (hs = auth; hs < aend; hs++)
        if (*hs == '@')
            at = hs;
    hs = at ? at + 1 : auth;
    /* port: digits after the last ':' that is not inside an IPv6 literal */
    he = aend;
    for (const char *q = aend; q > hs; q--) {
        if (q[-1] == ']')
            break;
        if (q[-1] == ':') {
            if (q == aend)
                return vg_error_set(err, VG_INVALID, NULL, "empty port in URL");
            port = 0;
            for (const char *d = q; d < aend; d++) {
                if (*d < '0' || *d > '9' || (port = port * 10 + (unsigned)(*d - '0')) > 65535)
                    return vg_error_set(err, VG_INVALID, NULL, "bad port in URL");
            }
            he = q - 1;
            break;
        }
    }
    if (he == hs)
        return vg_error_set(err, VG_INVALID, NULL, "URL without a host");
    memcpy(buf, scheme, slen);
    memcpy(buf + slen, "://", 3);
    o = slen + 3;
    if (at) {
        size_t ulen = (size_t)(at - auth) + 1;
        if (o + ulen >= sizeof(buf))
            return vg_error_set(err, VG_LIMIT, NULL, "URL too long");
        memcpy(buf + o, auth, ulen);
        o += ulen;
    }
    o = host(hs, (size_t)(he - hs), buf, o, sizeof(buf), auth == s ? strict : CHECK_NONE, err);
    if (o == 0)
        return err->code ? err->code : VG_INVALID;
    if (port && port != default_port(scheme))
        o += (size_t)snprintf(buf + o, sizeof(buf) - o, ":%u", port);
    /* Path and query as given; the fragment never reaches a server. */
    {
        const char *rest = aend, *frag = memchr(aend, '#', (size_t)(end - aend));
        size_t rlen = (size_t)((frag ? frag : end) - rest);

        if (rlen == 0 || rest[0] != '/') {
            if (o + 1 >= sizeof(buf))
                return vg_error_set(err, VG_LIMIT, NULL, "URL too long");
            buf[o++] = '/';
        }
        if (o + rlen > VG_OBS_VALUE_MAX)
            return vg_error_set(err, VG_LIMIT, NULL, "URL longer than %d bytes", VG_OBS_VALUE_MAX);
        memcpy(buf + o, rest, rlen);
        o += rlen;
    }
    put(out, VG_OBS_URL, buf, o);
    return VG_OK;
}

static enum vg_rc email(const char *s, size_t len, int strict, struct vg_obs *out,
                        struct vg_error *err)
{
    const char *at = NULL;
    char buf[VG_OBS_VALUE_MAX + 1];
    size_t i, llen, n;

    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= ' ' || c == 0x7f || c == '<' || c == '>' || c == '(' || c == ')' || c == ',' ||
            c == ';' || c == '"' || c == '\\')
            return vg_error_set(err, VG_INVALID, NULL, "'%c' is not allowed in an e-mail address",
                                c <= ' ' ? '?' : c);
        if (c == '@') {
            if (at)
                return vg_error_set(err, VG_INVALID, NULL, "two '@' in an e-mail address");
            at = s + i;
        }
    }
    if (at == NULL)
        return vg_error_set(err, VG_INVALID, NULL, "an e-mail address needs '@'");
    llen = (size_t)(at - s);
    if (llen == 0 || llen > 64)
        return vg_error_set(err, VG_INVALID, NULL, "e-mail local part must be 1-64 bytes");
    memcpy(buf, s, llen);
    buf[llen] = '@';
    n = domain(at + 1, len - llen - 1, buf + llen + 1, sizeof(buf) - llen - 1, strict, err);
    if (n == 0)
        return err->code ? err->code : VG_INVALID;
    put(out, VG_OBS_EMAIL, buf, llen + 1 + n);
    return VG_OK;
}

static enum vg_obs_kind hash_kind(size_t len)
{
    switch (len) {
    case 32:
        return VG_OBS_MD5;
    case 40:
        return VG_OBS_SHA1;
    case 64:
        return VG_OBS_SHA256;
    case 128:
        return VG_OBS_SHA512;
    default:
        return VG_OBS_NONE;
    }
}

static int all_hex(const char *s, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return 0;
    }
    return 1;
}

static enum vg_rc hash(enum vg_obs_kind want, const char *s, size_t len, struct vg_obs *out,
                       struct vg_error *err)
{
    size_t i;

    if (hash_kind(len) != want || !all_hex(s, len))
        return vg_error_set(err, VG_INVALID, NULL, "not %s: expected %d hex digits",
                            vg_obs_kind_name(want),
                            want == VG_OBS_MD5      ? 32
                            : want == VG_OBS_SHA1   ? 40
                            : want == VG_OBS_SHA256 ? 64
                                                    : 128);
    out->kind = want;
    out->len = len;
    for (i = 0; i < len; i++)
        out->value[i] = (char)(s[i] >= 'A' && s[i] <= 'F' ? s[i] - 'A' + 'a' : s[i]);
    out->value[len] = '\0';
    return VG_OK;
}

/* ---- entry points ------------------------------------------------------- */

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static enum vg_rc detect(const char *s, size_t len, int strict, struct vg_obs *out,
                         struct vg_error *err)
{
    const char *slash = memchr(s, '/', len), *colon = memchr(s, ':', len);
    size_t i, hostlen = slash ? (size_t)(slash - s) : len;
    int dotted = 1, prefix = slash != NULL;

    if (hash_kind(len) != VG_OBS_NONE && all_hex(s, len))
        return hash(hash_kind(len), s, len, out, err);
    if (colon && colon + 2 < s + len && colon[1] == '/' && colon[2] == '/')
        return url(s, len, strict, out, err);
    if (colon && colon < s + hostlen) {
        /* An IPv6 address or range, or host:port/path. */
        if (ip6(VG_OBS_NONE, s, len, out, err) == VG_OK)
            return VG_OK;
        if (slash)
            return url(s, len, strict, out, err);
        return vg_error_set(err, VG_INVALID, NULL, "'%.*s' is not an observable",
                            (int)(len > 64 ? 64 : len), s);
    }
    if (memchr(s, '@', len) && !slash)
        return email(s, len, strict, out, err);
    if (s[0] == '/')
        return vg_error_set(err, VG_INVALID, NULL,
                            "a URL path without a host is not an observable");
    for (i = 0; i < hostlen; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || s[i] == '.'))
            dotted = 0;
    for (i = hostlen + 1; prefix && i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            prefix = 0;
    if (dotted && (!slash || prefix)) {
        if (ip4(VG_OBS_NONE, s, len, out, err) == VG_OK)
            return VG_OK;
        return vg_error_set(err, VG_INVALID, NULL,
                            "'%.*s' is not an address (version number or date?)",
                            (int)(len > 64 ? 64 : len), s);
    }
    if (slash)
        return url(s, len, strict, out, err);
    {
        char buf[VG_OBS_VALUE_MAX + 1];
        size_t n = domain(s, len, buf, sizeof(buf), strict, err);

        if (n == 0)
            return err->code ? err->code : VG_INVALID;
        put(out, VG_OBS_DOMAIN, buf, n);
        return VG_OK;
    }
}

enum vg_rc vg_obs_parse_ex(enum vg_obs_kind kind, unsigned flags, const char *in, size_t len,
                           struct vg_obs *out, struct vg_error *err)
{
    char buf[VG_OBS_VALUE_MAX + 1];
    struct vg_obs tmp;
    struct vg_error scratch;
    enum vg_rc rc;
    int strict = flags & VG_OBS_F_LIST ? CHECK_TLD : CHECK_STRICT;
    size_t n;

    if (err == NULL)
        err = &scratch;
    vg_error_clear(err);
    while (len > 0 && is_space(in[0]))
        in++, len--;
    while (len > 0 && is_space(in[len - 1]))
        len--;
    if (len == 0)
        return vg_error_set(err, VG_INVALID, NULL, "empty value");
    if (len > VG_OBS_VALUE_MAX)
        return vg_error_set(err, VG_LIMIT, NULL, "value longer than %d bytes", VG_OBS_VALUE_MAX);
    if (memchr(in, '\0', len))
        return vg_error_set(err, VG_INVALID, NULL, "NUL byte in value");
    n = vg_obs_refang(in, len, buf, sizeof(buf));
    if (n == (size_t)-1)
        return vg_error_set(err, VG_LIMIT, NULL, "value longer than %d bytes", VG_OBS_VALUE_MAX);

    switch (kind) {
    case VG_OBS_NONE:
        rc = detect(buf, n, strict, &tmp, err);
        break;
    case VG_OBS_IPV4:
    case VG_OBS_CIDR4:
        rc = ip4(kind, buf, n, &tmp, err);
        break;
    case VG_OBS_IPV6:
    case VG_OBS_CIDR6:
        rc = ip6(kind, buf, n, &tmp, err);
        break;
    case VG_OBS_DOMAIN: {
        size_t m = domain(buf, n, tmp.value, sizeof(tmp.value), 0, err);
        rc = m ? VG_OK : (err->code ? err->code : VG_INVALID);
        tmp.kind = VG_OBS_DOMAIN;
        tmp.len = m;
        break;
    }
    case VG_OBS_URL:
        rc = url(buf, n, 0, &tmp, err);
        break;
    case VG_OBS_EMAIL:
        rc = email(buf, n, 0, &tmp, err);
        break;
    case VG_OBS_MD5:
    case VG_OBS_SHA1:
    case VG_OBS_SHA256:
    case VG_OBS_SHA512:
        rc = hash(kind, buf, n, &tmp, err);
        break;
    default:
        return vg_error_set(err, VG_INVALID, NULL, "unknown observable kind");
    }
    if (rc != VG_OK)
        return rc;
    *out = tmp;
    return VG_OK;
}

enum vg_rc vg_obs_parse(enum vg_obs_kind kind, const char *in, size_t len, struct vg_obs *out,
                        struct vg_error *err)
{
    return vg_obs_parse_ex(kind, 0, in, len, out, err);
}

void vg_obs_stix_id(const struct vg_obs *obs, char *out)
{
    /* Contributing properties serialised as RFC 8785 (JCS) JSON; canonical
     * values need no escaping beyond '"' and '\\', which JCS writes as-is. */
    char name[VG_OBS_VALUE_MAX * 2 + 64], uuid[VG_UUID_TEXT_LEN + 1];
    const char *algo = vg_obs_hash_algo(obs->kind);
    size_t n, i;

    if (algo)
        n = (size_t)snprintf(name, sizeof(name), "{\"hashes\":{\"%s\":\"", algo);
    else
        n = (size_t)snprintf(name, sizeof(name), "{\"value\":\"");
    for (i = 0; i < obs->len; i++) {
        unsigned char c = (unsigned char)obs->value[i];
        if (c == '"' || c == '\\')
            name[n++] = '\\';
        name[n++] = (char)c;
    }
    n += (size_t)snprintf(name + n, sizeof(name) - n, algo ? "\"}}" : "\"}");
    vg_uuid5(STIX_SCO_NAMESPACE, name, n, uuid);
    snprintf(out, VG_STIX_ID_MAX, "%s--%s", vg_obs_stix_type(obs->kind), uuid);
}
