/*
 * The stored password verifier is parsed on every login: no input may
 * crash it, and none but the real verifier of "pw" may match "pw".
 * Inputs asking for more than 1000 iterations are skipped (time only).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "certs/secret.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *s = malloc(size + 1);

        if (!s)
                return 0;
        memcpy(s, data, size);
        s[size] = '\0';
        if (strncmp(s, "pbkdf2-sha256$", 14) != 0 ||
            strtoul(s + 14, NULL, 10) <= 1000)
                (void)secret_verify_password(s, "pw", 2);
        free(s);
        return 0;
}
