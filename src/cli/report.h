/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report.h - `vigie match --sightings`: hits reported to a hub as sightings.
 *
 * Hits are aggregated per value (count, first and last seen: when the scan
 * met them) and POSTed to URL/api/v1/sightings in batches of at most
 * TOOL_REPORT_BATCH distinct values, and at least once a second while hits
 * come.  Any failure to report (connection, a status other than 200, an
 * answer that is not the hub's) is an error: the caller stops and says so.
 * One thread.
 */
#ifndef VG_CLI_REPORT_H
#define VG_CLI_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

#define TOOL_REPORT_BATCH 1000

struct tool_report;

struct tool_report_stats {
    uint64_t hits, values, batches, accepted, rejected;
};

/* url: the hub (http[s]://host:port[/api/v1/sightings]); key: a write key. */
enum vg_rc tool_report_new(const char *url, const char *key, const char *cacert,
                           struct tool_report **out, struct vg_error *err);
/* One hit; value is a JSON string literal, quotes included (the caller
 * escapes the bytes met in the log).  May send a batch. */
enum vg_rc tool_report_hit(struct tool_report *r, const char *value, size_t len,
                           struct vg_error *err);
/* Send what is pending. */
enum vg_rc tool_report_flush(struct tool_report *r, struct vg_error *err);
const struct tool_report_stats *tool_report_stats(const struct tool_report *r);
void tool_report_free(struct tool_report *r);

#endif
