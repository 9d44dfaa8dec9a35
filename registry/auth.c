#include "registry/auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <hiredis/hiredis.h>
#include <jansson.h>
#include <openssl/crypto.h>

#include "certs/seal.h"
#include "certs/secret.h"
#include "core/httpd.h"
#include "core/jobs.h"
#include "core/log.h"
#include "core/rpool.h"
#include "core/utf8.h"
#include "registry/keys.h"
#include "registry/users.h"

struct auth {
        struct worker *w;
        struct rpool *redis;
        struct jobs *jobs;
        const struct seal_key *key; /* NULL: no v1 login */
        /* A pw1 that opens (for "pw1:") and matches nothing: see below. */
        char dummy_pw1[SEAL_TEXT_MAX];
};

/* One login, from the request to the answer; freed by auth_login_end. */
struct login {
        struct auth *a;
        struct evhttp_request *req;
        char name[AUTH_NAME_BUF];
        char pwd[AUTH_PWD_BUF];
        size_t pwdlen;
        char verifier[SECRET_HASH_MAX];
        char pw1[SEAL_TEXT_MAX];
        int v1;      /* /identity/token/v1: pwd is the day's digest */
        int bad_pw1; /* pw1 did not open: wrong key file or changed */
        char role[16];
        char ent[32];
        char gen[24]; /* the account's session generation */
        int known;
        int ok;
        char token[SECRET_HEX64];
};

/*
 * Unknown users are checked against this (it matches nothing) at the
 * same cost as a real account, so timing does not reveal which exist.
 */
static const char dummy_verifier[] =
    "pbkdf2-sha256$200000$AAAAAAAAAAAAAAAAAAAAAA==$"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

static void auth_login(void *ctx, struct evhttp_request *req, const char *rest);
static void auth_login_v1(void *ctx, struct evhttp_request *req,
                          const char *rest);
static void auth_logout(void *ctx, struct evhttp_request *req,
                        const char *rest);

/* One path, two methods: dispatch on the method. */
static void
auth_token_route(void *ctx, struct evhttp_request *req, const char *rest)
{
        if (evhttp_request_get_command(req) == EVHTTP_REQ_POST)
                auth_login(ctx, req, rest);
        else
                auth_logout(ctx, req, rest);
}

static const struct httpd_route table[] = {
    {"/identity/token", NULL, HTTPD_POST | HTTPD_DELETE, auth_token_route},
    {"/identity/token/v1", NULL, HTTPD_POST, auth_login_v1},
};

const struct httpd_route *
auth_routes(size_t *n)
{
        *n = sizeof(table) / sizeof(table[0]);
        return table;
}

enum auth_bearer
auth_bearer(const char *h, char tok[SECRET_HEX64])
{
        size_t i;

        tok[0] = '\0';
        if (!h)
                return AUTH_BEARER_NONE;
        if (strncasecmp(h, "Bearer ", 7) != 0 || strlen(h + 7) != 64)
                return AUTH_BEARER_BAD;
        for (i = 0; i < 64; i++)
                if (!((h[7 + i] >= '0' && h[7 + i] <= '9') ||
                      (h[7 + i] >= 'a' && h[7 + i] <= 'f')))
                        return AUTH_BEARER_BAD;
        memcpy(tok, h + 7, 64);
        tok[64] = '\0';
        return AUTH_BEARER_OK;
}

int
auth_token_parse(const char *val, size_t len, struct auth_token *t)
{
        char buf[160], role[16];
        size_t i;

        memset(t, 0, sizeof(*t));
        snprintf(t->gen, sizeof(t->gen), "0");
        if (len >= sizeof(buf) || memchr(val, '\0', len))
                return -1;
        memcpy(buf, val, len);
        buf[len] = '\0';
        if (sscanf(buf, "%50s %15s %18s %23s", t->name, role, t->ent, t->gen) <
            3)
                return -1;
        t->role = users_role_parse(role);
        if (t->role == USERS_NONE)
                return -1;
        if (strcmp(t->ent, "-") == 0)
                t->ent[0] = '\0';
        /* A USCC is case-insensitive: keys and comparisons use upper case. */
        for (i = 0; t->ent[i]; i++)
                if (t->ent[i] >= 'a' && t->ent[i] <= 'z')
                        t->ent[i] = (char)(t->ent[i] - 'a' + 'A');
        return 0;
}

int
auth_token_current(const struct auth_token *t, const char *role,
                   const char *gen, const char **why)
{
        if (!role) {
                *why = "the account of this token no longer exists";
                return -1;
        }
        if (strcmp(gen ? gen : "0", t->gen) != 0) {
                *why = "this token was revoked (logout everywhere)";
                return -1;
        }
        return 0;
}

/* The SNMS envelope {status, message, data}; data is consumed. */
static void
auth_reply(struct evhttp_request *req, int http, int status, const char *msg,
           json_t *data)
{
        httpd_send_json(req, http,
                        json_pack("{s:i,s:s,s:o}", "status", status, "message",
                                  msg, "data", data ? data : json_null()),
                        0);
}

static void
auth_login_end(struct login *lg)
{
        OPENSSL_cleanse(lg, sizeof(*lg));
        free(lg);
}

static void
auth_token_stored(void *arg, struct redisReply *r, enum rpool_status st)
{
        struct login *lg = arg;

        if (st != RPOOL_OK || r->type != REDIS_REPLY_STATUS) {
                auth_reply(lg->req, 503, -1, "store unavailable, retry later",
                           NULL);
        } else {
                log_info("login", "user=%s role=%s result=ok", lg->name,
                         lg->role);
                auth_reply(lg->req, 200, 1, "success",
                           json_pack("{s:s,s:i}", "token", lg->token,
                                     "expiresIn", AUTH_TOKEN_TTL_S));
        }
        auth_login_end(lg);
}

/* On a jobs thread: the slow part. */
static void
auth_verify_work(void *local, void *arg)
{
        struct login *lg = arg;
        int match = secret_verify_password(
            lg->known ? lg->verifier : dummy_verifier, lg->pwd, lg->pwdlen);

        (void)local;
        lg->ok = lg->known && match;
        OPENSSL_cleanse(lg->pwd, sizeof(lg->pwd));
}

/* "yyyy-MM-dd" of t in UTC. */
static void
auth_date(time_t t, char out[16])
{
        struct tm tm;

        gmtime_r(&t, &tm);
        strftime(out, 16, "%Y-%m-%d", &tm);
}

/*
 * On a jobs thread: the v1 check.  The digest is accepted for the UTC
 * dates of yesterday, today and tomorrow, since clients compute it in
 * their own time zone (UTC+8 for most).  Unknown users and users without
 * pw1 open a dummy pw1 instead and compare all the same, so the answer
 * takes as long either way.
 */
static void
auth_verify_v1_work(void *local, void *arg)
{
        struct login *lg = arg;
        uint8_t inner[SEAL_MAX_PLAIN];
        char aad[USERS_AAD_MAX], want[SECRET_HEX64], date[16];
        time_t now = time(NULL);
        size_t len = 0;
        int opened, match = 0, d;

        (void)local;
        users_pw1_aad(lg->known ? lg->name : "", aad);
        opened =
            seal_decrypt(lg->a->key, lg->known ? lg->pw1 : lg->a->dummy_pw1,
                         aad, inner, &len) == 0 &&
            len == 64;
        for (d = -1; d <= 1; d++) {
                auth_date(now + d * 86400, date);
                secret_v1_from_inner((const char *)inner, date, want);
                match |=
                    lg->pwdlen == 64 && CRYPTO_memcmp(want, lg->pwd, 64) == 0;
        }
        lg->ok = lg->known && opened && match;
        lg->bad_pw1 = lg->known && !opened;
        OPENSSL_cleanse(inner, sizeof(inner));
        OPENSSL_cleanse(want, sizeof(want));
        OPENSSL_cleanse(lg->pwd, sizeof(lg->pwd));
        OPENSSL_cleanse(lg->pw1, sizeof(lg->pw1));
}

/* Back on the worker. */
static void
auth_verified(struct worker *w, void *arg)
{
        struct login *lg = arg;
        char sha[SECRET_HEX64], key[80], val[128];
        const char *argv[5];
        size_t argvlen[5];

        (void)w;
        if (lg->bad_pw1)
                log_warn("login_pw1_unusable",
                         "user=%s reason=\"pw1 does not open with this "
                         "node's key file\"",
                         lg->name);
        if (!lg->ok) {
                log_info("login", "user=%s v1=%d result=denied",
                         lg->name[0] ? lg->name : "(invalid)", lg->v1);
                auth_reply(lg->req, 401, -2, "wrong username or password",
                           NULL);
                auth_login_end(lg);
                return;
        }
        if (secret_new_token(lg->token) < 0) {
                auth_reply(lg->req, 500, -4, "cannot make a token", NULL);
                auth_login_end(lg);
                return;
        }
        secret_token_key(lg->token, 64, sha);
        snprintf(val, sizeof(val), "%s %s %s %s", lg->name, lg->role,
                 lg->ent[0] ? lg->ent : "-", lg->gen[0] ? lg->gen : "0");
        argv[0] = "SET", argv[1] = key, argv[2] = val, argv[3] = "EX",
        argv[4] = "86400";
        argvlen[0] = 3, argvlen[1] = keys_token(key, sizeof(key), sha);
        argvlen[2] = strlen(val), argvlen[3] = 2, argvlen[4] = 5;
        if (rpool_command(lg->a->redis, auth_token_stored, lg, 5, argv,
                          argvlen) < 0) {
                auth_reply(lg->req, 503, -1, "store unavailable, retry later",
                           NULL);
                auth_login_end(lg);
        }
}

static void
auth_user_fetched(void *arg, struct redisReply *r, enum rpool_status st)
{
        struct login *lg = arg;
        size_t i;

        if (st != RPOOL_OK || r->type != REDIS_REPLY_ARRAY) {
                auth_reply(lg->req, 503, -1, "store unavailable, retry later",
                           NULL);
                auth_login_end(lg);
                return;
        }
        for (i = 0; i + 1 < r->elements; i += 2) {
                const char *k = r->element[i]->str, *v = r->element[i + 1]->str;

                if (!k || !v)
                        continue;
                if (strcmp(k, "pw") == 0)
                        snprintf(lg->verifier, sizeof(lg->verifier), "%s", v);
                else if (strcmp(k, "pw1") == 0)
                        snprintf(lg->pw1, sizeof(lg->pw1), "%s", v);
                else if (strcmp(k, "role") == 0)
                        snprintf(lg->role, sizeof(lg->role), "%s", v);
                else if (strcmp(k, "ent") == 0)
                        snprintf(lg->ent, sizeof(lg->ent), "%s", v);
                else if (strcmp(k, "gen") == 0)
                        snprintf(lg->gen, sizeof(lg->gen), "%s", v);
        }
        lg->known = (lg->v1 ? lg->pw1[0] : lg->verifier[0]) != '\0';
        if (jobs_submit(lg->a->jobs, lg->a->w,
                        lg->v1 ? auth_verify_v1_work : auth_verify_work,
                        auth_verified, lg) < 0) {
                auth_reply(lg->req, 503, -1, "too many logins, retry later",
                           NULL);
                auth_login_end(lg);
        }
}

const char *
auth_parse_login(const char *body, size_t len, char name[AUTH_NAME_BUF],
                 char pwd[AUTH_PWD_BUF], size_t *pwdlen)
{
        const json_t *jn, *jp;
        const char *s;
        json_t *root;
        size_t n;

        name[0] = '\0';
        *pwdlen = 0;
        if (len > AUTH_MAX_BODY)
                return "request body too large";
        root = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
        jn = json_object_get(root, "username");
        jp = json_object_get(root, "password");
        if (!json_is_object(root) || !json_is_string(jn) ||
            !json_is_string(jp)) {
                json_decref(root);
                return "need a JSON object with string username and "
                       "password";
        }
        s = json_string_value(jn);
        n = json_string_length(jp);
        if (utf8_chars(s) > USERS_NAME_MAX || n > USERS_PASSWORD_MAX) {
                json_decref(root);
                return "username is at most 50 characters and password at "
                       "most 64 bytes";
        }
        if (users_valid_name(s, json_string_length(jn)) && n > 0 &&
            strlen(json_string_value(jp)) == n) {
                snprintf(name, AUTH_NAME_BUF, "%s", s);
                memcpy(pwd, json_string_value(jp), n);
                *pwdlen = n;
        }
        json_decref(root);
        return NULL;
}

/* Both logins: the body, then the account, then the check off-loop. */
static void
auth_login_start(struct auth *a, struct evhttp_request *req, int v1)
{
        struct login *lg = calloc(1, sizeof(*lg));
        struct evbuffer *in;
        const char *why;
        size_t len;
        char key[80];
        const char *argv[2] = {"HGETALL", key};
        size_t argvlen[2] = {7, 0};

        if (!lg) {
                auth_reply(req, 503, -1, "out of memory", NULL);
                return;
        }
        lg->a = a;
        lg->req = req;
        lg->v1 = v1;
        in = evhttp_request_get_input_buffer(req);
        len = evbuffer_get_length(in);
        why = len > AUTH_MAX_BODY
                  ? "request body too large"
                  : auth_parse_login((const char *)evbuffer_pullup(in, -1), len,
                                     lg->name, lg->pwd, &lg->pwdlen);
        if (why) {
                auth_reply(req, 400, -2, why, NULL);
                auth_login_end(lg);
                return;
        }
        argvlen[1] = keys_user(key, sizeof(key), lg->name);
        if (rpool_command(a->redis, auth_user_fetched, lg, 2, argv, argvlen) <
            0) {
                auth_reply(req, 503, -1, "store unavailable, retry later",
                           NULL);
                auth_login_end(lg);
        }
}

static void
auth_login(void *ctx, struct evhttp_request *req, const char *rest)
{
        (void)rest;
        auth_login_start(ctx, req, 0);
}

static void
auth_login_v1(void *ctx, struct evhttp_request *req, const char *rest)
{
        struct auth *a = ctx;

        (void)rest;
        if (!a->key) {
                auth_reply(req, 400, -2,
                           "login with a password digest (/identity/token/v1) "
                           "is not enabled on this node: its secret_key_file "
                           "is not set; use /identity/token",
                           NULL);
                return;
        }
        auth_login_start(a, req, 1);
}

static void
auth_revoked(void *arg, struct redisReply *r, enum rpool_status st)
{
        struct evhttp_request *req = arg;

        if (st != RPOOL_OK || r->type != REDIS_REPLY_INTEGER)
                auth_reply(req, 503, -1, "store unavailable, retry later",
                           NULL);
        else if (r->integer == 0)
                auth_reply(req, 401, -1, "unknown or expired token", NULL);
        else
                auth_reply(req, 200, 1, "success", NULL);
}

/*
 * Logout everywhere (?all=true): bumps the account's session generation,
 * which every token carries and registry calls compare, then deletes
 * this token.  Owned by the chain of callbacks; the last one frees it.
 */
struct logout_all {
        struct auth *a;
        struct evhttp_request *req;
        char tok[80];
};

static void
auth_logout_all_end(struct logout_all *la, int http, int status,
                    const char *msg)
{
        auth_reply(la->req, http, status, msg, NULL);
        OPENSSL_cleanse(la, sizeof(*la));
        free(la);
}

static void
auth_logout_all_deleted(void *arg, struct redisReply *r, enum rpool_status st)
{
        (void)r;
        if (st != RPOOL_OK)
                auth_logout_all_end(arg, 503, -1,
                                    "store unavailable, retry later");
        else
                auth_logout_all_end(arg, 200, 1, "success");
}

static void
auth_logout_all_bumped(void *arg, struct redisReply *r, enum rpool_status st)
{
        struct logout_all *la = arg;
        const char *argv[2] = {"DEL", la->tok};
        size_t argvlen[2] = {3, strlen(la->tok)};

        if (st != RPOOL_OK || r->type != REDIS_REPLY_INTEGER) {
                auth_logout_all_end(la, 503, -1,
                                    "store unavailable, retry later");
                return;
        }
        if (rpool_command(la->a->redis, auth_logout_all_deleted, la, 2, argv,
                          argvlen) < 0)
                auth_logout_all_end(la, 503, -1,
                                    "store unavailable, retry later");
}

static void
auth_logout_all_found(void *arg, struct redisReply *r, enum rpool_status st)
{
        struct logout_all *la = arg;
        struct auth_token t;
        char key[80];
        const char *argv[4] = {"HINCRBY", key, "gen", "1"};
        size_t argvlen[4] = {7, 0, 3, 1};

        if (st != RPOOL_OK) {
                auth_logout_all_end(la, 503, -1,
                                    "store unavailable, retry later");
                return;
        }
        if (r->type != REDIS_REPLY_STRING ||
            auth_token_parse(r->str, r->len, &t) < 0) {
                auth_logout_all_end(la, 401, -1, "unknown or expired token");
                return;
        }
        argvlen[1] = keys_user(key, sizeof(key), t.name);
        if (rpool_command(la->a->redis, auth_logout_all_bumped, la, 4, argv,
                          argvlen) < 0)
                auth_logout_all_end(la, 503, -1,
                                    "store unavailable, retry later");
}

static int
auth_all_param(void *arg, const char *key, const char *value)
{
        if (strcmp(key, "all") == 0)
                *(int *)arg = httpd_flag(value);
        return 0;
}

static void
auth_logout(void *ctx, struct evhttp_request *req, const char *rest)
{
        struct auth *a = ctx;
        const char *h = evhttp_find_header(
            evhttp_request_get_input_headers(req), "Authorization");
        const char *q =
            evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
        char sha[SECRET_HEX64], key[80], tok[SECRET_HEX64];
        const char *argv[2] = {"DEL", key};
        size_t argvlen[2] = {3, 0};
        struct logout_all *la;
        int all = 0;

        (void)rest;
        if (auth_bearer(h, tok) != AUTH_BEARER_OK) {
                auth_reply(req, 401, -1, "a bearer token is required", NULL);
                return;
        }
        if (q && httpd_query_each(q, auth_all_param, &all) != 0) {
                auth_reply(req, 400, -2, "malformed query string", NULL);
                return;
        }
        secret_token_key(tok, 64, sha);
        OPENSSL_cleanse(tok, sizeof(tok));
        argvlen[1] = keys_token(key, sizeof(key), sha);
        if (!all) {
                if (rpool_command(a->redis, auth_revoked, req, 2, argv,
                                  argvlen) < 0)
                        auth_reply(req, 503, -1,
                                   "store unavailable, retry later", NULL);
                return;
        }
        la = calloc(1, sizeof(*la));
        if (!la) {
                auth_reply(req, 503, -1, "out of memory", NULL);
                return;
        }
        la->a = a;
        la->req = req;
        memcpy(la->tok, key, argvlen[1] + 1);
        argv[0] = "GET", argvlen[0] = 3;
        if (rpool_command(a->redis, auth_logout_all_found, la, 2, argv,
                          argvlen) < 0)
                auth_logout_all_end(la, 503, -1,
                                    "store unavailable, retry later");
}

struct auth *
auth_new(struct worker *w, struct rpool *redis, struct jobs *jobs,
         const struct seal_key *key)
{
        static const uint8_t zeros[64];
        struct auth *a = calloc(1, sizeof(*a));
        char aad[USERS_AAD_MAX];

        if (!a)
                return NULL;
        a->w = w;
        a->redis = redis;
        a->jobs = jobs;
        a->key = key;
        users_pw1_aad("", aad);
        if (key &&
            seal_encrypt(key, zeros, sizeof(zeros), aad, a->dummy_pw1) < 0) {
                free(a);
                return NULL;
        }
        return a;
}

void
auth_free(struct auth *a)
{
        free(a);
}
