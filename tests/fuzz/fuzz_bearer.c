/*
 * The token paths every plane shares (registry/auth): an Authorization
 * header value, then (after the first newline) a stored token record.
 * No input may crash them; an accepted header is exactly "Bearer " and
 * 64 lower-case hex digits, and an accepted record has a name, a role
 * and a USCC in upper case.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "registry/auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const uint8_t *nl = memchr(data, '\n', size);
        size_t hlen = nl ? (size_t)(nl - data) : size, i;
        char *h = malloc(hlen + 1), tok[SECRET_HEX64];
        struct auth_token t;
        const char *why;

        if (!h)
                return 0;
        memcpy(h, data, hlen);
        h[hlen] = '\0';
        switch (auth_bearer(h, tok)) {
        case AUTH_BEARER_OK:
                if (strlen(tok) != 64 || strlen(h) != 71)
                        abort();
                for (i = 0; i < 64; i++)
                        if (!strchr("0123456789abcdef", tok[i]))
                                abort();
                break;
        case AUTH_BEARER_NONE:
                abort(); /* only a missing header is none */
        case AUTH_BEARER_BAD:
                if (tok[0])
                        abort();
                break;
        }
        free(h);
        if (!nl)
                return 0;
        if (auth_token_parse((const char *)nl + 1, size - hlen - 1, &t) == 0) {
                if (!t.name[0] || t.role == USERS_NONE || strlen(t.ent) > 18)
                        abort();
                for (i = 0; t.ent[i]; i++)
                        if (t.ent[i] >= 'a' && t.ent[i] <= 'z')
                                abort();
                (void)auth_token_current(&t, "enterprise", t.gen, &why);
                if (auth_token_current(&t, NULL, NULL, &why) == 0)
                        abort();
        }
        return 0;
}
