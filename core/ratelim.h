/*
 * Abuse limits shared by every worker and registry thread: token
 * buckets by client address or enterprise, marks of addresses that
 * proved themselves (UDP amplification guard), and open-connection
 * counts by address.
 *
 * One table is made at start-up and shared by every thread for the
 * life of the process (it outlives every user).  Each slot is one
 * 64-bit word updated with compare-and-swap: no lock, no allocation.
 * A word holds a 16-bit tag of the key's hash and 48 bits of state (a
 * bucket's theoretical arrival time in 1/16 µs, a mark's expiry, or a
 * connection count).  A key's slot is one of RATELIM_WAYS consecutive
 * slots its hash picks:
 *  - a bucket that is full again (its time has passed) or an expired
 *    mark is free: taking it loses nothing;
 *  - when all of them are in use, a bucket shares the one its tag names
 *    (aliasing: two addresses then draw from one bucket, never from
 *    more), a mark replaces that one (its address is unproven again),
 *    and a connection is let through uncounted;
 *  - two keys with the same slot and tag share the slot (1 in 65536 for
 *    two keys that meet in a window).
 * Each case is counted (ratelim_get_stats).  The hash is keyed with a
 * random seed, so clients cannot choose addresses that collide.
 *
 * Addresses are IPv4 addresses or IPv6 /64 networks (one subscriber);
 * IPv4-mapped IPv6 counts as IPv4; loopback is an address like others.
 */
#ifndef CORE_RATELIM_H
#define CORE_RATELIM_H

#include <stddef.h>
#include <stdint.h>

struct config;
struct sockaddr;
struct ratelim;

/* What a bucket counts; each has its own rate/burst keys (config.c). */
enum ratelim_class {
        RL_UDP,       /* Handle requests over UDP, by address */
        RL_UDP_BUSY,  /* SERVER_BUSY answers to a limited UDP address */
        RL_TCP,       /* Handle requests over TCP, by address */
        RL_HTTP,      /* HTTP requests on the public port, by address */
        RL_REGISTRY,  /* registry (SNMS) API calls, by address */
        RL_TRACE,     /* anonymous trace and recall calls, by address */
        RL_ENT_WRITE, /* registry writes, by enterprise */
        RL_CLASSES
};

/* Marks and connection counts (same table, their own keys). */
enum ratelim_kind { RL_PROVEN = RL_CLASSES, RL_CONN_TCP, RL_CONN_HTTP };

#define RATELIM_WAYS 8

struct ratelim_rule {
        uint32_t rate;  /* per second; 0: no limit */
        uint32_t burst; /* taken at once by a new key (>= 1) */
};

struct ratelim_stats {
        uint64_t aliased; /* a bucket shared because its window was full */
        uint64_t marks_evicted;  /* a live mark replaced */
        uint64_t conn_untracked; /* a connection let through uncounted */
        uint64_t contended;      /* gave up after repeated CAS failures */
};

/*
 * A table of `slots` words (rounded up to a power of two) for each of
 * buckets, marks and connection counts; NULL: ENOMEM.
 */
struct ratelim *ratelim_new(size_t slots);
void ratelim_free(struct ratelim *rl);

/* The key of an address (IPv4, or an IPv6 /64); 0 for other families. */
uint64_t ratelim_addr_key(const struct sockaddr *sa);
/* The key of a name (an enterprise's USCC). */
uint64_t ratelim_name_key(const char *s, size_t len);

/* The rule of `cls` in `cfg`. */
struct ratelim_rule ratelim_rule_of(const struct config *cfg,
                                    enum ratelim_class cls);

/*
 * Takes one token from key's bucket of class `cls`.  1: allowed; 0:
 * over the limit, with the wait until the next token in *retry_ms (at
 * least 1).  A rule with rate 0 always allows.
 */
int ratelim_take(struct ratelim *rl, enum ratelim_class cls, uint64_t key,
                 struct ratelim_rule rule, uint64_t now_us, uint64_t *retry_ms);

/* Marks key (RL_PROVEN) for ttl_us from now; ratelim_marked tests it. */
void ratelim_mark(struct ratelim *rl, enum ratelim_kind kind, uint64_t key,
                  uint64_t now_us, uint64_t ttl_us);
int ratelim_marked(struct ratelim *rl, enum ratelim_kind kind, uint64_t key,
                   uint64_t now_us);

/*
 * Counts one more connection of key (kind RL_CONN_*) if fewer than
 * `cap` are open.  1: allowed, and *hold is what ratelim_conn_close
 * takes when it closes (NULL: not counted; cap 0 counts nothing); 0:
 * refused.
 */
int ratelim_conn_open(struct ratelim *rl, enum ratelim_kind kind, uint64_t key,
                      unsigned cap, void **hold);
void ratelim_conn_close(void *hold);

void ratelim_get_stats(const struct ratelim *rl, struct ratelim_stats *s);

#endif
