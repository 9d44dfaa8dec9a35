#include "resolver/web.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <jansson.h>

#include "core/config.h"
#include "core/hjson.h"
#include "core/hname.h"
#include "core/hval.h"
#include "core/log.h"
#include "core/net.h"
#include "core/wire.h"
#include "core/worker.h"
#include "resolver/rworker.h"

#define WEB_MAX_BODY    65536
#define WEB_MAX_HEADERS 16384
#define WEB_TYPES_BYTES 2048

enum web_shape { SHAPE_HANDLE_NET, SHAPE_SNMS };

/* One resolution over HTTP; owns its copies of what the answer needs. */
struct wreq {
        struct lookup lk; /* first: lookup callbacks cast back */
        struct rworker *rw;
        struct evhttp_request *req;
        enum web_shape shape;
        int pretty;
        uint32_t nidx, ntypes;
        uint32_t idx[WIRE_MAX_FILTER];
        struct span types[WIRE_MAX_FILTER];
        char typebuf[WEB_TYPES_BYTES];
        size_t given_len;
        char given[HNAME_MAX + 1]; /* the handle as the client wrote it */
};

typedef void (*web_handler)(struct rworker *rw, struct evhttp_request *req,
                            const char *rest);

static void web_api_handle(struct rworker *rw, struct evhttp_request *req,
                           const char *rest);
static void web_snms_detail(struct rworker *rw, struct evhttp_request *req,
                            const char *rest);
static void web_healthz(struct rworker *rw, struct evhttp_request *req,
                        const char *rest);
static void web_readyz(struct rworker *rw, struct evhttp_request *req,
                       const char *rest);

/*
 * Route table: a path prefix ending in '/' matches everything below it;
 * `param` names what follows the prefix (docs/openapi.yaml, --routes).
 */
static const struct {
        const char *path;
        const char *param;
        int methods;
        web_handler fn;
} routes[] = {
    {"/api/handles/", "handle", EVHTTP_REQ_GET | EVHTTP_REQ_HEAD,
     web_api_handle},
    {"/identityv2/data/detail", NULL, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD,
     web_snms_detail},
    {"/healthz", NULL, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, web_healthz},
    {"/readyz", NULL, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, web_readyz},
};

/* The Date header, formatted once per second per worker. */
static const char *
web_date(struct rworker *rw)
{
        time_t now = time(NULL);
        struct tm tm;

        if (now != rw->date_at) {
                gmtime_r(&now, &tm);
                strftime(rw->date, sizeof(rw->date),
                         "%a, %d %b %Y %H:%M:%S GMT", &tm);
                rw->date_at = now;
        }
        return rw->date;
}

/* Sends a JSON text: `parts` are concatenated, then a newline. */
static void
web_send_parts(struct rworker *rw, struct evhttp_request *req, int status,
               const char *const *parts, const size_t *lens, int n)
{
        struct evkeyvalq *h = evhttp_request_get_output_headers(req);
        struct evbuffer *out = evhttp_request_get_output_buffer(req);
        size_t total = 1;
        char clen[24];
        int i;

        evhttp_add_header(h, "Content-Type", "application/json; charset=utf-8");
        evhttp_add_header(h, "Date", web_date(rw));
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

/* Sends `body` (a new reference, consumed) as JSON with `status`. */
static void
web_send_json(struct rworker *rw, struct evhttp_request *req, int status,
              json_t *body, int pretty)
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
        web_send_parts(rw, req, status, (const char *const *)&s, &len, 1);
        free(s);
}

static void
web_error(struct rworker *rw, struct evhttp_request *req, int status,
          const char *msg)
{
        web_send_json(rw, req, status, json_pack("{s:s}", "message", msg), 0);
}

static const char *
web_rc_message(uint32_t rc)
{
        switch (rc) {
        case RC_HANDLE_NOT_FOUND:
                return "handle not found";
        case RC_INVALID_HANDLE:
                return "invalid handle";
        case RC_VALUES_NOT_FOUND:
                return "no values match";
        case RC_SERVER_BUSY:
                return "store unavailable, retry later";
        default:
                return "internal error";
        }
}

/* SNMS status for a response code (domain.md §2.A). */
static int
web_snms_status(uint32_t rc)
{
        switch (rc) {
        case RC_SUCCESS:
                return 1;
        case RC_SERVER_BUSY:
                return -1;
        case RC_ERROR:
                return -4;
        default:
                return -2;
        }
}

/*
 * The handle as the client wrote it, for echoing.  An invalid name may
 * not be UTF-8, which JSON cannot carry: its bytes above 0x7F are then
 * percent-encoded.
 */
static json_t *
web_handle_json(const char *p, size_t len)
{
        json_t *s = json_stringn(p, len);
        char buf[3 * HNAME_MAX + 1];
        size_t i, n = 0;

        if (s)
                return s;
        for (i = 0; i < len && n + 4 < sizeof(buf); i++) {
                uint8_t ch = (uint8_t)p[i];

                if (ch < 0x80) {
                        buf[n++] = (char)ch;
                } else {
                        snprintf(buf + n, 4, "%%%02X", ch);
                        n += 3;
                }
        }
        return json_stringn(buf, n);
}

/* SNMS templateVersion: the public value at index 1001 (TEMPLATE). */
static json_t *
web_template_version(const struct hrec *rec)
{
        json_t *v = NULL;
        uint32_t i;

        for (i = 0; i < rec->n; i++)
                if (rec->v[i].index == 1001 &&
                    (rec->v[i].perms & HVAL_PUBLIC_READ))
                        v = json_stringn((const char *)rec->v[i].data.p,
                                         rec->v[i].data.len);
        return v ? v : json_string("");
}

/* The JSON array of a record's public values, memoised in the record. */
static int
web_memo_values(struct hrec *rec)
{
        json_t *vals = json_array();
        uint32_t i;

        for (i = 0; i < rec->n; i++)
                if (rec->v[i].perms & HVAL_PUBLIC_READ)
                        json_array_append_new(vals, hjson_value(&rec->v[i]));
        if (json_array_size(vals) > 0)
                rec->memo =
                    json_dumps(vals, JSON_COMPACT | JSON_PRESERVE_ORDER);
        json_decref(vals);
        if (!rec->memo)
                return -1;
        rec->memo_len = strlen(rec->memo);
        return 0;
}

/*
 * The common request (whole record, not pretty) is answered from the
 * memoised rendering; the output is byte-identical to the general path.
 * Returns -1 if this request needs the general path.
 */
static int
web_reply_fast(struct wreq *wr, struct hrec *rec)
{
        static const char head[] = "{\"responseCode\":1,\"handle\":\"";
        static const char mid[] = "\",\"values\":";
        const char *parts[5];
        size_t lens[5];

        if (wr->shape != SHAPE_HANDLE_NET || wr->pretty || wr->nidx ||
            wr->ntypes || memchr(wr->given, '"', wr->given_len) ||
            memchr(wr->given, '\\', wr->given_len))
                return -1;
        if (!rec->memo && web_memo_values(rec) < 0)
                return -1;
        parts[0] = head, lens[0] = sizeof(head) - 1;
        parts[1] = wr->given, lens[1] = wr->given_len;
        parts[2] = mid, lens[2] = sizeof(mid) - 1;
        parts[3] = rec->memo, lens[3] = rec->memo_len;
        parts[4] = "}", lens[4] = 1;
        web_send_parts(wr->rw, wr->req, 200, parts, lens, 5);
        return 0;
}

static void
web_reply(struct wreq *wr, struct hrec *rec, uint32_t rc, const char *why)
{
        struct hfilter f = {wr->nidx, wr->idx, wr->ntypes, wr->types};
        json_t *vals = json_array(), *body = NULL;
        size_t plen;
        uint32_t i;

        if (rc == RC_SUCCESS && rec && web_reply_fast(wr, rec) == 0) {
                json_decref(vals);
                return;
        }
        if (rc == RC_SUCCESS && rec) {
                for (i = 0; i < rec->n; i++) {
                        const struct hval *v = &rec->v[i];

                        if (!(v->perms & HVAL_PUBLIC_READ) ||
                            !hfilter_match(&f, v))
                                continue;
                        json_array_append_new(vals, hjson_value(v));
                }
                if (json_array_size(vals) == 0)
                        rc = RC_VALUES_NOT_FOUND;
        } else if (rc == RC_SUCCESS) {
                rc = RC_HANDLE_NOT_FOUND;
        }
        if (wr->shape == SHAPE_HANDLE_NET) {
                body = json_pack("{s:i,s:o}", "responseCode", (int)rc, "handle",
                                 web_handle_json(wr->given, wr->given_len));
                if (rc == RC_SUCCESS || rc == RC_VALUES_NOT_FOUND)
                        json_object_set(body, "values", vals);
                else
                        json_object_set_new(
                            body, "message",
                            json_string(why ? why : web_rc_message(rc)));
                web_send_json(wr->rw, wr->req, wire_rc_http_status(rc), body,
                              wr->pretty);
        } else if (rc == RC_SUCCESS) {
                plen = hname_prefix_len(wr->given, wr->given_len);
                body = json_pack("{s:i,s:s,s:{s:s%,s:s%,s:o,s:O}}", "status", 1,
                                 "message", "success", "data", "prefix",
                                 wr->given, plen, "handle", wr->given,
                                 wr->given_len, "templateVersion",
                                 web_template_version(rec), "value", vals);
                web_send_json(wr->rw, wr->req, 200, body, wr->pretty);
        } else {
                body = json_pack("{s:i,s:s,s:n}", "status", web_snms_status(rc),
                                 "message", why ? why : web_rc_message(rc),
                                 "data");
                web_send_json(wr->rw, wr->req, wire_rc_http_status(rc), body,
                              wr->pretty);
        }
        json_decref(vals);
}

static void
web_fetched(struct lookup *lk, struct hrec *rec, uint32_t rc)
{
        struct wreq *wr = (struct wreq *)lk;

        if (rc == RC_SERVER_BUSY)
                lk->rw->st.busy++;
        web_reply(wr, rec, rc, NULL);
        free(wr);
}

static int
web_flag(const char *v)
{
        return v && (v[0] == '\0' || strcmp(v, "true") == 0 ||
                     strcmp(v, "yes") == 0 || strcmp(v, "1") == 0);
}

/*
 * Calls fn(arg, key, value) for each `k=v` or bare `k` of a query
 * string, percent- and plus-decoded.  evhttp_parse_query_str rejects a
 * bare key such as "?pretty", which the REST API accepts.  Stops at the
 * first non-zero return, which it returns.
 */
static int
web_query_each(const char *query, int (*fn)(void *, const char *, const char *),
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

struct query_ctx {
        struct wreq *wr;
        size_t used;
        const char *why;
};

static int
web_query_param(void *arg, const char *key, const char *value)
{
        struct query_ctx *q = arg;
        struct wreq *wr = q->wr;

        if (strcmp(key, "type") == 0) {
                size_t n = strlen(value);

                if (wr->ntypes >= WIRE_MAX_FILTER || n > HVAL_MAX_TYPE_LEN ||
                    q->used + n > sizeof(wr->typebuf)) {
                        q->why = "too many or too long type filters";
                        return -1;
                }
                memcpy(wr->typebuf + q->used, value, n);
                wr->types[wr->ntypes].p =
                    (const uint8_t *)wr->typebuf + q->used;
                wr->types[wr->ntypes++].len = (uint32_t)n;
                q->used += n;
        } else if (strcmp(key, "index") == 0) {
                char *end;
                unsigned long v = strtoul(value, &end, 10);

                if (wr->nidx >= WIRE_MAX_FILTER || *end || !value[0] ||
                    v > UINT32_MAX) {
                        q->why = "index must be a number (at most 64)";
                        return -1;
                }
                wr->idx[wr->nidx++] = (uint32_t)v;
        } else if (strcmp(key, "pretty") == 0) {
                wr->pretty = web_flag(value);
        }
        return 0;
}

/* Common path of both resolution shapes once the handle text is known. */
static void
web_resolve(struct rworker *rw, struct evhttp_request *req,
            enum web_shape shape, const char *handle, size_t hlen)
{
        struct wreq *wr = calloc(1, sizeof(*wr));
        const char *query =
            evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
        struct hrec *rec;
        char name[HNAME_MAX + 1];
        size_t namelen = 0;
        const char *why = NULL;

        rw->st.http_requests++;
        if (!wr) {
                web_error(rw, req, 503, "out of memory");
                return;
        }
        wr->rw = rw;
        wr->req = req;
        wr->shape = shape;
        {
                struct query_ctx q = {wr, 0, "malformed query string"};

                if (web_query_each(query, web_query_param, &q) != 0) {
                        web_error(rw, req, 400, q.why);
                        free(wr);
                        return;
                }
        }
        if (hlen > HNAME_MAX)
                hlen = HNAME_MAX + 1; /* too long: hname_check says so */
        memcpy(wr->given, handle, hlen > HNAME_MAX ? HNAME_MAX : hlen);
        wr->given_len = hlen > HNAME_MAX ? HNAME_MAX : hlen;
        switch (hname_check((const uint8_t *)handle, hlen,
                            (size_t)rw->cfg->max_handle_bytes, name,
                            sizeof(name), &namelen, &why)) {
        case HNAME_INVALID:
                web_reply(wr, NULL, RC_INVALID_HANDLE, why);
                free(wr);
                return;
        case HNAME_NO_SLASH:
                web_reply(wr, NULL, RC_HANDLE_NOT_FOUND, NULL);
                free(wr);
                return;
        case HNAME_OK:
                break;
        }
        if (lookup_cached(rw, name, namelen, &rec)) {
                web_reply(wr, rec, rec ? RC_SUCCESS : RC_HANDLE_NOT_FOUND,
                          NULL);
                free(wr);
                return;
        }
        lookup_set_name(&wr->lk, name, namelen);
        if (lookup_fetch(rw, &wr->lk, web_fetched) < 0) {
                rw->st.busy++;
                web_reply(wr, NULL, RC_SERVER_BUSY, NULL);
                free(wr);
        }
}

static void
web_api_handle(struct rworker *rw, struct evhttp_request *req, const char *rest)
{
        size_t len = 0;
        char *h = evhttp_uridecode(rest, 0, &len);

        if (!h) {
                web_error(rw, req, 400, "malformed path");
                return;
        }
        web_resolve(rw, req, SHAPE_HANDLE_NET, h, len);
        free(h);
}

static int
web_query_handle(void *arg, const char *key, const char *value)
{
        char **out = arg;

        if (strcmp(key, "handle") != 0 || *out)
                return 0;
        *out = strdup(value);
        return *out ? 0 : -1;
}

static void
web_snms_detail(struct rworker *rw, struct evhttp_request *req,
                const char *rest)
{
        const char *query =
            evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
        char *h = NULL;

        (void)rest;
        if (web_query_each(query, web_query_handle, &h) != 0 || !h) {
                free(h);
                web_send_json(rw, req, 400,
                              json_pack("{s:i,s:s,s:n}", "status", -2,
                                        "message", "handle is required",
                                        "data"),
                              0);
                return;
        }
        web_resolve(rw, req, SHAPE_SNMS, h, strlen(h));
        free(h);
}

static void
web_healthz(struct rworker *rw, struct evhttp_request *req, const char *rest)
{
        (void)rest;
        web_send_json(rw, req, 200,
                      json_pack("{s:s,s:i,s:i,s:b}", "status", "ok", "pid",
                                (int)getpid(), "worker", worker_id(rw->w),
                                "redis", rpool_ready(rw->redis)),
                      0);
}

/*
 * Ready to serve: this worker's Redis connection answers and its
 * listeners are up (they are, or this request would not be here).  A
 * balancer sends traffic elsewhere on 503.
 */
static void
web_readyz(struct rworker *rw, struct evhttp_request *req, const char *rest)
{
        int redis = rpool_ready(rw->redis);

        (void)rest;
        web_send_json(rw, req, redis ? 200 : 503,
                      json_pack("{s:b,s:i,s:b,s:b}", "ready", redis, "worker",
                                worker_id(rw->w), "redis", redis, "listeners",
                                1),
                      0);
}

static void
web_route(struct evhttp_request *req, void *arg)
{
        struct rworker *rw = arg;
        const char *path =
            evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
        size_t i;

        if (!path)
                path = "/";
        for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
                size_t n = strlen(routes[i].path);
                int prefix = routes[i].path[n - 1] == '/';

                if (prefix ? strncmp(path, routes[i].path, n) != 0
                           : strcmp(path, routes[i].path) != 0)
                        continue;
                if (!(evhttp_request_get_command(req) & routes[i].methods)) {
                        web_error(rw, req, 405, "method not allowed");
                        return;
                }
                routes[i].fn(rw, req, path + n);
                return;
        }
        web_error(rw, req, 404, "no such endpoint");
}

int
web_start(struct rworker *rw, char *err, size_t errlen)
{
        struct evconnlistener *lis =
            net_listen_tcp(rw->base, "http", rw->cfg->http_bind,
                           rw->cfg->http_port, NULL, NULL, err, errlen);

        if (!lis)
                return -1;
        rw->http = evhttp_new(rw->base);
        if (!rw->http || !evhttp_bind_listener(rw->http, lis)) {
                snprintf(err, errlen, "http: cannot start server");
                if (rw->http)
                        evhttp_free(rw->http);
                evconnlistener_free(lis);
                rw->http = NULL;
                return -1;
        }
        rw->http_lis = lis;
        evhttp_set_gencb(rw->http, web_route, rw);
        evhttp_set_timeout(rw->http, rw->cfg->tcp_idle_timeout_ms / 1000 + 1);
        evhttp_set_max_body_size(rw->http, WEB_MAX_BODY);
        evhttp_set_max_headers_size(rw->http, WEB_MAX_HEADERS);
        evhttp_set_allowed_methods(
            rw->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST |
                          EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE);
        return 0;
}

void
web_stop(struct rworker *rw)
{
        if (rw->http)
                evhttp_free(rw->http);
        rw->http = NULL;
}

size_t
web_route_count(void)
{
        return sizeof(routes) / sizeof(routes[0]);
}

const char *
web_route_path(size_t i, int *methods, const char **param)
{
        static const struct {
                int ev, web;
        } map[] = {
            {EVHTTP_REQ_GET, WEB_GET},       {EVHTTP_REQ_HEAD, WEB_HEAD},
            {EVHTTP_REQ_POST, WEB_POST},     {EVHTTP_REQ_PUT, WEB_PUT},
            {EVHTTP_REQ_DELETE, WEB_DELETE},
        };
        size_t k;

        if (i >= web_route_count())
                return NULL;
        *methods = 0;
        for (k = 0; k < sizeof(map) / sizeof(map[0]); k++)
                if (routes[i].methods & map[k].ev)
                        *methods |= map[k].web;
        *param = routes[i].param;
        return routes[i].path;
}
