/*
 * The audit log: one entry per registry write (who, role, enterprise,
 * action, target, result, client address), appended to the Redis stream
 * KEYS_AUDIT, trimmed to about audit_max_entries, read newest first.
 */
#ifndef REGISTRY_AUDIT_H
#define REGISTRY_AUDIT_H

#include <stddef.h>

#include <jansson.h>

struct redisContext;

#define AUDIT_MAX_PAGE 1000  /* entries per page */
#define AUDIT_MAX_SCAN 20000 /* entries one page may read to filter */
#define AUDIT_ID_MAX   48    /* "1700000000000-123" and then some */

struct audit_entry {
        const char *who, *role, *ent; /* ent "" for staff */
        const char *action, *target, *result, *addr;
};

/*
 * Queues the XADD of `e` on `rc` (pipelined: read its reply with
 * redisGetReply).  0, or -1 if hiredis could not queue it.
 */
int audit_append(struct redisContext *rc, long max_entries,
                 const struct audit_entry *e);

struct audit_query {
        const char *before; /* an entry id: start strictly older; NULL = now */
        int count;          /* 1..AUDIT_MAX_PAGE */
        /* Filters, exact match; NULL = any. */
        const char *action, *target, *ent, *who;
};

/* 1 if `id` looks like a stream entry id (digits, optional -digits). */
int audit_valid_id(const char *id);

/*
 * One page, newest first: {"entries":[{id,time,who,role,enterprise,
 * action,target,result,addr}], "next": id or null}.  `next` is where the
 * following page starts (`before`), null when the stream is exhausted.
 * NULL with err on a store failure.
 */
json_t *audit_page(struct redisContext *rc, const struct audit_query *q,
                   char *err, size_t errlen);

struct api_route;

/* GET /snms/api/audit: pages for operators, reviewers and enterprises. */
const struct api_route *audit_routes(size_t *n);

#endif
