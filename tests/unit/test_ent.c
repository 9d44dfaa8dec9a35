/* Enterprise profiles: field checks, limits, USCC and requested prefix. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "registry/ent.h"

static char err[256];

/* ent_profile over JSON text; the result or NULL (reason in err). */
static json_t *
profile(const char *text, int change, const char *node)
{
        json_t *body = json_loads(text, JSON_ALLOW_NUL, NULL), *out;

        assert_non_null(body);
        err[0] = '\0';
        out = ent_profile(body, change, node, err, sizeof(err));
        json_decref(body);
        return out;
}

static void
refused(const char *text, int change, const char *node, const char *why)
{
        json_t *out = profile(text, change, node);

        if (out)
                fail_msg("accepted: %s", text);
        if (!strstr(err, why))
                fail_msg("%s: reason %s lacks %s", text, err, why);
}

static const char *
get(const json_t *o, const char *k)
{
        const char *s = json_string_value(json_object_get(o, k));

        assert_non_null(s);
        return s;
}

static void
industry(void **state)
{
        (void)state;
        assert_true(ent_industry_ok("A"));
        assert_true(ent_industry_ok("T"));
        assert_false(ent_industry_ok("U"));
        assert_false(ent_industry_ok("a"));
        assert_false(ent_industry_ok(""));
        assert_false(ent_industry_ok("AB"));
        assert_false(ent_industry_ok("@"));
}

static void
uscc(void **state)
{
        char out[19];

        (void)state;
        assert_int_equal(ent_uscc("91350100M000100Y43", out, err, 256), 0);
        assert_string_equal(out, "91350100M000100Y43");
        assert_int_equal(ent_uscc("91350100m000100y43", out, err, 256), 0);
        assert_string_equal(out, "91350100M000100Y43");
        assert_int_equal(ent_uscc("91350100M000100Y44", out, err, 256), -1);
        assert_non_null(strstr(err, "(expected 3)"));
        assert_int_equal(ent_uscc("91350100M000100Y4", out, err, 256), -1);
        assert_non_null(strstr(err, "18 characters"));
}

static void
apply(void **state)
{
        json_t *p;

        (void)state;
        p = profile("{\"uscc\":\"91350100m000100y43\",\"entNameCn\":\"企业\","
                    "\"entIndustry\":\"C\",\"entPrefix\":\"88.123.a7\","
                    "\"contactEmail\":\"a@b.cn\",\"other\":1}",
                    0, "88.123");
        assert_non_null(p);
        assert_string_equal(get(p, "uscc"), "91350100M000100Y43");
        assert_string_equal(get(p, "entPrefix"), "88.123.A7");
        assert_string_equal(get(p, "entAddrCn"), ""); /* every field */
        assert_string_equal(get(p, "contactPhone"), "");
        assert_null(json_object_get(p, "other"));
        json_decref(p);
        p = profile("{\"uscc\":\"91350100M000100Y43\",\"entNameCn\":\"x\"}", 0,
                    "");
        assert_non_null(p);
        assert_string_equal(get(p, "entPrefix"), "");
        json_decref(p);
}

static void
apply_refused(void **state)
{
        char big[1200], body[1400];

        (void)state;
        refused("{\"entNameCn\":\"x\"}", 0, "", "uscc is required");
        refused("{\"uscc\":\"91350100M000100Y43\"}", 0, "",
                "entNameCn is required");
        refused("{\"uscc\":\"91350100M000100Y43\",\"entNameCn\":\"\"}", 0, "",
                "entNameCn is required");
        refused("{\"uscc\":\"91350100M000100Y44\",\"entNameCn\":\"x\"}", 0, "",
                "expected 3");
        refused("{\"uscc\":\"91350100M000100Y43\",\"entNameCn\":\"x\","
                "\"entIndustry\":\"Z\"}",
                0, "", "A-T");
        refused("{\"uscc\":\"91350100M000100Y43\",\"entNameCn\":\"x\","
                "\"contactPhone\":\"12\"}",
                0, "", "3 digits");
        refused("{\"uscc\":\"91350100M000100Y43\",\"entNameCn\":\"x\","
                "\"contactEmail\":\"@b.cn\"}",
                0, "", "e-mail");
        refused("{\"uscc\":\"91350100M000100Y43\",\"entNameCn\":\"x\","
                "\"contactEmail\":\"a@.cn\"}",
                0, "", "e-mail");
        refused("{\"uscc\":\"91350100M000100Y43\",\"entNameCn\":\"a\\u0000b\"}",
                0, "", "NUL");
        refused("{\"uscc\":\"91350100M000100Y43\",\"entNameCn\":\"x\","
                "\"entPrefix\":\"88.124.1\"}",
                0, "88.123", "under this node's prefix");
        refused("{\"uscc\":\"91350100M000100Y43\",\"entNameCn\":\"x\","
                "\"entPrefix\":\"88.1234\"}",
                0, "88.123", "under this node's prefix");
        refused("{\"uscc\":\"91350100M000100Y43\",\"entNameCn\":\"x\","
                "\"entPrefix\":\"88.123.\"}",
                0, "88.123", "dot-separated");
        memset(big, 'd', 1001);
        big[1001] = '\0';
        snprintf(body, sizeof(body),
                 "{\"uscc\":\"91350100M000100Y43\",\"entNameCn\":\"x\","
                 "\"entDesc\":\"%s\"}",
                 big);
        refused(body, 0, "", "longer than 1000");
        big[1000] = '\0';
        snprintf(body, sizeof(body),
                 "{\"uscc\":\"91350100M000100Y43\",\"entNameCn\":\"x\","
                 "\"entDesc\":\"%s\"}",
                 big);
        json_decref(profile(body, 0, "")); /* exactly 1000: accepted */
        assert_string_equal(err, "");
}

static void
change(void **state)
{
        json_t *p;

        (void)state;
        p = profile("{\"entAddrCn\":\"厦门\",\"entWebSite\":\"\"}", 1, "");
        assert_non_null(p);
        assert_int_equal(json_object_size(p), 2);
        assert_string_equal(get(p, "entWebSite"), ""); /* clears it */
        json_decref(p);
        refused("{}", 1, "", "at least one");
        refused("{\"uscc\":\"91350100M000100Y43\"}", 1, "", "at least one");
        refused("{\"entPrefix\":\"88.1.1\",\"entDesc\":\"x\"}", 1, "",
                "entPrefix cannot");
        refused("{\"entNameCn\":\"\"}", 1, "", "entNameCn is required");
        refused("{\"entIndustry\":\"CC\"}", 1, "", "longer than 1");
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(industry), cmocka_unit_test(uscc),
            cmocka_unit_test(apply),    cmocka_unit_test(apply_refused),
            cmocka_unit_test(change),
        };

        return cmocka_run_group_tests_name("ent", tests, NULL, NULL);
}
