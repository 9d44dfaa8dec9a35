#include "core/rpool.h"

#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <event2/event.h>
#include <hiredis/adapters/libevent.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <openssl/crypto.h>

#include "core/clock.h"
#include "core/log.h"

#define RPOOL_BACKOFF_MIN_MS 50
#define RPOOL_BACKOFF_MAX_MS 2000

/*
 * One command in flight.  hiredis owns it (as privdata) from send until
 * its callback runs; a deadline only moves it to the `expired` list and
 * clears `cb`, it never frees it.
 */
struct rreq {
        struct rreq *prev, *next;
        struct rreq **list; /* the list it is on */
        struct rpool *pool;
        rpool_cb cb;
        void *arg;
        uint64_t deadline_ms;
        uint64_t sent_ms;
        uint64_t sent_us; /* for the latency histogram */
};

struct rpool {
        struct event_base *base;
        struct rpool_opts o;
        char socket[256];
        char host[256];
        char password[256];               /* "" = no AUTH */
        char prefix[RPOOL_MAX_TRACK][64]; /* tracked key prefixes */
        int ntrack;
        redisAsyncContext *dc; /* data connection */
        redisAsyncContext *sc; /* subscriber (invalidations) */
        int ready;             /* dc answered PING */
        uint64_t opened_ms;    /* when dc was opened (connect deadline) */
        int tracking;          /* sc subscribed with tracking on */
        int closing;
        uint64_t epoch;
        struct rreq *live; /* in send order, oldest first */
        struct rreq *live_tail;
        struct rreq *expired; /* deadline passed, reply still owed */
        size_t inflight;
        int backoff_ms;
        struct event *tick;
        struct event *reconnect;
        struct rpool_stats st;
};

static void rpool_connect(struct rpool *p);
static void rpool_sub_connect(struct rpool *p);

static void
rreq_unlink(struct rreq *r)
{
        struct rpool *p = r->pool;

        if (r->prev)
                r->prev->next = r->next;
        else
                *r->list = r->next;
        if (r->next)
                r->next->prev = r->prev;
        else if (r->list == &p->live)
                p->live_tail = r->prev;
        r->prev = r->next = NULL;
}

static void
rreq_push_live(struct rpool *p, struct rreq *r)
{
        r->list = &p->live;
        r->prev = p->live_tail;
        r->next = NULL;
        if (p->live_tail)
                p->live_tail->next = r;
        else
                p->live = r;
        p->live_tail = r;
}

static void
rreq_push_expired(struct rpool *p, struct rreq *r)
{
        r->list = &p->expired;
        r->prev = NULL;
        r->next = p->expired;
        if (p->expired)
                p->expired->prev = r;
        p->expired = r;
}

/* hiredis callback for every command we send. */
static void
rpool_reply_cb(redisAsyncContext *ac, void *reply, void *privdata)
{
        struct rreq *r = privdata;
        struct rpool *p = r->pool;
        rpool_cb cb = r->cb;

        (void)ac;
        rreq_unlink(r);
        p->inflight--;
        if (reply)
                mhist_observe(&p->st.latency, clock_us() - r->sent_us);
        if (cb) {
                if (reply)
                        cb(r->arg, reply, RPOOL_OK);
                else {
                        p->st.down_errors++;
                        cb(r->arg, NULL, RPOOL_DOWN);
                }
        }
        free(r);
}

static int
rpool_send(struct rpool *p, rpool_cb cb, void *arg, int argc, const char **argv,
           const size_t *argvlen)
{
        struct rreq *r;
        uint64_t now = clock_ms();

        if (!p->dc)
                return -1;
        r = calloc(1, sizeof(*r));
        if (!r)
                return -1;
        r->pool = p;
        r->cb = cb;
        r->arg = arg;
        r->sent_ms = now;
        r->sent_us = clock_us();
        r->deadline_ms = now + (uint64_t)p->o.timeout_ms;
        if (redisAsyncCommandArgv(p->dc, rpool_reply_cb, r, argc, argv,
                                  argvlen) != REDIS_OK) {
                free(r);
                return -1;
        }
        rreq_push_live(p, r);
        p->inflight++;
        p->st.commands++;
        return 0;
}

int
rpool_command(struct rpool *p, rpool_cb cb, void *arg, int argc,
              const char **argv, const size_t *argvlen)
{
        if (!p->ready || p->inflight >= (size_t)p->o.max_inflight) {
                p->st.down_errors++;
                return -1;
        }
        return rpool_send(p, cb, arg, argc, argv, argvlen);
}

static void
rpool_schedule_reconnect(struct rpool *p)
{
        struct timeval tv;

        if (p->closing || evtimer_pending(p->reconnect, NULL))
                return;
        tv.tv_sec = p->backoff_ms / 1000;
        tv.tv_usec = (p->backoff_ms % 1000) * 1000;
        evtimer_add(p->reconnect, &tv);
        p->backoff_ms *= 2;
        if (p->backoff_ms > RPOOL_BACKOFF_MAX_MS)
                p->backoff_ms = RPOOL_BACKOFF_MAX_MS;
}

static void
rpool_set_tracking(struct rpool *p, int on)
{
        if (p->tracking == on && !on)
                return;
        p->tracking = on;
        p->epoch++;
        /* Whatever was cached may have changed unseen: drop it all. */
        if (p->o.on_invalidate)
                p->o.on_invalidate(p->o.arg, NULL, 0);
}

static void
rpool_ping_cb(void *arg, struct redisReply *reply, enum rpool_status st)
{
        struct rpool *p = arg;

        if (st == RPOOL_OK && reply->type == REDIS_REPLY_STATUS) {
                p->ready = 1;
                p->backoff_ms = RPOOL_BACKOFF_MIN_MS;
                log_info("redis_ready", "inflight=%zu", p->inflight);
                if (p->o.on_ready)
                        p->o.on_ready(p->o.arg);
        }
}

static void
rpool_connect_cb(const redisAsyncContext *ac, int status)
{
        struct rpool *p = ac->data;
        const char *ping[] = {"PING"};
        size_t pinglen[] = {4};

        if (status != REDIS_OK) {
                /* hiredis frees the context after this callback. */
                log_warn("redis_connect_failed", "error=\"%s\"", ac->errstr);
                if (ac == p->dc)
                        p->dc = NULL;
                else if (ac == p->sc)
                        p->sc = NULL;
                rpool_schedule_reconnect(p);
                return;
        }
        if (ac != p->dc)
                return;
        if (rpool_send(p, rpool_ping_cb, p, 1, ping, pinglen) < 0)
                log_warn("redis_ping_failed", "state=connected");
}

static void
rpool_disconnect_cb(const redisAsyncContext *ac, int status)
{
        struct rpool *p = ac->data;

        (void)status;
        if (ac == p->dc) {
                p->dc = NULL;
                p->ready = 0;
                log_warn("redis_disconnected", "error=\"%s\"",
                         ac->err ? ac->errstr : "closed");
                rpool_schedule_reconnect(p);
        } else if (ac == p->sc) {
                p->sc = NULL;
                rpool_set_tracking(p, 0);
                rpool_schedule_reconnect(p);
        }
}

static void
rpool_auth_cb(redisAsyncContext *ac, void *reply, void *privdata)
{
        redisReply *r = reply;

        (void)ac;
        (void)privdata;
        /* Redis's error names the failure, never the password. */
        if (r && r->type == REDIS_REPLY_ERROR)
                log_error("redis_auth_failed", "error=\"%s\"", r->str);
}

static redisAsyncContext *
rpool_open(struct rpool *p)
{
        redisAsyncContext *ac;

        if (p->socket[0])
                ac = redisAsyncConnectUnix(p->socket);
        else
                ac = redisAsyncConnect(p->host, p->o.port);
        if (!ac)
                return NULL;
        if (ac->err) {
                log_warn("redis_connect_failed", "error=\"%s\"", ac->errstr);
                redisAsyncFree(ac);
                return NULL;
        }
        ac->data = p;
        redisLibeventAttach(ac, p->base);
        /* Queued first: Redis reads it before anything else we send. */
        if (p->password[0])
                redisAsyncCommand(ac, rpool_auth_cb, p, "AUTH %s", p->password);
        redisAsyncSetConnectCallback(ac, rpool_connect_cb);
        redisAsyncSetDisconnectCallback(ac, rpool_disconnect_cb);
        return ac;
}

static void
rpool_connect(struct rpool *p)
{
        if (p->dc || p->closing)
                return;
        p->dc = rpool_open(p);
        p->opened_ms = clock_ms();
        if (!p->dc)
                rpool_schedule_reconnect(p);
}

/* Invalidation messages: ["message", channel, keys | nil]. */
static void
rpool_sub_message_cb(redisAsyncContext *ac, void *reply, void *privdata)
{
        struct rpool *p = privdata;
        redisReply *r = reply, *keys;
        size_t i;

        if (!r || ac != p->sc || r->type != REDIS_REPLY_ARRAY ||
            r->elements != 3 || r->element[0]->type != REDIS_REPLY_STRING)
                return;
        if (strcmp(r->element[0]->str, "subscribe") == 0) {
                rpool_set_tracking(p, 1);
                log_info("redis_tracking", "state=on");
                return;
        }
        if (strcmp(r->element[0]->str, "message") != 0)
                return;
        keys = r->element[2];
        p->epoch++;
        p->st.invalidations++;
        if (!p->o.on_invalidate)
                return;
        if (keys->type != REDIS_REPLY_ARRAY) {
                p->o.on_invalidate(p->o.arg, NULL, 0);
                return;
        }
        for (i = 0; i < keys->elements; i++)
                if (keys->element[i]->type == REDIS_REPLY_STRING)
                        p->o.on_invalidate(p->o.arg, keys->element[i]->str,
                                           keys->element[i]->len);
}

static void
rpool_sub_tracking_cb(redisAsyncContext *ac, void *reply, void *privdata)
{
        struct rpool *p = privdata;
        redisReply *r = reply;

        if (!r || ac != p->sc)
                return;
        if (r->type != REDIS_REPLY_STATUS) {
                log_error("redis_tracking_failed", "error=\"%s\"",
                          r->type == REDIS_REPLY_ERROR ? r->str : "?");
                return;
        }
        redisAsyncCommand(ac, rpool_sub_message_cb, p,
                          "SUBSCRIBE __redis__:invalidate");
}

static void
rpool_sub_id_cb(redisAsyncContext *ac, void *reply, void *privdata)
{
        struct rpool *p = privdata;
        redisReply *r = reply;
        const char *argv[6 + 2 * RPOOL_MAX_TRACK] = {
            "CLIENT", "TRACKING", "on", "REDIRECT", NULL, "BCAST"};
        size_t argvlen[6 + 2 * RPOOL_MAX_TRACK];
        char id[24];
        int argc = 6, i;

        if (!r || ac != p->sc || r->type != REDIS_REPLY_INTEGER)
                return;
        snprintf(id, sizeof(id), "%lld", r->integer);
        argv[4] = id;
        for (i = 0; i < p->ntrack; i++) {
                argv[argc++] = "PREFIX";
                argv[argc++] = p->prefix[i];
        }
        for (i = 0; i < argc; i++)
                argvlen[i] = strlen(argv[i]);
        redisAsyncCommandArgv(ac, rpool_sub_tracking_cb, p, argc, argv,
                              argvlen);
}

static void
rpool_sub_connect(struct rpool *p)
{
        if (p->sc || p->closing || p->ntrack == 0)
                return;
        p->sc = rpool_open(p);
        if (!p->sc) {
                rpool_schedule_reconnect(p);
                return;
        }
        redisAsyncCommand(p->sc, rpool_sub_id_cb, p, "CLIENT ID");
}

static void
rpool_reconnect_cb(evutil_socket_t fd, short what, void *arg)
{
        struct rpool *p = arg;

        (void)fd;
        (void)what;
        p->st.reconnects++;
        rpool_connect(p);
        rpool_sub_connect(p);
}

/* Drops the data connection from a timer (never from a hiredis callback). */
static void
rpool_drop(struct rpool *p)
{
        redisAsyncContext *ac = p->dc;

        p->dc = NULL;
        p->ready = 0;
        p->st.watchdog_drops++;
        log_warn("redis_stalled", "inflight=%zu action=reconnect", p->inflight);
        /* Runs every pending callback now, with a NULL reply. */
        redisAsyncFree(ac);
        rpool_schedule_reconnect(p);
}

static void
rpool_tick_cb(evutil_socket_t fd, short what, void *arg)
{
        struct rpool *p = arg;
        uint64_t now = clock_ms(), stall;
        struct rreq *r;

        (void)fd;
        (void)what;
        while ((r = p->live) && r->deadline_ms <= now) {
                rpool_cb cb = r->cb;

                rreq_unlink(r);
                rreq_push_expired(p, r);
                r->cb = NULL;
                p->st.timeouts++;
                if (cb)
                        cb(r->arg, NULL, RPOOL_TIMEOUT);
        }
        /*
         * The oldest command overdue by far, or a connection that has not
         * become ready (hiredis has no connect timeout): Redis is stuck,
         * not slow.  Drop the connection and start again.
         */
        stall = (uint64_t)p->o.timeout_ms * 3 + 500;
        if (p->dc && !p->ready && now - p->opened_ms > stall) {
                rpool_drop(p);
        } else if (p->dc && p->inflight > 0) {
                uint64_t oldest = UINT64_MAX;

                for (r = p->expired; r; r = r->next)
                        if (r->sent_ms < oldest)
                                oldest = r->sent_ms;
                if (p->live && p->live->sent_ms < oldest)
                        oldest = p->live->sent_ms;
                if (now - oldest > stall)
                        rpool_drop(p);
        }
}

static void
rpool_arm_tick(struct rpool *p)
{
        struct timeval tv;
        int ms = p->o.timeout_ms / 4;

        if (ms < 5)
                ms = 5;
        if (ms > 50)
                ms = 50;
        tv.tv_sec = 0;
        tv.tv_usec = ms * 1000;
        event_del(p->tick);
        event_add(p->tick, &tv);
}

struct rpool *
rpool_new(struct event_base *base, const struct rpool_opts *o)
{
        struct rpool *p = calloc(1, sizeof(*p));
        int i;

        if (!p)
                return NULL;
        p->base = base;
        p->o = *o;
        snprintf(p->socket, sizeof(p->socket), "%s",
                 o->socket ? o->socket : "");
        snprintf(p->host, sizeof(p->host), "%s", o->host ? o->host : "");
        snprintf(p->password, sizeof(p->password), "%s",
                 o->password ? o->password : "");
        p->o.password = NULL;
        for (i = 0; i < RPOOL_MAX_TRACK && o->track[i]; i++)
                snprintf(p->prefix[p->ntrack++], sizeof(p->prefix[0]), "%s",
                         o->track[i]);
        p->o.socket = p->socket;
        p->o.host = p->host;
        memset(p->o.track, 0, sizeof(p->o.track));
        p->epoch = 1;
        p->backoff_ms = RPOOL_BACKOFF_MIN_MS;
        p->tick = event_new(base, -1, EV_PERSIST, rpool_tick_cb, p);
        p->reconnect = evtimer_new(base, rpool_reconnect_cb, p);
        if (!p->tick || !p->reconnect) {
                rpool_free(p);
                return NULL;
        }
        rpool_arm_tick(p);
        rpool_connect(p);
        rpool_sub_connect(p);
        return p;
}

void
rpool_free(struct rpool *p)
{
        redisAsyncContext *ac;

        if (!p)
                return;
        p->closing = 1;
        if ((ac = p->dc)) {
                p->dc = NULL;
                redisAsyncFree(ac);
        }
        if ((ac = p->sc)) {
                p->sc = NULL;
                redisAsyncFree(ac);
        }
        if (p->tick)
                event_free(p->tick);
        if (p->reconnect)
                event_free(p->reconnect);
        OPENSSL_cleanse(p->password, sizeof(p->password));
        free(p);
}

int
rpool_ready(const struct rpool *p)
{
        return p->ready;
}

void
rpool_set_timeout(struct rpool *p, int timeout_ms)
{
        p->o.timeout_ms = timeout_ms;
        rpool_arm_tick(p);
}

uint64_t
rpool_cache_epoch(const struct rpool *p)
{
        return p->tracking ? p->epoch : 0;
}

void
rpool_get_stats(const struct rpool *p, struct rpool_stats *s)
{
        *s = p->st;
}

size_t
rpool_inflight(const struct rpool *p)
{
        return p->inflight;
}

int
rpool_auth_sync(redisContext *rc, const char *password, char *err,
                size_t errlen)
{
        redisReply *r;
        int ok;

        if (!password || !password[0])
                return 0;
        r = redisCommand(rc, "AUTH %s", password);
        ok = r && r->type == REDIS_REPLY_STATUS;
        snprintf(err, errlen, "AUTH: %s",
                 !r                             ? rc->errstr
                 : r->type == REDIS_REPLY_ERROR ? r->str
                                                : "unexpected reply");
        freeReplyObject(r);
        return ok ? 0 : -1;
}
