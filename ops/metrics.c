#include "ops/metrics.h"

#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>

#include "core/wire.h"

/*
 * Upstream counters; a server known to several workers is shown once,
 * with the lowest health score any of them gives it.
 */
static void
metrics_add_upstream(struct upstream_stats *t, const struct upstream_stats *a)
{
        size_t i, j;

        for (i = 0; i < UPO_N; i++)
                t->outcomes[i] += a->outcomes[i];
        t->udp_sent += a->udp_sent;
        t->tcp_sent += a->tcp_sent;
        t->tcp_fallbacks += a->tcp_fallbacks;
        t->hits += a->hits;
        t->misses += a->misses;
        t->redis_hits += a->redis_hits;
        t->stale += a->stale;
        t->coalesced += a->coalesced;
        t->failed += a->failed;
        t->inflight += a->inflight;
        for (i = 0; i < a->nservers; i++) {
                const struct upstream_server *s = &a->servers[i];

                for (j = 0; j < t->nservers; j++)
                        if (strcmp(t->servers[j].addr, s->addr) == 0)
                                break;
                if (j == t->nservers) {
                        if (j == UPSTREAM_MAX_SERVERS)
                                continue;
                        t->servers[t->nservers++] = *s;
                        continue;
                }
                if (s->score < t->servers[j].score)
                        t->servers[j].score = s->score;
                t->servers[j].answers += s->answers;
                t->servers[j].failures += s->failures;
        }
}

void
metrics_add(struct metrics_sum *sum, const struct rworker_sample *rs,
            const struct api_stats *as, const struct stats_counters *ss)
{
        struct rworker_sample *t = &sum->rs;
        const struct rstats *a = &rs->st;
        size_t k, o, c;

        for (k = 0; k < 2; k++) {
                for (o = 0; o < RSTAT_OPS; o++)
                        for (c = 0; c < RSTAT_CODES; c++)
                                t->st.answers[k][o][c] += a->answers[k][o][c];
                mhist_add(&t->st.latency[k], &a->latency[k]);
        }
        t->st.udp_requests += a->udp_requests;
        t->st.tcp_requests += a->tcp_requests;
        t->st.http_requests += a->http_requests;
        t->st.tcp_accepted += a->tcp_accepted;
        t->st.tcp_rejected += a->tcp_rejected;
        t->st.tcp_idle_closed += a->tcp_idle_closed;
        t->st.busy += a->busy;
        t->st.protocol_errors += a->protocol_errors;
        t->st.udp_fragmented += a->udp_fragmented;
        t->st.dropped_responses += a->dropped_responses;
        t->st.udp_limited += a->udp_limited;
        t->st.udp_limit_dropped += a->udp_limit_dropped;
        t->st.tcp_limited += a->tcp_limited;
        t->st.tcp_addr_refused += a->tcp_addr_refused;
        t->st.udp_amp_refused += a->udp_amp_refused;
        for (c = 0; c < RL_CLASSES; c++)
                t->http.limited[c] += rs->http.limited[c];
        t->http.addr_refused += rs->http.addr_refused;
        for (k = 0; k < RSTAT_HETERO; k++)
                t->st.hetero[k] += a->hetero[k];
        t->cache.hits += rs->cache.hits;
        t->cache.misses += rs->cache.misses;
        t->cache.evictions += rs->cache.evictions;
        t->cache.invalidations += rs->cache.invalidations;
        t->cache.entries += rs->cache.entries;
        t->cache.bytes += rs->cache.bytes;
        t->redis.commands += rs->redis.commands;
        t->redis.timeouts += rs->redis.timeouts;
        t->redis.down_errors += rs->redis.down_errors;
        t->redis.reconnects += rs->redis.reconnects;
        t->redis.watchdog_drops += rs->redis.watchdog_drops;
        t->redis.invalidations += rs->redis.invalidations;
        mhist_add(&t->redis.latency, &rs->redis.latency);
        for (c = 0; c < HTTPD_STAT_CODES; c++)
                t->http.answers[c] += rs->http.answers[c];
        mhist_add(&t->http.latency, &rs->http.latency);
        t->tcp_conns += rs->tcp_conns;
        t->redis_inflight += rs->redis_inflight;
        metrics_add_upstream(&t->up, &rs->up);
        metrics_add_api(sum, as);
        sum->stats.flushes += ss->flushes;
        sum->stats.failed += ss->failed;
        sum->stats.overflow.prefixes += ss->overflow.prefixes;
        sum->stats.overflow.handles += ss->overflow.handles;
        sum->stats.overflow.clients += ss->overflow.clients;
        sum->workers++;
        sum->redis_ready_workers += rs->redis_ready != 0;
}

void
metrics_add_api(struct metrics_sum *sum, const struct api_stats *as)
{
        size_t c;

        for (c = 0; c < API_STAT_ACTIONS; c++)
                sum->api.writes[c] += as->writes[c];
        sum->api.ent_limited += as->ent_limited;
        sum->api.quota_refused += as->quota_refused;
}

/* ------------------------------------------------------- rendering */

static void
metrics_head(struct evbuffer *b, const char *name, const char *type,
             const char *help)
{
        evbuffer_add_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
                            type);
}

/* One sample; `labels` is "" or `k="v",...` without braces. */
static void
metrics_value(struct evbuffer *b, const char *name, const char *labels,
              unsigned long long v)
{
        evbuffer_add_printf(b, "%s%s%s%s %llu\n", name, labels[0] ? "{" : "",
                            labels, labels[0] ? "}" : "", v);
}

/* A histogram's samples (its HELP/TYPE written by the caller). */
static void
metrics_hist(struct evbuffer *b, const char *name, const char *labels,
             const struct mhist *h)
{
        unsigned long long cum = 0;
        const char *sep = labels[0] ? "," : "";
        unsigned i;

        for (i = 0; i < MHIST_BUCKETS; i++) {
                cum += h->bucket[i];
                evbuffer_add_printf(b, "%s_bucket{%s%sle=\"%g\"} %llu\n", name,
                                    labels, sep,
                                    (double)mhist_bounds_us[i] / 1e6, cum);
        }
        evbuffer_add_printf(b, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name,
                            labels, sep, (unsigned long long)h->count);
        evbuffer_add_printf(b, "%s_sum%s%s%s %.6f\n", name,
                            labels[0] ? "{" : "", labels, labels[0] ? "}" : "",
                            (double)h->sum_us / 1e6);
        evbuffer_add_printf(b, "%s_count%s%s%s %llu\n", name,
                            labels[0] ? "{" : "", labels, labels[0] ? "}" : "",
                            (unsigned long long)h->count);
}

static const char *const transports[2] = {"udp", "tcp"};

static void
metrics_handle(struct evbuffer *b, const struct rstats *st)
{
        char labels[128], op[16], code[40];
        size_t k, o, c;

        metrics_head(b, "idnode_handle_requests_total", "counter",
                     "Handle protocol answers by transport, opcode and "
                     "response code");
        for (k = 0; k < 2; k++)
                for (o = 0; o < RSTAT_OPS; o++)
                        for (c = 0; c < RSTAT_CODES; c++) {
                                if (!st->answers[k][o][c])
                                        continue;
                                if (o < RSTAT_OPS - 1)
                                        snprintf(op, sizeof(op), "%u",
                                                 (unsigned)rstat_opcodes[o]);
                                else
                                        snprintf(op, sizeof(op), "other");
                                snprintf(code, sizeof(code), "%s",
                                         c < RSTAT_CODES - 1
                                             ? wire_rc_name(rstat_codes[c])
                                             : "other");
                                snprintf(labels, sizeof(labels),
                                         "transport=\"%s\",opcode=\"%s\","
                                         "code=\"%s\"",
                                         transports[k], op, code);
                                metrics_value(
                                    b, "idnode_handle_requests_total", labels,
                                    (unsigned long long)st->answers[k][o][c]);
                        }
        metrics_head(b, "idnode_handle_request_duration_seconds", "histogram",
                     "Handle protocol request received to answer sent");
        for (k = 0; k < 2; k++) {
                snprintf(labels, sizeof(labels), "transport=\"%s\"",
                         transports[k]);
                metrics_hist(b, "idnode_handle_request_duration_seconds",
                             labels, &st->latency[k]);
        }
}

static void
metrics_http(struct evbuffer *b, const struct httpd_stats *h)
{
        char labels[64];
        size_t c;

        metrics_head(b, "idnode_http_requests_total", "counter",
                     "HTTP answers by status code");
        for (c = 0; c < HTTPD_STAT_CODES; c++) {
                if (!h->answers[c])
                        continue;
                if (c < HTTPD_STAT_CODES - 1)
                        snprintf(labels, sizeof(labels), "code=\"%d\"",
                                 httpd_stat_codes[c]);
                else
                        snprintf(labels, sizeof(labels), "code=\"other\"");
                metrics_value(b, "idnode_http_requests_total", labels,
                              (unsigned long long)h->answers[c]);
        }
        metrics_head(b, "idnode_http_request_duration_seconds", "histogram",
                     "HTTP request received to answer written");
        metrics_hist(b, "idnode_http_request_duration_seconds", "",
                     &h->latency);
}

static void
metrics_redis(struct evbuffer *b, const struct rpool_stats *r)
{
        metrics_head(b, "idnode_redis_command_duration_seconds", "histogram",
                     "Redis command sent to reply received");
        metrics_hist(b, "idnode_redis_command_duration_seconds", "",
                     &r->latency);
}

static void
metrics_hetero(struct evbuffer *b, const struct rstats *st)
{
        char labels[64];
        size_t k;

        metrics_head(b, "idnode_hetero_answers_total", "counter",
                     "OID and GS1 resolutions (/api/resolve) by outcome");
        for (k = 0; k < RSTAT_HETERO; k++) {
                snprintf(labels, sizeof(labels), "outcome=\"%s\"",
                         rstat_hetero_names[k]);
                metrics_value(b, "idnode_hetero_answers_total", labels,
                              (unsigned long long)st->hetero[k]);
        }
}

static void
metrics_upstream(struct evbuffer *b, const struct upstream_stats *u)
{
        static const char *const outcomes[UPO_N] = {
            [UPO_ANSWER] = "answer",     [UPO_NOT_FOUND] = "not_found",
            [UPO_REFERRAL] = "referral", [UPO_TIMEOUT] = "timeout",
            [UPO_ERROR] = "error",       [UPO_LOOP] = "recursion_limit",
        };
        char labels[128];
        size_t i;

        metrics_head(b, "idnode_upstream_queries_total", "counter",
                     "Queries to other nodes (recursion) by outcome");
        for (i = 0; i < UPO_N; i++) {
                snprintf(labels, sizeof(labels), "outcome=\"%s\"", outcomes[i]);
                metrics_value(b, "idnode_upstream_queries_total", labels,
                              (unsigned long long)u->outcomes[i]);
        }
        metrics_head(b, "idnode_upstream_server_health", "gauge",
                     "Health score of an upstream server, 0 (failing) to "
                     "100");
        for (i = 0; i < u->nservers; i++) {
                snprintf(labels, sizeof(labels), "server=\"%s\"",
                         u->servers[i].addr);
                metrics_value(b, "idnode_upstream_server_health", labels,
                              (unsigned long long)u->servers[i].score);
        }
        metrics_head(b, "idnode_upstream_server_failures_total", "counter",
                     "Queries to an upstream server that failed");
        for (i = 0; i < u->nservers; i++) {
                snprintf(labels, sizeof(labels), "server=\"%s\"",
                         u->servers[i].addr);
                metrics_value(b, "idnode_upstream_server_failures_total",
                              labels,
                              (unsigned long long)u->servers[i].failures);
        }
}

static void
metrics_writes(struct evbuffer *b, const struct api_stats *a)
{
        char labels[64];
        size_t k;

        metrics_head(b, "idnode_registry_writes_total", "counter",
                     "Successful registry writes by audit action");
        for (k = 0; k < API_STAT_ACTIONS; k++) {
                snprintf(labels, sizeof(labels), "action=\"%s\"",
                         k < API_STAT_ACTIONS - 1 ? api_stat_actions[k]
                                                  : "other");
                metrics_value(b, "idnode_registry_writes_total", labels,
                              (unsigned long long)a->writes[k]);
        }
}

/*
 * The families whose samples are plain values: a row per sample, rows
 * of one family together (a family's HELP and TYPE come with its first).
 */
static void
metrics_scalars(struct evbuffer *b, const struct metrics_sum *s,
                const struct metrics_info *info)
{
        const struct {
                const char *name, *type, *help, *labels;
                unsigned long long v;
        } rows[] = {
            {"idnode_cache_lookups_total", "counter",
             "In-process record cache lookups by result", "result=\"hit\"",
             (unsigned long long)s->rs.cache.hits},
            {"idnode_cache_lookups_total", NULL, NULL, "result=\"miss\"",
             (unsigned long long)s->rs.cache.misses},
            {"idnode_redis_errors_total", "counter",
             "Redis commands that failed, by kind", "kind=\"timeout\"",
             (unsigned long long)s->rs.redis.timeouts},
            {"idnode_redis_errors_total", NULL, NULL, "kind=\"down\"",
             (unsigned long long)s->rs.redis.down_errors},
            {"idnode_redis_errors_total", NULL, NULL, "kind=\"watchdog\"",
             (unsigned long long)s->rs.redis.watchdog_drops},
            {"idnode_connections_rejected_total", "counter",
             "Connections refused (over max_connections)", "transport=\"tcp\"",
             (unsigned long long)s->rs.st.tcp_rejected},
            {"idnode_cache_evictions_total", "counter",
             "Records evicted from the cache to make room", "",
             (unsigned long long)s->rs.cache.evictions},
            {"idnode_cache_invalidations_total", "counter",
             "Cached records dropped because Redis said they changed", "",
             (unsigned long long)s->rs.cache.invalidations},
            {"idnode_cache_entries", "gauge", "Records in the cache", "",
             (unsigned long long)s->rs.cache.entries},
            {"idnode_cache_bytes", "gauge", "Bytes of records in the cache", "",
             (unsigned long long)s->rs.cache.bytes},
            {"idnode_redis_commands_total", "counter",
             "Commands sent to Redis by the workers", "",
             (unsigned long long)s->rs.redis.commands},
            {"idnode_redis_reconnects_total", "counter",
             "Reconnections to Redis", "",
             (unsigned long long)s->rs.redis.reconnects},
            {"idnode_redis_inflight", "gauge",
             "Redis commands waiting for their reply", "",
             (unsigned long long)s->rs.redis_inflight},
            {"idnode_redis_connected_workers", "gauge",
             "Workers whose Redis connection is ready", "",
             (unsigned long long)s->redis_ready_workers},
            {"idnode_tcp_connections", "gauge",
             "Open Handle protocol TCP connections", "",
             (unsigned long long)s->rs.tcp_conns},
            {"idnode_tcp_connections_accepted_total", "counter",
             "Handle protocol TCP connections accepted", "",
             (unsigned long long)s->rs.st.tcp_accepted},
            {"idnode_tcp_idle_closed_total", "counter",
             "TCP connections closed for idleness", "",
             (unsigned long long)s->rs.st.tcp_idle_closed},
            {"idnode_busy_answers_total", "counter",
             "Requests answered SERVER_BUSY or 503", "",
             (unsigned long long)s->rs.st.busy},
            {"idnode_protocol_errors_total", "counter",
             "Handle requests answered PROTOCOL_ERROR", "",
             (unsigned long long)s->rs.st.protocol_errors},
            {"idnode_udp_fragmented_total", "counter",
             "UDP answers sent in several datagrams", "",
             (unsigned long long)s->rs.st.udp_fragmented},
            {"idnode_limited_total", "counter",
             "Requests refused by a rate limit, by plane (docs/operations.md, "
             "Limits)",
             "plane=\"udp\"", (unsigned long long)s->rs.st.udp_limited},
            {"idnode_limited_total", NULL, NULL, "plane=\"udp_dropped\"",
             (unsigned long long)s->rs.st.udp_limit_dropped},
            {"idnode_limited_total", NULL, NULL, "plane=\"tcp\"",
             (unsigned long long)s->rs.st.tcp_limited},
            {"idnode_limited_total", NULL, NULL, "plane=\"http\"",
             (unsigned long long)s->rs.http.limited[RL_HTTP]},
            {"idnode_limited_total", NULL, NULL, "plane=\"registry\"",
             (unsigned long long)s->rs.http.limited[RL_REGISTRY]},
            {"idnode_limited_total", NULL, NULL, "plane=\"trace\"",
             (unsigned long long)s->rs.http.limited[RL_TRACE]},
            {"idnode_limited_total", NULL, NULL, "plane=\"enterprise_write\"",
             (unsigned long long)s->api.ent_limited},
            {"idnode_connections_refused_per_address_total", "counter",
             "Connections refused because their address had as many open as "
             "its cap",
             "transport=\"tcp\"",
             (unsigned long long)s->rs.st.tcp_addr_refused},
            {"idnode_connections_refused_per_address_total", NULL, NULL,
             "transport=\"http\"", (unsigned long long)s->rs.http.addr_refused},
            {"idnode_quota_refused_total", "counter",
             "Identifiers refused because their prefix held its quota", "",
             (unsigned long long)s->api.quota_refused},
            {"idnode_udp_amplification_refused_total", "counter",
             "UDP answers too large for an unproven address, replaced by "
             "SERVER_BUSY (use TCP)",
             "", (unsigned long long)s->rs.st.udp_amp_refused},
            {"idnode_start_time_seconds", "gauge",
             "When the process started, unix seconds", "",
             (unsigned long long)info->start_unix},
            {"idnode_workers", "gauge", "Worker threads", "",
             (unsigned long long)s->workers},
            {"idnode_stats_flushes_total", "counter",
             "Usage statistics flushes to Redis by result (a failed flush "
             "loses its counts)",
             "result=\"ok\"", (unsigned long long)s->stats.flushes},
            {"idnode_stats_flushes_total", NULL, NULL, "result=\"failed\"",
             (unsigned long long)s->stats.failed},
            {"idnode_stats_overflow_total", "counter",
             "Usage statistics entries that did not fit a worker's table",
             "table=\"prefixes\"",
             (unsigned long long)s->stats.overflow.prefixes},
            {"idnode_stats_overflow_total", NULL, NULL, "table=\"identifiers\"",
             (unsigned long long)s->stats.overflow.handles},
            {"idnode_stats_overflow_total", NULL, NULL, "table=\"clients\"",
             (unsigned long long)s->stats.overflow.clients},
            {"idnode_upstream_sent_total", "counter",
             "Datagrams and TCP requests sent to other nodes",
             "transport=\"udp\"", (unsigned long long)s->rs.up.udp_sent},
            {"idnode_upstream_sent_total", NULL, NULL, "transport=\"tcp\"",
             (unsigned long long)s->rs.up.tcp_sent},
            {"idnode_upstream_tcp_fallbacks_total", "counter",
             "Upstream queries retried over TCP (truncated, too large, "
             "no UDP answer)",
             "", (unsigned long long)s->rs.up.tcp_fallbacks},
            {"idnode_upstream_cache_lookups_total", "counter",
             "Lookups of answers from other nodes by result", "result=\"hit\"",
             (unsigned long long)s->rs.up.hits},
            {"idnode_upstream_cache_lookups_total", NULL, NULL,
             "result=\"miss\"", (unsigned long long)s->rs.up.misses},
            {"idnode_upstream_cache_lookups_total", NULL, NULL,
             "result=\"redis\"", (unsigned long long)s->rs.up.redis_hits},
            {"idnode_upstream_stale_total", "counter",
             "Stale answers served because upstream failed", "",
             (unsigned long long)s->rs.up.stale},
            {"idnode_upstream_coalesced_total", "counter",
             "Misses that waited on a query already in flight", "",
             (unsigned long long)s->rs.up.coalesced},
            {"idnode_upstream_failures_total", "counter",
             "Resolutions answered SERVER_NOT_RESP (no stale answer left)", "",
             (unsigned long long)s->rs.up.failed},
            {"idnode_upstream_inflight", "gauge",
             "Upstream resolutions in flight", "",
             (unsigned long long)s->rs.up.inflight},
        };
        size_t i;

        for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
                if (rows[i].type)
                        metrics_head(b, rows[i].name, rows[i].type,
                                     rows[i].help);
                metrics_value(b, rows[i].name, rows[i].labels, rows[i].v);
        }
}

void
metrics_render(struct evbuffer *out, const struct metrics_sum *sum,
               const struct metrics_info *info)
{
        char labels[96];

        snprintf(labels, sizeof(labels), "version=\"%s\"", info->version);
        metrics_head(out, "idnode_build_info", "gauge",
                     "Always 1; the version as a label");
        metrics_value(out, "idnode_build_info", labels, 1);
        metrics_scalars(out, sum, info);
        metrics_handle(out, &sum->rs.st);
        metrics_http(out, &sum->rs.http);
        metrics_redis(out, &sum->rs.redis);
        metrics_hetero(out, &sum->rs.st);
        metrics_upstream(out, &sum->rs.up);
        metrics_writes(out, &sum->api);
}
