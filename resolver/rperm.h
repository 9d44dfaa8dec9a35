/*
 * Who is asking, and what may they read: the resolver side of data
 * permissions (docs/trace.md "Who sees what"), asynchronous on the
 * worker's Redis pool so no event loop ever blocks on it.
 *
 *   rperm_identify  a bearer token -> the account, its role and
 *                   enterprise, checked as the registry checks it
 *                   (registry/auth: token record, then the account
 *                   still there and not logged out everywhere)
 *   rperm_check     an enterprise and a handle -> GRANT_* rights, by
 *                   grant_decide (registry/grant), the rule the trace
 *                   API applies: the prefix's owner holds everything, a
 *                   grantee what it was granted on the identifier or
 *                   its prefix, anyone else nothing
 *
 * Nothing is cached: both read the keys each time (two and three
 * commands, one round trip each), so a revoked grant or token takes
 * effect on the next request.  Callers skip them for anonymous
 * requests, which read the public values only.
 *
 * rperm_readable is the per-value test every renderer applies.  The
 * Handle front end decides on a registry thread instead (registry/hadmin,
 * through grant_rights), since an authenticated Handle request runs there.
 */
#ifndef RESOLVER_RPERM_H
#define RESOLVER_RPERM_H

#include <stddef.h>

#include "certs/secret.h"
#include "registry/auth.h"

struct hval;
struct rworker;

enum rperm_status {
        RPERM_OK,
        RPERM_DENIED, /* unknown, expired or revoked token: answer 401 */
        RPERM_BUSY,   /* the store failed: answer 503 */
};

/*
 * `t` (valid during the call only) is the account when st is RPERM_OK;
 * `why` the message for a denial.
 */
typedef void (*rperm_who_fn)(void *arg, enum rperm_status st,
                             const struct auth_token *t, const char *why);

/*
 * Looks up the account of `token` (64 hex, as auth_bearer gives it).
 * 0 if cb will run once later, -1 (cb not run) if Redis cannot take the
 * command now.
 */
int rperm_identify(struct rworker *rw, const char token[SECRET_HEX64],
                   rperm_who_fn cb, void *arg);

/* GRANT_* bits, or -1 if the store failed. */
typedef void (*rperm_fn)(void *arg, int rights);

/*
 * The rights of enterprise `ent` (a USCC, not empty: callers give
 * anonymous and staff callers no rights without asking) on the
 * normalised handle name[len].  0 if cb will run once later, -1 (cb
 * not run) if Redis cannot take the commands now.
 */
int rperm_check(struct rworker *rw, const char *ent, const char *name,
                size_t len, rperm_fn cb, void *arg);

/* 1 if a caller holding `rights` may read v. */
int rperm_readable(int rights, const struct hval *v);

#endif
