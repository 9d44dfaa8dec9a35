/*
 * Whole HS_SITE records (core/usite): several servers, attributes and a
 * hash filter; the server a handle goes to (protocol.md §6.1, expected
 * values computed with Python's hashlib from the rule as written there).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cmocka.h>

#include "core/cur.h"
#include "core/site.h"
#include "core/usite.h"

/* A site of n servers at 127.0.0.(i+1); server i: UDP 2641+i (query),
 * TCP 3641+i (query), HTTP 8000 (admin only, ignored). */
static void
build(struct wbuf *w, uint32_t n, uint8_t hash_option, uint8_t primary)
{
        uint32_t i;
        uint8_t addr[16] = {0};

        wbuf_u16(w, 1);
        wbuf_u8(w, 2);
        wbuf_u8(w, 10);
        wbuf_u16(w, 9);
        wbuf_u8(w, primary);
        wbuf_u8(w, hash_option);
        wbuf_bytes(w, (const uint8_t *)"\x01", 1); /* a hash filter */
        wbuf_u32(w, 2);
        wbuf_str(w, "desc");
        wbuf_str(w, "test");
        wbuf_str(w, "alt_addr");
        wbuf_str(w, "::1");
        wbuf_u32(w, n);
        for (i = 0; i < n; i++) {
                addr[12] = 127;
                addr[15] = (uint8_t)(i + 1);
                wbuf_u32(w, i + 1);
                wbuf_put(w, addr, 16);
                wbuf_bytes(w, (const uint8_t *)"key", 3);
                wbuf_u32(w, 3);
                wbuf_u8(w, SITE_IF_ADMIN);
                wbuf_u8(w, SITE_PROTO_HTTP);
                wbuf_u32(w, 8000);
                wbuf_u8(w, SITE_IF_QUERY);
                wbuf_u8(w, SITE_PROTO_UDP);
                wbuf_u32(w, 2641 + i);
                wbuf_u8(w, SITE_IF_QUERY | SITE_IF_ADMIN);
                wbuf_u8(w, SITE_PROTO_TCP);
                wbuf_u32(w, 3641 + i);
        }
}

static void
usite_reads_servers(void **state)
{
        struct sockaddr_storage ss;
        struct sockaddr_in *a4 = (struct sockaddr_in *)(void *)&ss;
        struct usite s;
        socklen_t len;
        struct wbuf w;

        (void)state;
        wbuf_init(&w, 0);
        build(&w, 3, 2, SITE_PRIMARY);
        assert_int_equal(usite_parse(w.p, w.len, &s), 0);
        assert_int_equal(s.n, 3);
        assert_int_equal(s.serial, 9);
        assert_int_equal(s.srv[2].udp_port, 2643);
        assert_int_equal(s.srv[2].tcp_port, 3643);
        assert_int_equal(usite_addr(&s.srv[1], 1, &ss, &len), 0);
        assert_int_equal(a4->sin_family, AF_INET);
        assert_int_equal(ntohs(a4->sin_port), 3642);
        assert_int_equal(ntohl(a4->sin_addr.s_addr), 0x7f000002);
        /* Truncated or with trailing garbage in a server: refused. */
        assert_int_equal(usite_parse(w.p, w.len - 1, &s), -1);
        wbuf_free(&w);
        wbuf_init(&w, 0);
        build(&w, 0, 2, SITE_PRIMARY);
        assert_int_equal(usite_parse(w.p, w.len, &s), -1); /* no server */
        wbuf_free(&w);
}

static void
usite_hash_picks(void **state)
{
        static const struct {
                const char *handle;
                uint8_t option;
                uint32_t of3, of7;
        } v[] = {
            {"88.200.1/x", 2, 0, 4},
            {"88.200.1/X", 0, 1, 3},
            {"88.200.1/Pump-7", 1, 1, 1},
            {"0.NA/88.200", 2, 2, 1},
            {"88", 0, 2, 4}, /* no slash: the prefix "0.NA" */
        };
        struct usite s;
        struct wbuf w;
        size_t i;

        (void)state;
        for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
                wbuf_init(&w, 0);
                build(&w, 3, v[i].option, 0);
                assert_int_equal(usite_parse(w.p, w.len, &s), 0);
                assert_int_equal(
                    usite_pick(&s, v[i].handle, strlen(v[i].handle)), v[i].of3);
                wbuf_free(&w);
                wbuf_init(&w, 0);
                build(&w, 7, v[i].option, 0);
                assert_int_equal(usite_parse(w.p, w.len, &s), 0);
                assert_int_equal(
                    usite_pick(&s, v[i].handle, strlen(v[i].handle)), v[i].of7);
                wbuf_free(&w);
        }
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(usite_reads_servers),
            cmocka_unit_test(usite_hash_picks),
        };

        return cmocka_run_group_tests_name("usite", tests, NULL, NULL);
}
