/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report.c - hits to sightings (see report.h).
 *
 * The pending values live in a small open-addressing table (twice the batch
 * size, so it never fills) keyed by the FNV-1a hash of the value's JSON
 * literal; a batch is the table written out as the body of POST
 * /api/v1/sightings (docs/sightings.md), after which the table is emptied.
 * libcurl sends it; the answer's accepted and rejected counts are summed.
 */
#include "report.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/hash.h"
#include "common/vtime.h"

#define SLOTS (2 * TOOL_REPORT_BATCH) /* a power of two is not needed: linear probing */
#define COUNT_MAX 999999999
#define ANSWER_MAX (64u * 1024 * 1024)

struct slot {
    char *value; /* JSON literal, NULL: empty */
    size_t len;
    int64_t count, first, last;
};

struct tool_report {
    CURL *curl;
    struct curl_slist *headers;
    char *url;
    struct slot slots[SLOTS];
    size_t n;
    int64_t last_send;
    struct vg_buf body, answer;
    struct tool_report_stats stats;
};

enum vg_rc tool_report_new(const char *url, const char *key, const char *cacert,
                           struct tool_report **out, struct vg_error *err)
{
    static const char path[] = "/api/v1/sightings";
    struct tool_report *r;
    struct vg_buf h;
    size_t ul = strlen(url);

    if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
        return vg_error_set(err, VG_INVALID, "sightings", "--sightings takes an http(s):// URL");
    if (key == NULL || *key == '\0')
        return vg_error_set(err, VG_INVALID, "key", "no key: set VIGIE_KEY (or --key)");
    if ((r = calloc(1, sizeof(*r))) == NULL)
        return vg_error_set(err, VG_NOMEM, NULL, "out of memory");
    while (ul && url[ul - 1] == '/')
        ul--;
    vg_buf_init(&r->body, 0);
    vg_buf_init(&r->answer, ANSWER_MAX);
    vg_buf_init(&h, 0);
    if ((r->url = malloc(ul + sizeof(path))) == NULL)
        goto nomem;
    memcpy(r->url, url, ul);
    r->url[ul] = '\0';
    if (ul < sizeof(path) - 1 || strcmp(r->url + ul - (sizeof(path) - 1), path) != 0)
        memcpy(r->url + ul, path, sizeof(path));
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 || (r->curl = curl_easy_init()) == NULL) {
        tool_report_free(r);
        vg_buf_cleanup(&h);
        return vg_error_set(err, VG_INTERNAL, NULL, "cannot start the HTTP client");
    }
    if (vg_buf_printf(&h, "Authorization: Bearer %s", key) != VG_OK ||
        (r->headers = curl_slist_append(NULL, h.data)) == NULL ||
        curl_slist_append(r->headers, "Content-Type: application/json") == NULL)
        goto nomem;
    vg_buf_cleanup(&h);
    if (cacert)
        curl_easy_setopt(r->curl, CURLOPT_CAINFO, cacert);
    r->last_send = vg_time_now_us();
    *out = r;
    return VG_OK;
nomem:
    vg_buf_cleanup(&h);
    tool_report_free(r);
    return vg_error_set(err, VG_NOMEM, NULL, "out of memory");
}

void tool_report_free(struct tool_report *r)
{
    size_t i;

    if (r == NULL)
        return;
    for (i = 0; i < SLOTS; i++)
        free(r->slots[i].value);
    if (r->curl) {
        curl_easy_cleanup(r->curl);
        curl_global_cleanup();
    }
    curl_slist_free_all(r->headers);
    free(r->url);
    vg_buf_cleanup(&r->body);
    vg_buf_cleanup(&r->answer);
    free(r);
}

const struct tool_report_stats *tool_report_stats(const struct tool_report *r)
{
    return &r->stats;
}

static size_t on_answer(char *p, size_t size, size_t n, void *ctx)
{
    struct vg_buf *b = ctx;

    return vg_buf_append(b, p, size * n) == VG_OK ? size * n : 0;
}

static enum vg_rc append_time(struct vg_buf *b, const char *name, int64_t us)
{
    char t[VG_TIME_TEXT_MAX];

    vg_time_format_us(us, t);
    return vg_buf_printf(b, ",\"%s\":\"%s\"", name, t);
}

enum vg_rc tool_report_flush(struct tool_report *r, struct vg_error *err)
{
    json_t *ans, *acc, *rej;
    json_error_t jerr;
    long status = 0;
    CURLcode cc;
    enum vg_rc rc;
    size_t i, k = 0;

    r->last_send = vg_time_now_us();
    if (r->n == 0)
        return VG_OK;
    vg_buf_reset(&r->body);
    rc = vg_buf_puts(&r->body, "{\"sightings\":[");
    for (i = 0; i < SLOTS && rc == VG_OK; i++) {
        struct slot *s = &r->slots[i];

        if (s->value == NULL)
            continue;
        rc = vg_buf_printf(&r->body, "%s{\"value\":", k++ ? "," : "");
        if (rc == VG_OK)
            rc = vg_buf_append(&r->body, s->value, s->len);
        if (rc == VG_OK)
            rc = vg_buf_printf(&r->body, ",\"count\":%lld", (long long)s->count);
        if (rc == VG_OK)
            rc = append_time(&r->body, "first_seen", s->first);
        if (rc == VG_OK)
            rc = append_time(&r->body, "last_seen", s->last);
        if (rc == VG_OK)
            rc = vg_buf_putc(&r->body, '}');
    }
    if (rc == VG_OK)
        rc = vg_buf_puts(&r->body, "]}");
    if (rc != VG_OK)
        return vg_error_set(err, rc, NULL, "out of memory");
    vg_buf_reset(&r->answer);
    curl_easy_setopt(r->curl, CURLOPT_URL, r->url);
    curl_easy_setopt(r->curl, CURLOPT_HTTPHEADER, r->headers);
    curl_easy_setopt(r->curl, CURLOPT_POSTFIELDS, r->body.data);
    curl_easy_setopt(r->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body.len);
    curl_easy_setopt(r->curl, CURLOPT_WRITEFUNCTION, on_answer);
    curl_easy_setopt(r->curl, CURLOPT_WRITEDATA, &r->answer);
    curl_easy_setopt(r->curl, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(r->curl, CURLOPT_TIMEOUT, 300L);
    curl_easy_setopt(r->curl, CURLOPT_NOSIGNAL, 1L);
    if ((cc = curl_easy_perform(r->curl)) != CURLE_OK)
        return vg_error_set(err, VG_IO, "sightings", "reporting sightings to %s failed: %s", r->url,
                            curl_easy_strerror(cc));
    curl_easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, &status);
    ans = json_loadb(r->answer.data ? r->answer.data : "", r->answer.len, 0, &jerr);
    if (status != 200) {
        const char *d = json_string_value(json_object_get(ans, "description"));

        rc = vg_error_set(err, status == 401 || status == 403 ? VG_AUTH : VG_IO, "sightings",
                          "reporting sightings to %s failed: HTTP %ld%s%s", r->url, status,
                          d ? ": " : "", d ? d : "");
        json_decref(ans);
        return rc;
    }
    acc = json_object_get(ans, "accepted");
    rej = json_object_get(ans, "rejected");
    if (!json_is_integer(acc) || !json_is_integer(rej)) {
        json_decref(ans);
        return vg_error_set(err, VG_IO, "sightings",
                            "reporting sightings to %s failed: the answer is not a hub's", r->url);
    }
    r->stats.accepted += (uint64_t)json_integer_value(acc);
    r->stats.rejected += (uint64_t)json_integer_value(rej);
    r->stats.batches++;
    r->stats.values += r->n;
    json_decref(ans);
    for (i = 0; i < SLOTS; i++) {
        free(r->slots[i].value);
        r->slots[i].value = NULL;
    }
    r->n = 0;
    return VG_OK;
}

enum vg_rc tool_report_hit(struct tool_report *r, const char *value, size_t len,
                           struct vg_error *err)
{
    size_t i = (size_t)(vg_fnv1a(VG_FNV_SEED, value, len) % SLOTS);
    int64_t now = vg_time_now_us();
    struct slot *s;

    r->stats.hits++;
    for (;; i = (i + 1) % SLOTS) {
        s = &r->slots[i];
        if (s->value == NULL || (s->len == len && memcmp(s->value, value, len) == 0))
            break;
    }
    if (s->value == NULL) {
        if ((s->value = malloc(len)) == NULL)
            return vg_error_set(err, VG_NOMEM, NULL, "out of memory");
        memcpy(s->value, value, len);
        s->len = len;
        s->count = 0;
        s->first = now;
        r->n++;
    }
    s->count++;
    s->last = now;
    if (r->n >= TOOL_REPORT_BATCH || s->count >= COUNT_MAX || now - r->last_send >= 1000000)
        return tool_report_flush(r, err);
    return VG_OK;
}
