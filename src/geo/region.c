/* SPDX-License-Identifier: Apache-2.0 */
/*
 * region.c - country codes, named regions and country-code top-level
 * domains (see geo.h).
 *
 * Countries are ISO 3166-1 alpha-2 codes, plus XK (Kosovo, user-assigned
 * but used by the registries and the databases).  Regions are names an
 * organisation may declare as its jurisdiction; each expands to its member
 * countries at the time of the query (membership lists below).  A domain's
 * ccTLD gives a country, except "uk" (GB) and the ccTLDs mostly sold as
 * generic names (.io, .co, .tv, .me, ...), which say nothing about where a
 * site is and locate nothing here.
 */
#include "geo.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static const char countries[] =
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ "
    "BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM "
    "DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS "
    "GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN "
    "KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ "
    "MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM "
    "PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV "
    "SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI "
    "VN VU WF WS YE YT ZA ZM ZW XK";

/* ccTLDs marketed as generic names (Google's list of "generic ccTLDs" and
 * the like): no location from them. */
static const char generic_cctlds[] = "ad ai as bz cc cd co dj fm io la me ms nu sc sr su tv tk ws";

struct region {
    const char *name;
    const char *members;
};

static const struct region regions[] = {
    {"EU", "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE"},
    {"EEA", "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE "
            "IS LI NO"},
    {"SCHENGEN", "AT BE BG HR CZ DK EE FI FR DE GR HU IS IT LV LI LT LU MT NL NO PL PT RO SK "
                 "SI ES SE CH"},
    {"FIVE-EYES", "AU CA GB NZ US"},
};

/* 1 when the 2-letter word w is in the space-separated list. */
static int in_words(const char *list, const char *w)
{
    const char *p;

    for (p = list; (p = strstr(p, w)) != NULL; p++) {
        if ((p == list || p[-1] == ' ') && (p[2] == ' ' || p[2] == '\0'))
            return 1;
    }
    return 0;
}

int vg_geo_is_country(const char *code)
{
    return code && strlen(code) == 2 && isupper((unsigned char)code[0]) &&
           isupper((unsigned char)code[1]) && in_words(countries, code);
}

int vg_geo_cctld(const char *domain, size_t len, char cc[3])
{
    const char *tld;
    char lower[3], upper[3];

    while (len && domain[len - 1] == '.')
        len--;
    if (len < 4) /* "a.fr" at least */
        return -1;
    tld = domain + len - 2;
    if (tld[-1] != '.')
        return -1;
    lower[0] = (char)tolower((unsigned char)tld[0]);
    lower[1] = (char)tolower((unsigned char)tld[1]);
    lower[2] = '\0';
    if (!islower((unsigned char)lower[0]) || !islower((unsigned char)lower[1]) ||
        in_words(generic_cctlds, lower))
        return -1;
    if (strcmp(lower, "uk") == 0) {
        memcpy(cc, "GB", 3);
        return 0;
    }
    upper[0] = (char)toupper((unsigned char)lower[0]);
    upper[1] = (char)toupper((unsigned char)lower[1]);
    upper[2] = '\0';
    if (!vg_geo_is_country(upper) || strcmp(upper, "XK") == 0)
        return -1;
    memcpy(cc, upper, 3);
    return 0;
}

const char *vg_geo_regions(void)
{
    static char text[1024];
    size_t i, used = 0;

    if (text[0] == '\0') {
        for (i = 0; i < sizeof(regions) / sizeof(regions[0]); i++)
            used += (size_t)snprintf(text + used, sizeof(text) - used, "%s: %s\n", regions[i].name,
                                     regions[i].members);
    }
    return text;
}

static const struct region *region_of(const char *name)
{
    size_t i;

    for (i = 0; i < sizeof(regions) / sizeof(regions[0]); i++) {
        if (strcmp(regions[i].name, name) == 0)
            return &regions[i];
    }
    return NULL;
}

/* Next code of list at *p into w (upper-case); 0 at the end, -1 too long. */
static int next_code(const char **p, char *w, size_t cap)
{
    const char *s = *p;
    size_t n = 0;

    while (*s == ',' || *s == ' ' || *s == '\t')
        s++;
    if (*s == '\0')
        return 0;
    while (*s && *s != ',' && *s != ' ' && *s != '\t') {
        if (n + 1 >= cap)
            return -1;
        w[n++] = (char)toupper((unsigned char)*s++);
    }
    w[n] = '\0';
    *p = s;
    return 1;
}

enum vg_rc vg_geo_parse_codes(const char *list, char (*out)[VG_GEO_CODE_MAX], size_t cap, size_t *n,
                              struct vg_error *err)
{
    char w[VG_GEO_CODE_MAX];
    const char *p = list;
    size_t i;
    int r;

    *n = 0;
    while ((r = next_code(&p, w, sizeof(w))) != 0) {
        if (r < 0 || (!vg_geo_is_country(w) && region_of(w) == NULL))
            return vg_error_set(err, VG_INVALID, "jurisdiction",
                                "unknown country or region '%.16s' (ISO 3166-1 alpha-2 codes, or "
                                "EU, EEA, SCHENGEN, FIVE-EYES)",
                                r < 0 ? p : w);
        for (i = 0; i < *n && strcmp(out[i], w) != 0; i++)
            ;
        if (i < *n)
            continue;
        if (*n >= cap)
            return vg_error_set(err, VG_LIMIT, "jurisdiction", "too many codes");
        memcpy(out[(*n)++], w, strlen(w) + 1);
    }
    return VG_OK;
}

static enum vg_rc add_country(const char *c, char (*out)[3], size_t cap, size_t *n,
                              struct vg_error *err)
{
    size_t i;

    for (i = 0; i < *n; i++) {
        if (memcmp(out[i], c, 2) == 0)
            return VG_OK;
    }
    if (*n >= cap)
        return vg_error_set(err, VG_LIMIT, "jurisdiction", "too many countries");
    out[*n][0] = c[0];
    out[*n][1] = c[1];
    out[*n][2] = '\0';
    (*n)++;
    return VG_OK;
}

enum vg_rc vg_geo_expand(const char *list, char (*out)[3], size_t cap, size_t *n,
                         struct vg_error *err)
{
    char codes[64][VG_GEO_CODE_MAX];
    size_t ncodes, i;
    const char *m;
    enum vg_rc rc;

    *n = 0;
    if ((rc = vg_geo_parse_codes(list, codes, 64, &ncodes, err)) != VG_OK)
        return rc;
    for (i = 0; i < ncodes; i++) {
        const struct region *r = region_of(codes[i]);

        if (r == NULL) {
            if ((rc = add_country(codes[i], out, cap, n, err)) != VG_OK)
                return rc;
            continue;
        }
        for (m = r->members; *m; m += m[2] ? 3 : 2) {
            if ((rc = add_country(m, out, cap, n, err)) != VG_OK)
                return rc;
        }
    }
    if (*n == 0)
        return vg_error_set(err, VG_INVALID, "jurisdiction", "empty jurisdiction");
    return VG_OK;
}

enum vg_rc vg_geo_jurisdiction(struct vg_store *st, int64_t org_id, const char *spec,
                               char (*out)[3], size_t cap, size_t *n, struct vg_error *err)
{
    char declared[1024];
    enum vg_rc rc;

    if (strcmp(spec, "mine") != 0)
        return vg_geo_expand(spec, out, cap, n, err);
    if ((rc = vg_store_jurisdiction_get(st, org_id, declared, sizeof(declared), err)) != VG_OK)
        return rc;
    if (declared[0] == '\0')
        return vg_error_set(
            err, VG_INVALID, "jurisdiction",
            "the organisation declares no jurisdiction (vigie jurisdiction ORG CODES)");
    return vg_geo_expand(declared, out, cap, n, err);
}
