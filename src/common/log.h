/* SPDX-License-Identifier: Apache-2.0 */
/*
 * log.h - structured logging: one JSON object per line on standard error.
 *
 * Messages never carry secrets: callers pass key ids, never key material.
 * Thread-safe (one write(2) per line).
 */
#ifndef VG_COMMON_LOG_H
#define VG_COMMON_LOG_H

enum vg_log_level { VG_LOG_DEBUG, VG_LOG_INFO, VG_LOG_WARN, VG_LOG_ERROR };

void vg_log_set_level(enum vg_log_level level);
void vg_log(enum vg_log_level level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
