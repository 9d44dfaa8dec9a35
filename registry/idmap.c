#include "registry/idmap.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>
#include <jansson.h>

#include "core/config.h"
#include "core/hetid.h"
#include "core/hname.h"
#include "core/httpd.h"
#include "registry/api.h"
#include "registry/grant.h"
#include "registry/keys.h"
#include "registry/pfx.h"
#include "registry/snms.h"

#define IDMAP_KEY_MAX (HETID_ID_MAX + 16)

/* ------------------------------------------ GS1 company prefixes */

#define IDMAP_GCP_MIN 6
#define IDMAP_GCP_MAX 12

/* "gcp:DIGITS" in the path: 1 with digits copied, 0 if not such a path. */
static int
idmap_gcp_arg(struct api_call *c, char *gcp)
{
        size_t len, i;
        const char *arg = api_arg(c, &len);

        if (!arg || len < 4 || memcmp(arg, "gcp:", 4) != 0)
                return 0;
        arg += 4;
        len -= 4;
        for (i = 0; i < len && arg[i] >= '0' && arg[i] <= '9'; i++)
                ;
        if (i != len || len < IDMAP_GCP_MIN || len > IDMAP_GCP_MAX) {
                api_fail(c, 400, -2, "a GS1 company prefix has 6 to 12 digits");
                return -1;
        }
        memcpy(gcp, arg, len);
        gcp[len] = '\0';
        return 1;
}

/* The stored "PREFIX USCC" split; 1 found, 0 none, -1 answered. */
static int
idmap_gcp_load(struct api_call *c, const char *gcp, char prefix[PFX_MAX + 1],
               char ent[19])
{
        redisReply *r = api_cmd(c, "HGET %s %s", KEYS_IDMAP_GCP, gcp);
        const char *sp;
        int found = 0;

        if (!r)
                return -1;
        if (r->type == REDIS_REPLY_STRING &&
            (sp = memchr(r->str, ' ', r->len)) &&
            (size_t)(sp - r->str) <= PFX_MAX &&
            r->len - (size_t)(sp - r->str) - 1 < 19) {
                memcpy(prefix, r->str, (size_t)(sp - r->str));
                prefix[sp - r->str] = '\0';
                snprintf(ent, 19, "%s", sp + 1);
                found = 1;
        }
        freeReplyObject(r);
        return found;
}

static void
idmap_gcp_get(struct api_call *c, const char *gcp)
{
        char prefix[PFX_MAX + 1], ent[19];
        int found = idmap_gcp_load(c, gcp, prefix, ent);

        if (found == 0)
                api_fail(c, 404, -2, "company prefix %s is not mapped here",
                         gcp);
        else if (found > 0)
                api_ok(c, json_pack("{s:s,s:s}", "gcp", gcp, "prefix", prefix));
}

static void
idmap_gcp_set(struct api_call *c, const char *gcp)
{
        const char *p =
            json_string_value(json_object_get(api_body(c), "prefix"));
        char prefix[PFX_MAX + 1], held[PFX_MAX + 1], ent[19], val[PFX_MAX + 20];
        struct pfx_info pfx;
        redisReply *r;
        int found;

        if (!p || pfx_normalise(p, strlen(p), prefix) < 0) {
                api_fail(c, 400, -2, "prefix: expected one of our prefixes");
                return;
        }
        if (!api_redis(c))
                return;
        if ((found = pfx_get(api_redis(c), prefix, &pfx)) <= 0) {
                if (found < 0)
                        api_fail(c, 503, -1, "store unavailable, retry later");
                else
                        api_fail(c, 404, -2, "prefix %s is not registered here",
                                 prefix);
                return;
        }
        if (!grant_is_owner(c, pfx.ent)) {
                snms_refuse(c, "idmap.set", gcp, 403, -3,
                            "%s belongs to another enterprise", prefix);
                return;
        }
        snprintf(val, sizeof(val), "%s %s", prefix, pfx.ent);
        /* Claimed atomically: of two enterprises racing, one wins. */
        if (!(r = api_cmd(c, "HSETNX %s %s %s", KEYS_IDMAP_GCP, gcp, val)))
                return;
        freeReplyObject(r);
        if ((found = idmap_gcp_load(c, gcp, held, ent)) < 0)
                return;
        if (found == 0 || strcmp(ent, pfx.ent) != 0) {
                snms_refuse(c, "idmap.set", gcp, 403, -3,
                            "company prefix %s is mapped by another "
                            "enterprise",
                            gcp);
                return;
        }
        if (!(r = api_cmd(c, "HSET %s %s %s", KEYS_IDMAP_GCP, gcp, val)))
                return;
        freeReplyObject(r);
        api_audit(c, "idmap.set", gcp, "ok");
        api_ok(c, json_pack("{s:s,s:s}", "gcp", gcp, "prefix", prefix));
}

static void
idmap_gcp_delete(struct api_call *c, const char *gcp)
{
        char prefix[PFX_MAX + 1], ent[19];
        int found = idmap_gcp_load(c, gcp, prefix, ent);
        redisReply *r;

        if (found < 0)
                return;
        if (found == 0) {
                api_fail(c, 404, -2, "company prefix %s is not mapped here",
                         gcp);
                return;
        }
        if (!grant_is_owner(c, ent)) {
                snms_refuse(c, "idmap.delete", gcp, 403, -3,
                            "company prefix %s is mapped by another "
                            "enterprise",
                            gcp);
                return;
        }
        if (!(r = api_cmd(c, "HDEL %s %s", KEYS_IDMAP_GCP, gcp)))
                return;
        freeReplyObject(r);
        api_audit(c, "idmap.delete", gcp, "ok");
        api_ok(c, NULL);
}

/* -------------------------------------------- single identifiers */

/* The identifier in the path; 0, or -1 with the call answered (400). */
static int
idmap_subject(struct api_call *c, struct hetid *id, char key[IDMAP_KEY_MAX])
{
        size_t len;
        const char *arg = api_arg(c, &len), *why = NULL;

        if (!arg || hetid_parse(arg, len, id, &why) < 0) {
                api_fail(c, 400, -2, "bad identifier in the path: %s",
                         why ? why : "missing");
                return -1;
        }
        keys_idmap(key, IDMAP_KEY_MAX, hetid_scheme_name(id->scheme), id->id);
        return 0;
}

/* The stored mapping (hash fields), NULL if none or the store failed. */
static json_t *
idmap_load(struct api_call *c, const char *key)
{
        json_t *h = snms_hash(c, key);

        if (h && json_object_size(h) == 0) {
                json_decref(h);
                h = NULL;
        }
        return h;
}

static json_t *
idmap_view(const struct hetid *id, const char *handle)
{
        return json_pack("{s:s,s:s,s:s}", "id", id->id, "scheme",
                         hetid_scheme_name(id->scheme), "handle", handle);
}

/* Routes whose path names a company prefix ("gcp:DIGITS"): 1 handled. */
static int
idmap_gcp(struct api_call *c, void (*fn)(struct api_call *, const char *))
{
        char gcp[16];
        int k = idmap_gcp_arg(c, gcp);

        if (k > 0)
                fn(c, gcp);
        return k != 0;
}

static void
idmap_get(struct api_call *c)
{
        char key[IDMAP_KEY_MAX];
        struct hetid id;
        json_t *m;

        if (idmap_gcp(c, idmap_gcp_get) || idmap_subject(c, &id, key) < 0)
                return;
        if (!(m = idmap_load(c, key))) {
                if (!api_answered(c))
                        api_fail(c, 404, -2, "%s %s is not mapped here",
                                 hetid_scheme_name(id.scheme), id.id);
                return;
        }
        api_ok(c, idmap_view(&id, snms_field(m, "handle")));
        json_decref(m);
}

/*
 * The caller may change the mapping of `key`: nobody holds it, or the
 * caller's enterprise does.  0, or -1 answered.
 */
static int
idmap_may_change(struct api_call *c, const char *action, const char *key,
                 const struct hetid *id, int must_exist)
{
        json_t *m = idmap_load(c, key);
        int rc = 0;

        if (api_answered(c))
                rc = -1;
        else if (!m && must_exist) {
                api_fail(c, 404, -2, "%s is not mapped here", id->id);
                rc = -1;
        } else if (m && !grant_is_owner(c, snms_field(m, "ent"))) {
                snms_refuse(c, action, id->id, 403, -3,
                            "%s is mapped by another enterprise", id->id);
                rc = -1;
        }
        json_decref(m);
        return rc;
}

static void
idmap_set(struct api_call *c)
{
        const char *h = json_string_value(
                       json_object_get(api_body(c), "handle")),
                   *why = NULL;
        char key[IDMAP_KEY_MAX], name[HNAME_MAX + 1], prefix[PFX_MAX + 1],
            now[24];
        struct pfx_info pfx;
        struct hetid id;
        size_t len = 0, plen;
        redisReply *r;
        int found;

        if (idmap_gcp(c, idmap_gcp_set) || idmap_subject(c, &id, key) < 0)
                return;
        if (!h || hname_check((const uint8_t *)h, strlen(h),
                              (size_t)api_config(c)->max_handle_bytes, name,
                              sizeof(name), &len, &why) != HNAME_OK) {
                api_fail(c, 400, -2, "handle: %s",
                         why ? why : "expected a string prefix/suffix");
                return;
        }
        plen = hname_prefix_len(name, len);
        if (plen > PFX_MAX || pfx_normalise(name, plen, prefix) < 0) {
                api_fail(c, 400, -2, "handle: bad prefix");
                return;
        }
        if (!api_redis(c))
                return;
        if ((found = pfx_get(api_redis(c), prefix, &pfx)) < 0) {
                api_fail(c, 503, -1, "store unavailable, retry later");
                return;
        }
        if (!found) {
                api_fail(c, 404, -2, "prefix %s is not registered here",
                         prefix);
                return;
        }
        if (!grant_is_owner(c, pfx.ent)) {
                snms_refuse(c, "idmap.set", id.id, 403, -3,
                            "%s belongs to another enterprise", name);
                return;
        }
        /* Claimed atomically: of two enterprises racing, one wins. */
        if (!(r = api_cmd(c, "HSETNX %s ent %s", key, pfx.ent)))
                return;
        freeReplyObject(r);
        if (idmap_may_change(c, "idmap.set", key, &id, 1) < 0)
                return;
        snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
        if (!(r = api_cmd(c, "HSET %s handle %s c %s", key, name, now)))
                return;
        freeReplyObject(r);
        api_audit(c, "idmap.set", id.id, "ok");
        api_ok(c, idmap_view(&id, name));
}

static void
idmap_delete(struct api_call *c)
{
        char key[IDMAP_KEY_MAX];
        struct hetid id;
        redisReply *r;

        if (idmap_gcp(c, idmap_gcp_delete) || idmap_subject(c, &id, key) < 0 ||
            idmap_may_change(c, "idmap.delete", key, &id, 1) < 0)
                return;
        if (!(r = api_cmd(c, "DEL %s", key)))
                return;
        freeReplyObject(r);
        api_audit(c, "idmap.delete", id.id, "ok");
        api_ok(c, NULL);
}

static const struct api_route routes[] = {
    {"/api/idmap/", HTTPD_GET, API_PUBLIC, API_NO_BODY, idmap_get},
    {"/api/idmap/", HTTPD_PUT, API_WRITERS, API_OBJECT, idmap_set},
    {"/api/idmap/", HTTPD_DELETE, API_WRITERS, API_NO_BODY, idmap_delete},
};

const struct api_route *
idmap_routes(size_t *n)
{
        *n = sizeof(routes) / sizeof(routes[0]);
        return routes;
}
