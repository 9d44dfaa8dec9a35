/*
 * Usage statistics for operators and enterprises: the per-prefix counts,
 * unique clients and top identifiers ops/stats writes (registry/keys.h
 * st:{DAY}:...), read back by UTC period.
 *
 *   GET /api/stats?granularity=hour|day&from=&to=&prefix=&enterprise=
 *   GET /api/stats/top?day=&limit=&prefix=&enterprise=
 *
 * Operators and reviewers see every prefix (`enterprise` keeps the
 * prefixes whose record names that USCC); an enterprise user or
 * platform sees its own enterprise's prefixes only, and asking for
 * another's is 403 -3.  idctl stats prints the same figures.
 */
#ifndef REGISTRY_STATAPI_H
#define REGISTRY_STATAPI_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/period.h"

struct api_route;
struct redisContext;

#define STATAPI_MAX_HOURS 168
#define STATAPI_MAX_DAYS  31
#define STATAPI_MAX_TOP   100
/* Prefixes one answer may read, and (prefix, period) rows it may show. */
#define STATAPI_MAX_PREFIXES 10000
#define STATAPI_MAX_ROWS     20000
/* HyperLogLogs one union of unique clients may merge. */
#define STATAPI_MAX_MERGE 1024

struct statapi_query {
        enum period_unit unit;
        int64_t from, to;   /* first seconds of the first and last periods */
        const char *prefix; /* normalised; NULL: every prefix */
        const char *ent;    /* prefixes whose record names this USCC; NULL */
};

/*
 * The range of a report from what a client sent (NULL: not given):
 * granularity "hour" or "day" (default day), from and to in its text
 * form (period.h; default: the period holding `now`, and `to`).  At
 * most STATAPI_MAX_HOURS or _DAYS periods, from <= to.  0, or -1 with
 * err; q's other fields are left alone.
 */
int statapi_range(const char *granularity, const char *from, const char *to,
                  int64_t now, struct statapi_query *q, char *err,
                  size_t errlen);

enum statapi_status {
        STATAPI_OK,
        STATAPI_STORE,   /* Redis failed (err says how) */
        STATAPI_TOO_BIG, /* over STATAPI_MAX_PREFIXES or _ROWS (err) */
};

/*
 * {granularity, from, to, prefixes: [{prefix, enterprise, periods:
 * [{period, resolutions, notFound, errors, registrations,
 * uniqueClients}], total}], total} into *out (the caller's), periods
 * without counts left out.
 */
enum statapi_status statapi_report(struct redisContext *rc,
                                   const struct statapi_query *q, json_t **out,
                                   char *err, size_t errlen);

/*
 * {day, identifiers: [{handle, prefix, resolutions}]}: the `limit` most
 * resolved identifiers of the day (q->unit PERIOD_DAY, q->from the day;
 * q->to is ignored) among the prefixes in scope.
 */
enum statapi_status statapi_top(struct redisContext *rc,
                                const struct statapi_query *q, int limit,
                                json_t **out, char *err, size_t errlen);

const struct api_route *statapi_routes(size_t *n);

#endif
