/* SPDX-License-Identifier: Apache-2.0 */
/*
 * error.c - codes, names, titles and HTTP statuses in one table.
 */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    const char *title;
    int http;
} rc_table[VG_RC_COUNT] = {
    [VG_OK] = {"ok", "OK", 200},
    [VG_NOMEM] = {"nomem", "Out of memory", 503},
    [VG_INVALID] = {"invalid", "Invalid input", 400},
    [VG_NOT_FOUND] = {"not_found", "Not found", 404},
    [VG_CONFLICT] = {"conflict", "Conflict", 409},
    [VG_LIMIT] = {"limit", "Limit exceeded", 413},
    [VG_AUTH] = {"auth", "Authentication required", 401},
    [VG_FORBIDDEN] = {"forbidden", "Forbidden", 403},
    [VG_STORAGE] = {"storage", "Storage error", 500},
    [VG_IO] = {"io", "I/O error", 503},
    [VG_INTERNAL] = {"internal", "Internal error", 500},
    [VG_RATE] = {"rate", "Too many requests", 429},
};

void vg_error_clear(struct vg_error *err)
{
    if (err == NULL)
        return;
    memset(err, 0, sizeof(*err));
    err->offset = -1;
}

enum vg_rc vg_error_set(struct vg_error *err, enum vg_rc code, const char *field, const char *fmt,
                        ...)
{
    va_list ap;

    if (err == NULL)
        return code;
    err->code = code;
    snprintf(err->field, sizeof(err->field), "%s", field ? field : "");
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    return code;
}

const char *vg_rc_name(enum vg_rc rc)
{
    if ((unsigned)rc >= VG_RC_COUNT)
        return "internal";
    return rc_table[rc].name;
}

int vg_rc_http_status(enum vg_rc rc)
{
    if ((unsigned)rc >= VG_RC_COUNT)
        return 500;
    return rc_table[rc].http;
}

const char *vg_rc_title(enum vg_rc rc)
{
    if ((unsigned)rc >= VG_RC_COUNT)
        return "Internal error";
    return rc_table[rc].title;
}
