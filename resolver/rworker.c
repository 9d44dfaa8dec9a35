#include "resolver/rworker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <event2/listener.h>
#include <hiredis/hiredis.h>

#include "certs/nodekey.h"
#include "certs/tls.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/httpd.h"
#include "core/log.h"
#include "core/site.h"
#include "core/tally.h"
#include "core/wire.h"
#include "core/worker.h"
#include "registry/keys.h"
#include "resolver/cache.h"
#include "resolver/dns.h"
#include "resolver/gateway.h"
#include "resolver/hproto.h"
#include "resolver/peername.h"
#include "resolver/tcp.h"
#include "resolver/udp.h"
#include "resolver/upstream.h"
#include "resolver/web.h"

/* Longest a worker waits for Redis before it serves anyway (SERVER_BUSY). */
#define RWORKER_OPEN_GRACE_MS 1000
/* How often the homed prefixes (OC_HOME_NA) are re-read. */
#define RWORKER_HOMED_MS 1000

/*
 * Redis told us a handle or prefix key changed (key NULL: everything
 * may have).  A prefix's entry is keyed by the bare prefix (lookup.c).
 */
static void
rworker_invalidate(void *arg, const char *key, size_t len)
{
        struct rworker *rw = arg;
        const char *name;
        size_t n;

        if (!key) {
                cache_clear(rw->cache);
                return;
        }
        n = keys_handle_name(key, len, &name);
        if (n == 0)
                n = keys_prefix_name(key, len, &name);
        if (n > 0)
                cache_del(rw->cache, name, n);
}

static void
rworker_homed_got(void *arg, struct redisReply *r, enum rpool_status st)
{
        struct rworker *rw = arg;
        char homed[64][PFX_MAX + 1];
        size_t i, n = 0;

        if (st != RPOOL_OK || !r || r->type != REDIS_REPLY_ARRAY || !rw->up)
                return;
        for (i = 0; i < r->elements && n < 64; i++)
                if (r->element[i]->type == REDIS_REPLY_STRING &&
                    pfx_normalise(r->element[i]->str, r->element[i]->len,
                                  homed[n]) == 0)
                        n++;
        upstream_set_homed(rw->up, homed, n);
}

/* The prefixes homed by OC_HOME_NA, re-read so every worker sees them. */
static void
rworker_homed_tick(evutil_socket_t fd, short what, void *arg)
{
        struct rworker *rw = arg;
        const char *argv[2] = {"SMEMBERS", KEYS_HOMED};
        size_t argvlen[2] = {8, sizeof(KEYS_HOMED) - 1};

        (void)fd;
        (void)what;
        /* Only recursion, the top-level role and homing use the list. */
        if ((rw->cfg->upstream[0] || config_top_level(rw->cfg) ||
             rw->cfg->homing_from_loopback) &&
            rpool_ready(rw->redis))
                (void)rpool_command(rw->redis, rworker_homed_got, rw, 2, argv,
                                    argvlen);
}

/*
 * This node's HS_SITE: one server, Handle TCP/UDP, HTTP and HTTPS
 * interfaces, and the public half of node_key, which the worker keeps
 * to sign with.  -1 with err filled and the old site and key kept.
 */
static int
rworker_build_site(struct rworker *rw, char *err, size_t errlen)
{
        const struct config *cfg = rw->cfg;
        struct evp_pkey_st *k = NULL;
        uint8_t key[900];
        size_t keylen = 0;
        struct site s;
        struct wbuf w;
        char why[256];
        int rc = -1;

        memset(&s, 0, sizeof(s));
        s.proto_major = WIRE_MAJOR;
        s.proto_minor = 10; /* what the GHR and IDIS clients speak */
        s.serial = (uint16_t)cfg->site_serial;
        s.primary_mask = SITE_PRIMARY;
        s.hash_option = 2;
        s.desc.p = (const uint8_t *)cfg->site_description;
        s.desc.len = (uint32_t)strlen(cfg->site_description);
        s.server_id = 1;
        if (site_set_address(&s, cfg->site_address) < 0) {
                snprintf(err, errlen, "site_address \"%s\" is not an IP",
                         cfg->site_address);
                return -1;
        }
        if (cfg->node_key[0]) {
                if (!(k = nodekey_load(cfg->node_key, why, sizeof(why))) ||
                    nodekey_value(k, key, sizeof(key), &keylen, why,
                                  sizeof(why)) < 0) {
                        snprintf(err, errlen, "node_key: %s", why);
                        nodekey_free(k);
                        return -1;
                }
                s.pubkey.p = key;
                s.pubkey.len = (uint32_t)keylen;
        }
        /* Query only until the admin plane lands. */
        s.niface = 3;
        s.iface[0] = (struct site_iface){SITE_IF_QUERY, SITE_PROTO_TCP,
                                         (uint32_t)cfg->handle_port};
        s.iface[1] = (struct site_iface){SITE_IF_QUERY, SITE_PROTO_UDP,
                                         (uint32_t)cfg->handle_port};
        s.iface[2] = (struct site_iface){SITE_IF_QUERY, SITE_PROTO_HTTP,
                                         (uint32_t)cfg->http_port};
        if (rw->tls)
                s.iface[s.niface++] = (struct site_iface){
                    SITE_IF_QUERY, SITE_PROTO_HTTPS, (uint32_t)cfg->tls_port};
        wbuf_init(&w, sizeof(rw->site));
        site_encode(&w, &s);
        if (wbuf_ok(&w)) {
                memcpy(rw->site, w.p, w.len);
                rw->site_len = w.len;
                nodekey_free(rw->node_key);
                rw->node_key = k;
                k = NULL;
                rc = 0;
        } else {
                snprintf(err, errlen, "HS_SITE too large");
        }
        nodekey_free(k);
        wbuf_free(&w);
        return rc;
}

/*
 * DNS only when something needs it: in the default configuration no
 * channel exists and no query is ever sent (docs/heterogeneous.md).
 */
static int
rworker_dns_start(struct rworker *rw, char *err, size_t errlen)
{
        const struct config *cfg = rw->cfg;

        if (!(rw->gw = gateway_new())) {
                snprintf(err, errlen, "out of memory");
                return -1;
        }
        if (!cfg->oid_zone[0] && !cfg->gs1_zone[0] && !cfg->peer_names[0])
                return 0;
        rw->dns = dns_new(rw->base, cfg->dns_servers, cfg->dns_timeout_ms,
                          cfg->dns_tries, err, errlen);
        if (!rw->dns)
                return -1;
        if (cfg->peer_names[0] &&
            !(rw->peers = peername_new(rw->base, rw->dns, cfg->peer_names, err,
                                       errlen)))
                return -1;
        return 0;
}

/* Starts serving what the listeners have queued (once). */
static void
rworker_open(struct rworker *rw)
{
        if (!rw->open_ev)
                return; /* open already, or draining */
        event_free(rw->open_ev);
        rw->open_ev = NULL;
        if (rw->udp_ev)
                event_add(rw->udp_ev, NULL);
        if (rw->tcp_lis)
                evconnlistener_enable(rw->tcp_lis);
        if (rw->httpd)
                httpd_accepting(rw->httpd, 1);
}

static void
rworker_redis_ready(void *arg)
{
        rworker_open(arg);
}

static void
rworker_open_cb(evutil_socket_t fd, short what, void *arg)
{
        (void)fd;
        (void)what;
        rworker_open(arg);
}

/*
 * The listeners are bound (a port in use fails the start) but take no
 * request until Redis is ready, or RWORKER_OPEN_GRACE_MS passed without
 * it: a new instance started beside a running one (SO_REUSEPORT) must
 * not answer SERVER_BUSY to the requests the kernel already gives it.
 * They wait in the sockets' queues meanwhile.
 */
static int
rworker_hold(struct rworker *rw)
{
        struct timeval tv = {RWORKER_OPEN_GRACE_MS / 1000,
                             (RWORKER_OPEN_GRACE_MS % 1000) * 1000};

        if (rw->udp_ev)
                event_del(rw->udp_ev);
        if (rw->tcp_lis)
                evconnlistener_disable(rw->tcp_lis);
        if (rw->httpd)
                httpd_accepting(rw->httpd, 0);
        rw->open_ev = evtimer_new(rw->base, rworker_open_cb, rw);
        return rw->open_ev && evtimer_add(rw->open_ev, &tv) == 0 ? 0 : -1;
}

struct rworker *
rworker_new(struct worker *w, struct config *cfg, struct ssl_ctx_st *tls,
            char *err, size_t errlen)
{
        struct rworker *rw = calloc(1, sizeof(*rw));
        struct timeval homed_tv = {RWORKER_HOMED_MS / 1000,
                                   (RWORKER_HOMED_MS % 1000) * 1000};
        struct rpool_opts o;

        if (!rw) {
                snprintf(err, errlen, "out of memory");
                return NULL;
        }
        rw->w = w;
        rw->base = worker_base(w);
        rw->udp_fd = -1;
        config_ref(cfg);
        rw->cfg = cfg;
        if (tls) {
                tls_ctx_ref(tls);
                rw->tls = tls;
        }
        /* No answer may exceed what CNRI clients accept (262,144 bytes). */
        wbuf_init(&rw->out, WIRE_ENV_LEN + WIRE_MAX_MESSAGE);
        rw->cache = cache_new((size_t)cfg->cache_entries,
                              (size_t)cfg->cache_max_mb << 20);
        if (!rw->cache) {
                snprintf(err, errlen, "out of memory");
                goto fail;
        }
        if (rworker_build_site(rw, err, errlen) < 0)
                goto fail;
        memset(&o, 0, sizeof(o));
        o.socket = cfg->redis_socket;
        o.host = cfg->redis_host;
        o.password = cfg->redis_password;
        o.port = cfg->redis_port;
        o.timeout_ms = cfg->request_timeout_ms;
        o.max_inflight = cfg->redis_max_inflight;
        o.track[0] = KEYS_HANDLE_PREFIX;
        o.track[1] = KEYS_PREFIX_PREFIX; /* referrals (lookup.c) */
        o.on_invalidate = rworker_invalidate;
        o.on_ready = rworker_redis_ready;
        o.arg = rw;
        rw->redis = rpool_new(rw->base, &o);
        rw->up = upstream_new(rw);
        rw->homed_ev =
            event_new(rw->base, -1, EV_PERSIST, rworker_homed_tick, rw);
        if (!rw->redis || !rw->up || !rw->homed_ev ||
            event_add(rw->homed_ev, &homed_tv) < 0) {
                snprintf(err, errlen, "out of memory");
                goto fail;
        }
        if (rworker_dns_start(rw, err, errlen) < 0 ||
            udp_start(rw, err, errlen) < 0 || tcp_start(rw, err, errlen) < 0 ||
            web_start(rw, err, errlen) < 0 || rworker_hold(rw) < 0)
                goto fail;
        return rw;
fail:
        rworker_free(rw);
        return NULL;
}

void
rworker_free(struct rworker *rw)
{
        if (!rw)
                return;
        if (rw->drain_ev)
                event_free(rw->drain_ev);
        if (rw->open_ev)
                event_free(rw->open_ev);
        if (rw->homed_ev)
                event_free(rw->homed_ev);
        /* First: pending lookups are answered while listeners still exist. */
        upstream_free(rw->up);
        rw->up = NULL;
        rpool_free(rw->redis);
        dns_free(rw->dns); /* cancels the lookups of peers and gateway */
        peername_free(rw->peers);
        gateway_free(rw->gw);
        web_stop(rw);
        tcp_stop(rw);
        udp_stop(rw);
        cache_free(rw->cache);
        wbuf_free(&rw->out);
        config_unref(rw->cfg);
        tls_ctx_unref(rw->tls);
        nodekey_free(rw->node_key);
        free(rw);
}

static void
rworker_drain_check(evutil_socket_t fd, short what, void *arg)
{
        struct rworker *rw = arg;

        (void)fd;
        (void)what;
        if (rpool_inflight(rw->redis) > 0 || upstream_inflight(rw->up) > 0)
                return;
        event_del(rw->drain_ev);
        rw->drained(rw->drained_arg);
}

void
rworker_drain(struct rworker *rw, void (*drained)(void *), void *arg)
{
        struct timeval tv = {0, 10000};

        /*
         * Listening sockets are closed, not paused: the kernel then gives
         * new connections to the rest of the SO_REUSEPORT group (a new
         * instance), and with net.ipv4.tcp_migrate_req the connections
         * queued here move there too (docs/operations.md).  UDP stops
         * being read; its socket still sends the answers in flight and
         * closes when the worker stops.
         */
        if (rw->open_ev) {
                event_free(rw->open_ev);
                rw->open_ev = NULL;
        }
        tcp_close_listener(rw);
        if (rw->homed_ev)
                event_del(rw->homed_ev);
        if (rw->httpd)
                httpd_close_listener(rw->httpd);
        if (rw->udp_ev)
                event_del(rw->udp_ev);
        rw->drained = drained;
        rw->drained_arg = arg;
        rw->drain_ev =
            event_new(rw->base, -1, EV_PERSIST, rworker_drain_check, rw);
        if (!rw->drain_ev || event_add(rw->drain_ev, &tv) < 0)
                drained(arg); /* cannot wait: stop now */
}

void
rworker_reload(struct rworker *rw, struct config *cfg)
{
        struct config *old = rw->cfg;
        char err[300];

        config_ref(cfg);
        rw->cfg = cfg;
        if (rworker_build_site(rw, err, sizeof(err)) < 0)
                log_warn("reload_site", "error=\"%s\" kept=old", err);
        rpool_set_timeout(rw->redis, cfg->request_timeout_ms);
        if (rw->httpd)
                httpd_set_access_sample(rw->httpd, cfg->access_log_sample);
        if (rw->httpd)
                httpd_set_limits(rw->httpd, rw->lim, cfg);
        if (!cfg->cache)
                cache_clear(rw->cache);
        config_unref(old);
}

void
rworker_set_tls(struct rworker *rw, struct ssl_ctx_st *tls)
{
        if (!rw->tls)
                return;
        tls_ctx_ref(tls);
        tls_ctx_unref(rw->tls);
        rw->tls = tls;
}

struct peername *
rworker_peers(struct rworker *rw)
{
        return rw->peers;
}

struct rpool *
rworker_redis(struct rworker *rw)
{
        return rw->redis;
}

struct httpd *
rworker_httpd(struct rworker *rw)
{
        return rw->httpd;
}

void
rworker_sample(const struct rworker *rw, struct rworker_sample *s)
{
        memset(s, 0, sizeof(*s));
        s->st = rw->st;
        if (rw->cache)
                cache_get_stats(rw->cache, &s->cache);
        if (rw->redis) {
                rpool_get_stats(rw->redis, &s->redis);
                s->redis_inflight = rpool_inflight(rw->redis);
                s->redis_ready = rpool_ready(rw->redis);
        }
        if (rw->httpd)
                httpd_get_stats(rw->httpd, &s->http);
        if (rw->up)
                upstream_get_stats(rw->up, &s->up);
        s->tcp_conns = rw->nconns;
}

const uint32_t rstat_opcodes[RSTAT_OPS - 1] = {OC_RESOLUTION, OC_GET_SITEINFO};
const uint32_t rstat_codes[RSTAT_CODES - 1] = {
    RC_SUCCESS,
    RC_ERROR,
    RC_SERVER_BUSY,
    RC_PROTOCOL_ERROR,
    RC_OPERATION_NOT_SUPPORTED,
    RC_HANDLE_NOT_FOUND,
    RC_INVALID_HANDLE,
    RC_VALUES_NOT_FOUND,
    RC_SERVICE_REFERRAL,
};

const char *const rstat_hetero_names[RSTAT_HETERO] = {
    "mapping", "cache", "dns", "not_found", "timeout", "failed",
};

/* The slot of `v` in table[n], or n (the slot of the rest). */
static size_t
rworker_slot(const uint32_t *table, size_t n, uint32_t v)
{
        size_t i = 0;

        while (i < n && table[i] != v)
                i++;
        return i;
}

void
rworker_count_answer(struct rworker *rw, int kind, uint32_t opcode, uint32_t rc,
                     uint64_t us)
{
        int k = kind == HSRC_TCP;

        rw->st.answers[k][rworker_slot(rstat_opcodes, RSTAT_OPS - 1, opcode)]
                      [rworker_slot(rstat_codes, RSTAT_CODES - 1, rc)]++;
        mhist_observe(&rw->st.latency[k], us);
}

void
rworker_set_api(struct rworker *rw, struct api *api)
{
        rw->api = api;
}

void
rworker_set_tally(struct rworker *rw, struct tally *t)
{
        rw->tally = t;
}

void
rworker_set_limits(struct rworker *rw, struct ratelim *lim)
{
        rw->lim = lim;
        if (rw->httpd)
                httpd_set_limits(rw->httpd, lim, rw->cfg);
}

void
rworker_count_resolution(struct rworker *rw, const char *name, size_t len,
                         uint32_t rc, const struct sockaddr *client)
{
        enum tally_outcome o;

        if (!rw->tally)
                return;
        switch (rc) {
        case RC_SUCCESS:
                o = TALLY_FOUND;
                break;
        case RC_SERVICE_REFERRAL:
                o = TALLY_REFERRED;
                break;
        case RC_HANDLE_NOT_FOUND:
                o = TALLY_NOT_FOUND;
                break;
        default:
                o = TALLY_ERROR;
                break;
        }
        tally_resolution(rw->tally, name, len, o, client);
}
