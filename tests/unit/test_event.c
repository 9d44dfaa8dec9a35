/*
 * Lifecycle event bodies (registry/evparse): the checks of each member,
 * the stream fields they become, reading an entry back and rendering it,
 * RFC 3339 times and event ids.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "registry/evparse.h"

/* 2026-03-01T10:00:00Z */
#define NOW 1772359200000LL

static char err[512];

static struct evparse *
parse_at(const char *json, long long now)
{
        json_error_t je;
        json_t *j =
            json_loads(json, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
        struct evparse *e;

        if (!j)
                fail_msg("bad test JSON %s: %s", json, je.text);
        e = evparse_new(j, now, err, sizeof(err));
        json_decref(j);
        return e;
}

static struct evparse *
parse(const char *json)
{
        return parse_at(json, NOW);
}

static void
refused(const char *json, const char *needle)
{
        struct evparse *e = parse(json);

        if (e) {
                evparse_free(e);
                fail_msg("accepted %s", json);
        }
        if (!strstr(err, needle))
                fail_msg("%s: error \"%s\" lacks \"%s\"", json, err, needle);
}

/* The value of stream field `name`, or NULL. */
static const char *
field(const char **argv, const size_t *argvlen, size_t n, const char *name)
{
        size_t i;

        for (i = 0; i + 1 < n; i += 2)
                if (strcmp(argv[i], name) == 0) {
                        assert_int_equal(strlen(argv[i + 1]), argvlen[i + 1]);
                        return argv[i + 1];
                }
        return NULL;
}

static void
full_body(void **state)
{
        struct evparse *e = parse(
            "{\"stage\":\"maintenance\",\"time\":\"2026-03-01T18:00:00.5+08:"
            "00\","
            "\"location\":\"福州 plant 2\",\"holder\":\"91350100m000100y43\","
            "\"attrs\":{\"hours\":12500,\"code\":\"E-17\",\"ok\":true,"
            "\"t\":1.5},\"corrects\":\"1795430400000-0\","
            "\"closes\":[\"1795430300000-0\",\"0001-2\"],\"public\":false}");
        const char *argv[EVPARSE_FIELDS_MAX];
        size_t argvlen[EVPARSE_FIELDS_MAX], n;

        (void)state;
        assert_non_null(e);
        assert_string_equal(evparse_stage(e), "maintenance");
        assert_string_equal(evparse_holder(e), "91350100M000100Y43");
        assert_string_equal(evparse_corrects(e), "1795430400000-0");
        assert_int_equal(evparse_ncloses(e), 2);
        assert_string_equal(evparse_close(e, 1), "1-2"); /* canonical */
        n = evparse_fields(e, "91350100M000100Y43", "acme-mes", argv, argvlen);
        assert_int_equal(n, 20);
        assert_string_equal(field(argv, argvlen, n, "s"), "maintenance");
        /* 10:00:00.500 UTC */
        assert_string_equal(field(argv, argvlen, n, "t"), "1772359200500");
        assert_string_equal(field(argv, argvlen, n, "e"), "91350100M000100Y43");
        assert_string_equal(field(argv, argvlen, n, "b"), "acme-mes");
        assert_string_equal(field(argv, argvlen, n, "l"), "福州 plant 2");
        assert_string_equal(field(argv, argvlen, n, "h"), "91350100M000100Y43");
        assert_string_equal(field(argv, argvlen, n, "a"),
                            "{\"hours\":12500,\"code\":\"E-17\",\"ok\":true,"
                            "\"t\":1.5}");
        assert_string_equal(field(argv, argvlen, n, "c"), "1795430400000-0");
        assert_string_equal(field(argv, argvlen, n, "x"),
                            "1795430300000-0 1-2");
        assert_string_equal(field(argv, argvlen, n, "p"), "0");
        evparse_free(e);
}

static void
minimal_body(void **state)
{
        struct evparse *e = parse("{\"stage\":\"design\",\"location\":\"\","
                                  "\"holder\":null,\"attrs\":{},"
                                  "\"closes\":[],\"corrects\":null}");
        const char *argv[EVPARSE_FIELDS_MAX];
        size_t argvlen[EVPARSE_FIELDS_MAX], n;
        char t[32];

        (void)state;
        assert_non_null(e);
        n = evparse_fields(e, "E", "B", argv, argvlen);
        /* stage, time (now), enterprise, by: nothing else stored. */
        assert_int_equal(n, 8);
        snprintf(t, sizeof(t), "%lld", NOW);
        assert_string_equal(field(argv, argvlen, n, "t"), t);
        assert_null(field(argv, argvlen, n, "p"));
        assert_string_equal(evparse_holder(e), "");
        assert_string_equal(evparse_corrects(e), "");
        assert_int_equal(evparse_ncloses(e), 0);
        evparse_free(e);
}

static void
member_errors(void **state)
{
        (void)state;
        refused("{}", "stage is required");
        refused("{\"stage\":null}", "stage is required");
        refused("{\"stage\":1}", "stage must be a string");
        refused("{\"stage\":\"\"}", "stage must be a stage code");
        refused("{\"stage\":\"Design\"}", "stage must be a stage code");
        refused("{\"stage\":\"a.b\"}", "stage must be a stage code");
        refused("{\"stage\":\"abcdefghijabcdefghijabcdefghijabc\"}",
                "stage is longer than 32");
        refused("{\"stage\":\"a\\u0000\"}", "stage contains a NUL");
        refused("{\"stage\":\"design\",\"time\":\"2026-03-01\"}", "time");
        refused("{\"stage\":\"design\",\"time\":\"2026-03-01T10:05:01Z\"}",
                "time is more than 5 minutes in the future");
        refused("{\"stage\":\"design\",\"location\":7}",
                "location must be a string");
        refused("{\"stage\":\"design\",\"location\":\"a\\tb\"}",
                "location contains a control character");
        refused("{\"stage\":\"design\",\"holder\":\"91350100M000100Y44\"}",
                "holder is not a USCC");
        refused("{\"stage\":\"design\",\"attrs\":[1]}", "attrs must be an");
        refused("{\"stage\":\"design\",\"attrs\":{\"\":1}}", "attrs keys");
        refused("{\"stage\":\"design\",\"attrs\":{\"a\\nb\":1}}",
                "control character");
        refused("{\"stage\":\"design\",\"attrs\":{\"k\":null}}",
                "attrs.k must be a string, a number or a boolean");
        refused("{\"stage\":\"design\",\"attrs\":{\"k\":[]}}", "attrs.k");
        refused("{\"stage\":\"design\",\"attrs\":{\"k\":\"a\\u0000\"}}",
                "attrs.k contains a NUL");
        refused("{\"stage\":\"design\",\"corrects\":\"1795430400000\"}",
                "corrects must be an event id");
        refused("{\"stage\":\"design\",\"corrects\":[\"1-0\"]}",
                "corrects must be a string");
        refused("{\"stage\":\"design\",\"closes\":{}}", "closes must be");
        refused("{\"stage\":\"design\",\"closes\":[\"1-0\",2]}",
                "closes[1] must be a string");
        refused("{\"stage\":\"design\",\"closes\":[\"1-0\",\"01-0\"]}",
                "closes[1] repeats closes[0]");
        refused("{\"stage\":\"design\",\"public\":1}",
                "public must be true or false");
        refused("{\"stage\":\"design\",\"id\":\"1-0\"}", "unknown member id");
}

/* A string of n copies of `unit`. */
static char *
repeat(const char *unit, size_t n)
{
        size_t len = strlen(unit), i;
        char *s = malloc(len * n + 1);

        assert_non_null(s);
        for (i = 0; i < n; i++)
                memcpy(s + i * len, unit, len);
        s[len * n] = '\0';
        return s;
}

static void
limits_are_inclusive(void **state)
{
        char *loc = repeat("航", 255), *val = repeat("é", 1024),
             *key = repeat("k", 64), body[16384];
        struct evparse *e;
        size_t i, n = 0;

        (void)state;
        snprintf(body, sizeof(body),
                 "{\"stage\":\"design\",\"location\":\"%s\",\"attrs\":"
                 "{\"%s\":\"%s\"}}",
                 loc, key, val);
        assert_non_null(e = parse(body));
        evparse_free(e);
        snprintf(body, sizeof(body),
                 "{\"stage\":\"design\",\"location\":\"%s航\"}", loc);
        refused(body, "location is longer than 255 characters");
        snprintf(body, sizeof(body),
                 "{\"stage\":\"design\",\"attrs\":{\"k\":\"%sé\"}}", val);
        refused(body, "attrs.k is longer than 1024 characters");
        snprintf(body, sizeof(body),
                 "{\"stage\":\"design\",\"attrs\":{\"%sk\":1}}", key);
        refused(body, "attrs keys have 1 to 64 characters");
        /* 64 members and 64 closed ids, then one more of each. */
        n += (size_t)snprintf(body + n, sizeof(body) - n,
                              "{\"stage\":\"design\",\"attrs\":{");
        for (i = 0; i < 64; i++)
                n += (size_t)snprintf(body + n, sizeof(body) - n,
                                      "%s\"k%zu\":%zu", i ? "," : "", i, i);
        n += (size_t)snprintf(body + n, sizeof(body) - n, "},\"closes\":[");
        for (i = 0; i < 64; i++)
                n += (size_t)snprintf(body + n, sizeof(body) - n, "%s\"%zu-0\"",
                                      i ? "," : "", i);
        snprintf(body + n, sizeof(body) - n, "]}");
        assert_non_null(e = parse(body));
        assert_int_equal(evparse_ncloses(e), 64);
        evparse_free(e);
        free(loc);
        free(val);
        free(key);
}

static void
too_many_members(void **state)
{
        char body[4096];
        size_t i, n = 0;

        (void)state;
        n += (size_t)snprintf(body + n, sizeof(body) - n,
                              "{\"stage\":\"design\",\"attrs\":{");
        for (i = 0; i < 65; i++)
                n += (size_t)snprintf(body + n, sizeof(body) - n,
                                      "%s\"k%zu\":%zu", i ? "," : "", i, i);
        snprintf(body + n, sizeof(body) - n, "}}");
        refused(body, "attrs has more than 64 members");
        n = 0;
        n += (size_t)snprintf(body + n, sizeof(body) - n,
                              "{\"stage\":\"design\",\"closes\":[");
        for (i = 0; i < 65; i++)
                n += (size_t)snprintf(body + n, sizeof(body) - n, "%s\"%zu-0\"",
                                      i ? "," : "", i);
        snprintf(body + n, sizeof(body) - n, "]}");
        refused(body, "closes must be an array of at most 64");
}

static void
times(void **state)
{
        long long ms = 0;
        char out[EVPARSE_TIME_MAX];

        (void)state;
        assert_int_equal(evparse_time("2026-03-01T10:00:00Z", &ms), 0);
        assert_int_equal(ms, NOW);
        assert_int_equal(
            evparse_time("2026-03-01t18:30:00.123456789+08:30", &ms), 0);
        assert_int_equal(ms, NOW + 123);
        assert_int_equal(evparse_time("2026-03-01T09:00:00.1-01:00", &ms), 0);
        assert_int_equal(ms, NOW + 100);
        assert_int_equal(evparse_time("1970-01-01T00:00:00z", &ms), 0);
        assert_int_equal(ms, 0);
        assert_int_equal(evparse_time("2024-02-29T00:00:00Z", &ms), 0);
        assert_int_equal(evparse_time("2000-02-29T00:00:00Z", &ms), 0);
        assert_int_equal(evparse_time("2100-02-29T00:00:00Z", &ms), -1);
        assert_int_equal(evparse_time("2025-02-29T00:00:00Z", &ms), -1);
        assert_int_equal(evparse_time("2025-04-31T00:00:00Z", &ms), -1);
        assert_int_equal(evparse_time("2025-13-01T00:00:00Z", &ms), -1);
        assert_int_equal(evparse_time("2025-12-01T24:00:00Z", &ms), -1);
        assert_int_equal(evparse_time("2025-12-01T23:60:00Z", &ms), -1);
        assert_int_equal(evparse_time("2025-12-01T23:00:00", &ms), -1);
        assert_int_equal(evparse_time("2025-12-01T23:00:00.Z", &ms), -1);
        assert_int_equal(evparse_time("2025-12-01T23:00:00.0123456789Z", &ms),
                         -1);
        assert_int_equal(evparse_time("2025-12-01T23:00:00+0800", &ms), -1);
        assert_int_equal(evparse_time("2025-12-01T23:00:00+24:00", &ms), -1);
        assert_int_equal(evparse_time("2025-12-01T23:00:00Z ", &ms), -1);
        assert_int_equal(evparse_time("2025-12-01 23:00:00Z", &ms), -1);
        assert_int_equal(evparse_time("1969-12-31T23:59:59Z", &ms), -1);
        assert_int_equal(evparse_time("1970-01-01T00:30:00+01:00", &ms), -1);
        assert_int_equal(evparse_time("", &ms), -1);
        evparse_time_str(NOW, out);
        assert_string_equal(out, "2026-03-01T10:00:00Z");
        evparse_time_str(NOW + 7, out);
        assert_string_equal(out, "2026-03-01T10:00:00.007Z");
        evparse_time_str(951782400000LL, out);
        assert_string_equal(out, "2000-02-29T00:00:00Z");
        evparse_time_str(-5, out);
        assert_string_equal(out, "1970-01-01T00:00:00Z");
        evparse_time_str(INT64_MAX, out);
        assert_string_equal(out, "9999-12-31T23:59:59.999Z");
        assert_int_equal(evparse_time(out, &ms), 0);
        assert_int_equal(ms, 253402300799999LL);
}

static void
ids_and_stages(void **state)
{
        uint64_t ms, seq;
        char out[EVPARSE_ID_MAX];

        (void)state;
        assert_int_equal(evparse_id("1795430400000-12", &ms, &seq), 0);
        assert_true(ms == 1795430400000ULL && seq == 12);
        assert_int_equal(
            evparse_id("18446744073709551615-18446744073709551615", &ms, &seq),
            0);
        evparse_id_str(ms, seq, out);
        assert_string_equal(out, "18446744073709551615-18446744073709551615");
        assert_int_equal(evparse_id("18446744073709551616-0", &ms, &seq), -1);
        assert_int_equal(evparse_id("1-", &ms, &seq), -1);
        assert_int_equal(evparse_id("-1", &ms, &seq), -1);
        assert_int_equal(evparse_id("1", &ms, &seq), -1);
        assert_int_equal(evparse_id("1-2-3", &ms, &seq), -1);
        assert_int_equal(evparse_id("1-+2", &ms, &seq), -1);
        assert_int_equal(evparse_id("", &ms, &seq), -1);
        assert_true(evparse_stage_ok("a", 1));
        assert_true(evparse_stage_ok("calibration_2-b", 15));
        assert_false(evparse_stage_ok("", 0));
        assert_false(evparse_stage_ok("A", 1));
        assert_true(evparse_stage_builtin("recycling"));
        assert_false(evparse_stage_builtin("calibration"));
        assert_true(evparse_stage_closable("fault", 5));
        assert_true(evparse_stage_closable("warning", 7));
        assert_false(evparse_stage_closable("warnings", 8));
}

static void
entry_round_trip(void **state)
{
        struct evparse *e = parse(
            "{\"stage\":\"delivery\",\"time\":\"2026-03-01T10:00:00.250Z\","
            "\"holder\":\"91350100M000100Y43\",\"attrs\":{\"n\":1},"
            "\"closes\":[\"5-0\",\"6-1\"]}");
        const char *argv[EVPARSE_FIELDS_MAX];
        size_t argvlen[EVPARSE_FIELDS_MAX], n;
        struct evparse_entry ent;
        json_t *j;
        char *s;

        (void)state;
        n = evparse_fields(e, "91350100M000100Y43", "mes", argv, argvlen);
        assert_int_equal(evparse_entry(argv, argvlen, n, &ent), 0);
        assert_int_equal(ent.time_ms, NOW + 250);
        assert_int_equal(ent.public, 1);
        j = evparse_render("1772359203120-0", &ent);
        s = json_dumps(j, JSON_COMPACT);
        assert_string_equal(
            s, "{\"id\":\"1772359203120-0\",\"stage\":\"delivery\","
               "\"time\":\"2026-03-01T10:00:00.250Z\","
               "\"recorded\":\"2026-03-01T10:00:03.120Z\","
               "\"enterprise\":\"91350100M000100Y43\",\"by\":\"mes\","
               "\"location\":null,\"holder\":\"91350100M000100Y43\","
               "\"attrs\":{\"n\":1},\"corrects\":null,"
               "\"closes\":[\"5-0\",\"6-1\"],\"public\":true}");
        free(s);
        json_decref(j);
        evparse_free(e);
        /* A damaged entry: no stage, or a time that is not a number. */
        {
                const char *kv[] = {"t", "1", "x", "1-0"};
                size_t kvlen[] = {1, 1, 1, 3};

                assert_int_equal(evparse_entry(kv, kvlen, 4, &ent), -1);
        }
        {
                const char *kv[] = {"s", "design", "t", "1x"};
                size_t kvlen[] = {1, 6, 1, 2};

                assert_int_equal(evparse_entry(kv, kvlen, 4, &ent), -1);
        }
        {
                const char *kv[] = {"s", "design", "t", "5",
                                    "a", "[1",     "p", "0"};
                size_t kvlen[] = {1, 6, 1, 1, 1, 2, 1, 1};

                assert_int_equal(evparse_entry(kv, kvlen, 8, &ent), 0);
                assert_int_equal(ent.public, 0);
                j = evparse_render("junk", &ent);
                assert_non_null(j);
                assert_true(json_is_object(json_object_get(j, "attrs")));
                assert_string_equal(
                    json_string_value(json_object_get(j, "recorded")),
                    "1970-01-01T00:00:00Z");
                json_decref(j);
        }
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(full_body),
            cmocka_unit_test(minimal_body),
            cmocka_unit_test(member_errors),
            cmocka_unit_test(limits_are_inclusive),
            cmocka_unit_test(too_many_members),
            cmocka_unit_test(times),
            cmocka_unit_test(ids_and_stages),
            cmocka_unit_test(entry_round_trip),
        };

        return cmocka_run_group_tests_name("event", tests, NULL, NULL);
}
