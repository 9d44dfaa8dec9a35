/*
 * NAPTR substitution expressions: the input is "EXPRESSION\nAUS"; the
 * result always fits and is terminated, and errors say why.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/naptr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *s = malloc(size + 1), out[64];
        const char *aus, *why = NULL;
        char *nl;
        int rc;

        if (!s)
                return 0;
        memcpy(s, data, size);
        s[size] = '\0';
        nl = strchr(s, '\n');
        aus = "2.16.156.101818";
        if (nl) {
                *nl = '\0';
                aus = nl + 1;
        }
        rc = naptr_apply(s, aus, out, sizeof(out), &why);
        if ((rc == 0 && strlen(out) >= sizeof(out)) || (rc < 0 && !why))
                abort();
        (void)naptr_terminal(s);
        free(s);
        return 0;
}
