/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report.c - the per-jurisdiction report (see report.h).
 *
 * One scan of the visible contributions located in the countries, with the
 * bulk-output TLP ceiling; rows are folded into one entry per observable (a
 * small open-addressing table by observable id), then counted into groups
 * kept as JSON objects (jansson hashes its keys).  Memory is linear in the
 * number of observables reported.
 */
#include "report.h"

#include <stdlib.h>
#include <string.h>

#include "common/vtime.h"
#include "model/obs.h"
#include "model/tlp.h"

struct entry {
    int64_t obs_id;
    json_t *obj;      /* the observable's line */
    json_t *labels;   /* object used as a set */
    json_t *orgs;     /* object used as a set */
    int64_t first_us; /* earliest visible addition */
};

struct build {
    struct vg_store *st;
    const struct vg_report_request *req;
    struct entry *e;
    size_t n, cap;
    size_t *slots; /* index + 1; 0 empty */
    size_t nslots;
    size_t contributions;
    int nomem;
};

static int grow(struct build *b)
{
    size_t i, ncap = b->cap ? b->cap * 2 : 1024, nslots = ncap * 2;
    struct entry *e = realloc(b->e, ncap * sizeof(*e));
    size_t *slots;

    if (e == NULL)
        return -1;
    b->e = e;
    if ((slots = calloc(nslots, sizeof(*slots))) == NULL)
        return -1;
    for (i = 0; i < b->n; i++) {
        size_t h = (size_t)((uint64_t)b->e[i].obs_id * 0x9e3779b97f4a7c15ull) & (nslots - 1);

        while (slots[h])
            h = (h + 1) & (nslots - 1);
        slots[h] = i + 1;
    }
    free(b->slots);
    b->slots = slots;
    b->nslots = nslots;
    b->cap = ncap;
    return 0;
}

static struct entry *find(struct build *b, const struct vg_obs_row *row)
{
    static const char *const sources[] = {"", "mmdb", "cctld", "related"};
    size_t h;
    struct entry *e;

    if (b->n + 1 > b->cap && grow(b) != 0)
        return NULL;
    h = (size_t)((uint64_t)row->obs_id * 0x9e3779b97f4a7c15ull) & (b->nslots - 1);
    while (b->slots[h]) {
        if (b->e[b->slots[h] - 1].obs_id == row->obs_id)
            return &b->e[b->slots[h] - 1];
        h = (h + 1) & (b->nslots - 1);
    }
    e = &b->e[b->n];
    memset(e, 0, sizeof(*e));
    e->obs_id = row->obs_id;
    e->first_us = row->date_added_us;
    e->labels = json_object();
    e->orgs = json_object();
    e->obj = json_pack("{s:s%, s:s, s:s, s:o, s:s, s:s}", "value", row->value, row->len, "kind",
                       vg_obs_kind_name(row->kind), "country", row->country ? row->country : "",
                       "asn", row->asn ? json_integer(row->asn) : json_null(), "as_name",
                       row->as_name ? row->as_name : "", "located_by",
                       sources[row->geo_source <= VG_GEO_RELATED ? row->geo_source : 0]);
    if (e->labels == NULL || e->orgs == NULL || e->obj == NULL) {
        json_decref(e->labels);
        json_decref(e->orgs);
        json_decref(e->obj);
        return NULL;
    }
    b->slots[h] = ++b->n;
    return e;
}

static int row_cb(void *ctx, const struct vg_obs_row *row)
{
    struct build *b = ctx;
    struct entry *e = find(b, row);
    const char *name = row->org_name ? row->org_name : "?";

    if (e == NULL) {
        b->nomem = 1;
        return 1;
    }
    b->contributions++;
    if (row->date_added_us < e->first_us)
        e->first_us = row->date_added_us;
    if (row->label && row->label[0])
        json_object_set_new(e->labels, row->label, json_true());
    /* a contributor's pseudonym for others, as look-ups show it */
    if (row->org_pseudonym && row->org_pseudonym[0] &&
        !(b->req->requester_org == row->org_id || b->req->requester_is_operator))
        name = row->org_pseudonym;
    json_object_set_new(e->orgs, name, json_true());
    return 0;
}

/* Count one observable into groups[key] = {count, new}. */
static void count(json_t *groups, const char *key, int fresh, json_t *extra)
{
    json_t *g = json_object_get(groups, key);

    if (g == NULL) {
        g = json_pack("{s:s, s:i, s:i}", "key", key, "count", 0, "new", 0);
        if (g == NULL)
            return;
        if (extra)
            json_object_update(g, extra);
        json_object_set_new(groups, key, g);
    }
    json_object_set_new(g, "count",
                        json_integer(json_integer_value(json_object_get(g, "count")) + 1));
    if (fresh)
        json_object_set_new(g, "new",
                            json_integer(json_integer_value(json_object_get(g, "new")) + 1));
}

static int by_count(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    json_int_t cx = json_integer_value(json_object_get(x, "count"));
    json_int_t cy = json_integer_value(json_object_get(y, "count"));

    if (cx != cy)
        return cx < cy ? 1 : -1;
    return strcmp(json_string_value(json_object_get(x, "key")),
                  json_string_value(json_object_get(y, "key")));
}

/* The groups as an array, largest first. */
static json_t *sorted(json_t *groups)
{
    size_t n = json_object_size(groups), i = 0;
    json_t **v = calloc(n ? n : 1, sizeof(*v)), *arr = json_array(), *g;
    const char *k;

    if (v == NULL || arr == NULL) {
        free(v);
        json_decref(arr);
        return NULL;
    }
    json_object_foreach(groups, k, g)
    {
        v[i++] = g;
    }
    qsort(v, n, sizeof(*v), by_count);
    for (i = 0; i < n; i++)
        json_array_append(arr, v[i]);
    free(v);
    return arr;
}

static json_t *keys(json_t *set)
{
    json_t *arr = json_array(), *v;
    const char *k;

    json_object_foreach(set, k, v)
    {
        json_array_append_new(arr, json_string(k));
    }
    return arr;
}

static int by_value(const void *a, const void *b)
{
    const struct entry *x = a, *y = b;
    int c = strcmp(json_string_value(json_object_get(x->obj, "country")),
                   json_string_value(json_object_get(y->obj, "country")));

    return c ? c
             : strcmp(json_string_value(json_object_get(x->obj, "value")),
                      json_string_value(json_object_get(y->obj, "value")));
}

enum vg_rc vg_report_build(struct vg_store *st, const struct vg_report_request *req, json_t **out,
                           struct vg_error *err)
{
    struct build b = {0};
    struct vg_obs_filter f = {0};
    const char *cs[VG_POLICY_TOKENS_MAX > 300 ? VG_POLICY_TOKENS_MAX : 300];
    json_t *doc = NULL, *kinds = json_object(), *labels = json_object(), *ases = json_object(),
           *ctry = json_object(), *list = json_array(), *countries = json_array();
    char since[VG_TIME_TEXT_MAX], now[VG_TIME_TEXT_MAX], build_text[512] = "", k[32];
    size_t i, fresh_total = 0;
    enum vg_rc rc;

    b.st = st;
    b.req = req;
    if (!kinds || !labels || !ases || !ctry || !list || !countries || req->ncountries > 300) {
        rc = vg_error_set(err, req->ncountries > 300 ? VG_LIMIT : VG_NOMEM, NULL,
                          req->ncountries > 300 ? "too many countries" : "out of memory");
        goto out;
    }
    for (i = 0; i < req->ncountries; i++) {
        cs[i] = req->countries[i];
        json_array_append_new(countries, json_string(req->countries[i]));
    }
    f.tokens = req->tokens;
    f.ntokens = req->ntokens;
    f.has_max_tlp = 1;
    f.max_tlp = req->max_tlp;
    f.countries = cs;
    f.ncountries = req->ncountries;
    if ((rc = vg_store_scan_observables(st, &f, row_cb, &b, err)) != VG_OK)
        goto out;
    if (b.nomem) {
        rc = vg_error_set(err, VG_NOMEM, NULL, "out of memory");
        goto out;
    }
    if (b.n)
        qsort(b.e, b.n, sizeof(*b.e), by_value);
    for (i = 0; i < b.n; i++) {
        struct entry *e = &b.e[i];
        int fresh = e->first_us >= req->since_us;
        json_t *o = e->obj, *extra;
        const char *lab;
        json_t *v;

        fresh_total += fresh;
        vg_time_format_us(e->first_us, now);
        json_object_set_new(o, "labels", keys(e->labels));
        json_object_set_new(o, "organisations", keys(e->orgs));
        json_object_set_new(o, "first_added", json_string(now));
        json_object_set_new(o, "new", json_boolean(fresh));
        count(kinds, json_string_value(json_object_get(o, "kind")), fresh, NULL);
        count(ctry, json_string_value(json_object_get(o, "country")), fresh, NULL);
        if (json_object_size(e->labels) == 0)
            count(labels, "(none)", fresh, NULL);
        json_object_foreach(e->labels, lab, v)
        {
            count(labels, lab, fresh, NULL);
        }
        if (json_integer_value(json_object_get(o, "asn"))) {
            snprintf(k, sizeof(k), "AS%lld",
                     (long long)json_integer_value(json_object_get(o, "asn")));
            extra = json_pack("{s:O, s:O}", "asn", json_object_get(o, "asn"), "as_name",
                              json_object_get(o, "as_name"));
            count(ases, k, fresh, extra);
            json_decref(extra);
        } else {
            count(ases, "(unknown)", fresh, NULL);
        }
        json_array_append(list, o);
    }
    if (vg_store_meta_get(st, "geo.build", build_text, sizeof(build_text), err) != VG_OK)
        vg_error_clear(err);
    vg_time_format_us(req->since_us, since);
    vg_time_format_us(vg_time_now_us(), now);
    doc = json_pack("{s:s, s:O, s:s, s:s, s:s, s:s, s:s, s:{s:I, s:I, s:I}, s:o, s:o, s:o, s:o, "
                    "s:O}",
                    "jurisdiction", req->jurisdiction, "countries", countries, "for", req->for_name,
                    "since", since, "generated", now, "max_tlp", vg_tlp_name(req->max_tlp),
                    "enrichment", build_text, "totals", "observables", (json_int_t)b.n, "new",
                    (json_int_t)fresh_total, "contributions", (json_int_t)b.contributions,
                    "by_country", sorted(ctry), "by_kind", sorted(kinds), "by_label",
                    sorted(labels), "by_as", sorted(ases), "observables", list);
    if (doc == NULL) {
        rc = vg_error_set(err, VG_NOMEM, NULL, "out of memory");
        goto out;
    }
    *out = doc;
    rc = VG_OK;
out:
    for (i = 0; i < b.n; i++) {
        json_decref(b.e[i].obj);
        json_decref(b.e[i].labels);
        json_decref(b.e[i].orgs);
    }
    free(b.e);
    free(b.slots);
    json_decref(kinds);
    json_decref(labels);
    json_decref(ases);
    json_decref(ctry);
    json_decref(list);
    json_decref(countries);
    return rc;
}

/* ---- HTML --------------------------------------------------------------------------- */

void vg_html_escape(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;

        switch (c) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&#39;", f);
            break;
        default:
            if (c < 0x20 || c == 0x7f)
                fprintf(f, "&#%u;", c == '\t' || c == '\n' ? c : 0xfffd);
            else
                fputc(c, f);
        }
    }
}

static const char css[] =
    "body{font:10.5pt/1.4 'DejaVu Sans',Arial,sans-serif;color:#111;margin:2em;max-width:60em}"
    "h1{font-size:16pt;margin:0 0 .2em}h2{font-size:12.5pt;margin:1.4em 0 .4em;"
    "border-bottom:1px solid #999}"
    "table{border-collapse:collapse;width:100%;margin:.3em 0}"
    "th,td{border:1px solid #bbb;padding:.15em .4em;text-align:left;vertical-align:top}"
    "th{background:#eee}td.n{text-align:right;font-variant-numeric:tabular-nums}"
    "td.v{font-family:'DejaVu Sans Mono',monospace;word-break:break-all}"
    ".meta td{border:none;padding:.05em .6em .05em 0}.new{font-weight:bold}"
    ".grid{display:flex;gap:1.5em;flex-wrap:wrap}.grid>div{flex:1 1 18em}"
    "footer{margin-top:2em;font-size:8.5pt;color:#555}"
    "@media print{body{margin:0;max-width:none;font-size:9pt}"
    "thead{display:table-header-group}tr{page-break-inside:avoid}"
    "h2{page-break-after:avoid}a{color:inherit;text-decoration:none}}"
    "@page{size:A4;margin:1.5cm}";

static void esc_json(FILE *f, json_t *v)
{
    char num[32];

    if (json_is_string(v)) {
        vg_html_escape(f, json_string_value(v));
    } else if (json_is_integer(v)) {
        snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
        fputs(num, f);
    }
}

static void group_table(FILE *f, const char *title, const char *head, json_t *groups, int as)
{
    size_t i;
    json_t *g;

    fputs("<div><h2>", f);
    vg_html_escape(f, title);
    fputs("</h2><table><thead><tr><th>", f);
    vg_html_escape(f, head);
    if (as)
        fputs("</th><th>name", f);
    fputs("</th><th>count</th><th>new</th></tr></thead><tbody>\n", f);
    json_array_foreach(groups, i, g)
    {
        fputs("<tr><td>", f);
        esc_json(f, json_object_get(g, "key"));
        if (as) {
            fputs("</td><td>", f);
            esc_json(f, json_object_get(g, "as_name"));
        }
        fputs("</td><td class=n>", f);
        esc_json(f, json_object_get(g, "count"));
        fputs("</td><td class=n>", f);
        esc_json(f, json_object_get(g, "new"));
        fputs("</td></tr>\n", f);
    }
    fputs("</tbody></table></div>\n", f);
}

static void joined(FILE *f, json_t *arr)
{
    size_t i;
    json_t *v;

    json_array_foreach(arr, i, v)
    {
        if (i)
            fputs(", ", f);
        esc_json(f, v);
    }
}

enum vg_rc vg_report_html(const json_t *cdoc, FILE *f, struct vg_error *err)
{
    json_t *doc = (json_t *)cdoc, *totals = json_object_get(doc, "totals"), *o;
    size_t i;

    fputs("<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'\">\n<title>Vigie report: ",
          f);
    esc_json(f, json_object_get(doc, "jurisdiction"));
    fprintf(f, "</title>\n<style>%s</style></head><body>\n<h1>What is located in ", css);
    esc_json(f, json_object_get(doc, "jurisdiction"));
    fputs("</h1>\n<table class=meta>", f);
    fputs("<tr><td>countries</td><td>", f);
    joined(f, json_object_get(doc, "countries"));
    fputs("</td></tr><tr><td>as seen by</td><td>", f);
    esc_json(f, json_object_get(doc, "for"));
    fputs("</td></tr><tr><td>new since</td><td>", f);
    esc_json(f, json_object_get(doc, "since"));
    fputs("</td></tr><tr><td>generated</td><td>", f);
    esc_json(f, json_object_get(doc, "generated"));
    fputs("</td></tr><tr><td>highest TLP included</td><td>", f);
    esc_json(f, json_object_get(doc, "max_tlp"));
    fputs("</td></tr><tr><td>location databases</td><td>", f);
    esc_json(f, json_object_get(doc, "enrichment"));
    fputs("</td></tr></table>\n<h2>Summary</h2><p><b>", f);
    esc_json(f, json_object_get(totals, "observables"));
    fputs("</b> observables located here (<b>", f);
    esc_json(f, json_object_get(totals, "new"));
    fputs("</b> new in the period), from <b>", f);
    esc_json(f, json_object_get(totals, "contributions"));
    fputs("</b> contributions.</p>\n<div class=grid>\n", f);
    group_table(f, "By kind", "kind", json_object_get(doc, "by_kind"), 0);
    group_table(f, "By country", "country", json_object_get(doc, "by_country"), 0);
    group_table(f, "By malware family or label", "label", json_object_get(doc, "by_label"), 0);
    group_table(f, "By autonomous system", "AS", json_object_get(doc, "by_as"), 1);
    fputs("</div>\n", f);
    for (int pass = 0; pass < 2; pass++) {
        fputs(pass == 0 ? "<h2>New in the period</h2>\n" : "<h2>Full list</h2>\n", f);
        fputs("<table><thead><tr><th>value</th><th>kind</th><th>country</th><th>AS</th>"
              "<th>labels</th><th>reported by</th><th>first added</th></tr></thead><tbody>\n",
              f);
        json_array_foreach(json_object_get(doc, "observables"), i, o)
        {
            if (pass == 0 && !json_is_true(json_object_get(o, "new")))
                continue;
            fputs(json_is_true(json_object_get(o, "new")) ? "<tr class=new><td class=v>"
                                                          : "<tr><td class=v>",
                  f);
            esc_json(f, json_object_get(o, "value"));
            fputs("</td><td>", f);
            esc_json(f, json_object_get(o, "kind"));
            fputs("</td><td>", f);
            esc_json(f, json_object_get(o, "country"));
            fputs("</td><td>", f);
            if (json_integer_value(json_object_get(o, "asn"))) {
                fputs("AS", f);
                esc_json(f, json_object_get(o, "asn"));
                fputs(" ", f);
                esc_json(f, json_object_get(o, "as_name"));
            }
            fputs("</td><td>", f);
            joined(f, json_object_get(o, "labels"));
            fputs("</td><td>", f);
            joined(f, json_object_get(o, "organisations"));
            fputs("</td><td>", f);
            esc_json(f, json_object_get(o, "first_added"));
            fputs("</td></tr>\n", f);
        }
        fputs("</tbody></table>\n", f);
    }
    fputs("<footer>Vigie per-jurisdiction report. Only what the named organisation may see is "
          "counted or listed. Locations come from the databases named above and from "
          "country-code top-level domains; they say where a server is announced, not who "
          "operates it.</footer>\n</body></html>\n",
          f);
    if (fflush(f) != 0 || ferror(f))
        return vg_error_set(err, VG_IO, "output", "write failed");
    return VG_OK;
}
