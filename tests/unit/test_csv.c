/* CSV records, RFC 4180 (core/csv.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/csv.h"

static struct csv *c;
static size_t used;

static int
setup(void **state)
{
        (void)state;
        c = csv_new(8, 64);
        return c ? 0 : -1;
}

static int
teardown(void **state)
{
        (void)state;
        csv_free(c);
        return 0;
}

static enum csv_status
parse(const char *s, int eof)
{
        used = (size_t)-1;
        return csv_parse(c, s, strlen(s), eof, &used);
}

/* The record's fields joined with '|', for compact expectations. */
static const char *
joined(void)
{
        static char buf[512];
        size_t i, len, at = 0;

        buf[0] = '\0';
        for (i = 0; i < csv_count(c); i++) {
                const char *f = csv_field(c, i, &len);

                at += (size_t)snprintf(buf + at, sizeof(buf) - at, "%s%.*s",
                                       i ? "|" : "", (int)len, f);
        }
        return buf;
}

static void
expect_record(const char *in, int eof, const char *fields, size_t n_used)
{
        if (parse(in, eof) != CSV_RECORD)
                fail_msg("\"%s\": not a record (%s)", in, csv_error(c));
        assert_string_equal(joined(), fields);
        assert_int_equal(used, n_used);
}

static void
expect_bad(const char *in, int eof, const char *needle)
{
        assert_int_equal(parse(in, eof), CSV_BAD);
        if (!strstr(csv_error(c), needle))
                fail_msg("\"%s\": error \"%s\" lacks \"%s\"", in, csv_error(c),
                         needle);
}

static void
plain_fields(void **state)
{
        (void)state;
        expect_record("a,b,c\nnext", 0, "a|b|c", 6);
        expect_record("a,b,c\r\nnext", 0, "a|b|c", 7);
        expect_record("88.1/x,,\n", 0, "88.1/x||", 9);
        assert_int_equal(csv_count(c), 3);
        expect_record("last,line", 1, "last|line", 9);
        expect_record("trailing,\n", 0, "trailing|", 10);
        expect_record("离心泵,CP-200\n", 0, "离心泵|CP-200", 17);
}

static void
quoted_fields(void **state)
{
        size_t len;

        (void)state;
        expect_record("\"a,b\",\"say \"\"hi\"\"\"\n", 0, "a,b|say \"hi\"", 19);
        expect_record("\"two\nlines\",x\r\n", 0, "two\nlines|x", 15);
        expect_record("\"crlf\r\ninside\",y\n", 0, "crlf\r\ninside|y", 17);
        expect_record("\"\",\"\"\n", 0, "|", 6);
        expect_record("\"at eof\"", 1, "at eof", 8);
        /* Fields are copies, NUL-terminated, and may hold NUL. */
        assert_int_equal(csv_parse(c, "\"a\0b\",z\n", 8, 0, &used), CSV_RECORD);
        assert_int_equal(used, 8);
        assert_memory_equal(csv_field(c, 0, &len), "a\0b", 4);
        assert_int_equal(len, 3);
}

static void
blank_line_is_one_empty_field(void **state)
{
        size_t len;

        (void)state;
        expect_record("\n", 0, "", 1);
        assert_int_equal(csv_count(c), 1);
        csv_field(c, 0, &len);
        assert_int_equal(len, 0);
        expect_record("\r\nx", 0, "", 2);
        assert_int_equal(parse("", 1), CSV_MORE);
}

static void
incomplete_needs_more(void **state)
{
        (void)state;
        assert_int_equal(parse("a,b", 0), CSV_MORE);
        assert_int_equal(parse("\"open,", 0), CSV_MORE);
        assert_int_equal(parse("\"quote\"", 0), CSV_MORE); /* "" next? */
        assert_int_equal(parse("a\r", 0), CSV_MORE);
        assert_int_equal(parse("\"q\"\r", 0), CSV_MORE);
        /* The same bytes at the end of the input are whole. */
        expect_record("a,b", 1, "a|b", 3);
        expect_record("\"quote\"", 1, "quote", 7);
}

static void
malformed(void **state)
{
        (void)state;
        expect_bad("ab\"c,d\n", 0, "quote inside an unquoted field");
        expect_bad("\"a\"b,c\n", 0, "closing quote");
        expect_bad("\"a\" ,c\n", 0, "closing quote");
        expect_bad("a\rb\n", 0, "carriage return");
        expect_bad("a\r", 1, "carriage return");
        expect_bad("\"never closed\n", 1, "unterminated");
}

static void
limits(void **state)
{
        char big[200];

        (void)state;
        expect_record("1,2,3,4,5,6,7,8\n", 0, "1|2|3|4|5|6|7|8", 16);
        expect_bad("1,2,3,4,5,6,7,8,9\n", 0, "too many fields");
        /* 64 bytes at most, line end included. */
        memset(big, 'x', sizeof(big));
        big[63] = '\n';
        big[64] = '\0';
        assert_int_equal(parse(big, 0), CSV_RECORD);
        assert_int_equal(used, 64);
        big[63] = 'x';
        big[64] = '\n';
        big[65] = '\0';
        expect_bad(big, 0, "too long");
        big[64] = 'x';
        big[150] = '\0';
        expect_bad(big, 0, "too long"); /* no line end in sight */
        big[0] = '"';
        expect_bad(big, 1, "too long"); /* a runaway quote */
        big[64] = '\0';
        expect_bad(big, 0, "too long"); /* more input can't help */
}

static void
records_in_sequence(void **state)
{
        const char *in = "h,a\n\"1\",x\n2,\"y\ny\"\n3,z";
        const char *p = in, *end = in + strlen(in);
        const char *want[] = {"h|a", "1|x", "2|y\ny", "3|z"};
        size_t k = 0;

        (void)state;
        while (p < end) {
                assert_int_equal(csv_parse(c, p, (size_t)(end - p), 1, &used),
                                 CSV_RECORD);
                assert_true(k < 4);
                assert_string_equal(joined(), want[k++]);
                p += used;
        }
        assert_int_equal(k, 4);
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(plain_fields, setup, teardown),
            cmocka_unit_test_setup_teardown(quoted_fields, setup, teardown),
            cmocka_unit_test_setup_teardown(blank_line_is_one_empty_field,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(incomplete_needs_more, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(malformed, setup, teardown),
            cmocka_unit_test_setup_teardown(limits, setup, teardown),
            cmocka_unit_test_setup_teardown(records_in_sequence, setup,
                                            teardown),
        };

        return cmocka_run_group_tests_name("csv", tests, NULL, NULL);
}
