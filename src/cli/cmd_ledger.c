/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_ledger.c - `vigie ledger pubkey|checkpoint|rotate-key`: the evidence
 * ledger's signing key and checkpoints (docs/ledger.md).
 *
 * pubkey prints the verifier key (the C2SP note format) that partners and
 * experts pin; checkpoint signs one of the current tree now (the server and
 * every import also do); rotate-key makes a new signing key, appends its
 * leaf to the log and retires the old file.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include "evidence/evidence.h"

static int run(struct vg_cli *cli, int argc, char **argv)
{
    struct vg_store *st = NULL;
    struct vg_note_key key;
    struct vg_error err;
    struct vg_buf vk;
    const char *sub = argc > 1 ? argv[1] : NULL, *out = NULL;
    char *note = NULL;
    int ret;

    memset(&key, 0, sizeof(key));
    if (sub == NULL || (strcmp(sub, "pubkey") != 0 && strcmp(sub, "checkpoint") != 0 &&
                        strcmp(sub, "rotate-key") != 0))
        return tool_usage(&vg_cmd_ledger, "ledger needs pubkey, checkpoint or rotate-key");
    if (argc == 4 && strcmp(argv[2], "-o") == 0)
        out = argv[3];
    else if (argc != 2)
        return tool_usage(&vg_cmd_ledger, "unexpected argument '%s'", argv[2]);
    if ((ret = tool_open(cli, "ledger", &st)) != VG_EXIT_OK)
        return ret;
    vg_error_clear(&err);
    vg_buf_init(&vk, 0);
    if (strcmp(sub, "rotate-key") == 0 ? vg_evidence_rotate(st, cli->hub, &key, &err) != VG_OK
                                       : vg_evidence_key(st, cli->hub, &key, &err) != VG_OK)
        goto fail;
    if (strcmp(sub, "pubkey") != 0 &&
        vg_evidence_checkpoint(st, cli->hub, VG_EVIDENCE_HEAD, &note, &err) != VG_OK)
        goto fail;
    vg_note_key_public_text(&key, &vk);
    if (out) {
        FILE *f = fopen(out, "w");

        /* A note ends in its own newline; a key gets one. */
        if (f == NULL ||
            fprintf(f, strcmp(sub, "checkpoint") == 0 ? "%s" : "%s\n",
                    strcmp(sub, "checkpoint") == 0 ? note : vk.data) < 0 ||
            fclose(f) != 0) {
            vg_error_set(&err, VG_IO, "output", "cannot write %s", out);
            goto fail;
        }
    }
    if (cli->json) {
        json_t *doc =
            json_pack("{s:s, s:s, s:s}", "public_key", vk.data, "key_name", key.name, "key_id", "");
        char id[9];

        snprintf(id, sizeof(id), "%08x", key.id);
        json_object_set_new(doc, "key_id", json_string(id));
        if (note)
            json_object_set_new(doc, "checkpoint", json_string(note));
        tool_print_json(doc);
    } else if (!out) {
        fputs(strcmp(sub, "checkpoint") == 0 ? note : vk.data, stdout);
        if (strcmp(sub, "checkpoint") != 0)
            putchar('\n');
    }
    ret = VG_EXIT_OK;
    goto out;
fail:
    ret = tool_fail(cli, "ledger", &err);
out:
    free(note);
    vg_buf_cleanup(&vk);
    vg_note_key_wipe(&key);
    vg_store_close(st);
    return ret;
}

const struct vg_cmd vg_cmd_ledger = {
    "ledger",
    "the evidence ledger: its public key, a checkpoint now, a new signing key",
    "ledger pubkey|checkpoint|rotate-key [-o FILE] [--json]",
    run,
};
