/* SPDX-License-Identifier: Apache-2.0 */
/*
 * skeleton.c - the ASCII skeleton of an internationalised domain name, for
 * brand look-alikes (watch.h, vg_watch_skeleton).
 *
 * Names are kept in punycode (docs/model.md), where `xn--mybrnd-…` hides a
 * `mybrand` spelt with a Cyrillic 'а'.  The name is decoded with libidn2
 * and each character folded to the Latin letter it is confused with: a
 * small table after Unicode's confusables (UTS #39) for the Cyrillic and
 * Greek letters that look Latin, and the accented Latin letters of Latin-1
 * and Latin Extended-A to their base letter.  It is deliberately not the
 * whole confusables list: the aim is the look-alikes phishers register, and
 * a character with no fold breaks the keyword instead of guessing.
 */
#include "watch.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <idn2.h>

struct fold {
    uint16_t cp;
    char to;
};

/* Sorted by code point. */
static const struct fold folds[] = {
    {0x00e0, 'a'}, {0x00e1, 'a'}, {0x00e2, 'a'}, {0x00e3, 'a'}, {0x00e4, 'a'}, {0x00e5, 'a'},
    {0x00e7, 'c'}, {0x00e8, 'e'}, {0x00e9, 'e'}, {0x00ea, 'e'}, {0x00eb, 'e'}, {0x00ec, 'i'},
    {0x00ed, 'i'}, {0x00ee, 'i'}, {0x00ef, 'i'}, {0x00f1, 'n'}, {0x00f2, 'o'}, {0x00f3, 'o'},
    {0x00f4, 'o'}, {0x00f5, 'o'}, {0x00f6, 'o'}, {0x00f8, 'o'}, {0x00f9, 'u'}, {0x00fa, 'u'},
    {0x00fb, 'u'}, {0x00fc, 'u'}, {0x00fd, 'y'}, {0x00ff, 'y'}, {0x0101, 'a'}, {0x0103, 'a'},
    {0x0105, 'a'}, {0x0107, 'c'}, {0x0109, 'c'}, {0x010b, 'c'}, {0x010d, 'c'}, {0x010f, 'd'},
    {0x0111, 'd'}, {0x0113, 'e'}, {0x0115, 'e'}, {0x0117, 'e'}, {0x0119, 'e'}, {0x011b, 'e'},
    {0x011d, 'g'}, {0x011f, 'g'}, {0x0121, 'g'}, {0x0123, 'g'}, {0x0125, 'h'}, {0x0127, 'h'},
    {0x0129, 'i'}, {0x012b, 'i'}, {0x012d, 'i'}, {0x012f, 'i'}, {0x0131, 'i'}, {0x0135, 'j'},
    {0x0137, 'k'}, {0x013a, 'l'}, {0x013c, 'l'}, {0x013e, 'l'}, {0x0140, 'l'}, {0x0142, 'l'},
    {0x0144, 'n'}, {0x0146, 'n'}, {0x0148, 'n'}, {0x014d, 'o'}, {0x014f, 'o'}, {0x0151, 'o'},
    {0x0155, 'r'}, {0x0157, 'r'}, {0x0159, 'r'}, {0x015b, 's'}, {0x015d, 's'}, {0x015f, 's'},
    {0x0161, 's'}, {0x0163, 't'}, {0x0165, 't'}, {0x0167, 't'}, {0x0169, 'u'}, {0x016b, 'u'},
    {0x016d, 'u'}, {0x016f, 'u'}, {0x0171, 'u'}, {0x0173, 'u'}, {0x0175, 'w'}, {0x0177, 'y'},
    {0x017a, 'z'}, {0x017c, 'z'}, {0x017e, 'z'}, {0x0261, 'g'}, {0x03b1, 'a'}, {0x03b5, 'e'},
    {0x03b9, 'i'}, {0x03ba, 'k'}, {0x03bd, 'v'}, {0x03bf, 'o'}, {0x03c1, 'p'}, {0x03c4, 't'},
    {0x03c5, 'u'}, {0x03c7, 'x'}, {0x0430, 'a'}, {0x0435, 'e'}, {0x043a, 'k'}, {0x043e, 'o'},
    {0x0440, 'p'}, {0x0441, 'c'}, {0x0443, 'y'}, {0x0445, 'x'}, {0x0451, 'e'}, {0x0455, 's'},
    {0x0456, 'i'}, {0x0457, 'i'}, {0x0458, 'j'}, {0x04bb, 'h'}, {0x0501, 'd'}, {0x051b, 'q'},
    {0x051d, 'w'},
};

static int fold_cmp(const void *k, const void *e)
{
    uint32_t cp = *(const uint32_t *)k;
    const struct fold *f = e;

    return cp < f->cp ? -1 : cp > f->cp;
}

/* One UTF-8 code point at p (n bytes left): its value and length, or 0. */
static size_t utf8_next(const unsigned char *p, size_t n, uint32_t *cp)
{
    if (n >= 1 && p[0] < 0x80) {
        *cp = p[0];
        return 1;
    }
    if (n >= 2 && (p[0] & 0xe0) == 0xc0 && (p[1] & 0xc0) == 0x80) {
        *cp = ((uint32_t)(p[0] & 0x1f) << 6) | (p[1] & 0x3f);
        return 2;
    }
    if (n >= 3 && (p[0] & 0xf0) == 0xe0 && (p[1] & 0xc0) == 0x80 && (p[2] & 0xc0) == 0x80) {
        *cp = ((uint32_t)(p[0] & 0x0f) << 12) | ((uint32_t)(p[1] & 0x3f) << 6) | (p[2] & 0x3f);
        return 3;
    }
    if (n >= 4 && (p[0] & 0xf8) == 0xf0 && (p[1] & 0xc0) == 0x80 && (p[2] & 0xc0) == 0x80 &&
        (p[3] & 0xc0) == 0x80) {
        *cp = ((uint32_t)(p[0] & 0x07) << 18) | ((uint32_t)(p[1] & 0x3f) << 12) |
              ((uint32_t)(p[2] & 0x3f) << 6) | (p[3] & 0x3f);
        return 4;
    }
    return 0;
}

size_t vg_watch_skeleton(const char *name, size_t len, char *out, size_t cap)
{
    char *in, *u = NULL;
    size_t n = 0, i = 0, ulen;

    if (cap == 0 || (in = malloc(len + 1)) == NULL)
        return 0;
    memcpy(in, name, len);
    in[len] = '\0';
    if (idn2_to_unicode_8z8z(in, &u, 0) != IDN2_OK || u == NULL) {
        free(in);
        return 0;
    }
    free(in);
    ulen = strlen(u);
    while (i < ulen) {
        uint32_t cp;
        size_t k = utf8_next((const unsigned char *)u + i, ulen - i, &cp);
        char c = '.';

        if (k == 0) {
            n = 0;
            break;
        }
        i += k;
        if (cp < 0x80) {
            c = (char)(cp >= 'A' && cp <= 'Z' ? cp + ('a' - 'A') : cp);
        } else {
            const struct fold *f =
                bsearch(&cp, folds, sizeof(folds) / sizeof(folds[0]), sizeof(folds[0]), fold_cmp);

            if (f)
                c = f->to;
        }
        if (n + 1 >= cap) {
            n = 0;
            break;
        }
        out[n++] = c;
    }
    if (n)
        out[n] = '\0';
    idn2_free(u);
    return n;
}
