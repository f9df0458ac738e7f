/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_http.c - whole HTTP requests to the real server (see http_harness.h:
 * a hub made once per process, the server in-process, each input one
 * connection over a socketpair).  The input is the bytes a client sends,
 * with @AUTH@, @KEY@, @CID@ and @NEXT@ replaced so that authenticated paths
 * are reached.  Invariants: no crash or sanitizer report in the server, the
 * secret never comes back, and no input makes it answer 500.
 *
 * Inputs that name the live stream literally are skipped: its answer never
 * ends, so each would cost the harness's read timeout (tests/cli/stream.sh
 * covers that route).
 */
#include "http_harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct vg_buf resp;

    if (harness_srv == NULL)
        harness_setup();
    if (size > HARNESS_MAX_REQUEST || memmem(data, size, "stream", 6) != NULL)
        return 0;
    vg_buf_init(&resp, 0);
    if (harness_exchange(data, size, &resp) == 0)
        harness_check(&resp);
    vg_buf_cleanup(&resp);
    return 0;
}
