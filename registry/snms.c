#include "registry/snms.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>

#include "core/period.h"
#include "core/utf8.h"
#include "registry/api.h"

/* Fields one page row reads. */
#define SNMS_MAX_HMGET 16

/* Index members read per round trip while scanning for a page. */
#define SNMS_SCAN_CHUNK 500

int
snms_text(const json_t *obj, const char *key, int required, size_t max,
          const char **out, char *err, size_t errlen)
{
        const json_t *v = json_object_get(obj, key);
        const char *s;
        size_t i;

        *out = NULL;
        if (v && !json_is_string(v)) {
                snprintf(err, errlen, "%s must be a string", key);
                return -1;
        }
        s = v ? json_string_value(v) : "";
        if (!s[0]) {
                if (!required)
                        return 0;
                snprintf(err, errlen, "%s is required", key);
                return -1;
        }
        if (strlen(s) != json_string_length(v)) {
                snprintf(err, errlen, "%s contains a NUL character", key);
                return -1;
        }
        for (i = 0; s[i]; i++) {
                if ((unsigned char)s[i] < 0x20 || s[i] == 0x7F) {
                        snprintf(err, errlen, "%s contains a control character",
                                 key);
                        return -1;
                }
        }
        if (utf8_chars(s) > max) {
                snprintf(err, errlen, "%s is longer than %zu characters", key,
                         max);
                return -1;
        }
        *out = s;
        return 0;
}

json_t *
snms_hash(struct api_call *c, const char *key)
{
        redisReply *r = api_cmd(c, "HGETALL %s", key);
        json_t *rec;
        size_t i;

        if (!r)
                return NULL;
        rec = json_object();
        if (r->type != REDIS_REPLY_ARRAY || !rec) {
                api_fail(c, 500, -4, "internal error: bad record %s", key);
                json_decref(rec);
                rec = NULL;
        }
        for (i = 0; rec && i + 1 < r->elements; i += 2)
                if (r->element[i]->str && r->element[i + 1]->str)
                        json_object_set_new(
                            rec, r->element[i]->str,
                            json_string(r->element[i + 1]->str));
        freeReplyObject(r);
        return rec;
}

int
snms_hmget_append(redisContext *rc, const char *key, const char *const *fields,
                  size_t n)
{
        const char *argv[SNMS_MAX_HMGET + 2];
        size_t i;

        if (n > SNMS_MAX_HMGET)
                return -1;
        argv[0] = "HMGET";
        argv[1] = key;
        for (i = 0; i < n; i++)
                argv[i + 2] = fields[i];
        return redisAppendCommandArgv(rc, (int)n + 2, argv, NULL) == REDIS_OK
                   ? 0
                   : -1;
}

json_t *
snms_hmget_record(const redisReply *r, const char *const *fields, size_t n)
{
        json_t *rec = json_object();
        size_t j;

        for (j = 0;
             rec && r->type == REDIS_REPLY_ARRAY && j < r->elements && j < n;
             j++)
                if (r->element[j]->str)
                        json_object_set_new(rec, fields[j],
                                            json_string(r->element[j]->str));
        return rec;
}

const char *
snms_field(const json_t *rec, const char *name)
{
        const char *s = json_string_value(json_object_get(rec, name));

        return s ? s : "";
}

json_t *
snms_field_str(const json_t *rec, const char *name)
{
        const char *s = snms_field(rec, name);

        return s[0] ? json_string(s) : json_null();
}

json_t *
snms_field_date(const json_t *rec, const char *name)
{
        char d[SNMS_DATE_LEN];

        snms_date(atoll(snms_field(rec, name)), d);
        return d[0] ? json_string(d) : json_null();
}

void
snms_date(long long t, char out[SNMS_DATE_LEN])
{
        time_t tt = (time_t)t;
        struct tm tm;

        out[0] = '\0';
        if (t > 0 && localtime_r(&tt, &tm))
                strftime(out, SNMS_DATE_LEN, "%Y-%m-%d %H:%M:%S", &tm);
}

int
snms_parse_date(const char *s, int end_of_day, long long *out)
{
        size_t len = strlen(s);
        struct tm tm, want;
        time_t t;

        if (len != 10 && len != 19)
                return -1;
        if (s[4] != '-' || s[7] != '-')
                return -1;
        memset(&tm, 0, sizeof(tm));
        tm.tm_year = period_digits(s, 4) - 1900;
        tm.tm_mon = period_digits(s + 5, 2) - 1;
        tm.tm_mday = period_digits(s + 8, 2);
        if (len == 19) {
                if ((s[10] != ' ' && s[10] != 'T') || s[13] != ':' ||
                    s[16] != ':')
                        return -1;
                tm.tm_hour = period_digits(s + 11, 2);
                tm.tm_min = period_digits(s + 14, 2);
                tm.tm_sec = period_digits(s + 17, 2);
        } else if (end_of_day) {
                tm.tm_hour = 23;
                tm.tm_min = 59;
                tm.tm_sec = 59;
        }
        if (tm.tm_year < 70 || tm.tm_mon < 0 || tm.tm_mon > 11 ||
            tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour < 0 ||
            tm.tm_hour > 23 || tm.tm_min < 0 || tm.tm_min > 59 ||
            tm.tm_sec < 0 || tm.tm_sec > 59)
                return -1;
        want = tm;
        tm.tm_isdst = -1;
        t = mktime(&tm);
        /* mktime normalises 02-30 to 03-02: such a date does not exist. */
        if (t == (time_t)-1 || tm.tm_mday != want.tm_mday ||
            tm.tm_mon != want.tm_mon || tm.tm_year != want.tm_year)
                return -1;
        *out = (long long)t;
        return 0;
}

/* A page parameter: absent or "" gives def. 0, or -1 if out of range. */
static int
snms_page_param(struct api_call *c, const char *key, long long def,
                long long max, long long *out)
{
        const char *s = api_query(c, key);
        long long v = 0;
        size_t i;

        *out = def;
        if (!s || !s[0])
                return 0;
        for (i = 0; s[i]; i++) {
                if (s[i] < '0' || s[i] > '9' || i >= 9)
                        goto fail;
                v = v * 10 + (s[i] - '0');
        }
        if (v < 1 || v > max)
                goto fail;
        *out = v;
        return 0;
fail:
        api_fail(c, 400, -2, "%s must be a whole number from 1 to %lld", key,
                 max);
        return -1;
}

int
snms_page_start(struct api_call *c, struct snms_page *p)
{
        memset(p, 0, sizeof(*p));
        if (snms_page_param(c, "currentPage", 1, SNMS_PAGE_LAST, &p->number) <
                0 ||
            snms_page_param(c, "pageSize", SNMS_PAGE_DEFAULT, SNMS_PAGE_MAX,
                            &p->size) < 0)
                return -1;
        p->content = json_array();
        if (!p->content) {
                api_fail(c, 500, -4, "out of memory");
                return -1;
        }
        return 0;
}

void
snms_page_add(struct snms_page *p, json_t *row)
{
        long long first = (p->number - 1) * p->size;

        if (p->total >= first && p->total < first + p->size && row)
                json_array_append(p->content, row);
        json_decref(row);
        p->total++;
}

void
snms_page_answer(struct api_call *c, struct snms_page *p)
{
        long long pages = (p->total + p->size - 1) / p->size;

        api_ok(c, json_pack("{s:b,s:b,s:I,s:I,s:I,s:I,s:n,s:I,s:o}", "first",
                            p->number == 1, "last", p->number >= pages,
                            "totalPages", pages, "totalElements", p->total,
                            "number", p->number, "size", p->size, "sort",
                            "numberOfElements",
                            (long long)json_array_size(p->content), "content",
                            p->content));
        p->content = NULL;
}

void
snms_page_drop(struct snms_page *p)
{
        json_decref(p->content);
        p->content = NULL;
}

int
snms_scan(struct api_call *c, const char *key, long long min, long long max,
          snms_scan_fn fn, void *ctx)
{
        long long off = 0;
        redisReply *r;
        size_t n;
        int rc;

        do {
                r = api_cmd(c, "ZRANGEBYSCORE %s %lld %lld LIMIT %lld %d", key,
                            min, max, off, SNMS_SCAN_CHUNK);
                if (!r)
                        return -1;
                if (r->type != REDIS_REPLY_ARRAY) {
                        freeReplyObject(r);
                        api_fail(c, 500, -4, "internal error: bad index");
                        return -1;
                }
                n = r->elements;
                rc = n ? fn(c, r, ctx) : 0;
                freeReplyObject(r);
                if (rc < 0)
                        return -1;
                off += (long long)n;
        } while (n == SNMS_SCAN_CHUNK);
        return 0;
}

void
snms_refuse(struct api_call *c, const char *action, const char *target,
            int http, int status, const char *fmt, ...)
{
        char msg[512];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        api_fail(c, http, status, "%s", msg);
        api_audit(c, action, target, msg);
}
