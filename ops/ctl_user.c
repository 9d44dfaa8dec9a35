/*
 * idctl user add NAME --role R [--enterprise USCC], idctl user passwd
 * NAME: accounts written to Redis, the password on standard input.
 */
#include "ops/ctl.h"

#include <stdio.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <openssl/crypto.h>

#include "certs/seal.h"
#include "core/config.h"
#include "registry/users.h"

/*
 * The password from standard input (one line), the node key when the
 * config names one, and a Redis connection.  0, or -1 (said why).
 */
static int
ctl_user_inputs(const struct config *cfg, char pwd[USERS_PASSWORD_MAX + 2],
                size_t *len, struct seal_key **key, redisContext **rc)
{
        char err[256];

        *key = NULL;
        *rc = NULL;
        if (ctl_password(pwd, USERS_PASSWORD_MAX, len) < 0)
                return -1;
        if (cfg->secret_key_file[0] &&
            !(*key = seal_key_load(cfg->secret_key_file, err, sizeof(err)))) {
                fprintf(stderr, "idctl: secret_key_file: %s\n", err);
                goto fail;
        }
        if ((*rc = ctl_redis(cfg)))
                return 0;
        seal_key_free(*key);
        *key = NULL;
fail:
        OPENSSL_cleanse(pwd, USERS_PASSWORD_MAX + 2);
        return -1;
}

/*
 * user add NAME --role R [--enterprise USCC]
 * user passwd NAME  (a new password; logs the account out everywhere)
 * The password is read from standard input.  With secret_key_file in
 * the config the account can also log in with v1.
 */
int
ctl_user(const struct config *cfg, int argc, char **argv)
{
        const char *name = NULL, *uscc = NULL;
        enum users_role role = USERS_NONE;
        char pwd[USERS_PASSWORD_MAX + 2], err[256];
        struct seal_key *key;
        redisContext *rc;
        size_t len;
        int i, rcode, add;

        add = argc >= 2 && strcmp(argv[0], "add") == 0;
        if (!add && !(argc == 2 && strcmp(argv[0], "passwd") == 0)) {
                fprintf(stderr,
                        "idctl: user add NAME --role "
                        "operator|reviewer|enterprise|platform "
                        "[--enterprise USCC]\n"
                        "       user passwd NAME  (password on stdin)\n");
                return 2;
        }
        name = argv[1];
        for (i = 2; i < argc; i++) {
                if (strcmp(argv[i], "--role") == 0 && i + 1 < argc) {
                        role = users_role_parse(argv[++i]);
                } else if (strcmp(argv[i], "--enterprise") == 0 &&
                           i + 1 < argc) {
                        uscc = argv[++i];
                } else {
                        fprintf(stderr, "idctl: unexpected argument %s\n",
                                argv[i]);
                        return 2;
                }
        }
        if (ctl_user_inputs(cfg, pwd, &len, &key, &rc) < 0)
                return 1;
        rcode =
            add ? users_add(rc, name, role, uscc, pwd, len, key, err,
                            sizeof(err))
                : users_set_password(rc, name, pwd, len, key, err, sizeof(err));
        OPENSSL_cleanse(pwd, sizeof(pwd));
        seal_key_free(key);
        redisFree(rc);
        if (rcode < 0) {
                fprintf(stderr, "idctl: %s\n", err);
                return 1;
        }
        if (add)
                printf("user %s added (role %s)\n", name,
                       users_role_name(role));
        else
                printf("user %s: password changed, every session logged "
                       "out\n",
                       name);
        return 0;
}
