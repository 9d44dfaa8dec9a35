#include "registry/grant.h"

#include <string.h>

#include <hiredis/hiredis.h>
#include <jansson.h>

#include "core/config.h"
#include "core/httpd.h"
#include "registry/api.h"
#include "registry/ent.h"
#include "registry/keys.h"
#include "registry/snms.h"

#define GRANT_KEY_MAX (HNAME_MAX + 8)

/* Scope names, by bit. */
static const struct {
        const char *name;
        int bit;
} scopes[] = {
    {"read", GRANT_READ},
    {"event", GRANT_EVENT},
};

#define NSCOPES (sizeof(scopes) / sizeof(scopes[0]))

int
grant_parse_scopes(const char *s, size_t len)
{
        size_t i, k, n;
        int bits = 0;

        for (i = 0; i < len; i += n + 1) {
                for (n = 0; i + n < len && s[i + n] != ' '; n++)
                        ;
                for (k = 0; k < NSCOPES; k++)
                        if (strlen(scopes[k].name) == n &&
                            memcmp(scopes[k].name, s + i, n) == 0)
                                bits |= scopes[k].bit;
        }
        return bits;
}

static json_t *
grant_scope_names(int bits)
{
        json_t *a = json_array();
        size_t k;

        for (k = 0; a && k < NSCOPES; k++)
                if (bits & scopes[k].bit)
                        json_array_append_new(a, json_string(scopes[k].name));
        return a;
}

const char *
grant_caller(enum users_role role, const char *ent)
{
        return role == USERS_ENTERPRISE || role == USERS_PLATFORM ? ent : "";
}

int
grant_decide(const char *caller, const char *owner, int granted)
{
        if (!caller[0])
                return 0;
        if (owner[0] && strcmp(caller, owner) == 0)
                return GRANT_ALL;
        return granted & GRANT_ALL;
}

int
grant_is_owner(const struct api_call *c, const char *ent)
{
        const struct api_who *w = api_who(c);

        return grant_decide(grant_caller(w->role, w->ent), ent, 0) == GRANT_ALL;
}

int
grant_subject(struct api_call *c, int allow_prefix, struct grant_subject *s)
{
        size_t len;
        const char *arg = api_arg(c, &len);
        const char *why = NULL;
        char prefix[PFX_MAX + 1];
        int found;

        memset(s, 0, sizeof(*s));
        switch (hname_check((const uint8_t *)arg, len,
                            (size_t)api_config(c)->max_handle_bytes, s->name,
                            sizeof(s->name), &s->len, &why)) {
        case HNAME_OK:
                s->prefix_len = hname_prefix_len(s->name, s->len);
                break;
        case HNAME_NO_SLASH:
                if (allow_prefix && pfx_normalise(arg, len, s->name) == 0) {
                        s->len = s->prefix_len = strlen(s->name);
                        break;
                }
                /* fall through */
        case HNAME_INVALID:
                api_fail(c, 400, -2, "bad %s in the path: %s",
                         allow_prefix ? "identifier or prefix" : "identifier",
                         why ? why : "expected prefix/suffix");
                return -1;
        }
        if (s->prefix_len > PFX_MAX ||
            pfx_normalise(s->name, s->prefix_len, prefix) < 0) {
                api_fail(c, 400, -2, "bad prefix in the path");
                return -1;
        }
        if (!api_redis(c))
                return -1;
        found = pfx_get(api_redis(c), prefix, &s->pfx);
        if (found < 0) {
                api_fail(c, 503, -1, "store unavailable, retry later");
                return -1;
        }
        if (!found) {
                api_fail(c, 404, -2, "prefix %s is not registered here",
                         prefix);
                return -1;
        }
        return 0;
}

int
grant_rights(struct api_call *c, const struct grant_subject *s)
{
        const struct api_who *w = api_who(c);
        char key[GRANT_KEY_MAX];
        redisReply *r;
        int bits = 0, i, n = s->len > s->prefix_len ? 2 : 1;
        size_t lens[2] = {s->len, s->prefix_len};
        redisContext *rc;
        const char *caller = grant_caller(w->role, w->ent);

        /* No grant to read when none could change the answer. */
        if (!caller[0] || grant_decide(caller, s->pfx.ent, 0) == GRANT_ALL)
                return grant_decide(caller, s->pfx.ent, 0);
        if (!(rc = api_redis(c)))
                return -1;
        for (i = 0; i < n; i++) {
                keys_grants(key, sizeof(key), s->name, lens[i]);
                redisAppendCommand(rc, "HGET %s %s", key, w->ent);
        }
        for (i = 0; i < n; i++) {
                if (!(r = api_reply(c)))
                        return -1;
                if (r->type == REDIS_REPLY_STRING)
                        bits |= grant_parse_scopes(r->str, r->len);
                freeReplyObject(r);
        }
        return grant_decide(caller, s->pfx.ent, bits);
}

/* The subject of a grant route, which only its prefix's owner (or, to
 * read, staff) may use.  0, or -1 answered. */
static int
grant_owned_subject(struct api_call *c, int staff_may, struct grant_subject *s,
                    char key[GRANT_KEY_MAX])
{
        const struct api_who *w = api_who(c);

        if (grant_subject(c, 1, s) < 0)
                return -1;
        if (!grant_is_owner(c, s->pfx.ent) &&
            !(staff_may &&
              (w->role == USERS_OPERATOR || w->role == USERS_REVIEWER))) {
                api_fail(c, 403, -3, "%s belongs to another enterprise",
                         s->name);
                return -1;
        }
        keys_grants(key, GRANT_KEY_MAX, s->name, s->len);
        return 0;
}

static void
grant_list(struct api_call *c)
{
        struct grant_subject s;
        char key[GRANT_KEY_MAX];
        json_t *all, *list = json_array();
        const char *grantee;
        json_t *v;

        if (!list || grant_owned_subject(c, 1, &s, key) < 0 ||
            !(all = snms_hash(c, key))) {
                json_decref(list);
                return;
        }
        json_object_foreach(all, grantee, v)
        {
                const char *sc = json_string_value(v);

                json_array_append_new(
                    list, json_pack("{s:s,s:o}", "grantee", grantee, "scopes",
                                    grant_scope_names(
                                        grant_parse_scopes(sc, strlen(sc)))));
        }
        json_decref(all);
        api_ok(c, json_pack("{s:s,s:o}", "target", s.name, "grants", list));
}

static void
grant_set(struct api_call *c)
{
        struct grant_subject s;
        char key[GRANT_KEY_MAX], err[160], uscc[19], stored[32] = "";
        json_t *body = api_body(c), *sc = json_object_get(body, "scopes"), *e,
               *rec = NULL;
        const char *g = json_string_value(json_object_get(body, "grantee"));
        size_t i, k;
        int bits = 0;
        redisReply *r;

        if (grant_owned_subject(c, 0, &s, key) < 0)
                return;
        if (ent_uscc(g ? g : "", uscc, err, sizeof(err)) < 0) {
                api_fail(c, 400, -2, "grantee: %s", err);
                return;
        }
        if (!json_is_array(sc) || json_array_size(sc) == 0) {
                api_fail(c, 400, -2,
                         "scopes must be a non-empty array of \"read\", "
                         "\"event\"");
                return;
        }
        json_array_foreach(sc, i, e)
        {
                for (k = 0; k < NSCOPES; k++)
                        if (json_is_string(e) &&
                            strcmp(json_string_value(e), scopes[k].name) == 0)
                                break;
                if (k == NSCOPES) {
                        api_fail(c, 400, -2,
                                 "scopes[%zu] is not \"read\" or \"event\"", i);
                        return;
                }
                bits |= scopes[k].bit;
        }
        if (strcmp(uscc, s.pfx.ent) == 0) {
                api_fail(c, 400, -2, "the owner holds every right already");
                return;
        }
        if (!(rec = ent_load(c, uscc)))
                return;
        if (strcmp(snms_field(rec, "state"), ENT_APPROVED) != 0) {
                json_decref(rec);
                snms_refuse(c, "grant.set", s.name, 404, -2,
                            "no approved enterprise %s", uscc);
                return;
        }
        json_decref(rec);
        for (k = 0; k < NSCOPES; k++)
                if (bits & scopes[k].bit)
                        snprintf(stored + strlen(stored),
                                 sizeof(stored) - strlen(stored), "%s%s",
                                 stored[0] ? " " : "", scopes[k].name);
        if (!(r = api_cmd(c, "HSET %s %s %s", key, uscc, stored)))
                return;
        freeReplyObject(r);
        api_audit(c, "grant.set", s.name, "ok");
        api_ok(c, json_pack("{s:s,s:s,s:o}", "target", s.name, "grantee", uscc,
                            "scopes", grant_scope_names(bits)));
}

static void
grant_revoke(struct api_call *c)
{
        struct grant_subject s;
        char key[GRANT_KEY_MAX], err[160], uscc[19];
        const char *g = api_query(c, "grantee");
        redisReply *r;
        long long n;

        if (grant_owned_subject(c, 0, &s, key) < 0)
                return;
        if (ent_uscc(g ? g : "", uscc, err, sizeof(err)) < 0) {
                api_fail(c, 400, -2, "grantee: %s", err);
                return;
        }
        if (!(r = api_cmd(c, "HDEL %s %s", key, uscc)))
                return;
        n = r->type == REDIS_REPLY_INTEGER ? r->integer : 0;
        freeReplyObject(r);
        if (n == 0) {
                api_fail(c, 404, -2, "%s holds no grant on %s", uscc, s.name);
                return;
        }
        api_audit(c, "grant.revoke", s.name, "ok");
        api_ok(c, NULL);
}

static const struct api_route routes[] = {
    {"/api/grants/", HTTPD_GET, API_STAFF | API_WRITERS, API_NO_BODY,
     grant_list},
    {"/api/grants/", HTTPD_POST, API_WRITERS, API_OBJECT, grant_set},
    {"/api/grants/", HTTPD_DELETE, API_WRITERS, API_NO_BODY, grant_revoke},
};

const struct api_route *
grant_routes(size_t *n)
{
        *n = sizeof(routes) / sizeof(routes[0]);
        return routes;
}
