/* GB 32100 unified social credit codes (domain.md §7). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "registry/uscc.h"

static enum uscc_status
check(const char *s, char *expected)
{
        return uscc_check(s, strlen(s), expected, NULL);
}

static void
valid_codes(void **state)
{
        (void)state;
        assert_int_equal(check("91350100M000100Y43", NULL), USCC_OK);
        assert_int_equal(check("914403001922038216", NULL), USCC_OK);
        /* Lower case letters are the same code. */
        assert_int_equal(check("91350100m000100y43", NULL), USCC_OK);
}

static void
wrong_check_character(void **state)
{
        char want = 0;
        const char *why = NULL;

        (void)state;
        /* The widely copied example is the invalid variant. */
        assert_int_equal(check("91350100M000100Y4Z", &want), USCC_BAD_CHAR);
        assert_int_equal(check("91350100M000100Y44", &want), USCC_BAD_CHECK);
        assert_int_equal(want, '3');
        assert_int_equal(uscc_check("914403001922038217", 18, &want, &why),
                         USCC_BAD_CHECK);
        assert_int_equal(want, '6');
        assert_non_null(why);
}

static void
check_value_zero_maps_to_0(void **state)
{
        char want = 0;
        int i;
        char code[19] = "91350100M000100Y40";

        (void)state;
        /* Find a body whose sum is 0 mod 31: its check character is 0. */
        for (i = 0; i < 31; i++) {
                code[16] = "0123456789ABCDEFGHJKLMNPQRTUWXY"[i];
                code[17] = '0';
                if (check(code, &want) == USCC_OK)
                        break;
        }
        assert_true(i < 31);
        assert_int_equal(code[17], '0');
}

static void
bad_length_and_characters(void **state)
{
        const char *why = NULL;

        (void)state;
        assert_int_equal(check("", NULL), USCC_BAD_LENGTH);
        assert_int_equal(check("91350100M000100Y4", NULL), USCC_BAD_LENGTH);
        assert_int_equal(check("91350100M000100Y433", NULL), USCC_BAD_LENGTH);
        assert_int_equal(uscc_check("91350100I000100Y43", 18, NULL, &why),
                         USCC_BAD_CHAR);
        assert_non_null(why);
        assert_int_equal(check("91350100O000100Y43", NULL), USCC_BAD_CHAR);
        assert_int_equal(check("91350100-000100Y43", NULL), USCC_BAD_CHAR);
        assert_int_equal(uscc_check("91350100\0M00100Y43", 18, NULL, NULL),
                         USCC_BAD_CHAR);
}

static void
category_positions(void **state)
{
        (void)state;
        /* 9 (market regulation) has kinds 1-3 only; B is no department. */
        assert_int_equal(check("94350100M000100Y43", NULL), USCC_BAD_CATEGORY);
        assert_int_equal(check("B1350100M000100Y43", NULL), USCC_BAD_CATEGORY);
}

static void
organisation_code(void **state)
{
        (void)state;
        assert_true(uscc_org_code_ok("91350100M000100Y43", 18));
        assert_false(uscc_org_code_ok("91350100M000100Y53", 18));
        assert_false(uscc_org_code_ok("short", 5));
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(valid_codes),
            cmocka_unit_test(wrong_check_character),
            cmocka_unit_test(check_value_zero_maps_to_0),
            cmocka_unit_test(bad_length_and_characters),
            cmocka_unit_test(category_positions),
            cmocka_unit_test(organisation_code),
        };

        return cmocka_run_group_tests_name("uscc", tests, NULL, NULL);
}
