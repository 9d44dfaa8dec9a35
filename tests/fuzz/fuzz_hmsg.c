/*
 * Bodies of authentication and administration requests (core/hmsg): the
 * challenge answer (200), verify (201), IDIS login (2001), values of
 * create/add/modify and indexes of remove, all tried on every input.
 *
 * Invariants (abort() when violated): every span a decoder returns lies
 * inside the input; counts respect the caps given; decoded values
 * re-encode to their own wire bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/hmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_VALUES 16

static const uint8_t *lo, *hi;

static void
inside(struct span s)
{
        if (s.len && (s.p < lo || s.p + s.len > hi))
                abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct span body = {data, (uint32_t)size}, h;
        struct hval v[MAX_VALUES];
        struct hmsg_answer a;
        struct hmsg_verify ver;
        uint32_t idx[MAX_VALUES], n, i;
        struct wbuf w;

        lo = data;
        hi = data + size;
        if (hmsg_answer_decode(&body, &a) == 0) {
                inside(a.type);
                inside(a.handle);
                inside(a.answer);
        }
        if (hmsg_verify_decode(&body, &ver) == 0) {
                inside(ver.handle);
                inside(ver.nonce);
                inside(ver.digest);
                inside(ver.answer);
        }
        if (hmsg_login_decode(&body, &h, &n) == 0)
                inside(h);
        if (hmsg_remove_decode(&body, &h, idx, MAX_VALUES, &n) == 0 &&
            (n == 0 || n > MAX_VALUES))
                abort();
        if (hmsg_values_decode(&body, &h, v, MAX_VALUES, &n) == 0) {
                if (n == 0 || n > MAX_VALUES)
                        abort();
                inside(h);
                for (i = 0; i < n; i++) {
                        inside(v[i].wire);
                        wbuf_init(&w, 0);
                        hval_encode(&w, &v[i]);
                        if (!wbuf_ok(&w) || w.len != v[i].wire.len ||
                            memcmp(w.p, v[i].wire.p, w.len) != 0)
                                abort();
                        wbuf_free(&w);
                }
        }
        return 0;
}
