/* Handle name validation and normalisation (core/hname.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/hname.h"

static char out[HNAME_MAX + 1];
static size_t outlen;
static const char *why;

/* hname_check on a C string (or `len` bytes of it) with limit 255. */
static enum hname_status
check_n(const char *s, size_t len, size_t max_len)
{
        memset(out, 0x55, sizeof(out));
        outlen = (size_t)-1;
        why = "unset";
        return hname_check((const uint8_t *)s, len, max_len, out, max_len + 1,
                           &outlen, &why);
}

static enum hname_status
check_s(const char *s)
{
        return check_n(s, strlen(s), 255);
}

static void
assert_invalid(const char *s)
{
        assert_int_equal(check_s(s), HNAME_INVALID);
        assert_non_null(why);
}

static void
valid_product_id(void **state)
{
        (void)state;
        assert_int_equal(check_s("88.123.45/PUMP-2026-000017"), HNAME_OK);
        assert_null(why);
        assert_int_equal(outlen, 26);
        assert_string_equal(out, "88.123.45/PUMP-2026-000017");
}

static void
suffix_may_hold_slash_dot_colon(void **state)
{
        (void)state;
        assert_int_equal(check_s("88.608.24061301/META/a.b:c"), HNAME_OK);
        assert_string_equal(out, "88.608.24061301/META/a.b:c");
        assert_int_equal(check_s("88.1//"), HNAME_OK); /* suffix "/" */
        assert_string_equal(out, "88.1//");
}

static void
utf8_suffix_kept(void **state)
{
        const char *h = "88.123.45/泵-2026/批次:01";

        (void)state;
        assert_int_equal(check_s(h), HNAME_OK);
        assert_int_equal(outlen, strlen(h));
        assert_memory_equal(out, h, strlen(h) + 1);
        /* A 4-byte sequence (U+1F600) is valid too. */
        assert_int_equal(check_s("88.1/\xF0\x9F\x98\x80"), HNAME_OK);
}

static void
prefix_uppercased_suffix_kept(void **state)
{
        (void)state;
        assert_int_equal(check_s("88.abc.xy/AbC-def.gh"), HNAME_OK);
        assert_string_equal(out, "88.ABC.XY/AbC-def.gh");
        assert_int_equal(check_s("0.na/20.1000"), HNAME_OK);
        assert_string_equal(out, "0.NA/20.1000");
        /* Only a-z fold: non-ASCII bytes in the prefix stay as they are. */
        assert_int_equal(check_s("88.é/x"), HNAME_OK);
        assert_string_equal(out, "88.é/x");
}

static void
output_checks_again(void **state)
{
        char first[HNAME_MAX + 1];
        size_t n;

        (void)state;
        assert_int_equal(check_s("88.abc/Mixed-Case"), HNAME_OK);
        n = outlen;
        memcpy(first, out, n + 1);
        assert_int_equal(check_n(first, n, 255), HNAME_OK);
        assert_int_equal(outlen, n);
        assert_string_equal(out, first);
}

static void
prefixless_is_no_slash(void **state)
{
        (void)state;
        assert_int_equal(check_s("88.123.45"), HNAME_NO_SLASH);
        assert_null(why);
        assert_int_equal(outlen, 9);
        assert_string_equal(out, "88.123.45");
        assert_int_equal(check_s("abc.d"), HNAME_NO_SLASH);
        assert_string_equal(out, "ABC.D");
}

static void
empty_is_invalid(void **state)
{
        (void)state;
        assert_int_equal(check_n("", 0, 255), HNAME_INVALID);
        assert_string_equal(why, "empty handle");
}

static void
length_limit(void **state)
{
        char buf[40];

        (void)state;
        memset(buf, 'x', sizeof(buf));
        memcpy(buf, "88.1/", 5);
        assert_int_equal(check_n(buf, 16, 16), HNAME_OK); /* at the limit */
        assert_int_equal(outlen, 16);
        assert_int_equal(out[16], '\0');
        assert_int_equal(check_n(buf, 17, 16), HNAME_INVALID);
        assert_string_equal(why, "handle too long");
        assert_int_equal(check_n(buf, 40, 16), HNAME_INVALID);
}

static void
output_buffer_too_small(void **state)
{
        char small[8];
        size_t n = 0;
        const char *w = NULL;

        (void)state;
        /* The output must hold len + 1 bytes even if max_len allows more. */
        assert_int_equal(hname_check((const uint8_t *)"88.1/abc", 8, 255, small,
                                     sizeof(small), &n, &w),
                         HNAME_INVALID);
        assert_non_null(w);
        assert_int_equal(hname_check((const uint8_t *)"88.1/ab", 7, 255, small,
                                     sizeof(small), &n, &w),
                         HNAME_OK);
        assert_string_equal(small, "88.1/ab");
}

static void
space_and_controls_invalid(void **state)
{
        (void)state;
        assert_invalid("88.1/a b");
        assert_invalid(" 88.1/ab");
        assert_invalid("88.1/ab ");
        assert_invalid("88.1/a\tb");
        assert_invalid("88.1/a\nb");
        assert_invalid("88.1/a\x7Fz"); /* DEL */
        assert_invalid("88.1/\x01");
        assert_int_equal(check_n("88.1/a\0b", 8, 255), HNAME_INVALID);
}

static void
c1_controls_and_unicode_spaces_invalid(void **state)
{
        (void)state;
        assert_invalid("88.1/a\xC2\x80z");     /* U+0080 */
        assert_invalid("88.1/a\xC2\x85z");     /* U+0085 NEL */
        assert_invalid("88.1/a\xC2\x9Fz");     /* U+009F */
        assert_invalid("88.1/a\xE2\x80\xA8z"); /* U+2028 */
        assert_invalid("88.1/a\xE3\x80\x80z"); /* U+3000 ideographic space */
}

static void
overlong_utf8_invalid(void **state)
{
        (void)state;
        assert_invalid("88.1/\xC0\xAF");         /* '/' in 2 bytes */
        assert_invalid("88.1/\xC1\xBF");         /* lead C1 never valid */
        assert_invalid("88.1/\xE0\x80\xAF");     /* 3-byte overlong */
        assert_invalid("88.1/\xF0\x80\x80\xAF"); /* 4-byte overlong */
        assert_string_equal(why, "handle is not valid UTF-8");
}

static void
unicode_spaces_invalid(void **state)
{
        (void)state;
        assert_invalid("88.1/a\xC2\xA0"
                       "b"); /* U+00A0 no-break space */
        assert_invalid("88.1/a\xE2\x80\x83"
                       "b"); /* U+2003 em space */
        assert_invalid("88.1/a\xE3\x80\x80"
                       "b"); /* U+3000 ideographic */
        assert_invalid("88.1/a\xEF\xBB\xBF"
                       "b"); /* U+FEFF BOM */
        assert_int_equal(check_s("88.1/a\xC2\xA1"
                                 "b"),
                         HNAME_OK); /* ¡ */
}

static void
surrogate_and_out_of_range_invalid(void **state)
{
        (void)state;
        assert_invalid("88.1/\xED\xA0\x80");     /* U+D800 */
        assert_invalid("88.1/\xED\xBF\xBF");     /* U+DFFF */
        assert_invalid("88.1/\xF4\x90\x80\x80"); /* U+110000 */
        assert_invalid("88.1/\xF5\x80\x80\x80");
        assert_invalid("88.1/\xFF");
        /* The neighbours of the surrogate range are fine. */
        assert_int_equal(check_s("88.1/\xED\x9F\xBF"), HNAME_OK);
        assert_int_equal(check_s("88.1/\xEE\x80\x80"), HNAME_OK);
}

static void
truncated_utf8_invalid(void **state)
{
        (void)state;
        assert_invalid("88.1/\xE6\xB3");  /* cut at the end */
        assert_invalid("88.1/\xE6\xB3x"); /* ASCII as continuation */
        assert_invalid("88.1/\xE6x\xB3");
        assert_invalid("88.1/\x80");         /* lone continuation */
        assert_invalid("88.1/\xF0\x9F\x98"); /* 4-byte cut short */
        assert_string_equal(why, "handle is not valid UTF-8");
}

static void
empty_prefix_invalid(void **state)
{
        (void)state;
        assert_invalid("/x");
        assert_invalid("/");
}

static void
empty_segment_invalid(void **state)
{
        (void)state;
        assert_invalid("88..1/x");
        assert_invalid(".88/x");
        assert_invalid("88./x");
        assert_invalid(".");
        /* The same rules hold for a prefix-less name. */
        assert_invalid("88..1");
        assert_invalid("88.");
        assert_invalid(".88");
        /* Dots in the suffix are not segments. */
        assert_int_equal(check_s("88.1/..x.."), HNAME_OK);
}

static void
empty_suffix_invalid(void **state)
{
        (void)state;
        assert_invalid("88.1/");
        assert_string_equal(why, "empty suffix");
}

static void
prefix_len(void **state)
{
        (void)state;
        assert_int_equal(hname_prefix_len("88.1/a/b", 8), 4);
        assert_int_equal(hname_prefix_len("88.123.45", 9), 9);
        assert_int_equal(hname_prefix_len("/x", 2), 0);
        /* Only the first `len` bytes are looked at. */
        assert_int_equal(hname_prefix_len("88/x", 2), 2);
        assert_int_equal(hname_prefix_len("", 0), 0);
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(valid_product_id),
            cmocka_unit_test(suffix_may_hold_slash_dot_colon),
            cmocka_unit_test(utf8_suffix_kept),
            cmocka_unit_test(prefix_uppercased_suffix_kept),
            cmocka_unit_test(output_checks_again),
            cmocka_unit_test(prefixless_is_no_slash),
            cmocka_unit_test(empty_is_invalid),
            cmocka_unit_test(length_limit),
            cmocka_unit_test(output_buffer_too_small),
            cmocka_unit_test(space_and_controls_invalid),
            cmocka_unit_test(c1_controls_and_unicode_spaces_invalid),
            cmocka_unit_test(overlong_utf8_invalid),
            cmocka_unit_test(unicode_spaces_invalid),
            cmocka_unit_test(surrogate_and_out_of_range_invalid),
            cmocka_unit_test(truncated_utf8_invalid),
            cmocka_unit_test(empty_prefix_invalid),
            cmocka_unit_test(empty_segment_invalid),
            cmocka_unit_test(empty_suffix_invalid),
            cmocka_unit_test(prefix_len),
        };

        return cmocka_run_group_tests_name("hname", tests, NULL, NULL);
}
