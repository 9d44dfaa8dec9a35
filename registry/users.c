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

int
users_add(redisContext *rc, const char *name, enum users_role role,
          const char *uscc, const char *pwd, size_t pwdlen,
          const struct seal_key *seal, char *err, size_t errlen)
{
        char key[128], verifier[SECRET_HASH_MAX], created[24];
        char pw1[SEAL_TEXT_MAX];
        const char *why = NULL;
        redisReply *r;
        int rcode = -1;

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
        if (pwdlen == 0 || pwdlen > USERS_PASSWORD_MAX) {
                snprintf(err, errlen, "a password is 1-%d bytes",
                         USERS_PASSWORD_MAX);
                return -1;
        }
        if (secret_hash_password(pwd, pwdlen, SECRET_ITERATIONS, verifier) <
                0 ||
            users_seal_pw1(seal, name, pwd, pwdlen, pw1) < 0) {
                snprintf(err, errlen, "cannot hash the password");
                OPENSSL_cleanse(verifier, sizeof(verifier));
                return -1;
        }
        keys_user(key, sizeof(key), name);
        snprintf(created, sizeof(created), "%ld", (long)time(NULL));
        r = redisCommand(rc, "EVAL %s 1 %s %s %s %s %s %s", create_lua, key,
                         users_role_name(role),
                         role >= USERS_ENTERPRISE ? uscc : "", verifier,
                         created, pw1);
        if (!r)
                snprintf(err, errlen, "redis: %s", rc->errstr);
        else if (r->type == REDIS_REPLY_ERROR)
                snprintf(err, errlen, "redis: %s", r->str);
        else if (r->type == REDIS_REPLY_INTEGER && r->integer == 0)
                snprintf(err, errlen, "user %s already exists", name);
        else
                rcode = 0;
        if (r)
                freeReplyObject(r);
        OPENSSL_cleanse(verifier, sizeof(verifier));
        OPENSSL_cleanse(pw1, sizeof(pw1));
        return rcode;
}
