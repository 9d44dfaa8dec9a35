#include "certs/secret.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#define SECRET_SALT_LEN 16
#define SECRET_KEY_LEN  32
#define SECRET_MAX_ITER 10000000u

static void
hex32(const unsigned char *b, char out[SECRET_HEX64])
{
        static const char digits[] = "0123456789abcdef";
        int i;

        for (i = 0; i < 32; i++) {
                out[2 * i] = digits[b[i] >> 4];
                out[2 * i + 1] = digits[b[i] & 15];
        }
        out[64] = '\0';
}

void
secret_sha256_hex(const void *p, size_t len, char out[SECRET_HEX64])
{
        unsigned char md[32];
        unsigned int n = 0;

        if (!EVP_Digest(p, len, md, &n, EVP_sha256(), NULL) || n != 32)
                memset(md, 0, sizeof(md));
        hex32(md, out);
        OPENSSL_cleanse(md, sizeof(md));
}

static int
pbkdf2(const char *pwd, size_t len, const unsigned char *salt,
       uint32_t iterations, unsigned char key[SECRET_KEY_LEN])
{
        return PKCS5_PBKDF2_HMAC(pwd, (int)len, salt, SECRET_SALT_LEN,
                                 (int)iterations, EVP_sha256(), SECRET_KEY_LEN,
                                 key)
                   ? 0
                   : -1;
}

int
secret_hash_password(const char *pwd, size_t len, uint32_t iterations,
                     char out[SECRET_HASH_MAX])
{
        unsigned char salt[SECRET_SALT_LEN], key[SECRET_KEY_LEN];
        char salt64[32], key64[48];
        int rc = -1;

        if (iterations == 0 || iterations > SECRET_MAX_ITER ||
            len > INT32_MAX || RAND_bytes(salt, sizeof(salt)) != 1 ||
            pbkdf2(pwd, len, salt, iterations, key) < 0)
                goto out;
        EVP_EncodeBlock((unsigned char *)salt64, salt, sizeof(salt));
        EVP_EncodeBlock((unsigned char *)key64, key, sizeof(key));
        snprintf(out, SECRET_HASH_MAX, "pbkdf2-sha256$%u$%s$%s", iterations,
                 salt64, key64);
        rc = 0;
out:
        OPENSSL_cleanse(key, sizeof(key));
        return rc;
}

int
secret_verify_password(const char *stored, const char *pwd, size_t len)
{
        unsigned char salt[SECRET_SALT_LEN + 2], want[SECRET_KEY_LEN + 2];
        unsigned char got[SECRET_KEY_LEN];
        char salt64[32], key64[48], again[48];
        unsigned long iterations;
        char *end;
        int ok = 0;

        if (strncmp(stored, "pbkdf2-sha256$", 14) != 0)
                return 0;
        iterations = strtoul(stored + 14, &end, 10);
        /* 16-byte salt and 32-byte key are 24 and 44 base64 characters. */
        if (*end != '$' || iterations == 0 || iterations > SECRET_MAX_ITER ||
            sscanf(end, "$%24[A-Za-z0-9+/=]$%44[A-Za-z0-9+/=]", salt64,
                   key64) != 2 ||
            strlen(salt64) != 24 || strlen(key64) != 44 ||
            EVP_DecodeBlock(salt, (const unsigned char *)salt64, 24) != 18 ||
            EVP_DecodeBlock(want, (const unsigned char *)key64, 44) != 33 ||
            len > INT32_MAX)
                return 0;
        /*
         * Base64 leaves spare bits in the last digit before '=': only
         * the canonical text is this verifier, no other spelling of it.
         */
        EVP_EncodeBlock((unsigned char *)again, salt, SECRET_SALT_LEN);
        if (strcmp(again, salt64) != 0)
                goto out;
        /* The verifier is a secret's hash: compared in constant time. */
        EVP_EncodeBlock((unsigned char *)again, want, SECRET_KEY_LEN);
        if (CRYPTO_memcmp(again, key64, 44) != 0)
                goto out;
        if (pbkdf2(pwd, len, salt, (uint32_t)iterations, got) == 0)
                ok = CRYPTO_memcmp(got, want, SECRET_KEY_LEN) == 0;
out:
        OPENSSL_cleanse(got, sizeof(got));
        OPENSSL_cleanse(want, sizeof(want));
        return ok;
}

void
secret_v1_from_inner(const char inner[SECRET_HEX64], const char *date,
                     char out[SECRET_HEX64])
{
        char buf[SECRET_HEX64 + 16];
        size_t dl = strlen(date);

        if (dl > 15)
                dl = 15;
        memcpy(buf, inner, 64);
        memcpy(buf + 64, date, dl);
        secret_sha256_hex(buf, 64 + dl, out);
        OPENSSL_cleanse(buf, sizeof(buf));
}

void
secret_v1_digest(const char *pwd, size_t len, const char *date,
                 char out[SECRET_HEX64])
{
        char inner[SECRET_HEX64];

        secret_sha256_hex(pwd, len, inner);
        secret_v1_from_inner(inner, date, out);
        OPENSSL_cleanse(inner, sizeof(inner));
}

int
secret_new_token(char out[SECRET_HEX64])
{
        unsigned char b[32];

        if (RAND_bytes(b, sizeof(b)) != 1)
                return -1;
        hex32(b, out);
        OPENSSL_cleanse(b, sizeof(b));
        return 0;
}

void
secret_token_key(const char *token, size_t len, char out[SECRET_HEX64])
{
        secret_sha256_hex(token, len, out);
}
