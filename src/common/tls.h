/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tls.h - an object per thread, made on the thread's first use and freed
 * when the thread ends (a pthread key with a destructor): scratch that a
 * hot path keeps from one call to the next instead of allocating it each
 * time (the SHA-256 context, a look-up's buffers, a POST's ingest items).
 */
#ifndef VG_COMMON_TLS_H
#define VG_COMMON_TLS_H

#include <pthread.h>
#include <stdatomic.h>

struct vg_tls {
    void *(*make)(void);     /* a new object; NULL when out of memory */
    void (*destroy)(void *); /* frees one, also at thread exit */
    atomic_int ready;        /* the key is made (or failed: ok 0) */
    int ok;
    pthread_key_t key;
};

#define VG_TLS_INIT(make, destroy)                                                                 \
    {                                                                                              \
        (make), (destroy), 0, 0, 0                                                                 \
    }

/* This thread's object (made now if it has none); NULL when out of memory. */
void *vg_tls_get(struct vg_tls *t);

#endif
