/* SPDX-License-Identifier: Apache-2.0 */
/*
 * main.c - the `vigie` command: the table of verbs and the options they share.
 *
 * `vigie VERB [options] [args]`.  --hub DIR and --json are accepted anywhere
 * on the line and removed before the verb parses the rest with getopt_long.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const struct vg_cmd *const commands[] = {
    &vg_cmd_init,        &vg_cmd_org,    &vg_cmd_key,          &vg_cmd_group,  &vg_cmd_import,
    &vg_cmd_export,      &vg_cmd_check,  &vg_cmd_collection,   &vg_cmd_serve,  &vg_cmd_ledger,
    &vg_cmd_evidence,    &vg_cmd_verify, &vg_cmd_follow,       &vg_cmd_lookup, &vg_cmd_snapshot,
    &vg_cmd_match,       &vg_cmd_enrich, &vg_cmd_jurisdiction, &vg_cmd_report, &vg_cmd_watch,
    &vg_cmd_warninglist,
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void help(FILE *f)
{
    size_t i;

    fprintf(f, "usage: vigie VERB [--hub DIR] [--json] [options]\n\n"
               "Vigie, a threat-intelligence exchange hub.\n\nverbs:\n");
    for (i = 0; i < NCOMMANDS; i++)
        fprintf(f, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
    fprintf(f, "\nThe hub is --hub DIR, else $VIGIE_HUB, else ./vigie-hub.\n"
               "'vigie VERB --help' shows a verb's options.\n");
}

int main(int argc, char **argv)
{
    struct vg_cli cli = {0};
    const char *verb;
    int i, n = 0;
    size_t c;

    cli.prog = "vigie";
    cli.hub = getenv("VIGIE_HUB");
    if (cli.hub == NULL || cli.hub[0] == '\0')
        cli.hub = "./vigie-hub";
    /* Take the shared options off the line; "--" ends option processing. */
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            for (; i < argc; i++)
                argv[++n] = argv[i];
            break;
        }
        if (strcmp(argv[i], "--json") == 0) {
            cli.json = 1;
        } else if (strcmp(argv[i], "--hub") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "vigie: --hub needs a directory\n");
                return VG_EXIT_USAGE;
            }
            cli.hub = argv[++i];
        } else if (strncmp(argv[i], "--hub=", 6) == 0) {
            cli.hub = argv[i] + 6;
        } else {
            argv[++n] = argv[i];
        }
    }
    argc = n + 1;
    argv[argc] = NULL;
    if (argc < 2) {
        help(stderr);
        return VG_EXIT_USAGE;
    }
    verb = argv[1];
    if (strcmp(verb, "help") == 0 || strcmp(verb, "--help") == 0 || strcmp(verb, "-h") == 0) {
        help(stdout);
        return VG_EXIT_OK;
    }
    if (strcmp(verb, "version") == 0 || strcmp(verb, "--version") == 0) {
        printf("vigie 0.1.0\n");
        return VG_EXIT_OK;
    }
    for (c = 0; c < NCOMMANDS; c++) {
        if (strcmp(commands[c]->name, verb) == 0)
            return commands[c]->run(&cli, argc - 1, argv + 1);
    }
    fprintf(stderr, "vigie: unknown verb '%s'\n\n", verb);
    help(stderr);
    return VG_EXIT_USAGE;
}
