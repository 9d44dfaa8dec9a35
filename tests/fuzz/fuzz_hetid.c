/*
 * Heterogeneous identifier parsing: never reads past the input, a
 * normalised identifier parses again to itself, and its DNS name fits.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/hetid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *s = malloc(size ? size : 1), name[HETID_DNS_MAX + 1], aus[64];
        struct hetid h, again;
        const char *why = NULL;

        if (!s)
                return 0;
        memcpy(s, data, size);
        if (hetid_parse(s, size, &h, &why) == 0) {
                if (hetid_parse(h.id, strlen(h.id), &again, &why) != 0 ||
                    strcmp(again.id, h.id) != 0 || again.scheme != h.scheme)
                        abort();
                if (h.scheme == HETID_GS1 &&
                    (strlen(h.id) != 14 ||
                     hetid_gtin_check(h.id, 14) != h.id[13]))
                        abort();
                if (hetid_dns_name(&h, "oid-res.org", name, sizeof(name)) ==
                        0 &&
                    h.scheme == HETID_GS1)
                        abort();
                (void)hetid_aus(&h, aus, sizeof(aus));
                (void)hetid_form_name(&h);
        } else if (!why) {
                abort();
        }
        free(s);
        return 0;
}
