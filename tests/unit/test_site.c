/* HS_SITE encoding against protocol.md §9 T8. */
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
        s.desc = "test";
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

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(t8_site_encode),
            cmocka_unit_test(site_address_forms),
        };

        return cmocka_run_group_tests_name("site", tests, NULL, NULL);
}
