#include "registry/hclient.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/hval.h"
#include "core/site.h"
#include "core/wire.h"

#define HCLIENT_RETRY_MS 500
#define HCLIENT_TRIES    3
/* A fragment is at most 512 bytes; a bigger datagram is not ours. */
#define HCLIENT_DGRAM       2048
#define HCLIENT_MAX_QUERIES (1u << 20)
#define HCLIENT_RID_MASK    0x7FFFFFFFu
/* Requests carry a handle of at most WIRE_MAX_HANDLE bytes. */
#define HCLIENT_MAX_REQUEST 4096

struct hc_server {
        struct sockaddr_storage udp, tcp;
        socklen_t udplen, tcplen; /* 0: no such interface */
        int fd;                   /* connected UDP socket, or -1 */
        int udp_dead;             /* refused, or no socket */
        size_t inflight;          /* queries waiting on UDP */
        char udp_text[HCLIENT_ADDR_TEXT], tcp_text[HCLIENT_ADDR_TEXT];
};

enum hc_state { HC_QUEUED, HC_UDP, HC_TCP_WAIT, HC_TCP, HC_DONE, HC_FAILED };

struct hc_query {
        char *handle;
        size_t server;
        uint32_t rid;
        enum hc_state state;
        int tries;
        uint64_t sent_ms;
        /* UDP fragments being joined, or a TCP answer being read. */
        uint8_t *buf;
        uint32_t total; /* message bytes after the envelope */
        uint8_t *seen;  /* per fragment, while joining */
        uint32_t nfrag, have;
        /* TCP */
        int fd;
        int writing;
        uint8_t *out; /* the request, while it is written */
        size_t outlen, io;
        uint8_t env[WIRE_ENV_LEN];
        /* the outcome */
        uint32_t rc;
        struct hrec *rec;
        const char *addr;
};

struct hclient {
        struct hc_server *servers;
        size_t nservers;
        struct hc_query *q;
        size_t n, cap;
        size_t left;     /* queries neither answered nor given up */
        size_t tcp_open; /* queries in HC_TCP */
        uint32_t rid_base;
        struct wbuf req; /* a request being encoded */
};

struct hclient *
hclient_new(void)
{
        struct hclient *h = calloc(1, sizeof(*h));
        uint32_t r;

        if (!h)
                return NULL;
        if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
                r = (uint32_t)clock_ms() ^ (uint32_t)getpid();
        h->rid_base = r & HCLIENT_RID_MASK;
        wbuf_init(&h->req, HCLIENT_MAX_REQUEST);
        return h;
}

static void
hc_close(int *fd)
{
        if (*fd >= 0)
                close(*fd);
        *fd = -1;
}

/* Drops what a query holds while it is being answered. */
static void
hc_release(struct hc_query *q)
{
        free(q->buf);
        free(q->seen);
        free(q->out);
        q->buf = q->seen = q->out = NULL;
        q->total = q->nfrag = q->have = 0;
        hc_close(&q->fd);
}

void
hclient_free(struct hclient *h)
{
        size_t i;

        if (!h)
                return;
        for (i = 0; i < h->n; i++) {
                hc_release(&h->q[i]);
                hrec_free(h->q[i].rec);
                free(h->q[i].handle);
        }
        for (i = 0; i < h->nservers; i++)
                hc_close(&h->servers[i].fd);
        free(h->servers);
        free(h->q);
        wbuf_free(&h->req);
        free(h);
}

/* ------------------------------------------------------------ setup */

static void
hc_sockaddr(const struct site *s, uint32_t port, struct sockaddr_storage *ss,
            socklen_t *len, char text[HCLIENT_ADDR_TEXT])
{
        static const uint8_t zero[12];
        char a[SITE_ADDR_TEXT];

        memset(ss, 0, sizeof(*ss));
        site_address_text(s, a);
        if (memcmp(s->address, zero, sizeof(zero)) == 0) {
                struct sockaddr_in *in = (struct sockaddr_in *)ss;

                in->sin_family = AF_INET;
                in->sin_port = htons((uint16_t)port);
                memcpy(&in->sin_addr, s->address + 12, 4);
                *len = sizeof(*in);
                snprintf(text, HCLIENT_ADDR_TEXT, "%s:%u", a, port);
        } else {
                struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

                in6->sin6_family = AF_INET6;
                in6->sin6_port = htons((uint16_t)port);
                memcpy(&in6->sin6_addr, s->address, 16);
                *len = sizeof(*in6);
                snprintf(text, HCLIENT_ADDR_TEXT, "[%s]:%u", a, port);
        }
}

/* The server of site s: an existing one, or a new one.  -1 if none. */
static int
hc_server(struct hclient *h, const struct site *s)
{
        struct hc_server sv, *p;
        uint32_t i;

        memset(&sv, 0, sizeof(sv));
        sv.fd = -1;
        for (i = 0; i < s->niface; i++) {
                const struct site_iface *f = &s->iface[i];

                if (!(f->type & SITE_IF_QUERY) || f->port == 0 ||
                    f->port > 65535)
                        continue;
                if (f->proto == SITE_PROTO_UDP && !sv.udplen)
                        hc_sockaddr(s, f->port, &sv.udp, &sv.udplen,
                                    sv.udp_text);
                else if (f->proto == SITE_PROTO_TCP && !sv.tcplen)
                        hc_sockaddr(s, f->port, &sv.tcp, &sv.tcplen,
                                    sv.tcp_text);
        }
        if (!sv.udplen && !sv.tcplen)
                return -1;
        sv.udp_dead = !sv.udplen;
        for (i = 0; i < h->nservers; i++) {
                p = &h->servers[i];
                if (p->udplen == sv.udplen && p->tcplen == sv.tcplen &&
                    memcmp(&p->udp, &sv.udp, sizeof(sv.udp)) == 0 &&
                    memcmp(&p->tcp, &sv.tcp, sizeof(sv.tcp)) == 0)
                        return (int)i;
        }
        if (h->nservers == HCLIENT_MAX_SERVERS)
                return -1;
        if (!h->servers &&
            !(h->servers = calloc(HCLIENT_MAX_SERVERS, sizeof(*h->servers))))
                return -1;
        h->servers[h->nservers] = sv;
        return (int)h->nservers++;
}

int
hclient_add(struct hclient *h, const char *handle, size_t len,
            const struct site *s)
{
        struct hc_query *q;
        int sv;

        if (h->n == HCLIENT_MAX_QUERIES || len > WIRE_MAX_HANDLE ||
            memchr(handle, '\0', len) || (sv = hc_server(h, s)) < 0)
                return -1;
        if (h->n == h->cap) {
                size_t cap = h->cap ? 2 * h->cap : 16;
                struct hc_query *p = realloc(h->q, cap * sizeof(*p));

                if (!p)
                        return -1;
                h->q = p;
                h->cap = cap;
        }
        q = &h->q[h->n];
        memset(q, 0, sizeof(*q));
        q->fd = -1;
        if (!(q->handle = strndup(handle, len)))
                return -1;
        q->server = (size_t)sv;
        q->rid = (h->rid_base + (uint32_t)h->n) & HCLIENT_RID_MASK;
        q->addr = h->servers[sv].udplen ? h->servers[sv].udp_text
                                        : h->servers[sv].tcp_text;
        h->left++;
        return (int)h->n++;
}

/* ------------------------------------------------------- decoding */

int
hclient_decode(const uint8_t *p, size_t len, uint32_t rid, uint32_t *rc,
               struct hrec **rec)
{
        struct span *vals = NULL;
        struct wire_env e;
        struct wire_msg m;
        struct hval v;
        struct cur c;
        uint32_t n, i;
        uint8_t alg;

        *rec = NULL;
        if (len < WIRE_ENV_LEN)
                return -1;
        wire_env_decode(p, &e);
        if (e.request_id != rid || e.msg_len != len - WIRE_ENV_LEN ||
            (e.flags & (WIRE_ENV_CP | WIRE_ENV_EC)) ||
            wire_msg_decode(p + WIRE_ENV_LEN, len - WIRE_ENV_LEN, &m) < 0 ||
            m.h.opcode != OC_RESOLUTION || m.h.rcode == 0)
                return -1;
        *rc = m.h.rcode;
        if (m.h.rcode != RC_SUCCESS && m.h.rcode != RC_SERVICE_REFERRAL &&
            m.h.rcode != RC_PREFIX_REFERRAL)
                return 0;
        cur_init(&c, m.body.p, m.body.len);
        if (m.h.opflags & OPF_RD) {
                /* We ask for no digest; skip one sent anyway. */
                alg = cur_u8(&c);
                if (alg < 1 || alg > 3)
                        return -1;
                cur_skip(&c, alg == 1 ? 16 : alg == 2 ? 20 : 32);
        }
        (void)cur_bytes(&c, WIRE_MAX_HANDLE); /* handle, referral handle */
        if (m.h.rcode != RC_SUCCESS && cur_ok(&c) && cur_left(&c) == 0)
                return 0; /* a referral to a service handle, no values */
        n = cur_u32(&c);
        if (!cur_ok(&c) || n > HVAL_MAX_PER_HANDLE)
                return -1;
        if (n && !(vals = calloc(n, sizeof(*vals))))
                return 0;
        for (i = 0; i < n; i++) {
                if (hval_decode(&c, &v) < 0) {
                        free(vals);
                        return -1;
                }
                vals[i] = v.wire;
        }
        *rec = hrec_new(vals, n, NULL);
        free(vals);
        return 0;
}

/* ------------------------------------------------------------ states */

static void
hc_set(struct hclient *h, struct hc_query *q, enum hc_state st)
{
        struct hc_server *s = &h->servers[q->server];

        if (q->state == HC_UDP)
                s->inflight--;
        if (q->state == HC_TCP)
                h->tcp_open--;
        if (st == HC_UDP)
                s->inflight++;
        if (st == HC_TCP)
                h->tcp_open++;
        if (st == HC_DONE || st == HC_FAILED) {
                hc_release(q);
                h->left--;
        }
        if (st == HC_TCP_WAIT)
                hc_release(q);
        q->state = st;
}

/* UDP did not work out for q: TCP if the server offers it. */
static void
hc_udp_gave_up(struct hclient *h, struct hc_query *q)
{
        hc_set(h, q, h->servers[q->server].tcplen ? HC_TCP_WAIT : HC_FAILED);
}

/* The server refused UDP (or it cannot be used): its queries move on. */
static void
hc_udp_dead(struct hclient *h, size_t sv)
{
        size_t i;

        h->servers[sv].udp_dead = 1;
        hc_close(&h->servers[sv].fd);
        for (i = 0; i < h->n; i++)
                if (h->q[i].server == sv &&
                    (h->q[i].state == HC_UDP || h->q[i].state == HC_QUEUED))
                        hc_udp_gave_up(h, &h->q[i]);
}

/* A whole answer for q arrived (over TCP when `tcp`). */
static void
hc_answer(struct hclient *h, struct hc_query *q, const uint8_t *p, size_t len,
          int tcp)
{
        struct hc_server *s = &h->servers[q->server];
        struct hrec *rec;
        uint32_t rc;

        if (hclient_decode(p, len, q->rid, &rc, &rec) < 0) {
                if (tcp)
                        hc_set(h, q, HC_FAILED);
                return; /* not the answer: keep waiting */
        }
        if (!tcp && rc == RC_ERROR && s->tcplen) {
                /* "answer too large for UDP": ask over TCP. */
                hc_set(h, q, HC_TCP_WAIT);
                return;
        }
        q->rc = rc;
        q->rec = rec;
        q->addr = tcp ? s->tcp_text : s->udp_text;
        hc_set(h, q, HC_DONE);
}

/* ---------------------------------------------------------------- UDP */

static int
hc_encode(struct hclient *h, const struct hc_query *q)
{
        struct wire_query wq;

        memset(&wq, 0, sizeof(wq));
        wq.major = 2;
        wq.minor = 10;
        wq.request_id = q->rid;
        wq.opflags = OPF_REC | OPF_CA | OPF_PO;
        wq.expiration = clock_unix() + 12 * 3600;
        wq.handle = q->handle;
        wbuf_reset(&h->req);
        wire_query_encode(&h->req, &wq);
        return wbuf_ok(&h->req) ? 0 : -1;
}

static void
hc_udp_send(struct hclient *h, struct hc_query *q, uint64_t now)
{
        struct hc_server *s = &h->servers[q->server];

        if (s->fd < 0) {
                s->fd = socket(s->udp.ss_family,
                               SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
                if (s->fd < 0 ||
                    connect(s->fd, (struct sockaddr *)&s->udp, s->udplen) < 0) {
                        hc_udp_dead(h, q->server);
                        return;
                }
        }
        if (hc_encode(h, q) < 0) {
                hc_set(h, q, HC_FAILED);
                return;
        }
        if (q->state != HC_UDP)
                hc_set(h, q, HC_UDP);
        q->tries++;
        q->sent_ms = now;
        if (send(s->fd, h->req.p, h->req.len, MSG_DONTWAIT) < 0 &&
            errno == ECONNREFUSED)
                hc_udp_dead(h, q->server);
}

/* A datagram of a fragmented answer. */
static void
hc_fragment(struct hclient *h, struct hc_query *q, const struct wire_env *e,
            const uint8_t *d, size_t n)
{
        size_t off, part = n - WIRE_ENV_LEN;

        if (e->msg_len > WIRE_MAX_MESSAGE || e->msg_len == 0)
                return;
        if (!q->buf) {
                q->total = e->msg_len;
                q->nfrag = (q->total + WIRE_UDP_CHUNK - 1) / WIRE_UDP_CHUNK;
                q->buf = malloc(WIRE_ENV_LEN + (size_t)q->total);
                q->seen = calloc(q->nfrag, 1);
                if (!q->buf || !q->seen) {
                        hc_set(h, q, HC_FAILED);
                        return;
                }
                memcpy(q->buf, d, WIRE_ENV_LEN);
                q->buf[2] &= (uint8_t)~WIRE_ENV_TC;
                cur_put_be32(q->buf + 12, 0);
        }
        off = (size_t)e->seq * WIRE_UDP_CHUNK;
        if (e->msg_len != q->total || e->seq >= q->nfrag || q->seen[e->seq] ||
            part > WIRE_UDP_CHUNK ||
            part != (q->total - off < WIRE_UDP_CHUNK ? q->total - off
                                                     : WIRE_UDP_CHUNK))
                return;
        memcpy(q->buf + WIRE_ENV_LEN + off, d + WIRE_ENV_LEN, part);
        q->seen[e->seq] = 1;
        if (++q->have == q->nfrag)
                hc_answer(h, q, q->buf, WIRE_ENV_LEN + (size_t)q->total, 0);
}

static void
hc_udp_read(struct hclient *h, size_t sv)
{
        uint8_t d[HCLIENT_DGRAM];
        struct wire_env e;
        struct hc_query *q;
        ssize_t n;
        uint32_t i;

        while (h->servers[sv].fd >= 0) {
                n = recv(h->servers[sv].fd, d, sizeof(d), MSG_DONTWAIT);
                if (n < 0) {
                        if (errno == ECONNREFUSED)
                                hc_udp_dead(h, sv);
                        return;
                }
                if (n < (ssize_t)WIRE_ENV_LEN)
                        continue;
                wire_env_decode(d, &e);
                i = (e.request_id - h->rid_base) & HCLIENT_RID_MASK;
                if (i >= h->n || h->q[i].server != sv ||
                    h->q[i].state != HC_UDP)
                        continue;
                q = &h->q[i];
                if (e.flags & WIRE_ENV_TC)
                        hc_fragment(h, q, &e, d, (size_t)n);
                else
                        hc_answer(h, q, d, (size_t)n, 0);
        }
}

/* ---------------------------------------------------------------- TCP */

static void
hc_tcp_start(struct hclient *h, struct hc_query *q)
{
        struct hc_server *s = &h->servers[q->server];

        hc_set(h, q, HC_TCP);
        q->addr = s->tcp_text;
        if (hc_encode(h, q) < 0 || !(q->out = malloc(h->req.len)))
                goto fail;
        memcpy(q->out, h->req.p, h->req.len);
        q->outlen = h->req.len;
        q->io = 0;
        q->writing = 1;
        q->fd = socket(s->tcp.ss_family,
                       SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (q->fd < 0 ||
            (connect(q->fd, (struct sockaddr *)&s->tcp, s->tcplen) < 0 &&
             errno != EINPROGRESS))
                goto fail;
        return;
fail:
        hc_set(h, q, HC_FAILED);
}

/* Reads into dst up to `want` bytes in total; 1 when all are there. */
static int
hc_tcp_fill(struct hc_query *q, uint8_t *dst, size_t want, int *err)
{
        ssize_t n;

        while (q->io < want) {
                n = recv(q->fd, dst + q->io, want - q->io, MSG_DONTWAIT);
                if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
                        *err = 1;
                        return 0;
                }
                if (n < 0)
                        return 0;
                q->io += (size_t)n;
        }
        return 1;
}

static void
hc_tcp_io(struct hclient *h, struct hc_query *q)
{
        struct wire_env e;
        ssize_t n;
        int err = 0;

        if (q->writing) {
                n = send(q->fd, q->out + q->io, q->outlen - q->io,
                         MSG_DONTWAIT | MSG_NOSIGNAL);
                if (n < 0 && errno != EAGAIN && errno != EINTR)
                        goto fail;
                q->io += n > 0 ? (size_t)n : 0;
                if (q->io == q->outlen) {
                        q->writing = 0;
                        q->io = 0;
                }
                return;
        }
        if (!q->buf) {
                if (!hc_tcp_fill(q, q->env, WIRE_ENV_LEN, &err))
                        goto check;
                wire_env_decode(q->env, &e);
                if (e.msg_len > WIRE_MAX_MESSAGE || e.request_id != q->rid ||
                    !(q->buf = malloc(WIRE_ENV_LEN + (size_t)e.msg_len)))
                        goto fail;
                memcpy(q->buf, q->env, WIRE_ENV_LEN);
                q->total = e.msg_len;
        }
        if (hc_tcp_fill(q, q->buf, WIRE_ENV_LEN + (size_t)q->total, &err)) {
                hc_answer(h, q, q->buf, WIRE_ENV_LEN + (size_t)q->total, 1);
                return;
        }
check:
        if (!err)
                return;
fail:
        hc_set(h, q, HC_FAILED);
}

/* ------------------------------------------------------------- the loop */

/*
 * Starts what may start now: queued queries within their server's UDP
 * window, resends, TCP connections.  *next: when to look again.
 */
static void
hc_advance(struct hclient *h, uint64_t now, uint64_t *next)
{
        struct hc_query *q;
        struct hc_server *s;
        uint64_t due;
        size_t i;

        for (i = 0; i < h->n; i++) {
                q = &h->q[i];
                s = &h->servers[q->server];
                if (q->state == HC_QUEUED && s->udp_dead)
                        hc_udp_gave_up(h, q);
                else if (q->state == HC_QUEUED && s->inflight < HCLIENT_WINDOW)
                        hc_udp_send(h, q, now);
                if (q->state == HC_UDP) {
                        due = q->sent_ms + HCLIENT_RETRY_MS;
                        if (now >= due && q->buf && s->tcplen)
                                hc_udp_gave_up(h, q); /* in pieces */
                        else if (now >= due && q->tries < HCLIENT_TRIES)
                                hc_udp_send(h, q, now);
                        else if (due > now && due < *next)
                                *next = due;
                }
                if (q->state == HC_TCP_WAIT && h->tcp_open < HCLIENT_MAX_TCP)
                        hc_tcp_start(h, q);
        }
}

void
hclient_run(struct hclient *h, uint64_t deadline_ms)
{
        struct pollfd *pf;
        size_t *who, np, i;
        uint64_t now, next;
        int timeout;

        pf = calloc(h->nservers + HCLIENT_MAX_TCP, sizeof(*pf));
        who = calloc(h->nservers + HCLIENT_MAX_TCP, sizeof(*who));
        while (pf && who && h->left > 0 && (now = clock_ms()) < deadline_ms) {
                next = deadline_ms;
                hc_advance(h, now, &next);
                np = 0;
                for (i = 0; i < h->nservers; i++)
                        if (h->servers[i].fd >= 0 && h->servers[i].inflight) {
                                pf[np] = (struct pollfd){h->servers[i].fd,
                                                         POLLIN, 0};
                                who[np++] = i;
                        }
                for (i = 0; i < h->n && np < h->nservers + HCLIENT_MAX_TCP; i++)
                        if (h->q[i].state == HC_TCP) {
                                pf[np] = (struct pollfd){
                                    h->q[i].fd,
                                    h->q[i].writing ? POLLOUT : POLLIN, 0};
                                who[np++] = h->nservers + i;
                        }
                if (np == 0 && h->left > 0 && next == deadline_ms)
                        break; /* nothing can happen any more */
                timeout = (int)(next - now);
                if (poll(pf, np, timeout) < 0 && errno != EINTR)
                        break;
                for (i = 0; i < np; i++) {
                        if (!pf[i].revents)
                                continue;
                        if (who[i] < h->nservers)
                                hc_udp_read(h, who[i]);
                        else if (h->q[who[i] - h->nservers].state == HC_TCP)
                                hc_tcp_io(h, &h->q[who[i] - h->nservers]);
                }
        }
        for (i = 0; i < h->n; i++)
                if (h->q[i].state != HC_DONE && h->q[i].state != HC_FAILED)
                        hc_set(h, &h->q[i], HC_FAILED);
        for (i = 0; i < h->nservers; i++)
                hc_close(&h->servers[i].fd);
        free(pf);
        free(who);
}

enum hclient_status
hclient_result(const struct hclient *h, size_t i, uint32_t *rc,
               const char **addr)
{
        const struct hc_query *q = &h->q[i];

        *addr = q->addr;
        *rc = q->rc;
        return q->state == HC_DONE ? HCLIENT_ANSWERED : HCLIENT_NO_ANSWER;
}

struct hrec *
hclient_take(struct hclient *h, size_t i)
{
        struct hrec *rec = h->q[i].rec;

        h->q[i].rec = NULL;
        return rec;
}
