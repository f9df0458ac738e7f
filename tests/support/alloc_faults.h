/* SPDX-License-Identifier: Apache-2.0 */
/*
 * alloc_faults.h - the allocators of the allocation-failure sweeps
 * (test_faults.c, test_http_faults.c), shared by both.
 *
 * alloc_faults.c defines the linker wrappers of malloc, calloc, realloc,
 * strdup and strndup (those binaries are linked with --wrap=...: see
 * CMakeLists.txt) and SQLite's allocator hook; each asks the test's own
 * counter, vg_fault_hit(), whether this allocation must fail.
 */
#ifndef VG_TEST_ALLOC_FAULTS_H
#define VG_TEST_ALLOC_FAULTS_H

#include <stddef.h>

/* Defined by the test: 1 if the allocation being made must fail. */
int vg_fault_hit(void);

/* The real allocators, behind the wrappers. */
void *__real_malloc(size_t n);
void *__real_realloc(void *p, size_t n);

/* Route SQLite's allocations through vg_fault_hit (lookaside off, so that
 * its small allocations are counted too); before SQLite allocates. */
void vg_fault_sqlite_install(void);

#endif
