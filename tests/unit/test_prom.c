/* The Prometheus text parser of idctl top (ops/prom.h). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ops/prom.h"

static char err[256];

static struct prom *
parse(const char *text)
{
        err[0] = '\0';
        return prom_parse(text, strlen(text), err, sizeof(err));
}

static void
refused(const char *text, const char *why)
{
        struct prom *p = parse(text);

        if (p)
                fail_msg("accepted: %s", text);
        if (!strstr(err, why))
                fail_msg("error \"%s\" lacks \"%s\"", err, why);
}

static void
exposition(void **state)
{
        static const char text[] =
            "# HELP idnode_handle_requests_total Answers\n"
            "# TYPE idnode_handle_requests_total counter\n"
            "idnode_handle_requests_total{transport=\"udp\",opcode=\"1\","
            "code=\"SUCCESS\"} 40\n"
            "idnode_handle_requests_total{transport=\"udp\",opcode=\"1\","
            "code=\"HANDLE_NOT_FOUND\"} 2\n"
            "idnode_handle_requests_total{ transport = \"tcp\" , code="
            "\"SUCCESS\", } 7 1700000000000\n"
            "\n"
            "# a comment\n"
            "  idnode_build_info{version=\"a\\\"b\\\\c\\nd\"} 1\n"
            "x_bucket{le=\"+Inf\"} +Inf\n"
            "x_sum 1.5e-3\n"
            "x_count NaN\n"
            "idnode_workers 2";
        const char *udp[] = {"transport", "udp", NULL};
        const char *ok[] = {"transport", "udp", "code", "SUCCESS", NULL};
        const char *none[] = {"transport", "http", NULL};
        struct prom *p = parse(text);

        (void)state;
        if (!p)
                fail_msg("%s", err);
        assert_int_equal(prom_count(p), 8);
        assert_string_equal(prom_name(p, 0), "idnode_handle_requests_total");
        assert_string_equal(prom_label(p, 0, "code"), "SUCCESS");
        assert_null(prom_label(p, 0, "le"));
        assert_string_equal(prom_label(p, 3, "version"), "a\"b\\c\nd");
        assert_true(prom_sum(p, "idnode_handle_requests_total", NULL) == 49);
        assert_true(prom_sum(p, "idnode_handle_requests_total", udp) == 42);
        assert_true(prom_sum(p, "idnode_handle_requests_total", ok) == 40);
        assert_true(prom_sum(p, "idnode_handle_requests_total", none) == 0);
        assert_true(prom_sum(p, "no_such", NULL) == 0);
        assert_true(isinf(prom_value(p, 4)));
        assert_true(prom_value(p, 5) == 1.5e-3);
        assert_true(isnan(prom_value(p, 6)));
        assert_true(prom_value(p, 7) == 2);
        prom_free(p);
}

static void
malformed(void **state)
{
        (void)state;
        refused("a 1\n9bad 1\n", "line 2: a bad metric name");
        refused("a{b=\"1\"} 1\na{b=\"1\",b=\"2\"} 1\n",
                "line 2: a label given");
        refused("a{b=1} 1", "not in quotes");
        refused("a{b=\"1} 1", "unterminated");
        refused("a{b=\"\\t\"} 1", "bad escape");
        refused("a{b=\"1\" c=\"2\"} 1", "no ','");
        refused("a{1=\"1\"} 1", "bad label name");
        refused("a{b}", "no '='");
        refused("a", "no value");
        refused("a{}1", "no value");
        refused("a 0x10", "bad sample value");
        refused("a inf", "bad sample value");
        refused("a 1 2 3", "bad timestamp");
        refused("a 1e", "bad sample value");
        refused("# TYPE a countr\n", "unknown metric type");
        refused("# HELP 1a x\n", "bad metric name");
        refused("a{l0=\"\",l1=\"\",l2=\"\",l3=\"\",l4=\"\",l5=\"\",l6=\"\","
                "l7=\"\",l8=\"\",l9=\"\",la=\"\",lb=\"\",lc=\"\",ld=\"\","
                "le=\"\",lf=\"\",lg=\"\"} 1",
                "too many labels");
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(exposition),
            cmocka_unit_test(malformed),
        };

        return cmocka_run_group_tests_name("prom", tests, NULL, NULL);
}
