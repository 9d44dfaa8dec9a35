#include "resolver/gateway.h"

#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <hiredis/hiredis.h>
#include <jansson.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/hetid.h"
#include "core/httpd.h"
#include "core/naptr.h"
#include "registry/keys.h"
#include "resolver/dns.h"
#include "resolver/rworker.h"

/* Answers remembered per worker (a slot per name hash; collisions evict). */
#define GW_CACHE_SLOTS 256
/* Non-terminal NAPTRs followed before giving up (RFC 3402 loops). */
#define GW_MAX_HOPS 4
#define GW_KEY_MAX  (HETID_ID_MAX + 16)

struct gw_entry {
        char name[HETID_DNS_MAX + 1]; /* "" = free */
        uint64_t expires_ms;
        int status;     /* 200 or 404 */
        json_t *answer; /* fields merged into the answer */
};

struct gateway {
        struct gw_entry slots[GW_CACHE_SLOTS];
};

/* One request; owned by whoever holds it (Redis, c-ares, or the handler). */
struct gwreq {
        struct rworker *rw;
        struct evhttp_request *req;
        struct hetid id;
        int pretty;
        int hops;
        int cached; /* answered from the worker's cache */
        unsigned ttl;
        json_t *queried;
        char given[HETID_TEXT_MAX + 1];
        char first[HETID_DNS_MAX + 1];
        char aus[HETID_ID_MAX + 16];
};

struct gateway *
gateway_new(void)
{
        return calloc(1, sizeof(struct gateway));
}

void
gateway_free(struct gateway *g)
{
        size_t i;

        if (!g)
                return;
        for (i = 0; i < GW_CACHE_SLOTS; i++)
                json_decref(g->slots[i].answer);
        free(g);
}

static struct gw_entry *
gw_slot(struct gateway *g, const char *name)
{
        uint32_t h = 2166136261u; /* FNV-1a */

        while (*name)
                h = (h ^ (uint8_t)*name++) * 16777619u;
        return &g->slots[h % GW_CACHE_SLOTS];
}

static void
gw_cache_put(struct gwreq *gr, int status, json_t *answer, unsigned ttl_s)
{
        const struct config *cfg = gr->rw->cfg;
        struct gw_entry *e;

        if (!cfg->cache || ttl_s == 0 || !gr->rw->gw)
                return;
        if (ttl_s > (unsigned)cfg->cache_ttl_max_s)
                ttl_s = (unsigned)cfg->cache_ttl_max_s;
        e = gw_slot(gr->rw->gw, gr->first);
        json_decref(e->answer);
        snprintf(e->name, sizeof(e->name), "%s", gr->first);
        e->expires_ms = clock_ms() + (uint64_t)ttl_s * 1000;
        e->status = status;
        e->answer = json_incref(answer);
}

/* The cached answer for gr->first, or NULL. */
static struct gw_entry *
gw_cache_get(struct gwreq *gr)
{
        struct gw_entry *e;

        if (!gr->rw->cfg->cache || !gr->rw->gw)
                return NULL;
        e = gw_slot(gr->rw->gw, gr->first);
        if (!e->answer || strcmp(e->name, gr->first) != 0 ||
            e->expires_ms <= clock_ms())
                return NULL;
        return e;
}

static void
gw_free(struct gwreq *gr)
{
        json_decref(gr->queried);
        free(gr);
}

/* The counter an answer of `status` adds to. */
static enum rstat_hetero
gw_outcome(const struct gwreq *gr, int status, const json_t *extra)
{
        const char *src = json_string_value(json_object_get(extra, "source"));

        if (status == 504)
                return RSTAT_HETERO_TIMEOUT;
        if (status == 404)
                return RSTAT_HETERO_NOTFOUND;
        if (status != 200)
                return RSTAT_HETERO_FAILED;
        if (gr->cached)
                return RSTAT_HETERO_CACHE;
        return src && strcmp(src, "dns") == 0 ? RSTAT_HETERO_DNS
                                              : RSTAT_HETERO_MAPPING;
}

/* Sends what every answer says about the identifier, plus `extra`. */
static void
gw_send(struct gwreq *gr, int status, json_t *extra)
{
        json_t *body =
            json_pack("{s:s,s:s,s:s,s:s}", "id", gr->given, "scheme",
                      hetid_scheme_name(gr->id.scheme), "form",
                      hetid_form_name(&gr->id), "normalised", gr->id.id);

        gr->rw->st.hetero[gw_outcome(gr, status, extra)]++;
        if (body && gr->id.serial[0])
                json_object_set_new(body, "serial", json_string(gr->id.serial));
        if (body && extra)
                json_object_update(body, extra);
        json_decref(extra);
        httpd_send_json(gr->req, status, body, gr->pretty);
        gw_free(gr);
}

static void
gw_fail(struct gwreq *gr, int status, const char *msg)
{
        gw_send(gr, status, json_pack("{s:s}", "message", msg));
}

/* The answer from DNS (or the cache); `answer` borrowed. */
static void
gw_send_dns(struct gwreq *gr, int status, json_t *answer, int cached,
            unsigned ttl)
{
        json_t *extra = json_deep_copy(answer);

        if (extra) {
                json_object_set_new(extra, "source", json_string("dns"));
                json_object_set_new(extra, "dnsName", json_string(gr->first));
                json_object_set_new(extra, "cached", json_boolean(cached));
                json_object_set_new(extra, "ttl", json_integer(ttl));
                json_object_set_new(extra, "handle", json_null());
        }
        gw_send(gr, status, extra);
}

static int gw_lookup(struct gwreq *gr, const char *name);

/*
 * A string from a DNS record as JSON: records are bytes, JSON strings
 * UTF-8, so bytes that are not printable ASCII become '?' when the
 * string is not valid UTF-8.
 */
static json_t *
gw_str(const char *s)
{
        char buf[NAPTR_OUT_MAX];
        json_t *j = json_string(s);
        size_t i;

        if (j)
                return j;
        for (i = 0; s[i] && i + 1 < sizeof(buf); i++)
                buf[i] = s[i] >= ' ' && s[i] <= '~' ? s[i] : '?';
        buf[i] = '\0';
        return json_string(buf);
}

/* One record as JSON; *next set to the name a non-terminal one leads to. */
static json_t *
gw_record(struct gwreq *gr, const struct naptr_rec *r, int *terminal,
          char *next, size_t nextsz)
{
        char out[NAPTR_OUT_MAX];
        const char *why = NULL, *result = NULL;
        json_t *j =
            json_pack("{s:i,s:i,s:o,s:o,s:o,s:o}", "order", (int)r->order,
                      "preference", (int)r->pref, "flags", gw_str(r->flags),
                      "service", gw_str(r->service), "regexp",
                      gw_str(r->regexp), "replacement", gw_str(r->replacement));
        int rc;

        *terminal = naptr_terminal(r->flags);
        if (r->regexp[0]) {
                rc = naptr_apply(r->regexp, gr->aus, out, sizeof(out), &why);
                if (rc == 0)
                        result = out;
                else if (j)
                        json_object_set_new(
                            j, "error",
                            json_string(rc > 0 ? "regexp does not match"
                                               : why));
        } else if (r->replacement[0] && strcmp(r->replacement, ".") != 0) {
                result = r->replacement;
        }
        if (j)
                json_object_set_new(j, *terminal ? "result" : "next",
                                    result ? gw_str(result) : json_null());
        if (!*terminal && result && !next[0] && strlen(result) < nextsz)
                snprintf(next, nextsz, "%s", result);
        return j;
}

static void
gw_naptr_done(void *arg, enum dns_status st, struct naptr_rec *recs, size_t n,
              unsigned ttl)
{
        struct gwreq *gr = arg;
        char next[HETID_DNS_MAX + 1] = "";
        json_t *services, *answer;
        int terminal, any = 0;
        size_t i;

        switch (st) {
        case DNS_OK:
                break;
        case DNS_NXDOMAIN:
        case DNS_NODATA:
                answer = json_pack("{s:s,s:O}", "message",
                                   st == DNS_NXDOMAIN
                                       ? "no such name in the DNS (NXDOMAIN)"
                                       : "no NAPTR record at this name",
                                   "queried", gr->queried);
                gw_cache_put(gr, 404, answer,
                             (unsigned)gr->rw->cfg->cache_negative_ttl_s);
                gw_send_dns(gr, 404, answer, 0, 0);
                json_decref(answer);
                return;
        case DNS_TIMEOUT:
                gw_fail(gr, 504, "the DNS servers did not answer in time");
                return;
        case DNS_CANCELLED:
                gw_fail(gr, 503, "the node is stopping");
                return;
        default:
                gw_fail(gr, 502, "the DNS lookup failed");
                return;
        }
        if (ttl < gr->ttl)
                gr->ttl = ttl;
        services = json_array();
        for (i = 0; i < n; i++) {
                json_array_append_new(
                    services,
                    gw_record(gr, &recs[i], &terminal, next, sizeof(next)));
                any |= terminal;
        }
        if (!any && next[0]) {
                json_decref(services);
                if (gr->hops >= GW_MAX_HOPS) {
                        gw_fail(gr, 502, "NAPTR chain longer than the limit");
                        return;
                }
                gr->hops++;
                if (gw_lookup(gr, next) < 0)
                        gw_fail(gr, 503, "cannot start a DNS lookup");
                return;
        }
        if (!any) {
                json_decref(services);
                gw_fail(gr, 502, "NAPTR records lead nowhere");
                return;
        }
        answer = json_pack("{s:O,s:o}", "queried", gr->queried, "services",
                           services);
        gw_cache_put(gr, 200, answer, gr->ttl);
        gw_send_dns(gr, 200, answer, 0, gr->ttl);
        json_decref(answer);
}

/* Queries `name`; -1 (gr still ours) if the query could not start. */
static int
gw_lookup(struct gwreq *gr, const char *name)
{
        json_array_append_new(gr->queried, gw_str(name));
        return dns_naptr(gr->rw->dns, name, gw_naptr_done, gr);
}

/* Not mapped here: the DNS, if a zone is configured for the scheme. */
static void
gw_resolve_dns(struct gwreq *gr)
{
        const struct config *cfg = gr->rw->cfg;
        const char *zone =
            gr->id.scheme == HETID_OID ? cfg->oid_zone : cfg->gs1_zone;
        struct gw_entry *e;

        if (!zone[0] || !gr->rw->dns) {
                gw_fail(gr, 404,
                        "not mapped here, and no DNS zone is configured for "
                        "this scheme");
                return;
        }
        if (hetid_dns_name(&gr->id, zone, gr->first, sizeof(gr->first)) == 0 ||
            hetid_aus(&gr->id, gr->aus, sizeof(gr->aus)) == 0) {
                gw_fail(gr, 400, "identifier too long for a DNS name");
                return;
        }
        if ((e = gw_cache_get(gr))) {
                gr->cached = 1;
                gw_send_dns(gr, e->status, e->answer, 1,
                            (unsigned)((e->expires_ms - clock_ms()) / 1000));
                return;
        }
        gr->ttl = ~0u;
        if (gw_lookup(gr, gr->first) < 0)
                gw_fail(gr, 503, "cannot start a DNS lookup");
}

/* GS1 company prefixes are 6 to 12 digits after the indicator digit. */
#define GW_GCP_MIN 6
#define GW_GCP_MAX 12
#define GW_GCP_N   (GW_GCP_MAX - GW_GCP_MIN + 1)

/* HMGET idmap:gcp <the GTIN's 7 candidate company prefixes>. */
static void
gw_gcp_mapped(void *arg, struct redisReply *r, enum rpool_status st)
{
        struct gwreq *gr = arg;
        char handle[HETID_ID_MAX + 64];
        const struct redisReply *e;
        const char *sp;
        size_t i, plen;

        if (st != RPOOL_OK || !r || r->type != REDIS_REPLY_ARRAY ||
            r->elements != GW_GCP_N) {
                gw_fail(gr, 503, "store unavailable, retry later");
                return;
        }
        for (i = GW_GCP_N; i-- > 0;) { /* the longest prefix wins */
                e = r->element[i];
                if (e->type != REDIS_REPLY_STRING ||
                    !(sp = memchr(e->str, ' ', e->len)))
                        continue;
                plen = (size_t)(sp - e->str);
                if (plen + 1 + 14 >= sizeof(handle))
                        continue;
                snprintf(handle, sizeof(handle), "%.*s/%s", (int)plen, e->str,
                         gr->id.id);
                gw_send(gr, 200,
                        json_pack("{s:s,s:s,s:s%,s:n,s:[]}", "source",
                                  "company-prefix", "handle", handle, "gcp",
                                  gr->id.id + 1, (size_t)(GW_GCP_MIN + i),
                                  "dnsName", "services"));
                return;
        }
        gw_resolve_dns(gr);
}

static int
gw_ask_gcp(struct gwreq *gr)
{
        const char *argv[2 + GW_GCP_N];
        size_t lens[2 + GW_GCP_N], i;

        argv[0] = "HMGET";
        lens[0] = 5;
        argv[1] = KEYS_IDMAP_GCP;
        lens[1] = strlen(KEYS_IDMAP_GCP);
        for (i = 0; i < GW_GCP_N; i++) {
                argv[2 + i] = gr->id.id + 1;
                lens[2 + i] = GW_GCP_MIN + i;
        }
        return rpool_command(gr->rw->redis, gw_gcp_mapped, gr, 2 + GW_GCP_N,
                             argv, lens);
}

static void
gw_mapped(void *arg, struct redisReply *r, enum rpool_status st)
{
        struct gwreq *gr = arg;

        if (st != RPOOL_OK || !r || r->type == REDIS_REPLY_ERROR) {
                gw_fail(gr, 503, "store unavailable, retry later");
                return;
        }
        if (r->type == REDIS_REPLY_STRING) {
                gw_send(gr, 200,
                        json_pack("{s:s,s:s%,s:n,s:[]}", "source", "mapping",
                                  "handle", r->str, (size_t)r->len, "dnsName",
                                  "services"));
                return;
        }
        if (gr->id.scheme == HETID_GS1) {
                if (gw_ask_gcp(gr) < 0)
                        gw_fail(gr, 503, "store unavailable, retry later");
                return;
        }
        gw_resolve_dns(gr);
}

static int
gw_query_param(void *arg, const char *key, const char *value)
{
        struct gwreq *gr = arg;

        if (strcmp(key, "pretty") == 0)
                gr->pretty = httpd_flag(value);
        return 0;
}

void
gateway_resolve(void *ctx, struct evhttp_request *req, const char *rest)
{
        struct rworker *rw = ctx;
        const char *query =
            evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
        struct gwreq *gr = calloc(1, sizeof(*gr));
        const char *why = NULL, *argv[3];
        size_t len = 0, lens[3];
        char key[GW_KEY_MAX];
        char *id = NULL;

        rw->st.http_requests++;
        if (!gr || !(gr->queried = json_array())) {
                free(gr);
                httpd_error(req, 503, "out of memory");
                return;
        }
        gr->rw = rw;
        gr->req = req;
        if (httpd_query_each(query, gw_query_param, gr) != 0) {
                httpd_error(req, 400, "malformed query string");
                goto fail;
        }
        id = evhttp_uridecode(rest, 0, &len);
        if (!id || len > HETID_TEXT_MAX || memchr(id, '\0', len)) {
                httpd_error(req, 400, "malformed or too long identifier");
                goto fail;
        }
        if (hetid_parse(id, len, &gr->id, &why) < 0) {
                httpd_error(req, 400, why);
                goto fail;
        }
        memcpy(gr->given, id, len);
        free(id);
        argv[0] = "HGET";
        argv[1] = key;
        argv[2] = "handle";
        lens[0] = 4;
        lens[1] = keys_idmap(key, sizeof(key), hetid_scheme_name(gr->id.scheme),
                             gr->id.id);
        lens[2] = 6;
        if (rpool_command(rw->redis, gw_mapped, gr, 3, argv, lens) < 0) {
                rw->st.busy++;
                gw_fail(gr, 503, "store unavailable, retry later");
        }
        return;
fail:
        free(id);
        gw_free(gr);
}
