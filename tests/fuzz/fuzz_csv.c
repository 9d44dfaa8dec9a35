/*
 * CSV records: no crash on any input, read the way the importer reads a
 * file (record after record, a bad one skipped to the next line); each
 * record's fields, written back quoted, parse to the same fields; and a
 * record cut short is never taken for a whole one.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/csv.h"

#define MAX_FIELDS 16
#define MAX_RECORD 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The fields of the last record of `c`, quoted, as one CSV line. */
static size_t
requote(const struct csv *c, char *out, size_t cap)
{
        size_t i, k, len, n = 0;

        for (i = 0; i < csv_count(c); i++) {
                const char *f = csv_field(c, i, &len);

                if (n + 2 * len + 4 > cap)
                        return 0;
                if (i)
                        out[n++] = ',';
                out[n++] = '"';
                for (k = 0; k < len; k++) {
                        if (f[k] == '"')
                                out[n++] = '"';
                        out[n++] = f[k];
                }
                out[n++] = '"';
        }
        out[n++] = '\n';
        return n;
}

static int
same_fields(const struct csv *a, const struct csv *b)
{
        size_t i, la, lb;

        if (csv_count(a) != csv_count(b))
                return 0;
        for (i = 0; i < csv_count(a); i++) {
                const char *fa = csv_field(a, i, &la);
                const char *fb = csv_field(b, i, &lb);

                if (la != lb || memcmp(fa, fb, la) != 0 || fa[la] != '\0')
                        return 0;
        }
        return 1;
}

/* Every proper prefix of a record (up to 256 bytes) needs more. */
static void
check_prefixes(struct csv *c, const char *p, size_t used)
{
        size_t n, u;

        for (n = 1; n < used && n <= 256; n++)
                if (csv_parse(c, p, n, 0, &u) != CSV_MORE)
                        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct csv *c = csv_new(MAX_FIELDS, MAX_RECORD);
        struct csv *again = csv_new(MAX_FIELDS, MAX_RECORD);
        const char *p = (const char *)data, *end = p + size;
        static char line[2 * MAX_RECORD + 8];
        int first = 1;

        if (!c || !again)
                abort();
        while (p < end) {
                size_t used = 0, n, u;
                const char *nl;

                switch (csv_parse(c, p, (size_t)(end - p), 1, &used)) {
                case CSV_MORE:
                        abort(); /* at the end of the input, never */
                case CSV_BAD:
                        nl = memchr(p, '\n', (size_t)(end - p));
                        p = nl ? nl + 1 : end;
                        continue;
                case CSV_RECORD:
                        break;
                }
                if (used == 0 || used > (size_t)(end - p) ||
                    used > MAX_RECORD || csv_count(c) == 0 ||
                    csv_count(c) > MAX_FIELDS)
                        abort();
                n = requote(c, line, sizeof(line));
                if (n > 0 && n <= MAX_RECORD &&
                    (csv_parse(again, line, n, 0, &u) != CSV_RECORD || u != n ||
                     !same_fields(c, again)))
                        abort();
                if (first && used < (size_t)(end - p))
                        check_prefixes(again, p, used);
                first = 0;
                p += used;
        }
        csv_free(again);
        csv_free(c);
        return 0;
}
