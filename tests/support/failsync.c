/* SPDX-License-Identifier: Apache-2.0 */
/*
 * failsync.c - an LD_PRELOAD library for tests: while the file named by
 * VG_FAILSYNC_FILE exists, fsync(2) and fdatasync(2) fail with EIO, as
 * they do when a disk loses a write.  Lets a CLI test see what `vigie
 * serve` does after a failed fsync (tests/cli/fsync_failure.sh).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

static int failing(void)
{
    const char *f = getenv("VG_FAILSYNC_FILE");

    return f != NULL && access(f, F_OK) == 0;
}

int fsync(int fd)
{
    static int (*real)(int);

    if (failing()) {
        errno = EIO;
        return -1;
    }
    if (real == NULL)
        *(void **)&real = dlsym(RTLD_NEXT, "fsync");
    return real(fd);
}

int fdatasync(int fd)
{
    static int (*real)(int);

    if (failing()) {
        errno = EIO;
        return -1;
    }
    if (real == NULL)
        *(void **)&real = dlsym(RTLD_NEXT, "fdatasync");
    return real(fd);
}
