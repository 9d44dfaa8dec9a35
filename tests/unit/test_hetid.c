/*
 * Heterogeneous identifiers and NAPTR rewriting (core/hetid, core/naptr)
 * against the examples of domain.md §3.4 and GS1's published GTINs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/hetid.h"
#include "core/naptr.h"

static int
parse(const char *s, struct hetid *h)
{
        const char *why = NULL;
        int rc = hetid_parse(s, strlen(s), h, &why);

        assert_true((rc == 0) == (why == NULL));
        return rc;
}

static void
dns_names_of_the_examples(void **state)
{
        char name[HETID_DNS_MAX + 1];
        struct hetid h;

        (void)state;
        assert_int_equal(parse("2.16.156.101818.102.1", &h), 0);
        assert_int_equal(h.scheme, HETID_OID);
        assert_true(hetid_dns_name(&h, "oid-res.org", name, sizeof(name)));
        assert_string_equal(name, "1.102.101818.156.16.2.oid-res.org");
        assert_int_equal(parse("00614141322602", &h), 0);
        assert_int_equal(h.scheme, HETID_GS1);
        assert_true(
            hetid_dns_name(&h, "gtin.gs1.id.onsepc.com", name, sizeof(name)));
        assert_string_equal(name,
                            "0.0.6.2.2.3.1.4.1.4.1.6.0.gtin.gs1.id.onsepc.com");
        assert_int_equal(hetid_dns_name(&h, "", name, sizeof(name)), 0);
        assert_int_equal(hetid_dns_name(&h, "z", name, 10), 0);
}

static void
gtin_check_digits(void **state)
{
        struct hetid h;

        (void)state;
        assert_int_equal(hetid_gtin_check("96385074", 8), '4');
        assert_int_equal(hetid_gtin_check("614141000036", 12), '6');
        assert_int_equal(hetid_gtin_check("4006381333931", 13), '1');
        assert_int_equal(hetid_gtin_check("00614141322602", 14), '2');
        assert_int_equal(hetid_gtin_check("1234567", 7), 0);
        assert_int_equal(parse("96385074", &h), 0);
        assert_string_equal(h.id, "00000096385074");
        assert_int_equal(parse("4006381333932", &h), -1);
        assert_int_equal(parse("123456789", &h), -1);
}

static void
gs1_forms(void **state)
{
        struct hetid h;

        (void)state;
        assert_int_equal(parse("(01)04006381333931(21)SN-42", &h), 0);
        assert_int_equal(h.form, HETID_ELEMENT_STRING);
        assert_string_equal(h.id, "04006381333931");
        assert_string_equal(h.serial, "SN-42");
        assert_int_equal(parse("(01)4006381333931", &h), -1);
        assert_int_equal(parse("(01)04006381333931(10)L", &h), -1);
        assert_int_equal(
            parse("https://id.gs1.org/01/04006381333931/21/A%2FB", &h), 0);
        assert_int_equal(h.form, HETID_DIGITAL_LINK);
        assert_string_equal(h.serial, "A/B");
        assert_int_equal(
            parse("HTTP://x.example/a/b/01/4006381333931/10/L/?q=1", &h), 0);
        assert_string_equal(h.id, "04006381333931");
        assert_int_equal(parse("https://x.example/01/4006381333931/99/1", &h),
                         -1);
        assert_int_equal(parse("https:///01/4006381333931", &h), -1);
        assert_int_equal(parse("https://x.example/01/4006381333931/21/%zz", &h),
                         -1);
}

static void
oid_rules(void **state)
{
        struct hetid h;

        (void)state;
        assert_int_equal(parse("urn:oid:1.2.156", &h), 0);
        assert_string_equal(h.id, "1.2.156");
        assert_int_equal(parse("2.999.1", &h), 0);
        assert_int_equal(parse("1.39.1", &h), 0);
        assert_int_equal(parse("1.40.1", &h), -1);   /* second arc > 39 */
        assert_int_equal(parse("3.1", &h), -1);      /* first arc */
        assert_int_equal(parse("2", &h), -1);        /* one arc */
        assert_int_equal(parse("2.016", &h), -1);    /* leading zero */
        assert_int_equal(parse("2.16.", &h), -1);    /* empty arc */
        assert_int_equal(parse("88.123/X", &h), -1); /* a Handle */
        assert_int_equal(parse("2.16 ", &h), -1);
}

static void
naptr_substitutions(void **state)
{
        char out[64];
        const char *why = NULL;

        (void)state;
        assert_int_equal(
            naptr_apply("!^.*$!https://x/!", "1.2", out, sizeof(out), &why), 0);
        assert_string_equal(out, "https://x/");
        assert_int_equal(naptr_apply("!^\\|\\|gtin\\|(.*)$!https://e/\\1!",
                                     "||gtin|04006381333931", out, sizeof(out),
                                     &why),
                         0);
        assert_string_equal(out, "https://e/04006381333931");
        assert_int_equal(
            naptr_apply("#^(A)(b)$#\\2\\1\\\\#i", "ab", out, sizeof(out), &why),
            0);
        assert_string_equal(out, "ba\\");
        assert_int_equal(
            naptr_apply("!^a\\!b$!y!", "a!b", out, sizeof(out), &why), 0);
        assert_string_equal(out, "y");
        assert_int_equal(naptr_apply("!^x$!y!", "z", out, sizeof(out), &why),
                         1);
        assert_int_equal(naptr_apply("!a{1,9}!b!", "a", out, sizeof(out), &why),
                         -1);
        /* Patterns glibc would take long over are refused. */
        assert_int_equal(
            naptr_apply("!^(.*)**$!b!", "a", out, sizeof(out), &why), -1);
        assert_int_equal(
            naptr_apply("!^(a|b*)+$!b!", "a", out, sizeof(out), &why), -1);
        assert_int_equal(
            naptr_apply("!^(a)\\1$!b!", "aa", out, sizeof(out), &why), -1);
        assert_int_equal(
            naptr_apply("!^[*+](a)*$!b!", "*a", out, sizeof(out), &why), 0);
        assert_int_equal(
            naptr_apply("!^(.*)$!\\1\\1!", "0123456789", out, 12, &why), -1);
        assert_int_equal(naptr_apply("!x!", "x", out, sizeof(out), &why), -1);
        assert_int_equal(naptr_apply("1x1y1", "x", out, sizeof(out), &why), -1);
}

static void
naptr_order(void **state)
{
        struct naptr_rec r[3] = {
            {20, 5, "U", "", "", ""},
            {10, 9, "", "", "", ""},
            {10, 1, "s", "", "", ""},
        };

        (void)state;
        naptr_sort(r, 3);
        assert_int_equal(r[0].pref, 1);
        assert_int_equal(r[1].pref, 9);
        assert_int_equal(r[2].order, 20);
        assert_true(naptr_terminal("U"));
        assert_true(naptr_terminal("s"));
        assert_false(naptr_terminal(""));
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(dns_names_of_the_examples),
            cmocka_unit_test(gtin_check_digits),
            cmocka_unit_test(gs1_forms),
            cmocka_unit_test(oid_rules),
            cmocka_unit_test(naptr_substitutions),
            cmocka_unit_test(naptr_order),
        };

        return cmocka_run_group_tests_name("hetid", tests, NULL, NULL);
}
