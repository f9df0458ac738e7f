/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_import.c - `vigie import`: STIX bundles, CSV, plain lists and MISP
 * events into the hub, as one contributing organisation.
 *
 * Each file is streamed (memory bounded by the largest single record) and
 * committed in batches; STIX files are parsed and validated on a second
 * thread while this one writes (see import_stix); a rejected record is reported with its file, line
 * or id and field, and the import goes on.  The format is detected from the first bytes unless
 * --format says otherwise.  A plain list without --label takes its label (the malware family) from
 * the file name.
 */
#include <getopt.h>
#include <libgen.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "cli.h"
#include "evidence/evidence.h"
#include "codec/flat.h"
#include "codec/stix_reader.h"
#include "common/vtime.h"
#include "ingest/ingest.h"

#define MAX_NAMED 64
#define ERRORS_KEPT 1000
#define ERRORS_PRINTED 100

/* A FILE * whose first bytes were read ahead for format detection. */
struct source {
    FILE *f;
    char head[4096];
    size_t hlen, hpos;
    long long bytes;
};

static long source_read(void *ctx, char *buf, size_t cap)
{
    struct source *s = ctx;
    size_t n;

    if (s->hpos < s->hlen) {
        n = s->hlen - s->hpos < cap ? s->hlen - s->hpos : cap;
        memcpy(buf, s->head + s->hpos, n);
        s->hpos += n;
    } else {
        n = fread(buf, 1, cap, s->f);
        if (n == 0 && ferror(s->f))
            return -1;
    }
    s->bytes += (long long)n;
    return (long)n;
}

struct report {
    const struct vg_cli *cli;
    json_t *errors;
    size_t nerrors, rejected_by_reader;
};

static void reject(struct report *r, const char *file, const struct vg_error *err, const char *id)
{
    r->nerrors++;
    if (!r->cli->json && r->nerrors <= ERRORS_PRINTED) {
        fprintf(stderr, "%s", file);
        if (err->line > 0)
            fprintf(stderr, ":%ld", err->line);
        fprintf(stderr, ": ");
        if (id)
            fprintf(stderr, "%s: ", id);
        if (err->field[0])
            fprintf(stderr, "%s: ", err->field);
        fprintf(stderr, "%s\n", err->msg);
    } else if (!r->cli->json && r->nerrors == ERRORS_PRINTED + 1) {
        fprintf(stderr, "(more rejections not shown)\n");
    }
    if (r->errors && json_array_size(r->errors) < ERRORS_KEPT) {
        json_t *e =
            json_pack("{s:s, s:s, s:s}", "file", file, "field", err->field, "message", err->msg);

        if (err->line > 0)
            json_object_set_new(e, "line", json_integer(err->line));
        if (err->offset >= 0)
            json_object_set_new(e, "offset", json_integer(err->offset));
        if (id)
            json_object_set_new(e, "id", json_string(id));
        json_array_append_new(r->errors, e);
    }
}

static int fatal_rc(enum vg_rc rc)
{
    return rc == VG_STORAGE || rc == VG_IO || rc == VG_NOMEM || rc == VG_INTERNAL;
}

/*
 * STIX import runs as a two-stage pipeline: a reader thread pulls objects
 * from the file, parses them and prepares them (validation, claims, TLP, the
 * JSON text: vg_ingest_prepare), while this thread commits them to the
 * store in order.  A ring of slots between the two bounds memory; each slot
 * keeps its prepared item from one use to the next.
 */
#define RING 256
#define WAKE_RUN 64 /* objects ready before the reader wakes the committer */
#define WAIT_MS 2   /* the committer's longest nap on an empty ring */

enum slot_kind { SLOT_OBJECT, SLOT_REJECTED, SLOT_END, SLOT_BROKEN };

struct slot {
    enum slot_kind kind;
    struct vg_ingest_item *item;
    struct vg_error err;
    struct vg_stix_pos pos;
    long long bytes;
};

struct pipeline {
    struct vg_ingest *ing;
    struct vg_stix_reader *rd;
    struct source *src;
    pthread_mutex_t mu;
    pthread_cond_t filled, emptied;
    size_t head, tail; /* slots filled, slots consumed */
    int stop;          /* the committing side gave up */
    int rwait, cwait;  /* reader / committer asleep: wake only then (few futex calls) */
    struct slot slots[RING];
};

static void *reader_main(void *arg)
{
    struct pipeline *p = arg;

    for (;;) {
        struct slot *sl;
        json_t *obj = NULL;
        enum vg_rc rc;

        pthread_mutex_lock(&p->mu);
        while (p->head - p->tail == RING && !p->stop) {
            p->rwait = 1;
            pthread_cond_wait(&p->emptied, &p->mu);
            p->rwait = 0;
        }
        if (p->stop) {
            pthread_mutex_unlock(&p->mu);
            break;
        }
        pthread_mutex_unlock(&p->mu);

        /* Slot head is ours until it is published below. */
        sl = &p->slots[p->head % RING];
        vg_error_clear(&sl->err);
        rc = vg_stix_reader_next(p->rd, &obj, &sl->pos, &sl->err);
        if (rc == VG_OK) {
            sl->kind = SLOT_OBJECT;
            size_t tlen;
            const char *text = vg_stix_reader_text(p->rd, &tlen);

            vg_ingest_prepare(p->ing, obj, text, tlen, sl->item);
            json_decref(obj);
        } else if (rc == VG_INVALID || rc == VG_LIMIT) {
            sl->kind = SLOT_REJECTED;
        } else if (rc == VG_NOT_FOUND) {
            sl->kind = SLOT_END;
        } else {
            sl->kind = SLOT_BROKEN; /* truncated, not JSON: what came before stays */
        }
        sl->bytes = p->src->bytes;

        pthread_mutex_lock(&p->mu);
        p->head++;
        /* Wake a sleeping committer with a run of objects, not one by one
         * (a futex wake per object cost 8% of an import); it also wakes by
         * itself within WAIT_MS, so a slow source is not held back. */
        if (p->cwait && (p->head - p->tail >= WAKE_RUN || sl->kind != SLOT_OBJECT))
            pthread_cond_signal(&p->filled);
        pthread_mutex_unlock(&p->mu);
        if (sl->kind == SLOT_END || sl->kind == SLOT_BROKEN)
            break;
    }
    return NULL;
}

static void pipeline_cleanup(struct pipeline *p)
{
    size_t i;

    for (i = 0; i < RING; i++)
        vg_ingest_item_free(p->slots[i].item);
    vg_stix_reader_free(p->rd);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->filled);
    pthread_cond_destroy(&p->emptied);
    free(p);
}

static enum vg_rc import_stix(struct vg_ingest *ing, struct source *src, const char *file,
                              struct report *r, struct tool_progress *pg, struct vg_error *ferr)
{
    struct pipeline *p = calloc(1, sizeof(*p));
    enum vg_put_result res;
    struct vg_error err;
    pthread_t reader;
    enum vg_rc rc = VG_OK;
    size_t n = 0, i;
    int done = 0;

    if (p == NULL)
        return vg_error_set(ferr, VG_NOMEM, NULL, "out of memory");
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->filled, NULL);
    pthread_cond_init(&p->emptied, NULL);
    p->ing = ing;
    p->src = src;
    for (i = 0; i < RING; i++) {
        if ((p->slots[i].item = vg_ingest_item_new()) == NULL) {
            pipeline_cleanup(p);
            return vg_error_set(ferr, VG_NOMEM, NULL, "out of memory");
        }
    }
    if (vg_stix_reader_new(source_read, src, &p->rd) != VG_OK ||
        pthread_create(&reader, NULL, reader_main, p) != 0) {
        pipeline_cleanup(p);
        return vg_error_set(ferr, VG_NOMEM, NULL, "cannot start the reader");
    }
    while (!done) {
        struct slot *sl;

        pthread_mutex_lock(&p->mu);
        while (p->head == p->tail) {
            struct timespec until;

            vg_time_deadline(WAIT_MS * 1000, &until);
            p->cwait = 1;
            pthread_cond_timedwait(&p->filled, &p->mu, &until);
            p->cwait = 0;
        }
        pthread_mutex_unlock(&p->mu);
        sl = &p->slots[p->tail % RING];

        switch (sl->kind) {
        case SLOT_OBJECT:
            vg_error_clear(&err);
            rc = vg_ingest_commit(ing, sl->item, &res, &err);
            if (rc != VG_OK) {
                err.line = sl->pos.line;
                err.offset = sl->pos.offset;
                if (fatal_rc(rc)) {
                    *ferr = err;
                    done = 1;
                    break;
                }
                reject(r, file, &err, vg_ingest_item_id(sl->item));
                rc = VG_OK;
            }
            tool_progress_update(pg, ++n, sl->bytes);
            break;
        case SLOT_REJECTED:
            r->rejected_by_reader++;
            reject(r, file, &sl->err, NULL);
            break;
        case SLOT_BROKEN:
            r->rejected_by_reader++;
            reject(r, file, &sl->err, NULL);
            done = 1;
            break;
        case SLOT_END:
            done = 1;
            break;
        }

        pthread_mutex_lock(&p->mu);
        p->tail++;
        if (done)
            p->stop = 1;
        /* Wake the reader when it sleeps on a full ring, and only once half
         * of it is free again, so that it refills in a run. */
        if (p->rwait && (done || p->head - p->tail <= RING / 2))
            pthread_cond_signal(&p->emptied);
        pthread_mutex_unlock(&p->mu);
    }
    pthread_join(reader, NULL);
    pipeline_cleanup(p);
    return rc;
}

static enum vg_rc import_flat(struct vg_ingest *ing, enum vg_flat_format fmt, struct source *src,
                              const char *file, struct report *r, struct tool_progress *pg,
                              struct vg_error *ferr)
{
    struct vg_flat_reader *rd = NULL;
    struct vg_flat_record rec;
    struct vg_error err;
    enum vg_put_result res;
    enum vg_rc rc;
    size_t n = 0;

    vg_error_clear(&err);
    if ((rc = vg_flat_reader_new(fmt, source_read, src, &rd, &err)) != VG_OK) {
        r->rejected_by_reader++;
        reject(r, file, &err, NULL);
        return fatal_rc(rc) ? (*ferr = err, rc) : VG_OK;
    }
    for (;;) {
        vg_error_clear(&err);
        rc = vg_flat_reader_next(rd, &rec, &err);
        if (rc == VG_NOT_FOUND) {
            rc = VG_OK;
            break;
        }
        if (rc == VG_INVALID || rc == VG_LIMIT) {
            r->rejected_by_reader++;
            reject(r, file, &err, NULL);
            continue;
        }
        if (rc != VG_OK) {
            r->rejected_by_reader++;
            reject(r, file, &err, NULL);
            rc = VG_OK;
            break;
        }
        rc = vg_ingest_flat(ing, &rec, &res, &err);
        if (rc != VG_OK) {
            err.line = rec.line;
            if (fatal_rc(rc)) {
                *ferr = err;
                break;
            }
            reject(r, file, &err, rec.uuid);
            rc = VG_OK;
        }
        tool_progress_update(pg, ++n, src->bytes);
    }
    vg_flat_reader_free(rd);
    return rc;
}

static int run(struct vg_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"as", required_argument, NULL, 'a'},     {"tlp", required_argument, NULL, 't'},
        {"group", required_argument, NULL, 'g'},  {"share-with", required_argument, NULL, 's'},
        {"format", required_argument, NULL, 'f'}, {"label", required_argument, NULL, 'l'},
        {"batch", required_argument, NULL, 'b'},  {"collection", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    const char *as = NULL, *format = "auto", *label = NULL, *gnames[MAX_NAMED], *onames[MAX_NAMED];
    const char *collection = NULL;
    size_t ngroups = 0, norgs = 0, i;
    int64_t groups[MAX_NAMED], orgs[MAX_NAMED];
    struct vg_ingest_counts total = {0};
    struct vg_ingest_opts io = {0};
    struct vg_store *st = NULL;
    struct report rep = {0};
    struct vg_error err;
    struct vg_org org;
    int64_t t0;
    int c, ret = VG_EXIT_FAIL, fatal = 0;
    long batch = 0;

    vg_error_clear(&err);
    io.default_tlp = VG_TLP_AMBER;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'a':
            as = optarg;
            break;
        case 't':
            if (vg_tlp_from_name(optarg, &io.tlp_floor) != VG_OK)
                return tool_usage(&vg_cmd_import,
                                  "--tlp is clear, green, amber, amber+strict or red");
            io.has_tlp_floor = 1;
            io.default_tlp = io.tlp_floor;
            break;
        case 'g':
        case 's':
            if ((c == 'g' ? ngroups : norgs) >= MAX_NAMED)
                return tool_usage(&vg_cmd_import, "at most %d groups and %d organisations",
                                  MAX_NAMED, MAX_NAMED);
            if (c == 'g')
                gnames[ngroups++] = optarg;
            else
                onames[norgs++] = optarg;
            break;
        case 'f':
            format = optarg;
            if (strcmp(format, "auto") && strcmp(format, "stix") && strcmp(format, "csv") &&
                strcmp(format, "plain") && strcmp(format, "misp"))
                return tool_usage(&vg_cmd_import, "--format is auto, stix, csv, plain or misp");
            break;
        case 'l':
            label = optarg;
            break;
        case 'b':
            batch = strtol(optarg, NULL, 10);
            if (batch < 1 || batch > 1000000)
                return tool_usage(&vg_cmd_import, "--batch is 1 to 1000000");
            break;
        case 'c':
            collection = optarg;
            break;
        case 'h':
            printf("usage: vigie %s\n", vg_cmd_import.usage);
            return VG_EXIT_OK;
        default:
            return tool_usage(&vg_cmd_import, NULL);
        }
    }
    if (optind >= argc)
        return tool_usage(&vg_cmd_import, "name at least one FILE, or - for standard input");
    if ((ret = tool_open(cli, "import", &st)) != VG_EXIT_OK)
        return ret;
    ret = VG_EXIT_FAIL;
    if (tool_org(st, as, &org, &err) != VG_OK)
        goto fail;
    for (i = 0; i < ngroups; i++) {
        struct vg_group g;

        if (vg_store_group_get(st, gnames[i], &g, &err) != VG_OK)
            goto fail;
        groups[i] = g.id;
    }
    for (i = 0; i < norgs; i++) {
        struct vg_org o;

        if (vg_store_org_get(st, onames[i], &o, &err) != VG_OK)
            goto fail;
        orgs[i] = o.id;
    }
    if (collection) {
        /* The contributor must be allowed to write to the collection. */
        struct vg_principal p;
        vg_token tok[VG_POLICY_TOKENS_MAX];
        struct vg_collection found;
        size_t ntok;

        if (vg_store_principal(st, org.id, &p, &err) != VG_OK)
            goto fail;
        ntok = vg_policy_tokens(&p, tok);
        if (ntok == 0 || tool_collection(st, tok, ntok, collection, &found, &err) != VG_OK ||
            !found.can_write) {
            vg_error_set(&err, VG_FORBIDDEN, "collection", "%s may not write to a collection '%s'",
                         org.name, collection);
            goto fail;
        }
        io.collection_id = found.id;
    }
    io.org_id = org.id;
    io.groups = groups;
    io.ngroups = ngroups;
    io.orgs = orgs;
    io.norgs = norgs;
    io.batch = (size_t)batch;
    rep.cli = cli;
    rep.errors = cli->json ? json_array() : NULL;
    t0 = vg_time_now_us();
    for (; optind < argc && !fatal; optind++) {
        const char *file = argv[optind], *fmt = format;
        char base[256], *dot;
        struct source src = {0};
        struct tool_progress pg;
        struct vg_ingest *ing = NULL;
        struct stat sb;
        enum vg_rc rc;

        src.f = strcmp(file, "-") == 0 ? stdin : fopen(file, "rb");
        if (src.f == NULL) {
            vg_error_set(&err, VG_IO, "file", "cannot open %s", file);
            rep.rejected_by_reader++;
            reject(&rep, file, &err, NULL);
            continue;
        }
        src.hlen = fread(src.head, 1, sizeof(src.head), src.f);
        if (strcmp(fmt, "auto") == 0)
            fmt = vg_codec_detect(src.head, src.hlen);
        io.label = label;
        if (label == NULL && strcmp(fmt, "plain") == 0 && strcmp(file, "-") != 0) {
            snprintf(base, sizeof(base), "%s", file);
            snprintf(base, sizeof(base), "%s", basename(base));
            if ((dot = strrchr(base, '.')) != NULL && dot != base)
                *dot = '\0';
            io.label = base;
        }
        if ((rc = vg_ingest_new(st, &io, &ing, &err)) != VG_OK) {
            if (src.f != stdin)
                fclose(src.f);
            goto fail;
        }
        tool_progress_start(&pg, cli, fstat(fileno(src.f), &sb) == 0 ? (long long)sb.st_size : 0);
        if (strcmp(fmt, "stix") == 0)
            rc = import_stix(ing, &src, file, &rep, &pg, &err);
        else
            rc = import_flat(ing,
                             strcmp(fmt, "csv") == 0    ? VG_FLAT_CSV
                             : strcmp(fmt, "misp") == 0 ? VG_FLAT_MISP
                                                        : VG_FLAT_PLAIN,
                             &src, file, &rep, &pg, &err);
        tool_progress_end(&pg);
        if (rc == VG_OK)
            rc = vg_ingest_flush(ing, &err);
        if (rc != VG_OK) {
            fatal = 1;
            tool_fail(cli, "import", &err);
        } else {
            const struct vg_ingest_counts *k = vg_ingest_counts(ing);

            total.accepted += k->accepted;
            total.versions += k->versions;
            total.duplicates += k->duplicates;
            total.rejected += k->rejected;
        }
        vg_ingest_free(ing);
        if (src.f != stdin)
            fclose(src.f);
    }
    total.rejected += rep.rejected_by_reader;
    /* Every import ends with a signed checkpoint of what it committed. */
    if (total.accepted + total.versions > 0) {
        struct vg_error cerr;

        vg_error_clear(&cerr);
        if (vg_evidence_checkpoint(st, cli->hub, VG_EVIDENCE_HEAD, NULL, &cerr) != VG_OK)
            fprintf(stderr, "vigie import: warning: no checkpoint signed: %s\n", cerr.msg);
    }
    {
        double secs = (double)(vg_time_now_us() - t0) / 1e6;
        size_t stored = total.accepted + total.versions;

        if (cli->json) {
            json_t *doc = json_pack(
                "{s:I, s:I, s:I, s:I, s:f, s:f, s:o, s:I}", "accepted", (json_int_t)total.accepted,
                "versions", (json_int_t)total.versions, "duplicates", (json_int_t)total.duplicates,
                "rejected", (json_int_t)total.rejected, "seconds", secs, "rate",
                secs > 0 ? (double)(stored + total.duplicates) / secs : 0.0, "errors", rep.errors,
                "errors_total", (json_int_t)rep.nerrors);

            rep.errors = NULL;
            if (fatal)
                json_object_set_new(doc, "fatal", json_string(err.msg));
            tool_print_json(doc);
        } else {
            fprintf(stderr,
                    "import: %zu new, %zu new versions, %zu duplicates, %zu rejected in %.2f s "
                    "(%.0f records/s)\n",
                    total.accepted, total.versions, total.duplicates, total.rejected, secs,
                    secs > 0 ? (double)(stored + total.duplicates + total.rejected) / secs : 0.0);
        }
    }
    ret = fatal ? VG_EXIT_FAIL : total.rejected ? VG_EXIT_PARTIAL : VG_EXIT_OK;
    goto out;
fail:
    ret = tool_fail(cli, "import", &err);
out:
    json_decref(rep.errors);
    vg_store_close(st);
    return ret;
}

const struct vg_cmd vg_cmd_import = {
    "import",
    "import STIX 2.1 bundles, CSV, plain lists or MISP events",
    "import [--as ORG] [--tlp TLP] [--group GROUP]... [--share-with ORG]... "
    "[--format auto|stix|csv|plain|misp] [--label LABEL] [--batch N] [--collection ID|TITLE] "
    "FILE...|-",
    run,
};
