/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scan_file.c - files in blocks of whole lines, scanned by several threads
 * (see scan_file.h).
 *
 * Block k of a regular file owns the lines that start in [k*B, (k+1)*B):
 * its worker finds where that range's first line starts and runs on past
 * its end to the end of its last line, in the mapped file (or, where the
 * file cannot be mapped, in a copy read with pread, one byte before the
 * range to know whether a line starts there).  So the blocks partition the
 * file whatever the line lengths, and each worker counts the newlines of
 * its own block; the calling thread adds them up to number the lines of the
 * hits it hands out, in order.  Hits are kept per block as small records
 * pointing into the block's bytes until the round is
 * delivered.  Streams (stdin, gzip through zlib's gzread) are cut by the
 * calling thread at the last newline of each block, the rest carried over.
 */
#define _GNU_SOURCE /* memrchr */
#include "scan_file.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "match.h"

#define THREADS_MAX 256
#define MORE (64u << 10) /* read past a block's end by this much at a time */

struct rec {
    size_t offset, len, line;
    enum vg_obs_kind kind;
    struct vg_index_hit hit;
};

struct blk {
    const struct vg_index *idx;
    char *buf;
    size_t cap;
    const char *data; /* the block's lines, inside buf */
    size_t len;
    uint64_t start; /* input offset of data[0] */
    size_t lines;
    struct rec *recs;
    size_t nrec, rcap;
    int nomem;
    /* pread mode */
    int fd;
    uint64_t a, b, size;
    int err_no;
    const char *map; /* mapped mode: the whole file */
};

static int reserve(struct blk *k, size_t need)
{
    char *nb;
    size_t ncap = k->cap ? k->cap : 1u << 16;

    if (need <= k->cap)
        return 1;
    while (ncap < need)
        ncap *= 2;
    if ((nb = realloc(k->buf, ncap)) == NULL)
        return 0;
    k->buf = nb;
    k->cap = ncap;
    return 1;
}

static int add_rec(void *ctx, const struct vg_match_hit *h)
{
    struct blk *k = ctx;

    if (k->nrec == k->rcap) {
        size_t ncap = k->rcap ? k->rcap * 2 : 256;
        struct rec *nr = realloc(k->recs, ncap * sizeof(*nr));

        if (nr == NULL) {
            k->nomem = 1;
            return 1;
        }
        k->recs = nr;
        k->rcap = ncap;
    }
    k->recs[k->nrec].offset = h->offset;
    k->recs[k->nrec].len = h->len;
    k->recs[k->nrec].line = h->line;
    k->recs[k->nrec].kind = h->kind;
    k->recs[k->nrec++].hit = h->hit;
    return 0;
}

static ssize_t pread_full(int fd, char *p, size_t n, uint64_t off)
{
    size_t done = 0;

    while (done < n) {
        ssize_t r = pread(fd, p + done, n - done, (off_t)(off + done));

        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        done += (size_t)r;
    }
    return (ssize_t)done;
}

/* Read block [a, b) of a regular file, extended to whole lines. */
static int read_block(struct blk *k)
{
    uint64_t r0 = k->a ? k->a - 1 : 0;
    size_t n = (size_t)(k->b - r0), s = 0, e;
    ssize_t got;
    char *nl;

    if (!reserve(k, n + MORE))
        return ENOMEM;
    if ((got = pread_full(k->fd, k->buf, n, r0)) < 0)
        return errno;
    n = (size_t)got;
    if (k->a) {
        nl = memchr(k->buf, '\n', n);
        s = nl ? (size_t)(nl - k->buf) + 1 : n;
    }
    /* The last line runs to the first newline at or after b - 1. */
    e = n;
    if (k->b < k->size && s < n) {
        if (k->buf[n - 1] != '\n') {
            for (;;) {
                size_t more;

                if (!reserve(k, n + MORE))
                    return ENOMEM;
                if ((got = pread_full(k->fd, k->buf + n, MORE, r0 + n)) < 0)
                    return errno;
                more = (size_t)got;
                nl = memchr(k->buf + n, '\n', more);
                n += more;
                if (nl) {
                    e = (size_t)(nl - k->buf) + 1;
                    break;
                }
                if (more < MORE) {
                    e = n;
                    break;
                }
            }
        }
    }
    if (s > e)
        s = e;
    k->data = k->buf + s;
    k->len = e - s;
    k->start = r0 + s;
    return 0;
}

/* Block [a, b) of a mapped file, extended to whole lines: no copy. */
static void map_block(struct blk *k)
{
    const char *m = k->map, *nl;
    uint64_t s = k->a, e = k->b;

    if (k->a) { /* the first line that starts at or after a */
        nl = memchr(m + k->a - 1, '\n', (size_t)(k->b - k->a + 1));
        s = nl ? (uint64_t)(nl - m) + 1 : k->b;
    }
    if (k->b < k->size && m[k->b - 1] != '\n') { /* the last line runs on past b */
        nl = memchr(m + k->b, '\n', (size_t)(k->size - k->b));
        e = nl ? (uint64_t)(nl - m) + 1 : k->size;
    }
    if (s > e)
        s = e;
    k->data = m + s;
    k->len = (size_t)(e - s);
    k->start = s;
}

/*
 * A mapped file that shrinks under the scan (a log truncated by rotation)
 * raises SIGBUS on the pages past its new end.  The worker that touched them
 * jumps back to its guard and reports a read error instead of dying.
 */
static __thread sigjmp_buf *bus_guard;
static pthread_once_t bus_once = PTHREAD_ONCE_INIT;
static struct sigaction bus_old;

static void on_bus(int sig, siginfo_t *si, void *uc)
{
    if (bus_guard)
        siglongjmp(*bus_guard, 1);
    /* not ours: what was there before */
    if (bus_old.sa_flags & SA_SIGINFO && bus_old.sa_sigaction)
        bus_old.sa_sigaction(sig, si, uc);
    else if (bus_old.sa_handler != SIG_IGN && bus_old.sa_handler != SIG_DFL)
        bus_old.sa_handler(sig);
    else {
        signal(sig, SIG_DFL);
        raise(sig);
    }
}

static void bus_install(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_bus;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGBUS, &sa, &bus_old);
}

static void *work(void *arg)
{
    struct blk *k = arg;
    sigjmp_buf guard;

    if (k->fd >= 0 && (k->err_no = read_block(k)) != 0)
        return NULL;
    k->nrec = 0;
    k->nomem = 0;
    if (k->map) {
        if (sigsetjmp(guard, 1)) {
            bus_guard = NULL;
            k->err_no = EIO;
            return NULL;
        }
        bus_guard = &guard;
        map_block(k);
#if defined(MADV_POPULATE_READ)
        /*
         * Map the block's pages in one call (Linux 5.14+) rather than by a
         * page fault every 64 KiB or so: 2-4% of the scan's CPU time on
         * cached files.  Best effort - an older kernel refuses, a file that
         * shrank fails here and raises SIGBUS below as before.
         */
        if (k->len) {
            uintptr_t pg = (uintptr_t)k->data & ~(uintptr_t)(sysconf(_SC_PAGESIZE) - 1);

            (void)madvise((void *)pg, (uintptr_t)k->data + k->len - pg, MADV_POPULATE_READ);
        }
#endif
        k->lines = vg_match_scan(k->idx, k->data, k->len, add_rec, k);
        bus_guard = NULL;
        return NULL;
    }
    k->lines = vg_match_scan(k->idx, k->data, k->len, add_rec, k);
    return NULL;
}

/* A stream and what it read past the last newline of the previous block. */
struct stream {
    gzFile gz;
    char *carry;
    size_t ncarry, capcarry;
    int eof;
};

/* Fill a block from a stream: the carried bytes, then whole lines. */
static int fill(struct blk *k, struct stream *in, size_t block)
{
    size_t n = in->ncarry;
    char *nl = NULL;

    if (!reserve(k, n + block + 1))
        return ENOMEM;
    if (n)
        memcpy(k->buf, in->carry, n);
    for (;;) {
        int got;

        if (!reserve(k, n + block + 1))
            return ENOMEM;
        got = gzread(in->gz, k->buf + n, (unsigned)block);
        if (got < 0)
            return EIO;
        if (got == 0) {
            in->eof = 1;
            break;
        }
        n += (size_t)got;
        if (n >= block && (nl = memrchr(k->buf, '\n', n)) != NULL)
            break;
    }
    k->data = k->buf;
    k->len = in->eof ? n : (size_t)(nl - k->buf) + 1;
    in->ncarry = n - k->len;
    if (in->ncarry > in->capcarry) {
        char *c = realloc(in->carry, in->ncarry);

        if (c == NULL)
            return ENOMEM;
        in->carry = c;
        in->capcarry = in->ncarry;
    }
    if (in->ncarry)
        memcpy(in->carry, k->buf + k->len, in->ncarry);
    return 0;
}

/* The line around data[at] (blocks hold whole lines). */
static void line_of(const struct blk *k, size_t at, struct vg_match_out *o)
{
    const char *a = k->data + at, *end = k->data + k->len, *nl;

    while (a > k->data && a[-1] != '\n')
        a--;
    nl = memchr(k->data + at, '\n', (size_t)(end - (k->data + at)));
    o->line_text = a;
    o->line_len = (size_t)((nl ? nl : end) - a);
}

static enum vg_rc deliver(struct blk *blks, unsigned n, uint64_t *line_base, vg_match_out_cb cb,
                          void *ctx, struct vg_match_stats *stats, int *stop, struct vg_error *err)
{
    unsigned i;
    size_t j;

    for (i = 0; i < n; i++) {
        struct blk *k = &blks[i];

        if (k->nomem)
            return vg_error_set(err, VG_NOMEM, NULL, "out of memory");
        for (j = 0; j < k->nrec && !*stop; j++) {
            struct vg_match_out o;

            o.line = *line_base + k->recs[j].line + 1;
            o.offset = k->start + k->recs[j].offset;
            o.text = k->data + k->recs[j].offset;
            o.len = k->recs[j].len;
            line_of(k, k->recs[j].offset, &o);
            o.kind = k->recs[j].kind;
            o.hit = k->recs[j].hit;
            stats->hits++;
            if (cb(ctx, &o))
                *stop = 1;
        }
        *line_base += k->lines;
        stats->bytes += k->len;
        stats->lines += k->lines;
        if (k->len && k->data[k->len - 1] != '\n')
            stats->lines++; /* a last line without its newline */
    }
    return VG_OK;
}

static enum vg_rc run_round(struct blk *blks, unsigned n, struct vg_error *err)
{
    pthread_t th[THREADS_MAX];
    int started[THREADS_MAX];
    unsigned i;

    for (i = 0; i < n; i++) {
        blks[i].err_no = 0;
        /* The last block of the round runs here; no thread: here too. */
        started[i] = i + 1 < n && pthread_create(&th[i], NULL, work, &blks[i]) == 0;
        if (!started[i])
            work(&blks[i]);
    }
    for (i = 0; i < n; i++) {
        if (started[i])
            pthread_join(th[i], NULL);
    }
    for (i = 0; i < n; i++) {
        if (blks[i].err_no)
            return vg_error_set(err, VG_IO, NULL, "read failed: %s", strerror(blks[i].err_no));
    }
    return VG_OK;
}

enum vg_rc vg_match_file(const struct vg_index *idx, const char *path, unsigned threads,
                         size_t block, vg_match_out_cb cb, void *ctx, struct vg_match_stats *stats,
                         struct vg_error *err)
{
    struct blk blks[THREADS_MAX];
    unsigned char magic[2] = {0, 0};
    struct stat st;
    uint64_t line_base = 0, pos = 0;
    int fd, stop = 0, is_std = strcmp(path, "-") == 0;
    unsigned i, n;
    enum vg_rc rc = VG_OK;

    if (threads == 0)
        threads = 1;
    if (threads > THREADS_MAX)
        threads = THREADS_MAX;
    if (block == 0)
        block = VG_MATCH_BLOCK;
    fd = is_std ? dup(0) : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return vg_error_set(err, VG_IO, "file", "cannot open %s: %s", path, strerror(errno));
    if (fstat(fd, &st) != 0) {
        close(fd);
        return vg_error_set(err, VG_IO, "file", "cannot read %s: %s", path, strerror(errno));
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return vg_error_set(err, VG_IO, "file", "%s is a directory", path);
    }
    memset(blks, 0, sizeof(blks[0]) * threads);
    for (i = 0; i < threads; i++) {
        blks[i].idx = idx;
        blks[i].fd = -1;
    }
    if (S_ISREG(st.st_mode) && !is_std &&
        !(pread(fd, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b)) {
        uint64_t size = (uint64_t)st.st_size;
        const char *map = NULL;

        /* Mapped, the file is scanned where the page cache holds it; where
         * it cannot be mapped, blocks are read with pread. */
        if (size > 0) {
            void *p = mmap(NULL, (size_t)size, PROT_READ, MAP_SHARED, fd, 0);

            if (p != MAP_FAILED) {
                map = p;
                madvise(p, (size_t)size, MADV_SEQUENTIAL);
                pthread_once(&bus_once, bus_install);
            }
        }
        while (pos < size && !stop && rc == VG_OK) {
            for (n = 0; n < threads && pos < size; n++, pos += block) {
                blks[n].fd = map ? -1 : fd;
                blks[n].map = map;
                blks[n].a = pos;
                blks[n].b = pos + block < size ? pos + block : size;
                blks[n].size = size;
            }
            if ((rc = run_round(blks, n, err)) == VG_OK)
                rc = deliver(blks, n, &line_base, cb, ctx, stats, &stop, err);
        }
        if (map)
            munmap((void *)map, (size_t)size);
        close(fd);
        if (rc == VG_IO && map)
            vg_error_set(err, VG_IO, "file", "cannot read %s: it shrank while being read", path);
        goto out;
    }
    {
        struct stream in = {0};

        if ((in.gz = gzdopen(fd, "rb")) == NULL) {
            close(fd);
            return vg_error_set(err, VG_NOMEM, NULL, "out of memory");
        }
        gzbuffer(in.gz, 1u << 17);
        while (!in.eof && !stop && rc == VG_OK) {
            for (n = 0; n < threads && !in.eof; n++) {
                int e = fill(&blks[n], &in, block);

                if (e) {
                    int zerr = 0;
                    const char *zmsg = e == EIO ? gzerror(in.gz, &zerr) : "out of memory";

                    rc = vg_error_set(err, e == ENOMEM ? VG_NOMEM : VG_IO, "file",
                                      "cannot read %s: %s", path, zmsg);
                    break;
                }
                blks[n].start = pos;
                pos += blks[n].len;
            }
            if (rc == VG_OK && (rc = run_round(blks, n, err)) == VG_OK)
                rc = deliver(blks, n, &line_base, cb, ctx, stats, &stop, err);
        }
        gzclose(in.gz);
        free(in.carry);
    }
out:
    for (i = 0; i < threads; i++) {
        free(blks[i].buf);
        free(blks[i].recs);
    }
    return rc;
}
