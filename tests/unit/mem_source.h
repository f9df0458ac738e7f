/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mem_source.h - an in-memory vg_read_fn for reader tests: serves at most
 * chunk bytes per call, and can fail (-1) once fail_at bytes are served, to
 * test read errors mid-stream.
 */
#ifndef VG_TESTS_MEM_SOURCE_H
#define VG_TESTS_MEM_SOURCE_H

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

#endif
