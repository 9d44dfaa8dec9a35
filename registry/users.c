#include "registry/users.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>
#include <openssl/crypto.h>

#include "certs/seal.h"
#include "certs/secret.h"
#include "registry/keys.h"
#include "registry/uscc.h"

static const char *const role_names[] = {"", "operator", "reviewer",
                                         "enterprise", "platform"};

int
users_valid_name(const char *name, size_t len)
{
        size_t i;

        if (len == 0 || len > USERS_NAME_MAX)
                return 0;
        for (i = 0; i < len; i++) {
                char c = name[i];

                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                      (c >= '0' && c <= '9') || c == '_' || c == '.' ||
                      c == '@' || c == '-'))
                        return 0;
        }
        return 1;
}

enum users_role
users_role_parse(const char *s)
{
        int r;

        for (r = USERS_OPERATOR; r <= USERS_PLATFORM; r++)
                if (strcmp(s, role_names[r]) == 0)
                        return (enum users_role)r;
        return USERS_NONE;
}

const char *
users_role_name(enum users_role r)
{
        return r >= USERS_OPERATOR && r <= USERS_PLATFORM ? role_names[r] : "";
}

/* Creates the hash only if the key does not exist, in one step. */
static const char create_lua[] =
    "if redis.call('exists', KEYS[1]) == 1 then return 0 end "
    "redis.call('hset', KEYS[1], 'role', ARGV[1], 'ent', ARGV[2], "
    "'pw', ARGV[3], 'c', ARGV[4]) "
    "if ARGV[5] ~= '' then redis.call('hset', KEYS[1], 'pw1', ARGV[5]) end "
    "return 1";

void
users_pw1_aad(const char *name, char out[USERS_AAD_MAX])
{
        snprintf(out, USERS_AAD_MAX, "pw1:%s", name);
}

/* pw1: sha256hex(pwd) sealed for this account, or "" without a key. */
static int
users_seal_pw1(const struct seal_key *key, const char *name, const char *pwd,
               size_t pwdlen, char out[SEAL_TEXT_MAX])
{
        char inner[SECRET_HEX64], aad[USERS_AAD_MAX];
        int rc;

        out[0] = '\0';
        if (!key)
                return 0;
        secret_sha256_hex(pwd, pwdlen, inner);
        users_pw1_aad(name, aad);
        rc = seal_encrypt(key, (const uint8_t *)inner, 64, aad, out);
        OPENSSL_cleanse(inner, sizeof(inner));
        return rc;
}

/*
 * The stored forms of a password: its verifier and, with a node key, its
 * v1 seal.  0, or -1 with err (the buffers are then wiped).
 */
static int
users_secrets(const char *name, const char *pwd, size_t pwdlen,
              const struct seal_key *seal, char verifier[SECRET_HASH_MAX],
              char pw1[SEAL_TEXT_MAX], char *err, size_t errlen)
{
        if (pwdlen == 0 || pwdlen > USERS_PASSWORD_MAX) {
                snprintf(err, errlen, "a password is 1-%d bytes",
                         USERS_PASSWORD_MAX);
                return -1;
        }
        if (secret_hash_password(pwd, pwdlen, SECRET_ITERATIONS, verifier) <
                0 ||
            users_seal_pw1(seal, name, pwd, pwdlen, pw1) < 0) {
                snprintf(err, errlen, "cannot hash the password");
                OPENSSL_cleanse(verifier, SECRET_HASH_MAX);
                OPENSSL_cleanse(pw1, SEAL_TEXT_MAX);
                return -1;
        }
        return 0;
}

/*
 * The answer of a script that returns 0 when it refused and 1 when done;
 * frees `r`.  0 done, -2 refused (the caller says why), -1 with err if
 * Redis failed.
 */
static int
users_script_result(redisContext *rc, redisReply *r, char *err, size_t errlen)
{
        int rcode = -1;

        if (!r)
                snprintf(err, errlen, "redis: %s", rc->errstr);
        else if (r->type == REDIS_REPLY_ERROR)
                snprintf(err, errlen, "redis: %s", r->str);
        else if (r->type == REDIS_REPLY_INTEGER && r->integer == 0)
                rcode = -2;
        else
                rcode = 0;
        if (r)
                freeReplyObject(r);
        return rcode;
}

int
users_add(redisContext *rc, const char *name, enum users_role role,
          const char *uscc, const char *pwd, size_t pwdlen,
          const struct seal_key *seal, char *err, size_t errlen)
{
        char key[128], verifier[SECRET_HASH_MAX], created[24];
        char pw1[SEAL_TEXT_MAX];
        const char *why = NULL;
        redisReply *r;
        int rcode;

        if (!users_valid_name(name, strlen(name))) {
                snprintf(err, errlen,
                         "a user name is 1-%d characters of "
                         "letters, digits and _ . @ -",
                         USERS_NAME_MAX);
                return -1;
        }
        if (role == USERS_NONE) {
                snprintf(err, errlen,
                         "role must be operator, reviewer, enterprise or "
                         "platform");
                return -1;
        }
        if ((role == USERS_ENTERPRISE || role == USERS_PLATFORM) &&
            (!uscc || uscc_check(uscc, strlen(uscc), NULL, &why) != USCC_OK)) {
                snprintf(err, errlen,
                         "an enterprise user needs the "
                         "enterprise's unified social credit code%s%s",
                         why ? ": " : "", why ? why : "");
                return -1;
        }
        if (users_secrets(name, pwd, pwdlen, seal, verifier, pw1, err, errlen) <
            0)
                return -1;
        keys_user(key, sizeof(key), name);
        snprintf(created, sizeof(created), "%ld", (long)time(NULL));
        r = redisCommand(rc, "EVAL %s 1 %s %s %s %s %s %s", create_lua, key,
                         users_role_name(role),
                         role >= USERS_ENTERPRISE ? uscc : "", verifier,
                         created, pw1);
        rcode = users_script_result(rc, r, err, errlen);
        if (rcode == -2) {
                snprintf(err, errlen, "user %s already exists", name);
                rcode = -1;
        }
        OPENSSL_cleanse(verifier, sizeof(verifier));
        OPENSSL_cleanse(pw1, sizeof(pw1));
        return rcode;
}

/*
 * KEYS[1] the account.  ARGV: pw, pw1 ("" = none).  0 no such account,
 * 1 changed; the session generation goes up, so every token issued
 * with the old password is refused.
 */
static const char passwd_lua[] =
    "if redis.call('exists', KEYS[1]) == 0 then return 0 end "
    "redis.call('hset', KEYS[1], 'pw', ARGV[1]) "
    "if ARGV[2] == '' then redis.call('hdel', KEYS[1], 'pw1') "
    "else redis.call('hset', KEYS[1], 'pw1', ARGV[2]) end "
    "redis.call('hincrby', KEYS[1], 'gen', 1) return 1";

int
users_set_password(redisContext *rc, const char *name, const char *pwd,
                   size_t pwdlen, const struct seal_key *seal, char *err,
                   size_t errlen)
{
        char key[128], verifier[SECRET_HASH_MAX], pw1[SEAL_TEXT_MAX];
        redisReply *r;
        int rcode;

        if (!users_valid_name(name, strlen(name))) {
                snprintf(err, errlen, "no such user %s", name);
                return -1;
        }
        if (users_secrets(name, pwd, pwdlen, seal, verifier, pw1, err, errlen) <
            0)
                return -1;
        keys_user(key, sizeof(key), name);
        r = redisCommand(rc, "EVAL %s 1 %s %s %s", passwd_lua, key, verifier,
                         pw1);
        rcode = users_script_result(rc, r, err, errlen);
        if (rcode == -2) {
                snprintf(err, errlen, "no such user %s", name);
                rcode = -1;
        }
        OPENSSL_cleanse(verifier, sizeof(verifier));
        OPENSSL_cleanse(pw1, sizeof(pw1));
        return rcode;
}

/*
 * KEYS: the account, the enterprise's platform set.  ARGV: ent, pw, c,
 * label, kind, max, name.  0 name taken, -1 at the cap, 1 created.
 */
static const char platform_add_lua[] =
    "if redis.call('exists', KEYS[1]) == 1 then return 0 end "
    "if redis.call('scard', KEYS[2]) >= tonumber(ARGV[6]) then return -1 end "
    "redis.call('hset', KEYS[1], 'role', 'platform', 'ent', ARGV[1], "
    "'pw', ARGV[2], 'c', ARGV[3], 'label', ARGV[4], 'kind', ARGV[5]) "
    "redis.call('sadd', KEYS[2], ARGV[7]) return 1";

/* A few tries at an unused random name before giving up. */
#define USERS_NAME_TRIES 4

int
users_add_platform(redisContext *rc, const char *uscc, const char *label,
                   const char *kind, int max, char name[USERS_NAME_MAX + 1],
                   char secret[USERS_SECRET_BUF], char *err, size_t errlen)
{
        char key[128], set[64], verifier[SECRET_HASH_MAX], created[24], cap[16],
            hex[SECRET_HEX64];
        redisReply *r = NULL;
        int rcode = -1, tries;

        if (secret_new_token(secret) < 0 ||
            secret_hash_password(secret, 64, SECRET_ITERATIONS, verifier) < 0) {
                snprintf(err, errlen, "cannot make a secret");
                goto fail;
        }
        keys_platforms(set, sizeof(set), uscc);
        snprintf(created, sizeof(created), "%ld", (long)time(NULL));
        snprintf(cap, sizeof(cap), "%d", max);
        for (tries = 0; tries < USERS_NAME_TRIES; tries++) {
                if (secret_new_token(hex) < 0) {
                        snprintf(err, errlen, "cannot make a name");
                        goto fail;
                }
                snprintf(name, USERS_NAME_MAX + 1, "pf-%.16s", hex);
                keys_user(key, sizeof(key), name);
                r = redisCommand(rc, "EVAL %s 2 %s %s %s %s %s %s %s %s %s",
                                 platform_add_lua, key, set, uscc, verifier,
                                 created, label, kind, cap, name);
                if (!r || r->type != REDIS_REPLY_INTEGER || r->integer != 0)
                        break;
                freeReplyObject(r);
                r = NULL;
        }
        if (!r)
                snprintf(err, errlen, "redis: %s",
                         rc->err ? rc->errstr : "no unused name");
        else if (r->type == REDIS_REPLY_ERROR)
                snprintf(err, errlen, "redis: %s", r->str);
        else if (r->type == REDIS_REPLY_INTEGER && r->integer == -1)
                rcode = 1;
        else if (r->type == REDIS_REPLY_INTEGER && r->integer == 1)
                rcode = 0;
        else
                snprintf(err, errlen, "redis: unexpected reply");
fail:
        if (r)
                freeReplyObject(r);
        OPENSSL_cleanse(verifier, sizeof(verifier));
        if (rcode != 0)
                OPENSSL_cleanse(secret, USERS_SECRET_BUF);
        return rcode;
}

/* KEYS: the account, the set.  ARGV: ent, name.  The enum's values. */
static const char platform_del_lua[] =
    "local a = redis.call('hmget', KEYS[1], 'role', 'ent') "
    "if a[1] ~= 'platform' then return 1 end "
    "if a[2] ~= ARGV[1] then return 2 end "
    "redis.call('del', KEYS[1]) redis.call('srem', KEYS[2], ARGV[2]) "
    "return 0";

enum users_del
users_del_platform(redisContext *rc, const char *uscc, const char *name)
{
        char key[128], set[64];
        enum users_del res = USERS_DEL_FAILED;
        redisReply *r;

        if (!users_valid_name(name, strlen(name)))
                return USERS_NO_SUCH;
        keys_user(key, sizeof(key), name);
        keys_platforms(set, sizeof(set), uscc);
        r = redisCommand(rc, "EVAL %s 2 %s %s %s %s", platform_del_lua, key,
                         set, uscc, name);
        if (r && r->type == REDIS_REPLY_INTEGER && r->integer >= 0 &&
            r->integer <= USERS_NOT_OWNER)
                res = (enum users_del)r->integer;
        if (r)
                freeReplyObject(r);
        return res;
}
