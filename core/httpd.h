/*
 * The HTTP server of one worker (evhttp on the worker's own SO_REUSEPORT
 * listener) and the route tables every layer adds to it, with the JSON
 * response and query-string helpers their handlers share.
 *
 * A route table is static data of the layer that serves it: the server
 * keeps a pointer, and each table's handlers receive that layer's
 * per-worker context.  Everything runs on the worker's thread.
 */
#ifndef CORE_HTTPD_H
#define CORE_HTTPD_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "core/mhist.h"
#include "core/ratelim.h"

struct bufferevent;
struct config;
struct event_base;
struct evhttp_request;
struct httpd;
struct ratelim;

/* Methods as bits; the values are libevent's EVHTTP_REQ_*. */
enum {
        HTTPD_GET = 1 << 0,
        HTTPD_POST = 1 << 1,
        HTTPD_HEAD = 1 << 2,
        HTTPD_PUT = 1 << 3,
        HTTPD_DELETE = 1 << 4,
};

/* `rest` is the path after a prefix route's path ("" for exact routes). */
typedef void (*httpd_handler)(void *ctx, struct evhttp_request *req,
                              const char *rest);

struct httpd_route {
        const char *path;  /* ending in '/': serves everything below it */
        const char *param; /* a prefix route's path parameter, for docs */
        int methods;       /* HTTPD_* bits */
        httpd_handler fn;
};

struct httpd_opts {
        const char *bind;
        int port;
        int idle_s;      /* keep-alive connections close after this */
        size_t max_body; /* larger request bodies get 413 */
        size_t max_headers;
        int access_sample; /* log one answer in N (access log); 0 = none */
};

/* Answers by status (the codes of httpd_stat_codes, then the rest). */
#define HTTPD_STAT_CODES 14
extern const int httpd_stat_codes[HTTPD_STAT_CODES - 1];

/* What one server answered: request received -> answer written. */
struct httpd_stats {
        uint64_t answers[HTTPD_STAT_CODES];
        struct mhist latency;
        uint64_t limited[RL_CLASSES]; /* 429 by rate limit, by class */
        uint64_t addr_refused;        /* over limit_http_conns_per_addr */
};

/* Listens on bind:port.  NULL with "http host:port: reason" in err. */
struct httpd *httpd_new(struct event_base *base, const struct httpd_opts *o,
                        char *err, size_t errlen);
/*
 * Adds a second listener on bind:port serving the same routes, whose
 * connections get their bufferevent from bevcb(base, arg) (a TLS one:
 * certs/tls).  0, or -1 with "https host:port: reason" in err.
 */
int httpd_listen_tls(struct httpd *h, struct event_base *base, const char *bind,
                     int port,
                     struct bufferevent *(*bevcb)(struct event_base *, void *),
                     void *arg, char *err, size_t errlen);
/* Adds a route table (kept, not copied). 0, or -1 if too many tables. */
int httpd_add_routes(struct httpd *h, const struct httpd_route *routes,
                     size_t n, void *ctx);
/*
 * Rate limits and per-address connection caps from `cfg` (copied; call
 * again on reload), kept in `lim` (shared, borrowed: it must outlive
 * h).  NULL lim: none.
 */
void httpd_set_limits(struct httpd *h, struct ratelim *lim,
                      const struct config *cfg);
/*
 * Every request counts against limit_http_* before its route runs; a
 * route that has its own limit takes a token of `cls` for the client's
 * address: 1 if allowed, 0 if over the limit (then answered 429 with
 * Retry-After, in the SNMS envelope if `snms`).
 */
/* The table given to httpd_set_limits, or NULL. */
struct ratelim *httpd_ratelim(const struct httpd *h);
int httpd_limit(struct httpd *h, struct evhttp_request *req,
                enum ratelim_class cls, int snms);
/* A new access_sample (config reload). */
void httpd_set_access_sample(struct httpd *h, int n);
/* Copies the server's counters (on its thread). */
void httpd_get_stats(const struct httpd *h, struct httpd_stats *s);
/*
 * Stops (0) or resumes (1) accepting: connections wait in the kernel's
 * queue meanwhile.
 */
void httpd_accepting(struct httpd *h, int on);
/*
 * Closes the listening sockets, so that the kernel hands new connections
 * to the other sockets of its SO_REUSEPORT group (a new instance); open
 * connections are still served.
 */
void httpd_close_listener(struct httpd *h);
/* Closes every connection (pending requests are dropped) and frees. */
void httpd_free(struct httpd *h);

/* Sends the concatenated parts plus a newline as JSON (HEAD: headers). */
void httpd_send_parts(struct evhttp_request *req, int status,
                      const char *const *parts, const size_t *lens, int n);
/* Sends `body` (a new reference, consumed) as JSON; 500 if it is NULL. */
void httpd_send_json(struct evhttp_request *req, int status, json_t *body,
                     int pretty);
/* {"message": msg} with `status`. */
void httpd_error(struct evhttp_request *req, int status, const char *msg);

/*
 * Calls fn(arg, key, value) for each `k=v` or bare `k` of a query string,
 * percent- and plus-decoded (evhttp_parse_query_str refuses a bare key
 * such as "?pretty").  Stops at the first non-zero return, which it
 * returns; -1 if a component is malformed or too long.
 */
int httpd_query_each(const char *query,
                     int (*fn)(void *arg, const char *key, const char *value),
                     void *arg);
/* A boolean query value: empty, "true", "yes" or "1". */
int httpd_flag(const char *value);

/* Prints one "METHOD /path" line per route and method (idnode --routes). */
void httpd_print_routes(FILE *fp, const struct httpd_route *routes, size_t n);

#endif
