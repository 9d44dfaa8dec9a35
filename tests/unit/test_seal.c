/* The node key file and AES-256-GCM sealing of stored values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "certs/seal.h"

static const char hexkey[] =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

static struct seal_key *
key_from_hex(const char *hex)
{
        char err[128];
        struct seal_key *k =
            seal_key_parse((const uint8_t *)hex, strlen(hex), err, sizeof(err));

        assert_non_null(k);
        return k;
}

static void
round_trip(void **state)
{
        struct seal_key *k = key_from_hex(hexkey);
        const char *plain =
            "8d969eef6ecad3c29a3a629280e686cf0c3f5d5a86aff3ca12020c923adc6c92";
        char a[SEAL_TEXT_MAX], b[SEAL_TEXT_MAX];
        uint8_t out[SEAL_MAX_PLAIN];
        size_t len;

        (void)state;
        assert_int_equal(
            seal_encrypt(k, (const uint8_t *)plain, 64, "pw1:alice", a), 0);
        assert_memory_equal(a, "gcm1$", 5);
        assert_null(strstr(a, "8d969eef"));
        assert_int_equal(seal_decrypt(k, a, "pw1:alice", out, &len), 0);
        assert_int_equal(len, 64);
        assert_memory_equal(out, plain, 64);
        /* A fresh nonce each time: the same input seals differently. */
        assert_int_equal(
            seal_encrypt(k, (const uint8_t *)plain, 64, "pw1:alice", b), 0);
        assert_string_not_equal(a, b);
        assert_int_equal(seal_decrypt(k, b, "pw1:alice", out, &len), 0);
        /* Empty and longest plaintexts; one byte more is refused. */
        assert_int_equal(seal_encrypt(k, out, 0, "", a), 0);
        assert_int_equal(seal_decrypt(k, a, "", out, &len), 0);
        assert_int_equal(len, 0);
        memset(out, 'x', sizeof(out));
        assert_int_equal(seal_encrypt(k, out, SEAL_MAX_PLAIN, "x", a), 0);
        assert_true(strlen(a) < SEAL_TEXT_MAX);
        assert_int_equal(seal_decrypt(k, a, "x", out, &len), 0);
        assert_int_equal(len, SEAL_MAX_PLAIN);
        assert_int_equal(seal_encrypt(k, out, SEAL_MAX_PLAIN + 1, "x", a), -1);
        seal_key_free(k);
}

/* Any changed character, another place or another key: refused. */
static void
tamper_detected(void **state)
{
        struct seal_key *k = key_from_hex(hexkey);
        struct seal_key *other = key_from_hex(
            "ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
        const uint8_t plain[64] = "secret-equivalent";
        char t[SEAL_TEXT_MAX], bad[SEAL_TEXT_MAX];
        uint8_t out[SEAL_MAX_PLAIN];
        size_t len, i, n;

        (void)state;
        assert_int_equal(seal_encrypt(k, plain, 64, "pw1:bob", t), 0);
        n = strlen(t);
        for (i = 5; i < n; i++) {
                memcpy(bad, t, n + 1);
                /* Another base64 digit (or padding) at position i. */
                bad[i] = bad[i] == 'A' ? 'B' : 'A';
                if (bad[i] == t[i])
                        continue;
                len = 99;
                assert_int_equal(seal_decrypt(k, bad, "pw1:bob", out, &len),
                                 -1);
                assert_int_equal(len, 0);
        }
        /*
         * 92 sealed bytes end in one '=': the digit before it has two
         * spare bits.  Setting one decodes to the same bytes, and must
         * still be refused.
         */
        {
                static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef"
                                          "ghijklmnopqrstuvwxyz0123456789+/";
                const char *d = strchr(b64, t[n - 2]);

                assert_int_equal(t[n - 1], '=');
                assert_non_null(d);
                memcpy(bad, t, n + 1);
                bad[n - 2] = b64[(d - b64) ^ 1];
                assert_int_equal(seal_decrypt(k, bad, "pw1:bob", out, &len),
                                 -1);
        }
        assert_int_equal(seal_decrypt(k, t, "pw1:bobb", out, &len), -1);
        assert_int_equal(seal_decrypt(k, t, "pw1:eve", out, &len), -1);
        assert_int_equal(seal_decrypt(other, t, "pw1:bob", out, &len), -1);
        /* Truncated, extended, or not ours at all. */
        memcpy(bad, t, n + 1);
        bad[n - 4] = '\0';
        assert_int_equal(seal_decrypt(k, bad, "pw1:bob", out, &len), -1);
        snprintf(bad, sizeof(bad), "%sAAAA", t);
        assert_int_equal(seal_decrypt(k, bad, "pw1:bob", out, &len), -1);
        assert_int_equal(seal_decrypt(k, "", "pw1:bob", out, &len), -1);
        assert_int_equal(seal_decrypt(k, "gcm1$", "pw1:bob", out, &len), -1);
        assert_int_equal(seal_decrypt(k, "gcm1$AAAA", "pw1:bob", out, &len),
                         -1);
        assert_int_equal(seal_decrypt(k, t + 1, "pw1:bob", out, &len), -1);
        assert_int_equal(
            seal_decrypt(k, "pbkdf2-sha256$1$x$y", "pw1:bob", out, &len), -1);
        /* The untouched text still opens. */
        assert_int_equal(seal_decrypt(k, t, "pw1:bob", out, &len), 0);
        seal_key_free(k);
        seal_key_free(other);
}

static void
key_forms(void **state)
{
        uint8_t raw[33];
        char err[128], hex[80];
        struct seal_key *k;

        (void)state;
        memset(raw, 7, sizeof(raw));
        k = seal_key_parse(raw, 32, err, sizeof(err));
        assert_non_null(k);
        seal_key_free(k);
        snprintf(hex, sizeof(hex), "%s\n", hexkey);
        k = seal_key_parse((const uint8_t *)hex, 65, err, sizeof(err));
        assert_non_null(k);
        seal_key_free(k);
        assert_null(seal_key_parse(raw, 31, err, sizeof(err)));
        assert_null(seal_key_parse(raw, 33, err, sizeof(err)));
        assert_non_null(strstr(err, "64 hex digits"));
        assert_null(seal_key_parse((const uint8_t *)hex, 63, err, sizeof(err)));
        hex[10] = 'g';
        assert_null(seal_key_parse((const uint8_t *)hex, 64, err, sizeof(err)));
        snprintf(hex, sizeof(hex), "%s\r\n", hexkey);
        assert_null(seal_key_parse((const uint8_t *)hex, 66, err, sizeof(err)));
}

/* The same 32 bytes as raw bytes and as hex open each other's texts. */
static void
raw_and_hex_are_one_key(void **state)
{
        uint8_t raw[32], out[SEAL_MAX_PLAIN];
        char err[128], t[SEAL_TEXT_MAX];
        struct seal_key *a, *b;
        size_t i, len;

        (void)state;
        for (i = 0; i < 32; i++)
                raw[i] = (uint8_t)i;
        a = seal_key_parse(raw, 32, err, sizeof(err));
        b = key_from_hex(hexkey);
        assert_int_equal(seal_encrypt(a, raw, 5, "p", t), 0);
        assert_int_equal(seal_decrypt(b, t, "p", out, &len), 0);
        assert_int_equal(len, 5);
        seal_key_free(a);
        seal_key_free(b);
}

static void
key_file_modes(void **state)
{
        char path[] = "/tmp/idnode-seal-XXXXXX", err[256];
        struct seal_key *k;
        int fd = mkstemp(path);

        (void)state;
        assert_true(fd >= 0);
        assert_int_equal(write(fd, hexkey, 64), 64);
        close(fd);
        assert_int_equal(chmod(path, 0600), 0);
        k = seal_key_load(path, err, sizeof(err));
        assert_non_null(k);
        seal_key_free(k);
        assert_int_equal(chmod(path, 0400), 0);
        k = seal_key_load(path, err, sizeof(err));
        assert_non_null(k);
        seal_key_free(k);
        assert_int_equal(chmod(path, 0644), 0);
        assert_null(seal_key_load(path, err, sizeof(err)));
        assert_non_null(strstr(err, "0600"));
        assert_int_equal(chmod(path, 0620), 0);
        assert_null(seal_key_load(path, err, sizeof(err)));
        assert_int_equal(chmod(path, 0601), 0);
        assert_null(seal_key_load(path, err, sizeof(err)));
        unlink(path);
        assert_null(seal_key_load(path, err, sizeof(err)));
        assert_null(seal_key_load("/tmp", err, sizeof(err)));
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(round_trip),
            cmocka_unit_test(tamper_detected),
            cmocka_unit_test(key_forms),
            cmocka_unit_test(raw_and_hex_are_one_key),
            cmocka_unit_test(key_file_modes),
        };

        return cmocka_run_group_tests_name("seal", tests, NULL, NULL);
}
