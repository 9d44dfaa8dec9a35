#include "certs/seal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#define SEAL_NONCE 12
#define SEAL_TAG   16
#define SEAL_TAG_S "gcm1$"
#define SEAL_RAW   (SEAL_NONCE + SEAL_MAX_PLAIN + SEAL_TAG)

struct seal_key {
        uint8_t k[SEAL_KEY_LEN];
};

static int
seal_hexval(uint8_t c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

struct seal_key *
seal_key_parse(const uint8_t *p, size_t len, char *err, size_t errlen)
{
        struct seal_key *k = calloc(1, sizeof(*k));
        size_t i;

        if (!k) {
                snprintf(err, errlen, "out of memory");
                return NULL;
        }
        if (len == SEAL_KEY_LEN) {
                memcpy(k->k, p, SEAL_KEY_LEN);
                return k;
        }
        if (len == 2 * SEAL_KEY_LEN + 1 && p[len - 1] == '\n')
                len--;
        if (len != 2 * SEAL_KEY_LEN)
                goto fail;
        for (i = 0; i < SEAL_KEY_LEN; i++) {
                int hi = seal_hexval(p[2 * i]), lo = seal_hexval(p[2 * i + 1]);

                if (hi < 0 || lo < 0)
                        goto fail;
                k->k[i] = (uint8_t)(hi << 4 | lo);
        }
        return k;
fail:
        snprintf(err, errlen, "a key file holds 32 bytes or 64 hex digits");
        seal_key_free(k);
        return NULL;
}

struct seal_key *
seal_key_load(const char *path, char *err, size_t errlen)
{
        uint8_t buf[2 * SEAL_KEY_LEN + 2];
        struct seal_key *k = NULL;
        struct stat st;
        ssize_t n;
        int fd = open(path, O_RDONLY | O_CLOEXEC);

        if (fd < 0) {
                snprintf(err, errlen, "%s: %s", path, strerror(errno));
                return NULL;
        }
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
                snprintf(err, errlen, "%s: not a regular file", path);
                goto out;
        }
        if (st.st_mode & (S_IXUSR | S_IRWXG | S_IRWXO)) {
                snprintf(err, errlen,
                         "%s: mode %03o; a key file's mode must be 0600 or "
                         "stricter (chmod 600)",
                         path, (unsigned)(st.st_mode & 0777));
                goto out;
        }
        /* One byte more than the longest form: a longer file is refused. */
        n = read(fd, buf, sizeof(buf));
        if (n < 0)
                snprintf(err, errlen, "%s: %s", path, strerror(errno));
        else if ((k = seal_key_parse(buf, (size_t)n, err, errlen)) == NULL)
                snprintf(err, errlen,
                         "%s: a key file holds 32 bytes or 64 hex digits",
                         path);
out:
        OPENSSL_cleanse(buf, sizeof(buf));
        close(fd);
        return k;
}

void
seal_key_free(struct seal_key *k)
{
        if (!k)
                return;
        OPENSSL_cleanse(k, sizeof(*k));
        free(k);
}

/*
 * One AES-256-GCM pass over `in` into `out`; `tag` is written when
 * encrypting and checked when decrypting.  0, or -1 (also on a bad tag).
 */
static int
seal_gcm(const struct seal_key *k, int enc, const uint8_t *nonce,
         const char *aad, const uint8_t *in, size_t len, uint8_t *out,
         uint8_t *tag)
{
        EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
        int n = 0, ok;

        ok = c &&
             EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, k->k, nonce, enc) ==
                 1 &&
             EVP_CipherUpdate(c, NULL, &n, (const uint8_t *)aad,
                              (int)strlen(aad)) == 1 &&
             EVP_CipherUpdate(c, out, &n, in, (int)len) == 1 &&
             (enc || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, SEAL_TAG,
                                         tag) == 1) &&
             EVP_CipherFinal_ex(c, out + n, &n) == 1 &&
             (!enc ||
              EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, SEAL_TAG, tag) == 1);
        EVP_CIPHER_CTX_free(c);
        return ok ? 0 : -1;
}

int
seal_encrypt(const struct seal_key *k, const uint8_t *plain, size_t len,
             const char *aad, char out[SEAL_TEXT_MAX])
{
        uint8_t raw[SEAL_RAW];
        int rc = -1;

        if (len > SEAL_MAX_PLAIN || RAND_bytes(raw, SEAL_NONCE) != 1 ||
            seal_gcm(k, 1, raw, aad, plain, len, raw + SEAL_NONCE,
                     raw + SEAL_NONCE + len) < 0)
                goto out;
        memcpy(out, SEAL_TAG_S, 5);
        EVP_EncodeBlock((unsigned char *)out + 5, raw,
                        (int)(SEAL_NONCE + len + SEAL_TAG));
        rc = 0;
out:
        OPENSSL_cleanse(raw, sizeof(raw));
        return rc;
}

int
seal_decrypt(const struct seal_key *k, const char *text, const char *aad,
             uint8_t plain[SEAL_MAX_PLAIN], size_t *len)
{
        uint8_t raw[SEAL_RAW + 3];
        char check[4 * (sizeof(raw) / 3 + 1) + 1];
        size_t tlen = strlen(text), b64, pad = 0;
        int n, rc = -1;

        *len = 0;
        if (tlen < 5 || memcmp(text, SEAL_TAG_S, 5) != 0)
                return -1;
        b64 = tlen - 5;
        if (b64 == 0 || b64 % 4 != 0 || b64 / 4 * 3 > sizeof(raw))
                return -1;
        /* EVP_DecodeBlock counts '=' padding as zero bytes: take it off. */
        pad = (text[tlen - 1] == '=') + (text[tlen - 2] == '=');
        n = EVP_DecodeBlock(raw, (const unsigned char *)text + 5, (int)b64);
        if (n < 0 || (size_t)n < pad || (size_t)n - pad < SEAL_NONCE + SEAL_TAG)
                goto out;
        *len = (size_t)n - pad - SEAL_NONCE - SEAL_TAG;
        /*
         * Only the canonical encoding: base64 leaves spare bits in its
         * last digit, and a changed character must never open.
         */
        EVP_EncodeBlock((unsigned char *)check, raw, n - (int)pad);
        if (*len > SEAL_MAX_PLAIN || strlen(check) != b64 ||
            CRYPTO_memcmp(check, text + 5, b64) != 0 ||
            seal_gcm(k, 0, raw, aad, raw + SEAL_NONCE, *len, plain,
                     raw + SEAL_NONCE + *len) < 0) {
                OPENSSL_cleanse(plain, SEAL_MAX_PLAIN);
                *len = 0;
                goto out;
        }
        rc = 0;
out:
        OPENSSL_cleanse(raw, sizeof(raw));
        return rc;
}
