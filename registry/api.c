#include "registry/api.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <hiredis/hiredis.h>
#include <openssl/crypto.h>

#include "certs/secret.h"
#include "certs/tls.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/httpd.h"
#include "core/jobs.h"
#include "core/log.h"
#include "core/ratelim.h"
#include "core/rpool.h"
#include "core/tally.h"
#include "registry/audit.h"
#include "registry/auth.h"
#include "registry/ent.h"
#include "registry/event.h"
#include "registry/grant.h"
#include "registry/idmap.h"
#include "registry/ident.h"
#include "registry/keys.h"
#include "registry/link.h"
#include "registry/pfx.h"
#include "registry/pfxadmin.h"
#include "registry/plat.h"
#include "registry/quota.h"
#include "registry/review.h"
#include "registry/statapi.h"
#include "registry/tplapi.h"
#include "registry/trace.h"

/*
 * A registry thread waits this long for Redis: an fsync'd batch of 2000
 * identifiers takes well under it, a stalled Redis fails calls with 503.
 */
#define API_STORE_TIMEOUT_MS 5000
#define API_MAX_ROUTES       64
#define API_MAX_AUDIT        4096 /* entries one call may record */

/* The modules that serve registry routes, in dispatch order. */
static const struct api_route *api_self_routes(size_t *n);

static const struct api_route *(*const modules[])(size_t *n) = {
    api_self_routes, ent_routes,      review_routes, pfx_routes,
    plat_routes,     tplapi_routes,   ident_routes,  audit_routes,
    grant_routes,    event_routes,    link_routes,   trace_routes,
    statapi_routes,  pfxadmin_routes, quota_routes,  idmap_routes,
};

#define NMODULES (sizeof(modules) / sizeof(modules[0]))

struct api {
        struct worker *w;
        struct jobs *jobs;
        struct config *cfg;                        /* a reference */
        struct httpd_route routes[API_MAX_ROUTES]; /* one per path */
        size_t nroutes;
        struct api_stats st;
        struct tally *tally; /* borrowed; NULL: no usage statistics */
        struct httpd *h;
        struct ratelim *lim; /* shared abuse limits (borrowed), or NULL */
};

const char *const api_stat_actions[API_STAT_ACTIONS - 1] = {
    "ent.apply",       "ent.change",   "ent.cancel",   "ent.apply.approve",
    "pfx.create",      "pfx.config",   "pfx.disable",  "platform.create",
    "platform.delete", "tpl.create",   "tpl.update",   "tpl.delete",
    "ident.create",    "ident.update", "ident.delete", "grant.set",
    "grant.revoke",    "event.append", "link.add",     "link.remove",
};

void
api_get_stats(const struct api *a, struct api_stats *s)
{
        *s = a->st;
}

/* What a registry thread owns. */
struct api_thread {
        const struct config *cfg;
        redisContext *rc; /* NULL until needed, and after a failure */
};

struct api_audit_entry {
        char *action, *target, *result;
};

struct api_call {
        struct api *api;
        struct evhttp_request *req;
        const struct api_route *route;
        char *body;
        size_t bodylen;
        char *query;
        char *arg; /* a prefix route's path parameter, decoded */
        size_t arglen;
        char token[SECRET_HEX64]; /* "" = no Authorization header */
        int token_bad;            /* a header that is not "Bearer <64 hex>" */
        struct ca_ident cert;     /* a verified client certificate's account */
        char peer[64];
        /* On the registry thread. */
        struct api_thread *t;
        struct api_who who;
        json_t *json, *params;
        struct api_audit_entry *audit;
        size_t naudit;
        int ent_limited;      /* refused by limit_ent_write_* */
        size_t quota_refused; /* identifiers over their prefix's quota */
        int store_down; /* Redis failed during the call: do not wait again */
        /* The answer. */
        int answered, http, status;
        char *msg;
        json_t *data;
        char *text; /* data as JSON text (api_ok_text), or NULL */
        size_t textlen;
        char *out; /* the envelope, rendered on the registry thread */
        /* A call from another plane (api_run): no HTTP request. */
        void (*direct_done)(struct api_call *c, void *arg);
        void *direct_arg;
};

/* The envelope of api_ok_text around its data. */
static const char text_head[] = "{\"status\":1,\"message\":\"success\","
                                "\"data\":";

/* ------------------------------------------------------------ routes */

static void
api_whoami(struct api_call *c)
{
        api_ok(c, json_pack("{s:s,s:s,s:s*}", "username", c->who.name, "role",
                            users_role_name(c->who.role), "enterprise",
                            c->who.ent[0] ? c->who.ent : NULL));
}

static const struct api_route self_routes[] = {
    {"/identity/whoami", HTTPD_GET, API_USERS, API_NO_BODY, api_whoami},
};

static const struct api_route *
api_self_routes(size_t *n)
{
        *n = sizeof(self_routes) / sizeof(self_routes[0]);
        return self_routes;
}

/*
 * A path ending in '/' serves what follows it (a handle, which may hold
 * more slashes), when something does.
 */
static int
api_path_match(const char *route, const char *path)
{
        size_t n = strlen(route);

        if (n && route[n - 1] == '/')
                return strncmp(route, path, n) == 0 && path[n] != '\0';
        return strcmp(route, path) == 0;
}

static const struct api_route *
api_find(const char *path, int method, int *path_known)
{
        size_t m, i, n;

        *path_known = 0;
        for (m = 0; m < NMODULES; m++) {
                const struct api_route *r = modules[m](&n);

                for (i = 0; i < n; i++) {
                        if (!api_path_match(r[i].path, path))
                                continue;
                        *path_known = 1;
                        if (r[i].method == method)
                                return &r[i];
                }
        }
        return NULL;
}

static void api_http(void *ctx, struct evhttp_request *req, const char *rest);

static const char *
api_route_param(const char *path)
{
        size_t n = strlen(path);

        return n && path[n - 1] == '/' ? "handle" : NULL;
}

/* One httpd route per distinct path, its methods OR-ed together. */
static size_t
api_build_routes(struct httpd_route *out, size_t max)
{
        size_t m, i, k, n, nout = 0;

        for (m = 0; m < NMODULES; m++) {
                const struct api_route *r = modules[m](&n);

                for (i = 0; i < n; i++) {
                        for (k = 0; k < nout; k++)
                                if (strcmp(out[k].path, r[i].path) == 0)
                                        break;
                        if (k == nout) {
                                if (nout == max)
                                        return 0;
                                out[nout++] = (struct httpd_route){
                                    r[i].path, api_route_param(r[i].path), 0,
                                    api_http};
                        }
                        out[k].methods |= r[i].method;
                }
        }
        return nout;
}

void
api_print_routes(FILE *fp)
{
        struct httpd_route r[API_MAX_ROUTES];

        httpd_print_routes(fp, r, api_build_routes(r, API_MAX_ROUTES));
}

/* ------------------------------------------------------ call objects */

static void
api_call_free(struct api_call *c)
{
        size_t i;

        for (i = 0; i < c->naudit; i++) {
                free(c->audit[i].action);
                free(c->audit[i].target);
                free(c->audit[i].result);
        }
        free(c->audit);
        json_decref(c->json);
        json_decref(c->params);
        json_decref(c->data);
        free(c->msg);
        free(c->body);
        free(c->query);
        free(c->arg);
        free(c->out);
        free(c->text);
        OPENSSL_cleanse(c->token, sizeof(c->token));
        free(c);
}

static void
api_answer(struct api_call *c, int http, int status, char *msg, json_t *data)
{
        if (c->answered) { /* the first answer stands */
                free(msg);
                json_decref(data);
                return;
        }
        c->answered = 1;
        c->http = http;
        c->status = status;
        c->msg = msg;
        c->data = data;
}

void
api_ok(struct api_call *c, json_t *data)
{
        api_answer(c, 200, 1, strdup("success"), data);
}

void
api_ok_text(struct api_call *c, const char *data, size_t len)
{
        char *t;

        if (c->answered)
                return;
        if (!(t = malloc(len + 1))) {
                api_fail(c, 500, -4, "out of memory");
                return;
        }
        memcpy(t, data, len);
        api_answer(c, 200, 1, strdup("success"), NULL);
        c->text = t;
        c->textlen = len;
}

void
api_ok_msg(struct api_call *c, const char *msg, json_t *data)
{
        api_answer(c, 200, 1, strdup(msg), data);
}

void
api_fail(struct api_call *c, int http, int status, const char *fmt, ...)
{
        char buf[1024];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        api_answer(c, http, status, strdup(buf), NULL);
}

void
api_fail_data(struct api_call *c, int http, int status, json_t *data,
              const char *fmt, ...)
{
        char buf[1024];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        api_answer(c, http, status, strdup(buf), data);
}

int
api_answered(const struct api_call *c)
{
        return c->answered;
}

const struct api_who *
api_who(const struct api_call *c)
{
        return &c->who;
}

const struct config *
api_config(const struct api_call *c)
{
        return c->api->cfg;
}

json_t *
api_body(const struct api_call *c)
{
        return c->json;
}

const char *
api_query(const struct api_call *c, const char *key)
{
        return json_string_value(json_object_get(c->params, key));
}

const char *
api_arg(const struct api_call *c, size_t *len)
{
        if (len)
                *len = c->arg ? c->arglen : 0;
        return c->arg;
}

const char *
api_peer(const struct api_call *c)
{
        return c->peer;
}

void
api_audit(struct api_call *c, const char *action, const char *target,
          const char *result)
{
        struct api_audit_entry *e;

        if (c->naudit == API_MAX_AUDIT)
                return;
        if (!c->audit) {
                c->audit = calloc(API_MAX_AUDIT, sizeof(*c->audit));
                if (!c->audit)
                        return;
        }
        e = &c->audit[c->naudit];
        e->action = strdup(action);
        e->target = strdup(target);
        e->result = strdup(result);
        if (e->action && e->target && e->result)
                c->naudit++;
        else {
                free(e->action);
                free(e->target);
                free(e->result);
        }
}

/* --------------------------------------------------- the Redis side */

static void *
api_thread_init(void *ctx)
{
        struct api_thread *t = calloc(1, sizeof(*t));

        if (t)
                t->cfg = ctx;
        return t;
}

static void
api_thread_fini(void *local)
{
        struct api_thread *t = local;

        if (t->rc)
                redisFree(t->rc);
        free(t);
}

void
api_thread_local(const struct config *cfg, struct jobs_local *lc)
{
        lc->init = api_thread_init;
        lc->fini = api_thread_fini;
        lc->ctx = (void *)(uintptr_t)cfg;
}

static void
api_store_down(struct api_call *c, const char *why)
{
        log_warn("registry_store", "error=\"%s\"", why);
        c->store_down = 1;
        if (c->t->rc) {
                redisFree(c->t->rc);
                c->t->rc = NULL;
        }
        api_fail(c, 503, -1, "store unavailable, retry later");
}

redisContext *
api_redis(struct api_call *c)
{
        const struct config *cfg = c->t->cfg;
        struct timeval tv = {API_STORE_TIMEOUT_MS / 1000,
                             (API_STORE_TIMEOUT_MS % 1000) * 1000};
        char why[160];

        if (c->t->rc && !c->t->rc->err)
                return c->t->rc;
        if (c->t->rc) {
                redisFree(c->t->rc);
                c->t->rc = NULL;
        }
        c->t->rc =
            cfg->redis_socket[0]
                ? redisConnectUnixWithTimeout(cfg->redis_socket, tv)
                : redisConnectWithTimeout(cfg->redis_host, cfg->redis_port, tv);
        if (!c->t->rc || c->t->rc->err ||
            redisSetTimeout(c->t->rc, tv) != REDIS_OK) {
                api_store_down(c, c->t->rc ? c->t->rc->errstr : "no memory");
                return NULL;
        }
        if (rpool_auth_sync(c->t->rc, cfg->redis_password, why, sizeof(why)) <
            0) {
                api_store_down(c, why);
                redisFree(c->t->rc);
                c->t->rc = NULL;
                return NULL;
        }
        return c->t->rc;
}

static redisReply *
api_checked(struct api_call *c, void *r)
{
        if (!r)
                api_store_down(c,
                               c->t->rc ? c->t->rc->errstr : "no connection");
        return r;
}

redisReply *
api_cmd(struct api_call *c, const char *fmt, ...)
{
        redisContext *rc = api_redis(c);
        va_list ap;
        void *r;

        if (!rc)
                return NULL;
        va_start(ap, fmt);
        r = redisvCommand(rc, fmt, ap);
        va_end(ap);
        return api_checked(c, r);
}

redisReply *
api_cmdv(struct api_call *c, int argc, const char **argv, const size_t *argvlen)
{
        redisContext *rc = api_redis(c);

        if (!rc)
                return NULL;
        return api_checked(c, redisCommandArgv(rc, argc, argv, argvlen));
}

redisReply *
api_reply(struct api_call *c)
{
        void *r = NULL;

        if (!c->t->rc || redisGetReply(c->t->rc, &r) != REDIS_OK)
                r = NULL;
        return api_checked(c, r);
}

/* ------------------------------------------------- running the call */

static int api_store_bad(struct api_call *c, redisReply *r, int want);

/*
 * Client certificate -> account: the account it names must still exist
 * with the role and enterprise (or platform key id) the certificate
 * says.  A certificate outlives nothing: deleting the account or moving
 * it to another enterprise ends what its certificate may do.  0, or -1
 * with the call answered.
 */
static int
api_authenticate_cert(struct api_call *c)
{
        enum users_role want =
            c->cert.kind == CA_ENTERPRISE ? USERS_ENTERPRISE : USERS_PLATFORM;
        char key[80], ent[19] = "";
        redisReply *r;
        int ok;
        size_t i;

        keys_user(key, sizeof(key), c->cert.name);
        r = api_cmd(c, "HMGET %s role ent", key);
        if (!r || api_store_bad(c, r, REDIS_REPLY_ARRAY))
                return -1;
        ok = r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
             r->element[0]->type == REDIS_REPLY_STRING &&
             users_role_parse(r->element[0]->str) == want;
        if (ok && r->element[1]->type == REDIS_REPLY_STRING)
                snprintf(ent, sizeof(ent), "%s", r->element[1]->str);
        freeReplyObject(r);
        for (i = 0; ent[i]; i++)
                if (ent[i] >= 'a' && ent[i] <= 'z')
                        ent[i] = (char)(ent[i] - 'a' + 'A');
        if (ok && want == USERS_ENTERPRISE)
                ok = strcmp(ent, c->cert.id) == 0;
        if (!ok) {
                api_fail(c, 401, -1,
                         "the client certificate names no such %s account",
                         users_role_name(want));
                return -1;
        }
        snprintf(c->who.name, sizeof(c->who.name), "%s", c->cert.name);
        snprintf(c->who.ent, sizeof(c->who.ent), "%s", ent);
        c->who.role = want;
        if (!(c->route->access & (1 << c->who.role))) {
                api_fail(c, 403, -3, "the %s role may not do this",
                         users_role_name(c->who.role));
                return -1;
        }
        return 0;
}

void
api_count_quota(struct api_call *c, size_t n)
{
        c->quota_refused += n;
}

/*
 * An enterprise's writes share one bucket whoever of its accounts makes
 * them, from wherever.  0, or -1 with the call answered.
 */
static int
api_ent_limit(struct api_call *c)
{
        int method = (int)c->route->method;
        uint64_t retry;

        if (!c->api->lim || !c->who.ent[0] ||
            (method & (HTTPD_GET | HTTPD_HEAD)))
                return 0;
        if (ratelim_take(c->api->lim, RL_ENT_WRITE,
                         ratelim_name_key(c->who.ent, strlen(c->who.ent)),
                         ratelim_rule_of(c->api->cfg, RL_ENT_WRITE), clock_us(),
                         &retry))
                return 0;
        c->ent_limited = 1;
        api_fail(c, 429, -1,
                 "write rate limit of enterprise %s exceeded: retry in %llu ms",
                 c->who.ent, (unsigned long long)retry);
        return -1;
}

/*
 * An error reply to a read (LOADING while Redis replays its AOF after a
 * restart), or one of a type the command cannot return, is the store
 * failing, not the client: 503, so that a client retries instead of
 * dropping a token it took for expired.  `want` is the type expected
 * besides nil.  Frees `r` then; 0 when `r` is a reply to look at.
 */
static int
api_store_bad(struct api_call *c, redisReply *r, int want)
{
        if (r->type == want || r->type == REDIS_REPLY_NIL)
                return 0;
        log_warn("registry_store", "error=\"%.*s\" reply_type=%d", 200,
                 r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply",
                 r->type);
        api_fail(c, 503, -1, "store unavailable, retry later");
        freeReplyObject(r);
        return -1;
}

/*
 * Token -> account, or without a token the client certificate's
 * account.  0, or -1 with the call answered.
 */
static int
api_authenticate(struct api_call *c)
{
        char sha[SECRET_HEX64], key[80];
        struct auth_token t;
        const char *why = "unknown or expired token";
        redisReply *r;
        int ok;

        if (!c->token[0] && !c->token_bad && c->cert.kind != CA_NONE)
                return api_authenticate_cert(c);
        if (!c->token[0]) {
                api_fail(c, 401, -1,
                         c->token_bad ? "malformed bearer token"
                                      : "not logged in: send Authorization: "
                                        "Bearer <token>");
                return -1;
        }
        secret_token_key(c->token, 64, sha);
        keys_token(key, sizeof(key), sha);
        r = api_cmd(c, "GET %s", key);
        if (!r || api_store_bad(c, r, REDIS_REPLY_STRING))
                return -1;
        ok = r->type == REDIS_REPLY_STRING &&
             auth_token_parse(r->str, r->len, &t) == 0;
        freeReplyObject(r);
        if (!ok) {
                api_fail(c, 401, -1, "%s", why);
                return -1;
        }
        /*
         * A deleted account's tokens die with it (a deleted platform must
         * stop writing at once), and so do tokens older than the
         * account's session generation (logout everywhere): one more
         * command per call, cheaper than an index of every token.
         */
        keys_user(key, sizeof(key), t.name);
        if (!(r = api_cmd(c, "HMGET %s role gen", key)) ||
            api_store_bad(c, r, REDIS_REPLY_ARRAY))
                return -1;
        ok = r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
             auth_token_current(
                 &t,
                 r->element[0]->type == REDIS_REPLY_STRING ? r->element[0]->str
                                                           : NULL,
                 r->element[1]->type == REDIS_REPLY_STRING ? r->element[1]->str
                                                           : NULL,
                 &why) == 0;
        freeReplyObject(r);
        if (!ok) {
                api_fail(c, 401, -1, "%s", why);
                return -1;
        }
        snprintf(c->who.name, sizeof(c->who.name), "%s", t.name);
        snprintf(c->who.ent, sizeof(c->who.ent), "%s", t.ent);
        c->who.role = t.role;
        if (!(c->route->access & (1 << c->who.role))) {
                api_fail(c, 403, -3, "the %s role may not do this",
                         users_role_name(c->who.role));
                return -1;
        }
        return 0;
}

static int
api_param(void *arg, const char *key, const char *value)
{
        struct api_call *c = arg;

        /* The first occurrence of a repeated key wins. */
        if (!json_object_get(c->params, key))
                json_object_set_new(c->params, key, json_string(value));
        return 0;
}

/* Body and query.  0, or -1 with the call answered. */
static int
api_parse(struct api_call *c)
{
        json_error_t e;

        c->params = json_object();
        if (!c->params ||
            (c->query && httpd_query_each(c->query, api_param, c) != 0)) {
                api_fail(c, 400, -2, "malformed query string");
                return -1;
        }
        if (c->arg && strlen(c->arg) != c->arglen) {
                api_fail(c, 400, -2, "malformed path");
                return -1;
        }
        if (c->route->body == API_NO_BODY)
                return 0;
        c->json = json_loadb(c->body ? c->body : "", c->bodylen,
                             JSON_REJECT_DUPLICATES, &e);
        if (!c->json) {
                api_fail(c, 400, -2, "malformed JSON at line %d column %d: %s",
                         e.line, e.column, e.text);
                return -1;
        }
        if (c->route->body == API_OBJECT && !json_is_object(c->json)) {
                api_fail(c, 400, -2, "the body must be a JSON object");
                return -1;
        }
        if (c->route->body == API_ARRAY && !json_is_array(c->json)) {
                api_fail(c, 400, -2, "the body must be a JSON array");
                return -1;
        }
        return 0;
}

/* Appends the call's audit entries in one pipeline. */
static void
api_flush_audit(struct api_call *c)
{
        struct audit_entry e;
        redisContext *rc;
        size_t i, queued = 0, ok = 0;

        if (c->naudit == 0)
                return;
        /*
         * Redis just failed this call (past its deadline, when stalled):
         * reconnecting to wait once more would double the client's wait
         * for entries that are lost either way.
         */
        if (c->store_down) {
                log_error("audit", "lost=%zu reason=store_down", c->naudit);
                return;
        }
        if (!(rc = api_redis(c)))
                return;
        e.who = c->who.name[0] ? c->who.name : "-";
        e.role = c->who.role ? users_role_name(c->who.role) : "-";
        e.ent = c->who.ent;
        e.addr = c->peer;
        for (i = 0; i < c->naudit; i++) {
                e.action = c->audit[i].action;
                e.target = c->audit[i].target;
                e.result = c->audit[i].result;
                if (audit_append(rc, c->api->cfg->audit_max_entries, &e) < 0)
                        break;
                queued++;
        }
        for (i = 0; i < queued; i++) {
                void *r = NULL;

                if (redisGetReply(rc, &r) != REDIS_OK)
                        break;
                ok += ((redisReply *)r)->type != REDIS_REPLY_ERROR;
                freeReplyObject(r);
        }
        if (ok != c->naudit)
                log_error("audit", "lost=%zu", c->naudit - ok);
}

/* On a registry thread. */
static void
api_work(void *local, void *arg)
{
        struct api_call *c = arg;
        json_t *env;

        c->t = local;
        if (!c->t) {
                api_fail(c, 500, -4, "internal error: no registry thread");
                goto render;
        }
        if (c->route->access != API_PUBLIC &&
            (!(c->route->access & API_OPTIONAL) || c->token[0] ||
             c->token_bad || c->cert.kind != CA_NONE) &&
            api_authenticate(c) < 0)
                goto render;
        if (api_ent_limit(c) < 0)
                goto render;
        if (api_parse(c) < 0)
                goto render;
        c->route->fn(c);
        if (!c->answered)
                api_fail(c, 500, -4, "internal error: no answer");
        api_flush_audit(c);
render:
        if (c->text)
                return; /* sent as text_head, text, "}" */
        env = json_pack("{s:i,s:s,s:O?}", "status", c->status, "message",
                        c->msg ? c->msg : "", "data", c->data);
        c->out =
            env ? json_dumps(env, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        json_decref(env);
}

/*
 * On the worker: counts the call's successful writes, and the
 * identifiers created (the target of ident.create is the normalised
 * handle) as registrations under their prefix.
 */
static void
api_count_writes(struct api_call *c)
{
        size_t i, k;

        for (i = 0; i < c->naudit; i++) {
                if (strncmp(c->audit[i].result, "ok", 2) != 0)
                        continue;
                for (k = 0; k < API_STAT_ACTIONS - 1; k++)
                        if (strcmp(api_stat_actions[k], c->audit[i].action) ==
                            0)
                                break;
                c->api->st.writes[k]++;
                if (c->api->tally &&
                    strcmp(c->audit[i].action, "ident.create") == 0)
                        tally_registration(c->api->tally, c->audit[i].target,
                                           strlen(c->audit[i].target));
        }
}

/* Back on the worker. */
static void
api_done(struct worker *w, void *arg)
{
        struct api_call *c = arg;
        size_t len = c->out ? strlen(c->out) : 0;
        const char *parts[3] = {text_head, c->text, "}"};
        size_t lens[3] = {sizeof(text_head) - 1, c->textlen, 1};

        (void)w;
        api_count_writes(c);
        c->api->st.ent_limited += (uint64_t)c->ent_limited;
        c->api->st.quota_refused += c->quota_refused;
        if (c->text)
                httpd_send_parts(c->req, c->http, parts, lens, 3);
        else if (c->out)
                httpd_send_parts(c->req, c->http, (const char *const *)&c->out,
                                 &len, 1);
        else
                httpd_error(c->req, 500, "internal error");
        api_call_free(c);
}

/* Copies what the call needs off the request.  0, or -1 on no memory. */
static int
api_collect(struct api_call *c, struct evhttp_request *req)
{
        struct evbuffer *in = evhttp_request_get_input_buffer(req);
        const char *q =
            evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
        const char *h = evhttp_find_header(
            evhttp_request_get_input_headers(req), "Authorization");
        struct evhttp_connection *conn = evhttp_request_get_connection(req);
        char *addr = NULL;
        ev_uint16_t port = 0;

        c->bodylen = evbuffer_get_length(in);
        c->body = malloc(c->bodylen + 1);
        if (!c->body)
                return -1;
        evbuffer_copyout(in, c->body, c->bodylen);
        c->body[c->bodylen] = '\0';
        if (q && !(c->query = strdup(q)))
                return -1;
        if (auth_bearer(h, c->token) == AUTH_BEARER_BAD)
                c->token_bad = 1;
        if (conn) {
                evhttp_connection_get_peer(conn, &addr, &port);
                tls_peer(evhttp_connection_get_bufferevent(conn), &c->cert);
        }
        snprintf(c->peer, sizeof(c->peer), "%s", addr ? addr : "-");
        return 0;
}

static void
api_http(void *ctx, struct evhttp_request *req, const char *rest)
{
        struct api *a = ctx;
        const char *path =
            evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
        int method = (int)evhttp_request_get_command(req), known;
        const struct api_route *r = api_find(path, method, &known);
        struct api_call *c;

        if (!r) {
                httpd_error(req, known ? 405 : 404,
                            known ? "method not allowed" : "no such endpoint");
                return;
        }
        if (!httpd_limit(a->h, req, RL_REGISTRY, 1) ||
            ((r->access & API_HEAVY) &&
             !evhttp_find_header(evhttp_request_get_input_headers(req),
                                 "Authorization") &&
             !httpd_limit(a->h, req, RL_TRACE, 1)))
                return;
        c = calloc(1, sizeof(*c));
        if (c && r->path[strlen(r->path) - 1] == '/' &&
            !(c->arg = evhttp_uridecode(rest, 0, &c->arglen))) {
                free(c);
                c = NULL;
        }
        if (!c || api_collect(c, req) < 0) {
                if (c)
                        api_call_free(c);
                httpd_error(req, 503, "out of memory");
                return;
        }
        c->api = a;
        c->req = req;
        c->route = r;
        if (jobs_submit(a->jobs, a->w, api_work, api_done, c) < 0) {
                api_call_free(c);
                httpd_send_json(req, 503,
                                json_pack("{s:i,s:s,s:n}", "status", -1,
                                          "message",
                                          "registry busy, retry later", "data"),
                                0);
        }
}

/* On a registry thread: a call whose caller is already known. */
static void
api_work_direct(void *local, void *arg)
{
        struct api_call *c = arg;

        c->t = local;
        if (!c->t) {
                api_fail(c, 500, -4, "internal error: no registry thread");
                return;
        }
        c->route->fn(c);
        if (!c->answered)
                api_fail(c, 500, -4, "internal error: no answer");
        api_flush_audit(c);
}

static void
api_done_direct(struct worker *w, void *arg)
{
        struct api_call *c = arg;

        (void)w;
        api_count_writes(c);
        c->direct_done(c, c->direct_arg);
        api_call_free(c);
}

int
api_run(struct api *a, const struct api_who *who, const char *peer, api_fn fn,
        void (*done)(struct api_call *c, void *arg), void *arg)
{
        struct api_call *c = calloc(1, sizeof(*c) + sizeof(struct api_route));
        struct api_route *r;

        if (!c)
                return -1;
        /* The route lives in the same allocation: only fn is used. */
        r = (struct api_route *)(void *)(c + 1);
        r->fn = fn;
        c->api = a;
        c->route = r;
        c->who = *who;
        snprintf(c->peer, sizeof(c->peer), "%s", peer);
        c->direct_done = done;
        c->direct_arg = arg;
        if (jobs_submit(a->jobs, a->w, api_work_direct, api_done_direct, c) <
            0) {
                api_call_free(c);
                return -1;
        }
        return 0;
}

void
api_set_who(struct api_call *c, const struct api_who *who)
{
        c->who = *who;
}

void *
api_call_arg(const struct api_call *c)
{
        return c->direct_arg;
}

int
api_status(const struct api_call *c, int *status, const char **msg)
{
        *status = c->status;
        *msg = c->msg ? c->msg : "";
        return c->http;
}

struct api *
api_new(struct worker *w, struct jobs *jobs, struct config *cfg,
        struct httpd *h, struct tally *tally)
{
        struct api *a = calloc(1, sizeof(*a));

        if (!a)
                return NULL;
        a->w = w;
        a->jobs = jobs;
        a->tally = tally;
        a->h = h;
        a->lim = httpd_ratelim(h);
        a->nroutes = api_build_routes(a->routes, API_MAX_ROUTES);
        if (a->nroutes == 0 ||
            httpd_add_routes(h, a->routes, a->nroutes, a) < 0) {
                free(a);
                return NULL;
        }
        config_ref(cfg);
        a->cfg = cfg;
        return a;
}

void
api_free(struct api *a)
{
        if (!a)
                return;
        config_unref(a->cfg);
        free(a);
}
