#include "core/httpd.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/listener.h>

#include "core/clock.h"
#include "core/hslow.h"
#include "core/log.h"
#include "core/net.h"

#define HTTPD_MAX_TABLES 8
/*
 * When a request arrived, kept among its input headers until it is
 * answered: libevent's request has no user pointer, and an allocation
 * would leak when the client leaves before the answer.
 */
#define HTTPD_T0_HEADER "X-Idnode-Received-Us"

const int httpd_stat_codes[HTTPD_STAT_CODES - 1] = {
    200, 300, 304, 400, 401, 403, 404, 405, 409, 413, 500, 503,
};

_Static_assert((int)HTTPD_GET == (int)EVHTTP_REQ_GET &&
                   (int)HTTPD_POST == (int)EVHTTP_REQ_POST &&
                   (int)HTTPD_HEAD == (int)EVHTTP_REQ_HEAD &&
                   (int)HTTPD_PUT == (int)EVHTTP_REQ_PUT &&
                   (int)HTTPD_DELETE == (int)EVHTTP_REQ_DELETE,
               "HTTPD_* are libevent's method bits");

struct httpd {
        struct evhttp *http;
        struct evconnlistener *lis;        /* owned by http */
        struct evhttp_bound_socket *bound; /* NULL once closed */
        struct hslow *slow;                /* request deadlines */
        size_t ntables;
        struct {
                const struct httpd_route *routes;
                size_t n;
                void *ctx;
        } tables[HTTPD_MAX_TABLES];
        struct httpd_stats st;
        int access_sample;
        uint64_t access_seq;
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
        if (!h->bound)
                evhttp_add_header(evhttp_request_get_output_headers(req),
                                  "Connection", "close");
}

void
httpd_get_stats(const struct httpd *h, struct httpd_stats *s)
{
        *s = h->st;
}

/* Dispatch: the first route, in table order, whose path matches. */
static void
httpd_route_cb(struct evhttp_request *req, void *arg)
{
        struct httpd *h = arg;
        const char *path =
            evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
        size_t t, i;

        hslow_done(h->slow, req);
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
                        r->fn(h->tables[t].ctx, req, path + n);
                        return;
                }
        }
        httpd_error(req, 404, "no such endpoint");
}

struct httpd *
httpd_new(struct event_base *base, const struct httpd_opts *o, char *err,
          size_t errlen)
{
        struct httpd *h = calloc(1, sizeof(*h));
        int one = 1;

        if (!h) {
                snprintf(err, errlen, "http: out of memory");
                return NULL;
        }
        h->lis = net_listen_tcp(base, "http", o->bind, o->port, NULL, NULL, err,
                                errlen);
        if (!h->lis) {
                free(h);
                return NULL;
        }
        /*
         * Accepted connections inherit it (Linux).  evhttp writes a large
         * answer in pieces, and without it the last piece waited for the
         * client's delayed ACK: 40 ms on one trace answer in eight.
         */
        setsockopt(evconnlistener_get_fd(h->lis), IPPROTO_TCP, TCP_NODELAY,
                   &one, sizeof(one));
        h->http = evhttp_new(base);
        if (!h->http || !(h->bound = evhttp_bind_listener(h->http, h->lis))) {
                snprintf(err, errlen, "http: cannot start server");
                if (h->http)
                        evhttp_free(h->http);
                evconnlistener_free(h->lis);
                free(h);
                return NULL;
        }
        /* evhttp frees the bound listener with itself. */
        if (!(h->slow = hslow_new(h->http, o->idle_s))) {
                snprintf(err, errlen, "http: out of memory");
                evhttp_free(h->http);
                free(h);
                return NULL;
        }
        evhttp_set_gencb(h->http, httpd_route_cb, h);
        h->access_sample = o->access_sample;
        evhttp_set_timeout(h->http, o->idle_s);
        evhttp_set_max_body_size(h->http, (ev_ssize_t)o->max_body);
        evhttp_set_max_headers_size(h->http, (ev_ssize_t)o->max_headers);
        evhttp_set_allowed_methods(h->http, HTTPD_GET | HTTPD_HEAD |
                                                HTTPD_POST | HTTPD_PUT |
                                                HTTPD_DELETE);
        return h;
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
        if (h->lis)
                (on ? evconnlistener_enable : evconnlistener_disable)(h->lis);
}

void
httpd_close_listener(struct httpd *h)
{
        if (!h->bound)
                return;
        evhttp_del_accept_socket(h->http, h->bound); /* frees h->lis */
        h->bound = NULL;
        h->lis = NULL;
}

void
httpd_free(struct httpd *h)
{
        if (!h)
                return;
        evhttp_free(h->http);
        hslow_free(h->slow);
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
