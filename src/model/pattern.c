/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pattern.c - a recursive-descent parser for STIX 2.1 patterns.
 *
 * The parser reads the pattern straight from its byte buffer (explicit length,
 * no NUL needed) with one function per grammar rule: observation expressions
 * and their connectives and qualifiers, then, inside "[ ]", comparison
 * expressions down to single comparisons, object paths and literals.  It
 * builds no tree: each comparison is appended to a flat array as soon as it is
 * complete, which is all that observable extraction needs.  Connectives are
 * parsed as flat lists, so precedence is not represented.
 *
 * Recursion happens only at parentheses, and every "(" of either kind counts
 * against VG_PATTERN_MAX_DEPTH before the parser descends, so the C stack
 * stays bounded whatever the input.  Every error carries the byte offset where
 * the parser stopped; the message names what was expected there.
 *
 * Leniency, on purpose: unquoted property names may contain '-' (feeds write
 * "file:hashes.SHA-256"), "NOT EXISTS" is accepted, and white space may appear
 * between the tokens of an object path, as the reference grammar allows.
 * Literal texts: strings are unescaped; numbers and booleans keep their source
 * text; t'', h'' and b'' literals keep the text between their quotes.
 *
 * Thread safety: no shared state; a parsed pattern is immutable and may be read
 * from any thread.
 */
#include "pattern.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/buf.h"
#include "common/vtime.h"

struct parser {
    const char *s;
    size_t len;
    size_t pos;
    int depth; /* open parentheses, observation and comparison alike */
    struct vg_pattern *pat;
    size_t cap; /* allocated entries of pat->cmps */
    struct vg_error *err;
};

/* Every keyword of the language, for the "keywords are upper-case" diagnosis. */
static const char *const keywords[] = {
    "AND",    "OR", "NOT",    "FOLLOWEDBY", "LIKE",  "MATCHES", "ISSUBSET", "ISSUPERSET",
    "EXISTS", "IN", "WITHIN", "SECONDS",    "START", "STOP",    "REPEATS",  "TIMES",
};

static enum vg_rc parse_obs_expr(struct parser *ps);
static enum vg_rc parse_cmp_expr(struct parser *ps);

/* ---- errors ----------------------------------------------------------------- */

static long line_of(const struct parser *ps, size_t at)
{
    long line = 1;
    size_t i;

    for (i = 0; ps->s != NULL && i < at && i < ps->len; i++)
        line += ps->s[i] == '\n';
    return line;
}

static enum vg_rc fail(struct parser *ps, enum vg_rc rc, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Record "<reason> at <offset>" with err->offset = at, and return rc. */
static enum vg_rc fail(struct parser *ps, enum vg_rc rc, size_t at, const char *fmt, ...)
{
    char reason[160];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(reason, sizeof(reason), fmt, ap);
    va_end(ap);
    if (ps->err != NULL) {
        ps->err->offset = (long long)at;
        ps->err->line = line_of(ps, at);
    }
    return vg_error_set(ps->err, rc, NULL, "%s at %zu", reason, at);
}

/* ---- lexical helpers -------------------------------------------------------- */

static int is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_word_start(char c)
{
    return is_alpha(c) || c == '_';
}

static int is_word_char(char c)
{
    return is_alpha(c) || is_digit(c) || c == '_' || c == '-';
}

static int is_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static char upper(char c)
{
    return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

static void skip_ws(struct parser *ps)
{
    while (ps->pos < ps->len && is_ws(ps->s[ps->pos]))
        ps->pos++;
}

static int peek(const struct parser *ps, char c)
{
    return ps->pos < ps->len && ps->s[ps->pos] == c;
}

/* Length of the identifier-like word at pos, 0 if none. */
static size_t word_len(const struct parser *ps)
{
    size_t i = ps->pos;

    if (i >= ps->len || !is_word_start(ps->s[i]))
        return 0;
    while (i < ps->len && is_word_char(ps->s[i]))
        i++;
    return i - ps->pos;
}

/* Consume keyword kw (exact, upper-case) after white space; 1 if it was there. */
static int accept_kw(struct parser *ps, const char *kw)
{
    size_t n;

    skip_ws(ps);
    n = word_len(ps);
    if (n == 0 || n != strlen(kw) || memcmp(ps->s + ps->pos, kw, n) != 0)
        return 0;
    ps->pos += n;
    return 1;
}

/* The keyword that w[0..n) spells in another case, or NULL. */
static const char *miscased_keyword(const char *w, size_t n)
{
    size_t k, i;

    for (k = 0; k < sizeof(keywords) / sizeof(keywords[0]); k++) {
        if (strlen(keywords[k]) != n || memcmp(w, keywords[k], n) == 0)
            continue;
        for (i = 0; i < n && upper(w[i]) == keywords[k][i]; i++)
            ;
        if (i == n)
            return keywords[k];
    }
    return NULL;
}

/*
 * The parser wanted `expected` at pos and found something else.  A keyword
 * written in lower case is the usual cause, so say so when that is it.
 */
static enum vg_rc unexpected(struct parser *ps, const char *expected)
{
    size_t n;

    skip_ws(ps);
    n = word_len(ps);
    if (n > 0 && miscased_keyword(ps->s + ps->pos, n) != NULL)
        return fail(ps, VG_INVALID, ps->pos, "keywords are upper-case: '%.*s'", (int)n,
                    ps->s + ps->pos);
    if (ps->pos >= ps->len)
        return fail(ps, VG_INVALID, ps->pos, "unexpected end of pattern: expected %s", expected);
    return fail(ps, VG_INVALID, ps->pos, "expected %s", expected);
}

static enum vg_rc expect_char(struct parser *ps, char c, const char *what)
{
    skip_ws(ps);
    if (!peek(ps, c))
        return unexpected(ps, what);
    ps->pos++;
    return VG_OK;
}

/* Enter a parenthesis at pos, counting it against the depth limit. */
static enum vg_rc open_paren(struct parser *ps)
{
    if (ps->depth >= VG_PATTERN_MAX_DEPTH)
        return fail(ps, VG_LIMIT, ps->pos, "parentheses nested deeper than %d",
                    VG_PATTERN_MAX_DEPTH);
    ps->depth++;
    ps->pos++;
    return VG_OK;
}

static enum vg_rc close_paren(struct parser *ps)
{
    enum vg_rc rc = expect_char(ps, ')', "')'");

    if (rc == VG_OK)
        ps->depth--;
    return rc;
}

/* ---- literals --------------------------------------------------------------- */

/*
 * Lex the quoted string whose opening quote is at pos into a new NUL-terminated
 * *out, resolving the escapes \' and \\ (the only ones the grammar has).
 */
static enum vg_rc lex_string(struct parser *ps, char **out)
{
    size_t open = ps->pos, i = ps->pos + 1, n = 0;
    char *text;

    for (;;) {
        char c;

        if (i >= ps->len)
            return fail(ps, VG_INVALID, open, "unterminated string");
        c = ps->s[i];
        if (c == '\'')
            break;
        if (c == '\\') {
            if (i + 1 >= ps->len)
                return fail(ps, VG_INVALID, open, "unterminated string");
            c = ps->s[i + 1];
            if (c != '\'' && c != '\\') {
                if (c > ' ' && c < 0x7f)
                    return fail(ps, VG_INVALID, i, "invalid escape '\\%c' (only \\' and \\\\)", c);
                return fail(ps, VG_INVALID, i, "invalid escape (only \\' and \\\\)");
            }
            i++;
        }
        i++;
        n++;
    }
    text = malloc(n + 1);
    if (text == NULL)
        return fail(ps, VG_NOMEM, open, "out of memory");
    n = 0;
    for (i = open + 1; ps->s[i] != '\''; i++) {
        if (ps->s[i] == '\\')
            i++;
        text[n++] = ps->s[i];
    }
    text[n] = '\0';
    ps->pos = i + 1;
    *out = text;
    return VG_OK;
}

/*
 * Lex a number at pos: [+-]?(0|[1-9][0-9]*) or [+-]?[0-9]*.[0-9]+.  The pos
 * moves past it; *type says which.
 */
static enum vg_rc lex_number(struct parser *ps, enum vg_pattern_lit *type)
{
    size_t at = ps->pos, i = ps->pos, d0;

    if (i < ps->len && (ps->s[i] == '+' || ps->s[i] == '-'))
        i++;
    d0 = i;
    while (i < ps->len && is_digit(ps->s[i]))
        i++;
    if (i < ps->len && ps->s[i] == '.') {
        size_t f0 = ++i;

        while (i < ps->len && is_digit(ps->s[i]))
            i++;
        if (i == f0)
            return fail(ps, VG_INVALID, at, "invalid number: no digits after '.'");
        *type = VG_PLIT_FLOAT;
    } else {
        if (i == d0)
            return fail(ps, VG_INVALID, at, "invalid number");
        if (i - d0 > 1 && ps->s[d0] == '0')
            return fail(ps, VG_INVALID, at, "invalid number: leading zero");
        *type = VG_PLIT_INT;
    }
    if (i < ps->len && (is_word_char(ps->s[i]) || ps->s[i] == '.'))
        return fail(ps, VG_INVALID, at, "invalid number");
    ps->pos = i;
    return VG_OK;
}

static int valid_hex(const char *t)
{
    size_t n = strlen(t), i;

    for (i = 0; i < n; i++)
        if (!is_hex(t[i]))
            return 0;
    return n % 2 == 0;
}

/* Base64 with padding: groups of four, '=' only in the last one. */
static int valid_base64(const char *t)
{
    size_t n = strlen(t), i, pad = 0;

    if (n % 4 != 0)
        return 0;
    while (pad < 2 && pad < n && t[n - 1 - pad] == '=')
        pad++;
    for (i = 0; i < n - pad; i++) {
        char c = t[i];

        if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '/')
            return 0;
    }
    return 1;
}

/* Parse one literal into *v (v->text owned by the caller on success). */
static enum vg_rc parse_literal(struct parser *ps, struct vg_pattern_value *v)
{
    struct vg_pattern_value lit = {VG_PLIT_STRING, NULL};
    enum vg_rc rc = VG_INTERNAL;
    size_t at, n;
    char c;

    skip_ws(ps);
    at = ps->pos;
    if (at >= ps->len) {
        rc = fail(ps, VG_INVALID, at, "unexpected end of pattern: expected a value");
        goto out;
    }
    c = ps->s[at];
    if (c == '\'') {
        rc = lex_string(ps, &lit.text);
        goto out;
    }
    if ((c == 't' || c == 'h' || c == 'b') && at + 1 < ps->len && ps->s[at + 1] == '\'') {
        int64_t us;

        ps->pos++;
        if ((rc = lex_string(ps, &lit.text)) != VG_OK)
            goto out;
        if (c == 't') {
            lit.type = VG_PLIT_TIME;
            if (vg_time_parse(lit.text, strlen(lit.text), &us) != VG_OK)
                rc = fail(ps, VG_INVALID, at, "invalid timestamp (RFC 3339, UTC, 'Z')");
        } else if (c == 'h') {
            lit.type = VG_PLIT_HEX;
            if (!valid_hex(lit.text))
                rc = fail(ps, VG_INVALID, at, "invalid hex literal");
        } else {
            lit.type = VG_PLIT_BINARY;
            if (!valid_base64(lit.text))
                rc = fail(ps, VG_INVALID, at, "invalid base64 literal");
        }
        goto out;
    }
    if (is_digit(c) || c == '+' || c == '-' || c == '.') {
        if ((rc = lex_number(ps, &lit.type)) != VG_OK)
            goto out;
        lit.text = strndup(ps->s + at, ps->pos - at);
        rc = lit.text ? VG_OK : fail(ps, VG_NOMEM, at, "out of memory");
        goto out;
    }
    n = word_len(ps);
    if ((n == 4 && memcmp(ps->s + at, "true", 4) == 0) ||
        (n == 5 && memcmp(ps->s + at, "false", 5) == 0)) {
        lit.type = VG_PLIT_BOOL;
        ps->pos += n;
        lit.text = strndup(ps->s + at, n);
        rc = lit.text ? VG_OK : fail(ps, VG_NOMEM, at, "out of memory");
        goto out;
    }
    if ((n == 4 && strncasecmp(ps->s + at, "true", 4) == 0) ||
        (n == 5 && strncasecmp(ps->s + at, "false", 5) == 0)) {
        rc = fail(ps, VG_INVALID, at, "booleans are lower-case: '%.*s'", (int)n, ps->s + at);
        goto out;
    }
    rc = unexpected(ps, "a value");
out:
    if (rc == VG_OK) {
        *v = lit;
        lit.text = NULL;
    }
    free(lit.text);
    return rc;
}

/* A timestamp literal t'...' (for START and STOP), as microseconds. */
static enum vg_rc parse_time(struct parser *ps, int64_t *us)
{
    struct vg_pattern_value v = {VG_PLIT_STRING, NULL};
    enum vg_rc rc;
    size_t at;

    skip_ws(ps);
    at = ps->pos;
    if ((rc = parse_literal(ps, &v)) != VG_OK)
        return rc;
    if (v.type != VG_PLIT_TIME)
        rc = fail(ps, VG_INVALID, at, "expected a timestamp t'...'");
    else
        rc = vg_time_parse(v.text, strlen(v.text), us) == VG_OK
                 ? VG_OK
                 : fail(ps, VG_INVALID, at, "invalid timestamp");
    free(v.text);
    return rc;
}

/* A positive number for a qualifier; floats only when allow_float. */
static enum vg_rc parse_count(struct parser *ps, int allow_float, const char *what)
{
    enum vg_pattern_lit type;
    enum vg_rc rc;
    size_t at, i;
    int nonzero = 0;

    skip_ws(ps);
    at = ps->pos;
    if (ps->pos >= ps->len || !(is_digit(ps->s[at]) || ps->s[at] == '+' || ps->s[at] == '.'))
        return unexpected(ps, what);
    if ((rc = lex_number(ps, &type)) != VG_OK)
        return rc;
    for (i = at; i < ps->pos; i++)
        nonzero |= is_digit(ps->s[i]) && ps->s[i] != '0';
    if (!nonzero || (type == VG_PLIT_FLOAT && !allow_float))
        return fail(ps, VG_INVALID, at, "expected %s", what);
    return VG_OK;
}

/* ---- object paths ----------------------------------------------------------- */

/* A property name: an identifier or a quoted string, appended to b. */
static enum vg_rc parse_prop(struct parser *ps, struct vg_buf *b)
{
    enum vg_rc rc;
    size_t at, n;
    char *name = NULL;

    skip_ws(ps);
    at = ps->pos;
    if (peek(ps, '\'')) {
        if ((rc = lex_string(ps, &name)) != VG_OK)
            return rc;
        if (name[0] == '\0')
            rc = fail(ps, VG_INVALID, at, "empty property name");
        else if (vg_buf_puts(b, name) != VG_OK)
            rc = fail(ps, VG_NOMEM, at, "out of memory");
        free(name);
        return rc;
    }
    n = word_len(ps);
    if (n == 0)
        return unexpected(ps, "a property name");
    if (vg_buf_append(b, ps->s + at, n) != VG_OK)
        return fail(ps, VG_NOMEM, at, "out of memory");
    ps->pos += n;
    return VG_OK;
}

/*
 * type:prop(.prop|[n]|[*])*  into new strings *type and *path, the path with
 * its quotes removed ("hashes.SHA-256", "sections[*].entropy").
 */
static enum vg_rc parse_path(struct parser *ps, char **type, char **path)
{
    struct vg_buf b;
    char *t = NULL;
    enum vg_rc rc = VG_INTERNAL;
    size_t at, n;

    vg_buf_init(&b, 0);
    skip_ws(ps);
    at = ps->pos;
    n = word_len(ps);
    if (n == 0) {
        rc = unexpected(ps, "an object path");
        goto out;
    }
    ps->pos += n;
    skip_ws(ps);
    if (!peek(ps, ':')) {
        if (miscased_keyword(ps->s + at, n) != NULL)
            rc = fail(ps, VG_INVALID, at, "keywords are upper-case: '%.*s'", (int)n, ps->s + at);
        else
            rc = unexpected(ps, "':'");
        goto out;
    }
    ps->pos++;
    if ((t = strndup(ps->s + at, n)) == NULL) {
        rc = fail(ps, VG_NOMEM, at, "out of memory");
        goto out;
    }
    if ((rc = parse_prop(ps, &b)) != VG_OK)
        goto out;
    for (;;) {
        skip_ws(ps);
        if (peek(ps, '.')) {
            ps->pos++;
            if (vg_buf_putc(&b, '.') != VG_OK) {
                rc = fail(ps, VG_NOMEM, ps->pos, "out of memory");
                goto out;
            }
            if ((rc = parse_prop(ps, &b)) != VG_OK)
                goto out;
        } else if (peek(ps, '[')) {
            size_t i0;

            ps->pos++;
            skip_ws(ps);
            i0 = ps->pos;
            if (peek(ps, '*')) {
                ps->pos++;
            } else {
                enum vg_pattern_lit lt;

                if (!(peek(ps, '-') || (ps->pos < ps->len && is_digit(ps->s[ps->pos])))) {
                    rc = unexpected(ps, "an index or '*'");
                    goto out;
                }
                if ((rc = lex_number(ps, &lt)) != VG_OK)
                    goto out;
                if (lt != VG_PLIT_INT) {
                    rc = fail(ps, VG_INVALID, i0, "expected an index or '*'");
                    goto out;
                }
            }
            if (vg_buf_printf(&b, "[%.*s]", (int)(ps->pos - i0), ps->s + i0) != VG_OK) {
                rc = fail(ps, VG_NOMEM, i0, "out of memory");
                goto out;
            }
            if ((rc = expect_char(ps, ']', "']'")) != VG_OK)
                goto out;
        } else {
            break;
        }
    }
    *type = t;
    *path = b.data;
    t = NULL;
    b.data = NULL;
    rc = VG_OK;
out:
    free(t);
    vg_buf_cleanup(&b);
    return rc;
}

/* ---- comparisons ------------------------------------------------------------ */

static void cmp_cleanup(struct vg_pattern_cmp *c)
{
    size_t i;

    free(c->object_type);
    free(c->path);
    for (i = 0; i < c->nvalues; i++)
        free(c->values[i].text);
    free(c->values);
}

/* Append v to c's values, taking its text. */
static enum vg_rc add_value(struct parser *ps, struct vg_pattern_cmp *c, size_t *cap,
                            struct vg_pattern_value *v)
{
    if (c->nvalues == *cap) {
        size_t ncap = *cap ? *cap * 2 : 1;
        struct vg_pattern_value *nv = realloc(c->values, ncap * sizeof(*nv));

        if (nv == NULL)
            return fail(ps, VG_NOMEM, ps->pos, "out of memory");
        c->values = nv;
        *cap = ncap;
    }
    c->values[c->nvalues++] = *v;
    v->text = NULL;
    return VG_OK;
}

/* The operator after an object path (and optional NOT), or -1. */
static int parse_op(struct parser *ps)
{
    static const struct {
        const char *text;
        enum vg_pattern_op op;
        int word;
    } ops[] = {
        {"==", VG_POP_EQ, 0},
        {"=", VG_POP_EQ, 0},
        {"!=", VG_POP_NE, 0},
        {"<>", VG_POP_NE, 0},
        {"<=", VG_POP_LE, 0},
        {"<", VG_POP_LT, 0},
        {">=", VG_POP_GE, 0},
        {">", VG_POP_GT, 0},
        {"IN", VG_POP_IN, 1},
        {"LIKE", VG_POP_LIKE, 1},
        {"MATCHES", VG_POP_MATCHES, 1},
        {"ISSUBSET", VG_POP_ISSUBSET, 1},
        {"ISSUPERSET", VG_POP_ISSUPERSET, 1},
    };
    size_t k, n;

    skip_ws(ps);
    for (k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
        n = strlen(ops[k].text);
        if (ops[k].word) {
            if (accept_kw(ps, ops[k].text))
                return (int)ops[k].op;
        } else if (n <= ps->len - ps->pos && memcmp(ps->s + ps->pos, ops[k].text, n) == 0) {
            ps->pos += n;
            return (int)ops[k].op;
        }
    }
    return -1;
}

static const char *op_name(enum vg_pattern_op op)
{
    switch (op) {
    case VG_POP_LIKE:
        return "LIKE";
    case VG_POP_MATCHES:
        return "MATCHES";
    case VG_POP_ISSUBSET:
        return "ISSUBSET";
    case VG_POP_ISSUPERSET:
        return "ISSUPERSET";
    default:
        return "this operator";
    }
}

/* Append a finished comparison to the pattern, taking its contents. */
static enum vg_rc add_cmp(struct parser *ps, struct vg_pattern_cmp *c)
{
    struct vg_pattern *pat = ps->pat;

    if (pat->ncmps == ps->cap) {
        size_t ncap = ps->cap ? ps->cap * 2 : 4;
        struct vg_pattern_cmp *nc;

        if (ncap > VG_PATTERN_MAX_CMPS)
            ncap = VG_PATTERN_MAX_CMPS;
        nc = realloc(pat->cmps, ncap * sizeof(*nc));
        if (nc == NULL)
            return fail(ps, VG_NOMEM, c->offset, "out of memory");
        pat->cmps = nc;
        ps->cap = ncap;
    }
    pat->cmps[pat->ncmps++] = *c;
    memset(c, 0, sizeof(*c));
    return VG_OK;
}

/*
 * One comparison: "path [NOT] op value", "path [NOT] IN (v, ...)" or
 * "[NOT] EXISTS path".
 */
static enum vg_rc parse_comparison(struct parser *ps)
{
    struct vg_pattern_cmp c;
    struct vg_pattern_value v = {VG_PLIT_STRING, NULL};
    enum vg_rc rc = VG_INTERNAL;
    size_t cap = 0, at;
    int op;

    memset(&c, 0, sizeof(c));
    skip_ws(ps);
    c.offset = ps->pos;
    if (ps->pat->ncmps >= VG_PATTERN_MAX_CMPS) {
        rc = fail(ps, VG_LIMIT, c.offset, "more than %d comparisons", VG_PATTERN_MAX_CMPS);
        goto out;
    }
    if (accept_kw(ps, "NOT")) {
        c.negated = 1;
        if (!accept_kw(ps, "EXISTS")) {
            rc = unexpected(ps, "EXISTS (NOT goes before the operator)");
            goto out;
        }
        c.op = VG_POP_EXISTS;
    } else if (accept_kw(ps, "EXISTS")) {
        c.op = VG_POP_EXISTS;
    }
    if ((rc = parse_path(ps, &c.object_type, &c.path)) != VG_OK)
        goto out;
    if (c.op == VG_POP_EXISTS)
        goto done;
    if (accept_kw(ps, "NOT"))
        c.negated = 1;
    if ((op = parse_op(ps)) < 0) {
        rc = unexpected(ps, "an operator");
        goto out;
    }
    c.op = (enum vg_pattern_op)op;
    if (c.op == VG_POP_IN) {
        if ((rc = expect_char(ps, '(', "'(' after IN")) != VG_OK)
            goto out;
        skip_ws(ps);
        if (peek(ps, ')')) {
            rc = fail(ps, VG_INVALID, ps->pos, "empty IN list");
            goto out;
        }
        for (;;) {
            if ((rc = parse_literal(ps, &v)) != VG_OK ||
                (rc = add_value(ps, &c, &cap, &v)) != VG_OK)
                goto out;
            skip_ws(ps);
            if (peek(ps, ',')) {
                ps->pos++;
                continue;
            }
            if ((rc = expect_char(ps, ')', "',' or ')'")) != VG_OK)
                goto out;
            break;
        }
        goto done;
    }
    skip_ws(ps);
    at = ps->pos;
    if ((rc = parse_literal(ps, &v)) != VG_OK)
        goto out;
    switch (c.op) {
    case VG_POP_LT:
    case VG_POP_LE:
    case VG_POP_GT:
    case VG_POP_GE:
        if (v.type == VG_PLIT_BOOL) {
            rc = fail(ps, VG_INVALID, at, "booleans cannot be ordered");
            goto out;
        }
        break;
    case VG_POP_LIKE:
    case VG_POP_MATCHES:
    case VG_POP_ISSUBSET:
    case VG_POP_ISSUPERSET:
        if (v.type != VG_PLIT_STRING) {
            rc = fail(ps, VG_INVALID, at, "%s needs a string", op_name(c.op));
            goto out;
        }
        break;
    default:
        break;
    }
    if ((rc = add_value(ps, &c, &cap, &v)) != VG_OK)
        goto out;
done:
    rc = add_cmp(ps, &c);
out:
    free(v.text);
    cmp_cleanup(&c);
    return rc;
}

/* A comparison or a parenthesised comparison expression. */
static enum vg_rc parse_cmp_unit(struct parser *ps)
{
    enum vg_rc rc;

    skip_ws(ps);
    if (!peek(ps, '('))
        return parse_comparison(ps);
    if ((rc = open_paren(ps)) != VG_OK || (rc = parse_cmp_expr(ps)) != VG_OK)
        return rc;
    return close_paren(ps);
}

/* Comparisons joined by AND and OR. */
static enum vg_rc parse_cmp_expr(struct parser *ps)
{
    enum vg_rc rc;

    do {
        if ((rc = parse_cmp_unit(ps)) != VG_OK)
            return rc;
    } while (accept_kw(ps, "AND") || accept_kw(ps, "OR"));
    return VG_OK;
}

/* ---- observation expressions ------------------------------------------------ */

/* Any sequence of WITHIN n SECONDS, REPEATS n TIMES, START t'' STOP t''. */
static enum vg_rc parse_qualifiers(struct parser *ps)
{
    enum vg_rc rc;

    for (;;) {
        skip_ws(ps);
        if (accept_kw(ps, "WITHIN")) {
            if ((rc = parse_count(ps, 1, "a positive number of seconds after WITHIN")) != VG_OK)
                return rc;
            if (!accept_kw(ps, "SECONDS"))
                return unexpected(ps, "SECONDS");
        } else if (accept_kw(ps, "REPEATS")) {
            if ((rc = parse_count(ps, 0, "a positive integer after REPEATS")) != VG_OK)
                return rc;
            if (!accept_kw(ps, "TIMES"))
                return unexpected(ps, "TIMES");
        } else if (accept_kw(ps, "START")) {
            int64_t start, stop;
            size_t at;

            if ((rc = parse_time(ps, &start)) != VG_OK)
                return rc;
            if (!accept_kw(ps, "STOP"))
                return unexpected(ps, "STOP");
            skip_ws(ps);
            at = ps->pos;
            if ((rc = parse_time(ps, &stop)) != VG_OK)
                return rc;
            if (stop <= start)
                return fail(ps, VG_INVALID, at, "STOP is not later than START");
        } else {
            return VG_OK;
        }
    }
}

/* "[ comparisons ]" or "( observation expressions )", then its qualifiers. */
static enum vg_rc parse_obs_unit(struct parser *ps)
{
    enum vg_rc rc;

    skip_ws(ps);
    if (peek(ps, '[')) {
        ps->pos++;
        if ((rc = parse_cmp_expr(ps)) != VG_OK || (rc = expect_char(ps, ']', "']'")) != VG_OK)
            return rc;
    } else if (peek(ps, '(')) {
        if ((rc = open_paren(ps)) != VG_OK || (rc = parse_obs_expr(ps)) != VG_OK ||
            (rc = close_paren(ps)) != VG_OK)
            return rc;
    } else {
        return unexpected(ps, "'[' or '('");
    }
    return parse_qualifiers(ps);
}

/* Observation expressions joined by AND, OR and FOLLOWEDBY. */
static enum vg_rc parse_obs_expr(struct parser *ps)
{
    enum vg_rc rc;

    do {
        if ((rc = parse_obs_unit(ps)) != VG_OK)
            return rc;
    } while (accept_kw(ps, "AND") || accept_kw(ps, "OR") || accept_kw(ps, "FOLLOWEDBY"));
    return VG_OK;
}

enum vg_rc vg_pattern_parse(const char *s, size_t len, struct vg_pattern **out,
                            struct vg_error *err)
{
    struct parser ps;
    struct vg_pattern *pat = NULL;
    const char *nul;
    enum vg_rc rc = VG_INTERNAL;

    memset(&ps, 0, sizeof(ps));
    ps.s = s;
    ps.len = len;
    ps.err = err;
    if (s == NULL) {
        ps.len = 0;
        rc = fail(&ps, VG_INVALID, 0, "no pattern");
        goto out;
    }
    if (len > VG_PATTERN_MAX_LEN) {
        rc = fail(&ps, VG_LIMIT, VG_PATTERN_MAX_LEN, "pattern longer than %d bytes",
                  VG_PATTERN_MAX_LEN);
        goto out;
    }
    if ((nul = memchr(s, '\0', len)) != NULL) {
        rc = fail(&ps, VG_INVALID, (size_t)(nul - s), "NUL byte in pattern");
        goto out;
    }
    if ((pat = calloc(1, sizeof(*pat))) == NULL) {
        rc = fail(&ps, VG_NOMEM, 0, "out of memory");
        goto out;
    }
    ps.pat = pat;
    if ((rc = parse_obs_expr(&ps)) != VG_OK)
        goto out;
    skip_ws(&ps);
    if (ps.pos < ps.len) {
        if (peek(&ps, ')') || peek(&ps, ']'))
            rc = fail(&ps, VG_INVALID, ps.pos, "unbalanced '%c'", ps.s[ps.pos]);
        else
            rc = unexpected(&ps, "AND, OR, FOLLOWEDBY or end of pattern");
        goto out;
    }
    *out = pat;
    pat = NULL;
    rc = VG_OK;
out:
    vg_pattern_free(pat);
    return rc;
}

void vg_pattern_free(struct vg_pattern *p)
{
    size_t i;

    if (p == NULL)
        return;
    for (i = 0; i < p->ncmps; i++)
        cmp_cleanup(&p->cmps[i]);
    free(p->cmps);
    free(p);
}

/* ---- observable extraction -------------------------------------------------- */

/* Hash kind for an algorithm name: MD5, SHA-1, sha256, SHA_512, ... */
static enum vg_obs_kind hash_kind(const char *algo)
{
    static const struct {
        const char *name;
        enum vg_obs_kind kind;
    } algos[] = {{"MD5", VG_OBS_MD5},
                 {"SHA1", VG_OBS_SHA1},
                 {"SHA256", VG_OBS_SHA256},
                 {"SHA512", VG_OBS_SHA512}};
    enum vg_obs_kind kind = vg_obs_kind_from_name(algo);
    char norm[8];
    size_t i, n = 0;

    if (kind >= VG_OBS_MD5 && kind <= VG_OBS_SHA512)
        return kind;
    for (i = 0; algo[i] != '\0'; i++) {
        if (algo[i] == '-' || algo[i] == '_')
            continue;
        if (n + 1 >= sizeof(norm))
            return VG_OBS_NONE;
        norm[n++] = upper(algo[i]);
    }
    norm[n] = '\0';
    for (i = 0; i < sizeof(algos) / sizeof(algos[0]); i++)
        if (strcmp(norm, algos[i].name) == 0)
            return algos[i].kind;
    return VG_OBS_NONE;
}

/*
 * What a comparison's path carries: the kind to try first and an alternative
 * (addresses may be ranges).  *detect is set for network-traffic references,
 * whose value may be any address or a domain.  0 when the path carries none.
 */
static int path_kinds(const struct vg_pattern_cmp *c, enum vg_obs_kind *first,
                      enum vg_obs_kind *alt, int *detect)
{
    static const struct {
        const char *type;
        enum vg_obs_kind first, alt;
    } values[] = {
        {"ipv4-addr", VG_OBS_IPV4, VG_OBS_CIDR4},    {"ipv6-addr", VG_OBS_IPV6, VG_OBS_CIDR6},
        {"domain-name", VG_OBS_DOMAIN, VG_OBS_NONE}, {"url", VG_OBS_URL, VG_OBS_NONE},
        {"email-addr", VG_OBS_EMAIL, VG_OBS_NONE},
    };
    size_t i;

    *first = *alt = VG_OBS_NONE;
    *detect = 0;
    if (strcmp(c->path, "value") == 0) {
        for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
            if (strcmp(c->object_type, values[i].type) == 0) {
                *first = values[i].first;
                *alt = values[i].alt;
                return 1;
            }
        }
        return 0;
    }
    if (strcmp(c->object_type, "file") == 0 && strncmp(c->path, "hashes.", 7) == 0 &&
        strpbrk(c->path + 7, ".[") == NULL) {
        *first = hash_kind(c->path + 7);
        return *first != VG_OBS_NONE;
    }
    if (strcmp(c->object_type, "network-traffic") == 0 &&
        (strcmp(c->path, "dst_ref.value") == 0 || strcmp(c->path, "src_ref.value") == 0)) {
        *detect = 1;
        return 1;
    }
    return 0;
}

/* Canonicalise text as the path's kind into *obs; 0 on success. */
static int canon(const char *text, enum vg_obs_kind first, enum vg_obs_kind alt, int detect,
                 struct vg_obs *obs)
{
    struct vg_error err;
    size_t n = strlen(text);

    vg_error_clear(&err);
    if (detect) {
        if (vg_obs_parse(VG_OBS_NONE, text, n, obs, &err) != VG_OK)
            return -1;
        switch (obs->kind) {
        case VG_OBS_IPV4:
        case VG_OBS_IPV6:
        case VG_OBS_CIDR4:
        case VG_OBS_CIDR6:
        case VG_OBS_DOMAIN:
            return 0;
        default:
            return -1;
        }
    }
    if (vg_obs_parse(first, text, n, obs, &err) == VG_OK)
        return 0;
    if (alt != VG_OBS_NONE && vg_obs_parse(alt, text, n, obs, &err) == VG_OK)
        return 0;
    return -1;
}

int vg_pattern_observables(const struct vg_pattern *p, vg_pattern_obs_cb cb, void *ctx)
{
    struct vg_obs obs;
    enum vg_obs_kind first, alt;
    size_t i, j;
    int detect, r;

    if (p == NULL || cb == NULL)
        return 0;
    for (i = 0; i < p->ncmps; i++) {
        const struct vg_pattern_cmp *c = &p->cmps[i];

        if (c->negated || (c->op != VG_POP_EQ && c->op != VG_POP_IN && c->op != VG_POP_ISSUBSET))
            continue;
        if (!path_kinds(c, &first, &alt, &detect))
            continue;
        for (j = 0; j < c->nvalues; j++) {
            if (c->values[j].type != VG_PLIT_STRING)
                continue;
            if (canon(c->values[j].text, first, alt, detect, &obs) != 0)
                continue;
            if ((r = cb(ctx, &obs)) != 0)
                return r;
        }
    }
    return 0;
}
