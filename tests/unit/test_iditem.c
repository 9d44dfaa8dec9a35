/* SNMS identifier items: JSON -> checked, normalised handle values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/hval.h"
#include "registry/iditem.h"

static char err[256];

#define GOOD                                                                   \
        "{\"handle\":\"88.abc.45/Pump-1\",\"templateVersion\":\"equip-v1\","   \
        "\"value\":[{\"index\":2000,\"type\":\"serialNo\",\"data\":"           \
        "{\"format\":\"string\",\"value\":\"SN-1\"},\"auth\":\"1\"},"          \
        "{\"index\":2001,\"type\":\"model\",\"data\":{\"value\":\"\"}}]}"

static struct iditem *
parse(const char *text)
{
        json_t *j = json_loads(text, JSON_ALLOW_NUL, NULL);
        struct iditem *it;

        assert_non_null(j);
        it = iditem_parse(j, 255, err, sizeof(err));
        json_decref(j); /* the item keeps its own reference */
        return it;
}

/* Parses GOOD with one substring replaced. */
static struct iditem *
parse_with(const char *from, const char *to)
{
        char buf[4096];
        const char *at = strstr(GOOD, from);

        assert_non_null(at);
        snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(at - GOOD), GOOD, to,
                 at + strlen(from));
        return parse(buf);
}

static void
expect_error(const char *from, const char *to, const char *needle)
{
        assert_null(parse_with(from, to));
        if (!strstr(err, needle))
                fail_msg("error \"%s\" lacks \"%s\"", err, needle);
}

static void
good_item(void **state)
{
        struct iditem *it = parse(GOOD);
        const struct hval *v;
        size_t len, n;

        (void)state;
        assert_non_null(it);
        /* The prefix is upper-cased, the suffix kept. */
        assert_string_equal(iditem_name(it, &len), "88.ABC.45/Pump-1");
        assert_int_equal(len, 16);
        assert_string_equal(iditem_version(it), "equip-v1");
        v = iditem_values(it, &n);
        assert_int_equal(n, 2);
        assert_int_equal(v[0].index, 2000);
        assert_int_equal(v[0].type.len, 8);
        assert_memory_equal(v[0].type.p, "serialNo", 8);
        assert_int_equal(v[0].data.len, 4);
        assert_memory_equal(v[0].data.p, "SN-1", 4);
        /* Defaults of an import: relative TTL 86400, public read. */
        assert_int_equal(v[0].ttl_type, HVAL_TTL_RELATIVE);
        assert_int_equal(v[0].ttl, 86400);
        assert_int_equal(v[0].perms, HVAL_PERMS_DEFAULT);
        assert_int_equal(v[0].nrefs, 0);
        assert_int_equal(v[1].data.len, 0); /* an empty value is a value */
        iditem_free(it);
}

static void
item_errors(void **state)
{
        (void)state;
        assert_null(parse("[]"));
        assert_non_null(strstr(err, "an item is an object"));
        expect_error("\"88.abc.45/Pump-1\"", "7", "handle must be a string");
        expect_error("88.abc.45/Pump-1", "88.abc.45", "prefix/suffix");
        expect_error("88.abc.45/Pump-1", "88..45/P", "bad handle");
        expect_error("88.abc.45/Pump-1", "88.1/P 1", "space");
        expect_error("\"equip-v1\"", "\"\"", "must not be empty");
        expect_error("\"templateVersion\"", "\"x\"",
                     "templateVersion is required");
        expect_error("\"value\":[", "\"value\":{},\"x\":[",
                     "value must be an array");
        expect_error("\"index\":2000", "\"index\":-1", "value[0].index");
        expect_error("\"index\":2000", "\"index\":4294967296",
                     "value[0].index");
        expect_error("\"index\":2000", "\"index\":\"2000\"", "value[0].index");
        expect_error("\"type\":\"model\"", "\"type\":\"\"",
                     "value[1].type must not be empty");
        expect_error("\"type\":\"model\"", "\"type\":\"a\\u0001b\"",
                     "control character");
        expect_error("\"format\":\"string\"", "\"format\":\"hex\"",
                     "only \"string\"");
        expect_error("\"data\":{\"value\":\"\"}", "\"data\":\"x\"",
                     "value[1].data must be an object");
        expect_error("\"data\":{\"value\":\"\"}", "\"data\":{}",
                     "value[1].data.value is required");
        expect_error("\"value\":\"SN-1\"", "\"value\":\"a\\u0000b\"", "NUL");
        expect_error("\"auth\":\"1\"", "\"auth\":1", "auth must be a string");
}

/* Limits: type 128 characters, value 255 characters (not bytes). */
static void
length_limits(void **state)
{
        char field[1200] = "\"value\":\"";
        struct iditem *it;
        size_t i;

        (void)state;
        for (i = 0; i < 256; i++)
                strcat(field, "\xe6\xb3\xb5"); /* 泵 */
        strcat(field, "\"");
        expect_error("\"value\":\"SN-1\"", field, "longer than 255");
        /* 255 of them fit. */
        memmove(field + 9, field + 12, strlen(field + 12) + 1);
        it = parse_with("\"value\":\"SN-1\"", field);
        assert_non_null(it);
        iditem_free(it);
        snprintf(field, sizeof(field), "\"type\":\"%0129d\"", 0);
        expect_error("\"type\":\"model\"", field, "longer than 128");
        snprintf(field, sizeof(field), "\"type\":\"%0128d\"", 0);
        it = parse_with("\"type\":\"model\"", field);
        assert_non_null(it);
        iditem_free(it);
}

static void
text_may_hold_line_breaks(void **state)
{
        struct iditem *it;
        const struct hval *v;
        size_t n;

        (void)state;
        it = parse("{\"handle\":\"88.1/a\",\"templateVersion\":\"v\",\"value\":"
                   "[{\"index\":2000,\"type\":\"note\",\"data\":{\"value\":"
                   "\"line 1\\nline 2\\t\"}}]}");
        assert_non_null(it);
        v = iditem_values(it, &n);
        assert_int_equal(v[0].data.len, 14);
        iditem_free(it);
}

static void
handle_limit(void **state)
{
        char name[300], out[300];
        json_t *j;
        size_t len = 0;

        (void)state;
        memset(name, 'x', sizeof(name));
        memcpy(name, "88.1/", 5);
        j = json_stringn(name, 255);
        assert_int_equal(
            iditem_handle(j, 255, out, sizeof(out), &len, err, sizeof(err)), 0);
        assert_int_equal(len, 255);
        json_decref(j);
        j = json_stringn(name, 256);
        assert_int_equal(
            iditem_handle(j, 255, out, sizeof(out), &len, err, sizeof(err)),
            -1);
        assert_non_null(strstr(err, "longer than 255 bytes"));
        json_decref(j);
}

static void
too_many_values(void **state)
{
        json_t *j = json_pack("{s:s,s:s,s:[]}", "handle", "88.1/a",
                              "templateVersion", "v", "value");
        json_t *arr = json_object_get(j, "value");
        size_t i;

        (void)state;
        for (i = 0; i < IDITEM_MAX_VALUES + 1; i++)
                json_array_append_new(arr,
                                      json_pack("{s:I,s:s,s:{s:s}}", "index",
                                                (json_int_t)(2000 + i), "type",
                                                "t", "data", "value", "x"));
        assert_null(iditem_parse(j, 255, err, sizeof(err)));
        assert_non_null(strstr(err, "at most 512"));
        json_array_remove(arr, 0);
        {
                struct iditem *it = iditem_parse(j, 255, err, sizeof(err));
                size_t n;

                assert_non_null(it);
                iditem_values(it, &n);
                assert_int_equal(n, IDITEM_MAX_VALUES);
                iditem_free(it);
        }
        json_decref(j);
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(good_item),
            cmocka_unit_test(item_errors),
            cmocka_unit_test(length_limits),
            cmocka_unit_test(text_may_hold_line_breaks),
            cmocka_unit_test(handle_limit),
            cmocka_unit_test(too_many_values),
        };

        return cmocka_run_group_tests_name("iditem", tests, NULL, NULL);
}
