/*
 * The statistics' time ranges (registry/statapi, core/period): input is
 * up to three lines, granularity, from and to.  A period that parses
 * formats back to the same text, and an accepted range is ordered,
 * aligned to its unit and within the limits.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/period.h"
#include "registry/statapi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_period(const char *s)
{
        char out[PERIOD_TEXT];
        enum period_unit u;
        int64_t t;

        if (period_parse(s, strlen(s), &u, &t) < 0)
                return;
        if (period_floor(t, u) != t)
                abort();
        period_format(t, u, out);
        if (strcmp(out, s) != 0)
                abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *text = malloc(size + 1), *line[3] = {NULL, NULL, NULL}, *p;
        struct statapi_query q;
        char err[256];
        int64_t max, n;
        int k;

        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';
        for (k = 0, p = text; k < 3 && p; k++) {
                line[k] = p;
                if ((p = strchr(p, '\n')))
                        *p++ = '\0';
        }
        for (k = 0; k < 3; k++)
                if (line[k])
                        check_period(line[k]);
        memset(&q, 0, sizeof(q));
        if (statapi_range(line[0], line[1], line[2], 1795442400 + 1234, &q, err,
                          sizeof(err)) == 0) {
                max = q.unit == PERIOD_HOUR ? STATAPI_MAX_HOURS
                                            : STATAPI_MAX_DAYS;
                n = (q.to - q.from) / period_seconds(q.unit) + 1;
                if (q.from > q.to || n > max ||
                    period_floor(q.from, q.unit) != q.from ||
                    period_floor(q.to, q.unit) != q.to)
                        abort();
        } else if (!err[0]) {
                abort();
        }
        free(text);
        return 0;
}
