#include "resolver/web.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/http.h>
#include <jansson.h>
#include <openssl/crypto.h>

#include "certs/tls.h"
#include "core/config.h"
#include "core/httpd.h"
#include "core/hjson.h"
#include "core/hname.h"
#include "core/hval.h"
#include "core/log.h"
#include "core/site.h"
#include "core/wire.h"
#include "core/worker.h"
#include "registry/auth.h"
#include "registry/grant.h"
#include "resolver/rperm.h"
#include "resolver/gateway.h"
#include "resolver/rworker.h"
#include "resolver/upstream.h"

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
        int refer;      /* 0 with doNotRefer: no referral answers */
        int upstreamed; /* sent upstream once: a referral is final now */
        uint32_t nidx, ntypes;
        uint32_t idx[WIRE_MAX_FILTER];
        struct span types[WIRE_MAX_FILTER];
        char typebuf[WEB_TYPES_BYTES];
        size_t given_len;
        char given[HNAME_MAX + 1]; /* the handle as the client wrote it */
        /* Normalised, for the usage statistics; NULL if not a handle. */
        const char *name;
        size_t namelen;
        int authed; /* a valid bearer token came with it */
        int rights; /* the caller's GRANT_* bits on the handle */
};

static void web_api_handle(void *ctx, struct evhttp_request *req,
                           const char *rest);
static void web_snms_detail(void *ctx, struct evhttp_request *req,
                            const char *rest);
static void web_healthz(void *ctx, struct evhttp_request *req,
                        const char *rest);
static void web_readyz(void *ctx, struct evhttp_request *req, const char *rest);

/*
 * Route table: a path ending in '/' serves everything below it; `param`
 * names what follows it (docs/openapi.yaml, idnode --routes).
 */
static const struct httpd_route routes[] = {
    {"/api/handles/", "handle", HTTPD_GET | HTTPD_HEAD, web_api_handle},
    {"/identityv2/data/detail", NULL, HTTPD_GET | HTTPD_HEAD, web_snms_detail},
    {"/api/resolve/", "id", HTTPD_GET | HTTPD_HEAD, gateway_resolve},
    {"/healthz", NULL, HTTPD_GET | HTTPD_HEAD, web_healthz},
    {"/readyz", NULL, HTTPD_GET | HTTPD_HEAD, web_readyz},
};

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
        case RC_SERVER_NOT_RESP:
                return "the responsible node did not answer";
        case RC_RECURSION_COUNT_TOO_HIGH:
                return "recursion limit reached";
        default:
                return "internal error";
        }
}

/*
 * HTTP status for a response code: a gateway's for failures of the node
 * asked on the client's behalf (upstream resolution).
 */
static int
web_http_status(uint32_t rc)
{
        if (rc == RC_SERVER_NOT_RESP)
                return 504;
        if (rc == RC_RECURSION_COUNT_TOO_HIGH)
                return 502;
        return wire_rc_http_status(rc);
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

/* SNMS templateVersion: the readable value at index 1001 (TEMPLATE). */
static json_t *
web_template_version(const struct hrec *rec, int rights)
{
        json_t *v = NULL;
        uint32_t i;

        for (i = 0; i < rec->n; i++)
                if (rec->v[i].index == 1001 &&
                    rperm_readable(rights, &rec->v[i]))
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
            wr->ntypes || (wr->rights & GRANT_READ) ||
            memchr(wr->given, '"', wr->given_len) ||
            memchr(wr->given, '\\', wr->given_len))
                return -1;
        if (!rec->memo && web_memo_values(rec) < 0)
                return -1;
        parts[0] = head, lens[0] = sizeof(head) - 1;
        parts[1] = wr->given, lens[1] = wr->given_len;
        parts[2] = mid, lens[2] = sizeof(mid) - 1;
        parts[3] = rec->memo, lens[3] = rec->memo_len;
        parts[4] = "}", lens[4] = 1;
        httpd_send_parts(wr->req, 200, parts, lens, 5);
        return 0;
}

/*
 * The handle's prefix is served by its enterprise node: rec holds that
 * node's HS_SITE value.  Handle.Net shape as CNRI answers a referral
 * (responseCode 302, values, no referralHandle when it is empty), SNMS
 * shape with the site in data; HTTP 300 for both.
 */
static void
web_reply_referral(struct wreq *wr, const struct hrec *rec, uint32_t rc)
{
        size_t plen = hname_prefix_len(wr->given, wr->given_len);
        json_t *body, *vals, *site = NULL;
        char addr[SITE_ADDR_TEXT], ports[128], msg[320];
        struct site s;
        size_t n = 0;
        uint32_t i;

        if (wr->shape == SHAPE_HANDLE_NET) {
                vals = json_array();
                for (i = 0; i < rec->n; i++)
                        json_array_append_new(vals,
                                              hjson_site_value(&rec->v[i]));
                body = json_pack(
                    "{s:i,s:o,s:o}", "responseCode", (int)rc, "handle",
                    web_handle_json(wr->given, wr->given_len), "values", vals);
                httpd_send_json(wr->req, 300, body, wr->pretty);
                return;
        }
        ports[0] = '\0';
        if (rec->n > 0 &&
            site_decode(rec->v[0].data.p, rec->v[0].data.len, &s) == 0) {
                site = hjson_site(&s);
                site_address_text(&s, addr);
                for (i = 0; i < s.niface && n < sizeof(ports); i++) {
                        const char *proto = site_proto_name(s.iface[i].proto);

                        n += (size_t)snprintf(ports + n, sizeof(ports) - n,
                                              "%s%s %u", i ? ", " : "",
                                              proto ? proto : "?",
                                              s.iface[i].port);
                }
        } else {
                snprintf(addr, sizeof(addr), "?");
        }
        snprintf(msg, sizeof(msg),
                 "prefix %.*s is not hosted here: resolve the handle at its "
                 "enterprise node %s (%s)",
                 (int)plen, wr->given, addr, ports);
        body = json_pack("{s:i,s:s,s:{s:s%,s:o,s:o}}", "status", -2, "message",
                         msg, "data", "prefix", wr->given, plen, "handle",
                         web_handle_json(wr->given, wr->given_len), "site",
                         site ? site : json_null());
        httpd_send_json(wr->req, 300, body, wr->pretty);
}

/*
 * A refusal of the caller: 401 (no valid token) or 403 (a value asked
 * for by index or type that the caller may not read), with the Handle
 * response code CNRI's REST API gives (402 AUTHENTICATION_NEEDED, 401
 * INSUFFICIENT_PERMISSIONS) or SNMS status -1 / -3.
 */
static void
web_deny(struct wreq *wr, int http, const char *msg)
{
        json_t *body;

        if (http == 401)
                evhttp_add_header(evhttp_request_get_output_headers(wr->req),
                                  "WWW-Authenticate", "Bearer");
        if (wr->shape == SHAPE_HANDLE_NET)
                body = json_pack("{s:i,s:o,s:s}", "responseCode",
                                 http == 401 ? RC_AUTHENTICATION_NEEDED
                                             : RC_INSUFFICIENT_PERMISSIONS,
                                 "handle",
                                 web_handle_json(wr->given, wr->given_len),
                                 "message", msg);
        else
                body = json_pack("{s:i,s:s,s:n}", "status",
                                 http == 401 ? -1 : -3, "message", msg, "data");
        httpd_send_json(wr->req, http, body, wr->pretty);
}

/*
 * 1 if the request names values (index or type filters) of which one
 * matches a value the caller may not read.  Without a filter the caller
 * simply gets what it may read, as anonymous callers always do.
 */
static int
web_forbidden(const struct wreq *wr, const struct hrec *rec)
{
        struct hfilter f = {wr->nidx, wr->idx, wr->ntypes, wr->types};
        uint32_t i;

        if (!wr->authed || (!wr->nidx && !wr->ntypes))
                return 0;
        for (i = 0; i < rec->n; i++)
                if (!rperm_readable(wr->rights, &rec->v[i]) &&
                    hfilter_match(&f, &rec->v[i]))
                        return 1;
        return 0;
}

/* Sends the answer; returns its response code. */
static uint32_t
web_render(struct wreq *wr, struct hrec *rec, uint32_t rc, const char *why)
{
        struct hfilter f = {wr->nidx, wr->idx, wr->ntypes, wr->types};
        json_t *vals, *body = NULL;
        size_t plen;
        uint32_t i;

        if ((rc == RC_SERVICE_REFERRAL || rc == RC_PREFIX_REFERRAL) && rec) {
                web_reply_referral(wr, rec, rc);
                return rc;
        }
        if (rc == RC_SUCCESS && rec && web_forbidden(wr, rec)) {
                web_deny(wr, 403,
                         "a value asked for is not public and this caller "
                         "holds no read grant on it");
                return RC_INSUFFICIENT_PERMISSIONS;
        }
        if (rc == RC_SUCCESS && rec && web_reply_fast(wr, rec) == 0)
                return rc;
        vals = json_array();
        if (rc == RC_SUCCESS && rec) {
                for (i = 0; i < rec->n; i++) {
                        const struct hval *v = &rec->v[i];

                        if (!rperm_readable(wr->rights, v) ||
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
                httpd_send_json(wr->req, web_http_status(rc), body, wr->pretty);
        } else if (rc == RC_SUCCESS) {
                plen = hname_prefix_len(wr->given, wr->given_len);
                body = json_pack(
                    "{s:i,s:s,s:{s:s%,s:s%,s:o,s:O}}", "status", 1, "message",
                    "success", "data", "prefix", wr->given, plen, "handle",
                    wr->given, wr->given_len, "templateVersion",
                    web_template_version(rec, wr->rights), "value", vals);
                httpd_send_json(wr->req, 200, body, wr->pretty);
        } else {
                body = json_pack("{s:i,s:s,s:n}", "status", web_snms_status(rc),
                                 "message", why ? why : web_rc_message(rc),
                                 "data");
                httpd_send_json(wr->req, web_http_status(rc), body, wr->pretty);
        }
        json_decref(vals);
        return rc;
}

/* Answers, and counts a resolution of a handle for the statistics. */
static void
web_reply(struct wreq *wr, struct hrec *rec, uint32_t rc, const char *why)
{
        struct evhttp_connection *conn = evhttp_request_get_connection(wr->req);
        const struct sockaddr *sa =
            conn && wr->name ? evhttp_connection_get_addr(conn) : NULL;
        struct sockaddr_storage peer;

        /* Copied: sending the answer may free the connection. */
        peer.ss_family = AF_UNSPEC;
        if (sa && (sa->sa_family == AF_INET || sa->sa_family == AF_INET6))
                memcpy(&peer, sa,
                       sa->sa_family == AF_INET ? sizeof(struct sockaddr_in)
                                                : sizeof(struct sockaddr_in6));
        rc = web_render(wr, rec, rc, why);
        if (wr->name)
                rworker_count_resolution(
                    wr->rw, wr->name, wr->namelen, rc,
                    (const struct sockaddr *)(const void *)&peer);
}

static void
web_fetched(struct lookup *lk, struct hrec *rec, uint32_t rc)
{
        struct wreq *wr = (struct wreq *)lk;
        struct hrec *cached;
        uint32_t crc;

        if (rc == RC_SERVICE_REFERRAL && !wr->upstreamed &&
            lk->rw->cfg->recursion) {
                /* Our own enterprise node's prefix: ask it for the client. */
                wr->upstreamed = 1;
                crc = upstream_cached(lk->rw->up, lk->name, lk->namelen, 0,
                                      &cached);
                if (crc) {
                        rec = cached;
                        rc = crc;
                } else if (upstream_fetch(lk->rw, lk, rec, web_fetched) == 0) {
                        return;
                } else {
                        rec = NULL;
                        rc = RC_SERVER_BUSY;
                }
        }
        if (rc == RC_SERVER_BUSY)
                lk->rw->st.busy++;
        web_reply(wr, rec, rc, NULL);
        free(wr);
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
                wr->pretty = httpd_flag(value);
        } else if (strcmp(key, "doNotRefer") == 0) {
                wr->refer = !httpd_flag(value);
        }
        return 0;
}

/* A handle of a prefix not homed here: resolved upstream (recursion on). */
static void
web_foreign(struct wreq *wr)
{
        struct rworker *rw = wr->rw;
        struct hrec *rec;
        uint32_t rc =
            upstream_cached(rw->up, wr->lk.name, wr->lk.namelen, 0, &rec);

        if (rc != 0) {
                web_reply(wr, rec, rc, NULL);
                free(wr);
                return;
        }
        wr->upstreamed = 1;
        if (upstream_fetch(rw, &wr->lk, NULL, web_fetched) < 0) {
                rw->st.busy++;
                web_reply(wr, NULL, RC_SERVER_BUSY, NULL);
                free(wr);
        }
}

/* Cache first, then Redis (or another node); answered and freed. */
static void
web_lookup(struct wreq *wr)
{
        struct rworker *rw = wr->rw;
        struct hrec *rec;
        int from_prefix;
        uint32_t rc;

        if (rw->cfg->recursion &&
            upstream_foreign(rw->up, wr->lk.name, wr->lk.namelen)) {
                web_foreign(wr);
                return;
        }
        rc = lookup_cached(rw, wr->lk.name, wr->lk.namelen, wr->refer, &rec,
                           &from_prefix);
        if (rc == RC_SERVICE_REFERRAL && rw->cfg->recursion) {
                /* Resolved at the enterprise node, in web_fetched. */
                wr->lk.rw = rw;
                web_fetched(&wr->lk, rec, rc);
                return;
        }
        if (rc != 0) {
                web_reply(wr, rec, rc, NULL);
                free(wr);
                return;
        }
        wr->lk.from_prefix = from_prefix;
        if (lookup_fetch(rw, &wr->lk, web_fetched) < 0) {
                rw->st.busy++;
                web_reply(wr, NULL, RC_SERVER_BUSY, NULL);
                free(wr);
        }
}

static void
web_busy(struct wreq *wr)
{
        wr->rw->st.busy++;
        web_reply(wr, NULL, RC_SERVER_BUSY, NULL);
        free(wr);
}

static void
web_checked(void *arg, int rights)
{
        struct wreq *wr = arg;

        if (rights < 0) {
                web_busy(wr);
                return;
        }
        wr->rights = rights;
        web_lookup(wr);
}

static void
web_identified(void *arg, enum rperm_status st, const struct auth_token *t,
               const char *why)
{
        struct wreq *wr = arg;
        const char *caller;

        if (st == RPERM_BUSY) {
                web_busy(wr);
                return;
        }
        if (st == RPERM_DENIED) {
                web_deny(wr, 401, why);
                free(wr);
                return;
        }
        wr->authed = 1;
        caller = grant_caller(t->role, t->ent);
        if (!caller[0]) {
                web_lookup(wr); /* staff read what anonymous callers read */
                return;
        }
        if (rperm_check(wr->rw, caller, wr->lk.name, wr->lk.namelen,
                        web_checked, wr) < 0)
                web_busy(wr);
}

/* Common path of both resolution shapes once the handle text is known. */
static void
web_resolve(struct rworker *rw, struct evhttp_request *req,
            enum web_shape shape, const char *handle, size_t hlen)
{
        struct wreq *wr = calloc(1, sizeof(*wr));
        const char *query =
            evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
        char name[HNAME_MAX + 1], token[SECRET_HEX64];
        size_t namelen = 0;
        const char *why = NULL;
        enum auth_bearer bearer;
        int rc;

        rw->st.http_requests++;
        if (!wr) {
                httpd_error(req, 503, "out of memory");
                return;
        }
        wr->rw = rw;
        wr->req = req;
        wr->shape = shape;
        wr->refer = 1;
        {
                struct query_ctx q = {wr, 0, "malformed query string"};

                if (httpd_query_each(query, web_query_param, &q) != 0) {
                        httpd_error(req, 400, q.why);
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
        lookup_init(&wr->lk, name, namelen, wr->refer, 0);
        wr->name = wr->lk.name; /* outlives this function */
        wr->namelen = namelen;
        bearer = auth_bearer(
            evhttp_find_header(evhttp_request_get_input_headers(req),
                               "Authorization"),
            token);
        if (bearer == AUTH_BEARER_NONE) {
                web_lookup(wr);
                return;
        }
        if (bearer == AUTH_BEARER_BAD) {
                web_deny(wr, 401,
                         "malformed bearer token: send Authorization: Bearer "
                         "<token from /identity/token>");
                free(wr);
                return;
        }
        /* A token never makes an answer anonymous: it is checked first. */
        rc = rperm_identify(rw, token, web_identified, wr);
        OPENSSL_cleanse(token, sizeof(token));
        if (rc < 0)
                web_busy(wr);
}

static void
web_api_handle(void *ctx, struct evhttp_request *req, const char *rest)
{
        struct rworker *rw = ctx;

        size_t len = 0;
        char *h = evhttp_uridecode(rest, 0, &len);

        if (!h) {
                httpd_error(req, 400, "malformed path");
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
web_snms_detail(void *ctx, struct evhttp_request *req, const char *rest)
{
        struct rworker *rw = ctx;

        const char *query =
            evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
        char *h = NULL;

        (void)rest;
        if (httpd_query_each(query, web_query_handle, &h) != 0 || !h) {
                free(h);
                httpd_send_json(req, 400,
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
web_healthz(void *ctx, struct evhttp_request *req, const char *rest)
{
        struct rworker *rw = ctx;

        (void)rest;
        httpd_send_json(req, 200,
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
web_readyz(void *ctx, struct evhttp_request *req, const char *rest)
{
        struct rworker *rw = ctx;

        int redis = rpool_ready(rw->redis);

        (void)rest;
        httpd_send_json(req, redis ? 200 : 503,
                        json_pack("{s:b,s:i,s:b,s:b}", "ready", redis, "worker",
                                  worker_id(rw->w), "redis", redis, "listeners",
                                  1),
                        0);
}

/*
 * An accepted HTTPS connection: the worker's current context.  NULL
 * (no memory for an SSL) makes libevent 2.1 serve the connection in
 * plain text; such a peer never has a certificate identity (tls_peer).
 */
static struct bufferevent *
web_tls_bev(struct event_base *base, void *arg)
{
        struct rworker *rw = arg;

        return tls_bev_new(base, rw->tls);
}

int
web_start(struct rworker *rw, char *err, size_t errlen)
{
        struct httpd_opts o;

        memset(&o, 0, sizeof(o));
        o.bind = rw->cfg->http_bind;
        o.port = rw->cfg->http_port;
        o.idle_s = rw->cfg->tcp_idle_timeout_ms / 1000 + 1;
        o.max_body = (size_t)rw->cfg->http_max_body_kb * 1024;
        o.max_headers = WEB_MAX_HEADERS;
        o.access_sample = rw->cfg->access_log_sample;
        rw->httpd = httpd_new(rw->base, &o, err, errlen);
        if (!rw->httpd)
                return -1;
        if (rw->tls && httpd_listen_tls(rw->httpd, rw->base, rw->cfg->tls_bind,
                                        rw->cfg->tls_port, web_tls_bev, rw, err,
                                        errlen) < 0)
                return -1;
        return httpd_add_routes(rw->httpd, routes,
                                sizeof(routes) / sizeof(routes[0]), rw);
}

void
web_stop(struct rworker *rw)
{
        httpd_free(rw->httpd);
        rw->httpd = NULL;
}

const struct httpd_route *
web_routes(size_t *n)
{
        *n = sizeof(routes) / sizeof(routes[0]);
        return routes;
}
