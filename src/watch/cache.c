/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cache.c - one compiled matcher per hub file, recompiled when the store's
 * watch stamp changes (cache.h).
 */
#include "cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 4
#define STAMP_MAX 1200

struct slot {
    char stamp[STAMP_MAX];
    struct vg_watch_matcher *m;
    unsigned long used;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct slot slots[SLOTS];
static unsigned long clock_;

struct load {
    struct vg_watch_entry *e;
    size_t n, cap;
    char *arena;
    size_t alen, acap;
    int oom;
};

static int load_cb(void *ctx, const struct vg_watch_row *w)
{
    struct load *l = ctx;
    size_t len = strlen(w->value) + 1;

    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        struct vg_watch_entry *e = realloc(l->e, cap * sizeof(*e));

        if (e == NULL)
            return l->oom = 1;
        l->e = e;
        l->cap = cap;
    }
    if (l->alen + len > l->acap) {
        size_t cap = l->acap ? l->acap * 2 : 8192;
        char *a;

        while (cap < l->alen + len)
            cap *= 2;
        if ((a = realloc(l->arena, cap)) == NULL)
            return l->oom = 1;
        l->arena = a;
        l->acap = cap;
    }
    memcpy(l->arena + l->alen, w->value, len);
    l->e[l->n].id = w->id;
    l->e[l->n].org_id = w->org_id;
    l->e[l->n].kind = (enum vg_watch_kind)w->kind;
    l->e[l->n].value = (const char *)(uintptr_t)l->alen; /* an offset until the arena settles */
    l->alen += len;
    l->n++;
    return 0;
}

/* The file part of a stamp ("file|max|count"). */
static size_t file_len(const char *stamp)
{
    const char *bar = strchr(stamp, '|');

    return bar ? (size_t)(bar - stamp) : strlen(stamp);
}

enum vg_rc vg_watch_current(struct vg_store *st, struct vg_watch_matcher **out,
                            struct vg_error *err)
{
    char stamp[STAMP_MAX];
    struct load l;
    struct vg_watch_matcher *m = NULL;
    enum vg_rc rc;
    size_t i, victim = 0;

    *out = NULL;
    if ((rc = vg_store_watch_stamp(st, stamp, sizeof(stamp), err)) != VG_OK)
        return rc;
    {
        size_t n = strlen(stamp);

        if (n >= 2 && strcmp(stamp + n - 2, "|0") == 0)
            return VG_OK; /* nobody watches anything */
    }
    pthread_mutex_lock(&mu);
    for (i = 0; i < SLOTS; i++) {
        if (slots[i].m && strcmp(slots[i].stamp, stamp) == 0) {
            slots[i].used = ++clock_;
            vg_watch_matcher_ref(slots[i].m);
            *out = slots[i].m;
            pthread_mutex_unlock(&mu);
            return VG_OK;
        }
    }
    pthread_mutex_unlock(&mu);

    memset(&l, 0, sizeof(l));
    rc = vg_store_watch_scan(st, 0, load_cb, &l, err);
    if (rc == VG_OK && l.oom)
        rc = vg_error_set(err, VG_NOMEM, NULL, "out of memory");
    if (rc == VG_OK) {
        for (i = 0; i < l.n; i++)
            l.e[i].value = l.arena + (uintptr_t)l.e[i].value;
        rc = vg_watch_compile(l.e, l.n, &m, err);
    }
    free(l.e);
    free(l.arena);
    if (rc != VG_OK)
        return rc;

    pthread_mutex_lock(&mu);
    for (i = 0; i < SLOTS; i++) {
        if (slots[i].m == NULL) {
            victim = i;
            break;
        }
        /* the same hub's older lists go first, then the least used */
        if (file_len(slots[i].stamp) == file_len(stamp) &&
            strncmp(slots[i].stamp, stamp, file_len(stamp)) == 0) {
            victim = i;
            break;
        }
        if (slots[i].used < slots[victim].used)
            victim = i;
    }
    vg_watch_matcher_unref(slots[victim].m);
    memcpy(slots[victim].stamp, stamp, sizeof(stamp));
    slots[victim].m = m;
    slots[victim].used = ++clock_;
    vg_watch_matcher_ref(m);
    pthread_mutex_unlock(&mu);
    *out = m;
    return VG_OK;
}

void vg_watch_cache_clear(void)
{
    size_t i;

    pthread_mutex_lock(&mu);
    for (i = 0; i < SLOTS; i++) {
        vg_watch_matcher_unref(slots[i].m);
        slots[i].m = NULL;
    }
    pthread_mutex_unlock(&mu);
}
