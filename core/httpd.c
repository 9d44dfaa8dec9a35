#include "core/httpd.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>
#include <event2/listener.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/hslow.h"
#include "core/log.h"
#include "core/net.h"
#include "core/ratelim.h"

#define HTTPD_MAX_TABLES 8
/*
 * When a request arrived, kept among its input headers until it is
 * answered: libevent's request has no user pointer, and an allocation
 * would leak when the client leaves before the answer.
 */
#define HTTPD_T0_HEADER "X-Idnode-Received-Us"

const int httpd_stat_codes[HTTPD_STAT_CODES - 1] = {
    200, 300, 304, 400, 401, 403, 404, 405, 409, 413, 429, 500, 503,
};
/* Connections tracked for the per-address cap: fds below this. */
#define HTTPD_MAX_FD (1 << 20)

/* A connection counted against its address's cap, by its fd. */
struct httpd_conn {
        struct httpd *h;
        struct evhttp_connection *evcon;
        void *hold;
        int fd;
};

_Static_assert((int)HTTPD_GET == (int)EVHTTP_REQ_GET &&
                   (int)HTTPD_POST == (int)EVHTTP_REQ_POST &&
                   (int)HTTPD_HEAD == (int)EVHTTP_REQ_HEAD &&
                   (int)HTTPD_PUT == (int)EVHTTP_REQ_PUT &&
                   (int)HTTPD_DELETE == (int)EVHTTP_REQ_DELETE,
               "HTTPD_* are libevent's method bits");

/* One listener and the evhttp serving it (evhttp_set_bevcb is per evhttp). */
struct httpd_srv {
        struct evhttp *http;
        struct evconnlistener *lis;        /* owned by http */
        struct evhttp_bound_socket *bound; /* NULL once closed */
        struct hslow *slow;                /* request deadlines */
};

struct httpd {
        struct httpd_srv srv[2]; /* plain, then TLS if added */
        int nsrv;
        int draining;
        struct httpd_opts o;
        size_t ntables;
        struct {
                const struct httpd_route *routes;
                size_t n;
                void *ctx;
        } tables[HTTPD_MAX_TABLES];
        struct httpd_stats st;
        int access_sample;
        uint64_t access_seq;
        struct ratelim *lim; /* NULL: no limits */
        struct ratelim_rule rule[RL_CLASSES];
        unsigned conn_cap;
        uint64_t proven_us;
        struct httpd_conn **byfd; /* counted connections, by fd */
        size_t nbyfd;
};

/*
 * The Date header, formatted once per second.  Per thread by nature:
 * every worker formats its own, so no lock is needed.
 */
static const char *
httpd_date(void)
{
        static _Thread_local time_t at;
        static _Thread_local char date[40];
        time_t now = time(NULL);
        struct tm tm;

        if (now != at) {
                gmtime_r(&now, &tm);
                strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
                at = now;
        }
        return date;
}

void
httpd_send_parts(struct evhttp_request *req, int status,
                 const char *const *parts, const size_t *lens, int n)
{
        struct evkeyvalq *h = evhttp_request_get_output_headers(req);
        struct evbuffer *out = evhttp_request_get_output_buffer(req);
        size_t total = 1;
        char clen[24];
        int i;

        evhttp_add_header(h, "Content-Type", "application/json; charset=utf-8");
        evhttp_add_header(h, "Date", httpd_date());
        if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD) {
                /*
                 * libevent 2.1 would send the body after HEAD's headers,
                 * which a keep-alive client reads as the next response.
                 */
                for (i = 0; i < n; i++)
                        total += lens[i];
                snprintf(clen, sizeof(clen), "%zu", total);
                evhttp_add_header(h, "Content-Length", clen);
                evhttp_send_reply(req, status, NULL, NULL);
                return;
        }
        for (i = 0; i < n; i++)
                evbuffer_add(out, parts[i], lens[i]);
        evbuffer_add(out, "\n", 1);
        evhttp_send_reply(req, status, NULL, NULL);
}

void
httpd_send_json(struct evhttp_request *req, int status, json_t *body,
                int pretty)
{
        char *s = body ? json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER |
                                              (pretty ? JSON_INDENT(2) : 0))
                       : NULL;
        size_t len = s ? strlen(s) : 0;

        json_decref(body);
        if (!s) {
                evhttp_send_error(req, 500, "Internal Server Error");
                return;
        }
        httpd_send_parts(req, status, (const char *const *)&s, &len, 1);
        free(s);
}

void
httpd_error(struct evhttp_request *req, int status, const char *msg)
{
        httpd_send_json(req, status, json_pack("{s:s}", "message", msg), 0);
}

int
httpd_query_each(const char *query,
                 int (*fn)(void *arg, const char *key, const char *value),
                 void *arg)
{
        char part[2048];
        int rc = 0;

        while (query && *query && rc == 0) {
                size_t n = strcspn(query, "&");
                char *eq, *k, *v;

                if (n >= sizeof(part))
                        return -1;
                memcpy(part, query, n);
                part[n] = '\0';
                query += n + (query[n] == '&');
                if (n == 0)
                        continue;
                eq = strchr(part, '=');
                if (eq)
                        *eq = '\0';
                k = evhttp_uridecode(part, 1, NULL);
                v = evhttp_uridecode(eq ? eq + 1 : "", 1, NULL);
                rc = k && v ? fn(arg, k, v) : -1;
                free(k);
                free(v);
        }
        return rc;
}

int
httpd_flag(const char *v)
{
        return v && (v[0] == '\0' || strcmp(v, "true") == 0 ||
                     strcmp(v, "yes") == 0 || strcmp(v, "1") == 0);
}

/* One sampled access-log line: never the query (it may hold secrets). */
static void
httpd_access_log(struct evhttp_request *req, int code, uint64_t us)
{
        static const char *const methods[] = {"GET", "POST", "HEAD", "PUT",
                                              "DELETE"};
        static const int bits[] = {HTTPD_GET, HTTPD_POST, HTTPD_HEAD, HTTPD_PUT,
                                   HTTPD_DELETE};
        struct evhttp_connection *conn = evhttp_request_get_connection(req);
        const char *path =
            evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
        int cmd = (int)evhttp_request_get_command(req);
        const char *method = "OTHER";
        char *addr = NULL, text[200];
        ev_uint16_t port = 0;
        size_t i;

        for (i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
                if (cmd == bits[i])
                        method = methods[i];
        if (conn)
                evhttp_connection_get_peer(conn, &addr, &port);
        log_text(text, sizeof(text), path ? path : "", path ? strlen(path) : 0);
        log_info("access",
                 "plane=http peer=%s method=%s path=\"%s\" status=%d us=%llu",
                 addr ? addr : "-", method, text, code, (unsigned long long)us);
}

void
httpd_set_access_sample(struct httpd *h, int n)
{
        h->access_sample = n;
}

/* An answer was written: count it. */
static void
httpd_answered(struct evhttp_request *req, void *arg)
{
        struct httpd *h = arg;
        const char *t0 = evhttp_find_header(
            evhttp_request_get_input_headers(req), HTTPD_T0_HEADER);
        int code = evhttp_request_get_response_code(req);
        uint64_t now = clock_us(), at = t0 ? strtoull(t0, NULL, 10) : now;
        size_t i = 0;

        while (i < HTTPD_STAT_CODES - 1 && httpd_stat_codes[i] != code)
                i++;
        h->st.answers[i]++;
        mhist_observe(&h->st.latency, now >= at ? now - at : 0);
        if (h->access_sample &&
            ++h->access_seq % (uint64_t)h->access_sample == 0)
                httpd_access_log(req, code, now >= at ? now - at : 0);
}

static void
httpd_meter(struct httpd *h, struct evhttp_request *req)
{
        struct evkeyvalq *in = evhttp_request_get_input_headers(req);
        char t0[24];

        snprintf(t0, sizeof(t0), "%llu", (unsigned long long)clock_us());
        while (evhttp_remove_header(in, HTTPD_T0_HEADER) == 0)
                ;
        evhttp_add_header(in, HTTPD_T0_HEADER, t0);
        evhttp_request_set_on_complete_cb(req, httpd_answered, h);
        /* Draining: keep-alive clients take their next request elsewhere. */
        if (h->draining)
                evhttp_add_header(evhttp_request_get_output_headers(req),
                                  "Connection", "close");
}

void
httpd_get_stats(const struct httpd *h, struct httpd_stats *s)
{
        *s = h->st;
}

void
httpd_set_limits(struct httpd *h, struct ratelim *lim, const struct config *cfg)
{
        int i;

        h->lim = lim;
        for (i = 0; i < RL_CLASSES; i++)
                h->rule[i] = ratelim_rule_of(cfg, (enum ratelim_class)i);
        h->conn_cap = (unsigned)cfg->limit_http_conns_per_addr;
        h->proven_us = (uint64_t)cfg->udp_proven_ttl_s * 1000000;
}

/* evhttp closes a counted connection (also when the server is freed). */
static void
httpd_conn_closed(void *arg)
{
        struct httpd_conn *hc = arg;

        ratelim_conn_close(hc->hold);
        if (hc->h->byfd[hc->fd] == hc)
                hc->h->byfd[hc->fd] = NULL;
        free(hc);
}

/*
 * A connection's first request counts it against its address's cap
 * (evhttp has no hook at accept).  1: admitted, 0: over the cap.
 */
static int
httpd_conn_admit(struct httpd *h, struct evhttp_request *req,
                 struct evhttp_connection *evcon, uint64_t key)
{
        struct bufferevent *bev = evhttp_connection_get_bufferevent(evcon);
        int fd = bev ? (int)bufferevent_getfd(bev) : -1;
        struct httpd_conn *hc;
        void *hold;
        int i;

        if (fd < 0 || fd >= HTTPD_MAX_FD)
                return 1;
        if ((size_t)fd < h->nbyfd && h->byfd[fd] && h->byfd[fd]->evcon == evcon)
                return 1;
        if ((size_t)fd >= h->nbyfd) {
                size_t n = h->nbyfd ? h->nbyfd : 256;
                struct httpd_conn **p;

                while (n <= (size_t)fd)
                        n *= 2;
                if (!(p = realloc(h->byfd, n * sizeof(*p))))
                        return 1;
                memset(p + h->nbyfd, 0, (n - h->nbyfd) * sizeof(*p));
                h->byfd = p;
                h->nbyfd = n;
        }
        if (!ratelim_conn_open(h->lim, RL_CONN_HTTP, key, h->conn_cap, &hold))
                return 0;
        if (h->proven_us)
                ratelim_mark(h->lim, RL_PROVEN, key, clock_us(), h->proven_us);
        if (!hold || !(hc = calloc(1, sizeof(*hc)))) {
                ratelim_conn_close(hold);
                return 1;
        }
        *hc = (struct httpd_conn){h, evcon, hold, fd};
        /* The connection's close callback is hslow's, which calls ours. */
        for (i = 0; i < h->nsrv; i++)
                if (hslow_on_close(h->srv[i].slow, req, httpd_conn_closed,
                                   hc) == 0)
                        break;
        if (i == h->nsrv) { /* unwatched (out of memory): left uncounted */
                ratelim_conn_close(hold);
                free(hc);
                return 1;
        }
        h->byfd[fd] = hc;
        return 1;
}

/* 429 with Retry-After, as {"message"} or in the SNMS envelope. */
static void
httpd_refuse(struct evhttp_request *req, int snms, uint64_t retry_ms,
             const char *why)
{
        struct evkeyvalq *out = evhttp_request_get_output_headers(req);
        char after[24];

        snprintf(after, sizeof(after), "%llu",
                 (unsigned long long)(retry_ms + 999) / 1000);
        evhttp_add_header(out, "Retry-After", after);
        if (!snms)
                httpd_error(req, 429, why);
        else
                httpd_send_json(req, 429,
                                json_pack("{s:i,s:s,s:n}", "status", -1,
                                          "message", why, "data"),
                                0);
}

/* The client's address (evhttp keeps it as text). 0, or -1 if none. */
static int
httpd_peer(struct evhttp_request *req, struct sockaddr_storage *ss)
{
        struct evhttp_connection *evcon = evhttp_request_get_connection(req);
        struct sockaddr_in *v4 = (struct sockaddr_in *)(void *)ss;
        struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)(void *)ss;
        char *addr = NULL;
        ev_uint16_t port = 0;

        memset(ss, 0, sizeof(*ss));
        if (evcon)
                evhttp_connection_get_peer(evcon, &addr, &port);
        if (addr && inet_pton(AF_INET, addr, &v4->sin_addr) == 1) {
                v4->sin_family = AF_INET;
                return 0;
        }
        if (addr && inet_pton(AF_INET6, addr, &v6->sin6_addr) == 1) {
                v6->sin6_family = AF_INET6;
                return 0;
        }
        return -1;
}

struct ratelim *
httpd_ratelim(const struct httpd *h)
{
        return h->lim;
}

int
httpd_limit(struct httpd *h, struct evhttp_request *req, enum ratelim_class cls,
            int snms)
{
        struct sockaddr_storage ss;
        uint64_t retry = 0;

        if (!h->lim || (unsigned)cls >= RL_CLASSES || httpd_peer(req, &ss) < 0)
                return 1;
        if (ratelim_take(h->lim, cls,
                         ratelim_addr_key((const struct sockaddr *)&ss),
                         h->rule[cls], clock_us(), &retry))
                return 1;
        h->st.limited[cls]++;
        httpd_refuse(req, snms, retry,
                     "rate limit exceeded for your address: retry later");
        return 0;
}

/* Before any route: the connection cap and limit_http_*. 1: go on. */
static int
httpd_admit(struct httpd *h, struct evhttp_request *req)
{
        struct evhttp_connection *evcon = evhttp_request_get_connection(req);
        struct sockaddr_storage ss;

        if (!h->lim || !evcon || httpd_peer(req, &ss) < 0)
                return 1;
        if (h->conn_cap &&
            !httpd_conn_admit(h, req, evcon,
                              ratelim_addr_key((const struct sockaddr *)&ss))) {
                h->st.addr_refused++;
                evhttp_add_header(evhttp_request_get_output_headers(req),
                                  "Connection", "close");
                httpd_refuse(req, 0, 1000,
                             "too many connections from your address");
                return 0;
        }
        return httpd_limit(h, req, RL_HTTP, 0);
}

/* Dispatch: the first route, in table order, whose path matches. */
static void
httpd_route_cb(struct evhttp_request *req, void *arg)
{
        struct httpd *h = arg;
        const char *path =
            evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
        size_t t, i;
        int k;

        for (k = 0; k < h->nsrv; k++)
                if (hslow_done(h->srv[k].slow, req) == 0)
                        break;
        httpd_meter(h, req);
        if (!path)
                path = "/";
        for (t = 0; t < h->ntables; t++) {
                for (i = 0; i < h->tables[t].n; i++) {
                        const struct httpd_route *r = &h->tables[t].routes[i];
                        size_t n = strlen(r->path);
                        int prefix = r->path[n - 1] == '/';

                        if (prefix ? strncmp(path, r->path, n) != 0
                                   : strcmp(path, r->path) != 0)
                                continue;
                        if (!(evhttp_request_get_command(req) & r->methods)) {
                                httpd_error(req, 405, "method not allowed");
                                return;
                        }
                        if (!httpd_admit(h, req))
                                return;
                        r->fn(h->tables[t].ctx, req, path + n);
                        return;
                }
        }
        httpd_error(req, 404, "no such endpoint");
}

/* Listens on bind:port with one more evhttp (bevcb NULL: plain). */
static int
httpd_listen(struct httpd *h, struct event_base *base, const char *what,
             const char *bind, int port,
             struct bufferevent *(*bevcb)(struct event_base *, void *),
             void *arg, char *err, size_t errlen)
{
        struct httpd_srv *s = &h->srv[h->nsrv];
        int one = 1;

        s->lis =
            net_listen_tcp(base, what, bind, port, NULL, NULL, err, errlen);
        if (!s->lis)
                return -1;
        /*
         * Accepted connections inherit it (Linux).  evhttp writes a large
         * answer in pieces, and without it the last piece waited for the
         * client's delayed ACK: 40 ms on one trace answer in eight.
         */
        setsockopt(evconnlistener_get_fd(s->lis), IPPROTO_TCP, TCP_NODELAY,
                   &one, sizeof(one));
        s->http = evhttp_new(base);
        if (!s->http || !(s->bound = evhttp_bind_listener(s->http, s->lis))) {
                snprintf(err, errlen, "%s: cannot start server", what);
                if (s->http)
                        evhttp_free(s->http);
                evconnlistener_free(s->lis);
                memset(s, 0, sizeof(*s));
                return -1;
        }
        /* It sets the bevcb: bevcb makes the bufferevents it watches. */
        if (!(s->slow = hslow_new(s->http, h->o.idle_s, bevcb, arg))) {
                snprintf(err, errlen, "%s: out of memory", what);
                evhttp_free(s->http);
                memset(s, 0, sizeof(*s));
                return -1;
        }
        evhttp_set_gencb(s->http, httpd_route_cb, h);
        evhttp_set_timeout(s->http, h->o.idle_s);
        evhttp_set_max_body_size(s->http, (ev_ssize_t)h->o.max_body);
        evhttp_set_max_headers_size(s->http, (ev_ssize_t)h->o.max_headers);
        evhttp_set_allowed_methods(s->http, HTTPD_GET | HTTPD_HEAD |
                                                HTTPD_POST | HTTPD_PUT |
                                                HTTPD_DELETE);
        h->nsrv++;
        return 0;
}

struct httpd *
httpd_new(struct event_base *base, const struct httpd_opts *o, char *err,
          size_t errlen)
{
        struct httpd *h = calloc(1, sizeof(*h));

        if (!h) {
                snprintf(err, errlen, "http: out of memory");
                return NULL;
        }
        h->o = *o;
        h->access_sample = o->access_sample;
        if (httpd_listen(h, base, "http", o->bind, o->port, NULL, NULL, err,
                         errlen) < 0) {
                free(h);
                return NULL;
        }
        return h;
}

int
httpd_listen_tls(struct httpd *h, struct event_base *base, const char *bind,
                 int port,
                 struct bufferevent *(*bevcb)(struct event_base *, void *),
                 void *arg, char *err, size_t errlen)
{
        if (h->nsrv != 1) {
                snprintf(err, errlen, "https: one TLS listener only");
                return -1;
        }
        return httpd_listen(h, base, "https", bind, port, bevcb, arg, err,
                            errlen);
}

int
httpd_add_routes(struct httpd *h, const struct httpd_route *routes, size_t n,
                 void *ctx)
{
        if (h->ntables == HTTPD_MAX_TABLES)
                return -1;
        h->tables[h->ntables].routes = routes;
        h->tables[h->ntables].n = n;
        h->tables[h->ntables].ctx = ctx;
        h->ntables++;
        return 0;
}

void
httpd_accepting(struct httpd *h, int on)
{
        int i;

        for (i = 0; i < h->nsrv; i++)
                if (h->srv[i].lis)
                        (on ? evconnlistener_enable
                            : evconnlistener_disable)(h->srv[i].lis);
}

void
httpd_close_listener(struct httpd *h)
{
        int i;

        h->draining = 1;
        for (i = 0; i < h->nsrv; i++) {
                struct httpd_srv *s = &h->srv[i];

                if (!s->bound)
                        continue;
                evhttp_del_accept_socket(s->http, s->bound); /* frees lis */
                s->bound = NULL;
                s->lis = NULL;
        }
}

void
httpd_free(struct httpd *h)
{
        int i;

        if (!h)
                return;
        /* evhttp_free closes each server's connections, freeing h->byfd[] */
        for (i = 0; i < h->nsrv; i++) {
                evhttp_free(h->srv[i].http);
                hslow_free(h->srv[i].slow);
        }
        free(h->byfd);
        free(h);
}

void
httpd_print_routes(FILE *fp, const struct httpd_route *routes, size_t n)
{
        static const struct {
                int bit;
                const char *name;
        } meth[] = {{HTTPD_GET, "GET"},
                    {HTTPD_HEAD, "HEAD"},
                    {HTTPD_POST, "POST"},
                    {HTTPD_PUT, "PUT"},
                    {HTTPD_DELETE, "DELETE"}};
        size_t i, k;

        for (i = 0; i < n; i++)
                for (k = 0; k < sizeof(meth) / sizeof(meth[0]); k++)
                        if (routes[i].methods & meth[k].bit)
                                fprintf(fp, "%s %s%s%s%s\n", meth[k].name,
                                        routes[i].path,
                                        routes[i].param ? "{" : "",
                                        routes[i].param ? routes[i].param : "",
                                        routes[i].param ? "}" : "");
}
