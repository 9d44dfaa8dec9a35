/*
 * The Prometheus text parser idctl top reads /metrics with: no input
 * may crash it; what it accepts has well-formed names.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ops/prom.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct prom *p;
        char err[256];
        size_t i;

        err[0] = '\0';
        p = prom_parse((const char *)data, size, err, sizeof(err));
        if (!p) {
                if (!err[0])
                        abort();
                return 0;
        }
        for (i = 0; i < prom_count(p); i++) {
                const char *name = prom_name(p, i);
                const char *m[] = {"le", prom_label(p, i, "le"), NULL};
                double v = prom_value(p, i);

                if (!name[0] || strspn(name, "abcdefghijklmnopqrstuvwxyz"
                                             "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                             "0123456789_:") != strlen(name))
                        abort();
                /* With its own labels matched, a lone sample is its sum. */
                if (prom_count(p) == 1) {
                        double s = prom_sum(p, name, m[1] ? m : NULL);

                        if (s != v && !(isnan(s) && isnan(v)))
                                abort();
                }
        }
        prom_free(p);
        return 0;
}
