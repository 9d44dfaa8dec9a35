/* UTC periods of the usage statistics: parsing, formatting, key digits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/period.h"

static int
parse(const char *s, enum period_unit *u, int64_t *t)
{
        return period_parse(s, strlen(s), u, t);
}

static void
days_and_hours(void **state)
{
        enum period_unit u;
        int64_t t;

        (void)state;
        assert_int_equal(parse("2026-11-23", &u, &t), 0);
        assert_int_equal(u, PERIOD_DAY);
        assert_int_equal(t, 1795392000); /* calendar.timegm */
        assert_int_equal(parse("2026-11-23T14", &u, &t), 0);
        assert_int_equal(u, PERIOD_HOUR);
        assert_int_equal(t, 1795442400);
        assert_int_equal(parse("2024-02-29", &u, &t), 0);
        assert_int_equal(t, 1709164800);
        assert_int_equal(parse("2000-01-01T00", &u, &t), 0);
        assert_int_equal(t, 946684800);
        assert_int_equal(parse("9999-12-31T23", &u, &t), 0);
        assert_int_equal(t, 253402297200);
}

static void
refuses_what_is_not_a_period(void **state)
{
        static const char *const bad[] = {
            "",
            "2026-11-2",
            "2026-11-23T",
            "2026-11-23T1",
            "2026-11-23t14",
            "2026-11-23 14",
            "2026/11/23",
            "2026-13-01",
            "2026-00-10",
            "2026-11-00",
            "2026-11-31",
            "2023-02-29",
            "2100-02-29",
            "1999-12-31",
            "2026-11-23T24",
            "2026-11-23T-1",
            "+026-11-23",
            "2026-1a-23",
            "2026-11-23T14:00",
        };
        enum period_unit u;
        int64_t t;
        size_t i;

        (void)state;
        for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                assert_int_equal(parse(bad[i], &u, &t), -1);
        /* The length given is the input: a NUL inside does not end it. */
        assert_int_equal(period_parse("2026-11-23\0x", 12, &u, &t), -1);
        assert_int_equal(parse("2000-02-29", &u, &t), 0);
}

static void
formats_back_what_it_parses(void **state)
{
        static const char *const good[] = {"2026-11-23", "2026-11-23T14",
                                           "2024-02-29T00", "2099-12-31T23",
                                           "2000-03-01"};
        char out[PERIOD_TEXT], day[9], hour[3];
        enum period_unit u;
        int64_t t;
        size_t i;

        (void)state;
        for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
                assert_int_equal(parse(good[i], &u, &t), 0);
                period_format(t, u, out);
                assert_string_equal(out, good[i]);
        }
        period_day_digits(1795442400 + 1234, day);
        period_hour_digits(1795442400 + 1234, hour);
        assert_string_equal(day, "20261123");
        assert_string_equal(hour, "14");
}

static void
floors_and_lengths(void **state)
{
        (void)state;
        assert_int_equal(period_floor(1795442400 + 3599, PERIOD_HOUR),
                         1795442400);
        assert_int_equal(period_floor(1795442400 + 3600, PERIOD_HOUR),
                         1795442400 + 3600);
        assert_int_equal(period_floor(1795442400, PERIOD_DAY), 1795392000);
        assert_int_equal(period_floor(-1, PERIOD_DAY), -86400);
        assert_int_equal(period_seconds(PERIOD_HOUR), 3600);
        assert_int_equal(period_seconds(PERIOD_DAY), 86400);
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(days_and_hours),
            cmocka_unit_test(refuses_what_is_not_a_period),
            cmocka_unit_test(formats_back_what_it_parses),
            cmocka_unit_test(floors_and_lengths),
        };

        return cmocka_run_group_tests_name("period", tests, NULL, NULL);
}
