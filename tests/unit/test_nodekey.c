/* The node key (certs/nodekey): HS_PUBKEY encodings and signatures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "certs/ca.h"
#include "certs/nodekey.h"

static char dir[64];

static int
setup(void **state)
{
        char err[256], sub[96];

        (void)state;
        snprintf(dir, sizeof(dir), "/tmp/idnode-nodekey-XXXXXX");
        if (!mkdtemp(dir))
                return -1;
        snprintf(sub, sizeof(sub), "%s/ec", dir);
        if (ca_init(sub, 0, err, sizeof(err)) < 0)
                return -1;
        snprintf(sub, sizeof(sub), "%s/rsa", dir);
        return ca_init(sub, 1, err, sizeof(err));
}

static int
teardown(void **state)
{
        char cmd[128];

        (void)state;
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        return system(cmd) == 0 ? 0 : -1;
}

static EVP_PKEY *
load(const char *kind, const char *file)
{
        char path[128], err[256];

        snprintf(path, sizeof(path), "%s/%s/%s", dir, kind, file);
        return nodekey_load(path, err, sizeof(err));
}

static void
ec_value(void **state)
{
        EVP_PKEY *k = load("ec", "node.key");
        char err[256];
        uint8_t v[1024];
        size_t len;

        (void)state;
        assert_non_null(k);
        assert_int_equal(nodekey_value(k, v, sizeof(v), &len, err, sizeof(err)),
                         0);
        assert_memory_equal(v,
                            "\0\0\0\x0a"
                            "EC_PUB_KEY\0\0",
                            16);
        assert_memory_equal(v + 20, "-----BEGIN PUBLIC KEY-----", 26);
        assert_int_equal(
            len, 20 + (size_t)(v[16] << 24 | v[17] << 16 | v[18] << 8 | v[19]));
        nodekey_free(k);
}

static void
rsa_value(void **state)
{
        EVP_PKEY *k = load("rsa", "node.key");
        char err[256];
        uint8_t v[1024];
        size_t len;

        (void)state;
        assert_non_null(k);
        assert_int_equal(nodekey_value(k, v, sizeof(v), &len, err, sizeof(err)),
                         0);
        /* type, flags, e = 65537, n of 3072 bits (a leading 0: positive) */
        assert_memory_equal(v, "\0\0\0\x0bRSA_PUB_KEY\0\0", 17);
        assert_memory_equal(v + 17, "\0\0\0\x03\x01\x00\x01", 7);
        assert_memory_equal(v + 24, "\0\0\x01\x81\x00", 5);
        assert_int_equal(len, 24 + 4 + 385);
        assert_int_equal(nodekey_value(k, v, 100, &len, err, sizeof(err)), -1);
        nodekey_free(k);
}

static void
not_keys(void **state)
{
        char path[128], err[256];

        (void)state;
        assert_null(load("ec", "ca.pem"));
        assert_null(load("ec", "missing.key"));
        snprintf(path, sizeof(path), "%s/ec/ca.pem", dir);
        assert_null(nodekey_load(path, err, sizeof(err)));
        assert_non_null(strstr(err, "not a PEM private key"));
}

/* Signed in two parts, verified as one text with the public half. */
static void
sign_verify(void **state)
{
        static const char *const kinds[] = {"ec", "rsa"};
        const struct span parts[2] = {{(const uint8_t *)"head", 4},
                                      {(const uint8_t *)"er and body", 11}};
        uint8_t sig[1024];
        size_t i, len;

        (void)state;
        for (i = 0; i < 2; i++) {
                EVP_PKEY *k = load(kinds[i], "node.key");
                EVP_MD_CTX *md = EVP_MD_CTX_new();

                assert_non_null(k);
                assert_int_equal(
                    nodekey_sign(k, parts, 2, sig, sizeof(sig), &len), 0);
                assert_int_equal(
                    EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, k), 1);
                assert_int_equal(EVP_DigestVerify(md, sig, len,
                                                  (const uint8_t *)"header "
                                                                   "and body",
                                                  15),
                                 1);
                EVP_MD_CTX_free(md);
                assert_int_equal(nodekey_sign(k, parts, 2, sig, 8, &len), -1);
                nodekey_free(k);
        }
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(ec_value),
            cmocka_unit_test(rsa_value),
            cmocka_unit_test(not_keys),
            cmocka_unit_test(sign_verify),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
