/* SPDX-License-Identifier: Apache-2.0 */
/*
 * support.h - what the reader tests share: an in-memory vg_read_fn that
 * serves at most chunk bytes per call and can fail (-1) once fail_at bytes
 * are served, to test read errors mid-stream; and a small glob matcher for
 * expected error messages.
 */
#ifndef VG_TESTS_SUPPORT_H
#define VG_TESTS_SUPPORT_H

#include <stddef.h>
#include <string.h>

struct mem_src {
    const char *data;
    size_t len, at, chunk;
    size_t fail_at; /* return -1 once this many bytes are served; 0 = never */
};

static inline long mem_read(void *ctx, char *buf, size_t cap)
{
    struct mem_src *s = ctx;
    size_t n = s->len - s->at;

    if (s->fail_at && s->at >= s->fail_at)
        return -1;
    if (n > cap)
        n = cap;
    if (n > s->chunk)
        n = s->chunk;
    if (s->fail_at && n > s->fail_at - s->at)
        n = s->fail_at - s->at;
    memcpy(buf, s->data + s->at, n);
    s->at += n;
    return (long)n;
}

/*
 * Does text match pattern, where '*' matches any run of bytes but '\n' and
 * "**" any run of bytes at all?
 */
static inline int match(const char *p, const char *s)
{
    if (*p == '\0')
        return *s == '\0';
    if (p[0] == '*' && p[1] == '*') {
        for (;;) {
            if (match(p + 2, s))
                return 1;
            if (*s == '\0')
                return 0;
            s++;
        }
    }
    if (*p == '*') {
        for (;;) {
            if (match(p + 1, s))
                return 1;
            if (*s == '\0' || *s == '\n')
                return 0;
            s++;
        }
    }
    return *p == *s && match(p + 1, s + 1);
}

#endif
