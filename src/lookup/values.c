/* SPDX-License-Identifier: Apache-2.0 */
/*
 * values.c - the in-memory set of the hub's values (see values.h).
 */
#include "values.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"

#define MIN_SLOTS 1024u
#define RETIRED_MAX 48 /* doublings: far beyond any memory */

struct table {
    size_t mask;
    _Atomic uint64_t slots[];
};

struct vg_values {
    _Atomic(struct table *) cur;
    pthread_mutex_t lock; /* writers */
    size_t count;         /* under lock */
    _Atomic int64_t last; /* highest store value number added */
    _Atomic size_t nkeys; /* for readers of the figures */
    /* The prefix lengths of the networks (and addresses) held: bit b of
     * lens4 for IPv4 /b, of lens6[b / 64] for IPv6 /b.  An address is
     * probed at every length below its own, and a hub holds networks of a
     * few lengths only: a length no one holds needs no probe. */
    _Atomic uint64_t lens4;
    _Atomic uint64_t lens6[3];
    struct table *retired[RETIRED_MAX];
    size_t nretired;
};

/* A strong 64-bit finaliser (splitmix64): the slot comes from the low bits. */
static uint64_t mix(uint64_t h)
{
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebull;
    h ^= h >> 31;
    return h ? h : 1; /* 0 marks an empty slot */
}

static uint64_t key_net4(uint32_t net, unsigned bits)
{
    return mix(0x4e45543400000000ull ^ ((uint64_t)net << 8) ^ bits);
}

static uint64_t key_net6(const uint8_t net[16], unsigned bits)
{
    unsigned char b = (unsigned char)bits;

    return mix(vg_fnv1a(vg_fnv1a(0x4e45543600000000ull, net, 16), &b, 1));
}

/* The numeric form of a canonical network "prefix/bits"; -1 if it is not. */
static int parse_net(int v6, const char *value, size_t len, uint8_t net[16], unsigned *bits)
{
    char text[64];
    const char *slash = memchr(value, '/', len);
    size_t n;
    char *end;
    unsigned long b;

    if (slash == NULL || (n = (size_t)(slash - value)) >= sizeof(text) || len - n - 1 == 0 ||
        len - n - 1 > 3)
        return -1;
    memcpy(text, value, n);
    text[n] = '\0';
    if (inet_pton(v6 ? AF_INET6 : AF_INET, text, net) != 1)
        return -1;
    memcpy(text, slash + 1, len - n - 1);
    text[len - n - 1] = '\0';
    b = strtoul(text, &end, 10);
    if (*end != '\0' || b > (v6 ? 128u : 32u))
        return -1;
    *bits = (unsigned)b;
    return 0;
}

/* The key of a canonical value; *netbits, the prefix length of an address
 * or a network (-1 for other kinds). */
static uint64_t key_of(enum vg_obs_kind kind, const char *value, size_t len, int *netbits)
{
    uint8_t net[16];
    unsigned bits;
    unsigned char k = (unsigned char)kind;
    char text[64];

    /* an address is the network of its full length: the same key, so that
     * the addresses inside a range can be probed by number */
    if ((kind == VG_OBS_IPV4 || kind == VG_OBS_IPV6) && len < sizeof(text)) {
        memcpy(text, value, len);
        text[len] = '\0';
        if (inet_pton(kind == VG_OBS_IPV6 ? AF_INET6 : AF_INET, text, net) == 1) {
            *netbits = kind == VG_OBS_IPV6 ? 128 : 32;
            return kind == VG_OBS_IPV6 ? key_net6(net, 128)
                                       : key_net4((uint32_t)net[0] << 24 | (uint32_t)net[1] << 16 |
                                                      (uint32_t)net[2] << 8 | net[3],
                                                  32);
        }
    }

    if ((kind == VG_OBS_CIDR4 || kind == VG_OBS_CIDR6) &&
        parse_net(kind == VG_OBS_CIDR6, value, len, net, &bits) == 0) {
        *netbits = (int)bits;
        if (kind == VG_OBS_CIDR6)
            return key_net6(net, bits);
        return key_net4(
            (uint32_t)net[0] << 24 | (uint32_t)net[1] << 16 | (uint32_t)net[2] << 8 | net[3], bits);
    }
    *netbits = -1;
    return mix(vg_fnv1a(vg_fnv1a(VG_FNV_SEED, &k, 1), value, len));
}

static struct table *table_new(size_t nslots)
{
    struct table *t = calloc(1, sizeof(*t) + nslots * sizeof(t->slots[0]));

    if (t)
        t->mask = nslots - 1;
    return t;
}

/* 1 when added, 0 when present (writers only). */
static int table_put(struct table *t, uint64_t key)
{
    size_t i = key & t->mask;
    uint64_t s;

    while ((s = atomic_load_explicit(&t->slots[i], memory_order_relaxed)) != 0) {
        if (s == key)
            return 0;
        i = (i + 1) & t->mask;
    }
    atomic_store_explicit(&t->slots[i], key, memory_order_release);
    return 1;
}

static int table_has(const struct table *t, uint64_t key)
{
    size_t i = key & t->mask;
    uint64_t s;

    while ((s = atomic_load_explicit(&((struct table *)t)->slots[i], memory_order_acquire)) != 0) {
        if (s == key)
            return 1;
        i = (i + 1) & t->mask;
    }
    return 0;
}

enum vg_rc vg_values_new(struct vg_values **out, struct vg_error *err)
{
    struct vg_values *v = calloc(1, sizeof(*v));
    struct table *t = table_new(MIN_SLOTS);

    if (v == NULL || t == NULL) {
        free(v);
        free(t);
        return vg_error_set(err, VG_NOMEM, NULL, "out of memory");
    }
    pthread_mutex_init(&v->lock, NULL);
    atomic_init(&v->cur, t);
    *out = v;
    return VG_OK;
}

void vg_values_free(struct vg_values *v)
{
    size_t i;

    if (v == NULL)
        return;
    for (i = 0; i < v->nretired; i++)
        free(v->retired[i]);
    free(atomic_load(&v->cur));
    pthread_mutex_destroy(&v->lock);
    free(v);
}

/* Room for one more key at a load of at most one half (under lock). */
static int reserve(struct vg_values *v)
{
    struct table *t = atomic_load_explicit(&v->cur, memory_order_relaxed), *bigger;
    size_t i;

    if ((v->count + 1) * 2 <= t->mask + 1)
        return 0;
    if (v->nretired == RETIRED_MAX || (bigger = table_new((t->mask + 1) * 2)) == NULL)
        return -1;
    for (i = 0; i <= t->mask; i++) {
        uint64_t s = atomic_load_explicit(&t->slots[i], memory_order_relaxed);

        if (s)
            table_put(bigger, s);
    }
    atomic_store_explicit(&v->cur, bigger, memory_order_release);
    v->retired[v->nretired++] = t; /* a reader may still be probing it */
    return 0;
}

static int add_cb(void *ctx, int64_t id, enum vg_obs_kind kind, const char *value, size_t len)
{
    struct vg_values *v = ctx;
    int bits;
    uint64_t key = key_of(kind, value, len, &bits);

    if (reserve(v) != 0)
        return 1;
    /* the length before the key: a reader that finds the key finds it */
    if (bits >= 0 && (kind == VG_OBS_IPV4 || kind == VG_OBS_CIDR4))
        atomic_fetch_or_explicit(&v->lens4, 1ull << bits, memory_order_release);
    else if (bits >= 0)
        atomic_fetch_or_explicit(&v->lens6[bits / 64], 1ull << (bits % 64), memory_order_release);
    v->count += table_put(atomic_load_explicit(&v->cur, memory_order_relaxed), key);
    atomic_store_explicit(&v->last, id, memory_order_release);
    return 0;
}

static enum vg_rc sync_locked(struct vg_values *v, struct vg_store *st, struct vg_error *err);

enum vg_rc vg_values_sync(struct vg_values *v, struct vg_store *st, struct vg_error *err)
{
    pthread_mutex_lock(&v->lock);
    return sync_locked(v, st, err);
}

enum vg_rc vg_values_try_sync(struct vg_values *v, struct vg_store *st, struct vg_error *err)
{
    if (pthread_mutex_trylock(&v->lock) != 0)
        return VG_CONFLICT; /* another thread is catching up */
    return sync_locked(v, st, err);
}

/* Called with the lock held; releases it. */
static enum vg_rc sync_locked(struct vg_values *v, struct vg_store *st, struct vg_error *err)
{
    enum vg_rc rc;

    rc = vg_store_scan_values(st, atomic_load(&v->last), add_cb, v, err);
    /* a full stop (no memory for a bigger table) ends the scan early */
    if (rc == VG_OK && reserve(v) != 0)
        rc = vg_error_set(err, VG_NOMEM, NULL, "out of memory for the value set");
    atomic_store(&v->nkeys, v->count);
    pthread_mutex_unlock(&v->lock);
    return rc;
}

size_t vg_values_count(const struct vg_values *v)
{
    return atomic_load(&((struct vg_values *)v)->nkeys);
}

int64_t vg_values_last(const struct vg_values *v)
{
    return atomic_load(&((struct vg_values *)v)->last);
}

size_t vg_values_bytes(const struct vg_values *v)
{
    const struct table *t = atomic_load(&((struct vg_values *)v)->cur);

    return sizeof(*t) + (t->mask + 1) * sizeof(t->slots[0]);
}

/* Whether a network (or address) of bits is held at all, of the family of
 * kind. */
static int len_held(const struct vg_values *v, enum vg_obs_kind kind, unsigned bits)
{
    struct vg_values *w = (struct vg_values *)v;

    if (kind == VG_OBS_IPV4 || kind == VG_OBS_CIDR4)
        return bits <= 32 && atomic_load_explicit(&w->lens4, memory_order_acquire) >> bits & 1;
    return bits <= 128 &&
           atomic_load_explicit(&w->lens6[bits / 64], memory_order_acquire) >> (bits % 64) & 1;
}

int vg_values_has(const struct vg_values *v, enum vg_obs_kind kind, const char *value, size_t len)
{
    int bits;
    uint64_t key = key_of(kind, value, len, &bits);

    if (bits >= 0 && !len_held(v, kind, (unsigned)bits))
        return 0;
    return table_has(atomic_load_explicit(&((struct vg_values *)v)->cur, memory_order_acquire),
                     key);
}

int vg_values_has_net4(const struct vg_values *v, uint32_t net, unsigned bits)
{
    if (!len_held(v, VG_OBS_CIDR4, bits))
        return 0;
    return table_has(atomic_load_explicit(&((struct vg_values *)v)->cur, memory_order_acquire),
                     key_net4(net, bits));
}

int vg_values_has_net6(const struct vg_values *v, const uint8_t net[16], unsigned bits)
{
    if (!len_held(v, VG_OBS_CIDR6, bits))
        return 0;
    return table_has(atomic_load_explicit(&((struct vg_values *)v)->cur, memory_order_acquire),
                     key_net6(net, bits));
}

uint64_t vg_values_key(const struct vg_values *v, enum vg_obs_kind kind, const char *value,
                       size_t len)
{
    int bits;
    uint64_t key = key_of(kind, value, len, &bits);

    return bits >= 0 && !len_held(v, kind, (unsigned)bits) ? 0 : key;
}

uint64_t vg_values_key_net4(const struct vg_values *v, uint32_t net, unsigned bits)
{
    return len_held(v, VG_OBS_CIDR4, bits) ? key_net4(net, bits) : 0;
}

uint64_t vg_values_key_net6(const struct vg_values *v, const uint8_t net[16], unsigned bits)
{
    return len_held(v, VG_OBS_CIDR6, bits) ? key_net6(net, bits) : 0;
}

void vg_values_prefetch(const struct vg_values *v, uint64_t key)
{
    const struct table *t =
        atomic_load_explicit(&((struct vg_values *)v)->cur, memory_order_acquire);

    if (key)
        __builtin_prefetch(&t->slots[key & t->mask]);
}

int vg_values_has_key(const struct vg_values *v, uint64_t key)
{
    return key &&
           table_has(atomic_load_explicit(&((struct vg_values *)v)->cur, memory_order_acquire),
                     key);
}
