/* The per-worker record cache: LRU, entry and byte caps, expiry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/cur.h"
#include "core/hval.h"
#include "resolver/cache.h"

/* A record with one URL value whose data is `n` bytes long. */
static struct hrec *
record(size_t n)
{
        struct hval v;
        struct wbuf w;
        struct span s;
        struct hrec *r;
        char *data = malloc(n + 1);

        memset(data, 'x', n);
        memset(&v, 0, sizeof(v));
        v.index = 1;
        v.type.p = (const uint8_t *)"URL";
        v.type.len = 3;
        v.data.p = (const uint8_t *)data;
        v.data.len = (uint32_t)n;
        v.ttl = 86400;
        v.perms = HVAL_PERMS_DEFAULT;
        wbuf_init(&w, 0);
        hval_encode(&w, &v);
        s.p = w.p;
        s.len = (uint32_t)w.len;
        r = hrec_new(&s, 1, NULL);
        wbuf_free(&w);
        free(data);
        return r;
}

static int
has(struct cache *c, const char *key)
{
        struct hrec *r;

        return cache_get(c, key, strlen(key), 1000, &r);
}

static void
lru_evicts_the_least_recent(void **state)
{
        struct cache *c = cache_new(3, 1u << 30);
        struct cache_stats st;

        (void)state;
        assert_int_equal(cache_put(c, "a", 1, record(10), 5000), 0);
        assert_int_equal(cache_put(c, "b", 1, record(10), 5000), 0);
        assert_int_equal(cache_put(c, "c", 1, record(10), 5000), 0);
        assert_true(has(c, "a")); /* a is now the most recent */
        assert_int_equal(cache_put(c, "d", 1, record(10), 5000), 0);
        assert_false(has(c, "b"));
        assert_true(has(c, "a"));
        assert_true(has(c, "c"));
        assert_true(has(c, "d"));
        cache_get_stats(c, &st);
        assert_int_equal(st.entries, 3);
        assert_int_equal(st.evictions, 1);
        cache_free(c);
}

static void
byte_cap_evicts(void **state)
{
        struct cache *c = cache_new(1000, 8192);
        struct cache_stats st;
        char key[16];
        int i;

        (void)state;
        for (i = 0; i < 20; i++) {
                snprintf(key, sizeof(key), "k%d", i);
                assert_int_equal(
                    cache_put(c, key, strlen(key), record(1000), 5000), 0);
        }
        cache_get_stats(c, &st);
        assert_true(st.bytes <= 8192);
        assert_true(st.entries >= 4 && st.entries < 20);
        assert_true(has(c, "k19"));
        assert_false(has(c, "k0"));
        cache_free(c);
}

static void
memo_counts_once_looked_up(void **state)
{
        struct cache *c = cache_new(10, 1u << 20);
        struct cache_stats before, after;
        struct hrec *r;

        (void)state;
        assert_int_equal(cache_put(c, "m", 1, record(10), 5000), 0);
        cache_get_stats(c, &before);
        assert_true(cache_get(c, "m", 1, 1000, &r));
        r->memo = malloc(4000);
        r->memo_len = 4000;
        assert_true(cache_get(c, "m", 1, 1000, &r));
        cache_get_stats(c, &after);
        assert_int_equal(after.bytes, before.bytes + 4000);
        cache_del(c, "m", 1);
        cache_get_stats(c, &after);
        assert_int_equal(after.bytes, 0);
        cache_free(c);
}

static void
expiry_and_negative_entries(void **state)
{
        struct cache *c = cache_new(10, 1u << 20);
        struct hrec *r = (struct hrec *)1;

        (void)state;
        assert_int_equal(cache_put(c, "gone", 4, NULL, 2000), 0);
        assert_true(cache_get(c, "gone", 4, 1999, &r));
        assert_null(r); /* known not to exist */
        assert_false(cache_get(c, "gone", 4, 2000, &r)); /* expired */
        assert_int_equal(cache_put(c, "x", 1, record(5), 3000), 0);
        assert_int_equal(cache_put(c, "x", 1, record(6), 3000),
                         0); /* replace */
        assert_true(cache_get(c, "x", 1, 1000, &r));
        assert_int_equal(r->v[0].data.len, 6);
        cache_clear(c);
        assert_false(has(c, "x"));
        cache_free(c);
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(lru_evicts_the_least_recent),
            cmocka_unit_test(byte_cap_evicts),
            cmocka_unit_test(memo_counts_once_looked_up),
            cmocka_unit_test(expiry_and_negative_entries),
        };

        return cmocka_run_group_tests_name("cache", tests, NULL, NULL);
}
