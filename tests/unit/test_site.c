/* HS_SITE encoding against protocol.md §9 T8, and decoding it back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/site.h"

static const uint8_t t8[] = {
    0x00, 0x01, 0x02, 0x0a, 0x00, 0x01, 0x80, 0x02, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x04, 0x64, 0x65, 0x73, 0x63,
    0x00, 0x00, 0x00, 0x04, 0x74, 0x65, 0x73, 0x74, 0x00, 0x00, 0x00, 0x01,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x02, 0x01, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x03, 0x03, 0x01, 0x00, 0x00, 0x0a, 0x51, 0x02, 0x00,
    0x00, 0x00, 0x0a, 0x51, 0x03, 0x02, 0x00, 0x00, 0x1f, 0x40};

static void
t8_site_encode(void **state)
{
        struct site s;
        struct wbuf w;

        (void)state;
        memset(&s, 0, sizeof(s));
        s.proto_major = 2;
        s.proto_minor = 10;
        s.serial = 1;
        s.primary_mask = SITE_PRIMARY;
        s.hash_option = 2;
        s.desc.p = (const uint8_t *)"test";
        s.desc.len = 4;
        s.server_id = 1;
        assert_int_equal(site_set_address(&s, "192.0.2.1"), 0);
        s.niface = 3;
        s.iface[0] = (struct site_iface){3, SITE_PROTO_TCP, 2641};
        s.iface[1] = (struct site_iface){2, SITE_PROTO_UDP, 2641};
        s.iface[2] = (struct site_iface){3, SITE_PROTO_HTTP, 8000};
        wbuf_init(&w, 0);
        site_encode(&w, &s);
        assert_true(wbuf_ok(&w));
        assert_int_equal(w.len, sizeof(t8));
        assert_memory_equal(w.p, t8, sizeof(t8));
        wbuf_free(&w);
}

static void
site_address_forms(void **state)
{
        struct site s;
        static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};

        (void)state;
        assert_int_equal(site_set_address(&s, "2001:db8::1"), 0);
        assert_memory_equal(s.address, v6, 16);
        assert_int_equal(site_set_address(&s, "not-an-ip"), -1);
        assert_int_equal(site_set_address(&s, "127.0.0.1"), 0);
        assert_int_equal(s.address[11], 0);
        assert_int_equal(s.address[12], 127);
}

static void
t8_site_decode(void **state)
{
        struct site s;
        struct wbuf w;
        char addr[SITE_ADDR_TEXT];

        (void)state;
        assert_int_equal(site_decode(t8, sizeof(t8), &s), 0);
        assert_int_equal(s.proto_major, 2);
        assert_int_equal(s.proto_minor, 10);
        assert_int_equal(s.serial, 1);
        assert_int_equal(s.primary_mask, SITE_PRIMARY);
        assert_int_equal(s.hash_option, 2);
        assert_int_equal(s.desc.len, 4);
        assert_memory_equal(s.desc.p, "test", 4);
        assert_int_equal(s.server_id, 1);
        assert_int_equal(s.pubkey.len, 0);
        site_address_text(&s, addr);
        assert_string_equal(addr, "192.0.2.1");
        assert_int_equal(s.niface, 3);
        assert_int_equal(s.iface[1].type, SITE_IF_QUERY);
        assert_int_equal(s.iface[1].proto, SITE_PROTO_UDP);
        assert_int_equal(s.iface[2].port, 8000);
        /* What decodes encodes back to the same bytes. */
        wbuf_init(&w, 0);
        site_encode(&w, &s);
        assert_int_equal(w.len, sizeof(t8));
        assert_memory_equal(w.p, t8, sizeof(t8));
        wbuf_free(&w);
}

/* Records site_decode leaves alone: shown as raw bytes instead. */
static void
site_decode_refuses(void **state)
{
        uint8_t b[sizeof(t8) + 1];
        struct site s;

        (void)state;
        memcpy(b, t8, sizeof(t8));
        b[sizeof(t8)] = 0;
        assert_int_equal(site_decode(b, sizeof(t8) + 1, &s), -1);  /* trail */
        assert_int_equal(site_decode(t8, sizeof(t8) - 1, &s), -1); /* short */
        assert_int_equal(site_decode(t8, 0, &s), -1);
        memcpy(b, t8, sizeof(t8));
        b[1] = 2; /* data format version */
        assert_int_equal(site_decode(b, sizeof(t8), &s), -1);
        memcpy(b, t8, sizeof(t8));
        b[20] = 'D'; /* attribute "Desc" */
        assert_int_equal(site_decode(b, sizeof(t8), &s), -1);
        memcpy(b, t8, sizeof(t8));
        b[35] = 2; /* two servers */
        assert_int_equal(site_decode(b, sizeof(t8), &s), -1);
        memcpy(b, t8, sizeof(t8));
        b[11] = 1; /* a one-byte hash filter */
        assert_int_equal(site_decode(b, sizeof(t8), &s), -1);
        memcpy(b, t8, sizeof(t8));
        b[63] = SITE_MAX_IFACES + 1; /* interface count */
        assert_int_equal(site_decode(b, sizeof(t8), &s), -1);
}

static void
site_address_text_forms(void **state)
{
        struct site s;
        char out[SITE_ADDR_TEXT];

        (void)state;
        assert_int_equal(site_set_address(&s, "2001:db8::1"), 0);
        site_address_text(&s, out);
        assert_string_equal(out, "2001:db8::1");
        assert_int_equal(site_set_address(&s, "10.1.2.3"), 0);
        site_address_text(&s, out);
        assert_string_equal(out, "10.1.2.3");
        assert_string_equal(site_proto_name(SITE_PROTO_HTTPS), "HTTPS");
        assert_null(site_proto_name(4));
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(t8_site_encode),
            cmocka_unit_test(site_address_forms),
            cmocka_unit_test(t8_site_decode),
            cmocka_unit_test(site_decode_refuses),
            cmocka_unit_test(site_address_text_forms),
        };

        return cmocka_run_group_tests_name("site", tests, NULL, NULL);
}
