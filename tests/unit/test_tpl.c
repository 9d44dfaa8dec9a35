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

/* PUMP with custom lifecycle stages (the body's "stages" member). */
static struct tpl *
parse_stages(const char *stages)
{
        char from[] = "\"type\":1,";
        static char to[8192];

        snprintf(to, sizeof(to), "\"type\":1,\"stages\":%s,", stages);
        return parse_with(from, to);
}

/* A stages array of n stages s0, s1, ... */
static const char *
stage_list(size_t n)
{
        static char buf[4096];
        size_t i, len = 0;

        len += (size_t)snprintf(buf + len, sizeof(buf) - len, "[");
        for (i = 0; i < n; i++)
                len += (size_t)snprintf(buf + len, sizeof(buf) - len,
                                        "%s{\"code\":\"s%zu\",\"name\":\"x\"}",
                                        i ? "," : "", i);
        snprintf(buf + len, sizeof(buf) - len, "]");
        return buf;
}

/* Parses PUMP with stages; 1 if it was accepted. */
static int
stages_ok(const char *stages)
{
        struct tpl *t = parse_stages(stages);

        tpl_free(t);
        return t != NULL;
}

static void
stages_parsed_and_dumped(void **state)
{
        struct tpl *t = parse_stages("[{\"code\":\"calibration\",\"name\":"
                                     "\"校准\"},{\"code\":\"paint_2-b\","
                                     "\"name\":\"喷漆\"}]"),
                   *again;
        char *a, *b;

        (void)state;
        assert_non_null(t);
        assert_int_equal(tpl_stage_count(t), 2);
        assert_int_equal(tpl_has_stage(t, "calibration"), 1);
        assert_int_equal(tpl_has_stage(t, "paint_2-b"), 1);
        assert_int_equal(tpl_has_stage(t, "calib"), 0);
        assert_int_equal(tpl_has_stage(t, "maintenance"), 0);
        a = tpl_dump(t);
        assert_non_null(strstr(a, "\"stages\":[{\"code\":\"calibration\","
                                  "\"name\":\"校准\"},{\"code\":"
                                  "\"paint_2-b\",\"name\":\"喷漆\"}]"));
        again = parse(a);
        assert_non_null(again);
        b = tpl_dump(again);
        assert_string_equal(a, b);
        free(a);
        free(b);
        tpl_free(again);
        tpl_free(t);
        /* No stages: none dumped (templates stored before stages). */
        t = parse_stages("[]");
        assert_int_equal(tpl_stage_count(t), 0);
        a = tpl_dump(t);
        assert_null(strstr(a, "stages"));
        free(a);
        tpl_free(t);
        t = parse_stages("null");
        assert_non_null(t);
        tpl_free(t);
}

static void
stage_errors(void **state)
{
        (void)state;
        assert_null(parse_stages("{}"));
        assert_non_null(strstr(err, "stages must be an array"));
        assert_null(parse_stages("[1]"));
        assert_non_null(strstr(err, "stages[0] must be an object"));
        assert_null(parse_stages("[{\"name\":\"x\"}]"));
        assert_non_null(strstr(err, "stages[0].code is required"));
        assert_null(parse_stages("[{\"code\":\"Cal\",\"name\":\"x\"}]"));
        assert_non_null(strstr(err, "stages[0].code must be"));
        assert_null(parse_stages("[{\"code\":\"a b\",\"name\":\"x\"}]"));
        assert_non_null(strstr(err, "stages[0].code must be"));
        assert_null(parse_stages("[{\"code\":\"" /* 33 characters */
                                 "abcdefghijabcdefghijabcdefghijabc\","
                                 "\"name\":\"x\"}]"));
        assert_non_null(strstr(err, "stages[0].code is longer than 32"));
        assert_null(parse_stages("[{\"code\":\"fault\",\"name\":\"x\"}]"));
        assert_non_null(strstr(err, "built-in"));
        assert_null(parse_stages("[{\"code\":\"c\"}]"));
        assert_non_null(strstr(err, "stages[0].name is required"));
        assert_null(parse_stages("[{\"code\":\"c\",\"name\":\"x\"},"
                                 "{\"code\":\"c\",\"name\":\"y\"}]"));
        assert_non_null(strstr(err, "stages[1].code c is used"));
        assert_null(parse_stages(stage_list(TPL_MAX_STAGES + 1)));
        assert_non_null(strstr(err, "at most 32 stages"));
        /* 32 is fine; 32-character codes and 64-character names too. */
        assert_true(stages_ok(stage_list(TPL_MAX_STAGES)));
        assert_true(stages_ok(
            "[{\"code\":\"abcdefghijabcdefghijabcdefghijab\",\"name\":"
            "\"四个汉字四个汉字四个汉字四个汉字四个汉字四个汉字四个汉字四个"
            "汉字四个汉字四个汉字四个汉字四个汉字四个汉字四个汉字四个汉字四个"
            "汉字\"}]"));
        assert_false(stages_ok(
            "[{\"code\":\"c\",\"name\":"
            "\"四个汉字四个汉字四个汉字四个汉字四个汉字四个汉字四个汉字四个"
            "汉字四个汉字四个汉字四个汉字四个汉字四个汉字四个汉字四个汉字四个"
            "汉字五\"}]"));
        assert_non_null(strstr(err, "stages[0].name is longer than 64"));
}

static void
stages_merge_add_never_remove(void **state)
{
        struct tpl *t = parse_stages("[{\"code\":\"cal\",\"name\":\"校准\"}]");
        struct tpl *none = parse(PUMP);
        struct tpl *more =
            parse_stages("[{\"code\":\"paint\",\"name\":\"喷漆\"},"
                         "{\"code\":\"cal\",\"name\":\"校准(新)\"}]");
        char *before, *after;
        struct tpl *full;

        (void)state;
        assert_int_equal(tpl_merge(t, none, err, sizeof(err)), 0);
        assert_int_equal(tpl_stage_count(t), 1); /* not removed */
        assert_int_equal(tpl_merge(t, more, err, sizeof(err)), 0);
        assert_int_equal(tpl_stage_count(t), 2);
        assert_int_equal(tpl_has_stage(t, "paint"), 1);
        after = tpl_dump(t);
        assert_non_null(strstr(after, "{\"code\":\"cal\",\"name\":"
                                      "\"校准(新)\"},{\"code\":\"paint\""));
        free(after);
        /* 31 new ones would make 33: refused, nothing changed. */
        full = parse_stages(stage_list(TPL_MAX_STAGES - 1));
        assert_non_null(full);
        before = tpl_dump(t);
        assert_int_equal(tpl_merge(t, full, err, sizeof(err)), -1);
        assert_non_null(strstr(err, "at most 32 stages"));
        after = tpl_dump(t);
        assert_string_equal(before, after);
        free(before);
        free(after);
        tpl_free(full);
        tpl_free(more);
        tpl_free(none);
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
            cmocka_unit_test(stages_parsed_and_dumped),
            cmocka_unit_test(stage_errors),
            cmocka_unit_test(stages_merge_add_never_remove),
        };

        return cmocka_run_group_tests_name("tpl", tests, NULL, NULL);
}
