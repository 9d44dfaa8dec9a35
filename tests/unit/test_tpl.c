/* SNMS v5 metadata templates: parsing, PUT merge, value checks, storage. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/hval.h"
#include "registry/tpl.h"

static char err[256];

#define PUMP                                                                   \
        "{\"prefix\":\"88.123.45\",\"version\":\"equipment-1.0\","             \
        "\"industryCategory\":\"C\",\"industrySpecific\":\"34\","              \
        "\"industryTrade\":\"344\",\"industrySubclass\":\"3441\","             \
        "\"type\":1,\"description\":\"pumps\",\"items\":["                     \
        "{\"name\":\"名称\",\"idType\":\"name\",\"idIndex\":2000,"           \
        "\"required\":true,\"state\":1,\"metadata\":{\"type\":\"string\","     \
        "\"minLength\":1,\"maxLength\":8}},"                                   \
        "{\"name\":\"型号\",\"idType\":\"model\",\"idIndex\":2001},"         \
        "{\"name\":\"旧字段\",\"idType\":\"legacy\",\"idIndex\":2002,"      \
        "\"state\":0,\"required\":true}]}"

static struct tpl *
parse(const char *json)
{
        return tpl_parse(json, strlen(json), err, sizeof(err));
}

/* Parses a template made of PUMP with one substring replaced. */
static struct tpl *
parse_with(const char *from, const char *to)
{
        static char buf[4096];
        const char *at = strstr(PUMP, from);

        assert_non_null(at);
        snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(at - PUMP), PUMP, to,
                 at + strlen(from));
        return parse(buf);
}

static void
expect_error(const char *from, const char *to, const char *needle)
{
        struct tpl *t = parse_with(from, to);

        assert_null(t);
        if (!strstr(err, needle))
                fail_msg("error \"%s\" lacks \"%s\"", err, needle);
}

static void
valid_template(void **state)
{
        struct tpl *t = parse(PUMP);

        (void)state;
        assert_non_null(t);
        assert_string_equal(tpl_prefix(t), "88.123.45");
        assert_string_equal(tpl_version(t), "equipment-1.0");
        assert_int_equal(tpl_item_count(t), 3);
        tpl_free(t);
}

static void
top_level_errors(void **state)
{
        (void)state;
        assert_null(parse("not json"));
        assert_non_null(strstr(err, "invalid JSON"));
        assert_null(parse("[1]"));
        expect_error("\"prefix\":\"88.123.45\"", "\"prefix\":\"88..45\"",
                     "prefix");
        expect_error("\"prefix\":\"88.123.45\"", "\"prefix\":\"88/1\"",
                     "prefix");
        expect_error("\"version\":\"equipment-1.0\"", "\"version\":\"\"",
                     "version must not be empty");
        expect_error("\"type\":1", "\"type\":3", "type must be");
        expect_error("\"industryCategory\":\"C\"", "\"industryCategory\":\"Z\"",
                     "industryCategory");
        expect_error("\"industryTrade\":\"344\"", "\"industryTrade\":\"354\"",
                     "industryTrade");
        expect_error("\"industrySubclass\":\"3441\"",
                     "\"industrySubclass\":\"3451\"", "industrySubclass");
        expect_error("\"items\":[", "\"items\":{},\"x\":[", "items must be");
}

static void
item_errors(void **state)
{
        (void)state;
        expect_error("\"idIndex\":2000", "\"idIndex\":1999",
                     "items[0].idIndex must be an integer from 2000");
        expect_error("\"idIndex\":2001", "\"idIndex\":2000",
                     "items[1].idIndex is used by another item");
        expect_error("\"idType\":\"model\"", "\"idType\":\"name\"",
                     "items[1].idType is used");
        expect_error("\"name\":\"型号\"", "\"name\":\"名称\"",
                     "items[1].name is used");
        expect_error("\"idType\":\"model\"", "\"idType\":\"my model\"",
                     "spaces");
        expect_error("\"metadata\":{\"type\":\"string\"",
                     "\"metadata\":{\"type\":\"number\"", "only \"string\"");
        expect_error("\"maxLength\":8", "\"maxLength\":256",
                     "items[0].metadata.maxLength");
        expect_error("\"minLength\":1", "\"minLength\":9",
                     "minLength is greater than maxLength");
        expect_error("\"state\":1", "\"state\":2", "items[0].state");
        expect_error("\"required\":true,\"state\":1",
                     "\"required\":\"yes\",\"state\":1", "required");
}

static void
duplicate_members_rejected(void **state)
{
        (void)state;
        assert_null(parse("{\"prefix\":\"88.1\",\"prefix\":\"88.2\","
                          "\"version\":\"v\",\"items\":[{\"name\":\"a\","
                          "\"idType\":\"a\"}]}"));
        assert_non_null(strstr(err, "invalid JSON"));
}

static struct hval
val(uint32_t index, const char *type, const char *data)
{
        struct hval v;

        memset(&v, 0, sizeof(v));
        v.index = index;
        v.type.p = (const uint8_t *)type;
        v.type.len = (uint32_t)strlen(type);
        v.data.p = (const uint8_t *)data;
        v.data.len = (uint32_t)strlen(data);
        return v;
}

static void
values_against_template(void **state)
{
        struct tpl *t = parse(PUMP);
        struct hval v[3];

        (void)state;
        v[0] = val(2000, "name", "离心泵");
        v[1] = val(2001, "model", "CP-200");
        assert_int_equal(tpl_check_values(t, v, 2, err, sizeof(err)), 0);
        /* The disabled required item is not required. */
        assert_int_equal(tpl_check_values(t, v, 1, err, sizeof(err)), 0);
        assert_int_equal(tpl_check_values(t, v + 1, 1, err, sizeof(err)), -1);
        assert_non_null(strstr(err, "required item name (index 2000)"));
        v[1] = val(2001, "MODEL", "x");
        assert_int_equal(tpl_check_values(t, v, 2, err, sizeof(err)), -1);
        assert_non_null(strstr(err, "not an enabled item"));
        v[1] = val(2002, "legacy", "x");
        assert_int_equal(tpl_check_values(t, v, 2, err, sizeof(err)), -1);
        v[1] = val(1001, "TEMPLATE", "equipment-1.0");
        assert_int_equal(tpl_check_values(t, v, 2, err, sizeof(err)), -1);
        assert_non_null(strstr(err, "reserved"));
        v[1] = val(2000, "name", "again");
        assert_int_equal(tpl_check_values(t, v, 2, err, sizeof(err)), -1);
        assert_non_null(strstr(err, "given twice"));
        tpl_free(t);
}

static void
value_lengths_in_characters(void **state)
{
        struct tpl *t = parse(PUMP);
        struct hval v;

        (void)state;
        v = val(2000, "name", "八个汉字八个汉字"); /* 8 characters, 24 bytes */
        assert_int_equal(tpl_check_values(t, &v, 1, err, sizeof(err)), 0);
        v = val(2000, "name", "九个汉字九个汉字九");
        assert_int_equal(tpl_check_values(t, &v, 1, err, sizeof(err)), -1);
        assert_non_null(strstr(err, "length 9 is outside 1-8"));
        v = val(2000, "name", "");
        assert_int_equal(tpl_check_values(t, &v, 1, err, sizeof(err)), -1);
        v = val(2000, "name", "a\xFF");
        assert_int_equal(tpl_check_values(t, &v, 1, err, sizeof(err)), -1);
        assert_non_null(strstr(err, "UTF-8"));
        tpl_free(t);
}

static void
merge_is_incremental(void **state)
{
        struct tpl *t = parse(PUMP);
        struct tpl *u = parse("{\"prefix\":\"88.123.45\",\"version\":"
                              "\"equipment-1.0\",\"items\":["
                              "{\"name\":\"型号\",\"idType\":\"model\","
                              "\"idIndex\":2001,\"required\":true},"
                              "{\"name\":\"功率\",\"idType\":\"power\","
                              "\"idIndex\":2003}]}");
        struct hval v[2];
        char *dump;

        (void)state;
        assert_non_null(u);
        assert_int_equal(tpl_merge(t, u, err, sizeof(err)), 0);
        assert_int_equal(tpl_item_count(t), 4); /* nothing removed */
        v[0] = val(2000, "name", "泵");
        assert_int_equal(tpl_check_values(t, v, 1, err, sizeof(err)), -1);
        assert_non_null(strstr(err, "model")); /* now required */
        v[1] = val(2003, "power", "7.5 kW");
        assert_int_equal(tpl_check_values(t, v, 2, err, sizeof(err)), -1);
        dump = tpl_dump(t);
        assert_non_null(strstr(dump, "\"description\":\"pumps\""));
        assert_non_null(strstr(dump, "\"industrySubclass\":\"3441\""));
        free(dump);
        tpl_free(u);
        tpl_free(t);
}

static void
merge_refuses_conflicts(void **state)
{
        struct tpl *t = parse(PUMP);
        struct tpl *other = parse("{\"prefix\":\"88.123.45\",\"version\":"
                                  "\"v2\",\"items\":[{\"name\":\"x\","
                                  "\"idType\":\"x\",\"idIndex\":2009}]}");
        struct tpl *clash = parse("{\"prefix\":\"88.123.45\",\"version\":"
                                  "\"equipment-1.0\",\"items\":[{\"name\":"
                                  "\"新\",\"idType\":\"serial\","
                                  "\"idIndex\":2000}]}");
        char *before = tpl_dump(t), *after;

        (void)state;
        assert_int_equal(tpl_merge(t, other, err, sizeof(err)), -1);
        assert_non_null(strstr(err, "cannot change"));
        /* Index 2000 belongs to "name": a new type cannot take it. */
        assert_int_equal(tpl_merge(t, clash, err, sizeof(err)), -1);
        assert_non_null(strstr(err, "idIndex is used"));
        after = tpl_dump(t);
        assert_string_equal(before, after); /* unchanged on failure */
        free(before);
        free(after);
        tpl_free(other);
        tpl_free(clash);
        tpl_free(t);
}

static void
dump_round_trips(void **state)
{
        struct tpl *t = parse(PUMP), *again;
        char *a, *b;

        (void)state;
        a = tpl_dump(t);
        again = parse(a);
        assert_non_null(again);
        b = tpl_dump(again);
        assert_string_equal(a, b);
        free(a);
        free(b);
        tpl_free(again);
        tpl_free(t);
}

static void
items_by_type_and_required(void **state)
{
        struct tpl *t = parse(PUMP);
        uint32_t index = 0, some[] = {2001, 2000};
        int st = -1;

        (void)state;
        assert_non_null(t);
        assert_int_equal(tpl_item_by_type(t, "model", 5, &index, &st), 1);
        assert_int_equal(index, 2001);
        assert_int_equal(st, 1);
        assert_int_equal(tpl_item_by_type(t, "legacy", 6, &index, &st), 1);
        assert_int_equal(index, 2002);
        assert_int_equal(st, 0);
        /* Exact bytes: no prefix match, no case folding. */
        assert_int_equal(tpl_item_by_type(t, "mode", 4, &index, &st), 0);
        assert_int_equal(tpl_item_by_type(t, "Model", 5, &index, &st), 0);
        /* "legacy" is required but disabled: never missing. */
        assert_string_equal(tpl_missing_required(t, some + 0, 1), "name");
        assert_null(tpl_missing_required(t, some, 2));
        tpl_free(t);
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(valid_template),
            cmocka_unit_test(top_level_errors),
            cmocka_unit_test(item_errors),
            cmocka_unit_test(duplicate_members_rejected),
            cmocka_unit_test(values_against_template),
            cmocka_unit_test(value_lengths_in_characters),
            cmocka_unit_test(merge_is_incremental),
            cmocka_unit_test(merge_refuses_conflicts),
            cmocka_unit_test(dump_round_trips),
            cmocka_unit_test(items_by_type_and_required),
        };

        return cmocka_run_group_tests_name("tpl", tests, NULL, NULL);
}
