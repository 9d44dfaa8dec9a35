/*
 * The login body parser: no input may crash it; what it accepts is a
 * valid account name with a 1-64 byte password, or nothing at all.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "registry/auth.h"
#include "registry/users.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char name[AUTH_NAME_BUF], pwd[AUTH_PWD_BUF];
        size_t pwdlen = 99;
        const char *why =
            auth_parse_login((const char *)data, size, name, pwd, &pwdlen);

        if (why && (name[0] || pwdlen))
                abort();
        if (!why && name[0] &&
            (!users_valid_name(name, strlen(name)) || pwdlen == 0 ||
             pwdlen > USERS_PASSWORD_MAX))
                abort();
        if (!why && !name[0] && pwdlen != 0)
                abort();
        return 0;
}
