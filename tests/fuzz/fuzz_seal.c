/*
 * Sealed values as Redis holds them (pw1) and key files: no input may
 * crash the key parser or the opener; nothing but a real seal opens,
 * and whatever is sealed opens to itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "certs/seal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const uint8_t raw[SEAL_KEY_LEN] = {1, 2, 3};
        char err[128], text[2 * SEAL_TEXT_MAX], sealed[SEAL_TEXT_MAX];
        uint8_t out[SEAL_MAX_PLAIN];
        struct seal_key *k = seal_key_parse(raw, sizeof(raw), err, sizeof(err));
        struct seal_key *fk = seal_key_parse(data, size, err, sizeof(err));
        size_t len = size < sizeof(text) - 1 ? size : sizeof(text) - 1;

        if (!k)
                abort();
        if (fk && size != SEAL_KEY_LEN && size != 64 && size != 65)
                abort(); /* only the two forms are keys */
        seal_key_free(fk);
        /* As a stored text: it was sealed by nobody, so it must not open. */
        memcpy(text, data, len);
        text[len] = '\0';
        if (seal_decrypt(k, text, "pw1:x", out, &len) == 0)
                abort();
        /* As a plaintext: sealed, it opens to the same bytes. */
        if (size <= SEAL_MAX_PLAIN) {
                if (seal_encrypt(k, data, size, "pw1:x", sealed) < 0 ||
                    seal_decrypt(k, sealed, "pw1:x", out, &len) < 0 ||
                    len != size || (size && memcmp(out, data, size) != 0))
                        abort();
        }
        seal_key_free(k);
        return 0;
}
