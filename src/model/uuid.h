/* SPDX-License-Identifier: Apache-2.0 */
/*
 * uuid.h - UUIDs as STIX uses them: random v4 for objects, v5 for observables.
 */
#ifndef VG_MODEL_UUID_H
#define VG_MODEL_UUID_H

#include <stddef.h>

#include "common/error.h"

#define VG_UUID_TEXT_LEN 36

/* Random UUIDv4 text (37 bytes with NUL). */
enum vg_rc vg_uuid4(char out[VG_UUID_TEXT_LEN + 1]);

/* UUIDv5 of name in the namespace given as UUID text. */
void vg_uuid5(const char *ns, const void *name, size_t len, char out[VG_UUID_TEXT_LEN + 1]);

/* 1 if s[0..len) is a STIX identifier as the STIX 2.1 schema defines it:
 * "type--<uuid>", type of lower-case letters, digits and hyphens, UUID of
 * version 1-5 with the RFC 4122 variant (hex digits of either case). */
int vg_stix_id_valid(const char *s, size_t len);

#endif
