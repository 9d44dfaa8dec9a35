/* Handle values: filters, records, sorting, TTLs (core/hval.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/hval.h"

/*
 * Encodes one value field by field (independently of hval_encode) into
 * `w`; returns its offset.  nrefs references to "20.1000/admin" follow.
 */
static size_t
put_value(struct wbuf *w, uint32_t index, uint8_t ttl_type, uint32_t ttl,
          const char *type, const char *data, uint32_t nrefs)
{
        size_t off = w->len;
        uint32_t i;

        wbuf_u32(w, index);
        wbuf_u32(w, 0x60000000);
        wbuf_u8(w, ttl_type);
        wbuf_u32(w, ttl);
        wbuf_u8(w, HVAL_PERMS_DEFAULT);
        wbuf_str(w, type);
        wbuf_str(w, data);
        wbuf_u32(w, nrefs);
        for (i = 0; i < nrefs; i++) {
                wbuf_str(w, "20.1000/admin");
                wbuf_u32(w, 300 + i);
        }
        return off;
}

/* A value as a span of a wbuf that is not written to any more. */
static struct span
span_of(const struct wbuf *w, size_t off, size_t end)
{
        struct span s = {w->p + off, (uint32_t)(end - off)};

        return s;
}

static struct hval
make_hval(uint32_t index, const char *type)
{
        struct hval v;

        memset(&v, 0, sizeof(v));
        v.index = index;
        v.type.p = (const uint8_t *)type;
        v.type.len = (uint32_t)strlen(type);
        return v;
}

static struct span
str_span(const char *s)
{
        struct span sp = {(const uint8_t *)s, (uint32_t)strlen(s)};

        return sp;
}

static void
filter_empty_selects_all(void **state)
{
        struct hfilter f = {0};
        struct hval a = make_hval(1, "URL"), b = make_hval(999, "HS_ADMIN");

        (void)state;
        assert_true(hfilter_match(&f, &a));
        assert_true(hfilter_match(&f, &b));
}

static void
filter_by_index(void **state)
{
        static const uint32_t idx[] = {2, 100};
        struct hfilter f = {2, idx, 0, NULL};
        struct hval a = make_hval(100, "HS_ADMIN");
        struct hval b = make_hval(2, "URL");
        struct hval c = make_hval(1, "URL");

        (void)state;
        assert_true(hfilter_match(&f, &a));
        assert_true(hfilter_match(&f, &b));
        assert_false(hfilter_match(&f, &c));
}

static void
filter_by_type(void **state)
{
        struct span types[] = {str_span("url"), str_span("HS_SITE")};
        struct hfilter f = {0, NULL, 2, types};
        struct hval url = make_hval(1, "URL");
        struct hval site = make_hval(2, "HS_SITE.PREFIX");
        struct hval admin = make_hval(100, "HS_ADMIN");
        struct hval urlx = make_hval(3, "URLX");

        (void)state;
        assert_true(hfilter_match(&f, &url));  /* case folded */
        assert_true(hfilter_match(&f, &site)); /* subtype */
        assert_false(hfilter_match(&f, &admin));
        assert_false(hfilter_match(&f, &urlx)); /* not a subtype */
}

static void
filter_is_or_of_index_and_type(void **state)
{
        static const uint32_t idx[] = {100};
        struct span types[] = {str_span("URL")};
        struct hfilter f = {1, idx, 1, types};
        struct hval by_type = make_hval(1, "URL");
        struct hval by_index = make_hval(100, "HS_ADMIN");
        struct hval both = make_hval(100, "URL");
        struct hval neither = make_hval(2, "EMAIL");

        (void)state;
        assert_true(hfilter_match(&f, &by_type));
        assert_true(hfilter_match(&f, &by_index));
        assert_true(hfilter_match(&f, &both));
        assert_false(hfilter_match(&f, &neither));
}

static void
type_prefix_queries(void **state)
{
        struct span admin = str_span("HS_ADMIN");
        struct span url = str_span("URL");
        struct span site = str_span("HS_SITE");

        (void)state;
        /* A query ending in '_' or '.' selects by prefix. */
        assert_true(hval_type_match(admin, (const uint8_t *)"HS_", 3));
        assert_true(hval_type_match(admin, (const uint8_t *)"hs_", 3));
        assert_false(hval_type_match(url, (const uint8_t *)"HS_", 3));
        /* Otherwise a bare prefix is not enough. */
        assert_false(hval_type_match(admin, (const uint8_t *)"HS", 2));
        assert_false(hval_type_match(site, (const uint8_t *)"HS_SITEX", 8));
        assert_false(hval_type_match(site, (const uint8_t *)"HS_SITE.", 8));
}

static void
value_with_refs_roundtrip(void **state)
{
        struct wbuf w, out;
        struct hval v;

        (void)state;
        wbuf_init(&w, 0);
        put_value(&w, 7, HVAL_TTL_RELATIVE, 60, "HS_VLIST", "x", 2);
        assert_int_equal(hval_parse(w.p, w.len, &v), 0);
        assert_int_equal(v.index, 7);
        assert_int_equal(v.ttl, 60);
        assert_int_equal(v.nrefs, 2);
        /* Two refs: 2 x (4 + 13 + 4) bytes, at the end of the value. */
        assert_int_equal(v.refs.len, 42);
        assert_ptr_equal(v.refs.p, w.p + w.len - 42);
        assert_int_equal(v.wire.len, w.len);
        wbuf_init(&out, 0);
        hval_encode(&out, &v);
        assert_int_equal(out.len, w.len);
        assert_memory_equal(out.p, w.p, w.len);
        wbuf_free(&out);
        wbuf_free(&w);
}

static void
malformed_values_rejected(void **state)
{
        struct wbuf w;
        struct hval v;
        char type[HVAL_MAX_TYPE_LEN + 2];

        (void)state;
        wbuf_init(&w, 0);
        put_value(&w, 1, 2, 60, "URL", "x", 0); /* ttl type 2 */
        assert_int_equal(hval_parse(w.p, w.len, &v), -1);
        wbuf_reset(&w);
        put_value(&w, 1, 0, 60, "URL", "x", 0);
        wbuf_u8(&w, 0); /* trailing byte */
        assert_int_equal(hval_parse(w.p, w.len, &v), -1);
        assert_int_equal(hval_parse(w.p, w.len - 1, &v), 0);
        memset(type, 'T', sizeof(type));
        type[HVAL_MAX_TYPE_LEN + 1] = '\0'; /* 129 bytes */
        wbuf_reset(&w);
        put_value(&w, 1, 0, 60, type, "x", 0);
        assert_int_equal(hval_parse(w.p, w.len, &v), -1);
        type[HVAL_MAX_TYPE_LEN] = '\0'; /* 128 bytes: fine */
        wbuf_reset(&w);
        put_value(&w, 1, 0, 60, type, "x", 0);
        assert_int_equal(hval_parse(w.p, w.len, &v), 0);
        /* A reference count above the limit, with nothing behind it. */
        wbuf_reset(&w);
        put_value(&w, 1, 0, 60, "URL", "x", 0);
        wbuf_set_u32(&w, w.len - 4, HVAL_MAX_REFS + 1);
        assert_int_equal(hval_parse(w.p, w.len, &v), -1);
        wbuf_free(&w);
}

static void
record_sorted_by_index(void **state)
{
        static const uint32_t order[] = {300, 1, 100, 2, 7};
        struct span vals[5];
        size_t offs[6];
        struct wbuf w;
        struct hrec *r;
        uint32_t bad = 99, i;

        (void)state;
        wbuf_init(&w, 0);
        for (i = 0; i < 5; i++)
                offs[i] = put_value(&w, order[i], 0, 3600, "URL", "u", 0);
        offs[5] = w.len;
        for (i = 0; i < 5; i++)
                vals[i] = span_of(&w, offs[i], offs[i + 1]);
        r = hrec_new(vals, 5, &bad);
        assert_non_null(r);
        assert_int_equal(bad, 0);
        assert_int_equal(r->n, 5);
        assert_int_equal(r->v[0].index, 1);
        assert_int_equal(r->v[1].index, 2);
        assert_int_equal(r->v[2].index, 7);
        assert_int_equal(r->v[3].index, 100);
        assert_int_equal(r->v[4].index, 300);
        hrec_free(r);
        wbuf_free(&w);
}

static void
record_owns_a_copy(void **state)
{
        struct wbuf w;
        struct span s;
        struct hrec *r;
        struct hval again;

        (void)state;
        wbuf_init(&w, 0);
        put_value(&w, 5, 0, 60, "URL", "https://example.org/", 0);
        s = span_of(&w, 0, w.len);
        r = hrec_new(&s, 1, NULL);
        assert_non_null(r);
        memset(w.p, 0xEE, w.len); /* the caller's bytes change */
        wbuf_free(&w);
        assert_int_equal(r->n, 1);
        assert_int_equal(r->v[0].index, 5);
        assert_int_equal(r->v[0].data.len, 20);
        assert_memory_equal(r->v[0].data.p, "https://example.org/", 20);
        assert_int_equal(hval_parse(r->v[0].wire.p, r->v[0].wire.len, &again),
                         0);
        hrec_free(r);
}

static void
record_skips_and_counts_bad(void **state)
{
        struct span vals[6];
        size_t offs[5];
        struct wbuf w;
        struct hrec *r;
        uint32_t bad = 0;

        (void)state;
        wbuf_init(&w, 0);
        offs[0] = put_value(&w, 9, 0, 60, "URL", "good", 0);
        offs[1] = put_value(&w, 1, 7, 60, "URL", "bad ttl type", 0);
        offs[2] = put_value(&w, 3, 0, 60, "EMAIL", "good", 0);
        offs[3] = put_value(&w, 4, 0, 60, "URL", "truncated", 0);
        offs[4] = w.len;
        vals[0] = span_of(&w, offs[0], offs[1]);
        vals[1] = span_of(&w, offs[1], offs[2]);
        vals[2] = span_of(&w, offs[2], offs[3]);
        vals[3] = span_of(&w, offs[3], offs[4] - 1);
        vals[4] = span_of(&w, offs[0], offs[2]); /* two values in one */
        vals[5] = span_of(&w, 0, 0);             /* empty */
        r = hrec_new(vals, 6, &bad);
        assert_non_null(r);
        assert_int_equal(bad, 4);
        assert_int_equal(r->n, 2);
        assert_int_equal(r->v[0].index, 3);
        assert_int_equal(r->v[1].index, 9);
        hrec_free(r);
        /* *bad is optional. */
        r = hrec_new(vals, 6, NULL);
        assert_non_null(r);
        assert_int_equal(r->n, 2);
        hrec_free(r);
        wbuf_free(&w);
}

static void
record_min_ttl_ignores_absolute(void **state)
{
        struct span vals[3];
        size_t offs[4];
        struct wbuf w;
        struct hrec *r;

        (void)state;
        wbuf_init(&w, 0);
        offs[0] = put_value(&w, 1, HVAL_TTL_ABSOLUTE, 10, "URL", "a", 0);
        offs[1] = put_value(&w, 2, HVAL_TTL_RELATIVE, 600, "URL", "b", 0);
        offs[2] = put_value(&w, 3, HVAL_TTL_RELATIVE, 300, "URL", "c", 0);
        offs[3] = w.len;
        vals[0] = span_of(&w, offs[0], offs[1]);
        vals[1] = span_of(&w, offs[1], offs[2]);
        vals[2] = span_of(&w, offs[2], offs[3]);
        r = hrec_new(vals, 3, NULL);
        assert_non_null(r);
        assert_int_equal(r->min_ttl, 300);
        hrec_free(r);
        /* Only absolute TTLs: nothing bounds the cache time. */
        r = hrec_new(vals, 1, NULL);
        assert_non_null(r);
        assert_int_equal(r->min_ttl, UINT32_MAX);
        hrec_free(r);
        wbuf_free(&w);
}

static void
record_null_span_is_bad(void **state)
{
        struct span vals[2] = {{NULL, 0}, {NULL, 0}};
        struct wbuf w;
        struct hrec *r;
        uint32_t bad = 0;

        (void)state;
        wbuf_init(&w, 0);
        put_value(&w, 1, 0, 60, "URL", "u", 0);
        vals[1] = span_of(&w, 0, w.len);
        /* A missing value (say an empty Redis reply) is just bad. */
        r = hrec_new(vals, 2, &bad);
        assert_non_null(r);
        assert_int_equal(bad, 1);
        assert_int_equal(r->n, 1);
        hrec_free(r);
        wbuf_free(&w);
}

static void
record_empty(void **state)
{
        struct hrec *r;
        uint32_t bad = 5;

        (void)state;
        r = hrec_new(NULL, 0, &bad);
        assert_non_null(r);
        assert_int_equal(r->n, 0);
        assert_int_equal(bad, 0);
        assert_int_equal(r->min_ttl, UINT32_MAX);
        assert_int_equal(hrec_size(r), sizeof(*r));
        hrec_free(r);
}

static void
record_size_accounts_values(void **state)
{
        struct span vals[2];
        size_t offs[3];
        struct wbuf w;
        struct hrec *r;

        (void)state;
        wbuf_init(&w, 0);
        offs[0] = put_value(&w, 1, 0, 60, "URL", "abc", 0);
        offs[1] = put_value(&w, 2, 0, 60, "DESC", "longer text", 1);
        offs[2] = w.len;
        vals[0] = span_of(&w, offs[0], offs[1]);
        vals[1] = span_of(&w, offs[1], offs[2]);
        r = hrec_new(vals, 2, NULL);
        assert_non_null(r);
        assert_int_equal(hrec_size(r),
                         sizeof(*r) + 2 * sizeof(struct hval) + w.len);
        hrec_free(r);
        wbuf_free(&w);
}

static void
record_capped_per_handle(void **state)
{
        uint32_t n = HVAL_MAX_PER_HANDLE + 3, i, bad = 1;
        struct span *vals = calloc(n, sizeof(*vals));
        struct wbuf w;
        struct hrec *r;

        (void)state;
        assert_non_null(vals);
        wbuf_init(&w, 0);
        put_value(&w, 1, 0, 60, "URL", "u", 0);
        for (i = 0; i < n; i++)
                vals[i] = span_of(&w, 0, w.len);
        r = hrec_new(vals, n, &bad);
        assert_non_null(r);
        assert_int_equal(r->n, HVAL_MAX_PER_HANDLE);
        assert_int_equal(bad, 0);
        hrec_free(r);
        wbuf_free(&w);
        free(vals);
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(filter_empty_selects_all),
            cmocka_unit_test(filter_by_index),
            cmocka_unit_test(filter_by_type),
            cmocka_unit_test(filter_is_or_of_index_and_type),
            cmocka_unit_test(type_prefix_queries),
            cmocka_unit_test(value_with_refs_roundtrip),
            cmocka_unit_test(malformed_values_rejected),
            cmocka_unit_test(record_sorted_by_index),
            cmocka_unit_test(record_owns_a_copy),
            cmocka_unit_test(record_skips_and_counts_bad),
            cmocka_unit_test(record_min_ttl_ignores_absolute),
            cmocka_unit_test(record_null_span_is_bad),
            cmocka_unit_test(record_empty),
            cmocka_unit_test(record_size_accounts_values),
            cmocka_unit_test(record_capped_per_handle),
        };

        return cmocka_run_group_tests_name("hval", tests, NULL, NULL);
}
