/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli.h - what every verb of the `vigie` command shares.
 *
 * Each verb is one file (cmd_<verb>.c) exporting one struct vg_cmd; main.c
 * lists them in a table.  main.c takes the options every verb has (--hub DIR,
 * --json) off the command line before the verb sees it.  With --json a verb
 * prints exactly one JSON document on standard output and nothing else there;
 * messages and progress go to standard error.
 *
 * Exit codes: 0 success; 1 failure; 2 usage error; 3 partial success (an
 * import that rejected some records).
 */
#ifndef VG_CLI_CLI_H
#define VG_CLI_CLI_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "common/error.h"
#include "store/store.h"

enum { VG_EXIT_OK = 0, VG_EXIT_FAIL = 1, VG_EXIT_USAGE = 2, VG_EXIT_PARTIAL = 3 };

struct vg_cli {
    const char *hub; /* --hub, else $VIGIE_HUB, else ./vigie-hub */
    int json;        /* --json */
    const char *prog;
};

struct vg_cmd {
    const char *name;
    const char *summary;
    const char *usage;
    int (*run)(struct vg_cli *cli, int argc, char **argv);
};

/* Print "vigie VERB: message" (with field, line) to stderr; returns VG_EXIT_FAIL. */
int tool_fail(const struct vg_cli *cli, const char *verb, const struct vg_error *err);
/* Print a usage error and the verb's usage; returns VG_EXIT_USAGE. */
int tool_usage(const struct vg_cmd *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Open the hub's store (must exist). */
int tool_open(const struct vg_cli *cli, const char *verb, struct vg_store **st);
/* Print a JSON document on stdout (steals the reference). */
int tool_print_json(json_t *doc);
/* Resolve an organisation by name or identity id, or the operator when name is NULL. */
enum vg_rc tool_org(struct vg_store *st, const char *name, struct vg_org *out,
                    struct vg_error *err);
json_t *tool_org_json(const struct vg_org *org);
json_t *tool_key_json(const struct vg_key *key);
void tool_time(int64_t us, char *out);

/*
 * Progress on a terminal: objects done, rate, and an ETA when the total
 * size is known.  Silent when stderr is not a terminal or with --json.
 */
struct tool_progress {
    int on;
    int64_t start_us, last_us;
    long long total_bytes;
};
void tool_progress_start(struct tool_progress *p, const struct vg_cli *cli, long long total_bytes);
void tool_progress_update(struct tool_progress *p, size_t done, long long bytes);
void tool_progress_end(struct tool_progress *p);

/* Create a key for org with scopes; fills key and the secret text (shown once). */
enum vg_rc tool_key_create(struct vg_store *st, int64_t org_id, unsigned scopes, int64_t expires_us,
                           const char *label, struct vg_key *key, char *secret, size_t secret_cap,
                           struct vg_error *err);
/* A collection by id or title (case-insensitive) among those the tokens
 * may use; tokens == NULL: among all (the operator's view).  VG_NOT_FOUND. */
enum vg_rc tool_collection(struct vg_store *st, const vg_token *tokens, size_t ntokens,
                           const char *what, struct vg_collection *out, struct vg_error *err);
/* Parse "read,write,admin". */
enum vg_rc tool_scopes(const char *s, unsigned *out);

extern const struct vg_cmd vg_cmd_init, vg_cmd_org, vg_cmd_key, vg_cmd_group, vg_cmd_import,
    vg_cmd_export, vg_cmd_check, vg_cmd_serve, vg_cmd_collection, vg_cmd_ledger, vg_cmd_evidence,
    vg_cmd_verify, vg_cmd_follow, vg_cmd_lookup;
extern const struct vg_cmd vg_cmd_snapshot, vg_cmd_match, vg_cmd_watch, vg_cmd_warninglist;
extern const struct vg_cmd vg_cmd_enrich, vg_cmd_jurisdiction, vg_cmd_report;

/* The index of what org (--for name, or the operator) may see, from the
 * store, with the bulk-feed rule (cmd_snapshot.c); values on a warning list
 * only with keep_warned; *out is the caller's. */
struct vg_index_builder;
enum vg_rc tool_snapshot_build(struct vg_store *st, const char *forname, int keep_warned,
                               struct vg_org *org, struct vg_index_builder **out, size_t *claims,
                               struct vg_error *err);

#endif
