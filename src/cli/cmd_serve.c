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
#include <openssl/crypto.h>

#include "cli.h"
#include "common/log.h"
#include "common/vtime.h"
#include "geo/geo.h"
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

/* A whole PEM file (at most 1 MiB), NUL-terminated; NULL with err set. */
static char *read_pem(const char *path, struct vg_error *err)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    size_t n;

    if (f == NULL) {
        vg_error_set(err, VG_IO, "tls", "cannot open %s", path);
        return NULL;
    }
    if ((buf = malloc((1u << 20) + 1)) == NULL) {
        fclose(f);
        vg_error_set(err, VG_NOMEM, NULL, "out of memory");
        return NULL;
    }
    n = fread(buf, 1, 1u << 20, f);
    if (ferror(f) || !feof(f) || n == 0 || memchr(buf, '\0', n) != NULL) {
        fclose(f);
        free(buf);
        vg_error_set(err, VG_INVALID, "tls", "%s is not a PEM file of at most 1 MiB", path);
        return NULL;
    }
    fclose(f);
    buf[n] = '\0';
    return buf;
}

struct settings {
    struct vg_server_opts so;
    char addr[64];
    char *cert, *key;          /* PEM texts, owned */
    char *country_db, *asn_db; /* "geo": the MMDB databases (docs/geo.md), owned */
    long geo_refresh_s;        /* geo.refresh_s: 0 never; -1 unset (the default) */
    char *webhook_ca;          /* path, owned */
};

/* One unsigned setting of the "limits" object, in [1, max]. */
/* lookup.half_life_days: {"ipv4": 7, "domain": 60, ...}, days in (0, 36500]. */
static int half_lives(json_t *obj, double *days, struct vg_error *err)
{
    const char *kind;
    json_t *d;
    int k;

    json_object_foreach(obj, kind, d)
    {
        for (k = 1; k < VG_OBS_KIND_COUNT; k++)
            if (strcmp(vg_obs_kind_name((enum vg_obs_kind)k), kind) == 0)
                break;
        if (k == VG_OBS_KIND_COUNT || !json_is_number(d) || !(json_number_value(d) > 0) ||
            json_number_value(d) > 36500) {
            vg_error_set(err, VG_INVALID, "config",
                         "lookup.half_life_days.%s: a kind of value and days in (0, 36500]", kind);
            return -1;
        }
        days[k] = json_number_value(d);
    }
    return 0;
}

static int limit_value(json_t *v, const char *name, unsigned long long max, unsigned long long *out,
                       struct vg_error *err)
{
    if (!json_is_integer(v) || json_integer_value(v) < 1 ||
        (unsigned long long)json_integer_value(v) > max) {
        vg_error_set(err, VG_INVALID, name, "limits.%s must be an integer from 1 to %llu", name,
                     max);
        return -1;
    }
    *out = (unsigned long long)json_integer_value(v);
    return 0;
}

static int load_config(const char *path, struct settings *s, struct vg_error *err)
{
    json_error_t jerr;
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr), *v, *l;
    const char *k, *lk; /* json_object_foreach walks by key: one per loop */
    int rc = -1;

    if (doc == NULL || !json_is_object(doc)) {
        vg_error_set(err, VG_INVALID, "config", "%s: %s (line %d)", path,
                     doc ? "not a JSON object" : jerr.text, doc ? 0 : jerr.line);
        json_decref(doc);
        return -1;
    }
    json_object_foreach(doc, k, v)
    {
        if (strcmp(k, "listen") == 0) {
            if (!json_is_string(v) ||
                parse_listen(json_string_value(v), s->addr, sizeof(s->addr), &s->so) != 0) {
                vg_error_set(err, VG_INVALID, "listen", "listen must be \"ADDR:PORT\"");
                goto out;
            }
        } else if (strcmp(k, "threads") == 0) {
            unsigned long long n;

            if (limit_value(v, "threads", 64, &n, err) != 0)
                goto out;
            s->so.threads = (unsigned)n;
        } else if (strcmp(k, "limits") == 0 && json_is_object(v)) {
            json_object_foreach(v, lk, l)
            {
                unsigned long long n;

                if (strcmp(lk, "max_content_length") == 0 &&
                    limit_value(l, lk, 1ull << 32, &n, err) == 0)
                    s->so.max_content_length = (size_t)n;
                else if (strcmp(lk, "max_connections") == 0 &&
                         limit_value(l, lk, 1000000, &n, err) == 0)
                    s->so.max_connections = (unsigned)n;
                else if (strcmp(lk, "max_per_address") == 0 &&
                         limit_value(l, lk, 1000000, &n, err) == 0)
                    s->so.max_per_address = (unsigned)n;
                else if (strcmp(lk, "timeout_s") == 0 && limit_value(l, lk, 86400, &n, err) == 0)
                    s->so.timeout_s = (unsigned)n;
                else if (strcmp(lk, "grace_s") == 0 && limit_value(l, lk, 3600, &n, err) == 0)
                    s->so.grace_s = (unsigned)n;
                else if (strcmp(lk, "body_timeout_s") == 0 &&
                         limit_value(l, lk, 86400, &n, err) == 0)
                    s->so.body_timeout_s = (unsigned)n;
                else if (strcmp(lk, "max_artefact_size") == 0 &&
                         limit_value(l, lk, 1ull << 32, &n, err) == 0)
                    s->so.max_artefact_size = (size_t)n;
                else if (strcmp(lk, "max_artefacts_per_object") == 0 &&
                         limit_value(l, lk, 100000, &n, err) == 0)
                    s->so.max_artefacts_per_object = (size_t)n;
                else if (strcmp(lk, "rate_per_key") == 0 &&
                         limit_value(l, lk, 1000000, &n, err) == 0)
                    s->so.rate_per_key = (unsigned)n;
                else if (strcmp(lk, "burst_per_key") == 0 &&
                         limit_value(l, lk, 1000000, &n, err) == 0)
                    s->so.burst_per_key = (unsigned)n;
                else if (strcmp(lk, "rate_per_address") == 0 &&
                         limit_value(l, lk, 1000000, &n, err) == 0)
                    s->so.rate_per_address = (unsigned)n;
                else if (strcmp(lk, "burst_per_address") == 0 &&
                         limit_value(l, lk, 1000000, &n, err) == 0)
                    s->so.burst_per_address = (unsigned)n;
                else {
                    if (err->code == VG_OK)
                        vg_error_set(err, VG_INVALID, "config", "unknown setting limits.%s", lk);
                    goto out;
                }
            }
        } else if (strcmp(k, "stream") == 0 && json_is_object(v)) {
            json_object_foreach(v, lk, l)
            {
                unsigned long long n;

                if (strcmp(lk, "heartbeat_s") == 0 && limit_value(l, lk, 3600, &n, err) == 0)
                    s->so.stream_heartbeat_s = (unsigned)n;
                else if (strcmp(lk, "retention_days") == 0 &&
                         limit_value(l, lk, 36500, &n, err) == 0)
                    s->so.stream_retention_days = (unsigned)n;
                else {
                    if (err->code == VG_OK)
                        vg_error_set(err, VG_INVALID, "config", "unknown setting stream.%s", lk);
                    goto out;
                }
            }
        } else if (strcmp(k, "lookup") == 0 && json_is_object(v)) {
            json_object_foreach(v, lk, l)
            {
                if (strcmp(lk, "half_life_days") != 0 || !json_is_object(l) ||
                    half_lives(l, s->so.lookup_half_life_days, err) != 0) {
                    if (err->code == VG_OK)
                        vg_error_set(err, VG_INVALID, "config",
                                     "unknown setting lookup.%s (half_life_days: {KIND: DAYS})",
                                     lk);
                    goto out;
                }
            }
        } else if (strcmp(k, "webhook") == 0 && json_is_object(v)) {
            json_object_foreach(v, lk, l)
            {
                unsigned long long n;

                if (strcmp(lk, "ca_file") == 0 && json_is_string(l) && json_string_length(l) > 0 &&
                    s->webhook_ca == NULL) {
                    if ((s->webhook_ca = strdup(json_string_value(l))) == NULL) {
                        vg_error_set(err, VG_NOMEM, NULL, "out of memory");
                        goto out;
                    }
                    s->so.webhook_ca_file = s->webhook_ca;
                } else if (strcmp(lk, "timeout_s") == 0 && limit_value(l, lk, 300, &n, err) == 0) {
                    s->so.webhook_timeout_s = (unsigned)n;
                } else if (strcmp(lk, "retry_base_ms") == 0 &&
                           limit_value(l, lk, 3600000, &n, err) == 0) {
                    s->so.webhook_retry_ms = (unsigned)n;
                } else {
                    if (err->code == VG_OK)
                        vg_error_set(err, VG_INVALID, "config",
                                     "unknown or invalid setting webhook.%s (ca_file: a path, "
                                     "timeout_s: 1-300, retry_base_ms: 1-3600000)",
                                     lk);
                    goto out;
                }
            }
        } else if (strcmp(k, "geo") == 0 && json_is_object(v)) {
            json_object_foreach(v, lk, l)
            {
                char **slot;

                if (strcmp(lk, "refresh_s") == 0) {
                    if (!json_is_integer(l) || json_integer_value(l) < 0 ||
                        json_integer_value(l) > 86400) {
                        vg_error_set(err, VG_INVALID, "geo",
                                     "geo.refresh_s is 0 (never) to 86400 seconds");
                        goto out;
                    }
                    s->geo_refresh_s = (long)json_integer_value(l);
                    continue;
                }
                slot = strcmp(lk, "country_db") == 0 ? &s->country_db
                       : strcmp(lk, "asn_db") == 0   ? &s->asn_db
                                                     : NULL;

                if (slot == NULL || !json_is_string(l)) {
                    vg_error_set(err, VG_INVALID, "geo",
                                 "geo takes \"country_db\" and \"asn_db\" (MMDB file paths)");
                    goto out;
                }
                free(*slot);
                if ((*slot = strdup(json_string_value(l))) == NULL) {
                    vg_error_set(err, VG_NOMEM, NULL, "out of memory");
                    goto out;
                }
            }
        } else if (strcmp(k, "tls") == 0 && json_is_object(v)) {
            const char *cert = json_string_value(json_object_get(v, "certificate"));
            const char *key = json_string_value(json_object_get(v, "key"));

            if (cert == NULL || key == NULL || json_object_size(v) != 2) {
                vg_error_set(err, VG_INVALID, "tls",
                             "tls takes exactly \"certificate\" and \"key\" (PEM file paths)");
                goto out;
            }
            if ((s->cert = read_pem(cert, err)) == NULL || (s->key = read_pem(key, err)) == NULL)
                goto out;
        } else {
            vg_error_set(err, VG_INVALID, "config", "unknown setting %s", k);
            goto out;
        }
    }
    rc = 0;
out:
    json_decref(doc);
    return rc;
}

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
    struct settings s;
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
    if (config && load_config(config, &s, &err) != 0) {
        rc = tool_fail(cli, "serve", &err);
        goto out;
    }
    /* the command line wins over the file */
    if (listen && parse_listen(listen, addr, sizeof(addr), &s.so) != 0) {
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
    free(s.cert);
    free(s.country_db);
    free(s.asn_db);
    free(s.webhook_ca);
    if (s.key) { /* a private key does not linger in freed memory */
        OPENSSL_cleanse(s.key, strlen(s.key));
        free(s.key);
    }
    return rc;
}

const struct vg_cmd vg_cmd_serve = {
    .name = "serve",
    .summary = "run the hub's HTTP server until SIGTERM",
    .usage = "[--config FILE] [--listen ADDR:PORT] [--threads N] [--checkpoint-every SECONDS] "
             "[--checkpoint-leaves N]",
    .run = run,
};
