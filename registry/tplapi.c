#include "registry/tplapi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "core/httpd.h"
#include "core/utf8.h"
#include "registry/api.h"
#include "registry/keys.h"
#include "registry/pfx.h"
#include "registry/script.h"
#include "registry/tpl.h"

/*
 * A prefix holds at most this many templates, which bounds a listing
 * (each template is at most TPL_MAX_ITEMS items).
 */
#define TPLAPI_MAX_PER_PREFIX 64
/* A PUT that lost this many races with other writers gives up (409). */
#define TPLAPI_PUT_TRIES 16

/*
 * KEYS: the template, the prefix's set of versions.  ARGV: the JSON, the
 * version, the per-prefix cap.  1 created, 0 exists, -1 cap reached.
 */
static const char create_lua[] =
    "if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end\n"
    "if redis.call('SCARD', KEYS[2]) >= tonumber(ARGV[3]) then\n"
    "  return -1\n"
    "end\n"
    "redis.call('SET', KEYS[1], ARGV[1])\n"
    "redis.call('SADD', KEYS[2], ARGV[2])\n"
    "return 1\n";

/* KEYS as create; ARGV: the version.  1 deleted, 0 there was none. */
static const char delete_lua[] =
    "if redis.call('DEL', KEYS[1]) == 0 then return 0 end\n"
    "redis.call('SREM', KEYS[2], ARGV[1])\n"
    "return 1\n";

/* A prefix from a client, normalised.  0, or -1 answered (400). */
static int
tplapi_prefix(struct api_call *c, const char *given, char out[PFX_MAX + 1])
{
        if (!given || !given[0]) {
                api_fail(c, 400, -2, "prefix is required (a string)");
                return -1;
        }
        if (pfx_normalise(given, strlen(given), out) < 0) {
                api_fail(c, 400, -2,
                         "prefix must be dot-separated letters and digits, "
                         "at most %d characters",
                         PFX_MAX);
                return -1;
        }
        return 0;
}

/* A version from a client: 1-128 characters, no control character. */
static int
tplapi_version(struct api_call *c, const char *v)
{
        size_t i;

        if (!v || !v[0]) {
                api_fail(c, 400, -2, "version is required (a string)");
                return -1;
        }
        for (i = 0; v[i]; i++)
                if ((unsigned char)v[i] < 0x20 || v[i] == 0x7F) {
                        api_fail(c, 400, -2,
                                 "version contains a control character");
                        return -1;
                }
        if (utf8_chars(v) > TPL_MAX_VERSION) {
                api_fail(c, 400, -2, "version is longer than %u characters",
                         TPL_MAX_VERSION);
                return -1;
        }
        return 0;
}

/*
 * May the caller read (write = 0) or change the templates of `prefix`?
 * Staff read every prefix; otherwise the prefix must be registered to
 * the caller's enterprise.  0, or -1 answered; for a read by another
 * enterprise, 1: it may read the templates shared with it only.
 */
static int
tplapi_allowed(struct api_call *c, const char *prefix, int write)
{
        const struct api_who *who = api_who(c);
        struct redisContext *rc;
        struct pfx_info info;
        int found;

        if (!write &&
            (who->role == USERS_OPERATOR || who->role == USERS_REVIEWER))
                return 0;
        if (!(rc = api_redis(c)))
                return -1;
        found = pfx_get(rc, prefix, &info);
        if (found < 0) {
                api_fail(c, 503, -1, "store unavailable, retry later");
                return -1;
        }
        if (found == 1 && !write && who->ent[0] &&
            strcmp(info.ent, who->ent) != 0)
                return 1;
        if (found == 0 || !who->ent[0] || strcmp(info.ent, who->ent) != 0) {
                api_fail(c, 403, -3,
                         "prefix %s is not registered to your enterprise",
                         prefix);
                return -1;
        }
        return 0;
}

/* The body as a template, its prefix normalised.  NULL answered (400). */
static struct tpl *
tplapi_body(struct api_call *c)
{
        json_t *copy = json_copy(api_body(c));
        const char *p = json_string_value(json_object_get(copy, "prefix"));
        char norm[PFX_MAX + 1], err[256];
        struct tpl *t = NULL;
        char *text;

        if (!copy) {
                api_fail(c, 500, -4, "out of memory");
                return NULL;
        }
        /* Stored and compared in the form pfx_get knows it by. */
        if (p && pfx_normalise(p, strlen(p), norm) == 0)
                json_object_set_new(copy, "prefix", json_string(norm));
        text = json_dumps(copy, JSON_COMPACT);
        json_decref(copy);
        if (!text) {
                api_fail(c, 500, -4, "out of memory");
                return NULL;
        }
        t = tpl_parse(text, strlen(text), err, sizeof(err));
        free(text);
        if (!t)
                api_fail(c, 400, -2, "%s", err);
        return t;
}

/*
 * A string member of the body; NULL when absent, not a string or holding
 * a NUL (which C would silently cut short).
 */
static const char *
tplapi_member(struct api_call *c, const char *key)
{
        const json_t *v = json_object_get(api_body(c), key);
        const char *s = json_string_value(v);

        return s && strlen(s) == json_string_length(v) ? s : NULL;
}

/* "P:VERSION", the audit target of a template. */
static void
tplapi_target(char *out, size_t outsz, const char *prefix, const char *version)
{
        snprintf(out, outsz, "%s:%s", prefix, version);
}

/* 1 if a stored template (JSON text) is shared with the caller. */
static int
tplapi_shared(struct api_call *c, const char *text, size_t len)
{
        char err[160];
        struct tpl *t = tpl_parse(text, len, err, sizeof(err));
        int yes = t && tpl_shared_with(t, api_who(c)->ent);

        tpl_free(t);
        return yes;
}

/*
 * Answers one stored template (a JSON string reply); `shared_only`: the
 * caller is another enterprise, which sees it only if it is shared.
 */
static void
tplapi_send_one(struct api_call *c, const redisReply *r, const char *prefix,
                const char *version, int shared_only)
{
        json_t *t;

        if (r->type != REDIS_REPLY_STRING) {
                api_fail(c, 404, -2, "template %s of prefix %s does not exist",
                         version, prefix);
                return;
        }
        if (shared_only && !tplapi_shared(c, r->str, r->len)) {
                api_fail(c, 403, -3,
                         "prefix %s is not registered to your enterprise and "
                         "its template %s is not shared with it",
                         prefix, version);
                return;
        }
        t = json_loadb(r->str, r->len, 0, NULL);
        if (!t) {
                api_fail(c, 500, -4, "template %s of prefix %s is damaged",
                         version, prefix);
                return;
        }
        api_ok(c, t);
}

static int
tplapi_cmp(const void *a, const void *b)
{
        const redisReply *x = *(redisReply *const *)a;
        const redisReply *y = *(redisReply *const *)b;

        return strcmp(x->str, y->str);
}

/* Every template of a prefix (shared_only: shared with the caller). */
static void
tplapi_list(struct api_call *c, const char *prefix, int shared_only)
{
        char key[KEYS_MAX];
        redisReply *set, *r;
        redisContext *rc;
        json_t *out = json_array();
        size_t i, n;

        keys_templates(key, sizeof(key), prefix);
        if (!out || !(set = api_cmd(c, "SMEMBERS %s", key))) {
                json_decref(out);
                return;
        }
        if (set->type != REDIS_REPLY_ARRAY || !(rc = api_redis(c))) {
                api_fail(c, 500, -4, "store error listing templates");
                goto done;
        }
        n = set->elements < TPLAPI_MAX_PER_PREFIX ? set->elements
                                                  : TPLAPI_MAX_PER_PREFIX;
        for (i = 0; i < set->elements; i++)
                if (set->element[i]->type != REDIS_REPLY_STRING) {
                        api_fail(c, 500, -4, "store error listing templates");
                        goto done;
                }
        if (set->elements > 1) /* element is NULL when there are none */
                qsort(set->element, set->elements, sizeof(*set->element),
                      tplapi_cmp);
        for (i = 0; i < n; i++) {
                keys_template(key, sizeof(key), prefix, set->element[i]->str);
                redisAppendCommand(rc, "GET %s", key);
        }
        for (i = 0; i < n; i++) {
                json_t *t;

                if (!(r = api_reply(c)))
                        goto done;
                /* One deleted since SMEMBERS is simply not listed. */
                if (r->type == REDIS_REPLY_STRING &&
                    (!shared_only || tplapi_shared(c, r->str, r->len)) &&
                    (t = json_loadb(r->str, r->len, 0, NULL)))
                        json_array_append_new(out, t);
                freeReplyObject(r);
        }
        if (shared_only && json_array_size(out) == 0) {
                api_fail(c, 403, -3,
                         "prefix %s is not registered to your enterprise and "
                         "shares no template with it",
                         prefix);
                goto done;
        }
        api_ok(c, out);
        out = NULL;
done:
        json_decref(out);
        freeReplyObject(set);
}

static void
tplapi_get(struct api_call *c)
{
        const char *version = api_query(c, "version");
        char prefix[PFX_MAX + 1], key[KEYS_MAX];
        redisReply *r;
        int shared_only;

        if (tplapi_prefix(c, api_query(c, "prefix"), prefix) < 0 ||
            (shared_only = tplapi_allowed(c, prefix, 0)) < 0)
                return;
        if (!version || !version[0]) {
                tplapi_list(c, prefix, shared_only);
                return;
        }
        if (tplapi_version(c, version) < 0)
                return;
        keys_template(key, sizeof(key), prefix, version);
        if (!(r = api_cmd(c, "GET %s", key)))
                return;
        tplapi_send_one(c, r, prefix, version, shared_only);
        freeReplyObject(r);
}

static void
tplapi_create(struct api_call *c)
{
        struct tpl *t = tplapi_body(c);
        char key[KEYS_MAX], set[KEYS_MAX], cap[16], target[KEYS_MAX];
        const char *argv[8];
        size_t argvlen[8];
        struct script s;
        redisReply *r = NULL;
        char *json = NULL;

        if (!t || tplapi_allowed(c, tpl_prefix(t), 1) < 0)
                goto done;
        tplapi_target(target, sizeof(target), tpl_prefix(t), tpl_version(t));
        if (!(json = tpl_dump(t))) {
                api_fail(c, 500, -4, "out of memory");
                goto done;
        }
        script_init(&s, create_lua);
        snprintf(cap, sizeof(cap), "%d", TPLAPI_MAX_PER_PREFIX);
        argv[2] = "2", argv[3] = key, argv[4] = set;
        argv[5] = json, argv[6] = tpl_version(t), argv[7] = cap;
        argvlen[3] =
            keys_template(key, sizeof(key), tpl_prefix(t), tpl_version(t));
        argvlen[4] = keys_templates(set, sizeof(set), tpl_prefix(t));
        argvlen[2] = 1, argvlen[5] = strlen(json);
        argvlen[6] = strlen(argv[6]), argvlen[7] = strlen(cap);
        if (!(r = script_run(c, &s, 8, argv, argvlen)))
                goto done;
        if (r->type != REDIS_REPLY_INTEGER)
                api_fail(c, 500, -4, "store error: %s",
                         r->type == REDIS_REPLY_ERROR ? r->str : "reply");
        else if (r->integer == 0)
                api_fail(c, 409, -2, "template %s of prefix %s already exists",
                         tpl_version(t), tpl_prefix(t));
        else if (r->integer < 0)
                api_fail(c, 409, -2, "prefix %s already has %d templates",
                         tpl_prefix(t), TPLAPI_MAX_PER_PREFIX);
        else
                api_ok(c, json_true());
        api_audit(c, "tpl.create", target,
                  r->type == REDIS_REPLY_INTEGER && r->integer == 1
                      ? "ok"
                      : "refused");
done:
        freeReplyObject(r);
        free(json);
        tpl_free(t);
}

/*
 * One optimistic round of a PUT: WATCH, read, merge, write if nobody
 * changed the template meanwhile.  1 done (answered), 0 lost the race,
 * -1 answered otherwise.
 */
static int
tplapi_update_once(struct api_call *c, const struct tpl *upd, const char *key)
{
        char err[256];
        struct tpl *cur = NULL;
        redisContext *rc;
        redisReply *r;
        char *json = NULL;
        int ret = -1, i;

        if (!(r = api_cmd(c, "WATCH %s", key)))
                return -1;
        freeReplyObject(r);
        if (!(r = api_cmd(c, "GET %s", key)))
                return -1;
        if (r->type != REDIS_REPLY_STRING)
                api_fail(c, 404, -2, "template %s of prefix %s does not exist",
                         tpl_version(upd), tpl_prefix(upd));
        else if (!(cur = tpl_parse(r->str, r->len, err, sizeof(err))))
                api_fail(c, 500, -4, "stored template is damaged: %s", err);
        else if (tpl_merge(cur, upd, err, sizeof(err)) < 0)
                api_fail(c, 400, -2, "%s", err);
        else if (!(json = tpl_dump(cur)))
                api_fail(c, 500, -4, "out of memory");
        freeReplyObject(r);
        if (!json) {
                if ((r = api_cmd(c, "UNWATCH")))
                        freeReplyObject(r);
                goto done;
        }
        if (!(rc = api_redis(c)))
                goto done;
        redisAppendCommand(rc, "MULTI");
        redisAppendCommand(rc, "SET %s %s", key, json);
        redisAppendCommand(rc, "EXEC");
        for (i = 0; i < 3; i++) {
                if (!(r = api_reply(c)))
                        goto done;
                if (i == 2 && r->type == REDIS_REPLY_NIL) {
                        ret = 0; /* someone else wrote first */
                } else if (i == 2 && r->type == REDIS_REPLY_ARRAY) {
                        api_ok(c, json_true());
                        ret = 1;
                } else if (i == 2 || r->type == REDIS_REPLY_ERROR) {
                        api_fail(c, 500, -4, "store error updating template");
                }
                freeReplyObject(r);
        }
done:
        free(json);
        tpl_free(cur);
        return ret;
}

static void
tplapi_update(struct api_call *c)
{
        struct tpl *upd = tplapi_body(c);
        char key[KEYS_MAX], target[KEYS_MAX];
        int i, r = 0;

        if (!upd || tplapi_allowed(c, tpl_prefix(upd), 1) < 0)
                goto done;
        tplapi_target(target, sizeof(target), tpl_prefix(upd),
                      tpl_version(upd));
        keys_template(key, sizeof(key), tpl_prefix(upd), tpl_version(upd));
        for (i = 0; i < TPLAPI_PUT_TRIES && r == 0; i++)
                r = tplapi_update_once(c, upd, key);
        if (r == 0)
                api_fail(c, 409, -2,
                         "template %s of prefix %s keeps changing; retry",
                         tpl_version(upd), tpl_prefix(upd));
        api_audit(c, "tpl.update", target, r == 1 ? "ok" : "refused");
done:
        tpl_free(upd);
}

static void
tplapi_delete(struct api_call *c)
{
        const char *version = tplapi_member(c, "version");
        char prefix[PFX_MAX + 1], key[KEYS_MAX], set[KEYS_MAX];
        char target[KEYS_MAX];
        const char *argv[6];
        size_t argvlen[6];
        struct script s;
        redisReply *r;

        if (tplapi_prefix(c, tplapi_member(c, "prefix"), prefix) < 0 ||
            tplapi_version(c, version) < 0 || tplapi_allowed(c, prefix, 1) < 0)
                return;
        tplapi_target(target, sizeof(target), prefix, version);
        script_init(&s, delete_lua);
        argv[2] = "2", argv[3] = key, argv[4] = set, argv[5] = version;
        argvlen[2] = 1, argvlen[5] = strlen(version);
        argvlen[3] = keys_template(key, sizeof(key), prefix, version);
        argvlen[4] = keys_templates(set, sizeof(set), prefix);
        if (!(r = script_run(c, &s, 6, argv, argvlen)))
                return;
        if (r->type != REDIS_REPLY_INTEGER)
                api_fail(c, 500, -4, "store error: %s",
                         r->type == REDIS_REPLY_ERROR ? r->str : "reply");
        else if (r->integer == 0)
                api_fail(c, 404, -2, "template %s of prefix %s does not exist",
                         version, prefix);
        else
                api_ok(c, json_true());
        api_audit(c, "tpl.delete", target,
                  r->type == REDIS_REPLY_INTEGER && r->integer == 1
                      ? "ok"
                      : "refused");
        freeReplyObject(r);
}

static const struct api_route routes[] = {
    {"/snms/api/v5/template", HTTPD_GET, API_USERS, API_NO_BODY, tplapi_get},
    {"/snms/api/v5/template", HTTPD_POST, API_WRITERS, API_OBJECT,
     tplapi_create},
    {"/snms/api/v5/template", HTTPD_PUT, API_WRITERS, API_OBJECT,
     tplapi_update},
    {"/snms/api/v5/template", HTTPD_DELETE, API_WRITERS, API_OBJECT,
     tplapi_delete},
    {"/snms/api/v3/template", HTTPD_GET, API_USERS, API_NO_BODY, tplapi_get},
    {"/snms/api/v3/template", HTTPD_POST, API_WRITERS, API_OBJECT,
     tplapi_create},
    {"/snms/api/v3/template", HTTPD_DELETE, API_WRITERS, API_OBJECT,
     tplapi_delete},
};

const struct api_route *
tplapi_routes(size_t *n)
{
        *n = sizeof(routes) / sizeof(routes[0]);
        return routes;
}
