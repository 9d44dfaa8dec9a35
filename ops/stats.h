/*
 * Usage statistics of one worker: it owns the worker's tally
 * (core/tally), which the resolver and the registry count into, and
 * sends it to Redis every stats_flush_ms, and when a UTC hour ends (an
 * interval never spans two hours), on the worker's own Redis pool.
 *
 * A flush is a few Lua scripts whatever the traffic (the counts, the
 * client addresses, the top identifiers; each cut into commands of at
 * most STATS_BATCH_ARGS arguments so none holds Redis long), sent in one
 * go and never retried: a flush that fails (Redis down, the pool full,
 * an error reply) is counted and logged, and its counts are lost.  The
 * key layout is registry/keys.h's st:{DAY}:... keys.
 *
 * Lives on the worker's thread; created before it starts and freed
 * after it stopped and after the pool it sends on was freed (the pool
 * runs the callbacks of the commands still in flight).
 */
#ifndef OPS_STATS_H
#define OPS_STATS_H

#include <stdint.h>

#include "core/tally.h"

struct config;
struct event_base;
struct rpool;
struct stats;

/* What /metrics shows of a worker's statistics. */
struct stats_counters {
        uint64_t flushes; /* sent and acknowledged */
        uint64_t failed;  /* at least one command of the flush failed */
        struct tally_overflow overflow;
};

/*
 * Takes a reference on cfg (the limits stats_max_* are read once; the
 * rest at each flush).  The first flush is stats_flush_ms away.  NULL
 * on ENOMEM.
 */
struct stats *stats_new(struct event_base *base, struct rpool *redis,
                        struct config *cfg, int worker_id);
void stats_free(struct stats *s);

/* The tally to count into (owned by s). */
struct tally *stats_tally(struct stats *s);

/*
 * A reloaded config (takes a reference); a shorter stats_flush_ms
 * brings the next flush forward.
 */
void stats_reload(struct stats *s, struct config *cfg);

/*
 * The worker is draining: flushes what was counted now, stops the
 * timer, and calls done(arg) on this thread once that flush's commands
 * were answered or failed (at once if there was nothing to send).
 */
void stats_final(struct stats *s, void (*done)(void *), void *arg);

void stats_get_counters(const struct stats *s, struct stats_counters *c);

#endif
