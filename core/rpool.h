/*
 * Per-worker Redis connection (hiredis async on the worker's event_base).
 *
 * Adds what hiredis 0.14 lacks: a deadline per command, a bound on
 * commands in flight, reconnection with backoff, a readiness probe
 * (PING) so a stalled Redis fails requests fast, and a watchdog that
 * drops a connection whose oldest command is long overdue.
 *
 * With `track` set it also keeps a subscriber connection that receives
 * Redis client-side-caching invalidations (CLIENT TRACKING BCAST) for
 * every key with one of those prefixes, whoever wrote it.
 *
 * Used only from the thread that owns `base`.
 */
#ifndef CORE_RPOOL_H
#define CORE_RPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "core/mhist.h"

struct event_base;
struct redisReply;
struct rpool;

enum rpool_status {
        RPOOL_OK = 0,
        RPOOL_TIMEOUT, /* the deadline passed; the reply will be dropped */
        RPOOL_DOWN,    /* the connection failed before the reply came */
};

/*
 * Called exactly once per accepted command.  `reply` is valid only
 * during the call and is NULL unless status is RPOOL_OK.
 */
typedef void (*rpool_cb)(void *arg, struct redisReply *reply,
                         enum rpool_status status);

#define RPOOL_MAX_TRACK 4

struct rpool_opts {
        const char *socket; /* unix socket path, or "" for host:port */
        /* Sent with AUTH on every connection first; NULL or "": none. */
        const char *password;
        const char *host;
        int port;
        int timeout_ms;
        int max_inflight;
        /* Key prefixes to track, NULL-ended; none: no tracking. */
        const char *track[RPOOL_MAX_TRACK];
        /* Called for each invalidated key, and with key NULL for "all". */
        void (*on_invalidate)(void *arg, const char *key, size_t len);
        /* Called each time the connection becomes ready (PING answered). */
        void (*on_ready)(void *arg);
        void *arg;
};

struct rpool_stats {
        uint64_t commands;
        uint64_t timeouts;
        uint64_t down_errors; /* commands refused or failed while down */
        uint64_t reconnects;
        uint64_t watchdog_drops;
        uint64_t invalidations;
        struct mhist latency; /* command sent -> reply, replies only */
};

/* Starts connecting at once. NULL on ENOMEM. Options are copied. */
struct rpool *rpool_new(struct event_base *base, const struct rpool_opts *o);
/* Fails every pending command (RPOOL_DOWN) and frees the pool. */
void rpool_free(struct rpool *p);

/*
 * Sends a command built from argv (binary-safe).  Returns 0 if accepted
 * (cb will run once), -1 if Redis is not ready or too many commands are
 * in flight (cb will not run).
 */
int rpool_command(struct rpool *p, rpool_cb cb, void *arg, int argc,
                  const char **argv, const size_t *argvlen);

/* 1 if commands are accepted now. */
int rpool_ready(const struct rpool *p);
void rpool_set_timeout(struct rpool *p, int timeout_ms);

/*
 * Cache validity token: 0 while invalidations cannot be trusted (no
 * tracking connection); otherwise a value that changes whenever an
 * invalidation arrives.  A reader caches a reply only if the token is
 * non-zero and unchanged between sending the command and the reply.
 */
uint64_t rpool_cache_epoch(const struct rpool *p);

void rpool_get_stats(const struct rpool *p, struct rpool_stats *s);

struct redisContext;
/*
 * For blocking connections (registry threads, idctl, imports): sends
 * AUTH with `password` when it is not empty.  0, or -1 with Redis's
 * reason in err (never the password).
 */
int rpool_auth_sync(struct redisContext *rc, const char *password, char *err,
                    size_t errlen);
size_t rpool_inflight(const struct rpool *p);

#endif
