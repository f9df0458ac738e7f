/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stix_writer.c - streamed bundle and CSV field output.
 */
#include "stix_writer.h"

#include <string.h>

#include "model/uuid.h"

enum vg_rc vg_stix_writer_begin(struct vg_stix_writer *w, FILE *f)
{
    char uuid[VG_UUID_TEXT_LEN + 1];

    w->f = f;
    w->count = 0;
    if (vg_uuid4(uuid) != VG_OK)
        return VG_INTERNAL;
    /* "objects" is opened with the first object: STIX wants it absent, not
     * empty, in a bundle with nothing in it. */
    if (fprintf(f, "{\"type\":\"bundle\",\"id\":\"bundle--%s\"", uuid) < 0)
        return VG_IO;
    return VG_OK;
}

enum vg_rc vg_stix_writer_object(struct vg_stix_writer *w, const char *json, size_t len)
{
    if (fputs(w->count ? ",\n" : ",\"objects\":[\n", w->f) < 0 || fwrite(json, 1, len, w->f) != len)
        return VG_IO;
    w->count++;
    return VG_OK;
}

enum vg_rc vg_stix_writer_end(struct vg_stix_writer *w)
{
    if (fputs(w->count ? "\n]}\n" : "}\n", w->f) < 0 || fflush(w->f) != 0)
        return VG_IO;
    return VG_OK;
}

void vg_csv_field(FILE *f, const char *s, size_t len)
{
    size_t i;

    if (s == NULL)
        return;
    if (strcspn(s, ",\"\r\n") >= len) {
        fwrite(s, 1, len, f);
        return;
    }
    fputc('"', f);
    for (i = 0; i < len; i++) {
        if (s[i] == '"')
            fputc('"', f);
        fputc(s[i], f);
    }
    fputc('"', f);
}
