/* SPDX-License-Identifier: Apache-2.0 */
/*
 * log.c - JSON lines on stderr: {"time":…,"level":…,"event":…,"msg":…}.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "vtime.h"

static enum vg_log_level min_level = VG_LOG_INFO;

void vg_log_set_level(enum vg_log_level level)
{
    min_level = level;
}

void vg_log(enum vg_log_level level, const char *event, const char *fmt, ...)
{
    static const char *names[] = {"debug", "info", "warn", "error"};
    char msg[1024], ts[VG_TIME_TEXT_MAX];
    struct vg_buf b;
    va_list ap;
    int n;

    if (level < min_level)
        return;
    va_start(ap, fmt);
    n = vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    vg_time_format_us(vg_time_now_us(), ts);
    vg_buf_init(&b, 4096);
    vg_buf_printf(&b, "{\"time\":\"%s\",\"level\":\"%s\",\"event\":", ts, names[level]);
    vg_buf_json_str(&b, event, strlen(event));
    vg_buf_puts(&b, ",\"msg\":");
    vg_buf_json_str(&b, msg, (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1);
    vg_buf_puts(&b, "}\n");
    if (b.data && write(STDERR_FILENO, b.data, b.len) < 0) {
        /* nothing sensible to do when stderr is gone */
    }
    vg_buf_cleanup(&b);
}
