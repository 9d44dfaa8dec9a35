#include "registry/keys.h"

#include <stdio.h>
#include <string.h>

size_t
keys_handle(char *out, size_t outsz, const char *name, size_t len)
{
        size_t n = len + 4;

        if (n >= outsz)
                return 0;
        memcpy(out, "h:{", 3);
        memcpy(out + 3, name, len);
        out[3 + len] = '}';
        out[n] = '\0';
        return n;
}

size_t
keys_handle_name(const char *key, size_t len, const char **name)
{
        if (len < 5 || memcmp(key, "h:{", 3) != 0 || key[len - 1] != '}')
                return 0;
        *name = key + 3;
        return len - 4;
}

size_t
keys_user(char *out, size_t outsz, const char *name)
{
        int n = snprintf(out, outsz, "user:{%s}", name);

        return n > 0 && (size_t)n < outsz ? (size_t)n : 0;
}

size_t
keys_token(char *out, size_t outsz, const char *token_sha256_hex)
{
        int n = snprintf(out, outsz, "tok:%s", token_sha256_hex);

        return n > 0 && (size_t)n < outsz ? (size_t)n : 0;
}
