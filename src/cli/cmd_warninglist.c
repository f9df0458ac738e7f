/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_warninglist.c - `vigie warninglist load|list|remove|check`: the MISP
 * warning lists the hub knows (docs/warninglists.md).
 *
 * The lists live in the hub (the store's warninglist table), so the CLI and
 * the server agree on them.  load and remove change the lists and re-flag
 * every value the hub holds in one transaction, with a new generation that
 * tells running processes (the server, an import) to compile the lists
 * again.  A bad file stops the load before anything changes.
 */
#include <dirent.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "common/hash.h"
#include "common/vtime.h"
#include "warninglist/warninglist.h"

struct doc {
    char *name, *json;
};

struct docs {
    struct doc *d;
    size_t n;
};

static void docs_free(struct docs *ds)
{
    size_t i;

    for (i = 0; i < ds->n; i++) {
        free(ds->d[i].name);
        free(ds->d[i].json);
    }
    free(ds->d);
    ds->n = 0;
    ds->d = NULL;
}

static int docs_find(const struct docs *ds, const char *name)
{
    size_t i;

    for (i = 0; i < ds->n; i++) {
        if (strcmp(ds->d[i].name, name) == 0)
            return (int)i;
    }
    return -1;
}

static enum vg_rc docs_add(struct docs *ds, const char *name, const char *json, size_t len)
{
    struct doc *d = realloc(ds->d, (ds->n + 1) * sizeof(*d));

    if (d == NULL)
        return VG_NOMEM;
    ds->d = d;
    d[ds->n].name = strdup(name);
    d[ds->n].json = strndup(json, len);
    if (d[ds->n].name == NULL || d[ds->n].json == NULL) {
        free(d[ds->n].name);
        free(d[ds->n].json);
        return VG_NOMEM;
    }
    ds->n++;
    return VG_OK;
}

static int doc_cmp(const void *a, const void *b)
{
    return strcmp(((const struct doc *)a)->name, ((const struct doc *)b)->name);
}

/* One list.json file, parsed and compiled into s (all of it read first). */
static enum vg_rc load_file(struct vg_wl_set *s, const char *path, struct vg_error *err)
{
    FILE *f = fopen(path, "rb");
    char *data = NULL;
    long n;
    enum vg_rc rc;

    if (f == NULL)
        return vg_error_set(err, VG_IO, NULL, "%s: cannot open", path);
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return vg_error_set(err, VG_IO, NULL, "%s: cannot read", path);
    }
    if ((unsigned long)n > VG_WL_DOC_MAX) {
        fclose(f);
        return vg_error_set(err, VG_LIMIT, NULL, "%s: larger than %u bytes", path, VG_WL_DOC_MAX);
    }
    if ((data = malloc((size_t)n + 1)) == NULL) {
        fclose(f);
        return vg_error_set(err, VG_NOMEM, NULL, "out of memory");
    }
    if (fread(data, 1, (size_t)n, f) != (size_t)n) {
        free(data);
        fclose(f);
        return vg_error_set(err, VG_IO, NULL, "%s: cannot read", path);
    }
    fclose(f);
    rc = vg_wl_set_add(s, data, (size_t)n, err);
    free(data);
    if (rc != VG_OK) {
        char msg[VG_ERROR_MSG_MAX];

        snprintf(msg, sizeof(msg), "%s", err->msg);
        vg_error_set(err, rc, NULL, "%.120s: %s%s%s", path, err->field[0] ? err->field : "",
                     err->field[0] ? ": " : "", msg);
    }
    return rc;
}

static int path_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every file named list.json under dir (MISP's layout: lists/NAME/list.json). */
static enum vg_rc walk(const char *dir, int depth, char ***paths, size_t *n, struct vg_error *err)
{
    DIR *d;
    struct dirent *e;
    enum vg_rc rc = VG_OK;

    if (depth > 8)
        return VG_OK;
    if ((d = opendir(dir)) == NULL)
        return vg_error_set(err, VG_IO, NULL, "%s: cannot open", dir);
    while (rc == VG_OK && (e = readdir(d)) != NULL) {
        char path[4096];
        struct stat sb;

        if (e->d_name[0] == '.')
            continue;
        if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= sizeof(path) ||
            stat(path, &sb) != 0)
            continue;
        if (S_ISDIR(sb.st_mode)) {
            rc = walk(path, depth + 1, paths, n, err);
        } else if (S_ISREG(sb.st_mode) && strcmp(e->d_name, "list.json") == 0) {
            char **p = realloc(*paths, (*n + 1) * sizeof(*p));

            if (p == NULL || (p[*n] = strdup(path)) == NULL) {
                if (p)
                    *paths = p;
                rc = vg_error_set(err, VG_NOMEM, NULL, "out of memory");
                break;
            }
            *paths = p;
            (*n)++;
        }
    }
    closedir(d);
    return rc;
}

struct keep_ctx {
    struct docs *all;
    const struct docs *fresh;
    int replace;
    size_t removed;
    struct vg_store *st;
    enum vg_rc rc;
};

static int keep_cb(void *arg, const struct vg_wl_row *row)
{
    struct keep_ctx *c = arg;

    if (docs_find(c->fresh, row->name) >= 0)
        return 0; /* replaced by the new version */
    if (c->replace) {
        c->removed++;
        return 0;
    }
    c->rc = docs_add(c->all, row->name, row->json, row->json_len);
    return c->rc != VG_OK;
}

static enum vg_rc flag_fn(void *ctx, enum vg_obs_kind kind, const char *value, size_t len,
                          struct vg_buf *warn)
{
    return vg_wl_names(ctx, kind, value, len, warn) < 0 ? VG_NOMEM : VG_OK;
}

/*
 * Record `all` (sorted by name, as the store lists them) as the hub's lists:
 * drop the stored lists not in it, put those of `fresh`, re-flag every value
 * and bump the generation, in one transaction.
 */
static enum vg_rc commit_lists(struct vg_store *st, const struct docs *all,
                               const struct docs *fresh, const struct docs *drop, size_t *flagged,
                               struct vg_error *err)
{
    struct vg_wl_set *set = vg_wl_set_new();
    uint8_t rnd[16];
    char gen[64];
    size_t i;
    enum vg_rc rc;

    if (set == NULL)
        return vg_error_set(err, VG_NOMEM, NULL, "out of memory");
    for (i = 0; i < all->n; i++) {
        if ((rc = vg_wl_set_add(set, all->d[i].json, strlen(all->d[i].json), err)) != VG_OK) {
            vg_wl_set_free(set);
            return rc;
        }
    }
    if ((rc = vg_random(rnd, sizeof(rnd))) != VG_OK) {
        vg_wl_set_free(set);
        return vg_error_set(err, rc, NULL, "no randomness");
    }
    vg_hex(rnd, sizeof(rnd), gen);
    if ((rc = vg_store_begin(st, err)) != VG_OK) {
        vg_wl_set_free(set);
        return rc;
    }
    for (i = 0; rc == VG_OK && i < drop->n; i++)
        rc = vg_store_warninglist_delete(st, drop->d[i].name, err);
    for (i = 0; rc == VG_OK && i < vg_wl_set_count(set); i++) {
        const struct vg_wl_info *in = vg_wl_set_info(set, i);
        const char *json = vg_wl_set_json(set, i);
        struct vg_wl_row row = {0,
                                in->name,
                                in->version,
                                vg_wl_type_name(in->type),
                                in->description,
                                in->matching_attributes,
                                (int64_t)in->entries,
                                vg_time_now_us(),
                                json,
                                strlen(json)};

        if (docs_find(fresh, in->name) >= 0)
            rc = vg_store_warninglist_put(st, &row, err);
    }
    if (rc == VG_OK)
        rc = vg_store_warn_reflag(st, flag_fn, set, flagged, err);
    if (rc == VG_OK)
        rc = vg_store_meta_set(st, VG_WL_META_GENERATION, all->n ? gen : "", err);
    if (rc == VG_OK)
        rc = vg_store_commit(st, err);
    else
        vg_store_rollback(st);
    vg_wl_set_free(set);
    return rc;
}

static json_t *info_json(const struct vg_wl_info *in)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:o, s:I, s:I}", "name", in->name, "version",
                     in->version, "type", vg_wl_type_name(in->type), "description", in->description,
                     "matching_attributes", json_loads(in->matching_attributes, 0, NULL), "entries",
                     (json_int_t)in->entries, "ignored", (json_int_t)in->ignored);
}

static int load(struct vg_cli *cli, struct vg_store *st, int argc, char **argv)
{
    static const struct option opts[] = {{"replace", no_argument, NULL, 'r'}, {NULL, 0, NULL, 0}};
    struct vg_wl_set *fresh_set = vg_wl_set_new();
    struct docs fresh = {0}, all = {0}, drop = {0};
    struct keep_ctx kc = {0};
    struct vg_error err;
    char **paths = NULL;
    size_t npaths = 0, i, flagged = 0;
    int c, replace = 0, ret = VG_EXIT_FAIL;
    json_t *lists = json_array();
    enum vg_rc rc = VG_OK;

    vg_error_clear(&err);
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c != 'r') {
            ret = tool_usage(&vg_cmd_warninglist, NULL);
            goto out;
        }
        replace = 1;
    }
    if (optind == argc) {
        ret = tool_usage(&vg_cmd_warninglist, "warninglist load takes a folder or list.json files");
        goto out;
    }
    if (fresh_set == NULL || lists == NULL) {
        rc = vg_error_set(&err, VG_NOMEM, NULL, "out of memory");
        goto fail;
    }
    for (; rc == VG_OK && optind < argc; optind++) {
        struct stat sb;
        size_t before = npaths;

        if (stat(argv[optind], &sb) != 0) {
            rc = vg_error_set(&err, VG_NOT_FOUND, NULL, "%s: no such file or folder", argv[optind]);
        } else if (S_ISDIR(sb.st_mode)) {
            rc = walk(argv[optind], 0, &paths, &npaths, &err);
            if (rc == VG_OK && npaths == before)
                rc = vg_error_set(&err, VG_NOT_FOUND, NULL, "%s: no list.json under it",
                                  argv[optind]);
            if (rc == VG_OK)
                qsort(paths + before, npaths - before, sizeof(*paths), path_cmp);
        } else {
            char **p = realloc(paths, (npaths + 1) * sizeof(*p));

            if (p == NULL || (p[npaths] = strdup(argv[optind])) == NULL) {
                if (p)
                    paths = p;
                rc = vg_error_set(&err, VG_NOMEM, NULL, "out of memory");
            } else {
                paths = p;
                npaths++;
            }
        }
    }
    for (i = 0; rc == VG_OK && i < npaths; i++)
        rc = load_file(fresh_set, paths[i], &err);
    for (i = 0; rc == VG_OK && i < vg_wl_set_count(fresh_set); i++) {
        const struct vg_wl_info *in = vg_wl_set_info(fresh_set, i);
        const char *json = vg_wl_set_json(fresh_set, i);

        if ((rc = docs_add(&fresh, in->name, json, strlen(json))) == VG_OK)
            rc = docs_add(&all, in->name, json, strlen(json));
        if (rc == VG_OK)
            json_array_append_new(lists, info_json(in));
        else
            vg_error_set(&err, rc, NULL, "out of memory");
    }
    if (rc != VG_OK)
        goto fail;
    /* the stored lists the load keeps (all, without --replace) */
    kc.all = &all;
    kc.fresh = &fresh;
    kc.replace = replace;
    kc.st = st;
    if ((rc = vg_store_warninglist_scan(st, 1, keep_cb, &kc, &err)) == VG_OK && kc.rc != VG_OK)
        rc = vg_error_set(&err, kc.rc, NULL, "out of memory");
    if (rc != VG_OK)
        goto fail;
    if (replace) {
        struct keep_ctx dc = {0};

        /* every stored list not loaded now goes */
        dc.all = &drop;
        dc.fresh = &fresh;
        if ((rc = vg_store_warninglist_scan(st, 0, keep_cb, &dc, &err)) == VG_OK && dc.rc != VG_OK)
            rc = vg_error_set(&err, dc.rc, NULL, "out of memory");
        if (rc != VG_OK)
            goto fail;
    }
    qsort(all.d, all.n, sizeof(*all.d), doc_cmp);
    if ((rc = commit_lists(st, &all, &fresh, &drop, &flagged, &err)) != VG_OK)
        goto fail;
    if (cli->json) {
        ret = tool_print_json(json_pack("{s:O, s:I, s:I, s:I}", "loaded", lists, "removed",
                                        (json_int_t)drop.n, "lists", (json_int_t)all.n,
                                        "flagged_values", (json_int_t)flagged));
    } else {
        printf("%zu warning lists loaded, %zu removed; the hub has %zu; %zu values it holds are "
               "on a list\n",
               fresh.n, drop.n, all.n, flagged);
        ret = VG_EXIT_OK;
    }
    goto out;
fail:
    ret = tool_fail(cli, "warninglist load", &err);
out:
    for (i = 0; i < npaths; i++)
        free(paths[i]);
    free(paths);
    json_decref(lists);
    vg_wl_set_free(fresh_set);
    docs_free(&fresh);
    docs_free(&all);
    docs_free(&drop);
    return ret;
}

static int remove_lists(struct vg_cli *cli, struct vg_store *st, int argc, char **argv)
{
    struct docs all = {0}, none = {0}, drop = {0};
    struct keep_ctx kc = {0};
    struct vg_error err;
    size_t flagged = 0;
    int i;
    enum vg_rc rc = VG_OK;

    vg_error_clear(&err);
    if (argc < 2)
        return tool_usage(&vg_cmd_warninglist, "warninglist remove takes list names");
    for (i = 1; rc == VG_OK && i < argc; i++)
        rc = docs_add(&drop, argv[i], "", 0);
    kc.all = &all;
    kc.fresh = &drop; /* the named lists are not kept */
    if (rc == VG_OK)
        rc = vg_store_warninglist_scan(st, 1, keep_cb, &kc, &err);
    if (rc == VG_OK && kc.rc != VG_OK)
        rc = vg_error_set(&err, kc.rc, NULL, "out of memory");
    if (rc == VG_OK)
        rc = commit_lists(st, &all, &none, &drop, &flagged, &err);
    if (rc == VG_OK && cli->json)
        tool_print_json(json_pack("{s:I, s:I, s:I}", "removed", (json_int_t)drop.n, "lists",
                                  (json_int_t)all.n, "flagged_values", (json_int_t)flagged));
    else if (rc == VG_OK)
        printf("%zu warning lists removed; the hub has %zu; %zu values it holds are on a list\n",
               drop.n, all.n, flagged);
    docs_free(&all);
    docs_free(&drop);
    return rc == VG_OK ? VG_EXIT_OK : tool_fail(cli, "warninglist remove", &err);
}

static int list_cb(void *ctx, const struct vg_wl_row *row)
{
    char t[VG_TIME_TEXT_MAX];

    if (ctx) {
        tool_time(row->loaded_us, t);
        json_array_append_new(ctx, json_pack("{s:s, s:s, s:s, s:s, s:o, s:I, s:s}", "name",
                                             row->name, "version", row->version, "type", row->type,
                                             "description", row->description, "matching_attributes",
                                             json_loads(row->matching_attributes, 0, NULL),
                                             "entries", (json_int_t)row->entries, "loaded", t));
    } else {
        printf("%-10s %-10s %8lld  %s\n", row->type, row->version, (long long)row->entries,
               row->name);
    }
    return 0;
}

/* Which of the hub's lists a value is on (no intelligence involved). */
static int check(struct vg_cli *cli, struct vg_store *st, int argc, char **argv)
{
    struct vg_wl_set *set = NULL;
    struct vg_error err;
    json_t *arr = json_array();
    int i, ret = VG_EXIT_OK;

    vg_error_clear(&err);
    if (argc < 2)
        return tool_usage(&vg_cmd_warninglist, "warninglist check takes values");
    if (vg_wl_acquire(st, &set, &err) != VG_OK)
        return tool_fail(cli, "warninglist check", &err);
    for (i = 1; i < argc; i++) {
        struct vg_obs o;
        uint32_t idx[VG_WL_LISTS_MAX];
        size_t n, k;
        json_t *names = json_array();

        if (vg_obs_parse_ex(VG_OBS_NONE, VG_OBS_F_LIST, argv[i], strlen(argv[i]), &o, &err) !=
            VG_OK) {
            fprintf(stderr, "vigie warninglist check: %s: %s\n", argv[i], err.msg);
            json_decref(names);
            ret = VG_EXIT_FAIL;
            continue;
        }
        n = vg_wl_match(set, o.kind, o.value, o.len, idx, VG_WL_LISTS_MAX);
        for (k = 0; k < n && k < VG_WL_LISTS_MAX; k++)
            json_array_append_new(names, json_string(vg_wl_set_info(set, idx[k])->name));
        json_array_append_new(arr,
                              json_pack("{s:s, s:s, s:s, s:o}", "query", argv[i], "value", o.value,
                                        "kind", vg_obs_kind_name(o.kind), "warninglists", names));
    }
    vg_wl_release(set);
    if (cli->json) {
        tool_print_json(arr);
    } else {
        size_t k;
        json_t *e;

        json_array_foreach(arr, k, e)
        {
            char *line = json_dumps(e, JSON_COMPACT);

            if (line)
                puts(line);
            free(line);
        }
        json_decref(arr);
    }
    return ret;
}

static int run(struct vg_cli *cli, int argc, char **argv)
{
    struct vg_store *st = NULL;
    struct vg_error err;
    const char *sub = argc > 1 ? argv[1] : NULL;
    int ret;

    vg_error_clear(&err);
    if (sub == NULL)
        return tool_usage(&vg_cmd_warninglist, NULL);
    if ((ret = tool_open(cli, "warninglist", &st)) != VG_EXIT_OK)
        return ret;
    if (strcmp(sub, "load") == 0) {
        ret = load(cli, st, argc - 1, argv + 1);
    } else if (strcmp(sub, "remove") == 0) {
        ret = remove_lists(cli, st, argc - 1, argv + 1);
    } else if (strcmp(sub, "check") == 0) {
        ret = check(cli, st, argc - 1, argv + 1);
    } else if (strcmp(sub, "list") == 0 && argc == 2) {
        json_t *arr = cli->json ? json_array() : NULL;

        if (vg_store_warninglist_scan(st, 0, list_cb, arr, &err) != VG_OK) {
            json_decref(arr);
            ret = tool_fail(cli, "warninglist list", &err);
        } else {
            ret = arr ? tool_print_json(arr) : VG_EXIT_OK;
        }
    } else {
        ret = tool_usage(&vg_cmd_warninglist, "unknown or incomplete sub-command '%s'", sub);
    }
    vg_store_close(st);
    return ret;
}

const struct vg_cmd vg_cmd_warninglist = {
    "warninglist",
    "load, list or remove MISP warning lists; check which lists a value is on",
    "warninglist load [--replace] FOLDER|list.json... | list | remove NAME... | check VALUE...\n"
    "       [--hub DIR] [--json]",
    run,
};
