/* core/static: page lookup and If-None-Match (RFC 9110 §13.1.2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/static.h"

static const unsigned char one[] = "a";

/* Sorted by path, as cmd/embed writes it. */
static const struct static_file files[] = {
    {"/ops/index.html", "text/html", "\"1\"", one, 1},
    {"/trace/app.js", "text/javascript", "\"2\"", one, 1},
    {"/trace/index.html", "text/html", "\"3\"", one, 1},
    {"/trace/sub/index.html", "text/html", "\"4\"", one, 1},
};
static const struct static_dir dir = {files, 4};

static const char *
etag_of(const char *path)
{
        const struct static_file *f = static_find(&dir, path);

        return f ? f->etag : NULL;
}

static void
find_exact_and_index(void **state)
{
        char longpath[600];

        (void)state;
        assert_string_equal(etag_of("/trace/app.js"), "\"2\"");
        assert_string_equal(etag_of("/trace/"), "\"3\"");
        assert_string_equal(etag_of("/trace/index.html"), "\"3\"");
        assert_string_equal(etag_of("/trace/sub/"), "\"4\"");
        assert_string_equal(etag_of("/ops/"), "\"1\"");
        /* Byte for byte: no decoding, no folding, no normalising. */
        assert_null(etag_of("/trace/APP.JS"));
        assert_null(etag_of("/trace/app%2ejs"));
        assert_null(etag_of("/trace/./app.js"));
        assert_null(etag_of("/trace/sub/../app.js"));
        assert_null(etag_of("/trace//app.js"));
        assert_null(etag_of("/trace/app.js/"));
        assert_null(etag_of("/trace"));
        assert_null(etag_of("/"));
        assert_null(etag_of(""));
        memset(longpath, 'a', sizeof(longpath) - 1);
        longpath[0] = '/';
        longpath[sizeof(longpath) - 2] = '/';
        longpath[sizeof(longpath) - 1] = '\0';
        assert_null(etag_of(longpath));
}

static void
etag_lists(void **state)
{
        const char *e = "\"abc-1\"";

        (void)state;
        assert_true(static_etag_match("\"abc-1\"", e));
        assert_true(static_etag_match("W/\"abc-1\"", e));
        assert_true(static_etag_match("*", e));
        assert_true(static_etag_match("  * ", e));
        assert_true(static_etag_match("\"x\", \"abc-1\"", e));
        assert_true(static_etag_match("\"x\",W/\"abc-1\" ,\"y\"", e));
        assert_true(static_etag_match(", ,\"abc-1\",", e));
        assert_false(static_etag_match("", e));
        assert_false(static_etag_match("\"abc-2\"", e));
        assert_false(static_etag_match("\"abc-1", e));
        assert_false(static_etag_match("abc-1", e));
        assert_false(static_etag_match("\"abc\"-1\"", e));
        assert_false(static_etag_match("\"ABC-1\"", e));
        assert_false(static_etag_match("w/\"abc-1\"", e));
        /* A malformed list matches nothing, even after a match. */
        assert_false(static_etag_match("\"abc-1\" junk", e));
        assert_false(static_etag_match("\"abc-1\", junk", e));
        assert_false(static_etag_match("*, \"abc-1\"", e));
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(find_exact_and_index),
            cmocka_unit_test(etag_lists),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
