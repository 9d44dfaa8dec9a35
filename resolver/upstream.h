/*
 * Upstream (recursive) resolution of handles this node does not home
 * (docs/federation.md): the prefix's site is asked of the top-level
 * node (`0.NA/<prefix>`, following PREFIX_REFERRALs), the handle of a
 * server of that site chosen by the protocol's hash, SERVICE_REFERRALs
 * followed up to upstream_max_hops, over UDP with retries and TCP when
 * UDP fails or the answer does not fit.  Everything runs on the
 * worker's event_base; nothing blocks.
 *
 * Answers are cached per worker and in Redis (`c:{NAME}`, shared by the
 * workers and by other instances), for their values' TTL capped by
 * upstream_ttl_max_s; "not found" for upstream_negative_ttl_s.  An entry
 * is kept upstream_stale_s longer and served when upstream fails.
 * Concurrent misses for one name from clients wait on one query.  Each
 * server has a health score; one that failed is skipped for a while.
 *
 * One struct upstream per worker, owned by its rworker.
 */
#ifndef RESOLVER_UPSTREAM_H
#define RESOLVER_UPSTREAM_H

#include <stddef.h>
#include <stdint.h>

struct config;
struct hrec;
struct lookup;
struct rworker;
struct upstream;

#define UPSTREAM_MAX_SERVERS 32 /* servers whose health one worker keeps */
#define UPSTREAM_ADDR_TEXT   56

/* How upstream queries ended (one count per query sent to a server). */
enum upstream_outcome {
        UPO_ANSWER,    /* SUCCESS or another final answer */
        UPO_NOT_FOUND, /* HANDLE_NOT_FOUND from the authoritative node */
        UPO_REFERRAL,  /* a referral, followed */
        UPO_TIMEOUT,   /* no answer in time (after the retries) */
        UPO_ERROR,     /* refused, malformed, or an error code */
        UPO_LOOP,      /* RECURSION_COUNT_TOO_HIGH */
        UPO_N
};

struct upstream_server {
        char addr[UPSTREAM_ADDR_TEXT]; /* "ip:port" */
        int score;                     /* 0 (dead) .. 100 */
        uint64_t answers, failures;
};

/* Counters of one worker (ops/metrics sums them). */
struct upstream_stats {
        uint64_t outcomes[UPO_N];
        uint64_t udp_sent, tcp_sent, tcp_fallbacks;
        uint64_t hits, misses; /* the per-worker cache of foreign answers */
        uint64_t redis_hits;   /* misses answered from c:{NAME} */
        uint64_t stale;        /* stale answers served on failure */
        uint64_t coalesced;    /* misses that waited on a query in flight */
        uint64_t failed;       /* resolutions answered SERVER_NOT_RESP */
        uint64_t inflight;
        size_t nservers;
        struct upstream_server servers[UPSTREAM_MAX_SERVERS];
};

/* NULL on no memory.  Reads cfg at each use (rworker_reload swaps it). */
struct upstream *upstream_new(struct rworker *rw);
/*
 * Answers every resolution in flight with SERVER_BUSY and stops taking
 * new ones (the worker is stopping); then frees.
 */
void upstream_free(struct upstream *up);
/* Resolutions in flight (the worker drains them before stopping). */
size_t upstream_inflight(const struct upstream *up);
void upstream_get_stats(const struct upstream *up, struct upstream_stats *s);
/* The prefixes homed by OC_HOME_NA as last read: their number. */
size_t upstream_homed(struct upstream *up, char (**pfx)[65]);
/* The homed-prefix list was re-read: `n` prefixes (normalised). */
void upstream_set_homed(struct upstream *up, char (*pfx)[65], size_t n);

/*
 * 1 if the normalised `name` is answered from upstream (recursion) or
 * with a referral there: an upstream is configured, this node is not
 * the top-level node, and the name's prefix (for `0.NA/P`: P) is not
 * homed here (node_prefix, OC_HOME_NA) nor derived from one.
 */
int upstream_foreign(struct upstream *up, const char *name, size_t len);
/*
 * 1 if this node homes prefix `pfx` (normalised): it is node_prefix or
 * homed by OC_HOME_NA, or (exact 0) derived from one of them.
 */
int upstream_homes(const struct upstream *up, const char *pfx, int exact);
/*
 * For a client that did not ask for recursion: RC_SERVICE_REFERRAL with
 * the HS_SITE values of the name's prefix if they are cached, else
 * RC_PREFIX_REFERRAL with an HS_SITE.PREFIX naming the top-level
 * servers.  *rec is owned by up, valid until the next call.
 */
uint32_t upstream_referral(struct upstream *up, const char *name, size_t len,
                           struct hrec **rec);
/*
 * Cache probe: the response code to answer with now (*rec owned by the
 * cache, valid until the next cache use), or 0 if a query is needed.
 * RECURSION_COUNT_TOO_HIGH when `hops` (the request's recursion count)
 * already reached upstream_max_hops.
 */
uint32_t upstream_cached(struct upstream *up, const char *name, size_t len,
                         uint8_t hops, struct hrec **rec);
/*
 * Resolves lk->name upstream (lk prepared by lookup_init; lk->hops the
 * request's recursion count).  `site`: the HS_SITE values to ask (a
 * referral of this node's own), or NULL to find the site through the
 * top-level node; read during the call only.  done runs later, exactly
 * once, with RC_SUCCESS, RC_HANDLE_NOT_FOUND, RC_VALUES_NOT_FOUND,
 * RC_SERVER_NOT_RESP, RC_RECURSION_COUNT_TOO_HIGH or RC_ERROR.  -1
 * (done not run) if too many resolutions are in flight.
 */
int upstream_fetch(struct rworker *rw, struct lookup *lk,
                   const struct hrec *site,
                   void (*done)(struct lookup *, struct hrec *, uint32_t));

#endif
