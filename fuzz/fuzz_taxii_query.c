/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_taxii_query.c - the TAXII query parameters (limit, added_after,
 * match[type|id|version|spec_version], next) of the objects, manifest and
 * versions listings, through the real server (see http_harness.h).  The
 * first byte picks the listing; the rest is the query string, where @NEXT@
 * becomes a paging token valid for `objects/?limit=1`.  Invariants: every
 * answer is 200 or a 4xx error (never 500), a 200 is a TAXII envelope, and
 * the secret never comes back.
 */
#include "http_harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const paths[] = {
        "objects/", "manifest/", "objects/indicator--00000001-0000-4000-8000-000000000000/",
        "objects/indicator--00000001-0000-4000-8000-000000000000/versions/"};
    struct vg_buf req, resp;
    size_t i;

    if (harness_srv == NULL)
        harness_setup();
    if (size == 0 || size > 16384)
        return 0;
    vg_buf_init(&req, 0);
    vg_buf_init(&resp, 0);
    vg_buf_printf(&req, "GET /taxii2/root/collections/@CID@/%s?", paths[data[0] % 4]);
    /* The query goes on the request line as it is, except what would end
     * the line or the target (those are the HTTP target's business). */
    for (i = 1; i < size; i++)
        vg_buf_putc(&req, data[i] == ' ' || data[i] == '\r' || data[i] == '\n' || data[i] == '\0'
                              ? '+'
                              : (char)data[i]);
    vg_buf_puts(&req, " HTTP/1.1\r\nHost: h\r\n@AUTH@\r\nAccept: application/taxii+json;"
                      "version=2.1\r\nConnection: close\r\n\r\n");
    if (req.data != NULL && harness_exchange((const uint8_t *)req.data, req.len, &resp) == 0) {
        harness_check(&resp);
        if (resp.len >= 12 && memcmp(resp.data, "HTTP/1.1 200", 12) == 0 &&
            (vg_buf_putc(&resp, '\0') != VG_OK || strstr(resp.data, "{\"more\":") == NULL)) {
            fprintf(stderr, "fuzz_taxii_query: a 200 that is not an envelope\n");
            abort();
        }
    }
    vg_buf_cleanup(&req);
    vg_buf_cleanup(&resp);
    return 0;
}
