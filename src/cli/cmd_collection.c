/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_collection.c - `vigie collection add|list|grant`: the TAXII collections
 * of the hub (one per feed or joint operation) and who may read or write
 * each: `community`, `org:NAME` or `group:NAME`.
 */
#include <getopt.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "common/vtime.h"
#include "model/tlp.h"

static json_t *collection_json(const struct vg_collection *c)
{
    char created[VG_TIME_TEXT_MAX];

    tool_time(c->created_us, created);
    return json_pack("{s:s, s:s, s:s, s:s}", "id", c->uuid, "title", c->title, "description",
                     c->description, "created", created);
}

static int list_cb(void *ctx, const struct vg_collection *c)
{
    if (ctx)
        json_array_append_new(ctx, collection_json(c));
    else
        printf("%-36s %-24s %s\n", c->uuid, c->title, c->description);
    return 0;
}

/* "community", "org:NAME" or "group:NAME" into a policy token. */
static enum vg_rc who_token(struct vg_store *st, const char *who, vg_token *out,
                            struct vg_error *err)
{
    enum vg_rc rc;

    if (strcmp(who, "community") == 0) {
        *out = VG_TOKEN_COMMUNITY;
        return VG_OK;
    }
    if (strncmp(who, "org:", 4) == 0) {
        struct vg_org org;

        if ((rc = vg_store_org_get(st, who + 4, &org, err)) != VG_OK)
            return rc;
        *out = vg_token_org(org.id);
        return VG_OK;
    }
    if (strncmp(who, "group:", 6) == 0) {
        struct vg_group g;

        if ((rc = vg_store_group_get(st, who + 6, &g, err)) != VG_OK)
            return rc;
        *out = vg_token_group(g.id);
        return VG_OK;
    }
    return vg_error_set(err, VG_INVALID, "who", "'%s': say community, org:NAME or group:NAME", who);
}

/* add TITLE [--description D] [--read WHO]... [--write WHO]...
 * grant TITLE-or-ID --read WHO | --write WHO */
static int add_or_grant(struct vg_cli *cli, struct vg_store *st, int grant, int argc, char **argv)
{
    static const struct option opts[] = {{"description", required_argument, NULL, 'd'},
                                         {"read", required_argument, NULL, 'r'},
                                         {"write", required_argument, NULL, 'w'},
                                         {NULL, 0, NULL, 0}};
    struct vg_collection c;
    struct vg_error err;
    const char *who[64];
    int write[64], n = 0, ch, i;

    memset(&c, 0, sizeof(c));
    vg_error_clear(&err);
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (ch == 'd' && !grant) {
            snprintf(c.description, sizeof(c.description), "%s", optarg);
        } else if ((ch == 'r' || ch == 'w') && n < 64) {
            who[n] = optarg;
            write[n++] = ch == 'w';
        } else {
            return tool_usage(&vg_cmd_collection, NULL);
        }
    }
    if (optind + 1 != argc || strlen(argv[optind]) == 0 || strlen(argv[optind]) >= sizeof(c.title))
        return tool_usage(&vg_cmd_collection, "one TITLE of 1 to %zu bytes", sizeof(c.title) - 1);
    if (vg_store_begin(st, &err) != VG_OK)
        return tool_fail(cli, "collection", &err);
    if (grant) {
        /* by id or title, in the operator's view (every collection) */
        if (tool_collection(st, NULL, 0, argv[optind], &c, &err) != VG_OK)
            goto fail;
    } else {
        snprintf(c.title, sizeof(c.title), "%s", argv[optind]);
        if (vg_store_collection_add(st, &c, &err) != VG_OK)
            goto fail;
    }
    for (i = 0; i < n; i++) {
        vg_token t = 0;
        int j, r = 0, w = 0;

        if (who_token(st, who[i], &t, &err) != VG_OK)
            goto fail;
        for (j = 0; j < n; j++) { /* one grant per token: what all its flags say */
            if (strcmp(who[j], who[i]) == 0) {
                r |= !write[j];
                w |= write[j];
            }
        }
        if (vg_store_collection_grant(st, c.id, t, r || w, w, &err) != VG_OK)
            goto fail;
    }
    if (vg_store_commit(st, &err) != VG_OK)
        return tool_fail(cli, "collection", &err);
    if (cli->json)
        return tool_print_json(collection_json(&c));
    printf("collection %s %s: %s\n", c.title, grant ? "updated" : "added", c.uuid);
    return VG_EXIT_OK;
fail:
    vg_store_rollback(st);
    return tool_fail(cli, "collection", &err);
}

static int run(struct vg_cli *cli, int argc, char **argv)
{
    struct vg_store *st = NULL;
    struct vg_error err;
    const char *sub = argc > 1 ? argv[1] : NULL;
    int ret;

    vg_error_clear(&err);
    if (sub == NULL)
        return tool_usage(&vg_cmd_collection, NULL);
    if ((ret = tool_open(cli, "collection", &st)) != VG_EXIT_OK)
        return ret;
    if (strcmp(sub, "add") == 0 || strcmp(sub, "grant") == 0) {
        ret = add_or_grant(cli, st, sub[0] == 'g', argc - 1, argv + 1);
    } else if (strcmp(sub, "list") == 0 && argc == 2) {
        json_t *arr = cli->json ? json_array() : NULL;

        if (vg_store_collection_scan(st, NULL, 0, VG_COLLECTIONS_ALL, NULL, list_cb, arr, &err) !=
            VG_OK) {
            json_decref(arr);
            ret = tool_fail(cli, "collection list", &err);
        } else {
            ret = arr ? tool_print_json(arr) : VG_EXIT_OK;
        }
    } else {
        ret = tool_usage(&vg_cmd_collection, "unknown or incomplete sub-command '%s'", sub);
    }
    vg_store_close(st);
    return ret;
}

const struct vg_cmd vg_cmd_collection = {
    "collection",
    "add or list TAXII collections, grant who may read or write them",
    "collection add TITLE [--description TEXT] [--read WHO]... [--write WHO]... | list\n"
    "       vigie collection grant ID|TITLE [--read WHO]... [--write WHO]...\n"
    "       (WHO: community, org:NAME or group:NAME)   [--hub DIR] [--json]",
    run,
};
