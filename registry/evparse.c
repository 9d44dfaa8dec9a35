#include "registry/evparse.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"
#include "registry/ent.h"
#include "registry/keys.h"

/* Latest time rendered with four year digits: 9999-12-31T23:59:59.999Z. */
#define EVPARSE_TIME_LAST 253402300799999LL

struct evparse {
        char stage[EVPARSE_STAGE_MAX + 1];
        long long time_ms;
        int has_time;
        char time[24]; /* time_ms in decimal, the stored form */
        char *location;
        char holder[19];
        char *attrs; /* compact JSON, NULL when there are none */
        char corrects[EVPARSE_ID_MAX];
        char closes[EVPARSE_CLOSES_MAX][EVPARSE_ID_MAX];
        size_t ncloses;
        char closes_text[EVPARSE_CLOSES_MAX * EVPARSE_ID_MAX]; /* stored */
        int public;
};

static const char *const builtin[] = {
    "design",  "production", "installation", "delivery",
    "warning", "fault",      "maintenance",  "recycling",
};

#define NBUILTIN (sizeof(builtin) / sizeof(builtin[0]))

static int
evparse_fail(char *err, size_t errlen, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
        return -1;
}

/* ------------------------------------------------------ small texts */

int
evparse_stage_ok(const char *s, size_t len)
{
        size_t i;

        if (len == 0 || len > EVPARSE_STAGE_MAX)
                return 0;
        for (i = 0; i < len; i++)
                if (!((s[i] >= 'a' && s[i] <= 'z') ||
                      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
                      s[i] == '-'))
                        return 0;
        return 1;
}

int
evparse_stage_builtin(const char *code)
{
        size_t i;

        for (i = 0; i < NBUILTIN; i++)
                if (strcmp(builtin[i], code) == 0)
                        return 1;
        return 0;
}

int
evparse_stage_closable(const char *code, size_t len)
{
        return (len == 7 && memcmp(code, "warning", 7) == 0) ||
               (len == 5 && memcmp(code, "fault", 5) == 0);
}

/* 1-20 decimal digits of at most 2^64-1 at *s; advances *s. */
static int
evparse_u64(const char **s, uint64_t *out)
{
        const char *p = *s;
        uint64_t v = 0;
        unsigned d;

        if (*p < '0' || *p > '9')
                return -1;
        for (; *p >= '0' && *p <= '9'; p++) {
                d = (unsigned)(*p - '0');
                if (v > (UINT64_MAX - d) / 10)
                        return -1;
                v = v * 10 + d;
        }
        *s = p;
        *out = v;
        return 0;
}

int
evparse_id(const char *s, uint64_t *ms, uint64_t *seq)
{
        if (evparse_u64(&s, ms) < 0 || *s++ != '-' ||
            evparse_u64(&s, seq) < 0 || *s)
                return -1;
        return 0;
}

void
evparse_id_str(uint64_t ms, uint64_t seq, char out[EVPARSE_ID_MAX])
{
        snprintf(out, EVPARSE_ID_MAX, "%" PRIu64 "-%" PRIu64, ms, seq);
}

/* Days since 1970-01-01 of a civil date (H. Hinnant's algorithm). */
static long long
evparse_days(long long y, int m, int d)
{
        long long era, yoe, doy;

        y -= m <= 2;
        era = (y >= 0 ? y : y - 399) / 400;
        yoe = y - era * 400;
        doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
        return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

static void
evparse_civil(long long z, long long *y, int *m, int *d)
{
        long long era, doe, yoe, doy, mp;

        z += 719468;
        era = (z >= 0 ? z : z - 146096) / 146097;
        doe = z - era * 146097;
        yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        mp = (5 * doy + 2) / 153;
        *d = (int)(doy - (153 * mp + 2) / 5 + 1);
        *m = (int)(mp < 10 ? mp + 3 : mp - 9);
        *y = yoe + era * 400 + (*m <= 2);
}

/* Exactly n digits at s. */
static int
evparse_digits(const char *s, int n, int *out)
{
        int i, v = 0;

        for (i = 0; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -1;
                v = v * 10 + (s[i] - '0');
        }
        *out = v;
        return 0;
}

static int
evparse_month_days(int y, int m)
{
        static const int days[] = {31, 28, 31, 30, 31, 30,
                                   31, 31, 30, 31, 30, 31};

        if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
                return 29;
        return days[m - 1];
}

int
evparse_time(const char *s, long long *ms)
{
        int y, mo, d, h, mi, sec, oh = 0, om = 0, n = 0, sign = 1;
        long long frac = 0, t;
        const char *p;

        if (evparse_digits(s, 4, &y) < 0 || s[4] != '-' ||
            evparse_digits(s + 5, 2, &mo) < 0 || s[7] != '-' ||
            evparse_digits(s + 8, 2, &d) < 0 ||
            (s[10] != 'T' && s[10] != 't') ||
            evparse_digits(s + 11, 2, &h) < 0 || s[13] != ':' ||
            evparse_digits(s + 14, 2, &mi) < 0 || s[16] != ':' ||
            evparse_digits(s + 17, 2, &sec) < 0)
                return -1;
        p = s + 19;
        if (*p == '.') {
                for (p++; *p >= '0' && *p <= '9'; p++, n++)
                        if (n < 3)
                                frac = frac * 10 + (*p - '0');
                if (n == 0 || n > 9)
                        return -1;
                for (; n < 3; n++)
                        frac *= 10;
        }
        if (*p == 'Z' || *p == 'z') {
                p++;
        } else if (*p == '+' || *p == '-') {
                sign = *p == '-' ? -1 : 1;
                if (evparse_digits(p + 1, 2, &oh) < 0 || p[3] != ':' ||
                    evparse_digits(p + 4, 2, &om) < 0 || oh > 23 || om > 59)
                        return -1;
                p += 6;
        } else {
                return -1;
        }
        if (*p || y < 1970 || mo < 1 || mo > 12 || d < 1 ||
            d > evparse_month_days(y, mo) || h > 23 || mi > 59 || sec > 60)
                return -1;
        t = ((evparse_days(y, mo, d) * 24 + h) * 60 + mi) * 60 + sec -
            sign * (oh * 60 + om) * 60;
        if (t < 0)
                return -1;
        *ms = t * 1000 + frac;
        return 0;
}

void
evparse_time_str(long long ms, char out[EVPARSE_TIME_MAX])
{
        char buf[96], frac[8] = "";
        long long days, secs, y;
        int m, d;

        if (ms < 0)
                ms = 0;
        if (ms > EVPARSE_TIME_LAST)
                ms = EVPARSE_TIME_LAST;
        days = ms / 86400000;
        secs = ms / 1000 % 86400;
        evparse_civil(days, &y, &m, &d);
        snprintf(buf, sizeof(buf), "%04lld-%02d-%02dT%02lld:%02lld:%02lld", y,
                 m, d, secs / 3600, secs / 60 % 60, secs % 60);
        if (ms % 1000)
                snprintf(frac, sizeof(frac), ".%03lld", ms % 1000);
        snprintf(out, EVPARSE_TIME_MAX, "%.19s%.4sZ", buf, frac);
}

/* -------------------------------------------------------- the body */

/*
 * A string member: no NUL, at most `max` characters, and, unless
 * `controls`, no control character.  *out borrows it.
 */
static int
evparse_string(const char *key, const json_t *v, size_t max, int controls,
               const char **out, char *err, size_t errlen)
{
        const char *s = json_string_value(v);
        size_t i;

        if (!s)
                return evparse_fail(err, errlen, "%s must be a string", key);
        if (strlen(s) != json_string_length(v))
                return evparse_fail(err, errlen, "%s contains a NUL", key);
        for (i = 0; !controls && s[i]; i++)
                if ((unsigned char)s[i] < 0x20 || s[i] == 0x7F)
                        return evparse_fail(err, errlen,
                                            "%s contains a control character",
                                            key);
        if (utf8_chars(s) > max)
                return evparse_fail(
                    err, errlen, "%s is longer than %zu characters", key, max);
        *out = s;
        return 0;
}

static int
evparse_m_stage(struct evparse *e, const json_t *v, long long now_ms, char *err,
                size_t errlen)
{
        const char *s;

        (void)now_ms;
        if (evparse_string("stage", v, EVPARSE_STAGE_MAX, 0, &s, err, errlen) <
            0)
                return -1;
        if (!evparse_stage_ok(s, strlen(s)))
                return evparse_fail(err, errlen,
                                    "stage must be a stage code: 1 to %d of "
                                    "a-z 0-9 _ -",
                                    EVPARSE_STAGE_MAX);
        memcpy(e->stage, s, strlen(s) + 1);
        return 0;
}

static int
evparse_m_time(struct evparse *e, const json_t *v, long long now_ms, char *err,
               size_t errlen)
{
        const char *s;

        if (evparse_string("time", v, 64, 0, &s, err, errlen) < 0)
                return -1;
        if (evparse_time(s, &e->time_ms) < 0)
                return evparse_fail(err, errlen,
                                    "time must be an RFC 3339 time from 1970 "
                                    "on, e.g. 2026-03-01T10:00:00Z");
        if (e->time_ms > now_ms + EVPARSE_FUTURE_MS)
                return evparse_fail(err, errlen,
                                    "time is more than 5 minutes in the "
                                    "future");
        e->has_time = 1;
        return 0;
}

static int
evparse_m_location(struct evparse *e, const json_t *v, long long now_ms,
                   char *err, size_t errlen)
{
        const char *s;

        (void)now_ms;
        if (evparse_string("location", v, EVPARSE_LOCATION_MAX, 0, &s, err,
                           errlen) < 0)
                return -1;
        if (s[0] && !(e->location = strdup(s)))
                return evparse_fail(err, errlen, "out of memory");
        return 0;
}

static int
evparse_m_holder(struct evparse *e, const json_t *v, long long now_ms,
                 char *err, size_t errlen)
{
        char why[160];
        const char *s;

        (void)now_ms;
        if (evparse_string("holder", v, 64, 0, &s, err, errlen) < 0)
                return -1;
        if (ent_uscc(s, e->holder, why, sizeof(why)) < 0)
                return evparse_fail(err, errlen, "holder is not a USCC: %s",
                                    why);
        return 0;
}

static int
evparse_attr(const char *key, const json_t *v, char *err, size_t errlen)
{
        char where[EVPARSE_ATTR_KEY_MAX * 4 + 8];
        const char *s;
        size_t i;

        for (i = 0; key[i]; i++)
                if ((unsigned char)key[i] < 0x20 || key[i] == 0x7F)
                        return evparse_fail(err, errlen,
                                            "attrs has a key with a control "
                                            "character");
        if (!key[0] || utf8_chars(key) > EVPARSE_ATTR_KEY_MAX)
                return evparse_fail(err, errlen,
                                    "attrs keys have 1 to %d characters",
                                    EVPARSE_ATTR_KEY_MAX);
        snprintf(where, sizeof(where), "attrs.%s", key);
        if (json_is_string(v))
                return evparse_string(where, v, EVPARSE_ATTR_STR_MAX, 1, &s,
                                      err, errlen);
        if (!json_is_number(v) && !json_is_boolean(v))
                return evparse_fail(err, errlen,
                                    "%s must be a string, a number or a "
                                    "boolean",
                                    where);
        return 0;
}

static int
evparse_m_attrs(struct evparse *e, const json_t *v, long long now_ms, char *err,
                size_t errlen)
{
        const char *key;
        const json_t *x;

        (void)now_ms;
        if (!json_is_object(v))
                return evparse_fail(err, errlen,
                                    "attrs must be an object of strings, "
                                    "numbers and booleans");
        if (json_object_size(v) > EVPARSE_ATTRS_MAX)
                return evparse_fail(err, errlen,
                                    "attrs has more than %d members",
                                    EVPARSE_ATTRS_MAX);
        json_object_foreach((json_t *)v, key, x)
        {
                if (evparse_attr(key, x, err, errlen) < 0)
                        return -1;
        }
        if (json_object_size(v) > 0 &&
            !(e->attrs = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER)))
                return evparse_fail(err, errlen, "out of memory");
        return 0;
}

/* An event id member into out (canonical). */
static int
evparse_idref(const char *where, const json_t *v, char out[EVPARSE_ID_MAX],
              char *err, size_t errlen)
{
        const char *s;
        uint64_t ms, seq;

        if (evparse_string(where, v, EVPARSE_ID_MAX, 0, &s, err, errlen) < 0)
                return -1;
        if (evparse_id(s, &ms, &seq) < 0)
                return evparse_fail(err, errlen,
                                    "%s must be an event id, e.g. "
                                    "1795430400000-0",
                                    where);
        evparse_id_str(ms, seq, out);
        return 0;
}

static int
evparse_m_corrects(struct evparse *e, const json_t *v, long long now_ms,
                   char *err, size_t errlen)
{
        (void)now_ms;
        return evparse_idref("corrects", v, e->corrects, err, errlen);
}

static int
evparse_m_closes(struct evparse *e, const json_t *v, long long now_ms,
                 char *err, size_t errlen)
{
        char where[32];
        size_t i, k;
        const json_t *x;

        (void)now_ms;
        e->ncloses = 0;
        e->closes_text[0] = '\0';
        if (!json_is_array(v) || json_array_size(v) > EVPARSE_CLOSES_MAX)
                return evparse_fail(err, errlen,
                                    "closes must be an array of at most %d "
                                    "event ids",
                                    EVPARSE_CLOSES_MAX);
        json_array_foreach(v, i, x)
        {
                snprintf(where, sizeof(where), "closes[%zu]", i);
                if (evparse_idref(where, x, e->closes[i], err, errlen) < 0)
                        return -1;
                for (k = 0; k < i; k++)
                        if (strcmp(e->closes[k], e->closes[i]) == 0)
                                return evparse_fail(err, errlen,
                                                    "closes[%zu] repeats "
                                                    "closes[%zu]",
                                                    i, k);
                e->ncloses = i + 1;
                snprintf(e->closes_text + strlen(e->closes_text),
                         sizeof(e->closes_text) - strlen(e->closes_text),
                         "%s%s", i ? " " : "", e->closes[i]);
        }
        return 0;
}

static int
evparse_m_public(struct evparse *e, const json_t *v, long long now_ms,
                 char *err, size_t errlen)
{
        (void)now_ms;
        if (!json_is_boolean(v))
                return evparse_fail(err, errlen,
                                    "public must be true or false");
        e->public = json_is_true(v);
        return 0;
}

typedef int (*evparse_member_fn)(struct evparse *e, const json_t *v,
                                 long long now_ms, char *err, size_t errlen);

/* The members of a body; null stands for absent. */
static const struct {
        const char *name;
        evparse_member_fn fn;
} members[] = {
    {"stage", evparse_m_stage},       {"time", evparse_m_time},
    {"location", evparse_m_location}, {"holder", evparse_m_holder},
    {"attrs", evparse_m_attrs},       {"corrects", evparse_m_corrects},
    {"closes", evparse_m_closes},     {"public", evparse_m_public},
};

#define NMEMBERS (sizeof(members) / sizeof(members[0]))

struct evparse *
evparse_new(const json_t *body, long long now_ms, char *err, size_t errlen)
{
        struct evparse *e = calloc(1, sizeof(*e));
        const char *key;
        const json_t *v;
        size_t k;

        if (!e) {
                evparse_fail(err, errlen, "out of memory");
                return NULL;
        }
        e->public = 1;
        if (!json_is_object(body)) {
                evparse_fail(err, errlen, "an event is a JSON object");
                goto fail;
        }
        json_object_foreach((json_t *)body, key, v)
        {
                for (k = 0; k < NMEMBERS; k++)
                        if (strcmp(members[k].name, key) == 0)
                                break;
                if (k == NMEMBERS) {
                        evparse_fail(err, errlen,
                                     "unknown member %.64s (an event has "
                                     "stage, time, location, holder, attrs, "
                                     "corrects, closes, public)",
                                     key);
                        goto fail;
                }
                if (!json_is_null(v) &&
                    members[k].fn(e, v, now_ms, err, errlen) < 0)
                        goto fail;
        }
        if (!e->stage[0]) {
                evparse_fail(err, errlen, "stage is required");
                goto fail;
        }
        if (!e->has_time)
                e->time_ms = now_ms;
        snprintf(e->time, sizeof(e->time), "%lld", e->time_ms);
        return e;
fail:
        evparse_free(e);
        return NULL;
}

void
evparse_free(struct evparse *e)
{
        if (!e)
                return;
        free(e->location);
        free(e->attrs);
        free(e);
}

const char *
evparse_stage(const struct evparse *e)
{
        return e->stage;
}

const char *
evparse_holder(const struct evparse *e)
{
        return e->holder;
}

const char *
evparse_corrects(const struct evparse *e)
{
        return e->corrects;
}

size_t
evparse_ncloses(const struct evparse *e)
{
        return e->ncloses;
}

const char *
evparse_close(const struct evparse *e, size_t i)
{
        return i < e->ncloses ? e->closes[i] : "";
}

/* --------------------------------------------- the stored entry */

static void
evparse_put(const char **argv, size_t *argvlen, size_t *n, const char *name,
            const char *value)
{
        argv[*n] = name;
        argvlen[(*n)++] = strlen(name);
        argv[*n] = value;
        argvlen[(*n)++] = strlen(value);
}

size_t
evparse_fields(const struct evparse *e, const char *ent, const char *by,
               const char **argv, size_t *argvlen)
{
        size_t n = 0;

        evparse_put(argv, argvlen, &n, KEYS_EV_STAGE, e->stage);
        evparse_put(argv, argvlen, &n, KEYS_EV_TIME, e->time);
        evparse_put(argv, argvlen, &n, KEYS_EV_ENT, ent);
        evparse_put(argv, argvlen, &n, KEYS_EV_BY, by);
        if (e->location)
                evparse_put(argv, argvlen, &n, KEYS_EV_LOCATION, e->location);
        if (e->holder[0])
                evparse_put(argv, argvlen, &n, KEYS_EV_HOLDER, e->holder);
        if (e->attrs)
                evparse_put(argv, argvlen, &n, KEYS_EV_ATTRS, e->attrs);
        if (e->corrects[0])
                evparse_put(argv, argvlen, &n, KEYS_EV_CORRECTS, e->corrects);
        if (e->ncloses)
                evparse_put(argv, argvlen, &n, KEYS_EV_CLOSES, e->closes_text);
        if (!e->public)
                evparse_put(argv, argvlen, &n, KEYS_EV_PUBLIC, "0");
        return n;
}

/* The entry's fields, by name. */
enum evparse_field {
        EF_STAGE,
        EF_TIME,
        EF_ENT,
        EF_BY,
        EF_LOCATION,
        EF_HOLDER,
        EF_ATTRS,
        EF_CORRECTS,
        EF_CLOSES,
        EF_PUBLIC,
        EF_COUNT
};

static const char *const field_names[EF_COUNT] = {
    KEYS_EV_STAGE,    KEYS_EV_TIME,   KEYS_EV_ENT,   KEYS_EV_BY,
    KEYS_EV_LOCATION, KEYS_EV_HOLDER, KEYS_EV_ATTRS, KEYS_EV_CORRECTS,
    KEYS_EV_CLOSES,   KEYS_EV_PUBLIC,
};

int
evparse_entry(const char *const *kv, const size_t *kvlen, size_t n,
              struct evparse_entry *out)
{
        const char *f[EF_COUNT] = {0};
        size_t flen[EF_COUNT] = {0}, i, k;
        char *end;

        memset(out, 0, sizeof(*out));
        for (i = 0; i + 1 < n; i += 2)
                for (k = 0; k < EF_COUNT; k++)
                        if (kvlen[i] == strlen(field_names[k]) &&
                            memcmp(kv[i], field_names[k], kvlen[i]) == 0 &&
                            strlen(kv[i + 1]) == kvlen[i + 1]) {
                                f[k] = kv[i + 1];
                                flen[k] = kvlen[i + 1];
                        }
        if (!f[EF_STAGE] || !evparse_stage_ok(f[EF_STAGE], flen[EF_STAGE]) ||
            !f[EF_TIME] || f[EF_TIME][0] < '0' || f[EF_TIME][0] > '9')
                return -1;
        out->time_ms = strtoll(f[EF_TIME], &end, 10);
        if (*end || out->time_ms > EVPARSE_TIME_LAST)
                return -1;
        out->stage = f[EF_STAGE];
        out->stage_len = flen[EF_STAGE];
        out->ent = f[EF_ENT];
        out->by = f[EF_BY];
        out->location = f[EF_LOCATION];
        out->holder = f[EF_HOLDER];
        out->attrs = f[EF_ATTRS];
        out->corrects = f[EF_CORRECTS];
        out->closes = f[EF_CLOSES];
        out->closes_len = flen[EF_CLOSES];
        out->public = !(f[EF_PUBLIC] && strcmp(f[EF_PUBLIC], "0") == 0);
        return 0;
}

/* A stored text as JSON: null when absent or not UTF-8. */
static json_t *
evparse_text(const char *s)
{
        json_t *j = s ? json_string(s) : NULL;

        return j ? j : json_null();
}

static json_t *
evparse_render_closes(const char *s)
{
        json_t *a = json_array();
        const char *p;
        size_t n;

        for (p = s; a && p && *p; p += n) {
                while (*p == ' ')
                        p++;
                n = strcspn(p, " ");
                if (n)
                        json_array_append_new(a, json_stringn(p, n));
        }
        return a;
}

json_t *
evparse_render(const char *id, const struct evparse_entry *e)
{
        char t[EVPARSE_TIME_MAX], rec[EVPARSE_TIME_MAX];
        json_t *o = json_object(), *attrs = NULL;
        uint64_t ms = 0, seq;

        if (!o)
                return NULL;
        if (evparse_id(id, &ms, &seq) < 0 || ms > (uint64_t)EVPARSE_TIME_LAST)
                ms = 0;
        evparse_time_str(e->time_ms, t);
        evparse_time_str((long long)ms, rec);
        if (e->attrs)
                attrs = json_loads(e->attrs, 0, NULL);
        if (!json_is_object(attrs)) {
                json_decref(attrs);
                attrs = json_object();
        }
        json_object_set_new(o, "id", evparse_text(id));
        json_object_set_new(o, "stage", json_stringn(e->stage, e->stage_len));
        json_object_set_new(o, "time", json_string(t));
        json_object_set_new(o, "recorded", json_string(rec));
        json_object_set_new(o, "enterprise", evparse_text(e->ent));
        json_object_set_new(o, "by", evparse_text(e->by));
        json_object_set_new(o, "location", evparse_text(e->location));
        json_object_set_new(o, "holder", evparse_text(e->holder));
        json_object_set_new(o, "attrs", attrs);
        json_object_set_new(o, "corrects", evparse_text(e->corrects));
        json_object_set_new(o, "closes", evparse_render_closes(e->closes));
        json_object_set_new(o, "public", json_boolean(e->public));
        if (json_object_size(o) != 12) {
                json_decref(o);
                return NULL;
        }
        return o;
}
