/* SPDX-License-Identifier: Apache-2.0 */
/*
 * framing.c - refuse requests whose body length is ambiguous (guard.h).
 *
 * libmicrohttpd 0.9.75 takes the first of two Content-Length headers and,
 * with both Content-Length and Transfer-Encoding, reads the chunked body
 * but keeps the connection open: bytes a front proxy counted differently
 * would then be served as a request of their own (request smuggling).  It
 * also waits, until the timeout, on a Transfer-Encoding it does not know.
 * RFC 9112 says to answer 400 and close the connection in each case; the
 * check runs on the first call for a request, before any body is read.
 */
#include <microhttpd.h>
#include <string.h>
#include <strings.h>

#include "common/buf.h"
#include "guard.h"
#include "internal.h"

struct framing {
    int ncl, nte, cl_differ, te_other;
    const char *cl;
};

static enum MHD_Result header(void *cls, enum MHD_ValueKind kind, const char *key,
                              const char *value)
{
    struct framing *f = cls;

    (void)kind;
    if (key == NULL)
        return MHD_YES;
    if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
        if (f->ncl++ > 0 && (value == NULL || f->cl == NULL || strcmp(value, f->cl) != 0))
            f->cl_differ = 1;
        f->cl = value;
    } else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
        f->nte++;
        if (value == NULL || strcasecmp(value, "chunked") != 0)
            f->te_other = 1;
    }
    return MHD_YES;
}

enum vg_rc http_framing_check(struct MHD_Connection *conn, struct vg_error *err)
{
    struct framing f = {0};

    MHD_get_connection_values(conn, MHD_HEADER_KIND, header, &f);
    if (f.cl_differ)
        return vg_error_set(err, VG_INVALID, "Content-Length",
                            "Content-Length given more than once with different values");
    if (f.nte && f.ncl)
        return vg_error_set(err, VG_INVALID, "Transfer-Encoding",
                            "Content-Length and Transfer-Encoding together");
    if (f.nte > 1 || f.te_other)
        return vg_error_set(err, VG_INVALID, "Transfer-Encoding",
                            "only Transfer-Encoding: chunked is accepted");
    return VG_OK;
}

enum MHD_Result http_framing_refuse(struct MHD_Connection *conn, struct request *rq,
                                    const struct vg_error *err)
{
    struct MHD_Response *resp;
    enum MHD_Result r;
    struct vg_buf b;

    vg_buf_init(&b, 0);
    vg_buf_printf(&b, "{\"title\":\"%s\",\"description\":", vg_rc_title(VG_INVALID));
    vg_buf_json_str(&b, err->msg, strlen(err->msg));
    if (vg_buf_puts(&b, ",\"http_status\":400}") != VG_OK) {
        vg_buf_cleanup(&b);
        return MHD_NO;
    }
    resp = MHD_create_response_from_buffer(b.len, b.data, MHD_RESPMEM_MUST_COPY);
    vg_buf_cleanup(&b);
    if (resp == NULL)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    rq->status = MHD_HTTP_BAD_REQUEST;
    r = MHD_queue_response(conn, MHD_HTTP_BAD_REQUEST, resp);
    MHD_destroy_response(resp);
    return r;
}
