/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ratelimit.h - request rate limits of the server: a token bucket per API
 * key, and one per client address for requests without a valid key.
 *
 * A bucket holds up to `burst` tokens and gains `rate` per second; a request
 * takes one; an empty bucket refuses with VG_RATE (429) and says when the
 * next token arrives (Retry-After).  The check sits in the server's one
 * authentication step, so it is the same for every route, method and
 * content type (SCENARIOS 12), and a refusal reveals nothing but the limit.
 *
 * Buckets live in a fixed table of shards (each with its own mutex), so
 * memory does not grow with the number of keys or addresses an attacker
 * can present; when a shard is full, the bucket that has been idle longest
 * (whose refill is furthest along) gives way: an idle bucket refills to
 * full anyway, so forgetting it changes nothing.
 *
 * Threading: every function may be called from any worker.
 */
#ifndef VG_HTTP_RATELIMIT_H
#define VG_HTTP_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

struct vg_ratelimit;

/* rate: tokens per second (0: no limit: every take succeeds); burst: the
 * bucket's size (0: max(rate, 1)).  NULL when memory runs out. */
struct vg_ratelimit *vg_ratelimit_new(unsigned rate, unsigned burst);
void vg_ratelimit_free(struct vg_ratelimit *rl);

/* Take a token from the bucket of key (any bytes).  0 when granted, else
 * the whole seconds until one is available (at least 1). */
unsigned vg_ratelimit_take(struct vg_ratelimit *rl, const void *key, size_t len, int64_t now_us);

#endif
