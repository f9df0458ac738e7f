/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_check.c - `vigie check`: the store's integrity check and its counts.
 *
 * Runs SQLite's own check and the hub's invariants (every version has an
 * audience and its event; nothing points nowhere).  Meant for operators after
 * a crash or a restore, and for the durability tests.
 */
#include "cli.h"

static int run(struct vg_cli *cli, int argc, char **argv)
{
    struct vg_store *st = NULL;
    struct vg_store_stats s;
    struct vg_error err;
    int rc;

    (void)argv;
    if (argc != 1)
        return tool_usage(&vg_cmd_check, "check takes no argument");
    if ((rc = tool_open(cli, "check", &st)) != VG_EXIT_OK)
        return rc;
    vg_error_clear(&err);
    if (vg_store_check(st, &err) != VG_OK || vg_store_stats(st, &s, &err) != VG_OK) {
        vg_store_close(st);
        return tool_fail(cli, "check", &err);
    }
    vg_store_close(st);
    if (cli->json)
        return tool_print_json(json_pack(
            "{s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "ok", 1, "organisations",
            (json_int_t)s.orgs, "keys", (json_int_t)s.keys, "groups", (json_int_t)s.groups,
            "objects", (json_int_t)s.objects, "versions", (json_int_t)s.versions, "observables",
            (json_int_t)s.observables, "contributions", (json_int_t)s.contributions, "last_event",
            (json_int_t)s.last_seq));
    printf("ok: %lld organisations, %lld objects (%lld versions), %lld observables "
           "(%lld contributions), last event %lld\n",
           (long long)s.orgs, (long long)s.objects, (long long)s.versions, (long long)s.observables,
           (long long)s.contributions, (long long)s.last_seq);
    return VG_EXIT_OK;
}

const struct vg_cmd vg_cmd_check = {
    .name = "check",
    .summary = "check the hub's integrity and print its counts",
    .usage = "",
    .run = run,
};
