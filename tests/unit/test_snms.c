/* SNMS conventions: text members, dates (registry/snms). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>

#include "registry/snms.h"

static int
setup(void **state)
{
        (void)state;
        setenv("TZ", "Asia/Shanghai", 1); /* UTC+8, no daylight saving */
        tzset();
        return 0;
}

static void
dates(void **state)
{
        char out[SNMS_DATE_LEN];
        long long t;

        (void)state;
        assert_int_equal(snms_parse_date("2022-01-01 00:00:00", 0, &t), 0);
        assert_int_equal(t, 1640966400LL); /* 2021-12-31T16:00:00Z */
        assert_int_equal(snms_parse_date("2022-01-01", 0, &t), 0);
        assert_int_equal(t, 1640966400LL);
        assert_int_equal(snms_parse_date("2022-01-01", 1, &t), 0);
        assert_int_equal(t, 1640966400LL + 86399);
        assert_int_equal(snms_parse_date("2022-01-01T08:30:05", 0, &t), 0);
        snms_date(t, out);
        assert_string_equal(out, "2022-01-01 08:30:05");
        assert_int_equal(snms_parse_date("2024-02-29", 0, &t), 0);
        assert_int_equal(snms_parse_date("2023-02-29", 0, &t), -1);
        assert_int_equal(snms_parse_date("2022-13-01", 0, &t), -1);
        assert_int_equal(snms_parse_date("2022-1-01", 0, &t), -1);
        assert_int_equal(snms_parse_date("2022-01-01 24:00:00", 0, &t), -1);
        assert_int_equal(snms_parse_date("2022-01-01 23:60:00", 0, &t), -1);
        assert_int_equal(snms_parse_date("2022-01-01x00:00:00", 0, &t), -1);
        assert_int_equal(snms_parse_date("1969-12-31", 0, &t), -1);
        assert_int_equal(snms_parse_date("２０２２-01-01", 0, &t), -1);
        assert_int_equal(snms_parse_date("", 0, &t), -1);
        snms_date(0, out);
        assert_string_equal(out, "");
}

static void
text(void **state)
{
        json_t *o = json_loads("{\"a\":\"中文ab\",\"e\":\"\",\"n\":1,"
                               "\"c\":\"x\\ty\",\"z\":\"a\\u0000b\"}",
                               JSON_ALLOW_NUL, NULL);
        char err[128];
        const char *s;

        (void)state;
        assert_non_null(o);
        assert_int_equal(snms_text(o, "a", 1, 4, &s, err, sizeof(err)), 0);
        assert_string_equal(s, "中文ab");
        assert_int_equal(snms_text(o, "a", 1, 3, &s, err, sizeof(err)), -1);
        assert_string_equal(err, "a is longer than 3 characters");
        assert_int_equal(snms_text(o, "e", 0, 3, &s, err, sizeof(err)), 0);
        assert_null(s);
        assert_int_equal(snms_text(o, "e", 1, 3, &s, err, sizeof(err)), -1);
        assert_int_equal(snms_text(o, "missing", 0, 3, &s, err, sizeof(err)),
                         0);
        assert_null(s);
        assert_int_equal(snms_text(o, "n", 0, 3, &s, err, sizeof(err)), -1);
        assert_string_equal(err, "n must be a string");
        assert_int_equal(snms_text(o, "c", 0, 9, &s, err, sizeof(err)), -1);
        assert_int_equal(snms_text(o, "z", 0, 9, &s, err, sizeof(err)), -1);
        json_decref(o);
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(dates),
            cmocka_unit_test(text),
        };

        return cmocka_run_group_tests_name("snms", tests, setup, NULL);
}
