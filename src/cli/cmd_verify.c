/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_verify.c - `vigie verify`, three checks (docs/ledger.md):
 *
 *   vigie verify BUNDLE [--key PUBKEY]   an evidence bundle, offline: needs
 *       nothing but the file (and the key to pin); says what holds.
 *   vigie verify [--hub DIR]             a whole hub: every leaf recomputed
 *       from the stored rows, the tree against every stored checkpoint;
 *       names the first divergent entry.
 *   vigie verify --consistency OLD NEW [--key PUBKEY]   two checkpoints a
 *       partner kept: both signed, the older a prefix of the newer (proof
 *       from the hub), or an equivocation.
 *
 * PUBKEY is a file holding a verifier key, or the key itself.  Exit 0 when
 * everything holds, 1 otherwise.
 */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "evidence/evidence.h"
#include "ledger/merkle.h"

#define FILE_MAX (64L * 1024 * 1024)

static char *slurp(const char *path, size_t *len, struct vg_error *err)
{
    FILE *f = fopen(path, "rb");
    struct vg_buf b;
    char chunk[65536];
    size_t n;

    if (f == NULL) {
        vg_error_set(err, VG_IO, "file", "cannot open %s", path);
        return NULL;
    }
    vg_buf_init(&b, FILE_MAX);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (vg_buf_append(&b, chunk, n) != VG_OK) {
            vg_error_set(err, VG_LIMIT, "file", "%s is too large", path);
            vg_buf_cleanup(&b);
            fclose(f);
            return NULL;
        }
    }
    fclose(f);
    if (vg_buf_reserve(&b, 1) != VG_OK) {
        vg_buf_cleanup(&b);
        vg_error_set(err, VG_NOMEM, NULL, "out of memory");
        return NULL;
    }
    b.data[b.len] = '\0';
    *len = b.len;
    return b.data;
}

static enum vg_rc load_pubkey(const char *arg, struct vg_note_key *key, struct vg_error *err)
{
    size_t len;
    char *text = NULL;
    enum vg_rc rc;

    /* A file, or else the key itself. */
    if ((text = slurp(arg, &len, NULL)) == NULL) {
        if (strchr(arg, '+') != NULL)
            return vg_note_key_parse(arg, strlen(arg), 0, key, err);
        return vg_error_set(err, VG_IO, "key", "cannot open %s", arg);
    }
    rc = vg_note_key_parse(text, len, 0, key, err);
    free(text);
    return rc;
}

static int verify_bundle(struct vg_cli *cli, const char *path, const char *keyarg)
{
    struct vg_note_key pin;
    struct vg_evidence_report rep;
    struct vg_error err;
    size_t len;
    char *data;
    enum vg_rc rc;

    vg_error_clear(&err);
    if (keyarg && load_pubkey(keyarg, &pin, &err) != VG_OK)
        return tool_fail(cli, "verify", &err);
    if ((data = slurp(path, &len, &err)) == NULL)
        return tool_fail(cli, "verify", &err);
    rc = vg_evidence_verify_bundle(data, len, keyarg ? &pin : NULL, &rep, &err);
    free(data);
    if (cli->json) {
        json_t *checks = json_array();
        char *line = rep.text.data, *nl;

        while (line && (nl = strchr(line, '\n')) != NULL) {
            json_array_append_new(checks, json_stringn(line, (size_t)(nl - line)));
            line = nl + 1;
        }
        tool_print_json(json_pack("{s:b, s:s, s:o, s:s*}", "verified", rc == VG_OK, "bundle", path,
                                  "checks", checks, "error", rc == VG_OK ? NULL : err.msg));
    } else {
        fputs(rep.text.data ? rep.text.data : "", rc == VG_OK ? stdout : stderr);
        if (rc == VG_OK)
            printf("VERIFIED: %s\n", path);
    }
    vg_evidence_report_cleanup(&rep);
    if (rc != VG_OK && !cli->json)
        fprintf(stderr, "vigie verify: %s: NOT VERIFIED: %s\n", path, err.msg);
    return rc == VG_OK ? VG_EXIT_OK : VG_EXIT_FAIL;
}

static int verify_hub(struct vg_cli *cli)
{
    struct vg_store *st = NULL;
    struct vg_hub_report rep;
    struct vg_error err;
    char hex[65];
    enum vg_rc rc;
    int ret;

    if ((ret = tool_open(cli, "verify", &st)) != VG_EXIT_OK)
        return ret;
    vg_error_clear(&err);
    rc = vg_evidence_verify_hub(st, cli->hub, &rep, &err);
    vg_store_close(st);
    vg_hex(rep.root, 32, hex);
    if (cli->json) {
        json_t *doc = json_pack("{s:b, s:s, s:I, s:I, s:s}", "verified", rc == VG_OK, "hub",
                                cli->hub, "entries", (json_int_t)rep.entries, "checkpoints",
                                (json_int_t)rep.checkpoints, "root", hex);
        if (rc != VG_OK) {
            json_object_set_new(doc, "error", json_string(err.msg));
            if (rep.diverges)
                json_object_set_new(doc, "first_divergent_entry",
                                    json_integer((json_int_t)rep.first_divergent));
        }
        tool_print_json(doc);
    } else if (rc == VG_OK) {
        fputs(rep.text.data ? rep.text.data : "", stdout);
        printf("VERIFIED: %s\n", cli->hub);
    } else {
        fprintf(stderr, "vigie verify: %s: NOT VERIFIED: %s\n", cli->hub, err.msg);
    }
    vg_hub_report_cleanup(&rep);
    return rc == VG_OK ? VG_EXIT_OK : VG_EXIT_FAIL;
}

static enum vg_rc open_cp(const char *path, const struct vg_note_key *key, struct vg_checkpoint *cp,
                          struct vg_error *err)
{
    size_t len;
    char *text = slurp(path, &len, err);
    enum vg_rc rc;

    if (text == NULL)
        return err->code;
    rc = vg_checkpoint_open(text, len, key, cp, err);
    free(text);
    if (rc != VG_OK) {
        char msg[VG_ERROR_MSG_MAX];

        snprintf(msg, sizeof(msg), "%s", err->msg);
        vg_error_set(err, rc, "checkpoint", "%s: %s", path, msg);
    }
    return rc;
}

static int verify_consistency(struct vg_cli *cli, const char *old_path, const char *new_path,
                              const char *keyarg)
{
    struct vg_store *st = NULL;
    struct vg_note_key key;
    struct vg_checkpoint a, b;
    struct vg_error err;
    uint8_t proof[VG_MERKLE_MAX_PROOF][32];
    size_t nproof = 0;
    const char *verdict = NULL;
    int ret, ok = 0;

    vg_error_clear(&err);
    memset(&key, 0, sizeof(key));
    if (keyarg == NULL) {
        char vk[512];

        if ((ret = tool_open(cli, "verify", &st)) != VG_EXIT_OK)
            return ret;
        if (vg_store_meta_get(st, "ledger_key", vk, sizeof(vk), &err) != VG_OK ||
            vg_note_key_parse(vk, strlen(vk), 0, &key, &err) != VG_OK)
            goto fail;
    } else if (load_pubkey(keyarg, &key, &err) != VG_OK) {
        goto fail;
    }
    if (open_cp(old_path, &key, &a, &err) != VG_OK || open_cp(new_path, &key, &b, &err) != VG_OK)
        goto fail;
    if (a.size > b.size) {
        struct vg_checkpoint t = a;
        a = b;
        b = t;
    }
    if (strcmp(a.origin, b.origin) != 0) {
        vg_error_set(&err, VG_INVALID, "checkpoint", "the checkpoints are of two logs (%s, %s)",
                     a.origin, b.origin);
        goto fail;
    }
    if (vg_checkpoint_equivocates(&a, &b)) {
        vg_error_set(&err, VG_INVALID, "checkpoint",
                     "EQUIVOCATION: the log signed two different trees of %llu entries",
                     (unsigned long long)a.size);
        goto fail;
    }
    if (a.size == b.size || a.size == 0) {
        ok = 1;
        verdict = a.size == b.size ? "the same tree" : "the empty tree is a prefix of every tree";
    } else {
        if (st == NULL && (ret = tool_open(cli, "verify", &st)) != VG_EXIT_OK)
            return ret;
        if (vg_store_ledger_consistency(st, a.size, b.size, proof, &nproof, &err) != VG_OK)
            goto fail;
        ok = vg_merkle_verify_consistency(a.size, b.size, a.root, b.root,
                                          (const uint8_t(*)[32])proof, nproof);
        if (!ok) {
            vg_error_set(&err, VG_INVALID, "consistency",
                         "the tree of %llu entries is NOT a prefix of the tree of %llu: the log "
                         "was rewritten",
                         (unsigned long long)a.size, (unsigned long long)b.size);
            goto fail;
        }
        verdict = "the older tree is a prefix of the newer (consistency proof verified)";
    }
    if (cli->json)
        tool_print_json(json_pack("{s:b, s:I, s:I, s:s}", "verified", 1, "old_size",
                                  (json_int_t)a.size, "new_size", (json_int_t)b.size, "result",
                                  verdict));
    else
        printf("ok: both checkpoints are signed by %s+%08x\nok: %llu -> %llu entries: %s\n"
               "VERIFIED\n",
               key.name, key.id, (unsigned long long)a.size, (unsigned long long)b.size, verdict);
    ret = VG_EXIT_OK;
    goto out;
fail:
    if (cli->json)
        tool_print_json(json_pack("{s:b, s:s}", "verified", 0, "error", err.msg));
    else
        fprintf(stderr, "vigie verify: NOT VERIFIED: %s\n", err.msg);
    ret = VG_EXIT_FAIL;
out:
    vg_store_close(st);
    return ret;
}

static int run(struct vg_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"key", required_argument, NULL, 'k'},
                                         {"consistency", no_argument, NULL, 'c'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *key = NULL;
    int c, consistency = 0;

    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'k':
            key = optarg;
            break;
        case 'c':
            consistency = 1;
            break;
        case 'h':
            printf("usage: vigie %s\n", vg_cmd_verify.usage);
            return VG_EXIT_OK;
        default:
            return tool_usage(&vg_cmd_verify, NULL);
        }
    }
    if (consistency) {
        if (argc - optind != 2)
            return tool_usage(&vg_cmd_verify, "--consistency takes two checkpoint files");
        return verify_consistency(cli, argv[optind], argv[optind + 1], key);
    }
    if (argc - optind == 1)
        return verify_bundle(cli, argv[optind], key);
    if (argc - optind != 0)
        return tool_usage(&vg_cmd_verify, "verify takes one bundle");
    return verify_hub(cli);
}

const struct vg_cmd vg_cmd_verify = {
    "verify",
    "check an evidence bundle offline, a whole hub, or two checkpoints",
    "verify BUNDLE [--key PUBKEY] | verify [--hub DIR] | verify --consistency OLD NEW [--key "
    "PUBKEY]",
    run,
};
