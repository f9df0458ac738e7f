/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_scan.c - libFuzzer target for the log scanner (src/match).
 *
 * The input is a log.  It is scanned twice: without an index (every
 * candidate) and with a small fixed index (every hit).  Checks the contract:
 * the text of a candidate or hit lies inside the input and holds no newline;
 * line numbers agree with the newlines before the text; the scan counts all
 * newlines; the canonical form the scanner looked up is what vg_obs_parse
 * makes of it (the fast path, which skips canonicalisation for text that
 * already is canonical, must never look up anything else); and each hit is
 * what vg_index_lookup answers for that form.  The input's head is also a
 * header for `--fields` (src/match/fields.h), asked about every candidate's
 * line: any answer, never a read outside the line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "index/index.h"
#include "match/fields.h"
#include "match/match.h"

static const char *const indicators[][2] = {
    {"domain", "evil.com"},
    {"domain", "xn--bcher-kva.de"},
    {"domain", "a_b.example.net"},
    {"ipv4", "1.2.3.4"},
    {"ipv4-cidr", "10.0.0.0/8"},
    {"ipv4-cidr", "10.1.0.0/16"},
    {"ipv6", "2001:db8::1"},
    {"ipv6-cidr", "2001:db8:1::/48"},
    {"url", "http://drop.org/a"},
    {"url", "https://5.6.7.8/x?y=1"},
    {"md5", "d41d8cd98f00b204e9800998ecf8427e"},
};

static struct vg_index *idx;
static struct vg_fields *fields;

static void setup(void)
{
    struct vg_index_builder *b = vg_index_builder_new();
    struct vg_error err;
    void *img;
    size_t n, i;

    for (i = 0; b && i < sizeof(indicators) / sizeof(indicators[0]); i++) {
        struct vg_index_item it = {vg_obs_kind_from_name(indicators[i][0]),
                                   indicators[i][1],
                                   strlen(indicators[i][1]),
                                   "fuzz",
                                   VG_TLP_CLEAR,
                                   1,
                                   NULL};

        if (vg_index_builder_add(b, &it, &err) != VG_OK)
            abort();
    }
    if (vg_fields_new("query,id.resp_h,dest_ip,answers,src", &fields, &err) != VG_OK)
        abort();
    if (b == NULL || vg_index_builder_finish(b, &img, &n, &err) != VG_OK ||
        vg_index_open_mem(img, n, 0, 1, &idx, &err) != VG_OK)
        abort();
    vg_index_builder_free(b);
}

struct run {
    const uint8_t *data;
    size_t size;
    int with_index;
};

static size_t newlines(const uint8_t *p, size_t n)
{
    size_t c = 0;

    while (n--)
        c += *p++ == '\n';
    return c;
}

static int check(void *ctx, const struct vg_match_hit *h)
{
    struct run *r = ctx;
    struct vg_obs o;
    struct vg_index_hit again;

    if (h->offset > r->size || h->len > r->size - h->offset || h->len == 0)
        abort();
    if (memchr(r->data + h->offset, '\n', h->len))
        abort();
    if (h->line != newlines(r->data, h->offset))
        abort();
    if (h->canon == NULL || h->canon_len == 0)
        abort();
    /* The looked-up form is canonical: parsing it again changes nothing
     * (over-long URLs are looked up by host only; refang-like sequences in a
     * path may refang again, as fuzz_obs notes). */
    if (h->canon_len <= VG_OBS_VALUE_MAX && !memchr(h->canon, '[', h->canon_len) &&
        !memchr(h->canon, '(', h->canon_len) && !memchr(h->canon, '{', h->canon_len)) {
        if (vg_obs_parse(h->kind, h->canon, h->canon_len, &o, NULL) != VG_OK || o.kind != h->kind ||
            o.len != h->canon_len || memcmp(o.value, h->canon, o.len) != 0)
            abort();
    }
    {
        const char *start = (const char *)r->data + h->offset, *end = start + h->len;

        while (start > (const char *)r->data && start[-1] != '\n')
            start--;
        while (end < (const char *)r->data + r->size && *end != '\n')
            end++;
        (void)vg_fields_keep(fields, start, (size_t)(end - start),
                             (size_t)((const char *)r->data + h->offset - start), h->len);
    }
    if (r->with_index) {
        struct vg_index_view v;

        if (vg_index_entry(idx, h->hit.entry, &v) != VG_OK || h->hit.rule == VG_RULE_NONE)
            abort();
        if (!vg_index_lookup(idx, h->kind, h->canon, h->canon_len, &again) ||
            again.entry != h->hit.entry || again.rule != h->hit.rule)
            abort();
    } else if (h->hit.rule != VG_RULE_NONE) {
        abort();
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct run r = {data, size, 0};
    size_t nl = newlines(data, size);

    if (idx == NULL)
        setup();
    vg_fields_file(fields, (const char *)data, size);
    if (vg_match_scan(NULL, (const char *)data, size, check, &r) != nl)
        abort();
    r.with_index = 1;
    if (vg_match_scan(idx, (const char *)data, size, check, &r) != nl)
        abort();
    return 0;
}
