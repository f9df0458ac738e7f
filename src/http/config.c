/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.c - the JSON configuration of `vigie serve` (docs/server.md).
 *
 * Unknown settings are an error, so that a misspelt limit is not silently
 * ignored; every number is checked against its range.  Parsed from memory
 * (fuzz/fuzz_config.c feeds it hostile text); the file is read whole, at
 * most VG_SERVER_CONFIG_MAX bytes.
 */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "model/obs.h"

/* "ADDR:PORT", "[V6]:PORT" or ":PORT" into opts (address kept in buf). */
int vg_server_parse_listen(const char *s, char *buf, size_t cap, struct vg_server_opts *o)
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

/*
 * The whole-number settings: section ("" for the top level), key, largest
 * value (the smallest is 1), and the field of vg_server_opts that takes it.
 * A setting is added here, next to its range, and nowhere else.
 */
#define OPT(f) offsetof(struct vg_server_opts, f), sizeof(((struct vg_server_opts *)0)->f)
static const struct number_setting {
    const char *section, *key;
    unsigned long long max;
    size_t off, size;
} number_settings[] = {
    {"", "threads", 64, OPT(threads)},
    {"limits", "max_content_length", 1ull << 32, OPT(max_content_length)},
    {"limits", "max_connections", 1000000, OPT(max_connections)},
    {"limits", "max_per_address", 1000000, OPT(max_per_address)},
    {"limits", "timeout_s", 86400, OPT(timeout_s)},
    {"limits", "grace_s", 3600, OPT(grace_s)},
    {"limits", "body_timeout_s", 86400, OPT(body_timeout_s)},
    {"limits", "max_artefact_size", 1ull << 32, OPT(max_artefact_size)},
    {"limits", "max_artefacts_per_object", 100000, OPT(max_artefacts_per_object)},
    {"limits", "rate_per_key", 1000000, OPT(rate_per_key)},
    {"limits", "burst_per_key", 1000000, OPT(burst_per_key)},
    {"limits", "rate_per_address", 1000000, OPT(rate_per_address)},
    {"limits", "burst_per_address", 1000000, OPT(burst_per_address)},
    {"stream", "heartbeat_s", 3600, OPT(stream_heartbeat_s)},
    {"stream", "retention_days", 36500, OPT(stream_retention_days)},
    {"stream", "window_events", 1 << 22, OPT(stream_window_events)},
    {"stream", "window_mib", 4096, OPT(stream_window_mib)},
    {"webhook", "timeout_s", 300, OPT(webhook_timeout_s)},
    {"webhook", "retry_base_ms", 3600000, OPT(webhook_retry_ms)},
};
#undef OPT

/* Set section.key from v if it is a number setting: 1 if set, 0 if there
 * is no such setting, -1 (err set) if v is out of its range. */
static int number_setting(const char *section, const char *key, json_t *v,
                          struct vg_server_opts *so, struct vg_error *err)
{
    const struct number_setting *ns = NULL;
    unsigned long long n;
    char *field;
    size_t i;

    for (i = 0; i < sizeof(number_settings) / sizeof(number_settings[0]) && ns == NULL; i++)
        if (strcmp(number_settings[i].section, section) == 0 &&
            strcmp(number_settings[i].key, key) == 0)
            ns = &number_settings[i];
    if (ns == NULL)
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 1 ||
        (unsigned long long)json_integer_value(v) > ns->max) {
        vg_error_set(err, VG_INVALID, key, "%s%s%s must be an integer from 1 to %llu", section,
                     *section ? "." : "", key, ns->max);
        return -1;
    }
    n = (unsigned long long)json_integer_value(v);
    field = (char *)so + ns->off;
    if (ns->size == sizeof(unsigned))
        *(unsigned *)(void *)field = (unsigned)n;
    else
        *(size_t *)(void *)field = (size_t)n;
    return 1;
}

/* Every key of the object v, a section of number settings only. */
static int number_section(const char *section, json_t *v, struct vg_server_opts *so,
                          struct vg_error *err)
{
    const char *k;
    json_t *l;
    int r;

    json_object_foreach(v, k, l)
    {
        if ((r = number_setting(section, k, l, so, err)) <= 0) {
            if (r == 0)
                vg_error_set(err, VG_INVALID, "config", "unknown setting %s.%s", section, k);
            return -1;
        }
    }
    return 0;
}

int vg_server_config_parse(const char *text, size_t len, const char *path, int read_files,
                           struct vg_server_config *s, struct vg_error *err)
{
    json_error_t jerr;
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr), *v, *l;
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
            if (!json_is_string(v) || vg_server_parse_listen(json_string_value(v), s->addr,
                                                             sizeof(s->addr), &s->so) != 0) {
                vg_error_set(err, VG_INVALID, "listen", "listen must be \"ADDR:PORT\"");
                goto out;
            }
        } else if (strcmp(k, "threads") == 0) {
            if (number_setting("", k, v, &s->so, err) != 1)
                goto out;
        } else if ((strcmp(k, "limits") == 0 || strcmp(k, "stream") == 0) && json_is_object(v)) {
            json_t *we = strcmp(k, "stream") == 0 ? json_object_get(v, "window_events") : NULL;

            if (json_is_integer(we) && json_integer_value(we) == 0) {
                s->so.stream_window_off = 1; /* no window: every subscriber reads the store */
                json_object_del(v, "window_events");
            }
            if (number_section(k, v, &s->so, err) != 0)
                goto out;
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
                int r = 0;

                if (strcmp(lk, "ca_file") == 0 && json_is_string(l) && json_string_length(l) > 0 &&
                    s->webhook_ca == NULL) {
                    if ((s->webhook_ca = strdup(json_string_value(l))) == NULL) {
                        vg_error_set(err, VG_NOMEM, NULL, "out of memory");
                        goto out;
                    }
                    s->so.webhook_ca_file = s->webhook_ca;
                } else if (strcmp(lk, "ca_file") == 0 ||
                           (r = number_setting("webhook", lk, l, &s->so, err)) != 1) {
                    if (r == 0)
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
            if (read_files &&
                ((s->cert = read_pem(cert, err)) == NULL || (s->key = read_pem(key, err)) == NULL))
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

int vg_server_config_load(const char *path, struct vg_server_config *s, struct vg_error *err)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    size_t n;
    int rc;

    if (f == NULL) {
        vg_error_set(err, VG_IO, "config", "cannot open %s", path);
        return -1;
    }
    if ((buf = malloc(VG_SERVER_CONFIG_MAX + 1)) == NULL) {
        fclose(f);
        vg_error_set(err, VG_NOMEM, NULL, "out of memory");
        return -1;
    }
    n = fread(buf, 1, VG_SERVER_CONFIG_MAX + 1, f);
    if (ferror(f) || n > VG_SERVER_CONFIG_MAX) {
        fclose(f);
        free(buf);
        vg_error_set(err, VG_INVALID, "config", "%s: unreadable or larger than %d bytes", path,
                     VG_SERVER_CONFIG_MAX);
        return -1;
    }
    fclose(f);
    rc = vg_server_config_parse(buf, n, path, 1, s, err);
    free(buf);
    return rc;
}

void vg_server_config_cleanup(struct vg_server_config *s)
{
    free(s->cert);
    free(s->country_db);
    free(s->asn_db);
    free(s->webhook_ca);
    if (s->key) { /* a private key does not linger in freed memory */
        OPENSSL_cleanse(s->key, strlen(s->key));
        free(s->key);
    }
    s->cert = s->key = s->country_db = s->asn_db = s->webhook_ca = NULL;
}
