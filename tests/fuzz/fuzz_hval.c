/*
 * Fuzz target: handle values and handle records.
 *
 * Invariants (abort() when violated):
 *  - a buffer hval_parse accepts is re-encoded byte for byte by
 *    hval_encode, and rendered as JSON text by hjson_value_text exactly
 *    as json_dumps renders hjson_value (or refused by both);
 *  - the input cut into spans (each value that decodes at the current
 *    position, else a short chunk of junk) gives a record holding every
 *    good value sorted by index, the junk counted as bad, each value
 *    re-parsing, and min_ttl the smallest relative TTL.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/hjson.h"
#include "core/hval.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_SPANS 64

static void
check(int ok)
{
        if (!ok)
                abort();
}

static void
check_text(const struct hval *v)
{
        json_t *j = hjson_value(v);
        char *s = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        struct wbuf w;
        int rc;

        wbuf_init(&w, 0);
        wbuf_put(&w, "x", 1);
        rc = hjson_value_text(&w, v);
        check(wbuf_ok(&w));
        if (s)
                check(rc == 0 && w.len == 1 + strlen(s) &&
                      memcmp(w.p + 1, s, w.len - 1) == 0);
        else
                check(rc == -1 && w.len == 1);
        free(s);
        json_decref(j);
        wbuf_free(&w);
}

static void
check_roundtrip(const uint8_t *data, size_t size)
{
        struct hval v;
        struct wbuf w;

        if (hval_parse(data, size, &v) < 0)
                return;
        check(v.wire.p == data && v.wire.len == size);
        check(v.ttl_type <= HVAL_TTL_ABSOLUTE);
        check(v.type.len <= HVAL_MAX_TYPE_LEN);
        check(v.data.len <= HVAL_MAX_DATA_LEN);
        check(v.nrefs <= HVAL_MAX_REFS);
        check(v.nrefs > 0 || v.refs.len == 0);
        /* A type always selects itself. */
        if (v.type.len)
                check(hval_type_match(v.type, v.type.p, v.type.len));
        wbuf_init(&w, 0);
        hval_encode(&w, &v);
        check(wbuf_ok(&w));
        check(w.len == size && memcmp(w.p, data, size) == 0);
        wbuf_free(&w);
        check_text(&v);
}

static void
check_record(const uint8_t *data, size_t size)
{
        struct span spans[MAX_SPANS];
        uint32_t n = 0, good = 0, junk = 0, bad = UINT32_MAX, i;
        uint32_t min_ttl = UINT32_MAX;
        size_t off = 0, good_bytes = 0, sum = 0;
        struct hrec *r;
        struct hval v;
        struct cur c;

        while (off < size && n < MAX_SPANS) {
                cur_init(&c, data + off, size - off);
                if (hval_decode(&c, &v) == 0) {
                        spans[n++] = v.wire;
                        good++;
                        good_bytes += v.wire.len;
                        if (v.ttl_type == HVAL_TTL_RELATIVE && v.ttl < min_ttl)
                                min_ttl = v.ttl;
                        off += v.wire.len;
                } else {
                        /*
                         * No value starts here, so no prefix of what is
                         * left holds one either: a junk chunk.
                         */
                        size_t chunk = 1 + data[off] % 32;

                        if (chunk > size - off)
                                chunk = size - off;
                        spans[n].p = data + off;
                        spans[n].len = (uint32_t)chunk;
                        n++;
                        junk++;
                        off += chunk;
                }
        }
        r = hrec_new(spans, n, &bad);
        check(r != NULL);
        check(r->n == good && bad == junk);
        check(r->min_ttl == min_ttl);
        for (i = 0; i < r->n; i++) {
                struct hval again;

                if (i > 0)
                        check(r->v[i - 1].index <= r->v[i].index);
                check(hval_parse(r->v[i].wire.p, r->v[i].wire.len, &again) ==
                      0);
                check(again.index == r->v[i].index);
                check(again.ttl == r->v[i].ttl);
                /* Values live in the record's own copy of the bytes. */
                check((uintptr_t)r->v[i].wire.p < (uintptr_t)data ||
                      (uintptr_t)r->v[i].wire.p >= (uintptr_t)(data + size));
                sum += r->v[i].wire.len;
        }
        check(sum == good_bytes);
        check(hrec_size(r) == sizeof(*r) + r->n * sizeof(struct hval) + sum);
        hrec_free(r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        check_roundtrip(data, size);
        check_record(data, size);
        return 0;
}
