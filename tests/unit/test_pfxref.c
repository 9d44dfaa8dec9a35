/*
 * The referral of a prefix not hosted here: pfx:{P} fields to the
 * enterprise node's HS_SITE, byte for byte.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/site.h"
#include "registry/pfx.h"

/*
 * protocol.md §9 T8 (192.0.2.1; TCP 2641 admin+query, UDP 2641 query,
 * HTTP 8000 admin+query) without its "desc" attribute: a referral
 * carries none.
 */
static const uint8_t t8_bare[] = {
    0x00, 0x01, 0x02, 0x0a, 0x00, 0x01, 0x80, 0x02, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
    0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0xc0, 0x00, 0x02, 0x01, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x03, 0x03, 0x01, 0x00, 0x00, 0x0a, 0x51, 0x02,
    0x00, 0x00, 0x00, 0x0a, 0x51, 0x03, 0x02, 0x00, 0x00, 0x1f, 0x40};

/* Fields as HMGET returns them; NULL = absent. */
static void
fields(struct span v[PFX_REF_NFIELDS], const char *state, const char *proxy,
       const char *iptype, const char *ip, const char *tcp, const char *udp,
       const char *http, const char *u)
{
        const char *f[PFX_REF_NFIELDS] = {state, proxy, iptype, ip,
                                          tcp,   udp,   http,   u};
        int i;

        for (i = 0; i < PFX_REF_NFIELDS; i++) {
                v[i].p = (const uint8_t *)f[i];
                v[i].len = f[i] ? (uint32_t)strlen(f[i]) : 0;
        }
}

static int
parse(const char *state, const char *proxy, const char *iptype, const char *ip,
      const char *tcp, const char *udp, const char *http, const char *u,
      struct site *s, uint32_t *updated)
{
        struct span v[PFX_REF_NFIELDS];

        fields(v, state, proxy, iptype, ip, tcp, udp, http, u);
        return pfx_ref_parse(v, s, updated);
}

static void
referral_site_bytes(void **state)
{
        struct site s;
        struct wbuf w;
        uint32_t updated = 7;

        (void)state;
        assert_int_equal(parse("1", "1", "4", "192.0.2.1", "2641", "2641",
                               "8000", NULL, &s, &updated),
                         1);
        assert_int_equal(updated, 0);
        wbuf_init(&w, 0);
        site_encode(&w, &s);
        assert_true(wbuf_ok(&w));
        assert_int_equal(w.len, sizeof(t8_bare));
        assert_memory_equal(w.p, t8_bare, sizeof(t8_bare));
        wbuf_free(&w);
}

static void
referral_ipv6_and_missing_ports(void **state)
{
        static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 7};
        /* Only HTTP: one interface, admin+query, port 8080. */
        static const uint8_t tail[] = {0, 0, 0, 1, 3, 2, 0, 0, 0x1f, 0x90};
        struct site s;
        struct wbuf w;
        uint32_t updated;

        (void)state;
        assert_int_equal(parse("1", "1", "6", "2001:db8::7", NULL, "", "8080",
                               "1767225600", &s, &updated),
                         1);
        assert_int_equal(updated, 1767225600u);
        assert_memory_equal(s.address, v6, 16);
        wbuf_init(&w, 0);
        site_encode(&w, &s);
        assert_true(w.len > sizeof(tail));
        assert_memory_equal(w.p + w.len - sizeof(tail), tail, sizeof(tail));
        wbuf_free(&w);
}

/* Enabled and not hosted, or it is no referral at all. */
static void
not_referred(void **state)
{
        struct site s;
        uint32_t u;

        (void)state;
        assert_int_equal(
            parse("1", "4", "4", "192.0.2.1", "1", "1", "1", NULL, &s, &u),
            0); /* hosted here */
        assert_int_equal(
            parse("0", "1", "4", "192.0.2.1", "1", "1", "1", NULL, &s, &u),
            0); /* disabled */
        assert_int_equal(
            parse(NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, &s, &u),
            0); /* not registered */
        assert_int_equal(
            parse("01", "1", "4", "192.0.2.1", "1", "1", "1", NULL, &s, &u),
            0); /* not the digit 1 */
}

/* Referred, but nothing usable to refer to. */
static void
unusable(void **state)
{
        struct site s;
        uint32_t u;

        (void)state;
        assert_int_equal(
            parse("1", "1", "5", "192.0.2.1", "2641", NULL, NULL, NULL, &s, &u),
            -1); /* ipType */
        assert_int_equal(parse("1", "1", "4", "2001:db8::1", "2641", NULL, NULL,
                               NULL, &s, &u),
                         -1); /* v6 text, ipType 4 */
        assert_int_equal(
            parse("1", "1", "6", "192.0.2.1", "2641", NULL, NULL, NULL, &s, &u),
            -1); /* v4 text, ipType 6 */
        assert_int_equal(parse("1", "1", "4", "192.0.2.300", "2641", NULL, NULL,
                               NULL, &s, &u),
                         -1);
        assert_int_equal(
            parse("1", "1", "4", NULL, "2641", NULL, NULL, NULL, &s, &u),
            -1); /* no ip */
        assert_int_equal(
            parse("1", "1", "4", "192.0.2.1", NULL, "", NULL, NULL, &s, &u),
            -1); /* no port */
        assert_int_equal(
            parse("1", "1", "4", "192.0.2.1", "0", NULL, NULL, NULL, &s, &u),
            -1);
        assert_int_equal(parse("1", "1", "4", "192.0.2.1", "65536", NULL, NULL,
                               NULL, &s, &u),
                         -1);
        assert_int_equal(
            parse("1", "1", "4", "192.0.2.1", "+80", NULL, NULL, NULL, &s, &u),
            -1);
        assert_int_equal(
            parse("1", "1", "4", "192.0.2.1", "80", " 80", NULL, NULL, &s, &u),
            -1);
}

static void
bad_updated_is_zero(void **state)
{
        struct site s;
        uint32_t u = 9;

        (void)state;
        assert_int_equal(parse("1", "1", "4", "192.0.2.1", "2641", NULL, NULL,
                               "4294967296", &s, &u),
                         1);
        assert_int_equal(u, 0);
        assert_int_equal(parse("1", "1", "4", "192.0.2.1", "2641", NULL, NULL,
                               "12x", &s, &u),
                         1);
        assert_int_equal(u, 0);
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(referral_site_bytes),
            cmocka_unit_test(referral_ipv6_and_missing_ports),
            cmocka_unit_test(not_referred),
            cmocka_unit_test(unusable),
            cmocka_unit_test(bad_updated_is_zero),
        };

        return cmocka_run_group_tests_name("pfx referral", tests, NULL, NULL);
}
