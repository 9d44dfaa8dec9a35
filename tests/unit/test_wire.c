/* Handle protocol codec against the byte vectors of protocol.md §9. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/wire.h"

/* Decodes a hex string, ignoring spaces, into a malloc'd buffer. */
static uint8_t *
unhex(const char *s, size_t *len)
{
        uint8_t *out = malloc(strlen(s) / 2 + 1);
        size_t n = 0;
        int hi = -1;

        for (; *s; s++) {
                int v;

                if (*s == ' ' || *s == '\n')
                        continue;
                v = (*s >= 'a') ? *s - 'a' + 10 : *s - '0';
                if (hi < 0) {
                        hi = v;
                } else {
                        out[n++] = (uint8_t)(hi << 4 | v);
                        hi = -1;
                }
        }
        *len = n;
        return out;
}

static void
assert_bytes(const uint8_t *got, size_t gotlen, const char *hex)
{
        size_t n;
        uint8_t *want = unhex(hex, &n);

        assert_int_equal(gotlen, n);
        assert_memory_equal(got, want, n);
        free(want);
}

#define T1                                                                     \
        "020a020b 00000000 00001234 00000000 00000033"                         \
        "00000001 00000000 19000000 ffff 00 00 65000000 00000017"              \
        "0000000b 32302e313030302f313030 00000000 00000000 00000000"
#define T3                                                                     \
        "000000016000000000000151800e0000000355524c0000001468747470733a2f2f"   \
        "6578616d706c652e6f72672f00000000"

static void
t1_query_encode(void **state)
{
        struct wbuf w;
        struct wire_query q = {.major = 2,
                               .minor = 10,
                               .request_id = 0x1234,
                               .opflags = 0x19000000,
                               .expiration = 0x65000000,
                               .handle = "20.1000/100"};

        (void)state;
        wbuf_init(&w, 0);
        wire_query_encode(&w, &q);
        assert_true(wbuf_ok(&w));
        assert_bytes(w.p, w.len, T1);
        wbuf_free(&w);
}

static void
t1_request_decode(void **state)
{
        size_t n;
        uint8_t *b = unhex(T1, &n);
        struct wire_env e;
        struct wire_msg m;
        struct wire_resolve r;

        (void)state;
        wire_env_decode(b, &e);
        assert_int_equal(e.major, 2);
        assert_int_equal(e.minor, 10);
        assert_int_equal(e.sugg_major, 2);
        assert_int_equal(e.sugg_minor, 11);
        assert_int_equal(e.request_id, 0x1234);
        assert_int_equal(e.msg_len, n - WIRE_ENV_LEN);
        assert_int_equal(wire_msg_decode(b + 20, n - 20, &m), 0);
        assert_int_equal(m.h.opcode, OC_RESOLUTION);
        assert_int_equal(m.h.opflags, 0x19000000);
        assert_int_equal(m.h.site_serial, 0xFFFF);
        assert_int_equal(m.h.expiration, 0x65000000);
        assert_int_equal(m.h.body_len, 0x17);
        assert_int_equal(wire_resolve_decode(&m.body, &r), 0);
        assert_int_equal(r.handle.len, 11);
        assert_memory_equal(r.handle.p, "20.1000/100", 11);
        assert_int_equal(r.nidx, 0);
        assert_int_equal(r.ntypes, 0);
        free(b);
}

static void
t2_request_filters(void **state)
{
        size_t n;
        uint8_t *b = unhex(
            "000000010000000099800000ffff000065000000000000320000000c302e4e41"
            "2f32302e313030300000000100000001000000020000000748535f5349544500"
            "00000748535f5345525600000000",
            &n);
        struct wire_msg m;
        struct wire_resolve r;

        (void)state;
        assert_int_equal(wire_msg_decode(b, n, &m), 0);
        assert_int_equal(m.h.opflags, 0x99800000);
        assert_int_equal(wire_resolve_decode(&m.body, &r), 0);
        assert_int_equal(r.nidx, 1);
        assert_int_equal(r.idx[0], 1);
        assert_int_equal(r.ntypes, 2);
        assert_memory_equal(r.types[0].p, "HS_SITE", 7);
        assert_memory_equal(r.types[1].p, "HS_SERV", 7);
        free(b);
}

static void
t3_value_roundtrip(void **state)
{
        size_t n;
        uint8_t *b = unhex(T3, &n);
        struct hval v;
        struct wbuf w;

        (void)state;
        assert_int_equal(hval_parse(b, n, &v), 0);
        assert_int_equal(v.index, 1);
        assert_int_equal(v.timestamp, 0x60000000);
        assert_int_equal(v.ttl_type, HVAL_TTL_RELATIVE);
        assert_int_equal(v.ttl, 86400);
        assert_int_equal(v.perms, 0x0E);
        assert_memory_equal(v.type.p, "URL", 3);
        assert_memory_equal(v.data.p, "https://example.org/", 20);
        assert_int_equal(v.nrefs, 0);
        wbuf_init(&w, 0);
        hval_encode(&w, &v);
        assert_bytes(w.p, w.len, T3);
        wbuf_free(&w);
        free(b);
}

static void
t4_success_response(void **state)
{
        size_t n, vn, start;
        uint8_t *req = unhex(T1, &n);
        uint8_t *val = unhex(T3, &vn);
        struct wire_env e;
        struct wire_msg m;
        struct wire_reply r;
        struct wbuf w;

        (void)state;
        wire_env_decode(req, &e);
        assert_int_equal(wire_msg_decode(req + 20, n - 20, &m), 0);
        wire_reply_init(&r, &e, &m, RC_SUCCESS, 0xFFFF, 0x65000000);
        assert_int_equal(r.major, 2);
        assert_int_equal(r.minor, 11);
        wbuf_init(&w, 0);
        start = wire_reply_begin(&w, &r);
        wbuf_str(&w, "20.1000/100");
        wbuf_u32(&w, 1);
        wbuf_put(&w, val, vn);
        wire_reply_end(&w, start);
        assert_bytes(w.p, w.len,
                     "020b020b 00000000 00001234 00000000 00000060"
                     "00000001 00000001 19000000 ffff0000 65000000 00000044"
                     "0000000b 32302e313030302f313030 00000001" T3 "00000000");
        wbuf_free(&w);
        free(req);
        free(val);
}

static void
t5_error_response(void **state)
{
        size_t n;
        uint8_t *req = unhex(T1, &n);
        struct wire_env e;
        struct wire_msg m;
        struct wire_reply r;
        struct wbuf w;

        (void)state;
        wire_env_decode(req, &e);
        assert_int_equal(wire_msg_decode(req + 20, n - 20, &m), 0);
        wire_reply_init(&r, &e, &m, RC_HANDLE_NOT_FOUND, 0xFFFF, 0x65000000);
        wbuf_init(&w, 0);
        wire_error(&w, &r, "not found");
        assert_bytes(w.p + 20, w.len - 20,
                     "000000010000006419000000ffff0000650000000000000d00000009"
                     "6e6f7420666f756e6400000000");
        wbuf_free(&w);
        free(req);
}

static void
t11_siteinfo_request(void **state)
{
        size_t n;
        uint8_t *b =
            unhex("000000020000000019000000ffff000065000000000000050000"
                  "00012f00000000",
                  &n);
        struct wire_msg m;
        struct span h;

        (void)state;
        assert_int_equal(wire_msg_decode(b, n, &m), 0);
        assert_int_equal(m.h.opcode, OC_GET_SITEINFO);
        assert_int_equal(wire_handle_decode(&m.body, &h), 0);
        assert_int_equal(h.len, 1);
        assert_int_equal(h.p[0], '/');
        free(b);
}

static void
idis_request_with_auth_bytes(void **state)
{
        /* protocol.md §11: 4 trailing authBytes after the type list. */
        size_t n;
        uint8_t *b =
            unhex("020a020b 00000000 00000001 00000000 0000003f"
                  "00000001 00000000 19000000 ffff 00 00 65000000 00000023"
                  "00000013 38382e313030302e312f746573742d30303031"
                  "00000000 00000000 00000000 00000000",
                  &n);
        struct wire_env e;
        struct wire_msg m;
        struct wire_resolve r;

        (void)state;
        wire_env_decode(b, &e);
        assert_int_equal(e.msg_len, n - 20);
        assert_int_equal(wire_msg_decode(b + 20, n - 20, &m), 0);
        assert_int_equal(wire_resolve_decode(&m.body, &r), 0);
        assert_int_equal(r.handle.len, 19);
        free(b);
}

static void
rd_digest_prefix(void **state)
{
        /* T6's challenge: RD set, SHA-256 of the request header+body. */
        size_t n, tn;
        uint8_t *t3 = unhex(T3, &tn);
        char hex[1024];
        uint8_t *req;
        struct wire_env e = {.major = 2, .minor = 11};
        struct wire_msg m;
        struct wire_reply r;
        struct wbuf w;
        size_t i;

        (void)state;
        snprintf(hex, sizeof(hex),
                 "000000640000000019000000ffff0000650000000000004400"
                 "00000b32302e313030302f61626300000001%s00000000",
                 T3);
        req = unhex(hex, &n);
        assert_int_equal(wire_msg_decode(req, n, &m), 0);
        m.h.opflags |= OPF_RD;
        wire_reply_init(&r, &e, &m, RC_AUTHENTICATION_NEEDED, 0xFFFF,
                        0x65000000);
        wbuf_init(&w, 0);
        i = wire_reply_begin(&w, &r);
        wbuf_bytes(&w,
                   "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b"
                   "\x0c\x0d\x0e\x0f",
                   16);
        wire_reply_end(&w, i);
        assert_bytes(w.p + 20, w.len - 20,
                     "000000640000019219800000ffff00006500000000000035 03 "
                     "e612d048707edf569ec10a95c9793f8f6b2d70a1cc3f15471f9a33bc"
                     "f2c94a59 00000010 000102030405060708090a0b0c0d0e0f "
                     "00000000");
        wbuf_free(&w);
        free(req);
        free(t3);
}

static void
version_negotiation(void **state)
{
        struct wire_env e = {0};
        uint8_t ma, mi;

        (void)state;
        e.major = 2, e.minor = 1; /* RFC 3652: no suggested bytes */
        wire_reply_version(&e, &ma, &mi);
        assert_int_equal(ma * 100 + mi, 201);
        e.major = 2, e.minor = 10, e.sugg_major = 2, e.sugg_minor = 11;
        wire_reply_version(&e, &ma, &mi);
        assert_int_equal(ma * 100 + mi, 211);
        e.sugg_minor = 30; /* a future minor: answer in ours */
        wire_reply_version(&e, &ma, &mi);
        assert_int_equal(ma * 100 + mi, 211);
        e.sugg_major = 0, e.minor = 3;
        wire_reply_version(&e, &ma, &mi);
        assert_int_equal(ma * 100 + mi, 203);
}

static void
truncated_inputs_fail(void **state)
{
        size_t n, cut;
        uint8_t *b = unhex(T1, &n);
        struct wire_msg m;
        struct wire_resolve r;
        struct hval v;
        uint8_t *t3;
        size_t tn;

        (void)state;
        for (cut = 0; cut < WIRE_HDR_LEN + 0x17; cut++)
                assert_int_equal(wire_msg_decode(b + 20, cut, &m), -1);
        t3 = unhex(T3, &tn);
        for (cut = 0; cut < tn; cut++)
                assert_int_equal(hval_parse(t3, cut, &v), -1);
        /* A list count beyond the limit is rejected, not looped over. */
        assert_int_equal(wire_msg_decode(b + 20, n - 20, &m), 0);
        b[20 + 24 + 15 + 3] = 0xFF;
        assert_int_equal(wire_resolve_decode(&m.body, &r), -1);
        free(b);
        free(t3);
}

static void
type_matching(void **state)
{
        struct span t = {(const uint8_t *)"HS_SITE.PREFIX", 14};
        struct span u = {(const uint8_t *)"URL", 3};

        (void)state;
        assert_true(hval_type_match(t, (const uint8_t *)"hs_site", 7));
        assert_true(hval_type_match(t, (const uint8_t *)"HS_SITE.", 8));
        assert_true(hval_type_match(t, (const uint8_t *)"HS_", 3));
        assert_true(hval_type_match(t, (const uint8_t *)"hs_site.prefix", 14));
        assert_false(hval_type_match(t, (const uint8_t *)"HS_SIT", 6));
        assert_false(hval_type_match(t, (const uint8_t *)"HS_SITE.P", 9));
        assert_true(hval_type_match(u, (const uint8_t *)"url", 3));
        assert_false(hval_type_match(u, (const uint8_t *)"URLX", 4));
        assert_false(hval_type_match(u, (const uint8_t *)"", 0));
}

static void
rc_names_and_http(void **state)
{
        (void)state;
        assert_string_equal(wire_rc_name(RC_HANDLE_NOT_FOUND),
                            "HANDLE_NOT_FOUND");
        assert_string_equal(wire_rc_name(1), "SUCCESS");
        assert_null(wire_rc_name(12345));
        assert_int_equal(wire_rc_http_status(RC_HANDLE_NOT_FOUND), 404);
        assert_int_equal(wire_rc_http_status(RC_INVALID_HANDLE), 400);
        assert_int_equal(wire_rc_http_status(RC_SERVER_BUSY), 503);
        assert_int_equal(wire_rc_http_status(RC_VALUES_NOT_FOUND), 200);
        assert_int_equal(wire_rc_http_status(9999), 500);
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(t1_query_encode),
            cmocka_unit_test(t1_request_decode),
            cmocka_unit_test(t2_request_filters),
            cmocka_unit_test(t3_value_roundtrip),
            cmocka_unit_test(t4_success_response),
            cmocka_unit_test(t5_error_response),
            cmocka_unit_test(t11_siteinfo_request),
            cmocka_unit_test(idis_request_with_auth_bytes),
            cmocka_unit_test(rd_digest_prefix),
            cmocka_unit_test(version_negotiation),
            cmocka_unit_test(truncated_inputs_fail),
            cmocka_unit_test(type_matching),
            cmocka_unit_test(rc_names_and_http),
        };

        return cmocka_run_group_tests_name("wire", tests, NULL, NULL);
}
