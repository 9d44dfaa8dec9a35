#include "resolver/tcp.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "core/net.h"
#include "core/wire.h"
#include "resolver/hproto.h"
#include "resolver/rworker.h"

/* Messages handled per read callback before yielding (fairness). */
#define TCP_MSGS_PER_EVENT 64
/* Output queued beyond this stops reading until the client catches up. */
#define TCP_OUT_HIGH (1u << 20)

enum tconn_state {
        TC_OPEN,    /* reading and answering */
        TC_CLOSING, /* no more reading; free once answers are flushed */
};

struct tconn {
        struct rworker *rw;
        struct bufferevent *bev;
        struct tconn *next, *prev; /* rw->conns */
        enum tconn_state state;
        struct hreq *pending;
        size_t inflight;
        struct hsrc src;
};

static void tcp_process(struct tconn *c);

static void
tcp_free(struct tconn *c, const char *reason)
{
        struct rworker *rw = c->rw;

        log_debug("tcp_close", "reason=%s inflight=%zu", reason, c->inflight);
        hproto_detach(c->pending);
        if (c->prev)
                c->prev->next = c->next;
        else
                rw->conns = c->next;
        if (c->next)
                c->next->prev = c->prev;
        rw->nconns--;
        /* Safe inside its own callbacks: libevent defers the real free. */
        bufferevent_free(c->bev);
        free(c);
}

/* Reading is on only while open, under the in-flight cap, output drained. */
static void
tcp_update_read(struct tconn *c)
{
        size_t out = evbuffer_get_length(bufferevent_get_output(c->bev));

        if (c->state == TC_OPEN &&
            c->inflight < (size_t)c->rw->cfg->max_inflight_per_conn &&
            out < TCP_OUT_HIGH)
                bufferevent_enable(c->bev, EV_READ);
        else
                bufferevent_disable(c->bev, EV_READ);
}

/* In TC_CLOSING, frees the connection once nothing more is owed. Returns
 * 1 if it was freed. */
static int
tcp_maybe_finish(struct tconn *c)
{
        if (c->state != TC_CLOSING || c->inflight > 0 ||
            evbuffer_get_length(bufferevent_get_output(c->bev)) > 0)
                return 0;
        tcp_free(c, "done");
        return 1;
}

static void
tcp_close_after_flush(struct tconn *c)
{
        c->state = TC_CLOSING;
        tcp_update_read(c);
}

void
tcp_send(struct tconn *c, const uint8_t *msg, size_t len)
{
        if (bufferevent_write(c->bev, msg, len) < 0)
                log_warn("tcp_write_failed", "bytes=%zu", len);
}

struct hreq **
tcp_pending(struct tconn *c)
{
        return &c->pending;
}

void
tcp_request_started(struct tconn *c)
{
        c->inflight++;
}

void
tcp_request_done(struct tconn *c)
{
        c->inflight--;
        if (tcp_maybe_finish(c))
                return;
        tcp_update_read(c);
        /* Input may have waited on the in-flight cap. */
        if (c->state == TC_OPEN &&
            evbuffer_get_length(bufferevent_get_input(c->bev)) > 0)
                bufferevent_trigger(c->bev, EV_READ,
                                    BEV_TRIG_IGNORE_WATERMARKS |
                                        BEV_TRIG_DEFER_CALLBACKS);
}

/* Answers a framing error the same way whatever its cause, then closes. */
static void
tcp_reject(struct tconn *c, const uint8_t *env_bytes, const char *msg)
{
        struct wire_env env;
        struct wire_reply r;
        struct wbuf *w = &c->rw->out;

        wire_env_decode(env_bytes, &env);
        wire_reply_init(&r, &env, NULL, RC_PROTOCOL_ERROR,
                        (uint16_t)c->rw->cfg->site_serial, clock_unix() + 3600);
        wbuf_reset(w);
        wire_error(w, &r, msg);
        if (wbuf_ok(w))
                tcp_send(c, w->p, w->len);
        c->rw->st.protocol_errors++;
        tcp_close_after_flush(c);
}

static void
tcp_process(struct tconn *c)
{
        struct evbuffer *in = bufferevent_get_input(c->bev);
        uint8_t env[WIRE_ENV_LEN];
        int i;

        for (i = 0; i < TCP_MSGS_PER_EVENT && c->state == TC_OPEN; i++) {
                size_t have = evbuffer_get_length(in), need;
                uint32_t msg_len;
                uint8_t *p;

                if (have < WIRE_ENV_LEN ||
                    c->inflight >= (size_t)c->rw->cfg->max_inflight_per_conn)
                        break;
                evbuffer_copyout(in, env, WIRE_ENV_LEN);
                msg_len = cur_be32(env + 16);
                if (msg_len > (uint32_t)c->rw->cfg->max_message_bytes) {
                        tcp_reject(c, env, "message too large");
                        return;
                }
                need = WIRE_ENV_LEN + msg_len;
                if (have < need)
                        break;
                p = evbuffer_pullup(in, (ssize_t)need);
                c->rw->st.tcp_requests++;
                hproto_input(c->rw, &c->src, p, need);
                evbuffer_drain(in, need);
        }
        tcp_update_read(c);
        if (i == TCP_MSGS_PER_EVENT && evbuffer_get_length(in) >= WIRE_ENV_LEN)
                bufferevent_trigger(c->bev, EV_READ,
                                    BEV_TRIG_IGNORE_WATERMARKS |
                                        BEV_TRIG_DEFER_CALLBACKS);
}

static void
tcp_read_cb(struct bufferevent *bev, void *arg)
{
        (void)bev;
        tcp_process(arg);
}

static void
tcp_write_cb(struct bufferevent *bev, void *arg)
{
        struct tconn *c = arg;

        (void)bev;
        if (!tcp_maybe_finish(c))
                tcp_update_read(c);
}

static void
tcp_event_cb(struct bufferevent *bev, short what, void *arg)
{
        struct tconn *c = arg;

        (void)bev;
        if (what & BEV_EVENT_TIMEOUT) {
                if ((what & BEV_EVENT_READING) && c->inflight > 0) {
                        tcp_update_read(c); /* busy, not idle */
                        return;
                }
                c->rw->st.tcp_idle_closed++;
                tcp_free(c,
                         (what & BEV_EVENT_READING) ? "idle" : "slow_reader");
                return;
        }
        if (what & BEV_EVENT_EOF) {
                /* The client may half-close after its last request. */
                tcp_close_after_flush(c);
                tcp_maybe_finish(c);
                return;
        }
        if (what & BEV_EVENT_ERROR)
                tcp_free(c, "error");
}

static void
tcp_accept_cb(struct evconnlistener *lis, evutil_socket_t fd,
              struct sockaddr *sa, int salen, void *arg)
{
        struct rworker *rw = arg;
        struct timeval idle;
        struct tconn *c;
        int one = 1;

        (void)lis;
        if (rw->nconns >= (size_t)rw->cfg->max_connections) {
                rw->st.tcp_rejected++;
                evutil_closesocket(fd);
                return;
        }
        c = calloc(1, sizeof(*c));
        if (!c) {
                evutil_closesocket(fd);
                return;
        }
        c->bev = bufferevent_socket_new(rw->base, fd, BEV_OPT_CLOSE_ON_FREE);
        if (!c->bev) {
                evutil_closesocket(fd);
                free(c);
                return;
        }
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        c->rw = rw;
        c->src.kind = HSRC_TCP;
        c->src.conn = c;
        if ((size_t)salen <= sizeof(c->src.addr)) {
                memcpy(&c->src.addr, sa, (size_t)salen);
                c->src.addrlen = (socklen_t)salen;
        }
        c->next = rw->conns;
        if (rw->conns)
                rw->conns->prev = c;
        rw->conns = c;
        rw->nconns++;
        rw->st.tcp_accepted++;
        idle.tv_sec = rw->cfg->tcp_idle_timeout_ms / 1000;
        idle.tv_usec = (rw->cfg->tcp_idle_timeout_ms % 1000) * 1000;
        bufferevent_set_timeouts(c->bev, &idle, &idle);
        bufferevent_setwatermark(c->bev, EV_WRITE, TCP_OUT_HIGH / 2, 0);
        bufferevent_setcb(c->bev, tcp_read_cb, tcp_write_cb, tcp_event_cb, c);
        bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

int
tcp_start(struct rworker *rw, char *err, size_t errlen)
{
        rw->tcp_lis = net_listen_tcp(rw->base, "tcp", rw->cfg->handle_bind,
                                     rw->cfg->handle_port, tcp_accept_cb, rw,
                                     err, errlen);
        return rw->tcp_lis ? 0 : -1;
}

void
tcp_stop(struct rworker *rw)
{
        if (rw->tcp_lis)
                evconnlistener_free(rw->tcp_lis);
        rw->tcp_lis = NULL;
        while (rw->conns)
                tcp_free(rw->conns, "shutdown");
}
