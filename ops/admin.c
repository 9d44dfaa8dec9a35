#include "ops/admin.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <jansson.h>

#include "core/config.h"
#include "core/httpd.h"
#include "core/log.h"
#include "core/rpool.h"
#include "core/static.h"
#include "core/worker.h"
#include "ops/metrics.h"
#include "ops/stats.h"
#include "registry/api.h"
#include "registry/auth.h"
#include "resolver/rworker.h"

/* A scrape answers within this even if a worker never replies. */
#define ADMIN_SCRAPE_TIMEOUT_MS 2000
#define ADMIN_MAX_HEADERS       8192

enum admin_view { VIEW_METRICS, VIEW_READY };

struct admin_scrape;

/* One worker's copy, made on that worker's thread. */
struct admin_part {
        struct admin_scrape *s;
        int i;
        int back; /* set on the admin's thread: the copy below is done */
        struct rworker_sample rs;
        struct api_stats as;
        struct stats_counters ss;
};

/*
 * One request waiting for the workers' copies.  Owned by the admin's
 * list until every part came back (answered or not), so a late part
 * never finds it freed.
 */
struct admin_scrape {
        struct admin *a;
        struct admin_scrape *next, **pprev;
        struct evhttp_request *req; /* NULL once answered */
        enum admin_view view;
        struct event *timer;
        int back;
        struct admin_part parts[];
};

struct admin {
        struct worker *w;
        struct httpd *httpd;
        struct config *cfg;  /* a reference */
        struct rpool *redis; /* the dashboard's logins */
        struct auth *auth;
        struct api *api; /* the dashboard's registry calls */
        const char *version;
        long long start_unix;
        int n;
        struct admin_source *src;
        struct admin_scrape *scrapes;
};

static void admin_metrics(void *ctx, struct evhttp_request *req,
                          const char *rest);
static void admin_healthz(void *ctx, struct evhttp_request *req,
                          const char *rest);
static void admin_readyz(void *ctx, struct evhttp_request *req,
                         const char *rest);

static const struct httpd_route routes[] = {
    {"/metrics", NULL, HTTPD_GET | HTTPD_HEAD, admin_metrics},
    {"/healthz", NULL, HTTPD_GET | HTTPD_HEAD, admin_healthz},
    {"/readyz", NULL, HTTPD_GET | HTTPD_HEAD, admin_readyz},
};

static void
admin_scrape_free(struct admin_scrape *s)
{
        *s->pprev = s->next;
        if (s->next)
                s->next->pprev = s->pprev;
        if (s->timer)
                event_free(s->timer);
        free(s);
}

static void
admin_send_text(struct evhttp_request *req, struct evbuffer *body)
{
        struct evkeyvalq *h = evhttp_request_get_output_headers(req);

        evhttp_add_header(h, "Content-Type",
                          "text/plain; version=0.0.4; charset=utf-8");
        evhttp_add_header(h, "Cache-Control", "no-store");
        evhttp_send_reply(req, 200, "OK", body);
}

/* Sums what came back and answers (a missing part counts as not ready). */
static void
admin_answer(struct admin_scrape *s)
{
        struct metrics_sum sum;
        struct metrics_info info = {s->a->version, s->a->start_unix};
        struct api_stats own;
        struct evbuffer *body;
        int i, ready;

        memset(&sum, 0, sizeof(sum));
        for (i = 0; i < s->a->n; i++)
                if (s->parts[i].back)
                        metrics_add(&sum, &s->parts[i].rs, &s->parts[i].as,
                                    &s->parts[i].ss);
        /* Reviews made on the dashboard are registry writes too. */
        api_get_stats(s->a->api, &own);
        metrics_add_api(&sum, &own);
        if (s->view == VIEW_READY) {
                ready = sum.workers == s->a->n &&
                        sum.redis_ready_workers == s->a->n;
                httpd_send_json(s->req, ready ? 200 : 503,
                                json_pack("{s:b,s:{s:i,s:i},s:b,s:i}", "ready",
                                          ready, "redis", "connected_workers",
                                          sum.redis_ready_workers, "workers",
                                          s->a->n, "listeners", 1,
                                          "answered_workers", sum.workers),
                                0);
        } else if (sum.workers < s->a->n) {
                httpd_error(s->req, 503, "a worker did not answer in time");
        } else if (!(body = evbuffer_new())) {
                httpd_error(s->req, 503, "out of memory");
        } else {
                metrics_render(body, &sum, &info);
                admin_send_text(s->req, body);
                evbuffer_free(body);
        }
        s->req = NULL;
}

/* Back on the admin's thread. */
static void
admin_part_back(struct worker *w, void *arg)
{
        struct admin_part *p = arg;
        struct admin_scrape *s = p->s;

        (void)w;
        p->back = 1;
        if (++s->back < s->a->n)
                return;
        if (s->req)
                admin_answer(s);
        admin_scrape_free(s);
}

/* On worker p->i's thread. */
static void
admin_collect(struct worker *w, void *arg)
{
        struct admin_part *p = arg;
        const struct admin_source *src = &p->s->a->src[p->i];

        (void)w;
        rworker_sample(src->rw, &p->rs);
        if (src->api)
                api_get_stats(src->api, &p->as);
        if (src->stats)
                stats_get_counters(src->stats, &p->ss);
        if (worker_post(p->s->a->w, admin_part_back, p) < 0)
                log_error("admin", "error=post_back worker=%d", p->i);
}

static void
admin_timeout(evutil_socket_t fd, short what, void *arg)
{
        struct admin_scrape *s = arg;

        (void)fd;
        (void)what;
        /* Parts not back yet are left out of the sum. */
        if (s->req)
                admin_answer(s);
}

static void
admin_scrape(struct admin *a, struct evhttp_request *req, enum admin_view v)
{
        struct admin_scrape *s =
            calloc(1, sizeof(*s) + (size_t)a->n * sizeof(s->parts[0]));
        struct timeval tv = {ADMIN_SCRAPE_TIMEOUT_MS / 1000,
                             (ADMIN_SCRAPE_TIMEOUT_MS % 1000) * 1000};
        int i;

        if (!s) {
                httpd_error(req, 503, "out of memory");
                return;
        }
        s->a = a;
        s->req = req;
        s->view = v;
        s->next = a->scrapes;
        s->pprev = &a->scrapes;
        if (a->scrapes)
                a->scrapes->pprev = &s->next;
        a->scrapes = s;
        s->timer = evtimer_new(worker_base(a->w), admin_timeout, s);
        if (!s->timer || evtimer_add(s->timer, &tv) < 0) {
                httpd_error(req, 503, "out of memory");
                s->req = NULL;
        }
        for (i = 0; i < a->n; i++) {
                s->parts[i].i = i;
                s->parts[i].s = s;
                /* A part that cannot be asked for is left out of the sum. */
                if (worker_post(a->src[i].w, admin_collect, &s->parts[i]) < 0)
                        s->back++;
        }
        if (s->back == a->n) {
                if (s->req)
                        admin_answer(s);
                admin_scrape_free(s);
        }
}

static void
admin_metrics(void *ctx, struct evhttp_request *req, const char *rest)
{
        (void)rest;
        admin_scrape(ctx, req, VIEW_METRICS);
}

static void
admin_readyz(void *ctx, struct evhttp_request *req, const char *rest)
{
        (void)rest;
        admin_scrape(ctx, req, VIEW_READY);
}

static void
admin_healthz(void *ctx, struct evhttp_request *req, const char *rest)
{
        struct admin *a = ctx;

        (void)rest;
        httpd_send_json(req, 200,
                        json_pack("{s:s,s:s,s:i,s:I}", "status", "ok",
                                  "version", a->version, "pid", (int)getpid(),
                                  "uptime_s",
                                  (json_int_t)(time(NULL) - a->start_unix)),
                        0);
}

/* The dashboard: its pages, logins and the registry's routes. */
static int
admin_add_ops(struct admin *a, const struct admin_ops *ops, char *err,
              size_t errlen)
{
        const struct httpd_route *r;
        struct rpool_opts o;
        size_t k;

        memset(&o, 0, sizeof(o));
        o.socket = a->cfg->redis_socket;
        o.host = a->cfg->redis_host;
        o.password = a->cfg->redis_password;
        o.port = a->cfg->redis_port;
        o.timeout_ms = a->cfg->request_timeout_ms;
        o.max_inflight = a->cfg->redis_max_inflight;
        if (!(a->redis = rpool_new(worker_base(a->w), &o)) ||
            !(a->auth = auth_new(a->w, a->redis, ops->jobs, ops->key))) {
                snprintf(err, errlen, "admin: out of memory");
                return -1;
        }
        r = auth_routes(&k);
        if (httpd_add_routes(a->httpd, r, k, a->auth) < 0 ||
            /* Writes made here (the dashboard's) are not in the usage
             * statistics: those are counted by the workers. */
            !(a->api = api_new(a->w, ops->registry, a->cfg, a->httpd, NULL))) {
                snprintf(err, errlen, "admin: cannot add registry routes");
                return -1;
        }
        r = static_admin_routes(&k);
        /* The table is read-only; the route context is just untyped. */
        if (httpd_add_routes(a->httpd, r, k, (void *)ops->pages) < 0) {
                snprintf(err, errlen, "admin: cannot add page routes");
                return -1;
        }
        return 0;
}

struct admin *
admin_new(struct config *cfg, const char *version,
          const struct admin_source *src, int n, const struct admin_ops *ops,
          char *err, size_t errlen)
{
        struct admin *a = calloc(1, sizeof(*a));
        struct httpd_opts o;

        if (!a || !(a->src = calloc((size_t)n, sizeof(*src)))) {
                snprintf(err, errlen, "admin: out of memory");
                goto fail;
        }
        memcpy(a->src, src, (size_t)n * sizeof(*src));
        a->n = n;
        a->version = version;
        a->start_unix = (long long)time(NULL);
        config_ref(cfg);
        a->cfg = cfg;
        if (!(a->w = worker_new(n))) {
                snprintf(err, errlen, "admin: cannot make its thread");
                goto fail;
        }
        memset(&o, 0, sizeof(o));
        o.bind = cfg->admin_bind;
        o.port = cfg->admin_port;
        o.idle_s = cfg->tcp_idle_timeout_ms / 1000 + 1;
        /* Registry calls (reviews) carry bodies like on the public port. */
        o.max_body = (size_t)cfg->http_max_body_kb * 1024;
        o.max_headers = ADMIN_MAX_HEADERS;
        if (!(a->httpd = httpd_new(worker_base(a->w), &o, err, errlen)))
                goto fail;
        if (httpd_add_routes(a->httpd, routes,
                             sizeof(routes) / sizeof(routes[0]), a) < 0) {
                snprintf(err, errlen, "admin: cannot add routes");
                goto fail;
        }
        if (admin_add_ops(a, ops, err, errlen) < 0)
                goto fail;
        return a;
fail:
        admin_free(a);
        return NULL;
}

int
admin_start(struct admin *a)
{
        return worker_start(a->w);
}

void
admin_stop(struct admin *a)
{
        if (a)
                worker_stop(a->w);
}

void
admin_free(struct admin *a)
{
        if (!a)
                return;
        while (a->scrapes)
                admin_scrape_free(a->scrapes);
        /* First: logins waiting on Redis are answered while the server
         * and the auth context still exist. */
        rpool_free(a->redis);
        httpd_free(a->httpd);
        auth_free(a->auth);
        api_free(a->api);
        worker_free(a->w);
        config_unref(a->cfg);
        free(a->src);
        free(a);
}
