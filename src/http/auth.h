/* SPDX-License-Identifier: Apache-2.0 */
/*
 * auth.h - who is asking: API keys from an Authorization header.
 *
 * A key is "<id>.<64 hex>" (vigie key create prints it once); the store
 * keeps only the SHA-256 of the whole text.  Accepted forms:
 *
 *   Authorization: Basic base64(<id>:<id>.<hex>)   (user = key id, password = key)
 *   Authorization: Bearer <id>.<hex>
 *
 * Every failure to authenticate - no header, a malformed one, an unknown
 * key, a wrong secret, a revoked or expired key, a disabled organisation -
 * is the same VG_AUTH with the same message, and an unknown key costs the
 * same work as a wrong secret (a digest and a constant-time compare against
 * a stand-in), so neither answers nor timing tell keys apart.  A valid key
 * without the scope asked for is VG_FORBIDDEN.
 *
 * Nothing here knows HTTP beyond the header's text: the server passes it in.
 * Thread-safe; the store handle is the caller's (one per thread).
 */
#ifndef VG_HTTP_AUTH_H
#define VG_HTTP_AUTH_H

#include <stdint.h>

#include <jansson.h>

#include "common/error.h"
#include "policy/policy.h"
#include "store/store.h"

#define VG_AUTH_HEADER_MAX 1024 /* longer Authorization headers are refused */

struct vg_auth {
    struct vg_key key;
    struct vg_org org;
    struct vg_principal principal; /* the organisation, its groups, its standing */
};

/*
 * Authenticate header (NULL when the request had none) at time now_us and
 * require the scopes in need (VG_SCOPE_* bits, 0 for none).  On VG_OK fills
 * *out; otherwise *out is untouched and err says VG_AUTH or VG_FORBIDDEN
 * (VG_STORAGE when the store fails).
 */
enum vg_rc vg_auth_header(struct vg_store *st, const char *header, int64_t now_us, unsigned need,
                          struct vg_auth *out, struct vg_error *err);

/*
 * Check again, at now_us, a key authenticated earlier (a stream re-checks
 * its key as it goes): revoked, expired, a disabled organisation or a lost
 * scope end it.  Re-reads the organisation's groups into *out.
 */
enum vg_rc vg_auth_refresh(struct vg_store *st, const char *key_id, int64_t now_us, unsigned need,
                           struct vg_auth *out, struct vg_error *err);

/* The scope bits as a JSON array of names: ["read","write","admin"]. */
json_t *vg_auth_scopes_json(unsigned scopes);

#endif
