/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_serve.c - `vigie serve`: run the hub's HTTP server until SIGTERM.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "http/server.h"

/* "ADDR:PORT", "[V6]:PORT" or ":PORT" into opts (address kept in buf). */
static int parse_listen(const char *s, char *buf, size_t cap, struct vg_server_opts *o)
{
    const char *colon = strrchr(s, ':');
    char *end;
    long port;
    size_t alen;

    if (colon == NULL)
        return -1;
    port = strtol(colon + 1, &end, 10);
    if (*end != '\0' || colon[1] == '\0' || port < 0 || port > 65535)
        return -1;
    alen = (size_t)(colon - s);
    if (alen >= 2 && s[0] == '[' && s[alen - 1] == ']') {
        s++;
        alen -= 2;
    }
    if (alen == 0) {
        s = "127.0.0.1";
        alen = strlen(s);
    }
    if (alen >= cap)
        return -1;
    memcpy(buf, s, alen);
    buf[alen] = '\0';
    o->address = buf;
    o->port = (unsigned)port;
    return 0;
}

static int run(struct vg_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"listen", required_argument, NULL, 'l'},
                                         {"threads", required_argument, NULL, 't'},
                                         {"checkpoint-every", required_argument, NULL, 'c'},
                                         {"checkpoint-leaves", required_argument, NULL, 'n'},
                                         {NULL, 0, NULL, 0}};
    struct vg_server_opts so = {0};
    struct vg_error err;
    char addr[64];
    int c;

    so.hub = cli->hub;
    so.address = "127.0.0.1";
    so.port = 8443;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'l':
            if (parse_listen(optarg, addr, sizeof(addr), &so) != 0)
                return tool_usage(&vg_cmd_serve, "--listen takes ADDR:PORT");
            break;
        case 't':
            so.threads = (unsigned)strtoul(optarg, NULL, 10);
            if (so.threads == 0 || so.threads > 64)
                return tool_usage(&vg_cmd_serve, "--threads is 1 to 64");
            break;
        case 'c':
            so.checkpoint_s = (unsigned)strtoul(optarg, NULL, 10);
            if (so.checkpoint_s == 0 || so.checkpoint_s > 86400)
                return tool_usage(&vg_cmd_serve, "--checkpoint-every is 1 to 86400 seconds");
            break;
        case 'n':
            so.checkpoint_leaves = (unsigned)strtoul(optarg, NULL, 10);
            if (so.checkpoint_leaves == 0)
                return tool_usage(&vg_cmd_serve, "--checkpoint-leaves is at least 1");
            break;
        default:
            return tool_usage(&vg_cmd_serve, NULL);
        }
    }
    if (optind != argc)
        return tool_usage(&vg_cmd_serve, "unexpected argument '%s'", argv[optind]);
    {
        struct vg_store *st;

        if (tool_open(cli, "serve", &st) != VG_EXIT_OK)
            return VG_EXIT_FAIL; /* the hub must exist before serving it */
        vg_store_close(st);
    }
    vg_error_clear(&err);
    if (vg_server_run(&so, &err) != VG_OK)
        return tool_fail(cli, "serve", &err);
    return VG_EXIT_OK;
}

const struct vg_cmd vg_cmd_serve = {
    .name = "serve",
    .summary = "run the hub's HTTP server until SIGTERM",
    .usage = "[--listen ADDR:PORT] [--threads N] [--checkpoint-every SECONDS] "
             "[--checkpoint-leaves N]",
    .run = run,
};
