/* Trace link values and reverse entries (registry/link). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/hval.h"
#include "registry/link.h"

static struct span
sp(const char *s)
{
        return (struct span){(const uint8_t *)s, (uint32_t)strlen(s)};
}

static void
types(void **state)
{
        static const char *const up[] = {"madeOf", "fromBatch", "producedBy"};
        static const char *const down[] = {"partOf", "shippedIn", "replacedBy",
                                           "recycledInto"};
        size_t i;

        (void)state;
        for (i = 0; i < 3; i++)
                assert_int_equal(link_type_dir((enum link_type)link_type_find(
                                     up[i], strlen(up[i]))),
                                 LINK_UP);
        for (i = 0; i < 4; i++)
                assert_int_equal(link_type_dir((enum link_type)link_type_find(
                                     down[i], strlen(down[i]))),
                                 LINK_DOWN);
        assert_int_equal(link_type_find("madeof", 6), -1);
        assert_int_equal(link_type_find("madeOfX", 7), -1);
        assert_int_equal(link_type_find("madeOf", 5), -1);
        assert_int_equal(link_type_find("", 0), -1);
        assert_string_equal(link_type_name(LINK_RECYCLED_INTO), "recycledInto");
}

static void
reserved(void **state)
{
        (void)state;
        assert_true(link_reserved(3000, sp("serialNo")));
        assert_true(link_reserved(3999, sp("x")));
        assert_false(link_reserved(2999, sp("x")));
        assert_false(link_reserved(4000, sp("x")));
        assert_true(link_reserved(2000, sp("TRACE.madeOf")));
        assert_true(link_reserved(2000, sp("trace.anything")));
        assert_true(link_reserved(2000, sp("Trace.")));
        assert_false(link_reserved(2000, sp("TRACE")));
        assert_false(link_reserved(2000, sp("TRACEmadeOf")));
        assert_false(link_reserved(2000, sp("XTRACE.madeOf")));
}

static void
values(void **state)
{
        struct hval v;
        enum link_type t;
        struct span to;

        (void)state;
        hval_init(&v, 3000, sp("TRACE.partOf"), sp("88.1/SYS"), 0);
        assert_int_equal(link_value(&v, &t, &to), 1);
        assert_int_equal(t, LINK_PART_OF);
        assert_int_equal(to.len, 8);
        assert_memory_equal(to.p, "88.1/SYS", 8);
        /* Outside the range, an unknown type, the type in lower case. */
        hval_init(&v, 2999, sp("TRACE.partOf"), sp("88.1/SYS"), 0);
        assert_int_equal(link_value(&v, &t, &to), 0);
        hval_init(&v, 3001, sp("TRACE.usedIn"), sp("88.1/SYS"), 0);
        assert_int_equal(link_value(&v, &t, &to), 0);
        hval_init(&v, 3001, sp("trace.partOf"), sp("88.1/SYS"), 0);
        assert_int_equal(link_value(&v, &t, &to), 0);
        hval_init(&v, 3001, sp("TRACE."), sp("88.1/SYS"), 0);
        assert_int_equal(link_value(&v, &t, &to), 0);
}

static void
entries(void **state)
{
        static const char ok[] = "fromBatch 88.1/LOT 7";
        enum link_type t;
        struct span src;

        (void)state;
        assert_int_equal(link_entry_parse(ok, strlen(ok), &t, &src), 0);
        assert_int_equal(t, LINK_FROM_BATCH);
        assert_int_equal(src.len, 10);
        assert_memory_equal(src.p, "88.1/LOT 7", 10);
        assert_int_equal(link_entry_parse("madeOf ", 7, &t, &src), -1);
        assert_int_equal(link_entry_parse("madeOf", 6, &t, &src), -1);
        assert_int_equal(link_entry_parse(" 88.1/X", 7, &t, &src), -1);
        assert_int_equal(link_entry_parse("usedIn 88.1/X", 13, &t, &src), -1);
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(types),
            cmocka_unit_test(reserved),
            cmocka_unit_test(values),
            cmocka_unit_test(entries),
        };

        return cmocka_run_group_tests_name("link", tests, NULL, NULL);
}
