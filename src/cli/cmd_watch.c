/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_watch.c - `vigie watch add|list|remove|webhook|notifications|deliveries`:
 * the assets an organisation owns (networks, domains, brand keywords), its
 * webhook, and what it has been notified of, as it may see it
 * (docs/watch.md).  The operator's shell on the hub's machine acts for any
 * organisation; partners manage their own lists over the API.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "common/hash.h"
#include "common/vtime.h"
#include "policy/policy.h"
#include "watch/lists.h"
#include "watch/render.h"
#include "watch/watch.h"

struct list_ctx {
    struct vg_store *st;
    json_t *arr;
    int64_t org_id; /* 0: every organisation (names are printed) */
};

static int entry_cb(void *ctx, const struct vg_watch_row *w)
{
    struct list_ctx *l = ctx;
    struct vg_org org;
    struct vg_error err;
    const char *name = "?";

    if (l->org_id == 0 && vg_store_org_get_by_id(l->st, w->org_id, &org, &err) == VG_OK)
        name = org.name;
    if (l->arr) {
        json_t *e = vg_watch_entry_json(w);

        if (l->org_id == 0)
            json_object_set_new(e, "org", json_string(name));
        json_array_append_new(l->arr, e);
    } else if (l->org_id == 0) {
        printf("%-20s %-24s %-8s %s\n", w->pub, name,
               vg_watch_kind_name((enum vg_watch_kind)w->kind), w->value);
    } else {
        printf("%-20s %-8s %s\n", w->pub, vg_watch_kind_name((enum vg_watch_kind)w->kind),
               w->value);
    }
    return 0;
}

static int note_cb(void *ctx, const struct vg_notify_row *n)
{
    struct list_ctx *l = ctx;
    json_t *doc = vg_watch_notification_json(l->st, n, 1);

    if (doc == NULL)
        return 1;
    if (l->arr) {
        json_array_append_new(l->arr, doc);
    } else {
        char *t = json_dumps(doc, JSON_COMPACT);

        if (t)
            printf("%s\n", t);
        free(t);
        json_decref(doc);
    }
    return 0;
}

static int delivery_cb(void *ctx, const struct vg_delivery_row *d)
{
    struct list_ctx *l = ctx;
    char when[VG_TIME_TEXT_MAX];

    vg_time_format_us(d->at_us, when);
    if (l->arr)
        json_array_append_new(l->arr,
                              json_pack("{s:i, s:s, s:i, s:s}", "attempt", d->attempt, "time", when,
                                        "status", d->status, "error", d->error ? d->error : ""));
    else
        printf("%d %s %d %s\n", d->attempt, when, d->status, d->error ? d->error : "");
    return 0;
}

static int run(struct vg_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"org", required_argument, NULL, 'o'},
                                         {"after", required_argument, NULL, 'a'},
                                         {"limit", required_argument, NULL, 'l'},
                                         {"remove", no_argument, NULL, 'r'},
                                         {NULL, 0, NULL, 0}};
    const char *orgname = NULL, *sub = argc > 1 ? argv[1] : NULL;
    long long after = 0, limit = 0;
    int remove_hook = 0, c, ret = VG_EXIT_OK;
    struct vg_store *st = NULL;
    struct vg_error err;
    struct vg_org org;
    struct list_ctx l;
    char *end;

    vg_error_clear(&err);
    if (sub == NULL)
        return tool_usage(&vg_cmd_watch, NULL);
    optind = 2;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'o') {
            orgname = optarg;
        } else if (c == 'a' || c == 'l') {
            long long v = strtoll(optarg, &end, 10);

            if (*end != '\0' || end == optarg || v < 0)
                return tool_usage(&vg_cmd_watch, "--%s takes a number",
                                  c == 'a' ? "after" : "limit");
            *(c == 'a' ? &after : &limit) = v;
        } else if (c == 'r') {
            remove_hook = 1;
        } else {
            return tool_usage(&vg_cmd_watch, NULL);
        }
    }
    if (orgname == NULL && strcmp(sub, "list") != 0)
        return tool_usage(&vg_cmd_watch, "watch %s needs --org ORG", sub);
    if ((ret = tool_open(cli, "watch", &st)) != VG_EXIT_OK)
        return ret;
    memset(&org, 0, sizeof(org));
    if (orgname && vg_store_org_get(st, orgname, &org, &err) != VG_OK) {
        ret = tool_fail(cli, "watch", &err);
        goto out;
    }
    memset(&l, 0, sizeof(l));
    l.st = st;
    l.org_id = org.id;
    l.arr = cli->json ? json_array() : NULL;

    if (strcmp(sub, "add") == 0 && optind + 2 == argc) {
        enum vg_watch_kind kind = vg_watch_kind_from_name(argv[optind]);
        char value[VG_WATCH_VALUE_MAX];
        struct vg_watch_row w;

        json_decref(l.arr);
        l.arr = NULL;
        if (kind == VG_WATCH_NONE) {
            ret = tool_usage(&vg_cmd_watch, "KIND is network, domain or brand");
            goto out;
        }
        if (vg_watch_add(st, org.id, kind, argv[optind + 1], strlen(argv[optind + 1]), &w, value,
                         &err) != VG_OK)
            ret = tool_fail(cli, "watch add", &err);
        else if (cli->json)
            ret = tool_print_json(vg_watch_entry_json(&w));
        else
            printf("%s: %s %s watched for %s\n", w.pub, vg_watch_kind_name(kind), w.value,
                   org.name);
    } else if (strcmp(sub, "list") == 0 && optind == argc) {
        if (vg_store_watch_scan(st, org.id, entry_cb, &l, &err) != VG_OK)
            ret = tool_fail(cli, "watch list", &err);
        else if (l.arr) {
            ret = tool_print_json(l.arr);
            l.arr = NULL;
        }
    } else if (strcmp(sub, "remove") == 0 && optind + 1 == argc) {
        if (vg_store_watch_remove(st, org.id, argv[optind], &err) != VG_OK) {
            ret = tool_fail(cli, "watch remove", &err);
        } else if (cli->json) {
            ret = tool_print_json(json_pack("{s:s, s:b}", "id", argv[optind], "removed", 1));
        } else {
            printf("%s removed\n", argv[optind]);
        }
    } else if (strcmp(sub, "webhook") == 0 && optind + (remove_hook ? 0 : 1) == argc) {
        char secret[80];

        if (remove_hook) {
            struct vg_watch_hook h;

            memset(&h, 0, sizeof(h));
            h.org_id = org.id;
            if (vg_store_watch_hook_set(st, &h, &err) != VG_OK)
                ret = tool_fail(cli, "watch webhook", &err);
            else if (cli->json)
                ret = tool_print_json(json_pack("{s:s, s:n}", "org", org.name, "url"));
            else
                printf("webhook of %s removed\n", org.name);
        } else if (vg_watch_hook_new(st, org.id, argv[optind], secret, &err) != VG_OK) {
            ret = tool_fail(cli, "watch webhook", &err);
        } else {
            if (cli->json) {
                ret = tool_print_json(json_pack("{s:s, s:s, s:s}", "org", org.name, "url",
                                                argv[optind], "secret", secret));
            } else {
                printf("webhook of %s: %s\nsecret (shown once): %s\n", org.name, argv[optind],
                       secret);
            }
            vg_wipe(secret, sizeof(secret));
        }
        json_decref(l.arr);
        l.arr = NULL;
    } else if (strcmp(sub, "notifications") == 0 && optind == argc) {
        struct vg_principal p;
        vg_token tokens[VG_POLICY_TOKENS_MAX];
        struct vg_notify_filter f;

        /* As the organisation itself may see them: its tokens decide. */
        if (vg_store_principal(st, org.id, &p, &err) != VG_OK) {
            ret = tool_fail(cli, "watch notifications", &err);
            goto out;
        }
        memset(&f, 0, sizeof(f));
        f.org_id = org.id;
        f.tokens = tokens;
        f.ntokens = vg_policy_tokens(&p, tokens);
        f.after_seq = after;
        f.limit = (size_t)limit;
        if (vg_store_notify_scan(st, &f, note_cb, &l, &err) != VG_OK)
            ret = tool_fail(cli, "watch notifications", &err);
        else if (l.arr) {
            ret = tool_print_json(l.arr);
            l.arr = NULL;
        }
    } else if (strcmp(sub, "deliveries") == 0 && optind + 1 == argc) {
        long long seq = strtoll(argv[optind], &end, 10);

        if (*end != '\0' || seq <= 0) {
            ret = tool_usage(&vg_cmd_watch, "deliveries takes a notification number");
        } else if (vg_store_delivery_scan(st, org.id, seq, delivery_cb, &l, &err) != VG_OK) {
            ret = tool_fail(cli, "watch deliveries", &err);
        } else if (l.arr) {
            ret = tool_print_json(l.arr);
            l.arr = NULL;
        }
    } else {
        ret = tool_usage(&vg_cmd_watch, "unknown or incomplete sub-command '%s'", sub);
    }
    json_decref(l.arr);
out:
    vg_store_close(st);
    return ret;
}

const struct vg_cmd vg_cmd_watch = {
    "watch",
    "asset watch lists, webhooks and notifications of organisations",
    "watch add --org ORG network|domain|brand VALUE | list [--org ORG] | remove --org ORG ID\n"
    "       vigie watch webhook --org ORG URL | webhook --org ORG --remove\n"
    "       vigie watch notifications --org ORG [--after N] [--limit N]\n"
    "       vigie watch deliveries --org ORG N   [--hub DIR] [--json]",
    run,
};
