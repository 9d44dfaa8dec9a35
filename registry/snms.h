/*
 * Conventions the SNMS registry routes share (domain.md §2.A): checked
 * text members of a JSON body, Spring-style pages over a creation-time
 * index, "yyyy-MM-dd HH:mm:ss" dates, and refusals that are audited.
 */
#ifndef REGISTRY_SNMS_H
#define REGISTRY_SNMS_H

#include <stddef.h>

#include <jansson.h>

struct api_call;
struct redisContext;
struct redisReply;

#define SNMS_PAGE_MAX     1000     /* largest pageSize */
#define SNMS_PAGE_DEFAULT 10       /* pageSize when not given */
#define SNMS_PAGE_LAST    10000000 /* largest currentPage */
#define SNMS_DATE_LEN     20       /* "yyyy-MM-dd HH:mm:ss" and NUL */

/*
 * Checks string member `key` of `obj`: at most `max` characters of UTF-8
 * without control characters.  *out borrows it from obj (NULL when the
 * member is absent or "").  0, or -1 with the reason in err ("entNameCn
 * is longer than 128 characters"); absent or "" is an error only when
 * `required`.
 */
int snms_text(const json_t *obj, const char *key, int required, size_t max,
              const char **out, char *err, size_t errlen);

/*
 * Reads hash `key` as a new object of its fields (strings): empty if
 * there is no such hash; NULL if the store failed (call answered).
 */
json_t *snms_hash(struct api_call *c, const char *key);
/*
 * For pages: queues HMGET `key` `fields` on `rc` (0, or -1 if hiredis
 * cannot), and turns its reply into a new object of the fields present
 * (empty if the reply is not an array).
 */
int snms_hmget_append(struct redisContext *rc, const char *key,
                      const char *const *fields, size_t n);
json_t *snms_hmget_record(const struct redisReply *r, const char *const *fields,
                          size_t n);
/* A field of such an object, "" when absent. */
const char *snms_field(const json_t *rec, const char *name);
/* The field as a new JSON string, or null when absent or "". */
json_t *snms_field_str(const json_t *rec, const char *name);
/* The field (unix seconds) as a new JSON date string, or null. */
json_t *snms_field_date(const json_t *rec, const char *name);

/*
 * Formats unix time `t` as local "yyyy-MM-dd HH:mm:ss" ("" for t <= 0).
 */
void snms_date(long long t, char out[SNMS_DATE_LEN]);

/*
 * Parses "yyyy-MM-dd HH:mm:ss" or "yyyy-MM-dd" (local time; a bare date
 * means its first second, or its last when `end_of_day`).  0, or -1 if
 * it is not such a date.
 */
int snms_parse_date(const char *s, int end_of_day, long long *out);

/* A page being filled: the rows of one page and the count of all. */
struct snms_page {
        long long number; /* currentPage, from 1 */
        long long size;   /* pageSize */
        long long total;  /* rows matched so far */
        json_t *content;  /* the rows on this page */
};

/*
 * Reads currentPage (1 to SNMS_PAGE_LAST, default 1) and pageSize (1 to
 * SNMS_PAGE_MAX, default SNMS_PAGE_DEFAULT).  0, or -1 with the call
 * answered 400.
 */
int snms_page_start(struct api_call *c, struct snms_page *p);
/* Counts a matching row and keeps it (consumed) if it is on the page. */
void snms_page_add(struct snms_page *p, json_t *row);
/*
 * Answers with {first, last, totalPages, totalElements, number, size,
 * sort, numberOfElements, content}; the page is spent.
 */
void snms_page_answer(struct api_call *c, struct snms_page *p);
/* Frees a page that was not answered. */
void snms_page_drop(struct snms_page *p);

/*
 * Calls fn with the members (a reply array) of sorted set `key` whose
 * scores lie in [min, max], in score order, a chunk at a time, until
 * they run out or fn returns -1.  0, or -1 if the store failed or fn
 * did (the call has then been answered).
 */
typedef int (*snms_scan_fn)(struct api_call *c, struct redisReply *members,
                            void *ctx);
int snms_scan(struct api_call *c, const char *key, long long min, long long max,
              snms_scan_fn fn, void *ctx);

/*
 * api_fail plus an audit entry of `action` on `target` whose result is
 * the message: for writes refused once their target is known.
 */
void snms_refuse(struct api_call *c, const char *action, const char *target,
                 int http, int status, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

#endif
