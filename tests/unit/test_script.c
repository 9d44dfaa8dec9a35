/* Lua scripts: the SHA-1 sent with EVALSHA is the one Redis computes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <hiredis/hiredis.h>

#include "registry/script.h"

static void
sha_matches_redis(void **state)
{
        struct script s;

        (void)state;
        /* SCRIPT LOAD "return 1" answers this SHA (Redis EVALSHA docs). */
        script_init(&s, "return 1");
        assert_string_equal(s.sha, "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
        script_init(&s, "");
        assert_string_equal(s.sha, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
}

static void
noscript_is_recognised(void **state)
{
        char noscript[] = "NOSCRIPT No matching script. Please use EVAL.";
        char other[] = "ERR wrong number of arguments";
        redisReply r = {0};

        (void)state;
        r.type = REDIS_REPLY_ERROR;
        r.str = noscript;
        assert_true(script_missing(&r));
        r.str = other;
        assert_false(script_missing(&r));
        r.type = REDIS_REPLY_STRING;
        r.str = noscript;
        assert_false(script_missing(&r));
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(sha_matches_redis),
            cmocka_unit_test(noscript_is_recognised),
        };

        return cmocka_run_group_tests_name("script", tests, NULL, NULL);
}
