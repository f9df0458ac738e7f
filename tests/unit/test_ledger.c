/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_ledger.c - leaves, signed notes and checkpoints, and the ledger as
 * the SQLite store keeps it: strict decoding (every truncation, trailing
 * bytes, order), every byte of a signed note flipped, proofs read from a
 * real store for every tree size 1..64 (each verified, and refused with any
 * hash, index or size changed), a rolled-back transaction leaving no leaf,
 * and a hub that verifies as a whole.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../support/temp_hub.h"
#include "common/hash.h"
#include "evidence/evidence.h"
#include "ledger/leaf.h"
#include "ledger/merkle.h"
#include "ledger/note.h"

static void sample_leaf(struct vg_leaf *l)
{
    memset(l, 0, sizeof(*l));
    l->action = VG_LEAF_ADDED;
    l->seq = 42;
    l->time_us = 1700000000000000;
    l->modified_us = 1690000000000000;
    l->tlp = 2;
    memset(l->sha256, 0xab, 32);
    snprintf(l->org, sizeof(l->org), "identity--11111111-2222-4333-8444-555555555555");
    snprintf(l->key_id, sizeof(l->key_id), "vk_0123456789abcdef");
    snprintf(l->subject, sizeof(l->subject), "indicator--aaaaaaaa-2222-4333-8444-555555555555");
    l->naud = 3;
    l->aud[0] = (uint64_t)1 << 40 | 7;
    l->aud[1] = 1;
    l->aud[2] = 1; /* duplicate: removed by the encoder */
}

static void test_leaf_roundtrip_and_strictness(void **state)
{
    struct vg_leaf l, d;
    uint8_t buf[VG_LEAF_MAX + 8], again[VG_LEAF_MAX];
    size_t len, len2, cut;
    struct vg_error err;

    (void)state;
    sample_leaf(&l);
    assert_int_equal(vg_leaf_encode(&l, buf, &len, &err), VG_OK);
    assert_int_equal(l.naud, 2);
    assert_true(l.aud[0] < l.aud[1]);
    assert_int_equal(vg_leaf_decode(buf, len, &d, &err), VG_OK);
    assert_int_equal(vg_leaf_encode(&d, again, &len2, &err), VG_OK);
    assert_int_equal(len, len2);
    assert_memory_equal(buf, again, len);
    assert_string_equal(d.key_id, "vk_0123456789abcdef");
    assert_int_equal(d.seq, 42);
    /* Every truncation and one trailing byte are refused. */
    for (cut = 0; cut < len; cut++)
        assert_int_equal(vg_leaf_decode(buf, cut, &d, &err), VG_INVALID);
    buf[len] = 0;
    assert_int_equal(vg_leaf_decode(buf, len + 1, &d, &err), VG_INVALID);
    /* Another format, an audience out of order. */
    buf[0] = 2;
    assert_int_equal(vg_leaf_decode(buf, len, &d, &err), VG_INVALID);
    buf[0] = 1;
    {
        uint8_t t[8];
        memcpy(t, buf + len - 16, 8);
        memcpy(buf + len - 16, buf + len - 8, 8);
        memcpy(buf + len - 8, t, 8);
        assert_int_equal(vg_leaf_decode(buf, len, &d, &err), VG_INVALID);
    }
    /* Too long a field. */
    memset(l.org, 'x', sizeof(l.org) - 1);
    l.org[sizeof(l.org) - 1] = '\0';
    assert_int_equal(vg_leaf_encode(&l, buf, &len, &err), VG_OK); /* 255 fits */
    assert_string_equal(vg_leaf_action_name(VG_LEAF_LOG_KEY), "log-key");
}

static void test_note_sign_open_and_every_byte(void **state)
{
    struct vg_note_key k, pub, other;
    struct vg_checkpoint cp, got;
    struct vg_buf text, note, vk, sk;
    struct vg_error err;
    size_t tl, i;

    (void)state;
    assert_int_equal(vg_note_key_generate("vigie/test", &k, &err), VG_OK);
    assert_int_equal(vg_note_key_generate("vigie/test", &other, &err), VG_OK);
    assert_int_equal(vg_note_key_generate("bad name", &pub, &err), VG_INVALID);
    vg_buf_init(&text, 0);
    vg_buf_init(&note, 0);
    vg_buf_init(&vk, 0);
    vg_buf_init(&sk, 0);
    memset(&cp, 0, sizeof(cp));
    snprintf(cp.origin, sizeof(cp.origin), "vigie/test");
    cp.size = 1234567;
    memset(cp.root, 0x5a, 32);
    assert_int_equal(vg_checkpoint_text(&cp, &text), VG_OK);
    assert_int_equal(vg_note_sign(&k, text.data, text.len, &note, &err), VG_OK);
    assert_non_null(strstr(note.data, "\n\n\xe2\x80\x94 vigie/test "));
    /* Verifier and signer keys round-trip. */
    assert_int_equal(vg_note_key_public_text(&k, &vk), VG_OK);
    assert_int_equal(vg_note_key_parse(vk.data, vk.len, 0, &pub, &err), VG_OK);
    assert_int_equal(pub.id, k.id);
    assert_memory_equal(pub.pub, k.pub, 32);
    assert_int_equal(vg_note_key_private_text(&k, &sk), VG_OK);
    assert_int_equal(vg_note_key_parse(sk.data, sk.len, 1, &other, &err), VG_OK);
    assert_memory_equal(other.pub, k.pub, 32);
    assert_int_equal(vg_note_key_parse(sk.data, sk.len, 0, &other, &err), VG_INVALID);
    vk.data[vk.len - 3] ^= 1; /* the key no longer matches its id */
    assert_int_not_equal(vg_note_key_parse(vk.data, vk.len, 0, &other, &err), VG_OK);
    assert_int_equal(vg_checkpoint_open(note.data, note.len, &pub, &got, &err), VG_OK);
    assert_int_equal(got.size, cp.size);
    assert_memory_equal(got.root, cp.root, 32);
    assert_int_equal(vg_note_open(note.data, note.len, &pub, &tl, &err), VG_OK);
    assert_int_equal(tl, text.len);
    /* Every byte, flipped, makes the note fail (or changes nothing it says). */
    for (i = 0; i < note.len; i++) {
        note.data[i] ^= 0x01;
        assert_int_not_equal(vg_checkpoint_open(note.data, note.len, &pub, &got, &err), VG_OK);
        note.data[i] ^= 0x01;
    }
    /* Another key of the same name does not verify it. */
    vg_note_key_generate("vigie/test", &other, &err);
    assert_int_equal(vg_note_open(note.data, note.len, &other, &tl, &err), VG_AUTH);
    vg_note_key_wipe(&k);
    vg_note_key_wipe(&other);
    vg_buf_cleanup(&text);
    vg_buf_cleanup(&note);
    vg_buf_cleanup(&vk);
    if (sk.data)
        vg_wipe(sk.data, sk.cap);
    vg_buf_cleanup(&sk);
}

static void test_checkpoint_parse(void **state)
{
    static const char *const bad[] = {
        "o\n01\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", /* leading zero */
        "o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=\n",  /* non-canonical */
        "o\n1\nAAAA\n",                                          /* short hash */
        "o\n-1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
        "o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",  /* no final newline */
        "\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", /* no origin */
        "o\n18446744073709551616\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
        "o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n", /* empty extension */
    };
    struct vg_checkpoint a, b;
    struct vg_error err;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(vg_checkpoint_parse(bad[i], strlen(bad[i]), &a, &err), VG_INVALID);
    assert_int_equal(vg_checkpoint_parse(
                         "o\n18446744073709551615\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
                         "ext\n",
                         72, &a, &err),
                     VG_OK);
    assert_true(a.size == UINT64_MAX);
    b = a;
    assert_false(vg_checkpoint_equivocates(&a, &b));
    b.root[3] ^= 1;
    assert_true(vg_checkpoint_equivocates(&a, &b));
    b.size--;
    assert_false(vg_checkpoint_equivocates(&a, &b));
}

/* ---- the store ------------------------------------------------------------------------- */

struct fx {
    char dir[128];
    struct vg_store *st;
    struct vg_org org;
};

static int setup(void **state)
{
    struct fx *fx = calloc(1, sizeof(*fx));
    struct vg_error err;

    assert_int_equal(temp_hub_open(fx->dir, sizeof(fx->dir), "test-ledger", &fx->st), 0);
    snprintf(fx->org.name, sizeof(fx->org.name), "op");
    snprintf(fx->org.kind, sizeof(fx->org.kind), "operator");
    fx->org.is_operator = 1;
    assert_int_equal(vg_store_org_add(fx->st, &fx->org, &err), VG_OK);
    assert_int_equal(vg_store_meta_set(fx->st, "operator", "op", &err), VG_OK);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fx *fx = *state;
    int rc = temp_hub_remove(fx->dir, fx->st);

    free(fx);
    return rc;
}

static void put(struct fx *fx, int i)
{
    struct vg_object_version v = {0};
    struct vg_audience aud;
    enum vg_put_result res;
    struct vg_error err;
    char id[80], json[160];

    assert_int_equal(vg_policy_audience(VG_TLP_GREEN, fx->org.id, NULL, 0, NULL, 0, &aud), VG_OK);
    snprintf(id, sizeof(id), "indicator--00000000-0000-4000-8000-%012d", i);
    snprintf(json, sizeof(json), "{\"id\":\"%s\",\"n\":%d}", id, i);
    v.stix_id = id;
    v.type = "indicator";
    v.modified_us = 1000 + i;
    v.tlp = VG_TLP_GREEN;
    v.aud = &aud;
    v.org_id = fx->org.id;
    v.json = json;
    v.json_len = strlen(json);
    v.key_id = "vk_test";
    assert_int_equal(vg_store_put_object(fx->st, &v, &res, NULL, &err), VG_OK);
}

static void test_store_proofs_1_to_64(void **state)
{
    struct fx *fx = *state;
    uint8_t lh[64][32], roots[65][32], p[VG_MERKLE_MAX_PROOF][32], leaf[VG_LEAF_MAX];
    struct vg_merkle_frontier f;
    struct vg_error err;
    uint64_t size, n, m, i;
    size_t np, len, j;

    /* 64 entries, one transaction each (the frontier is reloaded each time). */
    for (i = 0; i < 64; i++)
        put(fx, (int)i);
    assert_int_equal(vg_store_ledger_head(fx->st, &size, roots[0], &err), VG_OK);
    assert_int_equal(size, 64);
    vg_merkle_frontier_init(&f);
    vg_merkle_empty_root(roots[0]);
    for (i = 0; i < 64; i++) {
        assert_int_equal(vg_store_ledger_entry(fx->st, i, leaf, &len, NULL, &err), VG_OK);
        vg_merkle_leaf_hash(leaf, len, lh[i]);
        vg_merkle_append(&f, lh[i]);
        vg_merkle_root(&f, roots[i + 1]);
    }
    for (n = 1; n <= 64; n++) {
        for (i = 0; i < n; i++) {
            assert_int_equal(vg_store_ledger_inclusion(fx->st, i, n, p, &np, &err), VG_OK);
            assert_true(
                vg_merkle_verify_inclusion(lh[i], i, n, (const uint8_t(*)[32])p, np, roots[n]));
            for (j = 0; j < np; j++) {
                p[j][j % 32] ^= 0x80;
                assert_false(
                    vg_merkle_verify_inclusion(lh[i], i, n, (const uint8_t(*)[32])p, np, roots[n]));
                p[j][j % 32] ^= 0x80;
            }
        }
        for (m = 1; m <= n; m++) {
            assert_int_equal(vg_store_ledger_consistency(fx->st, m, n, p, &np, &err), VG_OK);
            assert_true(vg_merkle_verify_consistency(m, n, roots[m], roots[n],
                                                     (const uint8_t(*)[32])p, np));
            for (j = 0; j < np; j++) {
                p[j][31 - j % 32] ^= 0x01;
                assert_false(vg_merkle_verify_consistency(m, n, roots[m], roots[n],
                                                          (const uint8_t(*)[32])p, np));
                p[j][31 - j % 32] ^= 0x01;
            }
            if (m < n)
                assert_false(vg_merkle_verify_consistency(m, n, roots[m + 1], roots[n],
                                                          (const uint8_t(*)[32])p, np));
        }
    }
    assert_int_equal(vg_store_ledger_inclusion(fx->st, 0, 65, p, &np, &err), VG_NOT_FOUND);
    assert_int_equal(vg_store_ledger_inclusion(fx->st, 5, 5, p, &np, &err), VG_INVALID);
    /* The head is the tree of the stored leaves. */
    assert_int_equal(vg_store_ledger_head(fx->st, &size, p[0], &err), VG_OK);
    assert_memory_equal(p[0], roots[64], 32);
}

static void test_rollback_leaves_nothing(void **state)
{
    struct fx *fx = *state;
    struct vg_hub_report rep;
    struct vg_error err;
    uint8_t r1[32], r2[32];
    uint64_t s1, s2;

    put(fx, 1);
    assert_int_equal(vg_store_ledger_head(fx->st, &s1, r1, &err), VG_OK);
    assert_int_equal(vg_store_begin(fx->st, &err), VG_OK);
    put(fx, 2);
    put(fx, 3);
    assert_int_equal(vg_store_ledger_head(fx->st, &s2, r2, &err), VG_OK);
    assert_int_equal(s2, s1 + 2);
    vg_store_rollback(fx->st);
    assert_int_equal(vg_store_ledger_head(fx->st, &s2, r2, &err), VG_OK);
    assert_int_equal(s2, s1);
    assert_memory_equal(r1, r2, 32);
    put(fx, 4);
    assert_int_equal(vg_store_ledger_head(fx->st, &s2, r2, &err), VG_OK);
    assert_int_equal(s2, s1 + 1);
    /* Signed, checked as a whole (the key is made on first need). */
    assert_int_equal(vg_evidence_checkpoint(fx->st, fx->dir, VG_EVIDENCE_HEAD, NULL, &err), VG_OK);
    assert_int_equal(vg_evidence_verify_hub(fx->st, fx->dir, &rep, &err), VG_OK);
    assert_int_equal(rep.entries, s1 + 2); /* + the key's leaf */
    assert_int_equal(rep.checkpoints, 1);
    vg_hub_report_cleanup(&rep);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_leaf_roundtrip_and_strictness),
        cmocka_unit_test(test_note_sign_open_and_every_byte),
        cmocka_unit_test(test_checkpoint_parse),
        cmocka_unit_test_setup_teardown(test_store_proofs_1_to_64, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rollback_leaves_nothing, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
