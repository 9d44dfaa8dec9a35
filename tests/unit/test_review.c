/* The review workflow's transitions (registry/review). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "registry/review.h"

static char err[256];

static const char *
next(const char *kind, const char *action, const char *from)
{
        err[0] = '\0';
        return review_next(kind, action, from, err, sizeof(err));
}

static void
allowed(void **state)
{
        static const char *const kinds[] = {"apply", "change", "cancel"};
        size_t i;

        (void)state;
        for (i = 0; i < 3; i++) {
                assert_string_equal(next(kinds[i], "start", "submitted"),
                                    "reviewing");
                assert_string_equal(next(kinds[i], "approve", "reviewing"),
                                    "approved");
                assert_string_equal(next(kinds[i], "reject", "reviewing"),
                                    "rejected");
        }
}

static void
refused(void **state)
{
        (void)state;
        assert_null(next("apply", "approve", "submitted"));
        assert_non_null(strstr(err, "start the review first"));
        assert_null(next("apply", "reject", "submitted"));
        assert_non_null(strstr(err, "start the review first"));
        assert_null(next("apply", "start", "reviewing"));
        assert_non_null(strstr(err, "is reviewing, not submitted"));
        assert_null(next("apply", "start", "approved"));
        assert_null(next("apply", "approve", "approved"));
        assert_null(next("apply", "reject", "rejected"));
        assert_null(next("apply", "start", "cancelled"));
        assert_null(next("apply", "start", ""));
        assert_non_null(strstr(err, "there is no application"));
        assert_null(next("change", "approve", ""));
        assert_non_null(strstr(err, "no pending change request"));
        assert_null(next("cancel", "start", "reviewing"));
        assert_null(next("apply", "delete", "submitted"));
        assert_non_null(strstr(err, "no such step"));
        assert_null(next("transfer", "start", "submitted"));
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(allowed),
            cmocka_unit_test(refused),
        };

        return cmocka_run_group_tests_name("review", tests, NULL, NULL);
}
