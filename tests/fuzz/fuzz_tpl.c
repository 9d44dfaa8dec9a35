/*
 * Template parsing: no crash on any input; a parsed template survives
 * dump -> parse -> dump unchanged, and merging it into itself changes
 * nothing (PUT is idempotent).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "registry/tpl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char err[256];
        struct tpl *t = tpl_parse((const char *)data, size, err, sizeof(err));
        struct tpl *again;
        char *a, *b, *c;

        if (!t)
                return 0;
        a = tpl_dump(t);
        if (!a)
                abort();
        again = tpl_parse(a, strlen(a), err, sizeof(err));
        if (!again)
                abort();
        b = tpl_dump(again);
        if (!b || strcmp(a, b) != 0)
                abort();
        if (tpl_merge(t, again, err, sizeof(err)) != 0)
                abort();
        c = tpl_dump(t);
        if (!c || strcmp(a, c) != 0)
                abort();
        free(a);
        free(b);
        free(c);
        tpl_free(again);
        tpl_free(t);
        return 0;
}
