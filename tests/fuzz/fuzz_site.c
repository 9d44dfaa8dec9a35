/*
 * HS_SITE records as referral answers carry them and idctl shows them:
 * no input may crash the decoder or the JSON rendering, and whatever
 * decodes encodes back to exactly the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/hjson.h"
#include "core/site.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct site s;
        struct hval v;
        struct wbuf w;
        json_t *j;

        if (site_decode(data, size, &s) == 0) {
                wbuf_init(&w, 0);
                site_encode(&w, &s);
                if (!wbuf_ok(&w) || w.len != size ||
                    memcmp(w.p, data, size) != 0)
                        abort();
                wbuf_free(&w);
                json_decref(hjson_site(&s));
        }
        /* As the data of an HS_SITE value: rendered one way or another. */
        memset(&v, 0, sizeof(v));
        v.type.p = (const uint8_t *)"HS_SITE";
        v.type.len = 7;
        v.data.p = data;
        v.data.len = (uint32_t)size;
        j = hjson_site_value(&v);
        if (!j)
                abort();
        json_decref(j);
        return 0;
}
