/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_match.c - `vigie match`: scan logs for the indicators an organisation
 * may see, from a snapshot file or straight from the hub.
 *
 * One JSON object per hit on standard output, in input order:
 *   {"file", "line", "offset", "text", "indicator", "kind", "rule",
 *    "context": {"label", "tlp", "orgs", "ref"}}
 * With --count, one object per file with its number of hits instead.  A
 * summary goes to standard error.  The scanning rules are in src/match/match.h
 * and docs/match.md.  With --sightings URL, every hit is also reported to
 * that hub as a sighting (report.h), aggregated per value and batched; a
 * failure to report stops the scan with an error.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "cli.h"
#include "common/buf.h"
#include "common/vtime.h"
#include "index/index.h"
#include "match/fields.h"
#include "match/scan_file.h"
#include "report.h"

struct out_ctx {
    const struct vg_index *idx;
    const char *file;
    struct vg_buf line;
    int count_only, io_error;
    struct vg_fields *fields;   /* --fields, or NULL */
    uint64_t kept;              /* hits of this file that were reported */
    struct tool_report *report; /* --sightings, or NULL */
    struct vg_buf lit;          /* the hit's text as a JSON literal */
    struct vg_error report_err;
    int report_failed;
    struct vg_obs obs;
};

/* The first bytes of a file (gzip or not) for its header; 0 for standard
 * input, which cannot be read twice. */
static size_t file_head(const char *path, char *buf, size_t cap)
{
    gzFile g;
    int n;

    if (strcmp(path, "-") == 0 || (g = gzopen(path, "rb")) == NULL)
        return 0;
    n = gzread(g, buf, (unsigned)cap);
    gzclose(g);
    return n > 0 ? (size_t)n : 0;
}

/* Length of the valid UTF-8 sequence at s, 0 if none. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    size_t len, i;

    if (s[0] < 0x80)
        return 1;
    len = s[0] >= 0xf0 && s[0] < 0xf5 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 && s[0] < 0xe0 ? 2 : 0;
    if (len == 0 || len > n || (s[0] >= 0xf0 && len != 4))
        return 0;
    for (i = 1; i < len; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    return len;
}

/* A JSON string of arbitrary bytes: invalid UTF-8 becomes U+FFFD. */
static enum vg_rc json_bytes(struct vg_buf *b, const char *s, size_t n)
{
    size_t i = 0, run = 0;
    enum vg_rc rc = VG_OK;
    struct vg_buf tmp;

    for (i = 0; i < n; i += run) {
        run = utf8_len((const unsigned char *)s + i, n - i);
        if (run == 0)
            break;
    }
    if (i >= n)
        return vg_buf_json_str(b, s, n);
    vg_buf_init(&tmp, 0);
    for (i = 0; i < n && rc == VG_OK; i += run ? run : 1) {
        run = utf8_len((const unsigned char *)s + i, n - i);
        rc = run ? vg_buf_append(&tmp, s + i, run) : vg_buf_puts(&tmp, "\xef\xbf\xbd");
    }
    if (rc == VG_OK)
        rc = vg_buf_json_str(b, tmp.data, tmp.len);
    vg_buf_cleanup(&tmp);
    return rc;
}

static int hit_cb(void *arg, const struct vg_match_out *h)
{
    struct out_ctx *c = arg;
    struct vg_index_view v;
    struct vg_buf *b = &c->line;
    enum vg_rc rc;

    if (c->fields && !vg_fields_keep(c->fields, h->line_text, h->line_len,
                                     (size_t)(h->text - h->line_text), h->len))
        return 0;
    c->kept++;
    if (c->report) {
        /* aggregated per canonical value: "EVIL.com" and "evil.com" are one */
        struct vg_error perr;
        int canon =
            vg_obs_parse_ex(VG_OBS_NONE, VG_OBS_F_LIST, h->text, h->len, &c->obs, &perr) == VG_OK;

        vg_buf_reset(&c->lit);
        if (json_bytes(&c->lit, canon ? c->obs.value : h->text, canon ? c->obs.len : h->len) !=
            VG_OK) {
            vg_error_set(&c->report_err, VG_NOMEM, NULL, "out of memory");
            c->report_failed = 1;
            return 1;
        }
        if (tool_report_hit(c->report, c->lit.data, c->lit.len, &c->report_err) != VG_OK) {
            c->report_failed = 1;
            return 1;
        }
    }
    if (c->count_only)
        return 0;
    if (vg_index_entry(c->idx, h->hit.entry, &v) != VG_OK)
        return 0; /* a corrupt record in a trusted image: nothing to report */
    vg_buf_reset(b);
    rc = vg_buf_puts(b, "{\"file\":");
    if (rc == VG_OK)
        rc = json_bytes(b, c->file, strlen(c->file));
    if (rc == VG_OK)
        rc = vg_buf_printf(b,
                           ",\"line\":%llu,\"offset\":%llu,\"text\":", (unsigned long long)h->line,
                           (unsigned long long)h->offset);
    if (rc == VG_OK)
        rc = json_bytes(b, h->text, h->len);
    if (rc == VG_OK)
        rc = vg_buf_puts(b, ",\"indicator\":");
    if (rc == VG_OK)
        rc = json_bytes(b, v.value, v.len);
    if (rc == VG_OK)
        rc = vg_buf_printf(b, ",\"kind\":\"%s\",\"rule\":\"%s\",\"context\":{\"label\":",
                           vg_obs_kind_name(v.kind), vg_index_rule_name(h->hit.rule));
    if (rc == VG_OK)
        rc = json_bytes(b, v.label, v.label_len);
    if (rc == VG_OK)
        rc = vg_buf_printf(b, ",\"tlp\":\"%s\",\"orgs\":%u,\"ref\":\"%s\"}}\n", vg_tlp_name(v.tlp),
                           v.orgs, v.ref);
    if (rc != VG_OK || fwrite(b->data, 1, b->len, stdout) != b->len) {
        c->io_error = 1;
        return 1;
    }
    return 0;
}

static int run(struct vg_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"snapshot", required_argument, NULL, 's'},
                                         {"for", required_argument, NULL, 'F'},
                                         {"count", no_argument, NULL, 'c'},
                                         {"threads", required_argument, NULL, 'j'},
                                         {"block-size", required_argument, NULL, 'b'},
                                         {"fields", required_argument, NULL, 'f'},
                                         {"sightings", required_argument, NULL, 'S'},
                                         {"key", required_argument, NULL, 'k'},
                                         {"cacert", required_argument, NULL, 'C'},
                                         {"help", no_argument, NULL, 'h'},
                                         {"include-warninglisted", no_argument, NULL, 'W'},
                                         {NULL, 0, NULL, 0}};
    const char *snapshot = NULL, *forname = NULL, *sightings = NULL, *cacert = NULL;
    const char *key = getenv("VIGIE_KEY");
    int keep_warned = 0;
    static const char *const stdin_only[] = {"-"};
    const char *const *files;
    struct vg_index *idx = NULL;
    struct vg_store *st = NULL;
    struct vg_match_stats total = {0};
    struct out_ctx c = {0};
    struct vg_error err;
    long threads = sysconf(_SC_NPROCESSORS_ONLN);
    long long block = 0;
    int64_t t0;
    int ch, nfiles, i, ret = VG_EXIT_FAIL;
    static char obuf[1 << 20];

    vg_error_clear(&err);
    while ((ch = getopt_long(argc, argv, "j:h", opts, NULL)) != -1) {
        char *end;

        switch (ch) {
        case 's':
            snapshot = optarg;
            break;
        case 'F':
            forname = optarg;
            break;
        case 'c':
            c.count_only = 1;
            break;
        case 'S':
            sightings = optarg;
            break;
        case 'k':
            key = optarg;
            break;
        case 'C':
            cacert = optarg;
            break;
        case 'W':
            keep_warned = 1;
            break;
        case 'j':
            threads = strtol(optarg, &end, 10);
            if (*end || threads < 1 || threads > 256)
                return tool_usage(&vg_cmd_match, "--threads takes a number from 1 to 256");
            break;
        case 'b':
            block = strtoll(optarg, &end, 10);
            if (*end || block < 1)
                return tool_usage(&vg_cmd_match, "--block-size takes a positive number of bytes");
            break;
        case 'f':
            vg_fields_free(c.fields);
            if (vg_fields_new(optarg, &c.fields, &err) != VG_OK)
                return tool_usage(&vg_cmd_match, "%s", err.msg);
            break;
        case 'h':
            printf("usage: vigie %s\n", vg_cmd_match.usage);
            return VG_EXIT_OK;
        default:
            return tool_usage(&vg_cmd_match, NULL);
        }
    }
    if (snapshot && forname)
        return tool_usage(&vg_cmd_match, "--for applies to the hub; a snapshot already is one "
                                         "organisation's view");
    if (threads < 1)
        threads = 1;
    if (sightings && tool_report_new(sightings, key, cacert, &c.report, &err) != VG_OK)
        return tool_fail(cli, "match", &err);
    nfiles = argc - optind;
    files = nfiles ? (const char *const *)argv + optind : stdin_only;
    if (nfiles == 0)
        nfiles = 1;
    if (snapshot) {
        if (vg_index_open_file(snapshot, 0, &idx, &err) != VG_OK) {
            tool_report_free(c.report);
            return tool_fail(cli, "match", &err);
        }
    } else {
        struct vg_index_builder *b = NULL;
        struct vg_org org;
        size_t claims;
        void *img;
        size_t len;

        if ((ret = tool_open(cli, "match", &st)) != VG_EXIT_OK) {
            tool_report_free(c.report);
            return ret;
        }
        if (tool_snapshot_build(st, forname, keep_warned, &org, &b, &claims, &err) != VG_OK ||
            vg_index_builder_finish(b, &img, &len, &err) != VG_OK ||
            vg_index_open_mem(img, len, VG_INDEX_TRUSTED, 1, &idx, &err) != VG_OK) {
            vg_index_builder_free(b);
            vg_store_close(st);
            tool_report_free(c.report);
            return tool_fail(cli, "match", &err);
        }
        vg_index_builder_free(b);
        vg_store_close(st);
    }
    setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
    c.idx = idx;
    vg_buf_init(&c.line, 0);
    vg_buf_init(&c.lit, 0);
    t0 = vg_time_now_us();
    for (i = 0; i < nfiles; i++) {
        struct vg_match_stats s = {0};

        c.file = files[i];
        c.kept = 0;
        if (c.fields) {
            static char head[64 * 1024];

            vg_fields_file(c.fields, head, file_head(files[i], head, sizeof(head)));
            if (!vg_fields_known(c.fields))
                fprintf(stderr,
                        "match: %s: no Zeek or CSV header names its columns: --fields applies to "
                        "its JSON lines only, other lines keep every hit\n",
                        files[i]);
        }
        if (vg_match_file(idx, files[i], (unsigned)threads, (size_t)block, hit_cb, &c, &s, &err) !=
            VG_OK) {
            fflush(stdout);
            ret = tool_fail(cli, "match", &err);
            goto out;
        }
        if (c.io_error || c.report_failed)
            break;
        if (c.count_only) {
            struct vg_buf *b = &c.line;

            vg_buf_reset(b);
            vg_buf_puts(b, "{\"file\":");
            json_bytes(b, files[i], strlen(files[i]));
            vg_buf_printf(b, ",\"hits\":%llu,\"lines\":%llu,\"bytes\":%llu}\n",
                          (unsigned long long)c.kept, (unsigned long long)s.lines,
                          (unsigned long long)s.bytes);
            fwrite(b->data, 1, b->len, stdout);
        }
        total.bytes += s.bytes;
        total.lines += s.lines;
        total.hits += c.kept;
    }
    if (c.report && !c.report_failed && tool_report_flush(c.report, &c.report_err) != VG_OK)
        c.report_failed = 1;
    if (c.report_failed) {
        fflush(stdout);
        ret = tool_fail(cli, "match", &c.report_err);
        goto out;
    }
    if (fflush(stdout) != 0 || c.io_error) {
        vg_error_set(&err, VG_IO, "output", "write failed");
        ret = tool_fail(cli, "match", &err);
        goto out;
    }
    {
        double secs = (double)(vg_time_now_us() - t0) / 1e6;

        fprintf(stderr,
                "match: %llu hits in %llu lines (%llu bytes) in %.3f s, %.0f MB/s, "
                "%ld threads\n",
                (unsigned long long)total.hits, (unsigned long long)total.lines,
                (unsigned long long)total.bytes, secs,
                secs > 0 ? (double)total.bytes / secs / 1e6 : 0.0, threads);
        if (c.report) {
            const struct tool_report_stats *rs = tool_report_stats(c.report);

            fprintf(stderr,
                    "match: reported %llu hits as %llu sightings in %llu batches: %llu "
                    "accepted, %llu rejected (no indicator the key may see)\n",
                    (unsigned long long)rs->hits, (unsigned long long)rs->values,
                    (unsigned long long)rs->batches, (unsigned long long)rs->accepted,
                    (unsigned long long)rs->rejected);
        }
    }
    ret = VG_EXIT_OK;
out:
    tool_report_free(c.report);
    vg_buf_cleanup(&c.lit);
    vg_buf_cleanup(&c.line);
    vg_fields_free(c.fields);
    vg_index_free(idx);
    return ret;
}

const struct vg_cmd vg_cmd_match = {
    "match",
    "scan logs (plain or gzip) for the indicators an organisation may see",
    "match [--snapshot FILE | --for ORG [--include-warninglisted]] [--count] [--fields NAME,...]\n"
    "       [--threads N] [--block-size BYTES] [--sightings URL [--key KEY] [--cacert FILE]]\n"
    "       [FILE...|-]",
    run,
};
