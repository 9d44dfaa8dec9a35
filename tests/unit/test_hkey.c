/*
 * Handle credentials: keys in both forms parse, signatures made with
 * OpenSSL verify and others do not, HS_SECKEY answers in their three
 * forms, HS_ADMIN and the administration-value rules.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include "certs/hkey.h"
#include "core/hval.h"

static const uint8_t data[] = "0123456789abcdefNONCE+DIGEST";

/* str hashName, bytes signature of data with k. */
static void
answer(EVP_PKEY *k, const char *hash, const EVP_MD *md, struct wbuf *w)
{
        EVP_MD_CTX *m = EVP_MD_CTX_new();
        uint8_t sig[1024];
        size_t len = sizeof(sig);

        assert_non_null(m);
        assert_int_equal(EVP_DigestSignInit(m, NULL, md, NULL, k), 1);
        assert_int_equal(EVP_DigestSign(m, sig, &len, data, sizeof(data)), 1);
        EVP_MD_CTX_free(m);
        wbuf_str(w, hash);
        wbuf_bytes(w, sig, len);
}

/* The public half as PEM text, parsed back by hkey. */
static EVP_PKEY *
pem_round_trip(EVP_PKEY *k)
{
        BIO *b = BIO_new(BIO_s_mem());
        char *p, err[128];
        long n;
        EVP_PKEY *pub;

        assert_int_equal(PEM_write_bio_PUBKEY(b, k), 1);
        n = BIO_get_mem_data(b, &p);
        pub =
            hkey_pubkey_parse((const uint8_t *)p, (size_t)n, err, sizeof(err));
        BIO_free(b);
        assert_non_null(pub);
        return pub;
}

static void
ec_and_rsa_pem_keys_verify_their_signatures(void **state)
{
        EVP_PKEY *ec = EVP_EC_gen("P-256"), *rsa = EVP_RSA_gen(2048), *pub;
        struct wbuf w;

        (void)state;
        wbuf_init(&w, 0);
        pub = pem_round_trip(ec);
        answer(ec, "SHA256", EVP_sha256(), &w);
        assert_int_equal(hkey_pubkey_check(pub, w.p, w.len, data, sizeof(data)),
                         1);
        /* One bit of the data changed. */
        assert_int_equal(
            hkey_pubkey_check(pub, w.p, w.len, data, sizeof(data) - 1), 0);
        EVP_PKEY_free(pub);
        pub = pem_round_trip(rsa);
        assert_int_equal(hkey_pubkey_check(pub, w.p, w.len, data, sizeof(data)),
                         0); /* an EC signature */
        wbuf_reset(&w);
        answer(rsa, "SHA-1", EVP_sha1(), &w);
        assert_int_equal(hkey_pubkey_check(pub, w.p, w.len, data, sizeof(data)),
                         1);
        /* MD5 is refused even when the signature is right. */
        wbuf_reset(&w);
        answer(rsa, "MD5", EVP_md5(), &w);
        assert_int_equal(hkey_pubkey_check(pub, w.p, w.len, data, sizeof(data)),
                         0);
        EVP_PKEY_free(pub);
        EVP_PKEY_free(ec);
        EVP_PKEY_free(rsa);
        wbuf_free(&w);
}

static void
binary_rsa_key_with_java_leading_zero(void **state)
{
        EVP_PKEY *rsa = EVP_RSA_gen(2048), *pub;
        BIGNUM *n = NULL, *e = NULL;
        uint8_t nb[300], eb[8];
        struct wbuf key, w;
        char err[128];
        int nl, el;

        (void)state;
        assert_int_equal(EVP_PKEY_get_bn_param(rsa, OSSL_PKEY_PARAM_RSA_N, &n),
                         1);
        assert_int_equal(EVP_PKEY_get_bn_param(rsa, OSSL_PKEY_PARAM_RSA_E, &e),
                         1);
        nb[0] = 0; /* BigInteger.toByteArray of a number with its top bit */
        nl = BN_bn2bin(n, nb + 1) + 1;
        el = BN_bn2bin(e, eb);
        wbuf_init(&key, 0);
        wbuf_str(&key, "RSA_PUB_KEY");
        wbuf_u16(&key, 0);
        wbuf_bytes(&key, eb, (size_t)el);
        wbuf_bytes(&key, nb, (size_t)nl);
        pub = hkey_pubkey_parse(key.p, key.len, err, sizeof(err));
        assert_non_null(pub);
        wbuf_init(&w, 0);
        answer(rsa, "SHA-256", EVP_sha256(), &w);
        assert_int_equal(hkey_pubkey_check(pub, w.p, w.len, data, sizeof(data)),
                         1);
        EVP_PKEY_free(pub);
        /* Cut short: refused with a reason. */
        assert_null(hkey_pubkey_parse(key.p, key.len - 1, err, sizeof(err)));
        assert_true(err[0] != '\0');
        BN_free(n);
        BN_free(e);
        EVP_PKEY_free(rsa);
        wbuf_free(&key);
        wbuf_free(&w);
}

static void
seckey_answers_in_every_form(void **state)
{
        static const uint8_t secret[] = "s3cret";
        const size_t sl = sizeof(secret) - 1;
        uint8_t salt[16] = {1, 2, 3}, key[20], mac[20], ans[128], md[20];
        unsigned int maclen;
        EVP_MD_CTX *m = EVP_MD_CTX_new();
        struct wbuf w;

        (void)state;
        /* 0x22: HMAC-SHA1(PBKDF2-HMAC-SHA1(secret, salt, 1000, 160), data). */
        assert_int_equal(PKCS5_PBKDF2_HMAC((const char *)secret, (int)sl, salt,
                                           sizeof(salt), 1000, EVP_sha1(), 20,
                                           key),
                         1);
        assert_non_null(
            HMAC(EVP_sha1(), key, 20, data, sizeof(data), mac, &maclen));
        wbuf_init(&w, 0);
        wbuf_u8(&w, 0x22);
        wbuf_bytes(&w, salt, sizeof(salt));
        wbuf_u32(&w, 1000);
        wbuf_u32(&w, 160);
        wbuf_bytes(&w, mac, sizeof(mac));
        assert_int_equal(
            hkey_seckey_check(secret, sl, w.p, w.len, data, sizeof(data)), 1);
        assert_int_equal(
            hkey_seckey_check(secret, sl - 1, w.p, w.len, data, sizeof(data)),
            0);
        /* 0x02: SHA-1(secret || data || secret). */
        EVP_DigestInit_ex(m, EVP_sha1(), NULL);
        EVP_DigestUpdate(m, secret, sl);
        EVP_DigestUpdate(m, data, sizeof(data));
        EVP_DigestUpdate(m, secret, sl);
        EVP_DigestFinal_ex(m, md, NULL);
        ans[0] = 0x02;
        memcpy(ans + 1, md, 20);
        assert_int_equal(
            hkey_seckey_check(secret, sl, ans, 21, data, sizeof(data)), 1);
        ans[5] ^= 1;
        assert_int_equal(
            hkey_seckey_check(secret, sl, ans, 21, data, sizeof(data)), 0);
        /* Legacy: a bare MD5(secret || data || secret). */
        EVP_DigestInit_ex(m, EVP_md5(), NULL);
        EVP_DigestUpdate(m, secret, sl);
        EVP_DigestUpdate(m, data, sizeof(data));
        EVP_DigestUpdate(m, secret, sl);
        EVP_DigestFinal_ex(m, md, NULL);
        assert_int_equal(
            hkey_seckey_check(secret, sl, md, 16, data, sizeof(data)), 1);
        EVP_MD_CTX_free(m);
        wbuf_free(&w);
}

static void
admin_values_and_their_rules(void **state)
{
        struct wbuf adm;
        struct hadmin a;
        struct hval v;
        char err[128];

        (void)state;
        wbuf_init(&adm, 0);
        hkey_admin_encode(&adm, 0x0FF3, "0.NA/88.1", 300);
        assert_int_equal(hkey_admin_decode(adm.p, adm.len, &a), 0);
        assert_int_equal(a.perms, 0x0FF3);
        assert_int_equal(a.index, 300);
        assert_int_equal(a.handle.len, 9);
        hval_init(&v, 100, (struct span){(const uint8_t *)"HS_ADMIN", 8},
                  (struct span){adm.p, (uint32_t)adm.len}, 0);
        assert_int_equal(hkey_admin_value(&v, err, sizeof(err)), 1);
        v.index = 2000;
        assert_int_equal(hkey_admin_value(&v, err, sizeof(err)), -1);
        hval_init(&v, 301, (struct span){(const uint8_t *)"HS_SECKEY", 9},
                  (struct span){(const uint8_t *)"abc", 3}, 0);
        assert_int_equal(hkey_admin_value(&v, err, sizeof(err)), -1);
        v.perms = HVAL_ADMIN_READ | HVAL_ADMIN_WRITE;
        assert_int_equal(hkey_admin_value(&v, err, sizeof(err)), 1);
        hval_init(&v, 2000, (struct span){(const uint8_t *)"serialNo", 8},
                  (struct span){(const uint8_t *)"abc", 3}, 0);
        assert_int_equal(hkey_admin_value(&v, err, sizeof(err)), 0);
        wbuf_free(&adm);
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(ec_and_rsa_pem_keys_verify_their_signatures),
            cmocka_unit_test(binary_rsa_key_with_java_leading_zero),
            cmocka_unit_test(seckey_answers_in_every_form),
            cmocka_unit_test(admin_values_and_their_rules),
        };

        return cmocka_run_group_tests_name("hkey", tests, NULL, NULL);
}
