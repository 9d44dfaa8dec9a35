#include "registry/quota.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "core/config.h"
#include "core/httpd.h"
#include "registry/api.h"
#include "registry/keys.h"
#include "registry/pfx.h"
#include "registry/snms.h"

/* Largest override: what a Redis integer and the config key allow. */
#define QUOTA_MAX 2000000000

/*
 * The prefix named by `s`, registered here and visible to the caller
 * (staff, or its owner).  0, or -1 with the call answered.
 */
static int
quota_prefix(struct api_call *c, const char *s, char prefix[PFX_MAX + 1])
{
        const struct api_who *who = api_who(c);
        char key[KEYS_MAX];
        json_t *rec;
        int ret = -1;

        if (!s || pfx_normalise(s, strlen(s), prefix) < 0) {
                api_fail(c, 400, -2,
                         "prefix: expected dot-separated letters "
                         "and digits");
                return -1;
        }
        keys_prefix(key, sizeof(key), prefix);
        if (!(rec = snms_hash(c, key)))
                return -1;
        if (!snms_field(rec, "ent")[0])
                api_fail(c, 404, -2, "no such prefix");
        else if (who->ent[0] && strcmp(snms_field(rec, "ent"), who->ent) != 0)
                api_fail(c, 403, -3, "prefix %s belongs to another enterprise",
                         prefix);
        else
                ret = 0;
        json_decref(rec);
        return ret;
}

static void
quota_get(struct api_call *c)
{
        char prefix[PFX_MAX + 1], key[KEYS_MAX];
        long long n = 0, max = -1;
        int def = api_config(c)->quota_per_prefix;
        redisReply *r;

        if (quota_prefix(c, api_query(c, "prefix"), prefix) < 0)
                return;
        keys_quota(key, sizeof(key), prefix);
        if (!(r = api_cmd(c, "HMGET %s " KEYS_QUOTA_COUNT " " KEYS_QUOTA_MAX,
                          key)))
                return;
        if (r->type == REDIS_REPLY_ARRAY && r->elements == 2) {
                if (r->element[0]->type == REDIS_REPLY_STRING)
                        n = atoll(r->element[0]->str);
                if (r->element[1]->type == REDIS_REPLY_STRING)
                        max = atoll(r->element[1]->str);
        }
        freeReplyObject(r);
        /* max: what applies; override: the operator's, or null. */
        api_ok(c, json_pack("{s:s,s:I,s:I,s:o,s:i}", "prefix", prefix, "count",
                            (json_int_t)n, "max",
                            (json_int_t)(max >= 0 ? max : def), "override",
                            max >= 0 ? json_integer(max) : json_null(),
                            "default", def));
}

static void
quota_set(struct api_call *c)
{
        json_t *body = api_body(c), *m = json_object_get(body, "max");
        char prefix[PFX_MAX + 1], key[KEYS_MAX], result[48];
        redisReply *r;

        if (quota_prefix(c, json_string_value(json_object_get(body, "prefix")),
                         prefix) < 0)
                return;
        if (!m || (!json_is_null(m) &&
                   (!json_is_integer(m) || json_integer_value(m) < 0 ||
                    json_integer_value(m) > QUOTA_MAX))) {
                api_fail(c, 400, -2,
                         "max: expected an integer from 0 (no quota) to %d, "
                         "or null (the default)",
                         QUOTA_MAX);
                return;
        }
        keys_quota(key, sizeof(key), prefix);
        if (json_is_null(m))
                r = api_cmd(c, "HDEL %s " KEYS_QUOTA_MAX, key);
        else
                r = api_cmd(c, "HSET %s " KEYS_QUOTA_MAX " %lld", key,
                            (long long)json_integer_value(m));
        if (!r)
                return;
        freeReplyObject(r);
        if (json_is_null(m))
                snprintf(result, sizeof(result), "ok max=default");
        else
                snprintf(result, sizeof(result), "ok max=%lld",
                         (long long)json_integer_value(m));
        api_audit(c, "pfx.quota", prefix, result);
        api_ok(c, NULL);
}

static const struct api_route routes[] = {
    {"/snms/api/prefix/quota", HTTPD_GET, API_OPERATOR | API_ENTERPRISE,
     API_NO_BODY, quota_get},
    {"/snms/api/prefix/quota", HTTPD_PUT, API_OPERATOR, API_OBJECT, quota_set},
};

const struct api_route *
quota_routes(size_t *n)
{
        *n = sizeof(routes) / sizeof(routes[0]);
        return routes;
}
