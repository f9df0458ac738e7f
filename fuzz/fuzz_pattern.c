/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_pattern.c - libFuzzer target for the STIX pattern parser.
 *
 * Parses the input as a pattern; on success checks the shape of every
 * comparison and walks the observables it names, checking each one's length;
 * on failure checks that the error carries a message and an offset inside the
 * input.  Any broken invariant aborts, so the fuzzer reports it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/pattern.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check_obs(void *ctx, const struct vg_obs *obs)
{
    size_t *count = ctx;

    if (obs->kind == VG_OBS_NONE || obs->len == 0 || obs->len != strlen(obs->value))
        abort();
    (*count)++;
    return 0;
}

static void check_cmp(const struct vg_pattern_cmp *c)
{
    size_t i;

    if (c->object_type == NULL || c->path == NULL || c->object_type[0] == '\0' ||
        c->path[0] == '\0')
        abort();
    if (c->op == VG_POP_EXISTS ? c->nvalues != 0
                               : c->nvalues == 0 || (c->op != VG_POP_IN && c->nvalues != 1))
        abort();
    for (i = 0; i < c->nvalues; i++)
        if (c->values[i].text == NULL)
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct vg_pattern *p = NULL;
    struct vg_error err;
    size_t i, count = 0;

    vg_error_clear(&err);
    if (vg_pattern_parse((const char *)data, size, &p, &err) != VG_OK) {
        if (p != NULL || err.msg[0] == '\0' || err.offset < 0 ||
            (unsigned long long)err.offset > size)
            abort();
        return 0;
    }
    if (p == NULL || p->ncmps == 0 || p->ncmps > VG_PATTERN_MAX_CMPS)
        abort();
    for (i = 0; i < p->ncmps; i++) {
        check_cmp(&p->cmps[i]);
        if (p->cmps[i].offset >= size)
            abort();
    }
    vg_pattern_observables(p, check_obs, &count);
    vg_pattern_free(p);
    return 0;
}
