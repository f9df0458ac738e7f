/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fields.c - which named field of a log line a hit lies in (see fields.h).
 */
#include "fields.h"

#include <stdlib.h>
#include <string.h>

#define JSON_DEPTH 64

enum fmt { FMT_NONE, FMT_ZEEK, FMT_CSV };

struct vg_fields {
    char want[VG_FIELDS_MAX][VG_FIELDS_NAME];
    size_t nwant;
    enum fmt fmt;
    char sep;
    unsigned char keep[VG_FIELDS_COLS]; /* per column of the file: wanted */
    size_t ncols;
};

static int wanted(const struct vg_fields *f, const char *name, size_t n)
{
    size_t i;

    for (i = 0; i < f->nwant; i++)
        if (strlen(f->want[i]) == n && memcmp(f->want[i], name, n) == 0)
            return 1;
    return 0;
}

enum vg_rc vg_fields_new(const char *list, struct vg_fields **out, struct vg_error *err)
{
    struct vg_fields *f = calloc(1, sizeof(*f));
    const char *p = list;

    if (f == NULL)
        return vg_error_set(err, VG_NOMEM, NULL, "out of memory");
    for (;;) {
        size_t n = strcspn(p, ",");

        if (n == 0 || n >= VG_FIELDS_NAME || f->nwant == VG_FIELDS_MAX) {
            free(f);
            return vg_error_set(
                err, VG_INVALID, "fields",
                "--fields takes 1 to %d names of 1 to %d bytes, separated by commas", VG_FIELDS_MAX,
                VG_FIELDS_NAME - 1);
        }
        memcpy(f->want[f->nwant++], p, n);
        if (p[n] == '\0')
            break;
        p += n + 1;
    }
    *out = f;
    return VG_OK;
}

void vg_fields_free(struct vg_fields *f)
{
    free(f);
}

/* Mark the columns of a header row (cells separated by sep, from s[0..n),
 * CSV quotes removed); returns how many are wanted. */
static size_t columns(struct vg_fields *f, const char *s, size_t n, char sep)
{
    size_t i = 0, hits = 0;

    f->ncols = 0;
    while (i <= n && f->ncols < VG_FIELDS_COLS) {
        size_t a = i, b;

        while (i < n && s[i] != sep)
            i++;
        b = i;
        while (a < b && (s[a] == ' ' || s[a] == '"'))
            a++;
        while (b > a && (s[b - 1] == ' ' || s[b - 1] == '"' || s[b - 1] == '\r'))
            b--;
        f->keep[f->ncols] = (unsigned char)wanted(f, s + a, b - a);
        hits += f->keep[f->ncols++];
        i++;
    }
    return hits;
}

void vg_fields_file(struct vg_fields *f, const char *head, size_t len)
{
    size_t i = 0;

    f->fmt = FMT_NONE;
    f->ncols = 0;
    while (i < len) {
        const char *line = head + i, *nl = memchr(line, '\n', len - i);
        size_t n = nl ? (size_t)(nl - line) : len - i;

        if (nl == NULL)
            return; /* a header cut by the end of what was read */
        i += n + 1;
        if (n >= 8 && memcmp(line, "#fields\t", 8) == 0) {
            columns(f, line + 8, n - 8, '\t');
            f->fmt = FMT_ZEEK;
            f->sep = '\t';
            return;
        }
        if (n && line[0] == '#')
            continue; /* Zeek's other header lines */
        if (n && line[0] != '{' && memchr(line, ',', n) && columns(f, line, n, ',') > 0) {
            f->fmt = FMT_CSV;
            f->sep = ',';
        }
        return; /* the first line that is no comment decides */
    }
}

int vg_fields_known(const struct vg_fields *f)
{
    return f->fmt != FMT_NONE;
}

/* The JSON key of the value at line[at]: a forward walk that follows
 * strings, escapes and nesting; -1 when at is in a key or not in a value. */
static int json_key(const char *s, size_t n, size_t at, const char **key, size_t *klen)
{
    const char *keys[JSON_DEPTH];
    size_t klens[JSON_DEPTH];
    char kind[JSON_DEPTH];
    int depth = -1, expect_key = 0, in_str = 0, str_is_key = 0;
    size_t i, start = 0;

    for (i = 0; i < n; i++) {
        char c = s[i];

        if (in_str) {
            if (i == at)
                break;
            if (c == '\\') {
                i++;
                continue;
            }
            if (c == '"') {
                in_str = 0;
                if (str_is_key && depth >= 0) {
                    keys[depth] = s + start;
                    klens[depth] = i - start;
                }
            }
            continue;
        }
        if (i == at)
            break;
        switch (c) {
        case '"':
            in_str = 1;
            str_is_key = depth >= 0 && kind[depth] == '{' && expect_key;
            start = i + 1;
            break;
        case ':':
            expect_key = 0;
            break;
        case ',':
            expect_key = depth >= 0 && kind[depth] == '{';
            break;
        case '{':
        case '[':
            if (depth + 1 == JSON_DEPTH)
                return -1;
            depth++;
            kind[depth] = c;
            /* an array's values take the key of the array */
            keys[depth] = c == '[' && depth > 0 ? keys[depth - 1] : NULL;
            klens[depth] = c == '[' && depth > 0 ? klens[depth - 1] : 0;
            expect_key = c == '{';
            break;
        case '}':
        case ']':
            if (depth >= 0)
                depth--;
            expect_key = 0;
            break;
        default:
            break;
        }
    }
    if (i != at || depth < 0 || (in_str && str_is_key) || keys[depth] == NULL)
        return -1;
    *key = keys[depth];
    *klen = klens[depth];
    return 0;
}

/* The column (0-based) of line[at] in a row separated by sep (CSV quotes
 * followed when sep is a comma). */
static size_t column_of(const char *s, size_t at, char sep)
{
    size_t i, col = 0;
    int quoted = 0;

    for (i = 0; i < at; i++) {
        if (sep == ',' && s[i] == '"')
            quoted = !quoted;
        else if (s[i] == sep && !quoted)
            col++;
    }
    return col;
}

int vg_fields_keep(const struct vg_fields *f, const char *line, size_t line_len, size_t at,
                   size_t len)
{
    size_t i = 0, col;
    const char *key;
    size_t klen;

    (void)len;
    if (at > line_len)
        return 1;
    while (i < line_len && (line[i] == ' ' || line[i] == '\t'))
        i++;
    if (i < line_len && line[i] == '{')
        return json_key(line, line_len, at, &key, &klen) == 0 && wanted(f, key, klen);
    if (f->fmt == FMT_NONE || (line_len && line[0] == '#'))
        return f->fmt == FMT_NONE;
    col = column_of(line, at, f->sep);
    return col < f->ncols && f->keep[col];
}
