/*
 * The node's counters, summed over its workers and rendered in the
 * Prometheus text exposition format (version 0.0.4).  Names, types and
 * labels are listed in docs/operations.md.
 */
#ifndef OPS_METRICS_H
#define OPS_METRICS_H

#include <stdint.h>

#include "ops/stats.h"
#include "registry/api.h"
#include "resolver/rworker.h"

struct evbuffer;

/* All workers' counters added up. */
struct metrics_sum {
        struct rworker_sample rs; /* gauges summed too */
        struct api_stats api;
        struct stats_counters stats;
        int workers;
        int redis_ready_workers;
};

void metrics_add(struct metrics_sum *sum, const struct rworker_sample *rs,
                 const struct api_stats *as, const struct stats_counters *ss);
/* Registry writes only (the admin's own, from the dashboard). */
void metrics_add_api(struct metrics_sum *sum, const struct api_stats *as);

/* Process facts rendered with the counters. */
struct metrics_info {
        const char *version;
        long long start_unix;
};

/* Appends the exposition. */
void metrics_render(struct evbuffer *out, const struct metrics_sum *sum,
                    const struct metrics_info *info);

#endif
