#include "core/period.h"

#include <stdio.h>

/* Days since 1970-01-01 of a civil date (H. Hinnant's algorithm). */
static int64_t
period_days(int64_t y, int64_t m, int64_t d)
{
        int64_t era, yoe, doy;

        y -= m <= 2;
        era = (y >= 0 ? y : y - 399) / 400;
        yoe = y - era * 400;
        doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

/* The civil date of a day number (the inverse of period_days). */
static void
period_civil(int64_t z, int *y, int *m, int *d)
{
        int64_t era, doe, yoe, doy, mp;

        z += 719468;
        era = (z >= 0 ? z : z - 146096) / 146097;
        doe = z - era * 146097;
        yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        mp = (5 * doy + 2) / 153;
        *d = (int)(doy - (153 * mp + 2) / 5 + 1);
        *m = (int)(mp < 10 ? mp + 3 : mp - 9);
        *y = (int)(yoe + era * 400 + (*m <= 2));
}

static int
period_leap(int y)
{
        return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int
period_digits(const char *s, int n)
{
        int v = 0, i;

        for (i = 0; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -1;
                v = v * 10 + (s[i] - '0');
        }
        return v;
}

int
period_parse(const char *s, size_t len, enum period_unit *unit, int64_t *start)
{
        static const int mdays[12] = {31, 28, 31, 30, 31, 30,
                                      31, 31, 30, 31, 30, 31};
        int y, m, d, h = 0;

        if ((len != 10 && len != 13) || s[4] != '-' || s[7] != '-' ||
            (len == 13 && s[10] != 'T'))
                return -1;
        y = period_digits(s, 4);
        m = period_digits(s + 5, 2);
        d = period_digits(s + 8, 2);
        if (len == 13)
                h = period_digits(s + 11, 2);
        if (y < 2000 || m < 1 || m > 12 || d < 1 || h < 0 || h > 23 ||
            d > mdays[m - 1] + (m == 2 && period_leap(y)))
                return -1;
        *unit = len == 13 ? PERIOD_HOUR : PERIOD_DAY;
        *start = period_days(y, m, d) * PERIOD_DAY_S + (int64_t)h * 3600;
        return 0;
}

int64_t
period_seconds(enum period_unit unit)
{
        return unit == PERIOD_HOUR ? PERIOD_HOUR_S : PERIOD_DAY_S;
}

int64_t
period_floor(int64_t t, enum period_unit unit)
{
        int64_t n = period_seconds(unit), q = t / n;

        if (t % n < 0)
                q--;
        return q * n;
}

void
period_format(int64_t start, enum period_unit unit, char out[PERIOD_TEXT])
{
        int64_t day = period_floor(start, PERIOD_DAY) / PERIOD_DAY_S;
        int y, m, d;

        /* The moduli tell the compiler how wide each field is. */
        period_civil(day, &y, &m, &d);
        if (unit == PERIOD_HOUR)
                snprintf(out, PERIOD_TEXT, "%04u-%02u-%02uT%02u",
                         (unsigned)y % 10000u, (unsigned)m % 100u,
                         (unsigned)d % 100u,
                         (unsigned)((start - day * PERIOD_DAY_S) / 3600) %
                             100u);
        else
                snprintf(out, PERIOD_TEXT, "%04u-%02u-%02u",
                         (unsigned)y % 10000u, (unsigned)m % 100u,
                         (unsigned)d % 100u);
}

void
period_day_digits(int64_t t, char out[9])
{
        int y, m, d;

        period_civil(period_floor(t, PERIOD_DAY) / PERIOD_DAY_S, &y, &m, &d);
        snprintf(out, 9, "%04u%02u%02u", (unsigned)y % 10000u,
                 (unsigned)m % 100u, (unsigned)d % 100u);
}

void
period_hour_digits(int64_t t, char out[3])
{
        int64_t h = (t - period_floor(t, PERIOD_DAY)) / 3600;

        snprintf(out, 3, "%02u", (unsigned)h % 100u);
}
