/*
 * The registry's HTTP API (SNMS-compatible, domain.md §2.A): how a
 * request becomes a call that runs on a registry thread.
 *
 * A worker copies what a request carries (method, path, query, body,
 * bearer token, peer address) into a call and hands it to the registry
 * threads (core/jobs), each of which owns a blocking Redis connection.
 * There the call is authenticated (token -> account, role, enterprise),
 * its JSON body parsed, and its route's handler run: plain sequential
 * Redis commands, so a multi-step write reads like the rule it enforces
 * and a registration waits for the AOF fsync without stalling any event
 * loop.  The answer goes back to the worker, which sends it.
 *
 * Every answer is the SNMS envelope {status, message, data} with an HTTP
 * status that agrees: 1/200, -1/401 (or 503 when the store is busy),
 * -2/400 (or 404, 409), -3/403, -4/500.
 */
#ifndef REGISTRY_API_H
#define REGISTRY_API_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "registry/users.h"

struct config;
struct jobs;
struct jobs_local;
struct worker;
struct redisContext;
struct redisReply;
struct api;
struct api_call;
struct httpd;
struct tally;

/* Who may call a route: a bit per role (API_PUBLIC: anyone, no token). */
enum {
        API_PUBLIC = 0,
        API_OPERATOR = 1 << USERS_OPERATOR,
        API_REVIEWER = 1 << USERS_REVIEWER,
        API_ENTERPRISE = 1 << USERS_ENTERPRISE,
        API_PLATFORM = 1 << USERS_PLATFORM,
        API_STAFF = API_OPERATOR | API_REVIEWER,
        API_WRITERS = API_ENTERPRISE | API_PLATFORM,
        API_USERS = API_STAFF | API_WRITERS,
        /*
         * Anyone, but a bearer token, when sent, must be valid and names
         * the caller (who may then see more): with API_USERS.
         */
        API_OPTIONAL = 1 << 8,
        API_ANYONE = API_OPTIONAL | API_USERS,
        /*
         * A call that can hold a registry thread long (trace, recall):
         * without a bearer token it also counts against limit_trace_*.
         */
        API_HEAVY = 1 << 9,
};

/* What the body must be; anything else is answered 400 before the fn. */
enum api_body { API_NO_BODY, API_OBJECT, API_ARRAY };

typedef void (*api_fn)(struct api_call *c);

/*
 * A path ending in '/' serves every path below it; what follows is the
 * route's parameter, a handle or prefix (api_arg).
 */
struct api_route {
        const char *path;
        int method; /* one HTTPD_* bit */
        int access; /* API_* role bits */
        enum api_body body;
        api_fn fn;
};

/* The account a call runs as (empty name for API_PUBLIC routes). */
struct api_who {
        char name[USERS_NAME_MAX + 1];
        enum users_role role;
        char ent[19]; /* USCC, "" for staff */
};

/* ------------------------------------------------------ node wiring */

/*
 * Fills `lc` with what each registry thread owns (its Redis connection),
 * for jobs_new(); `cfg` must outlive the pool.
 */
void api_thread_local(const struct config *cfg, struct jobs_local *lc);

/*
 * Per-worker context: adds the registry's route table to `h`.  `jobs`
 * must be a pool made with api_thread_local.  Holds a reference to
 * `cfg`.  Identifiers created count as registrations in `tally` (the
 * worker's usage statistics; NULL: none), which must outlive the api.
 * NULL on failure.
 */
struct api *api_new(struct worker *w, struct jobs *jobs, struct config *cfg,
                    struct httpd *h, struct tally *tally);
/* After the worker's HTTP server is gone. */
void api_free(struct api *a);

/*
 * Registry writes that succeeded, by audit action: the actions of
 * api_stat_actions, then every other one.
 */
#define API_STAT_ACTIONS 21
extern const char *const api_stat_actions[API_STAT_ACTIONS - 1];
struct api_stats {
        uint64_t writes[API_STAT_ACTIONS];
        uint64_t ent_limited;   /* writes refused by limit_ent_write_* */
        uint64_t quota_refused; /* identifiers refused by a prefix quota */
};
/* Copies the worker's counters (on its thread). */
void api_get_stats(const struct api *a, struct api_stats *s);

/* Prints one "METHOD /path" line per registry route (idnode --routes). */
void api_print_routes(FILE *fp);

/* ------------------------------------------- calls from other planes */

/*
 * Runs fn on a registry thread as `who`, whom the caller authenticated
 * itself (a Handle challenge-response, resolver/hauth), then done(c,
 * arg) on the worker; the call is freed after done returns.  The same
 * rules, audit log and counters apply as to an HTTP call; `peer` names
 * the client in the audit log.  0, or -1 if the registry is busy (then
 * neither runs).
 */
int api_run(struct api *a, const struct api_who *who, const char *peer,
            api_fn fn, void (*done)(struct api_call *c, void *arg), void *arg);
/* Who a call from another plane runs as, once fn has established it. */
void api_set_who(struct api_call *c, const struct api_who *who);
/* The `arg` of api_run, for fn. */
void *api_call_arg(const struct api_call *c);
/* The answer set: its HTTP status, with SNMS status and message. */
int api_status(const struct api_call *c, int *status, const char **msg);

/* ------------------------------------------------- for route handlers */

const struct api_who *api_who(const struct api_call *c);
const struct config *api_config(const struct api_call *c);
/* The parsed body (API_OBJECT/API_ARRAY routes), borrowed. */
json_t *api_body(const struct api_call *c);
/* A query parameter (decoded, borrowed), or NULL. */
const char *api_query(const struct api_call *c, const char *key);
/*
 * The path parameter of a route whose path ends in '/', percent-decoded
 * (borrowed, no NUL inside), or NULL; its length in *len.
 */
const char *api_arg(const struct api_call *c, size_t *len);
/* Counts identifiers refused by their prefix's quota (api_stats). */
void api_count_quota(struct api_call *c, size_t n);
/* The client's address, for the audit log. */
const char *api_peer(const struct api_call *c);

/*
 * The thread's Redis connection, or NULL (the call has then already
 * failed with 503: return).  For pipelines (redisAppendCommand).
 */
struct redisContext *api_redis(struct api_call *c);
/*
 * One command (hiredis format).  A reply the caller frees, or NULL if
 * the store failed (the call has then failed: return).  Error replies
 * are returned as replies.
 */
struct redisReply *api_cmd(struct api_call *c, const char *fmt, ...);
/* The same with an argument vector. */
struct redisReply *api_cmdv(struct api_call *c, int argc, const char **argv,
                            const size_t *argvlen);
/* Reads one pipelined reply; NULL as api_cmd. */
struct redisReply *api_reply(struct api_call *c);

/* Answers success with `data` (consumed; NULL = null). */
void api_ok(struct api_call *c, json_t *data);
/*
 * Answers success with `data` given as JSON text (len bytes, copied):
 * for answers too large to build as objects (registry/trace).
 */
void api_ok_text(struct api_call *c, const char *data, size_t len);
/* Answers success with a message other than "success". */
void api_ok_msg(struct api_call *c, const char *msg, json_t *data);
/* Answers an error: HTTP status, SNMS status, message (printf). */
void api_fail(struct api_call *c, int http, int status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/*
 * The same with `data` (consumed) in the envelope, for refusals a client
 * acts on (a create that found the identifier already there).
 */
void api_fail_data(struct api_call *c, int http, int status, json_t *data,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* 1 once api_ok/api_fail (or a store failure) has set the answer. */
int api_answered(const struct api_call *c);

/*
 * Records a write in the audit stream: action ("ent.register"), target
 * (a USCC, prefix or handle) and result ("ok" or the reason).  Entries
 * are appended when the handler returns, in one pipeline.
 */
void api_audit(struct api_call *c, const char *action, const char *target,
               const char *result);

#endif
