/*
 * SNMS login (domain.md §2.A): POST /identity/token issues a bearer
 * token valid 24 hours, DELETE /identity/token revokes it, POST
 * /identity/token/v1 issues the same token for the day's password
 * digest ("密文传输") when the node has a key to open the accounts' pw1.
 * Tokens are stored only as their SHA-256 (keys_token); passwords are
 * verified on the jobs pool, never on the worker's loop.
 */
#ifndef REGISTRY_AUTH_H
#define REGISTRY_AUTH_H

#include <stddef.h>

#include "certs/secret.h"
#include "registry/users.h"

struct worker;
struct rpool;
struct jobs;
struct auth;
struct httpd_route;
struct seal_key;

#define AUTH_TOKEN_TTL_S 86400
#define AUTH_MAX_BODY    4096
#define AUTH_NAME_BUF    51 /* 50 + NUL */
#define AUTH_PWD_BUF     65 /* 64 + NUL */

/*
 * Per-worker context of the login routes; the pointers are borrowed
 * (`key` may be NULL: v1 logins are then refused with 400).
 */
struct auth *auth_new(struct worker *w, struct rpool *redis, struct jobs *jobs,
                      const struct seal_key *key);
void auth_free(struct auth *a);

/*
 * Parses a login body {"username","password"}.  Returns NULL, or the
 * reason for a 400 (not JSON, wrong types, over 50 characters or 64
 * bytes).  On NULL, name is empty (and *pwdlen 0) when the strings can
 * be no account: such a login is simply wrong, answered like any other.
 */
const char *auth_parse_login(const char *body, size_t len,
                             char name[AUTH_NAME_BUF], char pwd[AUTH_PWD_BUF],
                             size_t *pwdlen);

/*
 * The bearer token of an Authorization header value (NULL: no header):
 * "Bearer " (the scheme case-insensitive, RFC 7235) and 64 lower-case hex
 * digits, which are copied to tok.  Every plane that takes a token reads
 * it with this, so they accept and refuse the same headers.
 */
enum auth_bearer {
        AUTH_BEARER_NONE, /* no header */
        AUTH_BEARER_OK,
        AUTH_BEARER_BAD, /* a header that is not such a token */
};
enum auth_bearer auth_bearer(const char *header, char tok[SECRET_HEX64]);

/*
 * What keys_token(sha256(token)) holds: "name role ent gen" (ent "-" for
 * staff; gen absent in tokens from before logout everywhere).
 */
struct auth_token {
        char name[USERS_NAME_MAX + 1];
        enum users_role role;
        char ent[19]; /* USCC in upper case, "" for staff */
        char gen[24]; /* the account's session generation at login */
};

/* Parses a stored token value (len bytes).  0, or -1 if it is unusable. */
int auth_token_parse(const char *val, size_t len, struct auth_token *t);

/*
 * Whether the account still backs the token, from its record's `role`
 * and `gen` fields (NULL when absent): 0 yes, or -1 with *why, the
 * message for the 401 (the account was deleted, or logged out
 * everywhere since).
 */
int auth_token_current(const struct auth_token *t, const char *role,
                       const char *gen, const char **why);

/* The routes, served with an auth context. */
const struct httpd_route *auth_routes(size_t *n);

#endif
