#include "resolver/tcp.h"

#include <errno.h>
#include <netinet/in.h>
#include <linux/sockios.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "core/net.h"
#include "core/wire.h"
#include "resolver/guard.h"
#include "resolver/hauth.h"
#include "resolver/hproto.h"
#include "resolver/rworker.h"

/*
 * Connections use plain nonblocking sockets and their own buffers, as
 * memcached and Redis do, rather than bufferevents: one read() per
 * wakeup, the answers to every request of that read sent with one
 * write(), and write interest registered only when the kernel's buffer
 * is full.  Bufferevents cost an ioctl(FIONREAD) per read and an
 * add/remove of write interest per answer, a quarter of the time here.
 */

/* Messages handled per wakeup before yielding to other connections. */
#define TCP_MSGS_PER_EVENT 64
/* Unsent answers beyond this stop reading until the client catches up. */
#define TCP_OUT_HIGH   (1u << 20)
#define TCP_IN_INITIAL 4096u

enum tconn_state {
        TC_OPEN,    /* reading and answering */
        TC_CLOSING, /* no more reading; freed once answers are flushed */
        TC_DEAD,    /* the socket failed; freed at the next safe point */
};

struct tconn {
        struct rworker *rw;
        int fd;
        struct event *rev; /* readable, or idle for tcp_idle_timeout_ms */
        struct event *wev; /* writable; added only while output waits */
        struct tconn *next, *prev; /* rw->conns */
        enum tconn_state state;
        int processing; /* inside tcp_process: answers are batched */
        int eof;        /* the client half-closed; answer what it sent */
        int reading;    /* rev is added */
        struct hreq *pending;
        struct hauth_conn *auth; /* challenges and logins, or NULL */
        size_t inflight;
        struct hsrc src;
        void *hold; /* its count among its address's connections */
        uint8_t *in;
        size_t in_len, in_cap;
        uint64_t partial_ms; /* when in[] began holding an unfinished
                                message; 0 = not yet seen */
        uint8_t *out;
        size_t out_off, out_len, out_cap;
};

static void
tcp_free(struct tconn *c, const char *reason)
{
        struct rworker *rw = c->rw;

        log_debug("tcp_close", "reason=%s inflight=%zu", reason, c->inflight);
        hproto_detach(c->pending);
        hauth_conn_free(rw, c->auth);
        if (c->prev)
                c->prev->next = c->next;
        else
                rw->conns = c->next;
        if (c->next)
                c->next->prev = c->prev;
        rw->nconns--;
        guard_close(c->hold);
        /* Freeing an event from inside its own callback is allowed. */
        event_free(c->rev);
        event_free(c->wev);
        close(c->fd);
        free(c->in);
        free(c->out);
        free(c);
}

static struct timeval
tcp_idle_tv(const struct tconn *c)
{
        int ms = c->rw->cfg->tcp_idle_timeout_ms;
        struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

        return tv;
}

static size_t
tcp_unsent(const struct tconn *c)
{
        return c->out_len - c->out_off;
}

/* Writes what it can now; the rest waits for the writable event. */
static void
tcp_flush(struct tconn *c)
{
        while (c->state != TC_DEAD && tcp_unsent(c) > 0) {
                ssize_t n = send(c->fd, c->out + c->out_off, tcp_unsent(c),
                                 MSG_NOSIGNAL);

                if (n > 0) {
                        c->out_off += (size_t)n;
                        continue;
                }
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                        struct timeval tv = tcp_idle_tv(c);

                        /* A client that stops reading times out here. */
                        event_add(c->wev, &tv);
                        return;
                }
                c->state = TC_DEAD;
                return;
        }
        c->out_off = c->out_len = 0;
        event_del(c->wev);
}

/*
 * Decides reading and freeing after anything happened.  Returns 1 if the
 * connection was freed.
 */
static int
tcp_settle(struct tconn *c)
{
        int want;

        if (c->state == TC_DEAD) {
                tcp_free(c, "error");
                return 1;
        }
        if (c->state == TC_CLOSING && c->inflight == 0 && tcp_unsent(c) == 0) {
                tcp_free(c, "done");
                return 1;
        }
        want = c->state == TC_OPEN &&
               c->inflight < (size_t)c->rw->cfg->max_inflight_per_conn &&
               tcp_unsent(c) < TCP_OUT_HIGH;
        if (want && !c->reading) {
                struct timeval tv = tcp_idle_tv(c);

                event_add(c->rev, &tv);
        } else if (!want && c->reading) {
                event_del(c->rev);
        }
        c->reading = want;
        return 0;
}

void
tcp_send(struct tconn *c, const uint8_t *msg, size_t len)
{
        if (c->state == TC_DEAD)
                return;
        if (c->out_len + len > c->out_cap) {
                size_t cap = c->out_cap ? c->out_cap : 4096;
                uint8_t *p;

                if (c->out_off > 0) { /* reclaim what was sent */
                        memmove(c->out, c->out + c->out_off, tcp_unsent(c));
                        c->out_len -= c->out_off;
                        c->out_off = 0;
                }
                while (cap < c->out_len + len)
                        cap *= 2;
                if (cap > c->out_cap) {
                        p = realloc(c->out, cap);
                        if (!p) {
                                log_warn("tcp_out_of_memory", "bytes=%zu", cap);
                                c->state = TC_DEAD;
                                return;
                        }
                        c->out = p;
                        c->out_cap = cap;
                }
        }
        memcpy(c->out + c->out_len, msg, len);
        c->out_len += len;
        /* Within tcp_process, answers go out together after the batch. */
        if (!c->processing)
                tcp_flush(c);
}

struct hauth_conn **
tcp_auth(struct tconn *c)
{
        return &c->auth;
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
        if (tcp_settle(c))
                return;
        /* Input may have waited on the in-flight cap. */
        if (c->state == TC_OPEN && c->in_len >= WIRE_ENV_LEN)
                event_active(c->rev, EV_READ, 0);
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
        c->state = TC_CLOSING;
}

/* Makes room for `need` bytes of input in total. 0, or -1 on ENOMEM. */
static int
tcp_in_reserve(struct tconn *c, size_t need)
{
        size_t cap = c->in_cap;
        uint8_t *p;

        if (need <= cap)
                return 0;
        while (cap < need)
                cap *= 2;
        p = realloc(c->in, cap);
        if (!p)
                return -1;
        c->in = p;
        c->in_cap = cap;
        return 0;
}

/*
 * Handles the complete messages in the input buffer.  Returns 1 if it
 * stopped at the per-wakeup limit with more to do (and re-queued itself).
 */
static int
tcp_process(struct tconn *c)
{
        size_t off = 0;
        int i;

        c->processing = 1;
        for (i = 0; i < TCP_MSGS_PER_EVENT && c->state == TC_OPEN; i++) {
                size_t have = c->in_len - off, need;
                uint32_t msg_len;

                if (have < WIRE_ENV_LEN ||
                    c->inflight >= (size_t)c->rw->cfg->max_inflight_per_conn)
                        break;
                msg_len = cur_be32(c->in + off + 16);
                if (msg_len > (uint32_t)c->rw->cfg->max_message_bytes) {
                        tcp_reject(c, c->in + off, "message too large");
                        break;
                }
                need = WIRE_ENV_LEN + msg_len;
                if (have < need) {
                        if (tcp_in_reserve(c, need) < 0)
                                c->state = TC_DEAD;
                        break;
                }
                c->rw->st.tcp_requests++;
                c->src.received_us = clock_us();
                /* Deferred requests copy what they keep of the bytes. */
                hproto_input(c->rw, &c->src, c->in + off, need);
                off += need;
        }
        c->processing = 0;
        if (off > 0) {
                memmove(c->in, c->in + off, c->in_len - off);
                c->in_len -= off;
                c->partial_ms = 0;
        }
        if (i == TCP_MSGS_PER_EVENT && c->in_len >= WIRE_ENV_LEN) {
                event_active(c->rev, EV_READ, 0); /* more: after others */
                return 1;
        }
        return 0;
}

/*
 * Bytes the kernel still holds for the client: a client slowly reading a
 * large answer is not idle even when nothing waits in our own buffer.
 */
static int
tcp_kernel_unsent(const struct tconn *c)
{
        int n = 0;

        if (ioctl(c->fd, SIOCOUTQ, &n) < 0)
                return 0;
        return n;
}

/* 1 if a whole message waits in the input buffer. */
static int
tcp_has_message(const struct tconn *c)
{
        return c->in_len >= WIRE_ENV_LEN &&
               c->in_len - WIRE_ENV_LEN >= cur_be32(c->in + 16);
}

/*
 * 1 if an unfinished message has been arriving for longer than the idle
 * timeout: a client sending a byte now and then (slowloris) is never
 * idle, but must still not hold a connection forever.
 */
static int
tcp_slow_request(struct tconn *c)
{
        uint64_t now;

        if (c->in_len == 0 || tcp_has_message(c))
                return 0;
        now = clock_ms();
        if (!c->partial_ms)
                c->partial_ms = now;
        return now - c->partial_ms > (uint64_t)c->rw->cfg->tcp_idle_timeout_ms;
}

static void
tcp_read_cb(evutil_socket_t fd, short what, void *arg)
{
        struct tconn *c = arg;
        ssize_t n;

        if (what & EV_TIMEOUT) {
                if (c->inflight > 0 || tcp_unsent(c) > 0 ||
                    tcp_kernel_unsent(c) > 0)
                        return; /* busy, not idle */
                c->rw->st.tcp_idle_closed++;
                tcp_free(c, "idle");
                return;
        }
        if (c->in_len == c->in_cap && tcp_in_reserve(c, c->in_cap * 2) < 0)
                c->state = TC_DEAD;
        if (c->state == TC_OPEN && !c->eof) {
                n = recv(fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
                if (n > 0)
                        c->in_len += (size_t)n;
                else if (n == 0)
                        c->eof = 1; /* half-close: still answer its requests */
                else if (errno != EAGAIN && errno != EWOULDBLOCK &&
                         errno != EINTR)
                        c->state = TC_DEAD;
        }
        if (c->state == TC_OPEN && !tcp_process(c) && c->eof &&
            c->state == TC_OPEN && !tcp_has_message(c))
                c->state = TC_CLOSING;
        if (c->state == TC_OPEN && tcp_slow_request(c)) {
                c->rw->st.tcp_idle_closed++;
                tcp_free(c, "slow_request");
                return;
        }
        tcp_flush(c);
        tcp_settle(c);
}

static void
tcp_write_cb(evutil_socket_t fd, short what, void *arg)
{
        struct tconn *c = arg;

        (void)fd;
        if (what & EV_TIMEOUT) {
                c->rw->st.tcp_idle_closed++;
                tcp_free(c, "slow_reader");
                return;
        }
        tcp_flush(c);
        tcp_settle(c);
}

static void
tcp_accept_cb(struct evconnlistener *lis, evutil_socket_t fd,
              struct sockaddr *sa, int salen, void *arg)
{
        struct rworker *rw = arg;
        struct tconn *c;
        void *hold;
        int one = 1;

        (void)lis;
        if (rw->nconns >= (size_t)rw->cfg->max_connections) {
                rw->st.tcp_rejected++;
                evutil_closesocket(fd);
                return;
        }
        if (!guard_accept(rw, sa, &hold)) {
                evutil_closesocket(fd);
                return;
        }
        c = calloc(1, sizeof(*c));
        if (c) {
                c->in = malloc(TCP_IN_INITIAL);
                c->rev = event_new(rw->base, fd, EV_READ | EV_PERSIST,
                                   tcp_read_cb, c);
                c->wev = event_new(rw->base, fd, EV_WRITE | EV_PERSIST,
                                   tcp_write_cb, c);
        }
        if (!c || !c->in || !c->rev || !c->wev) {
                if (c) {
                        free(c->in);
                        if (c->rev)
                                event_free(c->rev);
                        if (c->wev)
                                event_free(c->wev);
                        free(c);
                }
                guard_close(hold);
                evutil_closesocket(fd);
                return;
        }
        evutil_make_socket_nonblocking(fd);
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        c->rw = rw;
        c->fd = fd;
        c->hold = hold;
        c->in_cap = TCP_IN_INITIAL;
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
        tcp_settle(c);
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
tcp_close_listener(struct rworker *rw)
{
        if (rw->tcp_lis)
                evconnlistener_free(rw->tcp_lis);
        rw->tcp_lis = NULL;
}

void
tcp_stop(struct rworker *rw)
{
        tcp_close_listener(rw);
        while (rw->conns)
                tcp_free(rw->conns, "shutdown");
}
