/* SPDX-License-Identifier: Apache-2.0 */
/*
 * alloc_faults.c - see alloc_faults.h.
 */
#include "alloc_faults.h"

#include <sqlite3.h>

void *__real_calloc(size_t m, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);

void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t m, size_t n);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);

void *__wrap_malloc(size_t n)
{
    return vg_fault_hit() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t m, size_t n)
{
    return vg_fault_hit() ? NULL : __real_calloc(m, n);
}

void *__wrap_realloc(void *p, size_t n)
{
    return vg_fault_hit() ? NULL : __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
    return vg_fault_hit() ? NULL : __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
    return vg_fault_hit() ? NULL : __real_strndup(s, n);
}

static sqlite3_mem_methods sqlite_default;

static void *sqlite_malloc(int n)
{
    return vg_fault_hit() ? NULL : sqlite_default.xMalloc(n);
}

static void *sqlite_realloc(void *p, int n)
{
    return vg_fault_hit() ? NULL : sqlite_default.xRealloc(p, n);
}

void vg_fault_sqlite_install(void)
{
    sqlite3_mem_methods m;

    sqlite3_config(SQLITE_CONFIG_GETMALLOC, &sqlite_default);
    m = sqlite_default;
    m.xMalloc = sqlite_malloc;
    m.xRealloc = sqlite_realloc;
    sqlite3_config(SQLITE_CONFIG_MALLOC, &m);
    sqlite3_config(SQLITE_CONFIG_LOOKASIDE, 0, 0);
}
