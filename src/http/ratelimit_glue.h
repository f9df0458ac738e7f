/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ratelimit_glue.h - how server.c uses the rate limits (ratelimit.c); kept
 * apart from internal.h so that the limits touch the shared files little.
 */
#ifndef VG_HTTP_RATELIMIT_GLUE_H
#define VG_HTTP_RATELIMIT_GLUE_H

#include <microhttpd.h>

#include "common/error.h"
#include "server.h"

struct request;

/* Set up the limits of opts (none when their rates are 0), at server start;
 * drop them at stop. */
enum vg_rc http_ratelimit_start(const struct vg_server_opts *opts, struct vg_error *err);
void http_ratelimit_stop(void);
/* A request without a valid key (health; a failed authentication): take a
 * token from its address's bucket.  VG_RATE (err set) when it is empty. */
enum vg_rc http_ratelimit_address(struct MHD_Connection *conn, struct vg_error *err);
/* After authentication returned rc: a valid key (rc VG_OK) takes a token
 * from its own bucket; an invalid one from the address's.  Returns rc, or
 * VG_RATE with err set. */
enum vg_rc http_ratelimit_after_auth(struct MHD_Connection *conn, enum vg_rc rc, const char *key_id,
                                     struct vg_error *err);
/* The 429 answer for a VG_RATE error, with Retry-After. */
enum MHD_Result http_ratelimit_send(struct MHD_Connection *conn, struct request *rq,
                                    const struct vg_error *err);

#endif
