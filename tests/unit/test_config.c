/* Configuration loading, validation, reload and dump (core/config.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/config.h"

static char err[512];

static struct config *
parse(const char *text)
{
        err[0] = '\0';
        return config_parse("t.json", text, strlen(text), err, sizeof(err));
}

/* Asserts `text` is rejected with exactly this message. */
static void
assert_rejected(const char *text, const char *want)
{
        struct config *c = parse(text);

        assert_null(c);
        assert_string_equal(err, want);
}

/* Writes text to a new temporary file; its path goes to `path`. */
static void
write_tmp(char *path, size_t pathlen, const char *text)
{
        const char *dir = getenv("TMPDIR");
        size_t n = strlen(text);
        int fd;

        snprintf(path, pathlen, "%s/idnode-config-XXXXXX",
                 dir && *dir ? dir : "/tmp");
        fd = mkstemp(path);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, text, n), (ssize_t)n);
        assert_int_equal(close(fd), 0);
}

static void
defaults(void **state)
{
        struct config *c = config_defaults();

        (void)state;
        assert_non_null(c);
        assert_int_equal(c->refs, 1);
        assert_int_equal(c->workers, 0);
        assert_int_equal(c->handle_port, 2641);
        assert_int_equal(c->http_port, 8000);
        assert_int_equal(c->request_timeout_ms, 1000);
        assert_int_equal(c->cache, 1);
        assert_int_equal(c->redis_port, 6379);
        assert_int_equal(c->max_handle_bytes, 255);
        assert_string_equal(c->handle_bind, "0.0.0.0");
        assert_string_equal(c->redis_host, "127.0.0.1");
        assert_string_equal(c->redis_socket, "");
        assert_string_equal(c->log_level, "info");
        config_unref(c);
}

static void
empty_object_is_defaults(void **state)
{
        struct config *c = parse("{}");
        struct config *d = config_defaults();
        char *a, *b;

        (void)state;
        assert_non_null(c);
        a = config_dump(c);
        b = config_dump(d);
        assert_string_equal(a, b);
        free(a);
        free(b);
        config_unref(c);
        config_unref(d);
}

static void
text_overrides_values(void **state)
{
        struct config *c = parse("{\n"
                                 "  \"workers\": 4,\n"
                                 "  \"handle_port\": 3641,\n"
                                 "  \"cache\": false,\n"
                                 "  \"redis_socket\": \"/run/redis.sock\",\n"
                                 "  \"site_description\": \"二级节点\",\n"
                                 "  \"log_level\": \"debug\"\n"
                                 "}\n");

        (void)state;
        assert_non_null(c);
        assert_int_equal(c->workers, 4);
        assert_int_equal(c->handle_port, 3641);
        assert_int_equal(c->cache, 0);
        assert_string_equal(c->redis_socket, "/run/redis.sock");
        assert_string_equal(c->site_description, "二级节点");
        assert_string_equal(c->log_level, "debug");
        /* Keys not in the file keep their defaults. */
        assert_int_equal(c->http_port, 8000);
        assert_int_equal(c->request_timeout_ms, 1000);
        config_unref(c);
}

static void
limits_are_inclusive(void **state)
{
        struct config *c = parse("{\"handle_port\": 1, \"http_port\": 65535,"
                                 " \"workers\": 256}");

        (void)state;
        assert_non_null(c);
        assert_int_equal(c->handle_port, 1);
        assert_int_equal(c->http_port, 65535);
        assert_int_equal(c->workers, 256);
        config_unref(c);
}

static void
load_file(void **state)
{
        char path[256];
        struct config *c;

        (void)state;
        write_tmp(path, sizeof(path),
                  "{\"request_timeout_ms\": 250, \"http_port\": 8080}\n");
        c = config_load(path, err, sizeof(err));
        assert_non_null(c);
        assert_int_equal(c->request_timeout_ms, 250);
        assert_int_equal(c->http_port, 8080);
        config_unref(c);
        unlink(path);
}

static void
load_file_error_names_path(void **state)
{
        char path[256], want[600];
        struct config *c;

        (void)state;
        write_tmp(path, sizeof(path), "{\n\n  \"nope\": true\n}\n");
        c = config_load(path, err, sizeof(err));
        assert_null(c);
        snprintf(want, sizeof(want), "%s:3:3: unknown key \"nope\"", path);
        assert_string_equal(err, want);
        unlink(path);
}

/* A file setting a secret must be 0600: 0640 and 0604 are refused. */
static void
secret_needs_private_file(void **state)
{
        static const mode_t refused[] = {0640, 0604, 0660};
        char path[256], *dump;
        struct config *c;
        size_t i;

        (void)state;
        write_tmp(path, sizeof(path), "{\"redis_password\": \"s3cr3t-pw\"}\n");
        for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
                assert_int_equal(chmod(path, refused[i]), 0);
                assert_null(config_load(path, err, sizeof(err)));
                assert_non_null(strstr(err, "redis_password, a secret"));
                assert_null(strstr(err, "s3cr3t-pw"));
        }
        assert_int_equal(chmod(path, 0600), 0);
        c = config_load(path, err, sizeof(err));
        assert_non_null(c);
        assert_string_equal(c->redis_password, "s3cr3t-pw");
        dump = config_dump(c);
        assert_null(strstr(dump, "s3cr3t-pw"));
        assert_non_null(strstr(dump, "\"redis_password\": \"(set)\""));
        free(dump);
        config_unref(c);
        unlink(path);
        /* Without a secret the mode is the operator's business. */
        write_tmp(path, sizeof(path), "{\"http_port\": 8080}\n");
        assert_int_equal(chmod(path, 0644), 0);
        c = config_load(path, err, sizeof(err));
        assert_non_null(c);
        config_unref(c);
        unlink(path);
}

static void
load_missing_file(void **state)
{
        (void)state;
        assert_null(config_load("/nonexistent/idnode.json", err, sizeof(err)));
        assert_string_equal(err, "/nonexistent/idnode.json: cannot read file");
}

static void
unknown_key_position(void **state)
{
        (void)state;
        assert_rejected("{\n"
                        "  \"workers\": 2,\n"
                        "  \"bogus\": 1\n"
                        "}\n",
                        "t.json:3:3: unknown key \"bogus\"");
        /* The column counts from the start of the line, tabs as one. */
        assert_rejected("{\"workers\": 2,\n\t\t\"bogus\": 1}",
                        "t.json:2:3: unknown key \"bogus\"");
}

static void
wrong_types(void **state)
{
        (void)state;
        assert_rejected("{\n  \"handle_port\": \"2641\"\n}",
                        "t.json:2:3: expected an integer \"handle_port\"");
        assert_rejected("{\"request_timeout_ms\": 1.5}",
                        "t.json:1:2: expected an integer "
                        "\"request_timeout_ms\"");
        assert_rejected("{\"cache\": 1}",
                        "t.json:1:2: expected true or false \"cache\"");
        assert_rejected("{\"redis_host\": 6379}",
                        "t.json:1:2: expected a string \"redis_host\"");
        assert_rejected("{\"workers\": null}",
                        "t.json:1:2: expected an integer \"workers\"");
}

static void
nested_value_is_wrong_type(void **state)
{
        (void)state;
        assert_rejected("{\"site_description\": {\"workers\": 1}}",
                        "t.json:1:2: expected a string \"site_description\"");
}

static void
position_skips_values_and_nested_keys(void **state)
{
        (void)state;
        /* "workers" as a value on line 1 is not the key on line 2. */
        assert_rejected("{\"log_file\": \"workers\",\n \"workers\": \"x\"}",
                        "t.json:2:2: expected an integer \"workers\"");
        /* Nor is a key inside an array of objects. */
        assert_rejected("{\"a\": [{\"b\": 1}],\n"
                        " \"b\": 2}",
                        "t.json:1:2: unknown key \"a\"");
}

static void
out_of_range(void **state)
{
        (void)state;
        assert_rejected("{\n  \"http_port\": 0\n}",
                        "t.json:2:3: out of range \"http_port\"");
        assert_rejected("{\n  \"workers\": 1,\n    \"handle_port\": 70000\n}",
                        "t.json:3:5: out of range \"handle_port\"");
        assert_rejected("{\"request_timeout_ms\": 9}",
                        "t.json:1:2: out of range \"request_timeout_ms\"");
        assert_rejected("{\"workers\": -1}",
                        "t.json:1:2: out of range \"workers\"");
}

static void
string_too_long(void **state)
{
        char text[400];
        struct config *c;

        (void)state;
        snprintf(text, sizeof(text), "{\"log_file\": \"%0*d\"}", CONFIG_STR_MAX,
                 0);
        assert_rejected(text, "t.json:1:2: string too long \"log_file\"");
        /* One byte shorter fits (the field keeps its NUL). */
        snprintf(text, sizeof(text), "{\"log_file\": \"%0*d\"}",
                 CONFIG_STR_MAX - 1, 0);
        c = parse(text);
        assert_non_null(c);
        assert_int_equal(strlen(c->log_file), CONFIG_STR_MAX - 1);
        config_unref(c);
}

static void
duplicate_key(void **state)
{
        struct config *c = parse("{\n  \"workers\": 1,\n  \"workers\": 2\n}");

        (void)state;
        assert_null(c);
        /* jansson's message and position. */
        assert_true(strncmp(err, "t.json:3:", 9) == 0);
        assert_non_null(strstr(err, "duplicate object key"));
}

static void
syntax_error(void **state)
{
        (void)state;
        assert_null(parse("{\"workers\": 1,}"));
        assert_true(strncmp(err, "t.json:1:15: ", 13) == 0);
        assert_null(parse("{\n\"workers\": 1\n"));
        assert_true(strncmp(err, "t.json:", 7) == 0);
}

static void
not_an_object(void **state)
{
        (void)state;
        assert_rejected("[1, 2]", "t.json:1:1: expected a JSON object");
        /* jansson itself refuses a bare scalar at the top. */
        assert_null(parse("42"));
        assert_true(strncmp(err, "t.json:1:", 9) == 0);
}

static void
bad_log_level(void **state)
{
        struct config *c;

        (void)state;
        assert_rejected(
            "{\n  \"cache\": true,\n  \"log_level\": \"verbose\"\n}",
            "t.json:3:3: expected debug, info, warn or error \"log_level\"");
        c = parse("{\"log_level\": \"warn\"}");
        assert_non_null(c);
        assert_string_equal(c->log_level, "warn");
        config_unref(c);
}

static void
reload_keeps_fixed_keys(void **state)
{
        char path[256], note[256] = "x";
        struct config *cur = config_defaults();
        struct config *c;

        (void)state;
        write_tmp(path, sizeof(path),
                  "{\"handle_port\": 3000, \"request_timeout_ms\": 2500,"
                  " \"log_level\": \"debug\"}");
        c = config_reload(cur, path, err, sizeof(err), note, sizeof(note));
        assert_non_null(c);
        assert_int_equal(c->handle_port, 2641); /* not reloadable */
        assert_int_equal(c->request_timeout_ms, 2500);
        assert_string_equal(c->log_level, "debug");
        assert_string_equal(note, "handle_port");
        config_unref(c);
        config_unref(cur);
        unlink(path);
}

static void
reload_names_every_fixed_key(void **state)
{
        char path[256], note[256];
        struct config *cur = config_defaults();
        struct config *c;

        (void)state;
        write_tmp(path, sizeof(path),
                  "{\"http_port\": 9000, \"workers\": 3, \"handle_bind\": "
                  "\"::\", \"cache_negative_ttl_s\": 9}");
        c = config_reload(cur, path, err, sizeof(err), note, sizeof(note));
        assert_non_null(c);
        assert_int_equal(c->http_port, 8000);
        assert_int_equal(c->workers, 0);
        assert_string_equal(c->handle_bind, "0.0.0.0");
        assert_int_equal(c->cache_negative_ttl_s, 9);
        assert_string_equal(note, "workers handle_bind http_port");
        config_unref(c);
        config_unref(cur);
        unlink(path);
}

static void
reload_without_fixed_changes(void **state)
{
        char path[256], note[64] = "stale";
        struct config *cur = config_defaults();
        struct config *c;

        (void)state;
        write_tmp(path, sizeof(path),
                  "{\"handle_port\": 2641, \"max_connections\": 5}");
        c = config_reload(cur, path, err, sizeof(err), note, sizeof(note));
        assert_non_null(c);
        assert_int_equal(c->max_connections, 5);
        assert_string_equal(note, "");
        config_unref(c);
        config_unref(cur);
        unlink(path);
}

static void
reload_rejects_invalid_file(void **state)
{
        char path[256], note[64] = "stale";
        struct config *cur = config_defaults();

        (void)state;
        write_tmp(path, sizeof(path), "{\"request_timeout_ms\": 5}");
        assert_null(
            config_reload(cur, path, err, sizeof(err), note, sizeof(note)));
        assert_non_null(strstr(err, ":1:2: out of range"));
        assert_string_equal(note, "");
        config_unref(cur);
        unlink(path);
}

static void
dump_reparses_to_same_config(void **state)
{
        struct config *c = parse("{\"workers\": 7, \"cache\": false,"
                                 " \"site_address\": \"192.0.2.1\","
                                 " \"site_description\": \"a \\\"q\\\" é\"}");
        struct config *c2;
        char *d1, *d2;

        (void)state;
        assert_non_null(c);
        d1 = config_dump(c);
        assert_non_null(d1);
        assert_non_null(strstr(d1, "\"workers\": 7"));
        assert_non_null(strstr(d1, "\"cache\": false"));
        c2 = config_parse("dump", d1, strlen(d1), err, sizeof(err));
        assert_non_null(c2);
        d2 = config_dump(c2);
        assert_string_equal(d1, d2);
        assert_int_equal(c2->workers, 7);
        assert_int_equal(c2->cache, 0);
        assert_string_equal(c2->site_description, "a \"q\" é");
        free(d1);
        free(d2);
        config_unref(c2);
        config_unref(c);
}

static void
refcount(void **state)
{
        struct config *c = config_defaults();

        (void)state;
        config_ref(c);
        assert_int_equal(c->refs, 2);
        config_unref(c);
        assert_int_equal(c->refs, 1);
        config_unref(c); /* frees; ASan would flag a leak or double free */
        config_unref(NULL);
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(defaults),
            cmocka_unit_test(empty_object_is_defaults),
            cmocka_unit_test(text_overrides_values),
            cmocka_unit_test(limits_are_inclusive),
            cmocka_unit_test(load_file),
            cmocka_unit_test(load_file_error_names_path),
            cmocka_unit_test(load_missing_file),
            cmocka_unit_test(unknown_key_position),
            cmocka_unit_test(wrong_types),
            cmocka_unit_test(nested_value_is_wrong_type),
            cmocka_unit_test(position_skips_values_and_nested_keys),
            cmocka_unit_test(out_of_range),
            cmocka_unit_test(string_too_long),
            cmocka_unit_test(duplicate_key),
            cmocka_unit_test(syntax_error),
            cmocka_unit_test(not_an_object),
            cmocka_unit_test(bad_log_level),
            cmocka_unit_test(reload_keeps_fixed_keys),
            cmocka_unit_test(reload_names_every_fixed_key),
            cmocka_unit_test(reload_without_fixed_changes),
            cmocka_unit_test(reload_rejects_invalid_file),
            cmocka_unit_test(dump_reparses_to_same_config),
            cmocka_unit_test(refcount),
            cmocka_unit_test(secret_needs_private_file),
        };

        return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
