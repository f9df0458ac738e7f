/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tls.c - an object per thread (see tls.h).
 */
#include "tls.h"

static pthread_mutex_t keys_mu = PTHREAD_MUTEX_INITIALIZER;

void *vg_tls_get(struct vg_tls *t)
{
    void *p;

    if (!atomic_load_explicit(&t->ready, memory_order_acquire)) {
        pthread_mutex_lock(&keys_mu);
        if (!atomic_load_explicit(&t->ready, memory_order_relaxed)) {
            t->ok = pthread_key_create(&t->key, t->destroy) == 0;
            atomic_store_explicit(&t->ready, 1, memory_order_release);
        }
        pthread_mutex_unlock(&keys_mu);
    }
    if (!t->ok)
        return NULL;
    if ((p = pthread_getspecific(t->key)) != NULL)
        return p;
    if ((p = t->make()) == NULL)
        return NULL;
    if (pthread_setspecific(t->key, p) != 0) {
        t->destroy(p);
        return NULL;
    }
    return p;
}
