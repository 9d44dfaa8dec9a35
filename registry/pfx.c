#include "registry/pfx.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <jansson.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "core/rpool.h"
#include "core/site.h"
#include "core/httpd.h"
#include "registry/api.h"
#include "registry/cas.h"
#include "registry/ent.h"
#include "registry/keys.h"
#include "registry/snms.h"

/* Field names of the PFX_REF_* values, in that order. */
static const char *const ref_fields[PFX_REF_NFIELDS] = {
    "state", "proxy", "ipType", "ip", "tcpPort", "udpPort", "httpPort", "u"};

int
pfx_normalise(const char *in, size_t len, char out[PFX_MAX + 1])
{
        size_t i, part = 0;

        if (len == 0 || len > PFX_MAX)
                return -1;
        for (i = 0; i < len; i++) {
                char ch = in[i];

                if (ch == '.') {
                        if (part == 0)
                                return -1;
                        part = 0;
                } else if ((ch >= '0' && ch <= '9') ||
                           (ch >= 'A' && ch <= 'Z')) {
                        part++;
                } else if (ch >= 'a' && ch <= 'z') {
                        ch = (char)(ch - 'a' + 'A');
                        part++;
                } else {
                        return -1;
                }
                out[i] = ch;
        }
        out[len] = '\0';
        return part > 0 ? 0 : -1;
}

int
pfx_get(redisContext *rc, const char *prefix, struct pfx_info *out)
{
        char key[PFX_MAX + 16];
        redisReply *r;
        int found = 0;

        memset(out, 0, sizeof(*out));
        snprintf(out->prefix, sizeof(out->prefix), "%s", prefix);
        keys_prefix(key, sizeof(key), prefix);
        r = redisCommand(rc, "HMGET %s ent state proxy", key);
        if (!r)
                return -1;
        if (r->type != REDIS_REPLY_ARRAY || r->elements != 3) {
                freeReplyObject(r);
                return -1;
        }
        if (r->element[0]->type == REDIS_REPLY_STRING) {
                snprintf(out->ent, sizeof(out->ent), "%s", r->element[0]->str);
                if (r->element[1]->type == REDIS_REPLY_STRING)
                        out->state = atoi(r->element[1]->str);
                if (r->element[2]->type == REDIS_REPLY_STRING)
                        out->proxy = atoi(r->element[2]->str);
                found = 1;
        }
        freeReplyObject(r);
        return found;
}

int
pfx_check_hosted(const struct pfx_info *p, char *err, size_t errlen)
{
        if (p->state != PFX_ENABLED)
                snprintf(err, errlen, "prefix %s is not enabled (state %d)",
                         p->prefix, p->state);
        else if (p->proxy != PFX_HOSTED)
                snprintf(err, errlen,
                         "prefix %s is not hosted on this node "
                         "(proxyState %d)",
                         p->prefix, p->proxy);
        else
                return 0;
        return -1;
}

/* -------------------------------------------------- client input */

/* A port member: "" when absent, null or "".  0, or -1 with err. */
static int
pfx_port(const json_t *cfg, const char *key, char out[6], char *err,
         size_t errlen)
{
        const json_t *v = json_object_get(cfg, key);
        long long n = 0;
        const char *s;
        size_t i;

        out[0] = '\0';
        if (!v || json_is_null(v))
                return 0;
        if (json_is_integer(v)) {
                n = json_integer_value(v);
        } else if (json_is_string(v)) {
                s = json_string_value(v);
                if (!s[0])
                        return 0;
                for (i = 0; s[i]; i++) {
                        if (s[i] < '0' || s[i] > '9' || i >= 5)
                                goto fail;
                        n = n * 10 + (s[i] - '0');
                }
        } else {
                goto fail;
        }
        if (n < 1 || n > 65535)
                goto fail;
        snprintf(out, 6, "%lld", n);
        return 0;
fail:
        snprintf(err, errlen, "%s must be a port number from 1 to 65535", key);
        return -1;
}

/* The address family ipType names (a string or a number), or -1. */
static int
pfx_family(const json_t *type)
{
        const char *t = json_string_value(type);
        long long n = json_is_integer(type) ? json_integer_value(type) : 0;

        if ((t && strcmp(t, "4") == 0) || n == 4)
                return AF_INET;
        if ((t && strcmp(t, "6") == 0) || n == 6)
                return AF_INET6;
        return -1;
}

int
pfx_site_parse(const json_t *cfg, struct pfx_site *out, char *err,
               size_t errlen)
{
        static const unsigned char zero[sizeof(struct in6_addr)];
        const char *hdl = json_string_value(json_object_get(cfg, "hdlType"));
        const json_t *ip = json_object_get(cfg, "ip");
        int family = pfx_family(json_object_get(cfg, "ipType"));
        unsigned char addr[sizeof(struct in6_addr)];
        size_t alen = family == AF_INET ? sizeof(struct in_addr)
                                        : sizeof(struct in6_addr);
        const char *why;

        memset(out, 0, sizeof(*out));
        if (!hdl || strcmp(hdl, "HS_SITE") != 0) {
                why = "hdlType must be HS_SITE";
                goto fail;
        }
        if (family < 0) {
                why = "ipType must be \"4\" or \"6\"";
                goto fail;
        }
        if (!json_is_string(ip) ||
            strlen(json_string_value(ip)) != json_string_length(ip) ||
            inet_pton(family, json_string_value(ip), addr) != 1) {
                why = family == AF_INET ? "ip must be an IPv4 address"
                                        : "ip must be an IPv6 address";
                goto fail;
        }
        if (memcmp(addr, zero, alen) == 0) {
                why = "ip must not be the unspecified address";
                goto fail;
        }
        inet_ntop(family, addr, out->ip, sizeof(out->ip));
        out->ipType[0] = family == AF_INET ? '4' : '6';
        if (pfx_port(cfg, "tcpPort", out->tcpPort, err, errlen) < 0 ||
            pfx_port(cfg, "udpPort", out->udpPort, err, errlen) < 0 ||
            pfx_port(cfg, "httpPort", out->httpPort, err, errlen) < 0)
                return -1;
        if (!out->tcpPort[0] && !out->udpPort[0] && !out->httpPort[0]) {
                why = "give at least one of tcpPort, udpPort and httpPort";
                goto fail;
        }
        return 0;
fail:
        snprintf(err, errlen, "%s", why);
        return -1;
}

/* ---------------------------------------------------------- routes */

/* A prefix parameter or member, normalised.  0, or -1 (call answered). */
static int
pfx_param(struct api_call *c, const char *s, const char *name,
          char out[PFX_MAX + 1])
{
        if (!s || !s[0]) {
                api_fail(c, 400, -2, "%s is required", name);
                return -1;
        }
        if (pfx_normalise(s, strlen(s), out) < 0) {
                api_fail(c, 400, -2,
                         "%s must be dot-separated letters and digits, at "
                         "most %d characters",
                         name, PFX_MAX);
                return -1;
        }
        return 0;
}

static void
pfx_query(struct api_call *c)
{
        static const char *const site[] = {"ipType", "ip", "tcpPort", "udpPort",
                                           "httpPort"};
        const struct api_who *who = api_who(c);
        const char *ghr = api_config(c)->ghr_name;
        char prefix[PFX_MAX + 1], key[PFX_MAX + 16];
        json_t *rec, *ent = NULL, *out;
        size_t i;

        if (pfx_param(c, api_query(c, "prefix"), "prefix", prefix) < 0)
                return;
        keys_prefix(key, sizeof(key), prefix);
        if (!(rec = snms_hash(c, key)))
                return;
        if (!snms_field(rec, "ent")[0]) {
                api_fail(c, 404, -2, "no such prefix");
                goto done;
        }
        if (who->ent[0] && strcmp(snms_field(rec, "ent"), who->ent) != 0) {
                api_fail(c, 403, -3, "prefix %s belongs to another enterprise",
                         prefix);
                goto done;
        }
        if (!(ent = ent_load(c, snms_field(rec, "ent"))))
                goto done;
        out = json_pack("{s:s,s:o,s:o,s:i,s:o,s:o,s:o,s:o,s:o,s:i}", "prefix",
                        prefix, "createDate", snms_field_date(rec, "c"),
                        "ghrName", ghr[0] ? json_string(ghr) : json_null(),
                        "status", atoi(snms_field(rec, "state")), "entNameCn",
                        snms_field_str(ent, "entNameCn"), "entWebSite",
                        snms_field_str(ent, "entWebSite"), "entIndustry",
                        snms_field_str(ent, "entIndustry"), "entAddrCn",
                        snms_field_str(ent, "entAddrCn"), "entDesc",
                        snms_field_str(ent, "entDesc"), "proxyState",
                        atoi(snms_field(rec, "proxy")));
        for (i = 0; out && i < sizeof(site) / sizeof(site[0]); i++)
                if (snms_field(rec, site[i])[0])
                        json_object_set_new(out, site[i],
                                            snms_field_str(rec, site[i]));
        api_ok(c, out);
done:
        json_decref(ent);
        json_decref(rec);
}

/* The page being built and its filters. */
struct pfx_pager {
        struct snms_page page;
        const char *own;          /* an enterprise sees only its own */
        const char *name;         /* entName contains this; NULL: any */
        char prefix[PFX_MAX + 1]; /* entPrefix contains this; "": any */
};

static const char *const pfx_page_fields[] = {"id",    "ent", "state",
                                              "proxy", "c",   "u"};

#define NPAGEFIELDS (sizeof(pfx_page_fields) / sizeof(pfx_page_fields[0]))

/* One chunk of the index: its records, then their owners' names. */
static int
pfx_page_chunk(struct api_call *c, redisReply *members, void *ctx)
{
        struct pfx_pager *pg = ctx;
        redisContext *rc = api_redis(c);
        json_t *recs = json_array(), *rec;
        char key[PFX_MAX + 16];
        size_t i, n = members->elements;
        redisReply *r;
        int rcode = -1;

        if (!rc || !recs)
                goto done;
        for (i = 0; i < n; i++) {
                keys_prefix(key, sizeof(key), members->element[i]->str);
                snms_hmget_append(rc, key, pfx_page_fields, NPAGEFIELDS);
        }
        for (i = 0; i < n; i++) {
                if (!(r = api_reply(c)))
                        goto done;
                rec = snms_hmget_record(r, pfx_page_fields, NPAGEFIELDS);
                freeReplyObject(r);
                json_array_append_new(recs, rec ? rec : json_object());
        }
        for (i = 0; i < n; i++) {
                char ekey[64];

                keys_enterprise(ekey, sizeof(ekey),
                                snms_field(json_array_get(recs, i), "ent"));
                redisAppendCommand(rc, "HGET %s entNameCn", ekey);
        }
        for (i = 0; i < n; i++) {
                const char *p = members->element[i]->str, *name;

                if (!(r = api_reply(c)))
                        goto done;
                rec = json_array_get(recs, i);
                name = r->type == REDIS_REPLY_STRING ? r->str : "";
                if (snms_field(rec, "ent")[0] &&
                    (!pg->own ||
                     strcmp(snms_field(rec, "ent"), pg->own) == 0) &&
                    (!pg->name || strstr(name, pg->name)) &&
                    strstr(p, pg->prefix))
                        snms_page_add(
                            &pg->page,
                            json_pack(
                                "{s:I,s:o,s:o,s:s,s:s,s:i,s:s,s:i}", "id",
                                atoll(snms_field(rec, "id")), "createDate",
                                snms_field_date(rec, "c"), "updateDate",
                                snms_field_date(rec, "u"), "entPrefix", p,
                                "entId", snms_field(rec, "ent"), "state",
                                atoi(snms_field(rec, "state")), "entName", name,
                                "proxyState", atoi(snms_field(rec, "proxy"))));
                freeReplyObject(r);
        }
        rcode = 0;
done:
        json_decref(recs);
        return rcode;
}

/* A date parameter; absent or "" leaves *out.  0, or -1 (answered). */
static int
pfx_date_param(struct api_call *c, const char *name, int end, long long *out)
{
        const char *s = api_query(c, name);

        if (!s || !s[0] || snms_parse_date(s, end, out) == 0)
                return 0;
        api_fail(c, 400, -2,
                 "%s must be a date, yyyy-MM-dd HH:mm:ss or yyyy-MM-dd", name);
        return -1;
}

static void
pfx_page(struct api_call *c)
{
        const struct api_who *who = api_who(c);
        const char *name = api_query(c, "entName");
        const char *prefix = api_query(c, "entPrefix");
        struct pfx_pager pg = {.own = who->ent[0] ? who->ent : NULL,
                               .name = name && name[0] ? name : NULL};
        long long start = 0, end = (long long)1 << 52;
        size_t i, len = prefix ? strlen(prefix) : 0;

        if (len > PFX_MAX) {
                api_fail(c, 400, -2, "entPrefix is longer than %d characters",
                         PFX_MAX);
                return;
        }
        /* Stored prefixes are upper case: match the filter likewise. */
        for (i = 0; i < len; i++)
                pg.prefix[i] =
                    (char)(prefix[i] >= 'a' && prefix[i] <= 'z' ? prefix[i] - 32
                                                                : prefix[i]);
        pg.prefix[len] = '\0';
        if (pfx_date_param(c, "startDate", 0, &start) < 0 ||
            pfx_date_param(c, "endDate", 1, &end) < 0 ||
            snms_page_start(c, &pg.page) < 0)
                return;
        if (snms_scan(c, KEYS_PREFIXES, start, end, pfx_page_chunk, &pg) == 0)
                snms_page_answer(c, &pg.page);
        snms_page_drop(&pg.page);
}

/* A hosted prefix's proxyServerId: a number, or a string of digits. */
static int
pfx_server_id(const json_t *v)
{
        const char *s = json_string_value(v);
        size_t i;

        if (json_is_integer(v))
                return json_integer_value(v) >= 0;
        if (!s || !s[0] || strlen(s) > 20)
                return 0;
        for (i = 0; s[i]; i++)
                if (s[i] < '0' || s[i] > '9')
                        return 0;
        return 1;
}

static void
pfx_config(struct api_call *c)
{
        const json_t *body = api_body(c);
        const json_t *cfg = json_object_get(body, "entPrefixConfig");
        const json_t *server = json_object_get(body, "proxyServerId");
        const struct api_who *who = api_who(c);
        char prefix[PFX_MAX + 1], key[PFX_MAX + 16], err[128], now[24];
        struct pfx_site site;
        const char *owner, *state;
        int hosted, k, rc;
        struct cas *w = NULL;
        json_t *rec = NULL;

        memset(&site, 0, sizeof(site));
        if (!json_is_object(cfg)) {
                api_fail(c, 400, -2, "entPrefixConfig must be an object");
                return;
        }
        if (pfx_param(c, json_string_value(json_object_get(cfg, "entPrefix")),
                      "entPrefixConfig.entPrefix", prefix) < 0)
                return;
        hosted = !json_object_get(cfg, "hdlType");
        if (hosted && !pfx_server_id(server)) {
                api_fail(c, 400, -2,
                         "a hosted prefix needs proxyServerId (a number); a "
                         "prefix served elsewhere needs entPrefixConfig."
                         "hdlType HS_SITE");
                return;
        }
        if (!hosted && server) {
                api_fail(c, 400, -2,
                         "give proxyServerId (hosted) or an HS_SITE (served "
                         "elsewhere), not both");
                return;
        }
        if (!hosted && pfx_site_parse(cfg, &site, err, sizeof(err)) < 0) {
                api_fail(c, 400, -2, "entPrefixConfig.%s", err);
                return;
        }
        keys_prefix(key, sizeof(key), prefix);
        if (!(rec = snms_hash(c, key)))
                return;
        owner = snms_field(rec, "ent");
        state = snms_field(rec, "state");
        if (!owner[0]) {
                api_fail(c, 404, -2, "no such prefix");
                goto done;
        }
        if (who->ent[0] && strcmp(owner, who->ent) != 0) {
                snms_refuse(c, "pfx.config", prefix, 403, -3,
                            "prefix %s belongs to another enterprise", prefix);
                goto done;
        }
        if (strcmp(state, "1") != 0) {
                snms_refuse(c, "pfx.config", prefix, 409, -2,
                            "prefix %s is not enabled (state %s)", prefix,
                            state);
                goto done;
        }
        if (!(w = cas_new())) {
                api_fail(c, 500, -4, "out of memory");
                goto done;
        }
        k = cas_key(w, key);
        cas_expect(w, k, "ent", owner);
        cas_expect(w, k, "state", state);
        snprintf(now, sizeof(now), "%u", clock_unix());
        cas_set(w, k, "proxy", hosted ? "4" : "1");
        cas_set(w, k, "ipType", site.ipType);
        cas_set(w, k, "ip", site.ip);
        cas_set(w, k, "tcpPort", site.tcpPort);
        cas_set(w, k, "udpPort", site.udpPort);
        cas_set(w, k, "httpPort", site.httpPort);
        cas_set(w, k, "u", now);
        rc = cas_run(w, c);
        if (rc == 0) {
                api_audit(c, "pfx.config", prefix, hosted ? "ok hosted" : "ok");
                api_ok(c, json_true());
        } else if (rc > 0) {
                snms_refuse(c, "pfx.config", prefix, 409, -2,
                            "prefix %s changed meanwhile; retry", prefix);
        }
done:
        cas_free(w);
        json_decref(rec);
}

static const struct api_route routes[] = {
    {"/snms/api/prefix/query", HTTPD_GET, API_USERS, API_NO_BODY, pfx_query},
    {"/snms/api/prefix/page", HTTPD_GET, API_USERS, API_NO_BODY, pfx_page},
    {"/snms/api/ent/config", HTTPD_POST, API_OPERATOR | API_ENTERPRISE,
     API_OBJECT, pfx_config},
};

const struct api_route *
pfx_routes(size_t *n)
{
        *n = sizeof(routes) / sizeof(routes[0]);
        return routes;
}

/*
 * A decimal number of at most `digits` digits and at most `max`, or -1.
 * Strict: no sign, no space, no empty string.
 */
static int64_t
pfx_number(struct span v, uint32_t digits, int64_t max)
{
        int64_t n = 0;
        uint32_t i;

        if (!v.p || v.len == 0 || v.len > digits)
                return -1;
        for (i = 0; i < v.len; i++) {
                if (v.p[i] < '0' || v.p[i] > '9')
                        return -1;
                n = n * 10 + (v.p[i] - '0');
        }
        return n <= max ? n : -1;
}

/* Adds an interface for a port field; 0, or -1 if it is malformed. */
static int
pfx_ref_iface(struct site *s, struct span v, uint8_t type, uint8_t proto)
{
        int64_t port;

        if (!v.p || v.len == 0)
                return 0; /* not offered */
        port = pfx_number(v, 5, 65535);
        if (port < 1)
                return -1;
        s->iface[s->niface++] =
            (struct site_iface){type, proto, (uint32_t)port};
        return 0;
}

int
pfx_ref_parse(const struct span v[PFX_REF_NFIELDS], struct site *s,
              uint32_t *updated)
{
        char ip[SITE_ADDR_TEXT];
        int64_t ts;
        int v4;

        memset(s, 0, sizeof(*s));
        *updated = 0;
        if (pfx_number(v[PFX_REF_STATE], 1, 9) != PFX_ENABLED ||
            pfx_number(v[PFX_REF_PROXY], 1, 9) != PFX_NOT_HOSTED)
                return 0;
        if (pfx_number(v[PFX_REF_IPTYPE], 1, 9) == 4)
                v4 = 1;
        else if (pfx_number(v[PFX_REF_IPTYPE], 1, 9) == 6)
                v4 = 0;
        else
                return -1;
        if (!v[PFX_REF_IP].p || v[PFX_REF_IP].len == 0 ||
            v[PFX_REF_IP].len >= sizeof(ip) ||
            memchr(v[PFX_REF_IP].p, '\0', v[PFX_REF_IP].len))
                return -1;
        memcpy(ip, v[PFX_REF_IP].p, v[PFX_REF_IP].len);
        ip[v[PFX_REF_IP].len] = '\0';
        /* The text must be of the family ipType names. */
        if ((strchr(ip, ':') != NULL) == v4 || site_set_address(s, ip) < 0)
                return -1;
        s->proto_major = 2;
        s->proto_minor = 10;
        s->serial = 1;
        s->primary_mask = SITE_PRIMARY;
        s->hash_option = 2; /* by whole handle, CNRI's default */
        s->server_id = 1;
        if (pfx_ref_iface(s, v[PFX_REF_TCP], SITE_IF_ADMIN | SITE_IF_QUERY,
                          SITE_PROTO_TCP) < 0 ||
            pfx_ref_iface(s, v[PFX_REF_UDP], SITE_IF_QUERY, SITE_PROTO_UDP) <
                0 ||
            pfx_ref_iface(s, v[PFX_REF_HTTP], SITE_IF_ADMIN | SITE_IF_QUERY,
                          SITE_PROTO_HTTP) < 0 ||
            s->niface == 0)
                return -1;
        ts = pfx_number(v[PFX_REF_UPDATED], 10, UINT32_MAX);
        *updated = ts > 0 ? (uint32_t)ts : 0;
        return 1;
}

int
pfx_where_append(redisContext *rc, const char *prefix)
{
        char key[PFX_MAX + 16];
        const char *argv[3 + PFX_REF_NFIELDS] = {"HMGET", key, PFX_FIELD_OWNER};
        size_t argvlen[3 + PFX_REF_NFIELDS] = {5, 0, 3};
        size_t i;

        argvlen[1] = keys_prefix(key, sizeof(key), prefix);
        for (i = 0; i < PFX_REF_NFIELDS; i++) {
                argv[3 + i] = ref_fields[i];
                argvlen[3 + i] = strlen(ref_fields[i]);
        }
        return redisAppendCommandArgv(rc, 3 + PFX_REF_NFIELDS, argv, argvlen) ==
                       REDIS_OK
                   ? 0
                   : -1;
}

enum pfx_where
pfx_where_reply(const redisReply *r, char ent[19], struct site *s)
{
        struct span v[PFX_REF_NFIELDS];
        uint32_t updated;
        size_t i;

        ent[0] = '\0';
        if (r->type != REDIS_REPLY_ARRAY ||
            r->elements != 1 + PFX_REF_NFIELDS ||
            r->element[0]->type != REDIS_REPLY_STRING)
                return PFX_WHERE_UNREGISTERED;
        snprintf(ent, 19, "%s", r->element[0]->str);
        for (i = 0; i < PFX_REF_NFIELDS; i++) {
                const redisReply *e = r->element[1 + i];
                int str = e->type == REDIS_REPLY_STRING;

                v[i].p = str ? (const uint8_t *)e->str : NULL;
                v[i].len = str ? (uint32_t)e->len : 0;
        }
        switch (pfx_ref_parse(v, s, &updated)) {
        case 1:
                return PFX_WHERE_SITE;
        case 0:
                return PFX_WHERE_HERE;
        default:
                return PFX_WHERE_UNUSABLE;
        }
}

static void
pfx_fetch_reply(void *arg, struct redisReply *r, enum rpool_status st)
{
        struct pfx_fetch *f = arg;
        struct span v[PFX_REF_NFIELDS];
        struct site s;
        uint32_t updated;
        size_t i;
        int rc;

        if (st != RPOOL_OK) {
                f->cb(f, STORE_BUSY, NULL, 0);
                return;
        }
        if (r->type != REDIS_REPLY_ARRAY || r->elements != PFX_REF_NFIELDS) {
                f->cb(f, STORE_ERROR, NULL, 0);
                return;
        }
        for (i = 0; i < PFX_REF_NFIELDS; i++) {
                const redisReply *e = r->element[i];
                int str = e->type == REDIS_REPLY_STRING;

                v[i].p = str ? (const uint8_t *)e->str : NULL;
                v[i].len = str ? (uint32_t)e->len : 0;
        }
        rc = pfx_ref_parse(v, &s, &updated);
        if (rc < 0)
                log_warn("prefix_referral_unusable",
                         "prefix=%s reason=\"ipType, ip or a port malformed, "
                         "or no port\"",
                         f->prefix);
        if (rc > 0)
                f->cb(f, STORE_OK, &s, updated);
        else
                f->cb(f, STORE_NOT_FOUND, NULL, 0);
}

int
pfx_fetch_ref(struct rpool *p, struct pfx_fetch *f, const char *prefix,
              pfx_fetch_cb cb)
{
        char key[PFX_MAX + 16];
        const char *argv[2 + PFX_REF_NFIELDS] = {"HMGET", key};
        size_t argvlen[2 + PFX_REF_NFIELDS] = {5, 0};
        size_t i;

        argvlen[1] = keys_prefix(key, sizeof(key), prefix);
        if (argvlen[1] == 0)
                return -1;
        for (i = 0; i < PFX_REF_NFIELDS; i++) {
                argv[2 + i] = ref_fields[i];
                argvlen[2 + i] = strlen(ref_fields[i]);
        }
        f->cb = cb;
        snprintf(f->prefix, sizeof(f->prefix), "%s", prefix);
        return rpool_command(p, pfx_fetch_reply, f, 2 + PFX_REF_NFIELDS, argv,
                             argvlen);
}
