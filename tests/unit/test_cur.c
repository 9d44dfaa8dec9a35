/* Byte cursor and growable write buffer (core/cur.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/cur.h"

static const uint8_t sample[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                 0x08, 0x09, 0xFF, 0xFE, 0xFD, 0xFC};

static void
reads_big_endian(void **state)
{
        struct cur c;

        (void)state;
        cur_init(&c, sample, sizeof(sample));
        assert_int_equal(cur_left(&c), 13);
        assert_int_equal(cur_u8(&c), 0x01);
        assert_int_equal(cur_u16(&c), 0x0203);
        assert_int_equal(cur_u32(&c), 0x04050607);
        assert_int_equal(cur_left(&c), 6);
        assert_int_equal(cur_u16(&c), 0x0809);
        assert_int_equal(cur_u32(&c), 0xFFFEFDFCu);
        assert_int_equal(cur_left(&c), 0);
        assert_true(cur_ok(&c));
}

static void
overrun_is_sticky(void **state)
{
        struct cur c;

        (void)state;
        cur_init(&c, sample, 3);
        assert_int_equal(cur_u32(&c), 0); /* 3 bytes left: fails */
        assert_false(cur_ok(&c));
        assert_int_equal(cur_left(&c), 0);
        /* Bytes remain, but every later read fails too. */
        assert_int_equal(cur_u8(&c), 0);
        assert_int_equal(cur_u16(&c), 0);
        assert_null(cur_take(&c, 0));
        assert_false(cur_ok(&c));
}

static void
take_and_skip(void **state)
{
        struct cur c;
        const uint8_t *p;

        (void)state;
        cur_init(&c, sample, sizeof(sample));
        p = cur_take(&c, 4);
        assert_ptr_equal(p, sample);
        cur_skip(&c, 5);
        assert_int_equal(cur_left(&c), 4);
        p = cur_take(&c, 4);
        assert_ptr_equal(p, sample + 9);
        assert_true(cur_ok(&c));
        cur_skip(&c, 1);
        assert_false(cur_ok(&c));
}

static void
take_huge_count_fails(void **state)
{
        struct cur c;

        (void)state;
        cur_init(&c, sample, sizeof(sample));
        cur_skip(&c, 1);
        assert_null(cur_take(&c, SIZE_MAX));
        assert_false(cur_ok(&c));
}

static void
null_buffer_is_empty(void **state)
{
        struct cur c;

        (void)state;
        cur_init(&c, NULL, 100);
        assert_int_equal(cur_left(&c), 0);
        assert_true(cur_ok(&c));
        assert_int_equal(cur_u8(&c), 0);
        assert_false(cur_ok(&c));
}

static void
fail_marks_error(void **state)
{
        struct cur c;

        (void)state;
        cur_init(&c, sample, sizeof(sample));
        cur_fail(&c);
        assert_false(cur_ok(&c));
        assert_int_equal(cur_left(&c), 0);
        assert_int_equal(cur_u8(&c), 0);
}

static void
bytes_within_max(void **state)
{
        static const uint8_t b[] = {0, 0, 0, 3, 'a', 'b', 'c', 0, 0, 0, 0};
        struct cur c;
        struct span s;

        (void)state;
        cur_init(&c, b, sizeof(b));
        s = cur_bytes(&c, 3); /* the limit itself is allowed */
        assert_true(cur_ok(&c));
        assert_int_equal(s.len, 3);
        assert_memory_equal(s.p, "abc", 3);
        s = cur_bytes(&c, 0); /* an empty field */
        assert_true(cur_ok(&c));
        assert_int_equal(s.len, 0);
        assert_int_equal(cur_left(&c), 0);
}

static void
bytes_over_max_fails(void **state)
{
        static const uint8_t b[] = {0, 0, 0, 3, 'a', 'b', 'c'};
        struct cur c;
        struct span s;

        (void)state;
        cur_init(&c, b, sizeof(b));
        s = cur_bytes(&c, 2);
        assert_false(cur_ok(&c));
        assert_null(s.p);
        assert_int_equal(s.len, 0);
}

static void
bytes_past_end_fails(void **state)
{
        static const uint8_t b[] = {0, 0, 0, 9, 'a', 'b', 'c'};
        static const uint8_t huge[] = {0xFF, 0xFF, 0xFF, 0xFF, 'a'};
        struct cur c;
        struct span s;

        (void)state;
        cur_init(&c, b, sizeof(b));
        s = cur_bytes(&c, 100);
        assert_false(cur_ok(&c));
        assert_null(s.p);
        assert_int_equal(s.len, 0);
        cur_init(&c, huge, sizeof(huge));
        s = cur_bytes(&c, UINT32_MAX);
        assert_false(cur_ok(&c));
        assert_int_equal(s.len, 0);
}

static void
wbuf_writes_big_endian(void **state)
{
        static const uint8_t want[] = {0xAB, 0x12, 0x34, 0xDE, 0xAD, 0xBE,
                                       0xEF, 0,    0,    0,    2,    'h',
                                       'i',  0,    0,    0,    0};
        struct wbuf w;

        (void)state;
        wbuf_init(&w, 0);
        wbuf_u8(&w, 0xAB);
        wbuf_u16(&w, 0x1234);
        wbuf_u32(&w, 0xDEADBEEF);
        wbuf_str(&w, "hi");
        wbuf_bytes(&w, NULL, 0);
        assert_true(wbuf_ok(&w));
        assert_int_equal(w.len, sizeof(want));
        assert_memory_equal(w.p, want, sizeof(want));
        wbuf_free(&w);
        assert_null(w.p);
        assert_int_equal(w.len, 0);
}

static void
wbuf_grows(void **state)
{
        struct wbuf w;
        uint8_t chunk[97];
        size_t i, j;

        (void)state;
        wbuf_init(&w, 0);
        for (i = 0; i < 200; i++) {
                memset(chunk, (int)(i & 0xFF), sizeof(chunk));
                wbuf_put(&w, chunk, sizeof(chunk));
                assert_true(w.cap >= w.len);
        }
        assert_true(wbuf_ok(&w));
        assert_int_equal(w.len, 200 * sizeof(chunk));
        for (i = 0; i < 200; i++)
                for (j = 0; j < sizeof(chunk); j++)
                        assert_int_equal(w.p[i * sizeof(chunk) + j], i);
        wbuf_free(&w);
}

static void
wbuf_max_is_enforced(void **state)
{
        struct wbuf w;

        (void)state;
        wbuf_init(&w, 8);
        wbuf_u32(&w, 1);
        wbuf_u32(&w, 2); /* exactly at the cap */
        assert_true(wbuf_ok(&w));
        assert_int_equal(w.len, 8);
        wbuf_u8(&w, 3); /* one byte over */
        assert_false(wbuf_ok(&w));
        assert_int_equal(w.len, 8);
        /* Sticky: nothing more is written, even what would fit. */
        wbuf_put(&w, "", 0);
        wbuf_u32(&w, 4);
        assert_false(wbuf_ok(&w));
        assert_int_equal(w.len, 8);
        /* A single write larger than the cap fails without writing. */
        wbuf_reset(&w);
        assert_true(wbuf_ok(&w));
        assert_int_equal(w.len, 0);
        wbuf_put(&w, "0123456789", 10);
        assert_false(wbuf_ok(&w));
        assert_int_equal(w.len, 0);
        wbuf_free(&w);
}

static void
wbuf_reset_keeps_storage(void **state)
{
        struct wbuf w;
        uint8_t *p;

        (void)state;
        wbuf_init(&w, 0);
        wbuf_str(&w, "hello");
        p = w.p;
        wbuf_reset(&w);
        assert_int_equal(w.len, 0);
        assert_ptr_equal(w.p, p);
        wbuf_u8(&w, 'x');
        assert_int_equal(w.len, 1);
        assert_int_equal(w.p[0], 'x');
        wbuf_free(&w);
}

static void
wbuf_set_u32_bounds(void **state)
{
        static const uint8_t want[] = {0, 0, 0, 0, 0x11, 0x22, 0x33, 0x44};
        struct wbuf w;

        (void)state;
        wbuf_init(&w, 0);
        wbuf_u32(&w, 0);
        wbuf_u32(&w, 0);
        wbuf_set_u32(&w, 4, 0x11223344); /* the last four bytes */
        assert_true(wbuf_ok(&w));
        assert_memory_equal(w.p, want, sizeof(want));
        wbuf_set_u32(&w, 5, 1); /* would end past len */
        assert_false(wbuf_ok(&w));
        assert_memory_equal(w.p, want, sizeof(want));
        wbuf_reset(&w);
        wbuf_u32(&w, 0);
        wbuf_u32(&w, 0);
        /* An offset near SIZE_MAX must not wrap around the check. */
        wbuf_set_u32(&w, SIZE_MAX - 1, 0xFFFFFFFF);
        assert_false(wbuf_ok(&w));
        wbuf_reset(&w);
        wbuf_set_u32(&w, 0, 1); /* nothing written yet */
        assert_false(wbuf_ok(&w));
        wbuf_free(&w);
}

static void
be32_helpers(void **state)
{
        uint8_t b[4];

        (void)state;
        cur_put_be32(b, 0x80010203);
        assert_int_equal(b[0], 0x80);
        assert_int_equal(b[3], 0x03);
        assert_int_equal(cur_be32(b), 0x80010203u);
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(reads_big_endian),
            cmocka_unit_test(overrun_is_sticky),
            cmocka_unit_test(take_and_skip),
            cmocka_unit_test(take_huge_count_fails),
            cmocka_unit_test(null_buffer_is_empty),
            cmocka_unit_test(fail_marks_error),
            cmocka_unit_test(bytes_within_max),
            cmocka_unit_test(bytes_over_max_fails),
            cmocka_unit_test(bytes_past_end_fails),
            cmocka_unit_test(wbuf_writes_big_endian),
            cmocka_unit_test(wbuf_grows),
            cmocka_unit_test(wbuf_max_is_enforced),
            cmocka_unit_test(wbuf_reset_keeps_storage),
            cmocka_unit_test(wbuf_set_u32_bounds),
            cmocka_unit_test(be32_helpers),
        };

        return cmocka_run_group_tests_name("cur", tests, NULL, NULL);
}
