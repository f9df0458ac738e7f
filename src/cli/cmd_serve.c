/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_serve.c - `vigie serve`: run the hub's HTTP server until SIGTERM.
 *
 * Settings come from a JSON configuration file (--config, see docs/server.md)
 * and the command line, which wins.  Unknown settings are an error, so that
 * a misspelt limit is not silently ignored.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "common/log.h"
#include "common/vtime.h"
#include "geo/geo.h"
#include "http/config.h"
#include "http/server.h"

/*
 * Enrichment at start (docs/geo.md): with databases in the configuration
 * (recorded in the hub) or recorded by `vigie enrich`, locate what is new
 * or was located by other databases.  A database named in the
 * configuration must open; one only recorded in the hub that no longer
 * opens is a warning (the stored locations stay).
 */
static enum vg_rc geo_refresh(struct vg_store *st, const char *country, const char *asn,
                              int *configured, struct vg_error *err)
{
    struct vg_geo_db *db = NULL;
    struct vg_geo_stats stats;
    enum vg_rc rc = vg_geo_open_hub(st, country, asn, &db, err);

    *configured = rc != VG_NOT_FOUND || country || asn;
    if (rc == VG_NOT_FOUND && !country && !asn) {
        vg_error_clear(err);
        return VG_OK; /* no enrichment configured */
    }
    if (rc != VG_OK) {
        if (country || asn)
            return rc;
        vg_log(VG_LOG_WARN, "geo", "enrichment not refreshed: %s", err->msg);
        vg_error_clear(err);
        return VG_OK;
    }
    rc = vg_geo_refresh(st, db, &stats, NULL, NULL, err);
    if (rc == VG_OK && stats.examined)
        vg_log(VG_LOG_INFO, "geo", "enrichment: %zu observables looked at, %zu located (%s)",
               stats.examined, stats.located, vg_geo_build_text(db));
    vg_geo_free(db);
    return rc;
}

/*
 * While the server runs, a thread refreshes the enrichment every
 * geo.refresh_s seconds (what TAXII writes brought in since), with its own
 * store handle; each batch is a short write transaction of its own.  The
 * databases are opened again each time, so a file replaced in place is
 * picked up.  It stops when the server does.
 */
struct geo_thread {
    pthread_t t;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop;
    const char *hub;
    long period_s;
};

static void *geo_loop(void *arg)
{
    struct geo_thread *g = arg;
    struct timespec until;

    pthread_mutex_lock(&g->mu);
    while (!g->stop) {
        struct vg_store *st = NULL;
        struct vg_error err;
        int configured, r = 0;

        vg_time_deadline((int64_t)g->period_s * 1000000, &until);
        while (!g->stop && r != ETIMEDOUT)
            r = pthread_cond_timedwait(&g->cv, &g->mu, &until);
        if (g->stop)
            break;
        pthread_mutex_unlock(&g->mu);
        vg_error_clear(&err);
        if (vg_store_open(g->hub, 0, &st, &err) != VG_OK ||
            geo_refresh(st, NULL, NULL, &configured, &err) != VG_OK)
            vg_log(VG_LOG_WARN, "geo", "enrichment refresh failed: %s", err.msg);
        vg_store_close(st);
        pthread_mutex_lock(&g->mu);
    }
    pthread_mutex_unlock(&g->mu);
    return NULL;
}

static int run(struct vg_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"listen", required_argument, NULL, 'l'},
                                         {"threads", required_argument, NULL, 't'},
                                         {"config", required_argument, NULL, 'c'},
                                         {"checkpoint-every", required_argument, NULL, 'E'},
                                         {"checkpoint-leaves", required_argument, NULL, 'N'},
                                         {NULL, 0, NULL, 0}};
    struct vg_server_config s;
    struct vg_error err;
    const char *listen = NULL, *config = NULL;
    char addr[64];
    unsigned threads = 0;
    struct geo_thread gt = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
    int geo_configured = 0, geo_started = 0;
    int c, rc = VG_EXIT_FAIL;

    memset(&s, 0, sizeof(s));
    s.geo_refresh_s = -1;
    s.so.hub = cli->hub;
    s.so.address = "127.0.0.1";
    s.so.port = 8443;
    vg_error_clear(&err);
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'l':
            listen = optarg;
            break;
        case 'c':
            config = optarg;
            break;
        case 't':
            threads = (unsigned)strtoul(optarg, NULL, 10);
            if (threads == 0 || threads > 64)
                return tool_usage(&vg_cmd_serve, "--threads is 1 to 64");
            break;
        case 'E':
            s.so.checkpoint_s = (unsigned)strtoul(optarg, NULL, 10);
            if (s.so.checkpoint_s == 0 || s.so.checkpoint_s > 86400)
                return tool_usage(&vg_cmd_serve, "--checkpoint-every is 1 to 86400 seconds");
            break;
        case 'N':
            s.so.checkpoint_leaves = (unsigned)strtoul(optarg, NULL, 10);
            if (s.so.checkpoint_leaves == 0)
                return tool_usage(&vg_cmd_serve, "--checkpoint-leaves is at least 1");
            break;
        default:
            return tool_usage(&vg_cmd_serve, NULL);
        }
    }
    if (optind != argc)
        return tool_usage(&vg_cmd_serve, "unexpected argument '%s'", argv[optind]);
    if (config && vg_server_config_load(config, &s, &err) != 0) {
        rc = tool_fail(cli, "serve", &err);
        goto out;
    }
    /* the command line wins over the file */
    if (listen && vg_server_parse_listen(listen, addr, sizeof(addr), &s.so) != 0) {
        rc = tool_usage(&vg_cmd_serve, "--listen takes ADDR:PORT");
        goto out;
    }
    if (threads)
        s.so.threads = threads;
    s.so.tls_cert_pem = s.cert;
    s.so.tls_key_pem = s.key;
    {
        struct vg_store *st;

        if (tool_open(cli, "serve", &st) != VG_EXIT_OK)
            goto out; /* the hub must exist before serving it */
        if (geo_refresh(st, s.country_db, s.asn_db, &geo_configured, &err) != VG_OK) {
            vg_store_close(st);
            rc = tool_fail(cli, "serve", &err);
            goto out;
        }
        vg_store_close(st);
    }
    gt.hub = cli->hub;
    gt.period_s = s.geo_refresh_s < 0 ? 300 : s.geo_refresh_s;
    if (geo_configured && gt.period_s > 0 && pthread_create(&gt.t, NULL, geo_loop, &gt) == 0)
        geo_started = 1;
    if (vg_server_run(&s.so, &err) != VG_OK)
        rc = tool_fail(cli, "serve", &err);
    else
        rc = VG_EXIT_OK;
    if (geo_started) {
        pthread_mutex_lock(&gt.mu);
        gt.stop = 1;
        pthread_cond_signal(&gt.cv);
        pthread_mutex_unlock(&gt.mu);
        pthread_join(gt.t, NULL);
    }
out:
    vg_server_config_cleanup(&s);
    return rc;
}

const struct vg_cmd vg_cmd_serve = {
    .name = "serve",
    .summary = "run the hub's HTTP server until SIGTERM",
    .usage = "[--config FILE] [--listen ADDR:PORT] [--threads N] [--checkpoint-every SECONDS] "
             "[--checkpoint-leaves N]",
    .run = run,
};
