/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stream_ceiling.c - how many bytes of SSE text this machine can push
 * through loopback to N connections, whatever the server does to make them.
 *
 * usage: stream_ceiling [CONNECTIONS [SECONDS [WRITER_THREADS [BLOCK]]]]
 *        (defaults 1000, 5, 2, 16384)
 *
 * A writer process (WRITER_THREADS threads, each with its share of the
 * connections on its own epoll, writing BLOCK bytes of ready-made SSE text
 * whenever a socket has room: what libmicrohttpd's threads do with a
 * stream's buffer, minus everything else) and a reader process (one
 * thread, epoll, reads into a 64 KiB buffer and counts: less than any real
 * client does) share the machine's cores.  Prints one JSON line: bytes and
 * events per second through the whole loopback path, with the event size of
 * the benchmark's indicators (about 560 bytes).  No project code: the
 * ceiling any stream implementation on this machine works under.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define EVENT_BYTES 560 /* one indicator event of bench/stream.mjs, id and data lines */

static double now_s(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

struct writer {
    int *fds;
    size_t n;
    const char *block;
    size_t block_len;
    double until;
};

static void *write_loop(void *arg)
{
    struct writer *w = arg;
    struct epoll_event ev, evs[256];
    int ep = epoll_create1(0);
    size_t i;

    for (i = 0; i < w->n; i++) {
        ev.events = EPOLLOUT;
        ev.data.fd = w->fds[i];
        epoll_ctl(ep, EPOLL_CTL_ADD, w->fds[i], &ev);
    }
    while (now_s() < w->until) {
        int k, n = epoll_wait(ep, evs, 256, 100);

        for (k = 0; k < n; k++)
            if (write(evs[k].data.fd, w->block, w->block_len) < 0 && errno != EAGAIN)
                epoll_ctl(ep, EPOLL_CTL_DEL, evs[k].data.fd, NULL);
    }
    close(ep);
    return NULL;
}

int main(int argc, char **argv)
{
    size_t conns = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000;
    double secs = argc > 2 ? atof(argv[2]) : 5;
    size_t threads = argc > 3 ? strtoul(argv[3], NULL, 10) : 2;
    size_t block = argc > 4 ? strtoul(argv[4], NULL, 10) : 16384;
    struct sockaddr_in a;
    socklen_t alen = sizeof(a);
    int ls, one = 1, pipefd[2], status;
    int *srv_fds, *cli_fds;
    char *text;
    pid_t pid;
    size_t i;

    if (conns == 0 || threads == 0 || block == 0 || secs <= 0) {
        fprintf(stderr, "usage: stream_ceiling [CONNECTIONS [SECONDS [WRITER_THREADS [BLOCK]]]]\n");
        return 2;
    }
    srv_fds = calloc(conns, sizeof(int));
    cli_fds = calloc(conns, sizeof(int));
    text = malloc(block);
    if (!srv_fds || !cli_fds || !text)
        return 1;
    for (i = 0; i < block; i++) /* SSE-like text: data lines */
        text[i] = i % 80 == 79 ? '\n' : "data: {\"type\":\"indicator\"}"[i % 26];
    ls = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(ls, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(ls, 4096) != 0 ||
        getsockname(ls, (struct sockaddr *)&a, &alen) != 0) {
        perror("listen");
        return 1;
    }
    for (i = 0; i < conns; i++) {
        cli_fds[i] = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(cli_fds[i], (struct sockaddr *)&a, sizeof(a)) != 0 ||
            (srv_fds[i] = accept(ls, NULL, NULL)) < 0) {
            perror("connect");
            return 1;
        }
        fcntl(srv_fds[i], F_SETFL, O_NONBLOCK);
        fcntl(cli_fds[i], F_SETFL, O_NONBLOCK);
    }
    if (pipe(pipefd) != 0)
        return 1;
    signal(SIGPIPE, SIG_IGN); /* the reader leaves first */
    pid = fork();
    if (pid == 0) { /* the reader: the load generator's share of the cores */
        struct epoll_event ev, evs[256];
        static char buf[65536];
        unsigned long long total = 0;
        double t0, t1, until;
        int ep = epoll_create1(0);

        for (i = 0; i < conns; i++) {
            close(srv_fds[i]);
            ev.events = EPOLLIN;
            ev.data.fd = cli_fds[i];
            epoll_ctl(ep, EPOLL_CTL_ADD, cli_fds[i], &ev);
        }
        t0 = now_s();
        until = t0 + secs;
        while ((t1 = now_s()) < until) {
            int k, n = epoll_wait(ep, evs, 256, 100);

            for (k = 0; k < n; k++) {
                ssize_t r;

                while ((r = read(evs[k].data.fd, buf, sizeof(buf))) > 0)
                    total += (unsigned long long)r;
            }
        }
        if (write(pipefd[1], &total, sizeof(total)) != sizeof(total))
            _exit(1);
        _exit(0);
    }
    {
        pthread_t *t = calloc(threads, sizeof(*t));
        struct writer *w = calloc(threads, sizeof(*w));
        unsigned long long total = 0;
        double until = now_s() + secs + 0.5;

        for (i = 0; i < conns; i++)
            close(cli_fds[i]);
        for (i = 0; i < threads; i++) {
            w[i].fds = srv_fds + i * conns / threads;
            w[i].n = (i + 1) * conns / threads - i * conns / threads;
            w[i].block = text;
            w[i].block_len = block;
            w[i].until = until;
            pthread_create(&t[i], NULL, write_loop, &w[i]);
        }
        if (read(pipefd[0], &total, sizeof(total)) != sizeof(total))
            return 1;
        for (i = 0; i < threads; i++)
            pthread_join(t[i], NULL);
        waitpid(pid, &status, 0);
        printf("{\"connections\": %zu, \"writer_threads\": %zu, \"block\": %zu, \"seconds\": %.1f, "
               "\"MB_per_s\": %.0f, \"events_per_s\": %.0f}\n",
               conns, threads, block, secs, (double)total / secs / 1e6,
               (double)total / secs / EVENT_BYTES);
        free(t);
        free(w);
    }
    return 0;
}
