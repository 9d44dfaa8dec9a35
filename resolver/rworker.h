/*
 * One worker's resolution service: its listeners (UDP, TCP, HTTP), its
 * Redis pool, its record cache and its counters, all on the worker's
 * event_base and touched only from that thread.
 *
 * The struct is shared by the resolver modules (udp, tcp, web, hproto,
 * lookup) and opaque to everything outside resolver/.
 */
#ifndef RESOLVER_RWORKER_H
#define RESOLVER_RWORKER_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/cur.h"
#include "core/httpd.h"
#include "core/mhist.h"
#include "core/rpool.h"
#include "resolver/cache.h"
#include "resolver/upstream.h"
#include "core/hname.h"
#include "registry/pfx.h"
#include "registry/store.h"

struct config;
struct sockaddr;
struct tally;
struct worker;
struct cache;
struct hrec;
struct tconn;
struct ssl_ctx_st;
struct evp_pkey_st;
struct api;

/*
 * Handle answers are counted by transport, opcode and response code:
 * the opcodes and codes of these tables get their own counters, every
 * other one is counted in the last slot.
 */
#define RSTAT_OPS   3
#define RSTAT_CODES 10
extern const uint32_t rstat_opcodes[RSTAT_OPS - 1];
extern const uint32_t rstat_codes[RSTAT_CODES - 1];

/* Where /api/resolve (resolver/gateway) found its answers. */
enum rstat_hetero {
        RSTAT_HETERO_MAPPING,  /* the idmap table, a code or company prefix */
        RSTAT_HETERO_CACHE,    /* the worker's cache of DNS answers */
        RSTAT_HETERO_DNS,      /* NAPTR records looked up */
        RSTAT_HETERO_NOTFOUND, /* NXDOMAIN, no NAPTR, no zone */
        RSTAT_HETERO_TIMEOUT,  /* the DNS servers did not answer */
        RSTAT_HETERO_FAILED,   /* DNS failure, NAPTR loop, Redis down */
        RSTAT_HETERO
};
extern const char *const rstat_hetero_names[RSTAT_HETERO];

/* Counters of one worker, summed across workers when read. */
struct rstats {
        uint64_t answers[2][RSTAT_OPS][RSTAT_CODES]; /* [enum hsrc_kind] */
        struct mhist latency[2]; /* request received -> answer sent */
        uint64_t udp_requests;
        uint64_t tcp_requests;
        uint64_t http_requests;
        uint64_t tcp_accepted;
        uint64_t tcp_rejected; /* over max_connections */
        uint64_t tcp_idle_closed;
        uint64_t busy; /* answered SERVER_BUSY / 503 */
        uint64_t protocol_errors;
        uint64_t udp_fragmented;    /* responses sent in several datagrams */
        uint64_t dropped_responses; /* requests that were responses */
        /* Abuse limits (resolver/guard). */
        uint64_t udp_limited;       /* over the rate: answered SERVER_BUSY */
        uint64_t udp_limit_dropped; /* over the rate and its busy answers */
        uint64_t tcp_limited;       /* over the rate: answered SERVER_BUSY */
        uint64_t tcp_addr_refused;  /* over limit_tcp_conns_per_addr */
        uint64_t udp_amp_refused;   /* too large for an unproven address */
        /* /api/resolve answers by source (enum rstat_hetero) */
        uint64_t hetero[RSTAT_HETERO];
};

struct rworker {
        struct worker *w;
        struct event_base *base;
        struct config *cfg; /* a reference held by this worker */
        struct rpool *redis;
        struct cache *cache;
        struct wbuf out;              /* response scratch, reused per request */
        uint8_t site[1024];           /* an RSA 3072 server key fits */
        struct evp_pkey_st *node_key; /* signs CT answers, or NULL (owned) */
        size_t site_len;
        int udp_fd;
        struct event *udp_ev;
        struct evconnlistener *tcp_lis;
        struct tconn *conns; /* open TCP connections */
        size_t nconns;
        struct httpd *httpd;
        struct ssl_ctx_st *tls; /* a reference; NULL: no HTTPS listener */
        struct event *drain_ev;
        struct event *open_ev; /* until the listeners are opened */
        void (*drained)(void *);
        void *drained_arg;
        struct rstats st;
        uint64_t access_seq; /* answers, for access_log_sample */
        struct tally *tally; /* usage statistics, or NULL (borrowed) */
        struct api *api;     /* registry calls (borrowed), or NULL */
        size_t auth_pending; /* challenges waiting (resolver/hauth) */
        size_t auth_bytes;   /* bytes of the requests they guard */
        struct ratelim *lim; /* abuse limits, or NULL (borrowed, shared) */
        /* c-ares channel, only when DNS is configured (rworker_dns_wanted) */
        struct dns *dns;
        struct peername *peers; /* peer_names, or NULL */
        struct gateway *gw;     /* heterogeneous identifiers' answer cache */
        struct upstream *up;    /* recursion to other nodes */
        struct event *homed_ev; /* re-reads the homed prefixes */
};

/*
 * Creates the worker's resolver on w's base, binding its own
 * SO_REUSEPORT listeners, HTTPS too when `tls` is set (certs/tls).
 * Takes a reference on cfg and on tls.  NULL with err filled on failure.
 */
struct rworker *rworker_new(struct worker *w, struct config *cfg,
                            struct ssl_ctx_st *tls, char *err, size_t errlen);
/* Closes every connection and frees everything (on the worker's thread
 * after its loop ended, or before it started). */
void rworker_free(struct rworker *rw);
/*
 * Stops taking new work (listeners paused, UDP no longer read) and calls
 * drained(arg) on this worker's thread once no command waits on Redis,
 * so requests in flight get their real answers before the node stops.
 */
void rworker_drain(struct rworker *rw, void (*drained)(void *), void *arg);
/* Applies a reloaded config (takes a reference, drops the old one). */
void rworker_reload(struct rworker *rw, struct config *cfg);
/*
 * New HTTPS connections use `tls` (takes a reference, drops the old
 * one; open connections keep theirs).  Ignored without an HTTPS listener.
 */
void rworker_set_tls(struct rworker *rw, struct ssl_ctx_st *tls);
/* Servers configured by name (resolver/peername), or NULL. */
struct peername *rworker_peers(struct rworker *rw);
/* The worker's Redis pool and HTTP server, for other layers' routes. */
struct rpool *rworker_redis(struct rworker *rw);
struct httpd *rworker_httpd(struct rworker *rw);
/* Everything a worker counts, copied on its thread (ops/ reads it). */
struct rworker_sample {
        struct rstats st;
        struct cache_stats cache;
        struct rpool_stats redis;
        struct httpd_stats http;
        struct upstream_stats up;
        size_t tcp_conns;
        size_t redis_inflight;
        int redis_ready;
};
void rworker_sample(const struct rworker *rw, struct rworker_sample *s);
/* Counts one Handle answer (kind: enum hsrc_kind). */
void rworker_count_answer(struct rworker *rw, int kind, uint32_t opcode,
                          uint32_t rc, uint64_t us);
/*
 * Where resolutions are counted by prefix, identifier and client (the
 * usage statistics, ops/stats); NULL: nowhere.  Borrowed: it must
 * outlive rw.
 */
void rworker_set_tally(struct rworker *rw, struct tally *t);
/*
 * The registry this worker's Handle admin requests run on (borrowed:
 * it must outlive rw); NULL: they are answered busy.
 */
void rworker_set_api(struct rworker *rw, struct api *api);
/*
 * The abuse-limit table shared by every worker (NULL: no limits).
 * Borrowed: it must outlive rw.
 */
struct ratelim;
void rworker_set_limits(struct rworker *rw, struct ratelim *lim);
/* Counts one answered resolution of the normalised `name` (any transport). */
void rworker_count_resolution(struct rworker *rw, const char *name, size_t len,
                              uint32_t rc, const struct sockaddr *client);

/* A lookup in flight, embedded in the front end's request object. */
struct lookup;
/*
 * Called once with a record (borrowed: valid during the call only; the
 * callee may memoise renderings in it) or NULL, and a Handle response
 * code: RC_SUCCESS (the handle's values), RC_SERVICE_REFERRAL (the
 * handle is not here and its prefix is served by an enterprise node:
 * the record holds that node's HS_SITE value), RC_HANDLE_NOT_FOUND,
 * RC_SERVER_BUSY or RC_ERROR.  It may free the object embedding lk.
 */
typedef void (*lookup_done_fn)(struct lookup *lk, struct hrec *rec,
                               uint32_t rc);

struct lookup {
        struct store_fetch fetch; /* first: store callbacks cast back */
        struct pfx_fetch pfx;
        struct rworker *rw;
        lookup_done_fn done;
        uint64_t epoch;
        int refer;            /* a referral may answer (the client allows it) */
        int from_prefix;      /* the record is known absent: ask the prefix */
        uint8_t hops;         /* the request's recursion count (upstream) */
        struct lookup *unext; /* waiting on the same upstream query */
        size_t namelen;
        char name[HNAME_MAX + 1]; /* normalised */
};

/*
 * Cache probe for a checked name.  Returns the response code to answer
 * with now, *rec set as lookup_done_fn describes (owned by the cache,
 * valid until the next cache use), or 0 if Redis must be asked: then
 * *from_prefix is what lookup_init needs.  `refer` 0 (the client set
 * DNRF / doNotRefer) never answers with a referral.
 */
uint32_t lookup_cached(struct rworker *rw, const char *name, size_t len,
                       int refer, struct hrec **rec, int *from_prefix);
/* Prepares lk for lookup_fetch with a checked name. */
void lookup_init(struct lookup *lk, const char *name, size_t len, int refer,
                 int from_prefix);
/*
 * Asks Redis: the record, and when it does not exist and referrals are
 * allowed, the prefix's record.  Returns 0 if done will run later, -1
 * (done not run) if Redis cannot take the request now.
 */
int lookup_fetch(struct rworker *rw, struct lookup *lk, lookup_done_fn done);

#endif
