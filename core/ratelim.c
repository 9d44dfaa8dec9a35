#include "core/ratelim.h"

#include <netinet/in.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "core/clock.h"
#include "core/config.h"

#define RL_STATE_BITS 48
#define RL_STATE_MASK ((UINT64_C(1) << RL_STATE_BITS) - 1)
/* Bucket times are in 1/16 µs, so a rate of 100000/s keeps 0.1% accuracy. */
#define RL_TICKS_PER_US 16
#define RL_TICKS_PER_S  (UINT64_C(1000000) * RL_TICKS_PER_US)
/*
 * A live time is at most this far ahead (a bucket's burst tolerance or
 * a mark's lifetime, far less than 2^47 ticks = 101 days); one further
 * ahead is left over from before the 48-bit clock wrapped: free.
 */
#define RL_AHEAD_MAX (UINT64_C(1) << 46)
/* CAS attempts before letting a request through (never seen in practice). */
#define RL_CAS_TRIES 16

struct ratelim {
        _Atomic uint64_t *slot; /* buckets */
        _Atomic uint64_t *mark; /* proven marks: apart, so evicting one never
                                   resets a bucket */
        _Atomic uint64_t *conn; /* connection counts */
        size_t mask;
        uint64_t seed;
        uint64_t t0_us;
        /* Rare events only: an atomic add here is off the hot path. */
        _Atomic uint64_t aliased, marks_evicted, conn_untracked, contended;
};

struct ratelim *
ratelim_new(size_t slots)
{
        struct ratelim *rl = calloc(1, sizeof(*rl));
        size_t n = RATELIM_WAYS;

        while (n < slots && n < ((size_t)1 << 30))
                n <<= 1;
        if (!rl || !(rl->slot = calloc(n, sizeof(*rl->slot))) ||
            !(rl->mark = calloc(n, sizeof(*rl->mark))) ||
            !(rl->conn = calloc(n, sizeof(*rl->conn)))) {
                ratelim_free(rl);
                return NULL;
        }
        rl->mask = n - 1;
        if (getrandom(&rl->seed, sizeof(rl->seed), 0) != sizeof(rl->seed))
                rl->seed = clock_us() * UINT64_C(0x9e3779b97f4a7c15);
        /* Time 0 would read as an empty slot's: start one second in. */
        rl->t0_us = clock_us() - 1000000;
        return rl;
}

void
ratelim_free(struct ratelim *rl)
{
        if (!rl)
                return;
        free((void *)rl->slot);
        free((void *)rl->mark);
        free((void *)rl->conn);
        free(rl);
}

uint64_t
ratelim_addr_key(const struct sockaddr *sa)
{
        static const uint8_t mapped[12] = {0, 0, 0, 0, 0,    0,
                                           0, 0, 0, 0, 0xff, 0xff};
        const uint8_t *a;
        uint64_t k = 0;
        int i;

        if (sa->sa_family == AF_INET) {
                a = (const uint8_t *)&(
                        (const struct sockaddr_in *)(const void *)sa)
                        ->sin_addr;
        } else if (sa->sa_family == AF_INET6) {
                a = ((const struct sockaddr_in6 *)(const void *)sa)
                        ->sin6_addr.s6_addr;
                if (memcmp(a, mapped, sizeof(mapped)) != 0) {
                        for (i = 0; i < 8; i++) /* the /64 */
                                k = k << 8 | a[i];
                        return k ^ UINT64_C(0x6000000000000000);
                }
                a += 12;
        } else {
                return 0;
        }
        /* ffff:ffff::/32 is unassigned: IPv4 keys live there. */
        return UINT64_C(0xffffffff00000000) | (uint64_t)a[0] << 24 |
               (uint64_t)a[1] << 16 | (uint64_t)a[2] << 8 | a[3];
}

uint64_t
ratelim_name_key(const char *s, size_t len)
{
        uint64_t h = UINT64_C(0xcbf29ce484222325); /* FNV-1a */
        size_t i;

        for (i = 0; i < len; i++)
                h = (h ^ (uint8_t)s[i]) * UINT64_C(0x100000001b3);
        return h;
}

/* Where each class's rate and burst live in the config. */
static const struct {
        size_t rate, burst;
} rules[RL_CLASSES] = {
    [RL_UDP] = {offsetof(struct config, limit_udp_rate),
                offsetof(struct config, limit_udp_burst)},
    /* Busy answers come one at a time: the burst is the rate. */
    [RL_UDP_BUSY] = {offsetof(struct config, limit_udp_busy_rate),
                     offsetof(struct config, limit_udp_busy_rate)},
    [RL_TCP] = {offsetof(struct config, limit_tcp_rate),
                offsetof(struct config, limit_tcp_burst)},
    [RL_HTTP] = {offsetof(struct config, limit_http_rate),
                 offsetof(struct config, limit_http_burst)},
    [RL_REGISTRY] = {offsetof(struct config, limit_registry_rate),
                     offsetof(struct config, limit_registry_burst)},
    [RL_TRACE] = {offsetof(struct config, limit_trace_rate),
                  offsetof(struct config, limit_trace_burst)},
    [RL_ENT_WRITE] = {offsetof(struct config, limit_ent_write_rate),
                      offsetof(struct config, limit_ent_write_burst)},
};

struct ratelim_rule
ratelim_rule_of(const struct config *cfg, enum ratelim_class cls)
{
        const char *base = (const char *)cfg;
        struct ratelim_rule r = {0, 1};
        int rate, burst;

        if ((unsigned)cls >= RL_CLASSES)
                return r;
        memcpy(&rate, base + rules[cls].rate, sizeof(rate));
        memcpy(&burst, base + rules[cls].burst, sizeof(burst));
        r.rate = rate > 0 ? (uint32_t)rate : 0;
        r.burst = burst > 0 ? (uint32_t)burst : 1;
        return r;
}

/* splitmix64's finaliser over the seeded key and its class. */
static uint64_t
ratelim_hash(const struct ratelim *rl, unsigned kind, uint64_t key)
{
        uint64_t h = key ^ rl->seed ^ (kind + 1) * UINT64_C(0x9e3779b97f4a7c15);

        h = (h ^ (h >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
        h = (h ^ (h >> 27)) * UINT64_C(0x94d049bb133111eb);
        return h ^ (h >> 31);
}

static uint64_t
ratelim_tag(uint64_t h)
{
        uint64_t tag = h >> RL_STATE_BITS;

        return (tag ? tag : 1) << RL_STATE_BITS;
}

/* The window of hash h in `base`: RATELIM_WAYS words, aligned. */
static _Atomic uint64_t *
ratelim_window(const struct ratelim *rl, _Atomic uint64_t *base, uint64_t h)
{
        return base + ((size_t)h & rl->mask & ~(size_t)(RATELIM_WAYS - 1));
}

static uint64_t
ratelim_now(const struct ratelim *rl, uint64_t now_us)
{
        return ((now_us - rl->t0_us) * RL_TICKS_PER_US) & RL_STATE_MASK;
}

/* How far time `t` (48 bits) is ahead of `now`; <= 0 if not ahead. */
static int64_t
ratelim_ahead(uint64_t t, uint64_t now)
{
        uint64_t d = (t - now) & RL_STATE_MASK;

        /* Sign-extend the 48-bit difference. */
        if (d & (UINT64_C(1) << (RL_STATE_BITS - 1)))
                return (int64_t)(d | ~RL_STATE_MASK);
        return (int64_t)d;
}

/* A time word that is in use (ahead of now, and not a wrapped one). */
static int
ratelim_live(uint64_t w, uint64_t now)
{
        int64_t a = ratelim_ahead(w & RL_STATE_MASK, now);

        return w != 0 && a > 0 && (uint64_t)a < RL_AHEAD_MAX;
}

/*
 * The slot of a time-word key: its own, else a free one, else (*own 0)
 * the one its tag names, so that a key always shares the same bucket
 * while its window stays full.  *old is the word read.
 */
static _Atomic uint64_t *
ratelim_find(_Atomic uint64_t *win, uint64_t tag, uint64_t now, uint64_t *old,
             int *own)
{
        _Atomic uint64_t *free_slot = NULL, *s;
        uint64_t w, free_w = 0;
        int i;

        for (i = 0; i < RATELIM_WAYS; i++) {
                w = atomic_load_explicit(&win[i], memory_order_relaxed);
                if ((w & ~RL_STATE_MASK) == tag) {
                        *old = w;
                        *own = 1;
                        return &win[i];
                }
                if (!free_slot && !ratelim_live(w, now)) {
                        free_slot = &win[i];
                        free_w = w;
                }
        }
        *own = 0;
        if (free_slot) {
                *old = free_w;
                return free_slot;
        }
        s = &win[(tag >> RL_STATE_BITS) & (RATELIM_WAYS - 1)];
        *old = atomic_load_explicit(s, memory_order_relaxed);
        return s;
}

int
ratelim_take(struct ratelim *rl, enum ratelim_class cls, uint64_t key,
             struct ratelim_rule rule, uint64_t now_us, uint64_t *retry_ms)
{
        uint64_t h, tag, now, old, tat, next, period, tolerance;
        _Atomic uint64_t *win, *s;
        int own, live, tries;

        if (rule.rate == 0 || !rl)
                return 1;
        /* GCRA: one time per key, the "theoretical arrival time". */
        period = RL_TICKS_PER_S / rule.rate;
        if (period == 0)
                period = 1;
        tolerance = period * ((rule.burst ? rule.burst : 1) - 1);
        if (tolerance >= RL_AHEAD_MAX / 2)
                tolerance = RL_AHEAD_MAX / 2;
        h = ratelim_hash(rl, cls, key);
        tag = ratelim_tag(h);
        win = ratelim_window(rl, rl->slot, h);
        now = ratelim_now(rl, now_us);
        for (tries = 0; tries < RL_CAS_TRIES; tries++) {
                s = ratelim_find(win, tag, now, &old, &own);
                live = ratelim_live(old, now);
                /* A bucket whose time has passed is full again. */
                tat = live ? old & RL_STATE_MASK : now;
                if (ratelim_ahead(tat, now) > (int64_t)tolerance) {
                        uint64_t wait =
                            (uint64_t)ratelim_ahead(tat, now) - tolerance;

                        *retry_ms = wait / (RL_TICKS_PER_US * 1000) + 1;
                        return 0;
                }
                next = (tat + period) & RL_STATE_MASK;
                if (next == 0)
                        next = 1;
                /* An aliased slot keeps its owner's tag. */
                next |= own || !live ? tag : old & ~RL_STATE_MASK;
                if (atomic_compare_exchange_weak_explicit(
                        s, &old, next, memory_order_relaxed,
                        memory_order_relaxed)) {
                        if (!own && live)
                                atomic_fetch_add_explicit(&rl->aliased, 1,
                                                          memory_order_relaxed);
                        return 1;
                }
        }
        atomic_fetch_add_explicit(&rl->contended, 1, memory_order_relaxed);
        return 1;
}

void
ratelim_mark(struct ratelim *rl, enum ratelim_kind kind, uint64_t key,
             uint64_t now_us, uint64_t ttl_us)
{
        uint64_t h = ratelim_hash(rl, kind, key), tag = ratelim_tag(h);
        uint64_t now = ratelim_now(rl, now_us);
        uint64_t until = ratelim_now(rl, now_us + ttl_us), old;
        _Atomic uint64_t *win = ratelim_window(rl, rl->mark, h), *s;
        int own, tries;

        if (until == 0)
                until = 1;
        for (tries = 0; tries < RL_CAS_TRIES; tries++) {
                s = ratelim_find(win, tag, now, &old, &own);
                if (own && ratelim_ahead(old & RL_STATE_MASK, until) >= 0)
                        return; /* already marked for as long */
                if (atomic_compare_exchange_weak_explicit(
                        s, &old, tag | until, memory_order_relaxed,
                        memory_order_relaxed)) {
                        if (!own && ratelim_live(old, now))
                                atomic_fetch_add_explicit(&rl->marks_evicted, 1,
                                                          memory_order_relaxed);
                        return;
                }
        }
        atomic_fetch_add_explicit(&rl->contended, 1, memory_order_relaxed);
}

int
ratelim_marked(struct ratelim *rl, enum ratelim_kind kind, uint64_t key,
               uint64_t now_us)
{
        uint64_t h = ratelim_hash(rl, kind, key), tag = ratelim_tag(h);
        uint64_t now = ratelim_now(rl, now_us), w;
        _Atomic uint64_t *win = ratelim_window(rl, rl->mark, h);
        int i;

        for (i = 0; i < RATELIM_WAYS; i++) {
                w = atomic_load_explicit(&win[i], memory_order_relaxed);
                if ((w & ~RL_STATE_MASK) == tag)
                        return ratelim_live(w, now);
        }
        return 0;
}

int
ratelim_conn_open(struct ratelim *rl, enum ratelim_kind kind, uint64_t key,
                  unsigned cap, void **hold)
{
        uint64_t h, tag, w;
        _Atomic uint64_t *win, *s;
        int i, tries;

        *hold = NULL;
        if (cap == 0 || !rl)
                return 1;
        h = ratelim_hash(rl, kind, key);
        tag = ratelim_tag(h);
        win = ratelim_window(rl, rl->conn, h);
        for (tries = 0; tries < RL_CAS_TRIES; tries++) {
                s = NULL;
                /* Its own slot, else the first free one (count 0). */
                for (i = 0; i < RATELIM_WAYS; i++) {
                        w = atomic_load_explicit(&win[i], memory_order_relaxed);
                        if ((w & ~RL_STATE_MASK) == tag &&
                            (w & RL_STATE_MASK) > 0) {
                                s = &win[i];
                                break;
                        }
                        if (!s && (w & RL_STATE_MASK) == 0)
                                s = &win[i];
                }
                if (!s) {
                        atomic_fetch_add_explicit(&rl->conn_untracked, 1,
                                                  memory_order_relaxed);
                        return 1;
                }
                w = atomic_load_explicit(s, memory_order_relaxed);
                if ((w & RL_STATE_MASK) == 0)
                        w = 0; /* free: whatever tag it had */
                else if ((w & ~RL_STATE_MASK) != tag)
                        continue; /* taken meanwhile */
                else if ((w & RL_STATE_MASK) >= cap)
                        return 0;
                if (atomic_compare_exchange_weak_explicit(
                        s, &w, w ? w + 1 : tag | 1, memory_order_relaxed,
                        memory_order_relaxed)) {
                        *hold = (void *)s;
                        return 1;
                }
        }
        atomic_fetch_add_explicit(&rl->contended, 1, memory_order_relaxed);
        return 1;
}

void
ratelim_conn_close(void *hold)
{
        if (hold)
                atomic_fetch_sub_explicit((_Atomic uint64_t *)hold, 1,
                                          memory_order_relaxed);
}

void
ratelim_get_stats(const struct ratelim *rl, struct ratelim_stats *s)
{
        memset(s, 0, sizeof(*s));
        if (!rl)
                return;
        s->aliased = atomic_load(&rl->aliased);
        s->marks_evicted = atomic_load(&rl->marks_evicted);
        s->conn_untracked = atomic_load(&rl->conn_untracked);
        s->contended = atomic_load(&rl->contended);
}
