/*
 * Values as JSON (import lines, later the registration API): no input
 * may crash the encoder, and what it accepts must render and read back
 * to the same wire bytes after one normalisation (encode, render,
 * encode again is a fixed point), so import takes what the API returns.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/hjson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Encodes j; on success renders the result into *out (new reference). */
static int
encode_render(const json_t *j, struct wbuf *w, json_t **out)
{
        char err[128];
        struct hval v;

        wbuf_reset(w);
        if (hjson_encode_value(j, 0x60000000u, w, err, sizeof(err)) < 0)
                return -1;
        if (hval_parse(w->p, w->len, &v) < 0)
                abort(); /* the encoder wrote something undecodable */
        *out = hjson_value(&v);
        if (!*out)
                abort();
        return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        json_t *j = json_loadb((const char *)data, size, 0, NULL);
        json_t *r1 = NULL, *r2 = NULL, *r3 = NULL;
        struct wbuf w1, w2;

        if (!j)
                return 0;
        wbuf_init(&w1, 1u << 20);
        wbuf_init(&w2, 1u << 20);
        if (encode_render(j, &w1, &r1) == 0) {
                if (encode_render(r1, &w1, &r2) < 0 ||
                    encode_render(r2, &w2, &r3) < 0)
                        abort(); /* the API's own rendering was refused */
                if (w1.len != w2.len || memcmp(w1.p, w2.p, w1.len) != 0)
                        abort();
        }
        json_decref(r1);
        json_decref(r2);
        json_decref(r3);
        json_decref(j);
        wbuf_free(&w1);
        wbuf_free(&w2);
        return 0;
}
