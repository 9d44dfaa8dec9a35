/*
 * The HTTP query-string walker: no input may crash it, keys and values
 * come out NUL-terminated and decoded, and a callback's non-zero return
 * stops the walk.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/httpd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
visit(void *arg, const char *key, const char *value)
{
        int *count = arg;

        if (strlen(key) > 2048 || strlen(value) > 2048)
                abort();
        return ++*count >= 100; /* stop after 100 pairs */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *q = malloc(size + 1);
        int count = 0, rc;

        if (!q)
                return 0;
        memcpy(q, data, size);
        q[size] = '\0';
        rc = httpd_query_each(q, visit, &count);
        if (count > 100 || (count == 100 && rc != 1))
                abort();
        free(q);
        return 0;
}
