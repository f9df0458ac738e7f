/* SPDX-License-Identifier: Apache-2.0 */
/*
 * flat.c - readers for plain lists, CSV and MISP events, and format detection.
 *
 * Plain and CSV are streamed: bytes come from the caller's vg_read_fn in
 * chunks of FLAT_CHUNK into one input buffer, and one line (plain) or one
 * record (CSV) at a time is assembled in a second buffer, so memory stays at
 * one chunk plus a small multiple of VG_FLAT_LINE_MAX whatever the file's
 * size.  A line or record longer than VG_FLAT_LINE_MAX is rejected on its
 * own: the reader discards input up to the next newline and goes on.  For CSV that newline
 * may fall inside a quoted field; resynchronising there rather than at the
 * (unknowable) end of the quoted field bounds the damage a stray quote can
 * do to one VG_FLAT_LINE_MAX window instead of the rest of the file.
 *
 * Only the bytes a record keeps are checked: a plain line's value (its
 * comment is dropped unread) and every field of a CSV record must be UTF-8
 * without NUL bytes.  The header of a CSV file is read when the reader is
 * created, so a file without a value column fails there, before any row.
 *
 * MISP events are not streamed: MISP writes one JSON document, which is
 * loaded whole (at most FLAT_MISP_MAX bytes) with jansson rejecting duplicate
 * keys, invalid UTF-8 and NUL characters, and then walked attribute by
 * attribute.  Attribute types that do not name an indicator value (text,
 * link, regkey, ...) are skipped silently; deleted attributes and objects are
 * skipped too.  Sharing is never widened: distribution 4 without a sharing
 * group name narrows to the contributing organisation.
 *
 * vg_codec_detect answers "stix" for an input with nothing but white space,
 * so that the STIX reader reports the empty file rather than an empty plain
 * list being imported silently.
 *
 * A reader is used by one thread at a time.  vg_codec_detect is pure.
 */
#include "flat.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/buf.h"
#include "common/vtime.h"
#include "json_mem.h"

#define FLAT_CHUNK (64 * 1024)
#define FLAT_MISP_MAX ((size_t)256 * 1024 * 1024)

enum col {
    COL_VALUE,
    COL_KIND,
    COL_LABEL,
    COL_TLP,
    COL_CONFIDENCE,
    COL_FIRST_SEEN,
    COL_LAST_SEEN,
    COL_DESCRIPTION,
    COL_COUNT
};

static const char *const col_canon[COL_COUNT] = {
    "value", "kind", "label", "tlp", "confidence", "first_seen", "last_seen", "description",
};

/* Header names and aliases, case-insensitive. */
static const struct {
    enum col col;
    const char *name;
} col_names[] = {
    {COL_VALUE, "value"},
    {COL_VALUE, "indicator"},
    {COL_VALUE, "ioc"},
    {COL_VALUE, "observable"},
    {COL_KIND, "kind"},
    {COL_KIND, "type"},
    {COL_LABEL, "label"},
    {COL_LABEL, "family"},
    {COL_LABEL, "malware"},
    {COL_LABEL, "tag"},
    {COL_TLP, "tlp"},
    {COL_CONFIDENCE, "confidence"},
    {COL_FIRST_SEEN, "first_seen"},
    {COL_LAST_SEEN, "last_seen"},
    {COL_DESCRIPTION, "description"},
    {COL_DESCRIPTION, "comment"},
};

/* One field of the CSV record being assembled: bytes at text.data + off. */
struct field {
    size_t off, len;
};

struct vg_flat_reader {
    enum vg_flat_format fmt;
    vg_read_fn read;
    void *ctx;

    /* Input chunk: bytes [in_pos, in_len) not yet consumed. */
    char *in;
    size_t in_pos, in_len;
    int eof;
    long long base; /* stream offset of in[0] */
    long line;      /* newlines consumed so far */

    /* Current plain line, or the fields of the current CSV record. */
    struct vg_buf text;
    long rec_line;
    long long rec_offset;

    /* CSV */
    struct field *fields;
    size_t nfields, fields_cap;
    size_t ncols;
    long col[COL_COUNT]; /* column index, -1 if absent */
    char *col_name[COL_COUNT];

    /* MISP */
    json_t *doc;
    json_t *events; /* array of event objects (or bad elements to report) */
    size_t ev, attr, obj, oattr;
    int in_objects;
    struct vg_buf val; /* composite values rewritten ("ip|port" -> "ip:port") */

    /* A fatal error sticks: every later call answers the same. */
    enum vg_rc fatal;
    struct vg_error fatal_err;
};

/* ---- small helpers ------------------------------------------------------ */

/* White space within a line; '\n' only ever appears inside quoted CSV fields. */
static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Trim white space on both sides of s[0..*n); returns the new start. */
static char *trim(char *s, size_t *n)
{
    while (*n > 0 && is_blank(s[*n - 1]))
        (*n)--;
    while (*n > 0 && is_blank(*s)) {
        s++;
        (*n)--;
    }
    return s;
}

/*
 * Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing past
 * U+10FFFF.  NUL is reported separately by the callers, before this runs.
 */
static int utf8_valid(const char *p, size_t n)
{
    const unsigned char *s = (const unsigned char *)p;
    size_t i = 0;

    while (i < n) {
        unsigned c = s[i];
        size_t k, need;
        unsigned lo = 0x80, hi = 0xBF;

        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            need = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            if (c == 0xE0)
                lo = 0xA0;
            else if (c == 0xED)
                hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            if (c == 0xF0)
                lo = 0x90;
            else if (c == 0xF4)
                hi = 0x8F;
        } else {
            return 0;
        }
        if (n - i <= need)
            return 0;
        for (k = 1; k <= need; k++) {
            unsigned d = s[i + k];

            if (d < lo || d > hi)
                return 0;
            lo = 0x80;
            hi = 0xBF;
        }
        i += need + 1;
    }
    return 1;
}

/* Set err (which may be NULL) with a position; returns code. */
static enum vg_rc fail_at(struct vg_error *err, enum vg_rc code, long line, long long offset,
                          const char *field, const char *msg)
{
    if (err) {
        err->line = line;
        err->offset = offset;
    }
    return vg_error_set(err, code, field, "%s", msg);
}

/*
 * Timestamps: RFC 3339 (upper or lower case T and Z, or an offset +HH:MM /
 * -HH:MM, which is folded into UTC) through vg_time_parse, or a bare date
 * "YYYY-MM-DD" meaning its midnight UTC.
 */
static enum vg_rc parse_time(const char *s, size_t n, int64_t *us)
{
    char t[48];
    int64_t v, off = 0;

    if (n == 10) {
        if (!is_digit(s[0]) || s[4] != '-' || s[7] != '-')
            return VG_INVALID;
        memcpy(t, s, 10);
        memcpy(t + 10, "T00:00:00Z", 10);
        return vg_time_parse(t, 20, us);
    }
    if (n < 20 || n >= sizeof(t))
        return VG_INVALID;
    memcpy(t, s, n);
    if (t[10] == 't')
        t[10] = 'T';
    if (t[n - 1] == 'z') {
        t[n - 1] = 'Z';
    } else if (t[n - 1] != 'Z') {
        int hh, mm;

        if (n < 25 || (t[n - 6] != '+' && t[n - 6] != '-') || t[n - 3] != ':' ||
            !is_digit(t[n - 5]) || !is_digit(t[n - 4]) || !is_digit(t[n - 2]) ||
            !is_digit(t[n - 1]))
            return VG_INVALID;
        hh = (t[n - 5] - '0') * 10 + (t[n - 4] - '0');
        mm = (t[n - 2] - '0') * 10 + (t[n - 1] - '0');
        if (hh > 23 || mm > 59)
            return VG_INVALID;
        off = ((int64_t)hh * 60 + mm) * 60 * 1000000;
        if (t[n - 6] == '-')
            off = -off;
        t[n - 6] = 'Z';
        n -= 5;
    }
    if (vg_time_parse(t, n, &v) != VG_OK)
        return VG_INVALID;
    *us = v - off;
    return VG_OK;
}

static void record_init(struct vg_flat_record *rec)
{
    memset(rec, 0, sizeof(*rec));
    rec->kind = VG_OBS_NONE;
    rec->confidence = -1;
}

/* ---- input -------------------------------------------------------------- */

static long long cur_offset(const struct vg_flat_reader *r)
{
    return r->base + (long long)r->in_pos;
}

/* Make at least one unread byte available unless at end of input. */
static enum vg_rc fill(struct vg_flat_reader *r, struct vg_error *err)
{
    long n;

    if (r->in_pos < r->in_len || r->eof)
        return VG_OK;
    r->base += (long long)r->in_len;
    r->in_pos = r->in_len = 0;
    n = r->read(r->ctx, r->in, FLAT_CHUNK);
    if (n < 0 || n > FLAT_CHUNK) {
        r->eof = 1;
        return fail_at(err, VG_IO, r->line + 1, cur_offset(r), NULL, "read error");
    }
    if (n == 0)
        r->eof = 1;
    r->in_len = (size_t)n;
    return VG_OK;
}

/*
 * At the start of a stream: read until three bytes are buffered (or the
 * input ends), however small the callback's reads, and skip a UTF-8 BOM.
 */
static enum vg_rc skip_bom(struct vg_flat_reader *r, struct vg_error *err)
{
    while (r->in_len < 3 && !r->eof) {
        long n = r->read(r->ctx, r->in + r->in_len, FLAT_CHUNK - r->in_len);

        if (n < 0 || (size_t)n > FLAT_CHUNK - r->in_len) {
            r->eof = 1;
            return fail_at(err, VG_IO, 1, 0, NULL, "read error");
        }
        if (n == 0)
            r->eof = 1;
        r->in_len += (size_t)n;
    }
    if (r->in_len >= 3 && memcmp(r->in, "\xEF\xBB\xBF", 3) == 0)
        r->in_pos = 3;
    return VG_OK;
}

/* ---- plain -------------------------------------------------------------- */

/*
 * Next physical line into r->text, without its '\n'.  *got is 0 at end of
 * input.  Past VG_FLAT_LINE_MAX (+1 for a CR) the bytes are dropped and
 * *too_long is set, but the line is still consumed up to its newline.
 */
static enum vg_rc read_line(struct vg_flat_reader *r, int *got, int *too_long, struct vg_error *err)
{
    int seen = 0;
    enum vg_rc rc;

    vg_buf_reset(&r->text);
    *got = *too_long = 0;
    r->rec_line = r->line + 1;
    r->rec_offset = cur_offset(r);
    for (;;) {
        const char *p, *nl;
        size_t n, take;

        if ((rc = fill(r, err)) != VG_OK)
            return rc;
        if (r->in_pos == r->in_len) {
            *got = seen;
            return VG_OK;
        }
        p = r->in + r->in_pos;
        n = r->in_len - r->in_pos;
        nl = memchr(p, '\n', n);
        take = nl ? (size_t)(nl - p) : n;
        seen = 1;
        if (!*too_long) {
            if (take > VG_FLAT_LINE_MAX + 1 - r->text.len) {
                *too_long = 1;
                vg_buf_reset(&r->text);
            } else if ((rc = vg_buf_append(&r->text, p, take)) != VG_OK) {
                return fail_at(err, VG_NOMEM, r->rec_line, r->rec_offset, NULL, "out of memory");
            }
        }
        r->in_pos += take + (nl != NULL);
        if (nl) {
            r->line++;
            *got = 1;
            return VG_OK;
        }
    }
}

static enum vg_rc plain_next(struct vg_flat_reader *r, struct vg_flat_record *rec,
                             struct vg_error *err)
{
    char msg[96];
    enum vg_rc rc;

    for (;;) {
        int got, too_long;
        size_t n, i;
        char *s;

        if ((rc = read_line(r, &got, &too_long, err)) != VG_OK)
            return rc;
        if (!got)
            return VG_NOT_FOUND;
        rec->line = r->rec_line;
        s = r->text.data;
        n = r->text.len;
        if (n > 0 && s[n - 1] == '\r')
            n--;
        if (too_long || n > VG_FLAT_LINE_MAX) {
            snprintf(msg, sizeof(msg), "line %ld is longer than %d bytes", r->rec_line,
                     VG_FLAT_LINE_MAX);
            return fail_at(err, VG_INVALID, r->rec_line, r->rec_offset, NULL, msg);
        }
        /* A comment starts at '#' opening the line or following white space;
         * a '#' inside a value (a URL fragment) is part of the value. */
        for (i = 0; i < n; i++) {
            if (s[i] == '#' && (i == 0 || is_blank(s[i - 1]))) {
                n = i;
                break;
            }
        }
        s = trim(s, &n);
        if (n == 0)
            continue;
        if (memchr(s, '\0', n)) {
            snprintf(msg, sizeof(msg), "NUL byte at line %ld", r->rec_line);
            return fail_at(err, VG_INVALID, r->rec_line, r->rec_offset, NULL, msg);
        }
        if (!utf8_valid(s, n)) {
            snprintf(msg, sizeof(msg), "invalid UTF-8 at line %ld", r->rec_line);
            return fail_at(err, VG_INVALID, r->rec_line, r->rec_offset, NULL, msg);
        }
        s[n] = '\0';
        rec->value = s;
        rec->len = n;
        return VG_OK;
    }
}

/* ---- CSV ---------------------------------------------------------------- */

enum csv_state {
    CSV_START,  /* at a field's start; only blanks so far */
    CSV_PLAIN,  /* inside an unquoted field */
    CSV_QUOTED, /* inside a quoted field */
    CSV_QUOTE,  /* a quote inside a quoted field: closing, or the first of two */
    CSV_AFTER,  /* after a closing quote; only blanks may follow */
    CSV_SKIP    /* over-long record: discarding up to the next newline */
};

struct csv_flags {
    int too_long, unterminated, stray, quoted;
};

static enum vg_rc field_open(struct vg_flat_reader *r)
{
    if (r->nfields == r->fields_cap) {
        size_t cap = r->fields_cap ? r->fields_cap * 2 : 16;
        struct field *f = realloc(r->fields, cap * sizeof(*f));

        if (f == NULL)
            return VG_NOMEM;
        r->fields = f;
        r->fields_cap = cap;
    }
    r->fields[r->nfields].off = r->text.len;
    r->fields[r->nfields].len = 0;
    r->nfields++;
    return VG_OK;
}

/* Close the open field; a CR just before the record's LF is not data. */
static enum vg_rc field_close(struct vg_flat_reader *r, int strip_cr)
{
    struct field *f = &r->fields[r->nfields - 1];

    f->len = r->text.len - f->off;
    if (strip_cr && f->len > 0 && r->text.data[f->off + f->len - 1] == '\r')
        f->len--;
    return vg_buf_putc(&r->text, '\0');
}

/*
 * Next CSV record (RFC 4180) into r->fields.  Quoted fields may span lines;
 * the record's raw size is bounded by VG_FLAT_LINE_MAX.  Beyond RFC 4180,
 * blanks around a quoted field are allowed and a quote inside an unquoted
 * field is kept as data; other text after a closing quote sets fl->stray.
 */
static enum vg_rc read_record(struct vg_flat_reader *r, int *got, struct csv_flags *fl,
                              struct vg_error *err)
{
    enum csv_state st = CSV_START;
    size_t raw = 0;
    int seen = 0;
    char prev = 0;
    enum vg_rc rc;

    vg_buf_reset(&r->text);
    r->nfields = 0;
    memset(fl, 0, sizeof(*fl));
    *got = 0;
    r->rec_line = r->line + 1;
    r->rec_offset = cur_offset(r);
    if (field_open(r) != VG_OK)
        goto nomem;
    for (;;) {
        int ends;
        char c;

        if ((rc = fill(r, err)) != VG_OK)
            return rc;
        if (r->in_pos == r->in_len) {
            if (!seen)
                return VG_OK;
            if (st == CSV_QUOTED)
                fl->unterminated = 1;
            if (field_close(r, 0) != VG_OK)
                goto nomem;
            break;
        }
        c = r->in[r->in_pos++];
        seen = 1;
        if (c == '\n')
            r->line++;
        if (st == CSV_SKIP) {
            if (c == '\n')
                break;
            continue;
        }
        /* The record's size: every byte but its final LF (or CR LF). */
        ends = c == '\n' && st != CSV_QUOTED;
        if (ends && prev == '\r')
            raw--;
        else if (!ends)
            raw++;
        prev = c;
        if (raw > VG_FLAT_LINE_MAX + 1) {
            fl->too_long = 1;
            st = CSV_SKIP;
            if (c == '\n') /* a quoted field's newline ends the window */
                break;
            continue;
        }
        switch (st) {
        case CSV_START:
            if (c == '"') {
                /* Blanks before an opening quote are not data. */
                r->text.len = r->fields[r->nfields - 1].off;
                st = CSV_QUOTED;
                fl->quoted = 1;
                continue;
            }
            if (c == ',' || c == '\n')
                break;
            if (vg_buf_putc(&r->text, c) != VG_OK)
                goto nomem;
            if (c != ' ' && c != '\t')
                st = CSV_PLAIN;
            continue;
        case CSV_PLAIN:
            if (c == ',' || c == '\n')
                break;
            if (vg_buf_putc(&r->text, c) != VG_OK)
                goto nomem;
            continue;
        case CSV_QUOTED:
            if (c == '"') {
                st = CSV_QUOTE;
            } else if (vg_buf_putc(&r->text, c) != VG_OK) {
                goto nomem;
            }
            continue;
        case CSV_QUOTE:
            if (c == '"') {
                if (vg_buf_putc(&r->text, c) != VG_OK)
                    goto nomem;
                st = CSV_QUOTED;
                continue;
            }
            st = CSV_AFTER;
            /* fall through */
        case CSV_AFTER:
            if (c == ',' || c == '\n')
                break;
            if (!is_blank(c)) {
                fl->stray = 1;
                st = CSV_PLAIN;
            }
            continue;
        case CSV_SKIP:
            continue;
        }
        /* c ends the field: ',' or '\n'.  A CR before the LF is data only
         * inside quotes. */
        if (field_close(r, c == '\n' && st != CSV_AFTER) != VG_OK)
            goto nomem;
        if (c == '\n')
            break;
        if (field_open(r) != VG_OK)
            goto nomem;
        st = CSV_START;
    }
    if (raw > VG_FLAT_LINE_MAX)
        fl->too_long = 1;
    *got = 1;
    return VG_OK;
nomem:
    return fail_at(err, VG_NOMEM, r->rec_line, r->rec_offset, NULL, "out of memory");
}

/*
 * Field i of the current record, trimmed and NUL-terminated in place.  The
 * field is narrowed to the trimmed text so that a second call (and the NUL
 * check) sees the same bytes.
 */
static char *csv_field(struct vg_flat_reader *r, size_t i, size_t *n)
{
    struct field *f = &r->fields[i];
    char *start = r->text.data + f->off, *s;

    *n = f->len;
    s = trim(start, n);
    s[*n] = '\0';
    f->off += (size_t)(s - start);
    f->len = *n;
    return s;
}

static int csv_blank(struct vg_flat_reader *r, const struct csv_flags *fl)
{
    size_t n;

    if (r->nfields != 1 || fl->quoted || fl->too_long || fl->unterminated || fl->stray)
        return 0;
    csv_field(r, 0, &n);
    return n == 0;
}

/* Reject the current record: reason on the field named by column c. */
static enum vg_rc csv_reject(struct vg_flat_reader *r, enum col c, struct vg_error *err,
                             const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static enum vg_rc csv_reject(struct vg_flat_reader *r, enum col c, struct vg_error *err,
                             const char *fmt, ...)
{
    char msg[VG_ERROR_MSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return fail_at(err, VG_INVALID, r->rec_line, r->rec_offset, r->col_name[c], msg);
}

/* Structural checks shared by the header and the rows. */
static enum vg_rc csv_check(struct vg_flat_reader *r, const struct csv_flags *fl,
                            struct vg_error *err)
{
    char msg[128];
    size_t i;

    if (fl->too_long) {
        snprintf(msg, sizeof(msg), "record at line %ld is longer than %d bytes", r->rec_line,
                 VG_FLAT_LINE_MAX);
        return fail_at(err, VG_INVALID, r->rec_line, r->rec_offset, NULL, msg);
    }
    if (fl->unterminated) {
        snprintf(msg, sizeof(msg), "quoted field opened at line %ld is not closed", r->rec_line);
        return fail_at(err, VG_INVALID, r->rec_line, r->rec_offset, NULL, msg);
    }
    if (fl->stray) {
        snprintf(msg, sizeof(msg), "text after a closing quote at line %ld", r->rec_line);
        return fail_at(err, VG_INVALID, r->rec_line, r->rec_offset, NULL, msg);
    }
    for (i = 0; i < r->nfields; i++) {
        const char *s = r->text.data + r->fields[i].off;

        if (memchr(s, '\0', r->fields[i].len)) {
            snprintf(msg, sizeof(msg), "NUL byte at line %ld", r->rec_line);
            return fail_at(err, VG_INVALID, r->rec_line, r->rec_offset, NULL, msg);
        }
        if (!utf8_valid(s, r->fields[i].len)) {
            snprintf(msg, sizeof(msg), "invalid UTF-8 at line %ld", r->rec_line);
            return fail_at(err, VG_INVALID, r->rec_line, r->rec_offset, NULL, msg);
        }
    }
    return VG_OK;
}

static enum vg_rc csv_header(struct vg_flat_reader *r, struct vg_error *err)
{
    struct csv_flags fl;
    char msg[VG_ERROR_MSG_MAX];
    enum vg_rc rc;
    size_t i, k;
    int got;

    do {
        if ((rc = read_record(r, &got, &fl, err)) != VG_OK)
            return rc;
        if (!got)
            return fail_at(err, VG_INVALID, 0, -1, NULL, "empty input: a CSV file needs a header");
    } while (csv_blank(r, &fl));
    if ((rc = csv_check(r, &fl, err)) != VG_OK) {
        snprintf(msg, sizeof(msg), "CSV header: %.200s", err ? err->msg : "");
        return fail_at(err, VG_INVALID, r->rec_line, r->rec_offset, NULL, msg);
    }
    r->ncols = r->nfields;
    for (i = 0; i < r->nfields; i++) {
        size_t n;
        char *name = csv_field(r, i, &n);

        for (k = 0; k < sizeof(col_names) / sizeof(col_names[0]); k++) {
            enum col c = col_names[k].col;

            if (strcasecmp(name, col_names[k].name) != 0)
                continue;
            if (r->col[c] >= 0) {
                snprintf(msg, sizeof(msg), "CSV header: columns '%.60s' and '%.60s' are both %s",
                         r->col_name[c], name, col_canon[c]);
                return fail_at(err, VG_INVALID, r->rec_line, r->rec_offset, name, msg);
            }
            r->col[c] = (long)i;
            if ((r->col_name[c] = strdup(name)) == NULL)
                return fail_at(err, VG_NOMEM, r->rec_line, r->rec_offset, NULL, "out of memory");
            break;
        }
    }
    if (r->col[COL_VALUE] < 0)
        return fail_at(err, VG_INVALID, r->rec_line, r->rec_offset, "value",
                       "CSV header has no value column (value, indicator, ioc or observable)");
    return VG_OK;
}

static enum vg_rc csv_next(struct vg_flat_reader *r, struct vg_flat_record *rec,
                           struct vg_error *err)
{
    struct csv_flags fl;
    char msg[96], *s;
    enum vg_rc rc;
    size_t n;
    int got;

    do {
        if ((rc = read_record(r, &got, &fl, err)) != VG_OK)
            return rc;
        if (!got)
            return VG_NOT_FOUND;
    } while (csv_blank(r, &fl));
    rec->line = r->rec_line;
    if ((rc = csv_check(r, &fl, err)) != VG_OK)
        return rc;
    if (r->nfields != r->ncols) {
        snprintf(msg, sizeof(msg), "line %ld has %zu fields, the header %zu", r->rec_line,
                 r->nfields, r->ncols);
        return fail_at(err, VG_INVALID, r->rec_line, r->rec_offset, NULL, msg);
    }

    s = csv_field(r, (size_t)r->col[COL_VALUE], &n);
    if (n == 0)
        return csv_reject(r, COL_VALUE, err, "empty value");
    rec->value = s;
    rec->len = n;
    rec->field = r->col_name[COL_VALUE];
    if (r->col[COL_KIND] >= 0 && (s = csv_field(r, (size_t)r->col[COL_KIND], &n), n > 0)) {
        rec->kind = vg_obs_kind_from_name(s);
        if (rec->kind == VG_OBS_NONE)
            return csv_reject(r, COL_KIND, err, "unknown kind '%.60s'", s);
    }
    if (r->col[COL_LABEL] >= 0 && (s = csv_field(r, (size_t)r->col[COL_LABEL], &n), n > 0))
        rec->label = s;
    if (r->col[COL_DESCRIPTION] >= 0 &&
        (s = csv_field(r, (size_t)r->col[COL_DESCRIPTION], &n), n > 0))
        rec->description = s;
    if (r->col[COL_TLP] >= 0 && (s = csv_field(r, (size_t)r->col[COL_TLP], &n), n > 0)) {
        if (vg_tlp_from_name(s, &rec->tlp) != VG_OK)
            return csv_reject(r, COL_TLP, err,
                              "'%.60s' is not a TLP level (clear, green, amber, amber+strict, red)",
                              s);
        rec->has_tlp = 1;
    }
    if (r->col[COL_CONFIDENCE] >= 0 &&
        (s = csv_field(r, (size_t)r->col[COL_CONFIDENCE], &n), n > 0)) {
        int v = 0;
        size_t i;

        /* One to three digits: "7", "07", "100". */
        for (i = 0; i < n && i < 3 && is_digit(s[i]); i++)
            v = v * 10 + (s[i] - '0');
        if (i != n || v > 100)
            return csv_reject(r, COL_CONFIDENCE, err, "'%.60s' is not a confidence from 0 to 100",
                              s);
        rec->confidence = v;
    }
    if (r->col[COL_FIRST_SEEN] >= 0 &&
        (s = csv_field(r, (size_t)r->col[COL_FIRST_SEEN], &n), n > 0) &&
        parse_time(s, n, &rec->first_seen_us) != VG_OK)
        return csv_reject(r, COL_FIRST_SEEN, err, "'%.60s' is not an RFC 3339 time or a date", s);
    if (r->col[COL_LAST_SEEN] >= 0 &&
        (s = csv_field(r, (size_t)r->col[COL_LAST_SEEN], &n), n > 0) &&
        parse_time(s, n, &rec->last_seen_us) != VG_OK)
        return csv_reject(r, COL_LAST_SEEN, err, "'%.60s' is not an RFC 3339 time or a date", s);
    return VG_OK;
}

/* ---- MISP --------------------------------------------------------------- */

enum misp_part {
    PART_WHOLE,    /* the value as it is */
    PART_LEFT,     /* before the first '|' (domain|ip) */
    PART_RIGHT,    /* after the last '|' (filename|sha256) */
    PART_HOSTPORT, /* "host|port" -> "host:port", "[ip6]:port" */
};

/* MISP attribute types that carry an indicator value; VG_OBS_NONE with an
 * address type means "IPv4 or IPv6, address or range, as written". */
static const struct {
    const char *type;
    enum vg_obs_kind kind;
    enum misp_part part;
    int ip;
} misp_types[] = {
    {"ip-src", VG_OBS_NONE, PART_WHOLE, 1},
    {"ip-dst", VG_OBS_NONE, PART_WHOLE, 1},
    {"ip-src|port", VG_OBS_NONE, PART_HOSTPORT, 1},
    {"ip-dst|port", VG_OBS_NONE, PART_HOSTPORT, 1},
    {"domain", VG_OBS_DOMAIN, PART_WHOLE, 0},
    {"hostname", VG_OBS_DOMAIN, PART_WHOLE, 0},
    {"domain|ip", VG_OBS_DOMAIN, PART_LEFT, 0},
    {"hostname|port", VG_OBS_DOMAIN, PART_HOSTPORT, 0},
    {"url", VG_OBS_URL, PART_WHOLE, 0},
    {"email", VG_OBS_EMAIL, PART_WHOLE, 0},
    {"email-src", VG_OBS_EMAIL, PART_WHOLE, 0},
    {"email-dst", VG_OBS_EMAIL, PART_WHOLE, 0},
    {"md5", VG_OBS_MD5, PART_WHOLE, 0},
    {"sha1", VG_OBS_SHA1, PART_WHOLE, 0},
    {"sha256", VG_OBS_SHA256, PART_WHOLE, 0},
    {"sha512", VG_OBS_SHA512, PART_WHOLE, 0},
    {"filename|md5", VG_OBS_MD5, PART_RIGHT, 0},
    {"filename|sha1", VG_OBS_SHA1, PART_RIGHT, 0},
    {"filename|sha256", VG_OBS_SHA256, PART_RIGHT, 0},
    {"filename|sha512", VG_OBS_SHA512, PART_RIGHT, 0},
};

static enum vg_rc misp_load(struct vg_flat_reader *r, struct vg_error *err)
{
    struct vg_buf raw;
    json_error_t jerr;
    json_t *root, *e, *resp;
    size_t skip = 0, i;
    enum vg_rc rc = VG_INTERNAL;

    vg_buf_init(&raw, FLAT_MISP_MAX);
    for (;;) {
        long n = r->read(r->ctx, r->in, FLAT_CHUNK);

        if (n < 0 || n > FLAT_CHUNK) {
            rc = fail_at(err, VG_IO, 0, (long long)raw.len, NULL, "read error");
            goto out;
        }
        if (n == 0)
            break;
        rc = vg_buf_append(&raw, r->in, (size_t)n);
        if (rc == VG_LIMIT) {
            rc = fail_at(err, VG_LIMIT, 0, (long long)raw.len, NULL,
                         "MISP document larger than 256 MiB");
            goto out;
        }
        if (rc != VG_OK) {
            rc = fail_at(err, VG_NOMEM, 0, -1, NULL, "out of memory");
            goto out;
        }
        r->base += n;
    }
    if (raw.len >= 3 && memcmp(raw.data, "\xEF\xBB\xBF", 3) == 0)
        skip = 3;
    if (raw.len == skip) {
        rc = fail_at(err, VG_INVALID, 0, -1, NULL, "empty input: no MISP document");
        goto out;
    }
    vg_json_watch_begin();
    root = json_loadb(raw.data + skip, raw.len - skip, JSON_REJECT_DUPLICATES, &jerr);
    if (vg_json_watch_oom()) { /* the document may have lost bytes: json_mem.h */
        json_decref(root);
        root = NULL;
        rc = vg_error_set(err, VG_NOMEM, NULL, "out of memory reading the MISP document");
        goto out;
    }
    if (root == NULL) {
        char msg[VG_ERROR_MSG_MAX];

        snprintf(msg, sizeof(msg), "not a valid JSON document: %s", jerr.text);
        rc = fail_at(err, VG_INVALID, jerr.line > 0 ? jerr.line : 0,
                     jerr.position >= 0 ? (long long)jerr.position + (long long)skip : -1, NULL,
                     msg);
        goto out;
    }
    r->doc = root;
    if ((r->events = json_array()) == NULL) {
        rc = fail_at(err, VG_NOMEM, 0, -1, NULL, "out of memory");
        goto out;
    }
    /* Find the events: {"Event": {...}}, {"response": [{"Event": {...}}, ...]},
     * {"response": {"Attribute": [...]}} (an attribute search), a bare array
     * of events (wrapped or not) or one bare event. */
    resp = NULL;
    if (json_is_object(root) && (e = json_object_get(root, "Event")) != NULL) {
        if (!json_is_object(e)) {
            rc = fail_at(err, VG_INVALID, 0, -1, "Event", "MISP: Event is not an object");
            goto out;
        }
        rc = json_array_append(r->events, e) ? VG_NOMEM : VG_OK;
    } else if (json_is_object(root) && (resp = json_object_get(root, "response")) != NULL) {
        if (json_is_object(resp) && (e = json_object_get(resp, "Event")) != NULL)
            resp = e;
        if (json_is_object(resp)) {
            rc = json_array_append(r->events, resp) ? VG_NOMEM : VG_OK;
            resp = NULL;
        } else if (!json_is_array(resp)) {
            rc = fail_at(err, VG_INVALID, 0, -1, "response",
                         "MISP: response is not an array of events");
            goto out;
        }
    } else if (json_is_array(root)) {
        resp = root;
    } else if (json_is_object(root) && (json_object_get(root, "Attribute") != NULL ||
                                        json_object_get(root, "Object") != NULL)) {
        rc = json_array_append(r->events, root) ? VG_NOMEM : VG_OK;
    } else {
        rc = fail_at(err, VG_INVALID, 0, -1, NULL,
                     "not a MISP event: expected {\"Event\": ...} or {\"response\": [...]}");
        goto out;
    }
    if (resp) {
        rc = VG_OK;
        for (i = 0; i < json_array_size(resp) && rc == VG_OK; i++) {
            json_t *el = json_array_get(resp, i), *inner = json_object_get(el, "Event");

            rc = json_array_append(r->events, inner ? inner : el) ? VG_NOMEM : VG_OK;
        }
    }
    if (rc != VG_OK)
        rc = fail_at(err, VG_NOMEM, 0, -1, NULL, "out of memory");
out:
    vg_buf_cleanup(&raw);
    return rc;
}

static const char *jstr(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);

    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* MISP writes booleans and numbers as JSON values or as strings. */
static int jtrue(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    const char *s = json_is_string(v) ? json_string_value(v) : NULL;

    return json_is_true(v) || (json_is_integer(v) && json_integer_value(v) != 0) ||
           (s && (strcmp(s, "1") == 0 || strcasecmp(s, "true") == 0));
}

/* Distribution 0-5 from o; -1 when absent or null, -2 when malformed. */
static int distribution(const json_t *o)
{
    const json_t *v = json_object_get(o, "distribution");
    const char *s;

    if (v == NULL || json_is_null(v))
        return -1;
    if (json_is_integer(v))
        return json_integer_value(v) >= 0 && json_integer_value(v) <= 5 ? (int)json_integer_value(v)
                                                                        : -2;
    s = json_is_string(v) ? json_string_value(v) : NULL;
    if (s == NULL || s[0] < '0' || s[0] > '5' || s[1] != '\0')
        return -2;
    return s[0] - '0';
}

/*
 * tlp:* tags (the narrowest one wins) and, when label is not NULL, the first
 * other tag.  Tags are objects with a "name"; MISP exports them as "Tag".
 */
static void scan_tags(const json_t *o, int *has_tlp, enum vg_tlp *tlp, const char **label)
{
    const json_t *tags = json_object_get(o, "Tag");
    size_t i;

    for (i = 0; i < json_array_size(tags); i++) {
        const char *name = jstr(json_array_get(tags, i), "name");
        enum vg_tlp t;

        if (name == NULL || name[0] == '\0')
            continue;
        if (strncasecmp(name, "tlp:", 4) == 0) {
            if (vg_tlp_from_name(name, &t) == VG_OK && (!*has_tlp || t > *tlp)) {
                *tlp = t;
                *has_tlp = 1;
            }
        } else if (label && *label == NULL) {
            *label = name;
        }
    }
}

/* "attribute <uuid>" or "event E attribute A" (1-based), for messages. */
static void misp_where(const struct vg_flat_reader *r, const json_t *a, char *out, size_t cap)
{
    const char *uuid = jstr(a, "uuid");

    if (uuid && strlen(uuid) <= 64)
        snprintf(out, cap, "attribute %s", uuid);
    else if (r->in_objects)
        snprintf(out, cap, "event %zu object %zu attribute %zu", r->ev + 1, r->obj + 1, r->oattr);
    else
        snprintf(out, cap, "event %zu attribute %zu", r->ev + 1, r->attr);
}

static enum vg_rc misp_reject(const struct vg_flat_reader *r, const json_t *a, const char *field,
                              const char *what, struct vg_error *err)
{
    char where[128];

    misp_where(r, a, where, sizeof(where));
    if (err) {
        err->line = 0;
        err->offset = -1;
    }
    return vg_error_set(err, VG_INVALID, field, "%s: %s", where, what);
}

/*
 * One attribute a of event ev (inside object ob, or NULL) into rec.  Returns
 * VG_OK, VG_INVALID, VG_NOT_FOUND for an attribute to skip silently, or
 * VG_NOMEM.
 */
static enum vg_rc misp_attr(struct vg_flat_reader *r, const json_t *ev, const json_t *ob,
                            const json_t *a, struct vg_flat_record *rec, struct vg_error *err)
{
    const char *type, *value, *s, *bar;
    const json_t *lvl[3] = {a, ob, ev}, *from = NULL, *ts;
    size_t i, n, t;
    int dist = -1;

    if (!json_is_object(a))
        return misp_reject(r, a, "Attribute", "not an object", err);
    if (jtrue(a, "deleted"))
        return VG_NOT_FOUND;
    if ((type = jstr(a, "type")) == NULL)
        return misp_reject(r, a, "type", "type is missing or not a string", err);
    for (t = 0; t < sizeof(misp_types) / sizeof(misp_types[0]); t++) {
        if (strcasecmp(type, misp_types[t].type) == 0)
            break;
    }
    if (t == sizeof(misp_types) / sizeof(misp_types[0]))
        return VG_NOT_FOUND;
    if ((value = jstr(a, "value")) == NULL)
        return misp_reject(r, a, "value", "value is missing or not a string", err);
    n = strlen(value);
    rec->kind = misp_types[t].kind;
    switch (misp_types[t].part) {
    case PART_WHOLE:
        if (misp_types[t].ip) {
            int v6 = strchr(value, ':') != NULL, cidr = strchr(value, '/') != NULL;

            rec->kind = cidr ? (v6 ? VG_OBS_CIDR6 : VG_OBS_CIDR4) : v6 ? VG_OBS_IPV6 : VG_OBS_IPV4;
        }
        break;
    case PART_LEFT:
    case PART_RIGHT:
        bar = misp_types[t].part == PART_LEFT ? strchr(value, '|') : strrchr(value, '|');
        if (bar == NULL)
            return misp_reject(r, a, "value", "composite value without '|'", err);
        if (misp_types[t].part == PART_LEFT) {
            n = (size_t)(bar - value);
        } else {
            n -= (size_t)(bar + 1 - value);
            value = bar + 1;
        }
        /* Copied so that the part is NUL-terminated. */
        vg_buf_reset(&r->val);
        if (vg_buf_append(&r->val, value, n) != VG_OK)
            return vg_error_set(err, VG_NOMEM, NULL, "out of memory");
        value = r->val.data;
        break;
    case PART_HOSTPORT: {
        unsigned long port = 0;
        size_t hl;
        int v6;

        if ((bar = strrchr(value, '|')) == NULL)
            return misp_reject(r, a, "value", "composite value without '|'", err);
        hl = (size_t)(bar - value);
        if (hl == 0)
            return misp_reject(r, a, "value", "empty value", err);
        for (s = bar + 1; is_digit(*s) && port <= 65535; s++)
            port = port * 10 + (unsigned long)(*s - '0');
        if (*s != '\0' || s == bar + 1 || port == 0 || port > 65535)
            return misp_reject(r, a, "value", "the port is not a number from 1 to 65535", err);
        /* The ingest layer splits "host:port" and "[ip6]:port". */
        v6 = memchr(value, ':', hl) != NULL;
        vg_buf_reset(&r->val);
        if (vg_buf_printf(&r->val, "%s%.*s%s:%lu", v6 ? "[" : "", (int)hl, value, v6 ? "]" : "",
                          port) != VG_OK)
            return vg_error_set(err, VG_NOMEM, NULL, "out of memory");
        value = r->val.data;
        n = r->val.len;
        if (misp_types[t].ip)
            rec->kind = v6 ? VG_OBS_IPV6 : VG_OBS_IPV4;
        break;
    }
    }
    if (n == 0)
        return misp_reject(r, a, "value", "empty value", err);
    rec->value = value;
    rec->len = n;
    rec->field = "value";

    /* Audience: the attribute's distribution, 5 (inherit) or absent deferring
     * to its object's and then its event's. */
    for (i = 0; i < 3; i++) {
        int d;

        if (lvl[i] == NULL)
            continue;
        d = distribution(lvl[i]);
        if (d == -2)
            return misp_reject(r, a, "distribution", "distribution is not a number from 0 to 5",
                               err);
        if (d >= 0 && d != 5) {
            dist = d;
            from = lvl[i];
            break;
        }
    }
    if (dist == 0) {
        rec->org_only = 1;
    } else if (dist == 4) {
        const char *g = jstr(json_object_get(from, "SharingGroup"), "name");

        if (g && g[0])
            rec->group_name = g;
        else
            rec->org_only = 1; /* a sharing group we cannot name: narrow, never widen */
    }

    scan_tags(a, &rec->has_tlp, &rec->tlp, &rec->label);
    if (!rec->has_tlp)
        scan_tags(ev, &rec->has_tlp, &rec->tlp, NULL);

    rec->uuid = jstr(a, "uuid");
    if ((s = jstr(a, "comment")) != NULL && s[0])
        rec->description = s;
    if ((s = jstr(a, "first_seen")) != NULL && s[0] &&
        parse_time(s, strlen(s), &rec->first_seen_us) != VG_OK)
        return misp_reject(r, a, "first_seen", "first_seen is not an RFC 3339 time", err);
    if ((s = jstr(a, "last_seen")) != NULL && s[0] &&
        parse_time(s, strlen(s), &rec->last_seen_us) != VG_OK)
        return misp_reject(r, a, "last_seen", "last_seen is not an RFC 3339 time", err);
    ts = json_object_get(a, "timestamp");
    if (rec->first_seen_us == 0 && ts && !json_is_null(ts)) {
        long long secs = 0;

        if (json_is_integer(ts)) {
            secs = json_integer_value(ts);
        } else if ((s = json_is_string(ts) ? json_string_value(ts) : NULL) != NULL && s[0]) {
            for (i = 0; is_digit(s[i]) && i < 12; i++)
                secs = secs * 10 + (s[i] - '0');
            if (s[i] != '\0')
                secs = -1;
        } else {
            secs = -1;
        }
        /* Up to year 9999, what vg_time_format_us can write. */
        if (secs < 0 || secs > 253402300799LL)
            return misp_reject(r, a, "timestamp", "timestamp is not Unix seconds", err);
        rec->first_seen_us = (int64_t)secs * 1000000;
    }
    return VG_OK;
}

static enum vg_rc misp_next(struct vg_flat_reader *r, struct vg_flat_record *rec,
                            struct vg_error *err)
{
    char msg[96];

    for (;;) {
        const json_t *ev, *list, *ob = NULL, *a;
        enum vg_rc rc;

        if (r->ev >= json_array_size(r->events))
            return VG_NOT_FOUND;
        ev = json_array_get(r->events, r->ev);
        if (!json_is_object(ev)) {
            r->ev++;
            snprintf(msg, sizeof(msg), "event %zu is not an object", r->ev);
            return fail_at(err, VG_INVALID, 0, -1, "Event", msg);
        }
        if (!r->in_objects) {
            list = json_object_get(ev, "Attribute");
            if (list && !json_is_array(list) && !json_is_null(list) && r->attr == 0) {
                r->attr = 1; /* report once, then go on with the objects */
                snprintf(msg, sizeof(msg), "event %zu: Attribute is not an array", r->ev + 1);
                return fail_at(err, VG_INVALID, 0, -1, "Attribute", msg);
            }
            if (r->attr >= json_array_size(list)) {
                r->in_objects = 1;
                r->obj = r->oattr = 0;
                continue;
            }
            a = json_array_get(list, r->attr++);
        } else {
            list = json_object_get(ev, "Object");
            if (r->obj >= json_array_size(list)) {
                if (list && !json_is_array(list) && !json_is_null(list) && r->obj == 0) {
                    r->obj = 1;
                    snprintf(msg, sizeof(msg), "event %zu: Object is not an array", r->ev + 1);
                    return fail_at(err, VG_INVALID, 0, -1, "Object", msg);
                }
                r->ev++;
                r->attr = 0;
                r->in_objects = 0;
                continue;
            }
            ob = json_array_get(list, r->obj);
            if (!json_is_object(ob)) {
                r->obj++;
                snprintf(msg, sizeof(msg), "event %zu: object %zu is not an object", r->ev + 1,
                         r->obj);
                return fail_at(err, VG_INVALID, 0, -1, "Object", msg);
            }
            list = json_object_get(ob, "Attribute");
            if (jtrue(ob, "deleted") || r->oattr >= json_array_size(list)) {
                r->obj++;
                r->oattr = 0;
                continue;
            }
            a = json_array_get(list, r->oattr++);
        }
        record_init(rec);
        rc = misp_attr(r, ev, ob, a, rec, err);
        if (rc == VG_NOT_FOUND)
            continue;
        return rc;
    }
}

/* ---- public API --------------------------------------------------------- */

enum vg_rc vg_flat_reader_new(enum vg_flat_format fmt, vg_read_fn read, void *ctx,
                              struct vg_flat_reader **out, struct vg_error *err)
{
    struct vg_flat_reader *r;
    enum vg_rc rc;
    int i;

    assert(read != NULL && out != NULL);
    *out = NULL;
    if (fmt != VG_FLAT_PLAIN && fmt != VG_FLAT_CSV && fmt != VG_FLAT_MISP)
        return vg_error_set(err, VG_INVALID, NULL, "unknown flat format %d", (int)fmt);
    r = calloc(1, sizeof(*r));
    if (r == NULL || (r->in = malloc(FLAT_CHUNK)) == NULL) {
        free(r);
        return vg_error_set(err, VG_NOMEM, NULL, "out of memory");
    }
    r->fmt = fmt;
    r->read = read;
    r->ctx = ctx;
    vg_buf_init(&r->text, 0);
    vg_buf_init(&r->val, 0);
    for (i = 0; i < COL_COUNT; i++)
        r->col[i] = -1;
    switch (fmt) {
    case VG_FLAT_PLAIN:
        rc = skip_bom(r, err);
        break;
    case VG_FLAT_CSV:
        rc = skip_bom(r, err);
        if (rc == VG_OK)
            rc = csv_header(r, err);
        break;
    default:
        rc = misp_load(r, err);
        break;
    }
    if (rc != VG_OK) {
        vg_flat_reader_free(r);
        return rc;
    }
    *out = r;
    return VG_OK;
}

void vg_flat_reader_free(struct vg_flat_reader *r)
{
    int i;

    if (r == NULL)
        return;
    free(r->in);
    vg_buf_cleanup(&r->text);
    vg_buf_cleanup(&r->val);
    free(r->fields);
    for (i = 0; i < COL_COUNT; i++)
        free(r->col_name[i]);
    json_decref(r->events);
    json_decref(r->doc);
    free(r);
}

enum vg_rc vg_flat_reader_next(struct vg_flat_reader *r, struct vg_flat_record *rec,
                               struct vg_error *err)
{
    struct vg_error mine;
    enum vg_rc rc;

    assert(r != NULL && rec != NULL);
    record_init(rec);
    if (r->fatal != VG_OK) {
        if (err)
            *err = r->fatal_err;
        return r->fatal;
    }
    vg_error_clear(&mine);
    switch (r->fmt) {
    case VG_FLAT_PLAIN:
        rc = plain_next(r, rec, &mine);
        break;
    case VG_FLAT_CSV:
        rc = csv_next(r, rec, &mine);
        break;
    default:
        rc = misp_next(r, rec, &mine);
        break;
    }
    if (rc != VG_OK && rc != VG_INVALID && rc != VG_NOT_FOUND) {
        r->fatal = rc;
        r->fatal_err = mine;
    }
    if (err && rc != VG_OK && rc != VG_NOT_FOUND)
        *err = mine;
    return rc;
}

long long vg_flat_reader_offset(const struct vg_flat_reader *r)
{
    return r->fmt == VG_FLAT_MISP ? r->base : cur_offset(r);
}

/* ---- detection ---------------------------------------------------------- */

/* Does head contain `"key"` followed by optional blanks and a colon? */
static int has_key(const char *h, size_t len, const char *key)
{
    size_t k = strlen(key), i, j;

    for (i = 0; i + k + 2 <= len; i++) {
        if (h[i] != '"' || memcmp(h + i + 1, key, k) != 0 || h[i + k + 1] != '"')
            continue;
        for (j = i + k + 2; j < len && (is_blank(h[j]) || h[j] == '\n'); j++)
            ;
        if (j == len || h[j] == ':')
            return 1;
    }
    return 0;
}

const char *vg_codec_detect(const char *head, size_t len)
{
    static const char *const value_cols[] = {"value", "indicator", "ioc", "observable"};
    size_t i = 0, end, start;
    int comma = 0;

    if (len >= 3 && memcmp(head, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    while (i < len && (is_blank(head[i]) || head[i] == '\n'))
        i++;
    /* Nothing at all: let the STIX reader say that the input is empty. */
    if (i == len)
        return "stix";
    if (head[i] == '{' || head[i] == '[')
        return has_key(head + i, len - i, "Event") || has_key(head + i, len - i, "response")
                   ? "misp"
                   : "stix";
    for (end = i; end < len && head[end] != '\n'; end++)
        comma |= head[end] == ',';
    if (!comma)
        return "plain";
    /* A CSV header names the value column in one of its cells. */
    for (start = i; start <= end; start++) {
        size_t e = start, n, k;
        const char *c;

        while (e < end && head[e] != ',')
            e++;
        c = head + start;
        n = e - start;
        while (n > 0 && (is_blank(c[n - 1]) || c[n - 1] == '"'))
            n--;
        while (n > 0 && (is_blank(*c) || *c == '"')) {
            c++;
            n--;
        }
        for (k = 0; k < sizeof(value_cols) / sizeof(value_cols[0]); k++) {
            if (n == strlen(value_cols[k]) && strncasecmp(c, value_cols[k], n) == 0)
                return "csv";
        }
        start = e;
    }
    return "plain";
}
