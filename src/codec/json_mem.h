/* SPDX-License-Identifier: Apache-2.0 */
/*
 * json_mem.h - know when jansson ran out of memory.
 *
 * jansson does not always say so: a string it cannot grow loses a character
 * and the parse goes on, and a key it cannot copy comes back as a syntax
 * error ("string or '}' expected").  A parser that trusted either would
 * store an altered object, or reject a good one as invalid.  These hooks
 * route jansson's allocations through malloc and note a failure in a
 * per-thread flag; a parser clears the flag, parses, and treats a noted
 * failure as VG_NOMEM whatever jansson returned.
 *
 * The hooks are process-wide and installed once (the first
 * vg_json_watch_begin); before that jansson used malloc and free too, so
 * blocks from before and after mix safely.  Thread-safe.
 */
#ifndef VG_CODEC_JSON_MEM_H
#define VG_CODEC_JSON_MEM_H

/* Install the hooks if needed and clear this thread's flag. */
void vg_json_watch_begin(void);
/* 1 if one of jansson's allocations failed on this thread since the last
 * vg_json_watch_begin. */
int vg_json_watch_oom(void);

#endif
