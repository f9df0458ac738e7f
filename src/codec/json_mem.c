/* SPDX-License-Identifier: Apache-2.0 */
/*
 * json_mem.c - jansson's allocations through malloc, with a per-thread flag
 * noting a failure (json_mem.h).
 */
#include "json_mem.h"

#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>

static _Thread_local int json_oom;
static pthread_once_t hooks_once = PTHREAD_ONCE_INIT;

static void *json_alloc(size_t n)
{
    void *p = malloc(n);

    if (p == NULL)
        json_oom = 1;
    return p;
}

static void json_free(void *p)
{
    free(p);
}

static void hooks(void)
{
    json_set_alloc_funcs(json_alloc, json_free);
}

void vg_json_watch_begin(void)
{
    pthread_once(&hooks_once, hooks);
    json_oom = 0;
}

int vg_json_watch_oom(void)
{
    return json_oom;
}
