/* SPDX-License-Identifier: Apache-2.0 */
/*
 * note.h - C2SP signed notes and tlog checkpoints, Ed25519 keys.
 *
 * A checkpoint (C2SP tlog-checkpoint) is the text
 *
 *   <origin>\n<tree size in decimal>\n<base64 root hash>\n
 *
 * signed as a C2SP signed note: the text, a blank line, then one line per
 * signature, "\xe2\x80\x94 <key name> <base64(key id || signature)>\n"
 * (an em dash, U+2014).  For Ed25519 the key id is the first 4 bytes of
 * SHA-256(key name || 0x0A || 0x01 || public key), and a verifier key is
 * written "<name>+<8 hex digits of the key id>+<base64(0x01 || public key)>";
 * a signer key "PRIVATE+KEY+<name>+<hex id>+<base64(0x01 || seed)>", as in
 * Go's golang.org/x/mod/sumdb/note, so that the checkpoints Vigie signs are
 * checked by the same tools as Certificate Transparency's and Go's logs.
 *
 * Parsing is strict (what the writer would not produce is refused) and every
 * function is safe on hostile input of any length: fuzz/fuzz_checkpoint.c.
 * Signing and verifying use OpenSSL's EVP interface.  No global state.
 */
#ifndef VG_LEDGER_NOTE_H
#define VG_LEDGER_NOTE_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/error.h"

#define VG_NOTE_NAME_MAX 128
#define VG_NOTE_MAX (64 * 1024) /* longest note accepted */
#define VG_NOTE_SIGS_MAX 16     /* signature lines accepted */

struct vg_note_key {
    char name[VG_NOTE_NAME_MAX];
    uint32_t id;
    uint8_t pub[32];
    int has_seed;
    uint8_t seed[32]; /* the private key: wipe with vg_note_key_wipe */
};

/* Make a new Ed25519 key named name (no spaces, no '+', 1-127 bytes). */
enum vg_rc vg_note_key_generate(const char *name, struct vg_note_key *out, struct vg_error *err);
void vg_note_key_wipe(struct vg_note_key *key);
/* The key of a given 32-byte Ed25519 seed (tests and fuzzing: deterministic). */
enum vg_rc vg_note_key_from_seed(const char *name, const uint8_t seed[32], struct vg_note_key *out,
                                 struct vg_error *err);

/* "<name>+<hex id>+<base64(0x01 || pub)>" into b. */
enum vg_rc vg_note_key_public_text(const struct vg_note_key *key, struct vg_buf *b);
/* "PRIVATE+KEY+<name>+<hex id>+<base64(0x01 || seed)>" into b (wipe b after use). */
enum vg_rc vg_note_key_private_text(const struct vg_note_key *key, struct vg_buf *b);
/*
 * Parse a verifier key (or, with private, a signer key) of exactly len
 * bytes; a trailing newline is allowed.  The key id must match the name and
 * key.  VG_INVALID with a reason otherwise.
 */
enum vg_rc vg_note_key_parse(const char *text, size_t len, int private, struct vg_note_key *out,
                             struct vg_error *err);

/* Sign text (len bytes, ending in '\n', no blank line) into b: the note. */
enum vg_rc vg_note_sign(const struct vg_note_key *key, const char *text, size_t len,
                        struct vg_buf *b, struct vg_error *err);

/*
 * Open a signed note: check its syntax and that one of its signatures is a
 * valid signature by key (the first line naming key's name and id decides).
 * On success *text_len is the length of the signed text (which starts the
 * note).  VG_INVALID for a malformed note; VG_AUTH when no line is by key or
 * its signature does not verify.
 */
enum vg_rc vg_note_open(const char *note, size_t len, const struct vg_note_key *key,
                        size_t *text_len, struct vg_error *err);

struct vg_checkpoint {
    char origin[VG_NOTE_NAME_MAX];
    uint64_t size;
    uint8_t root[32];
};

/* The checkpoint text (unsigned body) into b. */
enum vg_rc vg_checkpoint_text(const struct vg_checkpoint *cp, struct vg_buf *b);
/* Parse a checkpoint body (the signed text of a note), strictly. */
enum vg_rc vg_checkpoint_parse(const char *text, size_t len, struct vg_checkpoint *out,
                               struct vg_error *err);
/* vg_note_open, then vg_checkpoint_parse of its text. */
enum vg_rc vg_checkpoint_open(const char *note, size_t len, const struct vg_note_key *key,
                              struct vg_checkpoint *out, struct vg_error *err);
/* 1 when a and b are two different trees of the same size from one origin. */
int vg_checkpoint_equivocates(const struct vg_checkpoint *a, const struct vg_checkpoint *b);

/* Standard base64 (RFC 4648 §4) of n bytes into b. */
enum vg_rc vg_base64_append(struct vg_buf *b, const uint8_t *p, size_t n);
/* Strict decode of exactly len characters into out (cap bytes); the input
 * must be canonical (what vg_base64_append writes).  -1 on error, else the
 * number of bytes. */
long vg_base64_decode(const char *s, size_t len, uint8_t *out, size_t cap);

#endif
