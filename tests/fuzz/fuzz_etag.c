/*
 * If-None-Match lists (core/static): never reads past the header, and a
 * list is matched the same whether the tag sought is first or last.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/static.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const char etag[] = "\"0123456789abcdef-1a\"";
        char *h = malloc(size + 1), *both = malloc(size + sizeof(etag) + 2);
        int m;

        if (!h || !both)
                goto done;
        memcpy(h, data, size);
        h[size] = '\0';
        size = strlen(h); /* a header value ends at NUL */
        m = static_etag_match(h, etag);
        /* Appending the tag to a well-formed list that lacks it matches. */
        memcpy(both, h, size);
        memcpy(both + size, ",", 1);
        memcpy(both + size + 1, etag, sizeof(etag));
        if (m && !static_etag_match(both, etag) && strchr(h, '*') == NULL)
                abort();
        if (static_etag_match(h, "\"never\"") && strchr(h, '*') == NULL &&
            strstr(h, "\"never\"") == NULL)
                abort();
done:
        free(h);
        free(both);
        return 0;
}
