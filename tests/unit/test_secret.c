/* Password verifiers, the SNMS v1 login digest and bearer tokens. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "certs/secret.h"

/* Few iterations keep the tests fast; the format is the same. */
#define TEST_ITER 1000u

static void
password_round_trip(void **state)
{
        char stored[SECRET_HASH_MAX];

        (void)state;
        assert_int_equal(
            secret_hash_password("s3cret-密码", 14, TEST_ITER, stored), 0);
        assert_memory_equal(stored, "pbkdf2-sha256$1000$", 19);
        assert_int_equal(secret_verify_password(stored, "s3cret-密码", 14), 1);
        assert_int_equal(secret_verify_password(stored, "s3cret-密", 11), 0);
        assert_int_equal(secret_verify_password(stored, "", 0), 0);
        /* The password never appears in what is stored. */
        assert_null(strstr(stored, "s3cret"));
}

static void
salts_differ(void **state)
{
        char a[SECRET_HASH_MAX], b[SECRET_HASH_MAX];

        (void)state;
        assert_int_equal(secret_hash_password("same", 4, TEST_ITER, a), 0);
        assert_int_equal(secret_hash_password("same", 4, TEST_ITER, b), 0);
        assert_string_not_equal(a, b);
        assert_int_equal(secret_verify_password(a, "same", 4), 1);
        assert_int_equal(secret_verify_password(b, "same", 4), 1);
}

static void
malformed_verifiers_never_match(void **state)
{
        char stored[SECRET_HASH_MAX], bad[SECRET_HASH_MAX];

        (void)state;
        assert_int_equal(secret_hash_password("pw", 2, TEST_ITER, stored), 0);
        assert_int_equal(secret_verify_password("", "pw", 2), 0);
        assert_int_equal(secret_verify_password("plain-pw", "pw", 2), 0);
        assert_int_equal(secret_verify_password("pbkdf2-sha256$0$x$y", "pw", 2),
                         0);
        /* A changed iteration count or a flipped hash character fails. */
        memcpy(bad, stored, sizeof(bad));
        bad[14] = '2';
        assert_int_equal(secret_verify_password(bad, "pw", 2), 0);
        memcpy(bad, stored, sizeof(bad));
        bad[strlen(bad) - 2] = bad[strlen(bad) - 2] == 'A' ? 'B' : 'A';
        assert_int_equal(secret_verify_password(bad, "pw", 2), 0);
        memcpy(bad, stored, sizeof(bad));
        bad[strlen(bad) - 5] = '\0';
        assert_int_equal(secret_verify_password(bad, "pw", 2), 0);
        assert_int_equal(secret_hash_password("pw", 2, 0, bad), -1);
}

static void
snms_v1_digest_matches_the_documented_example(void **state)
{
        char d[SECRET_HEX64];

        (void)state;
        /* domain.md §2.A: plain 123456 on 2019-08-15 gives 58e2c92c…7661. */
        secret_v1_digest("123456", 6, "2019-08-15", d);
        assert_string_equal(d, "58e2c92c46485fdbc35fdcd0814d6c0f000cad5aa1568"
                               "48ca5edaf29406b7661");
        secret_v1_digest("123456", 6, "2019-08-16", d);
        assert_memory_not_equal(d, "58e2c92c", 8);
}

static void
tokens_are_random_and_stored_hashed(void **state)
{
        char a[SECRET_HEX64], b[SECRET_HEX64], ka[SECRET_HEX64],
            kb[SECRET_HEX64];
        size_t i;

        (void)state;
        assert_int_equal(secret_new_token(a), 0);
        assert_int_equal(secret_new_token(b), 0);
        assert_int_equal(strlen(a), 64);
        assert_string_not_equal(a, b);
        for (i = 0; i < 64; i++)
                assert_non_null(strchr("0123456789abcdef", a[i]));
        secret_token_key(a, 64, ka);
        secret_token_key(a, 64, kb);
        assert_string_equal(ka, kb); /* same token, same key */
        assert_string_not_equal(ka, a);
        /* sha256("abc") */
        secret_token_key("abc", 3, ka);
        assert_string_equal(ka, "ba7816bf8f01cfea414140de5dae2223b00361a396177"
                                "a9cb410ff61f20015ad");
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(password_round_trip),
            cmocka_unit_test(salts_differ),
            cmocka_unit_test(malformed_verifiers_never_match),
            cmocka_unit_test(snms_v1_digest_matches_the_documented_example),
            cmocka_unit_test(tokens_are_random_and_stored_hashed),
        };

        return cmocka_run_group_tests_name("secret", tests, NULL, NULL);
}
