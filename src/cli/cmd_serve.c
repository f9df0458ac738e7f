/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_serve.c - `vigie serve`: run the hub's HTTP server until SIGTERM.
 *
 * Settings come from a JSON configuration file (--config, see docs/server.md)
 * and the command line, which wins.  Unknown settings are an error, so that
 * a misspelt limit is not silently ignored.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

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
    char *cert, *key; /* PEM texts, owned */
};

/* One unsigned setting of the "limits" object, in [1, max]. */
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
    int c, rc = VG_EXIT_FAIL;

    memset(&s, 0, sizeof(s));
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
        vg_store_close(st);
    }
    if (vg_server_run(&s.so, &err) != VG_OK)
        rc = tool_fail(cli, "serve", &err);
    else
        rc = VG_EXIT_OK;
out:
    free(s.cert);
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
