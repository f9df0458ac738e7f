/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vtime.c - RFC 3339 UTC timestamps with microseconds.
 */
#include "vtime.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

int64_t vg_time_now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    int64_t era;
    unsigned yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned)(y - era * 400);
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void vg_time_deadline(int64_t us, struct timespec *out)
{
    clock_gettime(CLOCK_REALTIME, out);
    out->tv_sec += (time_t)(us / 1000000);
    out->tv_nsec += (long)(us % 1000000) * 1000L;
    if (out->tv_nsec >= 1000000000L) {
        out->tv_sec++;
        out->tv_nsec -= 1000000000L;
    }
}

/* v's last n decimal digits at p. */
static void put_digits(char *p, unsigned v, int n)
{
    while (n-- > 0) {
        p[n] = (char)('0' + v % 10);
        v /= 10;
    }
}

/* Written by hand, not by snprintf: every timestamp of every answer passes
 * here (snprintf was 9% of a look-up batch). */
/* The civil date of day z since 1970-01-01 (proleptic Gregorian; Howard
 * Hinnant's days_from_civil inverse): by arithmetic, where gmtime_r takes
 * glibc's time-zone lock on every call, a lock every thread formatting a
 * timestamp met. */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    int64_t era;
    unsigned doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = (unsigned)(z - era * 146097);
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

void vg_time_format_us(int64_t us, char *out)
{
    int64_t secs = us / 1000000, frac = us % 1000000, days, rem, year;
    unsigned mon, mday;

    if (frac < 0) {
        frac += 1000000;
        secs--;
    }
    days = secs / 86400;
    rem = secs % 86400;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    civil_from_days(days, &year, &mon, &mday);
    /* Years beyond 9999 cannot be written in RFC 3339; clamp (never met). */
    if (year > 9999 || year < 0)
        year = 9999;
    memcpy(out, "0000-00-00T00:00:00.000000Z", 28);
    put_digits(out, (unsigned)year, 4);
    put_digits(out + 5, mon, 2);
    put_digits(out + 8, mday, 2);
    put_digits(out + 11, (unsigned)(rem / 3600), 2);
    put_digits(out + 14, (unsigned)(rem / 60 % 60), 2);
    put_digits(out + 17, (unsigned)(rem % 60), 2);
    put_digits(out + 20, (unsigned)frac, 6);
}

static int digits(const char *s, size_t n, unsigned *out)
{
    unsigned v = 0;
    size_t i;

    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    *out = v;
    return 0;
}

enum vg_rc vg_time_parse(const char *s, size_t len, int64_t *us)
{
    static const unsigned mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    unsigned y, mo, d, h, mi, sec, frac = 0, scale = 100000;
    size_t i;

    if (len < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':')
        return VG_INVALID;
    if (digits(s, 4, &y) || digits(s + 5, 2, &mo) || digits(s + 8, 2, &d) ||
        digits(s + 11, 2, &h) || digits(s + 14, 2, &mi) || digits(s + 17, 2, &sec))
        return VG_INVALID;
    i = 19;
    if (s[i] == '.') {
        i++;
        if (i >= len || s[i] < '0' || s[i] > '9')
            return VG_INVALID;
        for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
            if (i - 20 >= 9)
                return VG_INVALID;
            frac += (unsigned)(s[i] - '0') * scale;
            scale /= 10;
        }
    }
    if (i != len - 1 || s[i] != 'Z')
        return VG_INVALID;
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || sec > 60)
        return VG_INVALID;
    if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return VG_INVALID;
    if (sec == 60)
        sec = 59; /* a leap second sorts as the last second of its minute */
    *us = ((days_from_civil(y, mo, d) * 86400) + h * 3600 + mi * 60 + sec) * 1000000 + frac;
    return VG_OK;
}
