/*
 * idbench: a closed-loop Handle-protocol load generator.
 *
 *   idbench --proto udp|tcp --server HOST:PORT --clients N
 *           --duration SECONDS --handles FILE [--warmup SECONDS]
 *           [--name NAME] [--timeout-ms MS] [--seed S]
 *
 * One thread, one event_base.  Each of N clients owns one socket (a
 * connected UDP socket, or one persistent TCP connection), sends one
 * RESOLUTION request for a handle picked uniformly at random from FILE,
 * waits for the answer carrying its request id, records the latency and
 * sends the next.  A request without an answer after --timeout-ms counts
 * as a timeout and the client moves on to a new request.
 *
 * Nothing is allocated per request: every client reuses its request,
 * receive and reassembly buffers.  The result is one JSON line on stdout
 * (see print_result); the exit status is non-zero if the server never
 * answered.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "core/cur.h"
#include "core/wire.h"

#define BENCH_MAX_FRAGS                                                        \
        ((WIRE_MAX_MESSAGE + WIRE_UDP_CHUNK - 1) / WIRE_UDP_CHUNK)
#define BENCH_DGRAM_MAX        2048u /* a fragment is <= 512; leave slack */
#define BENCH_RECV_BURST       64    /* datagrams read per wakeup */
#define BENCH_CONNECT_RETRY_NS 100000000ull
#define BENCH_NCODES           1024u /* response codes counted in an array */
#define BENCH_RBUF_MAX         (2 * (WIRE_ENV_LEN + WIRE_MAX_MESSAGE))

/*
 * Latency histogram in microseconds, log-linear like HdrHistogram with
 * 2 significant decimal digits: values below 256 us have their own
 * bucket; above, every power of two is split into 128 sub-buckets
 * (relative error < 0.8%).  Values are clamped to 10 s.
 */
#define HIST_LINEAR   256u
#define HIST_SUB      128u
#define HIST_SHIFT    7u
#define HIST_MAX_US   10000000ull
#define HIST_NBUCKETS (HIST_LINEAR + 17u * HIST_SUB)

struct hist {
        uint64_t n[HIST_NBUCKETS];
        uint64_t total;
};

enum proto { PROTO_UDP, PROTO_TCP };

enum cstate {
        CS_IDLE,       /* nothing in flight; send next */
        CS_CONNECTING, /* TCP connect in progress */
        CS_SENDING,    /* TCP request partly written */
        CS_WAITING,    /* request sent, awaiting the answer */
        CS_BACKOFF,    /* TCP connection failed; retry at retry_ns */
};

struct bench;

struct client {
        struct bench *b;
        int fd;
        enum cstate state;
        struct event *rev; /* EV_READ | EV_PERSIST */
        struct event *wev; /* EV_WRITE, one shot (connect, partial write) */
        uint32_t request_id;
        uint64_t sent_ns;
        uint64_t retry_ns;
        struct wbuf req; /* the encoded request, reused */
        size_t req_off;  /* bytes of req already written (TCP) */
        /* TCP: receive buffer. */
        uint8_t *rbuf;
        size_t rlen, rcap;
        /* UDP: datagram buffer and fragment reassembly. */
        uint8_t *dgram;
        uint8_t *asm_buf;
        size_t asm_cap;
        uint32_t asm_total; /* MessageLength of the answer being assembled */
        uint32_t asm_nfrag;
        uint32_t asm_have;
        uint64_t asm_seen[(BENCH_MAX_FRAGS + 63) / 64];
};

struct handles {
        char *text;  /* the file, newlines replaced by NULs */
        char **line; /* pointers into text */
        size_t n;
};

struct bench {
        enum proto proto;
        const char *name;
        const char *server;
        struct sockaddr_storage addr;
        socklen_t addrlen;
        int nclients;
        double duration_s;
        double warmup_s;
        uint32_t timeout_ms;
        uint64_t seed;

        struct handles h;
        uint64_t rng;
        uint32_t next_id;
        uint32_t expiration;

        struct event_base *base;
        struct client *c;
        struct event *tick;
        struct event *phase;
        int measuring;
        int done;
        uint64_t t_start_ns, t_end_ns;

        /* Counted only while measuring, except `answered`. */
        uint64_t answered; /* any decodable answer, warmup included */
        uint64_t ok;
        uint64_t errors;
        uint64_t timeouts;
        uint64_t malformed;
        uint64_t conn_errors;
        uint64_t codes[BENCH_NCODES];
        uint64_t codes_other;
        struct hist hist;
};

static uint64_t
now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* xorshift64* (Vigna); never returns the same stream for seed 0. */
static uint64_t
rng_next(uint64_t *s)
{
        uint64_t x = *s;

        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        *s = x;
        return x * 0x2545F4914F6CDD1Dull;
}

static size_t
rng_below(uint64_t *s, size_t n)
{
        /* Multiply-shift: uniform enough for n << 2^32. */
        return (size_t)(((rng_next(s) >> 32) * (uint64_t)n) >> 32);
}

/* ---- histogram ---------------------------------------------------- */

static unsigned
hist_index(uint64_t us)
{
        unsigned e;

        if (us > HIST_MAX_US)
                us = HIST_MAX_US;
        if (us < HIST_LINEAR)
                return (unsigned)us;
        /* us >> e lies in [128, 256). */
        e = (unsigned)(63 - __builtin_clzll(us)) - HIST_SHIFT;
        return HIST_LINEAR + (e - 1) * HIST_SUB +
               (unsigned)((us >> e) - HIST_SUB);
}

/* Midpoint of a bucket, in microseconds. */
static double
hist_value(unsigned idx)
{
        unsigned e, sub;
        double lo;

        if (idx < HIST_LINEAR)
                return (double)idx;
        e = (idx - HIST_LINEAR) / HIST_SUB + 1;
        sub = (idx - HIST_LINEAR) % HIST_SUB + HIST_SUB;
        lo = (double)((uint64_t)sub << e);
        return lo + (double)(1ull << e) / 2.0;
}

static void
hist_record(struct hist *h, uint64_t ns)
{
        h->n[hist_index(ns / 1000)]++;
        h->total++;
}

/* The value at quantile q (0..1), in milliseconds; 0 if empty. */
static double
hist_quantile_ms(const struct hist *h, double q)
{
        uint64_t want, seen = 0;
        unsigned i;

        if (h->total == 0)
                return 0.0;
        want = (uint64_t)(q * (double)h->total + 0.999999);
        if (want < 1)
                want = 1;
        for (i = 0; i < HIST_NBUCKETS; i++) {
                seen += h->n[i];
                if (seen >= want)
                        return hist_value(i) / 1000.0;
        }
        return hist_value(HIST_NBUCKETS - 1) / 1000.0;
}

/* ---- setup helpers ------------------------------------------------ */

static void die(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

static void
die(const char *fmt, ...)
{
        va_list ap;

        fputs("idbench: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        exit(2);
}

static void
handles_load(struct handles *h, const char *path)
{
        FILE *fp = fopen(path, "rb");
        struct stat st;
        size_t i, n = 0, cap = 0, len;
        char *p, *start;

        if (!fp || fstat(fileno(fp), &st) != 0)
                die("%s: %s", path, strerror(errno));
        len = (size_t)st.st_size;
        h->text = malloc(len + 1);
        if (!h->text || fread(h->text, 1, len, fp) != len)
                die("%s: cannot read", path);
        fclose(fp);
        h->text[len] = '\0';
        h->line = NULL;
        start = h->text;
        for (i = 0; i <= len; i++) {
                p = h->text + i;
                if (*p != '\n' && *p != '\0')
                        continue;
                *p = '\0';
                if (p > start && p[-1] == '\r')
                        p[-1] = '\0';
                if (*start) {
                        if (strlen(start) > WIRE_MAX_HANDLE)
                                die("%s: handle too long", path);
                        if (n == cap) {
                                char **nl;

                                cap = cap ? cap * 2 : 1024;
                                nl = realloc(h->line, cap * sizeof(*nl));
                                if (!nl)
                                        die("out of memory");
                                h->line = nl;
                        }
                        h->line[n++] = start;
                }
                start = p + 1;
        }
        if (n == 0)
                die("%s: no handles", path);
        h->n = n;
}

static void
resolve_server(struct bench *b)
{
        char host[256];
        const char *colon, *port, *hs = b->server;
        size_t hl;
        struct addrinfo hints, *res;
        int rc;

        colon = strrchr(hs, ':');
        if (!colon || colon == hs || colon[1] == '\0')
                die("--server must be HOST:PORT");
        port = colon + 1;
        hl = (size_t)(colon - hs);
        if (hs[0] == '[' && hl >= 2 && hs[hl - 1] == ']') {
                hs++;
                hl -= 2;
        }
        if (hl >= sizeof(host))
                die("--server: host too long");
        memcpy(host, hs, hl);
        host[hl] = '\0';
        memset(&hints, 0, sizeof(hints));
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = b->proto == PROTO_UDP ? SOCK_DGRAM : SOCK_STREAM;
        rc = getaddrinfo(host, port, &hints, &res);
        if (rc != 0)
                die("%s: %s", b->server, gai_strerror(rc));
        memcpy(&b->addr, res->ai_addr, res->ai_addrlen);
        b->addrlen = res->ai_addrlen;
        freeaddrinfo(res);
}

/* ---- the request/answer cycle ------------------------------------- */

static void client_send(struct client *c);
static void client_read_cb(evutil_socket_t fd, short what, void *arg);
static void client_write_cb(evutil_socket_t fd, short what, void *arg);

static void
count_answer(struct bench *b, uint32_t rcode, uint64_t lat_ns)
{
        b->answered++;
        if (!b->measuring)
                return;
        hist_record(&b->hist, lat_ns);
        if (rcode < BENCH_NCODES)
                b->codes[rcode]++;
        else
                b->codes_other++;
        if (rcode == RC_SUCCESS)
                b->ok++;
        else
                b->errors++;
}

/* A complete answer message (after the envelope) arrived for `c`. */
static void
client_answer(struct client *c, const uint8_t *msg, size_t len)
{
        struct bench *b = c->b;
        struct wire_msg m;
        uint64_t t = now_ns();

        if (wire_msg_decode(msg, len, &m) != 0 || m.h.rcode == 0) {
                if (b->measuring)
                        b->malformed++;
        } else {
                count_answer(b, m.h.rcode, t - c->sent_ns);
        }
        c->state = CS_IDLE;
        if (!b->done)
                client_send(c);
}

static int
client_connect(struct client *c)
{
        struct bench *b = c->b;
        int fd, one = 1;

        fd = socket(b->addr.ss_family,
                    (b->proto == PROTO_UDP ? SOCK_DGRAM : SOCK_STREAM) |
                        SOCK_NONBLOCK | SOCK_CLOEXEC,
                    0);
        if (fd < 0)
                die("socket: %s", strerror(errno));
        if (b->proto == PROTO_TCP)
                (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
                                 sizeof(one));
        c->fd = fd;
        c->rlen = 0;
        c->rev =
            event_new(b->base, fd, EV_READ | EV_PERSIST, client_read_cb, c);
        c->wev = event_new(b->base, fd, EV_WRITE, client_write_cb, c);
        if (!c->rev || !c->wev)
                die("event_new failed");
        if (connect(fd, (struct sockaddr *)&b->addr, b->addrlen) != 0) {
                if (errno != EINPROGRESS)
                        return -1;
                c->state = CS_CONNECTING;
                event_add(c->wev, NULL);
                return 0;
        }
        event_add(c->rev, NULL);
        c->state = CS_IDLE;
        return 0;
}

static void
client_close(struct client *c)
{
        if (c->rev)
                event_free(c->rev);
        if (c->wev)
                event_free(c->wev);
        c->rev = c->wev = NULL;
        if (c->fd >= 0)
                close(c->fd);
        c->fd = -1;
}

/* A TCP connection broke: count it, reconnect after a short pause. */
static void
client_reset(struct client *c)
{
        struct bench *b = c->b;

        if (b->measuring)
                b->conn_errors++;
        client_close(c);
        c->state = CS_BACKOFF;
        c->retry_ns = now_ns() + BENCH_CONNECT_RETRY_NS;
}

static void
client_flush(struct client *c)
{
        ssize_t n;

        while (c->req_off < c->req.len) {
                n = send(c->fd, c->req.p + c->req_off, c->req.len - c->req_off,
                         MSG_NOSIGNAL);
                if (n > 0) {
                        c->req_off += (size_t)n;
                        continue;
                }
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                        c->state = CS_SENDING;
                        event_add(c->wev, NULL);
                        return;
                }
                if (c->b->proto == PROTO_UDP) {
                        /*
                         * ECONNREFUSED from an earlier ICMP, ENOBUFS:
                         * the request is lost; let it time out.
                         */
                        c->state = CS_WAITING;
                        return;
                }
                client_reset(c);
                return;
        }
        c->state = CS_WAITING;
}

static void
client_send(struct client *c)
{
        struct bench *b = c->b;
        struct wire_query q;

        memset(&q, 0, sizeof(q));
        q.major = 2;
        q.minor = 10;
        q.opflags = OPF_REC | OPF_CA | OPF_PO;
        q.expiration = b->expiration;
        q.handle = b->h.line[rng_below(&b->rng, b->h.n)];
        if (++b->next_id == 0)
                b->next_id = 1;
        q.request_id = b->next_id;
        c->request_id = q.request_id;
        wbuf_reset(&c->req);
        wire_query_encode(&c->req, &q);
        if (!wbuf_ok(&c->req))
                die("cannot encode request");
        c->req_off = 0;
        c->asm_total = 0;
        c->asm_have = 0;
        c->sent_ns = now_ns();
        client_flush(c);
}

static void
client_write_cb(evutil_socket_t fd, short what, void *arg)
{
        struct client *c = arg;
        int err = 0;
        socklen_t el = sizeof(err);

        (void)what;
        if (c->state == CS_CONNECTING) {
                if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0 ||
                    err != 0) {
                        client_reset(c);
                        return;
                }
                event_add(c->rev, NULL);
                c->state = CS_IDLE;
                if (!c->b->done)
                        client_send(c);
                return;
        }
        if (c->state == CS_SENDING)
                client_flush(c);
}

/*
 * UDP: one datagram (envelope + message or one fragment of it).  Returns
 * 1 if it completed the answer (and the next request went out).
 */
static int
client_dgram(struct client *c, const uint8_t *p, size_t len)
{
        struct wire_env e;
        uint32_t nfrag, off, want;
        size_t plen;

        if (len < WIRE_ENV_LEN)
                goto bad;
        wire_env_decode(p, &e);
        if (c->state != CS_WAITING || e.request_id != c->request_id)
                return 0; /* a late answer to a request we gave up on */
        if (e.msg_len > WIRE_MAX_MESSAGE)
                goto bad;
        p += WIRE_ENV_LEN;
        plen = len - WIRE_ENV_LEN;
        if (!(e.flags & WIRE_ENV_TC)) {
                if (plen < e.msg_len)
                        goto bad;
                client_answer(c, p, e.msg_len);
                return 1;
        }
        nfrag = (e.msg_len + WIRE_UDP_CHUNK - 1) / WIRE_UDP_CHUNK;
        if (nfrag == 0 || e.seq >= nfrag)
                goto bad;
        off = e.seq * WIRE_UDP_CHUNK;
        want =
            e.msg_len - off < WIRE_UDP_CHUNK ? e.msg_len - off : WIRE_UDP_CHUNK;
        if (plen < want)
                goto bad;
        if (c->asm_total == 0) {
                if (c->asm_cap < e.msg_len) {
                        uint8_t *nb = realloc(c->asm_buf, e.msg_len);

                        if (!nb)
                                die("out of memory");
                        c->asm_buf = nb;
                        c->asm_cap = e.msg_len;
                }
                c->asm_total = e.msg_len;
                c->asm_nfrag = nfrag;
                c->asm_have = 0;
                memset(c->asm_seen, 0, (nfrag + 63) / 64 * sizeof(uint64_t));
        } else if (c->asm_total != e.msg_len) {
                goto bad;
        }
        if (c->asm_seen[e.seq / 64] & (1ull << (e.seq % 64)))
                return 0; /* duplicate */
        c->asm_seen[e.seq / 64] |= 1ull << (e.seq % 64);
        memcpy(c->asm_buf + off, p, want);
        if (++c->asm_have < c->asm_nfrag)
                return 0;
        client_answer(c, c->asm_buf, c->asm_total);
        return 1;
bad:
        if (c->b->measuring)
                c->b->malformed++;
        return 0;
}

static void
client_read_udp(struct client *c)
{
        ssize_t n;
        int i;

        for (i = 0; i < BENCH_RECV_BURST && c->fd >= 0; i++) {
                n = recv(c->fd, c->dgram, BENCH_DGRAM_MAX, 0);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        /* EAGAIN, or ECONNREFUSED (nobody listening). */
                        return;
                }
                /*
                 * One request is in flight per client, so once its answer
                 * is complete nothing more is expected: skip the recv that
                 * would only say EAGAIN (the event is level-triggered, so
                 * a stray datagram still gets read on the next wakeup).
                 */
                if (client_dgram(c, c->dgram, (size_t)n))
                        return;
        }
}

/* TCP: frames are envelope + MessageLength bytes. */
static void
client_read_tcp(struct client *c)
{
        struct wire_env e;
        size_t off, need;
        ssize_t n;

        if (c->rcap - c->rlen < 4096) {
                size_t cap = c->rcap ? c->rcap * 2 : 65536;
                uint8_t *nb;

                if (cap > BENCH_RBUF_MAX)
                        cap = BENCH_RBUF_MAX;
                if (cap == c->rlen) {
                        /* Cannot happen: one frame fits; be safe. */
                        client_reset(c);
                        return;
                }
                nb = realloc(c->rbuf, cap);
                if (!nb)
                        die("out of memory");
                c->rbuf = nb;
                c->rcap = cap;
        }
        /* One read per wakeup; the event fires again if more is queued. */
        n = recv(c->fd, c->rbuf + c->rlen, c->rcap - c->rlen, 0);
        if (n == 0) {
                client_reset(c);
                return;
        }
        if (n < 0) {
                if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)
                        client_reset(c);
                return;
        }
        c->rlen += (size_t)n;
        off = 0;
        while (c->rlen - off >= WIRE_ENV_LEN) {
                wire_env_decode(c->rbuf + off, &e);
                if (e.msg_len > WIRE_MAX_MESSAGE) {
                        if (c->b->measuring)
                                c->b->malformed++;
                        client_reset(c);
                        return;
                }
                need = WIRE_ENV_LEN + (size_t)e.msg_len;
                if (c->rlen - off < need)
                        break;
                if (c->state == CS_WAITING && e.request_id == c->request_id)
                        client_answer(c, c->rbuf + off + WIRE_ENV_LEN,
                                      e.msg_len);
                off += need;
                if (c->fd < 0)
                        return;
        }
        if (off > 0) {
                memmove(c->rbuf, c->rbuf + off, c->rlen - off);
                c->rlen -= off;
        }
}

static void
client_read_cb(evutil_socket_t fd, short what, void *arg)
{
        struct client *c = arg;

        (void)fd;
        (void)what;
        if (c->b->proto == PROTO_UDP)
                client_read_udp(c);
        else
                client_read_tcp(c);
}

/* ---- timers -------------------------------------------------------- */

static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
        struct bench *b = arg;
        uint64_t t = now_ns();
        uint64_t tmo = (uint64_t)b->timeout_ms * 1000000ull;
        int i;

        (void)fd;
        (void)what;
        if (b->done)
                return;
        for (i = 0; i < b->nclients; i++) {
                struct client *c = &b->c[i];

                switch (c->state) {
                case CS_WAITING:
                case CS_SENDING:
                        if (t - c->sent_ns < tmo)
                                break;
                        if (b->measuring)
                                b->timeouts++;
                        if (b->proto == PROTO_TCP && c->state == CS_SENDING) {
                                client_reset(c);
                                break;
                        }
                        c->state = CS_IDLE;
                        client_send(c);
                        break;
                case CS_BACKOFF:
                        if (t < c->retry_ns)
                                break;
                        if (client_connect(c) != 0) {
                                client_reset(c);
                                break;
                        }
                        if (c->state == CS_IDLE)
                                client_send(c);
                        break;
                default:
                        break;
                }
        }
}

static void
phase_cb(evutil_socket_t fd, short what, void *arg)
{
        struct bench *b = arg;
        struct timeval tv;
        double s;

        (void)fd;
        (void)what;
        if (!b->measuring) {
                b->measuring = 1;
                b->t_start_ns = now_ns();
                s = b->duration_s;
                tv.tv_sec = (time_t)s;
                tv.tv_usec = (suseconds_t)((s - (double)tv.tv_sec) * 1e6);
                evtimer_add(b->phase, &tv);
                return;
        }
        b->measuring = 0;
        b->done = 1;
        b->t_end_ns = now_ns();
        event_base_loopbreak(b->base);
}

/* ---- output -------------------------------------------------------- */

static int
print_result(const struct bench *b)
{
        double dur = (double)(b->t_end_ns - b->t_start_ns) / 1e9;
        json_t *codes = json_object(), *o;
        char key[16];
        char *s;
        unsigned i;

        if (!codes)
                return -1;
        for (i = 0; i < BENCH_NCODES; i++) {
                if (!b->codes[i])
                        continue;
                snprintf(key, sizeof(key), "%u", i);
                json_object_set_new(codes, key,
                                    json_integer((json_int_t)b->codes[i]));
        }
        if (b->codes_other)
                json_object_set_new(codes, "other",
                                    json_integer((json_int_t)b->codes_other));
        /* json_pack "o" steals the reference to codes. */
        o = json_pack(
            "{s:s, s:s, s:i, s:f, s:I, s:f, s:f, s:f, s:f, s:I, s:I, s:I, "
            "s:I, s:o}",
            "name", b->name, "proto", b->proto == PROTO_UDP ? "udp" : "tcp",
            "clients", b->nclients, "duration_s", dur, "ops", (json_int_t)b->ok,
            "ops_per_s", dur > 0 ? (double)b->ok / dur : 0.0, "p50_ms",
            hist_quantile_ms(&b->hist, 0.50), "p99_ms",
            hist_quantile_ms(&b->hist, 0.99), "p999_ms",
            hist_quantile_ms(&b->hist, 0.999), "errors", (json_int_t)b->errors,
            "timeouts", (json_int_t)b->timeouts, "malformed",
            (json_int_t)b->malformed, "conn_errors", (json_int_t)b->conn_errors,
            "codes", codes);
        if (!o)
                return -1;
        s = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(6) |
                              JSON_PRESERVE_ORDER);
        json_decref(o);
        if (!s)
                return -1;
        printf("%s\n", s);
        free(s);
        return fflush(stdout) == 0 ? 0 : -1;
}

/* ---- main ---------------------------------------------------------- */

static void
usage(void)
{
        fputs("usage: idbench --proto udp|tcp --server HOST:PORT --clients N\n"
              "               --duration SECONDS --handles FILE\n"
              "               [--warmup SECONDS] [--name NAME]\n"
              "               [--timeout-ms MS] [--seed S]\n",
              stderr);
        exit(2);
}

static double
parse_num(const char *s, const char *what, double min, double max)
{
        char *end;
        double v;

        errno = 0;
        v = strtod(s, &end);
        if (errno || end == s || *end || v < min || v > max)
                die("bad %s: %s", what, s);
        return v;
}

static void
parse_args(struct bench *b, int argc, char **argv)
{
        static const struct option opts[] = {
            {"proto", required_argument, NULL, 'p'},
            {"server", required_argument, NULL, 's'},
            {"clients", required_argument, NULL, 'c'},
            {"duration", required_argument, NULL, 'd'},
            {"handles", required_argument, NULL, 'f'},
            {"warmup", required_argument, NULL, 'w'},
            {"name", required_argument, NULL, 'n'},
            {"timeout-ms", required_argument, NULL, 't'},
            {"seed", required_argument, NULL, 'S'},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0},
        };
        const char *proto = NULL, *file = NULL;
        int ch;

        b->nclients = 0;
        b->duration_s = 0;
        b->warmup_s = 1.0;
        b->timeout_ms = 1000;
        b->seed = 0;
        while ((ch = getopt_long(argc, argv, "p:s:c:d:f:w:n:t:S:h", opts,
                                 NULL)) != -1) {
                switch (ch) {
                case 'p':
                        proto = optarg;
                        break;
                case 's':
                        b->server = optarg;
                        break;
                case 'c':
                        b->nclients =
                            (int)parse_num(optarg, "--clients", 1, 65536);
                        break;
                case 'd':
                        b->duration_s =
                            parse_num(optarg, "--duration", 0.001, 86400);
                        break;
                case 'f':
                        file = optarg;
                        break;
                case 'w':
                        b->warmup_s = parse_num(optarg, "--warmup", 0, 3600);
                        break;
                case 'n':
                        b->name = optarg;
                        break;
                case 't':
                        b->timeout_ms = (uint32_t)parse_num(
                            optarg, "--timeout-ms", 1, 600000);
                        break;
                case 'S':
                        b->seed = (uint64_t)parse_num(optarg, "--seed", 0,
                                                      9007199254740992.0);
                        break;
                default:
                        usage();
                }
        }
        if (optind != argc || !proto || !b->server || !file ||
            b->nclients <= 0 || b->duration_s <= 0)
                usage();
        if (strcmp(proto, "udp") == 0)
                b->proto = PROTO_UDP;
        else if (strcmp(proto, "tcp") == 0)
                b->proto = PROTO_TCP;
        else
                die("--proto must be udp or tcp");
        if (!b->name)
                b->name = b->proto == PROTO_UDP ? "udp_resolve" : "tcp_resolve";
        handles_load(&b->h, file);
}

int
main(int argc, char **argv)
{
        static struct bench bench;
        struct bench *b = &bench;
        struct timeval tv;
        int i, rc;

        signal(SIGPIPE, SIG_IGN);
        parse_args(b, argc, argv);
        resolve_server(b);
        b->rng = b->seed ? b->seed : (now_ns() ^ ((uint64_t)getpid() << 32));
        b->rng |= 1; /* xorshift state must not be 0 */
        b->next_id = (uint32_t)rng_next(&b->rng) & 0x3FFFFFFFu;
        b->expiration = (uint32_t)time(NULL) + 12u * 3600u;
        b->base = event_base_new();
        if (!b->base)
                die("event_base_new failed");
        b->c = calloc((size_t)b->nclients, sizeof(*b->c));
        if (!b->c)
                die("out of memory");
        for (i = 0; i < b->nclients; i++) {
                struct client *c = &b->c[i];

                c->b = b;
                c->fd = -1;
                wbuf_init(&c->req, 0);
                if (b->proto == PROTO_UDP) {
                        c->dgram = malloc(BENCH_DGRAM_MAX);
                        if (!c->dgram)
                                die("out of memory");
                }
                if (client_connect(c) != 0)
                        client_reset(c);
        }
        b->tick = event_new(b->base, -1, EV_PERSIST, tick_cb, b);
        b->phase = evtimer_new(b->base, phase_cb, b);
        if (!b->tick || !b->phase)
                die("event_new failed");
        tv.tv_sec = 0;
        tv.tv_usec =
            b->timeout_ms >= 100 ? 10000 : (suseconds_t)b->timeout_ms * 100;
        event_add(b->tick, &tv);
        if (b->warmup_s > 0) {
                tv.tv_sec = (time_t)b->warmup_s;
                tv.tv_usec =
                    (suseconds_t)((b->warmup_s - (double)tv.tv_sec) * 1e6);
                evtimer_add(b->phase, &tv);
        } else {
                phase_cb(-1, 0, b);
        }
        for (i = 0; i < b->nclients; i++)
                if (b->c[i].state == CS_IDLE)
                        client_send(&b->c[i]);
        event_base_dispatch(b->base);

        rc = print_result(b) == 0 ? 0 : 1;
        if (b->answered == 0) {
                fprintf(stderr, "idbench: %s never answered\n", b->server);
                rc = 1;
        }
        for (i = 0; i < b->nclients; i++) {
                client_close(&b->c[i]);
                wbuf_free(&b->c[i].req);
                free(b->c[i].rbuf);
                free(b->c[i].dgram);
                free(b->c[i].asm_buf);
        }
        free(b->c);
        event_free(b->tick);
        event_free(b->phase);
        event_base_free(b->base);
        free(b->h.line);
        free(b->h.text);
        return rc;
}
