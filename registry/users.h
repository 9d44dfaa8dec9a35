/*
 * Accounts of the node: operators, reviewers, enterprise users and
 * platforms (each of the last two belongs to one enterprise, by its USCC).
 * Stored in Redis under keys_user(); the password only as a certs/secret
 * verifier.  A platform account also keeps `label` and `kind`.
 */
#ifndef REGISTRY_USERS_H
#define REGISTRY_USERS_H

#include <stddef.h>

struct redisContext;
struct seal_key;

#define USERS_NAME_MAX     50 /* SNMS username limit */
#define USERS_PASSWORD_MAX 64 /* SNMS password limit, bytes */
#define USERS_SECRET_BUF   65 /* a platform's secret: 64 hex and NUL */

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

/*
 * Gives an existing account a new password (and pw1 when `key` is set,
 * none otherwise) and logs it out everywhere.  For tools, like
 * users_add.  0, or -1 with the reason in err.
 */
int users_set_password(struct redisContext *rc, const char *name,
                       const char *pwd, size_t pwdlen,
                       const struct seal_key *key, char *err, size_t errlen);

/* Associated data sealing an account's pw1: "pw1:" + name. */
#define USERS_AAD_MAX (4 + USERS_NAME_MAX + 1)
void users_pw1_aad(const char *name, char out[USERS_AAD_MAX]);

/*
 * Creates a platform account of enterprise `uscc` (upper case): a
 * generated name, "pf-" and 16 hex digits, and a random secret of 32
 * bytes as 64 hex digits that is its password.  The account hash also
 * keeps `label` and `kind`, and its name joins keys_platforms(uscc), in
 * one atomic step that refuses once the enterprise has `max`.  Hashes
 * the secret here (slow: not for event loops); only the verifier is
 * stored.  0 with name and secret filled (show the secret once), 1 if
 * the enterprise already has `max` platforms, -1 with the reason in err
 * (rc->err set if the connection failed).
 */
int users_add_platform(struct redisContext *rc, const char *uscc,
                       const char *label, const char *kind, int max,
                       char name[USERS_NAME_MAX + 1],
                       char secret[USERS_SECRET_BUF], char *err, size_t errlen);

enum users_del {
        USERS_DELETED = 0,
        USERS_NO_SUCH,    /* no such platform account */
        USERS_NOT_OWNER,  /* a platform of another enterprise */
        USERS_DEL_FAILED, /* Redis failed */
};

/*
 * Deletes platform account `name` of enterprise `uscc` and its entry in
 * keys_platforms(uscc), atomically.  Its tokens stop working because
 * registry/api checks that a token's account still exists.
 */
enum users_del users_del_platform(struct redisContext *rc, const char *uscc,
                                  const char *name);

#endif
