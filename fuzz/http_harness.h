/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http_harness.h - the real server, in-process, for the HTTP fuzz targets.
 *
 * Once per process: a hub in a temporary directory with one organisation,
 * one key (read, write, admin), one collection the community may read and
 * write, the ledger's signing key and a first checkpoint; the server
 * (vg_server_start, no listening socket, one worker) on it; three
 * indicators POSTed through it; and a valid paging token for
 * `objects/?limit=1`.
 *
 * harness_exchange sends one request over a socketpair handed to the server
 * (vg_server_add_connection), half-closes, and reads the answer until the
 * server closes.  Placeholders in the request are replaced first:
 * @AUTH@ by "Authorization: Bearer SECRET", @KEY@ by the secret, @CID@ by
 * the collection id, @NEXT@ by the paging token.  Invariants every target
 * checks: the secret never comes back, and no request makes the server
 * answer 500 (an internal error is a bug, whatever the input).  With
 * VG_HARNESS_ECHO set, every answer is printed on stderr.
 */
#ifndef VG_FUZZ_HTTP_HARNESS_H
#define VG_FUZZ_HTTP_HARNESS_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem */
#endif

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../tests/support/temp_hub.h"
#include "common/buf.h"
#include "common/hash.h"
#include "common/log.h"
#include "evidence/evidence.h"
#include "http/server.h"
#include "model/tlp.h"

#define HARNESS_KEY_ID "vk_00000000000000ab"
#define HARNESS_SECRET                                                                             \
    HARNESS_KEY_ID ".5ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7"
#define HARNESS_MAX_REQUEST (64 * 1024)

static struct vg_store *harness_st;
static struct vg_server *harness_srv;
static char harness_dir[96];
static char harness_cid[64];
static char harness_next[128];

static void harness_cleanup(void)
{
    vg_server_stop(harness_srv);
    if (temp_hub_remove(harness_dir, harness_st) != 0)
        fprintf(stderr, "http harness: could not remove %s\n", harness_dir);
}

/* What replaces each placeholder. */
static const char *harness_subst(const char *name, size_t len)
{
    if (len == 6 && memcmp(name, "@AUTH@", 6) == 0)
        return "Authorization: Bearer " HARNESS_SECRET;
    if (len == 5 && memcmp(name, "@KEY@", 5) == 0)
        return HARNESS_SECRET;
    if (len == 5 && memcmp(name, "@CID@", 5) == 0)
        return harness_cid;
    if (len == 6 && memcmp(name, "@NEXT@", 6) == 0)
        return harness_next;
    return NULL;
}

/* The request with its placeholders replaced, into b.  0, or -1 (no memory). */
static int harness_expand(const uint8_t *data, size_t size, struct vg_buf *b)
{
    size_t i = 0;

    while (i < size) {
        const char *s = NULL;
        size_t n = 0;

        if (data[i] == '@') {
            for (n = 5; n <= 6 && s == NULL && i + n <= size; n++)
                s = harness_subst((const char *)data + i, n);
            n--;
        }
        if (s != NULL) {
            if (vg_buf_puts(b, s) != VG_OK)
                return -1;
            i += n;
        } else {
            if (vg_buf_putc(b, (char)data[i]) != VG_OK)
                return -1;
            i++;
        }
    }
    return 0;
}

/* Send req (placeholders expanded) and read the whole answer into resp
 * (which may be NULL).  0, or -1 when the exchange itself failed. */
static int harness_exchange(const uint8_t *data, size_t size, struct vg_buf *resp)
{
    struct vg_buf req;
    struct vg_error err;
    int sv[2], rc = -1;
    size_t off = 0;
    char buf[16384];

    vg_buf_init(&req, 0);
    if (harness_expand(data, size, &req) != 0)
        goto out;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        goto out;
    if (vg_server_add_connection(harness_srv, sv[1], &err) != VG_OK) {
        close(sv[0]); /* the server closed sv[1] */
        goto out;
    }
    while (off < req.len) {
        ssize_t w = send(sv[0], req.data + off, req.len - off, MSG_NOSIGNAL);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break; /* the server closed early: read what it said */
        off += (size_t)w;
    }
    shutdown(sv[0], SHUT_WR);
    for (;;) {
        struct pollfd p = {.fd = sv[0], .events = POLLIN};
        ssize_t r;

        /* A stream answer never ends by itself: give up after a while. */
        if (poll(&p, 1, 3000) <= 0)
            break;
        r = recv(sv[0], buf, sizeof(buf), 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        if (resp != NULL)
            vg_buf_append(resp, buf, (size_t)r);
    }
    close(sv[0]);
    rc = 0;
out:
    vg_buf_cleanup(&req);
    return rc;
}

/* The invariants of every answer (see the top of this file). */
static void harness_check(const struct vg_buf *resp)
{
    static const char secret[] = HARNESS_SECRET;
    const char *random_part = secret + sizeof(HARNESS_KEY_ID); /* after "id." */

    if (getenv("VG_HARNESS_ECHO") != NULL) /* to see what a corpus entry reaches */
        fprintf(stderr, "%.*s\n----\n", (int)resp->len, resp->data ? resp->data : "");
    if (resp->len == 0)
        return;
    if (memmem(resp->data, resp->len, random_part, strlen(random_part)) != NULL) {
        fprintf(stderr, "http harness: the secret came back\n");
        abort();
    }
    if (resp->len >= 12 && memcmp(resp->data, "HTTP/1.1 500", 12) == 0) {
        fprintf(stderr, "http harness: 500 answer:\n%.*s\n", (int)resp->len, resp->data);
        abort();
    }
}

static void harness_seed_objects(void)
{
    static const char post[] =
        "POST /taxii2/root/collections/@CID@/objects/ HTTP/1.1\r\nHost: h\r\n@AUTH@\r\n"
        "Accept: application/taxii+json;version=2.1\r\n"
        "Content-Type: application/taxii+json;version=2.1\r\nContent-Length: %zu\r\n"
        "Connection: close\r\n\r\n%s";
    static const char objs[] =
        "{\"objects\":["
        "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--00000001-0000-4000-"
        "8000-000000000000\",\"created\":\"2026-01-01T00:00:00Z\",\"modified\":\"2026-01-01T00:00:"
        "00Z\",\"pattern\":\"[ipv4-addr:value = '198.51.100.1']\",\"pattern_type\":\"stix\","
        "\"valid_from\":\"2026-01-01T00:00:00Z\"},"
        "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--00000002-0000-4000-"
        "8000-000000000000\",\"created\":\"2026-01-01T00:00:00Z\",\"modified\":\"2026-01-01T00:00:"
        "00Z\",\"pattern\":\"[domain-name:value = 'evil.example.com']\",\"pattern_type\":\"stix\","
        "\"valid_from\":\"2026-01-01T00:00:00Z\"},"
        "{\"type\":\"malware\",\"spec_version\":\"2.1\",\"id\":\"malware--00000003-0000-4000-8000-"
        "000000000000\",\"created\":\"2026-01-01T00:00:00Z\",\"modified\":\"2026-01-01T00:00:00Z\","
        "\"name\":\"fuzzbot\",\"is_family\":true}]}";
    static const char page[] = "GET /taxii2/root/collections/@CID@/objects/?limit=1 HTTP/1.1\r\n"
                               "Host: h\r\n@AUTH@\r\nConnection: close\r\n\r\n";
    char req[4096];
    struct vg_buf resp;
    const char *p, *q;
    int n = snprintf(req, sizeof(req), post, strlen(objs), objs);

    vg_buf_init(&resp, 0);
    if (harness_exchange((const uint8_t *)req, (size_t)n, &resp) != 0 || resp.len < 12 ||
        memcmp(resp.data, "HTTP/1.1 202", 12) != 0) {
        fprintf(stderr, "http harness: seeding POST failed: %.*s\n", (int)resp.len,
                resp.data ? resp.data : "");
        abort();
    }
    vg_buf_reset(&resp);
    if (harness_exchange((const uint8_t *)page, sizeof(page) - 1, &resp) != 0 ||
        vg_buf_putc(&resp, '\0') != VG_OK || (p = strstr(resp.data, "\"next\":\"")) == NULL ||
        (q = strchr(p + 8, '"')) == NULL || (size_t)(q - p - 8) >= sizeof(harness_next)) {
        fprintf(stderr, "http harness: no paging token: %s\n", resp.data ? resp.data : "");
        abort();
    }
    memcpy(harness_next, p + 8, (size_t)(q - p - 8));
    harness_next[q - p - 8] = '\0';
    vg_buf_cleanup(&resp);
}

static void harness_setup(void)
{
    static struct vg_server_opts opts;
    struct vg_org org = {0};
    struct vg_key k = {0};
    struct vg_collection c;
    struct vg_note_key lkey;
    struct vg_error err;
    uint8_t h[VG_SHA256_LEN];

    signal(SIGPIPE, SIG_IGN);
    vg_log_set_level(VG_LOG_ERROR); /* not one line per request */
    if (temp_hub_open(harness_dir, sizeof(harness_dir), "fuzz-http", &harness_st) != 0)
        abort();
    memset(&c, 0, sizeof(c));
    memset(&lkey, 0, sizeof(lkey));
    snprintf(org.name, sizeof(org.name), "fuzzer");
    snprintf(org.kind, sizeof(org.kind), "vendor");
    snprintf(k.id, sizeof(k.id), HARNESS_KEY_ID);
    k.scopes = VG_SCOPE_READ | VG_SCOPE_WRITE | VG_SCOPE_ADMIN;
    snprintf(c.title, sizeof(c.title), "feed");
    vg_sha256(HARNESS_SECRET, strlen(HARNESS_SECRET), h);
    if (vg_store_begin(harness_st, &err) != VG_OK ||
        vg_store_org_add(harness_st, &org, &err) != VG_OK ||
        vg_store_meta_set(harness_st, "operator", org.name, &err) != VG_OK)
        abort();
    k.org_id = org.id;
    if (vg_store_key_add(harness_st, &k, h, &err) != VG_OK ||
        vg_store_collection_add(harness_st, &c, &err) != VG_OK ||
        vg_store_collection_grant(harness_st, c.id, VG_TOKEN_COMMUNITY, 1, 1, &err) != VG_OK ||
        vg_store_commit(harness_st, &err) != VG_OK)
        abort();
    snprintf(harness_cid, sizeof(harness_cid), "%s", c.uuid);
    if (vg_evidence_checkpoint(harness_st, harness_dir, VG_EVIDENCE_HEAD, NULL, &err) != VG_OK ||
        vg_evidence_key(harness_st, harness_dir, &lkey, &err) != VG_OK) {
        fprintf(stderr, "http harness: ledger: %s\n", err.msg);
        abort();
    }
    vg_note_key_wipe(&lkey);
    opts.hub = harness_dir;
    opts.no_listen = 1;
    opts.threads = 1;
    opts.timeout_s = 2;
    opts.grace_s = 1;
    opts.stream_heartbeat_s = 1;
    opts.max_content_length = 1024 * 1024;
    if (vg_server_start(&opts, &harness_srv, &err) != VG_OK) {
        fprintf(stderr, "http harness: server: %s\n", err.msg);
        abort();
    }
    atexit(harness_cleanup);
    harness_seed_objects();
}

#endif
