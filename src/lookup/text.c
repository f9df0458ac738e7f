/* SPDX-License-Identifier: Apache-2.0 */
/*
 * text.c - writing a look-up answer as JSON text (see text.h).
 */
#include "text.h"

#include <inttypes.h>
#include <string.h>

#include <jansson.h>

#include "common/vtime.h"

void vg_lk_raw(struct vg_lk_out *o, const char *s)
{
    if (o->rc == VG_OK)
        o->rc = vg_buf_puts(o->b, s);
}

/* Append to a vg_buf (json_dump_callback's writer). */
static int dump_to_buf(const char *p, size_t n, void *arg)
{
    return vg_buf_append(arg, p, n) == VG_OK ? 0 : -1;
}

/* ASCII through vg_buf_json_str (jansson's escapes); text with bytes above
 * 0x7F through jansson itself, which checks the UTF-8. */
void vg_lk_str(struct vg_lk_out *o, const char *s, size_t n)
{
    size_t i, mark;
    json_t *j;

    if (o->rc != VG_OK)
        return;
    if (s == NULL) {
        o->rc = vg_buf_append(o->b, "null", 4);
        return;
    }
    for (i = 0; i < n && (unsigned char)s[i] < 0x80; i++)
        ;
    if (i == n) {
        o->rc = vg_buf_json_str(o->b, s, n);
        return;
    }
    if ((j = json_stringn(s, n)) == NULL) {
        o->rc = VG_INVALID;
        return;
    }
    mark = o->b->len;
    if (json_dump_callback(j, dump_to_buf, o->b, JSON_COMPACT | JSON_ENCODE_ANY) != 0) {
        o->b->len = mark;
        o->rc = VG_NOMEM;
    }
    json_decref(j);
}

void vg_lk_cstr(struct vg_lk_out *o, const char *s)
{
    vg_lk_str(o, s, s ? strlen(s) : 0);
}

void vg_lk_int(struct vg_lk_out *o, int64_t v)
{
    char t[24];
    char *p = t + sizeof(t);
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

    if (o->rc != VG_OK)
        return;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    o->rc = vg_buf_append(o->b, p, (size_t)(t + sizeof(t) - p));
}

void vg_lk_time(struct vg_lk_out *o, int64_t us)
{
    char t[VG_TIME_TEXT_MAX];

    if (us == 0) {
        vg_lk_raw(o, "null");
        return;
    }
    vg_time_format_us(us, t);
    vg_lk_str(o, t, strlen(t));
}
