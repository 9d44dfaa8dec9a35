/*
 * Accounts of the node: operators, reviewers, enterprise users and
 * platforms (each of the last two belongs to one enterprise, by its USCC).
 * Stored in Redis under keys_user(); the password only as a certs/secret
 * verifier.
 */
#ifndef REGISTRY_USERS_H
#define REGISTRY_USERS_H

#include <stddef.h>

struct redisContext;
struct seal_key;

#define USERS_NAME_MAX     50 /* SNMS username limit */
#define USERS_PASSWORD_MAX 64 /* SNMS password limit, bytes */

enum users_role {
        USERS_NONE = 0,
        USERS_OPERATOR,
        USERS_REVIEWER,
        USERS_ENTERPRISE,
        USERS_PLATFORM, /* a system writing for an enterprise (ERP, MES) */
};

/* 1 if name is 1-50 characters of [A-Za-z0-9_.@-]. */
int users_valid_name(const char *name, size_t len);
enum users_role users_role_parse(const char *s);
const char *users_role_name(enum users_role r);

/*
 * Creates an account unless the name is taken (atomically: an existing
 * account is never changed).  Hashes the password here, so this is for
 * tools (idctl), not event loops.  With the node key (`key` not NULL)
 * the account also gets `pw1`, sha256hex(password) sealed for it, which
 * the v1 login compares against.  0, or -1 with the reason in err.
 */
int users_add(struct redisContext *rc, const char *name, enum users_role role,
              const char *uscc, const char *pwd, size_t pwdlen,
              const struct seal_key *key, char *err, size_t errlen);

/* Associated data sealing an account's pw1: "pw1:" + name. */
#define USERS_AAD_MAX (4 + USERS_NAME_MAX + 1)
void users_pw1_aad(const char *name, char out[USERS_AAD_MAX]);

#endif
