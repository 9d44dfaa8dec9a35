/*
 * Handle credentials (certs/hkey): HS_PUBKEY data in both forms,
 * signature and HS_SECKEY answers, HS_ADMIN and HS_VLIST data.  The
 * first byte picks the parser, the rest is its input.
 *
 * Invariants (abort() when violated): nothing crashes or leaks; an
 * HS_ADMIN that decodes re-encodes to the same bytes (less the legacy
 * tail); a made-up signature or MAC never verifies; a value classified
 * as acceptable administration data decodes with its parser.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "certs/hkey.h"
#include "core/hval.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
count_ref(void *arg, struct span handle, uint32_t index)
{
        (void)index;
        if (handle.len == 0)
                abort();
        ++*(size_t *)arg;
        return 0;
}

static void
fuzz_admin(const uint8_t *p, size_t n)
{
        struct hadmin a;
        struct wbuf w;
        char h[4097];

        if (hkey_admin_decode(p, n, &a) < 0 || a.handle.len >= sizeof(h))
                return;
        memcpy(h, a.handle.p, a.handle.len);
        h[a.handle.len] = '\0';
        if (strlen(h) != a.handle.len)
                return; /* a NUL inside: wbuf_str would stop there */
        wbuf_init(&w, 0);
        hkey_admin_encode(&w, a.perms, h, a.index);
        if (!wbuf_ok(&w) || (w.len != n && w.len + 2 != n) ||
            memcmp(w.p, p, w.len) != 0)
                abort();
        wbuf_free(&w);
}

static void
fuzz_pubkey(const uint8_t *p, size_t n)
{
        static const uint8_t msg[] = "nonce and digest";
        char err[128];
        EVP_PKEY *k = hkey_pubkey_parse(p, n, err, sizeof(err));

        if (!k) {
                if (!err[0])
                        abort();
                return;
        }
        /* The key's own bytes as an answer: never a valid signature. */
        if (hkey_pubkey_check(k, p, n, msg, sizeof(msg)))
                abort();
        EVP_PKEY_free(k);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const uint8_t secret[] = "s3cret";
        const uint8_t *p = data + 1;
        size_t n = size ? size - 1 : 0, refs = 0;
        char err[128];
        struct hval v;
        struct cur c;

        if (size == 0)
                return 0;
        switch (data[0] % 5) {
        case 0:
                fuzz_pubkey(p, n);
                break;
        case 1:
                fuzz_admin(p, n);
                break;
        case 2:
                if (hkey_vlist_each(p, n, 256, count_ref, &refs) == 0 &&
                    refs > 256)
                        abort();
                break;
        case 3:
                /* A MAC made up by the fuzzer over fixed data. */
                if (n > 1 && hkey_seckey_check(secret, sizeof(secret) - 1, p, n,
                                               secret, 3))
                        abort();
                break;
        default:
                cur_init(&c, p, n);
                if (hval_decode(&c, &v) == 0 &&
                    hkey_admin_value(&v, err, sizeof(err)) == 1 &&
                    v.type.len == 8 && memcmp(v.type.p, "HS_ADMIN", 8) == 0) {
                        struct hadmin a;

                        if (hkey_admin_decode(v.data.p, v.data.len, &a) < 0)
                                abort();
                }
                break;
        }
        return 0;
}
