/* Account names and roles (the SNMS limits: names up to 50 characters). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "registry/users.h"

static int
valid(const char *s)
{
        return users_valid_name(s, strlen(s));
}

static void
names(void **state)
{
        char long_name[52];

        (void)state;
        assert_true(valid("alice"));
        assert_true(valid("ops.team-1_a@example.cn"));
        assert_false(valid(""));
        assert_false(valid("has space"));
        assert_false(valid("slash/no"));
        assert_false(valid("quote\"no"));
        assert_false(valid("张三")); /* ASCII only: names go into keys */
        memset(long_name, 'a', 51);
        long_name[50] = '\0';
        assert_true(valid(long_name)); /* exactly 50 */
        long_name[50] = 'a';
        long_name[51] = '\0';
        assert_false(valid(long_name));
        assert_false(users_valid_name("a\0b", 3));
}

static void
roles(void **state)
{
        (void)state;
        assert_int_equal(users_role_parse("operator"), USERS_OPERATOR);
        assert_int_equal(users_role_parse("reviewer"), USERS_REVIEWER);
        assert_int_equal(users_role_parse("enterprise"), USERS_ENTERPRISE);
        assert_int_equal(users_role_parse("admin"), USERS_NONE);
        assert_int_equal(users_role_parse(""), USERS_NONE);
        assert_string_equal(users_role_name(USERS_REVIEWER), "reviewer");
        assert_string_equal(users_role_name(USERS_NONE), "");
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(names),
            cmocka_unit_test(roles),
        };

        return cmocka_run_group_tests_name("users", tests, NULL, NULL);
}
