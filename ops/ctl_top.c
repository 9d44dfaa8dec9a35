/*
 * idctl top [--interval S] [--once] [--json]: the node's traffic, live.
 * Every interval it scrapes /metrics from the admin listener and shows
 * what changed since the last scrape: requests a second per plane and
 * per class of answer, latency percentiles estimated from the histogram
 * buckets of the interval, the cache's hit ratio, Redis, errors, TCP
 * connections and registry writes by action.
 *
 * Plain ANSI (clear and home), no curses; q or Ctrl-C quits and puts
 * the terminal back.  --once scrapes twice, one interval apart, and
 * prints one frame without clearing; --json prints frames as JSON lines.
 */
#include "ops/ctl.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/httpc.h"
#include "ops/prom.h"

#define TOP_TIMEOUT_MS  3000
#define TOP_MAX_BUCKETS 64
#define TOP_MAX_ACTIONS 32
#define TOP_SHOWN       8 /* actions on a text frame */

enum ctl_top_class {
        TOP_OK,
        TOP_NOTFOUND,
        TOP_REFERRAL,
        TOP_CLIENT,
        TOP_SERVER,
        TOP_CLASSES
};

static const char *const ctl_top_class_names[TOP_CLASSES] = {
    "ok", "notfound", "referral", "client", "server"};

/* Handle response codes by class; any other code is a client error. */
static const struct {
        const char *code;
        enum ctl_top_class cls;
} ctl_top_handle_codes[] = {
    {"SUCCESS", TOP_OK},
    {"HANDLE_NOT_FOUND", TOP_NOTFOUND},
    {"VALUES_NOT_FOUND", TOP_NOTFOUND},
    {"SERVICE_REFERRAL", TOP_REFERRAL},
    {"PREFIX_REFERRAL", TOP_REFERRAL},
    {"ERROR", TOP_SERVER},
    {"SERVER_BUSY", TOP_SERVER},
};

/* The three planes: where their answers and latencies are counted. */
static const struct ctl_top_source {
        const char *name, *requests, *duration, *transport;
} ctl_top_planes[] = {
    {"udp", "idnode_handle_requests_total",
     "idnode_handle_request_duration_seconds", "udp"},
    {"tcp", "idnode_handle_requests_total",
     "idnode_handle_request_duration_seconds", "tcp"},
    {"http", "idnode_http_requests_total",
     "idnode_http_request_duration_seconds", NULL},
};

#define TOP_PLANES (sizeof(ctl_top_planes) / sizeof(ctl_top_planes[0]))

static const double ctl_top_quantiles[3] = {0.5, 0.9, 0.99};

struct ctl_top_plane {
        double rps;
        double cls[TOP_CLASSES]; /* a second */
        double q[3];             /* seconds; NAN without requests */
        int over[3];             /* above the last finite bucket */
};

struct ctl_top_action {
        const char *name;
        double ps;
};

/* What one interval showed. */
struct ctl_top_frame {
        double secs;
        const char *version;
        double uptime, workers, redis_ready;
        struct ctl_top_plane plane[TOP_PLANES];
        double hit_ratio, lookups_ps;
        double redis_ps, redis_p99, redis_inflight, reconnects_ps;
        int redis_over;
        double tcp_open, accepted_ps, idle_closed_ps;
        double timeout_ps, down_ps, watchdog_ps, busy_ps, protocol_ps,
            refused_ps;
        double writes_ps;
        size_t nact;
        struct ctl_top_action act[TOP_MAX_ACTIONS];
};

struct ctl_top_scrape {
        struct prom *p;
        uint64_t at_ms;
};

static volatile sig_atomic_t ctl_top_stop;

static void
ctl_top_signal(int sig)
{
        (void)sig;
        ctl_top_stop = 1;
}

/* ---------------------------------------------------- arithmetic */

static enum ctl_top_class
ctl_top_classify(const char *code, int http)
{
        size_t i;
        int n;

        if (!code)
                return TOP_CLIENT;
        if (http) {
                n = atoi(code);
                return n == 404              ? TOP_NOTFOUND
                       : n == 300            ? TOP_REFERRAL
                       : n >= 500 && n < 600 ? TOP_SERVER
                       : n >= 200 && n < 400 ? TOP_OK
                                             : TOP_CLIENT;
        }
        for (i = 0;
             i < sizeof(ctl_top_handle_codes) / sizeof(ctl_top_handle_codes[0]);
             i++)
                if (strcmp(code, ctl_top_handle_codes[i].code) == 0)
                        return ctl_top_handle_codes[i].cls;
        return TOP_CLIENT;
}

/* Answers of a plane so far, by class. */
static void
ctl_top_classes(const struct prom *p, const struct ctl_top_source *src,
                double out[TOP_CLASSES])
{
        size_t i;

        memset(out, 0, TOP_CLASSES * sizeof(out[0]));
        for (i = 0; i < prom_count(p); i++) {
                const char *t = prom_label(p, i, "transport");

                if (strcmp(prom_name(p, i), src->requests) != 0 ||
                    (src->transport && (!t || strcmp(t, src->transport) != 0)))
                        continue;
                out[ctl_top_classify(prom_label(p, i, "code"),
                                     !src->transport)] += prom_value(p, i);
        }
}

/* The per-second change of a sum between two scrapes (never negative). */
static double
ctl_top_rate(const struct ctl_top_scrape *a, const struct ctl_top_scrape *b,
             const char *name, const char *const *match, double secs)
{
        double d = prom_sum(b->p, name, match) - prom_sum(a->p, name, match);

        return d > 0 ? d / secs : 0;
}

/* A histogram's cumulative buckets, sorted by bound: how many. */
static size_t
ctl_top_buckets(const struct prom *p, const char *name, const char *transport,
                double le[TOP_MAX_BUCKETS], double cum[TOP_MAX_BUCKETS])
{
        char bucket[128];
        size_t i, n = 0, k;

        snprintf(bucket, sizeof(bucket), "%s_bucket", name);
        for (i = 0; i < prom_count(p) && n < TOP_MAX_BUCKETS; i++) {
                const char *t = prom_label(p, i, "transport");
                const char *b = prom_label(p, i, "le");
                double bound;

                if (strcmp(prom_name(p, i), bucket) != 0 || !b ||
                    (transport && (!t || strcmp(t, transport) != 0)))
                        continue;
                bound = strcmp(b, "+Inf") == 0 ? INFINITY : strtod(b, NULL);
                for (k = n; k > 0 && le[k - 1] > bound; k--) {
                        le[k] = le[k - 1];
                        cum[k] = cum[k - 1];
                }
                le[k] = bound;
                cum[k] = prom_value(p, i);
                n++;
        }
        return n;
}

/*
 * Quantiles of what a histogram counted between two scrapes, by linear
 * interpolation inside the bucket they fall in (as Prometheus's
 * histogram_quantile does).  NAN when nothing was counted.
 */
static void
ctl_top_latency(const struct ctl_top_scrape *a, const struct ctl_top_scrape *b,
                const char *name, const char *transport, size_t nq,
                const double *qs, double *out, int *over)
{
        double le[TOP_MAX_BUCKETS], cum[TOP_MAX_BUCKETS];
        double ple[TOP_MAX_BUCKETS], pcum[TOP_MAX_BUCKETS];
        size_t n = ctl_top_buckets(b->p, name, transport, le, cum);
        size_t pn = ctl_top_buckets(a->p, name, transport, ple, pcum);
        size_t i, k, j;

        for (i = 0, j = 0; i < n; i++) {
                while (j < pn && ple[j] < le[i])
                        j++;
                if (j < pn && ple[j] == le[i])
                        cum[i] -= pcum[j];
        }
        for (k = 0; k < nq; k++) {
                double rank = qs[k] * (n ? cum[n - 1] : 0), lo = 0, locum = 0;

                out[k] = NAN;
                over[k] = 0;
                if (!n || cum[n - 1] <= 0 || !isinf(le[n - 1]))
                        continue;
                for (i = 0; i < n && cum[i] < rank; i++) {
                        lo = le[i];
                        locum = cum[i];
                }
                if (i == n)
                        i = n - 1;
                if (isinf(le[i])) {
                        out[k] = lo;
                        over[k] = 1;
                } else {
                        out[k] = cum[i] > locum
                                     ? lo + (le[i] - lo) * (rank - locum) /
                                                (cum[i] - locum)
                                     : le[i];
                }
        }
}

/* Registry writes by action, busiest first. */
static void
ctl_top_actions(const struct ctl_top_scrape *a, const struct ctl_top_scrape *b,
                struct ctl_top_frame *f)
{
        size_t i, k;

        for (i = 0; i < prom_count(b->p); i++) {
                const char *act = prom_label(b->p, i, "action");
                const char *m[] = {"action", act, NULL};
                double ps;

                if (strcmp(prom_name(b->p, i),
                           "idnode_registry_writes_total") != 0 ||
                    !act)
                        continue;
                ps = prom_value(b->p, i) -
                     prom_sum(a->p, "idnode_registry_writes_total", m);
                if (ps <= 0)
                        continue;
                ps /= f->secs;
                f->writes_ps += ps;
                for (k = f->nact; k > 0 && f->act[k - 1].ps < ps; k--)
                        if (k < TOP_MAX_ACTIONS)
                                f->act[k] = f->act[k - 1];
                if (k < TOP_MAX_ACTIONS) {
                        f->act[k].name = act;
                        f->act[k].ps = ps;
                        if (f->nact < TOP_MAX_ACTIONS)
                                f->nact++;
                }
        }
}

/* Did the node restart between the two scrapes? */
static int
ctl_top_restarted(const struct ctl_top_scrape *a,
                  const struct ctl_top_scrape *b)
{
        static const char *const totals[] = {"idnode_handle_requests_total",
                                             "idnode_http_requests_total",
                                             "idnode_redis_commands_total"};
        size_t i;

        if (prom_sum(a->p, "idnode_start_time_seconds", NULL) !=
            prom_sum(b->p, "idnode_start_time_seconds", NULL))
                return 1;
        for (i = 0; i < sizeof(totals) / sizeof(totals[0]); i++)
                if (prom_sum(b->p, totals[i], NULL) <
                    prom_sum(a->p, totals[i], NULL))
                        return 1;
        return 0;
}

static void
ctl_top_compute(const struct ctl_top_scrape *a, const struct ctl_top_scrape *b,
                struct ctl_top_frame *f)
{
        static const char *const hit[] = {"result", "hit", NULL};
        static const char *const miss[] = {"result", "miss", NULL};
        static const char *const timeout[] = {"kind", "timeout", NULL};
        static const char *const down[] = {"kind", "down", NULL};
        static const char *const watchdog[] = {"kind", "watchdog", NULL};
        double ca[TOP_CLASSES], cb[TOP_CLASSES], hits, lookups;
        size_t i, c;
        int over[3];

        memset(f, 0, sizeof(*f));
        f->secs = (double)(b->at_ms - a->at_ms) / 1000.0;
        if (f->secs <= 0)
                f->secs = 0.001;
        for (i = 0; i < prom_count(b->p); i++)
                if (strcmp(prom_name(b->p, i), "idnode_build_info") == 0)
                        f->version = prom_label(b->p, i, "version");
        f->uptime = (double)time(NULL) -
                    prom_sum(b->p, "idnode_start_time_seconds", NULL);
        f->workers = prom_sum(b->p, "idnode_workers", NULL);
        f->redis_ready = prom_sum(b->p, "idnode_redis_connected_workers", NULL);
        for (i = 0; i < TOP_PLANES; i++) {
                struct ctl_top_plane *pl = &f->plane[i];

                ctl_top_classes(a->p, &ctl_top_planes[i], ca);
                ctl_top_classes(b->p, &ctl_top_planes[i], cb);
                for (c = 0; c < TOP_CLASSES; c++) {
                        pl->cls[c] =
                            cb[c] > ca[c] ? (cb[c] - ca[c]) / f->secs : 0;
                        pl->rps += pl->cls[c];
                }
                ctl_top_latency(a, b, ctl_top_planes[i].duration,
                                ctl_top_planes[i].transport, 3,
                                ctl_top_quantiles, pl->q, pl->over);
        }
        hits = ctl_top_rate(a, b, "idnode_cache_lookups_total", hit, f->secs);
        lookups = hits + ctl_top_rate(a, b, "idnode_cache_lookups_total", miss,
                                      f->secs);
        f->lookups_ps = lookups;
        f->hit_ratio = lookups > 0 ? hits / lookups : NAN;
        f->redis_ps =
            ctl_top_rate(a, b, "idnode_redis_commands_total", NULL, f->secs);
        ctl_top_latency(a, b, "idnode_redis_command_duration_seconds", NULL, 1,
                        &ctl_top_quantiles[2], &f->redis_p99, over);
        f->redis_over = over[0];
        f->redis_inflight = prom_sum(b->p, "idnode_redis_inflight", NULL);
        f->reconnects_ps =
            ctl_top_rate(a, b, "idnode_redis_reconnects_total", NULL, f->secs);
        f->tcp_open = prom_sum(b->p, "idnode_tcp_connections", NULL);
        f->accepted_ps = ctl_top_rate(
            a, b, "idnode_tcp_connections_accepted_total", NULL, f->secs);
        f->idle_closed_ps =
            ctl_top_rate(a, b, "idnode_tcp_idle_closed_total", NULL, f->secs);
        f->timeout_ps =
            ctl_top_rate(a, b, "idnode_redis_errors_total", timeout, f->secs);
        f->down_ps =
            ctl_top_rate(a, b, "idnode_redis_errors_total", down, f->secs);
        f->watchdog_ps =
            ctl_top_rate(a, b, "idnode_redis_errors_total", watchdog, f->secs);
        f->busy_ps =
            ctl_top_rate(a, b, "idnode_busy_answers_total", NULL, f->secs);
        f->protocol_ps =
            ctl_top_rate(a, b, "idnode_protocol_errors_total", NULL, f->secs);
        f->refused_ps = ctl_top_rate(a, b, "idnode_connections_rejected_total",
                                     NULL, f->secs);
        ctl_top_actions(a, b, f);
}

/* ------------------------------------------------------ rendering */

/* Columns of the classes: the table fits 80 columns. */
static const int ctl_top_widths[TOP_CLASSES] = {8, 9, 9, 8, 8};

/* A rate right-aligned in w columns, tenths while they fit. */
static void
ctl_top_cell(double v, int w)
{
        printf("%*.*f", w, v < pow(10, w - 3) ? 1 : 0, v);
}

/* A latency for the table: "0.42ms", ">2500ms", "-". */
static void
ctl_top_ms(double s, int over, char *buf, size_t len)
{
        double ms = s * 1000.0;

        if (isnan(s))
                snprintf(buf, len, "-");
        else
                snprintf(buf, len, "%s%.*fms", over ? ">" : "",
                         ms < 10    ? 2
                         : ms < 100 ? 1
                                    : 0,
                         ms);
}

static void
ctl_top_text(const struct ctl_top_frame *f, int clear)
{
        char up[48], q[3][24], rp[24];
        size_t i, c;

        ctl_duration((long long)f->uptime, up, sizeof(up));
        if (clear)
                printf("\033[H\033[2J");
        printf("idnode %s  up %s  workers %.0f  Redis %.0f/%.0f connected  "
               "interval %.1f s\n\n",
               f->version ? f->version : "?", up, f->workers, f->redis_ready,
               f->workers, f->secs);
        printf("%-4s%9s", "", "req/s");
        for (c = 0; c < TOP_CLASSES; c++)
                printf("%*s", ctl_top_widths[c], ctl_top_class_names[c]);
        printf("%8s%8s%8s\n", "p50", "p90", "p99");
        for (i = 0; i < TOP_PLANES; i++) {
                const struct ctl_top_plane *pl = &f->plane[i];

                for (c = 0; c < 3; c++)
                        ctl_top_ms(pl->q[c], pl->over[c], q[c], sizeof(q[c]));
                printf("%-4s", ctl_top_planes[i].name);
                ctl_top_cell(pl->rps, 9);
                for (c = 0; c < TOP_CLASSES; c++)
                        ctl_top_cell(pl->cls[c], ctl_top_widths[c]);
                printf("%8s%8s%8s\n", q[0], q[1], q[2]);
        }
        printf("\ncache     ");
        if (isnan(f->hit_ratio))
                printf("hit ratio -       ");
        else
                printf("hit ratio %5.1f %%  ", 100.0 * f->hit_ratio);
        printf("lookups %.1f/s\n", f->lookups_ps);
        ctl_top_ms(f->redis_p99, f->redis_over, rp, sizeof(rp));
        printf("redis     commands %.1f/s  p99 %s  in flight %.0f  "
               "reconnects %.1f/s\n",
               f->redis_ps, rp, f->redis_inflight, f->reconnects_ps);
        printf("tcp       open %.0f  accepted %.1f/s  idle-closed %.1f/s\n",
               f->tcp_open, f->accepted_ps, f->idle_closed_ps);
        printf("errors/s  redis timeout %.1f  down %.1f  watchdog %.1f\n"
               "          busy %.1f  protocol %.1f  refused connections "
               "%.1f\n",
               f->timeout_ps, f->down_ps, f->watchdog_ps, f->busy_ps,
               f->protocol_ps, f->refused_ps);
        printf("registry  writes %.1f/s", f->writes_ps);
        for (i = 0; i < f->nact && i < TOP_SHOWN; i++)
                printf("%s %s %.1f", i ? "," : ":", f->act[i].name,
                       f->act[i].ps);
        printf("\n");
        if (clear)
                printf("\nq or Ctrl-C quits\n");
}

/* A number for JSON: null when unknown. */
static json_t *
ctl_top_num(double v)
{
        return isnan(v) || isinf(v) ? json_null() : json_real(v);
}

static json_t *
ctl_top_json(const struct ctl_top_frame *f)
{
        json_t *planes = json_object(), *acts = json_object(), *j;
        size_t i, c;

        for (i = 0; i < TOP_PLANES; i++) {
                const struct ctl_top_plane *pl = &f->plane[i];
                json_t *cls = json_object();

                for (c = 0; c < TOP_CLASSES; c++)
                        json_object_set_new(cls, ctl_top_class_names[c],
                                            json_real(pl->cls[c]));
                json_object_set_new(
                    planes, ctl_top_planes[i].name,
                    json_pack("{s:f,s:o,s:o,s:o,s:o}", "rps", pl->rps, "codes",
                              cls, "p50_ms", ctl_top_num(pl->q[0] * 1000),
                              "p90_ms", ctl_top_num(pl->q[1] * 1000), "p99_ms",
                              ctl_top_num(pl->q[2] * 1000)));
        }
        for (i = 0; i < f->nact; i++)
                json_object_set_new(acts, f->act[i].name,
                                    json_real(f->act[i].ps));
        j = json_pack("{s:f,s:s?,s:f,s:f,s:f,s:o}", "interval_s", f->secs,
                      "version", f->version, "uptime_s", f->uptime, "workers",
                      f->workers, "redis_connected_workers", f->redis_ready,
                      "planes", planes);
        json_object_set_new(j, "cache",
                            json_pack("{s:o,s:f}", "hit_ratio",
                                      ctl_top_num(f->hit_ratio),
                                      "lookups_per_s", f->lookups_ps));
        json_object_set_new(
            j, "redis",
            json_pack("{s:f,s:o,s:f,s:f}", "commands_per_s", f->redis_ps,
                      "p99_ms", ctl_top_num(f->redis_p99 * 1000), "inflight",
                      f->redis_inflight, "reconnects_per_s", f->reconnects_ps));
        json_object_set_new(j, "tcp",
                            json_pack("{s:f,s:f,s:f}", "open", f->tcp_open,
                                      "accepted_per_s", f->accepted_ps,
                                      "idle_closed_per_s", f->idle_closed_ps));
        json_object_set_new(
            j, "errors_per_s",
            json_pack("{s:f,s:f,s:f,s:f,s:f,s:f}", "redis_timeout",
                      f->timeout_ps, "redis_down", f->down_ps, "redis_watchdog",
                      f->watchdog_ps, "busy", f->busy_ps, "protocol",
                      f->protocol_ps, "refused_connections", f->refused_ps));
        json_object_set_new(
            j, "registry_writes_per_s",
            json_pack("{s:f,s:o}", "total", f->writes_ps, "by_action", acts));
        return j;
}

/* ----------------------------------------------------- the loop */

/* Scrapes /metrics into s (freeing what it held).  0, or -1 with err. */
static int
ctl_top_scrape(const struct config *cfg, struct ctl_top_scrape *s, char *err,
               size_t errlen)
{
        struct httpc_resp *r =
            ctl_admin_get(cfg, "/metrics", TOP_TIMEOUT_MS, err, errlen);
        const char *body;
        size_t len;

        prom_free(s->p);
        s->p = NULL;
        if (!r)
                return -1;
        body = httpc_body(r, &len);
        if (httpc_status(r) != 200)
                snprintf(err, errlen, "/metrics: HTTP %d %.200s",
                         httpc_status(r), body);
        else
                s->p = prom_parse(body, len, err, errlen);
        s->at_ms = clock_ms();
        httpc_free(r);
        return s->p ? 0 : -1;
}

/*
 * Waits until `until` (clock_ms), watching the terminal for q when
 * `tty`.  1 when asked to stop (q, Ctrl-C, SIGTERM), else 0.
 */
static int
ctl_top_wait(uint64_t until, int tty)
{
        uint64_t now;

        while (!ctl_top_stop && (now = clock_ms()) < until) {
                struct pollfd p = {0, POLLIN, 0};
                ssize_t n;
                char ch;

                if (poll(&p, tty ? 1 : 0, (int)(until - now)) <= 0)
                        continue;
                n = read(0, &ch, 1);
                /* q, or the terminal went away. */
                if ((n == 1 && (ch == 'q' || ch == 'Q')) || n == 0 ||
                    (n < 0 && errno != EINTR && errno != EAGAIN))
                        return 1;
        }
        return ctl_top_stop != 0;
}

static void
ctl_top_show(const struct ctl_top_scrape *a, const struct ctl_top_scrape *b,
             int json, int clear)
{
        struct ctl_top_frame f;
        json_t *j;
        char *s;

        ctl_top_compute(a, b, &f);
        if (!json) {
                ctl_top_text(&f, clear);
        } else if ((j = ctl_top_json(&f))) {
                s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
                printf("%s\n", s ? s : "{}");
                free(s);
                json_decref(j);
        }
        fflush(stdout);
}

/* The live view, until q or a signal; frames every `ms`. */
static int
ctl_top_live(const struct config *cfg, uint64_t ms, int json)
{
        struct ctl_top_scrape s[2] = {{NULL, 0}, {NULL, 0}};
        struct termios saved, raw;
        int tty = isatty(0) && tcgetattr(0, &saved) == 0, cur = 0, ok = 0;
        uint64_t next = clock_ms();
        char err[512];

        /* A frame is written at once, not line by line. */
        setvbuf(stdout, NULL, _IOFBF, 1 << 16);
        if (tty) {
                raw = saved;
                raw.c_lflag &= (tcflag_t) ~(ICANON | ECHO);
                raw.c_cc[VMIN] = 1;
                raw.c_cc[VTIME] = 0;
                tcsetattr(0, TCSANOW, &raw);
        }
        if (!json)
                printf("\033[?25l");
        do {
                next += ms;
                if (ctl_top_scrape(cfg, &s[cur], err, sizeof(err)) < 0) {
                        if (json)
                                fprintf(stderr, "idctl: %s\n", err);
                        else
                                printf(
                                    "\033[H\033[2Jidctl top: %s\n\n(retrying "
                                    "every interval; q or Ctrl-C quits)\n",
                                    err);
                        fflush(stdout);
                } else if (ok && ctl_top_restarted(&s[!cur], &s[cur])) {
                        if (!json)
                                printf("\033[H\033[2Jidctl top: the node "
                                       "restarted; counting again\n");
                        fflush(stdout);
                } else if (ok) {
                        ctl_top_show(&s[!cur], &s[cur], json, !json);
                } else if (!json) {
                        printf("\033[H\033[2Jidctl top: the first frame "
                               "comes after one interval\n");
                        fflush(stdout);
                }
                ok = s[cur].p != NULL;
                cur = !cur;
        } while (!ctl_top_wait(next, tty));
        if (!json)
                printf("\033[?25h\n");
        fflush(stdout);
        if (tty)
                tcsetattr(0, TCSANOW, &saved);
        prom_free(s[0].p);
        prom_free(s[1].p);
        return 0;
}

/* Two scrapes one interval apart, one frame. */
static int
ctl_top_once(const struct config *cfg, uint64_t ms, int json)
{
        struct ctl_top_scrape s[2] = {{NULL, 0}, {NULL, 0}};
        char err[512];
        int rc = 1;

        if (ctl_top_scrape(cfg, &s[0], err, sizeof(err)) < 0 ||
            (!ctl_top_wait(s[0].at_ms + ms, 0) &&
             ctl_top_scrape(cfg, &s[1], err, sizeof(err)) < 0)) {
                fprintf(stderr, "idctl: %s\n", err);
                goto done;
        }
        if (ctl_top_stop)
                goto done;
        if (ctl_top_restarted(&s[0], &s[1])) {
                fprintf(stderr, "idctl: the node restarted between the two "
                                "scrapes\n");
                goto done;
        }
        ctl_top_show(&s[0], &s[1], json, 0);
        rc = 0;
done:
        prom_free(s[0].p);
        prom_free(s[1].p);
        return rc;
}

int
ctl_top(const struct config *cfg, int argc, char **argv)
{
        struct sigaction sa, old_int, old_term;
        double interval = 1.0;
        int i, once = 0, json = 0, rc;
        char *end;

        for (i = 0; i < argc; i++) {
                if (strcmp(argv[i], "--once") == 0) {
                        once = 1;
                } else if (strcmp(argv[i], "--json") == 0) {
                        json = 1;
                } else if (strcmp(argv[i], "--interval") == 0 && i + 1 < argc) {
                        errno = 0;
                        interval = strtod(argv[++i], &end);
                        if (errno || end == argv[i] || *end ||
                            !(interval >= 0.1 && interval <= 3600)) {
                                fprintf(stderr, "idctl: --interval: seconds "
                                                "from 0.1 to 3600\n");
                                return 2;
                        }
                } else {
                        fprintf(stderr, "idctl: unexpected argument %s\n",
                                argv[i]);
                        return 2;
                }
        }
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = ctl_top_signal; /* no SA_RESTART: poll returns */
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, &old_int);
        sigaction(SIGTERM, &sa, &old_term);
        rc = once ? ctl_top_once(cfg, (uint64_t)(interval * 1000), json)
                  : ctl_top_live(cfg, (uint64_t)(interval * 1000), json);
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGTERM, &old_term, NULL);
        return rc;
}
