#include "resolver/upstream.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <hiredis/hiredis.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/hname.h"
#include "core/hval.h"
#include "core/log.h"
#include "core/usite.h"
#include "core/wire.h"
#include "registry/hclient.h"
#include "registry/keys.h"
#include "resolver/cache.h"
#include "resolver/rworker.h"
#include "resolver/ucache.h"
#include "resolver/userver.h"

#define UP_MAX_HOMED  64
#define UP_CACHE_HEAD 16 /* c:{NAME}: u64 fresh-until, u32 rc, u32 n */

typedef void (*up_done_fn)(struct lookup *, struct hrec *, uint32_t);

enum ustate { US_START, US_REDIS, US_SITE, US_QUERY, US_DONE };

/* One upstream resolution; the lookups in `waiters` get its answer. */
struct ufetch {
        struct upstream *up;
        struct ufetch *next; /* in up->inflight */
        struct lookup *waiters;
        struct lookup sub;     /* the site of the handle's prefix */
        struct ufetch *sub_on; /* the fetch `sub` waits on, if any */
        enum ustate state;
        int redis_pending; /* freed by the Redis reply, then */
        int joinable;      /* clients' misses may wait on it */
        uint8_t hops;      /* recursion count our queries carry */
        unsigned referrals;
        struct ucand cand[USERVER_MAX_CAND];
        unsigned ncand, ci;
        int tcp;
        unsigned tries;
        int fd;
        struct event *rd, *timer;
        struct bufferevent *bev;
        uint32_t rid;
        struct hrec *stale; /* an expired answer from Redis, or NULL */
        uint32_t stale_rc;
        size_t namelen;
        char name[HNAME_MAX + 1];
};

struct upstream {
        struct rworker *rw;
        struct cache *cache; /* foreign answers and sites */
        struct ufetch *inflight;
        size_t ninflight;
        int closing;
        uint32_t next_rid;
        struct userver *servers; /* their health */
        size_t nhomed;
        char homed[UP_MAX_HOMED][PFX_MAX + 1];
        struct upstream_stats st;
        struct hrec *referral; /* upstream_referral's last answer */
        uint8_t buf[65536];    /* one UDP datagram */
};

static void uf_send(struct ufetch *uf);

/* The sites in rec's values of type t1 or t2 are where to ask next. */
static unsigned
uf_cand_sites(struct ufetch *uf, const struct hrec *rec, const char *t1,
              const char *t2)
{
        uf->ci = 0;
        uf->ncand = userver_sites(rec, t1, t2, uf->name, uf->namelen, uf->cand);
        return uf->ncand;
}
static void uf_route(struct ufetch *uf);
static struct ufetch *uf_start(struct upstream *up, struct lookup *lk,
                               const struct hrec *site, up_done_fn done);

/* ------------------------------------------------------------ helpers */

static const struct config *
up_cfg(const struct upstream *up)
{
        return up->rw->cfg;
}

static int
up_is_na(const char *name, size_t len)
{
        return len > 5 && strncasecmp(name, "0.NA/", 5) == 0;
}

/* Seconds an answer may be served: its values' TTLs, capped by config. */
static uint64_t
up_ttl_s(const struct config *cfg, const struct hrec *rec, uint32_t rc)
{
        uint64_t ttl = (uint64_t)cfg->upstream_ttl_max_s, now = clock_unix();
        uint32_t i;

        if (rc != RC_SUCCESS)
                return rc == RC_HANDLE_NOT_FOUND
                           ? (uint64_t)cfg->upstream_negative_ttl_s
                           : 0;
        for (i = 0; rec && i < rec->n; i++) {
                const struct hval *v = &rec->v[i];
                uint64_t t = v->ttl;

                if (v->ttl_type == HVAL_TTL_ABSOLUTE)
                        t = v->ttl > now ? v->ttl - now : 0;
                if (t < ttl)
                        ttl = t;
        }
        return ttl;
}

/* ------------------------------------------------------------ caching */

static void
up_redis_set_cb(void *arg, struct redisReply *r, enum rpool_status st)
{
        (void)arg;
        (void)r;
        (void)st;
}

/* Writes the answer to c:{NAME} for every worker and instance. */
static void
up_redis_put(struct upstream *up, const char *name, size_t len,
             const struct hrec *rec, uint32_t rc, uint64_t ttl_ms,
             uint64_t stale_ms)
{
        char key[KEYS_MAX], px[24];
        const char *argv[5];
        size_t argvlen[5];
        struct wbuf w;

        if (keys_ucache(key, sizeof(key), name, len) == 0)
                return;
        wbuf_init(&w, WIRE_MAX_MESSAGE);
        ucache_encode(&w, clock_unix_ms() + ttl_ms, rc, rec);
        snprintf(px, sizeof(px), "%llu",
                 (unsigned long long)(ttl_ms + stale_ms));
        argv[0] = "SET";
        argv[1] = key;
        argv[2] = (const char *)w.p;
        argv[3] = "PX";
        argv[4] = px;
        argvlen[0] = 3;
        argvlen[1] = strlen(key);
        argvlen[2] = w.len;
        argvlen[3] = 2;
        argvlen[4] = strlen(px);
        if (wbuf_ok(&w))
                (void)rpool_command(up->rw->redis, up_redis_set_cb, NULL, 5,
                                    argv, argvlen);
        wbuf_free(&w);
}

/* ------------------------------------------------------------ finishing */

static void
uf_close_io(struct ufetch *uf)
{
        if (uf->rd) {
                event_free(uf->rd);
                uf->rd = NULL;
        }
        if (uf->fd >= 0) {
                close(uf->fd);
                uf->fd = -1;
        }
        if (uf->bev) {
                bufferevent_free(uf->bev);
                uf->bev = NULL;
        }
        if (uf->timer)
                evtimer_del(uf->timer);
}

/* Takes lk off the waiters of the fetch it waits on. */
static void
uf_unwait(struct ufetch *on, struct lookup *lk)
{
        struct lookup **pp;

        for (pp = &on->waiters; *pp; pp = &(*pp)->unext) {
                if (*pp == lk) {
                        *pp = lk->unext;
                        return;
                }
        }
}

static void
uf_free(struct ufetch *uf)
{
        uf_close_io(uf);
        if (uf->timer)
                event_free(uf->timer);
        hrec_free(uf->stale);
        free(uf);
}

/*
 * Gives every waiter the answer (rec owned by uf until then), caches it
 * if `cache` (ttl from its values), and frees uf unless a Redis reply
 * is still due.
 */
static void
uf_finish(struct ufetch *uf, struct hrec *rec, uint32_t rc, int cache)
{
        struct upstream *up = uf->up;
        const struct config *cfg = up_cfg(up);
        struct ufetch **pp;
        struct lookup *lk, *next;
        uint64_t ttl_ms = up_ttl_s(cfg, rec, rc) * 1000,
                 stale_ms = (uint64_t)cfg->upstream_stale_s * 1000;

        uf_close_io(uf);
        uf->state = US_DONE;
        for (pp = &up->inflight; *pp; pp = &(*pp)->next) {
                if (*pp == uf) {
                        *pp = uf->next;
                        up->ninflight--;
                        break;
                }
        }
        if (uf->sub_on) {
                uf_unwait(uf->sub_on, &uf->sub);
                uf->sub_on = NULL;
        }
        if (rc == RC_SERVER_NOT_RESP)
                up->st.failed++;
        for (lk = uf->waiters, uf->waiters = NULL; lk; lk = next) {
                next = lk->unext;
                lk->unext = NULL;
                lk->done(lk, rec, rc); /* may free lk */
        }
        if (cache && ttl_ms > 0 && cfg->cache && !up->closing) {
                up_redis_put(up, uf->name, uf->namelen, rec, rc, ttl_ms,
                             stale_ms);
                if (cache_put(up->cache, uf->name, uf->namelen, rec,
                              clock_ms() + ttl_ms + stale_ms) == 0)
                        rec = NULL;
        }
        hrec_free(rec);
        if (!uf->redis_pending)
                uf_free(uf);
}

/* No server answered: a stale answer if one is still allowed, or 301. */
static void
uf_fail(struct ufetch *uf)
{
        struct upstream *up = uf->up;
        struct hrec *rec;
        uint64_t exp;

        if (cache_get_exp(up->cache, uf->name, uf->namelen, clock_ms(), &rec,
                          &exp)) {
                up->st.stale++;
                log_info("upstream_stale", "handle=\"%s\"", uf->name);
                uf_finish(uf, hrec_dup(rec),
                          rec ? RC_SUCCESS : RC_HANDLE_NOT_FOUND, 0);
                return;
        }
        if (uf->stale || uf->stale_rc) {
                up->st.stale++;
                log_info("upstream_stale", "handle=\"%s\" from=redis",
                         uf->name);
                rec = uf->stale;
                uf->stale = NULL;
                uf_finish(uf, rec, uf->stale_rc, 0);
                return;
        }
        uf_finish(uf, NULL, RC_SERVER_NOT_RESP, 0);
}

/* ---------------------------------------------------------- answering */

/* The server we asked gave up or did not answer: the next one. */
static void
uf_next_server(struct ufetch *uf, enum upstream_outcome o)
{
        uf_close_io(uf);
        uf->up->st.outcomes[o]++;
        userver_mark(uf->up->servers, &uf->cand[uf->ci], 0);
        uf->ci++;
        uf->tries = 0;
        uf->tcp = 0;
        if (uf->ci < uf->ncand)
                uf_send(uf);
        else
                uf_fail(uf);
}

static void
uf_answer(struct ufetch *uf, uint32_t rc, struct hrec *rec)
{
        struct upstream *up = uf->up;
        const struct config *cfg = up_cfg(up);
        int prefix = rc == RC_PREFIX_REFERRAL;

        uf_close_io(uf);
        switch (rc) {
        case RC_SERVICE_REFERRAL:
        case RC_PREFIX_REFERRAL:
                userver_mark(up->servers, &uf->cand[uf->ci], 1);
                up->st.outcomes[UPO_REFERRAL]++;
                uf->referrals++;
                if (uf->hops + uf->referrals >
                    (unsigned)cfg->upstream_max_hops) {
                        hrec_free(rec);
                        up->st.outcomes[UPO_LOOP]++;
                        uf_finish(uf, NULL, RC_RECURSION_COUNT_TOO_HIGH, 0);
                        return;
                }
                if (uf_cand_sites(uf, rec,
                                  prefix ? "HS_SITE.PREFIX" : "HS_SITE",
                                  prefix ? "HS_NA_DELEGATE" : NULL) == 0) {
                        hrec_free(rec);
                        log_info("upstream_referral_unusable",
                                 "handle=\"%s\" rc=%u", uf->name, rc);
                        uf_finish(uf, NULL, RC_ERROR, 0);
                        return;
                }
                hrec_free(rec);
                uf->tries = 0;
                uf->tcp = 0;
                uf_send(uf);
                return;
        case RC_ERROR:
        case RC_SERVER_BUSY:
        case RC_SERVER_BACKUP:
        case RC_SERVER_NOT_RESP:
        case RC_PROTOCOL_ERROR:
                hrec_free(rec);
                uf_next_server(uf, UPO_ERROR);
                return;
        case RC_RECURSION_COUNT_TOO_HIGH:
                userver_mark(up->servers, &uf->cand[uf->ci], 1);
                up->st.outcomes[UPO_LOOP]++;
                hrec_free(rec);
                uf_finish(uf, NULL, rc, 0);
                return;
        default:
                break;
        }
        userver_mark(up->servers, &uf->cand[uf->ci], 1);
        up->st
            .outcomes[rc == RC_HANDLE_NOT_FOUND ? UPO_NOT_FOUND : UPO_ANSWER]++;
        if (rc != RC_SUCCESS) {
                hrec_free(rec);
                rec = NULL;
        } else if (!rec) {
                uf_finish(uf, NULL, RC_ERROR, 0); /* no memory */
                return;
        }
        uf_finish(uf, rec, rc, rc == RC_SUCCESS || rc == RC_HANDLE_NOT_FOUND);
}

/* A whole response arrived (TCP, or one UDP datagram). */
static void
uf_input(struct ufetch *uf, const uint8_t *p, size_t len)
{
        struct hrec *rec = NULL;
        struct wire_env e;
        uint32_t rc;

        if (len < WIRE_ENV_LEN)
                return;
        wire_env_decode(p, &e);
        if (e.request_id != uf->rid)
                return; /* a late answer to an earlier try */
        if (!uf->tcp && (e.flags & WIRE_ENV_TC) && uf->cand[uf->ci].tcplen) {
                /* In fragments: ask again over TCP than reassemble. */
                uf_close_io(uf);
                uf->up->st.tcp_fallbacks++;
                uf->tcp = 1;
                uf_send(uf);
                return;
        }
        if (hclient_decode(p, len, uf->rid, &rc, &rec) < 0) {
                uf_next_server(uf, UPO_ERROR);
                return;
        }
        if (!uf->tcp && rc == RC_ERROR && uf->cand[uf->ci].tcplen) {
                /* "answer too large for UDP" */
                uf_close_io(uf);
                uf->up->st.tcp_fallbacks++;
                uf->tcp = 1;
                uf_send(uf);
                return;
        }
        uf_answer(uf, rc, rec);
}

/* ------------------------------------------------------------ transport */

static int
uf_encode(struct ufetch *uf, struct wbuf *w)
{
        struct wire_query q;

        memset(&q, 0, sizeof(q));
        q.major = WIRE_MAJOR;
        q.minor = 10;
        q.request_id = uf->rid;
        q.opflags = OPF_REC | OPF_CA | OPF_PO;
        q.expiration = clock_unix() + 12 * 3600;
        q.handle = uf->name;
        wire_query_encode(w, &q);
        if (!wbuf_ok(w) || w->len < WIRE_ENV_LEN + 15)
                return -1;
        /* The recursion count (header byte 14): loops end at the limit. */
        w->p[WIRE_ENV_LEN + 14] = (uint8_t)(uf->hops + uf->referrals > 255
                                                ? 255
                                                : uf->hops + uf->referrals);
        return 0;
}

static void
uf_udp_read(evutil_socket_t fd, short what, void *arg)
{
        struct ufetch *uf = arg;
        ssize_t n;

        (void)what;
        n = recv(fd, uf->up->buf, sizeof(uf->up->buf), MSG_DONTWAIT);
        if (n < 0) {
                if (errno == ECONNREFUSED) /* ICMP port unreachable */
                        uf_next_server(uf, UPO_ERROR);
                return;
        }
        uf_input(uf, uf->up->buf, (size_t)n);
}

static void
uf_tcp_read(struct bufferevent *bev, void *arg)
{
        struct ufetch *uf = arg;
        struct evbuffer *in = bufferevent_get_input(bev);
        uint8_t env[WIRE_ENV_LEN];
        struct wire_env e;
        size_t need;

        if (evbuffer_get_length(in) < WIRE_ENV_LEN)
                return;
        evbuffer_copyout(in, env, WIRE_ENV_LEN);
        wire_env_decode(env, &e);
        if (e.msg_len > WIRE_MAX_MESSAGE) {
                uf_next_server(uf, UPO_ERROR);
                return;
        }
        need = WIRE_ENV_LEN + e.msg_len;
        if (evbuffer_get_length(in) < need)
                return;
        uf_input(uf, evbuffer_pullup(in, (ssize_t)need), need);
}

static void
uf_tcp_event(struct bufferevent *bev, short what, void *arg)
{
        struct ufetch *uf = arg;

        (void)bev;
        if (what & (BEV_EVENT_ERROR | BEV_EVENT_EOF))
                uf_next_server(uf, UPO_ERROR);
}

static void
uf_timer(evutil_socket_t fd, short what, void *arg)
{
        struct ufetch *uf = arg;
        struct ucand *c;

        (void)fd;
        (void)what;
        if (uf->state == US_START) {
                uf_route(uf);
                return;
        }
        c = &uf->cand[uf->ci];
        if (!uf->tcp &&
            uf->tries <= (unsigned)up_cfg(uf->up)->upstream_retries) {
                uf_send(uf); /* the same datagram again */
                return;
        }
        if (!uf->tcp && c->tcplen) {
                uf_close_io(uf);
                uf->up->st.tcp_fallbacks++;
                uf->tcp = 1;
                uf_send(uf);
                return;
        }
        uf_next_server(uf, UPO_TIMEOUT);
}

static void
uf_arm(struct ufetch *uf, int ms)
{
        struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

        evtimer_add(uf->timer, &tv);
}

/* Sends the query to candidate uf->ci, skipping servers known dead. */
static void
uf_send(struct ufetch *uf)
{
        struct upstream *up = uf->up;
        struct ucand *c;
        struct wbuf w;
        unsigned i;

        uf->state = US_QUERY;
        if (uf->tries == 0 && !uf->tcp) {
                /* A dead server is passed over while another is left. */
                for (i = uf->ci;
                     i < uf->ncand && userver_dead(up->servers, &uf->cand[i]);
                     i++)
                        ;
                if (i < uf->ncand)
                        uf->ci = i;
        }
        if (uf->ci >= uf->ncand) {
                uf_fail(uf);
                return;
        }
        c = &uf->cand[uf->ci];
        if (!c->udplen)
                uf->tcp = 1;
        if (uf->tries == 0 || uf->tcp)
                uf->rid = ++up->next_rid & 0x7fffffff;
        wbuf_init(&w, WIRE_MAX_MESSAGE);
        if (uf_encode(uf, &w) < 0) {
                wbuf_free(&w);
                uf_finish(uf, NULL, RC_ERROR, 0);
                return;
        }
        if (uf->tcp) {
                uf_close_io(uf);
                up->st.tcp_sent++;
                uf->bev = bufferevent_socket_new(up->rw->base, -1,
                                                 BEV_OPT_CLOSE_ON_FREE);
                if (!uf->bev || bufferevent_socket_connect(
                                    uf->bev, (struct sockaddr *)&c->tcp,
                                    (int)c->tcplen) < 0) {
                        wbuf_free(&w);
                        uf_next_server(uf, UPO_ERROR);
                        return;
                }
                bufferevent_setcb(uf->bev, uf_tcp_read, NULL, uf_tcp_event, uf);
                bufferevent_setwatermark(uf->bev, EV_READ, 0,
                                         WIRE_ENV_LEN + WIRE_MAX_MESSAGE);
                bufferevent_write(uf->bev, w.p, w.len);
                bufferevent_enable(uf->bev, EV_READ);
        } else {
                if (uf->fd < 0) {
                        uf->fd = socket(
                            c->udp.ss_family,
                            SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
                        if (uf->fd < 0 ||
                            connect(uf->fd, (struct sockaddr *)&c->udp,
                                    c->udplen) < 0 ||
                            !(uf->rd = event_new(up->rw->base, uf->fd,
                                                 EV_READ | EV_PERSIST,
                                                 uf_udp_read, uf)) ||
                            event_add(uf->rd, NULL) < 0) {
                                wbuf_free(&w);
                                uf_next_server(uf, UPO_ERROR);
                                return;
                        }
                }
                up->st.udp_sent++;
                (void)send(uf->fd, w.p, w.len, MSG_DONTWAIT);
        }
        uf->tries++;
        wbuf_free(&w);
        uf_arm(uf, up_cfg(up)->upstream_timeout_ms);
}

/* ------------------------------------------------------------- routing */

/* The site of the handle's prefix is known (or not). */
static void
uf_site_done(struct lookup *sub, struct hrec *rec, uint32_t rc)
{
        struct ufetch *uf =
            (struct ufetch *)(void *)((char *)sub -
                                      offsetof(struct ufetch, sub));

        uf->sub_on = NULL;
        if (uf->up->closing) {
                uf_finish(uf, NULL, RC_SERVER_BUSY, 0);
                return;
        }
        if (rc == RC_SERVER_NOT_RESP) {
                uf_fail(uf); /* the handle's own stale answer, if any */
                return;
        }
        if (rc != RC_SUCCESS) {
                /* The prefix does not exist, or nobody knows where it is. */
                uf_finish(uf, NULL, rc, 0);
                return;
        }
        if (uf_cand_sites(uf, rec, "HS_SITE", NULL) == 0) {
                log_info("upstream_no_site", "handle=\"%s\"", uf->name);
                uf_finish(uf, NULL, RC_HANDLE_NOT_FOUND, 0);
                return;
        }
        uf->tries = 0;
        uf->tcp = 0;
        uf_send(uf);
}

/* Where to ask: given sites, the top-level node, or the prefix's site. */
static void
uf_route(struct ufetch *uf)
{
        struct upstream *up = uf->up;
        struct lookup *sub = &uf->sub;
        const char *slash;
        struct hrec *rec;
        uint32_t rc;

        if (uf->ncand) {
                uf_send(uf);
                return;
        }
        if (up_is_na(uf->name, uf->namelen)) {
                uf->ci = 0;
                uf->ncand = userver_roots(up_cfg(up)->upstream, uf->cand);
                uf_send(uf);
                return;
        }
        slash = memchr(uf->name, '/', uf->namelen);
        memset(sub, 0, sizeof(*sub));
        sub->namelen =
            (size_t)snprintf(sub->name, sizeof(sub->name), "0.NA/%.*s",
                             (int)(slash - uf->name), uf->name);
        sub->hops = uf->hops > 0 ? (uint8_t)(uf->hops - 1) : 0;
        uf->state = US_SITE;
        rc = upstream_cached(up, sub->name, sub->namelen, sub->hops, &rec);
        if (rc) {
                uf_site_done(sub, rec, rc);
                return;
        }
        uf->sub_on = uf_start(up, sub, NULL, uf_site_done);
        if (!uf->sub_on)
                uf_finish(uf, NULL, RC_SERVER_BUSY, 0);
}

static void
uf_redis_got(void *arg, struct redisReply *r, enum rpool_status st)
{
        struct ufetch *uf = arg;
        struct upstream *up = uf->up;
        struct hrec *rec = NULL;
        uint64_t ttl_ms = 0;
        uint32_t rc = 0;
        int fresh;

        uf->redis_pending = 0;
        if (uf->state == US_DONE) {
                uf_free(uf);
                return;
        }
        if (st == RPOOL_OK && r && r->type == REDIS_REPLY_STRING &&
            (fresh = ucache_decode((const uint8_t *)r->str, r->len,
                                   clock_unix_ms(), &rc, &rec, &ttl_ms)) >= 0) {
                if (fresh) {
                        up->st.redis_hits++;
                        if (cache_put(
                                up->cache, uf->name, uf->namelen, hrec_dup(rec),
                                clock_ms() + ttl_ms +
                                    (uint64_t)up_cfg(up)->upstream_stale_s *
                                        1000) < 0)
                                log_debug("upstream_cache_full", "-");
                        uf_finish(uf, rec, rc, 0);
                        return;
                }
                uf->stale = rec;
                uf->stale_rc = rc;
        }
        uf_route(uf);
}

static void
uf_begin(struct ufetch *uf)
{
        struct upstream *up = uf->up;
        char key[KEYS_MAX];
        const char *argv[2];
        size_t argvlen[2];

        if (!up_cfg(up)->cache ||
            keys_ucache(key, sizeof(key), uf->name, uf->namelen) == 0) {
                uf_route(uf);
                return;
        }
        argv[0] = "GET";
        argv[1] = key;
        argvlen[0] = 3;
        argvlen[1] = strlen(key);
        uf->state = US_REDIS;
        uf->redis_pending = 1;
        if (rpool_command(up->rw->redis, uf_redis_got, uf, 2, argv, argvlen) <
            0) {
                uf->redis_pending = 0;
                uf_route(uf);
        }
}

static void
uf_kick(evutil_socket_t fd, short what, void *arg)
{
        struct ufetch *uf = arg;

        (void)fd;
        (void)what;
        if (uf->state == US_START)
                uf_begin(uf);
        else
                uf_timer(fd, what, arg);
}

/* ------------------------------------------------------------ public */

/* The fetch lk now waits on, or NULL (done will not run). */
static struct ufetch *
uf_start(struct upstream *up, struct lookup *lk, const struct hrec *site,
         up_done_fn done)
{
        struct ufetch *uf;

        lk->done = done;
        lk->rw = up->rw;
        lk->unext = NULL;
        if (up->closing ||
            up->ninflight >= (size_t)up_cfg(up)->upstream_max_inflight)
                return NULL;
        if (lk->hops == 0 && !site) {
                for (uf = up->inflight; uf; uf = uf->next) {
                        if (uf->joinable && uf->namelen == lk->namelen &&
                            memcmp(uf->name, lk->name, lk->namelen) == 0) {
                                lk->unext = uf->waiters;
                                uf->waiters = lk;
                                up->st.coalesced++;
                                return uf;
                        }
                }
        }
        uf = calloc(1, sizeof(*uf));
        if (!uf)
                return NULL;
        uf->up = up;
        uf->fd = -1;
        uf->waiters = lk;
        uf->joinable = lk->hops == 0 && !site;
        uf->hops = (uint8_t)(lk->hops + 1);
        uf->namelen = lk->namelen;
        memcpy(uf->name, lk->name, lk->namelen);
        uf->timer = evtimer_new(up->rw->base, uf_kick, uf);
        if (!uf->timer) {
                free(uf);
                return NULL;
        }
        if (site && uf_cand_sites(uf, site, "HS_SITE", NULL) == 0)
                uf->ncand = 0; /* unusable: ask the top-level node */
        uf->next = up->inflight;
        up->inflight = uf;
        up->ninflight++;
        uf_arm(uf, 0);
        return uf;
}

int
upstream_fetch(struct rworker *rw, struct lookup *lk, const struct hrec *site,
               up_done_fn done)
{
        return uf_start(rw->up, lk, site, done) ? 0 : -1;
}

uint32_t
upstream_cached(struct upstream *up, const char *name, size_t len, uint8_t hops,
                struct hrec **rec)
{
        const struct config *cfg = up_cfg(up);
        uint64_t exp, now = clock_ms();

        *rec = NULL;
        if (hops >= cfg->upstream_max_hops) {
                up->st.outcomes[UPO_LOOP]++;
                return RC_RECURSION_COUNT_TOO_HIGH;
        }
        if (!cfg->cache ||
            !cache_get_exp(up->cache, name, len, now, rec, &exp) ||
            exp <= now + (uint64_t)cfg->upstream_stale_s * 1000) {
                *rec = NULL;
                up->st.misses++;
                return 0;
        }
        up->st.hits++;
        return *rec ? RC_SUCCESS : RC_HANDLE_NOT_FOUND;
}

int
upstream_foreign(struct upstream *up, const char *name, size_t len)
{
        const struct config *cfg = up_cfg(up);
        char pfx[PFX_MAX + 1];
        const char *p = name, *slash;
        size_t n;

        if (!cfg->upstream[0] || config_top_level(cfg))
                return 0;
        if (up_is_na(name, len)) {
                p = name + 5;
                n = len - 5;
        } else {
                slash = memchr(name, '/', len);
                n = slash ? (size_t)(slash - name) : len;
        }
        return pfx_normalise(p, n, pfx) == 0 && !upstream_homes(up, pfx, 0);
}

int
upstream_homes(const struct upstream *up, const char *pfx, int exact)
{
        size_t i, h, n = strlen(pfx);

        for (i = 0; i <= up->nhomed; i++) {
                const char *home =
                    i < up->nhomed ? up->homed[i] : up_cfg(up)->node_prefix;

                h = strlen(home);
                if (h && n >= h && strncasecmp(pfx, home, h) == 0 &&
                    (n == h || (!exact && pfx[h] == '.')))
                        return 1;
        }
        return 0;
}

uint32_t
upstream_referral(struct upstream *up, const char *name, size_t len,
                  struct hrec **rec)
{
        char na[PFX_MAX + 6];
        const char *slash = memchr(name, '/', len);
        size_t plen = slash ? (size_t)(slash - name) : len;
        struct wbuf w;
        uint64_t exp;

        *rec = NULL;
        if (!up_is_na(name, len) && plen <= PFX_MAX) {
                snprintf(na, sizeof(na), "0.NA/%.*s", (int)plen, name);
                if (cache_get_exp(up->cache, na, strlen(na), clock_ms(), rec,
                                  &exp) &&
                    *rec &&
                    exp > clock_ms() +
                              (uint64_t)up_cfg(up)->upstream_stale_s * 1000)
                        return RC_SERVICE_REFERRAL;
        }
        hrec_free(up->referral);
        wbuf_init(&w, 0);
        userver_roots_site(up_cfg(up)->upstream, &w);
        up->referral = wbuf_ok(&w) ? hrec_one(1, "HS_SITE.PREFIX", w.p, w.len,
                                              clock_unix())
                                   : NULL;
        wbuf_free(&w);
        *rec = up->referral;
        return *rec ? RC_PREFIX_REFERRAL : RC_ERROR;
}

size_t
upstream_homed(struct upstream *up, char (**pfx)[65])
{
        *pfx = up->homed;
        return up->nhomed;
}

void
upstream_set_homed(struct upstream *up, char (*pfx)[65], size_t n)
{
        size_t i;

        up->nhomed = n < UP_MAX_HOMED ? n : UP_MAX_HOMED;
        for (i = 0; i < up->nhomed; i++)
                memcpy(up->homed[i], pfx[i], PFX_MAX + 1);
}

struct upstream *
upstream_new(struct rworker *rw)
{
        struct upstream *up = calloc(1, sizeof(*up));

        if (!up)
                return NULL;
        up->rw = rw;
        up->cache = cache_new((size_t)rw->cfg->cache_entries,
                              (size_t)rw->cfg->cache_max_mb << 20);
        up->servers = userver_new();
        if (!up->cache || !up->servers) {
                cache_free(up->cache);
                userver_free(up->servers);
                free(up);
                return NULL;
        }
        return up;
}

void
upstream_free(struct upstream *up)
{
        if (!up)
                return;
        up->closing = 1;
        /* Newest first: a fetch a client waits on goes before its site's. */
        while (up->inflight)
                uf_finish(up->inflight, NULL, RC_SERVER_BUSY, 0);
        cache_free(up->cache);
        userver_free(up->servers);
        hrec_free(up->referral);
        free(up);
}

size_t
upstream_inflight(const struct upstream *up)
{
        return up ? up->ninflight : 0;
}

void
upstream_get_stats(const struct upstream *up, struct upstream_stats *s)
{
        *s = up->st;
        s->inflight = up->ninflight;
        s->nservers = userver_stats(up->servers, s->servers);
}
