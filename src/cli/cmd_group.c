/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_group.c - `vigie group add|list|members`: sharing groups (one per joint
 * operation or regional network) and their member organisations.
 */
#include <getopt.h>
#include <string.h>

#include "cli.h"
#include "common/vtime.h"

static json_t *group_json(const struct vg_group *g)
{
    char created[VG_TIME_TEXT_MAX];

    tool_time(g->created_us, created);
    return json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)g->id, "name", g->name,
                     "description", g->description, "created", created);
}

static int list_cb(void *ctx, const struct vg_group *g)
{
    if (ctx)
        json_array_append_new(ctx, group_json(g));
    else
        printf("%-24s %s\n", g->name, g->description);
    return 0;
}

static int member_cb(void *ctx, const struct vg_org *org)
{
    if (ctx)
        json_array_append_new(ctx, tool_org_json(org));
    else
        printf("%-24s %-16s %s\n", org->name, org->kind, org->stix_id);
    return 0;
}

static int members(struct vg_cli *cli, struct vg_store *st, int argc, char **argv)
{
    static const struct option opts[] = {{"add", required_argument, NULL, 'a'},
                                         {"remove", required_argument, NULL, 'r'},
                                         {NULL, 0, NULL, 0}};
    const char *add = NULL, *rem = NULL;
    struct vg_group g;
    struct vg_org org;
    struct vg_error err;
    json_t *arr;
    int c;

    vg_error_clear(&err);
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'a')
            add = optarg;
        else if (c == 'r')
            rem = optarg;
        else
            return tool_usage(&vg_cmd_group, NULL);
    }
    if (optind + 1 != argc)
        return tool_usage(&vg_cmd_group, "group members takes one GROUP");
    if (vg_store_group_get(st, argv[optind], &g, &err) != VG_OK)
        return tool_fail(cli, "group members", &err);
    if (add || rem) {
        if (vg_store_org_get(st, add ? add : rem, &org, &err) != VG_OK)
            return tool_fail(cli, "group members", &err);
        if ((add ? vg_store_group_member_add(st, g.id, org.id, &err)
                 : vg_store_group_member_remove(st, g.id, org.id, &err)) != VG_OK)
            return tool_fail(cli, "group members", &err);
    }
    arr = cli->json ? json_array() : NULL;
    if (vg_store_group_members(st, g.id, member_cb, arr, &err) != VG_OK) {
        json_decref(arr);
        return tool_fail(cli, "group members", &err);
    }
    return arr ? tool_print_json(json_pack("{s:o, s:o}", "group", group_json(&g), "members", arr))
               : VG_EXIT_OK;
}

static int run(struct vg_cli *cli, int argc, char **argv)
{
    struct vg_store *st = NULL;
    struct vg_error err;
    struct vg_group g;
    const char *sub = argc > 1 ? argv[1] : NULL;
    int ret;

    vg_error_clear(&err);
    if (sub == NULL)
        return tool_usage(&vg_cmd_group, NULL);
    if ((ret = tool_open(cli, "group", &st)) != VG_EXIT_OK)
        return ret;
    if (strcmp(sub, "add") == 0 &&
        (argc == 3 || (argc == 5 && !strcmp(argv[3], "--description")))) {
        memset(&g, 0, sizeof(g));
        snprintf(g.name, sizeof(g.name), "%s", argv[2]);
        if (argc == 5)
            snprintf(g.description, sizeof(g.description), "%s", argv[4]);
        g.created_us = vg_time_now_us();
        if (strlen(argv[2]) == 0 || strlen(argv[2]) >= sizeof(g.name))
            ret = tool_usage(&vg_cmd_group, "GROUP must be 1 to %zu bytes", sizeof(g.name) - 1);
        else if (vg_store_group_add(st, &g, &err) != VG_OK)
            ret = tool_fail(cli, "group add", &err);
        else if (cli->json)
            ret = tool_print_json(group_json(&g));
        else
            printf("group %s added\n", g.name);
    } else if (strcmp(sub, "list") == 0 && argc == 2) {
        json_t *arr = cli->json ? json_array() : NULL;

        if (vg_store_group_list(st, list_cb, arr, &err) != VG_OK) {
            json_decref(arr);
            ret = tool_fail(cli, "group list", &err);
        } else {
            ret = arr ? tool_print_json(arr) : VG_EXIT_OK;
        }
    } else if (strcmp(sub, "members") == 0) {
        ret = members(cli, st, argc - 1, argv + 1);
    } else {
        ret = tool_usage(&vg_cmd_group, "unknown or incomplete sub-command '%s'", sub);
    }
    vg_store_close(st);
    return ret;
}

const struct vg_cmd vg_cmd_group = {
    "group",
    "add or list sharing groups, list or change their members",
    "group add NAME [--description TEXT] | list\n"
    "       vigie group members GROUP [--add ORG | --remove ORG]   [--hub DIR] [--json]",
    run,
};
