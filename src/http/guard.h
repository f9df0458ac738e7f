/* SPDX-License-Identifier: Apache-2.0 */
/*
 * guard.h - what server.c calls to keep abusive clients in check: the rate
 * limits (ratelimit.c) and the request-framing check (framing.c).  Kept
 * apart from internal.h so that these touch the shared files little.
 */
#ifndef VG_HTTP_GUARD_H
#define VG_HTTP_GUARD_H

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

/*
 * Before the body is read: refuse a request whose length is ambiguous, the
 * stuff of request smuggling (RFC 9112 §6.1, §6.3): Content-Length given
 * twice with different values, or with a Transfer-Encoding, or a
 * Transfer-Encoding other than "chunked".  VG_INVALID with err set.
 */
enum vg_rc http_framing_check(struct MHD_Connection *conn, struct vg_error *err);
/* The 400 answer for it, which closes the connection: whatever follows on
 * it cannot be trusted to be a request of its own. */
enum MHD_Result http_framing_refuse(struct MHD_Connection *conn, struct request *rq,
                                    const struct vg_error *err);

#endif
