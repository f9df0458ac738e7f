/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mmdb.c - MMDB look-ups with libmaxminddb, and what an observable's
 * location is (see geo.h).
 *
 * Each database keeps a cache of decoded records keyed by the record's
 * offset in the data section (open addressing, no eviction: once full,
 * further records are decoded on every look-up).  Many networks share one
 * record, so the cache stays small while almost every look-up hits it.
 */
#include "geo.h"

#include <arpa/inet.h>
#include <maxminddb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "common/hash.h"

#define CACHE_SLOTS (1u << 17)

struct rec {
    uint32_t off1; /* offset + 1; 0: empty slot */
    char cc[4];
    int64_t asn;
    char *name; /* owned; NULL for none */
};

struct one {
    MMDB_s db;
    int open;
    struct rec *cache;
    size_t used;
};

struct vg_geo_db {
    struct one country, asn;
    int64_t build;
    char build_text[512];
};

static enum vg_rc open_one(struct one *o, const char *path, struct vg_error *err)
{
    int r = MMDB_open(path, MMDB_MODE_MMAP, &o->db);

    if (r != MMDB_SUCCESS)
        return vg_error_set(err, r == MMDB_FILE_OPEN_ERROR ? VG_IO : VG_INVALID, path,
                            "cannot open MMDB database %s: %s", path, MMDB_strerror(r));
    o->open = 1;
    if ((o->cache = calloc(CACHE_SLOTS, sizeof(*o->cache))) == NULL) {
        MMDB_close(&o->db);
        o->open = 0;
        return vg_error_set(err, VG_NOMEM, NULL, "out of memory");
    }
    return VG_OK;
}

static void close_one(struct one *o)
{
    size_t i;

    if (!o->open)
        return;
    for (i = 0; i < CACHE_SLOTS; i++)
        free(o->cache[i].name);
    free(o->cache);
    MMDB_close(&o->db);
    o->open = 0;
}

static void describe(const struct one *o, const char *what, const char *path, char *text,
                     size_t cap, uint64_t *h)
{
    size_t used = strlen(text);
    struct stat sb;
    long long size = 0;

    if (!o->open) {
        snprintf(text + used, cap - used, "%s%s=-", used ? " " : "", what);
    } else {
        if (stat(path, &sb) == 0)
            size = (long long)sb.st_size;
        snprintf(text + used, cap - used, "%s%s=%s@%llu/%lld", used ? " " : "", what,
                 o->db.metadata.database_type ? o->db.metadata.database_type : "?",
                 (unsigned long long)o->db.metadata.build_epoch, size);
    }
    *h = vg_fnv1a(*h, text + used, strlen(text + used));
}

enum vg_rc vg_geo_open(const char *country_path, const char *asn_path, struct vg_geo_db **out,
                       struct vg_error *err)
{
    struct vg_geo_db *db;
    enum vg_rc rc;
    uint64_t h = VG_FNV_SEED;

    if (country_path == NULL && asn_path == NULL)
        return vg_error_set(err, VG_INVALID, NULL, "no MMDB database given");
    if ((db = calloc(1, sizeof(*db))) == NULL)
        return vg_error_set(err, VG_NOMEM, NULL, "out of memory");
    if (country_path && (rc = open_one(&db->country, country_path, err)) != VG_OK)
        goto fail;
    if (asn_path && (rc = open_one(&db->asn, asn_path, err)) != VG_OK)
        goto fail;
    describe(&db->country, "country", country_path, db->build_text, sizeof(db->build_text), &h);
    describe(&db->asn, "asn", asn_path, db->build_text, sizeof(db->build_text), &h);
    db->build = (int64_t)(h & 0x7fffffffffffffffull);
    if (db->build == 0)
        db->build = 1;
    *out = db;
    return VG_OK;
fail:
    vg_geo_free(db);
    return rc;
}

void vg_geo_free(struct vg_geo_db *db)
{
    if (db == NULL)
        return;
    close_one(&db->country);
    close_one(&db->asn);
    free(db);
}

int64_t vg_geo_build(const struct vg_geo_db *db)
{
    return db->build;
}

const char *vg_geo_build_text(const struct vg_geo_db *db)
{
    return db->build_text;
}

/* A string value at path into out (cap), or "". */
static void get_string(MMDB_entry_s *e, char *out, size_t cap, const char *const *path)
{
    MMDB_entry_data_s d;

    out[0] = '\0';
    if (MMDB_aget_value(e, &d, path) != MMDB_SUCCESS || !d.has_data ||
        d.type != MMDB_DATA_TYPE_UTF8_STRING)
        return;
    snprintf(out, cap, "%.*s", (int)d.data_size, d.utf8_string);
}

/* Decode a record into r. */
static void decode(struct one *o, MMDB_entry_s *e, int is_asn, struct rec *r)
{
    static const char *const cc1[] = {"country_code", NULL};
    static const char *const cc2[] = {"country", "iso_code", NULL};
    static const char *const asn[] = {"autonomous_system_number", NULL};
    static const char *const org[] = {"autonomous_system_organization", NULL};
    MMDB_entry_data_s d;
    char name[VG_AS_NAME_MAX];

    (void)o;
    memset(r, 0, sizeof(*r));
    if (!is_asn) {
        get_string(e, r->cc, sizeof(r->cc), cc1);
        if (r->cc[0] == '\0')
            get_string(e, r->cc, sizeof(r->cc), cc2);
        if (!vg_geo_is_country(r->cc))
            r->cc[0] = '\0'; /* "ZZ", "EU", "AP": no country */
        return;
    }
    if (MMDB_aget_value(e, &d, asn) == MMDB_SUCCESS && d.has_data) {
        if (d.type == MMDB_DATA_TYPE_UINT32)
            r->asn = d.uint32;
        else if (d.type == MMDB_DATA_TYPE_UINT16)
            r->asn = d.uint16;
        else if (d.type == MMDB_DATA_TYPE_UINT64)
            r->asn = (int64_t)(d.uint64 & 0xffffffffu);
    }
    get_string(e, name, sizeof(name), org);
    if (name[0])
        r->name = strdup(name); /* NULL on failure: no name */
}

/* The record of one look-up result, through the cache; NULL: none. */
static const struct rec *record(struct one *o, MMDB_lookup_result_s *res, int is_asn,
                                struct rec *tmp)
{
    uint32_t off = res->entry.offset, i;

    i = (off * 2654435761u) & (CACHE_SLOTS - 1);
    for (;;) {
        struct rec *r = &o->cache[i];

        if (r->off1 == off + 1)
            return r;
        if (r->off1 == 0) {
            if (o->used >= CACHE_SLOTS / 2)
                break; /* full enough: decode without caching */
            decode(o, &res->entry, is_asn, r);
            r->off1 = off + 1;
            o->used++;
            return r;
        }
        i = (i + 1) & (CACHE_SLOTS - 1);
    }
    free(tmp->name);
    decode(o, &res->entry, is_asn, tmp);
    return tmp;
}

static void lookup_one(struct one *o, const struct sockaddr *sa, int is_asn, struct vg_geo *out)
{
    MMDB_lookup_result_s res;
    const struct rec *r;
    struct rec tmp = {0};
    int mmerr = 0;

    if (!o->open)
        return;
    res = MMDB_lookup_sockaddr(&o->db, sa, &mmerr);
    if (mmerr != MMDB_SUCCESS || !res.found_entry)
        return;
    r = record(o, &res, is_asn, &tmp);
    if (is_asn) {
        out->asn = r->asn;
        snprintf(out->as_name, sizeof(out->as_name), "%s", r->name ? r->name : "");
    } else {
        memcpy(out->country, r->cc, sizeof(out->country));
    }
    free(tmp.name);
}

enum vg_rc vg_geo_lookup(struct vg_geo_db *db, const char *ip, size_t len, struct vg_geo *out)
{
    char text[INET6_ADDRSTRLEN + 1];
    struct sockaddr_in sin;
    struct sockaddr_in6 sin6;
    const struct sockaddr *sa;

    memset(out, 0, sizeof(*out));
    out->build = db ? db->build : 0;
    if (len == 0 || len >= sizeof(text))
        return VG_INVALID;
    memcpy(text, ip, len);
    text[len] = '\0';
    memset(&sin, 0, sizeof(sin));
    memset(&sin6, 0, sizeof(sin6));
    if (inet_pton(AF_INET, text, &sin.sin_addr) == 1) {
        sin.sin_family = AF_INET;
        sa = (const struct sockaddr *)&sin;
    } else if (inet_pton(AF_INET6, text, &sin6.sin6_addr) == 1) {
        sin6.sin6_family = AF_INET6;
        sa = (const struct sockaddr *)&sin6;
    } else {
        return VG_INVALID;
    }
    if (db == NULL)
        return VG_NOT_FOUND;
    lookup_one(&db->country, sa, 0, out);
    lookup_one(&db->asn, sa, 1, out);
    if (out->country[0] == '\0' && out->asn == 0)
        return VG_NOT_FOUND;
    out->source = VG_GEO_MMDB;
    return VG_OK;
}

/* The host of a canonical URL: [h, *hlen). */
static const char *url_host(const char *url, size_t len, size_t *hlen)
{
    const char *h = memchr(url, ':', len), *end = url + len, *e;

    if (h == NULL || (size_t)(end - h) < 3 || h[1] != '/' || h[2] != '/')
        return NULL;
    h += 3;
    if (h < end && *h == '[') {
        h++;
        if ((e = memchr(h, ']', (size_t)(end - h))) == NULL)
            return NULL;
        *hlen = (size_t)(e - h);
        return h;
    }
    for (e = h; e < end && *e != ':' && *e != '/' && *e != '?' && *e != '#'; e++)
        ;
    *hlen = (size_t)(e - h);
    return h;
}

enum vg_rc vg_geo_locate(struct vg_geo_db *db, enum vg_obs_kind kind, const char *value, size_t len,
                         struct vg_geo *out)
{
    const char *p;
    size_t n;
    enum vg_rc rc;
    char cc[3];

    memset(out, 0, sizeof(*out));
    out->build = db ? db->build : 0;
    switch (kind) {
    case VG_OBS_IPV4:
    case VG_OBS_IPV6:
        return vg_geo_lookup(db, value, len, out);
    case VG_OBS_CIDR4:
    case VG_OBS_CIDR6:
        p = memchr(value, '/', len);
        return vg_geo_lookup(db, value, p ? (size_t)(p - value) : len, out);
    case VG_OBS_URL:
        if ((p = url_host(value, len, &n)) == NULL || n == 0)
            return VG_NOT_FOUND;
        if ((rc = vg_geo_lookup(db, p, n, out)) != VG_INVALID)
            return rc;
        value = p;
        len = n;
        /* a domain host: its ccTLD */
        __attribute__((fallthrough));
    case VG_OBS_DOMAIN:
        memset(out, 0, sizeof(*out));
        out->build = db ? db->build : 0;
        if (vg_geo_cctld(value, len, cc) != 0)
            return VG_NOT_FOUND;
        memcpy(out->country, cc, 3);
        out->source = VG_GEO_CCTLD;
        return VG_OK;
    default:
        return VG_NOT_FOUND;
    }
}
