/*
 * idctl enterprise list|show|approve|reject and idctl prefix list|show:
 * the registry through the node's own SNMS HTTP API (http_bind:
 * http_port of the config), as a staff account, so that a decision runs
 * the registry's rules, scripts and audit like any reviewer's.
 *
 * The account: --user NAME with the password on standard input (a
 * token for this one command, logged out at its end), or a token in the
 * environment variable IDNODE_TOKEN.  Lists are aligned columns, show
 * is key: value, --json the API's data.  A refusal prints the API's
 * message and exits 1.
 */
#include "ops/ctl.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "core/config.h"
#include "core/httpc.h"
#include "registry/pfx.h"
#include "registry/snms.h"
#include "registry/users.h"

/* A registry write waits for Redis's fsync; leave it time. */
#define REG_TIMEOUT_MS 30000
#define REG_TOKEN_MAX  128
#define REG_TARGET_MAX 512
#define REG_COLS       6

/* The options, each a bit of struct ctl_reg_cmd's `opts`. */
enum ctl_reg_opt_kind { REG_STR, REG_INT, REG_FLAG };

enum {
        OPT_USER = 1 << 0,
        OPT_JSON = 1 << 1,
        OPT_STATE = 1 << 2,
        OPT_PAGE = 1 << 3,
        OPT_SIZE = 1 << 4,
        OPT_PREFIX = 1 << 5,
        OPT_REASON = 1 << 6,
        OPT_KIND = 1 << 7,
};

/* One command's session and options. */
struct reg {
        const struct config *cfg;
        char port[16];
        char auth[REG_TOKEN_MAX + 32]; /* "Authorization: Bearer ..." */
        int own_token;                 /* logged in here: log out after */
        const char *user, *state, *prefix, *reason, *kind, *arg;
        long page, size;
        int json;
};

static const struct ctl_reg_opt {
        const char *name;
        const char *value; /* its value in the usage; NULL: a flag */
        int bit;
        enum ctl_reg_opt_kind kind;
        size_t off;
        long max;
} ctl_reg_opts[] = {
    {"--user", "NAME", OPT_USER, REG_STR, offsetof(struct reg, user), 0},
    {"--json", NULL, OPT_JSON, REG_FLAG, offsetof(struct reg, json), 0},
    {"--state", "submitted|reviewing|approved|rejected|cancelled", OPT_STATE,
     REG_STR, offsetof(struct reg, state), 0},
    {"--page", "N", OPT_PAGE, REG_INT, offsetof(struct reg, page),
     SNMS_PAGE_LAST},
    {"--size", "N", OPT_SIZE, REG_INT, offsetof(struct reg, size),
     SNMS_PAGE_MAX},
    {"--prefix", "PREFIX", OPT_PREFIX, REG_STR, offsetof(struct reg, prefix),
     0},
    {"--reason", "TEXT", OPT_REASON, REG_STR, offsetof(struct reg, reason), 0},
    {"--kind", "apply|change|cancel", OPT_KIND, REG_STR,
     offsetof(struct reg, kind), 0},
};

#define REG_NOPTS (sizeof(ctl_reg_opts) / sizeof(ctl_reg_opts[0]))

static int ctl_reg_ent_list(struct reg *r);
static int ctl_reg_ent_show(struct reg *r);
static int ctl_reg_ent_approve(struct reg *r);
static int ctl_reg_ent_reject(struct reg *r);
static int ctl_reg_pfx_list(struct reg *r);
static int ctl_reg_pfx_show(struct reg *r);

static const struct ctl_reg_cmd {
        const char *group, *name;
        const char *arg; /* what the one argument is, or NULL for none */
        int opts, required;
        int (*fn)(struct reg *r);
} ctl_reg_cmds[] = {
    {"enterprise", "list", NULL, OPT_STATE | OPT_PAGE | OPT_SIZE, 0,
     ctl_reg_ent_list},
    {"enterprise", "show", "USCC", 0, 0, ctl_reg_ent_show},
    {"enterprise", "approve", "USCC", OPT_PREFIX | OPT_KIND, 0,
     ctl_reg_ent_approve},
    {"enterprise", "reject", "USCC", OPT_REASON | OPT_KIND, OPT_REASON,
     ctl_reg_ent_reject},
    {"prefix", "list", NULL, OPT_PAGE | OPT_SIZE, 0, ctl_reg_pfx_list},
    {"prefix", "show", "PREFIX", 0, 0, ctl_reg_pfx_show},
};

#define REG_NCMDS (sizeof(ctl_reg_cmds) / sizeof(ctl_reg_cmds[0]))

/* Names of a prefix's state and proxyState codes (registry/pfx.h). */
static const char *const ctl_reg_pfx_states[] = {
    "disabled", "enabled",         "to-delete",
    "rejected", "awaiting-review", "under-review"};
static const char *const ctl_reg_pfx_proxies[] = {
    NULL, "own-node", "hosting-requested", "hosting-rejected", "hosted"};

/* ------------------------------------------------------- the API */

/*
 * One call.  The `data` of a successful SNMS answer (a new reference,
 * JSON null if none), or NULL after printing why not: the API's message,
 * or what went wrong on the way.
 */
static json_t *
ctl_reg_call(struct reg *r, const char *method, const char *target,
             json_t *body)
{
        const char *headers[4] = {NULL, NULL, NULL, NULL};
        char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
        struct httpc_req rq = {
            .host = ctl_local_host(r->cfg->http_bind),
            .port = r->port,
            .method = method,
            .target = target,
            .headers = headers,
            .body = text,
            .body_len = text ? strlen(text) : 0,
            .timeout_ms = REG_TIMEOUT_MS,
        };
        struct httpc_resp *resp = NULL;
        json_t *j = NULL, *data = NULL;
        const char *msg;
        char err[512];
        int n = 0;

        if (body && !text) {
                fprintf(stderr, "idctl: out of memory\n");
                goto done;
        }
        headers[n++] = "Accept: application/json";
        if (text)
                headers[n++] = "Content-Type: application/json";
        if (r->auth[0])
                headers[n++] = r->auth;
        if (!(resp = httpc_request(&rq, err, sizeof(err)))) {
                fprintf(stderr, "idctl: %s\n", err);
                goto done;
        }
        j = ctl_json_body(resp);
        msg = json_string_value(json_object_get(j, "message"));
        if (!json_is_integer(json_object_get(j, "status"))) {
                fprintf(stderr, "idctl: %s %s: HTTP %d, not an SNMS answer\n",
                        method, target, httpc_status(resp));
        } else if (json_integer_value(json_object_get(j, "status")) != 1) {
                fprintf(stderr, "idctl: %s (HTTP %d)\n", msg ? msg : "refused",
                        httpc_status(resp));
        } else {
                data = json_object_get(j, "data");
                data = data ? json_incref(data) : json_null();
        }
done:
        if (text) {
                /* A login body holds a password. */
                OPENSSL_cleanse(text, strlen(text));
                free(text);
        }
        httpc_free(resp);
        json_decref(j);
        return data;
}

/* A token fit for a header line: printable, no blanks. */
static int
ctl_reg_token_ok(const char *t)
{
        size_t i;

        for (i = 0; t[i]; i++)
                if (t[i] <= ' ' || t[i] > '~')
                        return 0;
        return i > 0 && i <= REG_TOKEN_MAX;
}

/* Logs in with --user or takes IDNODE_TOKEN.  0, or an exit status. */
static int
ctl_reg_login(struct reg *r)
{
        const char *env = getenv("IDNODE_TOKEN"), *token;
        char pwd[USERS_PASSWORD_MAX + 2];
        json_t *body, *data;
        size_t len;

        if (!r->user && (!env || !env[0])) {
                fprintf(stderr, "idctl: give --user NAME (the password on "
                                "standard input) or a token in "
                                "IDNODE_TOKEN\n");
                return 2;
        }
        if (!r->user) {
                if (!ctl_reg_token_ok(env)) {
                        fprintf(stderr, "idctl: IDNODE_TOKEN is not a "
                                        "token\n");
                        return 2;
                }
                snprintf(r->auth, sizeof(r->auth), "Authorization: Bearer %s",
                         env);
                return 0;
        }
        if (ctl_password(pwd, USERS_PASSWORD_MAX, &len) < 0)
                return 1;
        body =
            json_pack("{s:s,s:s%}", "username", r->user, "password", pwd, len);
        OPENSSL_cleanse(pwd, sizeof(pwd));
        if (!body)
                fprintf(stderr, "idctl: the password is not UTF-8 text\n");
        data = body ? ctl_reg_call(r, "POST", "/identity/token", body) : NULL;
        json_decref(body);
        token = json_string_value(json_object_get(data, "token"));
        if (token && ctl_reg_token_ok(token)) {
                snprintf(r->auth, sizeof(r->auth), "Authorization: Bearer %s",
                         token);
                r->own_token = 1;
        } else if (data) {
                fprintf(stderr, "idctl: the login answer has no token\n");
        }
        json_decref(data);
        return r->own_token ? 0 : 1;
}

/* Ends the session this command opened. */
static void
ctl_reg_logout(struct reg *r)
{
        json_t *data;

        if (!r->own_token)
                return;
        data = ctl_reg_call(r, "DELETE", "/identity/token", NULL);
        if (!data)
                fprintf(stderr, "idctl: could not log out; the token "
                                "expires by itself\n");
        json_decref(data);
        OPENSSL_cleanse(r->auth, sizeof(r->auth));
}

/* path + "?" + pairs of (name, value), values escaped.  0, or -1. */
static int
ctl_reg_target(char *out, size_t len, const char *path, const char *const *q)
{
        size_t n = (size_t)snprintf(out, len, "%s", path), i;
        char v[REG_TARGET_MAX];

        for (i = 0; q[i] && q[i + 1] && n < len; i += 2) {
                if (httpc_escape(q[i + 1], v, sizeof(v)) < 0)
                        goto fail;
                n += (size_t)snprintf(out + n, len - n, "%c%s=%s",
                                      i ? '&' : '?', q[i], v);
        }
        if (n < len)
                return 0;
fail:
        fprintf(stderr, "idctl: the argument is too long\n");
        return -1;
}

/* --------------------------------------------------------- output */

/*
 * A value as a table cell or after "key: ".  Control characters become
 * \xNN: an enterprise's profile must not drive the operator's terminal.
 */
static void
ctl_reg_cell(const json_t *v, char *buf, size_t len)
{
        char *s = NULL;
        const char *t = "-";
        char num[24];
        size_t i, n = 0;

        if (json_is_string(v) && json_string_value(v)[0]) {
                t = json_string_value(v);
        } else if (json_is_integer(v)) {
                snprintf(num, sizeof(num), "%lld",
                         (long long)json_integer_value(v));
                t = num;
        } else if (v && !json_is_null(v) && !json_is_string(v) &&
                   (s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY))) {
                t = s;
        }
        for (i = 0; t[i] && n + 5 <= len; i++) {
                unsigned char ch = (unsigned char)t[i];

                if (ch < 0x20 || ch == 0x7f)
                        n += (size_t)snprintf(buf + n, len - n, "\\x%02x", ch);
                else
                        buf[n++] = (char)ch;
        }
        buf[n] = '\0';
        free(s);
}

/* A code as its name in `names` ("hosted"), or as the number. */
static void
ctl_reg_coded(const json_t *v, const char *const *names, size_t n, char *buf,
              size_t len)
{
        json_int_t k = json_integer_value(v);

        if (json_is_integer(v) && k >= 0 && (size_t)k < n && names[k])
                snprintf(buf, len, "%s", names[k]);
        else
                ctl_reg_cell(v, buf, len);
}

struct ctl_reg_column {
        const char *head, *key;
        const char *const *names; /* for codes, or NULL */
        size_t nnames;
};

/* Rows as aligned columns; the last column is not padded (names). */
static void
ctl_reg_table(const json_t *rows, const struct ctl_reg_column *cols,
              size_t ncol)
{
        char cell[256];
        size_t w[REG_COLS], i, c;
        const json_t *row;

        for (c = 0; c < ncol; c++)
                w[c] = strlen(cols[c].head);
        for (i = 0; i < json_array_size(rows); i++)
                for (c = 0; c < ncol; c++) {
                        row = json_array_get(rows, i);
                        ctl_reg_coded(json_object_get(row, cols[c].key),
                                      cols[c].names, cols[c].nnames, cell,
                                      sizeof(cell));
                        if (strlen(cell) > w[c])
                                w[c] = strlen(cell);
                }
        for (c = 0; c < ncol; c++)
                printf("%-*s%s", c + 1 < ncol ? (int)w[c] : 0, cols[c].head,
                       c + 1 < ncol ? "  " : "\n");
        for (i = 0; i < json_array_size(rows); i++)
                for (c = 0; c < ncol; c++) {
                        row = json_array_get(rows, i);
                        ctl_reg_coded(json_object_get(row, cols[c].key),
                                      cols[c].names, cols[c].nnames, cell,
                                      sizeof(cell));
                        printf("%-*s%s", c + 1 < ncol ? (int)w[c] : 0, cell,
                               c + 1 < ncol ? "  " : "\n");
                }
}

/* A page's rows, then where it is in the list. */
static void
ctl_reg_page(const json_t *page, const struct ctl_reg_column *cols, size_t ncol,
             const char *what)
{
        if (json_integer_value(json_object_get(page, "totalElements")) == 0) {
                printf("no %s\n", what);
                return;
        }
        ctl_reg_table(json_object_get(page, "content"), cols, ncol);
        printf(
            "page %lld of %lld, %lld %s\n",
            (long long)json_integer_value(json_object_get(page, "number")),
            (long long)json_integer_value(json_object_get(page, "totalPages")),
            (long long)json_integer_value(
                json_object_get(page, "totalElements")),
            what);
}

/* An object as "key: value" lines; objects inside as "key.sub". */
static void
ctl_reg_show(const json_t *obj, const char *prefix)
{
        const char *key;
        const json_t *v;
        char cell[1200], name[128];

        json_object_foreach((json_t *)obj, key, v)
        {
                snprintf(name, sizeof(name), "%s%s%s", prefix, key,
                         json_is_object(v) ? "." : ":");
                if (json_is_object(v)) {
                        ctl_reg_show(v, name);
                        continue;
                }
                ctl_reg_cell(v, cell, sizeof(cell));
                printf("%-16s %s\n", name, cell);
        }
}

/* Prints data as asked: JSON, or by `fn`. */
static int
ctl_reg_print(const struct reg *r, json_t *data, void (*fn)(const json_t *))
{
        if (!data)
                return 1;
        if (r->json)
                ctl_print_json(data);
        else
                fn(data);
        json_decref(data);
        return 0;
}

/* ---------------------------------------------------- enterprises */

static void
ctl_reg_ent_rows(const json_t *page)
{
        static const struct ctl_reg_column cols[] = {
            {"USCC", "uscc", NULL, 0},          {"STATE", "state", NULL, 0},
            {"PREFIX", "prefix", NULL, 0},      {"REQUEST", "request", NULL, 0},
            {"CREATED", "createDate", NULL, 0}, {"NAME", "entNameCn", NULL, 0},
        };

        ctl_reg_page(page, cols, sizeof(cols) / sizeof(cols[0]), "enterprises");
}

static void
ctl_reg_show_top(const json_t *data)
{
        ctl_reg_show(data, "");
}

static int
ctl_reg_paged(struct reg *r, const char *path, const char *state,
              void (*fn)(const json_t *))
{
        char page[24], size[24], target[REG_TARGET_MAX];
        const char *q[] = {"currentPage",          page,  "pageSize", size,
                           state ? "state" : NULL, state, NULL};

        snprintf(page, sizeof(page), "%ld", r->page);
        snprintf(size, sizeof(size), "%ld", r->size);
        if (ctl_reg_target(target, sizeof(target), path, q) < 0)
                return 1;
        return ctl_reg_print(r, ctl_reg_call(r, "GET", target, NULL), fn);
}

static int
ctl_reg_ent_list(struct reg *r)
{
        return ctl_reg_paged(r, "/snms/api/ent/page", r->state,
                             ctl_reg_ent_rows);
}

/* The enterprise's record, or NULL (said why). */
static json_t *
ctl_reg_ent_get(struct reg *r)
{
        const char *q[] = {"uscc", r->arg, NULL};
        char target[REG_TARGET_MAX];

        if (ctl_reg_target(target, sizeof(target), "/snms/api/ent/query", q) <
            0)
                return NULL;
        return ctl_reg_call(r, "GET", target, NULL);
}

static int
ctl_reg_ent_show(struct reg *r)
{
        return ctl_reg_print(r, ctl_reg_ent_get(r), ctl_reg_show_top);
}

/*
 * Takes the request of r->kind to `action` (approve, reject): starts
 * its review first when it is still submitted, as the API's workflow
 * needs (registry/review).  0, or an exit status.
 */
static int
ctl_reg_decide(struct reg *r, const char *action)
{
        const char *kind = r->kind ? r->kind : "apply", *from;
        json_t *rec = ctl_reg_ent_get(r), *body, *data = NULL, *rq;
        int started = 0;

        if (!rec)
                return 1;
        rq = json_object_get(rec, "request");
        if (strcmp(kind, "apply") == 0)
                from = json_string_value(json_object_get(rec, "state"));
        else if (json_is_string(json_object_get(rq, "kind")) &&
                 strcmp(json_string_value(json_object_get(rq, "kind")), kind) ==
                     0)
                from = json_string_value(json_object_get(rq, "state"));
        else
                from = NULL;
        if (from && strcmp(from, "submitted") == 0) {
                body = json_pack("{s:s,s:s,s:s}", "uscc", r->arg, "kind", kind,
                                 "action", "start");
                data =
                    body ? ctl_reg_call(r, "POST", "/snms/api/ent/review", body)
                         : NULL;
                json_decref(body);
                if (!data)
                        goto done;
                json_decref(data);
                started = 1;
        }
        body = json_pack("{s:s,s:s,s:s}", "uscc", r->arg, "kind", kind,
                         "action", action);
        if (body && r->reason)
                json_object_set_new(body, "reason", json_string(r->reason));
        if (body && r->prefix)
                json_object_set_new(body, "prefix", json_string(r->prefix));
        data =
            body ? ctl_reg_call(r, "POST", "/snms/api/ent/review", body) : NULL;
        json_decref(body);
        if (!data && started)
                fprintf(stderr,
                        "idctl: the review of %s was started; it "
                        "stays under review\n",
                        r->arg);
done:
        json_decref(rec);
        if (!data)
                return 1;
        if (r->json) {
                ctl_print_json(data);
        } else {
                printf("%s: %s %s",
                       json_string_value(json_object_get(data, "uscc")),
                       strcmp(kind, "apply") == 0    ? "application"
                       : strcmp(kind, "change") == 0 ? "change request"
                                                     : "cancellation",
                       json_string_value(json_object_get(data, "state")));
                if (json_is_string(json_object_get(data, "prefix")))
                        printf(", prefix %s", json_string_value(json_object_get(
                                                  data, "prefix")));
                printf("\n");
        }
        json_decref(data);
        return 0;
}

static int
ctl_reg_ent_approve(struct reg *r)
{
        return ctl_reg_decide(r, "approve");
}

static int
ctl_reg_ent_reject(struct reg *r)
{
        return ctl_reg_decide(r, "reject");
}

/* -------------------------------------------------------- prefixes */

static void
ctl_reg_pfx_rows(const json_t *page)
{
        static const struct ctl_reg_column cols[] = {
            {"PREFIX", "entPrefix", NULL, 0},
            {"STATE", "state", ctl_reg_pfx_states,
             sizeof(ctl_reg_pfx_states) / sizeof(ctl_reg_pfx_states[0])},
            {"PROXY", "proxyState", ctl_reg_pfx_proxies,
             sizeof(ctl_reg_pfx_proxies) / sizeof(ctl_reg_pfx_proxies[0])},
            {"OWNER", "entId", NULL, 0},
            {"CREATED", "createDate", NULL, 0},
            {"NAME", "entName", NULL, 0},
        };

        ctl_reg_page(page, cols, sizeof(cols) / sizeof(cols[0]), "prefixes");
}

static int
ctl_reg_pfx_list(struct reg *r)
{
        return ctl_reg_paged(r, "/snms/api/prefix/page", NULL,
                             ctl_reg_pfx_rows);
}

static void
ctl_reg_pfx_fields(const json_t *data)
{
        json_t *copy = json_deep_copy(data);
        char name[64];

        /* The codes with their names, the rest as it came. */
        ctl_reg_coded(json_object_get(data, "status"), ctl_reg_pfx_states,
                      sizeof(ctl_reg_pfx_states) /
                          sizeof(ctl_reg_pfx_states[0]),
                      name, sizeof(name));
        json_object_set_new(copy, "status", json_string(name));
        ctl_reg_coded(json_object_get(data, "proxyState"), ctl_reg_pfx_proxies,
                      sizeof(ctl_reg_pfx_proxies) /
                          sizeof(ctl_reg_pfx_proxies[0]),
                      name, sizeof(name));
        json_object_set_new(copy, "proxyState", json_string(name));
        ctl_reg_show(copy, "");
        json_decref(copy);
}

static int
ctl_reg_pfx_show(struct reg *r)
{
        const char *q[] = {"prefix", r->arg, NULL};
        char target[REG_TARGET_MAX];

        if (ctl_reg_target(target, sizeof(target), "/snms/api/prefix/query",
                           q) < 0)
                return 1;
        return ctl_reg_print(r, ctl_reg_call(r, "GET", target, NULL),
                             ctl_reg_pfx_fields);
}

/* ------------------------------------------------------- commands */

static void
ctl_reg_usage(const char *group)
{
        size_t k, o;

        for (k = 0; k < REG_NCMDS; k++) {
                if (strcmp(ctl_reg_cmds[k].group, group) != 0)
                        continue;
                fprintf(stderr, "usage: idctl %s %s", group,
                        ctl_reg_cmds[k].name);
                if (ctl_reg_cmds[k].arg)
                        fprintf(stderr, " %s", ctl_reg_cmds[k].arg);
                for (o = 0; o < REG_NOPTS; o++)
                        if ((ctl_reg_cmds[k].opts | OPT_USER | OPT_JSON) &
                            ctl_reg_opts[o].bit) {
                                const struct ctl_reg_opt *op = &ctl_reg_opts[o];
                                int req = ctl_reg_cmds[k].required & op->bit;

                                fprintf(stderr, " %s%s%s%s%s", req ? "" : "[",
                                        op->name, op->value ? " " : "",
                                        op->value ? op->value : "",
                                        req ? "" : "]");
                        }
                fprintf(stderr, "\n");
        }
}

/* Arguments go into JSON bodies: UTF-8 only.  0, or -1 (said so). */
static int
ctl_reg_utf8(const char *what, const char *s)
{
        json_t *j = json_string(s);

        json_decref(j);
        if (j)
                return 0;
        fprintf(stderr, "idctl: %s: not UTF-8 text\n", what);
        return -1;
}

/* Fills r from argv for command c.  0, or -1 (said what is wrong). */
static int
ctl_reg_parse(struct reg *r, const struct ctl_reg_cmd *c, int argc, char **argv)
{
        int i;

        for (i = 0; i < argc; i++) {
                const struct ctl_reg_opt *o = NULL;
                char *dst;
                size_t k;

                for (k = 0; k < REG_NOPTS; k++)
                        if (strcmp(argv[i], ctl_reg_opts[k].name) == 0 &&
                            (ctl_reg_opts[k].bit &
                             (c->opts | OPT_USER | OPT_JSON)))
                                o = &ctl_reg_opts[k];
                if (!o && (argv[i][0] == '-' || !c->arg || r->arg)) {
                        fprintf(stderr, "idctl: unexpected argument %s\n",
                                argv[i]);
                        return -1;
                }
                if (!o) {
                        if (ctl_reg_utf8(c->arg, argv[i]) < 0)
                                return -1;
                        r->arg = argv[i];
                        continue;
                }
                dst = (char *)r + o->off;
                if (o->kind == REG_FLAG) {
                        *(int *)(void *)dst = 1;
                } else if (++i == argc) {
                        fprintf(stderr, "idctl: %s needs a value\n", o->name);
                        return -1;
                } else if (o->kind == REG_STR) {
                        if (ctl_reg_utf8(o->name, argv[i]) < 0)
                                return -1;
                        *(const char **)(void *)dst = argv[i];
                } else if (ctl_int_arg(o->name, argv[i], 1, o->max,
                                       (long *)(void *)dst) < 0) {
                        return -1;
                }
        }
        if (c->arg && !r->arg) {
                fprintf(stderr, "idctl: %s %s needs a %s\n", c->group, c->name,
                        c->arg);
                return -1;
        }
        /* Required options are strings. */
        for (i = 0; i < (int)REG_NOPTS; i++) {
                const char *const *v =
                    (const char *const *)(const void *)((const char *)r +
                                                        ctl_reg_opts[i].off);

                if ((c->required & ctl_reg_opts[i].bit) && !(*v && **v)) {
                        fprintf(stderr, "idctl: %s %s needs %s\n", c->group,
                                c->name, ctl_reg_opts[i].name);
                        return -1;
                }
        }
        return 0;
}

static int
ctl_reg_run(const struct config *cfg, const char *group, int argc, char **argv)
{
        struct reg r;
        size_t k;
        int rc;

        for (k = 0; argc > 0 && k < REG_NCMDS; k++)
                if (strcmp(ctl_reg_cmds[k].group, group) == 0 &&
                    strcmp(ctl_reg_cmds[k].name, argv[0]) == 0)
                        break;
        if (argc == 0 || k == REG_NCMDS) {
                ctl_reg_usage(group);
                return 2;
        }
        memset(&r, 0, sizeof(r));
        r.cfg = cfg;
        r.page = 1;
        r.size = SNMS_PAGE_DEFAULT;
        snprintf(r.port, sizeof(r.port), "%d", cfg->http_port);
        if (ctl_reg_parse(&r, &ctl_reg_cmds[k], argc - 1, argv + 1) < 0)
                return 2;
        if ((rc = ctl_reg_login(&r)) != 0)
                return rc;
        rc = ctl_reg_cmds[k].fn(&r);
        ctl_reg_logout(&r);
        return rc;
}

int
ctl_reg_enterprise(const struct config *cfg, int argc, char **argv)
{
        return ctl_reg_run(cfg, "enterprise", argc, argv);
}

int
ctl_reg_prefix(const struct config *cfg, int argc, char **argv)
{
        return ctl_reg_run(cfg, "prefix", argc, argv);
}
