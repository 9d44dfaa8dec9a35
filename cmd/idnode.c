/*
 * idnode: the secondary node daemon.  Wires config, workers and their
 * resolvers together and owns the signals: SIGTERM/SIGINT drain and stop,
 * SIGHUP reloads the config file and reopens the log.
 */
#include <malloc.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/httpd.h"
#include "core/ratelim.h"
#include "core/jobs.h"
#include "core/log.h"
#include "core/static.h"
#include "core/worker.h"
#include "certs/seal.h"
#include "certs/tls.h"
#include "ops/admin.h"
#include "ops/stats.h"
#include "registry/api.h"
#include "registry/auth.h"
#include "resolver/rworker.h"
#include "resolver/web.h"

#define IDNODE_VERSION     "0.1.0"
#define IDNODE_MAX_WORKERS 256

struct node;

/* What a worker's messages from the main thread find (worker_data). */
struct node_slot {
        struct node *n;
        int i;
};

struct node {
        const char *config_path;
        struct config *cfg;
        struct event_base *base;
        int nworkers;
        struct worker *workers[IDNODE_MAX_WORKERS];
        struct rworker *rworkers[IDNODE_MAX_WORKERS];
        struct auth *auths[IDNODE_MAX_WORKERS];
        struct api *apis[IDNODE_MAX_WORKERS];
        struct stats *stats[IDNODE_MAX_WORKERS]; /* usage statistics */
        struct node_slot slots[IDNODE_MAX_WORKERS];
        struct admin *admin;   /* /metrics, /healthz, /readyz */
        struct jobs *jobs;     /* slow work (password hashing) off the loops */
        struct jobs *registry; /* registry calls, each thread with Redis */
        struct config *registry_cfg; /* what the registry threads read */
        struct seal_key *key;        /* secret_key_file, or NULL */
        struct ssl_ctx_st *tls;      /* the HTTPS context, or NULL */
        struct ratelim *lim;         /* abuse limits, shared by every thread */
        /* Shutdown: workers report when drained; the main loop waits. */
        _Atomic int drained;
        int draining;
        uint64_t drain_deadline;
        struct event *drain_timer;
};

static void
usage(FILE *fp)
{
        fprintf(fp, "usage: idnode [-c CONFIG] [--check-config [-v]]\n"
                    "       idnode --version | --routes\n");
}

/* --routes: one "METHOD /path" line per HTTP route and method. */
static void
print_routes(void)
{
        size_t n;
        const struct httpd_route *r = web_routes(&n);

        httpd_print_routes(stdout, r, n);
        r = auth_routes(&n);
        httpd_print_routes(stdout, r, n);
        api_print_routes(stdout);
        r = static_routes(&n);
        httpd_print_routes(stdout, r, n);
}

static void
node_reload_fn(struct worker *w, void *arg)
{
        struct node_slot *sl = worker_data(w);
        struct config *cfg = arg;

        rworker_reload(sl->n->rworkers[sl->i], cfg);
        stats_reload(sl->n->stats[sl->i], cfg);
        config_unref(cfg); /* the reference the message carried */
}

static void
node_tls_fn(struct worker *w, void *arg)
{
        struct node_slot *sl = worker_data(w);

        rworker_set_tls(sl->n->rworkers[sl->i], arg);
        tls_ctx_unref(arg); /* the reference the message carried */
}

/*
 * Certificates are read again from their files: new HTTPS connections
 * get the new context, open ones keep theirs.  A context that cannot be
 * built (a broken key, an expired CRL) leaves the old one serving.
 */
static void
node_reload_tls(struct node *n, const struct config *cfg)
{
        struct ssl_ctx_st *ctx;
        char err[512];
        int i;

        if (!n->tls) {
                if (cfg->tls_cert[0])
                        log_warn("reload_tls", "needs_restart=tls_cert");
                return;
        }
        if (!cfg->tls_cert[0]) {
                log_warn("reload_tls", "needs_restart=tls_cert kept=old");
                return;
        }
        ctx = tls_ctx_new(cfg, err, sizeof(err));
        if (!ctx) {
                log_error("reload_tls", "result=failed kept=old error=\"%s\"",
                          err);
                return;
        }
        for (i = 0; i < n->nworkers; i++) {
                tls_ctx_ref(ctx);
                if (worker_post(n->workers[i], node_tls_fn, ctx) < 0)
                        tls_ctx_unref(ctx);
        }
        tls_ctx_unref(n->tls);
        n->tls = ctx;
        log_info("reload_tls", "result=ok");
}

static void
node_reload(struct node *n)
{
        char err[512], note[512];
        struct config *cfg;
        int i;

        if (!n->config_path) {
                log_warn("reload", "result=skipped reason=no_config_file");
                return;
        }
        cfg = config_reload(n->cfg, n->config_path, err, sizeof(err), note,
                            sizeof(note));
        if (!cfg) {
                log_error("reload", "result=failed error=\"%s\"", err);
                return;
        }
        if (log_open(cfg->log_level, cfg->log_file) < 0)
                log_error("reload", "log_file=\"%s\" error=cannot_open",
                          cfg->log_file);
        if (note[0])
                log_warn("reload", "needs_restart=\"%s\"", note);
        for (i = 0; i < n->nworkers; i++) {
                config_ref(cfg);
                if (worker_post(n->workers[i], node_reload_fn, cfg) < 0)
                        config_unref(cfg);
        }
        node_reload_tls(n, cfg);
        config_unref(n->cfg);
        n->cfg = cfg;
        log_info("reload", "result=ok");
}

/* On a worker's thread: it has no command left waiting on Redis. */
static void
node_worker_drained(void *arg)
{
        struct node *n = arg;

        atomic_fetch_add(&n->drained, 1);
}

/* No request waits on Redis: the statistics get their last flush. */
static void
node_rworker_drained(void *arg)
{
        struct node_slot *sl = arg;

        stats_final(sl->n->stats[sl->i], node_worker_drained, sl->n);
}

static void
node_drain_fn(struct worker *w, void *arg)
{
        struct node_slot *sl = worker_data(w);

        (void)arg;
        rworker_drain(sl->n->rworkers[sl->i], node_rworker_drained, sl);
}

static void
node_drain_check(evutil_socket_t fd, short what, void *arg)
{
        struct node *n = arg;
        int done = atomic_load(&n->drained);

        (void)fd;
        (void)what;
        if (done < n->nworkers && clock_ms() < n->drain_deadline)
                return;
        log_info("shutdown", "drained_workers=%d of=%d", done, n->nworkers);
        event_base_loopexit(n->base, NULL);
}

/*
 * The first SIGTERM/SIGINT drains: no new work, and the requests in
 * flight (each bounded by request_timeout_ms) get their answers.  A
 * second signal, or the deadline, stops at once.
 */
static void
node_signal_cb(evutil_socket_t sig, short what, void *arg)
{
        struct node *n = arg;
        struct timeval tv = {0, 20000};
        int i;

        (void)what;
        if (sig == SIGHUP) {
                node_reload(n);
                return;
        }
        log_info("shutdown", "signal=%d draining=%d", (int)sig, !n->draining);
        if (n->draining) {
                event_base_loopexit(n->base, NULL);
                return;
        }
        n->draining = 1;
        n->drain_deadline =
            clock_ms() + (uint64_t)n->cfg->request_timeout_ms + 1000;
        for (i = 0; i < n->nworkers; i++)
                if (worker_post(n->workers[i], node_drain_fn, n) < 0)
                        atomic_fetch_add(&n->drained, 1);
        n->drain_timer =
            event_new(n->base, -1, EV_PERSIST, node_drain_check, n);
        if (!n->drain_timer || event_add(n->drain_timer, &tv) < 0)
                event_base_loopexit(n->base, NULL);
}

static void
node_stop(struct node *n)
{
        int i;

        /*
         * Jobs first: their completions are posted to running workers and
         * the running admin (the dashboard's calls).  The admin asks
         * workers for counters: it stops before them.
         */
        jobs_free(n->jobs);
        n->jobs = NULL;
        jobs_free(n->registry);
        n->registry = NULL;
        admin_stop(n->admin);
        for (i = 0; i < n->nworkers; i++)
                worker_stop(n->workers[i]);
        for (i = 0; i < n->nworkers; i++) {
                /* The pool runs the statistics' callbacks: it goes first. */
                rworker_free(n->rworkers[i]);
                auth_free(n->auths[i]);
                api_free(n->apis[i]);
                stats_free(n->stats[i]);
                worker_free(n->workers[i]);
        }
        admin_free(n->admin);
        n->admin = NULL;
        n->nworkers = 0;
        ratelim_free(n->lim); /* after every thread that used it */
        n->lim = NULL;
        config_unref(n->registry_cfg);
        n->registry_cfg = NULL;
}

/*
 * The registry's routes, on worker i's HTTP server and Redis pool, and
 * the pages (public, read-only, from the binary).
 */
static int
node_add_routes(struct node *n, int i)
{
        struct rworker *rw = n->rworkers[i];
        const struct httpd_route *r;
        const struct httpd_route *pages;
        size_t k, npages;

        n->auths[i] =
            auth_new(n->workers[i], rworker_redis(rw), n->jobs, n->key);
        r = auth_routes(&k);
        if (!n->auths[i] ||
            httpd_add_routes(rworker_httpd(rw), r, k, n->auths[i]) < 0 ||
            !(n->apis[i] =
                  api_new(n->workers[i], n->registry, n->cfg, rworker_httpd(rw),
                          stats_tally(n->stats[i])))) {
                log_error("start", "worker=%d error=registry_routes", i);
                return -1;
        }
        rworker_set_api(rw, n->apis[i]);
        pages = static_routes(&npages);
        /* The table is read-only; the route context is just untyped. */
        if (httpd_add_routes(rworker_httpd(rw), pages, npages,
                             (void *)&static_www) < 0) {
                log_error("start", "worker=%d error=page_routes", i);
                return -1;
        }
        return 0;
}

/*
 * The admin listener, reading every worker's counters, with the
 * dashboard and the registry routes it calls.
 */
static int
node_add_admin(struct node *n)
{
        struct admin_source src[IDNODE_MAX_WORKERS];
        struct admin_ops ops = {&static_ops, n->jobs, n->registry, n->key};
        char err[512];
        int i;

        for (i = 0; i < n->nworkers; i++)
                src[i] = (struct admin_source){n->workers[i], n->rworkers[i],
                                               n->apis[i], n->stats[i]};
        n->admin = admin_new(n->cfg, IDNODE_VERSION, src, n->nworkers, &ops,
                             err, sizeof(err));
        if (!n->admin) {
                log_error("start", "error=\"%s\"", err);
                return -1;
        }
        return 0;
}

static int
node_start(struct node *n)
{
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        int want = n->cfg->workers ? n->cfg->workers : (int)cores;
        struct jobs_local lc;
        char err[512];
        int i;

        if (want < 1)
                want = 1;
        if (want > IDNODE_MAX_WORKERS)
                want = IDNODE_MAX_WORKERS;
        /* Everything is built before any thread runs: failures are simple. */
        n->jobs = jobs_new(want / 2 > 0 ? want / 2 : 1, 256, NULL);
        config_ref(n->cfg);
        n->registry_cfg = n->cfg;
        api_thread_local(n->registry_cfg, &lc);
        n->registry = jobs_new(n->cfg->registry_threads, 1024, &lc);
        if (!n->jobs || !n->registry) {
                log_error("start", "error=jobs_new");
                goto fail;
        }
        n->lim = ratelim_new((size_t)n->cfg->limit_table_slots);
        if (!n->lim) {
                log_error("start", "error=ratelim_new");
                goto fail;
        }
        for (i = 0; i < want; i++) {
                n->workers[i] = worker_new(i);
                if (!n->workers[i]) {
                        log_error("start", "worker=%d error=worker_new", i);
                        goto fail;
                }
                n->nworkers = i + 1;
                n->rworkers[i] = rworker_new(n->workers[i], n->cfg, n->tls, err,
                                             sizeof(err));
                if (!n->rworkers[i]) {
                        log_error("start", "worker=%d error=\"%s\"", i, err);
                        goto fail;
                }
                n->slots[i] = (struct node_slot){n, i};
                worker_set_data(n->workers[i], &n->slots[i]);
                n->stats[i] =
                    stats_new(worker_base(n->workers[i]),
                              rworker_redis(n->rworkers[i]), n->cfg, i);
                if (!n->stats[i]) {
                        log_error("start", "worker=%d error=stats", i);
                        goto fail;
                }
                rworker_set_tally(n->rworkers[i], stats_tally(n->stats[i]));
                rworker_set_limits(n->rworkers[i], n->lim);
                if (node_add_routes(n, i) < 0)
                        goto fail;
        }
        if (n->cfg->admin_port && node_add_admin(n) < 0)
                goto fail;
        for (i = 0; i < n->nworkers; i++)
                if (worker_start(n->workers[i]) < 0) {
                        log_error("start", "worker=%d error=thread", i);
                        goto fail;
                }
        if (n->admin && admin_start(n->admin) < 0) {
                log_error("start", "error=admin_thread");
                goto fail;
        }
        return 0;
fail:
        node_stop(n);
        return -1;
}

/*
 * A registry call may build an answer of megabytes (a trace of thousands
 * of identifiers: Redis replies, records, the JSON text).  By default
 * glibc gives such memory back to the kernel when the call frees it and
 * faults it in again on the next call, which cost 40% of a trace's time
 * (docs/benchmarks.md, trace_down_depth5).  Blocks below 8 MiB come from
 * the heap instead of their own mappings, and a heap keeps up to 64 MiB
 * of free memory for the next call.
 */
static void
node_malloc_tuning(void)
{
        mallopt(M_MMAP_THRESHOLD, 8 << 20);
        mallopt(M_TRIM_THRESHOLD, 64 << 20);
}

int
main(int argc, char **argv)
{
        struct node n;
        struct event *sigs[3] = {NULL, NULL, NULL};
        static const int signums[3] = {SIGTERM, SIGINT, SIGHUP};
        int check = 0, verbose = 0, rc = 1, i;
        char err[512];

        memset(&n, 0, sizeof(n));
        for (i = 1; i < argc; i++) {
                if ((strcmp(argv[i], "-c") == 0 ||
                     strcmp(argv[i], "--config") == 0) &&
                    i + 1 < argc) {
                        n.config_path = argv[++i];
                } else if (strcmp(argv[i], "--check-config") == 0) {
                        check = 1;
                } else if (strcmp(argv[i], "-v") == 0) {
                        verbose = 1;
                } else if (strcmp(argv[i], "--version") == 0) {
                        printf("idnode %s\n", IDNODE_VERSION);
                        return 0;
                } else if (strcmp(argv[i], "--routes") == 0) {
                        print_routes();
                        return 0;
                } else if (strcmp(argv[i], "-h") == 0 ||
                           strcmp(argv[i], "--help") == 0) {
                        usage(stdout);
                        return 0;
                } else {
                        usage(stderr);
                        return 2;
                }
        }
        n.cfg = n.config_path ? config_load(n.config_path, err, sizeof(err))
                              : config_defaults();
        if (!n.cfg) {
                fprintf(stderr, "idnode: %s\n", err);
                return 1;
        }
        /* The key is read once: secret_key_file needs a restart. */
        if (n.cfg->secret_key_file[0] &&
            !(n.key =
                  seal_key_load(n.cfg->secret_key_file, err, sizeof(err)))) {
                fprintf(stderr, "idnode: secret_key_file: %s\n", err);
                config_unref(n.cfg);
                return 1;
        }
        if (n.cfg->tls_cert[0] &&
            !(n.tls = tls_ctx_new(n.cfg, err, sizeof(err)))) {
                fprintf(stderr, "idnode: tls: %s\n", err);
                seal_key_free(n.key);
                config_unref(n.cfg);
                return 1;
        }
        if (check) {
                if (verbose) {
                        char *s = config_dump(n.cfg);

                        printf("%s\n", s ? s : "");
                        free(s);
                }
                printf("configuration OK\n");
                tls_ctx_unref(n.tls);
                seal_key_free(n.key);
                config_unref(n.cfg);
                return 0;
        }
        if (log_open(n.cfg->log_level, n.cfg->log_file) < 0) {
                fprintf(stderr, "idnode: cannot open log file %s\n",
                        n.cfg->log_file);
                goto out;
        }
        signal(SIGPIPE, SIG_IGN);
        node_malloc_tuning();
        n.base = event_base_new();
        if (!n.base)
                goto out;
        for (i = 0; i < 3; i++) {
                sigs[i] = evsignal_new(n.base, signums[i], node_signal_cb, &n);
                if (!sigs[i] || event_add(sigs[i], NULL) < 0)
                        goto out;
        }
        if (node_start(&n) < 0)
                goto out;
        log_info("started",
                 "version=%s pid=%d workers=%d handle=%s:%d http=%s:%d "
                 "https=%s:%d admin=%s:%d redis=\"%s\"",
                 IDNODE_VERSION, (int)getpid(), n.nworkers, n.cfg->handle_bind,
                 n.cfg->handle_port, n.cfg->http_bind, n.cfg->http_port,
                 n.tls ? n.cfg->tls_bind : "off", n.tls ? n.cfg->tls_port : 0,
                 n.cfg->admin_bind, n.cfg->admin_port,
                 n.cfg->redis_socket[0] ? n.cfg->redis_socket
                                        : n.cfg->redis_host);
        event_base_dispatch(n.base);
        node_stop(&n);
        log_info("stopped", "pid=%d", (int)getpid());
        rc = 0;
out:
        for (i = 0; i < 3; i++)
                if (sigs[i])
                        event_free(sigs[i]);
        if (n.drain_timer)
                event_free(n.drain_timer);
        if (n.base)
                event_base_free(n.base);
        tls_ctx_unref(n.tls);
        seal_key_free(n.key);
        config_unref(n.cfg);
        return rc;
}
