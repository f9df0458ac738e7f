/* SPDX-License-Identifier: Apache-2.0 */
/*
 * temp_hub.h - a real hub in a temporary directory, for unit tests and fuzz
 * targets: temp_hub_open creates /tmp/vg-NAME-XXXXXX/hub and opens it;
 * temp_hub_remove closes it and removes the directory.
 */
#ifndef VG_TESTS_TEMP_HUB_H
#define VG_TESTS_TEMP_HUB_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"

/* dir (at least 64 bytes) receives the hub's path.  0, or -1 on failure. */
static inline int temp_hub_open(char *dir, size_t cap, const char *name, struct vg_store **st)
{
    struct vg_error err;

    if ((size_t)snprintf(dir, cap, "/tmp/vg-%s-XXXXXX", name) >= cap - 4 || mkdtemp(dir) == NULL)
        return -1;
    strcat(dir, "/hub");
    return vg_store_open(dir, VG_STORE_CREATE, st, &err) == VG_OK ? 0 : -1;
}

/* Close st (may be NULL) and remove the directory temp_hub_open made. */
static inline int temp_hub_remove(char *dir, struct vg_store *st)
{
    char cmd[160];
    size_t n = strlen(dir);

    vg_store_close(st);
    if (n > 4 && strcmp(dir + n - 4, "/hub") == 0)
        dir[n - 4] = '\0';
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

#endif
