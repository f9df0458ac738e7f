/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stix_reader.c - stream STIX objects out of a bundle of any size.
 *
 * Two layers.  A framing scanner eats the input one byte at a time as it
 * arrives in chunks from the caller's callback, and knows just enough JSON to
 * find where each element of the "objects" array starts and ends: string
 * literals with their escapes, and {} / [] nesting, kept as a counter plus a
 * 64-bit stack of bracket kinds for the outer 64 levels, so that a million
 * nested brackets cost nothing and a ']' closing a '{' is caught.  Scalars
 * are not interpreted; of the keys, only the top-level "objects" and "type"
 * are.  The bytes of the current element go into a buffer capped at
 * VG_STIX_OBJECT_MAX, and jansson parses that buffer alone once the element
 * is complete.  Memory is therefore one chunk plus one element, whatever the
 * size of the input.
 *
 * A top-level object is ambiguous until its keys are seen: {"type": "bundle",
 * "objects": [...]} is a bundle, {"type": "indicator", ...} is one object.
 * The scanner buffers the top-level object as if it were one element and
 * drops that buffer the moment it meets an "objects" key whose value is an
 * array; if the object closes without one, the buffer is the element (or
 * nothing, when its "type" is "bundle": an empty bundle).
 *
 * Not thread-safe: a reader belongs to one thread at a time.
 */
#include "stix_reader.h"

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "json_mem.h"

#define CHUNK_SIZE (64u * 1024)
#define KIND_LEVELS 64       /* bracket kinds remembered, one bit each */
#define KEY_MAX 16           /* top-level keys and "type" values kept; longer ones never match */
#define ELEM_KEEP (1u << 20) /* element buffers above this are freed after use */

enum state {
    ST_BOM,          /* at offset 0: maybe a UTF-8 byte order mark */
    ST_START,        /* before the top-level value */
    ST_OBJ_FIRST,    /* after the top-level '{': a key or '}' */
    ST_OBJ_KEY,      /* after ',' in the top-level object: a key */
    ST_OBJ_IN_KEY,   /* inside a top-level key */
    ST_OBJ_COLON,    /* after a top-level key */
    ST_OBJ_VALUE,    /* after ':' */
    ST_OBJ_IN_VALUE, /* inside a top-level value other than the objects array */
    ST_OBJ_AFTER,    /* after a top-level value: ',' or '}' */
    ST_ARR_FIRST,    /* after the '[' of the elements: an element or ']' */
    ST_ARR_NEXT,     /* after ',': an element */
    ST_ARR_IN_ELEM,  /* inside an element */
    ST_ARR_AFTER,    /* after an element: ',' or ']' */
    ST_TRAILER,      /* after the top-level value: whitespace only */
    ST_END,          /* VG_NOT_FOUND from now on */
    ST_FATAL,        /* the saved fatal error from now on */
};

/* Where one JSON value ends; values are not checked, only framed. */
struct scan {
    size_t depth;   /* open brackets */
    uint64_t kinds; /* bit d-1 set when level d (<= KIND_LEVELS) was opened by '[' */
    unsigned char in_str, esc, scalar;
};

enum scan_ev {
    SC_MORE,        /* the byte belongs to the value, which goes on */
    SC_DONE,        /* the byte ends the value */
    SC_DONE_BEFORE, /* the value (a scalar) ended just before the byte */
    SC_MISMATCH     /* the byte closes a bracket of the other kind */
};

enum step { STEP_MORE, STEP_ELEM, STEP_FATAL };

struct vg_stix_reader {
    vg_read_fn read;
    void *ctx;
    char *chunk;
    size_t len;          /* bytes in chunk */
    size_t at;           /* next byte to scan */
    long long chunk_off; /* input offset of chunk[0] */
    long line;           /* line of chunk[at] */
    int eof;
    enum state st;
    unsigned bom; /* byte order mark bytes matched */

    /* Top level. */
    int bare;          /* a bare array */
    int bundle;        /* a top-level object with an "objects" array */
    int objects_seen;  /* "objects" key met, with whatever value */
    int objects_other; /* ... and it was not an array */
    int type_seen, type_bundle;
    char key[KEY_MAX];
    size_t key_len; /* KEY_MAX when too long to matter */
    int key_esc;
    int capture; /* capturing the string value of "type" */
    int capture_str;
    char tval[KEY_MAX];
    size_t tval_len;
    struct scan sc;

    /* Current element. */
    struct vg_buf elem;
    int kept;      /* elem holds the text of the object last returned */
    int buffering; /* element bytes are being copied */
    size_t span;   /* chunk index where bytes not yet copied start */
    int elem_obj, too_large, too_deep;
    long elem_line;
    long long elem_off;
    size_t index; /* elements framed so far */

    enum vg_rc fatal;
    struct vg_error ferr;
};

static int is_ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Bytes that may make up a number, true, false or null (and some that may not). */
static int is_scalar_char(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
           c == '+' || c == '.';
}

static int is_value_start(unsigned char c)
{
    return c == '{' || c == '[' || c == '"' || is_scalar_char(c);
}

static void scan_start(struct scan *s, unsigned char c)
{
    memset(s, 0, sizeof(*s));
    if (c == '{' || c == '[') {
        s->depth = 1;
        s->kinds = c == '[';
    } else if (c == '"') {
        s->in_str = 1;
    } else {
        s->scalar = 1;
    }
}

static inline enum scan_ev scan_byte(struct scan *s, unsigned char c)
{
    if (s->in_str) {
        if (s->esc) {
            s->esc = 0;
        } else if (c == '\\') {
            s->esc = 1;
        } else if (c == '"') {
            s->in_str = 0;
            if (s->depth == 0)
                return SC_DONE;
        }
        return SC_MORE;
    }
    if (s->scalar)
        return is_scalar_char(c) ? SC_MORE : SC_DONE_BEFORE;
    switch (c) {
    case '"':
        s->in_str = 1;
        break;
    case '{':
    case '[':
        s->depth++;
        if (s->depth <= KIND_LEVELS) {
            uint64_t bit = (uint64_t)1 << (s->depth - 1);

            s->kinds = c == '[' ? s->kinds | bit : s->kinds & ~bit;
        }
        break;
    case '}':
    case ']':
        if (s->depth <= KIND_LEVELS && (int)((s->kinds >> (s->depth - 1)) & 1) != (c == ']'))
            return SC_MISMATCH;
        if (--s->depth == 0)
            return SC_DONE;
        break;
    default:
        break;
    }
    return SC_MORE;
}

/* A byte for a message: 'x' when printable, else its value. */
static const char *show(unsigned char c, char out[8])
{
    if (c > 0x20 && c < 0x7f)
        snprintf(out, 8, "'%c'", c);
    else
        snprintf(out, 8, "0x%02x", c);
    return out;
}

static void drop_elem(struct vg_stix_reader *r)
{
    r->buffering = 0;
    if (r->elem.cap > ELEM_KEEP) {
        vg_buf_cleanup(&r->elem);
        vg_buf_init(&r->elem, VG_STIX_OBJECT_MAX);
    } else {
        vg_buf_reset(&r->elem);
    }
}

static enum step fail(struct vg_stix_reader *r, enum vg_rc code, long line, long long off,
                      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Record a fatal error; every later call returns it. */
static enum step fail(struct vg_stix_reader *r, enum vg_rc code, long line, long long off,
                      const char *fmt, ...)
{
    va_list ap;

    vg_error_clear(&r->ferr);
    r->ferr.code = code;
    r->ferr.line = line;
    r->ferr.offset = off;
    va_start(ap, fmt);
    vsnprintf(r->ferr.msg, sizeof(r->ferr.msg), fmt, ap);
    va_end(ap);
    r->fatal = code;
    r->st = ST_FATAL;
    drop_elem(r);
    vg_buf_cleanup(&r->elem);
    return STEP_FATAL;
}

/* Copy the element's bytes from span up to end (exclusive) into the buffer. */
static enum step flush(struct vg_stix_reader *r, size_t end)
{
    enum vg_rc rc;
    size_t start = r->span;

    r->span = end;
    if (!r->buffering || end == start)
        return STEP_MORE;
    rc = vg_buf_append(&r->elem, r->chunk + start, end - start);
    if (rc == VG_LIMIT) {
        drop_elem(r);
        r->too_large = 1;
    } else if (rc != VG_OK) {
        return fail(r, VG_NOMEM, r->elem_line, r->elem_off,
                    "out of memory buffering the element at line %ld", r->elem_line);
    }
    return STEP_MORE;
}

static int key_is(const struct vg_stix_reader *r, const char *s)
{
    size_t n = strlen(s);

    return r->key_len == n && memcmp(r->key, s, n) == 0;
}

static enum step wrong_type(struct vg_stix_reader *r, long long off)
{
    return fail(r, VG_IO, r->line, off,
                "top-level object has an \"objects\" array but its \"type\" is not \"bundle\"");
}

/* A value of the top-level object ended. */
static enum step obj_value_done(struct vg_stix_reader *r, long long off)
{
    if (r->capture) {
        int is_bundle = r->capture_str && r->tval_len == 6 && memcmp(r->tval, "bundle", 6) == 0;

        r->type_bundle = r->type_seen ? r->type_bundle && is_bundle : is_bundle;
        r->type_seen = 1;
        r->capture = 0;
        if (r->bundle && !r->type_bundle)
            return wrong_type(r, off);
    }
    r->st = ST_OBJ_AFTER;
    return STEP_MORE;
}

/*
 * The top-level object closes at chunk[i].  Either it was a bundle, or it is
 * the one element of the input.
 */
static enum step close_top(struct vg_stix_reader *r, size_t i)
{
    long long off = r->chunk_off + (long long)i;

    if (r->type_seen && r->type_bundle && r->objects_other)
        return fail(r, VG_IO, r->line, off, "the bundle's \"objects\" is not an array");
    r->st = ST_TRAILER;
    if (r->bundle || (r->type_seen && r->type_bundle)) {
        drop_elem(r);
        return STEP_MORE;
    }
    if (flush(r, i + 1) == STEP_FATAL)
        return STEP_FATAL;
    r->buffering = 0;
    r->at = i + 1;
    return STEP_ELEM;
}

static enum step start_elem(struct vg_stix_reader *r, size_t i, unsigned char c)
{
    char b[8];

    if (!is_value_start(c))
        return fail(r, VG_IO, r->line, r->chunk_off + (long long)i,
                    "unexpected %s where element %zu should start", show(c, b), r->index);
    r->elem_line = r->line;
    r->elem_off = r->chunk_off + (long long)i;
    r->elem_obj = c == '{';
    r->too_large = r->too_deep = 0;
    vg_buf_reset(&r->elem);
    r->buffering = r->elem_obj; /* other values are rejected unread */
    r->span = i;
    scan_start(&r->sc, c);
    r->st = ST_ARR_IN_ELEM;
    return STEP_MORE;
}

static void mark_too_deep(struct vg_stix_reader *r)
{
    r->too_deep = 1;
    drop_elem(r);
}

/*
 * Scan the current chunk from r->at until it is used up (STEP_MORE), an
 * element is complete (STEP_ELEM, r->at just past it) or the framing fails.
 */
static enum step scan_chunk(struct vg_stix_reader *r)
{
    const unsigned char *p = (const unsigned char *)r->chunk;
    size_t i;
    enum scan_ev ev;
    char b[8];

    for (i = r->at; i < r->len; i++) {
        unsigned char c = p[i];
        long long off = r->chunk_off + (long long)i;

    again:
        switch (r->st) {
        case ST_BOM:
            if (c == (unsigned char)"\xef\xbb\xbf"[r->bom]) {
                if (++r->bom == 3)
                    r->st = ST_START;
                break;
            }
            if (r->bom > 0)
                return fail(r, VG_IO, r->line, off, "input is not JSON: broken byte order mark");
            r->st = ST_START;
            goto again;
        case ST_START:
            if (is_ws(c))
                break;
            if (c == '[') {
                r->bare = 1;
                r->st = ST_ARR_FIRST;
                break;
            }
            if (c != '{')
                return fail(r, VG_IO, r->line, off,
                            "input is not a STIX bundle, array or object: unexpected %s",
                            show(c, b));
            /* Maybe a single object: buffer it until an "objects" array says otherwise. */
            r->elem_line = r->line;
            r->elem_off = off;
            r->elem_obj = 1;
            r->too_large = r->too_deep = 0;
            vg_buf_reset(&r->elem);
            r->buffering = 1;
            r->span = i;
            r->st = ST_OBJ_FIRST;
            break;
        case ST_OBJ_FIRST:
        case ST_OBJ_KEY:
            if (is_ws(c))
                break;
            if (c == '"') {
                r->key_len = 0;
                r->key_esc = 0;
                r->st = ST_OBJ_IN_KEY;
                break;
            }
            if (c == '}' && r->st == ST_OBJ_FIRST) {
                enum step s = close_top(r, i);

                if (s != STEP_MORE)
                    return s;
                break;
            }
            return fail(r, VG_IO, r->line, off,
                        "unexpected %s in the top-level object: expected a key", show(c, b));
        case ST_OBJ_IN_KEY:
            if (r->key_esc)
                r->key_esc = 0;
            else if (c == '\\')
                r->key_esc = 1;
            else if (c == '"') {
                r->st = ST_OBJ_COLON;
                break;
            }
            if (r->key_len < KEY_MAX)
                r->key[r->key_len++] = (char)c;
            break;
        case ST_OBJ_COLON:
            if (is_ws(c))
                break;
            if (c != ':')
                return fail(r, VG_IO, r->line, off,
                            "unexpected %s in the top-level object: expected ':'", show(c, b));
            r->st = ST_OBJ_VALUE;
            break;
        case ST_OBJ_VALUE:
            if (is_ws(c))
                break;
            if (!is_value_start(c))
                return fail(r, VG_IO, r->line, off,
                            "unexpected %s in the top-level object: expected a value", show(c, b));
            if (key_is(r, "objects")) {
                if (r->objects_seen)
                    return fail(r, VG_IO, r->line, off, "two \"objects\" keys in the bundle");
                r->objects_seen = 1;
                if (c == '[') {
                    if (r->type_seen && !r->type_bundle)
                        return wrong_type(r, off);
                    r->bundle = 1;
                    r->too_large = r->too_deep = 0;
                    drop_elem(r);
                    r->st = ST_ARR_FIRST;
                    break;
                }
                r->objects_other = 1;
            }
            r->capture = key_is(r, "type");
            r->capture_str = c == '"';
            r->tval_len = 0;
            scan_start(&r->sc, c);
            r->st = ST_OBJ_IN_VALUE;
            break;
        case ST_OBJ_IN_VALUE:
            ev = scan_byte(&r->sc, c);
            if (ev == SC_MORE) {
                if (r->capture && r->tval_len < KEY_MAX)
                    r->tval[r->tval_len++] = (char)c;
                /* The top-level '{' is level 1 of the would-be element. */
                if (!r->bundle && !r->too_deep && r->sc.depth + 1 > VG_STIX_DEPTH_MAX)
                    mark_too_deep(r);
                break;
            }
            if (ev == SC_MISMATCH)
                return fail(r, VG_IO, r->line, off, "mismatched %s", show(c, b));
            if (obj_value_done(r, off) == STEP_FATAL)
                return STEP_FATAL;
            if (ev == SC_DONE_BEFORE)
                goto again;
            break;
        case ST_OBJ_AFTER:
            if (is_ws(c))
                break;
            if (c == ',') {
                r->st = ST_OBJ_KEY;
                break;
            }
            if (c == '}') {
                enum step s = close_top(r, i);

                if (s != STEP_MORE)
                    return s;
                break;
            }
            return fail(r, VG_IO, r->line, off,
                        "unexpected %s in the top-level object: expected ',' or '}'", show(c, b));
        case ST_ARR_FIRST:
        case ST_ARR_NEXT:
            if (is_ws(c))
                break;
            if (c == ']') {
                if (r->st == ST_ARR_NEXT)
                    return fail(r, VG_IO, r->line, off, "unexpected ']' after ','");
                r->st = r->bare ? ST_TRAILER : ST_OBJ_AFTER;
                break;
            }
            if (start_elem(r, i, c) == STEP_FATAL)
                return STEP_FATAL;
            break;
        case ST_ARR_IN_ELEM:
            ev = scan_byte(&r->sc, c);
            if (ev == SC_MORE) {
                if (r->elem_obj && !r->too_deep && r->sc.depth > VG_STIX_DEPTH_MAX)
                    mark_too_deep(r);
                break;
            }
            if (ev == SC_MISMATCH)
                return fail(r, VG_IO, r->line, off, "mismatched %s in element %zu (line %ld)",
                            show(c, b), r->index, r->elem_line);
            if (ev == SC_DONE)
                i++;
            if (flush(r, i) == STEP_FATAL)
                return STEP_FATAL;
            r->buffering = 0;
            r->at = i;
            r->st = ST_ARR_AFTER;
            return STEP_ELEM;
        case ST_ARR_AFTER:
            if (is_ws(c))
                break;
            if (c == ',') {
                r->st = ST_ARR_NEXT;
                break;
            }
            if (c == ']') {
                r->st = r->bare ? ST_TRAILER : ST_OBJ_AFTER;
                break;
            }
            return fail(r, VG_IO, r->line, off,
                        "unexpected %s after element %zu: expected ',' or ']'", show(c, b),
                        r->index - 1);
        case ST_TRAILER:
            if (is_ws(c))
                break;
            return fail(r, VG_IO, r->line, off, "unexpected %s after the end of the %s", show(c, b),
                        r->bare     ? "array"
                        : r->bundle ? "bundle"
                                    : "object");
        case ST_END:
        case ST_FATAL:
            return STEP_FATAL; /* not reached: next() never scans in these states */
        }
        if (c == '\n')
            r->line++;
    }
    r->at = i;
    return STEP_MORE;
}

/* The input has ended in the current state. */
static enum vg_rc at_eof(struct vg_stix_reader *r)
{
    long long off = r->chunk_off + (long long)r->len;
    const char *what = r->bundle ? "bundle" : "top-level object";

    switch (r->st) {
    case ST_BOM:
        if (r->bom > 0) {
            fail(r, VG_IO, r->line, off, "input is not JSON: broken byte order mark");
            break;
        }
        /* fall through */
    case ST_START:
        fail(r, VG_IO, r->line, off, "empty input: no bundle, array or object");
        break;
    case ST_TRAILER:
        r->st = ST_END;
        return VG_NOT_FOUND;
    case ST_ARR_IN_ELEM:
        fail(r, VG_IO, r->elem_line, r->elem_off,
             "truncated input: element %zu (line %ld) is not complete", r->index, r->elem_line);
        break;
    case ST_ARR_FIRST:
    case ST_ARR_NEXT:
    case ST_ARR_AFTER:
        fail(r, VG_IO, r->line, off, "truncated input: expected ']' to close the %s array",
             r->bare ? "top-level" : "objects");
        break;
    default:
        fail(r, VG_IO, r->line, off, "truncated input: expected '}' to close the %s", what);
        break;
    }
    return r->fatal;
}

static enum vg_rc reject(struct vg_stix_reader *r, struct vg_error *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum vg_rc reject(struct vg_stix_reader *r, struct vg_error *err, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL)
        return VG_INVALID;
    vg_error_clear(err);
    err->code = VG_INVALID;
    err->line = r->elem_line;
    err->offset = r->elem_off;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    return VG_INVALID;
}

/* The element just framed: parse it, or say why not. */
static enum vg_rc finish_elem(struct vg_stix_reader *r, json_t **obj, struct vg_stix_pos *pos,
                              struct vg_error *err)
{
    json_error_t jerr;
    json_t *j;
    enum vg_rc rc;

    if (pos) {
        pos->line = r->elem_line;
        pos->offset = r->elem_off;
        pos->index = r->index;
    }
    r->index++;
    if (!r->elem_obj)
        return reject(r, err, "element is not an object");
    if (r->too_deep)
        return reject(r, err, "nesting deeper than %d", VG_STIX_DEPTH_MAX);
    if (r->too_large)
        return reject(r, err, "object larger than %u MiB", VG_STIX_OBJECT_MAX / (1024 * 1024));
    vg_json_watch_begin();
    j = json_loadb(r->elem.data, r->elem.len, JSON_REJECT_DUPLICATES, &jerr);
    if (j != NULL && json_is_object(j)) {
        r->kept = 1; /* vg_stix_reader_text until the next call */
        r->buffering = 0;
    } else {
        drop_elem(r);
    }
    /* Out of memory is not the element's fault: the stream cannot go on (an
     * import must not record a good object as rejected). */
    if (vg_json_watch_oom() || (j == NULL && json_error_code(&jerr) == json_error_out_of_memory)) {
        /* Even a parse that succeeds may have lost bytes: jansson's lexer
         * drops a character it cannot append to a full buffer. */
        json_decref(j);
        r->kept = 0;
        fail(r, VG_NOMEM, r->elem_line, r->elem_off,
             "out of memory parsing the element at line %ld", r->elem_line);
        if (err)
            *err = r->ferr;
        return r->fatal;
    }
    if (j == NULL) {
        if (jerr.line > 0)
            rc = reject(r, err, "invalid JSON (line %ld, column %d): %s",
                        r->elem_line + (long)jerr.line - 1, jerr.column, jerr.text);
        else
            rc = reject(r, err, "invalid JSON: %s", jerr.text);
        return rc;
    }
    if (!json_is_object(j)) { /* defensive: the element starts with '{' */
        json_decref(j);
        return reject(r, err, "element is not an object");
    }
    if (obj)
        *obj = j;
    else
        json_decref(j);
    return VG_OK;
}

enum vg_rc vg_stix_reader_new(vg_read_fn read, void *ctx, struct vg_stix_reader **out)
{
    struct vg_stix_reader *r;

    if (read == NULL || out == NULL)
        return VG_INVALID;
    r = calloc(1, sizeof(*r));
    if (r == NULL)
        return VG_NOMEM;
    r->chunk = malloc(CHUNK_SIZE);
    if (r->chunk == NULL) {
        free(r);
        return VG_NOMEM;
    }
    r->read = read;
    r->ctx = ctx;
    r->line = 1;
    r->st = ST_BOM;
    vg_buf_init(&r->elem, VG_STIX_OBJECT_MAX);
    vg_error_clear(&r->ferr);
    *out = r;
    return VG_OK;
}

void vg_stix_reader_free(struct vg_stix_reader *r)
{
    if (r == NULL)
        return;
    vg_buf_cleanup(&r->elem);
    free(r->chunk);
    free(r);
}

const char *vg_stix_reader_text(const struct vg_stix_reader *r, size_t *len)
{
    if (!r->kept) {
        *len = 0;
        return NULL;
    }
    *len = r->elem.len;
    return r->elem.data;
}

long vg_read_mem(void *src, char *buf, size_t cap)
{
    struct vg_mem_source *m = src;
    size_t n = m->len - m->at;

    if (n > cap)
        n = cap;
    if (m->chunk && n > m->chunk)
        n = m->chunk;
    memcpy(buf, m->data + m->at, n);
    m->at += n;
    return (long)n;
}

long vg_read_file(void *fp, char *buf, size_t cap)
{
    size_t n;

    if (cap > LONG_MAX)
        cap = LONG_MAX;
    n = fread(buf, 1, cap, (FILE *)fp);
    if (n == 0 && ferror((FILE *)fp))
        return -1;
    return (long)n;
}

enum vg_rc vg_stix_reader_next(struct vg_stix_reader *r, json_t **obj, struct vg_stix_pos *pos,
                               struct vg_error *err)
{
    if (r->kept) {
        drop_elem(r);
        r->kept = 0;
    }
    enum step s;

    if (obj)
        *obj = NULL;
    for (;;) {
        if (r->st == ST_END)
            return VG_NOT_FOUND;
        if (r->st == ST_FATAL) {
            if (err)
                *err = r->ferr;
            return r->fatal;
        }
        if (r->at == r->len) {
            long n;

            if (flush(r, r->len) == STEP_FATAL)
                continue;
            if (r->eof) {
                at_eof(r);
                continue;
            }
            n = r->read(r->ctx, r->chunk, CHUNK_SIZE);
            if (n < 0 || (unsigned long)n > CHUNK_SIZE) {
                fail(r, VG_IO, r->line, r->chunk_off + (long long)r->len,
                     "read error at offset %lld", r->chunk_off + (long long)r->len);
                continue;
            }
            r->chunk_off += (long long)r->len;
            r->len = (size_t)n;
            r->at = 0;
            r->span = 0;
            r->eof = n == 0;
            continue;
        }
        s = scan_chunk(r);
        if (s == STEP_ELEM)
            return finish_elem(r, obj, pos, err);
    }
}

long long vg_stix_reader_offset(const struct vg_stix_reader *r)
{
    return r->chunk_off + (long long)r->at;
}
