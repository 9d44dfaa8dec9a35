/* idctl stats: the usage statistics, read from Redis. */
#include "ops/ctl.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>
#include <jansson.h>

#include "core/period.h"
#include "registry/pfx.h"
#include "registry/statapi.h"

/* The figures of one row of `idctl stats`. */
static void
stats_line(const char *period, const char *prefix, const char *ent,
           const json_t *f)
{
        printf(
            "%-14s %-16s %-19s %11lld %9lld %7lld %13lld %13lld\n", period,
            prefix, ent ? ent : "-",
            (long long)json_integer_value(json_object_get(f, "resolutions")),
            (long long)json_integer_value(json_object_get(f, "notFound")),
            (long long)json_integer_value(json_object_get(f, "errors")),
            (long long)json_integer_value(json_object_get(f, "registrations")),
            (long long)json_integer_value(json_object_get(f, "uniqueClients")));
}

static void
stats_print(const json_t *report, const json_t *top)
{
        const json_t *p, *r, *t = json_object_get(report, "total");
        size_t i, k;

        printf("%-14s %-16s %-19s %11s %9s %7s %13s %13s\n", "period", "prefix",
               "enterprise", "resolutions", "notFound", "errors",
               "registrations", "uniqueClients");
        json_array_foreach(json_object_get(report, "prefixes"), i, p)
        {
                const char *name =
                    json_string_value(json_object_get(p, "prefix"));
                const char *ent =
                    json_string_value(json_object_get(p, "enterprise"));

                json_array_foreach(json_object_get(p, "periods"), k, r)
                    stats_line(json_string_value(json_object_get(r, "period")),
                               name, ent, r);
        }
        stats_line("total", "", "", t);
        if (json_is_true(json_object_get(t, "uniqueClientsSummed")))
                printf("# uniqueClients of the total is the sum over the "
                       "prefixes (too many to merge)\n");
        if (!top)
                return;
        printf("\ntop identifiers of %s\n",
               json_string_value(json_object_get(top, "day")));
        json_array_foreach(json_object_get(top, "identifiers"), i, p) printf(
            "%4zu %11lld  %s\n", i + 1,
            (long long)json_integer_value(json_object_get(p, "resolutions")),
            json_string_value(json_object_get(p, "handle")));
}

/*
 * stats [--day D | --hour H] [--prefix P] [--enterprise USCC] [--top N]
 *       [--json]: the usage statistics of one day (today by default) or
 * hour, as GET /api/stats shows an operator.
 */
int
ctl_stats(const struct config *cfg, int argc, char **argv)
{
        const char *day = NULL, *hour = NULL, *prefix = NULL, *ent = NULL;
        char pfx[PFX_MAX + 1], uscc[32], err[256];
        struct statapi_query q;
        json_t *report = NULL, *top = NULL;
        enum statapi_status st;
        redisContext *rc;
        int i, ntop = 0, as_json = 0;
        const char **opt;

        for (i = 0; i < argc; i++) {
                opt = strcmp(argv[i], "--day") == 0          ? &day
                      : strcmp(argv[i], "--hour") == 0       ? &hour
                      : strcmp(argv[i], "--prefix") == 0     ? &prefix
                      : strcmp(argv[i], "--enterprise") == 0 ? &ent
                                                             : NULL;
                if (strcmp(argv[i], "--json") == 0) {
                        as_json = 1;
                } else if (strcmp(argv[i], "--top") == 0 && i + 1 < argc) {
                        ntop = atoi(argv[++i]);
                        if (ntop < 1 || ntop > STATAPI_MAX_TOP) {
                                fprintf(stderr, "idctl: --top is 1-%d\n",
                                        STATAPI_MAX_TOP);
                                return 2;
                        }
                } else if (opt && i + 1 < argc) {
                        *opt = argv[++i];
                } else {
                        fprintf(stderr, "idctl: unexpected argument %s\n",
                                argv[i]);
                        return 2;
                }
        }
        memset(&q, 0, sizeof(q));
        if ((day && hour) ||
            statapi_range(hour ? "hour" : "day", hour ? hour : day,
                          hour ? hour : day, (int64_t)time(NULL), &q, err,
                          sizeof(err)) < 0) {
                fprintf(stderr, "idctl: give --day 2026-11-23 or --hour "
                                "2026-11-23T14, not both\n");
                return 2;
        }
        if (prefix && pfx_normalise(prefix, strlen(prefix), pfx) < 0) {
                fprintf(stderr, "idctl: --prefix: not a prefix\n");
                return 2;
        }
        q.prefix = prefix ? pfx : NULL;
        if (ent) { /* a USCC is stored upper case */
                snprintf(uscc, sizeof(uscc), "%s", ent);
                for (i = 0; uscc[i]; i++)
                        uscc[i] = (char)toupper((unsigned char)uscc[i]);
                q.ent = uscc;
        }
        if (!(rc = ctl_redis(cfg)))
                return 1;
        st = statapi_report(rc, &q, &report, err, sizeof(err));
        if (st == STATAPI_OK && ntop) {
                q.from = period_floor(q.from, PERIOD_DAY);
                st = statapi_top(rc, &q, ntop, &top, err, sizeof(err));
        }
        redisFree(rc);
        if (st != STATAPI_OK) {
                fprintf(stderr, "idctl: %s\n", err);
                json_decref(report);
                return 1;
        }
        if (as_json) {
                json_object_set(report, "top", top ? top : json_null());
                json_dumpf(report, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
                putchar('\n');
        } else {
                stats_print(report, top);
        }
        json_decref(report);
        json_decref(top);
        return 0;
}
