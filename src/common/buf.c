/* SPDX-License-Identifier: Apache-2.0 */
/*
 * buf.c - growable capped byte buffers.
 */
#include "buf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void vg_buf_init(struct vg_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max ? max : SIZE_MAX - 1;
}

void vg_buf_cleanup(struct vg_buf *b)
{
    if (b == NULL)
        return;
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void vg_buf_reset(struct vg_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

enum vg_rc vg_buf_reserve(struct vg_buf *b, size_t extra)
{
    size_t need, ncap;
    char *p;

    if (extra > b->max - b->len)
        return VG_LIMIT;
    need = b->len + extra + 1;
    if (need <= b->cap)
        return VG_OK;
    ncap = b->cap ? b->cap : 256;
    while (ncap < need)
        ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
    p = realloc(b->data, ncap);
    if (p == NULL)
        return VG_NOMEM;
    b->data = p;
    b->cap = ncap;
    return VG_OK;
}

enum vg_rc vg_buf_append(struct vg_buf *b, const void *p, size_t n)
{
    enum vg_rc rc = vg_buf_reserve(b, n);

    if (rc != VG_OK)
        return rc;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return VG_OK;
}

enum vg_rc vg_buf_puts(struct vg_buf *b, const char *s)
{
    return vg_buf_append(b, s, strlen(s));
}

enum vg_rc vg_buf_putc(struct vg_buf *b, char c)
{
    return vg_buf_append(b, &c, 1);
}

enum vg_rc vg_buf_printf(struct vg_buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;
    enum vg_rc rc;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return VG_INTERNAL;
    rc = vg_buf_reserve(b, (size_t)n);
    if (rc != VG_OK)
        return rc;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return VG_OK;
}

enum vg_rc vg_buf_json_str(struct vg_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t i, from = 0, mark = b->len;

    if (vg_buf_reserve(b, n + 2) != VG_OK)
        return VG_NOMEM;
    b->data[b->len++] = '"';
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[6] = {'\\', 0, '0', '0', 0, 0};
        size_t elen = 2;

        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        switch (c) {
        case '"':
        case '\\':
            esc[1] = (char)c;
            break;
        case '\b':
            esc[1] = 'b';
            break;
        case '\f':
            esc[1] = 'f';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\t':
            esc[1] = 't';
            break;
        default:
            esc[1] = 'u';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            elen = 6;
        }
        if (vg_buf_append(b, s + from, i - from) != VG_OK || vg_buf_append(b, esc, elen) != VG_OK)
            goto nomem;
        from = i + 1;
    }
    if (vg_buf_append(b, s + from, n - from) != VG_OK || vg_buf_putc(b, '"') != VG_OK)
        goto nomem;
    return VG_OK;
nomem:
    b->len = mark;
    return VG_NOMEM;
}
