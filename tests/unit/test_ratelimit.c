/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_ratelimit.c - the token buckets of the server's rate limits, on a
 * clock the test sets (no timing): burst, refill, Retry-After, keys apart,
 * and a table that stays bounded under a flood of keys.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "http/ratelimit.h"

#define S 1000000LL

static void test_burst_and_refill(void **state)
{
    struct vg_ratelimit *rl = vg_ratelimit_new(2, 4); /* 2/s, burst 4 */
    int64_t t = 1000 * S;
    int i;

    (void)state;
    assert_non_null(rl);
    for (i = 0; i < 4; i++)
        assert_int_equal(vg_ratelimit_take(rl, "k", 1, t), 0);
    assert_int_equal(vg_ratelimit_take(rl, "k", 1, t), 1); /* half a second: 1 s */
    assert_int_equal(vg_ratelimit_take(rl, "k", 1, t + S / 4), 1);
    assert_int_equal(vg_ratelimit_take(rl, "k", 1, t + S / 2), 0); /* one token back */
    assert_int_equal(vg_ratelimit_take(rl, "k", 1, t + S / 2), 1);
    /* Idle for long: back to the burst, not beyond. */
    t += 3600 * S;
    for (i = 0; i < 4; i++)
        assert_int_equal(vg_ratelimit_take(rl, "k", 1, t), 0);
    assert_int_not_equal(vg_ratelimit_take(rl, "k", 1, t), 0);
    /* A clock that steps back grants nothing extra. */
    assert_int_not_equal(vg_ratelimit_take(rl, "k", 1, t - 10 * S), 0);
    vg_ratelimit_free(rl);
}

static void test_retry_after(void **state)
{
    struct vg_ratelimit *rl = vg_ratelimit_new(1, 1);
    struct vg_ratelimit *slow;
    int64_t t = 5 * S;
    unsigned w;

    (void)state;
    assert_int_equal(vg_ratelimit_take(rl, "k", 1, t), 0);
    assert_int_equal(vg_ratelimit_take(rl, "k", 1, t), 1);
    vg_ratelimit_free(rl);
    /* No rate: no limit. */
    rl = vg_ratelimit_new(0, 0);
    for (w = 0; w < 1000; w++)
        assert_int_equal(vg_ratelimit_take(rl, "k", 1, t), 0);
    vg_ratelimit_free(rl);
    assert_int_equal(vg_ratelimit_take(NULL, "k", 1, t), 0);
    /* 1 per second, burst 1, taken: waits are whole seconds, at least 1. */
    slow = vg_ratelimit_new(1, 1);
    assert_int_equal(vg_ratelimit_take(slow, "k", 1, t), 0);
    w = vg_ratelimit_take(slow, "k", 1, t + S / 10);
    assert_int_equal(w, 1);
    vg_ratelimit_free(slow);
}

static void test_keys_apart(void **state)
{
    struct vg_ratelimit *rl = vg_ratelimit_new(1, 2);
    int64_t t = 7 * S;

    (void)state;
    assert_int_equal(vg_ratelimit_take(rl, "a", 1, t), 0);
    assert_int_equal(vg_ratelimit_take(rl, "a", 1, t), 0);
    assert_int_not_equal(vg_ratelimit_take(rl, "a", 1, t), 0);
    assert_int_equal(vg_ratelimit_take(rl, "b", 1, t), 0);
    assert_int_equal(vg_ratelimit_take(rl, "ab", 2, t), 0);
    vg_ratelimit_free(rl);
}

/* A million keys in one instant: the table is fixed (no growth, no
 * failure), and a bucket still in the table keeps its count: a key taken
 * twice in a row right after the flood is refused the second time. */
static void test_flood(void **state)
{
    struct vg_ratelimit *rl = vg_ratelimit_new(1, 1);
    int64_t t = 9 * S;
    char k[32];
    long i;

    (void)state;
    assert_int_equal(vg_ratelimit_take(rl, "victim", 6, t), 0);
    for (i = 0; i < 1000000; i++) {
        int n = snprintf(k, sizeof(k), "flood-%ld", i);

        vg_ratelimit_take(rl, k, (size_t)n, t);
    }
    assert_int_equal(vg_ratelimit_take(rl, "last", 4, t), 0);
    assert_int_not_equal(vg_ratelimit_take(rl, "last", 4, t), 0);
    vg_ratelimit_free(rl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_burst_and_refill),
        cmocka_unit_test(test_retry_after),
        cmocka_unit_test(test_keys_apart),
        cmocka_unit_test(test_flood),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
