/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_follow.c - `vigie follow URL`: a hub's event stream as JSON lines, for
 * a SIEM or a script, that survives network errors and server restarts.
 *
 * The stream is Server-Sent Events (docs/stream.md).  Each event becomes one
 * line {"id", "event", "data"} on standard output, flushed at once.  When
 * the connection drops or the server restarts, follow reconnects (after the
 * server's retry delay, doubling up to 30 s while it fails) with
 * Last-Event-ID set to the last event printed, so that nothing is lost and
 * nothing comes twice.  It stops for good when the server refuses the
 * credentials or the position (401, 403, 404, 400, 410) or says the
 * credentials are no longer valid, with exit code 1.
 *
 * The key comes from $VIGIE_KEY (or --key, which other users of the machine
 * may see in the process list).
 */
#include <curl/curl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "common/buf.h"
#include "common/hash.h"

#define LINE_MAX_BYTES (64u * 1024 * 1024) /* one event's data, at most */

struct follow {
    struct vg_buf line, data;
    struct vg_buf location; /* the event's "location" field (docs/geo.md), or empty */
    char id[64], event[32];
    char last_id[64];
    long retry_ms;
    long events, max_events;
    int ended; /* the server ended the stream for good */
    int failed;
};

/* One complete SSE field line (without its line break). */
static void field(struct follow *f, const char *l, size_t n)
{
    const char *colon = memchr(l, ':', n);
    size_t klen = colon ? (size_t)(colon - l) : n;
    const char *v = colon ? colon + 1 : l + n;
    size_t vlen = colon ? n - klen - 1 : 0;

    if (vlen && *v == ' ') {
        v++;
        vlen--;
    }
    if (klen == 0)
        return; /* a comment: heartbeats */
    if (klen == 4 && memcmp(l, "data", 4) == 0) {
        if (f->data.len)
            vg_buf_putc(&f->data, '\n');
        if (vg_buf_append(&f->data, v, vlen) != VG_OK)
            f->failed = 1;
    } else if (klen == 8 && memcmp(l, "location", 8) == 0) {
        f->location.len = 0;
        if (vg_buf_append(&f->location, v, vlen) != VG_OK)
            f->failed = 1;
    } else if (klen == 2 && memcmp(l, "id", 2) == 0) {
        snprintf(f->id, sizeof(f->id), "%.*s", (int)vlen, v);
    } else if (klen == 5 && memcmp(l, "event", 5) == 0) {
        snprintf(f->event, sizeof(f->event), "%.*s", (int)vlen, v);
    } else if (klen == 5 && memcmp(l, "retry", 5) == 0) {
        long ms = strtol(v, NULL, 10);

        if (ms > 0 && ms < 600000)
            f->retry_ms = ms;
    }
}

/* A blank line: the event is complete. */
static void dispatch(struct follow *f)
{
    json_t *data, *line;
    char *text;

    if (strcmp(f->event, "end") == 0) {
        f->ended = 1;
    } else if (f->data.len && f->id[0]) {
        data = json_loadb(f->data.data, f->data.len, 0, NULL);
        line = json_pack("{s:s, s:s}", "id", f->id, "event", f->event[0] ? f->event : "message");
        if (line && data)
            json_object_set_new(line, "data", data);
        else
            json_decref(data);
        if (line && f->location.len)
            json_object_set_new(line, "location",
                                json_loadb(f->location.data, f->location.len, 0, NULL));
        if (line && (text = json_dumps(line, JSON_COMPACT)) != NULL) {
            fputs(text, stdout);
            fputc('\n', stdout);
            fflush(stdout);
            free(text);
            snprintf(f->last_id, sizeof(f->last_id), "%s", f->id);
            f->events++;
        }
        json_decref(line);
    }
    f->data.len = 0;
    f->location.len = 0;
    f->id[0] = '\0';
    f->event[0] = '\0';
}

static size_t on_body(char *p, size_t size, size_t nmemb, void *ctx)
{
    struct follow *f = ctx;
    size_t n = size * nmemb, i;

    for (i = 0; i < n; i++) {
        if (p[i] == '\n') {
            size_t len = f->line.len;

            if (len && f->line.data[len - 1] == '\r')
                len--;
            if (len == 0)
                dispatch(f);
            else
                field(f, f->line.data, len);
            f->line.len = 0;
            if (f->ended || (f->max_events && f->events >= f->max_events))
                return 0; /* stop this transfer */
        } else if (vg_buf_putc(&f->line, p[i]) != VG_OK) {
            f->failed = 1;
            return 0;
        }
    }
    return n;
}

static int run(struct vg_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"key", required_argument, NULL, 'k'},
                                         {"from", required_argument, NULL, 'f'},
                                         {"types", required_argument, NULL, 't'},
                                         {"kinds", required_argument, NULL, 'K'},
                                         {"max-tlp", required_argument, NULL, 'm'},
                                         {"collections", required_argument, NULL, 'c'},
                                         {"groups", required_argument, NULL, 'g'},
                                         {"labels", required_argument, NULL, 'l'},
                                         {"cacert", required_argument, NULL, 'C'},
                                         {"max-events", required_argument, NULL, 'n'},
                                         {"jurisdiction", required_argument, NULL, 'J'},
                                         {"locations", no_argument, NULL, 'L'},
                                         {NULL, 0, NULL, 0}};
    static const char *const names[] = {"types",  "kinds",  "max_tlp",      "collections",
                                        "groups", "labels", "jurisdiction", "locations"};
    const char *filters[8] = {NULL}, *key = getenv("VIGIE_KEY"), *cacert = NULL, *from = NULL;
    struct follow f;
    struct vg_buf url, auth;
    CURL *curl;
    long backoff_ms = 0;
    int c, rc = VG_EXIT_FAIL;
    size_t i;

    (void)cli;
    memset(&f, 0, sizeof(f));
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'k':
            key = optarg;
            break;
        case 'f':
            from = optarg;
            break;
        case 't':
            filters[0] = optarg;
            break;
        case 'K':
            filters[1] = optarg;
            break;
        case 'm':
            filters[2] = optarg;
            break;
        case 'c':
            filters[3] = optarg;
            break;
        case 'g':
            filters[4] = optarg;
            break;
        case 'l':
            filters[5] = optarg;
            break;
        case 'J':
            filters[6] = optarg;
            break;
        case 'L':
            filters[7] = "1";
            break;
        case 'C':
            cacert = optarg;
            break;
        case 'n':
            f.max_events = strtol(optarg, NULL, 10);
            if (f.max_events < 1)
                return tool_usage(&vg_cmd_follow, "--max-events is a positive number");
            break;
        default:
            return tool_usage(&vg_cmd_follow, NULL);
        }
    }
    if (optind + 1 != argc)
        return tool_usage(&vg_cmd_follow, "one server URL is needed");
    if (key == NULL || *key == '\0')
        return tool_usage(&vg_cmd_follow, "no key: set VIGIE_KEY (or --key)");
    if (from)
        snprintf(f.last_id, sizeof(f.last_id), "%s", from);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 || (curl = curl_easy_init()) == NULL) {
        fprintf(stderr, "vigie follow: cannot start the HTTP client\n");
        return VG_EXIT_FAIL;
    }
    vg_buf_init(&url, 0);
    vg_buf_init(&auth, 0);
    vg_buf_init(&f.line, LINE_MAX_BYTES);
    vg_buf_init(&f.data, LINE_MAX_BYTES);
    vg_buf_init(&f.location, LINE_MAX_BYTES);
    vg_buf_printf(&url, "%s", argv[optind]);
    while (url.len && url.data[url.len - 1] == '/')
        url.len--;
    vg_buf_puts(&url, "/api/v1/stream");
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char *esc;

        if (filters[i] == NULL)
            continue;
        esc = curl_easy_escape(curl, filters[i], 0);
        vg_buf_printf(&url, "%c%s=%s", strchr(url.data, '?') ? '&' : '?', names[i], esc ? esc : "");
        curl_free(esc);
    }
    vg_buf_printf(&auth, "Authorization: Bearer %s", key);
    for (;;) {
        struct curl_slist *h = NULL;
        char lei[96];
        long status = 0;
        CURLcode cc;

        f.line.len = f.data.len = 0;
        f.id[0] = f.event[0] = '\0';
        h = curl_slist_append(h, auth.data);
        h = curl_slist_append(h, "Accept: text/event-stream");
        if (f.last_id[0]) {
            snprintf(lei, sizeof(lei), "Last-Event-ID: %s", f.last_id);
            h = curl_slist_append(h, lei);
        }
        curl_easy_reset(curl);
        curl_easy_setopt(curl, CURLOPT_URL, url.data);
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, &f);
        curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
        /* a stream silent for 3 heartbeats' worth is a dead connection */
        curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, 60L);
        curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
        if (cacert)
            curl_easy_setopt(curl, CURLOPT_CAINFO, cacert);
        cc = curl_easy_perform(curl);
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
        curl_slist_free_all(h);
        if (f.max_events && f.events >= f.max_events) {
            rc = VG_EXIT_OK;
            break;
        }
        if (f.ended || f.failed) {
            fprintf(stderr, "vigie follow: %s\n",
                    f.ended ? "the server ended the stream: credentials no longer valid"
                            : "an event too large or out of memory");
            break;
        }
        if (status == 400 || status == 401 || status == 403 || status == 404 || status == 410) {
            fprintf(stderr, "vigie follow: the server refused the stream (HTTP %ld)%s\n", status,
                    status == 410 ? ": the position is older than the server keeps; re-synchronise "
                                    "over TAXII, then follow from now"
                                  : "");
            break;
        }
        if (status == 200 && cc != CURLE_OK)
            backoff_ms = 0; /* it was streaming: reconnect promptly */
        backoff_ms = backoff_ms ? backoff_ms * 2 : (f.retry_ms ? f.retry_ms : 1000);
        if (backoff_ms > 30000)
            backoff_ms = 30000;
        fprintf(stderr, "vigie follow: %s; reconnecting in %ld ms\n",
                cc != CURLE_OK ? curl_easy_strerror(cc) : "the stream ended", backoff_ms);
        usleep((useconds_t)backoff_ms * 1000);
    }
    vg_wipe(auth.data, auth.len);
    vg_buf_cleanup(&auth);
    vg_buf_cleanup(&url);
    vg_buf_cleanup(&f.line);
    vg_buf_cleanup(&f.data);
    vg_buf_cleanup(&f.location);
    curl_easy_cleanup(curl);
    curl_global_cleanup();
    return rc;
}

const struct vg_cmd vg_cmd_follow = {
    .name = "follow",
    .summary = "print a hub's live event stream as JSON lines, resuming after errors",
    .usage = "follow URL [--from ID|0] [--types T,...] [--kinds K,...] [--max-tlp TLP]\n"
             "       [--collections ID,...] [--groups G,...] [--labels L,...] [--cacert FILE]\n"
             "       [--max-events N] [--jurisdiction CC|REGION|mine] [--locations]\n"
             "       (key in $VIGIE_KEY or --key)",
    .run = run,
};
