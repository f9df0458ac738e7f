/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scan_file.h - scan whole files (plain or gzip, or standard input) with
 * several threads, hits delivered in file order.
 *
 * The input is cut into blocks of whole lines; each round, up to `threads`
 * blocks are scanned at once and their hits handed to the callback in order,
 * on the calling thread, with 1-based line numbers and byte offsets in the
 * (decompressed) input.  A regular uncompressed file is mapped and each
 * worker scans its part in place (a SIGBUS handler turns a file that shrinks
 * under the scan into VG_IO; it is installed once, chains to any earlier
 * handler, and only acts inside a scan); standard input and gzip files
 * (detected by their magic bytes, several members allowed) are read by the
 * calling thread.
 */
#ifndef VG_MATCH_SCAN_FILE_H
#define VG_MATCH_SCAN_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "index/index.h"

struct vg_match_out {
    uint64_t line;   /* 1-based */
    uint64_t offset; /* of the text in the input */
    const char *text;
    size_t len;
    const char *line_text; /* the whole line that holds it, without its newline */
    size_t line_len;
    enum vg_obs_kind kind;
    struct vg_index_hit hit;
};

/* Called in input order on the calling thread; non-zero stops the scan. */
typedef int (*vg_match_out_cb)(void *ctx, const struct vg_match_out *h);

struct vg_match_stats {
    uint64_t bytes, lines, hits;
};

#define VG_MATCH_BLOCK (16u << 20)

/*
 * Scan path ("-" for standard input) with threads workers (0: one).  block is
 * the block size (0: VG_MATCH_BLOCK).  Adds to *stats.  VG_IO when the file
 * cannot be read or is corrupt gzip, VG_NOMEM.
 */
enum vg_rc vg_match_file(const struct vg_index *idx, const char *path, unsigned threads,
                         size_t block, vg_match_out_cb cb, void *ctx, struct vg_match_stats *stats,
                         struct vg_error *err);

#endif
