/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stream_sub.c - the subscribers of bench/stream.mjs in C: N live streams
 * read by one epoll thread, for measuring a server rather than the load
 * client (bench/stream with CLIENT=c).
 *
 * usage: stream_sub PORT SUBSFILE
 *   SUBSFILE: one line per subscriber, "KEY PATH" (PATH: /api/v1/stream?...)
 *   stdin: "cut" closes every stream and reopens it with Last-Event-ID (the
 *   last id received); "report" prints one JSON line - the latency
 *   histogram (0.1 ms buckets, as [bucket, count] pairs), the largest
 *   latency and the last receipt (ms, CLOCK_MONOTONIC: node's
 *   process.hrtime), duplicates, and each subscriber's count of distinct
 *   objects received.  "ready" is printed once every connection is started.
 *
 * It does what the node subscribers of stream.mjs do, byte for byte, and
 * nothing more: HTTP/1.1 with chunked transfer decoding, events split at the
 * blank line, an event counted only if it starts with "id: " and holds
 * "name":"b<sent ms>-<object number>" (no JSON parse), a bit per object
 * number and subscriber for loss and duplicates, latency = receipt - sent
 * (same clock, same machine).  The writer and the accounting stay in
 * stream.mjs, so both instruments differ only in how the streams are read.
 */
#define _GNU_SOURCE /* memmem, strcasestr */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUCKET 0.1       /* ms per histogram bucket, as stream.mjs */
#define NBUCKETS 600000  /* up to 60 s */
#define RAW (256 * 1024) /* one recv */
#define ID_MAX 64

enum { HEAD, CHUNK_SIZE, CHUNK_DATA, CHUNK_CRLF, RAW_BODY };

struct sub {
    char *key, *path;
    int fd;
    int connecting;
    int state, chunk_ext; /* chunk_ext: in the size line's extension or CR */
    size_t chunk_left;
    char *hdr; /* the response head so far */
    size_t hdr_len;
    char *buf; /* body bytes not yet split into events */
    size_t len, cap;
    uint32_t *seen; /* a bit per object number */
    size_t nseen;
    uint64_t count, dups;
    char last[ID_MAX];
    double reopened; /* after a cut: when its stream's head came back (ms), 0 before */
};

static uint32_t hist[NBUCKETS];
static double max_lat, last_at, cut_at, cut_took;
static struct sockaddr_in addr;
static int ep;

static void sub_close(struct sub *s)
{
    if (s->fd >= 0) {
        epoll_ctl(ep, EPOLL_CTL_DEL, s->fd, NULL);
        close(s->fd);
    }
    s->fd = -1;
}

static double now_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static void *xrealloc(void *p, size_t n)
{
    if ((p = realloc(p, n)) == NULL) {
        perror("stream_sub");
        exit(2);
    }
    return p;
}

/* Non-blocking, as node's: the loop goes on reading the others meanwhile;
 * the request goes once the socket is writable (send_request). */
static void sub_connect(struct sub *s)
{
    struct epoll_event ev;

    s->state = HEAD;
    s->hdr_len = s->len = 0;
    s->connecting = 1;
    if ((s->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) < 0 ||
        (connect(s->fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 && errno != EINPROGRESS)) {
        perror("stream_sub: connect");
        if (s->fd >= 0)
            close(s->fd);
        s->fd = -1;
        return;
    }
    ev.events = EPOLLOUT;
    ev.data.ptr = s;
    epoll_ctl(ep, EPOLL_CTL_ADD, s->fd, &ev);
}

static void send_request(struct sub *s)
{
    struct epoll_event ev;
    char req[1024];
    int n, e = 0;
    socklen_t len = sizeof(e);

    s->connecting = 0;
    if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &e, &len) != 0 || e != 0) {
        fprintf(stderr, "stream_sub: connect: %s\n", strerror(e));
        sub_close(s);
        return;
    }
    /* small enough for an empty socket buffer: sent whole */
    n = snprintf(req, sizeof(req),
                 "GET %s HTTP/1.1\r\nHost: %s:%d\r\nAuthorization: Bearer %s\r\n"
                 "Accept: text/event-stream\r\n%s%s%sConnection: close\r\n\r\n",
                 s->path, inet_ntoa(addr.sin_addr), ntohs(addr.sin_port), s->key,
                 s->last[0] ? "Last-Event-ID: " : "", s->last, s->last[0] ? "\r\n" : "");
    if (n <= 0 || (size_t)n >= sizeof(req) || send(s->fd, req, (size_t)n, 0) != n) {
        perror("stream_sub: request");
        sub_close(s);
        return;
    }
    ev.events = EPOLLIN;
    ev.data.ptr = s;
    epoll_ctl(ep, EPOLL_CTL_MOD, s->fd, &ev);
}

/* A new object number for s: 1, or 0 if it came before. */
static int mark(struct sub *s, unsigned long k)
{
    size_t w = k >> 5;
    uint32_t bit = (uint32_t)1 << (k & 31);

    if (w >= s->nseen) {
        size_t n = s->nseen ? s->nseen : 128;

        while (n <= w)
            n *= 2;
        s->seen = xrealloc(s->seen, n * sizeof(*s->seen));
        memset(s->seen + s->nseen, 0, (n - s->nseen) * sizeof(*s->seen));
        s->nseen = n;
    }
    if (s->seen[w] & bit) {
        s->dups++;
        return 0;
    }
    s->seen[w] |= bit;
    s->count++;
    return 1;
}

/* One event (without its blank line), as stream.mjs's feed(). */
static void event(struct sub *s, const char *ev, size_t n)
{
    static const char name[] = "\"name\":\"b";
    const char *p, *nl, *end = ev + n;
    char *q;
    double sent, lat;
    unsigned long k;
    size_t idlen;

    if (n < 4 || memcmp(ev, "id: ", 4) != 0)
        return;
    if ((p = memmem(ev, n, name, sizeof(name) - 1)) == NULL)
        return;
    p += sizeof(name) - 1;
    sent = strtod(p, &q); /* stops at the '-' */
    if (q >= end || *q != '-')
        return;
    k = strtoul(q + 1, NULL, 10);
    nl = memchr(ev, '\n', n);
    idlen = (size_t)((nl ? nl : end) - (ev + 4));
    if (idlen >= ID_MAX)
        idlen = ID_MAX - 1;
    memcpy(s->last, ev + 4, idlen);
    s->last[idlen] = '\0';
    if (!mark(s, k))
        return;
    last_at = now_ms();
    lat = last_at - sent;
    if (lat > max_lat)
        max_lat = lat;
    lat /= BUCKET;
    hist[lat < 0 ? 0 : lat >= NBUCKETS - 1 ? NBUCKETS - 1 : (size_t)lat]++;
}

/* Body bytes: append, then every whole event. */
static void body(struct sub *s, const char *p, size_t n)
{
    size_t at = 0;
    char *e;

    if (s->len + n > s->cap) {
        s->cap = (s->len + n) * 2;
        s->buf = xrealloc(s->buf, s->cap);
    }
    memcpy(s->buf + s->len, p, n);
    s->len += n;
    /* a blank line can straddle the old and new bytes: look from one back */
    while ((e = memmem(s->buf + at, s->len - at, "\n\n", 2)) != NULL) {
        event(s, s->buf + at, (size_t)(e - (s->buf + at)));
        at = (size_t)(e - s->buf) + 2;
    }
    memmove(s->buf, s->buf + at, s->len - at);
    s->len -= at;
}

/* Received bytes through the HTTP framing. */
static void feed(struct sub *s, const char *p, size_t n)
{
    while (n > 0) {
        switch (s->state) {
        case HEAD: {
            char *e;

            s->hdr = xrealloc(s->hdr, s->hdr_len + n + 1);
            memcpy(s->hdr + s->hdr_len, p, n);
            s->hdr_len += n;
            s->hdr[s->hdr_len] = '\0';
            if ((e = strstr(s->hdr, "\r\n\r\n")) == NULL)
                return;
            *e = '\0';
            if (strncmp(s->hdr, "HTTP/1.1 200", 12) != 0)
                fprintf(stderr, "stream_sub: %.60s\n", s->hdr);
            if (cut_at > 0)
                s->reopened = now_ms();
            s->state = strcasestr(s->hdr, "\r\ntransfer-encoding: chunked") ? CHUNK_SIZE : RAW_BODY;
            s->chunk_left = 0;
            s->chunk_ext = 0;
            /* what followed the head */
            n = s->hdr_len - (size_t)(e + 4 - s->hdr);
            p = e + 4;
            if (n == 0)
                return;
            /* copy out: s->hdr is reused on the next connection */
            {
                char *rest = malloc(n);

                if (rest == NULL)
                    exit(2);
                memcpy(rest, p, n);
                feed(s, rest, n);
                free(rest);
            }
            return;
        }
        case CHUNK_SIZE:
            /* hex digits, maybe ";ext", CR, LF */
            while (n > 0 && *p != '\n') {
                int c = *p, v = -1;

                if (c >= '0' && c <= '9')
                    v = c - '0';
                else if (c >= 'a' && c <= 'f')
                    v = c - 'a' + 10;
                else if (c >= 'A' && c <= 'F')
                    v = c - 'A' + 10;
                if (v < 0)
                    s->chunk_ext = 1;
                else if (!s->chunk_ext)
                    s->chunk_left = s->chunk_left * 16 + (size_t)v;
                p++;
                n--;
            }
            if (n == 0)
                return;
            p++;
            n--;
            s->chunk_ext = 0;
            s->state = s->chunk_left ? CHUNK_DATA : CHUNK_CRLF; /* 0: the end */
            break;
        case CHUNK_DATA: {
            size_t take = n < s->chunk_left ? n : s->chunk_left;

            body(s, p, take);
            p += take;
            n -= take;
            if ((s->chunk_left -= take) == 0) {
                s->state = CHUNK_CRLF;
                s->chunk_ext = 0;
            }
            break;
        }
        case CHUNK_CRLF: /* the CR LF after a chunk's data */
            if (*p == '\n')
                s->state = CHUNK_SIZE;
            p++;
            n--;
            break;
        case RAW_BODY:
            body(s, p, n);
            return;
        }
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static void report(struct sub *subs, size_t n)
{
    uint64_t dups = 0;
    size_t i, nr = 0;
    int first = 1;
    double *re = calloc(n ? n : 1, sizeof(*re));

    /* on stderr: how long the streams took to come back after a cut */
    for (i = 0; re && i < n; i++)
        if (subs[i].reopened > 0)
            re[nr++] = subs[i].reopened - cut_at;
    if (nr > 0) {
        qsort(re, nr, sizeof(*re), cmp_double);
        fprintf(stderr,
                "stream_sub: %zu of %zu streams back after the cut: p50 %.1f ms, p99 %.1f, "
                "last %.1f (closing and opening them all took %.1f ms here)\n",
                nr, n, re[nr / 2], re[(nr * 99) / 100 < nr ? (nr * 99) / 100 : nr - 1], re[nr - 1],
                cut_took);
    }
    free(re);

    for (i = 0; i < n; i++)
        dups += subs[i].dups;
    printf("{\"maxLat\":%.3f,\"lastAt\":%.3f,\"dups\":%llu,\"counts\":[", max_lat, last_at,
           (unsigned long long)dups);
    for (i = 0; i < n; i++)
        printf("%s%llu", i ? "," : "", (unsigned long long)subs[i].count);
    printf("],\"hist\":[");
    for (i = 0; i < NBUCKETS; i++)
        if (hist[i]) {
            printf("%s[%zu,%u]", first ? "" : ",", i, hist[i]);
            first = 0;
        }
    printf("]}\n");
    fflush(stdout);
}

int main(int argc, char **argv)
{
    static char raw[RAW];
    struct epoll_event ev, evs[256];
    struct sub *subs = NULL;
    size_t nsubs = 0, i;
    char line[4096], cmd[256];
    size_t cmd_len = 0;
    FILE *f;

    if (argc != 3) {
        fprintf(stderr, "usage: stream_sub PORT SUBSFILE\n");
        return 2;
    }
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)atoi(argv[1]));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if ((f = fopen(argv[2], "r")) == NULL) {
        perror(argv[2]);
        return 2;
    }
    while (fgets(line, sizeof(line), f)) {
        char *sp = strchr(line, ' '), *nl = strchr(line, '\n');

        if (sp == NULL)
            continue;
        if (nl)
            *nl = '\0';
        *sp = '\0';
        subs = xrealloc(subs, (nsubs + 1) * sizeof(*subs));
        memset(&subs[nsubs], 0, sizeof(*subs));
        subs[nsubs].key = strdup(line);
        subs[nsubs].path = strdup(sp + 1);
        subs[nsubs].fd = -1;
        nsubs++;
    }
    fclose(f);
    ep = epoll_create1(0);
    ev.events = EPOLLIN;
    ev.data.ptr = NULL; /* stdin */
    epoll_ctl(ep, EPOLL_CTL_ADD, 0, &ev);
    for (i = 0; i < nsubs; i++)
        sub_connect(&subs[i]);
    printf("ready\n");
    fflush(stdout);
    for (;;) {
        int k, cut, nev = epoll_wait(ep, evs, 256, -1);

        if (nev < 0 && errno != EINTR)
            return 1;
        for (k = 0, cut = 0; k < nev && !cut; k++) {
            struct sub *s = evs[k].data.ptr;
            ssize_t r;

            if (s == NULL) { /* a command */
                char *nl;

                if ((r = read(0, cmd + cmd_len, sizeof(cmd) - 1 - cmd_len)) <= 0)
                    return 0; /* stream.mjs has gone */
                cmd_len += (size_t)r;
                cmd[cmd_len] = '\0';
                while ((nl = strchr(cmd, '\n')) != NULL) {
                    *nl = '\0';
                    if (strcmp(cmd, "cut") == 0) {
                        cut = 1; /* the batch's other events are of closed sockets */
                        cut_at = now_ms();
                        for (i = 0; i < nsubs; i++) {
                            sub_close(&subs[i]);
                            sub_connect(&subs[i]);
                        }
                        cut_took = now_ms() - cut_at;
                    } else if (strcmp(cmd, "report") == 0) {
                        report(subs, nsubs);
                    }
                    cmd_len -= (size_t)(nl + 1 - cmd);
                    memmove(cmd, nl + 1, cmd_len + 1);
                }
                if (cmd_len == sizeof(cmd) - 1)
                    cmd_len = 0;
                continue;
            }
            if (s->fd < 0)
                continue; /* closed by a cut in this same batch */
            if (s->connecting) {
                if (evs[k].events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
                    send_request(s);
                continue;
            }
            r = recv(s->fd, raw, sizeof(raw), 0);
            if (r > 0) {
                feed(s, raw, (size_t)r);
            } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
                sub_close(s); /* as stream.mjs: an ended stream is not reopened */
            }
        }
    }
}
