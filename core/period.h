/*
 * UTC hours and days, the periods of the usage statistics: parsing what
 * a client asks for (`2026-11-23T14`, `2026-11-23`) and formatting the
 * periods of answers and Redis key names.  Pure arithmetic on Unix
 * seconds (proleptic Gregorian calendar), no time zone, no locale.
 */
#ifndef CORE_PERIOD_H
#define CORE_PERIOD_H

#include <stddef.h>
#include <stdint.h>

enum period_unit { PERIOD_HOUR, PERIOD_DAY };

#define PERIOD_HOUR_S 3600
#define PERIOD_DAY_S  86400
/* Room for the longest text form, "2026-11-23T14", and its NUL. */
#define PERIOD_TEXT 16

/*
 * Parses exactly `len` bytes of "YYYY-MM-DD" (a day) or "YYYY-MM-DDTHH"
 * (an hour), years 2000-9999, into the period's unit and its first
 * second.  0, or -1 if it is neither or not a real date.
 */
int period_parse(const char *s, size_t len, enum period_unit *unit,
                 int64_t *start);

/* The period of `unit` holding second `t`: its first second. */
int64_t period_floor(int64_t t, enum period_unit unit);
/* The length of a period of `unit`, in seconds. */
int64_t period_seconds(enum period_unit unit);

/* Text form of the period starting at `start`, as period_parse reads it. */
void period_format(int64_t start, enum period_unit unit, char out[PERIOD_TEXT]);
/* Compact forms for key names: "20261123" and "14". */
/* The n-digit decimal number at s; -1 if any of them is not a digit. */
int period_digits(const char *s, int n);
void period_day_digits(int64_t t, char out[9]);
void period_hour_digits(int64_t t, char out[3]);

#endif
