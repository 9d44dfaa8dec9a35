/*
 * USCC validation: never reads past the input, and a code rejected only
 * for its check character becomes valid with the character it names.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "registry/uscc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *code = malloc(size + 1);
        char want = 0;
        const char *why = NULL;
        enum uscc_status st;

        if (!code)
                return 0;
        memcpy(code, data, size);
        code[size] = '\0';
        st = uscc_check(code, size, &want, &why);
        if ((st == USCC_OK) != (why == NULL))
                abort();
        if (st == USCC_BAD_CHECK) {
                code[17] = want;
                if (uscc_check(code, size, NULL, NULL) != USCC_OK)
                        abort();
        }
        (void)uscc_org_code_ok(code, size);
        free(code);
        return 0;
}
