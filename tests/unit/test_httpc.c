/* The HTTP client's answer parser and escaping (core/httpc.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include <cmocka.h>

#include "core/httpc.h"

/* An answer handed out `chunk` bytes a read (0: all at once). */
struct feed {
        const char *p;
        size_t left, chunk;
};

static ssize_t
feed_read(void *ctx, void *buf, size_t len, char *err, size_t errlen)
{
        struct feed *f = ctx;
        size_t n = f->left < len ? f->left : len;

        (void)err;
        (void)errlen;
        if (f->chunk && n > f->chunk)
                n = f->chunk;
        memcpy(buf, f->p, n);
        f->p += n;
        f->left -= n;
        return (ssize_t)n;
}

static char err[256];

static struct httpc_resp *
parse(const char *text, size_t chunk, int no_body, size_t max)
{
        struct feed f = {text, strlen(text), chunk};

        err[0] = '\0';
        return httpc_read(feed_read, &f, no_body, max, err, sizeof(err));
}

static void
refused(const char *text, size_t max, const char *why)
{
        struct httpc_resp *r = parse(text, 0, 0, max);

        if (r)
                fail_msg("accepted: %s", text);
        if (!strstr(err, why))
                fail_msg("error \"%s\" lacks \"%s\"", err, why);
}

static void
content_length(void **state)
{
        static const char ans[] =
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            "Content-Length: 11\r\nX-Empty:\r\n\r\n{\"a\":true}\n";
        size_t chunk, len;

        (void)state;
        /* Any way the bytes arrive, the same answer. */
        for (chunk = 0; chunk < 9; chunk++) {
                struct httpc_resp *r = parse(ans, chunk, 0, 0);

                assert_non_null(r);
                assert_int_equal(httpc_status(r), 200);
                assert_string_equal(httpc_header(r, "content-type"),
                                    "application/json");
                assert_string_equal(httpc_header(r, "X-EMPTY"), "");
                assert_null(httpc_header(r, "Content-Encoding"));
                assert_string_equal(httpc_body(r, &len), "{\"a\":true}\n");
                assert_int_equal(len, 11);
                httpc_free(r);
        }
}

static void
to_the_end(void **state)
{
        struct httpc_resp *r = parse(
            "HTTP/1.0 503 Service Unavailable\nServer:  x  \n\nbusy", 3, 0, 0);
        size_t len;

        (void)state;
        assert_non_null(r);
        assert_int_equal(httpc_status(r), 503);
        assert_string_equal(httpc_header(r, "server"), "x");
        assert_string_equal(httpc_body(r, &len), "busy");
        httpc_free(r);
        /* A HEAD, a 204, a 304: no body whatever the length says. */
        r = parse("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n", 0, 1, 0);
        assert_non_null(r);
        assert_string_equal(httpc_body(r, &len), "");
        httpc_free(r);
        r = parse("HTTP/1.1 204 No Content\r\nContent-Length: 3\r\n\r\n", 0, 0,
                  0);
        assert_non_null(r);
        assert_string_equal(httpc_body(r, &len), "");
        assert_int_equal(len, 0);
        httpc_free(r);
}

static void
limits(void **state)
{
        (void)state;
        refused("HTTP/1.1 200 OK\r\nContent-Length: 65\r\n\r\n", 64,
                "over the limit of 64");
        refused("HTTP/1.1 200 OK\r\n\r\n"
                "0123456789012345678901234567890123456789012345678901234567"
                "890123456789",
                64, "over the limit of 64");
        refused("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", 0,
                "closed after 5 of 10");
        refused("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n"
                "\r\n",
                0, "Content-Length");
        refused("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3"
                "\r\n\r\nabc",
                0, "Content-Length");
        refused("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", 0,
                "Content-Length");
}

static void
malformed(void **state)
{
        char big[HTTPC_MAX_HEAD + 64];
        size_t i;

        (void)state;
        refused("", 0, "without an answer");
        refused("HTTP/1.1 200 OK\r\nServer: x", 0, "closed in the headers");
        refused("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                "5\r\nhello\r\n0\r\n\r\n",
                0, "Transfer-Encoding chunked");
        refused("HTTP/1.1 100 Continue\r\n\r\n", 0, "interim answer 100");
        refused("HTTP/2 200\r\n\r\n", 0, "not an HTTP/1.x answer");
        refused("HTTP/1.1 20 OK\r\n\r\n", 0, "not an HTTP/1.x answer");
        refused("HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n", 0, "malformed");
        refused("HTTP/1.1 200 OK\r\nA: b\r\n c\r\n\r\n", 0, "folded");
        refused("HTTP/1.1 200 OK\r\nA: b\rc\r\n\r\n", 0, "control character");
        refused("\r\nHTTP/1.1 200 OK\r\n\r\n", 0, "not an HTTP/1.x answer");
        memcpy(big, "HTTP/1.1 200 OK\r\n", 17);
        for (i = 17; i < sizeof(big) - 1; i++)
                big[i] = i % 20 == 19 ? '\n' : 'a';
        big[sizeof(big) - 1] = '\0';
        refused(big, 0, "longer than");
        strcpy(big, "HTTP/1.1 200 OK\r\n");
        for (i = 0; i <= HTTPC_MAX_HEADERS; i++)
                strcat(big, "A: b\r\n");
        strcat(big, "\r\n");
        refused(big, 0, "more than");
}

static void
escape(void **state)
{
        char out[32];

        (void)state;
        assert_int_equal(httpc_escape("88.123/A b&c=é~", out, sizeof(out)), 0);
        assert_string_equal(out, "88.123%2FA%20b%26c%3D%C3%A9~");
        assert_int_equal(httpc_escape("abcdef", out, 7), 0);
        assert_int_equal(httpc_escape("abcdefg", out, 7), -1);
        assert_int_equal(httpc_escape("a/", out, 4), -1);
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(content_length), cmocka_unit_test(to_the_end),
            cmocka_unit_test(limits),         cmocka_unit_test(malformed),
            cmocka_unit_test(escape),
        };

        return cmocka_run_group_tests_name("httpc", tests, NULL, NULL);
}
